# -*- coding: utf-8 -*-
#########################################################################
############ PRÁCTICA 3: PLANTILLA DEL PROFESOR #########################
#########################################################################
# Visión por Computador. Redes neuronales convolucionales con Keras.
# Complete las partes marcadas con «A completar». No cambie el nombre de
# las funciones auxiliares: las usan los apartados siguientes.

#########################################################################
################### CARGAR LAS LIBRERÍAS NECESARIAS #####################
#########################################################################

# Importar librerías necesarias
import numpy as np
import keras
import keras.utils as np_utils
import matplotlib.pyplot as plt

# Importar modelos y capas que se van a usar
# A completar

# Importar el optimizador a usar
from keras.optimizers import SGD

# Importar el conjunto de datos
from keras.datasets import cifar100

#########################################################################
######## FUNCIÓN PARA CARGAR Y MODIFICAR EL CONJUNTO DE DATOS ###########
#########################################################################

# A esta función solo se la llama una vez. Devuelve 4 vectores: las
# imágenes de entrenamiento, sus clases, las imágenes de test y sus clases.
def cargarImagenes():
    # Cargamos CIFAR100. Cada imagen tiene tamaño (32, 32, 3).
    # Nos vamos a quedar con las imágenes de 25 de las clases.
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
    # Transformamos los vectores de clases en matrices: cada componente es un
    # vector de ceros con un uno en la clase de la imagen (clasificación
    # multiclase en Keras).
    y_train = np_utils.to_categorical(y_train, 25)
    y_test = np_utils.to_categorical(y_test, 25)
    return x_train, y_train, x_test, y_test

#########################################################################
######## FUNCIÓN PARA OBTENER EL ACCURACY DEL CONJUNTO DE TEST ##########
#########################################################################

# Esta función devuelve el accuracy de un modelo, definido como el
# porcentaje de etiquetas bien predichas frente al total de etiquetas.
# Como parámetros es necesario pasarle el vector de etiquetas verdaderas
# y el vector de etiquetas predichas, en el formato de Keras (matrices
# donde cada etiqueta ocupa una fila, con un 1 en la posición de la clase
# a la que pertenece y un 0 en las demás).
def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1)
    preds = np.argmax(preds, axis=1)
    accuracy = sum(labels == preds) / len(labels)
    return accuracy

#########################################################################
## FUNCIÓN PARA PINTAR LA PÉRDIDA Y EL ACCURACY EN TRAIN Y VALIDACIÓN ###
#########################################################################

# Esta función pinta dos gráficas: una con la evolución de la función de
# pérdida en el conjunto de train y en el de validación, y otra con la
# evolución del accuracy en ambos. Recibe lo que devuelve fit.
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

# Dado un vector con los nombres de las imágenes y la carpeta donde están,
# las lee a 224x224 y devuelve también su clase (la carpeta de cada una).
def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(path + "/" + img, target_size=(224, 224)))
                         for img in vec_imagenes])
    return imagenes, clases

# Usando la función anterior, y dada la ruta de la carpeta con los datos,
# devuelve las imágenes de train y de test con sus clases, barajadas.
def cargarDatos(path):
    # Cargamos los ficheros
    train_images = np.loadtxt(path + "/train.txt", dtype=str)
    test_images = np.loadtxt(path + "/test.txt", dtype=str)
    # Leemos las imágenes con la función anterior
    train, train_clases = leerImagenes(train_images, path)
    test, test_clases = leerImagenes(test_images, path)
    # Pasamos las clases a números enteros y después a matrices
    clases_posibles = np.unique(np.copy(train_clases))
    for i in range(len(clases_posibles)):
        train_clases[train_clases == clases_posibles[i]] = i
        test_clases[test_clases == clases_posibles[i]] = i
    train_clases = np_utils.to_categorical(train_clases, 200)
    test_clases = np_utils.to_categorical(test_clases, 200)
    # Barajamos los datos
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

# A completar

#########################################################################
######### DEFINICIÓN DEL OPTIMIZADOR Y COMPILACIÓN DEL MODELO ###########
#########################################################################

# A completar

# Una vez tenemos el modelo base, y antes de entrenar, vamos a guardar los
# pesos aleatorios con los que empieza la red, para poder reestablecerlos
# después y que todas las ejecuciones empiecen con los mismos pesos:
# weights = model.get_weights()
# model.set_weights(weights)

#########################################################################
###################### ENTRENAMIENTO DEL MODELO #########################
#########################################################################

# A completar

#########################################################################
################ PREDICCIÓN SOBRE EL CONJUNTO DE TEST ###################
#########################################################################

# A completar
