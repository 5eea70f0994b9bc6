"""El cronómetro de época de los benchmarks: segundos de reloj y de CPU de cada época de `fit`.

Todas las épocas se miden igual: una época de calentamiento (trazado y compilación) y después cada época
en su propia llamada a `fit(..., epochs=1)`. `tiempos_por_epoca` da los segundos de reloj y de CPU del
proceso de cada una; `segundos_por_epoca`, el mejor tiempo de reloj. Cuando lo que se mide ocurre una vez
por `fit` o depende de él (callbacks con `on_train_begin`, el recolector de §4.1.1), las épocas de una
sola llamada se miden con el callback `Cronometro`.
"""

import time

import keras


class Cronometro(keras.callbacks.Callback):
    """`tiempos`: `[(segundos de reloj, segundos de CPU del proceso), ...]` de cada época del último `fit`.

    Cada época se mide desde su `on_epoch_begin` hasta su `on_epoch_end`: póngalo el último de la lista de
    callbacks para que cuente lo que hacen los demás al final de cada época.
    """

    def on_train_begin(self, logs=None):
        self.tiempos = []

    def on_epoch_begin(self, epoch, logs=None):
        self._inicio = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        reloj, cpu = self._inicio
        self.tiempos.append((time.perf_counter() - reloj, time.process_time() - cpu))


def tiempos_por_epoca(modelo, x, y=None, epocas=3, batch=32):
    """`[(segundos de reloj, segundos de CPU del proceso), ...]` de `epocas` épocas tras una de calentamiento.

    `x` (con `y`) son arrays o tensores, o un `tf.data.Dataset` o iterador de lotes (sin `y`: ya vienen en
    lotes y barajados, así que `batch` solo se usa con arrays). En una máquina virtual compartida el reloj varía el
    doble de una época a otra (CPU robada); el tiempo de CPU del proceso no.
    """
    # con arrays, lotes de `batch`; un dataset o iterador ya viene en lotes y barajado (como en trainModel)
    lote = {"batch_size": batch} if y is not None else {"shuffle": False}
    modelo.fit(x, y, epochs=1, verbose=0, **lote)
    tiempos = []
    for _ in range(epocas):
        reloj, cpu = time.perf_counter(), time.process_time()
        modelo.fit(x, y, epochs=1, verbose=0, **lote)
        tiempos.append((time.perf_counter() - reloj, time.process_time() - cpu))
    return tiempos


def segundos_por_epoca(modelo, x, y=None, epocas=3, batch=32):
    """Mejor tiempo de reloj de una época entre `epocas`, tras una época de calentamiento.

    Se toma el mínimo porque la máquina puede estar compartida: el mínimo es el que menos ruido lleva.
    """
    return min(reloj for reloj, _ in tiempos_por_epoca(modelo, x, y, epocas, batch))
