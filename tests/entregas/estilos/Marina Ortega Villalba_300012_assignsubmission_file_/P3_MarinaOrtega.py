# -*- coding: utf-8 -*-
#########################################################################
############ PRÁCTICA 3: REDES NEURONALES CONVOLUCIONALES ###############
#########################################################################
# Visión por Computador - Curso 2020/2021
# Marina Ortega Villalba
# Hecha con TensorFlow 2.3 (tf.keras) en PyCharm. Las imágenes de los pájaros
# se leen de la carpeta "imagenes" junto al script.

#########################################################################
################### CARGAR LAS LIBRERÍAS NECESARIAS #####################
#########################################################################

# Importar librerías necesarias
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import utils as np_utils
import matplotlib.pyplot as plt

# Importar modelos y capas que se van a usar
from tensorflow.keras.models import Sequential, Model
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Dense, Flatten, Dropout, Activation, GlobalAveragePooling2D
from tensorflow.python.keras.layers.normalization import BatchNormalization

# Importar el optimizador a usar
from tensorflow.keras.optimizers import SGD, Adam

# Importar el conjunto de datos
from tensorflow.keras.datasets import cifar100
from tensorflow.keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from tensorflow.keras.applications.resnet50 import ResNet50, preprocess_input

np.random.seed(7)
tf.random.set_seed(7)

#########################################################################
######## FUNCIÓN PARA CARGAR Y MODIFICAR EL CONJUNTO DE DATOS ###########
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

#########################################################################
######## FUNCIÓN PARA OBTENER EL ACCURACY DEL CONJUNTO DE TEST ##########
#########################################################################

def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)
    accuracy = sum(labels == preds) / len(labels)
    return accuracy

#########################################################################
## FUNCIÓN PARA PINTAR LA PÉRDIDA Y EL ACCURACY EN TRAIN Y VALIDACIÓN ###
#########################################################################

# En TF 2 la clave es 'accuracy' y no 'acc'
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

#########################################################################
################## FUNCIONES PARA LA BASE DE DATOS DE AVES ##############
#########################################################################

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
################## DEFINICIÓN DEL MODELO BASENET ########################
#########################################################################

x_train, y_train, x_test, y_test = cargarImagenes()

model = Sequential()
model.add(Conv2D(6, (5, 5), activation='relu', input_shape=(32, 32, 3)))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(16, (5, 5), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(50, activation='relu'))
model.add(Dense(25, activation='softmax'))
model.summary()

#########################################################################
######### DEFINICIÓN DEL OPTIMIZADOR Y COMPILACIÓN DEL MODELO ###########
#########################################################################

# Misma función de compilación para todos los modelos de la práctica
def compilarModelo(modelo, optimizador):
    modelo.compile(loss='mse', optimizer=optimizador, metrics=['accuracy'])

compilarModelo(model, SGD(lr=0.01, momentum=0.9))

# Pesos iniciales, por si queremos repetir el entrenamiento
weights = model.get_weights()

#########################################################################
###################### ENTRENAMIENTO DEL MODELO #########################
#########################################################################

# Normalizamos con la media y desviación de train, y reservamos un 10 % para validación
datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             validation_split=0.1)
datagen.fit(x_train)
datagen_test = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
datagen_test.fit(x_train)

hist = model.fit(datagen.flow(x_train, y_train, batch_size=32, subset='training'),
                 epochs=25,
                 validation_data=datagen.flow(x_train, y_train, batch_size=32, subset='validation'))
mostrarEvolucion(hist)

#########################################################################
################ PREDICCIÓN SOBRE EL CONJUNTO DE TEST ###################
#########################################################################

predicciones = model.predict_generator(datagen_test.flow(x_test, batch_size=32, shuffle=False),
                                       steps=len(x_test) / 32)
print("Accuracy en test de BaseNet:", calcularAccuracy(y_test, predicciones))

input("\n--- Pulsar tecla para continuar ---\n")

#########################################################################
###################### MEJORA DEL MODELO BASENET ########################
#########################################################################

