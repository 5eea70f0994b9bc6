"""Práctica 3 de VC: Darío López Prieto.

Todo está en funciones; main() ejecuta los tres ejercicios seguidos.
"""
import os

import numpy as np
import matplotlib.pyplot as plt
import keras
from keras import layers
from keras.applications import ResNet50
from keras.applications.resnet50 import preprocess_input
from keras.utils import load_img, img_to_array, to_categorical

RUTA_PAJAROS = os.environ.get("PAJAROS", "imagenes")


def leer_cifar():
    (xa, ya), (xb, yb) = keras.datasets.cifar100.load_data(label_mode="fine")
    quedarse_a = ya[:, 0] < 25
    quedarse_b = yb[:, 0] < 25
    xa, ya = xa[quedarse_a] / 255.0, ya[quedarse_a]
    xb, yb = xb[quedarse_b] / 255.0, yb[quedarse_b]
    return xa, to_categorical(ya, 25), xb, to_categorical(yb, 25)


def acierto(reales, probabilidades):
    return float(np.mean(reales.argmax(1) == probabilidades.argmax(1)))


def pintar_curvas(h, archivo):
    plt.figure(figsize=(8, 3))
    plt.subplot(1, 2, 1)
    plt.plot(h.history["loss"])
    plt.plot(h.history["val_loss"])
    plt.subplot(1, 2, 2)
    plt.plot(h.history["accuracy"])
    plt.plot(h.history["val_accuracy"])
    plt.savefig(archivo)
    plt.close()


def red(tipo):
    """BaseNet ('base') o la versión con más capas ('profunda')."""
    if tipo == "base":
        pila = [layers.Conv2D(6, 5, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(16, 5, activation="relu"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dense(50, activation="relu")]
    else:
        pila = []
        for k, filtros in enumerate((32, 64, 96, 128)):
            pila += [layers.Conv2D(filtros, 3, padding="same"), layers.BatchNormalization(),
                     layers.Activation("elu")]
            if k % 2:
                pila += [layers.MaxPooling2D(2), layers.Dropout(0.25)]
        pila += [layers.Flatten(), layers.Dense(200, activation="elu"), layers.Dropout(0.5)]
    return keras.Sequential([keras.Input((32, 32, 3)), *pila, layers.Dense(25, activation="softmax")])


def ejercicio1y2():
    xa, ya, xb, yb = leer_cifar()
    for tipo in ("base", "profunda"):
        if tipo == "profunda":
            media, desv = xa.mean(0), xa.std(0) + 1e-7
            xa_, xb_ = (xa - media) / desv, (xb - media) / desv
        else:
            xa_, xb_ = xa, xb
        modelo = red(tipo)
        modelo.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
        h = modelo.fit(xa_, ya, epochs=15, batch_size=64, validation_split=0.15, shuffle=True)
        pintar_curvas(h, f"curvas_{tipo}.png")
        print(tipo, "→", acierto(yb, modelo.predict(xb_)))


def leer_pajaros(lista):
    nombres = np.loadtxt(os.path.join(RUTA_PAJAROS, lista), dtype=str)
    especies = sorted({n.split("/")[0] for n in nombres})
    indice = {e: i for i, e in enumerate(especies)}
    x = np.stack([img_to_array(load_img(os.path.join(RUTA_PAJAROS, n), target_size=(224, 224))) for n in nombres])
    y = to_categorical([indice[n.split("/")[0]] for n in nombres], 200)
    return preprocess_input(x), y


def ejercicio3():
    x_ent, y_ent = leer_pajaros("train.txt")
    x_prueba, y_prueba = leer_pajaros("test.txt")
    extractor = ResNet50(weights="imagenet", include_top=False, pooling="avg")
    f_ent = extractor.predict(x_ent, batch_size=16)
    f_prueba = extractor.predict(x_prueba, batch_size=16)
    clasificador = keras.Sequential([keras.Input((2048,)), layers.Dense(512, activation="relu"),
                                     layers.Dropout(0.3), layers.Dense(200, activation="softmax")])
    clasificador.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    clasificador.fit(f_ent, y_ent, epochs=30, batch_size=32, validation_split=0.1)
    print("pájaros:", acierto(y_prueba, clasificador.predict(f_prueba)))


def main():
    ejercicio1y2()
    ejercicio3()


if __name__ == "__main__":
    main()
