"""Medida común de los benchmarks: mejor tiempo de una época de `fit` tras una de calentamiento."""
import time


def segundos_por_epoca(modelo, x, y=None, epocas=3, batch_size=32):
    """Mejor tiempo de una época entre `epocas`, tras una época de calentamiento (trazado y compilación).

    Se toma el mínimo porque la máquina puede estar compartida: el mínimo es el que menos ruido lleva.
    """
    modelo.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    tiempos = []
    for _ in range(epocas):
        inicio = time.perf_counter()
        modelo.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        tiempos.append(time.perf_counter() - inicio)
    return min(tiempos)
