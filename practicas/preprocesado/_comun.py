"""Piezas compartidas por los ejercicios de la práctica `preprocesado`: opciones, datos, redes pequeñas y figuras."""

import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from practicas.comun import opciones_fuente, opciones_sin_reanudar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de

__all__ = [
    "cargar_datos",
    "compilar",
    "dibujar_mosaico",
    "entrenar",
    "historial_de",
    "normalizar_para_ver",
    "precision_de",
    "predecir",
    "imprimir_tabla",
    "lista_de",
    "mapa_numerico",
    "opciones_basicas",
    "opciones_datos",
    "opciones_red",
    "sembrar_modelo",
    "subconjunto",
]


def opciones_basicas(parser):
    """Opciones de todos los ejercicios: semilla y carpeta de resultados (no se reanudan: duran poco)."""
    opciones_sin_reanudar(parser, "preprocesado")


def opciones_datos(parser):
    """`--datos`, `--tfds-dir` y `--sin-verificar`, como en los ejercicios que entrenan."""
    opciones_fuente(parser)


def opciones_red(parser, epocas, batch, tasa, muestras=None):
    """Opciones del entrenamiento de la red pequeña de cada ejercicio."""
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=epocas, help=f"épocas (por defecto {epocas})")
    parser.add_argument(
        "--batch", type=tipo(ENTERO_POSITIVO), default=batch, help=f"tamaño del lote (por defecto {batch})"
    )
    parser.add_argument("--tasa", type=tipo(POSITIVO), default=tasa, help=f"tasa de aprendizaje de SGD ({tasa:g})")
    parser.add_argument(
        "--muestras",
        type=tipo(ENTERO_POSITIVO),
        default=muestras,
        help=f"imágenes de entrenamiento (por defecto {muestras or 'todas'})",
    )
    parser.add_argument("--silencioso", action="store_true", help="sin barra de progreso de Keras")


def cargar_datos(args):
    """La 4-tupla `x_train, y_train, x_test, y_test` de `--datos` (el único resolvedor: `cargar_fuente`)."""
    from datos import cargar_fuente

    return cargar_fuente(args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir)


def subconjunto(x, y, muestras, semilla):
    """`muestras` ejemplos elegidos al azar (todos, en su orden, si `muestras` es None o no hay tantos)."""
    if muestras is None or muestras >= len(x):
        return x, y
    indices = np.sort(np.random.default_rng(semilla).permutation(len(x))[:muestras])
    return x[indices], y[indices]


def sembrar_modelo(semilla):
    """Semillas de Python, NumPy y Keras justo antes de crear cada red: todas las variantes parten de los
    mismos pesos iniciales y barajan los lotes igual."""
    import keras

    keras.utils.set_random_seed(int(semilla) % 2**31)


def compilar(modelo, tasa, optimizador="sgd"):
    """Compila `modelo` para clasificar (entropía cruzada, precisión) con SGD sin momento o Adam."""
    import keras

    optimizadores = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}
    modelo.compile(optimizer=optimizadores[optimizador](tasa), loss="categorical_crossentropy", metrics=["accuracy"])
    return modelo


def historial_de(hist, desde=0):
    """Lista de diccionarios por época (`epoca`, `perdida`, `precision`) de un `History` de Keras."""
    return [
        {"epoca": desde + e + 1, "perdida": float(p), "precision": float(a)}
        for e, (p, a) in enumerate(zip(hist.history["loss"], hist.history["accuracy"]))
    ]


def entrenar(modelo, x, y, args, tasa=None, x_test=None, y_test=None, callbacks=()):
    """Compila `modelo` con SGD (sin momento: se ve mejor el efecto de los datos), lo entrena `args.epocas`
    épocas y devuelve `(historial, precision_test)`; `historial` es una lista de diccionarios por época.
    """
    compilar(modelo, args.tasa if tasa is None else tasa)
    hist = modelo.fit(
        x, y, batch_size=args.batch, epochs=args.epocas, verbose=0 if args.silencioso else 2, callbacks=list(callbacks)
    )
    historial = historial_de(hist)
    precision = precision_de(modelo, x_test, y_test) if x_test is not None else None
    return historial, precision


def predecir(modelo, x, batch=512):
    """Salida de `modelo` sobre `x` por lotes, llamándolo directamente (sin trazar un `predict`: más rápido
    con modelos y conjuntos pequeños)."""
    import keras

    partes = [keras.ops.convert_to_numpy(modelo(x[i : i + batch], training=False)) for i in range(0, len(x), batch)]
    return np.concatenate(partes)


def precision_de(modelo, x, y):
    """Precisión de `modelo` en `(x, y)` con etiquetas one-hot."""
    return float(np.mean(np.argmax(predecir(modelo, x), axis=1) == np.argmax(y, axis=1)))


def normalizar_para_ver(imagen):
    """Lleva `imagen` a [0, 1] (mínimo → 0, máximo → 1) para dibujarla; una imagen constante queda en 0,5."""
    imagen = np.asarray(imagen, dtype="float64")
    rango = imagen.max() - imagen.min()
    return np.full_like(imagen, 0.5) if rango == 0 else (imagen - imagen.min()) / rango


def dibujar_mosaico(eje, bloques, columnas=None, filas=None, separacion=1, cmap="gray", fondo=1.0):
    """Dibuja en un solo `eje` la cuadrícula `bloques[i][j]` de imágenes (alto, ancho[, 3]) en [0, 1].

    Un solo `imshow` en lugar de un eje por imagen (las figuras con decenas de ejes tardan segundos en
    guardarse). `columnas` y `filas` son los rótulos de las columnas (arriba) y de las filas (a la izquierda).
    """
    bloques = [[np.asarray(b, dtype="float64") for b in fila] for fila in bloques]
    alto, ancho = bloques[0][0].shape[:2]
    canales = bloques[0][0].shape[2:] if bloques[0][0].ndim == 3 else ()
    n_filas, n_columnas = len(bloques), max(len(f) for f in bloques)
    lienzo = np.full(
        (n_filas * (alto + separacion) - separacion, n_columnas * (ancho + separacion) - separacion) + canales, fondo
    )
    for i, fila in enumerate(bloques):
        for j, bloque in enumerate(fila):
            lienzo[
                i * (alto + separacion) : i * (alto + separacion) + alto,
                j * (ancho + separacion) : j * (ancho + separacion) + ancho,
            ] = bloque
    eje.imshow(np.clip(lienzo, 0, 1), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    eje.set_xticks([j * (ancho + separacion) + (ancho - 1) / 2 for j in range(n_columnas)], columnas or [])
    eje.set_yticks([i * (alto + separacion) + (alto - 1) / 2 for i in range(n_filas)], filas or [])
    eje.xaxis.tick_top()
    eje.tick_params(length=0, labelsize=8)
    for borde in eje.spines.values():
        borde.set_visible(False)


def mapa_numerico(eje, matriz, titulo, formato="{:g}", cmap="coolwarm"):
    """Dibuja `matriz` como un mapa de color con su valor escrito en cada celda (la hoja de cálculo de la clase)."""
    matriz = np.asarray(matriz, dtype="float64")
    limite = max(float(np.abs(matriz).max()), 1e-12)
    eje.imshow(matriz, cmap=cmap, vmin=-limite if matriz.min() < 0 else 0, vmax=limite)
    for (i, j), valor in np.ndenumerate(matriz):
        eje.text(j, i, formato.format(valor), ha="center", va="center", fontsize=8)
    eje.set_title(titulo, fontsize=9)
    eje.set_xticks([])
    eje.set_yticks([])
