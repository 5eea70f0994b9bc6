# Hector Vega Cano
import numpy as np
from keras.datasets import cifar100
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.utils import to_categorical

(xtr, ytr), (xte, yte) = cifar100.load_data()
f = ytr.flatten() < 25
xtr = xtr[f] / 255.
ytr = to_categorical(ytr[f], 25)
f = yte.flatten() < 25
xte = xte[f] / 255.
yte = to_categorical(yte[f], 25)

# ejercicio 1
net = Sequential()
net.add(Conv2D(6, 5, activation='relu', input_shape=xtr.shape[1:]))
net.add(MaxPooling2D())
net.add(Conv2D(16, 5, activation='relu'))
net.add(MaxPooling2D())
net.add(Flatten())
net.add(Dense(50, activation='relu'))
net.add(Dense(25, activation='softmax'))
net.compile('sgd', 'categorical_crossentropy', ['accuracy'])
net.fit(xtr, ytr, epochs=10, validation_split=0.1)
print(net.evaluate(xte, yte))

# ejercicio 2: normalizo y hago la red mas grande
m, s = xtr.mean(), xtr.std()
xtr = (xtr - m) / s
xte = (xte - m) / s
net2 = Sequential()
net2.add(Conv2D(32, 3, padding='same', activation='relu', input_shape=xtr.shape[1:]))
net2.add(BatchNormalization())
net2.add(Conv2D(32, 3, padding='same', activation='relu'))
net2.add(BatchNormalization())
net2.add(MaxPooling2D())
net2.add(Dropout(.25))
net2.add(Conv2D(64, 3, padding='same', activation='relu'))
net2.add(BatchNormalization())
net2.add(MaxPooling2D())
net2.add(Dropout(.25))
net2.add(Flatten())
net2.add(Dense(256, activation='relu'))
net2.add(Dropout(.5))
net2.add(Dense(25, activation='softmax'))
net2.compile('adam', 'categorical_crossentropy', ['accuracy'])
net2.fit(xtr, ytr, epochs=25, batch_size=128, validation_split=0.1)
print(net2.evaluate(xte, yte))
