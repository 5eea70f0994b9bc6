"""Penalizaciones, dropout invertido, normalización por lotes y parada temprana de NumPy frente a Keras."""

import keras
import numpy as np
import pytest

from datos.errores import ErrorParametro
from teoria.regularizacion import (
    batch_norm,
    dropout_invertido,
    penalizacion_elastica,
    penalizacion_l1,
    penalizacion_l2,
    regularizador_keras,
)
from utilidades import ParadaTemprana


def _pesos(semilla=0):
    generador = np.random.default_rng(semilla)
    return [generador.normal(size=(5, 4)), generador.normal(size=(4, 3))]


@pytest.mark.parametrize(
    "tipo, numpy",
    [
        ("l1", lambda w: penalizacion_l1(w, 0.01)),
        ("l2", lambda w: penalizacion_l2(w, 0.01)),
        ("elastica", lambda w: penalizacion_elastica(w, 0.01, beta=0.5)),
    ],
)
def test_penalizaciones_iguales_que_los_regularizadores_de_keras(tipo, numpy):
    pesos = _pesos()
    regularizador = regularizador_keras(tipo, 0.01, beta=0.5)
    de_keras = sum(float(regularizador(w.astype("float32"))) for w in pesos)
    assert numpy(pesos) == pytest.approx(de_keras, rel=1e-5)


def test_penalizaciones_de_la_clase():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert penalizacion_l2(w, 0.1) == pytest.approx(0.1 * 5.25)
    assert penalizacion_l1(w, 0.1) == pytest.approx(0.1 * 3.5)
    assert penalizacion_elastica(w, 0.1, beta=2.0) == pytest.approx(0.1 * (2.0 * 5.25 + 3.5))
    with pytest.raises(ValueError, match="lam"):
        penalizacion_l2(w, -1.0)
    with pytest.raises(ValueError, match="'tipo' debe ser uno de 'l1', 'l2', 'elastica' y es 'l3'"):
        regularizador_keras("l3", 0.1)


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: penalizacion_l1(np.ones(2), -1.0), "'lam' debe ser un número mayor o igual que 0 y es -1.0."),
        (lambda: penalizacion_elastica(np.ones(2), 0.1, beta=-2), "'beta' debe ser un número mayor o igual que 0"),
        (lambda: dropout_invertido(np.ones(3), 1.0), "'tasa_dropout' debe ser un número en [0, 1) y es 1.0."),
        (
            lambda: batch_norm(np.ones(3), 1, 0, 0, 1, True),
            "'x' debe ser un array de forma (lote, ..., características)",
        ),
        (lambda: batch_norm(np.ones((2, 3)), 1, 0, 0, 1, True, momento=1), "'momento' debe ser un número en [0, 1)"),
        (lambda: ParadaTemprana(paciencia=-1), "'paciencia' debe ser un entero mayor o igual que 0 y es -1."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_dropout_invertido_conserva_la_activacion_esperada():
    generador = np.random.default_rng(0)
    h = np.maximum(0.0, generador.normal(size=(32, 50))) + 0.1
    tasa = 0.3
    muestras = np.array([dropout_invertido(h, tasa, generador=generador) for _ in range(2000)])
    np.testing.assert_allclose(muestras.mean(axis=0).mean(), h.mean(), rtol=0.01)
    np.testing.assert_allclose(muestras.mean(axis=0), h, rtol=0.15)
    assert np.mean(muestras == 0) == pytest.approx(tasa, abs=0.01)
    mantenidas = muestras[0] != 0
    np.testing.assert_allclose(muestras[0][mantenidas], h[mantenidas] / (1 - tasa))  # escala 1/(1 - tasa)
    np.testing.assert_array_equal(dropout_invertido(h, tasa, entrenamiento=False), h)  # en test no se toca


def test_dropout_invertido_usa_la_convencion_de_keras():
    h = np.full((64, 64), 2.0, dtype="float32")
    de_keras = keras.ops.convert_to_numpy(keras.layers.Dropout(0.25, seed=1)(h, training=True))
    nuestro = dropout_invertido(h, 0.25, generador=np.random.default_rng(1))
    np.testing.assert_allclose(np.unique(de_keras), [0.0, 2.0 / 0.75], rtol=1e-6)
    np.testing.assert_allclose(np.unique(nuestro), [0.0, 2.0 / 0.75], rtol=1e-6)
    with pytest.raises(ValueError, match="tasa"):
        dropout_invertido(h, 1.0)


@pytest.mark.parametrize("forma", [(16, 6), (4, 5, 5, 3)])
def test_batch_norm_igual_que_keras_en_los_dos_modos(forma):
    generador = np.random.default_rng(0)
    x = (3.0 * generador.normal(size=forma) + 1.5).astype("float32")
    canales = forma[-1]
    capa = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    capa.build(forma)
    gamma, beta = generador.normal(size=canales), generador.normal(size=canales)
    media, varianza = generador.normal(size=canales), generador.uniform(0.5, 2.0, size=canales)
    capa.set_weights([w.astype("float32") for w in (gamma, beta, media, varianza)])

    y, _, _ = batch_norm(x, gamma, beta, media, varianza, entrenamiento=False, momento=0.9, epsilon=1e-3)
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(capa(x, training=False)), atol=1e-5)

    y, nueva_media, nueva_varianza = batch_norm(
        x, gamma, beta, media, varianza, entrenamiento=True, momento=0.9, epsilon=1e-3
    )
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(capa(x, training=True)), atol=1e-5)
    np.testing.assert_allclose(nueva_media, keras.ops.convert_to_numpy(capa.moving_mean), atol=1e-5)
    np.testing.assert_allclose(nueva_varianza, keras.ops.convert_to_numpy(capa.moving_variance), atol=1e-5)
    # en entrenamiento, con γ = 1 y β = 0, cada característica queda con media 0 y varianza ~1
    z, _, _ = batch_norm(x, np.ones(canales), np.zeros(canales), media, varianza, True)
    ejes = tuple(range(len(forma) - 1))
    np.testing.assert_allclose(z.mean(axis=ejes), 0, atol=1e-6)
    np.testing.assert_allclose(z.var(axis=ejes), 1, atol=2e-3)


