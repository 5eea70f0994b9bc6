"""Único lugar que construye las tuberías `tf.data`: desde arrays en memoria, desde archivos de imagen o desde
un `tf.data.Dataset` de imágenes codificadas (los registros de tensorflow-datasets).

Los lotes se forman barajando índices y reuniendo cada lote con un solo `tf.gather`, en vez de cortar
imagen a imagen: así la entrada no frena a la GPU. Una `transformacion` opcional (p. ej. el aumento de
datos) se aplica al lote entero, y `prefetch` solapa la preparación del siguiente lote con el cálculo.
"""

import os

import numpy as np
import tensorflow as tf

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, FRACCION_ABIERTA, TAMANO_IMAGEN, comprobar, mensaje

AUTOTUNE = tf.data.AUTOTUNE


def semillas_de_lote(semilla):
    """Dataset infinito de semillas sin estado `[2]` (int64), una por lote y distinta en cada época.

    Repetible con `semilla`. Es lo que reciben las transformaciones con `semillas_por_lote=True`:
    `tf.data` prepara varios lotes en paralelo, y un generador con estado no daría lotes repetibles.
    """
    return tf.data.Dataset.random(seed=semilla, rerandomize_each_iteration=True).batch(2)


def _transformar_lotes(ds, transformacion, semillas_por_lote, semilla, con_etiquetas=True):
    """Aplica `transformacion(x, y[, semilla_lote])` a cada lote de `ds` (elementos `(x, y)` o solo `x`)."""
    if transformacion is None:
        return ds
    if semillas_por_lote:
        ds = tf.data.Dataset.zip((ds, semillas_de_lote(semilla)))
        if con_etiquetas:
            funcion = lambda lote, s: transformacion(*lote, s)  # noqa: E731
        else:
            funcion = lambda xb, s: transformacion(xb, None, s)[0]  # noqa: E731
    elif con_etiquetas:
        funcion = transformacion
    else:
        funcion = lambda xb: transformacion(xb, None)[0]  # noqa: E731
    return ds.map(funcion, num_parallel_calls=AUTOTUNE, deterministic=True)


def pipeline_desde_arrays(
    x, y=None, batch=64, barajar=False, semilla=None, transformacion=None, semillas_por_lote=False, indices=None
):
    """`tf.data.Dataset` de lotes `(x, y)` (o solo `x`) a partir de arrays en memoria.

    - `barajar`: nuevo orden en cada época, repetible con `semilla`.
    - `transformacion(x_lote, y_lote) -> (x_lote, y_lote)`: se aplica a cada lote completo (`y_lote` es
      `None` si no hay etiquetas).
    - `semillas_por_lote`: la transformación recibe un tercer argumento, una semilla `[2]` distinta para
      cada lote y cada época y repetible con `semilla`, para aumentos aleatorios sin estado: `tf.data`
      prepara varios lotes en paralelo y un generador con estado no daría lotes repetibles.
    - `indices`: las posiciones de `x` (e `y`) que forman el conjunto, en ese orden (p. ej. las de
      validación dentro de una caché de toda la partición), sin copiar `x`.
    - `x` puede ser un `np.memmap` (una caché de imágenes en disco, `datos.cache_imagenes`): cada lote se lee
      del archivo, sin cargarlo entero.
    """
    batch = comprobar(batch, "batch", ENTERO_POSITIVO)
    leer_x = _lector_memmap(x) if isinstance(x, np.memmap) else None
    x = x if leer_x else tf.convert_to_tensor(np.asarray(x))
    y = None if y is None else tf.convert_to_tensor(np.asarray(y))
    if indices is None:
        n = int(x.shape[0])
        lotes = tf.data.Dataset.range(n)
    else:
        indices = np.asarray(indices, dtype=np.int64)
        n = len(indices)
        lotes = tf.data.Dataset.from_tensor_slices(indices)
    if barajar:
        lotes = lotes.shuffle(n, seed=semilla, reshuffle_each_iteration=True)
    lotes = lotes.batch(batch)
    if semillas_por_lote:
        lotes = tf.data.Dataset.zip((lotes, semillas_de_lote(semilla)))

    def preparar(indices, *semilla_lote):
        x_lote = leer_x(indices) if leer_x else tf.gather(x, indices)
        y_lote = None if y is None else tf.gather(y, indices)
        if transformacion is not None:
            x_lote, y_lote = transformacion(x_lote, y_lote, *semilla_lote)
        return x_lote if y_lote is None else (x_lote, y_lote)

    return lotes.map(preparar, num_parallel_calls=AUTOTUNE, deterministic=True).prefetch(AUTOTUNE)


def _lector_memmap(x):
    """Función de TensorFlow que lee del `np.memmap` las filas de un lote (en el orden de `indices`)."""
    forma, dtype = x.shape[1:], tf.as_dtype(x.dtype)

    def leer(indices):
        lote = tf.numpy_function(lambda i: np.asarray(x[i]), [indices], dtype, stateful=False)
        return tf.ensure_shape(lote, (None, *forma))

    return leer


