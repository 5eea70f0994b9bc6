"""`ImageDataGenerator` sobre tf.data, `CapaAumento` y `getNormalizedData` (§3, mejora 1)."""

import math
import os
import warnings

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf

from datos import (
    CapaAumento,
    ErrorParametro,
    ImageDataGenerator,
    cargar_digitos,
    getDataIterators,
    getNormalizedData,
    iteradores_normalizados,
)
from datos.geometria import matriz_afin, muestrear_bilineal
from datos.iteradores import AUMENTO_BASENETPP, separar_validacion

LADO = 32
CENTRO = (LADO - 1) / 2


def _todo(ds):
    lotes = list(ds)
    if isinstance(lotes[0], tuple):
        return tuple(np.concatenate([lote[k].numpy() for lote in lotes]) for k in range(len(lotes[0])))
    return np.concatenate([lote.numpy() for lote in lotes])


def _punto(fila, columna, n):
    """n imágenes negras con un cuadrado brillante de 2×2 centrado en (fila, columna)."""
    x = np.zeros((n, LADO, LADO, 1), "float32")
    f, c = int(fila - 0.5), int(columna - 0.5)
    x[:, f : f + 2, c : c + 2] = 1.0
    return x


def _centroides(x):
    filas, columnas = np.mgrid[:LADO, :LADO]
    masa = x[..., 0].sum(axis=(1, 2))
    return (x[..., 0] * filas).sum(axis=(1, 2)) / masa, (x[..., 0] * columnas).sum(axis=(1, 2)) / masa


def _parametros(n, **valores):
    p = {k: tf.fill([n], float(valores.get(k, 0.0))) for k in ("theta", "tx", "ty", "shear")}
    p.update({k: tf.fill([n], float(valores.get(k, 1.0))) for k in ("zx", "zy")})
    p.update({k: tf.fill([n], bool(valores.get(k, False))) for k in ("flip_horizontal", "flip_vertical")})
    return p


# ---- estadísticas ----


def test_fit_da_media_y_desviacion_por_canal():
    rng = np.random.default_rng(0)
    x = (rng.random((50, 8, 8, 3)) * [1, 2, 3] + [0, 5, -1]).astype("float32")
    copia = x.copy()
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2), dtype="float64"), rtol=1e-5)
    np.testing.assert_allclose(gen.std.ravel(), x.std(axis=(0, 1, 2), dtype="float64"), rtol=1e-5)
    assert gen.mean.shape == (1, 1, 3)
    z = gen.standardize(copia)
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2), dtype="float64"), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2), dtype="float64"), 1, atol=1e-4)
    # el test se normaliza con las estadísticas de entrenamiento, no con las suyas
    t = gen.standardize(x + 1.0)
    np.testing.assert_allclose(t.mean(axis=(0, 1, 2)), 1.0 / gen.std.ravel(), rtol=1e-4)


def test_standardize_como_el_image_data_generator_de_keras():
    """Los mismos valores que el de Keras 2 (el legado de tf.keras) y, como él, en su sitio: el hábito de
    `datagen.standardize(x_test)` sin asignar el resultado normaliza `x_test` (§2.2)."""
    x = np.random.default_rng(1).integers(0, 256, (20, 6, 6, 3)).astype("float32")
    opciones = dict(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255)
    viejo = tf.keras.preprocessing.image.ImageDataGenerator(**opciones)
    viejo.fit(x)
    nuevo = ImageDataGenerator(**opciones).fit(x)
    test = x[:5] + 40
    suyo, nuestro = test.copy(), test.copy()
    assert viejo.standardize(suyo) is suyo and nuevo.standardize(nuestro) is nuestro  # sin asignar, también
    np.testing.assert_allclose(nuestro, suyo, atol=1e-5)
    assert abs(float(nuestro.mean()) - float(test.mean())) > 1  # cambió de verdad
    enteros = test.astype("uint8")  # un array de enteros no puede cambiar en su sitio: se devuelve uno nuevo
    resultado = nuevo.standardize(enteros)
    assert resultado is not enteros and resultado.dtype == np.float32 and (enteros == test.astype("uint8")).all()
    legado = pytest.importorskip("keras.src.legacy.preprocessing.image")
    # por imagen: sin fit
    opciones = dict(samplewise_center=True, samplewise_std_normalization=True)
    viejo = legado.ImageDataGenerator(**opciones)
    esperado = np.stack([viejo.standardize(im.copy()) for im in x])
    np.testing.assert_allclose(ImageDataGenerator(**opciones).standardize(x), esperado, atol=1e-5)


# ---- muestreo y geometría ----


