"""Configuración de la GPU (el `configCUDA` del autor, §1) y semillas para ejecuciones repetibles."""

import tensorflow as tf

from datos.validacion import ENTERO_NO_NEGATIVO, comprobar

_dispositivo_anunciado = False


def configCUDA():
    """Activa el crecimiento de memoria en cada GPU para que TensorFlow no reserve toda la memoria.

    Debe llamarse antes de crear el primer modelo; si la GPU ya está en uso no hace nada.
    Devuelve la lista de GPU visibles.
    """
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # la GPU ya se inicializó: el ajuste ya no se puede cambiar
            pass
    return gpus


def anunciar_dispositivo():
    """Imprime una sola vez el dispositivo en que se entrena."""
    global _dispositivo_anunciado
    if not _dispositivo_anunciado:
        gpus = tf.config.list_logical_devices("GPU")
        print(f"Entrenando en: {', '.join(g.name for g in gpus) if gpus else 'CPU (no hay GPU visible)'}")
        _dispositivo_anunciado = True


def fijar_semilla(semilla):
    """Fija las semillas de Python, NumPy y TensorFlow y activa las operaciones deterministas.

    Con la misma semilla, dos ejecuciones en CPU dan los mismos números.
    """
    import keras

    keras.utils.set_random_seed(comprobar(semilla, "semilla", ENTERO_NO_NEGATIVO))
    tf.config.experimental.enable_op_determinism()
