# Elena Vidal Soler - VC Práctica 3, ejercicio 3 (Caltech-UCSD con ResNet50)
# (los ejercicios 1 y 2 no los he terminado)
import numpy as np
import keras
from keras.utils import np_utils
from keras.models import Model, Sequential
from keras.layers import Dense, Dropout, Input
from keras.optimizers import Adam, SGD
from keras.preprocessing.image import load_img, img_to_array
from keras.applications.resnet50 import ResNet50, preprocess_input
from sklearn.model_selection import train_test_split


def leerImagenes(vec_imagenes, path):
    clases = np.array([img.split('/')[0] for img in vec_imagenes])
    imagenes = np.array([img_to_array(load_img(path + "/" + img, target_size=(224, 224))) for img in vec_imagenes])
    return imagenes, clases


def cargarDatos(path):
    train_images = np.loadtxt(path + "/train.txt", dtype=str)
    test_images = np.loadtxt(path + "/test.txt", dtype=str)
    train, train_clases = leerImagenes(train_images, path)
    test, test_clases = leerImagenes(test_images, path)
    clases_posibles = np.unique(np.copy(train_clases))
    for i in range(len(clases_posibles)):
        train_clases[train_clases == clases_posibles[i]] = i
        test_clases[test_clases == clases_posibles[i]] = i
    train_clases = np_utils.to_categorical(train_clases, 200)
    test_clases = np_utils.to_categorical(test_clases, 200)
    return train, train_clases, test, test_clases


x_train, y_train, x_test, y_test = cargarDatos("/content/imagenes")
x_train = preprocess_input(x_train)
x_test = preprocess_input(x_test)
# validación estratificada: un 10 % de cada especie
x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1, stratify=y_train, random_state=0)

# --- 3.1: características de ResNet50 y una red densa encima ---
resnet = ResNet50(weights="imagenet", include_top=False, pooling="avg")
f_tr = resnet.predict(x_tr)
f_val = resnet.predict(x_val)
f_test = resnet.predict(x_test)
cabeza = Sequential([Dense(512, activation="relu", input_shape=(2048,)), Dropout(0.5), Dense(200, activation="softmax")])
cabeza.compile(optimizer=Adam(lr=1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
cabeza.fit(f_tr, y_tr, validation_data=(f_val, y_val), epochs=30, batch_size=128)
print("Extractor de características:", cabeza.evaluate(f_test, y_test))

# --- 3.2: ajuste fino de toda la red ---
entrada = Input(shape=(224, 224, 3))
base = ResNet50(weights="imagenet", include_top=False, pooling="avg", input_tensor=entrada)
salida = Dense(200, activation="softmax")(Dropout(0.5)(base.output))
fino = Model(inputs=entrada, outputs=salida)
fino.compile(optimizer=SGD(lr=1e-4, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
fino.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=10, batch_size=16)
print("Ajuste fino:", fino.evaluate(x_test, y_test))
