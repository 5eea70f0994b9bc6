# -*- coding: utf-8 -*-
#########################################################################
############ PRÁCTICA 3: REDES NEURONALES CONVOLUCIONALES ###############
#########################################################################
# Visión por Computador 2019/2020
# Alumno: Andrés Molina Cuesta
# Probado con Keras 2.2.4 (backend TensorFlow 1.14) en el ordenador del aula.
# Para el ejercicio 3 la carpeta "imagenes" (train.txt, test.txt y las
# carpetas de las especies) tiene que estar junto a este fichero.

#########################################################################
################### CARGAR LAS LIBRERÍAS NECESARIAS #####################
#########################################################################

import random
import numpy as np
import keras
import keras.utils as np_utils
import matplotlib.pyplot as plt
from keras import backend as K

# Importar modelos y capas que se van a usar
from keras.models import Sequential, Model
from keras.layers import Convolution2D, MaxPooling2D, Dense, Flatten, Dropout, Activation
from keras.layers.normalization import BatchNormalization

# Importar el optimizador a usar
from keras.optimizers import SGD

# Importar el conjunto de datos y utilidades de imágenes
from keras.datasets import cifar100
from keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from keras.callbacks import EarlyStopping, ReduceLROnPlateau, ModelCheckpoint
from keras.applications.resnet50 import ResNet50, preprocess_input

# Semillas para que los resultados sean reproducibles
np.random.seed(1)
random.seed(1)

print("Formato de las imágenes:", K.image_data_format())

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

def basenet():
    model = Sequential()
    model.add(Convolution2D(6, kernel_size=(5, 5), activation='relu', input_shape=(32, 32, 3)))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Convolution2D(16, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(50, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    return model

#########################################################################
######### DEFINICIÓN DEL OPTIMIZADOR Y COMPILACIÓN DEL MODELO ###########
#########################################################################

def compilar(model, lr=0.01):
    opt = SGD(lr=lr, decay=1e-6, momentum=0.9, nesterov=True)
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=opt, metrics=['accuracy'])

#########################################################################
###################### EJERCICIO 1: BASENET #############################
#########################################################################

BATCH = 32

def ejercicio1():
    print("\n##### EJERCICIO 1: BaseNet sobre 25 clases de CIFAR100 #####\n")
    x_train, y_train, x_test, y_test = cargarImagenes()

    model = basenet()
    model.summary()
    compilar(model)
    # Guardamos los pesos iniciales (como dice la plantilla) para poder repetir el experimento
    model.save_weights('basenet_inicial.h5')

    # Normalización: media 0 y desviación 1 con las estadísticas de train.
    # El 10% de train se reserva para validación.
    datagen = ImageDataGenerator(featurewise_center=True,
                                 featurewise_std_normalization=True,
                                 validation_split=0.1)
    datagen.fit(x_train)

    it_train = datagen.flow(x_train, y_train, batch_size=BATCH, subset='training')
    it_val = datagen.flow(x_train, y_train, batch_size=BATCH, subset='validation')

    hist = model.fit_generator(it_train,
                               steps_per_epoch=len(x_train) * 0.9 / BATCH,
                               epochs=30,
                               validation_data=it_val,
                               validation_steps=len(x_train) * 0.1 / BATCH)
    mostrarEvolucion(hist)

    # El test se normaliza con la media y la desviación de train
    x_test = datagen.standardize(x_test)
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    preds = model.predict(x_test)
    print("Accuracy (calcularAccuracy):", calcularAccuracy(y_test, preds))

#########################################################################
################## EJERCICIO 2: MEJORA DE BASENET #######################
#########################################################################

def basenet_mejorada():
    model = Sequential()
    model.add(Convolution2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(Convolution2D(32, (3, 3), padding='same'))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.2))
    model.add(Convolution2D(64, (3, 3), padding='same'))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(Convolution2D(64, (3, 3), padding='same'))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.3))
    model.add(Flatten())
    model.add(Dense(256))
    model.add(BatchNormalization())
    model.add(Activation('relu'))
    model.add(Dropout(0.5))
    model.add(Dense(25, activation='softmax'))
    return model

