"""Piezas compartidas por los ejercicios de la práctica `arquitecturas`: opciones, datos, entrenar y evaluar."""

import time

import numpy as np

from datos import NormalizadorCanal, cargar_fuente
from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO
from practicas.comun import opciones_fuente
from utilidades.conjuntos import entropia_cruzada, predecir
from utilidades.entrenamiento import compileModel, trainModel
from utilidades.evaluacion import calcularAccuracy


def opciones_datos(parser, epocas, batch, muestras=None, ayuda_epocas=None, restriccion_epocas=ENTERO_POSITIVO):
    """Opciones de los ejercicios que entrenan con los dígitos: datos, épocas, lote, muestras, semilla y salida.

    `restriccion_epocas` (de `datos.validacion`) es lo que admite `--epocas`. Los entrenamientos de esta
    práctica duran poco: no hay `--reanudar`.
    """
    opciones_fuente(parser)
    parser.add_argument(
        "--epocas", type=tipo(restriccion_epocas), default=epocas, help=ayuda_epocas or f"épocas (por defecto {epocas})"
    )
    parser.add_argument(
        "--batch", type=tipo(ENTERO_POSITIVO), default=batch, help=f"tamaño del lote (por defecto {batch})"
    )
    parser.add_argument(
        "--muestras",
        type=tipo(ENTERO_POSITIVO),
        default=muestras,
        help="imágenes de entrenamiento elegidas al azar (por defecto todas)"
        if muestras is None
        else f"imágenes de entrenamiento elegidas al azar (por defecto {muestras})",
    )
    parser.add_argument("--semilla", type=int, default=None, help="semilla: la misma da los mismos números en CPU")
    parser.add_argument(
        "--salida", default=None, help="carpeta de resultados (por defecto resultados/arquitecturas-<ejercicio>)"
    )
    parser.add_argument("--silencioso", action="store_true", help="sin barra de progreso de Keras")
    parser.set_defaults(reanudar=False)


def cargar(args):
    """La 4-tupla de `--datos` (antes de crear la carpeta: una fuente que no existe no deja nada escrito)."""
    return cargar_fuente(args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir)


def preparar(datos, muestras, semilla):
    """`muestras` imágenes de entrenamiento al azar (todas con None) y todo normalizado por canal con su media.

    Devuelve `x_train, y_train, x_test, y_test`; la normalización usa solo las imágenes de entrenamiento
    elegidas (`datos.NormalizadorCanal`, §2.2).
    """
    x_train, y_train, x_test, y_test = datos
    if muestras is not None and muestras < len(x_train):
        indices = np.sort(np.random.default_rng(semilla).permutation(len(x_train))[:muestras])
        x_train, y_train = x_train[indices], y_train[indices]
    normalizador = NormalizadorCanal().fit(x_train)
    return normalizador.transformar(x_train), y_train, normalizador.transformar(x_test, "x_test"), y_test


def entrenar(modelo, x, y, args, carpeta=None, compilar=compileModel, callbacks=(), epocas=None):
    """Compila (`compilar(modelo)`; por defecto `compileModel`: Adam 1e-3; None si ya está compilado) y
    entrena `epocas` (`args.epocas`).

    `y` puede ser un diccionario de etiquetas si el modelo tiene varias salidas. Con `carpeta`,
    `trainModel` escribe allí `historial.csv`. Devuelve `(historial, segundos)`.
    """
    if compilar is not None:
        compilar(modelo)
    inicio = time.perf_counter()
    historial = trainModel(
        modelo,
        (x, y),
        None,
        args.batch,
        args.epocas if epocas is None else epocas,
        callbacks=list(callbacks),
        carpeta=carpeta,
        verbose=0 if args.silencioso else "auto",
    )
    return historial, time.perf_counter() - inicio


def evaluar(modelo, x, y):
    """`(perdida, precision)` en test con las probabilidades de `utilidades.conjuntos.predecir`."""
    probabilidades = predecir(modelo, x)
    return entropia_cruzada(probabilidades, y), calcularAccuracy(y, probabilidades)
