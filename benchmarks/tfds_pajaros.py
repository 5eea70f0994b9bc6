"""Pájaros del ejercicio 3 desde registros de tensorflow-datasets frente a la carpeta de JPEG: imágenes/s y memoria.

Con las mismas imágenes (carpetas sintéticas con el formato de CUB-200, JPEG de unos 256–360 px como las
fotos reales, y los mismos bytes escritos como un `caltech_birds2010` preparado de TFDS), en la misma
máquina y en una sola ejecución, para cada tamaño y cada fuente, en su propio proceso:

- `jpeg`: `listar_pajaros(carpeta).pipeline(...)`: `pipeline_desde_archivos` sobre las rutas;
- `tfds`: `abrir_pajaros("tfds:caltech_birds2010").pipeline(...)`: la misma tubería sobre los registros;

las dos como el entrenamiento del ejercicio 3: barajando, decodificando y redimensionando a 224×224 en
paralelo, con el preprocesado de ResNet50, lotes de 64 y `prefetch`. Cada proceso recorre `--epocas` épocas
de la partición `train`; se dan las imágenes/s de la mejor época tras la primera (que calienta la caché de
disco del sistema y traza las funciones), los milisegundos de CPU por imagen (de todos los hilos del proceso;
no dependen de cuántos núcleos deja libres el resto de la máquina) y la memoria residente pico (`VmHWM`) y lo
que crece respecto a la de después de importar TensorFlow y tensorflow-datasets y abrir los datos. Las dos
fuentes se alternan `--rondas` veces (jpeg, tfds, jpeg, tfds...): en una máquina compartida el mejor valor
es el menos ruidoso.

Uso: `python benchmarks/tfds_pajaros.py [--imagenes 500 2000 4000] [--epocas 3] [--rondas 2]` desde la raíz
del repositorio.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time

from proceso import pico_mb, resultado  # benchmarks/proceso.py

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAMANO, LOTE, CLASES = 224, 64, 10


def medir(carpeta, carpeta_tfds, fuente, epocas):
    """Se ejecuta en un proceso hijo: imprime un JSON con las imágenes/s y la memoria pico."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, RAIZ)
    import tensorflow as tf  # noqa: F401
    import tensorflow_datasets  # noqa: F401

    from datos import abrir_pajaros
    from modelos import preprocesar_imagenes

    listado = abrir_pajaros(carpeta if fuente == "jpeg" else "tfds:caltech_birds2010", carpeta_tfds=carpeta_tfds)
    base = pico_mb()
    ds = listado.pipeline(
        "train",
        batch=LOTE,
        tamano=TAMANO,
        barajar=True,
        semilla=0,
        transformacion=lambda x, y: (preprocesar_imagenes(x), y),
    )
    segundos, cpu = [], []
    for _ in range(int(epocas)):
        inicio, inicio_cpu = time.perf_counter(), time.process_time()  # CPU de todos los hilos del proceso
        vistas = sum(int(x.shape[0]) for x, _ in ds)
        segundos.append(time.perf_counter() - inicio)
        cpu.append(time.process_time() - inicio_cpu)
    print(
        json.dumps(
            {
                "fuente": fuente,
                "imagenes": vistas,
                "imagenes_s": vistas / min(segundos[1:] or segundos),
                "primera_imagenes_s": vistas / segundos[0],
                "cpu_ms": 1000 * min(cpu[1:] or cpu) / vistas,
                "base_mb": base,
                "pico_mb": pico_mb(),
            }
        )
    )


def preparar(base, n):
    """Carpeta CUB-200 con `n` imágenes de `train` (y tantas de `test`) y el mismo conjunto preparado en TFDS."""
    sys.path.insert(0, RAIZ)
    from datos import escribir_pajaros_sinteticos
    from datos.conjuntos_tfds import preparar_pajaros_tfds as escribir_pajaros

    carpeta = os.path.join(base, "jpeg")
    escribir_pajaros_sinteticos(carpeta, num_clases=CLASES, por_clase=2 * n // CLASES, tamano=256)
    carpeta_tfds = os.path.join(base, "tfds")
    with contextlib.redirect_stdout(sys.stderr):  # los mensajes de TFDS al preparar, fuera de la tabla
        escribir_pajaros(carpeta_tfds, carpeta)
    return carpeta, carpeta_tfds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--imagenes", type=int, nargs="+", default=[500, 2000, 4000], help="imágenes de train (500 2000 4000)"
    )
    parser.add_argument("--epocas", type=int, default=3, help="épocas por proceso (3: una de calentamiento y 2)")
    parser.add_argument("--rondas", type=int, default=2, help="veces que se mide cada fuente, alternándolas (2)")
    parser.add_argument("--medir", nargs=4, metavar=("CARPETA", "TFDS", "FUENTE", "EPOCAS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.medir:
        return medir(*args.medir)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(
        f"CPU: {os.cpu_count()} núcleos; lotes de {LOTE}, {TAMANO}×{TAMANO}, preprocesado de ResNet50; "
        f"{args.epocas} épocas por proceso, {args.rondas} rondas"
    )
    print(
        f"{'imágenes':>8}  {'fuente':<6}  {'imágenes/s':>10}  {'(1.ª época)':>11}  {'ms CPU/img':>10}  "
        f"{'pico (MB)':>9}  {'tras abrir (MB)':>15}  {'crecimiento (MB)':>16}"
    )
    filas = []
    for n in args.imagenes:
        with tempfile.TemporaryDirectory() as base:
            carpeta, carpeta_tfds = preparar(base, n)
            for fuente in ("jpeg", "tfds") * args.rondas:
                r = resultado([sys.executable, __file__, "--medir", carpeta, carpeta_tfds, fuente, str(args.epocas)])
                r["n"] = n
                filas.append(r)
                print(
                    f"{r['imagenes']:>8}  {fuente:<6}  {r['imagenes_s']:>10.0f}  {r['primera_imagenes_s']:>11.0f}  "
                    f"{r['cpu_ms']:>10.2f}  {r['pico_mb']:>9.0f}  {r['base_mb']:>15.0f}  "
                    f"{r['pico_mb'] - r['base_mb']:>16.0f}",
                    flush=True,
                )
    print("\nResumen: mejor época de las rondas (img/s, ms de CPU por imagen); crecimiento de la memoria por ronda")
    print(
        f"{'imágenes':>8}  {'jpeg img/s':>10}  {'tfds img/s':>10}  {'tfds/jpeg':>9}  {'jpeg ms CPU':>11}  "
        f"{'tfds ms CPU':>11}  {'jpeg (MB)':>12}  {'tfds (MB)':>12}"
    )
    for n in args.imagenes:
        de = {f: [r for r in filas if r["n"] == n and r["fuente"] == f] for f in ("jpeg", "tfds")}
        mejor = {f: max(r["imagenes_s"] for r in de[f]) for f in de}
        cpu = {f: min(r["cpu_ms"] for r in de[f]) for f in de}
        crece = {f: "/".join(f"{r['pico_mb'] - r['base_mb']:.0f}" for r in de[f]) for f in de}
        print(
            f"{n:>8}  {mejor['jpeg']:>10.0f}  {mejor['tfds']:>10.0f}  {mejor['tfds'] / mejor['jpeg']:>9.2f}  "
            f"{cpu['jpeg']:>11.2f}  {cpu['tfds']:>11.2f}  {crece['jpeg']:>12}  {crece['tfds']:>12}"
        )
    return filas


if __name__ == "__main__":
    main()
