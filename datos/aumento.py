"""Aumento de datos con la interfaz de `ImageDataGenerator` sobre `tf.data` (§3, mejora 1).

Keras 3 ya no trae `ImageDataGenerator`: solo queda una copia obsoleta en `tf.keras` que transforma
imagen a imagen en Python. Aquí se conserva su interfaz (el código de los estudiantes solo cambia el
`import`: `from datos import ImageDataGenerator`) pero cada lote se transforma entero y de una vez:

- todas las transformaciones geométricas (rotación, desplazamientos, zoom, cizalla y volteos) se
  componen en **una sola matriz afín por imagen**, y la imagen se remuestrea una única vez con
  interpolación bilineal construida con `tf.gather`, que XLA sabe compilar (las capas `Random*` de
  Keras desactivan XLA y `ImageProjectiveTransformV3` no tiene núcleo XLA);
- `flow()` y `flow_from_directory()` devuelven un `IteradorLotes` (`datos.iteradores`): una tubería
  `tf.data` con `prefetch` que se usa como el iterador de Keras 2 (`fit` con o sin `steps_per_epoch`,
  `validation_data`, `next`, `len`, `[i]`); la transformación compilada se reutiliza entre `flow()`;
- `CapaAumento` aplica la misma transformación como capa de un modelo (solo al entrenar), para
  hacerla en la GPU cuando la hay.

Se corrigen dos descuidos del informe: la validación (y el test) nunca se aumentan, y `standardize`
devuelve un array nuevo en vez de modificar el del llamante.
"""

import inspect
import math
import numbers
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from datos.carpetas import EXTENSIONES
from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from datos.geometria import MODOS_RELLENO, matriz_afin, muestrear_bilineal
from datos.iteradores import IteradorLotes
from datos.normalizacion import NormalizadorCanal
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    ENTERO_POSITIVO,
    FRACCION,
    NO_NEGATIVO,
    TAMANO_IMAGEN,
    Intervalo,
    Opciones,
    Par,
    Real,
    comprobar,
    mensaje,
    validar_imagenes,
)

CANALES_ADMITIDOS = (1, 3, 4)
CANALES_COLOR = {"grayscale": 1, "rgb": 3, "rgba": 4}
MODOS_CLASE = ("categorical", "binary", "sparse", "input", None)
# interpolation de Keras 2 (PIL) -> método de tf.image.resize
INTERPOLACIONES = {
    "nearest": "nearest",
    "bilinear": "bilinear",
    "bicubic": "bicubic",
    "lanczos": "lanczos3",
    "box": "area",
}
EPSILON = 1e-6  # el mismo que ImageDataGenerator y NormalizadorCanal


FINITO = Intervalo(Real)  # cval y rescale: cualquier número finito
ZOOM_MINIMO = 1e-3  # el menor factor de zoom de un par (mínimo, máximo)


def _desplazamiento_maximo(valor, nombre):
    """`width_shift_range`/`height_shift_range` (>= 0): un entero se queda entero (desplaza píxeles enteros)."""
    comprobado = comprobar(valor, nombre, NO_NEGATIVO)
    return int(valor) if isinstance(valor, numbers.Integral) else comprobado


