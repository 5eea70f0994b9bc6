"""Fuentes de tensorflow-datasets (`tfds:cifar100`, `tfds:caltech_birds2010`) con conjuntos TFDS preparados de verdad.

Los conjuntos se escriben con el escritor de TFDS (`tests/tfds_preparados.py`), con las características, el
nombre, la versión y las particiones de los reales, pero pocas imágenes; se leen con el camino de lectura
real de TFDS y desde la línea de órdenes de los ejercicios. Sin red (las conexiones se prohíben mientras se
leen) y sin imitar TFDS.
"""

import os
import socket

import numpy as np
import pytest
import tensorflow_datasets as tfds

from datos import DatosNoDisponibles, ErrorDatos, abrir_pajaros, cargar_fuente, cargarDatos, escribir_pajaros_sinteticos
from datos.conjuntos_tfds import carpeta_tfds, orden_preparar
from datos.conjuntos_tfds import preparar_pajaros_tfds as escribir_pajaros
from datos.pipelines import decodificar_imagen, pipeline_desde_archivos
from practicas.__main__ import main
from tests.tfds_preparados import CLASES_CIFAR, escribir_cifar100
from utilidades.resultados import leer_csv


@pytest.fixture(scope="module")
def preparados(tmp_path_factory):
    """`(carpeta de TFDS con cifar100 y caltech_birds2010 preparados, carpeta CUB-200 con los mismos JPEG)`."""
    base = tmp_path_factory.mktemp("tfds")
    jpeg = escribir_pajaros_sinteticos(base / "jpeg", num_clases=3, por_clase=6, tamano=40)
    datos = base / "datos_tfds"
    escribir_cifar100(str(datos))
    escribir_pajaros(str(datos), jpeg)
    return datos, jpeg


@pytest.fixture
def sin_red(monkeypatch):
    """Cualquier intento de conexión falla: los datos preparados se leen sin descargar nada."""

    def conectar(*args, **kwargs):
        raise AssertionError(f"intento de conexión de red: {args}")

    monkeypatch.setattr(socket.socket, "connect", conectar)
    monkeypatch.setattr(socket, "create_connection", conectar)


def test_caracteristicas_como_las_reales(preparados):
    datos, _ = preparados
    cifar = tfds.builder("cifar100", data_dir=str(datos))
    assert cifar.is_prepared() and type(cifar).__name__ == "Cifar100"  # la clase real de TFDS lee los datos
    f = cifar.info.features
    assert f["image"].shape == (32, 32, 3) and f["label"].num_classes == 100 and f["coarse_label"].num_classes == 20
    assert set(cifar.info.splits) == {"train", "test"}
    pajaros = tfds.builder("caltech_birds2010", data_dir=str(datos))
    assert pajaros.is_prepared() and type(pajaros).__name__ == "CaltechBirds2010"
    f = pajaros.info.features
    assert f["image"].shape == (None, None, 3) and f["label"].num_classes == 200
    assert f["segmentation_mask"].shape == (None, None, 1) and set(f) >= {"bbox", "label_name", "image/filename"}
    assert pajaros.info.splits["train"].num_examples == 9 and pajaros.info.splits["test"].num_examples == 9


def test_cifar100_contrato_del_profesor(preparados, sin_red, monkeypatch):
    datos, _ = preparados
    x_train, y_train, x_test, y_test = cargar_fuente("tfds:cifar100", carpeta_tfds=datos)
    assert x_train.shape == (50, 32, 32, 3) and x_test.shape == (25, 32, 32, 3)  # solo las 25 primeras clases
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() <= 1
    assert y_train.shape == (50, 25) and y_test.shape == (25, 25) and y_train.dtype == np.float32
    # cada imagen con su clase fina, todas las de las 25 clases, ninguna de más (en el orden de TFDS)
    posicion, clase = (np.round(x_train[:, 0, 0, k] * 255).astype(int) for k in (0, 1))
    assert np.array_equal(np.argmax(y_train, axis=1), clase) and clase.max() < 25
    assert sorted(posicion) == [i for i in range(60) if i % CLASES_CIFAR < 25]
    assert np.array_equal(y_test.sum(axis=0), np.ones(25))
    # la carpeta también se toma de TFDS_DATA_DIR
    monkeypatch.setenv("TFDS_DATA_DIR", str(datos))
    assert np.array_equal(cargar_fuente("tfds:cifar100")[0], x_train)


