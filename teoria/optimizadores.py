"""Optimizadores de primer orden en NumPy, como los escribe la clase «Entrenamiento de redes neuronales».

Sección «Optimización» de la clase de Bariloche: SGD, SGD + momento, Nesterov, AdaGrad, RMSProp, Adam
(con corrección del sesgo) y Adadelta. Cada optimizador guarda su estado y `paso(x, gradiente)` devuelve
los parámetros nuevos; `a_keras()` da el optimizador de `keras.optimizers` equivalente.

Con `convencion="clase"` (por defecto) se aplican las fórmulas de las diapositivas; con
`convencion="keras"`, las de Keras 3. Solo difieren en tres optimizadores:

- AdaGrad: clase `g0 = 0`, `x -= α ∇f / (√g + ε)`; Keras `g0 = 0.1` (`initial_accumulator_value`),
  `x -= α ∇f / √(g + ε)`.
- RMSProp: clase `x -= α ∇f / (√g + ε)`; Keras `x -= α ∇f / √(g + ε)`.
- Adam: clase `x -= α v̂ / (√ĝ + ε)`; Keras `x -= α √(1-γᵗ)/(1-ρᵗ) · v / (√g + ε)`: ε se suma antes de
  corregir el sesgo.

SGD, momento, Nesterov y Adadelta coinciden en las dos convenciones.

Los hiperparámetros se llaman como en la clase, con el mismo sentido en todos los optimizadores: `rho` (ρ)
es el decaimiento de la media del gradiente (la velocidad del momento, el primer momento de Adam) y `gamma`
(γ), el de la media del gradiente al cuadrado (RMSProp, el segundo momento de Adam, Adadelta). `a_keras()`
los traduce a los nombres de Keras, que cambian de un optimizador a otro: ρ es `momentum` en SGD y `beta_1`
en Adam; γ es `rho` en RMSprop y Adadelta y `beta_2` en Adam.

Erratas de las diapositivas, corregidas aquí:

- Adam: la diapositiva escribe `v = ρ v - (1-ρ) ∇f` y luego `x -= α v̂ / ...`; con ese signo el paso
  subiría la pendiente. Se usa `v = ρ v + (1-ρ) ∇f` (Kingma y Ba, 2014).
- Adadelta: `u = -√(Δ_t + ε) / √(g_t + ε)` olvida multiplicar por el gradiente y usa `g_t` en vez de
  `g_{t+1}`. Se usa `u = -√(Δ_t + ε) / √(g_{t+1} + ε) · ∇f` (Zeiler, 2012), como Keras. La clase dice que
  Adadelta «no tiene learning rate» (equivale a `tasa=1`); Keras multiplica `u` por `learning_rate`.
- Nesterov: `paso` usa la forma con el cambio de variable `x̂ = x + ρ v` de la diapositiva
  (`v = ρ v - α ∇f(x̂)`, `x̂ += v + ρ (v - v_anterior)`), que solo pide el gradiente en el punto actual;
  es la que usa Keras. Los puntos que devuelve son los `x̂`.

También están las funciones de prueba de la clase (cuadrática mal condicionada, punto de silla y
Rosenbrock) y el SGD por mini-lotes para regresión lineal con MSE de la diapositiva «Stochastic Gradient
Descent (SGD)», con sus erratas corregidas (véase `SGD`).
"""

from dataclasses import dataclass

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    ENTERO_POSITIVO,
    FRACCION,
    NO_NEGATIVO,
    POSITIVO,
    Opciones,
    comprobar,
    mensaje,
    validar_parametros,
)

CONVENCIONES = ("clase", "keras")


