"""Regularización en NumPy, como en las clases: penalizaciones L1, L2 y elastic net, dropout invertido,
normalización por lotes y parada temprana.

- Bariloche, «Termino de Regularización»: `λ R(W)` con L2 `ΣW²`, L1 `Σ|W|` y elastic net `Σ β W² + |W|`.
- Bariloche, «Inverted dropout»: se escala al entrenar para no tocar nada en test.
- Bariloche y Granada, «Batch Normalization» (Ioffe y Szegedy, 2015): estadísticos del mini-lote al
  entrenar y medias móviles en inferencia.
- «Aprendizaje de Máquinas: redes profundas», «Early stopping»: parar en el «punto justo».

Cada pieza coincide con la de Keras: `regularizador_keras`, `keras.layers.Dropout`,
`keras.layers.BatchNormalization` y `keras.callbacks.EarlyStopping`.
"""

import keras
import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import (
    FRACCION,
    NO_NEGATIVO,
    Opciones,
    mensaje,
    validar_parametros,
)

PENALIZACIONES = ("l1", "l2", "elastica")


def _lista(pesos):
    if isinstance(pesos, (list, tuple)):
        return [np.asarray(w, dtype="float64") for w in pesos]
    return [np.asarray(pesos, dtype="float64")]


@validar_parametros(lam=NO_NEGATIVO)
def penalizacion_l2(pesos, lam):
    """`λ Σ W²` sobre un array o una lista de arrays (todas las capas). Keras: `keras.regularizers.L2(λ)`."""
    return lam * sum(float(np.sum(w**2)) for w in _lista(pesos))


@validar_parametros(lam=NO_NEGATIVO)
def penalizacion_l1(pesos, lam):
    """`λ Σ |W|`. Keras: `keras.regularizers.L1(λ)`."""
    return lam * sum(float(np.sum(np.abs(w))) for w in _lista(pesos))


@validar_parametros(lam=NO_NEGATIVO, beta=NO_NEGATIVO)
def penalizacion_elastica(pesos, lam, beta=1.0):
    """Elastic net de la clase: `λ Σ (β W² + |W|)`. Keras: `keras.regularizers.L1L2(l1=λ, l2=λβ)`."""
    return penalizacion_l1(pesos, lam) + penalizacion_l2(pesos, lam * beta)


@validar_parametros(tipo=Opciones(*PENALIZACIONES), lam=NO_NEGATIVO, beta=NO_NEGATIVO)
def regularizador_keras(tipo, lam, beta=1.0):
    """El regularizador de Keras equivalente a `penalizacion_<tipo>(pesos, lam, ...)`."""
    if tipo == "l1":
        return keras.regularizers.L1(lam)
    if tipo == "l2":
        return keras.regularizers.L2(lam)
    return keras.regularizers.L1L2(l1=lam, l2=lam * beta)


@validar_parametros(tasa_dropout=FRACCION)
def dropout_invertido(h, tasa_dropout, entrenamiento=True, generador=None):
    """Dropout invertido (listado de la clase): anula cada activación con probabilidad `tasa_dropout` y escala
    las que quedan por `1 / (1 - tasa_dropout)`, así que la activación esperada no cambia y en test no se hace
    nada.

    En el listado `U = (np.random.rand(*H.shape) < p) / p`, `p` es la probabilidad de *mantener*; aquí
    `tasa_dropout` es la de *anular*, como en `keras.layers.Dropout(rate)`: `p = 1 - tasa_dropout`.
    """
    h = np.asarray(h)
    if not entrenamiento or tasa_dropout == 0:
        return h
    generador = generador if generador is not None else np.random.default_rng()
    p = 1.0 - tasa_dropout
    u = (generador.random(h.shape) < p) / p
    return h * u


@validar_parametros(momento=FRACCION, epsilon=NO_NEGATIVO)
def batch_norm(x, gamma, beta, media_movil, varianza_movil, entrenamiento, momento=0.99, epsilon=1e-3):
    """Normalización por lotes (algoritmo 1 de Ioffe y Szegedy) sobre el último eje, como Keras.

    - Entrenamiento: `μ_B` y `σ²_B` (varianza sesgada, `1/m`) del lote; `x̂ = (x - μ_B) / √(σ²_B + ε)`,
      `y = γ x̂ + β`, y las medias móviles se actualizan: `móvil = momento · móvil + (1 - momento) · lote`.
    - Inferencia: se usan las medias móviles y no se actualiza nada.

    Devuelve `(y, media_movil, varianza_movil)` (las nuevas, o las mismas en inferencia).
    """
    x = np.asarray(x, dtype="float64")
    if x.ndim < 2:
        raise ErrorParametro(mensaje("x", "un array de forma (lote, ..., características)", es=f"de forma {x.shape}"))
    ejes = tuple(range(x.ndim - 1))
    if entrenamiento:
        media, varianza = x.mean(axis=ejes), x.var(axis=ejes)
        media_movil = momento * np.asarray(media_movil) + (1 - momento) * media
        varianza_movil = momento * np.asarray(varianza_movil) + (1 - momento) * varianza
    else:
        media, varianza = np.asarray(media_movil), np.asarray(varianza_movil)
    x_normalizada = (x - media) / np.sqrt(varianza + epsilon)
    return np.asarray(gamma) * x_normalizada + np.asarray(beta), media_movil, varianza_movil
