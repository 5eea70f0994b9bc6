"""Optimizadores de NumPy de la clase frente a `keras.optimizers`, funciones de prueba y SGD de regresión."""

import numpy as np
import pytest

from datos.errores import ErrorParametro
from teoria.optimizadores import (
    HIPERPARAMETROS_KERAS,
    OPTIMIZADORES,
    SGD,
    Adadelta,
    AdaGrad,
    Adam,
    Momento,
    Nesterov,
    RMSProp,
    crear_optimizador,
    cuadratica_mal_condicionada,
    loss_func,
    loss_gradient,
    pasos_keras,
    punto_de_silla,
    rosenbrock,
    trayectoria,
)

# Hiperparámetros exactos en float32 (Keras convierte sus constantes a float32) y ε grande, para que la
# posición de ε importe de verdad: los mismos que usa el ejercicio.
EXACTOS = HIPERPARAMETROS_KERAS
PASOS = 6


def _gradientes(semilla=0, forma=(3, 4)):
    generador = np.random.default_rng(semilla)
    return generador.normal(size=forma), generador.normal(size=(PASOS, *forma))


def _pasos_numpy(optimizador, x0, gradientes):
    x, valores = x0, []
    for g in gradientes:
        x = optimizador.paso(x, g)
        valores.append(x)
    return np.array(valores)


@pytest.mark.parametrize("nombre", list(OPTIMIZADORES))
def test_convencion_keras_igual_a_keras_paso_a_paso(nombre):
    x0, gradientes = _gradientes()
    optimizador = crear_optimizador(nombre, convencion="keras", **EXACTOS[nombre])
    de_keras = pasos_keras(optimizador, x0, gradientes)
    np.testing.assert_allclose(_pasos_numpy(optimizador, x0, gradientes), de_keras, rtol=0, atol=1e-6)


@pytest.mark.parametrize("nombre", list(OPTIMIZADORES))
def test_valores_por_defecto_igual_a_keras_en_float32(nombre):
    x0, gradientes = _gradientes(semilla=1)
    optimizador = crear_optimizador(nombre, convencion="keras")
    de_keras = pasos_keras(optimizador, x0.astype("float32"), gradientes, dtype="float32")
    np.testing.assert_allclose(_pasos_numpy(optimizador, x0, gradientes), de_keras, rtol=0, atol=1e-6)


@pytest.mark.parametrize("nombre", ["adagrad", "rmsprop", "adam"])
def test_convencion_de_la_clase_difiere_de_keras_donde_va_epsilon(nombre):
    x0, gradientes = _gradientes()
    de_la_clase = crear_optimizador(nombre, convencion="clase", **EXACTOS[nombre])
    de_keras = pasos_keras(crear_optimizador(nombre, convencion="keras", **EXACTOS[nombre]), x0, gradientes)
    assert np.max(np.abs(_pasos_numpy(de_la_clase, x0, gradientes) - de_keras)) > 1e-3


