# Práctica 3: Redes neuronales convolucionales. Entrega de ejemplo correcta (datos de prueba de la calificación).
import numpy as np
import tensorflow as tf
import keras
from keras import layers
from sklearn.model_selection import train_test_split

NUM_CLASES = 25
FORMA_ENTRADA = (32, 32, 3)


def getBaseNet():
    model = keras.Sequential()
    model.add(keras.Input(shape=FORMA_ENTRADA))
    model.add(layers.Conv2D(6, 5, activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Conv2D(16, 5))
    model.add(layers.Activation("relu"))  # equivale a activation="relu"
    model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(50, activation="relu"))
    model.add(layers.Dense(NUM_CLASES, activation="softmax"))
    return model


def getBaseNetPlusPlus(fix2=True, fix3=True, fix4=True):
    model = keras.Sequential([keras.Input(shape=FORMA_ENTRADA)])
    for filtros, nucleo, padding, pool in [(128, 3, "same", False), (128, 3, "valid", True), (64, 5, "valid", True)]:
        model.add(layers.Conv2D(filtros, nucleo, padding=padding, activation="relu"))
        model.add(layers.BatchNormalization())
        if pool:
            model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    for neuronas in (256, 128, 64):
        model.add(layers.Dense(neuronas, activation="relu"))
        model.add(layers.Dropout(0.25))
    model.add(layers.Dense(NUM_CLASES, activation="softmax"))
    return model


def getResNet50(p_pooling, inputShape):
    return keras.applications.ResNet50(weights="imagenet", include_top=False, input_shape=inputShape, pooling=p_pooling)


def getBirdNetV1(model, onlyFinal):
    for capa in model.layers:
        capa.trainable = False
    x = model.output
    if not onlyFinal:
        x = layers.Dense(768, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.25)(x)
        x = layers.Dense(512, activation="relu")(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Dense(200, activation="softmax")(x)
    return keras.Model(inputs=model.input, outputs=x)


def getBirdNetV2(model):
    for capa in model.layers:
        capa.trainable = False
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(model.output)
    x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dense(200, activation="softmax")(x)
    return keras.Model(inputs=model.input, outputs=x)


def getBirdNetV3(model):
    model.trainable = True  # ajuste fino de la red entera
    return keras.Sequential([model, layers.Dense(200, activation="softmax")])


def getDataIterators(train_x, train_y, test_x, batchSize):
    x_tr, x_val, y_tr, y_val = train_test_split(train_x, train_y, test_size=0.1, stratify=np.argmax(train_y, axis=1))
    media = x_tr.mean(axis=(0, 1, 2))
    desviacion = x_tr.std(axis=(0, 1, 2))
    normalizar = lambda x: (x - media) / (desviacion + 1e-7)
    it_train = tf.data.Dataset.from_tensor_slices((normalizar(x_tr), y_tr)).shuffle(len(x_tr)).batch(batchSize)
    it_val = tf.data.Dataset.from_tensor_slices((normalizar(x_val), y_val)).batch(batchSize)
    return it_train, it_val, normalizar(test_x)


def compileModel(model):
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.categorical_crossentropy, metrics=["accuracy"])


# Lo que sigue entrena de verdad: la calificación no lo ejecuta (solo usa las definiciones).
print("Entrenando BaseNet…")
model = getBaseNet()
compileModel(model)
model.summary()