def test_pajaros_por_la_tuberia_de_los_jpeg(preparados, sin_red):
    datos, jpeg = preparados
    listado = abrir_pajaros("tfds:caltech_birds2010", carpeta_tfds=datos)
    carpeta = abrir_pajaros(jpeg)
    assert listado.num("train") == carpeta.num("train") == 9 and len(listado.clases) == 200
    # el camino de lectura de TFDS (tfds.load sin descarga) da los registros en el mismo orden que la tubería
    registros = tfds.load(
        "caltech_birds2010", split="train", data_dir=str(datos), download=False, try_gcs=False, shuffle_files=False
    )
    nombres = [e["image/filename"].numpy().decode() for e in registros]
    etiquetas = [int(e["label"]) for e in registros]
    assert np.array_equal(np.argmax(listado.y_train, axis=1), etiquetas)
    x, y = next(iter(listado.pipeline("train", batch=9, tamano=32)))
    assert x.dtype == "uint8" and x.shape == (9, 32, 32, 3) and np.array_equal(np.argmax(y, axis=1), etiquetas)
    # las mismas imágenes que la carpeta de JPEG, decodificadas y redimensionadas igual
    rutas = {f"images/{os.path.relpath(r, jpeg)}": r for r in carpeta.rutas_train}
    desde_jpeg = next(iter(pipeline_desde_archivos([rutas[n] for n in nombres], batch=9, tamano=32)))
    assert np.array_equal(x.numpy(), desde_jpeg.numpy())
    primera = next(iter(registros))["image"]  # decodificada por TFDS
    assert np.array_equal(decodificar_imagen(primera, (32, 32)).numpy(), x.numpy()[0])

    # una selección (p. ej. la validación) y el barajado, sin decodificar las demás
    seleccion = [7, 2, 4]
    vistas = [
        [int(np.argmax(f)) for _, yb in listado.pipeline("train", seleccion, batch=2, tamano=32) for f in yb]
        for _ in range(2)
    ]
    assert vistas[0] == [etiquetas[i] for i in sorted(seleccion)] == vistas[1]
    barajado = listado.pipeline("train", batch=4, tamano=32, barajar=True, semilla=3)
    assert barajado.cardinality() == 3
    epocas = [np.concatenate([xb.numpy() for xb, _ in barajado]) for _ in range(2)]
    assert sorted(map(bytes, epocas[0])) == sorted(map(bytes, epocas[1])) == sorted(map(bytes, x.numpy()))


def test_cargarDatos_desde_tfds(preparados, sin_red):
    datos, jpeg = preparados
    x_train, y_train, x_test, y_test = cargarDatos("tfds:caltech_birds2010", tamano=32, semilla=0, carpeta_tfds=datos)
    assert x_train.dtype == np.uint8 and x_train.shape == (9, 32, 32, 3) and x_test.shape == (9, 32, 32, 3)
    assert y_train.shape == (9, 200) and y_train.dtype == np.float32
    # las mismas imágenes, con las mismas clases (la especie NNN es la columna NNN - 1), que la carpeta
    xj, yj, _, _ = cargarDatos(jpeg, tamano=32, semilla=0)
    por_imagen = {bytes(a): int(np.argmax(b)) for a, b in zip(xj, yj)}
    assert {bytes(a): int(np.argmax(b)) for a, b in zip(x_train, y_train)} == por_imagen
    otra = cargarDatos("tfds:caltech_birds2010", tamano=32, semilla=1, carpeta_tfds=datos)
    assert not np.array_equal(otra[0], x_train)  # barajadas con la semilla
    assert sorted(map(bytes, otra[0])) == sorted(map(bytes, x_train))
    assert cargarDatos("tfds:caltech_birds2010", tamano=32, dtype="float32", carpeta_tfds=datos)[0].dtype == np.float32


def test_sin_preparar_dice_donde_y_como(tmp_path, sin_red):
    vacia = tmp_path / "vacia"
    with pytest.raises(DatosNoDisponibles) as error:
        cargar_fuente("tfds:caltech_birds2010", carpeta_tfds=vacia)
    mensaje = str(error.value)
    assert str(vacia) in mensaje and orden_preparar("caltech_birds2010", str(vacia)) in mensaje
    assert "download_and_prepare()" in mensaje and not vacia.exists()  # no se ha descargado ni creado nada
    with pytest.raises(DatosNoDisponibles, match="tfds:cifar100, tfds:caltech_birds2010"):
        cargar_fuente("tfds:imagenet")
    assert carpeta_tfds() == os.environ["TFDS_DATA_DIR"]


def test_otra_version_preparada_se_lee_de_su_carpeta(tmp_path, sin_red):
    # Una carpeta preparada con otro tensorflow-datasets (otra versión del conjunto) también se lee.
    features = tfds.builder("cifar100", data_dir=str(tmp_path)).info.features
    imagen = np.full((32, 32, 3), 51, dtype=np.uint8)
    particiones = {
        p: [(i, {"id": f"{p}_{i:05d}", "image": imagen, "label": i, "coarse_label": 0}) for i in range(3)]
        for p in ("train", "test")
    }
    tfds.dataset_builders.store_as_tfds_dataset(
        name="cifar100", version="3.0.1", features=features, split_datasets=particiones, data_dir=str(tmp_path)
    )
    x_train, y_train, _, y_test = cargar_fuente("tfds:cifar100", carpeta_tfds=tmp_path)
    assert x_train.shape == (3, 32, 32, 3) and np.allclose(x_train, 0.2) and y_test.shape == (3, 25)