class Aumento:
    """Configuración y aplicación de la transformación aleatoria de un lote (compartida por la clase y la capa).

    Mismos parámetros y significado que `ImageDataGenerator`: `rotation_range` en grados;
    `width_shift_range`/`height_shift_range` como fracción del tamaño si son menores que 1, en píxeles
    si son mayores o iguales (un entero `k` da desplazamientos enteros entre -(k-1) y k-1);
    `zoom_range` como `z` (equivale a `[1-z, 1+z]`) o `[mínimo, máximo]`; `shear_range` en grados;
    volteos con probabilidad 1/2; `brightness_range` multiplica la imagen por un factor de ese
    intervalo; `fill_mode` y `cval` rellenan lo que queda fuera de la imagen.
    """

    def __init__(
        self,
        rotation_range=0.0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        zoom_range=0.0,
        shear_range=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        brightness_range=None,
        fill_mode="nearest",
        cval=0.0,
    ):
        self.rotation_range = comprobar(rotation_range, "rotation_range", NO_NEGATIVO)
        self.width_shift_range = _desplazamiento_maximo(width_shift_range, "width_shift_range")
        self.height_shift_range = _desplazamiento_maximo(height_shift_range, "height_shift_range")
        self.shear_range = comprobar(shear_range, "shear_range", NO_NEGATIVO)
        # un número z en [0, 1) equivale a [1-z, 1+z]
        zoom = comprobar(zoom_range, "zoom_range", FRACCION, Par(Intervalo(Real, ZOOM_MINIMO, None)))
        self.zoom_range = zoom if isinstance(zoom, tuple) else (1 - zoom, 1 + zoom)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.brightness_range = comprobar(brightness_range, "brightness_range", None, Par(NO_NEGATIVO))
        self.fill_mode = comprobar(fill_mode, "fill_mode", Opciones(*MODOS_RELLENO))
        self.cval = comprobar(cval, "cval", FINITO)

    @classmethod
    def desde(cls, opciones, quien):
        """`Aumento(**opciones)`; un nombre que no es de `Aumento` da un error que lo nombra (`quien` lo recibió)."""
        desconocidas = sorted(set(opciones) - set(cls.PARAMETROS))
        if desconocidas:
            raise ErrorParametro(
                f"{quien} no admite {', '.join(map(repr, desconocidas))}. Los parámetros de aumento admitidos "
                f"son: {', '.join(cls.PARAMETROS)}."
            )
        return cls(**opciones)

    @property
    def geometrico(self):
        return bool(
            self.rotation_range
            or self.width_shift_range
            or self.height_shift_range
            or self.shear_range
            or self.zoom_range != (1.0, 1.0)
            or self.horizontal_flip
            or self.vertical_flip
        )

    @property
    def activo(self):
        return self.geometrico or self.brightness_range is not None

    def config(self):
        return {
            "rotation_range": self.rotation_range,
            "width_shift_range": self.width_shift_range,
            "height_shift_range": self.height_shift_range,
            "zoom_range": list(self.zoom_range),
            "shear_range": self.shear_range,
            "horizontal_flip": self.horizontal_flip,
            "vertical_flip": self.vertical_flip,
            "brightness_range": None if self.brightness_range is None else list(self.brightness_range),
            "fill_mode": self.fill_mode,
            "cval": self.cval,
        }

    def _desplazamiento(self, u, rango, tamano):
        """Desplazamiento en píxeles a partir de `u` uniforme en [0, 1), como ImageDataGenerator."""
        if isinstance(rango, numbers.Integral) and rango >= 1:
            return tf.floor(u * (2 * rango - 1)) - (rango - 1)
        escala = rango * tamano if rango < 1 else float(rango)
        return (2 * u - 1) * escala

    def parametros(self, n, alto, ancho, semilla):
        """Parámetros aleatorios de `n` imágenes (tensores de forma [n]) a partir de una semilla sin estado."""
        u = tf.random.stateless_uniform([8, n], seed=semilla)
        grados = math.pi / 180
        p = {
            "theta": (2 * u[0] - 1) * self.rotation_range * grados,
            "tx": self._desplazamiento(u[1], self.height_shift_range, alto),
            "ty": self._desplazamiento(u[2], self.width_shift_range, ancho),
            "shear": (2 * u[3] - 1) * self.shear_range * grados,
            "zx": self.zoom_range[0] + u[4] * (self.zoom_range[1] - self.zoom_range[0]),
            "zy": self.zoom_range[0] + u[5] * (self.zoom_range[1] - self.zoom_range[0]),
            "flip_horizontal": (u[6] < 0.5) & self.horizontal_flip,
            "flip_vertical": (u[7] < 0.5) & self.vertical_flip,
        }
        return p

    def __call__(self, x, semilla):
        """Transforma el lote `x` [N, alto, ancho, canales] con la semilla `semilla` (tensor [2] entero)."""
        if not self.activo:
            return x
        dtype = x.dtype
        x = tf.cast(x, tf.float32)
        forma = tf.shape(x)
        n, alto, ancho = forma[0], forma[1], forma[2]
        if self.geometrico:
            p = self.parametros(n, tf.cast(alto, tf.float32), tf.cast(ancho, tf.float32), semilla)
            x = muestrear_bilineal(x, matriz_afin(p, alto, ancho), self.fill_mode, self.cval)
        if self.brightness_range is not None:
            bajo, alto_b = self.brightness_range
            factor = tf.random.stateless_uniform([n], seed=semilla + 1, minval=bajo, maxval=alto_b)
            x = x * factor[:, None, None, None]
        return tf.cast(x, dtype)


