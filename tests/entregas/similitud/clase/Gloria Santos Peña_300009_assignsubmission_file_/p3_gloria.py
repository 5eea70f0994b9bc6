# P3 - Gloria Santos Peña
# Todo con tf.data en vez de ImageDataGenerator (va más rápido en Colab).
import numpy as np
import tensorflow as tf
import matplotlib.pyplot as plt

AUTOTUNE = tf.data.AUTOTUNE
TAM_LOTE = 64


def datos_cifar25():
    (a, b), (c, d) = tf.keras.datasets.cifar100.load_data(label_mode="fine")
    sel_train, sel_test = b.ravel() < 25, d.ravel() < 25
    a, b, c, d = a[sel_train], b[sel_train], c[sel_test], d[sel_test]
    return (a.astype("float32") / 255, tf.one_hot(b.ravel(), 25).numpy(),
            c.astype("float32") / 255, tf.one_hot(d.ravel(), 25).numpy())


def canal(x, y, entrenamiento, capa_norm):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if entrenamiento:
        ds = ds.shuffle(len(x), seed=7)
    ds = ds.batch(TAM_LOTE).map(lambda a, b: (capa_norm(a), b), num_parallel_calls=AUTOTUNE)
    if entrenamiento:
        voltear = tf.keras.layers.RandomFlip("horizontal")
        ds = ds.map(lambda a, b: (voltear(a, training=True), b), num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def modelo_basenet():
    m = tf.keras.models.Sequential()
    m.add(tf.keras.layers.InputLayer(input_shape=(32, 32, 3)))
    m.add(tf.keras.layers.Conv2D(6, (5, 5), activation=tf.nn.relu))
    m.add(tf.keras.layers.MaxPooling2D((2, 2)))
    m.add(tf.keras.layers.Conv2D(16, (5, 5), activation=tf.nn.relu))
    m.add(tf.keras.layers.MaxPooling2D((2, 2)))
    m.add(tf.keras.layers.Flatten())
    m.add(tf.keras.layers.Dense(50, activation=tf.nn.relu))
    m.add(tf.keras.layers.Dense(25, activation=tf.nn.softmax))
    return m


def modelo_bueno():
    L = tf.keras.layers
    return tf.keras.Sequential([
        L.InputLayer(input_shape=(32, 32, 3)),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.BatchNormalization(),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.BatchNormalization(),
        L.MaxPooling2D(), L.Dropout(0.2),
        L.Conv2D(128, 3, padding="same", activation="relu"), L.BatchNormalization(),
        L.MaxPooling2D(), L.Dropout(0.3),
        L.GlobalAveragePooling2D(),
        L.Dense(25, activation="softmax"),
    ])


def porcentaje_aciertos(y_real, y_prob):
    return 100.0 * np.sum(np.argmax(y_real, -1) == np.argmax(y_prob, -1)) / y_real.shape[0]


xtr, ytr, xte, yte = datos_cifar25()
particion = int(0.9 * xtr.shape[0])
xval, yval, xtr, ytr = xtr[particion:], ytr[particion:], xtr[:particion], ytr[:particion]

identidad = tf.keras.layers.Lambda(lambda t: t)
norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(xtr)

for nombre, construir, capa in (("basenet", modelo_basenet, identidad), ("bueno", modelo_bueno, norm)):
    red = construir()
    red.compile(optimizer=tf.keras.optimizers.SGD(0.01, momentum=0.9),
                loss=tf.keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    hist = red.fit(canal(xtr, ytr, True, capa), validation_data=canal(xval, yval, False, capa), epochs=25)
    plt.plot(hist.history["val_accuracy"], label=nombre)
    prob = red.predict(canal(xte, yte, False, capa))
    print(f"{nombre}: {porcentaje_aciertos(yte, prob):.2f} % en test")
plt.legend()
plt.show()
