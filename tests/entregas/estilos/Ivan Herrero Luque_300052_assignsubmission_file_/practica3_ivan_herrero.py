# -*- coding: utf-8 -*-
"""
Visión por Computador - Práctica 3: Redes neuronales convolucionales
Iván Herrero Luque

Probado en el ordenador de casa con Keras 2.2.4 (backend TensorFlow 1.13) y CUDA.
Las imágenes de los pájaros tienen que estar descomprimidas en RUTA_PAJAROS.
"""

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

import keras
from keras.models import Sequential, Model
from keras.layers import Dense, Dropout, Flatten, Conv2D, MaxPooling2D, BatchNormalization, GlobalAveragePooling2D
from keras.optimizers import SGD
from keras.utils import np_utils
from keras.datasets import cifar100
from keras.preprocessing.image import ImageDataGenerator, load_img, img_to_array
from keras.applications.resnet50 import ResNet50, preprocess_input

RUTA_PAJAROS = '/home/ivan/Documentos/VC/P3/imagenes/'
BATCH_SIZE = 32


###############################################################################
# Funciones auxiliares (de la plantilla)

def cargarImagenes():
    # Cargamos CIFAR100 y me quedo con las imágenes de las 25 primeras clases.
    # Lo hago recorriendo las etiquetas porque np.isin no estaba en mi versión de numpy
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')

    xs, ys = [], []
    for i in range(len(y_train)):
        if y_train[i][0] < 25:
            xs.append(x_train[i])
            ys.append(y_train[i][0])
    x_train, y_train = np.array(xs), np.array(ys)

    xs, ys = [], []
    for i in range(len(y_test)):
        if y_test[i][0] < 25:
            xs.append(x_test[i])
            ys.append(y_test[i][0])
    x_test, y_test = np.array(xs), np.array(ys)

    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255

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


###############################################################################
# Apartado 1: BaseNet

def basenet():
    model = Sequential()
    model.add(Conv2D(6, kernel_size=(5, 5), activation='relu', input_shape=(32, 32, 3)))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Conv2D(16, kernel_size=(5, 5), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Flatten())
    model.add(Dense(50, activation='relu'))
    model.add(Dense(25, activation='softmax'))
    return model


def apartado1(x_train, y_train, x_test, y_test):
    model = basenet()
    model.summary()
    opt = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=opt, metrics=['accuracy'])

    hist = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=30, verbose=1, validation_split=0.1)
    mostrarEvolucion(hist)

    preds = model.predict(x_test)
    print("Accuracy en test de BaseNet:", calcularAccuracy(y_test, preds))
    input("Pulsa una tecla para continuar...")


###############################################################################
# Apartado 2: mejora de BaseNet

def basenet_mejorada():
    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation='relu', padding='same', input_shape=(32, 32, 3)))
    model.add(BatchNormalization())
    model.add(Conv2D(32, (3, 3), activation='relu', padding='same'))
    model.add(BatchNormalization())
    model.add(MaxPooling2D((2, 2)))
    model.add(Dropout(0.2))
    model.add(Conv2D(64, (3, 3), activation='relu', padding='same'))
    model.add(BatchNormalization())
    model.add(Conv2D(64, (3, 3), activation='relu', padding='same'))
    model.add(BatchNormalization())
    model.add(MaxPooling2D((2, 2)))
    model.add(Dropout(0.3))
    model.add(Flatten())
    model.add(Dense(128, activation='relu'))
    model.add(BatchNormalization())
    model.add(Dropout(0.4))
    model.add(Dense(25, activation='softmax'))
    return model


def apartado2(x_train, y_train, x_test, y_test):
    # Aumento de datos: giros horizontales, desplazamientos y zoom.
    # (He probado también featurewise_center pero no mejoraba, así que lo he quitado)
    datagen = ImageDataGenerator(horizontal_flip=True, width_shift_range=0.1,
                                 height_shift_range=0.1, zoom_range=0.15,
                                 validation_split=0.1)
    train_gen = datagen.flow(x_train, y_train, batch_size=BATCH_SIZE, subset='training')
    val_gen = datagen.flow(x_train, y_train, batch_size=BATCH_SIZE, subset='validation')

    model = basenet_mejorada()
    model.summary()
    opt = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=opt, metrics=['accuracy'])

    hist = model.fit_generator(train_gen, steps_per_epoch=len(train_gen), epochs=50,
                               validation_data=val_gen, validation_steps=len(val_gen))
    mostrarEvolucion(hist)

    preds = model.predict(x_test)
    print("Accuracy en test de BaseNet mejorada:", calcularAccuracy(y_test, preds))
    input("Pulsa una tecla para continuar...")


###############################################################################
# Apartado 3: ResNet50 con los pájaros de Caltech-UCSD