@pytest.mark.parametrize("nombre", ["sgd", "momento", "nesterov", "adadelta"])
def test_convenciones_iguales_donde_la_clase_y_keras_coinciden(nombre):
    x0, gradientes = _gradientes()
    a = _pasos_numpy(crear_optimizador(nombre, convencion="clase", **EXACTOS[nombre]), x0, gradientes)
    b = _pasos_numpy(crear_optimizador(nombre, convencion="keras", **EXACTOS[nombre]), x0, gradientes)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_primeros_pasos_con_las_formulas_de_la_clase():
    x0, g = np.array([1.0, -2.0]), np.array([0.5, -4.0])
    alfa, eps = 0.1, 1e-7
    # AdaGrad: g1 = ∇f², x1 = x0 - α ∇f / (√g1 + ε)
    np.testing.assert_allclose(AdaGrad(alfa).paso(x0, g), x0 - alfa * g / (np.abs(g) + eps))
    # RMSProp: g1 = (1-γ) ∇f²
    np.testing.assert_allclose(RMSProp(alfa, gamma=0.9).paso(x0, g), x0 - alfa * g / (np.sqrt(0.1) * np.abs(g) + eps))
    # Adam con corrección del sesgo: v̂ = ∇f, ĝ = ∇f², el primer paso mide α en cada coordenada
    np.testing.assert_allclose(Adam(alfa).paso(x0, g), x0 - alfa * g / (np.abs(g) + eps))
    # Momento: v1 = -α ∇f; v2 = ρ v1 - α ∇f
    momento = Momento(alfa, rho=0.9)
    x1 = momento.paso(x0, g)
    np.testing.assert_allclose(momento.paso(x1, g), x1 + 0.9 * (-alfa * g) - alfa * g)
    # Adadelta sin tasa: u = -√ε / √((1-ρ) ∇f² + ε) · ∇f
    u = -np.sqrt(eps) / np.sqrt(0.05 * g**2 + eps) * g
    np.testing.assert_allclose(Adadelta().paso(x0, g), x0 + u)


def test_nesterov_es_la_forma_anticipada_con_cambio_de_variable():
    """v = ρ v - α ∇f(x + ρ v), x += v (la primera forma de la clase) da x̂ = x + ρ v."""
    funcion, alfa, rho = rosenbrock(), 1e-3, 0.9
    x, v = np.array(funcion.inicio), np.zeros(2)
    esperados = []
    for _ in range(30):
        v = rho * v - alfa * funcion.gradiente(x + rho * v)
        x = x + v
        esperados.append(x + rho * v)
    camino = trayectoria(Nesterov(alfa, rho=rho), funcion, pasos=30)
    np.testing.assert_allclose(camino[1:], esperados, rtol=1e-10)


