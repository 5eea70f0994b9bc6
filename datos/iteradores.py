"""Iteradores de entrenamiento, validación y test de la práctica 3 (§2.2 `getDataIterators`, §3 `getNormalizedData`).

`IteradorLotes` es lo que devuelven `ImageDataGenerator.flow` y `flow_from_directory`: el iterador de
Keras 2 (`NumpyArrayIterator`, `DirectoryIterator`) sobre una tubería `tf.data`.
"""

import functools
import math
import sys

import numpy as np
import tensorflow as tf

# Keras 3 acepta en fit/evaluate/predict cualquier DataAdapter tal cual ("Allow passing a custom data
# adapter", keras/src/trainers/data_adapters/__init__.py); no lo exporta con un nombre público.
from keras.src.trainers.data_adapters.data_adapter import DataAdapter
from keras.src.trainers.epoch_iterator import EpochIterator
from sklearn.model_selection import train_test_split

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, comprobar, validar_etiquetas, validar_imagenes

FRACCION_VALIDACION = 0.1
AUTOTUNE = tf.data.AUTOTUNE

# Aumento de datos de la mejora 1 de BaseNet++ (§3): rotación de 10°, desplazamientos de 0.2 y volteo horizontal.
AUMENTO_BASENETPP = dict(rotation_range=10, width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True)
# Aumento del taller de perros y gatos (el de Deep Learning with Python, de Chollet, que cita la clase).
AUMENTO_PERROS_GATOS = dict(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
)


def _keras_pide_pasos(marco):
    """True si quien llama (el marco `marco`) es un `EpochIterator` de Keras con `steps_per_epoch` fijado.

    Keras 3 no le dice al adaptador de datos si `fit` recibió `steps_per_epoch` (o `evaluate`/`predict`
    `steps`, o `fit` `validation_steps`), y su `EpochIterator` corta la época en cuanto se agotan los
    `num_batches` lotes que le anuncia el adaptador: con 45 lotes y `steps_per_epoch=44` entrena 44, 1,
    44, 1… El `EpochIterator` pregunta `num_batches` y pide la tubería justo después de guardar
    `steps_per_epoch`, así que se mira ahí.
    """
    llamador = marco.f_locals.get("self")
    return isinstance(llamador, EpochIterator) and bool(llamador.steps_per_epoch)


class IteradorLotes(DataAdapter):
    """Lotes de `ImageDataGenerator.flow` y `flow_from_directory`: el iterador de Keras 2 sobre `tf.data` (§3).

    Keras 2 devolvía un `NumpyArrayIterator` (o un `DirectoryIterator`). Aquí cada lote sale de una
    tubería `tf.data` (lectura, aumento compilado con XLA y `prefetch`, en paralelo con el entrenamiento)
    y el objeto se usa igual que en Keras 2:

    - `model.fit(it)`, `evaluate(it)`, `predict(it)`: `len(it)` = ceil(n / batch_size) lotes por época, el
      último más corto, barajados de nuevo (y con otro aumento) en cada época;
    - `model.fit(it, steps_per_epoch=k)` (también `validation_steps` y `steps`): un flujo sin fin del que
      cada época toma `k` lotes, como el iterador infinito de Keras 2 con `fit_generator`;
    - `next(it)`: el siguiente lote de ese flujo sin fin; `it[i]`: el lote `i` del orden de la época en
      curso; ambos en arrays NumPy, como Keras 2. `it.reset()` vuelve a empezar el flujo de `next`;
    - `for lote in it`: una época de tensores, como un `tf.data.Dataset` (`it.dataset` es ese dataset y
      `it.cardinality()` su número de lotes).

    `preparar(indices, semilla)` lee y transforma el lote de las imágenes `indices` (int64) con la semilla
    `[2]` del lote, y devuelve `x` o la tupla `(x, y)` o `(x, y, pesos)`; `batch` es el tamaño de lote.
    Atributos de Keras 2: `n`, `batch_size`, `shuffle` y `seed`.
    """

    def __init__(self, preparar, n, batch, shuffle=True, seed=None):
        self.n = int(n)
        self._batch_size = comprobar(batch, "batch", ENTERO_POSITIVO)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self._preparar = preparar
        self.dataset = self._tuberia(sin_fin=False)
        self._azar = np.random.default_rng(seed)
        self._orden = self._nuevo_orden()
        self._iterador = None

    def _tuberia(self, sin_fin):
        """Índices barajados de nuevo en cada pasada, en lotes, cada lote con su semilla, y `preparar` en paralelo."""
        indices = tf.data.Dataset.range(self.n)
        if self.shuffle:
            indices = indices.shuffle(self.n, seed=self.seed, reshuffle_each_iteration=True)
        indices = indices.batch(self._batch_size)
        if sin_fin:
            indices = indices.repeat()
        # Una semilla [2] por lote, otra en cada época y repetible con `seed`: tf.data prepara varios lotes
        # en paralelo, y un generador aleatorio con estado no daría lotes repetibles.
        semillas = tf.data.Dataset.random(seed=self.seed, rerandomize_each_iteration=True).batch(2)
        lotes = tf.data.Dataset.zip((indices, semillas))
        return lotes.map(self._preparar, num_parallel_calls=AUTOTUNE, deterministic=True).prefetch(AUTOTUNE)

    @functools.cached_property
    def _sin_fin(self):
        """La tubería que no acaba (para `next` y `steps_per_epoch`), creada solo si hace falta."""
        return self._tuberia(sin_fin=True)

    def _nuevo_orden(self):
        return self._azar.permutation(self.n) if self.shuffle else np.arange(self.n)

    # ---- interfaz de Keras 2 ----

    @property
    def batch_size(self):
        return self._batch_size

    def __len__(self):
        return math.ceil(self.n / self._batch_size)

    def __iter__(self):
        return iter(self.dataset)

    def __next__(self):
        if self._iterador is None:
            self._iterador = iter(self._sin_fin)
        return _a_numpy(next(self._iterador))

    def next(self):
        """Como `next(it)` (método de Keras 2)."""
        return self.__next__()

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(f"Se pide el lote {i} pero hay {len(self)} (de 0 a {len(self) - 1}).")
        i %= len(self)
        indices = self._orden[i * self._batch_size : (i + 1) * self._batch_size]
        semilla = self._azar.integers(0, 2**31 - 1, size=2)
        return _a_numpy(self._preparar(tf.constant(indices, tf.int64), tf.constant(semilla, tf.int64)))

    def reset(self):
        """Vuelve a empezar el flujo de `next(it)` (como `reset()` de Keras 2)."""
        self._iterador = None

    def on_epoch_end(self):
        """Nuevo orden para `it[i]` al acabar cada época (Keras lo llama; como en Keras 2)."""
        self._orden = self._nuevo_orden()

    def cardinality(self):
        """Lotes de una época, como `tf.data.Dataset.cardinality()`."""
        return self.dataset.cardinality()

    @property
    def element_spec(self):
        return self.dataset.element_spec

    # ---- interfaz de DataAdapter, la que usa Keras 3 ----

    @property
    def num_batches(self):
        marco = sys._getframe(1)
        if marco.f_locals.get("class_weight") is not None:  # Keras 3 no lo aplica a un DataAdapter: no se calla
            raise ErrorParametro(
                "Keras 3 no aplica class_weight a los lotes de flow(): pase el peso de cada imagen en "
                "flow(x, y, sample_weight=pesos), p. ej. pesos = np.array([class_weight[c] for c in y.argmax(1)])."
            )
        return None if _keras_pide_pasos(marco) else len(self)

    def get_tf_dataset(self):
        return self._sin_fin if _keras_pide_pasos(sys._getframe(1)) else self.dataset

    def get_numpy_iterator(self):
        dataset = self._sin_fin if _keras_pide_pasos(sys._getframe(1)) else self.dataset
        return dataset.as_numpy_iterator()

    def get_jax_iterator(self):
        dataset = self._sin_fin if _keras_pide_pasos(sys._getframe(1)) else self.dataset
        return dataset.as_numpy_iterator()

    @property
    def has_partial_batch(self):
        return self.n % self._batch_size != 0

    @property
    def partial_batch_size(self):
        return self.n % self._batch_size or None


