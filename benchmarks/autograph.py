"""Coste de trazar nuestras funciones de `tf.data` con y sin AutoGraph, en procesos nuevos, lado a lado.

AutoGraph reescribe el código Python de una `tf.function` la primera vez que se traza en cada proceso
(analiza su fuente y la de lo que llama); el resultado solo queda en ese proceso. La transformación de
`ImageDataGenerator` (`transformacion_compilada`, la del aumento de BaseNet++) no tiene control de flujo
sobre tensores y se traza con `autograph=False`; tampoco la lectura de imágenes de las tuberías desde
archivos (`leer_imagen`), que va con `do_not_convert`. Cada medida es un proceso nuevo que importa
TensorFlow y traza una de esas funciones con `autograph=True` o `False` (la del aumento sin XLA, para
medir solo el trazado); se dan las medianas de `--rondas` procesos, alternos.

    python benchmarks/autograph.py [--rondas 5]
"""

import argparse
import os
import statistics
import sys

from proceso import resultado  # benchmarks/proceso.py

RAIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MEDIR = """
import json, os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, {raiz!r})
import tensorflow as tf
from datos.aumento import Aumento, transformacion_compilada
from datos.iteradores import AUMENTO_BASENETPP

if {funcion!r} == "aumento":
    compilada = transformacion_compilada(Aumento(**AUMENTO_BASENETPP), None, False, False, True, True, 3, False)
    python, firma = compilada.python_function, compilada.input_signature
else:
    from datos.pipelines import leer_imagen

    python, firma = leer_imagen, [tf.TensorSpec([], tf.string)]  # de 224×224
funcion = tf.function(python, input_signature=firma, autograph={autograph})
inicio = time.process_time()
funcion.get_concrete_function()
print(json.dumps(time.process_time() - inicio))
"""


FUNCIONES = {"aumento": "transformación del aumento (BaseNet++)", "lectura": "`leer_imagen` (archivos)"}


def medir(funcion, autograph):
    orden = [sys.executable, "-c", MEDIR.format(raiz=RAIZ, funcion=funcion, autograph=autograph)]
    return resultado(orden)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rondas", type=int, default=5, help="procesos por variante (5)")
    args = parser.parse_args(argv)
    segundos = {(f, a): [] for f in FUNCIONES for a in (True, False)}
    for _ in range(args.rondas):
        for funcion, autograph in segundos:
            segundos[funcion, autograph].append(medir(funcion, autograph))
    print("| función | trazado | CPU (mediana) | cociente |\n|---|---|---:|---:|")
    for (funcion, autograph), valores in segundos.items():
        mediana, base = statistics.median(valores), statistics.median(segundos[funcion, True])
        print(f"| {FUNCIONES[funcion]} | autograph={autograph} | {mediana:.2f} s | {mediana / base:.2f}× |")


if __name__ == "__main__":
    main()
