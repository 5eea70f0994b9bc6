"""
VC - Práctica 3. Sara Molina Ortiz.
He reescrito cargarImagenes para que devuelva las tuplas como keras.datasets.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.preprocessing.image import ImageDataGenerator


def cargarImagenes():
    """Devuelve (x_train, y_train), (x_test, y_test) con las 25 primeras clases."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data(label_mode="fine")
    mascara_train = y_train[:, 0] < 25
    mascara_test = y_test[:, 0] < 25
    x_train = x_train[mascara_train].astype("float32") / 255.0
    x_test = x_test[mascara_test].astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train[mascara_train], 25)
    y_test = keras.utils.to_categorical(y_test[mascara_test], 25)
    return (x_train, y_train), (x_test, y_test)


def base_net():
    return keras.Sequential([
        layers.Conv2D(6, 5, activation="relu", input_shape=(32, 32, 3)),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 5, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(50, activation="relu"),
        layers.Dense(25, activation="softmax"),
    ])


def base_net_mejorada():
    return keras.Sequential([
        layers.Conv2D(32, 3, padding="same", activation="relu", input_shape=(32, 32, 3)),
        layers.BatchNormalization(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.4),
        layers.Dense(256, activation="relu"),
        layers.Dense(25, activation="softmax"),
    ])


(x_train, y_train), (x_test, y_test) = cargarImagenes()
n_val = len(x_train) // 10
x_val, y_val = x_train[:n_val], y_train[:n_val]
x_tr, y_tr = x_train[n_val:], y_train[n_val:]

modelo = base_net()
modelo.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
modelo.fit(x_tr, y_tr, batch_size=32, epochs=25, validation_data=(x_val, y_val))
print("BaseNet en test:", modelo.evaluate(x_test, y_test)[1])

aumento = ImageDataGenerator(horizontal_flip=True, rotation_range=10)
mejorada = base_net_mejorada()
mejorada.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
mejorada.fit(aumento.flow(x_tr, y_tr, batch_size=64), epochs=40, validation_data=(x_val, y_val))
print("Mejorada en test:", mejorada.evaluate(x_test, y_test)[1])
