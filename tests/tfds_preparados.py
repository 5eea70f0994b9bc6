"""Escribe `cifar100` de tensorflow-datasets preparado de verdad, pequeño (`caltech_birds2010` lo prepara el
paquete: `datos.conjuntos_tfds.preparar_pajaros_tfds`).

Se usan el escritor de TFDS (`tfds.dataset_builders.store_as_tfds_dataset`) y las características, el
nombre y la versión de las clases de TFDS (leídos de su código, sin datos ni red), con las particiones
reales `train` y `test`: la clase de TFDS de cada conjunto los lee como si fueran los reales.
"""

import os

import numpy as np
import tensorflow_datasets as tfds

from datos.conjuntos_tfds import caracteristicas_reales

CLASES_CIFAR = 30  # las 25 primeras del ejercicio y 5 más, que deben quedar fuera
POR_CLASE_CIFAR = {"train": 2, "test": 1}


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