def ejercicio2():
    print("\n##### EJERCICIO 2: BaseNet mejorada #####\n")
    x_train, y_train, x_test, y_test = cargarImagenes()

    # Normalización + aumento de datos (solo en entrenamiento)
    datagen = ImageDataGenerator(featurewise_center=True,
                                 featurewise_std_normalization=True,
                                 width_shift_range=0.1,
                                 height_shift_range=0.1,
                                 horizontal_flip=True,
                                 zoom_range=0.1,
                                 validation_split=0.1)
    datagen.fit(x_train)
    # Para el test, otro generador con la misma normalización y sin aumento
    datagen_test = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    datagen_test.fit(x_train)

    model = basenet_mejorada()
    model.summary()
    compilar(model, lr=0.01)

    callbacks = [EarlyStopping(monitor='val_acc', patience=10),
                 ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=4, min_lr=1e-5),
                 ModelCheckpoint('mejorada.h5', monitor='val_acc', save_best_only=True,
                                 save_weights_only=True, verbose=1)]

    hist = model.fit_generator(datagen.flow(x_train, y_train, batch_size=64, subset='training'),
                               steps_per_epoch=len(x_train) * 0.9 / 64,
                               epochs=50,
                               validation_data=datagen.flow(x_train, y_train, batch_size=64, subset='validation'),
                               validation_steps=len(x_train) * 0.1 / 64,
                               callbacks=callbacks)
    mostrarEvolucion(hist)

    # Nos quedamos con los mejores pesos en validación
    model.load_weights('mejorada.h5')
    score = model.evaluate_generator(datagen_test.flow(x_test, y_test, batch_size=64, shuffle=False),
                                     steps=len(x_test) / 64)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])

#########################################################################
######### EJERCICIO 3.1: RESNET50 COMO EXTRACTOR DE CARACTERÍSTICAS #####
#########################################################################

def ejercicio3():
    print("\n##### EJERCICIO 3.1: ResNet50 como extractor de características #####\n")
    x_train, y_train, x_test, y_test = cargarDatos("imagenes")

    resnet = ResNet50(weights='imagenet', include_top=False, pooling='avg', input_shape=(224, 224, 3))

    # preprocess_input sobre todo el conjunto de golpe me dejaba sin memoria (el array
    # se duplica), así que aplico el preprocesado por lotes con un generador
    datagen = ImageDataGenerator(preprocessing_function=preprocess_input)
    caract_train = resnet.predict_generator(datagen.flow(x_train, batch_size=32, shuffle=False),
                                            steps=int(np.ceil(len(x_train) / 32)), verbose=1)
    caract_test = resnet.predict_generator(datagen.flow(x_test, batch_size=32, shuffle=False),
                                           steps=int(np.ceil(len(x_test) / 32)), verbose=1)
    print("Características:", caract_train.shape, caract_test.shape)

    # Red pequeña entrenada sobre las 2048 características de ResNet50
    model = Sequential()
    model.add(Dense(1024, activation='relu', input_shape=(2048,)))
    model.add(Dropout(0.5))
    model.add(Dense(200, activation='softmax'))
    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.01, momentum=0.9), metrics=['accuracy'])

    hist = model.fit(caract_train, y_train, batch_size=64, epochs=40, validation_split=0.1)
    mostrarEvolucion(hist)

    score = model.evaluate(caract_test, y_test, verbose=0)
    print("Test loss:", score[0], "Test accuracy:", score[1])
    print("Accuracy (calcularAccuracy):", calcularAccuracy(y_test, model.predict(caract_test)))

#########################################################################
################ EJERCICIO 3.2: AJUSTE FINO DE RESNET50 #################
#########################################################################

def ejercicio4():
    print("\n##### EJERCICIO 3.2: Ajuste fino de ResNet50 #####\n")
    x_train, y_train, x_test, y_test = cargarDatos("imagenes")
    x_train = preprocess_input(x_train)
    x_test = preprocess_input(x_test)

    base = ResNet50(weights='imagenet', include_top=False, pooling='avg', input_shape=(224, 224, 3))
    # Congelamos todo salvo las 10 últimas capas (último bloque convolucional)
    for layer in base.layers[:-10]:
        layer.trainable = False

    x = base.output
    x = Dense(1024, activation='relu')(x)
    x = Dropout(0.5)(x)
    salida = Dense(200, activation='softmax')(x)
    model = Model(inputs=base.input, outputs=salida)

    model.compile(loss='categorical_crossentropy',
                  optimizer=SGD(lr=0.001, momentum=0.9),
                  metrics=['accuracy'])

    hist = model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1)
    mostrarEvolucion(hist)

    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0], "Test accuracy:", score[1])

#########################################################################
################################ MAIN ###################################
#########################################################################

def main():
    ejercicio1()
    input("\n--- Pulsar tecla para continuar ---\n")
    ejercicio2()
    input("\n--- Pulsar tecla para continuar ---\n")
    ejercicio3()
    input("\n--- Pulsar tecla para continuar ---\n")
    ejercicio4()

if __name__ == "__main__":
    main()
