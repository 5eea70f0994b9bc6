# -*- coding: utf-8 -*-
"""
Práctica 3: Redes Neuronales Convolucionales
Visión por Computador - Curso 2019/2020

Alumna: Ana García López

Ejecutado en Google Colab (entorno GPU). Los datos de los pájaros se
descomprimen en /content/imagenes antes de ejecutar el apartado 3.
"""

#########################################################################
################### OBTENER LA BASE DE DATOS ############################
#########################################################################

import keras
from keras.models import Sequential, Model
from keras.layers import Dense, Dropout, Flatten, Conv2D, MaxPooling2D, BatchNormalization, Activation
from keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from keras.utils import np_utils
from keras.optimizers import SGD, Adam
from keras.applications.resnet50 import ResNet50, preprocess_input
from keras.datasets import cifar100
from sklearn import preprocessing
from sklearn.model_selection import train_test_split
import matplotlib.pyplot as plt
import numpy as np
import os

# Descarga las imágenes de CIFAR100 y selecciona las 25 primeras clases.
# Devuelve los datos normalizados a [0, 1] y las etiquetas en formato
# categórico (one-hot).

def cargarImagenes():
    # Cargamos las imágenes con las etiquetas finas (100 clases)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')

    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255

    # Nos quedamos solo con las 25 primeras clases
    train_idx = np.isin(y_train, np.arange(25))
    train_idx = np.reshape(train_idx, -1)
    x_train = x_train[train_idx]
    y_train = y_train[train_idx]

    test_idx = np.isin(y_test, np.arange(25))
    test_idx = np.reshape(test_idx, -1)
    x_test = x_test[test_idx]
    y_test = y_test[test_idx]

    # Pasamos las etiquetas a matrices binarias
    y_train = np_utils.to_categorical(y_train, 25)
    y_test = np_utils.to_categorical(y_test, 25)

    return x_train, y_train, x_test, y_test

#########################################################################
######## FUNCIÓN PARA OBTENER EL ACCURACY DEL CONJUNTO DE TEST ##########
#########################################################################

# Recibe las etiquetas reales (one-hot) y las predicciones del modelo
# (vectores de probabilidades) y devuelve la proporción de aciertos.

def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)

    accuracy = sum(labels == preds) / len(labels)

    return accuracy

#########################################################################
## FUNCIÓN PARA PINTAR LA PÉRDIDA Y EL ACCURACY EN TRAIN Y VALIDACIÓN ###
#########################################################################

# Recibe el historial del entrenamiento (lo que devuelve fit) y pinta
# las curvas de pérdida y de accuracy.

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
################ FUNCIONES PARA LA BASE DE DATOS DE AVES ################
#########################################################################

# Dado un vector con los nombres de las imágenes (clase/imagen.jpg) y la
# carpeta donde están, las lee a tamaño 224x224 y devuelve también la clase.

def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(path + "/" + img,
                                               target_size=(224, 224)))
                         for img in vec_imagenes])
    return imagenes, clases

# Carga las imágenes de entrenamiento y test de Caltech-UCSD a partir de
# los ficheros train.txt y test.txt que hay en la carpeta path.

def cargarDatos(path):
    os.chdir(path)
    train_images = np.loadtxt('train.txt', dtype=str)
    test_images = np.loadtxt('test.txt', dtype=str)

    train, train_clases = leerImagenes(train_images, 'imagenes')
    test, test_clases = leerImagenes(test_images, 'imagenes')

    # Pasamos los nombres de las clases a números y luego a one-hot
    le = preprocessing.LabelEncoder()
    le.fit(train_clases)
    train_clases = le.transform(train_clases)
    test_clases = le.transform(test_clases)

    train_clases = np_utils.to_categorical(train_clases, 200)
    test_clases = np_utils.to_categorical(test_clases, 200)

    return train, train_clases, test, test_clases


#########################################################################
######################## APARTADO 1: BASENET ############################
#########################################################################

print("\n###### APARTADO 1: BaseNet sobre CIFAR100 (25 clases) ######\n")

# Definimos el modelo tal y como viene en el guion de la práctica
model = Sequential()
model.add(Conv2D(6, kernel_size=(5, 5), activation='relu', input_shape=(32, 32, 3)))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(16, kernel_size=(5, 5), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(50, activation='relu'))
model.add(Dense(25, activation='softmax'))

model.summary()

# Compilamos con SGD (el que usamos en teoría)
model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True),
              metrics=['accuracy'])

# Guardamos los pesos iniciales por si queremos reentrenar desde cero
weights = model.get_weights()

# Cargamos los datos
x_train, y_train, x_test, y_test = cargarImagenes()

# Separamos un 10% de train para validación
x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, test_size=0.1)

print("Tamaño train:", x_train.shape, " validación:", x_val.shape, " test:", x_test.shape)

# Entrenamos
hist = model.fit(x_train, y_train,
                 batch_size=32,
                 epochs=12,
                 verbose=1,
                 validation_data=(x_val, y_val))

mostrarEvolucion(hist)

# Predecimos sobre test y calculamos el accuracy
preds = model.predict(x_test, batch_size=32)
print("Accuracy:", calcularAccuracy(y_test, preds))

