"""Inicialización de los pesos y estadísticas de las activaciones de un MLP profundo, en NumPy.

Clases «Entrenamiento de redes neuronales»: Bariloche, «Inicialización» (muy chica: las activaciones se
van a cero; muy grande: se saturan; justa: buena distribución en todas las capas) y Granada,
«Inicialización de los pesos»: N(0, 1) tradicional, LeCun `σ = 1/√fan_in`, Xavier/Glorot
`σ = 1/√m` con `m` la media de fan-in y fan-out, y su versión uniforme en `[-r, r]` con `r = √(3/m)`
(la de Keras). Se añade He `σ = √(2/fan_in)`, la justa para ReLU.
"""

import numpy as np

from datos.validacion import ENTERO_POSITIVO, Opciones, validar_parametros

ESQUEMAS = ("chica", "grande", "lecun", "xavier", "he")
ESCALA_CHICA = 0.01


@validar_parametros(esquema=Opciones(*ESQUEMAS), fan_in=ENTERO_POSITIVO, fan_out=ENTERO_POSITIVO)
def desviacion_inicial(esquema, fan_in, fan_out):
    """Desviación típica de los pesos de una capa `fan_in -> fan_out` según `esquema`."""
    desviaciones = {
        "chica": ESCALA_CHICA,  # 0.01 · N(0, 1): «muy chica»
        "grande": 1.0,  # N(0, 1): «muy grande», el enfoque del siglo XX
        "lecun": 1.0 / np.sqrt(fan_in),
        "xavier": 1.0 / np.sqrt((fan_in + fan_out) / 2),
        "he": np.sqrt(2.0 / fan_in),
    }
    return float(desviaciones[esquema])


@validar_parametros(fan_in=ENTERO_POSITIVO, fan_out=ENTERO_POSITIVO, distribucion=Opciones("normal", "uniforme"))
def inicializar_pesos(fan_in, fan_out, esquema, distribucion="normal", generador=None):
    """Matriz de pesos `(fan_in, fan_out)` de media 0 y la desviación de `esquema`.

    `distribucion="uniforme"` usa `U(-r, r)` con `r = √3 σ`, que tiene la misma desviación típica.
    """
    sigma = desviacion_inicial(esquema, fan_in, fan_out)
    generador = generador if generador is not None else np.random.default_rng()
    if distribucion == "normal":
        return generador.normal(0.0, sigma, size=(fan_in, fan_out))
    r = np.sqrt(3.0) * sigma
    return generador.uniform(-r, r, size=(fan_in, fan_out))


@validar_parametros(capas=ENTERO_POSITIVO, unidades=ENTERO_POSITIVO)
def activaciones_por_capa(x, capas, unidades, activacion, esquema, generador=None):
    """Propaga `x` por un MLP de `capas` capas de `unidades` neuronas sin sesgo y devuelve la lista de
    activaciones de cada capa (el experimento de la clase: 10 capas de 500 neuronas).

    `activacion` es una función de NumPy (p. ej. `np.tanh`) o un nombre de `teoria.activaciones`.
    """
    if isinstance(activacion, str):
        from teoria.activaciones import obtener_activacion

        activacion = obtener_activacion(activacion)[0]
    generador = generador if generador is not None else np.random.default_rng()
    h = np.asarray(x, dtype="float64")
    resultado = []
    for _ in range(capas):
        pesos = inicializar_pesos(h.shape[1], unidades, esquema, generador=generador)
        h = activacion(h @ pesos)
        resultado.append(h)
    return resultado