@pytest.mark.parametrize("fabrica", [cuadratica_mal_condicionada, punto_de_silla, rosenbrock])
def test_gradientes_de_las_funciones_de_prueba(fabrica):
    funcion = fabrica()
    p, h = np.array([0.3, -0.7]), 1e-6
    numerico = [(funcion.f(p + h * e) - funcion.f(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(funcion.gradiente(p), numerico, rtol=1e-5)


def test_momento_y_nesterov_superan_a_sgd_en_la_cuadratica_mal_condicionada():
    funcion = cuadratica_mal_condicionada(50)
    distancia = {
        n: np.linalg.norm(trayectoria(crear_optimizador(n, tasa=0.02), funcion, 100)[-1])
        for n in ("sgd", "momento", "nesterov")
    }
    assert distancia["sgd"] > 0.5  # «SGD: queda muy lejos del óptimo»
    assert distancia["momento"] < 0.1 and distancia["nesterov"] < 0.1


def test_sgd_se_queda_en_el_punto_de_silla_y_momento_escapa():
    funcion = punto_de_silla()
    sgd = trayectoria(crear_optimizador("sgd", tasa=0.02), funcion, 150)[-1]
    momento = trayectoria(crear_optimizador("momento", tasa=0.02), funcion, 150)[-1]
    assert abs(sgd[1]) < 0.1  # sigue cerca de y = 0, la silla
    assert abs(abs(momento[1]) - 1) < 0.1  # llegó a un mínimo (0, ±1)


def test_trayectoria_se_detiene_si_diverge():
    camino = trayectoria(crear_optimizador("sgd", tasa=1.0), rosenbrock(), pasos=100)
    assert len(camino) < 101 and np.all(np.isfinite(camino))


def test_errores_claros():
    with pytest.raises(ValueError, match="tasa"):
        crear_optimizador("adam", tasa=-0.1)
    with pytest.raises(ValueError, match="'nombre' debe ser uno de 'sgd'.* y es 'adamw'"):
        crear_optimizador("adamw")
    with pytest.raises(ValueError, match="rho"):
        Momento(0.1, rho=1.5)
    with pytest.raises(ValueError, match="convencion"):
        Adam(convencion="pytorch")
    with pytest.raises(ValueError, match="forma"):
        Adam().paso(np.zeros(3), np.zeros(2))


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: Adam(tasa=0), "'tasa' debe ser un número mayor que 0 y es 0."),
        (lambda: Adam(epsilon=-1e-7), "'epsilon' debe ser un número mayor que 0 y es -1e-07."),
        (lambda: Adam(gamma=1.0), "'gamma' debe ser un número en [0, 1) y es 1.0."),
        (lambda: AdaGrad(acumulador_inicial=-0.1), "'acumulador_inicial' debe ser un número mayor o igual que 0"),
        (lambda: Adam(convencion="pytorch"), "'convencion' debe ser uno de 'clase', 'keras' y es 'pytorch'."),
        (lambda: Adam().paso(np.zeros(3), np.zeros(2)), "'gradiente' debe ser un array de la forma de los parámetros"),
        (lambda: cuadratica_mal_condicionada(0), "'condicion' debe ser un número mayor que 0 y es 0."),
        (lambda: SGD(np.ones((4, 1)), np.ones(4), np.zeros(2), 1, lr=0), "'lr' debe ser un número mayor que 0 y es 0."),
        (lambda: SGD(np.ones((4, 1)), np.ones(4), np.zeros(2), 1, bs=0), "'bs' debe ser un entero mayor o igual que 1"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_sgd_de_la_clase_en_regresion_lineal():
    generador = np.random.default_rng(0)
    x = generador.normal(size=(300, 2))
    y = 1.0 + x @ np.array([2.0, -3.0]) + 0.1 * generador.normal(size=300)
    exactos = np.linalg.lstsq(np.hstack([np.ones((300, 1)), x]), y, rcond=None)[0]
    iniciales = np.zeros(3)
    camino = SGD(x, y, iniciales, epochs=30, lr=0.05, bs=32, tol=0.0, semilla=0)
    assert len(camino) == 30 * 10 + 1  # 10 lotes por época (erratas corregidas: np.arange e i+bs)
    np.testing.assert_allclose(camino[-1], exactos, atol=0.05)
    assert np.all(iniciales == 0)  # no modifica el array del llamante
    corto = SGD(x, y, np.zeros(3), epochs=1000, lr=0.05, bs=32, tol=1e-3, semilla=0)
    assert len(corto) < len(camino)  # la tolerancia detiene antes
    assert loss_func(x, y, camino[-1]) < loss_func(x, y, camino[0])
    with pytest.raises(ValueError, match="bs"):
        SGD(x, y, np.zeros(3), epochs=1, bs=0)


def test_loss_gradient_es_el_gradiente_del_mse():
    generador = np.random.default_rng(1)
    x, y, w = generador.normal(size=(20, 2)), generador.normal(size=20), generador.normal(size=3)
    perdida, dw = loss_gradient(x, y, w)
    assert perdida == pytest.approx(loss_func(x, y, w))
    h = 1e-6
    numerico = [(loss_func(x, y, w + h * e) - loss_func(x, y, w - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(dw, numerico, rtol=1e-5)


def test_rho_y_gamma_significan_lo_mismo_en_todos():
    """ρ: decaimiento de la media del gradiente; γ: de la de su cuadrado (la clase). Keras los llama distinto."""
    assert Momento(0.1, rho=0.75).a_keras().momentum == pytest.approx(0.75)
    adam = Adam(0.1, rho=0.75, gamma=0.625).a_keras()
    assert (adam.beta_1, adam.beta_2) == pytest.approx((0.75, 0.625))
    assert RMSProp(0.1, gamma=0.625).a_keras().rho == pytest.approx(0.625)
    assert Adadelta(gamma=0.625).a_keras().rho == pytest.approx(0.625)
    with pytest.raises(TypeError):
        Adadelta(rho=0.625)  # Adadelta solo tiene medias de cuadrados: γ
