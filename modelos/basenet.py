"""BaseNet, la red de partida de la práctica 3 (§2.1): 24.197 parámetros con 25 clases y 32×32×3."""

import keras
from keras import layers

from modelos.comun import validar_entrada


def getBaseNet(num_clases=25, input_shape=(32, 32, 3)):
    """BaseNet (Listing 1): Conv 6@5×5 ReLU, MaxPool 2, Conv 16@5×5 ReLU, MaxPool 2, Dense 50 ReLU, Dense softmax."""
    validar_entrada(input_shape, num_clases, minimo=16)
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(6, 5, activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(16, 5, activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            layers.Dense(num_clases, activation="softmax"),
        ],
        name="BaseNet",
    )