class Optimizador:
    """Base de los optimizadores: valida los argumentos y lleva la cuenta de pasos `t`."""

    nombre = None

    def __init__(self, tasa=0.01, epsilon=1e-7, convencion="clase"):
        self.convencion = comprobar(convencion, "convencion", Opciones(*CONVENCIONES))
        self.tasa = comprobar(tasa, "tasa", POSITIVO)
        self.epsilon = comprobar(epsilon, "epsilon", POSITIVO)
        self.reiniciar()

    def reiniciar(self):
        """Vuelve al estado inicial (t = 0, acumuladores a cero)."""
        self.t = 0
        self.estado = None

    def paso(self, x, gradiente):
        """Un paso de optimización: devuelve los parámetros nuevos (no modifica `x`)."""
        x = np.asarray(x, dtype="float64")
        gradiente = np.asarray(gradiente, dtype="float64")
        if gradiente.shape != x.shape:
            raise ErrorParametro(
                mensaje(
                    "gradiente",
                    f"un array de la forma de los parámetros 'x', {x.shape}",
                    es=f"de forma {gradiente.shape}",
                )
            )
        if self.estado is None:
            self.estado = self._estado_inicial(x)
        self.t += 1
        return self._actualizar(x, gradiente)

    def _estado_inicial(self, x):
        return {}

    def _actualizar(self, x, g):
        raise NotImplementedError

    def a_keras(self):
        """El optimizador de `keras.optimizers` con los mismos hiperparámetros."""
        raise NotImplementedError


class DescensoGradiente(Optimizador):
    """SGD: `x_{t+1} = x_t - α ∇f(x_t)`."""

    nombre = "sgd"

    def _actualizar(self, x, g):
        return x - self.tasa * g

    def a_keras(self):
        import keras

        return keras.optimizers.SGD(learning_rate=self.tasa)


class Momento(Optimizador):
    """SGD + momento: `v = ρ v - α ∇f(x)`, `x = x + v` (ρ es la «fricción», 0.9 o 0.99)."""

    nombre = "momento"
    nesterov = False

    def __init__(self, tasa=0.01, rho=0.9, **kwargs):
        self.rho = comprobar(rho, "rho", FRACCION)
        super().__init__(tasa, **kwargs)

    def _estado_inicial(self, x):
        return {"v": np.zeros_like(x)}

    def _actualizar(self, x, g):
        v_anterior = self.estado["v"]
        v = self.rho * v_anterior - self.tasa * g
        self.estado["v"] = v
        if self.nesterov:
            return x + v + self.rho * (v - v_anterior)
        return x + v

    def a_keras(self):
        import keras

        return keras.optimizers.SGD(learning_rate=self.tasa, momentum=self.rho, nesterov=self.nesterov)


class Nesterov(Momento):
    """Nesterov con el cambio de variable de la clase: `v = ρ v - α ∇f(x̂)`, `x̂ += v + ρ (v - v_anterior)`."""

    nombre = "nesterov"
    nesterov = True


class AdaGrad(Optimizador):
    """AdaGrad: `g += ∇f²`, `x -= α ∇f / (√g + ε)` (Duchi et al., 2011).

    `acumulador_inicial` es `g0`: 0 en la clase y 0.1 en Keras (por defecto, el de la convención).
    """

    nombre = "adagrad"

    def __init__(self, tasa=0.01, acumulador_inicial=None, **kwargs):
        super().__init__(tasa, **kwargs)
        if acumulador_inicial is None:
            acumulador_inicial = 0.1 if self.convencion == "keras" else 0.0
        self.acumulador_inicial = comprobar(acumulador_inicial, "acumulador_inicial", NO_NEGATIVO)

    def _estado_inicial(self, x):
        return {"g": np.full_like(x, self.acumulador_inicial)}

    def _actualizar(self, x, g):
        acumulado = self.estado["g"] = self.estado["g"] + g**2
        return x - self.tasa * g / _raiz(acumulado, self.epsilon, self.convencion)

    def a_keras(self):
        import keras

        return keras.optimizers.Adagrad(
            learning_rate=self.tasa, initial_accumulator_value=self.acumulador_inicial, epsilon=self.epsilon
        )


class RMSProp(Optimizador):
    """RMSProp: `g = γ g + (1-γ) ∇f²`, `x -= α ∇f / (√g + ε)` (Tieleman y Hinton, 2012; γ ~ 0.9, 0.99)."""

    nombre = "rmsprop"

    def __init__(self, tasa=0.001, gamma=0.9, **kwargs):
        self.gamma = comprobar(gamma, "gamma", FRACCION)
        super().__init__(tasa, **kwargs)

    def _estado_inicial(self, x):
        return {"g": np.zeros_like(x)}

    def _actualizar(self, x, g):
        media = self.estado["g"] = self.gamma * self.estado["g"] + (1 - self.gamma) * g**2
        return x - self.tasa * g / _raiz(media, self.epsilon, self.convencion)

    def a_keras(self):
        import keras

        return keras.optimizers.RMSprop(learning_rate=self.tasa, rho=self.gamma, epsilon=self.epsilon)


