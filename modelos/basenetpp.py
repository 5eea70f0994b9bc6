"""BaseNet++, la BaseNet mejorada de la práctica 3 (§3, Cuadro 2): 809.945 parámetros con 25 clases."""

import keras
from keras import layers

from modelos.comun import validar_entrada

# (filtros, núcleo, padding, MaxPooling detrás) de cada convolución y neuronas de cada capa densa oculta.
CONVOLUCIONES_BASENET = [(6, 5, "valid", True), (16, 5, "valid", True)]
DENSAS_BASENET = [50]
CONVOLUCIONES_BASENETPP = [(128, 3, "same", False), (128, 3, "valid", True), (64, 5, "valid", True)]
DENSAS_BASENETPP = [256, 128, 64]
DROPOUT = 0.25


def getBaseNetPlusPlus(fix2=True, fix3=True, fix4=True, num_clases=25, input_shape=(32, 32, 3)):
    """BaseNet++ con las mejoras 2 a 4 del §3 que se pidan; la mejora 1 (normalización y aumento) está en
    los datos: `getNormalizedData`.

    - `fix2`, profundidad y anchura: Conv 128@3×3 (padding 'same'), Conv 128@3×3, MaxPool 2,
      Conv 64@5×5, MaxPool 2, Dense 256, 128 y 64 (ReLU). Sin ella, las capas de BaseNet: Conv 6@5×5,
      MaxPool 2, Conv 16@5×5, MaxPool 2, Dense 50.
    - `fix3`: `BatchNormalization` detrás de cada convolución (tras la ReLU, como en el Cuadro 2).
    - `fix4`: `Dropout(0.25)` detrás de cada capa densa oculta.

    La salida es siempre Dense `num_clases` con softmax. Parámetros con 25 clases y 32×32×3 (total =
    entrenables + no entrenables; el Dropout no añade parámetros):

    | fix2 | fix3 | fix4 | total | entrenables | no entrenables |
    |---|---|---|---:|---:|---:|
    | no | no | no / sí | 24.197 (= BaseNet) | 24.197 | 0 |
    | no | sí | no / sí | 24.285 | 24.241 | 44 |
    | sí | no | no / sí | 808.665 | 808.665 | 0 |
    | sí | sí | no / sí | 809.945 (Cuadro 2) | 809.305 | 640 |
    """
    convoluciones, densas = (
        (CONVOLUCIONES_BASENETPP, DENSAS_BASENETPP) if fix2 else (CONVOLUCIONES_BASENET, DENSAS_BASENET)
    )
    validar_entrada(input_shape, num_clases, minimo=14 if fix2 else 16)
    capas = [keras.Input(shape=tuple(input_shape))]
    for filtros, nucleo, padding, agrupar in convoluciones:
        capas.append(layers.Conv2D(filtros, nucleo, padding=padding, activation="relu"))
        if fix3:
            capas.append(layers.BatchNormalization())
        if agrupar:
            capas.append(layers.MaxPooling2D(pool_size=(2, 2)))
    capas.append(layers.Flatten())
    for neuronas in densas:
        capas.append(layers.Dense(neuronas, activation="relu"))
        if fix4:
            capas.append(layers.Dropout(DROPOUT))
    capas.append(layers.Dense(num_clases, activation="softmax"))
    return keras.Sequential(capas, name="BaseNetPlusPlus")
