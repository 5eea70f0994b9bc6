# -*- coding: utf-8 -*-
"""
VISIÓN POR COMPUTADOR - PRÁCTICA 3
Redes Neuronales Convolucionales

Autora: Carmen Díaz Soto
Curso 2021/2022

Ejecutado en Google Colab (TensorFlow 2.x, GPU). Para el ejercicio 3 la
carpeta con train.txt, test.txt e imagenes/ tiene que estar en
/content/drive/MyDrive/imagenes
"""

import os

import numpy as np
import matplotlib.pyplot as plt
import cv2

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.models import Sequential, Model
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization, Activation
from tensorflow.keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from tensorflow.keras.utils import to_categorical
from tensorflow.keras.optimizers import SGD, Adam
from tensorflow.keras.callbacks import EarlyStopping
from tensorflow.keras.applications.resnet50 import ResNet50, preprocess_input
from tensorflow.keras.datasets import cifar100

from sklearn import preprocessing
from sklearn.model_selection import train_test_split

# Semillas para que los resultados sean reproducibles
np.random.seed(1)
tf.random.set_seed(1)

# Parámetros generales
NUM_CLASES = 25
NUM_CLASES_PAJAROS = 200
BATCH = 32
EPOCAS_BASE = 30
EPOCAS_MEJORADA = 50
RUTA_PAJAROS = '/content/drive/MyDrive/imagenes'


###############################################################################
#                     FUNCIONES PROPORCIONADAS (adaptadas)                    #
###############################################################################

# Carga las 25 primeras clases de CIFAR100. He cambiado np_utils por
# to_categorical porque en tf.keras no existe np_utils.
def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255

    train_idx = np.isin(y_train, np.arange(NUM_CLASES))
    train_idx = np.reshape(train_idx, -1)
    x_train = x_train[train_idx]
    y_train = y_train[train_idx]

    test_idx = np.isin(y_test, np.arange(NUM_CLASES))
    test_idx = np.reshape(test_idx, -1)
    x_test = x_test[test_idx]
    y_test = y_test[test_idx]

    y_train = to_categorical(y_train, NUM_CLASES)
    y_test = to_categorical(y_test, NUM_CLASES)

    return x_train, y_train, x_test, y_test


# Accuracy a partir de las etiquetas one-hot y las probabilidades predichas
def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)

    accuracy = sum(labels == preds) / len(labels)

    return accuracy


# Gráficas de pérdida y accuracy (en TF2 la clave es 'accuracy', no 'acc')
def mostrarEvolucion(hist, titulo=''):
    loss = hist.history['loss']
    val_loss = hist.history['val_loss']
    plt.plot(loss)
    plt.plot(val_loss)
    plt.legend(['Training loss', 'Validation loss'])
    plt.title(titulo + ' - pérdida')
    plt.xlabel('Época')
    plt.show()

    acc = hist.history['accuracy']
    val_acc = hist.history['val_accuracy']
    plt.plot(acc)
    plt.plot(val_acc)
    plt.legend(['Training accuracy', 'Validation accuracy'])
    plt.title(titulo + ' - accuracy')
    plt.xlabel('Época')
    plt.show()


# Función del profesor para leer las imágenes de los pájaros con load_img.
# (No la uso al final: ver leer() y cargarDatos() más abajo.)
def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(path + "/" + img, target_size=(224, 224)))
                         for img in vec_imagenes])
    return imagenes, clases


# Lee una imagen con OpenCV, la pasa a RGB y la redimensiona a 224x224.
# Con load_img tardaba muchísimo en Colab, con cv2 va bastante más rápido.
def leer(ruta):
    img = cv2.imread(ruta)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (224, 224), interpolation=cv2.INTER_LINEAR)
    return img.astype('float32')


# Versión modificada de cargarDatos del profesor que usa leer()
def cargarDatos(path):
    os.chdir(path)
    train_images = np.loadtxt('train.txt', dtype=str)
    test_images = np.loadtxt('test.txt', dtype=str)

    train = np.array([leer('imagenes/' + img) for img in train_images])
    test = np.array([leer('imagenes/' + img) for img in test_images])
    train_clases = np.array([img.split('/')[0] for img in train_images])
    test_clases = np.array([img.split('/')[0] for img in test_images])

    le = preprocessing.LabelEncoder()
    le.fit(train_clases)
    train_clases = to_categorical(le.transform(train_clases), NUM_CLASES_PAJAROS)
    test_clases = to_categorical(le.transform(test_clases), NUM_CLASES_PAJAROS)

    return train, train_clases, test, test_clases


