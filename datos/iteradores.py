"""Iteradores de entrenamiento, validación y test de la práctica 3 (§2.2 `getDataIterators`, §3 `getNormalizedData`)."""

import numpy as np
from sklearn.model_selection import train_test_split

from datos.aumento import ImageDataGenerator
from datos.validacion import validar_etiquetas, validar_imagenes

FRACCION_VALIDACION = 0.1

# Aumento de datos de la mejora 1 de BaseNet++ (§3): rotación de 10°, desplazamientos de 0.2 y volteo horizontal.
AUMENTO_BASENETPP = dict(rotation_range=10, width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True)


def separar_validacion(x, y, fraccion=FRACCION_VALIDACION, semilla=None):
    """Separa una validación estratificada y barajada (`train_test_split`). Devuelve x_tr, x_val, y_tr, y_val."""
    clases = np.argmax(y, axis=1)
    try:
        return train_test_split(x, y, test_size=fraccion, stratify=clases, shuffle=True, random_state=semilla)
    except ValueError:  # alguna clase con una sola imagen: no se puede estratificar
        return train_test_split(x, y, test_size=fraccion, shuffle=True, random_state=semilla)


def _iteradores(train_x, train_y, test_x, batchSize, semilla, aumento):
    train_x = validar_imagenes(train_x, "train_x")
    train_y = validar_etiquetas(train_y, len(train_x), "train_y")
    test_x = validar_imagenes(test_x, "test_x", canales=train_x.shape[-1])
    x_tr, x_val, y_tr, y_val = separar_validacion(train_x, train_y, semilla=semilla)
    generador = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, **aumento).fit(x_tr)
    normalizador = generador.sin_aumento()  # validación y test: solo normalización
    it_train = generador.flow(x_tr, y_tr, batchSize, shuffle=True, seed=semilla)
    it_val = normalizador.flow(x_val, y_val, batchSize, shuffle=False)
    return it_train, it_val, normalizador.standardize(test_x)


def getDataIterators(train_x, train_y, test_x, batchSize=64, semilla=None):
    """Normaliza con las estadísticas de entrenamiento y separa un 10 % de validación (sin aumento).

    Devuelve `(it_train, it_val, test_x_normalizado)`. Los iteradores son `tf.data.Dataset` que aceptan
    `trainModel` y `model.fit`. Los arrays del llamante no se modifican.
    """
    return _iteradores(train_x, train_y, test_x, batchSize, semilla, aumento={})


def getNormalizedData(trainImg, trainTag, batchSize, testImg, semilla=None):
    """Como `getDataIterators`, con el aumento de datos de BaseNet++ en el entrenamiento (§3, mejora 1).

    Normalización por canal, rotación de hasta 10°, desplazamientos de hasta el 20 % del tamaño y volteo
    horizontal, con un 10 % de validación estratificada y barajada. Devuelve `(it_train, it_val,
    test_normalizado)`; la validación y el test solo se normalizan, nunca se aumentan.
    """
    return _iteradores(trainImg, trainTag, testImg, batchSize, semilla, aumento=AUMENTO_BASENETPP)
