"""Evaluación en test (§2.3): `testModel` y `calcularAccuracy` del profesor."""
import numpy as np
import tensorflow as tf

from utilidades.graficas import mostrarEvolucion


def calcularAccuracy(labels, preds):
    """Fracción de aciertos entre etiquetas one-hot y predicciones (probabilidades) por fila."""
    labels, preds = np.asarray(labels), np.asarray(preds)
    if labels.ndim != 2 or preds.shape != labels.shape:
        raise ValueError(
            f"'labels' y 'preds' deben tener la misma forma (N, clases); tienen {labels.shape} y {preds.shape}."
        )
    return float(np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1)))


def testModel(model, test_x, test_y=None, hist=None, batchSize=64, carpeta=None, verbose=0, titulo=None):
    """Dibuja las curvas de `hist` (si se da) y evalúa en test (§2.3). Devuelve `(pérdida, precisión)`.

    `test_x` puede ser también un `tf.data.Dataset` de lotes `(x, y)` (p. ej. imágenes leídas de disco);
    entonces `test_y` no se da.
    """
    if isinstance(test_x, tf.data.Dataset):
        if test_y is not None:
            raise ValueError("Con un tf.data.Dataset las etiquetas van en el propio dataset: no pase 'test_y'.")
        argumentos = dict(x=test_x)
    else:
        test_x, test_y = np.asarray(test_x), np.asarray(test_y)
        if len(test_x) != len(test_y):
            raise ValueError(
                f"'test_x' tiene {len(test_x)} imágenes y 'test_y' {len(test_y)} etiquetas: deben coincidir."
            )
        argumentos = dict(x=test_x, y=test_y, batch_size=batchSize)
    if hist is not None:
        mostrarEvolucion(hist, carpeta=carpeta, titulo=titulo)
    perdida, precision = model.evaluate(**argumentos, verbose=verbose)[:2]
    return float(perdida), float(precision)


testModel.__test__ = False  # pytest no debe tomarla por una prueba al importarla
