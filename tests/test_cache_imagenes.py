"""Decodificar una sola vez (issue 26): la caché de imágenes decodificadas y el preprocesado dentro del modelo.

Con la caché, los lotes son los mismos que decodificando en cada época (mismo orden con la misma semilla), y
desde la segunda época no se lee ni un JPEG (se borran y el entrenamiento sigue). Una caché vieja (otra
imagen, otro tamaño, otra versión del paquete) no se lee nunca, ni una a medias. Con el preprocesado dentro
del modelo (`con_preprocesado`), la primera época de BirdNetV3 da las mismas pérdidas que la tubería de
antes (preprocesado en la CPU) con la misma semilla.
"""

import glob
import os
import shutil

import keras
import numpy as np
import pytest

from datos import abrir_pajaros, escribir_pajaros_sinteticos
from datos import cache_imagenes as cache
from datos.errores import ErrorDatos
from modelos import con_preprocesado, getBirdNetV3, getResNet50, preprocesar_imagenes


@pytest.fixture
def pajaros(tmp_path):
    return abrir_pajaros(escribir_pajaros_sinteticos(tmp_path / "pajaros", num_clases=3, por_clase=6, tamano=40))


def _lotes(ds):
    return [(x.numpy(), y.numpy()) for x, y in ds]


def _archivos_cache():
    return sorted(glob.glob(os.path.join(cache.carpeta_cache(), "*")))


@pytest.mark.parametrize("modo", ["memoria", "disco"])
def test_los_mismos_lotes_que_decodificando_en_cada_epoca(pajaros, modo):
    seleccion = [8, 1, 5, 3, 0, 7, 2]
    opciones = dict(batch=3, tamano=32, barajar=True, semilla=4)
    antes = _lotes(pajaros.pipeline("train", seleccion, **opciones))
    ahora = _lotes(pajaros.pipeline("train", seleccion, cache=modo, **opciones))
    assert len(antes) == len(ahora) == 3
    for (xa, ya), (xb, yb) in zip(antes, ahora):
        assert xb.dtype == np.uint8 and np.array_equal(xa, xb) and np.array_equal(ya, yb)
    (archivo,) = _archivos_cache()
    guardada = np.load(archivo, mmap_mode="r")
    assert guardada.shape == (pajaros.num("train"), 32, 32, 3)
    # la memoria o el disco: un array en memoria o un memmap del archivo
    x = cache.imagenes_en_cache(
        {**pajaros.descripcion("train"), "tamano": [32, 32]}, None, pajaros.num("train"), (32, 32, 3), modo
    )
    assert isinstance(x, np.memmap) == (modo == "disco") and np.array_equal(x, guardada)


def test_desde_la_segunda_epoca_no_se_lee_ninguna_imagen(pajaros, tmp_path):
    it = pajaros.pipeline("train", batch=4, tamano=32, cache="auto", barajar=True, semilla=0)
    primera = np.concatenate([x for x, _ in _lotes(it)])
    shutil.rmtree(os.path.dirname(os.path.dirname(pajaros.rutas_train[0])))  # ni un JPEG
    segunda = np.concatenate([x for x, _ in _lotes(it)])
    assert sorted(map(bytes, primera)) == sorted(map(bytes, segunda)) and not np.array_equal(primera, segunda)


def test_una_cache_vieja_no_se_lee(pajaros, monkeypatch):
    opciones = dict(batch=18, tamano=32, cache="memoria")
    ((x, _),) = _lotes(pajaros.pipeline("test", **opciones))
    (primera,) = _archivos_cache()
    # otra imagen en el mismo sitio (otra fecha y otro contenido): otra clave, se decodifica de nuevo
    ruta = pajaros.rutas_test[0]
    shutil.copy(pajaros.rutas_test[1], ruta)
    os.utime(ruta, ns=(1, 1))
    ((x2, _),) = _lotes(pajaros.pipeline("test", **opciones))
    assert len(_archivos_cache()) == 2 and np.array_equal(x2[0], x2[1]) and not np.array_equal(x[0], x2[0])
    # otro tamaño u otra versión del paquete: otra clave
    _lotes(pajaros.pipeline("test", batch=18, tamano=33, cache="memoria"))
    monkeypatch.setattr("importlib.metadata.version", lambda nombre: "99.0")
    _lotes(pajaros.pipeline("test", **opciones))
    assert len(_archivos_cache()) == 4 and primera in _archivos_cache()