###############################################################################
#                              MODELOS                                        #
###############################################################################

# Ejercicio 1: BaseNet. Las activaciones van en capas separadas para que se
# vea igual que en la tabla del enunciado.
def red_base(num_clases=25):
    modelo = Sequential(name='BaseNet')
    modelo.add(Conv2D(6, kernel_size=(5, 5), input_shape=(32, 32, 3)))
    modelo.add(Activation('relu'))
    modelo.add(MaxPooling2D(pool_size=(2, 2)))
    modelo.add(Conv2D(16, kernel_size=(5, 5)))
    modelo.add(Activation('relu'))
    modelo.add(MaxPooling2D(pool_size=(2, 2)))
    modelo.add(Flatten())
    modelo.add(Dense(50))
    modelo.add(Activation('relu'))
    modelo.add(Dense(25))
    modelo.add(Activation('softmax'))
    return modelo


# Ejercicio 2: BaseNet mejorada. Tres bloques de dos convoluciones 3x3 con
# padding 'same', BatchNormalization antes de la ReLU, MaxPooling y Dropout
# creciente; al final una capa densa de 256 con Dropout 0.5.
def red_mejorada():
    modelo = Sequential(name='BaseNetMejorada')

    modelo.add(Conv2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(Conv2D(32, (3, 3), padding='same'))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(MaxPooling2D(pool_size=(2, 2)))
    modelo.add(Dropout(0.2))

    modelo.add(Conv2D(64, (3, 3), padding='same'))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(Conv2D(64, (3, 3), padding='same'))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(MaxPooling2D(pool_size=(2, 2)))
    modelo.add(Dropout(0.3))

    modelo.add(Conv2D(128, (3, 3), padding='same'))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(Conv2D(128, (3, 3), padding='same'))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(MaxPooling2D(pool_size=(2, 2)))
    modelo.add(Dropout(0.4))

    modelo.add(Flatten())
    modelo.add(Dense(256))
    modelo.add(BatchNormalization())
    modelo.add(Activation('relu'))
    modelo.add(Dropout(0.5))
    modelo.add(Dense(NUM_CLASES))
    modelo.add(Activation('softmax'))
    return modelo


# Separa un 10% de los datos para validación (estratificado), ajusta el
# generador SOLO con la parte de entrenamiento y normaliza la validación con
# esos mismos valores. Devuelve el iterador de entrenamiento, la tupla de
# validación y el número de pasos por época.
def iteradores(datagen, x, y):
    x_tr, x_val, y_tr, y_val = train_test_split(x, y, test_size=0.1,
                                                stratify=np.argmax(y, axis=1),
                                                random_state=1)
    datagen.fit(x_tr)
    x_val = datagen.standardize(x_val)

    it_train = datagen.flow(x_tr, y_tr, batch_size=BATCH)
    pasos = len(x_tr) // BATCH

    return it_train, (x_val, y_val), pasos


# Ejercicio 3a: pasa las imágenes (ya preprocesadas) por ResNet50 sin la
# última capa y devuelve el vector de 2048 características de cada una.
def extractor_caracteristicas(base, x):
    return base.predict(x, batch_size=BATCH, verbose=1)


# Cabeza que se entrena sobre las características extraídas
def cabeza_pajaros(dim):
    modelo = Sequential(name='CabezaPajaros')
    modelo.add(Dense(512, activation='relu', input_shape=(dim,)))
    modelo.add(Dropout(0.5))
    modelo.add(Dense(NUM_CLASES_PAJAROS, activation='softmax'))
    return modelo


# Ejercicio 3b: ajuste fino. Se congelan las capas de ResNet50 hasta la 143
# y se entrenan las demás (último bloque conv5) junto con la cabeza nueva.
def ajuste_fino(base):
    for capa in base.layers[:143]:
        capa.trainable = False
    for capa in base.layers[143:]:
        capa.trainable = True

    x = base.output
    x = Dense(1024, activation='relu')(x)
    x = Dropout(0.5)(x)
    salida = Dense(NUM_CLASES_PAJAROS, activation='softmax')(x)

    return Model(inputs=base.input, outputs=salida, name='ResNet50AjusteFino')


###############################################################################
#                               PROGRAMA PRINCIPAL                            #
###############################################################################

def main():

    #------------------------------------------------------------------ EJ 1
    print('\n===== EJERCICIO 1: BaseNet =====\n')

    x_train, y_train, x_test, y_test = cargarImagenes()

    modelo = red_base()
    modelo.summary()
    modelo.compile(loss=keras.losses.categorical_crossentropy,
                   optimizer=SGD(learning_rate=0.01, momentum=0.9),
                   metrics=['accuracy'])

    # Sin normalización ni aumento de datos (solo para tener la línea base)
    datagen = ImageDataGenerator()
    it_train, validacion, pasos = iteradores(datagen, x_train, y_train)

    hist = modelo.fit(it_train,
                      steps_per_epoch=pasos,
                      epochs=EPOCAS_BASE,
                      validation_data=validacion)
    mostrarEvolucion(hist, 'BaseNet')

    preds = modelo.predict(x_test)
    print('Accuracy en test (BaseNet): {:.4f}'.format(calcularAccuracy(y_test, preds)))

    #------------------------------------------------------------------ EJ 2
    print('\n===== EJERCICIO 2: BaseNet mejorada =====\n')

    datagen = ImageDataGenerator(featurewise_center=True,
                                 featurewise_std_normalization=True,
                                 horizontal_flip=True,
                                 zoom_range=0.2,
                                 width_shift_range=0.1,
                                 height_shift_range=0.1)
    it_train, validacion, pasos = iteradores(datagen, x_train, y_train)

    modelo = red_mejorada()
    modelo.summary()
    modelo.compile(loss=keras.losses.categorical_crossentropy,
                   optimizer=Adam(learning_rate=0.001),
                   metrics=['accuracy'])

    parada = EarlyStopping(monitor='val_loss', patience=8, restore_best_weights=True)

    hist = modelo.fit(it_train,
                      steps_per_epoch=pasos,
                      epochs=EPOCAS_MEJORADA,
                      validation_data=validacion,
                      callbacks=[parada])
    mostrarEvolucion(hist, 'BaseNet mejorada')

    # El test se normaliza con la media y desviación de entrenamiento
    x_test_norm = datagen.standardize(np.copy(x_test))
    preds = modelo.predict(x_test_norm)
    print('Accuracy en test (mejorada): {:.4f}'.format(calcularAccuracy(y_test, preds)))

    #------------------------------------------------------------------ EJ 3
    print('\n===== EJERCICIO 3: ResNet50 en Caltech-UCSD Birds =====\n')

    x_train, y_train, x_test, y_test = cargarDatos(RUTA_PAJAROS)
    print('Train:', x_train.shape, ' Test:', x_test.shape)

    x_train = preprocess_input(x_train)
    x_test = preprocess_input(x_test)

    base = ResNet50(weights='imagenet', include_top=False, pooling='avg',
                    input_shape=(224, 224, 3))

    # 3a) Extractor de características
    print('\n--- 3a) ResNet50 como extractor de características ---\n')

    car_train = extractor_caracteristicas(base, x_train)
    car_test = extractor_caracteristicas(base, x_test)

    cabeza = cabeza_pajaros(car_train.shape[1])
    cabeza.summary()
    cabeza.compile(loss=keras.losses.categorical_crossentropy,
                   optimizer=Adam(learning_rate=0.001),
                   metrics=['accuracy'])

    hist = cabeza.fit(car_train, y_train,
                      batch_size=BATCH,
                      epochs=25,
                      validation_split=0.1)
    mostrarEvolucion(hist, 'ResNet50 extractor')

    preds = cabeza.predict(car_test)
    print('Accuracy en test (extractor): {:.4f}'.format(calcularAccuracy(y_test, preds)))

    # 3b) Ajuste fino
    print('\n--- 3b) Ajuste fino de ResNet50 ---\n')

    modelo_fino = ajuste_fino(base)
    modelo_fino.compile(loss=keras.losses.categorical_crossentropy,
                        optimizer=SGD(learning_rate=1e-4, momentum=0.9),
                        metrics=['accuracy'])

    hist = modelo_fino.fit(x_train, y_train,
                           batch_size=16,
                           epochs=12,
                           validation_split=0.1)
    mostrarEvolucion(hist, 'ResNet50 ajuste fino')

    perdida, precision = modelo_fino.evaluate(x_test, y_test, verbose=0)
    print('Test loss (ajuste fino): {:.4f}'.format(perdida))
    print('Test accuracy (ajuste fino): {:.4f}'.format(precision))


if __name__ == "__main__":
    main()