def estandarizar(x, rescale=None, samplewise_center=False, samplewise_std=False, media=None, desviacion=None):
    """`rescale`, normalización de cada imagen y (con `media`/`desviacion` de `fit`) la de cada canal, en ese orden."""
    if rescale:
        x = x * rescale
    if samplewise_center:
        x = x - tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    if samplewise_std:
        x = x / (tf.math.reduce_std(x, axis=[1, 2, 3], keepdims=True) + EPSILON)
    if media is not None:
        x = x - media
    if desviacion is not None:
        x = x / (desviacion + EPSILON)
    return x


_COMPILADAS = {}  # transformaciones ya trazadas, por configuración (véase transformacion_compilada)


def transformacion_compilada(
    aumento, rescale, samplewise_center, samplewise_std, featurewise_center, featurewise_std, canales, jit_compile
):
    """`tf.function(x, semilla, media, desviacion)` que aumenta y estandariza un lote, creada una sola vez.

    Hay una por configuración (`aumento` es un `Aumento`, o None para no aumentar) y número de canales, y
    se reutiliza: la media y la desviación de `fit` entran como argumentos, así que los `flow()` de todos
    los generadores con la misma configuración (uno por repetición o variante de un experimento) usan
    la misma función trazada y su compilación XLA, en vez de pagarla (≈ 0,6 s) en cada `flow()`.
    """
    opciones = (rescale, samplewise_center, samplewise_std, featurewise_center, featurewise_std, canales, jit_compile)
    # repr distingue 2 de 2.0 (width_shift_range entero desplaza píxeles enteros; real, una fracción o píxeles)
    clave = repr((None if aumento is None else sorted(aumento.config().items()), opciones))
    if clave not in _COMPILADAS:
        copia = None if aumento is None else Aumento(**aumento.config())  # no depende del generador que la pide

        def transformar(x, semilla, media, desviacion):
            if copia is not None:
                x = copia(x, semilla)
            return estandarizar(
                x,
                rescale,
                samplewise_center,
                samplewise_std,
                media if featurewise_center else None,
                desviacion if featurewise_std else None,
            )

        firma = [
            tf.TensorSpec([None, None, None, canales], tf.float32),
            tf.TensorSpec([2], tf.int64),
            tf.TensorSpec([canales], tf.float32),
            tf.TensorSpec([canales], tf.float32),
        ]
        # autograph=False: su código no tiene control de flujo sobre tensores, y convertirlo costaba ~1,8 s de
        # CPU por proceso (benchmarks/autograph.py)
        _COMPILADAS[clave] = tf.function(transformar, input_signature=firma, jit_compile=jit_compile, autograph=False)
    return _COMPILADAS[clave]


# Los nombres de los parámetros de aumento: la única lista, la firma de `Aumento` (ImageDataGenerator y
# CapaAumento los reciben tal cual con **opciones).
Aumento.PARAMETROS = tuple(inspect.signature(Aumento).parameters)


