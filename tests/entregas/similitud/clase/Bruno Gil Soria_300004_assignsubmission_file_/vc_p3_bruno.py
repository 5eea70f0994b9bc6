#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Bruno Gil Soria -- VC 2023, práctica 3

import keras
from keras import layers, optimizers, callbacks
import numpy as np
import matplotlib.pyplot as plt
import keras.utils as np_utils
from keras.datasets import cifar100

np.random.seed(1)


def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    train_idx = np.isin(y_train, np.arange(25))
    train_idx = np.reshape(train_idx, -1)
    x_train = x_train[train_idx]
    y_train = y_train[train_idx]
    test_idx = np.isin(y_test, np.arange(25))
    test_idx = np.reshape(test_idx, -1)
    x_test = x_test[test_idx]
    y_test = y_test[test_idx]
    y_train = np_utils.to_categorical(y_train, 25)
    y_test = np_utils.to_categorical(y_test, 25)
    return x_train, y_train, x_test, y_test


def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)
    accuracy = sum(labels == preds) / len(labels)
    return accuracy


# Ejercicio 1 ------------------------------------------------------------

capas_basenet = [
    keras.Input((32, 32, 3)),
    layers.Conv2D(filters=6, kernel_size=5, activation="relu"),
    layers.MaxPooling2D(pool_size=2),
    layers.Conv2D(filters=16, kernel_size=5, activation="relu"),
    layers.MaxPooling2D(pool_size=2),
    layers.Flatten(),
    layers.Dense(units=50, activation="relu"),
    layers.Dense(units=25, activation="softmax"),
]
basenet = keras.Sequential(capas_basenet)
basenet.summary()

x_tr, y_tr, x_te, y_te = cargarImagenes()
n_val = int(0.1 * len(x_tr))
orden = np.random.permutation(len(x_tr))
val, ent = orden[:n_val], orden[n_val:]

basenet.compile(loss="categorical_crossentropy", optimizer=optimizers.SGD(learning_rate=0.05), metrics=["accuracy"])
hist = basenet.fit(x_tr[ent], y_tr[ent], validation_data=(x_tr[val], y_tr[val]), epochs=25, batch_size=128)

plt.figure()
plt.plot(hist.history["loss"], "b-", hist.history["val_loss"], "r--")
plt.title("BaseNet: pérdida")
plt.savefig("basenet_perdida.png")
print("Test BaseNet =", calcularAccuracy(y_te, basenet.predict(x_te)))

# Ejercicio 2 ------------------------------------------------------------
# Normalizo con la media y la desviación de entrenamiento, canal a canal.

mu = x_tr[ent].mean(axis=(0, 1, 2))
sigma = x_tr[ent].std(axis=(0, 1, 2))
x_tr_n = (x_tr - mu) / sigma
x_te_n = (x_te - mu) / sigma

mejorada = keras.Sequential(name="mejorada")
mejorada.add(keras.Input((32, 32, 3)))
for n in (64, 128):
    mejorada.add(layers.Conv2D(n, 3, padding="same"))
    mejorada.add(layers.BatchNormalization())
    mejorada.add(layers.Activation("relu"))
    mejorada.add(layers.Conv2D(n, 3))
    mejorada.add(layers.BatchNormalization())
    mejorada.add(layers.Activation("relu"))
    mejorada.add(layers.MaxPooling2D())
mejorada.add(layers.Flatten())
mejorada.add(layers.Dropout(0.5))
mejorada.add(layers.Dense(128, activation="relu"))
mejorada.add(layers.Dense(25, activation="softmax"))

reducir = callbacks.ReduceLROnPlateau(factor=0.5, patience=3)
mejorada.compile(loss="categorical_crossentropy", optimizer=optimizers.Adam(), metrics=["accuracy"])
hist2 = mejorada.fit(x_tr_n[ent], y_tr[ent], validation_data=(x_tr_n[val], y_tr[val]), epochs=40,
                     batch_size=128, callbacks=[reducir])
plt.figure()
plt.plot(hist2.history["accuracy"], "b-", hist2.history["val_accuracy"], "r--")
plt.title("Mejorada: accuracy")
plt.savefig("mejorada_acc.png")
print("Test mejorada =", calcularAccuracy(y_te, mejorada.predict(x_te_n)))
