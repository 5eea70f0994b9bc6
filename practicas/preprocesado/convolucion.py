"""Ejercicio `convolucion` («Aprendizaje de Máquinas: redes profundas», «Convolución»; «CNNs», «Redes
convolucionales» y el «Taller convoluciones en Excel»).

Las dos operaciones del taller sobre la matriz 6×6 de la clase con el filtro 3×3 de las diapositivas: la
correlación cruzada `Σ K[u,v] A[i+u, j+v]` y la convolución `Σ K[u,v] A[i−u, j−v]` (la correlación con el
núcleo girado 180°), escritas en NumPy (`teoria.convolucion`) y comprobadas contra
`scipy.signal.correlate2d`/`convolve2d` y contra `keras.layers.Conv2D`, que calcula la correlación: la
convolución es un `Conv2D` con el núcleo volteado. Con el filtro de la clase, antisimétrico en vertical, la
convolución es exactamente la correlación cambiada de signo. También: stride y padding, el pooling máximo y
medio frente a `MaxPooling2D` y `AveragePooling2D` (la salida de la diapositiva de max pooling es la de paso
2, no 1) y el tamaño O = (W − K + 2P)/S + 1 frente a la forma de salida de Keras.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, Integral, Intervalo
from practicas.comun import iniciar
from practicas.preprocesado._comun import imprimir_tabla, mapa_numerico, opciones_basicas
from teoria.convolucion import (
    MATRIZ_CLASE,
    MAX_POOLING_CLASE,
    NUCLEO_CLASE,
    agrupar_max,
    agrupar_media,
    convolucion_2d,
    correlacion_2d,
    tamano_salida,
    voltear,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Convolución frente a correlación cruzada (taller de la clase), stride, padding y pooling, comparados con Keras"

# (paso S, relleno P) de la matriz 6×6 con el filtro 3×3 en que O es entero: 4×4, 6×6 (SAME) y 2×2.
CONFIGURACIONES = ((1, 0), (1, 1), (3, 0))
# (ventana, paso) del pooling: la de la diapositiva (2×2, paso 2), la que dice su texto (paso 1) y 3×3.
POOLING = ((2, 2), (2, 1), (3, 3))
# Tamaños de la clase: (descripción, W, K, P, S).
TAMANOS = (
    ("LeNet-5 C1: conv 5×5 sobre 32×32", 32, 5, 0, 1),
    ("LeNet-5 S2: pooling 2×2, paso 2", 28, 2, 0, 2),
    ("Taller MNIST: conv 3×3 VALID sobre 28×28", 28, 3, 0, 1),
    ("VGG-16: conv 3×3 SAME (P = 1)", 224, 3, 1, 1),
    ("AlexNet conv1: 11×11, paso 4, sobre 227×227", 227, 11, 0, 4),
    ("AlexNet conv1 sobre 224×224 (no encaja)", 224, 11, 0, 4),
    ("Pooling de la clase: 6×6, 2×2, paso 2", 6, 2, 0, 2),
)


def opciones(parser):
    parser.add_argument(
        "--tamano",
        type=tipo(Intervalo(Integral, 3, None)),
        default=9,
        help="lado de la entrada aleatoria con canales (9; al menos 3, el lado de los filtros)",
    )
    parser.add_argument("--canales", type=tipo(ENTERO_POSITIVO), default=3, help="canales de la entrada aleatoria (3)")
    parser.add_argument("--filtros", type=tipo(ENTERO_POSITIVO), default=4, help="filtros 3×3 de la capa aleatoria (4)")
    opciones_basicas(parser)


def conv_keras(entrada, nucleos, paso=1, relleno=0):
    """Salida de `ZeroPadding2D(relleno)` + `Conv2D(filtros, k, strides=paso, padding="valid", use_bias=False)`
    con los `nucleos` (k, k, canales, filtros) dados, sobre una entrada (alto, ancho, canales)."""
    import keras

    capa = keras.layers.Conv2D(nucleos.shape[-1], nucleos.shape[:2], strides=paso, padding="valid", use_bias=False)
    capa.build((1, entrada.shape[0] + 2 * relleno, entrada.shape[1] + 2 * relleno, entrada.shape[2]))
    capa.set_weights([nucleos.astype("float32")])
    x = keras.layers.ZeroPadding2D(relleno)(entrada[None].astype("float32")) if relleno else entrada[None]
    return keras.ops.convert_to_numpy(capa(keras.ops.convert_to_tensor(x, "float32")))[0].astype("float64")


def pooling_keras(entrada, tipo, ventana, paso):
    """Salida de `MaxPooling2D` o `AveragePooling2D(ventana, paso, padding="valid")` sobre una matriz 2-D."""
    import keras

    capa = (keras.layers.MaxPooling2D if tipo == "max" else keras.layers.AveragePooling2D)(ventana, paso)
    salida = capa(keras.ops.convert_to_tensor(entrada[None, :, :, None], "float32"))
    return keras.ops.convert_to_numpy(salida)[0, :, :, 0].astype("float64")


def comprobar_taller(a, k):
    """Correlación y convolución de la clase (varios S y P) frente a SciPy y Keras."""
    from scipy import signal

    filas = []
    for paso, relleno in CONFIGURACIONES:
        correlacion = correlacion_2d(a, k, paso, relleno)
        convolucion = convolucion_2d(a, k, paso, relleno)
        a_relleno = np.pad(a, relleno)
        # SciPy no tiene paso: la salida con paso S es la de paso 1 tomando una de cada S posiciones
        scipy_corr = signal.correlate2d(a_relleno, k, mode="valid")[::paso, ::paso]
        scipy_conv = signal.convolve2d(a_relleno, k, mode="valid")[::paso, ::paso]
        keras_corr = conv_keras(a[..., None], k[..., None, None], paso, relleno)[..., 0]
        keras_conv = conv_keras(a[..., None], voltear(k)[..., None, None], paso, relleno)[..., 0]
        keras_sin_voltear = keras_corr  # un Conv2D con el núcleo tal cual NO es la convolución
        for operacion, nuestra, de_scipy, de_keras in (
            ("correlación", correlacion, scipy_corr, keras_corr),
            ("convolución", convolucion, scipy_conv, keras_conv),
        ):
            filas.append(
                {
                    "operacion": operacion,
                    "configuracion": f"S={paso}, P={relleno}",
                    "forma": "×".join(map(str, nuestra.shape)),
                    "O_formula": tamano_salida(a.shape[0], k.shape[0], relleno, paso),
                    "max_dif_scipy": float(np.max(np.abs(nuestra - de_scipy))),
                    "max_dif_keras": float(np.max(np.abs(nuestra - de_keras))),
                }
            )
        filas.append(
            {
                "operacion": "convolución frente a Conv2D sin voltear el núcleo",
                "configuracion": f"S={paso}, P={relleno}",
                "forma": "×".join(map(str, convolucion.shape)),
                "O_formula": tamano_salida(a.shape[0], k.shape[0], relleno, paso),
                "max_dif_scipy": float("nan"),
                "max_dif_keras": float(np.max(np.abs(convolucion - keras_sin_voltear))),
            }
        )
    return filas


def comprobar_pooling(a):
    filas = []
    for ventana, paso in POOLING:
        for operacion, funcion in (("max", agrupar_max), ("media", agrupar_media)):
            nuestra = funcion(a, ventana, paso)
            filas.append(
                {
                    "operacion": f"pooling {operacion}",
                    "configuracion": f"{ventana}×{ventana}, S={paso}",
                    "forma": "×".join(map(str, nuestra.shape)),
                    "O_formula": tamano_salida(a.shape[0], ventana, 0, paso),
                    "max_dif_scipy": float("nan"),
                    "max_dif_keras": float(np.max(np.abs(nuestra - pooling_keras(a, operacion, ventana, paso)))),
                }
            )
    return filas


def comprobar_canales(generador, tamano, canales, filtros):
    """Una capa con `filtros` filtros 3×3×`canales` sobre una entrada aleatoria: NumPy frente a `Conv2D` y a la
    suma por canales de `scipy.signal.correlate2d` (el filtro tiene la profundidad de la entrada)."""
    from scipy import signal

    entrada = generador.normal(size=(tamano, tamano, canales))
    nucleos = generador.normal(size=(3, 3, canales, filtros))
    filas = []
    for paso in (1, 2):
        if (tamano - 3) % paso:
            continue
        nuestra = np.stack([correlacion_2d(entrada, nucleos[..., f], paso) for f in range(filtros)], axis=-1)
        de_keras = conv_keras(entrada, nucleos, paso)
        de_scipy = np.stack(
            [
                sum(signal.correlate2d(entrada[..., c], nucleos[..., c, f], mode="valid") for c in range(canales))
                for f in range(filtros)
            ],
            axis=-1,
        )[::paso, ::paso]
        filas.append(
            {
                "operacion": f"correlación con {canales} canales y {filtros} filtros",
                "configuracion": f"S={paso}, P=0",
                "forma": "×".join(map(str, nuestra.shape)),
                "O_formula": tamano_salida(tamano, 3, 0, paso),
                "max_dif_scipy": float(np.max(np.abs(nuestra - de_scipy))),
                "max_dif_keras": float(np.max(np.abs(nuestra - de_keras))),
            }
        )
    return filas


def tamanos_frente_a_keras():
    """O = (W − K + 2P)/S + 1 frente a la forma de salida de Keras (que redondea hacia abajo si no encaja)."""
    import keras

    filas = []
    for descripcion, w, k, p, s in TAMANOS:
        modelo = keras.Sequential(
            [keras.Input((w, w, 1)), keras.layers.ZeroPadding2D(p), keras.layers.Conv2D(1, k, strides=s)]
        )
        try:
            formula, nota = tamano_salida(w, k, p, s), ""
        except ValueError:
            formula, nota = (w - k + 2 * p) / s + 1, "no es entero: la última posición no cabe y Keras la descarta"
        filas.append(
            {
                "ejemplo": descripcion,
                "W": w,
                "K": k,
                "P": p,
                "S": s,
                "O_formula": formula,
                "O_keras": int(modelo.output_shape[1]),
                "nota": nota,
            }
        )
    return filas


def _figura_taller(a, k, correlacion, convolucion):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, 5, figsize=(17, 4.2), layout="constrained")
    mapa_numerico(ejes[0], a, "entrada A (6×6)")
    mapa_numerico(ejes[1], k, "núcleo K")
    mapa_numerico(ejes[2], voltear(k), "K girado 180°")
    mapa_numerico(ejes[3], correlacion, "correlación K ⊗ A\n(= Conv2D con K)")
    mapa_numerico(ejes[4], convolucion, "convolución K * A\n(= Conv2D con K girado)")
    figura.suptitle("Taller de convoluciones: la convolución es la correlación con el núcleo girado")
    return figura


def _figura_pooling(a):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, 4, figsize=(14, 4.2), layout="constrained")
    mapa_numerico(ejes[0], a, "entrada (6×6)", cmap="viridis")
    mapa_numerico(ejes[1], agrupar_max(a, 2, 2), "max pooling 2×2, S=2\n(la diapositiva)", cmap="viridis")
    mapa_numerico(ejes[2], agrupar_media(a, 2, 2), "average pooling 2×2, S=2", "{:.2f}", cmap="viridis")
    mapa_numerico(ejes[3], agrupar_max(a, 2, 1), "max pooling 2×2, S=1", cmap="viridis")
    figura.suptitle("Pooling máximo y medio")
    return figura


def ejecutar(args):
    carpeta = iniciar(args, "preprocesado-convolucion")
    generador = np.random.default_rng(args.semilla)
    a, k = MATRIZ_CLASE, NUCLEO_CLASE
    correlacion, convolucion = correlacion_2d(a, k), convolucion_2d(a, k)

    comprobaciones = comprobar_taller(a, k) + comprobar_pooling(a)
    comprobaciones += comprobar_canales(generador, args.tamano, args.canales, args.filtros)
    escribir_csv(os.path.join(carpeta, "comprobaciones.csv"), comprobaciones)
    tamanos = tamanos_frente_a_keras()
    escribir_csv(os.path.join(carpeta, "tamanos.csv"), tamanos)
    guardar_figura(_figura_taller(a, k, correlacion, convolucion), os.path.join(carpeta, "convolucion.png"))
    guardar_figura(_figura_pooling(a), os.path.join(carpeta, "pooling.png"))

    max_pooling = agrupar_max(a, 2, 2)
    resultados = {
        "entrada": a,
        "nucleo": k,
        "correlacion": correlacion,
        "convolucion": convolucion,
        "convolucion_es_menos_correlacion": bool(np.array_equal(convolucion, -correlacion)),
        "max_pooling": max_pooling,
        "media_pooling": agrupar_media(a, 2, 2),
        "max_pooling_igual_a_la_diapositiva": bool(np.array_equal(max_pooling, MAX_POOLING_CLASE)),
        "comprobaciones": comprobaciones,
        "tamanos": tamanos,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)

    print("Correlación cruzada K ⊗ A (lo que calcula Conv2D):\n" + str(correlacion.astype(int)))
    print("Convolución K * A (Conv2D con el núcleo girado 180°):\n" + str(convolucion.astype(int)))
    if resultados["convolucion_es_menos_correlacion"]:
        print("El núcleo de la clase girado 180° es −K: la convolución es la correlación cambiada de signo.")
    imprimir_tabla(
        comprobaciones,
        "NumPy frente a SciPy y Keras (máxima diferencia; nan: SciPy no lo tiene)",
        [
            ("operacion", "Operación", "s"),
            ("configuracion", "Config.", "s"),
            ("forma", "Forma", "s"),
            ("O_formula", "O", "d"),
            ("max_dif_scipy", "SciPy", ".1e"),
            ("max_dif_keras", "Keras", ".1e"),
        ],
    )
    imprimir_tabla(
        tamanos,
        "O = (W − K + 2P)/S + 1 frente a Keras",
        [
            ("ejemplo", "Ejemplo", "s"),
            ("W", "W", "d"),
            ("K", "K", "d"),
            ("P", "P", "d"),
            ("S", "S", "d"),
            ("O_formula", "O fórmula", "g"),
            ("O_keras", "O Keras", "d"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
