# Javier Ortega Lara - Práctica 3 (tf.keras 2.4)
import numpy as np
import tensorflow as tf
from tensorflow.keras.datasets import cifar100
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from tensorflow.keras.utils import to_categorical

tf.random.set_seed(1)
np.random.seed(1)

(x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="fine")
ent, tst = y_train.ravel() < 25, y_test.ravel() < 25
x_train, y_train = x_train[ent].astype("float32") / 255, to_categorical(y_train[ent], 25)
x_test, y_test = x_test[tst].astype("float32") / 255, to_categorical(y_test[tst], 25)

# 1) BaseNet sin normalizar (línea base)
basenet = Sequential([
    Conv2D(6, (5, 5), activation="relu", input_shape=(32, 32, 3)),
    MaxPooling2D((2, 2)),
    Conv2D(16, (5, 5), activation="relu"),
    MaxPooling2D((2, 2)),
    Flatten(),
    Dense(50, activation="relu"),
    Dense(25, activation="softmax"),
])
basenet.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
basenet.fit(x_train, y_train, epochs=15, batch_size=64, validation_split=0.1)
print("BaseNet sin normalizar:", np.mean(basenet.predict(x_test).argmax(1) == y_test.argmax(1)))

# 2) Normalizando con la media y la desviación del conjunto de entrenamiento
media = x_train.mean(axis=(0, 1, 2))
desviacion = x_train.std(axis=(0, 1, 2))
x_train_n = (x_train - media) / desviacion
x_test_n = (x_test - media) / desviacion

mejorada = Sequential([
    Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(32, 32, 3)),
    BatchNormalization(),
    Conv2D(64, (3, 3), padding="same", activation="relu"),
    BatchNormalization(),
    MaxPooling2D((2, 2)),
    Conv2D(128, (3, 3), padding="same", activation="relu"),
    BatchNormalization(),
    MaxPooling2D((2, 2)),
    Flatten(),
    Dense(256, activation="relu"),
    Dropout(0.5),
    Dense(25, activation="softmax"),
])
mejorada.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
mejorada.fit(x_train_n, y_train, epochs=30, batch_size=64, validation_split=0.1)
print("Mejorada:", mejorada.evaluate(x_test_n, y_test, verbose=0))
