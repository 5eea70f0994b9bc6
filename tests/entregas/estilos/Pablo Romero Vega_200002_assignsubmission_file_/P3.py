# Práctica 3 - Visión por Computador
# Pablo Romero Vega
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, BatchNormalization
from keras.utils import np_utils
from keras.optimizers import Adam
from keras.preprocessing.image import ImageDataGenerator
from keras.datasets import cifar100
import matplotlib.pyplot as plt


def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255
    train_idx = np.reshape(np.isin(y_train, np.arange(25)), -1)
    test_idx = np.reshape(np.isin(y_test, np.arange(25)), -1)
    x_train, y_train = x_train[train_idx], y_train[train_idx]
    x_test, y_test = x_test[test_idx], y_test[test_idx]
    return x_train, np_utils.to_categorical(y_train, 25), x_test, np_utils.to_categorical(y_test, 25)


def calcularAccuracy(labels, preds):
    return sum(np.argmax(labels, axis=1) == np.argmax(preds, axis=1)) / len(labels)


def mostrarEvolucion(hist):
    plt.plot(hist.history['loss'])
    plt.plot(hist.history['val_loss'])
    plt.legend(['Training loss', 'Validation loss'])
    plt.show()


x_train, y_train, x_test, y_test = cargarImagenes()


# ---------------------------- Ejercicio 1 ----------------------------
def ejercicio1():
    datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 validation_split=0.1)
    datagen.fit(x_train)
    model = Sequential()
    model.add(Conv2D(6, (5, 5), activation='relu', input_shape=(32, 32, 3)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(16, (5, 5), activation='relu'))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(50, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    model.compile(optimizer=Adam(), loss='categorical_crossentropy', metrics=['accuracy'])
    hist = model.fit_generator(datagen.flow(x_train, y_train, batch_size=32, subset='training'),
                               validation_data=datagen.flow(x_train, y_train, batch_size=32, subset='validation'),
                               epochs=20)
    mostrarEvolucion(hist)
    x_test_norm = datagen.standardize(x_test.copy())
    print("Test:", calcularAccuracy(y_test, model.predict(x_test_norm)))
    input("--- Pulse una tecla para continuar ---")


# ---------------------------- Ejercicio 2 ----------------------------
def ejercicio2():
    datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 horizontal_flip=True, width_shift_range=0.1, height_shift_range=0.1,
                                 validation_split=0.1)
    datagen.fit(x_train)
    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation='relu', padding='same', input_shape=(32, 32, 3)))
    model.add(BatchNormalization())
    model.add(Conv2D(32, (3, 3), activation='relu', padding='same'))
    model.add(BatchNormalization())
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3), activation='relu', padding='same'))
    model.add(BatchNormalization())
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(128, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    model.compile(optimizer=Adam(), loss='categorical_crossentropy', metrics=['accuracy'])
    hist = model.fit_generator(datagen.flow(x_train, y_train, batch_size=64, subset='training'),
                               validation_data=datagen.flow(x_train, y_train, batch_size=64, subset='validation'),
                               epochs=40)
    mostrarEvolucion(hist)
    x_test_norm = datagen.standardize(x_test.copy())
    print("Test:", calcularAccuracy(y_test, model.predict(x_test_norm)))
    input("--- Pulse una tecla para continuar ---")


ejercicio1()
ejercicio2()
