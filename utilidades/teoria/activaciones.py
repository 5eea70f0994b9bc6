"""Funciones de activación de las clases y sus derivadas, en NumPy.

Bariloche, «Funciones de activación»: sigmoide, tanh, ReLU, leaky ReLU `max(0.1x, x)`, maxout
`max(w1 x + b1, w2 x + b2)` y ELU. Granada, «Funciones de activación»: la de LeCun `1.7159 tanh(2x/3)`,
PReLU (la pendiente negativa se aprende) y SELU (Klambauer et al., 2017).

`ACTIVACIONES` asocia cada nombre a `(f, f')`; `zonas_saturadas` dice dónde la derivada es casi nula.
"""

import numpy as np

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
    "relu": (relu, d_relu),
    "leaky-relu": (leaky_relu, d_leaky_relu),
    "prelu": (prelu, d_prelu),
    "elu": (elu, d_elu),
    "selu": (selu, d_selu),
    "maxout": (maxout, d_maxout),
}


def obtener_activacion(nombre):
    """`(f, f')` de una activación de `ACTIVACIONES` por su nombre."""
    if nombre not in ACTIVACIONES:
        raise ValueError(f"Activación desconocida: '{nombre}'. Use una de {list(ACTIVACIONES)}.")
    return ACTIVACIONES[nombre]


def zonas_saturadas(derivada, x, umbral=0.01):
    """Intervalos de `x` (ordenado) donde `|f'(x)| < umbral`: ahí casi no pasa gradiente.

    Devuelve una lista de pares `(desde, hasta)` con los extremos de la malla.
    """
    x = np.asarray(x, dtype="float64")
    if umbral <= 0:
        raise ValueError(f"'umbral' debe ser positivo y es {umbral}.")
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