def leerDataFrame(fichero):
    # Un DataFrame con la ruta de cada imagen (tal cual viene en train.txt/test.txt)
    # y su clase, que es la carpeta en la que está la imagen
    df = pd.read_csv(RUTA_PAJAROS + fichero, header=None, names=['ruta'])
    df['clase'] = df['ruta'].apply(lambda r: r.split('/')[0])
    return df


def generadores_pajaros():
    df_train = leerDataFrame('train.txt')
    df_test = leerDataFrame('test.txt')
    print(df_train.head())
    print("Imágenes de train:", len(df_train), "- de test:", len(df_test))

    datagen = ImageDataGenerator(preprocessing_function=preprocess_input, validation_split=0.1)
    datagen_test = ImageDataGenerator(preprocessing_function=preprocess_input)

    train_gen = datagen.flow_from_dataframe(df_train, directory=RUTA_PAJAROS, x_col='ruta', y_col='clase',
                                            target_size=(224, 224), class_mode='categorical',
                                            batch_size=BATCH_SIZE, subset='training')
    val_gen = datagen.flow_from_dataframe(df_train, directory=RUTA_PAJAROS, x_col='ruta', y_col='clase',
                                          target_size=(224, 224), class_mode='categorical',
                                          batch_size=BATCH_SIZE, subset='validation')
    test_gen = datagen_test.flow_from_dataframe(df_test, directory=RUTA_PAJAROS, x_col='ruta', y_col='clase',
                                                target_size=(224, 224), class_mode='categorical',
                                                batch_size=BATCH_SIZE, shuffle=False)
    return train_gen, val_gen, test_gen


def apartado3_1(train_gen, val_gen, test_gen):
    # ResNet50 como extractor: congelo todas sus capas y entreno solo la cabeza nueva
    base = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
    for layer in base.layers:
        layer.trainable = False

    x = GlobalAveragePooling2D()(base.output)
    x = Dense(512, activation='relu')(x)
    x = Dropout(0.5)(x)
    salida = Dense(200, activation='softmax')(x)
    model = Model(inputs=base.input, outputs=salida)

    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.001, momentum=0.9), metrics=['accuracy'])
    hist = model.fit_generator(train_gen, steps_per_epoch=train_gen.samples // BATCH_SIZE, epochs=20,
                               validation_data=val_gen, validation_steps=val_gen.samples // BATCH_SIZE)
    mostrarEvolucion(hist)

    score = model.evaluate_generator(test_gen, steps=len(test_gen))
    print("Test loss:", score[0], "- Test accuracy:", score[1])
    input("Pulsa una tecla para continuar...")


def apartado3_2(train_gen, val_gen, test_gen):
    # Ajuste fino: congelo hasta el bloque 5 y dejo entrenar el bloque 5 entero (res5a, res5b, res5c)
    base = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
    entrenable = False
    for layer in base.layers:
        if layer.name == 'res5a_branch2a':
            entrenable = True
        layer.trainable = entrenable

    x = GlobalAveragePooling2D()(base.output)
    x = Dense(512, activation='relu')(x)
    x = Dropout(0.5)(x)
    salida = Dense(200, activation='softmax')(x)
    model = Model(inputs=base.input, outputs=salida)

    # learning rate pequeño para no romper los pesos de ImageNet
    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.0001, momentum=0.9), metrics=['accuracy'])
    hist = model.fit_generator(train_gen, steps_per_epoch=train_gen.samples // BATCH_SIZE, epochs=20,
                               validation_data=val_gen, validation_steps=val_gen.samples // BATCH_SIZE)
    mostrarEvolucion(hist)

    score = model.evaluate_generator(test_gen, steps=len(test_gen))
    print("Test loss:", score[0], "- Test accuracy:", score[1])

    # Pruebo con una imagen suelta del test
    linea = test_gen.filenames[0]
    img = load_img(RUTA_PAJAROS + linea, target_size=(224, 224))
    img = np.expand_dims(img_to_array(img), axis=0)
    pred = model.predict(preprocess_input(img))
    clases = {v: k for k, v in train_gen.class_indices.items()}
    print("Imagen:", linea, "- predicción:", clases[int(np.argmax(pred))])


###############################################################################

def main():
    x_train, y_train, x_test, y_test = cargarImagenes()
    print(x_train.shape, y_train.shape, x_test.shape, y_test.shape)

    print("\n---------- Apartado 1: BaseNet ----------")
    apartado1(x_train, y_train, x_test, y_test)

    print("\n---------- Apartado 2: BaseNet mejorada ----------")
    apartado2(x_train, y_train, x_test, y_test)

    print("\n---------- Apartado 3: ResNet50 ----------")
    train_gen, val_gen, test_gen = generadores_pajaros()
    apartado3_1(train_gen, val_gen, test_gen)
    apartado3_2(train_gen, val_gen, test_gen)


if __name__ == '__main__':
    main()
