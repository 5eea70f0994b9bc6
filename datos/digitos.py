"""Datos de ejemplo que viajan dentro de scikit-learn: los 1.797 dígitos manuscritos de `load_digits`.

Permiten ejecutar todas las prácticas sin conexión. Las imágenes reales de 8×8 se amplían a 32×32×3
para que tengan la forma de CIFAR y se devuelven con el mismo contrato que `cargarImagenes()`.
"""

import numpy as np

from datos.validacion import TAMANO_IMAGEN, comprobar

NUM_CLASES = 10
FRACCION_TEST = 0.2
SEMILLA_PARTICION = 0  # partición fija: siempre las mismas imágenes de test


def cargar_digitos(tamano=32):
    """Devuelve `x_train, y_train, x_test, y_test` (float32 en [0, 1], (N, alto, ancho, 3); one-hot 10).

    `tamano`: un entero (imágenes cuadradas, 32 por defecto) o `(alto, ancho)`. Partición estratificada fija:
    1.437 imágenes de entrenamiento y 360 de test.
    """
    import tensorflow as tf
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    digitos = load_digits()
    x = (digitos.images / 16.0).astype("float32")[..., None]
    x = tf.image.resize(x, tamano, method="bilinear").numpy().clip(0.0, 1.0)
    x = np.repeat(x, 3, axis=-1)
    y = np.eye(NUM_CLASES, dtype="float32")[digitos.target]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=FRACCION_TEST, stratify=digitos.target, random_state=SEMILLA_PARTICION
    )
    return x_train, y_train, x_test, y_test
