"""Entregas de prueba de la práctica 3 escritas como las escriben los estudiantes (Keras 2, nivel superior).

`CIFAR` es una entrega de los §2 y §3 (BaseNet, red mejorada con normalización y aumento) que vale 7 de
los 10 puntos (no hace la parte de los pájaros). Los `ERRORES` son los fallos típicos, cada uno un cambio
de una línea, con la nota exacta que deben sacar.
"""

AYUDANTES = """
def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32'); x_test = x_test.astype('float32')
    x_train /= 255; x_test /= 255
    train_idx = np.reshape(np.isin(y_train, np.arange(25)), -1)
    test_idx = np.reshape(np.isin(y_test, np.arange(25)), -1)
    x_train = x_train[train_idx]; y_train = y_train[train_idx]
    x_test = x_test[test_idx]; y_test = y_test[test_idx]
    y_train = np_utils.to_categorical(y_train, 25); y_test = np_utils.to_categorical(y_test, 25)
    return x_train, y_train, x_test, y_test

def calcularAccuracy(labels, preds):
    labels = np.argmax(labels, axis=1); preds = np.argmax(preds, axis=1)
    return sum(labels == preds) / len(labels)

def mostrarEvolucion(hist):
    plt.plot(hist.history['loss']); plt.plot(hist.history['val_loss']); plt.show()
    plt.plot(hist.history['acc']); plt.plot(hist.history['val_acc']); plt.show()
"""

CIFAR = (
    """# -*- coding: utf-8 -*-
# Práctica 3 (VC): BaseNet y red mejorada sobre CIFAR-100
import numpy as np
import matplotlib.pyplot as plt
import keras
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.preprocessing.image import ImageDataGenerator
from keras.utils import np_utils
from keras.optimizers import SGD
from keras.datasets import cifar100
from sklearn.model_selection import train_test_split
"""
    + AYUDANTES
    + """
x_train, y_train, x_test, y_test = cargarImagenes()
x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, test_size=0.1, stratify=y_train)

model = Sequential()
model.add(Conv2D(6, kernel_size=(5, 5), activation='relu', input_shape=(32, 32, 3)))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(16, kernel_size=(5, 5), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(50, activation='relu'))
model.add(Dense(25, activation='softmax'))
model.compile(loss=keras.losses.categorical_crossentropy, optimizer=SGD(lr=0.01, decay=1e-6), metrics=['accuracy'])
hist = model.fit(x_train, y_train, batch_size=32, epochs=12, validation_data=(x_val, y_val))
mostrarEvolucion(hist)
print("BaseNet:", calcularAccuracy(y_test, model.predict(x_test)))

model2 = Sequential()
model2.add(Conv2D(32, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)))
model2.add(BatchNormalization())
model2.add(Conv2D(32, (3, 3), padding='same', activation='relu'))
model2.add(BatchNormalization())
model2.add(MaxPooling2D(pool_size=(2, 2)))
model2.add(Conv2D(64, (3, 3), padding='same', activation='relu'))
model2.add(BatchNormalization())
model2.add(MaxPooling2D(pool_size=(2, 2)))
model2.add(Flatten())
model2.add(Dense(128, activation='relu'))
model2.add(Dropout(0.5))
model2.add(Dense(25, activation='softmax'))
datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, horizontal_flip=True)
datagen.fit(x_train)
x_val = datagen.standardize(x_val)
x_test = datagen.standardize(x_test)
model2.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.01), metrics=['accuracy'])
hist = model2.fit_generator(datagen.flow(x_train, y_train, batch_size=32), steps_per_epoch=len(x_train) / 32,
                            epochs=20, validation_data=(x_val, y_val))
print("Mejorada:", calcularAccuracy(y_test, model2.predict(x_test)))
"""
)

NOTA_CIFAR = {
    "basenet": 3,
    "mejorada": 2,
    "normaliza_test": 1,
    "validacion": 0.5,
    "compilacion": 0.5,
    "transferencia": 0,
    "ajuste_fino": 0,
}

# nombre: (línea original, línea con el error, notas que cambian)
ERRORES = {
    "sin_activacion": (
        "Conv2D(16, kernel_size=(5, 5), activation='relu')",
        "Conv2D(16, kernel_size=(5, 5))",
        {"basenet": 2.57},
    ),  # 6 de 7 capas: la convolución sin ReLU no arrastra a las demás
    "filtros": (
        "Conv2D(16, kernel_size=(5, 5), activation='relu')",
        "Conv2D(32, kernel_size=(5, 5), activation='relu')",
        {"basenet": 2.57},
    ),
    "test_propio": (
        "x_test = datagen.standardize(x_test)",
        "x_test = (x_test - x_test.mean()) / x_test.std()",
        {"normaliza_test": 0},
    ),
}

# Transferencia con la errata `traineable`: nada se congela (0 en transferencia), pero la red entera
# entrenable con su cabeza de 200 clases es un ajuste fino (1,5) y está bien compilada (0,5).
TRAINEABLE = """import numpy as np
from keras.models import Model
from keras.layers import Dense
from keras.applications.resnet50 import ResNet50, preprocess_input
from keras.optimizers import Adam

def cargarDatos(path):
    raise RuntimeError("sin datos aquí: la calificación sustituye este ayudante")

x_train, y_train, x_test, y_test = cargarDatos('/content/imagenes')
base = ResNet50(include_top=False, weights='imagenet', pooling='avg', input_shape=(224, 224, 3))
for layer in base.layers:
    layer.traineable = False
salida = Dense(200, activation='softmax')(base.output)
model = Model(inputs=base.input, outputs=salida)
model.compile(optimizer=Adam(lr=0.001), loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(preprocess_input(x_train), y_train, batch_size=32, epochs=15, validation_split=0.1)
"""
NOTA_TRAINEABLE = {
    "basenet": 0,
    "mejorada": 0,
    "normaliza_test": 0,
    "validacion": 0,
    "compilacion": 0.5,
    "transferencia": 0,
    "ajuste_fino": 1.5,
}


def con_error(nombre):
    original, cambiada, _ = ERRORES[nombre]
    assert original in CIFAR
    return CIFAR.replace(original, cambiada)


def nota_con_error(nombre):
    return {**NOTA_CIFAR, **ERRORES[nombre][2]}
