"""BaseNet++ (§3, Cuadro 2): parámetros de cada combinación de mejoras y un entrenamiento corto con `flow`."""

import keras
import numpy as np
import pytest

from datos import ImageDataGenerator
from modelos import getBaseNet, getBaseNetPlusPlus
from utilidades import compileModel, trainModel


def _parametros(modelo):
    no_entrenables = sum(int(np.prod(p.shape)) for p in modelo.non_trainable_weights)
    return modelo.count_params(), modelo.count_params() - no_entrenables, no_entrenables


def test_basenetpp_completa_como_el_cuadro_2():
    modelo = getBaseNetPlusPlus()
    assert _parametros(modelo) == (809945, 809305, 640)
    conv_bn = [
        (type(c).__name__, tuple(c.output.shape)) for c in modelo.layers if not isinstance(c, keras.layers.Dropout)
    ]
    assert conv_bn == [
        ("Conv2D", (None, 32, 32, 128)),
        ("BatchNormalization", (None, 32, 32, 128)),
        ("Conv2D", (None, 30, 30, 128)),
        ("BatchNormalization", (None, 30, 30, 128)),
        ("MaxPooling2D", (None, 15, 15, 128)),
        ("Conv2D", (None, 11, 11, 64)),
        ("BatchNormalization", (None, 11, 11, 64)),
        ("MaxPooling2D", (None, 5, 5, 64)),
        ("Flatten", (None, 1600)),
        ("Dense", (None, 256)),
        ("Dense", (None, 128)),
        ("Dense", (None, 64)),
        ("Dense", (None, 25)),
    ]
    abandonos = [c for c in modelo.layers if isinstance(c, keras.layers.Dropout)]
    assert [c.rate for c in abandonos] == [0.25] * 3
    assert all(isinstance(modelo.layers[modelo.layers.index(c) - 1], keras.layers.Dense) for c in abandonos)
    assert modelo.layers[-1].activation.__name__ == "softmax"


@pytest.mark.parametrize(
    "mejoras, esperado",
    [
        ((False, False, False), (24197, 24197, 0)),
        ((False, False, True), (24197, 24197, 0)),
        ((False, True, False), (24285, 24241, 44)),
        ((False, True, True), (24285, 24241, 44)),
        ((True, False, False), (808665, 808665, 0)),
        ((True, False, True), (808665, 808665, 0)),
        ((True, True, False), (809945, 809305, 640)),
        ((True, True, True), (809945, 809305, 640)),
    ],
)
def test_parametros_de_cada_combinacion(mejoras, esperado):
    modelo = getBaseNetPlusPlus(*mejoras)
    assert _parametros(modelo) == esperado
    fix2, fix3, fix4 = mejoras
    tipos = [type(c).__name__ for c in modelo.layers]
    assert tipos.count("Conv2D") == (3 if fix2 else 2)
    assert tipos.count("BatchNormalization") == (tipos.count("Conv2D") if fix3 else 0)
    assert tipos.count("Dropout") == ((tipos.count("Dense") - 1) if fix4 else 0)


def test_sin_mejoras_es_basenet():
    a, b = getBaseNetPlusPlus(False, False, False), getBaseNet()
    assert [tuple(c.output.shape) for c in a.layers] == [tuple(c.output.shape) for c in b.layers]


def test_otras_clases_y_entradas():
    assert getBaseNetPlusPlus(num_clases=10).count_params() == 809945 - 15 * 65
    assert getBaseNetPlusPlus(input_shape=(28, 28, 1)).output_shape == (None, 25)
    with pytest.raises(ValueError, match="demasiado pequeño"):
        getBaseNetPlusPlus(input_shape=(12, 12, 3))
    with pytest.raises(ValueError, match="num_clases"):
        getBaseNetPlusPlus(num_clases=1)


def test_entrenamiento_corto_con_flow():
    rng = np.random.default_rng(0)
    x = rng.random((64, 16, 16, 3)).astype("float32")
    y = np.eye(4, dtype="float32")[np.arange(64) % 4]
    generador = ImageDataGenerator(
        featurewise_center=True, featurewise_std_normalization=True, rotation_range=10, horizontal_flip=True
    ).fit(x)
    normalizador = generador.sin_aumento()
    keras.utils.set_random_seed(0)
    modelo = getBaseNetPlusPlus(num_clases=4, input_shape=(16, 16, 3))
    compileModel(modelo)
    hist = trainModel(modelo, generador.flow(x, y, 32, seed=0), normalizador.flow(x, y, 32), 32, 2, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["val_loss"]).all()
    perdida, precision = modelo.evaluate(normalizador.flow(x, y, 32, shuffle=False), verbose=0)
    assert np.isfinite(perdida) and 0 <= precision <= 1
    assert modelo.predict(normalizador.flow(x, batch_size=32, shuffle=False), verbose=0).shape == (64, 4)