# input("\n--- Pulsar tecla para continuar ---\n")


#########################################################################
################## APARTADO 2: MEJORA DEL MODELO ########################
#########################################################################

print("\n###### APARTADO 2: Mejora de BaseNet ######\n")

# Nuevo modelo: más capas convolucionales (con padding para no perder
# tamaño), BatchNormalization después de cada convolución y Dropout antes
# de la capa de salida.
model_v2 = Sequential()
model_v2.add(Conv2D(32, kernel_size=(3, 3), padding='same', input_shape=(32, 32, 3)))
model_v2.add(BatchNormalization())
model_v2.add(Activation('relu'))
model_v2.add(Conv2D(32, kernel_size=(3, 3), padding='same'))
model_v2.add(BatchNormalization())
model_v2.add(Activation('relu'))
model_v2.add(MaxPooling2D(pool_size=(2, 2)))

model_v2.add(Conv2D(64, kernel_size=(3, 3), padding='same'))
model_v2.add(BatchNormalization())
model_v2.add(Activation('relu'))
model_v2.add(Conv2D(64, kernel_size=(3, 3), padding='same'))
model_v2.add(BatchNormalization())
model_v2.add(Activation('relu'))
model_v2.add(MaxPooling2D(pool_size=(2, 2)))

model_v2.add(Flatten())
model_v2.add(Dense(256, activation='relu'))
model_v2.add(Dropout(0.5))
model_v2.add(Dense(25, activation='softmax'))

model_v2.summary()

model_v2.compile(loss=keras.losses.categorical_crossentropy,
                 optimizer=SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True),
                 metrics=['accuracy'])

# Normalización (media 0 y desviación 1) + aumento de datos.
# La media y la desviación se calculan SOLO con el conjunto de train.
datagen = ImageDataGenerator(featurewise_center=True,
                             featurewise_std_normalization=True,
                             horizontal_flip=True,
                             zoom_range=0.2)
datagen.fit(x_train)

# Normalizamos validación y test con los valores de train
datagen.standardize(x_val)
x_test = datagen.standardize(x_test)

hist = model_v2.fit_generator(datagen.flow(x_train, y_train, batch_size=32),
                              steps_per_epoch=len(x_train)/32,
                              epochs=20,
                              validation_data=(x_val, y_val))

mostrarEvolucion(hist)

preds = model_v2.predict(x_test, batch_size=32)
print("Accuracy:", calcularAccuracy(y_test, preds))

# input("\n--- Pulsar tecla para continuar ---\n")


#########################################################################
########## APARTADO 3: TRANSFERENCIA DE MODELOS Y AJUSTE FINO ###########
#########################################################################

print("\n###### APARTADO 3: ResNet50 sobre Caltech-UCSD ######\n")

# Cargamos las imágenes de los pájaros (ruta de Colab)
x_train, y_train, x_test, y_test = cargarDatos('/content/imagenes')

print("Imágenes train:", x_train.shape, " test:", x_test.shape)

# ResNet50 preentrenada en ImageNet sin la capa de clasificación y con
# average pooling al final -> vector de 2048 características por imagen
resnet50 = ResNet50(include_top=False, weights='imagenet', pooling='avg',
                    input_shape=(224, 224, 3))

#------------------------------------------------------------------------
# 3a) ResNet50 como extractor de características
#------------------------------------------------------------------------

x_train = preprocess_input(x_train)

features_train = resnet50.predict(x_train)
features_test = resnet50.predict(preprocess_input(x_test))

print("Características:", features_train.shape)

# Modelo muy sencillo que solo tiene la capa de salida
model_aves = Sequential()
model_aves.add(Dense(200, activation='softmax', input_shape=(2048,)))

model_aves.compile(loss=keras.losses.categorical_crossentropy,
                   optimizer=Adam(lr=0.001),
                   metrics=['accuracy'])

hist = model_aves.fit(features_train, y_train,
                      batch_size=32,
                      epochs=20,
                      verbose=1,
                      validation_split=0.1)

mostrarEvolucion(hist)

preds = model_aves.predict(features_test)
print("Accuracy:", calcularAccuracy(y_test, preds))

#------------------------------------------------------------------------
# 3b) Ajuste fino de toda la red
#------------------------------------------------------------------------

x = resnet50.output
x = Dense(1024, activation='relu')(x)
x = Dropout(0.5)(x)
predictions = Dense(200, activation='softmax')(x)

model_ft = Model(inputs=resnet50.input, outputs=predictions)

# Entrenamos todas las capas (también las de ResNet50)
for layer in model_ft.layers:
    layer.trainable = True

model_ft.compile(loss=keras.losses.categorical_crossentropy,
                 optimizer=SGD(lr=0.001, momentum=0.9),
                 metrics=['accuracy'])

hist = model_ft.fit_generator(ImageDataGenerator().flow(x_train, y_train, batch_size=32),
                              steps_per_epoch=len(x_train)/32,
                              epochs=5,
                              validation_data=(x_test, y_test))

mostrarEvolucion(hist)

score = model_ft.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
