"""Programas de la tasa de aprendizaje frente a los de Keras, como schedule y como callback."""

import math

import keras
import numpy as np
import pytest

from datos.errores import ErrorParametro
from utilidades.tasas import (
    PROGRAMAS,
    DecaimientoEscalonado,
    DecaimientoExponencial,
    DecaimientoInverso,
    DecaimientoPorDiez,
    DecaimientoPotencia,
    ProgramaTasa,
    TasaPorRendimiento,
    UnCiclo,
    crear_programa,
)

S = keras.optimizers.schedules
T = np.arange(0, 120)


def _keras(programa):
    return np.array([float(programa(t)) for t in T])


@pytest.mark.parametrize(
    "nuestro, de_keras",
    [
        (DecaimientoExponencial(0.1, k=0.05), S.ExponentialDecay(0.1, decay_steps=1, decay_rate=math.exp(-0.05))),
        (DecaimientoPorDiez(0.1, s=30), S.ExponentialDecay(0.1, decay_steps=30, decay_rate=0.1)),
        (DecaimientoEscalonado(0.1, factor=0.5, cada=7), S.ExponentialDecay(0.1, 7, 0.5, staircase=True)),
        (DecaimientoInverso(0.1, k=0.3), S.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.3)),
        (DecaimientoPotencia(0.1, s=5, c=1), S.InverseTimeDecay(0.1, decay_steps=5, decay_rate=1.0)),
    ],
)
def test_igual_que_los_programas_de_keras(nuestro, de_keras):
    np.testing.assert_allclose(nuestro.valores(T), _keras(de_keras), rtol=1e-5)


def test_formulas_de_la_clase():
    np.testing.assert_allclose(DecaimientoExponencial(0.2, k=0.1).valores(T), 0.2 * np.exp(-0.1 * T), rtol=1e-5)
    np.testing.assert_allclose(DecaimientoPotencia(0.2, s=4, c=2).valores(T), 0.2 / (1 + T / 4) ** 2, rtol=1e-5)
    np.testing.assert_allclose(DecaimientoPorDiez(0.2, s=40).valores([0, 40, 80]), [0.2, 0.02, 0.002], rtol=1e-5)
    np.testing.assert_allclose(
        DecaimientoEscalonado(0.2, 0.5, 10).valores([0, 9, 10, 25]), [0.2, 0.2, 0.1, 0.05], rtol=1e-6
    )


def test_1cycle_son_tramos_de_polynomial_decay():
    programa = UnCiclo(0.01, pasos_totales=100, tasa_maxima=0.1, fraccion_final=0.2, tasa_final=1e-5)
    mitad = 40
    subida = S.PolynomialDecay(0.01, decay_steps=mitad, end_learning_rate=0.1, power=1.0)
    bajada = S.PolynomialDecay(0.1, decay_steps=mitad, end_learning_rate=0.01, power=1.0)
    cola = S.PolynomialDecay(0.01, decay_steps=20, end_learning_rate=1e-5, power=1.0)
    t = np.arange(0, 121)
    esperado = np.where(
        t <= mitad,
        [float(subida(i)) for i in t],
        np.where(
            t <= 2 * mitad, [float(bajada(i - mitad)) for i in t], [float(cola(max(i - 2 * mitad, 0))) for i in t]
        ),
    )
    np.testing.assert_allclose(programa.valores(t), esperado, rtol=1e-5, atol=1e-9)
    assert programa.valores([40])[0] == pytest.approx(0.1, rel=1e-5)
    assert programa.valores([100])[0] == pytest.approx(1e-5, rel=1e-4)


def test_como_learning_rate_schedule_del_optimizador():
    programa = DecaimientoExponencial(0.1, k=0.05)
    optimizador = keras.optimizers.SGD(learning_rate=programa)
    variable = keras.Variable(np.ones(2, dtype="float32"))
    for _ in range(5):
        optimizador.apply_gradients([(np.ones(2, dtype="float32"), variable)])
    assert float(optimizador.learning_rate) == pytest.approx(0.1 * math.exp(-0.25), rel=1e-5)
    # y se serializa con su configuración
    copia = DecaimientoExponencial.from_config(programa.get_config())
    assert copia.k == programa.k and copia.tasa_inicial == programa.tasa_inicial


def _modelo_diminuto(tasa=0.1):
    modelo = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    modelo.compile(optimizer=keras.optimizers.SGD(learning_rate=tasa), loss="mse")
    return modelo


