"""Arquitecturas de la clase de CNN, red del taller MNIST, modelos de perros y gatos y calculadoras."""

import keras
import numpy as np
import pytest

from datos.errores import DatosNoDisponibles, ErrorParametro
from modelos import (
    alexnet,
    base_vgg16,
    coste_cuello_botella,
    descongelar_ultimo_bloque,
    lenet5,
    multiplicaciones_conv,
    red_perros_gatos,
    red_taller_mnist,
    red_vgg16_transferencia,
    relleno_same,
    tamano_salida,
    vgg16,
)
from modelos.bloques import red_profunda, red_residual
from utilidades.caracteristicas import separar_modelo


def _formas(modelo):
    return [tuple(c.output.shape[1:]) for c in modelo.layers]


def _entrenables(modelo):
    return int(sum(np.prod(w.shape) for w in modelo.trainable_weights))


@pytest.fixture(scope="module")
def par_vgg16():
    """VGG-16 propia y la de Keras (weights=None), construidas una sola vez: 138 millones de parámetros cada una."""
    propia, de_keras = vgg16(), keras.applications.VGG16(weights=None)
    yield propia, de_keras
    del propia, de_keras
    keras.backend.clear_session()


def test_vgg16_igual_que_la_de_keras(par_vgg16):
    propia, de_keras = par_vgg16
    assert propia.count_params() == de_keras.count_params() == 138_357_544
    capas_keras = [c for c in de_keras.layers if not isinstance(c, keras.layers.InputLayer)]
    assert [(c.name, type(c).__name__) for c in propia.layers] == [(c.name, type(c).__name__) for c in capas_keras]
    assert [c.count_params() for c in propia.layers] == [c.count_params() for c in capas_keras]
    assert _formas(propia) == [tuple(c.output.shape[1:]) for c in capas_keras]
    # Tamaños de la clase al final de cada bloque: 112, 56, 28, 14 y 7; aplanado 25.088.
    assert [tuple(propia.get_layer(f"block{b}_pool").output.shape[1:]) for b in range(1, 6)] == [
        (112, 112, 64),
        (56, 56, 128),
        (28, 28, 256),
        (14, 14, 512),
        (7, 7, 512),
    ]
    assert propia.get_layer("flatten").output.shape[1] == 25088
    # Con los mismos pesos, las dos calculan lo mismo.
    propia.set_weights(de_keras.get_weights())
    x = np.random.default_rng(0).uniform(-1, 1, size=(1, 224, 224, 3)).astype("float32")
    np.testing.assert_allclose(propia.predict(x, verbose=0), de_keras.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_lenet5_como_en_la_clase():
    modelo = lenet5()
    assert modelo.count_params() == 61_706  # «> 60K parámetros»
    assert _formas(modelo) == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,), (84,), (10,)]
    assert [c.count_params() for c in modelo.layers] == [156, 0, 2416, 0, 0, 48120, 10164, 850]
    assert [type(c).__name__ for c in modelo.layers if "Pooling" in type(c).__name__] == ["AveragePooling2D"] * 2
    assert {c.activation.__name__ for c in modelo.layers[:-1] if hasattr(c, "activation")} == {"tanh"}
    assert modelo.layers[-1].activation.__name__ == "softmax"


def test_alexnet_como_en_la_clase():
    modelo = alexnet()
    assert modelo.count_params() == 62_378_344  # «> 60 millones de parámetros»
    formas = dict(zip([c.name for c in modelo.layers], _formas(modelo)))
    assert formas["conv1"] == (55, 55, 96)
    assert formas["conv2"] == (27, 27, 256)
    assert formas["conv3"] == formas["conv4"] == (13, 13, 384)
    assert formas["conv5"] == (13, 13, 256)
    assert formas["aplanado"] == (9216,)
    assert formas["fc6"] == formas["fc7"] == (4096,) and formas["fc8"] == (1000,)
    assert [c.rate for c in modelo.layers if isinstance(c, keras.layers.Dropout)] == [0.5, 0.5]
    del modelo
    keras.backend.clear_session()


def test_alexnet_entrada_minima():
    assert alexnet(num_clases=2, input_shape=(67, 67, 3)).output_shape == (None, 2)
    with pytest.raises(ValueError, match="demasiado pequeño"):
        alexnet(input_shape=(66, 66, 3))


