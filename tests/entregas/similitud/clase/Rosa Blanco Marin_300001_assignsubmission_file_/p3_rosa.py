# -*- coding: utf-8 -*-
# Práctica 3 - Visión por Computador
# Rosa Blanco Marín

import numpy as np
import keras
import keras.utils as np_utils
import matplotlib.pyplot as plt
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.optimizers import SGD
from keras.preprocessing.image import ImageDataGenerator
from keras.datasets import cifar100

# Funciones de la plantilla

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

# Mis funciones

def bloque_convolucional(modelo, filtros, tasa):
    """Dos convoluciones 3x3 con normalización, max pooling y dropout."""
    for _ in range(2):
        modelo.add(Conv2D(filtros, (3, 3), padding='same', activation='relu'))
        modelo.add(BatchNormalization())
    modelo.add(MaxPooling2D((2, 2)))
    modelo.add(Dropout(tasa))

def red_mejorada(num_clases=25):
    modelo = Sequential([keras.Input(shape=(32, 32, 3))])
    tasas = {32: 0.2, 64: 0.3, 128: 0.4}
    for filtros, tasa in tasas.items():
        bloque_convolucional(modelo, filtros, tasa)
    modelo.add(Flatten())
    modelo.add(Dense(256, activation='relu'))
    modelo.add(BatchNormalization())
    modelo.add(Dropout(0.5))
    modelo.add(Dense(num_clases, activation='softmax'))
    return modelo

def preparar_generadores(x_train, y_train, lote):
    generador = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                   width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True,
                                   validation_split=0.1)
    generador.fit(x_train)
    entrenamiento = generador.flow(x_train, y_train, batch_size=lote, subset='training')
    validacion = generador.flow(x_train, y_train, batch_size=lote, subset='validation')
    return generador, entrenamiento, validacion

def entrenar_y_evaluar(modelo, datos, epocas=30, lote=64):
    x_train, y_train, x_test, y_test = datos
    generador, entrenamiento, validacion = preparar_generadores(x_train, y_train, lote)
    modelo.compile(loss=keras.losses.categorical_crossentropy,
                   optimizer=SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
                   metrics=['accuracy'])
    pasos = len(entrenamiento)
    historia = modelo.fit(entrenamiento, steps_per_epoch=pasos, epochs=epocas,
                          validation_data=validacion, validation_steps=len(validacion))
    mostrarEvolucion(historia)
    x_test_norm = generador.standardize(np.copy(x_test))
    predicciones = modelo.predict(x_test_norm, batch_size=lote)
    precision = calcularAccuracy(y_test, predicciones)
    print('Accuracy en test: {:.4f}'.format(precision))
    return precision

def resumen_resultados(resultados):
    for nombre, valor in sorted(resultados.items(), key=lambda par: -par[1]):
        print(nombre.ljust(20), round(100 * valor, 2), '%')

if __name__ == '__main__':
    datos = cargarImagenes()
    resultados = {}
    resultados['mejorada'] = entrenar_y_evaluar(red_mejorada(), datos)
    resultados['mejorada_lote_128'] = entrenar_y_evaluar(red_mejorada(), datos, lote=128)
    resumen_resultados(resultados)
