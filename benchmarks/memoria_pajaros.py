"""Memoria pico de la lectura de los pájaros (práctica 3, §4): por lotes frente a todo en memoria.

Para 500 y 2.000 imágenes (carpetas sintéticas con el formato de CUB-200, JPEG de unos 256–360 px como
las fotos reales redimensionadas), cada medida en su propio proceso:

- `archivos`: dos épocas de `pipeline_desde_archivos` a 224×224, barajando, con el preprocesado de
  ResNet50 (lo que hace el ejercicio 3);
- `memoria`: `leer_imagenes` a 224×224 en uint8, lo que hace `cargarDatos` (como referencia).

Da la memoria residente pico (`ru_maxrss`) del proceso y lo que crece respecto a la de después de
importar TensorFlow.

Uso: `python benchmarks/memoria_pajaros.py [--imagenes 500 2000]` desde la raíz del repositorio.
"""

import argparse
import json
import os
import resource
import sys
import tempfile

from proceso import resultado  # benchmarks/proceso.py

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAMANO, LOTE, CLASES = 224, 64, 10


def pico_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def medir(carpeta, modo):
    """Se ejecuta en un proceso hijo: imprime un JSON con la memoria pico antes y después de leer."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, RAIZ)
    import tensorflow as tf  # noqa: F401

    from datos import listar_pajaros, pipeline_desde_archivos
    from datos.pajaros import leer_imagenes
    from modelos import preprocesar_imagenes

    listado = listar_pajaros(carpeta)
    rutas = listado.rutas_train + listado.rutas_test
    y = listado.y_train.tolist() + listado.y_test.tolist()
    base = pico_mb()
    if modo == "archivos":
        ds = pipeline_desde_archivos(
            rutas, y, LOTE, TAMANO, barajar=True, semilla=0, transformacion=lambda x, e: (preprocesar_imagenes(x), e)
        )
        vistas = sum(int(x.shape[0]) for _ in range(2) for x, _ in ds)
    else:
        vistas = len(leer_imagenes(rutas, TAMANO))
    print(json.dumps({"modo": modo, "imagenes": len(rutas), "vistas": vistas, "base_mb": base, "pico_mb": pico_mb()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenes", type=int, nargs="+", default=[500, 2000], help="tamaños de la carpeta (500 2000)")
    parser.add_argument("--medir", nargs=2, metavar=("CARPETA", "MODO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.medir:
        return medir(*args.medir)

    sys.path.insert(0, RAIZ)
    from datos import escribir_pajaros_sinteticos

    print(f"{'imágenes':>8}  {'modo':<9}  {'pico (MB)':>9}  {'tras importar (MB)':>18}  {'crecimiento (MB)':>16}")
    for n in args.imagenes:
        with tempfile.TemporaryDirectory() as carpeta:
            escribir_pajaros_sinteticos(carpeta, num_clases=CLASES, por_clase=n // CLASES, tamano=256)
            for modo in ("archivos", "memoria"):
                r = resultado([sys.executable, __file__, "--medir", carpeta, modo])
                print(
                    f"{r['imagenes']:>8}  {modo:<9}  {r['pico_mb']:>9.0f}  {r['base_mb']:>18.0f}  "
                    f"{r['pico_mb'] - r['base_mb']:>16.0f}"
                )


if __name__ == "__main__":
    main()
