"""Ejercicio `activaciones` (clases de Bariloche y Granada, «Funciones de activación»).

Sigmoide, tanh, la tanh de LeCun `1.7159 tanh(2x/3)`, `tanh(x) + a·x`, ReLU, leaky ReLU, RReLU (en test,
con la pendiente media), PReLU, ELU, SELU y maxout con sus derivadas (NumPy, `teoria.activaciones`):
figura, zonas donde saturan (|f'| < umbral) y comprobación de funciones y derivadas contra Keras
(`keras.activations` y derivadas automáticas de TensorFlow). La muerte de las ReLU al entrenar con una tasa
de aprendizaje alta está en el ejercicio `relu-muertas`.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.validacion import POSITIVO
from practicas.comun import iniciar
from practicas.entrenamiento._comun import imprimir_tabla, opciones_sin_entrenar
from teoria.activaciones import ACTIVACIONES, zonas_saturadas
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Funciones de activación y sus derivadas en NumPy: figuras, zonas de saturación y comparación con Keras"

ALFA_PRELU = 0.25  # valor inicial típico de la pendiente de PReLU (He et al., 2015)
COLUMNAS = 4  # paneles por fila de la figura (las filas salen del número de activaciones)


def opciones(parser):
    parser.add_argument("--rango", type=tipo(POSITIVO), default=6.0, help="se dibuja x en [-rango, rango] (6)")
    parser.add_argument(
        "--umbral", type=tipo(POSITIVO), default=0.01, help="|f'(x)| < umbral se considera saturado (0.01)"
    )
    opciones_sin_entrenar(parser)


def equivalentes_keras():
    """Funciones de Keras equivalentes: nombre -> (función de Keras, argumentos de la de NumPy)."""
    import keras

    prelu = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(ALFA_PRELU))
    return {
        "sigmoide": (keras.activations.sigmoid, {}),
        "tanh": (keras.activations.tanh, {}),
        "tanh-lecun": (lambda x: 1.7159 * keras.activations.tanh(2.0 * x / 3.0), {}),
        "tanh-lineal": (lambda x: keras.activations.tanh(x) + 0.1 * x, {}),
        "relu": (keras.activations.relu, {}),
        "leaky-relu": (lambda x: keras.activations.leaky_relu(x, negative_slope=0.1), {}),
        # Keras no tiene RReLU; en test es una leaky ReLU con la pendiente media (1/8 + 1/3)/2 = 11/48.
        "rrelu": (lambda x: keras.activations.leaky_relu(x, negative_slope=11.0 / 48.0), {}),
        "prelu": (prelu, {"alfa": ALFA_PRELU}),
        "elu": (keras.activations.elu, {}),
        "selu": (keras.activations.selu, {}),
    }


def comparar_con_keras(x):
    """Máxima diferencia entre la función y la derivada de NumPy y las de Keras (derivada automática).

    Las derivadas se comparan fuera de x = 0, donde ReLU y sus variantes no son derivables y cada
    biblioteca elige un valor (TensorFlow da 0 en ReLU y PReLU, y α en leaky ReLU).
    """
    import tensorflow as tf

    derivable = x != 0
    filas = []
    tensor = tf.constant(x, dtype="float64")
    for nombre, (de_keras, argumentos) in equivalentes_keras().items():
        f, df = ACTIVACIONES[nombre]
        with tf.GradientTape() as cinta:
            cinta.watch(tensor)
            y = tf.cast(de_keras(tf.cast(tensor, "float32")), "float64")
        dy = cinta.gradient(y, tensor).numpy()
        filas.append(
            {
                "activacion": nombre,
                "max_dif_funcion": float(np.max(np.abs(f(x, **argumentos) - y.numpy()))),
                "max_dif_derivada": float(np.max(np.abs(df(x, **argumentos) - dy)[derivable])),
            }
        )
    return filas


def _figura(x, umbral):
    import matplotlib.pyplot as plt

    filas = -(-len(ACTIVACIONES) // COLUMNAS)
    figura, ejes = plt.subplots(filas, COLUMNAS, figsize=(4.3 * COLUMNAS, 3.3 * filas), squeeze=False)
    for eje, (nombre, (f, df)) in zip(ejes.flat, ACTIVACIONES.items()):
        eje.plot(x, f(x), label="f(x)")
        eje.plot(x, df(x), "--", label="f'(x)")
        for desde, hasta in zonas_saturadas(df, x, umbral):
            eje.axvspan(desde, hasta, color="red", alpha=0.12)
        eje.axhline(0, color="gray", linewidth=0.5)
        eje.axvline(0, color="gray", linewidth=0.5)
        eje.set_title(nombre)
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    for eje in list(ejes.flat)[len(ACTIVACIONES) :]:
        eje.axis("off")
    figura.suptitle(f"Activaciones y derivadas (en rojo, |f'(x)| < {umbral:g}: saturación)")
    figura.tight_layout()
    return figura


def ejecutar(args):
    carpeta = iniciar(args, "entrenamiento-activaciones")
    x = np.linspace(-args.rango, args.rango, 2001)
    guardar_figura(_figura(x, args.umbral), os.path.join(carpeta, "activaciones.png"))
    saturacion = []
    for nombre, (f, df) in ACTIVACIONES.items():
        zonas = zonas_saturadas(df, x, args.umbral)
        saturacion.append(
            {
                "activacion": nombre,
                "satura": bool(zonas),
                "zonas": "; ".join(f"[{a:.2f}, {b:.2f}]" for a, b in zonas) or "ninguna",
                "derivada_min": float(np.min(np.abs(df(x)))),
                "derivada_max": float(np.max(np.abs(df(x)))),
                "f(-rango)": float(f(x[0])),
                "f(+rango)": float(f(x[-1])),
            }
        )
    escribir_csv(os.path.join(carpeta, "saturacion.csv"), saturacion)
    keras_filas = comparar_con_keras(x)
    escribir_csv(os.path.join(carpeta, "keras.csv"), keras_filas)
    resultados = {"umbral": args.umbral, "rango": args.rango, "saturacion": saturacion, "keras": keras_filas}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        saturacion,
        f"Zonas de saturación en [-{args.rango:g}, {args.rango:g}] (|f'(x)| < {args.umbral:g})",
        [("activacion", "Activación", "s"), ("zonas", "Zonas saturadas", "s")],
    )
    imprimir_tabla(
        keras_filas,
        "NumPy frente a Keras (funciones en float32, derivadas automáticas)",
        [
            ("activacion", "Activación", "s"),
            ("max_dif_funcion", "Máx. |dif. f|", ".1e"),
            ("max_dif_derivada", "Máx. |dif. f'|", ".1e"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
