"""ResNet50 y BirdNetV0–V4 (práctica 3, §4): parámetros del informe, capas congeladas y pesos sin conexión."""

import keras
import numpy as np
import pytest
from keras import layers

from datos import DatosNoDisponibles, ErrorParametro
from modelos import (
    descongelar_desde,
    getBirdNetV0,
    getBirdNetV1,
    getBirdNetV2,
    getBirdNetV3,
    getBirdNetV4,
    getResNet50,
    preprocesar_imagenes,
)

FORMA = (224, 224, 3)


def _parametros(pesos):
    return sum(int(np.prod(w.shape)) for w in pesos)


def _cuentas(modelo):
    return modelo.count_params(), _parametros(modelo.trainable_weights), _parametros(modelo.non_trainable_weights)


def _cabeza(modelo):
    return [c for c in modelo.layers if c.name.startswith("cabeza_")]


def _base(modelo):
    return [c for c in modelo.layers[1:] if not c.name.startswith("cabeza_")]


@pytest.fixture(scope="module")
def resnet_avg():
    """Una sola ResNet50 a 224×224 para contar sus parámetros (sin pesos: sin descargas)."""
    return getResNet50("avg", FORMA, weights=None)


@pytest.fixture(scope="module")
def pequenas():
    """ResNet50 de 32×32 con y sin pooling, que las pruebas no modifican."""
    return getResNet50("avg", (32, 32, 3), weights=None), getResNet50(None, (32, 32, 3), weights=None)


def test_resnet50_sin_capa_densa(resnet_avg, pequenas):
    assert resnet_avg.output.shape == (None, 2048)
    assert _cuentas(resnet_avg) == (23_587_712, 23_534_592, 53_120)  # la de keras.applications
    assert pequenas[1].output.shape == (None, 1, 1, 2048)


def test_birdnetv1_parametros_del_informe(resnet_avg):
    modelo = getBirdNetV1(resnet_avg, onlyFinal=False)
    assert modelo.name == "BirdNetV1"
    assert _cuentas(modelo) == (25_660_744, 2_071_496, 23_589_248)  # Listing 3
    tipos = [type(c).__name__ for c in _cabeza(modelo)]
    assert tipos == ["Dense", "BatchNormalization", "Dropout", "Dense", "Dropout", "Dense"]  # Cuadro 5
    assert [c.units for c in _cabeza(modelo) if isinstance(c, layers.Dense)] == [768, 512, 200]
    assert all(not c.trainable for c in _base(modelo)) and all(c.trainable for c in _cabeza(modelo))


def test_birdnetv0_solo_el_clasificador():
    modelo = getBirdNetV0(getResNet50("avg", FORMA, weights=None))
    (densa,) = _cabeza(modelo)
    assert modelo.name == "BirdNetV0" and densa.units == 200
    assert _cuentas(modelo)[1] == 2048 * 200 + 200  # solo se entrena el clasificador (Cuadro 6)


def test_birdnetv2_sin_pooling():
    modelo = getBirdNetV2(getResNet50(None, FORMA, weights=None))
    conv, bn, aplanado, densa, salida = _cabeza(modelo)
    assert conv.input.shape == (None, 7, 7, 2048) and conv.output.shape == (None, 7, 7, 64)  # Cuadro 7
    assert aplanado.output.shape == (None, 3136) and densa.units == 256 and salida.units == 200
    entrenables = 3 * 3 * 2048 * 64 + 64 + 2 * 64 + 3136 * 256 + 256 + 256 * 200 + 200
    assert _cuentas(modelo)[1] == entrenables
    assert all(not c.trainable for c in _base(modelo))


def test_birdnetv3_todo_entrenable():
    modelo = getBirdNetV3(getResNet50("avg", FORMA, weights=None))
    assert all(c.trainable for c in modelo.layers)
    # solo quedan sin entrenar las medias y varianzas móviles de las BatchNormalization de ResNet50
    assert _cuentas(modelo)[2] == 53_120 and len(_cabeza(modelo)) == 1


