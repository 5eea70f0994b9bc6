# Práctica 3 de Visión por Computador. Diego Herrera Blanco.
import numpy as np
import keras
from keras import layers
from keras.datasets import cifar100
from keras.applications import ResNet50
from keras.applications.resnet50 import preprocess_input
from keras.preprocessing.image import load_img, img_to_array

# -------------------------------- Ejercicio 1 --------------------------------
(x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="fine")
m_tr, m_te = y_train[:, 0] < 25, y_test[:, 0] < 25
x_train, x_test = x_train[m_tr] / 255.0, x_test[m_te] / 255.0
y_train = keras.utils.to_categorical(y_train[m_tr], 25)
y_test = keras.utils.to_categorical(y_test[m_te], 25)

model = keras.Sequential()
model.add(layers.Conv2D(6, 5, activation="relu", padding="same", input_shape=(32, 32, 3)))
model.add(layers.MaxPooling2D(2))
model.add(layers.Conv2D(16, 5, activation="relu"))
model.add(layers.MaxPooling2D(2))
model.add(layers.Flatten())
model.add(layers.Dense(50, activation="relu"))
model.add(layers.Dense(25, activation="softmax"))
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=20, validation_split=0.1)
print(model.evaluate(x_test, y_test))

# -------------------------------- Ejercicio 3 --------------------------------
with open("imagenes/train.txt") as f:
    train_files = f.read().split()
with open("imagenes/test.txt") as f:
    test_files = f.read().split()
especies = sorted({p.split("/")[0] for p in train_files})


def leer(ficheros):
    x = np.stack([img_to_array(load_img("imagenes/" + p, target_size=(224, 224))) for p in ficheros])
    y = keras.utils.to_categorical([especies.index(p.split("/")[0]) for p in ficheros], 200)
    return preprocess_input(x), y


xb_train, yb_train = leer(train_files)
xb_test, yb_test = leer(test_files)

base = ResNet50(include_top=False, weights="imagenet", input_shape=(224, 224, 3))
base.trainable = False
# Mi cabeza: una convolución grande sobre el mapa de 7x7x2048 y dos densas
x = layers.Conv2D(4096, (3, 3), activation="relu", padding="same")(base.output)
x = layers.Flatten()(x)
x = layers.Dense(1024, activation="relu")(x)
x = layers.Dropout(0.5)(x)
salida = layers.Dense(200, activation="softmax")(x)
birdnet = keras.Model(base.input, salida)
birdnet.compile(optimizer=keras.optimizers.Adam(1e-4), loss="categorical_crossentropy", metrics=["accuracy"])
birdnet.summary()
birdnet.fit(xb_train, yb_train, batch_size=16, epochs=10, validation_split=0.1)
print(birdnet.evaluate(xb_test, yb_test))