def pipeline_desde_carpeta(
    carpeta,
    tamano=(150, 150),
    batch=32,
    validacion=0.2,
    barajar=True,
    semilla=None,
    transformacion=None,
    semillas_por_lote=False,
):
    """Lotes `(imágenes, etiquetas one-hot)` de una carpeta `clase/imagen.jpg` (clase de CNN, taller de perros y gatos).

    Comprueba antes la carpeta (`datos.carpetas.revisar_carpeta_imagenes`) y la lee con
    `keras.utils.image_dataset_from_directory`: imágenes RGB float32 en [0, 255] redimensionadas a
    `tamano` (un entero, imagen cuadrada, o `(alto, ancho)`); clases en orden alfabético (`ds.class_names`).

    - `validacion`: fracción que se aparta para validar; devuelve `(entrenamiento, validacion)`. La
      validación no se baraja ni se transforma. Con `validacion=None` devuelve un solo dataset (p. ej. test).
    - `transformacion(x_lote, y_lote) -> (x_lote, y_lote)`: se aplica solo al primer dataset, el de
      entrenamiento (p. ej. el aumento de datos); con `semillas_por_lote`, como en `pipeline_desde_arrays`,
      recibe además la semilla sin estado del lote.
    """
    import keras

    from datos.carpetas import revisar_carpeta_imagenes

    batch = comprobar(batch, "batch", ENTERO_POSITIVO)
    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    validacion = comprobar(validacion, "validacion", None, FRACCION_ABIERTA)
    cuentas = revisar_carpeta_imagenes(carpeta)
    clases = sorted(cuentas)
    total = sum(cuentas.values())
    if validacion is not None and not 0 < int(validacion * total) < total:
        raise ErrorParametro(
            f"Con {total} imágenes en '{carpeta}' una validación del {100 * validacion:g} % queda vacía o se lo "
            "lleva todo: añada imágenes o cambie la fracción de validación."
        )
    if semilla is None:
        semilla = int(np.random.randint(2**31 - 1))  # Keras exige una semilla para separar la validación
    leer = dict(
        labels="inferred",
        label_mode="categorical",
        class_names=clases,
        color_mode="rgb",
        batch_size=batch,
        image_size=tamano,
        shuffle=barajar,
        seed=semilla,
        verbose=False,
    )
    if validacion is None:
        datasets = [keras.utils.image_dataset_from_directory(carpeta, **leer)]
    else:
        datasets = list(
            keras.utils.image_dataset_from_directory(carpeta, validation_split=validacion, subset="both", **leer)
        )
    if transformacion is not None:
        datasets[0] = _transformar_lotes(datasets[0], transformacion, semillas_por_lote, semilla).prefetch(AUTOTUNE)
    for ds in datasets:
        ds.class_names = clases
    return datasets[0] if validacion is None else tuple(datasets)


def decodificar_imagen(imagen, tamano=(224, 224)):
    """Decodifica y redimensiona una imagen: los bytes de un JPEG, PNG, GIF o BMP, o un tensor uint8 ya decodificado.

    Devuelve uint8 RGB de `tamano` (un entero, imagen cuadrada, o `(alto, ancho)`). Las imágenes en gris se
    pasan a RGB y se descarta el canal alfa. El cambio de tamaño es bilineal con antialias y no conserva la
    proporción, como `load_img(target_size=...)` del profesor.
    """
    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    if imagen.dtype == tf.string:
        imagen = tf.io.decode_image(imagen, channels=3, expand_animations=False)
    else:
        canales = imagen.shape[-1]
        if canales == 1:
            imagen = tf.image.grayscale_to_rgb(imagen)
        elif canales == 4:
            imagen = imagen[..., :3]
    imagen = tf.image.resize(imagen, tamano, method="bilinear", antialias=True)
    imagen = tf.cast(tf.clip_by_value(tf.round(imagen), 0, 255), tf.uint8)
    return tf.ensure_shape(imagen, (*tamano, 3))


def leer_imagen(ruta, tamano=(224, 224)):
    """Lee un archivo de imagen (JPEG, PNG, GIF o BMP) como uint8 RGB de `tamano` (un entero o `(alto, ancho)`).

    Las imágenes en gris se pasan a RGB y se descarta el canal alfa. El cambio de tamaño es bilineal con
    antialias y no conserva la proporción, como `load_img(target_size=...)` del profesor.
    """
    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    return decodificar_imagen(tf.io.read_file(ruta), tamano)


# Como mucho tantas imágenes sin decodificar en el búfer de barajado de un `tf.data.Dataset` de origen.
BUFER_BARAJADO = 1024