def test_como_callback_fija_la_tasa_de_cada_epoca():
    programa = DecaimientoInverso(0.1, k=0.5)
    modelo = _modelo_diminuto()
    x, y = np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32")
    hist = modelo.fit(x, y, epochs=3, batch_size=8, callbacks=[programa.como_callback()], verbose=0)
    np.testing.assert_allclose(hist.history["learning_rate"], [0.1, 0.1 / 1.5, 0.1 / 2], rtol=1e-6)


def test_tasa_por_rendimiento_igual_que_reduce_lr_on_plateau():
    perdidas = [1.0, 0.9, 0.95, 0.905, 0.91, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.7, 0.75, 0.76]
    nuestro = TasaPorRendimiento(factor=0.5, paciencia=2, min_delta=0.01, enfriamiento=1, tasa_minima=0.02)
    de_keras = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.01, cooldown=1, min_lr=0.02)
    modelos = [_modelo_diminuto(), _modelo_diminuto()]
    for callback, modelo in zip((nuestro, de_keras), modelos):
        callback.set_model(modelo)
        callback.on_train_begin()
    tasas_nuestras, tasas_keras = [], []
    for epoca, perdida in enumerate(perdidas):
        for callback in (nuestro, de_keras):
            callback.on_epoch_end(epoca, {"val_loss": perdida})
        tasas_nuestras.append(float(modelos[0].optimizer.learning_rate))
        tasas_keras.append(float(modelos[1].optimizer.learning_rate))
    np.testing.assert_allclose(tasas_nuestras, tasas_keras, rtol=1e-6)
    assert min(tasas_nuestras) == pytest.approx(0.02)  # reduce varias veces hasta la tasa mínima


def test_tasa_por_rendimiento_sin_monitor_da_error_claro():
    callback = TasaPorRendimiento()
    callback.set_model(_modelo_diminuto())
    with pytest.raises(ValueError, match="val_loss"):
        callback.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("nombre", list(PROGRAMAS))
def test_programas_de_la_practica(nombre):
    programa = crear_programa(nombre, 0.05, epocas=10)
    if isinstance(programa, ProgramaTasa):
        valores = programa.valores(np.linspace(0, 10, 201))
        assert np.all(np.isfinite(valores)) and np.all(valores > 0)
        assert valores.max() == pytest.approx(0.05, rel=1e-5)
        assert nombre == "constante" or valores[-1] < valores.max() / 5
    else:
        assert isinstance(programa, keras.callbacks.Callback)


def test_errores_claros():
    with pytest.raises(ValueError, match="tasa_inicial"):
        DecaimientoExponencial(-0.1, k=0.1)
    with pytest.raises(ValueError, match="'s'"):
        DecaimientoPotencia(0.1, s=0)
    with pytest.raises(ValueError, match="'s'"):
        DecaimientoPorDiez(0.1, s=0)
    with pytest.raises(ValueError, match="cada"):
        DecaimientoEscalonado(0.1, cada=0)
    with pytest.raises(ValueError, match="factor"):
        TasaPorRendimiento(factor=1.5)
    with pytest.raises(ValueError, match="'nombre' debe ser uno de 'constante'.* y es 'coseno'"):
        crear_programa("coseno", 0.1, 10)


@pytest.mark.parametrize(
    "crear, mensaje",
    [
        (lambda: DecaimientoExponencial(0.0), "'tasa_inicial' debe ser un número mayor que 0 y es 0.0."),
        (lambda: DecaimientoExponencial(0.1, k=-1), "'k' debe ser un número mayor o igual que 0 y es -1."),
        (lambda: DecaimientoEscalonado(0.1, factor=1), "'factor' debe ser un número en (0, 1) y es 1."),
        (lambda: UnCiclo(0.1, 100, fraccion_final=1.0), "'fraccion_final' debe ser un número en [0, 1) y es 1.0."),
        (lambda: UnCiclo(0.1, 100, tasa_maxima=-1), "'tasa_maxima' debe ser un número mayor que 0 o None y es -1."),
        (lambda: TasaPorRendimiento(paciencia=-1), "'paciencia' debe ser un entero mayor o igual que 0 y es -1."),
        (lambda: TasaPorRendimiento(enfriamiento=0.5), "'enfriamiento' debe ser un entero mayor o igual que 0"),
        (lambda: crear_programa("exponencial", 0.1, 0), "'epocas' debe ser un número mayor que 0 y es 0."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(crear, mensaje):
    with pytest.raises(ErrorParametro) as error:
        crear()
    assert str(error.value).startswith(mensaje)
