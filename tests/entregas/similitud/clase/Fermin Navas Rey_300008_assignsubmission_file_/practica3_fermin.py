# Practica 3 VC - Fermin Navas Rey
# Keras 2.2.4 (el del laboratorio)

from __future__ import print_function
import numpy as np
import matplotlib.pyplot as plt
import keras
from keras.utils import np_utils
from keras.models import Sequential
from keras.layers.core import Dense, Flatten, Dropout
from keras.layers.convolutional import Convolution2D, MaxPooling2D
from keras.layers.normalization import BatchNormalization
from keras.preprocessing.image import ImageDataGenerator
from keras.optimizers import SGD
from keras.datasets import cifar100
from keras import backend as K

K.set_image_dim_ordering('tf')

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

def mostrarEvolucion(hist):
    loss = hist.history['loss']
    val_loss = hist.history['val_loss']
    plt.plot(loss)
    plt.plot(val_loss)
    plt.legend(['Training loss', 'Validation loss'])
    plt.show()
    acc = hist.history['acc']
    val_acc = hist.history['val_acc']
    plt.plot(acc)
    plt.plot(val_acc)
    plt.legend(['Training accuracy', 'Validation accuracy'])
    plt.show()

x_train, y_train, x_test, y_test = cargarImagenes()

# separo validacion a mano (ultimo 10%)
corte = int(len(x_train) * 0.9)
x_val, y_val = x_train[corte:], y_train[corte:]
x_train, y_train = x_train[:corte], y_train[:corte]

print('--- BaseNet ---')
m = Sequential()
m.add(Convolution2D(6, 5, 5, border_mode='valid', activation='relu', input_shape=(32, 32, 3)))
m.add(MaxPooling2D(pool_size=(2, 2)))
m.add(Convolution2D(16, 5, 5, activation='relu'))
m.add(MaxPooling2D(pool_size=(2, 2)))
m.add(Flatten())
m.add(Dense(50, activation='relu'))
m.add(Dense(25, activation='softmax'))
m.compile(optimizer=SGD(lr=0.01), loss='categorical_crossentropy', metrics=['acc'])
h = m.fit(x_train, y_train, batch_size=32, nb_epoch=20, validation_data=(x_val, y_val))
mostrarEvolucion(h)
score = m.evaluate(x_test, y_test, verbose=0)
print('loss test', score[0], 'acc test', score[1])

print('--- BaseNet con aumento y BN ---')
gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                         zoom_range=0.15, shear_range=0.1)
gen.fit(x_train)
gen_val = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
gen_val.fit(x_train)

m2 = Sequential()
m2.add(Convolution2D(40, 3, 3, border_mode='same', input_shape=(32, 32, 3), activation='relu'))
m2.add(BatchNormalization())
m2.add(Convolution2D(40, 3, 3, activation='relu'))
m2.add(BatchNormalization())
m2.add(MaxPooling2D((2, 2)))
m2.add(Convolution2D(80, 3, 3, border_mode='same', activation='relu'))
m2.add(BatchNormalization())
m2.add(MaxPooling2D((2, 2)))
m2.add(Dropout(0.3))
m2.add(Flatten())
m2.add(Dense(120, activation='relu'))
m2.add(Dropout(0.4))
m2.add(Dense(25, activation='softmax'))
m2.compile(optimizer=SGD(lr=0.02, momentum=0.85), loss='categorical_crossentropy', metrics=['acc'])
h2 = m2.fit_generator(gen.flow(x_train, y_train, batch_size=64), samples_per_epoch=len(x_train),
                      nb_epoch=35, validation_data=gen_val.flow(x_val, y_val, batch_size=64),
                      nb_val_samples=len(x_val))
mostrarEvolucion(h2)
x_test = gen_val.standardize(x_test)
score2 = m2.evaluate(x_test, y_test, verbose=0)
print('loss test', score2[0], 'acc test', score2[1])