class ImageDataGenerator:
    """`ImageDataGenerator` de Keras 2 sobre `tf.data`: misma interfaz, lotes transformados de una vez (§3).

    Parámetros con el mismo nombre y significado que en Keras 2 (véase `Aumento` para los
    geométricos): `featurewise_center`, `featurewise_std_normalization` (media y desviación por canal
    de `fit`), `samplewise_center`, `samplewise_std_normalization` (de cada imagen), `rotation_range`,
    `width_shift_range`, `height_shift_range`, `zoom_range`, `shear_range`, `horizontal_flip`,
    `vertical_flip`, `brightness_range`, `fill_mode` ('constant', 'nearest', 'reflect' o 'wrap'),
    `cval`, `rescale` (factor que multiplica antes de todo lo demás) y `validation_split`.

    Cada lote se transforma primero (aumento) y después se estandariza, como en Keras 2. La parte
    `subset="validation"` nunca se aumenta; `sin_aumento()` da un generador con las mismas estadísticas
    para validación y test.

    La transformación de cada lote se compila con XLA también en CPU, donde va más de tres veces más
    rápida que sin compilar (véase `docs/rendimiento.md`); `jit_compile = False` lo desactiva.
    """

    jit_compile = True

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        rescale=None,
        validation_split=0.0,
        **aumento,
    ):
        if featurewise_std_normalization and not featurewise_center:
            warnings.warn("featurewise_std_normalization implica featurewise_center: se activa también.", stacklevel=2)
            featurewise_center = True
        if samplewise_std_normalization and not samplewise_center:
            warnings.warn("samplewise_std_normalization implica samplewise_center: se activa también.", stacklevel=2)
            samplewise_center = True
        self.featurewise_center = bool(featurewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_center = bool(samplewise_center)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.rescale = comprobar(rescale or None, "rescale", None, FINITO)
        self.validation_split = comprobar(validation_split, "validation_split", FRACCION)
        self.aumento = Aumento.desde(aumento, "ImageDataGenerator")
        self.normalizador = None

    # Estadísticas con los nombres de Keras 2, de forma (1, 1, canales).
    @property
    def mean(self):
        return None if self.normalizador is None else self.normalizador.media.reshape(1, 1, -1)

    @property
    def std(self):
        return None if self.normalizador is None else self.normalizador.desviacion.reshape(1, 1, -1)

    def _validar(self, x, nombre, con_estadisticas=True):
        """Comprueba la forma de `x` y, si se pide y ya hay `fit`, que tenga sus mismos canales."""
        x = validar_imagenes(x, nombre)
        if x.shape[-1] not in CANALES_ADMITIDOS:
            raise ErrorParametro(
                mensaje(nombre, "un lote de imágenes con 1, 3 o 4 canales en el último eje", es=f"de forma {x.shape}")
                + " Si los canales van primero, use np.moveaxis(x, 1, -1)."
            )
        if con_estadisticas and self.normalizador is not None and x.shape[-1] != len(self.normalizador.media):
            canales = len(self.normalizador.media)
            raise ErrorParametro(
                mensaje(
                    nombre, f"un lote de imágenes de {canales} canales, como las de fit()", es=f"de forma {x.shape}"
                )
                + " Use imágenes como las de entrenamiento."
            )
        return x

    def _comprobar_fit(self):
        if self.featurewise_center and self.normalizador is None:
            raise RuntimeError(
                "Este ImageDataGenerator usa featurewise_center/featurewise_std_normalization: llame antes a "
                "fit(x_entrenamiento) para calcular la media y la desviación de cada canal."
            )

    def _estandarizar(self, x, estadisticas=True):
        """`rescale`, normalización de cada imagen y (si `estadisticas`) la de `fit`, sobre un tensor float32."""
        media = desviacion = None
        if estadisticas and self.featurewise_center:
            self._comprobar_fit()
            media = self.normalizador.media
            desviacion = self.normalizador.desviacion if self.featurewise_std_normalization else None
        return estandarizar(
            x, self.rescale, self.samplewise_center, self.samplewise_std_normalization, media, desviacion
        )

    def fit(self, x):
        """Calcula la media y la desviación típica de cada canal de `x` (tras `rescale` y la normalización por imagen).

        Solo hace falta con `featurewise_center` o `featurewise_std_normalization`. Devuelve el generador.
        """
        x = self._validar(x, "x", con_estadisticas=False)
        if self.featurewise_center:
            if self.rescale or self.samplewise_center:
                x = self._estandarizar(tf.convert_to_tensor(x, tf.float32), estadisticas=False).numpy()
            self.normalizador = NormalizadorCanal(epsilon=EPSILON).fit(x)
        return self

    def standardize(self, x):
        """`x` estandarizado como los lotes de `flow`; como en Keras 2, un array de coma flotante cambia en su sitio.

        `datagen.standardize(x_test)` sin asignar el resultado normaliza `x_test` (lo que hace Keras 2, y lo que
        esperan el §2.2 y el código de los estudiantes); un array de enteros no puede, y se devuelve uno nuevo.
        """
        original = x
        x = self._validar(x, "x")
        resultado = self._estandarizar(tf.convert_to_tensor(x, tf.float32)).numpy()
        en_su_sitio = isinstance(original, np.ndarray) and original.dtype.kind == "f" and original.flags.writeable
        if en_su_sitio and original.shape == resultado.shape:
            original[...] = resultado
            return original
        return resultado

    def sin_aumento(self):
        """Generador con la misma estandarización y estadísticas pero sin aumento: para validación y test."""
        copia = ImageDataGenerator(
            featurewise_center=self.featurewise_center,
            featurewise_std_normalization=self.featurewise_std_normalization,
            samplewise_center=self.samplewise_center,
            samplewise_std_normalization=self.samplewise_std_normalization,
            rescale=self.rescale,
        )
        copia.normalizador = self.normalizador
        copia.jit_compile = self.jit_compile
        return copia

    def _parte(self, subset):
        """Fracción (desde, hasta) de los datos que toma `subset`; como en Keras 2, la validación es la parte inicial."""
        if comprobar(subset, "subset", None, Opciones("training", "validation")) is None:
            return 0.0, 1.0
        return (0.0, self.validation_split) if subset == "validation" else (self.validation_split, 1.0)

    def _comprobar_vacio(self, n, subset):
        if n == 0:
            raise ErrorParametro(
                f"subset={subset!r} queda vacío con validation_split={self.validation_split}: cree el generador "
                "con un validation_split mayor que 0 y menor que 1."
            )

    def transformacion(self, canales, aumentar=True):
        """La `tf.function` (compilada con XLA) que aplican los lotes; None si no hay nada que hacer.

        Es la de `transformacion_compilada`: una sola para todos los generadores con la misma configuración.
        """
        aumento = self.aumento if aumentar and self.aumento.activo else None
        if aumento is None and not (self.rescale or self.samplewise_center or self.featurewise_center):
            return None
        return transformacion_compilada(
            aumento,
            self.rescale,
            self.samplewise_center,
            self.samplewise_std_normalization,
            self.featurewise_center,
            self.featurewise_std_normalization,
            int(canales),
            self.jit_compile,
        )

    def _iterador(self, leer, n, canales, extras, batch, shuffle, seed, aumentar, y_es_x=False):
        """`IteradorLotes` de `n` imágenes: `leer(indices)` da el lote float32 [m, alto, ancho, canales] y
        cada array de `extras` (etiquetas, pesos) se reúne con los mismos índices; con `y_es_x`, `y` es `x`."""
        funcion = self.transformacion(canales, aumentar)
        if self.normalizador is None:
            media, desviacion = tf.zeros([canales]), tf.ones([canales])
        else:
            media, desviacion = tf.constant(self.normalizador.media), tf.constant(self.normalizador.desviacion)
        extras = [tf.convert_to_tensor(e) for e in extras]

        @tf.autograph.experimental.do_not_convert  # como `transformar`: sin control de flujo sobre tensores
        def preparar(indices, semilla):
            x = leer(indices)
            if funcion is not None:
                # El último lote de cada época es más corto: se completa hasta `batch` para que XLA
                # compile una sola forma (y una sola vez), y se recorta después.
                m = tf.shape(x)[0]
                x = tf.pad(x, [[0, batch - m], [0, 0], [0, 0], [0, 0]])
                x = funcion(x, semilla, media, desviacion)[:m]
            if y_es_x:
                return x, x
            return (x, *(tf.gather(e, indices) for e in extras)) if extras else x

        return IteradorLotes(preparar, n, batch, shuffle, seed)

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, subset=None):
        """Lotes `(x, y)` (o solo `x`, o `(x, y, sample_weight)`) aumentados y estandarizados, como en Keras 2.

        Devuelve un `IteradorLotes` (véase `datos.iteradores`): `model.fit(it)` con o sin
        `steps_per_epoch`, `validation_data=it`, `next(it)`, `len(it)` e `it[i]` funcionan como con el
        `NumpyArrayIterator` de Keras 2, y los lotes salen de una tubería `tf.data`.

        - `shuffle`: nuevo orden en cada época; `seed` hace repetibles el orden y el aumento. Cada lote de
          cada época recibe su propia semilla, así que el aumento cambia de una época a otra también con
          `shuffle=False`.
        - `subset`: 'training' o 'validation' con `validation_split`; la validación no se aumenta.
        """
        x = self._validar(x, "x")
        if sample_weight is not None and y is None:
            raise ErrorParametro("'sample_weight' necesita etiquetas: pase también 'y'.")
        extras = []
        for nombre, valores in (("y", y), ("sample_weight", sample_weight)):
            if valores is not None:
                valores = np.asarray(valores)
                if len(valores) != len(x):
                    raise ErrorParametro(
                        f"'{nombre}' tiene {len(valores)} valores pero 'x' tiene {len(x)} imágenes: deben coincidir."
                    )
                extras.append(valores)
        batch_size, seed = _lote_y_semilla(batch_size, seed)
        self._comprobar_fit()
        desde, hasta = (int(parte * len(x)) for parte in self._parte(subset))
        x, extras = x[desde:hasta], [e[desde:hasta] for e in extras]
        self._comprobar_vacio(len(x), subset)
        x_tensor = tf.convert_to_tensor(x)

        def leer(indices):
            return tf.cast(tf.gather(x_tensor, indices), tf.float32)

        return self._iterador(leer, len(x), x.shape[-1], extras, batch_size, shuffle, seed, subset != "validation")

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        subset=None,
        interpolation="nearest",
        follow_links=False,
    ):
        """Lotes leídos de `directory/<clase>/<imagen>`, aumentados y estandarizados, como en Keras 2.

        Para las carpetas de imágenes de la clase de CNN (taller de perros y gatos). Mismos parámetros que
        Keras 2: `target_size` (alto, ancho), `color_mode` ('grayscale', 'rgb' o 'rgba'), `classes` (lista
        de subcarpetas; por defecto todas, en orden alfabético), `class_mode` ('categorical': one-hot,
        'binary' o 'sparse': el número de clase, 'input': `y` es la propia imagen, None: solo `x`),
        `batch_size`, `shuffle`, `seed`, `subset` (con `validation_split`, la parte inicial de cada
        clase es la validación, que no se aumenta), `interpolation` ('nearest', 'bilinear', 'bicubic',
        'lanczos' o 'box') y `follow_links`. Lee imágenes BMP, GIF, JPEG y PNG, con valores de 0 a 255
        (use `rescale=1/255` para llevarlas a [0, 1]).

        Devuelve un `IteradorLotes` con además los atributos de `DirectoryIterator`: `class_indices`,
        `classes` (la clase de cada archivo, en el orden de `filenames`), `filenames`, `filepaths`,
        `samples`, `num_classes` e `image_shape`.
        """
        comprobar(color_mode, "color_mode", Opciones(*CANALES_COLOR))
        comprobar(class_mode, "class_mode", Opciones(*MODOS_CLASE))
        comprobar(interpolation, "interpolation", Opciones(*INTERPOLACIONES))
        if not isinstance(target_size, (tuple, list)) or not TAMANO_IMAGEN.admite(target_size):
            # como en Keras 2, un par: un solo entero no vale
            raise ErrorParametro(mensaje("target_size", "un par (alto, ancho) de enteros positivos", target_size))
        batch_size, seed = _lote_y_semilla(batch_size, seed)
        canales = CANALES_COLOR[color_mode]
        self._comprobar_fit()
        if self.normalizador is not None and len(self.normalizador.media) != canales:
            raise ErrorParametro(
                f"color_mode={color_mode!r} da imágenes de {canales} canales pero fit() se hizo con imágenes de "
                f"{len(self.normalizador.media)}: use el color_mode de las de entrenamiento."
            )
        rutas, etiquetas, clases = listar_imagenes(directory, classes, follow_links, self._parte(subset))
        self._comprobar_vacio(len(rutas), subset)
        print(f"Encontradas {len(rutas)} imágenes de {len(clases)} clases.")  # como Keras 2 ("Found ...")
        if class_mode == "categorical":
            extras = [np.eye(len(clases), dtype="float32")[etiquetas]]
        elif class_mode in ("binary", "sparse"):
            extras = [etiquetas.astype("float32")]
        else:
            extras = []
        alto_ancho = tuple(int(t) for t in target_size)
        rutas_tensor = tf.constant(rutas)
        forma = tf.TensorSpec((*alto_ancho, canales), tf.float32)

        def leer_una(ruta):
            imagen = tf.io.decode_image(tf.io.read_file(ruta), channels=canales, expand_animations=False)
            imagen = tf.image.resize(imagen, alto_ancho, method=INTERPOLACIONES[interpolation])
            return tf.ensure_shape(tf.cast(imagen, tf.float32), forma.shape)

        def leer(indices):
            return tf.map_fn(leer_una, tf.gather(rutas_tensor, indices), fn_output_signature=forma)

        iterador = self._iterador(
            leer, len(rutas), canales, extras, batch_size, shuffle, seed, subset != "validation", class_mode == "input"
        )
        iterador.directory = os.fspath(directory)
        iterador.class_mode = class_mode
        iterador.class_indices = {clase: k for k, clase in enumerate(clases)}
        iterador.classes = etiquetas
        iterador.filepaths = rutas
        iterador.filenames = [os.path.relpath(r, directory) for r in rutas]
        iterador.samples = len(rutas)
        iterador.num_classes = len(clases)
        iterador.image_shape = (*alto_ancho, canales)
        return iterador