class Adam(Optimizador):
    """Adam con corrección del sesgo (Kingma y Ba, 2014): momento (ρ) más RMSProp (γ).

    `v = ρ v + (1-ρ) ∇f`, `g = γ g + (1-γ) ∇f²`, `v̂ = v / (1-ρᵗ)`, `ĝ = g / (1-γᵗ)`,
    `x -= α v̂ / (√ĝ + ε)`. Sin la corrección, el primer paso sería enorme porque `g ~ 0`.
    """

    nombre = "adam"

    def __init__(self, tasa=0.001, rho=0.9, gamma=0.999, **kwargs):
        self.rho = comprobar(rho, "rho", FRACCION)
        self.gamma = comprobar(gamma, "gamma", FRACCION)
        super().__init__(tasa, **kwargs)

    def _estado_inicial(self, x):
        return {"v": np.zeros_like(x), "g": np.zeros_like(x)}

    def _actualizar(self, x, g):
        v = self.estado["v"] = self.rho * self.estado["v"] + (1 - self.rho) * g
        s = self.estado["g"] = self.gamma * self.estado["g"] + (1 - self.gamma) * g**2
        sesgo_v, sesgo_g = 1 - self.rho**self.t, 1 - self.gamma**self.t
        if self.convencion == "keras":
            return x - self.tasa * np.sqrt(sesgo_g) / sesgo_v * v / (np.sqrt(s) + self.epsilon)
        return x - self.tasa * (v / sesgo_v) / (np.sqrt(s / sesgo_g) + self.epsilon)

    def a_keras(self):
        import keras

        return keras.optimizers.Adam(learning_rate=self.tasa, beta_1=self.rho, beta_2=self.gamma, epsilon=self.epsilon)


class Adadelta(Optimizador):
    """Adadelta (Zeiler, 2012): sin tasa de aprendizaje (`tasa=1`, la de la clase).

    `g = γ g + (1-γ) ∇f²`, `u = -√(Δ + ε) / √(g + ε) · ∇f`, `Δ = γ Δ + (1-γ) u²`, `x += tasa · u`. Las dos
    medias son de cuadrados: su decaimiento es γ (`gamma`), que Keras llama `rho`.
    """

    nombre = "adadelta"

    def __init__(self, tasa=1.0, gamma=0.95, **kwargs):
        self.gamma = comprobar(gamma, "gamma", FRACCION)
        super().__init__(tasa, **kwargs)

    def _estado_inicial(self, x):
        return {"g": np.zeros_like(x), "delta": np.zeros_like(x)}

    def _actualizar(self, x, g):
        media = self.estado["g"] = self.gamma * self.estado["g"] + (1 - self.gamma) * g**2
        u = -np.sqrt(self.estado["delta"] + self.epsilon) / np.sqrt(media + self.epsilon) * g
        self.estado["delta"] = self.gamma * self.estado["delta"] + (1 - self.gamma) * u**2
        return x + self.tasa * u

    def a_keras(self):
        import keras

        return keras.optimizers.Adadelta(learning_rate=self.tasa, rho=self.gamma, epsilon=self.epsilon)


def _raiz(acumulado, epsilon, convencion):
    """Denominador de AdaGrad y RMSProp: `√g + ε` en la clase, `√(g + ε)` en Keras."""
    return np.sqrt(acumulado + epsilon) if convencion == "keras" else np.sqrt(acumulado) + epsilon


OPTIMIZADORES = {
    clase.nombre: clase for clase in (DescensoGradiente, Momento, Nesterov, AdaGrad, RMSProp, Adam, Adadelta)
}


def crear_optimizador(nombre, **hiperparametros):
    """Crea un optimizador por su nombre (`sgd`, `momento`, `nesterov`, `adagrad`, `rmsprop`, `adam`, `adadelta`)."""
    clave = comprobar(str(nombre).lower(), "nombre", Opciones(*OPTIMIZADORES))
    return OPTIMIZADORES[clave](**hiperparametros)


