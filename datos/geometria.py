"""Geometría del aumento de datos: una matriz afín por imagen y el remuestreo bilineal de un lote (§3).

`matriz_afin` compone rotación, desplazamiento, cizalla, zoom y volteos en una sola transformación, y
`muestrear_bilineal` la aplica a todo el lote con `tf.gather`, que XLA sabe compilar. Los modos de relleno
son los de `scipy.ndimage.affine_transform` con `order=1`, el que usaba el `ImageDataGenerator` de Keras 2.
"""

import tensorflow as tf

MODOS_RELLENO = ("constant", "nearest", "reflect", "wrap")


def matriz_afin(p, alto, ancho):
    """Matriz [N, 2, 3] que lleva cada píxel de salida (fila, columna) a su posición en la entrada.

    Es rotación · desplazamiento · cizalla · zoom alrededor del centro, como `apply_affine_transform` de
    ImageDataGenerator, seguida de los volteos: una sola transformación. El producto se escribe ya hecho
    (operaciones elementales sobre vectores [N]), que XLA compila mucho antes que matrices 3×3 por imagen.
    """
    theta, shear, zx, zy = p["theta"], p["shear"], p["zx"], p["zy"]
    cos, sin = tf.cos(theta), tf.sin(theta)
    # Parte lineal de R·Sh·Z, con R = [[cos, -sin], [sin, cos]], Sh = [[1, -sin s], [0, cos s]], Z = diag(zx, zy).
    a00, a01 = zx * cos, -zy * tf.sin(theta + shear)
    a10, a11 = zx * sin, zy * tf.cos(theta + shear)
    # Traslación: R·(tx, ty) y el giro alrededor del centro o: o - L·o.
    of = tf.cast(alto, tf.float32) / 2 - 0.5
    oc = tf.cast(ancho, tf.float32) / 2 - 0.5
    t0 = cos * p["tx"] - sin * p["ty"] + of - (a00 * of + a01 * oc)
    t1 = sin * p["tx"] + cos * p["ty"] + oc - (a10 * of + a11 * oc)
    # Volteos, aplicados a la salida: (f, c) -> (alto-1-f, c) o (f, ancho-1-c).
    vv = tf.where(p["flip_vertical"], -1.0, 1.0)
    vh = tf.where(p["flip_horizontal"], -1.0, 1.0)
    ff = tf.where(p["flip_vertical"], tf.cast(alto - 1, tf.float32), 0.0)
    fc = tf.where(p["flip_horizontal"], tf.cast(ancho - 1, tf.float32), 0.0)
    filas = tf.stack([a00 * vv, a01 * vh, a00 * ff + a01 * fc + t0], axis=-1)
    columnas = tf.stack([a10 * vv, a11 * vh, a10 * ff + a11 * fc + t1], axis=-1)
    return tf.stack([filas, columnas], axis=-2)


def _indices_validos(i, n, fill_mode):
    """Lleva los índices `i` fuera de [0, n) dentro: reflejados con 'reflect', repetido el borde en los demás modos."""
    if fill_mode == "reflect":  # d c b a | a b c d | d c b a
        m = tf.math.floormod(i, 2 * n)
        return tf.where(m >= n, 2 * n - 1 - m, m)
    return tf.clip_by_value(i, 0, n - 1)


def _envolver(f, n):
    """'wrap' de SciPy (el de Keras 2): fuera de [0, n-1] la coordenada da la vuelta con periodo n-1 (el primer
    y el último píxel se solapan); dentro no cambia."""
    periodo = tf.cast(tf.maximum(n - 1, 1), tf.float32)
    return tf.where((f < 0) | (f > periodo), tf.math.floormod(f, periodo), f)


def muestrear_bilineal(x, matriz, fill_mode="nearest", cval=0.0):
    """Remuestrea el lote `x` [N, H, W, C] con las matrices `matriz` [N, 2, 3] (salida → entrada).

    Interpolación bilineal con cuatro `tf.gather` sobre el lote aplanado: todo el lote de una vez, y
    compilable con XLA. Los modos de relleno son los de `scipy.ndimage.affine_transform` con `order=1`,
    que usa el `ImageDataGenerator` de Keras 2: 'nearest', 'reflect', 'wrap' y 'constant' (un punto que
    cae fuera de la imagen vale `cval`, sin mezclarse con el borde).
    """
    forma = tf.shape(x)
    n, alto, ancho, canales = forma[0], forma[1], forma[2], forma[3]
    filas, columnas = tf.meshgrid(tf.range(alto), tf.range(ancho), indexing="ij")
    rejilla = tf.stack(
        [
            tf.cast(tf.reshape(filas, [-1]), tf.float32),
            tf.cast(tf.reshape(columnas, [-1]), tf.float32),
            tf.ones([alto * ancho], tf.float32),
        ]
    )  # [3, H*W]
    origen = tf.einsum("nij,jk->nik", matriz, rejilla)  # [N, 2, H*W]
    f, c = origen[:, 0], origen[:, 1]
    if fill_mode == "wrap":
        f, c = _envolver(f, alto), _envolver(c, ancho)
    f0, c0 = tf.floor(f), tf.floor(c)
    df, dc = (f - f0)[..., None], (c - c0)[..., None]
    f0, c0 = tf.cast(f0, tf.int32), tf.cast(c0, tf.int32)
    plano = tf.reshape(x, [-1, canales])
    base = (tf.range(n) * alto * ancho)[:, None]

    def leer(fi, ci):
        fi = _indices_validos(fi, alto, fill_mode)
        ci = _indices_validos(ci, ancho, fill_mode)
        return tf.gather(plano, base + fi * ancho + ci)  # [N, H*W, C]

    arriba = leer(f0, c0) * (1 - dc) + leer(f0, c0 + 1) * dc
    abajo = leer(f0 + 1, c0) * (1 - dc) + leer(f0 + 1, c0 + 1) * dc
    valores = arriba * (1 - df) + abajo * df
    if fill_mode == "constant":
        dentro = (f >= 0) & (f <= tf.cast(alto - 1, tf.float32)) & (c >= 0) & (c <= tf.cast(ancho - 1, tf.float32))
        valores = tf.where(dentro[..., None], valores, cval)
    return tf.reshape(valores, forma)
