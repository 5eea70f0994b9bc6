# -*- coding: utf-8 -*-
#########################################################################
############ PRÁCTICA 3 - CELIA RAMOS ORTEGA ############################
#########################################################################

import numpy as np
import keras
import keras.utils as np_utils
import matplotlib.pyplot as plt
from keras.models import Sequential
from keras.layers import Dense, Conv2D, MaxPooling2D, Flatten, Activation, Dropout, BatchNormalization
from keras.optimizers import SGD
from keras.datasets import cifar100
from keras.callbacks import EarlyStopping
from keras.preprocessing.image import ImageDataGenerator

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
    acc = hist.history['acc']
    val_acc = hist.history['val_acc']
    plt.plot(acc)
    plt.plot(val_acc)
    plt.legend(['Training accuracy', 'Validation accuracy'])
    plt.show()

#########################################################################
# APARTADO 1: BaseNet, con las activaciones como capas aparte

model = Sequential()
model.add(Conv2D(6, kernel_size=(5, 5), input_shape=(32, 32, 3)))
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(16, kernel_size=(5, 5)))
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(50))
model.add(Activation('relu'))
model.add(Dense(25))
model.add(Activation('softmax'))

opt = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=opt, metrics=['accuracy'])
pesos_iniciales = model.get_weights()

x_train, y_train, x_test, y_test = cargarImagenes()
parada = EarlyStopping(monitor='val_loss', patience=4, restore_best_weights=True)
historial = model.fit(x_train, y_train, batch_size=32, epochs=50, validation_split=0.1,
                      callbacks=[parada], verbose=1)
mostrarEvolucion(historial)
prediccion = model.predict(x_test, batch_size=32, verbose=1)
print("Accuracy BaseNet:", calcularAccuracy(y_test, prediccion))
input("Pulse una tecla para continuar...")

#########################################################################
# APARTADO 2: mejoras, una a una (normalización, BN, dropout, aumento)

datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             rotation_range=15, validation_split=0.1)
datagen.fit(x_train)

model.set_weights(pesos_iniciales)
model2 = Sequential()
model2.add(Conv2D(32, kernel_size=(3, 3), padding='same', input_shape=(32, 32, 3)))
model2.add(BatchNormalization())
model2.add(Activation('relu'))
model2.add(Conv2D(32, kernel_size=(3, 3)))
model2.add(BatchNormalization())
model2.add(Activation('relu'))
model2.add(MaxPooling2D(pool_size=(2, 2)))
model2.add(Dropout(0.25))
model2.add(Conv2D(64, kernel_size=(3, 3), padding='same'))
model2.add(BatchNormalization())
model2.add(Activation('relu'))
model2.add(MaxPooling2D(pool_size=(2, 2)))
model2.add(Dropout(0.25))
model2.add(Flatten())
model2.add(Dense(100))
model2.add(Activation('relu'))
model2.add(Dropout(0.5))
model2.add(Dense(25))
model2.add(Activation('softmax'))
model2.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.01, momentum=0.9), metrics=['accuracy'])
historial2 = model2.fit_generator(datagen.flow(x_train, y_train, batch_size=32, subset='training'),
                                  validation_data=datagen.flow(x_train, y_train, batch_size=32, subset='validation'),
                                  epochs=40, callbacks=[parada])
mostrarEvolucion(historial2)
datagen.standardize(x_test)
print("Accuracy mejorada:", calcularAccuracy(y_test, model2.predict(x_test)))
