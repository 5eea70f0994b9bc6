# Práctica 3. Alba Torres Vidal
# Uso la API funcional de Keras en todos los modelos.

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

NUM_CLASES = 25
EPOCAS = 20


def cargarImagenes():
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data(label_mode='fine')
    x_train = x_train.astype('float32') / 255
    x_test = x_test.astype('float32') / 255
    train_idx = np.reshape(np.isin(y_train, np.arange(25)), -1)
    test_idx = np.reshape(np.isin(y_test, np.arange(25)), -1)
    x_train, y_train = x_train[train_idx], y_train[train_idx]
    x_test, y_test = x_test[test_idx], y_test[test_idx]
    y_train = keras.utils.to_categorical(y_train, 25)
    y_test = keras.utils.to_categorical(y_test, 25)
    return x_train, y_train, x_test, y_test


def calcularAccuracy(labels, preds):
    return np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1))


def dibujar(historia, titulo):
    fig, ejes = plt.subplots(1, 2, figsize=(10, 4))
    for eje, metrica in zip(ejes, ('loss', 'accuracy')):
        eje.plot(historia.history[metrica], label='train')
        eje.plot(historia.history['val_' + metrica], label='validación')
        eje.set_title(f'{titulo}: {metrica}')
        eje.legend()
    plt.tight_layout()
    plt.show()


def basenet():
    entrada = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(6, 5, activation='relu')(entrada)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(16, 5, activation='relu')(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(50, activation='relu')(x)
    salida = layers.Dense(NUM_CLASES, activation='softmax')(x)
    return keras.Model(entrada, salida, name='basenet')


def basenet_mas(entrada_shape=(32, 32, 3)):
    entrada = keras.Input(shape=entrada_shape)
    x = entrada
    for i, f in enumerate([48, 96, 192]):
        x = layers.Conv2D(f, 3, padding='same', use_bias=False, name=f'conv{i}a')(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(f, 3, padding='same', use_bias=False, name=f'conv{i}b')(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
        x = layers.SpatialDropout2D(0.1 * (i + 1))(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.4)(x)
    salida = layers.Dense(NUM_CLASES, activation='softmax')(x)
    return keras.Model(entrada, salida, name='basenet_mas')


def normalizar(x_train, x_test):
    media = x_train.mean(axis=(0, 1, 2), keepdims=True)
    desviacion = x_train.std(axis=(0, 1, 2), keepdims=True)
    return (x_train - media) / desviacion, (x_test - media) / desviacion


x_train, y_train, x_test, y_test = cargarImagenes()

modelo = basenet()
modelo.compile(optimizer=keras.optimizers.SGD(0.01), loss='categorical_crossentropy', metrics=['accuracy'])
h = modelo.fit(x_train, y_train, validation_split=0.1, epochs=EPOCAS, batch_size=32, verbose=2)
dibujar(h, 'BaseNet')
print('BaseNet en test:', calcularAccuracy(y_test, modelo.predict(x_test)))

x_train_n, x_test_n = normalizar(x_train, x_test)
aumento = keras.Sequential([layers.RandomFlip('horizontal'), layers.RandomTranslation(0.1, 0.1)])
modelo2 = basenet_mas()
entradas = keras.Input(shape=(32, 32, 3))
modelo_aumentado = keras.Model(entradas, modelo2(aumento(entradas)))
modelo_aumentado.compile(optimizer=keras.optimizers.Adam(1e-3), loss='categorical_crossentropy',
                         metrics=['accuracy'])
parada = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
h2 = modelo_aumentado.fit(x_train_n, y_train, validation_split=0.1, epochs=60, batch_size=64,
                          callbacks=[parada], verbose=2)
dibujar(h2, 'BaseNet mejorada')
print('Mejorada en test:', calcularAccuracy(y_test, modelo2.predict(x_test_n)))
