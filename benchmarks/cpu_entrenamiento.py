"""Segundos de CPU (y de reloj) por época de BaseNet según la entrada de `fit`.

En una máquina virtual compartida el tiempo de reloj varía el doble de una época a otra (CPU robada); el
tiempo de CPU del proceso no. Compara, lado a lado:

- `memoria`: tensores en memoria, sin normalizar ni aumentar;
- `tuberia`: `pipeline_desde_arrays`, sin normalizar ni aumentar;
- `normalizacion`: `ImageDataGenerator.flow`, solo normalizando;
- `aumento`: `getNormalizedData` (normalización y aumento).

12.500 imágenes 32×32×3 (las de entrenamiento tras separar la validación), lotes de 64; con el cronómetro
común (`benchmarks/medida.py`): mediana de las épocas 2 a 4 (la 1 es de calentamiento), dos rondas.

Uso: python benchmarks/cpu_entrenamiento.py [--rondas 2] [--epocas 3]
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras
import numpy as np
import tensorflow as tf

from datos import ImageDataGenerator, getNormalizedData
from datos.pipelines import pipeline_desde_arrays
from modelos import getBaseNet
from utilidades import compileModel

from medida import tiempos_por_epoca

IMAGENES, CLASES, LOTE = 12_500, 25, 64


def entradas():
    """Las cuatro entradas de `fit`, con las mismas imágenes (las de entrenamiento de `getNormalizedData`)."""
    rng = np.random.default_rng(0)
    x = rng.random((IMAGENES, 32, 32, 3), dtype=np.float32)
    y = np.eye(CLASES, dtype=np.float32)[rng.integers(0, CLASES, IMAGENES)]
    con_aumento, _, _ = getNormalizedData(x, y, LOTE, x[:10], semilla=0)
    n = sum(int(lote.shape[0]) for lote, _ in con_aumento)  # las que quedan tras separar la validación
    normalizador = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x)
    return n, {
        "memoria": (tf.constant(x[:n]), tf.constant(y[:n])),
        "tuberia": (pipeline_desde_arrays(x[:n], y[:n], LOTE, barajar=True, semilla=0), None),
        "normalizacion": (normalizador.flow(x[:n], y[:n], LOTE, seed=0), None),
        "aumento": (con_aumento, None),
    }


def medir(x, y, epocas):
    """Mediana de los segundos de reloj y de CPU por época de una BaseNet nueva con esa entrada."""
    keras.utils.set_random_seed(0)
    modelo = getBaseNet(CLASES)
    compileModel(modelo)
    tiempos = np.array(tiempos_por_epoca(modelo, x, y, epocas, LOTE))
    return np.median(tiempos[:, 0]), np.median(tiempos[:, 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rondas", type=int, default=2, help="rondas lado a lado (2)")
    parser.add_argument("--epocas", type=int, default=3, help="épocas medidas tras la de calentamiento (3)")
    args = parser.parse_args()
    n, todas = entradas()
    print(f"BaseNet, {n} imágenes por época, lotes de {LOTE}: mediana de {args.epocas} épocas")
    for ronda in range(1, args.rondas + 1):
        for nombre, (x, y) in todas.items():
            reloj, cpu = medir(x, y, args.epocas)
            print(
                f"ronda {ronda}  {nombre:<14} reloj {reloj:5.2f} s  CPU {cpu:5.2f} s  {n / reloj:7.0f} imágenes/s",
                flush=True,
            )


if __name__ == "__main__":
    main()
