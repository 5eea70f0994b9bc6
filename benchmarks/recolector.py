"""Coste por época del recolector de basura de §4.1.1 (`GarbageCollectorCallback`), lado a lado.

Entrenamientos iguales de BaseNet sobre los dígitos incluidos (mismos datos, misma semilla) en el mismo
proceso, en modo grafo y paso a paso (eager, el de los cuadernos en modo rápido): sin callback, con el
`gc.collect()` de cada época tal cual (el del informe), apartando además con `gc.freeze()` lo que ya vivía
al empezar, y con `GarbageCollectorCallback` (que además deja la recolección completa para el final de la
época). Cada época se mide desde su comienzo hasta después del callback (CPU del proceso); se dan las
medianas de las épocas tras la primera, en rondas alternas.

    python benchmarks/recolector.py [--epocas 6] [--rondas 2]
"""

import argparse
import gc
import os
import statistics
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras

from datos import cargar_digitos, getDataIterators
from modelos import getBaseNet
from utilidades import GarbageCollectorCallback, compileModel

from medida import Cronometro  # benchmarks/medida.py


class RecolectorDelInforme(keras.callbacks.Callback):
    """El callback de §4.1.1 sin más: `gc.collect()` al final de cada época."""

    def on_epoch_end(self, epoch, logs=None):
        gc.collect()


class SoloApartar(RecolectorDelInforme):
    """`gc.freeze()` al empezar y `gc.collect()` en cada época, sin tocar los umbrales del recolector."""

    def on_train_begin(self, logs=None):
        gc.collect()
        gc.freeze()

    def on_train_end(self, logs=None):
        gc.unfreeze()


def medir(callback, datos, epocas, eager):
    x_train, y_train, x_test, _ = datos
    keras.utils.set_random_seed(0)
    it_train, it_val, _ = getDataIterators(x_train, y_train, x_test, 128, semilla=0)
    modelo = getBaseNet(10)
    compileModel(modelo)
    modelo.run_eagerly = eager
    cronometro = Cronometro()
    callbacks = [c for c in (callback, cronometro) if c is not None]
    modelo.fit(it_train, validation_data=it_val, epochs=epocas + 1, callbacks=callbacks, verbose=0)
    return [cpu for _, cpu in cronometro.tiempos[1:]]  # la primera traza el grafo: no cuenta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epocas", type=int, default=6)
    parser.add_argument("--rondas", type=int, default=2)
    args = parser.parse_args()
    datos = cargar_digitos()
    print(f"Objetos que sigue el recolector en este proceso: {len(gc.get_objects()):,}".replace(",", "."))
    variantes = {
        "sin callback": lambda: None,
        "gc.collect() del informe": RecolectorDelInforme,
        "gc.freeze() y gc.collect()": SoloApartar,
        "GarbageCollectorCallback": GarbageCollectorCallback,
    }
    for eager in (False, True):
        tiempos = {nombre: [] for nombre in variantes}
        for _ in range(args.rondas):
            for nombre, crear in variantes.items():
                tiempos[nombre] += medir(crear(), datos, args.epocas, eager)
        base = statistics.median(tiempos["gc.collect() del informe"])
        print(
            f"\nModo {'eager (paso a paso)' if eager else 'grafo'}: CPU por época (mediana de {len(tiempos[nombre])})"
        )
        for nombre, valores in tiempos.items():
            mediana = statistics.median(valores)
            print(f"  {nombre:<28} {mediana:6.3f} s   {mediana / base:5.2f}× el del informe")


if __name__ == "__main__":
    main()