def test_red_del_taller_mnist_capa_a_capa():
    modelo = red_taller_mnist()
    assert modelo.count_params() == 121_930
    assert modelo.input_shape == (None, 28, 28, 1)
    capas = modelo.layers
    assert [type(c).__name__ for c in capas] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    for conv, filtros in ((capas[0], 32), (capas[2], 64)):
        assert (conv.filters, conv.kernel_size, conv.strides, conv.padding) == (filtros, (3, 3), (1, 1), "valid")
        assert conv.activation.__name__ == "relu"
    for pool in (capas[1], capas[3]):
        assert (pool.pool_size, pool.strides) == ((2, 2), (2, 2))
    assert (capas[5].units, capas[5].activation.__name__) == (64, "relu")
    assert capas[6].rate == 0.3
    assert (capas[7].units, capas[7].activation.__name__) == (10, "softmax")
    assert _formas(modelo) == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (1600,), (64,), (64,), (10,)]


def test_red_perros_gatos_desde_cero():
    modelo = red_perros_gatos()
    assert modelo.count_params() == 5_550_786
    assert modelo.output_shape == (None, 2)
    assert red_perros_gatos(num_clases=3, input_shape=(32, 32, 3)).output_shape == (None, 3)


def test_vgg16_transferencia_congelada_y_ajuste_fino():
    modelo = red_vgg16_transferencia(num_clases=2, input_shape=(32, 32, 3), pesos=None)
    base = modelo.get_layer("vgg16")
    assert base.count_params() == 14_714_688
    cabeza = 512 * 256 + 256 + 256 * 2 + 2
    assert _entrenables(modelo) == cabeza  # base congelada: solo la cabeza nueva
    descongeladas = descongelar_ultimo_bloque(modelo)
    assert descongeladas == ["block5_conv1", "block5_conv2", "block5_conv3"]
    with pytest.raises(ErrorParametro, match="'bloque' debe ser el prefijo de un bloque .* y es 'block9'."):
        descongelar_ultimo_bloque(modelo, "block9")  # sin tocar qué capas se entrenan
    assert _entrenables(modelo) == cabeza + 3 * (3 * 3 * 512 * 512 + 512)
    assert not base.get_layer("block4_conv3").trainable and base.get_layer("block5_conv1").trainable

    # El corte de la clase: extractor (preprocesado + VGG16 + aplanado) y cabeza densa, que componen el modelo.
    extractor, parte_densa = separar_modelo(modelo)
    assert extractor.output_shape == (None, 512)
    x = np.random.default_rng(1).uniform(0, 255, size=(3, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        parte_densa.predict(extractor.predict(x, verbose=0), verbose=0),
        modelo.predict(x, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )


def test_vgg16_pesos_inexistentes():
    with pytest.raises(DatosNoDisponibles, match="no_existe.h5"):
        base_vgg16((32, 32, 3), pesos="no_existe.h5")


# Ejemplos de la clase: (W, K, P, S) -> O.
EJEMPLOS = [
    ((227, 11, 0, 4), 55),  # AlexNet, conv1
    ((55, 3, 0, 2), 27),  # AlexNet, max pooling 3×3 paso 2
    ((27, 5, 2, 1), 27),  # AlexNet, conv2 SAME
    ((224, 3, 1, 1), 224),  # VGG-16, conv SAME
    ((224, 2, 0, 2), 112),  # VGG-16, pooling
    ((32, 5, 0, 1), 28),  # LeNet-5, C1
    ((28, 2, 0, 2), 14),  # LeNet-5, S2
    ((6, 2, 0, 2), 3),  # el pooling 6×6 de la clase
    ((28, 3, 0, 1), 26),  # taller MNIST
]


@pytest.mark.parametrize("argumentos, esperado", EJEMPLOS)
def test_tamano_salida_ejemplos_de_la_clase(argumentos, esperado):
    assert tamano_salida(*argumentos) == esperado


@pytest.mark.parametrize("W, K, P, S", [(227, 11, 0, 4), (27, 5, 2, 1), (15, 3, 1, 2), (9, 4, 0, 1), (14, 3, 2, 3)])
def test_tamano_salida_coincide_con_keras(W, K, P, S):
    modelo = keras.Sequential(
        [keras.Input((W, W, 1)), keras.layers.ZeroPadding2D(P), keras.layers.Conv2D(1, K, strides=S)]
    )
    assert modelo.output_shape[1:3] == (tamano_salida(W, K, P, S),) * 2


def test_tamano_salida_no_entero_y_argumentos_malos():
    with pytest.raises(ValueError, match=r"\(224 − 11 \+ 2·0\)/4 \+ 1 = 54.25 no es entero"):
        tamano_salida(224, 11, 0, 4)  # el 224 del artículo de AlexNet: hace falta 227
    with pytest.raises(ValueError, match="mayor que la entrada"):
        tamano_salida(3, 5, 0, 1)
    for malo in (
        {"W": 0, "K": 3},
        {"W": 5, "K": 3, "S": 0},
        {"W": 5, "K": 3, "P": -1},
        {"W": 5.5, "K": 3},
        {"W": "5", "K": 3},
    ):
        with pytest.raises(ValueError, match="debe ser un entero"):
            tamano_salida(**malo)


def test_relleno_same():
    assert [relleno_same(k) for k in (1, 3, 5, 11)] == [0, 1, 2, 5]
    assert tamano_salida(28, 5, relleno_same(5), 1) == 28
    with pytest.raises(ValueError, match="impar"):
        relleno_same(4)


@pytest.mark.parametrize(
    "llamada, mensaje",
    [
        (lambda: tamano_salida(0, 3), "'W' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: tamano_salida(5, 3, P=-1), "'P' debe ser un entero mayor o igual que 0 y es -1."),
        (lambda: tamano_salida(5.5, 3), "'W' debe ser un entero mayor o igual que 1 y es 5.5."),
        (lambda: relleno_same(4), "'K' debe ser un entero impar"),
        (lambda: multiplicaciones_conv(28, 28, 192, 0, 5), "'filtros' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: lenet5(num_clases=1), "'num_clases' debe ser un entero mayor o igual que 2 y es 1."),
        (
            lambda: lenet5(input_shape=(32, 32)),
            "'input_shape' debe ser una tupla (alto, ancho, canales) de enteros positivos y es (32, 32).",
        ),
        (lambda: alexnet(input_shape=(66, 66, 3)), "'input_shape' debe ser una forma de al menos 67×67 píxeles"),
        (lambda: red_residual(tipo="otro"), "'tipo' debe ser uno de 'basico', 'cuello' y es 'otro'."),
        (lambda: red_profunda(variante="x"), "'variante' debe ser uno de 'plana', 'residual', 'batchnorm' y es 'x'."),
        (lambda: red_profunda(profundidad=1), "'profundidad' debe ser un entero mayor o igual que 2 y es 1."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamada, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamada()
    assert str(error.value).startswith(mensaje)


def test_pooling_de_la_clase():
    """El ejemplo de max pooling de la clase: 6×6 con ventana 2×2 y paso 2 da 3×3."""
    entrada = np.array(
        [
            [1, 6, 0, 3, 4, 4],
            [3, 4, 3, 2, 5, 4],
            [2, 3, 1, 1, 4, 4],
            [3, 1, 1, 2, 3, 2],
            [4, 5, 0, 1, 1, 3],
            [5, 3, 2, 2, 2, 4],
        ],
        dtype="float32",
    )
    salida = keras.layers.MaxPooling2D(pool_size=2, strides=2)(entrada[None, :, :, None]).numpy()[0, :, :, 0]
    assert salida.shape == (tamano_salida(6, 2, 0, 2),) * 2
    np.testing.assert_array_equal(salida, [[6, 3, 5], [3, 2, 4], [5, 2, 4]])


def test_cuello_de_botella_1x1():
    coste = coste_cuello_botella()
    assert coste["salida"] == (28, 28, 32)
    assert coste["sin_cuello"] == 120_422_400
    assert coste["capa_1x1"] == 2_408_448
    assert coste["capa_kxk"] == 10_035_200
    assert coste["con_cuello"] == 12_443_648
    assert coste["reduccion"] == pytest.approx(9.677, abs=1e-3)
    # Comprobación independiente: cada valor de salida cuesta tantas multiplicaciones como pesos tiene el núcleo.
    conv = keras.layers.Conv2D(32, 5, padding="same")
    assert conv(np.zeros((1, 28, 28, 192), "float32")).shape == (1, 28, 28, 32)
    assert 28 * 28 * int(np.prod(conv.kernel.shape)) == multiplicaciones_conv(28, 28, 192, 32, 5)
