"""Velocidad de la tubería de entrada: lotes por `tf.gather` (datos.pipelines) frente a `from_tensor_slices`.

Uso: python benchmarks/entrada.py [--imagenes 12500] [--batch 64] [--repeticiones 5]
Mide imágenes/s al recorrer una época completa (barajada) de imágenes 32×32×3 float32, lado a lado.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from datos.pipelines import pipeline_desde_arrays  # noqa: E402


def por_imagen(x, y, batch):
    """La forma habitual: cortar imagen a imagen, barajar con búfer y agrupar en lotes."""
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0).batch(batch).prefetch(tf.data.AUTOTUNE)


def imagenes_por_segundo(ds, n, repeticiones):
    for _ in ds:  # calentamiento (trazado de las funciones)
        pass
    tiempos = []
    for _ in range(repeticiones):
        t = time.perf_counter()
        for _ in ds:
            pass
        tiempos.append(time.perf_counter() - t)
    return n / min(tiempos)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--imagenes", type=int, default=12500)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeticiones", type=int, default=5)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((a.imagenes, 32, 32, 3), dtype=np.float32)
    y = np.eye(25, dtype=np.float32)[rng.integers(0, 25, a.imagenes)]
    gather = imagenes_por_segundo(
        pipeline_desde_arrays(x, y, a.batch, barajar=True, semilla=0), a.imagenes, a.repeticiones
    )
    corte = imagenes_por_segundo(por_imagen(x, y, a.batch), a.imagenes, a.repeticiones)
    print(f"lotes con tf.gather (pipeline_desde_arrays): {gather:,.0f} imágenes/s")
    print(f"from_tensor_slices + shuffle + batch:        {corte:,.0f} imágenes/s")
    print(f"cociente: {gather / corte:.1f}×")


if __name__ == "__main__":
    main()
