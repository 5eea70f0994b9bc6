"""Arquitecturas clásicas de la clase de CNN (LeNet-5, AlexNet, VGG-16) y la red del taller MNIST.

Cada constructor sigue la descripción de la clase («Arquitecturas convolucionales» y «Taller MNIST con
CNN en Keras») y solo construye el modelo. Parámetros con las entradas por defecto:

| modelo | entrada | parámetros |
|---|---|---|
| `lenet5()` | 32×32×1 | 61.706 |
| `alexnet()` | 227×227×3 | 62.378.344 |
| `vgg16()` | 224×224×3 | 138.357.544 (igual que `keras.applications.VGG16(weights=None)`) |
| `red_taller_mnist()` | 28×28×1 | 121.930 |
"""

import keras
from keras import layers

from modelos.comun import validar_entrada


def lenet5(num_clases=10, input_shape=(32, 32, 1)):
    """LeNet-5 (LeCun et al., 1998), como en la clase: más de 60.000 parámetros.

    Dos convoluciones 5×5 con paso 1 y sin relleno (6 y 16 filtros), cada una seguida de average pooling
    2×2 con paso 2; la salida aplanada (5×5×16 = 400) entra en densas de 120, 84 y `num_clases` neuronas.
    Activación tanh, como entonces (aún no se usaba la ReLU); la salida gaussiana original, que ya no se
    usa, se sustituye por softmax.
    """
    validar_entrada(input_shape, num_clases, minimo=16)
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(6, 5, activation="tanh", name="c1"),
            layers.AveragePooling2D(pool_size=2, strides=2, name="s2"),
            layers.Conv2D(16, 5, activation="tanh", name="c3"),
            layers.AveragePooling2D(pool_size=2, strides=2, name="s4"),
            layers.Flatten(name="aplanado"),
            layers.Dense(120, activation="tanh", name="f5"),
            layers.Dense(84, activation="tanh", name="f6"),
            layers.Dense(num_clases, activation="softmax", name="salida"),
        ],
        name="lenet5",
    )


def alexnet(num_clases=1000, input_shape=(227, 227, 3)):
    """AlexNet (Krizhevsky et al., 2012), como en la clase: más de 60 millones de parámetros.

    Conv 11×11×96 con paso 4 (55×55×96) y MaxPooling 3×3 con paso 2; Conv 5×5×256 SAME (27×27×256) y
    MaxPooling; dos Conv 3×3×384 SAME (13×13×384); Conv 3×3×256 SAME (13×13×256) y MaxPooling; la salida
    aplanada (6×6×256 = 9.216) entra en dos densas de 4.096 con dropout 0,5 y en la softmax final.
    ReLU en todas las capas ocultas. La entrada es de 227×227: con 224 la primera convolución no da un
    tamaño entero (véase `modelos.calculadoras.tamano_salida`). Una sola columna, sin el reparto en dos GPU
    ni la normalización local del artículo.
    """
    validar_entrada(input_shape, num_clases, minimo=67)
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1"),
            layers.MaxPooling2D(pool_size=3, strides=2, name="pool1"),
            layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(pool_size=3, strides=2, name="pool2"),
            layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3"),
            layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4"),
            layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5"),
            layers.MaxPooling2D(pool_size=3, strides=2, name="pool5"),
            layers.Flatten(name="aplanado"),
            layers.Dense(4096, activation="relu", name="fc6"),
            layers.Dropout(0.5, name="dropout6"),
            layers.Dense(4096, activation="relu", name="fc7"),
            layers.Dropout(0.5, name="dropout7"),
            layers.Dense(num_clases, activation="softmax", name="fc8"),
        ],
        name="alexnet",
    )


# Bloques de VGG-16: (número de convoluciones 3×3, filtros).
BLOQUES_VGG16 = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def vgg16(num_clases=1000, input_shape=(224, 224, 3)):
    """VGG-16 (Simonyan y Zisserman, 2015), como en la clase: más de 138 millones de parámetros.

    Cinco bloques de convoluciones 3×3 con paso 1 y relleno SAME (2×64, 2×128, 3×256, 3×512, 3×512),
    cada uno seguido de MaxPooling 2×2 con paso 2 (112, 56, 28, 14 y 7 de lado); la salida aplanada
    (7×7×512 = 25.088) entra en dos densas de 4.096 y en la softmax final. Las capas se llaman como en
    `keras.applications.VGG16`, de modo que sus pesos se pueden copiar con `set_weights`.
    """
    validar_entrada(input_shape, num_clases, minimo=32)
    capas = [keras.Input(shape=tuple(input_shape))]
    for bloque, (convoluciones, filtros) in enumerate(BLOQUES_VGG16, start=1):
        for k in range(1, convoluciones + 1):
            capas.append(layers.Conv2D(filtros, 3, padding="same", activation="relu", name=f"block{bloque}_conv{k}"))
        capas.append(layers.MaxPooling2D(pool_size=2, strides=2, name=f"block{bloque}_pool"))
    capas += [
        layers.Flatten(name="flatten"),
        layers.Dense(4096, activation="relu", name="fc1"),
        layers.Dense(4096, activation="relu", name="fc2"),
        layers.Dense(num_clases, activation="softmax", name="predictions"),
    ]
    return keras.Sequential(capas, name="vgg16")


def red_taller_mnist(num_clases=10, input_shape=(28, 28, 1)):
    """La red del «Taller MNIST con CNN en Keras», capa por capa como la pide la clase (121.930 parámetros).

    Entrada 28×28; Conv 32 3×3 ReLU (VALID, paso 1); MaxPooling 2×2 paso 2; Conv 64 3×3 ReLU (VALID);
    MaxPooling 2×2 paso 2; Flatten; Dense 64 ReLU; Dropout 30 %; Dense 10 softmax. Se entrena con
    RMSprop y entropía cruzada categórica (`practicas talleres mnist`).
    """
    validar_entrada(input_shape, num_clases, minimo=10)
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Conv2D(32, 3, strides=1, padding="valid", activation="relu"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Conv2D(64, 3, strides=1, padding="valid", activation="relu"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(num_clases, activation="softmax"),
        ],
        name="red_taller_mnist",
    )