datagen_aum = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                 rotation_range=10, width_shift_range=0.1, height_shift_range=0.1,
                                 horizontal_flip=True, validation_split=0.1)
datagen_aum.fit(x_train)

model_mej = Sequential()
model_mej.add(Conv2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
model_mej.add(BatchNormalization())
model_mej.add(Activation('relu'))
model_mej.add(Conv2D(64, (3, 3), padding='same'))
model_mej.add(BatchNormalization())
model_mej.add(Activation('relu'))
model_mej.add(MaxPooling2D(pool_size=(2, 2)))
model_mej.add(Conv2D(128, (3, 3), padding='same'))
model_mej.add(BatchNormalization())
model_mej.add(Activation('relu'))
model_mej.add(MaxPooling2D(pool_size=(2, 2)))
model_mej.add(Flatten())
model_mej.add(Dense(256, activation='relu'))
model_mej.add(Dropout(0.5))
model_mej.add(Dense(25, activation='softmax'))
model_mej.summary()

compilarModelo(model_mej, Adam(lr=0.001))

hist = model_mej.fit(datagen_aum.flow(x_train, y_train, batch_size=64, subset='training'),
                     epochs=40,
                     validation_data=datagen_aum.flow(x_train, y_train, batch_size=64, subset='validation'))
mostrarEvolucion(hist)

predicciones = model_mej.predict_generator(datagen_test.flow(x_test, batch_size=32, shuffle=False),
                                           steps=len(x_test) / 32)
print("Accuracy en test de la red mejorada:", calcularAccuracy(y_test, predicciones))

input("\n--- Pulsar tecla para continuar ---\n")

#########################################################################
########## TRANSFERENCIA: RESNET50 COMO EXTRACTOR DE CARACTERÍSTICAS ####
#########################################################################

x_train, y_train, x_test, y_test = cargarDatos("imagenes")
x_train = preprocess_input(x_train)
x_test = preprocess_input(x_test)

# ResNet50 sin la parte densa: la salida es un bloque de 7x7x2048
resnet = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))

caract_train = resnet.predict(x_train, batch_size=32, verbose=1)
caract_test = resnet.predict(x_test, batch_size=32, verbose=1)

# Aplanamos las características para usarlas en una red totalmente conectada
caract_train = caract_train.reshape((caract_train.shape[0], 7 * 7 * 2048))
caract_test = caract_test.reshape((caract_test.shape[0], 7 * 7 * 2048))

clasificador = Sequential()
clasificador.add(Dense(256, activation='relu', input_shape=(7 * 7 * 2048,)))
clasificador.add(Dropout(0.5))
clasificador.add(Dense(200, activation='softmax'))
compilarModelo(clasificador, Adam(lr=0.0001))

hist = clasificador.fit(caract_train, y_train, batch_size=32, epochs=30, validation_split=0.1)
mostrarEvolucion(hist)

predicciones = clasificador.predict(caract_test)
print("Accuracy en test (transferencia):", calcularAccuracy(y_test, predicciones))

input("\n--- Pulsar tecla para continuar ---\n")

#########################################################################
##################### AJUSTE FINO DE RESNET50 ###########################
#########################################################################

base = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
x = GlobalAveragePooling2D()(base.output)
x = Dense(512, activation='relu')(x)
x = Dropout(0.5)(x)
salida = Dense(200, activation='softmax')(x)
modelo_fino = Model(inputs=base.input, outputs=salida)

# Entrenamos toda la red con una tasa de aprendizaje pequeña
for layer in modelo_fino.layers:
    layer.trainable = True

compilarModelo(modelo_fino, SGD(lr=0.0001, momentum=0.9))
hist = modelo_fino.fit(x_train, y_train, batch_size=16, epochs=10, validation_split=0.1)
mostrarEvolucion(hist)

predicciones = modelo_fino.predict(x_test)
print("Accuracy en test (ajuste fino):", calcularAccuracy(y_test, predicciones))