def _a_numpy(lote):
    return tuple(t.numpy() for t in lote) if isinstance(lote, tuple) else lote.numpy()


def separar_validacion(x, y, fraccion=FRACCION_VALIDACION, semilla=None):
    """Separa una validación estratificada y barajada (`train_test_split`). Devuelve x_tr, x_val, y_tr, y_val."""
    clases = np.argmax(y, axis=1)
    try:
        return train_test_split(x, y, test_size=fraccion, stratify=clases, shuffle=True, random_state=semilla)
    except ValueError:  # alguna clase con una sola imagen: no se puede estratificar
        return train_test_split(x, y, test_size=fraccion, shuffle=True, random_state=semilla)


def iteradores_normalizados(train_x, train_y, test_x, batch=64, semilla=None, aumento=None):
    """Normaliza con las estadísticas de entrenamiento y separa un 10 % de validación estratificada (§2.2, §3).

    El constructor de `getDataIterators` (sin aumento) y `getNormalizedData` (`aumento=AUMENTO_BASENETPP`):
    `aumento` son argumentos de `ImageDataGenerator` para el entrenamiento; la validación y el test solo se
    normalizan. Devuelve `(it_train, it_val, test_x_normalizado)`; los arrays del llamante no se modifican.
    """
    train_x = validar_imagenes(train_x, "train_x")
    train_y = validar_etiquetas(train_y, len(train_x), "train_y")
    test_x = validar_imagenes(test_x, "test_x", canales=train_x.shape[-1])
    x_tr, x_val, y_tr, y_val = separar_validacion(train_x, train_y, semilla=semilla)
    from datos.aumento import ImageDataGenerator  # aquí: datos.aumento importa este módulo

    generador = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, **(aumento or {}))
    generador.fit(x_tr)
    normalizador = generador.sin_aumento()  # validación y test: solo normalización
    it_train = generador.flow(x_tr, y_tr, batch, shuffle=True, seed=semilla)
    it_val = normalizador.flow(x_val, y_val, batch, shuffle=False)
    return it_train, it_val, normalizador.standardize(np.array(test_x, dtype="float32"))  # una copia: el suyo no cambia


# Los nombres y el orden de argumentos del informe (los scripts de los estudiantes los llaman así).


def getDataIterators(train_x, train_y, test_x, batchSize=64, semilla=None):
    """§2.2: `iteradores_normalizados` sin aumento. Devuelve `(it_train, it_val, test_x_normalizado)`.

    Los iteradores son `IteradorLotes` (los de `ImageDataGenerator.flow`), que aceptan `trainModel` y `model.fit`.
    """
    return iteradores_normalizados(train_x, train_y, test_x, batchSize, semilla)


def getNormalizedData(trainImg, trainTag, batchSize, testImg, semilla=None):
    """§3, mejora 1: `iteradores_normalizados` con el aumento de BaseNet++ en el entrenamiento.

    Rotación de hasta 10°, desplazamientos de hasta el 20 % del tamaño y volteo horizontal. Devuelve
    `(it_train, it_val, test_normalizado)`.
    """
    return iteradores_normalizados(trainImg, trainTag, testImg, batchSize, semilla, aumento=AUMENTO_BASENETPP)