def test_birdnetv4_antes_y_despues_de_descongelar():
    modelo = getBirdNetV4(getResNet50("avg", FORMA, weights=None))
    cabeza = _cabeza(modelo)
    assert [type(c).__name__ for c in cabeza] == ["Dense", "Dropout", "Dense", "Dense"]  # Cuadro 9
    assert [cabeza[0].units, cabeza[1].rate, cabeza[2].units, cabeza[3].units] == [1024, 0.5, 512, 200]
    assert cabeza[2].input.shape == (None, 1024)  # no 3136: errata del Cuadro 9
    assert all(not c.trainable for c in _base(modelo)) and all(c.trainable for c in cabeza)

    descongeladas = descongelar_desde(modelo, "conv4_")
    base = _base(modelo)
    inicio = next(i for i, c in enumerate(base) if c.name.startswith("conv4_"))
    assert descongeladas == [
        c.name for c in base[inicio:] if c.weights and not isinstance(c, layers.BatchNormalization)
    ]
    assert descongeladas[0] == "conv4_block1_1_conv" and descongeladas[-1] == "conv5_block3_3_conv"
    assert all(not c.trainable for c in base[:inicio])  # conv1–conv3 siguen congeladas
    assert all(c.trainable != isinstance(c, layers.BatchNormalization) for c in base[inicio:])
    assert modelo.get_layer("conv4_block1_1_conv").output.shape[1:3] == (14, 14)  # primer bloque de 14×14
    assert all(c.trainable for c in cabeza)
    congelados = _parametros(w for c in base[:inicio] for w in c.weights)
    bn = _parametros(w for c in base[inicio:] if isinstance(c, layers.BatchNormalization) for w in c.weights)
    assert _cuentas(modelo)[1] == modelo.count_params() - congelados - bn


def test_batchnormalization_en_modo_inferencia_tras_descongelar():
    modelo = getBirdNetV4(getResNet50("avg", (32, 32, 3), weights=None), num_clases=5)
    with pytest.raises(ErrorParametro, match="ninguna capa cuyo nombre empiece por 'conv9_'"):
        descongelar_desde(modelo, "conv9_")
    descongelar_desde(modelo, "conv4_")
    bn = modelo.get_layer("conv4_block1_1_bn")
    medias = bn.moving_mean.numpy().copy()
    x = preprocesar_imagenes(np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)))
    extractor = keras.Model(modelo.input, modelo.get_layer("avg_pool").output)
    entrenando = extractor(x, training=True).numpy()
    infiriendo = extractor(x, training=False).numpy()
    np.testing.assert_allclose(entrenando, infiriendo, rtol=1e-5, atol=1e-5)  # no usa las estadísticas del lote
    np.testing.assert_array_equal(bn.moving_mean.numpy(), medias)


def test_preprocesado_de_resnet50():
    x = np.full((1, 2, 2, 3), [10, 20, 30], dtype=np.uint8)
    y = preprocesar_imagenes(x).numpy()
    # BGR menos la media de ImageNet, sin desbordar el uint8
    np.testing.assert_allclose(y[0, 0, 0], [30 - 103.939, 20 - 116.779, 10 - 123.68], rtol=1e-6)


def test_errores_de_forma_y_de_cabeza(pequenas):
    con_pooling, sin_pooling = pequenas
    with pytest.raises(ErrorParametro, match="'p_pooling' debe ser uno de None, 'avg', 'max' y es 'media'."):
        getResNet50("media", (32, 32, 3), weights=None)
    with pytest.raises(
        ErrorParametro,
        match=r"'inputShape' debe ser una tupla \(alto, ancho, 3\) con un alto y un ancho de al menos 32 píxeles y es \(16, 16, 3\)\.",
    ):
        getResNet50("avg", (16, 16, 3), weights=None)
    with pytest.raises(ErrorParametro, match="'inputShape' .*\\(alto, ancho, 3\\)"):
        getResNet50("avg", (32, 32, 1), weights=None)
    with pytest.raises(ErrorParametro, match="getBirdNetV2 necesita una ResNet50 sin pooling"):
        getBirdNetV2(con_pooling)
    with pytest.raises(ErrorParametro, match="getBirdNetV1 necesita una ResNet50 con pooling"):
        getBirdNetV1(sin_pooling)
    with pytest.raises(ErrorParametro, match="getBirdNetV4 necesita una ResNet50 con pooling"):
        getBirdNetV4(sin_pooling)


def test_pesos_de_un_archivo_local(tmp_path, pequenas):
    origen = pequenas[0]
    archivo = tmp_path / "resnet50.weights.h5"
    origen.save_weights(archivo)
    copia = getResNet50("avg", (32, 32, 3), weights=str(archivo))
    for a, b in zip(origen.weights, copia.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(DatosNoDisponibles, match="No existe el archivo de pesos '.*no_esta.h5'"):
        getResNet50("avg", (32, 32, 3), weights=str(tmp_path / "no_esta.h5"))
