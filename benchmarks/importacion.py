"""Segundos de CPU de arrancar un proceso que importa TensorFlow y Keras, por partes, lado a lado.

Lo paga cada proceso: `python -m practicas`, cada entrega que se califica, cada núcleo de Jupyter. Cada
medida es un proceso nuevo (`python -c`) que importa numpy, ml_dtypes, TensorFlow y Keras por ese orden y
anota la CPU gastada en cada uno; se dan las medianas de `--rondas` procesos. Con varios `--python`
(intérpretes de entornos distintos, p. ej. con otra versión de ml-dtypes) se alternan en cada ronda.

    python benchmarks/importacion.py [--rondas 5] [--python RUTA ...]
"""

import argparse
import statistics
import sys

from proceso import resultado  # benchmarks/proceso.py

PARTES = ("numpy", "ml_dtypes", "tensorflow", "keras")
MEDIR = """
import json, os, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
cpu = {}
for nombre in %r:
    inicio = time.process_time()
    modulo = __import__(nombre)
    cpu[nombre] = time.process_time() - inicio
import ml_dtypes
print(json.dumps({"cpu": cpu, "ml_dtypes": ml_dtypes.__version__}))
""" % (PARTES,)


def medir(python):
    return resultado([python, "-c", MEDIR])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rondas", type=int, default=5, help="procesos por intérprete (5)")
    parser.add_argument("--python", action="append", help="intérprete a medir (se puede repetir; por defecto, este)")
    args = parser.parse_args(argv)
    interpretes = args.python or [sys.executable]
    medidas = {python: [] for python in interpretes}
    version = {}
    for _ in range(args.rondas):
        for python in interpretes:
            resultado = medir(python)
            medidas[python].append(resultado["cpu"])
            version[python] = resultado["ml_dtypes"]
    print("| intérprete | ml-dtypes | " + " | ".join(PARTES) + " | total |")
    print("|---|---|" + "---:|" * (len(PARTES) + 1))
    for python, rondas in medidas.items():
        medianas = [statistics.median(r[p] for r in rondas) for p in PARTES]
        total = statistics.median(sum(r.values()) for r in rondas)
        celdas = " | ".join(f"{m:.2f} s" for m in medianas)
        print(f"| {python} | {version[python]} | {celdas} | {total:.2f} s |")


if __name__ == "__main__":
    main()
