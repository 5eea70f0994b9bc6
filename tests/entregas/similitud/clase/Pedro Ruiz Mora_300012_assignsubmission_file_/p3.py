#!/usr/bin/env python
# coding: utf-8

# In[1]:


import numpy as np
import keras
from keras import layers
from keras.datasets import cifar100
import matplotlib.pyplot as plt


# In[2]:


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
    y_train = keras.utils.to_categorical(y_train, 25)
    y_test = keras.utils.to_categorical(y_test, 25)
    return x_train, y_train, x_test, y_test


# In[3]:


x_train, y_train, x_test, y_test = cargarImagenes()
indices = np.random.default_rng(0).permutation(len(x_train))
validacion, entrenamiento = indices[:1250], indices[1250:]


# In[4]:


def crear_basenet():
    modelo = keras.Sequential(name='BaseNet')
    modelo.add(layers.Input((32, 32, 3)))
    modelo.add(layers.Conv2D(6, 5))
    modelo.add(layers.ReLU())
    modelo.add(layers.MaxPooling2D(2))
    modelo.add(layers.Conv2D(16, 5))
    modelo.add(layers.ReLU())
    modelo.add(layers.MaxPooling2D(2))
    modelo.add(layers.Flatten())
    modelo.add(layers.Dense(50))
    modelo.add(layers.ReLU())
    modelo.add(layers.Dense(25, activation='softmax'))
    return modelo


# In[5]:


basenet = crear_basenet()
basenet.compile(keras.optimizers.SGD(learning_rate=0.02, momentum=0.5), 'categorical_crossentropy', ['accuracy'])
evolucion = basenet.fit(x_train[entrenamiento], y_train[entrenamiento], batch_size=50, epochs=18,
                        validation_data=(x_train[validacion], y_train[validacion]))
for clave in ('loss', 'accuracy'):
    plt.plot(evolucion.history[clave], label=clave)
    plt.plot(evolucion.history['val_' + clave], label='val_' + clave)
plt.legend()
plt.show()


# In[6]:


predicho = basenet.predict(x_test).argmax(axis=1)
verdad = y_test.argmax(axis=1)
print('aciertos en test: %.3f' % (predicho == verdad).mean())
matriz = np.zeros((25, 25), dtype=int)
for v, p in zip(verdad, predicho):
    matriz[v, p] += 1
plt.imshow(matriz, cmap='Blues')
plt.title('Matriz de confusión de BaseNet')
plt.show()


