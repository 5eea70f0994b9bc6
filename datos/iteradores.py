"""Iteradores de entrenamiento, validación y test de la práctica 3 (§2.2, `getDataIterators`)."""
import numpy as np
from sklearn.model_selection import train_test_split

from datos.normalizacion import NormalizadorCanal
from datos.pipelines import pipeline_desde_arrays
from datos.validacion import validar_etiquetas, validar_imagenes

FRACCION_VALIDACION = 0.1


def separar_validacion(x, y, fraccion=FRACCION_VALIDACION, semilla=None):
    """Separa una validación estratificada y barajada (`train_test_split`). Devuelve x_tr, x_val, y_tr, y_val."""
    clases = np.argmax(y, axis=1)
    try:
        return train_test_split(x, y, test_size=fraccion, stratify=clases, shuffle=True, random_state=semilla)
    except ValueError:  # alguna clase con una sola imagen: no se puede estratificar
        return train_test_split(x, y, test_size=fraccion, shuffle=True, random_state=semilla)


def getDataIterators(train_x, train_y, test_x, batchSize=64, semilla=None):
    """Normaliza con las estadísticas de entrenamiento y separa un 10 % de validación (sin aumento).

    Devuelve `(it_train, it_val, test_x_normalizado)`. Los iteradores son `tf.data.Dataset` que aceptan
    `trainModel` y `model.fit`. Los arrays del llamante no se modifican.
    """
    train_x = validar_imagenes(train_x, "train_x")
    train_y = validar_etiquetas(train_y, len(train_x), "train_y")
    test_x = validar_imagenes(test_x, "test_x", canales=train_x.shape[-1])
    x_tr, x_val, y_tr, y_val = separar_validacion(train_x, train_y, semilla=semilla)
    normalizador = NormalizadorCanal().fit(x_tr)
    it_train = pipeline_desde_arrays(normalizador.transformar(x_tr), y_tr, batchSize, barajar=True, semilla=semilla)
    it_val = pipeline_desde_arrays(normalizador.transformar(x_val), y_val, batchSize)
    return it_train, it_val, normalizador.transformar(test_x, "test_x")