@pytest.mark.parametrize("modo", ["nearest", "reflect", "wrap", "constant"])
def test_muestreo_bilineal_igual_que_scipy(modo):
    """Los modos de `scipy.ndimage.affine_transform(order=1)`, los del ImageDataGenerator de Keras 2."""
    rng = np.random.default_rng(2)
    x = rng.random((2, 7, 9, 2)).astype("float32")
    # Desplazamientos no redondos: 'constant' y 'wrap' saltan justo en los bordes, y un punto que cayera
    # exactamente en uno (6,00000006 en el float64 de SciPy, 6,0 en float32) podría ir a cada lado.
    m = np.array([[[0.9, 0.3, 1.23], [-0.2, 1.1, -0.71]], [[1.3, -0.4, 2.03], [0.5, 0.8, -3.07]]], "float32")
    y = muestrear_bilineal(tf.constant(x), tf.constant(m), modo, cval=0.5).numpy()
    for b in range(2):
        for k in range(2):
            esperado = ndi.affine_transform(x[b, ..., k], m[b, :, :2], m[b, :, 2], order=1, mode=modo, cval=0.5)
            np.testing.assert_allclose(y[b, ..., k], esperado, atol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # la copia obsoleta usa scipy.ndimage.interpolation
@pytest.mark.parametrize("modo", ["nearest", "reflect", "wrap", "constant"])
def test_transformacion_afin_como_la_de_keras_2(modo):
    """Misma matriz y mismo relleno que `apply_affine_transform`; la copia de Keras 3 la aplica en (columna, fila)."""
    legado = pytest.importorskip("keras.src.legacy.preprocessing.image")
    x = np.random.default_rng(3).random((32, 32, 3)).astype("float32")
    esperado = legado.apply_affine_transform(
        x.copy(),
        theta=20,
        tx=3,
        ty=-2,
        zx=1.1,
        zy=0.9,
        row_axis=0,
        col_axis=1,
        channel_axis=2,
        fill_mode=modo,
        cval=0.3,
    )
    p = _parametros(1, theta=-math.radians(20), tx=-2, ty=3, zx=0.9, zy=1.1)  # ejes intercambiados
    y = muestrear_bilineal(tf.constant(x[None]), matriz_afin(p, 32, 32), modo, cval=0.3).numpy()[0]
    np.testing.assert_allclose(y, esperado, atol=1e-5)  # los 1.024 píxeles, bordes incluidos


def test_sin_opciones_no_cambia_nada():
    x = np.random.default_rng(4).random((10, LADO, LADO, 3)).astype("float32")
    np.testing.assert_array_equal(_todo(ImageDataGenerator().flow(x, batch_size=4, shuffle=False, seed=1)), x)
    p = _parametros(10)  # matriz identidad: el muestreo devuelve la imagen exacta
    np.testing.assert_allclose(muestrear_bilineal(tf.constant(x), matriz_afin(p, LADO, LADO), "constant"), x, atol=1e-6)


def test_desplazamientos_dentro_de_los_limites():
    n = 200
    x = _punto(CENTRO, CENTRO, n)
    gen = ImageDataGenerator(width_shift_range=0.2, height_shift_range=0.1, fill_mode="constant")
    filas, columnas = _centroides(_todo(gen.flow(x, batch_size=64, shuffle=False, seed=5)))
    df, dc = np.abs(filas - CENTRO), np.abs(columnas - CENTRO)
    assert dc.max() <= 0.2 * LADO + 1e-3 and df.max() <= 0.1 * LADO + 1e-3
    assert dc.max() > 0.15 * LADO and df.max() > 0.07 * LADO  # y llegan cerca del límite
    # en píxeles enteros a partir de 1: width_shift_range=3 da -2, -1, 0, 1 o 2
    gen = ImageDataGenerator(width_shift_range=3)
    _, columnas = _centroides(_todo(gen.flow(x, batch_size=64, shuffle=False, seed=5)))
    assert set(np.round(columnas - CENTRO, 4)) == {-2.0, -1.0, 0.0, 1.0, 2.0}


def test_rotaciones_dentro_del_rango():
    n, radio = 200, 10.0
    x = _punto(CENTRO, CENTRO + radio, n)
    gen = ImageDataGenerator(rotation_range=10, fill_mode="constant")
    filas, columnas = _centroides(_todo(gen.flow(x, batch_size=64, shuffle=False, seed=6)))
    angulos = np.degrees(np.arctan2(filas - CENTRO, columnas - CENTRO))
    np.testing.assert_allclose(np.hypot(filas - CENTRO, columnas - CENTRO), radio, atol=0.3)  # solo gira
    assert np.abs(angulos).max() <= 10 + 0.5
    assert np.abs(angulos).max() > 8 and angulos.min() < 0 < angulos.max()


@pytest.mark.parametrize("opcion, eje", [("horizontal_flip", 2), ("vertical_flip", 1)])
def test_volteos_la_mitad_de_las_veces(opcion, eje):
    n = 400
    x = np.random.default_rng(7).random((1, LADO, LADO, 1)).astype("float32").repeat(n, axis=0)
    y = _todo(ImageDataGenerator(**{opcion: True}).flow(x, batch_size=64, shuffle=False, seed=8))
    volteadas = np.all(np.isclose(y, np.flip(x, axis=eje), atol=1e-5), axis=(1, 2, 3))
    iguales = np.all(np.isclose(y, x, atol=1e-5), axis=(1, 2, 3))
    assert np.all(volteadas ^ iguales)  # cada imagen: o tal cual o volteada, exacta
    assert 0.4 < volteadas.mean() < 0.6


def test_misma_semilla_mismos_lotes_y_cada_epoca_cambia():
    x = np.random.default_rng(9).random((40, 16, 16, 3)).astype("float32")
    y = np.eye(4)[np.arange(40) % 4]
    gen = ImageDataGenerator(
        rotation_range=30, zoom_range=0.2, shear_range=10, horizontal_flip=True, brightness_range=(0.8, 1.2)
    )
    a, b = gen.flow(x, y, batch_size=8, seed=1), gen.flow(x, y, batch_size=8, seed=1)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert not np.array_equal(_todo(a)[0], _todo(gen.flow(x, y, batch_size=8, seed=2))[0])
    epoca1, epoca2 = _todo(a), _todo(a)
    assert not np.array_equal(epoca1[0], epoca2[0])


def test_sin_barajar_cada_epoca_recibe_otro_aumento_repetible():
    x = np.random.default_rng(11).random((16, 16, 16, 3)).astype("float32")
    gen = ImageDataGenerator(rotation_range=30, horizontal_flip=True)
    a, b = gen.flow(x, batch_size=8, shuffle=False, seed=4), gen.flow(x, batch_size=8, shuffle=False, seed=4)
    epocas_a = [_todo(a) for _ in range(2)]
    epocas_b = [_todo(b) for _ in range(2)]
    assert not np.array_equal(epocas_a[0], epocas_a[1])  # mismo orden, otro aumento
    for ea, eb in zip(epocas_a, epocas_b):
        np.testing.assert_array_equal(ea, eb)  # y la misma secuencia con la misma semilla


def test_validacion_y_subset_nunca_se_aumentan():
    x = np.random.default_rng(10).random((40, 16, 16, 3)).astype("float32")
    y = np.arange(40)
    gen = ImageDataGenerator(
        featurewise_center=True, rotation_range=40, horizontal_flip=True, validation_split=0.25
    ).fit(x)
    xv, yv = _todo(gen.flow(x, y, batch_size=8, shuffle=False, subset="validation"))
    np.testing.assert_array_equal(yv, np.arange(10))  # la parte inicial, como Keras 2
    np.testing.assert_allclose(xv, gen.standardize(x[:10]), atol=1e-6)
    xt, yt = _todo(gen.flow(x, y, batch_size=8, shuffle=False, seed=0, subset="training"))
    np.testing.assert_array_equal(yt, np.arange(10, 40))
    assert not np.allclose(xt, gen.standardize(x[10:]), atol=1e-3)  # el entrenamiento sí se aumenta
    np.testing.assert_allclose(_todo(gen.sin_aumento().flow(x, shuffle=False)), gen.standardize(x), atol=1e-6)


def test_imagenes_uint8_con_rescale():
    x = np.random.default_rng(11).integers(0, 256, (6, 8, 8, 3)).astype("uint8")
    lote = next(iter(ImageDataGenerator(rescale=1 / 255).flow(x, batch_size=6, shuffle=False)))
    assert lote.dtype == tf.float32
    np.testing.assert_allclose(lote.numpy(), x / 255, atol=1e-6)


def test_get_normalized_data_aumenta_solo_el_entrenamiento():
    x_train, y_train, x_test, _ = cargar_digitos()
    x_train, y_train = x_train[:300], y_train[:300]
    copias = [a.copy() for a in (x_train, y_train, x_test)]
    it_train, it_val, test_n = getNormalizedData(x_train, y_train, 32, x_test, semilla=0)
    for original, copia in zip((x_train, y_train, x_test), copias):
        np.testing.assert_array_equal(original, copia)
    x_tr, x_val, _, y_val = separar_validacion(x_train, y_train, semilla=0)
    media, desv = x_tr.mean(axis=(0, 1, 2), dtype="float64"), x_tr.std(axis=(0, 1, 2), dtype="float64")
    xv, yv = _todo(it_val)
    np.testing.assert_allclose(xv, (x_val - media) / desv, atol=1e-4)  # validación: solo normalizada
    np.testing.assert_array_equal(yv, y_val)
    np.testing.assert_allclose(test_n, (x_test - media) / desv, atol=1e-4)  # test: estadísticas de entrenamiento
    xt, _ = _todo(it_train)
    assert len(xt) == len(x_tr) and abs(xt.mean()) < 0.2
    assert not np.isclose(np.sort(xt.ravel()), np.sort(((x_tr - media) / desv).ravel()), atol=1e-3).all()


def test_los_nombres_del_informe_son_el_mismo_constructor():
    """`getDataIterators` y `getNormalizedData` (cada uno con su orden de argumentos) = `iteradores_normalizados`."""
    x_train, y_train, x_test, _ = cargar_digitos()
    x_train, y_train, x_test = x_train[:120], y_train[:120], x_test[:10]
    for informe, aumento in (
        (getDataIterators(x_train, y_train, x_test, 16, semilla=3), None),
        (getNormalizedData(x_train, y_train, 16, x_test, semilla=3), AUMENTO_BASENETPP),
    ):
        propio = iteradores_normalizados(x_train, y_train, x_test, batch=16, semilla=3, aumento=aumento)
        assert informe[0].batch_size == propio[0].batch_size == 16
        for a, b in zip(_todo(informe[0]) + _todo(informe[1]), _todo(propio[0]) + _todo(propio[1])):
            np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_allclose(informe[2], propio[2])


# ---- el iterador de flow() como en Keras 2 ----


class ContarLotes(keras.callbacks.Callback):
    """Lotes de entrenamiento de cada época y de cada validación."""

    def on_train_begin(self, logs=None):
        self.entrenamiento, self.validacion = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.entrenamiento.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.entrenamiento[-1] += 1

    def on_test_begin(self, logs=None):
        self.validacion.append(0)

    def on_test_batch_end(self, batch, logs=None):
        self.validacion[-1] += 1


def _modelo(forma=(8, 8, 3), clases=2):
    modelo = keras.Sequential(
        [keras.Input(forma), keras.layers.Flatten(), keras.layers.Dense(clases, activation="softmax")]
    )
    modelo.compile("adam", "categorical_crossentropy")
    return modelo


def _entrenar(flujo, **opciones):
    """Entrena un modelo pequeño de verdad; devuelve el contador de lotes y los avisos de Keras."""
    contador = ContarLotes()
    with warnings.catch_warnings(record=True) as avisos:
        warnings.simplefilter("always")
        _modelo().fit(flujo, verbose=0, callbacks=[contador], **opciones)
    # (un ResourceWarning de un objeto de otra prueba que el recolector cierra ahora no es un aviso de Keras)
    return contador, [str(a.message) for a in avisos if not issubclass(a.category, ResourceWarning)]


@pytest.fixture(scope="module")
def pocos():
    rng = np.random.default_rng(20)
    x = rng.random((100, 8, 8, 3), dtype=np.float32)
    return x, np.eye(2, dtype="float32")[rng.integers(0, 2, 100)]


def test_fit_sin_steps_da_len_lotes_por_epoca(pocos):
    x, y = pocos
    flujo = ImageDataGenerator(rotation_range=10, horizontal_flip=True).flow(x, y, batch_size=32)
    assert len(flujo) == 4  # ceil(100 / 32), el último de 4 imágenes
    contador, avisos = _entrenar(flujo, epochs=3)
    assert contador.entrenamiento == [4, 4, 4]
    assert avisos == []  # ni "ran out of data" ni el de shuffle=True


@pytest.mark.parametrize("pasos", [100 // 32, 7])
def test_fit_con_steps_per_epoch_da_esos_lotes_en_cada_epoca(pocos, pasos):
    """Keras 2: el iterador no acaba, y cada época toma `steps_per_epoch` lotes (antes: 3, 1, 3, 1, 3)."""
    x, y = pocos
    flujo = ImageDataGenerator(rotation_range=10).flow(x, y, batch_size=32)
    contador, avisos = _entrenar(flujo, steps_per_epoch=pasos, epochs=5)
    assert contador.entrenamiento == [pasos] * 5
    assert not any("ran out of data" in a for a in avisos)


def test_validation_data_con_y_sin_validation_steps(pocos):
    x, y = pocos
    gen = ImageDataGenerator(featurewise_center=True, rotation_range=10).fit(x)
    validacion = gen.sin_aumento().flow(x[:40], y[:40], batch_size=16, shuffle=False)
    contador, avisos = _entrenar(
        gen.flow(x, y, batch_size=32), steps_per_epoch=5, epochs=3, validation_data=validacion, validation_steps=2
    )
    assert contador.entrenamiento == [5, 5, 5] and contador.validacion == [2, 2, 2]
    contador, _ = _entrenar(gen.flow(x, y, batch_size=32), epochs=2, validation_data=validacion)
    assert contador.entrenamiento == [4, 4] and contador.validacion == [3, 3]  # ceil(40 / 16)
    assert not any("ran out of data" in a for a in avisos)


def test_evaluate_y_predict_recorren_una_epoca_o_steps(pocos):
    x, y = pocos
    gen = ImageDataGenerator(rescale=0.5)
    modelo = _modelo()
    esperado = modelo.predict(x * 0.5, verbose=0)
    flujo = gen.flow(x, batch_size=32, shuffle=False)
    np.testing.assert_allclose(modelo.predict(flujo, verbose=0), esperado, atol=1e-5)
    np.testing.assert_allclose(modelo.predict(flujo, steps=len(flujo), verbose=0), esperado, atol=1e-5)
    perdida = modelo.evaluate(gen.flow(x, y, batch_size=32, shuffle=False), verbose=0)
    assert perdida == pytest.approx(modelo.evaluate(x * 0.5, y, batch_size=32, verbose=0), rel=1e-5)


def test_next_len_y_getitem_como_el_iterador_de_keras_2(pocos):
    x, _ = pocos
    ids = np.arange(100)
    flujo = ImageDataGenerator(horizontal_flip=True).flow(x, ids, batch_size=32, seed=3)
    assert len(flujo) == 4 and flujo.n == 100 and flujo.batch_size == 32
    # next(): arrays NumPy, y un flujo sin fin que recorre todas las imágenes en cada pasada (32, 32, 32, 4)
    lotes = [next(flujo) for _ in range(2 * len(flujo))]
    assert all(isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray) for xb, yb in lotes)
    assert [len(yb) for _, yb in lotes] == [32, 32, 32, 4] * 2
    pasada1, pasada2 = (np.concatenate([yb for _, yb in lotes[k : k + 4]]) for k in (0, 4))
    assert sorted(pasada1) == sorted(pasada2) == list(ids) and not np.array_equal(pasada1, pasada2)
    assert lotes[0][0].shape == (32, 8, 8, 3)
    # it[i]: el lote i, el último más corto; fuera de rango, IndexError
    assert [flujo[i][0].shape for i in range(len(flujo))] == [(32, 8, 8, 3)] * 3 + [(4, 8, 8, 3)]
    assert flujo[-1][0].shape == (4, 8, 8, 3)
    with pytest.raises(IndexError, match="lote 4"):
        flujo[4]
    # sin barajar ni aumentar, it[i] son las imágenes i*32 ... de x, en orden
    ordenado = ImageDataGenerator(rescale=2.0).flow(x, ids, batch_size=32, shuffle=False)
    xb, yb = ordenado[1]
    np.testing.assert_array_equal(yb, ids[32:64])
    np.testing.assert_allclose(xb, 2 * x[32:64], atol=1e-6)
    assert ordenado.next()[1][0] == 0 and next(ordenado)[1][0] == 32
    ordenado.reset()
    assert next(ordenado)[1][0] == 0


def test_for_recorre_una_epoca_de_tensores_y_cardinality(pocos):
    x, y = pocos
    flujo = ImageDataGenerator().flow(x, y, batch_size=32)
    lotes = list(flujo)
    assert len(lotes) == 4 == int(flujo.cardinality()) and isinstance(lotes[0][0], tf.Tensor)


def test_sample_weight_va_en_el_lote(pocos):
    x, y = pocos
    pesos = np.linspace(0, 1, 100, dtype="float32")
    xb, yb, wb = ImageDataGenerator().flow(x, y, batch_size=10, shuffle=False, sample_weight=pesos)[2]
    np.testing.assert_array_equal(wb, pesos[20:30])
    np.testing.assert_array_equal(yb, y[20:30])
    # class_weight: Keras 3 no lo aplicaría a estos lotes; se dice en vez de ignorarlo
    with pytest.raises(ValueError, match="sample_weight"):
        _modelo().fit(ImageDataGenerator().flow(x, y), class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_un_segundo_flow_no_vuelve_a_trazar_ni_compilar(pocos):
    """La transformación compilada se guarda por configuración: ni otro flow() ni otro generador igual la rehacen."""
    x, y = pocos
    opciones = dict(featurewise_center=True, featurewise_std_normalization=True, rotation_range=7, zoom_range=0.1)
    gen = ImageDataGenerator(**opciones).fit(x)
    funcion = gen.transformacion(canales=3)
    _todo(gen.flow(x, y, batch_size=32, seed=0))
    trazas = funcion.experimental_get_tracing_count()
    assert trazas == 1
    # otro flow() con otros datos y otro último lote; otro generador igual con otras estadísticas
    otro = ImageDataGenerator(**opciones).fit(x[:50] * 3)
    _todo(gen.flow(x[:70], y[:70], batch_size=32, seed=1))
    _todo(otro.flow(x[:45], batch_size=32, seed=2))
    _entrenar(otro.flow(x, y, batch_size=32), steps_per_epoch=2, epochs=1)
    assert gen.transformacion(3) is otro.transformacion(3) is funcion
    assert funcion.experimental_get_tracing_count() == trazas
    # las estadísticas de cada generador siguen siendo las suyas
    np.testing.assert_allclose(
        _todo(otro.sin_aumento().flow(x[:45], batch_size=32, shuffle=False)), otro.standardize(x[:45]), atol=1e-5
    )
    # otra configuración, otra función
    assert ImageDataGenerator(rotation_range=8).transformacion(3) is not funcion


# ---- flow_from_directory ----


@pytest.fixture(scope="module")
def carpeta(tmp_path_factory):
    """gatos/ con 5 PNG y perros/ con 4, de 10×12 píxeles y colores al azar (más un archivo que no es imagen)."""
    from PIL import Image

    raiz = tmp_path_factory.mktemp("imagenes")
    rng = np.random.default_rng(21)
    imagenes = {}
    for clase, cuantas in (("gatos", 5), ("perros", 4)):
        (raiz / clase).mkdir()
        for k in range(cuantas):
            pixeles = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
            Image.fromarray(pixeles).save(raiz / clase / f"{clase}_{k}.png")
            imagenes[f"{clase}/{clase}_{k}.png"] = pixeles
    (raiz / "gatos" / "leeme.txt").write_text("no es una imagen")
    return raiz, imagenes


def test_flow_from_directory_lee_clases_y_lotes_como_keras_2(carpeta, capsys):
    raiz, imagenes = carpeta
    gen = ImageDataGenerator(rescale=1 / 255)
    it = gen.flow_from_directory(raiz, target_size=(10, 12), class_mode="categorical", batch_size=4, shuffle=False)
    assert "Encontradas 9 imágenes de 2 clases." in capsys.readouterr().out
    assert it.class_indices == {"gatos": 0, "perros": 1} and it.samples == it.n == 9 and it.num_classes == 2
    assert [f.replace(os.sep, "/") for f in it.filenames] == sorted(imagenes)
    np.testing.assert_array_equal(it.classes, [0] * 5 + [1] * 4)
    assert len(it) == 3 and it.image_shape == (10, 12, 3)
    xs, ys = _todo(it)
    esperado = np.stack([imagenes[f] for f in sorted(imagenes)]) / 255
    np.testing.assert_allclose(xs, esperado, atol=1e-6)  # PNG sin pérdidas, mismo tamaño: exacto
    np.testing.assert_array_equal(ys, np.eye(2)[it.classes])
    xb, yb = it[2]
    assert xb.shape == (1, 10, 12, 3) and yb.shape == (1, 2)


@pytest.mark.parametrize(
    "class_mode, forma_y",
    [("categorical", (4, 2)), ("binary", (4,)), ("sparse", (4,)), ("input", (4, 6, 6, 3)), (None, None)],
)
def test_flow_from_directory_target_size_y_class_mode(carpeta, class_mode, forma_y):
    raiz, _ = carpeta
    it = ImageDataGenerator(rotation_range=10).flow_from_directory(
        raiz, target_size=(6, 6), class_mode=class_mode, batch_size=4, seed=0
    )
    lote = next(it)
    if class_mode is None:
        assert isinstance(lote, np.ndarray) and lote.shape == (4, 6, 6, 3)
        return
    xb, yb = lote
    assert xb.shape == (4, 6, 6, 3) and yb.shape == forma_y
    if class_mode == "input":
        np.testing.assert_array_equal(xb, yb)
    elif class_mode in ("binary", "sparse"):
        assert set(yb) <= {0.0, 1.0}


def test_flow_from_directory_en_fit_gris_y_subset(carpeta):
    raiz, imagenes = carpeta
    gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, validation_split=0.4)
    entrenamiento = gen.flow_from_directory(
        raiz, target_size=(8, 8), color_mode="grayscale", batch_size=2, subset="training", seed=1
    )
    validacion = gen.flow_from_directory(
        raiz, target_size=(8, 8), color_mode="grayscale", batch_size=2, subset="validation", shuffle=False
    )
    # por clase, como Keras 2: validación = las primeras int(0.4 · 5) = 2 gatos e int(0.4 · 4) = 1 perro
    assert validacion.samples == 3 and entrenamiento.samples == 6
    np.testing.assert_array_equal(validacion.classes, [0, 0, 1])
    contador = ContarLotes()
    modelo = _modelo(forma=(8, 8, 1))
    modelo.fit(entrenamiento, steps_per_epoch=4, epochs=2, validation_data=validacion, verbose=0, callbacks=[contador])
    assert contador.entrenamiento == [4, 4] and contador.validacion == [2, 2]


def test_flow_from_directory_errores_claros(carpeta, tmp_path):
    raiz, _ = carpeta
    gen = ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="No existe la carpeta"):
        gen.flow_from_directory(tmp_path / "no_existe")
    (tmp_path / "vacia" / "clase").mkdir(parents=True)
    with pytest.raises(ValueError, match="No hay imágenes"):
        gen.flow_from_directory(tmp_path / "vacia")
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(raiz, class_mode="onehot")
    with pytest.raises(ValueError, match="target_size"):
        gen.flow_from_directory(raiz, target_size=64)
    with pytest.raises(ValueError, match="validation_split"):
        gen.flow_from_directory(raiz, subset="validation")


# ---- capa ----


def test_capa_solo_al_entrenar_y_compila_con_xla():
    x = np.random.default_rng(12).random((16, 16, 16, 3)).astype("float32")
    y = np.eye(2)[np.arange(16) % 2]
    capa = CapaAumento(rotation_range=10, width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True, seed=1)
    np.testing.assert_array_equal(capa(x, training=False), x)
    assert not np.allclose(capa(x, training=True), x)
    # XLA la compila (las capas Random* de Keras declaran supports_jit=False y lo desactivan)
    assert capa.supports_jit
    con_xla = tf.function(lambda lote: capa(lote, training=True), jit_compile=True)
    z = con_xla(tf.constant(x)).numpy()
    assert z.shape == x.shape and np.isfinite(z).all() and not np.allclose(z, x)
    modelo = keras.Sequential(
        [keras.Input((16, 16, 3)), capa, keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]
    )
    modelo.compile("adam", "categorical_crossentropy")
    hist = modelo.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    copia = CapaAumento.from_config(capa.get_config())
    assert copia.get_config() == capa.get_config()


# ---- errores ----


@pytest.mark.parametrize(
    "accion, mensaje",
    [
        (lambda g, x, y: g.fit(x[0]), r"forma \(N, alto, ancho, canales\)"),
        (lambda g, x, y: g.flow(x[..., :2]), "1, 3 o 4 canales"),
        (lambda g, x, y: g.flow(x, y[:-1]), "deben coincidir"),
        (lambda g, x, y: g.flow(x, batch_size=0), "batch_size"),
        (lambda g, x, y: g.flow(x, subset="test"), "subset"),
        (lambda g, x, y: g.flow(x, subset="validation"), "validation_split"),
    ],
)
def test_errores_claros_de_entrada(accion, mensaje):
    x = np.zeros((4, 8, 8, 3), "float32")
    with pytest.raises(ValueError, match=mensaje):
        accion(ImageDataGenerator(rotation_range=5), x, np.zeros(4))


def test_flow_antes_de_fit_y_canales_distintos_de_los_de_fit():
    x = np.zeros((4, 8, 8, 3), "float32")
    gen = ImageDataGenerator(featurewise_center=True)
    with pytest.raises(RuntimeError, match="fit"):
        gen.flow(x)
    with pytest.raises(RuntimeError, match="fit"):
        gen.standardize(x)
    gen.fit(x)
    with pytest.raises(ValueError, match="fit"):
        gen.flow(np.zeros((4, 8, 8, 1), "float32"))


@pytest.mark.parametrize(
    "opciones, mensaje",
    [
        (dict(fill_mode="espejo"), "fill_mode"),
        (dict(validation_split=1.0), "validation_split"),
        (dict(validation_split=-0.1), "validation_split"),
        (dict(rotation_range=-5), "rotation_range"),
        (dict(zoom_range=(1.2, 0.8)), "zoom_range"),
        (dict(brightness_range=0.5), "brightness_range"),
    ],
)
def test_parametros_invalidos(opciones, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        ImageDataGenerator(**opciones)


_X = np.zeros((4, 8, 8, 3), "float32")


@pytest.mark.parametrize(
    "llamada, mensaje",
    [
        (
            lambda: ImageDataGenerator(rotation_range=-5),
            "'rotation_range' debe ser un número mayor o igual que 0 y es -5.",
        ),
        (lambda: CapaAumento(width_shift_range="0.2"), "'width_shift_range' debe ser un número mayor o igual que 0"),
        (
            lambda: ImageDataGenerator(zoom_range=1.5),
            "'zoom_range' debe ser un número en [0, 1) o un par (mínimo, máximo) con mínimo <= máximo",
        ),
        (lambda: ImageDataGenerator(brightness_range=(1.2, 0.8)), "'brightness_range' debe ser None o un par"),
        (
            lambda: ImageDataGenerator(fill_mode="espejo"),
            "'fill_mode' debe ser uno de 'constant', 'nearest', 'reflect', 'wrap' y es 'espejo'.",
        ),
        (lambda: ImageDataGenerator(cval=math.nan), "'cval' debe ser un número finito y es nan."),
        (lambda: ImageDataGenerator(validation_split=1.0), "'validation_split' debe ser un número en [0, 1) y es 1.0."),
        (
            lambda: ImageDataGenerator().flow(_X, batch_size=0),
            "'batch_size' debe ser un entero mayor o igual que 1 y es 0.",
        ),
        (
            lambda: ImageDataGenerator().flow(_X, seed=-1),
            "'seed' debe ser None o un entero mayor o igual que 0 y es -1.",
        ),
        (
            lambda: ImageDataGenerator().flow(_X, subset="test"),
            "'subset' debe ser None o uno de 'training', 'validation' y es 'test'.",
        ),
        (lambda: ImageDataGenerator().flow(_X[..., :2]), "'x' debe ser un lote de imágenes con 1, 3 o 4 canales"),
        (
            lambda: ImageDataGenerator().flow_from_directory(".", color_mode="cmyk"),
            "'color_mode' debe ser uno de 'grayscale', 'rgb', 'rgba' y es 'cmyk'.",
        ),
        (
            lambda: ImageDataGenerator().flow_from_directory(".", target_size=64),
            "'target_size' debe ser un par (alto, ancho) de enteros positivos y es 64.",
        ),
        (lambda: ImageDataGenerator(zca_whitening=True), "ImageDataGenerator no admite 'zca_whitening'"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamada, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamada()
    assert str(error.value).startswith(mensaje)


def test_desplazamiento_entero_sigue_siendo_entero():
    """Un entero desplaza píxeles enteros y un real, una fracción o píxeles reales (Keras 2): no se convierte."""
    entero, real = ImageDataGenerator(width_shift_range=2).aumento, ImageDataGenerator(width_shift_range=2.0).aumento
    assert type(entero.width_shift_range) is int and type(real.width_shift_range) is float
    assert ImageDataGenerator(zoom_range=0.25).aumento.zoom_range == (0.75, 1.25)


# ---- una sola lista de parámetros y semillas sin estado en tf.data ----


def test_una_sola_lista_de_parametros_de_aumento():
    from datos.aumento import Aumento

    assert set(Aumento.PARAMETROS) == set(Aumento().config())
    opciones = dict(rotation_range=7, zoom_range=0.1, fill_mode="reflect", brightness_range=(0.9, 1.1))
    assert ImageDataGenerator(**opciones).aumento.config() == CapaAumento(**opciones).aumento.config()
    with pytest.raises(TypeError, match="ImageDataGenerator no admite 'zca_whitening'.*rotation_range"):
        ImageDataGenerator(zca_whitening=True)
    assert CapaAumento(rotation_range=5, name="aumento").name == "aumento"  # lo demás es de la capa


def test_capa_en_tf_data_con_semillas_por_lote_da_lotes_repetibles():
    from datos import pipeline_desde_arrays

    x = np.random.default_rng(3).random((96, 12, 12, 3)).astype("float32")
    capa = CapaAumento(rotation_range=20, width_shift_range=0.2, horizontal_flip=True)

    def aumentar(xb, yb, semilla_lote):
        return capa(xb, training=True, semilla=semilla_lote), yb

    def dos_epocas(semilla):
        ds = pipeline_desde_arrays(x, np.arange(96), 8, True, semilla, aumentar, semillas_por_lote=True)
        return [[xb.numpy() for xb, _ in ds] for _ in range(2)]

    a, b = dos_epocas(5), dos_epocas(5)
    for epoca_a, epoca_b in zip(a, b):  # 12 lotes preparados en paralelo, idénticos en las dos ejecuciones
        for lote_a, lote_b in zip(epoca_a, epoca_b):
            np.testing.assert_array_equal(lote_a, lote_b)
    assert not np.array_equal(a[0][0], a[1][0])  # otra época, otro aumento
    assert not np.array_equal(a[0][0], dos_epocas(6)[0][0])  # otra semilla, otros lotes
