# Hugo Navarro Sáez - Práctica 3 de VC (2020/21)
# Los datos de Caltech-UCSD están en la carpeta caltech/ junto a este script.
import os
import cv2
import numpy as np
from keras.models import Sequential, Model
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, GlobalAveragePooling2D
from keras.datasets import cifar100
from keras.utils import to_categorical
from keras.applications.resnet50 import ResNet50, preprocess_input
from keras.optimizers import SGD

# ======================= Apartado 1: BaseNet =======================
(x_train, y_train), (x_test, y_test) = cifar100.load_data()
sel = (y_train < 25).flatten()
x_train, y_train = x_train[sel] / 255.0, to_categorical(y_train[sel], 25)
sel = (y_test < 25).flatten()
x_test, y_test = x_test[sel] / 255.0, to_categorical(y_test[sel], 25)

basenet = Sequential()
basenet.add(Conv2D(6, (5, 5), activation='relu', input_shape=(32, 32, 3)))
basenet.add(MaxPooling2D((2, 2)))
basenet.add(Conv2D(16, (5, 5), activation='relu'))
basenet.add(MaxPooling2D((2, 2)))
basenet.add(Flatten())
basenet.add(Dense(50, activation='relu'))
basenet.add(Dense(25, activation='softmax'))
basenet.compile(optimizer=SGD(lr=0.01), loss='categorical_crossentropy', metrics=['acc'])
basenet.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.1)
score = basenet.evaluate(x_test, y_test)
print('Test accuracy:', score[1])

# =================== Apartado 3: Caltech-UCSD birds =================
def load_caltech_data(path):
    def read(list_file):
        names = [l.strip() for l in open(os.path.join(path, list_file)) if l.strip()]
        imgs = []
        for n in names:
            img = cv2.imread(os.path.join(path, n))
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            imgs.append(cv2.resize(img, (224, 224)))
        return np.array(imgs, dtype='float32'), [n.split('/')[0] for n in names]
    x_tr, c_tr = read('train.txt')
    x_te, c_te = read('test.txt')
    classes = sorted(set(c_tr))
    idx = {c: i for i, c in enumerate(classes)}
    y_tr = to_categorical([idx[c] for c in c_tr], 200)
    y_te = to_categorical([idx[c] for c in c_te], 200)
    return x_tr, y_tr, x_te, y_te

xb_train, yb_train, xb_test, yb_test = load_caltech_data('caltech')
xb_train = preprocess_input(xb_train)
xb_test = preprocess_input(xb_test)

base = ResNet50(weights='imagenet', include_top=False, input_shape=(224, 224, 3))
base.trainable = False
x = GlobalAveragePooling2D()(base.output)
x = Dense(512, activation='relu')(x)
out = Dense(200, activation='softmax')(x)
model = Model(base.input, out)
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(xb_train, yb_train, epochs=10, batch_size=32, validation_split=0.1)
print('Transfer learning:', model.evaluate(xb_test, yb_test))

# fine tuning: descongelo el último bloque de ResNet (conv5)
base.trainable = True
for layer in base.layers[:-32]:
    layer.trainable = False
model.compile(optimizer=SGD(lr=0.0001, momentum=0.9), loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(xb_train, yb_train, epochs=5, batch_size=32, validation_split=0.1)
print('Fine tuning:', model.evaluate(xb_test, yb_test))