# Hiperparámetros exactos en binario para comparar con Keras (`pasos_keras`): el redondeo a float32 de Keras
# no cuenta, y con ε grande se ve dónde va.
HIPERPARAMETROS_KERAS = {
    "sgd": {"tasa": 0.25},
    "momento": {"tasa": 0.25, "rho": 0.875},
    "nesterov": {"tasa": 0.25, "rho": 0.875},
    "adagrad": {"tasa": 0.25, "epsilon": 0.0625, "acumulador_inicial": 0.125},
    "rmsprop": {"tasa": 0.25, "gamma": 0.875, "epsilon": 0.0625},
    "adam": {"tasa": 0.25, "rho": 0.875, "gamma": 0.9990234375, "epsilon": 0.0625},
    "adadelta": {"tasa": 0.5, "gamma": 0.875, "epsilon": 0.0625},
}


def pasos_keras(optimizador, x0, gradientes, dtype="float64"):
    """Aplica `gradientes` con el optimizador de Keras equivalente (`optimizador.a_keras()`) a una variable
    que empieza en `x0`; devuelve los parámetros tras cada paso (array de forma (pasos, *x0.shape)).

    Keras guarda la tasa en una variable float32 y convierte las constantes (β, ρ, ε) a float32 antes de
    operar, así que con valores como 0.9 difiere de NumPy en ~1e-7 relativo; con valores exactos en binario
    (0.875, 0.25, 1 - 2⁻¹⁰...) la comparación no depende de ese redondeo.
    """
    import keras

    de_keras = optimizador.a_keras()
    variable = keras.Variable(np.array(x0, dtype=dtype), dtype=dtype)
    valores = []
    for gradiente in gradientes:
        de_keras.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(gradiente), dtype=dtype), variable)])
        valores.append(keras.ops.convert_to_numpy(variable).astype("float64"))
    return np.array(valores)


# --- Funciones de prueba de la clase: «Número de condición», «Puntos de ensilladura», Rosenbrock ---


@dataclass(frozen=True)
class FuncionPrueba:
    """Una función de R² con su gradiente, el punto de partida, el mínimo y la ventana del dibujo.

    `f` y `gradiente` reciben arrays cuyo último eje tiene tamaño 2 (un punto o una malla de puntos).
    """

    nombre: str
    titulo: str
    f: object
    gradiente: object
    inicio: tuple
    minimo: tuple
    limites: tuple  # (x_min, x_max, y_min, y_max)


@validar_parametros(condicion=POSITIVO)
def cuadratica_mal_condicionada(condicion=50.0):
    """`f = (x² + K y²) / 2`: la hessiana es diag(1, K) y su número de condición es K (≫ 1: zig-zag)."""

    def f(p):
        p = np.asarray(p, dtype="float64")
        return 0.5 * (p[..., 0] ** 2 + condicion * p[..., 1] ** 2)

    def gradiente(p):
        p = np.asarray(p, dtype="float64")
        return np.stack([p[..., 0], condicion * p[..., 1]], axis=-1)

    return FuncionPrueba(
        "cuadratica",
        f"Cuadrática mal condicionada (K = {condicion:g})",
        f,
        gradiente,
        (-9.0, 1.5),
        (0.0, 0.0),
        (-10.0, 2.0, -2.0, 2.0),
    )


def punto_de_silla():
    """`f = x² + y⁴/4 - y²/2`: punto de silla en (0, 0) y mínimos en (0, ±1). Se sale de la silla despacio."""

    def f(p):
        p = np.asarray(p, dtype="float64")
        return p[..., 0] ** 2 + 0.25 * p[..., 1] ** 4 - 0.5 * p[..., 1] ** 2

    def gradiente(p):
        p = np.asarray(p, dtype="float64")
        return np.stack([2 * p[..., 0], p[..., 1] ** 3 - p[..., 1]], axis=-1)

    return FuncionPrueba("silla", "Punto de silla", f, gradiente, (-1.5, 1e-3), (0.0, 1.0), (-1.8, 1.8, -1.5, 1.5))