def test_ejercicio1_con_tfds_cifar100(preparados, tmp_path, capsys, sin_red):
    datos, _ = preparados
    orden = ["p3", "ejercicio1", "--datos", "tfds:cifar100", "--epocas", "1", "--semilla", "0", "--silencioso"]
    assert main([*orden, "--tfds-dir", str(datos), "--salida", str(tmp_path / "res")]) == 0
    assert "Resultados en test de BaseNet" in capsys.readouterr().out
    # sin --tfds-dir se busca en TFDS_DATA_DIR (vacía aquí): error en español con la orden que lo prepara
    assert main([*orden, "--salida", str(tmp_path / "otra")]) == 2
    error = capsys.readouterr().err
    assert os.environ["TFDS_DATA_DIR"] in error and "download_and_prepare()" in error
    assert not (tmp_path / "otra").exists()
    # los pájaros no sirven para el ejercicio 1, y se dice sin leerlos
    assert main(["p3", "ejercicio1", "--datos", "tfds:caltech_birds2010", "--tfds-dir", str(datos)]) == 2
    assert "da imágenes de 224×224×3" in capsys.readouterr().err


def test_ejercicio3_con_tfds_y_cache_de_caracteristicas(preparados, tmp_path, capsys, sin_red, eager):
    datos, jpeg = preparados
    comunes = ["--pesos", "ninguno", "--epocas", "1", "--tamano", "32", "--semilla", "0", "--variante", "v0"]
    salida = tmp_path / "tfds"
    orden = ["p3", "ejercicio3", "--datos", "tfds:caltech_birds2010", "--tfds-dir", str(datos), *comunes]
    assert main([*orden, "--salida", str(salida), "--silencioso"]) == 0
    texto = capsys.readouterr().out
    assert "Datos: tfds:caltech_birds2010" in texto and "9 de entrenamiento, 9 de test, 200 clases" in texto
    assert texto.count("Extrayendo características") == 2
    historial = leer_csv(salida / "birdnetv0" / "rep_1" / "historial.csv")
    assert len(historial) == 1 and np.isfinite(historial[0]["val_loss"])
    assert main([*orden, "--salida", str(salida), "--silencioso", "--reanudar"]) == 0
    assert capsys.readouterr().out.count("leídas de la caché") == 2

    # La misma red (misma semilla) sobre la carpeta de los mismos JPEG: las mismas características.
    desde_jpeg = ["p3", "ejercicio3", "--datos", str(jpeg), *comunes, "--salida", str(tmp_path / "jpeg")]
    assert main([*desde_jpeg, "--silencioso"]) == 0
    capsys.readouterr()
    registros = tfds.load("caltech_birds2010", split="train", data_dir=str(datos), download=False, try_gcs=False)
    nombres = [e["image/filename"].numpy().decode() for e in registros]
    rutas = [f"images/{os.path.relpath(r, jpeg)}" for r in abrir_pajaros(jpeg).rutas_train]
    with (
        np.load(salida / "caracteristicas" / "avg_train.npz") as t,
        np.load(tmp_path / "jpeg" / "caracteristicas" / "avg_train.npz") as j,
    ):
        assert t["x"].shape == (9, 2048) and t["y"].shape == (9, 200)
        orden_jpeg = [rutas.index(n) for n in nombres]
        np.testing.assert_allclose(t["x"], j["x"][orden_jpeg], rtol=1e-4, atol=1e-4)
        assert np.array_equal(np.argmax(t["y"], axis=1), np.argmax(j["y"][orden_jpeg], axis=1))

    assert main(["p3", "ejercicio3", "--datos", "tfds:cifar100", "--tfds-dir", str(datos)]) == 2
    assert "no son los pájaros" in capsys.readouterr().err


def test_tuberia_comprueba_el_dataset_de_origen():
    import tensorflow as tf

    with pytest.raises(ValueError, match="las etiquetas van en sus elementos"):
        pipeline_desde_archivos(tf.data.Dataset.from_tensor_slices(["a"]), [0])
    with pytest.raises(ValueError, match="escalar tf.string"):
        pipeline_desde_archivos(tf.data.Dataset.from_tensor_slices(np.zeros((2, 3), "float32")))
    with pytest.raises(ValueError, match="vacío"):
        pipeline_desde_archivos(tf.data.Dataset.from_tensor_slices(np.zeros((0, 4, 4, 3), "uint8")))
    # imágenes ya decodificadas (en gris) también valen: se pasan a RGB y se redimensionan
    grises = tf.data.Dataset.from_tensor_slices((np.full((3, 8, 6, 1), 9, "uint8"), [0, 1, 2]))
    x, y = next(iter(pipeline_desde_archivos(grises, batch=3, tamano=(4, 5))))
    assert x.shape == (3, 4, 5, 3) and int(x.numpy().min()) == 9 and list(y.numpy()) == [0, 1, 2]
    with pytest.raises(ErrorDatos, match="no son los pájaros"):
        abrir_pajaros("tfds:cifar100")
