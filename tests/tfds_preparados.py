"""Escribe conjuntos de tensorflow-datasets preparados de verdad, pequeños: `cifar100` y `caltech_birds2010`.

Se usan el escritor de TFDS (`tfds.dataset_builders.store_as_tfds_dataset`) y las características, el
nombre y la versión de las clases de TFDS (leídos de su código, sin datos ni red), con las particiones
reales `train` y `test`: la clase de TFDS de cada conjunto los lee como si fueran los reales.
"""

import os

import numpy as np
import tensorflow_datasets as tfds
from PIL import Image

CLASES_CIFAR = 30  # las 25 primeras del ejercicio y 5 más, que deben quedar fuera
POR_CLASE_CIFAR = {"train": 2, "test": 1}


def caracteristicas_reales(nombre, carpeta):
    """Características y versión de la clase de TFDS `nombre` (de su código, sin datos ni red)."""
    constructor = tfds.builder(nombre, data_dir=os.fspath(carpeta))
    if constructor.is_prepared():
        raise FileExistsError(f"'{nombre}' ya está preparado en '{carpeta}'.")
    return constructor.info.features, str(constructor.version)


def escribir_cifar100(carpeta, clases=CLASES_CIFAR, por_clase=None):
    """CIFAR-100 en miniatura en `carpeta`: el píxel (0, 0) de cada imagen es (posición original, clase fina, 7)."""
    por_clase = por_clase or POR_CLASE_CIFAR
    features, version = caracteristicas_reales("cifar100", carpeta)
    generador = np.random.default_rng(0)
    particiones = {}
    for particion, n in por_clase.items():
        ejemplos = []
        for i in range(clases * n):
            clase = i % clases
            imagen = generador.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
            imagen[0, 0] = (i, clase, 7)
            ejemplos.append(
                (i, {"id": f"{particion}_{i:05d}", "image": imagen, "label": clase, "coarse_label": clase % 20})
            )
        particiones[particion] = ejemplos
    tfds.dataset_builders.store_as_tfds_dataset(
        name="cifar100", version=version, features=features, split_datasets=particiones, data_dir=os.fspath(carpeta)
    )


def escribir_pajaros(carpeta, jpeg):
    """caltech_birds2010 en `carpeta` con los mismos JPEG (los mismos bytes) que la carpeta CUB-200 `jpeg`.

    Las particiones son las de `train.txt` y `test.txt`; la etiqueta, el número de la especie menos 1,
    como en TFDS. La caja y la máscara de segmentación no significan nada (tienen la forma real).
    """
    jpeg = os.fspath(jpeg)
    features, version = caracteristicas_reales("caltech_birds2010", carpeta)
    particiones = {}
    for particion in ("train", "test"):
        with open(os.path.join(jpeg, f"{particion}.txt"), encoding="utf-8") as f:
            relativas = f.read().split()
        ejemplos = []
        for relativa in relativas:
            especie = relativa.split("/")[0]
            with Image.open(os.path.join(jpeg, relativa)) as imagen:
                ancho, alto = imagen.size
            nombre = f"images/{relativa}"
            ejemplos.append(
                (
                    nombre,
                    {
                        "image": os.path.join(jpeg, relativa),  # los bytes del archivo, sin volver a codificar
                        "image/filename": nombre,
                        "label": int(especie.split(".")[0]) - 1,
                        "label_name": especie.split(".", 1)[1].lower(),
                        "bbox": tfds.features.BBox(ymin=0.1, xmin=0.2, ymax=0.9, xmax=0.8),
                        "segmentation_mask": np.zeros((alto, ancho, 1), dtype=np.uint8),
                    },
                )
            )
        particiones[particion] = ejemplos
    tfds.dataset_builders.store_as_tfds_dataset(
        name="caltech_birds2010",
        version=version,
        features=features,
        split_datasets=particiones,
        data_dir=os.fspath(carpeta),
    )