def test_una_cache_a_medias_no_se_usa(pajaros):
    descripcion = {**pajaros.descripcion("train"), "tamano": [32, 32]}
    n = pajaros.num("train")

    def interrumpidos():
        yield np.zeros((4, 32, 32, 3), np.uint8)
        raise KeyboardInterrupt  # Ctrl+C a mitad de la primera pasada

    with pytest.raises(KeyboardInterrupt):
        cache.imagenes_en_cache(descripcion, interrumpidos, n, (32, 32, 3))
    assert _archivos_cache() == []  # ni la caché ni su temporal
    # un temporal de un proceso que ya no existe (un kill -9): no se lee y se borra
    huerfano = os.path.join(cache.carpeta_cache(), f"{cache.clave(descripcion)}.npy.parcial-999999999-x")
    np.save(huerfano, np.zeros((n, 32, 32, 3), np.uint8))
    x = cache.imagenes_en_cache(
        descripcion, lambda: (x.numpy() for x, _ in pajaros.pipeline("train", tamano=32)), n, (32, 32, 3)
    )
    assert x.any() and len(_archivos_cache()) == 1 and not os.path.exists(huerfano)
    # una partición que no tiene las imágenes que dice su listado: error, y nada escrito
    otra = {**descripcion, "tamano": [31, 31]}
    with pytest.raises(ErrorDatos, match="tiene 4 imágenes y su listado dice 9"):
        cache.imagenes_en_cache(otra, lambda: iter([np.zeros((4, 31, 31, 3), np.uint8)]), n, (31, 31, 3))
    assert len(_archivos_cache()) == 1


def test_auto_usa_el_disco_si_no_cabe_en_el_presupuesto(pajaros, monkeypatch):
    descripcion = {**pajaros.descripcion("train"), "tamano": [32, 32]}
    lotes = lambda: (x.numpy() for x, _ in pajaros.pipeline("train", tamano=32))  # noqa: E731
    n = pajaros.num("train")
    assert not isinstance(cache.imagenes_en_cache(descripcion, lotes, n, (32, 32, 3)), np.memmap)
    monkeypatch.setattr(cache, "presupuesto", lambda: 1000)  # 1 KB: no cabe
    assert isinstance(cache.imagenes_en_cache(descripcion, lotes, n, (32, 32, 3)), np.memmap)


def test_el_presupuesto_es_la_mitad_de_la_memoria_disponible_hasta_4_gb():
    with open("/proc/meminfo") as f:
        disponible = next(int(linea.split()[1]) * 1024 for linea in f if linea.startswith("MemAvailable:"))
    assert abs(cache.presupuesto() - min(disponible // 2, 4 * 1024**3)) < 256 * 1024**2


def test_preprocesado_en_el_modelo_mismas_perdidas_que_en_la_cpu(pajaros, eager):
    """BirdNetV3 sin aumento, misma semilla: la primera época con la tubería de antes (decodificar en cada
    época y preprocesar en la CPU) y con la de ahora (caché uint8 y preprocesado en el modelo)."""

    def entrenar(nueva):
        keras.utils.set_random_seed(7)
        red = getBirdNetV3(getResNet50("avg", (32, 32, 3), weights=None), num_clases=3)
        opciones = dict(batch=3, tamano=32, barajar=True, semilla=7)
        if nueva:
            modelo, lotes = con_preprocesado(red), pajaros.pipeline("train", cache="memoria", **opciones)
        else:
            lotes = pajaros.pipeline("train", transformacion=lambda x, y: (preprocesar_imagenes(x), y), **opciones)
            modelo = red
        modelo.compile(optimizer=keras.optimizers.SGD(0.01), loss="categorical_crossentropy")
        perdidas = []
        for x, y in lotes:
            perdidas.append(float(modelo.train_on_batch(x, y)))
        return perdidas, red.get_weights()[0]

    (antes, pesos_antes), (ahora, pesos_ahora) = entrenar(False), entrenar(True)
    assert len(antes) == 3 and np.allclose(antes, ahora, rtol=1e-4, atol=1e-5), (antes, ahora)
    assert np.allclose(pesos_antes, pesos_ahora, rtol=1e-4, atol=1e-6)


def test_con_preprocesado_recibe_uint8_y_comparte_las_capas():
    red = getBirdNetV3(getResNet50("avg", (32, 32, 3), weights=None), num_clases=4)
    modelo = con_preprocesado(red)
    assert modelo.input.dtype == "uint8" and modelo.count_params() == red.count_params()
    x = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    np.testing.assert_allclose(modelo.predict(x, verbose=0), red.predict(preprocesar_imagenes(x), verbose=0), atol=1e-6)