def pipeline_desde_archivos(
    rutas,
    etiquetas=None,
    batch=64,
    tamano=224,
    barajar=False,
    semilla=None,
    cache=None,
    transformacion=None,
    semillas_por_lote=False,
):
    """`tf.data.Dataset` de lotes `(x, y)` (o solo `x`) que lee las imágenes según se necesitan.

    Las imágenes se decodifican y redimensionan en paralelo (`decodificar_imagen`, uint8) y se preparan
    los siguientes lotes mientras se calcula (`prefetch`): la memoria no crece con el número de imágenes.

    - `rutas`: lista de rutas de imagen (las `etiquetas`, si las hay, van aparte, una fila por ruta) o un
      `tf.data.Dataset` de origen cuyos elementos son `imagen` o `(imagen, etiqueta)`; `imagen` son los
      bytes de un JPEG, PNG, GIF o BMP (p. ej. los registros de tensorflow-datasets sin decodificar) o un
      tensor uint8 `(alto, ancho, canales)`. Con un dataset, `etiquetas` debe ser None.
    - `tamano`: lado (entero) o `(alto, ancho)` de las imágenes.
    - `barajar`: nuevo orden en cada época, repetible con `semilla`. Se barajan las rutas (todas) o, con un
      dataset de origen, sus elementos aún sin decodificar en un búfer de `BUFER_BARAJADO` como mucho.
    - `cache`: `None` (se leen en cada época), `True` (se guardan decodificadas en memoria tras la primera
      época) o la ruta de un archivo de caché en disco.
    - `transformacion(x_lote, y_lote) -> (x_lote, y_lote)`: se aplica a cada lote completo (p. ej. aumento y
      preprocesado); sin ella los lotes son uint8. Con `semillas_por_lote`, como en `pipeline_desde_arrays`,
      recibe además la semilla sin estado del lote.
    """
    cache = None if cache is False else cache
    batch = comprobar(batch, "batch", ENTERO_POSITIVO)
    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    if isinstance(rutas, tf.data.Dataset):
        ds, con_etiquetas, n, bufer = _origen_dataset(rutas, etiquetas)
        leer = decodificar_imagen
    else:
        rutas = [os.fspath(r) for r in rutas]
        n = len(rutas)
        if n == 0:
            raise ErrorParametro(mensaje("rutas", "una lista con al menos una ruta de imagen", es="una lista vacía"))
        if etiquetas is not None and len(etiquetas) != n:
            raise ErrorParametro(f"'etiquetas' tiene {len(etiquetas)} filas pero hay {n} rutas: deben coincidir.")
        con_etiquetas, bufer, leer = etiquetas is not None, n, leer_imagen
        ds = tf.data.Dataset.from_tensor_slices(rutas if etiquetas is None else (rutas, np.asarray(etiquetas)))

    if barajar and cache is None:  # se baraja antes de decodificar: el búfer no guarda imágenes decodificadas
        ds = ds.shuffle(bufer, seed=semilla, reshuffle_each_iteration=True)
    # Sin AutoGraph: la lectura no tiene control de flujo sobre tensores (véase benchmarks/autograph.py).
    if con_etiquetas:
        decodificar = tf.autograph.experimental.do_not_convert(lambda r, y: (leer(r, tamano), y))
    else:
        decodificar = tf.autograph.experimental.do_not_convert(lambda r: leer(r, tamano))
    ds = ds.map(decodificar, num_parallel_calls=AUTOTUNE, deterministic=True)
    if cache is not None:
        ds = ds.cache("" if cache is True else os.fspath(cache))
        if barajar:
            ds = ds.shuffle(min(n or BUFER_BARAJADO, BUFER_BARAJADO), seed=semilla, reshuffle_each_iteration=True)
    ds = _transformar_lotes(ds.batch(batch), transformacion, semillas_por_lote, semilla, con_etiquetas)
    return ds.prefetch(AUTOTUNE)


def _origen_dataset(ds, etiquetas):
    """Comprueba un dataset de origen de `pipeline_desde_archivos`: `(ds, con_etiquetas, n o None, búfer)`."""
    if etiquetas is not None:
        raise ErrorParametro("Con un tf.data.Dataset de origen las etiquetas van en sus elementos, (imagen, etiqueta).")
    spec = ds.element_spec
    con_etiquetas = isinstance(spec, tuple)
    if con_etiquetas and len(spec) != 2:
        raise ErrorParametro(f"Los elementos del dataset deben ser imagen o (imagen, etiqueta), y son {spec}.")
    imagen = spec[0] if con_etiquetas else spec
    if not isinstance(imagen, tf.TensorSpec) or not (
        (imagen.dtype == tf.string and imagen.shape.rank == 0) or (imagen.dtype == tf.uint8 and imagen.shape.rank == 3)
    ):
        raise ErrorParametro(
            f"La imagen de cada elemento debe ser un escalar tf.string (la imagen codificada) o un tensor uint8 "
            f"(alto, ancho, canales), y es {imagen}."
        )
    n = int(ds.cardinality())
    if n == 0:
        raise ErrorParametro("El dataset de origen está vacío: no hay imágenes que leer.")
    n = n if n > 0 else None  # desconocido (tras un filter) o infinito
    return ds, con_etiquetas, n, min(n or BUFER_BARAJADO, BUFER_BARAJADO)
