# -*- coding: utf-8 -*-
"""Práctica 3 - Redes neuronales convolucionales. Tomás Serrano Gallego."""
import numpy as np
import keras
from keras.models import Sequential, Model
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from keras.applications.resnet50 import ResNet50, preprocess_input
from keras.utils import np_utils
from keras.datasets import cifar100
from sklearn.model_selection import train_test_split


def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255
    tr = np.reshape(np.isin(y_train, np.arange(25)), -1)
    te = np.reshape(np.isin(y_test, np.arange(25)), -1)
    return x_train[tr], np_utils.to_categorical(y_train[tr], 25), x_test[te], np_utils.to_categorical(y_test[te], 25)


def iteradores(x_train, y_train, x_test, datagen, batch_size=32):
    datagen.fit(x_train)
    x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1)
    return (datagen.flow(x_tr, y_tr, batch_size=batch_size), datagen.flow(x_val, y_val, batch_size=batch_size),
            datagen.standardize(x_test.copy()))


def crear_basenet():
    model = Sequential()
    model.add(Conv2D(6, (5, 5), activation='relu', input_shape=(32, 32, 3)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(16, (5, 5), activation='relu'))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(50, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    return model


def crear_mejorada():
    model = Sequential()
    for i, filtros in enumerate((32, 64, 128)):
        if i == 0:
            model.add(Conv2D(filtros, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)))
        else:
            model.add(Conv2D(filtros, (3, 3), padding='same', activation='relu'))
        model.add(BatchNormalization())
        model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dropout(0.5))
    model.add(Dense(25, activation='softmax'))
    return model


def ejercicio1(x_train, y_train, x_test, y_test):
    datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    train_it, val_it, x_test_n = iteradores(x_train, y_train, x_test, datagen)
    model = crear_basenet()
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit_generator(train_it, steps_per_epoch=len(train_it), epochs=20, validation_data=val_it,
                        validation_steps=len(val_it))
    print('Ejercicio 1, test:', model.evaluate(x_test_n, y_test))


def ejercicio2(x_train, y_train, x_test, y_test):
    datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 horizontal_flip=True)
    train_it, val_it, x_test_n = iteradores(x_tr, y_train, x_test, datagen, 64)
    model = crear_mejorada()
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit_generator(train_it, steps_per_epoch=len(train_it), epochs=40, validation_data=val_it,
                        validation_steps=len(val_it))
    print('Ejercicio 2, test:', model.evaluate(x_test_n, y_test))


def ejercicio3():
    x_train = np.array([img_to_array(load_img('imagenes/' + f, target_size=(224, 224)))
                        for f in np.loadtxt('imagenes/train.txt', dtype=str)])
    clases = sorted({f.split('/')[0] for f in np.loadtxt('imagenes/train.txt', dtype=str)})
    y_train = np_utils.to_categorical([clases.index(f.split('/')[0]) for f in np.loadtxt('imagenes/train.txt', dtype=str)], 200)
    base = ResNet50(weights='imagenet', include_top=False, pooling='avg', input_shape=(224, 224, 3))
    base.trainable = False
    model = Model(base.input, Dense(200, activation='softmax')(base.output))
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(preprocess_input(x_train), y_train, epochs=10, validation_split=0.1)
    base.trainable = True
    model.compile(optimizer=keras.optimizers.SGD(lr=1e-4), loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(preprocess_input(x_train), y_train, epochs=5, validation_split=0.1)


def main():
    x_train, y_train, x_test, y_test = cargarImagenes()
    ejercicio1(x_train, y_train, x_test, y_test)
    ejercicio2(x_train, y_train, x_test, y_test)
    ejercicio3()


if __name__ == "__main__":
    main()