def _modelo_diminuto():
    modelo = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    modelo.compile(optimizer="sgd", loss="mse")
    return modelo


def test_parada_temprana_igual_que_early_stopping_y_restaura_los_mejores_pesos():
    perdidas = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.7, 0.96]
    nuestro = ParadaTemprana(paciencia=3, min_delta=0.02, restaurar_mejores=True)
    de_keras = keras.callbacks.EarlyStopping(patience=3, min_delta=0.02, restore_best_weights=True)
    modelos = [_modelo_diminuto(), _modelo_diminuto()]
    paradas = []
    for callback, modelo in zip((nuestro, de_keras), modelos):
        callback.set_model(modelo)
        callback.on_train_begin()
        for epoca, perdida in enumerate(perdidas):
            modelo.set_weights([np.full((2, 1), epoca, "float32"), np.zeros(1, "float32")])
            callback.on_epoch_end(epoca, {"val_loss": perdida})
            if modelo.stop_training:
                paradas.append(epoca)
                break
        callback.on_train_end()
    # 0.79 no mejora a 0.8 en min_delta = 0.02: tras 3 épocas sin mejora (2, 3 y 4) se para en la 4
    assert paradas == [4, 4]
    assert nuestro.mejor_epoca == de_keras.best_epoch == 1
    np.testing.assert_array_equal(modelos[0].get_weights()[0], modelos[1].get_weights()[0])
    assert modelos[0].get_weights()[0][0, 0] == 1  # los pesos de la mejor época


def test_parada_temprana_en_un_entrenamiento_real():
    generador = np.random.default_rng(0)
    x, y = generador.normal(size=(64, 2)).astype("float32"), generador.normal(size=(64, 1)).astype("float32")
    modelo = _modelo_diminuto()
    parada = ParadaTemprana(paciencia=1, min_delta=10.0)  # nada mejora 10: para en cuanto puede
    hist = modelo.fit(x, y, validation_data=(x, y), epochs=20, callbacks=[parada], verbose=0)
    assert len(hist.epoch) == 2 and parada.epoca_parada == 1
