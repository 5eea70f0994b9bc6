# -*- coding: utf-8 -*-
"""
VC - Práctica 3 (CNN con Keras)
Autor: Iván Crespo Pardo
"""

import numpy as np
import keras
import keras.utils as np_utils
import matplotlib.pyplot as plt
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.optimizers import SGD
from keras.preprocessing.image import ImageDataGenerator
from keras.datasets import cifar100


def mostrarEvolucion(hist):
    loss = hist.history['loss']
    val_loss = hist.history['val_loss']
    plt.plot(loss)
    plt.plot(val_loss)
    plt.legend(['Training loss', 'Validation loss'])
    plt.show()
    acc = hist.history['accuracy']
    val_acc = hist.history['val_accuracy']
    plt.plot(acc)
    plt.plot(val_acc)
    plt.legend(['Training accuracy', 'Validation accuracy'])
    plt.show()


# ---------------- entrenamiento ----------------

def entrenamiento_completo(red, conjunto, n_epocas=30, tam_batch=64):
    xtr, ytr, xte, yte = conjunto
    gen, it_tr, it_val = crear_iteradores(xtr, ytr, tam_batch)
    red.compile(loss=keras.losses.categorical_crossentropy,
                optimizer=SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
                metrics=['accuracy'])
    n_pasos = len(it_tr)
    h = red.fit(it_tr, steps_per_epoch=n_pasos, epochs=n_epocas,
                validation_data=it_val, validation_steps=len(it_val))
    mostrarEvolucion(h)
    xte_n = gen.standardize(np.copy(xte))
    pred = red.predict(xte_n, batch_size=tam_batch)
    acierto = calcularAccuracy(yte, pred)
    print('Accuracy sobre test: {:.4f}'.format(acierto))
    return acierto


def crear_iteradores(xtr, ytr, tam_batch):
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True,
                             validation_split=0.1)
    gen.fit(xtr)
    it_tr = gen.flow(xtr, ytr, batch_size=tam_batch, subset='training')
    it_val = gen.flow(xtr, ytr, batch_size=tam_batch, subset='validation')
    return gen, it_tr, it_val


# ---------------- modelo ----------------

def construir_red(n_clases=25):
    red = Sequential([keras.Input(shape=(32, 32, 3))])
    dropouts = {32: 0.2, 64: 0.3, 128: 0.4}
    for n_filtros, p in dropouts.items():
        anadir_bloque(red, n_filtros, p)
    red.add(Flatten())
    red.add(Dense(256, activation='relu'))
    red.add(BatchNormalization())
    red.add(Dropout(0.5))
    red.add(Dense(n_clases, activation='softmax'))
    return red


def anadir_bloque(red, n_filtros, p):
    # bloque: conv + BN dos veces, pooling y dropout
    for _ in range(2):
        red.add(Conv2D(n_filtros, (3, 3), padding='same', activation='relu'))
        red.add(BatchNormalization())
    red.add(MaxPooling2D((2, 2)))
    red.add(Dropout(p))


def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)
    accuracy = sum(labels == preds) / len(labels)
    return accuracy


def imprimir_tabla(res):
    for clave, v in sorted(res.items(), key=lambda t: -t[1]):
        print(clave.ljust(20), round(100 * v, 2), '%')


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


if __name__ == '__main__':
    conjunto = cargarImagenes()
    res = {}
    res['red_mejorada'] = entrenamiento_completo(construir_red(), conjunto)
    res['red_mejorada_128'] = entrenamiento_completo(construir_red(), conjunto, tam_batch=128)
    imprimir_tabla(res)
