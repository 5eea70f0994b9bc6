# -*- coding: utf-8 -*-
#########################################################################
############ PRÁCTICA 3: REDES NEURONALES CONVOLUCIONALES ###############
#########################################################################
# Visión por Computador 2019-2020. Alumna: Lucía Fernández Gil
# Ejecutar desde la carpeta que contiene "imagenes/" (las de Caltech-UCSD).

import numpy as np
import matplotlib.pyplot as plt
import keras
import keras.utils as np_utils
from keras.models import Sequential, Model
from keras.layers import Dense, Dropout, Flatten, Conv2D, MaxPooling2D, BatchNormalization, Activation
from keras.optimizers import SGD, Adam
from keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from keras.datasets import cifar100
from keras.applications.resnet50 import ResNet50, preprocess_input
from sklearn.model_selection import train_test_split

#########################################################################
################## FUNCIONES DEL PROFESOR ###############################
#########################################################################

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

def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(path + "/" + img, target_size=(224, 224)))
                         for img in vec_imagenes])
    return imagenes, clases

def cargarDatos(path):
    train_images = np.loadtxt(path + "/train.txt", dtype=str)
    test_images = np.loadtxt(path + "/test.txt", dtype=str)
    train, train_clases = leerImagenes(train_images, path)
    test, test_clases = leerImagenes(test_images, path)
    clases_posibles = np.unique(np.copy(train_clases))
    for i in range(len(clases_posibles)):
        train_clases[train_clases == clases_posibles[i]] = i
        test_clases[test_clases == clases_posibles[i]] = i
    train_clases = np_utils.to_categorical(train_clases, 200)
    test_clases = np_utils.to_categorical(test_clases, 200)
    train_perm = np.random.permutation(len(train))
    train = train[train_perm]
    train_clases = train_clases[train_perm]
    test_perm = np.random.permutation(len(test))
    test = test[test_perm]
    test_clases = test_clases[test_perm]
    return train, train_clases, test, test_clases

#########################################################################
##################### FUNCIONES AUXILIARES ##############################
#########################################################################

def getDataIterators(x_train, y_train, x_test, batch_size, aumento=False):
    if aumento:
        datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                     horizontal_flip=True, zoom_range=0.2)
    else:
        datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    datagen.fit(x_train)
    x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1, stratify=y_train)
    it_train = datagen.flow(x_tr, y_tr, batch_size=batch_size)
    it_val = datagen.flow(x_val, y_val, batch_size=batch_size)
    x_test = datagen.standardize(x_test)
    return it_train, it_val, x_test

def compileModel(model, lr=0.01):
    model.compile(loss=keras.losses.categorical_crossentropy,
                  optimizer=SGD(lr=lr, decay=1e-6, momentum=0.9, nesterov=True),
                  metrics=['accuracy'])

def trainModel(model, it_train, it_val, batch_size, epochs):
    hist = model.fit_generator(it_train, steps_per_epoch=len(it_train), epochs=epochs,
                               validation_data=it_val, validation_steps=len(it_val))
    return hist

#########################################################################
############################ EJERCICIOS #################################
#########################################################################

def getBaseNet():
    model = Sequential()
    model.add(Conv2D(6, kernel_size=(5, 5), activation='relu', input_shape=(32, 32, 3)))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Conv2D(16, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(50, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    return model

def ejercicio1():
    print("EJERCICIO 1: BaseNet")
    x_train, y_train, x_test, y_test = cargarImagenes()
    it_train, it_val, x_test = getDataIterators(x_train, y_train, x_test, 32)
    model = getBaseNet()
    model.summary()
    compileModel(model)
    hist = trainModel(model, it_train, it_val, 32, 30)
    mostrarEvolucion(hist)
    preds = model.predict(x_test)
    print("Accuracy en test:", calcularAccuracy(y_test, preds))

def getBaseNetPlusPlus():
    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(Conv2D(32, (3, 3), padding='same'))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Conv2D(64, (3, 3), padding='same'))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(256))
    model.add(Activation('relu'))
    model.add(Dropout(0.5))
    model.add(Dense(25, activation='softmax'))
    return model

def ejercicio2():
    print("EJERCICIO 2: BaseNet mejorada")
    x_train, y_train, x_test, y_test = cargarImagenes()
    it_train, it_val, x_test = getDataIterators(x_train, y_train, x_test, 64, aumento=True)
    model = getBaseNetPlusPlus()
    compileModel(model)
    hist = trainModel(model, it_train, it_val, 64, 40)
    mostrarEvolucion(hist)
    print("Accuracy en test:", calcularAccuracy(y_test, model.predict(x_test)))

def ejercicio3():
    print("EJERCICIO 3: ResNet50 en Caltech-UCSD")
    x_train, y_train, x_test, y_test = cargarDatos('imagenes')
    x_train = preprocess_input(x_train)
    x_test = preprocess_input(x_test)
    # 3.1 ResNet50 como extractor de características (congelada)
    resnet = ResNet50(include_top=False, weights='imagenet', pooling='avg', input_shape=(224, 224, 3))
    for layer in resnet.layers:
        layer.trainable = False
    x = Dense(1024, activation='relu')(resnet.output)
    x = Dropout(0.5)(x)
    salida = Dense(200, activation='softmax')(x)
    model = Model(inputs=resnet.input, outputs=salida)
    model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.001), metrics=['accuracy'])
    hist = model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1)
    mostrarEvolucion(hist)
    print("Accuracy (transferencia):", calcularAccuracy(y_test, model.predict(x_test)))
    input("Pulsa Enter para el ajuste fino...")
    # 3.2 Ajuste fino: descongelamos todo y entrenamos con una tasa pequeña
    for layer in model.layers:
        layer.trainable = True
    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=1e-4, momentum=0.9), metrics=['accuracy'])
    hist = model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.1)
    print("Accuracy (ajuste fino):", calcularAccuracy(y_test, model.predict(x_test)))

def main():
    ejercicio1()
    input("Pulsa Enter para continuar...")
    ejercicio2()
    input("Pulsa Enter para continuar...")
    ejercicio3()

if __name__ == '__main__':
    main()
