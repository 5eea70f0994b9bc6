"""Comprobaciones de forma de imágenes y etiquetas, con errores en español que nombran el argumento."""

import numpy as np


def validar_imagenes(x, nombre="x", canales=None):
    """Comprueba que `x` sea un lote de imágenes (N, alto, ancho, canales) y lo devuelve como array."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"'{nombre}' debe tener forma (N, alto, ancho, canales) y tiene forma {x.shape}. "
            "Si es una sola imagen, añada el eje del lote con x[None]."
        )
    if canales is not None and x.shape[-1] != canales:
        raise ValueError(f"'{nombre}' debe tener {canales} canales y tiene {x.shape[-1]} (forma {x.shape}).")
    if len(x) == 0:
        raise ValueError(f"'{nombre}' está vacío.")
    return x


def validar_etiquetas(y, n, nombre="y"):
    """Comprueba que `y` sean etiquetas one-hot (N, clases) con N == n."""
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(
            f"'{nombre}' debe estar en one-hot con forma (N, clases) y tiene forma {y.shape}. "
            "Use keras.utils.to_categorical(y, num_clases)."
        )
    if len(y) != n:
        raise ValueError(f"'{nombre}' tiene {len(y)} etiquetas pero hay {n} imágenes: deben coincidir.")
    return y
