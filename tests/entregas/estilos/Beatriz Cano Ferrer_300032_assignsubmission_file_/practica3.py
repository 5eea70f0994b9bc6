#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""
Visión por Computador - Práctica 3: Redes neuronales convolucionales
Beatriz Cano Ferrer

Uso: python practica3.py [-e {1,2,3,todos}] [--epocas N] [--batch B]
                         [--pajaros CARPETA] [--sin-pausas]
Sin argumentos se ejecutan los tres ejercicios con los parámetros por defecto.
"""

import argparse
import os
import time

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.models import Sequential, Model
from tensorflow.keras.optimizers import SGD, Adam
from tensorflow.keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from tensorflow.keras.utils import to_categorical
from tensorflow.keras.applications.resnet50 import ResNet50, preprocess_input
from tensorflow.keras.callbacks import EarlyStopping
from sklearn.model_selection import train_test_split

np.random.seed(42)
tf.random.set_seed(42)

PAUSAS = True


def pausa():
    if PAUSAS:
        input('Pulsa Enter para continuar...')


# ---------------------------------------------------------------------------
# Funciones de la plantilla
# ---------------------------------------------------------------------------
def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255
    train_idx = np.reshape(np.isin(y_train, np.arange(25)), -1)
    test_idx = np.reshape(np.isin(y_test, np.arange(25)), -1)
    x_train, y_train = x_train[train_idx], y_train[train_idx]
    x_test, y_test = x_test[test_idx], y_test[test_idx]
    return x_train, to_categorical(y_train, 25), x_test, to_categorical(y_test, 25)


def calcularAccuracy(labels, preds):
    return np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1))


def mostrarEvolucion(hist, titulo):
    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    ax[0].plot(hist.history['loss'], label='train')
    ax[0].plot(hist.history['val_loss'], label='validación')
    ax[0].set_title(titulo + ' - pérdida')
    ax[0].legend()
    ax[1].plot(hist.history['accuracy'], label='train')
    ax[1].plot(hist.history['val_accuracy'], label='validación')
    ax[1].set_title(titulo + ' - accuracy')
    ax[1].legend()
    plt.show()


def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(os.path.join(path, img), target_size=(224, 224)))
                         for img in vec_imagenes])
    return imagenes, clases


def cargarDatos(path):
    train_images = np.loadtxt(os.path.join(path, 'train.txt'), dtype=str)
    test_images = np.loadtxt(os.path.join(path, 'test.txt'), dtype=str)
    train, train_clases = leerImagenes(train_images, path)
    test, test_clases = leerImagenes(test_images, path)
    clases_posibles = np.unique(train_clases)
    indice = {c: i for i, c in enumerate(clases_posibles)}
    train_clases = to_categorical([indice[c] for c in train_clases], 200)
    test_clases = to_categorical([indice[c] for c in test_clases], 200)
    perm = np.random.permutation(len(train))
    return train[perm], train_clases[perm], test, test_clases


# ---------------------------------------------------------------------------
# Modelos
# ---------------------------------------------------------------------------
def crear_basenet():
    return Sequential([
        layers.Conv2D(6, 5, activation='relu', input_shape=(32, 32, 3)),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 5, activation='relu'),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(50, activation='relu'),
        layers.Dense(25, activation='softmax'),
    ], name='BaseNet')


def crear_basenet_mejorada():
    return Sequential([
        layers.Conv2D(32, 3, padding='same', input_shape=(32, 32, 3)),
        layers.BatchNormalization(),
        layers.Activation('relu'),
        layers.Conv2D(64, 3, padding='same'),
        layers.BatchNormalization(),
        layers.Activation('relu'),
        layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, padding='same'),
        layers.BatchNormalization(),
        layers.Activation('relu'),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.4),
        layers.Dense(256, activation='relu'),
        layers.Dropout(0.4),
        layers.Dense(25, activation='softmax'),
    ], name='BaseNetMejorada')


def crear_red_pajaros(base, entrenar_base=False):
    base.trainable = entrenar_base
    x = layers.GlobalAveragePooling2D()(base.output)
    x = layers.Dense(1024, activation='relu')(x)
    x = layers.Dropout(0.5)(x)
    salida = layers.Dense(200, activation='softmax')(x)
    return Model(base.input, salida)


def compilar(modelo, optimizador):
    modelo.compile(optimizer=optimizador, loss='categorical_crossentropy', metrics=['accuracy'])


# ---------------------------------------------------------------------------
# Ejercicios
# ---------------------------------------------------------------------------
def ejercicio1(args):
    epocas = args.epocas or 30
    x_train, y_train, x_test, y_test = cargarImagenes()
    x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1,
                                                stratify=np.argmax(y_train, axis=1))
    modelo = crear_basenet()
    modelo.summary()
    compilar(modelo, SGD(learning_rate=0.01, momentum=0.9))
    t0 = time.time()
    hist = modelo.fit(x_tr, y_tr, batch_size=args.batch, epochs=epocas,
                      validation_data=(x_val, y_val), verbose=2)
    print('Tiempo de entrenamiento: %.1f s' % (time.time() - t0))
    mostrarEvolucion(hist, 'BaseNet')
    loss, acc = modelo.evaluate(x_test, y_test, verbose=0)
    print('BaseNet -> test loss: %.4f, test accuracy: %.4f' % (loss, acc))
    pausa()


def ejercicio2(args):
    epocas = args.epocas or 50
    x_train, y_train, x_test, y_test = cargarImagenes()
    x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1,
                                                stratify=np.argmax(y_train, axis=1))
    datagen = ImageDataGenerator(featurewise_center=True,
                                 featurewise_std_normalization=True,
                                 rotation_range=10,
                                 width_shift_range=0.1,
                                 height_shift_range=0.1,
                                 horizontal_flip=True)
    datagen.fit(x_tr)
    x_val = datagen.standardize(x_val)
    x_test = datagen.standardize(x_test)

    modelo = crear_basenet_mejorada()
    modelo.summary()
    compilar(modelo, Adam(learning_rate=1e-3))
    parada = EarlyStopping(monitor='val_loss', patience=8, restore_best_weights=True)
    hist = modelo.fit(datagen.flow(x_tr, y_tr, batch_size=args.batch),
                      steps_per_epoch=len(x_tr) // args.batch,
                      epochs=epocas, validation_data=(x_val, y_val),
                      callbacks=[parada], verbose=2)
    mostrarEvolucion(hist, 'BaseNet mejorada')
    preds = modelo.predict(x_test)
    print('BaseNet mejorada -> test accuracy: %.4f' % calcularAccuracy(y_test, preds))
    pausa()


def ejercicio3(args):
    epocas = args.epocas or 20
    x_train, y_train, x_test, y_test = cargarDatos(args.pajaros)
    x_train = preprocess_input(x_train)
    x_test = preprocess_input(x_test)
    x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1,
                                                stratify=np.argmax(y_train, axis=1))

    # 3.1: ResNet50 congelada + cabeza nueva
    base = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
    modelo = crear_red_pajaros(base, entrenar_base=False)
    compilar(modelo, Adam(learning_rate=1e-3))
    hist = modelo.fit(x_tr, y_tr, batch_size=args.batch, epochs=epocas,
                      validation_data=(x_val, y_val), verbose=2)
    mostrarEvolucion(hist, 'ResNet50 congelada')
    print('Transferencia -> test accuracy: %.4f' % modelo.evaluate(x_test, y_test, verbose=0)[1])
    pausa()

    # 3.2: ajuste fino: se descongela el último bloque (conv5) y se baja la tasa
    base.trainable = True
    for capa in base.layers:
        capa.trainable = capa.name.startswith('conv5')
    compilar(modelo, SGD(learning_rate=1e-4, momentum=0.9))
    hist = modelo.fit(x_tr, y_tr, batch_size=args.batch, epochs=10,
                      validation_data=(x_val, y_val), verbose=2)
    mostrarEvolucion(hist, 'ResNet50 ajuste fino')
    print('Ajuste fino -> test accuracy: %.4f' % modelo.evaluate(x_test, y_test, verbose=0)[1])


def leer_argumentos():
    parser = argparse.ArgumentParser(description='Práctica 3 de Visión por Computador')
    parser.add_argument('-e', '--ejercicio', default='todos', choices=['1', '2', '3', 'todos'],
                        help='ejercicio a ejecutar (por defecto, todos)')
    parser.add_argument('--epocas', type=int, default=None,
                        help='épocas de entrenamiento (por defecto, las de cada ejercicio)')
    parser.add_argument('--batch', type=int, default=32, help='tamaño de batch')
    parser.add_argument('--pajaros', default='imagenes',
                        help='carpeta con train.txt, test.txt y las imágenes de los pájaros')
    parser.add_argument('--sin-pausas', action='store_true', help='no esperar a Enter entre ejercicios')
    return parser.parse_args()


def main():
    global PAUSAS
    args = leer_argumentos()
    PAUSAS = not args.sin_pausas
    ejercicios = {'1': ejercicio1, '2': ejercicio2, '3': ejercicio3}
    a_ejecutar = ['1', '2', '3'] if args.ejercicio == 'todos' else [args.ejercicio]
    for e in a_ejecutar:
        print('\n################ EJERCICIO %s ################\n' % e)
        ejercicios[e](args)


if __name__ == '__main__':
    main()