def rosenbrock():
    """Rosenbrock: `f = (1 - x)² + 100 (y - x²)²`, un valle estrecho y curvo con el mínimo en (1, 1)."""

    def f(p):
        p = np.asarray(p, dtype="float64")
        return (1 - p[..., 0]) ** 2 + 100 * (p[..., 1] - p[..., 0] ** 2) ** 2

    def gradiente(p):
        p = np.asarray(p, dtype="float64")
        x, y = p[..., 0], p[..., 1]
        return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=-1)

    return FuncionPrueba("rosenbrock", "Rosenbrock", f, gradiente, (-1.2, 1.0), (1.0, 1.0), (-2.0, 2.0, -1.0, 3.0))


FUNCIONES_PRUEBA = {"cuadratica": cuadratica_mal_condicionada, "silla": punto_de_silla, "rosenbrock": rosenbrock}


def trayectoria(optimizador, funcion, pasos=100, inicio=None):
    """Puntos visitados por `optimizador` sobre `funcion` desde `inicio` (array de forma (pasos + 1, 2)).

    Se detiene antes si los parámetros dejan de ser finitos (el optimizador diverge).
    """
    x = np.asarray(funcion.inicio if inicio is None else inicio, dtype="float64")
    optimizador.reiniciar()
    puntos = [x]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(pasos)):
            x = optimizador.paso(x, funcion.gradiente(x))
            if not np.all(np.isfinite(x)):
                break
            puntos.append(x)
    return np.array(puntos)


# --- SGD por mini-lotes para regresión lineal con MSE (diapositivas «SGD» y «Problemas con SGD») ---


def _con_sesgo(x):
    return np.hstack([np.ones((x.shape[0], 1)), x])


def loss_func(x, y, weights):
    """MSE de la regresión lineal `f(x) = w0 + w1 x1 + w2 x2 + ...` sobre todos los datos."""
    return float(np.square(y - _con_sesgo(x).dot(weights)).mean())


def loss_gradient(data_batch, y_batch, weights):
    """MSE de un lote y su gradiente respecto a los pesos (listado de la clase, sin cambios)."""
    data_input = _con_sesgo(data_batch)
    predict = data_input.dot(weights)
    diff = y_batch - predict
    loss = np.square(diff).mean()
    dy = -2 * diff
    dw = data_input.T.dot(dy)
    dw /= data_batch.shape[0]
    return loss, dw


@validar_parametros(epochs=ENTERO_NO_NEGATIVO, lr=POSITIVO, bs=ENTERO_POSITIVO, tol=NO_NEGATIVO)
def SGD(x, y, weights, epochs, lr=1e-3, bs=100, tol=1e-5, semilla=None):
    """SGD por mini-lotes del listado de la clase; devuelve el camino de los pesos (uno por lote).

    Erratas del listado corregidas:

    - `idd = np.r_[x.shape[0]]` crea el array `[N]` de un solo elemento: debe ser `np.arange(x.shape[0])`.
    - `idd[i:it+bs]` usa una variable `it` que no existe: debe ser `idd[i:i+bs]`.
    - `nit` se incrementaba en cada lote, así que `epochs` contaba lotes: ahora cuenta épocas, y `delta`
      compara la pérdida al empezar y al terminar cada época.
    - `weights -= lr * dw` modificaba el array del llamante: se trabaja sobre una copia.
    - `np.random.shuffle` usaba el estado global: se usa un generador con `semilla`.
    """
    generador = np.random.default_rng(semilla)
    weights = np.array(weights, dtype="float64")
    delta = np.inf
    nit = 0
    path = [weights.copy()]
    while nit < epochs and delta > tol:
        idd = np.arange(x.shape[0])
        generador.shuffle(idd)
        l0 = loss_func(x, y, weights)
        for i in range(0, x.shape[0], bs):
            idi = idd[i : i + bs]
            x_batch = x[idi]
            y_batch = y[idi]
            loss, dw = loss_gradient(x_batch, y_batch, weights)
            weights -= lr * dw
            path.append(weights.copy())
        ln = loss_func(x, y, weights)
        delta = (l0 - ln) ** 2
        nit += 1
    return path