def _lote_y_semilla(batch_size, seed):
    return comprobar(batch_size, "batch_size", ENTERO_POSITIVO), comprobar(seed, "seed", None, ENTERO_NO_NEGATIVO)


def listar_imagenes(directorio, clases=None, seguir_enlaces=False, parte=(0.0, 1.0)):
    """Rutas y número de clase de las imágenes de `directorio/<clase>/...`, en el orden de Keras 2.

    Las clases son las subcarpetas en orden alfabético (o la lista `clases`); de cada una se toman sus
    imágenes (BMP, GIF, JPEG y PNG, también en subcarpetas) en orden alfabético, y de ellas la fracción
    `parte` = (desde, hasta), como `validation_split` en Keras 2. Los archivos ocultos se ignoran.
    Devuelve `(rutas, etiquetas, clases)`.
    """
    directorio = os.fspath(directorio)
    if not os.path.isdir(directorio):
        raise DatosNoDisponibles(
            f"No existe la carpeta '{directorio}'. Indique una carpeta con una subcarpeta por clase "
            "(p. ej. 'gatos/' y 'perros/') que contenga las imágenes."
        )
    if clases is None:
        clases = sorted(
            d for d in os.listdir(directorio) if os.path.isdir(os.path.join(directorio, d)) and not d.startswith(".")
        )
    rutas, etiquetas, total = [], [], 0
    for indice, clase in enumerate(clases):
        carpeta = os.path.join(directorio, clase)
        if not os.path.isdir(carpeta):
            raise DatosNoDisponibles(f"No existe la carpeta de la clase {clase!r}: '{carpeta}'.")
        archivos = []
        for raiz, _, nombres in sorted(os.walk(carpeta, followlinks=seguir_enlaces), key=lambda t: t[0]):
            archivos += [
                os.path.join(raiz, nombre)
                for nombre in sorted(nombres)
                if nombre.lower().endswith(EXTENSIONES) and not nombre.startswith(".")
            ]
        total += len(archivos)
        desde, hasta = (int(p * len(archivos)) for p in parte)
        rutas += archivos[desde:hasta]
        etiquetas += [indice] * (hasta - desde)
    if total == 0:
        raise ErrorDatos(
            f"No hay imágenes en '{directorio}': debe tener una subcarpeta por clase (p. ej. 'gatos/' y 'perros/') "
            f"con imágenes {', '.join(EXTENSIONES)} dentro."
        )
    return rutas, np.array(etiquetas, dtype="int32"), list(clases)


