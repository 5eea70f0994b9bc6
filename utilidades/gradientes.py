"""Norma del gradiente capa a capa: el desvanecimiento del gradiente (clase «CNNs», DESVANECIMIENTO /
EXPLOSIÓN DEL GRADIENTE; «Aprendizaje de Máquinas: redes profundas», batch normalization).

`normas_gradiente` hace una pasada hacia delante y hacia atrás sobre un lote con `tf.GradientTape` (como
los bucles de entrenamiento propios de los ejemplos de keras.io) y mide ‖∂L/∂W‖ del núcleo de cada capa.
En una red profunda con sigmoides cada capa multiplica el gradiente por la derivada de la activación (≤ 0,25)
y por sus pesos: a las primeras capas les llega muchísimo menos que a las últimas. `razon_primera_ultima`
resume la caída en un número.
"""

import keras
import tensorflow as tf

from datos.errores import ErrorParametro
from datos.validacion import mensaje


def capas_con_nucleo(modelo, prefijo=None):
    """Capas del modelo que tienen núcleo (`Dense`, `Conv2D`…), en orden; solo las que empiezan por `prefijo`."""
    return [
        c
        for c in modelo.layers
        if getattr(c, "kernel", None) is not None and (prefijo is None or c.name.startswith(prefijo))
    ]


def normas_gradiente(modelo, x, y, capas=None, perdida="categorical_crossentropy"):
    """Norma L2 del gradiente de la pérdida media del lote `(x, y)` respecto al núcleo de cada capa.

    `capas`: las capas que se miden (por defecto todas las que tienen núcleo). La pasada es en modo
    entrenamiento (`training=True`: la BN usa las estadísticas del lote, como al entrenar) y no cambia
    ningún peso. Devuelve una fila por capa: `{"indice" (1, 2…), "capa", "norma", "norma_pesos"}`.
    """
    capas = capas_con_nucleo(modelo) if capas is None else list(capas)
    if not capas:
        raise ErrorParametro(
            mensaje("capas", "una lista no vacía de capas con núcleo (Dense, Conv2D...)", es="vacía")
            + f" El modelo '{modelo.name}' no tiene capas con núcleo cuyo gradiente medir."
        )
    funcion_perdida = keras.losses.get(perdida)
    nucleos = [c.kernel for c in capas]
    with tf.GradientTape() as cinta:
        prediccion = modelo(tf.convert_to_tensor(x), training=True)
        valor = keras.ops.mean(funcion_perdida(tf.convert_to_tensor(y), prediccion))
    gradientes = cinta.gradient(valor, nucleos)
    filas = []
    for i, (capa, nucleo, gradiente) in enumerate(zip(capas, nucleos, gradientes), start=1):
        norma = 0.0 if gradiente is None else float(tf.norm(gradiente))
        filas.append(
            {
                "indice": i,
                "capa": capa.name,
                "norma": norma,
                "norma_pesos": float(tf.norm(nucleo.value)),
            }
        )
    return filas


def razon_primera_ultima(filas):
    """‖∇W₁‖ / ‖∇W_N‖ entre la primera y la última fila de `normas_gradiente`: ≪ 1 si el gradiente se desvanece."""
    if len(filas) < 2:
        raise ErrorParametro(
            mensaje("filas", "una lista de al menos dos capas (las de normas_gradiente)", es=f"de {len(filas)}")
            + " Hacen falta dos para comparar la primera con la última."
        )
    ultima = filas[-1]["norma"]
    return float(filas[0]["norma"] / ultima) if ultima > 0 else float("inf")
