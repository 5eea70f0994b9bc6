"""Caché de características (práctica 3, §4.1): extraer una vez, entrenar la cabeza, mismo resultado."""

import os

import keras
import numpy as np
import pytest

from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from datos.pipelines import pipeline_desde_arrays
from modelos import getBirdNetV0, getBirdNetV1, getBirdNetV2, getResNet50, preprocesar_imagenes
from utilidades.caracteristicas import (
    cargar_caracteristicas,
    extraer_caracteristicas,
    guardar_caracteristicas,
    separar_modelo,
)
from utilidades.entrenamiento import compileModel

FORMA = (32, 32, 3)
CLASES = 4


def _predecir(modelo, x):
    """Inferencia sin `predict` (que compilaría un grafo de ResNet50 por modelo: segundos en CPU)."""
    return keras.ops.convert_to_numpy(modelo(x, training=False))


@pytest.fixture(scope="module")
def imagenes():
    generador = np.random.default_rng(0)
    x = preprocesar_imagenes(generador.uniform(0, 255, (12, *FORMA))).numpy()
    y = np.eye(CLASES, dtype="float32")[np.arange(12) % CLASES]
    return x, y


@pytest.fixture(scope="module")
def birdnetv1():
    keras.utils.set_random_seed(0)
    return getBirdNetV1(getResNet50("avg", FORMA, weights=None), num_clases=CLASES)


def test_cabeza_sobre_caracteristicas_igual_que_el_modelo_compuesto(birdnetv1, imagenes):
    x, _ = imagenes
    extractor, cabeza = separar_modelo(birdnetv1)
    assert extractor.output.shape == (None, 2048) and cabeza.output.shape == (None, CLASES)
    assert cabeza.get_layer("cabeza_densa_768") is birdnetv1.get_layer("cabeza_densa_768")  # pesos compartidos
    assert len(cabeza.layers) == 1 + 6 and cabeza.count_params() + extractor.count_params() == birdnetv1.count_params()
    caracteristicas = extraer_caracteristicas(extractor, x, batch=6)
    assert caracteristicas.shape == (12, 2048) and caracteristicas.dtype == np.float32
    np.testing.assert_allclose(_predecir(cabeza, caracteristicas), _predecir(birdnetv1, x), atol=1e-6)
    # con un Dataset de (imágenes, etiquetas) sale lo mismo que con el array
    lotes = pipeline_desde_arrays(x, np.zeros((12, 1)), batch=6)
    np.testing.assert_allclose(extraer_caracteristicas(extractor, lotes), caracteristicas, rtol=1e-5, atol=1e-5)
    en_float16 = extraer_caracteristicas(extractor, x, dtype="float16")
    assert en_float16.dtype == np.float16
    np.testing.assert_allclose(en_float16, caracteristicas, rtol=2e-3, atol=1e-3)


def test_birdnetv2_se_corta_antes_de_la_convolucion(imagenes):
    x, _ = imagenes
    modelo = getBirdNetV2(getResNet50(None, FORMA, weights=None), num_clases=CLASES)
    extractor, cabeza = separar_modelo(modelo)
    caracteristicas = extraer_caracteristicas(extractor, x)
    assert caracteristicas.shape == (12, 1, 1, 2048)
    np.testing.assert_allclose(_predecir(cabeza, caracteristicas), _predecir(modelo, x), atol=1e-6)


def test_entrenar_la_cabeza_equivale_a_entrenar_el_modelo_compuesto(imagenes):
    """Mismos pesos iniciales y mismos lotes: entrenar de extremo a extremo y sobre la caché da los mismos pesos."""
    x, y = imagenes
    compuesto = getBirdNetV0(getResNet50("avg", FORMA, weights=None), num_clases=CLASES)
    iniciales = compuesto.get_weights()
    compileModel(compuesto)
    compuesto.run_eagerly = True  # sin compilar el grafo de ResNet50: más rápido para 6 pasos
    compuesto.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    final_compuesto = compuesto.get_layer("cabeza_softmax").get_weights()

    compuesto.set_weights(iniciales)
    extractor, cabeza = separar_modelo(compuesto)
    caracteristicas = extraer_caracteristicas(extractor, x)
    compileModel(cabeza)
    cabeza.fit(caracteristicas, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(final_compuesto, compuesto.get_layer("cabeza_softmax").get_weights()):
        assert not np.allclose(a, iniciales[-2] if a.ndim == 2 else iniciales[-1])  # ha entrenado
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # y el modelo compuesto ya predice con la cabeza entrenada sobre la caché
    np.testing.assert_allclose(_predecir(compuesto, x), _predecir(cabeza, caracteristicas), atol=1e-6)


def test_guardar_y_cargar_la_cache(tmp_path):
    x = np.random.default_rng(1).normal(size=(6, 3, 3, 8)).astype("float16")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
    ruta = tmp_path / "sub" / "caracteristicas.npz"
    assert guardar_caracteristicas(ruta, x, y, descripcion="ResNet50 avg 32") == str(ruta)
    assert os.listdir(ruta.parent) == ["caracteristicas.npz"]  # sin temporales
    x2, y2 = cargar_caracteristicas(ruta, descripcion="ResNet50 avg 32")
    assert x2.dtype == np.float16
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)
    with np.load(ruta, allow_pickle=False) as archivo:  # formato documentado, sin pickles
        assert sorted(archivo.files) == ["descripcion", "x", "y"]
    with pytest.raises(ErrorDatos, match="se calculó con otra red o con otros datos"):
        cargar_caracteristicas(ruta, descripcion="ResNet50 avg 224")


def test_cache_errores(tmp_path):
    with pytest.raises(ErrorParametro, match=r"'y' debe ser un array de 2 etiquetas, una por fila de 'x' y es de 3"):
        guardar_caracteristicas(tmp_path / "a.npz", np.zeros((2, 4)), np.zeros((3, 2)))
    with pytest.raises(DatosNoDisponibles, match="No existe la caché de características '.*no_esta.npz'"):
        cargar_caracteristicas(tmp_path / "no_esta.npz")
    (tmp_path / "roto.npz").write_bytes(b"no es un npz")
    with pytest.raises(ErrorDatos, match="'.*roto.npz' no es un .npz válido"):
        cargar_caracteristicas(tmp_path / "roto.npz")
    np.savez(tmp_path / "otro.npz", x=np.zeros(2))
    with pytest.raises(ErrorDatos, match="no es una caché de características: le falta el array 'y'"):
        cargar_caracteristicas(tmp_path / "otro.npz")


def test_separar_y_extraer_errores(birdnetv1):
    sin_cabeza = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="densa")])
    with pytest.raises(ErrorParametro, match="'capa' debe ser el nombre .* no tiene capas con el prefijo 'cabeza_'"):
        separar_modelo(sin_cabeza)
    with pytest.raises(ErrorParametro, match="'capa' debe ser el nombre de una capa del modelo .* y es 'no_esta'"):
        separar_modelo(birdnetv1, capa="no_esta")
    extractor, cabeza = separar_modelo(birdnetv1, capa="cabeza_densa_768")
    assert extractor.output.shape == (None, 768) and cabeza.input.shape == (None, 768)
    with pytest.raises(ErrorParametro, match="'datos' debe ser un lote de imágenes"):
        extraer_caracteristicas(extractor, np.zeros((0, 32, 32, 3)))
    with pytest.raises(ErrorParametro, match="'batch' debe ser un entero mayor o igual que 1 y es 0"):
        extraer_caracteristicas(extractor, np.zeros((2, 32, 32, 3)), batch=0)
