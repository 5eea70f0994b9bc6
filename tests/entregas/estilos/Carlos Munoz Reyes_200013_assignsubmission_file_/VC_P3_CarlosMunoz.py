# coding: utf-8
# Carlos Muñoz Reyes -- Visión por Computador -- Práctica 3
# Probado con Keras 2.2.4 y TensorFlow 1.14
from __future__ import print_function
import numpy as np
import keras
from keras import backend as K
from keras.datasets import cifar100
from keras.models import Sequential, Model, load_model
from keras.layers import Input
from keras.layers.core import Dense, Flatten, Dropout, Activation
from keras.layers.convolutional import Convolution2D, MaxPooling2D
from keras.layers.normalization import BatchNormalization
from keras.callbacks import ModelCheckpoint, EarlyStopping
from keras import optimizers

K.set_image_dim_ordering('tf')
np.random.seed(2019)

(x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
tr = np.where(y_train.flatten() < 25)[0]
te = np.where(y_test.flatten() < 25)[0]
x_train = x_train[tr].astype('float32') / 255.
x_test = x_test[te].astype('float32') / 255.
y_train = keras.utils.to_categorical(y_train[tr], 25)
y_test = keras.utils.to_categorical(y_test[te], 25)

# normalización con la media y la desviación típica de TRAIN
mean = np.mean(x_train, axis=0)
std = np.std(x_train, axis=0)
x_train = (x_train - mean) / std
x_test = (x_test - mean) / std

# ----------------------------- BaseNet (API funcional) ----------------------------
inp = Input(shape=(32, 32, 3))
h = Convolution2D(6, (5, 5), border_mode='valid', activation='relu')(inp)
h = MaxPooling2D(pool_size=(2, 2))(h)
h = Convolution2D(16, (5, 5), border_mode='valid', activation='relu')(h)
h = MaxPooling2D(pool_size=(2, 2))(h)
h = Flatten()(h)
h = Dense(50, activation='relu')(h)
out = Dense(25, activation='softmax')(h)
basenet = Model(input=inp, output=out)
sgd = optimizers.sgd(lr=0.01, momentum=0.9, decay=1e-6, nesterov=True)
basenet.compile(loss='categorical_crossentropy', optimizer=sgd, metrics=['accuracy'])
hist = basenet.fit(x_train, y_train, batch_size=32, nb_epoch=30, validation_split=0.1,
                   callbacks=[EarlyStopping(monitor='val_acc', patience=5)])
print('BaseNet val_acc final:', hist.history['val_acc'][-1])
print('BaseNet test:', basenet.evaluate(x_test, y_test, verbose=0))

# ----------------------------- BaseNet mejorada ----------------------------
model = Sequential()
model.add(Convolution2D(32, (3, 3), border_mode='same', input_shape=(32, 32, 3)))
model.add(BatchNormalization())
model.add(Activation('relu'))
model.add(Convolution2D(32, (3, 3), border_mode='same'))
model.add(BatchNormalization())
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Convolution2D(64, (3, 3), border_mode='same'))
model.add(BatchNormalization())
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(512))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(25))
model.add(Activation('softmax'))
model.compile(loss='categorical_crossentropy', optimizer=optimizers.Adam(lr=0.001, epsilon=None, decay=0.0),
              metrics=['accuracy'])
checkpoint = ModelCheckpoint('mejor_modelo.hdf5', monitor='val_acc', save_best_only=True, mode='max')
model.fit(x_train, y_train, batch_size=64, nb_epoch=50, validation_split=0.1, callbacks=[checkpoint])

mejor = load_model('mejor_modelo.hdf5')
print('Mejorada test:', mejor.evaluate(x_test, y_test, verbose=0))
for capa in mejor.layers[:3]:
    print(capa.name, capa.output_shape)
