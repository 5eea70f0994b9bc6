"""Único lugar que construye las tuberías `tf.data`, desde arrays en memoria o desde archivos.

Los lotes se forman barajando índices y reuniendo cada lote con un solo `tf.gather`, en vez de cortar
imagen a imagen: así la entrada no frena a la GPU. Una `transformacion` opcional (p. ej. el aumento de
datos) se aplica al lote entero, y `prefetch` solapa la preparación del siguiente lote con el cálculo.
"""
import numpy as np
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE


def pipeline_desde_arrays(x, y=None, batch_size=64, barajar=False, semilla=None, transformacion=None):
    """`tf.data.Dataset` de lotes `(x, y)` (o solo `x`) a partir de arrays en memoria.

    - `barajar`: nuevo orden en cada época, repetible con `semilla`.
    - `transformacion(x_lote, y_lote) -> (x_lote, y_lote)`: se aplica a cada lote completo.
    """
    x = tf.convert_to_tensor(np.asarray(x))
    y = None if y is None else tf.convert_to_tensor(np.asarray(y))
    n = int(x.shape[0])
    if batch_size < 1:
        raise ValueError(f"'batch_size' debe ser un entero positivo y es {batch_size}.")
    indices = tf.data.Dataset.range(n)
    if barajar:
        indices = indices.shuffle(n, seed=semilla, reshuffle_each_iteration=True)
    lotes = indices.batch(batch_size)

    if y is None:
        ds = lotes.map(lambda i: tf.gather(x, i), num_parallel_calls=AUTOTUNE, deterministic=True)
        if transformacion is not None:
            ds = ds.map(lambda xb: transformacion(xb, None)[0], num_parallel_calls=AUTOTUNE, deterministic=True)
    else:
        ds = lotes.map(lambda i: (tf.gather(x, i), tf.gather(y, i)), num_parallel_calls=AUTOTUNE, deterministic=True)
        if transformacion is not None:
            ds = ds.map(transformacion, num_parallel_calls=AUTOTUNE, deterministic=True)
    return ds.prefetch(AUTOTUNE)
