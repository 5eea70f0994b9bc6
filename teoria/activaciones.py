"""Funciones de activación de las clases y sus derivadas, en NumPy.

Bariloche, «Funciones de activación»: sigmoide, tanh, ReLU, leaky ReLU `max(0.1x, x)`, maxout
`max(w1 x + b1, w2 x + b2)` y ELU. Granada, «Funciones de activación»: la de LeCun `1.7159 tanh(2x/3)`,
`tanh(x) + a·x` (un pequeño término lineal para evitar las zonas planas), RReLU (la pendiente negativa se
elige al azar durante el entrenamiento), PReLU (la pendiente negativa se aprende) y SELU (Klambauer et al.,
2017).

`ACTIVACIONES` asocia cada nombre a `(f, f')`; `zonas_saturadas` dice dónde la derivada es casi nula y
`unidades_muertas` qué ReLU han «muerto» («Dying ReLUs»: salida fija a 0 para todas las entradas).
"""

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import NO_NEGATIVO, POSITIVO, Opciones, comprobar, mensaje, validar_parametros

# Constantes de SELU (Klambauer et al., 2017), las mismas que `keras.activations.selu`.
SELU_ALFA = 1.6732632423543772848170429916717
SELU_ESCALA = 1.0507009873554804934193349852946


def sigmoide(x):
    x = np.asarray(x, dtype="float64")
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # estable para |x| grande


def d_sigmoide(x):
    s = sigmoide(x)
    return s * (1.0 - s)


def tanh(x):
    return np.tanh(np.asarray(x, dtype="float64"))


def d_tanh(x):
    return 1.0 - tanh(x) ** 2


def tanh_lecun(x):
    """La recomendada por LeCun et al.: `1.7159 tanh(2x/3)` (f(±1) = ±1)."""
    return 1.7159 * np.tanh(2.0 * np.asarray(x, dtype="float64") / 3.0)


def d_tanh_lecun(x):
    return 1.7159 * 2.0 / 3.0 * (1.0 - np.tanh(2.0 * np.asarray(x, dtype="float64") / 3.0) ** 2)


def tanh_lineal(x, a=0.1):
    """`tanh(x) + a·x` (LeCun et al.): el término lineal evita las zonas planas, |f'(x)| ≥ a en todo x."""
    x = np.asarray(x, dtype="float64")
    return np.tanh(x) + a * x


def d_tanh_lineal(x, a=0.1):
    return 1.0 - np.tanh(np.asarray(x, dtype="float64")) ** 2 + a


def relu(x):
    return np.maximum(0.0, np.asarray(x, dtype="float64"))


def d_relu(x):
    """Derivada de ReLU; en 0 se toma 0 (como TensorFlow)."""
    return (np.asarray(x, dtype="float64") > 0).astype("float64")


def leaky_relu(x, alfa=0.1):
    """`max(αx, x)` con `α ∈ [0.01, 0.3]`; la clase usa 0.1."""
    x = np.asarray(x, dtype="float64")
    return np.where(x > 0, x, alfa * x)


def d_leaky_relu(x, alfa=0.1):
    return np.where(np.asarray(x, dtype="float64") > 0, 1.0, alfa)


# Pendientes de RReLU (Xu et al., 2015, «Empirical evaluation of rectified activations»): α ~ U[1/8, 1/3].
RRELU_INFERIOR = 1.0 / 8.0
RRELU_SUPERIOR = 1.0 / 3.0


def _pendientes_rrelu(inferior, superior):
    inferior = comprobar(inferior, "inferior", NO_NEGATIVO)
    if not NO_NEGATIVO.admite(superior) or superior < inferior:
        raise ErrorParametro(mensaje("superior", f"un número mayor o igual que 'inferior' ({inferior})", superior))
    return inferior, float(superior)


def rrelu(x, inferior=RRELU_INFERIOR, superior=RRELU_SUPERIOR, entrenamiento=False, generador=None):
    """Leaky ReLU aleatoria (RReLU): `max(αx, x)` con α ~ U[inferior, superior] en el entrenamiento.

    En entrenamiento (`entrenamiento=True`) se sortea un α por elemento de `x` con `generador`; en test se
    usa la pendiente media (inferior + superior)/2, como `torch.nn.RReLU`: entonces es una leaky ReLU con
    α = 11/48 ≈ 0,23. (Xu et al. escriben la parte negativa como x/a con a ~ U(3, 8) y usan en test
    x/((3 + 8)/2), pendiente 2/11; el intervalo de pendientes es el mismo, [1/8, 1/3].)
    """
    inferior, superior = _pendientes_rrelu(inferior, superior)
    x = np.asarray(x, dtype="float64")
    if entrenamiento:
        generador = generador if generador is not None else np.random.default_rng()
        alfa = generador.uniform(inferior, superior, size=x.shape)
    else:
        alfa = 0.5 * (inferior + superior)
    return np.where(x > 0, x, alfa * x)


