#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Irene Delgado Cano. VC 2021. Práctica 3 (BaseNet y BaseNet mejorada)
import numpy as np
import keras
from keras import backend as K
from keras.layers import Input, Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.models import Model
from keras.preprocessing.image import ImageDataGenerator
from keras.utils import np_utils

K.set_image_data_format('channels_last')


def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255
    tr = np.reshape(np.isin(y_train, np.arange(25)), -1)
    te = np.reshape(np.isin(y_test, np.arange(25)), -1)
    return (x_train[tr], np_utils.to_categorical(y_train[tr], 25),
            x_test[te], np_utils.to_categorical(y_test[te], 25))


def calcularAccuracy(labels, preds):
    return np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1))


def generador(datagen, x, y, batch_size):
    """Mi propio generador: lotes aumentados y normalizados indefinidamente."""
    while True:
        orden = np.random.permutation(len(x))
        for i in range(0, len(x) - batch_size + 1, batch_size):
            lote = orden[i:i + batch_size]
            xb = np.array([datagen.random_transform(img) for img in x[lote]])
            yield datagen.standardize(xb), y[lote]


def basenet():
    entrada = Input(shape=(32, 32, 3))
    x = Conv2D(6, (5, 5), activation='relu')(entrada)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(16, (5, 5), activation='relu')(x)
    x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    x = Dense(50, activation='relu')(x)
    return Model(entrada, Dense(25, activation='softmax')(x))


def basenet_mejorada():
    entrada = Input(shape=(32, 32, 3))
    x = entrada
    for filtros in (32, 64, 128):
        x = Conv2D(filtros, (3, 3), padding='same', activation='relu')(x)
        x = BatchNormalization()(x)
        x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    x = Dropout(0.5)(x)
    x = Dense(256, activation='relu')(x)
    return Model(entrada, Dense(25, activation='softmax')(x))


x_train, y_train, x_test, y_test = cargarImagenes()
n = int(0.9 * len(x_train))
x_tr, y_tr, x_val, y_val = x_train[:n], y_train[:n], x_train[n:], y_train[n:]

for nombre, modelo, aumento in (("BaseNet", basenet(), False), ("Mejorada", basenet_mejorada(), True)):
    datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 horizontal_flip=aumento, rotation_range=15 if aumento else 0)
    datagen.fit(x_tr)
    modelo.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['acc'])
    modelo.fit_generator(generador(datagen, x_tr, y_tr, 32), steps_per_epoch=n // 32, epochs=30,
                         validation_data=(datagen.standardize(x_val.copy()), y_val))
    datagen_test = datagen  # ya está ajustado con x_tr
    preds = modelo.predict_generator(datagen_test.flow(x_test, batch_size=1, shuffle=False), steps=len(x_test))
    print(nombre, "accuracy en test:", calcularAccuracy(y_test, preds))