@keras.saving.register_keras_serializable(package="practicas")
class CapaAumento(keras.layers.Layer):
    """La misma transformación aleatoria de `ImageDataGenerator`, como capa de un modelo (§3, mejora 1).

    Solo actúa al entrenar (`training=True`); en `evaluate` y `predict` deja pasar la imagen. Admite los
    parámetros geométricos y de brillo de `ImageDataGenerator` (`Aumento.PARAMETROS`) y una `seed`. Al ir
    dentro del modelo se ejecuta en la GPU, y como solo usa `gather` y operaciones elementales no impide
    compilar con XLA.

    Dentro del modelo, cada paso toma una semilla nueva de su `SeedGenerator`. En una tubería `tf.data`,
    que prepara varios lotes en paralelo, un generador con estado no daría lotes repetibles: allí se le pasa
    la semilla sin estado de cada lote, `capa(x, training=True, semilla=s)` (`pipeline_desde_arrays` y
    `pipeline_desde_archivos` la dan con `semillas_por_lote=True`).
    """

    def __init__(self, seed=None, **opciones):
        capa = {k: opciones.pop(k) for k in list(opciones) if k not in Aumento.PARAMETROS}
        super().__init__(**capa)
        self.aumento = Aumento.desde(opciones, "CapaAumento")
        self.seed = seed
        self.generador = keras.random.SeedGenerator(seed)

    def call(self, x, training=None, semilla=None):
        if not training or not self.aumento.activo:
            return x
        if semilla is None:
            semilla = keras.random.randint((2,), 0, 2**31 - 1, seed=self.generador)
        return self.aumento(x, semilla)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), **self.aumento.config(), "seed": self.seed}