def d_rrelu(x, inferior=RRELU_INFERIOR, superior=RRELU_SUPERIOR):
    """Derivada de RReLU en test (pendiente media en la parte negativa)."""
    inferior, superior = _pendientes_rrelu(inferior, superior)
    return np.where(np.asarray(x, dtype="float64") > 0, 1.0, 0.5 * (inferior + superior))


def prelu(x, alfa=0.25):
    """PReLU: como leaky ReLU, pero `α` es un parámetro que se entrena (aquí, su valor actual)."""
    return leaky_relu(x, alfa)


def d_prelu(x, alfa=0.25):
    """Derivada respecto a `x`; respecto a `α` es `min(x, 0)`."""
    return d_leaky_relu(x, alfa)


def elu(x, alfa=1.0):
    x = np.asarray(x, dtype="float64")
    return np.where(x >= 0, x, alfa * np.expm1(np.minimum(x, 0.0)))


def d_elu(x, alfa=1.0):
    x = np.asarray(x, dtype="float64")
    return np.where(x >= 0, 1.0, alfa * np.exp(np.minimum(x, 0.0)))


def selu(x):
    return SELU_ESCALA * elu(x, SELU_ALFA)


def d_selu(x):
    return SELU_ESCALA * d_elu(x, SELU_ALFA)


def maxout(x, pesos=(1.0, -0.5), sesgos=(0.0, 0.0)):
    """Maxout de una entrada con `k` piezas lineales: `max_j (w_j x + b_j)`.

    Con `pesos=(1, 0)` y `sesgos=(0, 0)` es ReLU; con `(1, α)`, leaky ReLU. No satura ni «muere».
    """
    x = np.asarray(x, dtype="float64")
    piezas = np.stack([w * x + b for w, b in zip(pesos, sesgos)])
    return piezas.max(axis=0)


def d_maxout(x, pesos=(1.0, -0.5), sesgos=(0.0, 0.0)):
    """La pendiente de la pieza activa."""
    x = np.asarray(x, dtype="float64")
    piezas = np.stack([w * x + b for w, b in zip(pesos, sesgos)])
    return np.asarray(pesos, dtype="float64")[piezas.argmax(axis=0)]


ACTIVACIONES = {
    "sigmoide": (sigmoide, d_sigmoide),
    "tanh": (tanh, d_tanh),
    "tanh-lecun": (tanh_lecun, d_tanh_lecun),
    "tanh-lineal": (tanh_lineal, d_tanh_lineal),
    "relu": (relu, d_relu),
    "leaky-relu": (leaky_relu, d_leaky_relu),
    "rrelu": (rrelu, d_rrelu),
    "prelu": (prelu, d_prelu),
    "elu": (elu, d_elu),
    "selu": (selu, d_selu),
    "maxout": (maxout, d_maxout),
}


def obtener_activacion(nombre):
    """`(f, f')` de una activación de `ACTIVACIONES` por su nombre."""
    return ACTIVACIONES[comprobar(nombre, "nombre", Opciones(*ACTIVACIONES))]


@validar_parametros(umbral=POSITIVO)
def zonas_saturadas(derivada, x, umbral=0.01):
    """Intervalos de `x` (ordenado) donde `|f'(x)| < umbral`: ahí casi no pasa gradiente.

    Devuelve una lista de pares `(desde, hasta)` con los extremos de la malla.
    """
    x = np.asarray(x, dtype="float64")
    plana = np.abs(derivada(x)) < umbral
    zonas, inicio = [], None
    for i, es_plana in enumerate(plana):
        if es_plana and inicio is None:
            inicio = i
        if inicio is not None and (not es_plana or i == len(x) - 1):
            fin = i if es_plana else i - 1
            zonas.append((float(x[inicio]), float(x[fin])))
            inicio = None
    return zonas


def unidades_muertas(preactivaciones):
    """Máscara (unidades,) de las unidades con preactivación `z = Σ x_i w_i + b` ≤ 0 para todas las entradas.

    `preactivaciones` es una matriz (entradas, unidades) de una capa (o (entradas, ..., unidades): se toman
    todas las posiciones). Con ReLU esas unidades están «muertas»: su salida es 0 y su gradiente también,
    para todo el conjunto, así que sus pesos de entrada ya no cambian («Dying ReLUs», clase de Granada; pasa
    sobre todo con tasas de aprendizaje altas). Con leaky ReLU el gradiente es α, no 0: están «en coma» y
    pueden despertar. Una unidad con algún valor no finito (el entrenamiento divergió) no cuenta como muerta.
    """
    z = np.asarray(preactivaciones, dtype="float64")
    if z.ndim < 2 or z.shape[0] < 1:
        raise ErrorParametro(
            mensaje("preactivaciones", "un array de forma (entradas, ..., unidades)", es=f"de forma {z.shape}")
        )
    z = z.reshape(-1, z.shape[-1])
    return np.all(z <= 0, axis=0)


def fraccion_muertas(preactivaciones):
    """Fracción de unidades de la capa que `unidades_muertas` da por muertas."""
    return float(np.mean(unidades_muertas(preactivaciones)))
