"""Modelos del taller de perros y gatos de la clase de CNN: una CNN pequeña desde cero y VGG16 con transfer learning.

«Taller perros y gatos con CNN en Keras» y «… con transfer learning»: la base convolucional de VGG16 se
congela, se reemplaza la parte densa por una cabeza nueva y, después, se reentrena (fine tuning) el último
bloque con una tasa de aprendizaje baja. Las capas de la cabeza llevan el prefijo `PREFIJO_CABEZA`
(`cabeza_`), de modo que `utilidades.caracteristicas.separar_modelo` corta el modelo justo después del
aplanado: el extractor da el feature map aplanado que la clase propone guardar en un archivo.
"""

import keras
from keras import layers

from datos.errores import ErrorParametro
from datos.validacion import mensaje
from modelos.comun import PREFIJO_CABEZA, validar_entrada
from modelos.pesos import construir

ULTIMO_BLOQUE_VGG16 = "block5"


def red_perros_gatos(num_clases=2, input_shape=(150, 150, 3)):
    """CNN pequeña entrenada desde cero (como la de *Deep Learning with Python*, de Chollet, citado en la clase).

    Reescala a [0, 1]; cuatro bloques Conv 3×3 ReLU SAME (32, 64, 128 y 128 filtros) + MaxPooling 2×2;
    Flatten; Dropout 0,5; Dense 512 ReLU; Dense `num_clases` softmax. Espera imágenes en [0, 255].
    """
    validar_entrada(input_shape, num_clases, minimo=16)
    capas = [keras.Input(shape=tuple(input_shape)), layers.Rescaling(1.0 / 255)]
    for filtros in (32, 64, 128, 128):
        capas += [layers.Conv2D(filtros, 3, padding="same", activation="relu"), layers.MaxPooling2D(2)]
    capas += [
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(512, activation="relu"),
        layers.Dense(num_clases, activation="softmax"),
    ]
    return keras.Sequential(capas, name="red_perros_gatos")


def base_vgg16(input_shape=(150, 150, 3), pesos="imagenet", descargar=True):
    """Base convolucional de VGG16 sin la parte densa (`keras.applications.VGG16(include_top=False)`).

    `pesos`: `"imagenet"` (de la caché de Keras, o descargados si faltan y `descargar`), `None`
    (aleatorios: solo para probar) o la ruta de un archivo `.h5`. Sin conexión y sin el archivo, el error
    dice qué archivo poner y dónde. Los resuelve `modelos.pesos`.
    """
    validar_entrada(input_shape, 2, minimo=32)
    return construir("vgg16", pesos, descargar, input_shape=tuple(input_shape))


def red_vgg16_transferencia(num_clases=2, input_shape=(150, 150, 3), pesos="imagenet", base=None, descargar=True):
    """Transfer learning desde VGG16: base congelada y cabeza densa nueva.

    Entrada en [0, 255] → `vgg16.preprocess_input` → base VGG16 congelada (la capa `vgg16` del modelo) →
    Flatten (`aplanado`) → Dense 256 ReLU → Dropout 0,5 → Dense `num_clases` softmax. Se puede pasar una
    `base` ya construida (p. ej. de `base_vgg16`).
    """
    validar_entrada(input_shape, num_clases, minimo=32)
    base = base_vgg16(input_shape, pesos, descargar) if base is None else base
    base.trainable = False
    entrada = keras.Input(shape=tuple(input_shape))
    x = keras.applications.vgg16.preprocess_input(entrada)
    x = base(x, training=False)
    x = layers.Flatten(name="aplanado")(x)
    x = layers.Dense(256, activation="relu", name=PREFIJO_CABEZA + "densa")(x)
    x = layers.Dropout(0.5, name=PREFIJO_CABEZA + "dropout")(x)
    salida = layers.Dense(num_clases, activation="softmax", name=PREFIJO_CABEZA + "salida")(x)
    return keras.Model(entrada, salida, name="vgg16_transferencia")


def descongelar_ultimo_bloque(modelo, bloque=ULTIMO_BLOQUE_VGG16):
    """Ajuste fino: descongela solo las capas del último bloque de la base VGG16 (`block5_*`).

    El resto de la base sigue congelado. Hay que volver a compilar después, con una tasa de aprendizaje
    baja (p. ej. `compileModel(modelo, learning_rate=1e-5)`). Devuelve los nombres de las capas descongeladas
    (las de la base con pesos), como `modelos.resnet.descongelar_desde`.
    """
    base = modelo.get_layer("vgg16")
    descongeladas = [capa.name for capa in base.layers if capa.name.startswith(bloque + "_") and capa.weights]
    if not descongeladas:
        raise ErrorParametro(
            mensaje("bloque", f"el prefijo de un bloque con pesos de la base '{base.name}' (p. ej. 'block5')", bloque)
        )
    base.trainable = True
    for capa in base.layers:
        capa.trainable = capa.name.startswith(bloque + "_")
    return descongeladas
