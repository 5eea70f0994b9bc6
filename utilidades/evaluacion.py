"""Evaluación en test (§2.3): `testModel` y `calcularAccuracy` del profesor."""

import os

import numpy as np
import tensorflow as tf

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, comprobar, mensaje
from utilidades.graficas import mostrarEvolucion


def calcularAccuracy(labels, preds):
    """Fracción de aciertos entre etiquetas one-hot y predicciones (probabilidades) por fila."""
    labels, preds = np.asarray(labels), np.asarray(preds)
    if labels.ndim != 2 or preds.shape != labels.shape:
        raise ErrorParametro(
            mensaje(
                "preds",
                f"un array de la misma forma (N, clases) que 'labels', {labels.shape}",
                es=f"de forma {preds.shape}",
            )
        )
    return float(np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1)))


def _columnas_etiquetas(datos):
    """Columnas (clases) de las etiquetas one-hot de `datos`, o None si no se saben (o no son one-hot).

    `datos` puede ser un array de etiquetas, una tupla `(x, y)` o un `tf.data.Dataset` de lotes `(x, y)`.
    """
    if isinstance(datos, tuple) and len(datos) == 2:
        datos = datos[1]
    if hasattr(datos, "element_spec"):
        spec = datos.element_spec
        if not isinstance(spec, tuple) or len(spec) < 2 or not hasattr(spec[1], "shape"):
            return None
        forma = spec[1].shape
        return int(forma[-1]) if forma.rank == 2 and forma[-1] is not None else None
    forma = getattr(datos, "shape", None)
    return int(forma[1]) if forma is not None and len(forma) == 2 and forma[1] is not None else None


def _salidas_modelo(modelo):
    try:
        forma = modelo.output_shape
    except (AttributeError, ValueError, RuntimeError):  # modelo sin construir
        return None
    if isinstance(forma, tuple) and forma and isinstance(forma[-1], int):
        return forma[-1]
    return None


def comprobar_clases(modelo, etiquetas, donde="las etiquetas"):
    """`ErrorParametro` si las etiquetas one-hot no tienen tantas columnas como salidas el modelo.

    Keras solo daría un error de formas incompatibles; aquí se dice qué número pasar al construir el modelo.
    """
    columnas, salidas = _columnas_etiquetas(etiquetas), _salidas_modelo(modelo)
    if columnas is None or salidas is None or columnas == salidas:
        return
    raise ErrorParametro(
        f"{donde[0].upper() + donde[1:]} tienen {columnas} clases (columnas one-hot) y el modelo '{modelo.name}' "
        f"tiene {salidas} salidas: construya el modelo con num_clases={columnas} "
        f"(p. ej. getBaseNet(num_clases={columnas})), o cargue datos de {salidas} clases."
    )


def _titulo(modelo, carpeta):
    """Título de las curvas: el modelo y, si hay carpeta, la variante y la ejecución (`tasas/constante/rep_1`)."""
    if carpeta is None:
        return modelo.name
    partes = os.path.normpath(os.path.abspath(carpeta)).split(os.sep)[-2:]
    return f"{modelo.name}: {'/'.join(partes)}"


def testModel(model, test_x, test_y=None, hist=None, batchSize=64, carpeta=None, verbose=0, titulo=None, ruta=None):
    """Dibuja las curvas de `hist` (si se da) y evalúa en test (§2.3). Devuelve `(pérdida, precisión)`.

    `test_x` puede ser también un `tf.data.Dataset` de lotes `(x, y)` (p. ej. imágenes leídas de disco);
    entonces `test_y` no se da. Las curvas van a `ruta`, o a `carpeta/evolucion.png`; sin ninguna, como en
    `mostrarEvolucion`. `titulo` (por defecto, el nombre del modelo y la carpeta) encabeza la figura.
    """
    if hist is not None and not (hasattr(hist, "history") or isinstance(hist, dict)):
        pista = ""
        if isinstance(hist, int) and not isinstance(hist, bool):
            pista = f" ¿Es el tamaño de lote? Va después: testModel(model, test_x, test_y, hist, batchSize={hist})."
        raise ErrorParametro(
            mensaje("hist", "el historial que devuelve fit o trainModel, o None", es=f"{hist!r}") + pista
        )
    if isinstance(test_x, tf.data.Dataset):
        if test_y is not None:
            raise ErrorParametro(
                mensaje("test_y", "None cuando 'test_x' es un tf.data.Dataset", es=f"un {type(test_y).__name__}")
                + " Las etiquetas van en el propio dataset: no pase 'test_y'."
            )
        comprobar_clases(model, test_x, "las etiquetas de test")
        argumentos = dict(x=test_x)
    else:
        test_x, test_y = np.asarray(test_x), np.asarray(test_y)
        if len(test_x) != len(test_y):
            raise ErrorParametro(
                mensaje(
                    "test_y", f"un array de {len(test_x)} etiquetas, una por imagen de 'test_x'", es=f"de {len(test_y)}"
                )
                + " El número de imágenes y de etiquetas deben coincidir."
            )
        comprobar_clases(model, test_y, "las etiquetas de test ('test_y')")
        argumentos = dict(x=test_x, y=test_y, batch_size=comprobar(batchSize, "batchSize", ENTERO_POSITIVO, None))
    if hist is not None:
        mostrarEvolucion(hist, carpeta=carpeta, titulo=titulo or _titulo(model, carpeta), ruta=ruta)
    perdida, precision = model.evaluate(**argumentos, verbose=verbose)[:2]
    return float(perdida), float(precision)


testModel.__test__ = False  # pytest no debe tomarla por una prueba al importarla
