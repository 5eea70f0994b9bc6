# Inés Ramos Calvo - P3, ejercicio 3 (transferencia y ajuste fino con ResNet50)
import os
import numpy as np
from PIL import Image
from keras.applications.resnet50 import ResNet50, preprocess_input
from keras.models import Model
from keras.layers import Dense, GlobalAveragePooling2D
from keras.optimizers import Adam

RAIZ = "/content/drive/My Drive/VC/CUB_200_2010"


def cargar(particion):
    rutas = open(os.path.join(RAIZ, particion + ".txt")).read().splitlines()
    especies = sorted(os.listdir(os.path.join(RAIZ, "images")))
    x = np.array([np.asarray(Image.open(os.path.join(RAIZ, "images", r)).convert("RGB").resize((224, 224)), dtype="float32")
                  for r in rutas])
    y = np.array([especies.index(r.split("/")[0]) for r in rutas])  # la clase de cada imagen
    return preprocess_input(x), y


x_train, y_train = cargar("train")
x_test, y_test = cargar("test")

# Transferencia: ResNet50 congelada + clasificador nuevo
resnet = ResNet50(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
for capa in resnet.layers:
    capa.trainable = False
x = GlobalAveragePooling2D()(resnet.output)
salida = Dense(200, activation="softmax")(x)
modelo = Model(resnet.input, salida)
modelo.compile(optimizer=Adam(lr=1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
modelo.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.1)

# Ajuste fino: todas las capas entrenables
for capa in resnet.layers:
    capa.trainable = True
modelo.compile(optimizer=Adam(lr=1e-5), loss="categorical_crossentropy", metrics=["accuracy"])
modelo.fit(x_train, y_train, epochs=5, batch_size=32, validation_split=0.1)
print(modelo.evaluate(x_test, y_test))
