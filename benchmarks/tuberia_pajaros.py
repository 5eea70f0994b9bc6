"""La tubería de los pájaros del ejercicio 3 (§4.2–4.3) sin modelo: imágenes/s desde la segunda época.

Con las mismas imágenes (una carpeta sintética con el formato de CUB-200, JPEG de unos 256–360 px como las
fotos reales), lotes de 64 a 224×224, barajando, en la misma máquina y en una sola ejecución; cada forma en
su propio proceso:

- `actual`: la de antes, `pipeline_desde_archivos`: decodificar y redimensionar cada JPEG en cada época y
  preprocesar en la CPU (`preprocess_input` de ResNet50, float32);
- `memoria`: la caché de imágenes decodificadas (`--cache-imagenes memoria`): lotes uint8 de un array en
  memoria; el preprocesado va dentro del modelo (`con_preprocesado`), en la GPU, así que aquí no cuesta;
- `disco`: la misma caché en disco (`--cache-imagenes disco`, un `np.memmap`); su primera época lee el
  archivo en frío (se descarta de la caché de páginas del sistema antes de empezar);
- `keras`: `keras.utils.image_dataset_from_directory` con el mismo trabajo que `actual` (decodificar,
  redimensionar y `preprocess_input` en cada época, `prefetch`): lo que hace el ecosistema por defecto.

La caché se escribe antes, en otro proceso (lo que cuesta: una época de `actual`). De cada forma: las
imágenes/s de la mejor época tras la primera, los milisegundos de CPU por imagen (de todos los hilos) y la
memoria residente pico (`VmHWM`) y lo que crece sobre la de después de importar TensorFlow.

Uso: `python benchmarks/tuberia_pajaros.py [--imagenes 2000] [--epocas 3] [--json]` desde la raíz del
repositorio; con `--json` la última línea es `{"actual": …, "memoria": …, "disco": …, "keras": …}` (img/s).
"""

import argparse
import json
import os
import sys
import tempfile
import time

from proceso import pico_mb, resultado  # benchmarks/proceso.py

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAMANO, LOTE, CLASES = 224, 64, 10
FORMAS = ("actual", "memoria", "disco", "keras")


def _tuberia(forma, carpeta):
    """El `tf.data.Dataset` de lotes de la partición `train` de cada forma."""
    import keras

    from datos import abrir_pajaros
    from modelos import preprocesar_imagenes

    opciones = dict(batch=LOTE, tamano=TAMANO, barajar=True, semilla=0)
    if forma == "keras":
        ds = keras.utils.image_dataset_from_directory(
            os.path.join(carpeta, "solo_train"), image_size=(TAMANO, TAMANO), batch_size=LOTE, seed=0, verbose=False
        )
        return ds.map(lambda x, y: (preprocesar_imagenes(x), y), num_parallel_calls=-1).prefetch(-1)
    listado = abrir_pajaros(carpeta)
    if forma == "actual":
        return listado.pipeline("train", transformacion=lambda x, y: (preprocesar_imagenes(x), y), **opciones)
    if forma == "disco":  # en frío: fuera de la caché de páginas antes de abrirla
        from datos.cache_imagenes import carpeta_cache

        for nombre in os.listdir(carpeta_cache()):
            with open(os.path.join(carpeta_cache(), nombre), "rb") as f:
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return listado.pipeline("train", cache=forma, **opciones)


def medir(carpeta, forma, epocas):
    """Se ejecuta en un proceso hijo: imprime un JSON con las imágenes/s, la CPU y la memoria pico."""
    import tensorflow as tf  # noqa: F401

    base = pico_mb()
    ds = _tuberia(forma, carpeta)
    segundos, cpu = [], []
    for _ in range(int(epocas)):
        inicio, inicio_cpu = time.perf_counter(), time.process_time()
        vistas = sum(int(x.shape[0]) for x, _ in ds)
        segundos.append(time.perf_counter() - inicio)
        cpu.append(time.process_time() - inicio_cpu)
    mejor = min(range(1, len(segundos)), key=segundos.__getitem__) if len(segundos) > 1 else 0
    print(
        json.dumps(
            {
                "forma": forma,
                "imagenes": vistas,
                "imagenes_s": vistas / segundos[mejor],
                "primera_imagenes_s": vistas / segundos[0],
                "cpu_ms": 1000 * cpu[mejor] / vistas,
                "base_mb": base,
                "pico_mb": pico_mb(),
            }
        )
    )


def preparar(base, n):
    """Carpeta CUB-200 con `n` imágenes de `train`, la de solo `train` para Keras (enlaces) y la caché escrita."""
    from datos import abrir_pajaros, escribir_pajaros_sinteticos

    carpeta = os.path.join(base, "pajaros")
    escribir_pajaros_sinteticos(carpeta, num_clases=CLASES, por_clase=2 * n // CLASES, tamano=256)
    listado = abrir_pajaros(carpeta)
    for ruta in listado.rutas_train:  # image_dataset_from_directory lee todas las de cada carpeta de clase
        destino = os.path.join(carpeta, "solo_train", *ruta.split(os.sep)[-2:])
        os.makedirs(os.path.dirname(destino), exist_ok=True)
        os.symlink(ruta, destino)
    import tensorflow as tf  # noqa: F401 (fuera de la medida)

    inicio = time.perf_counter()
    listado.pipeline("train", tamano=TAMANO, cache="disco")  # escribe la caché (una pasada de decodificación)
    return time.perf_counter() - inicio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenes", type=int, default=2000, help="imágenes de train (2000)")
    parser.add_argument("--epocas", type=int, default=3, help="épocas por proceso (3: la primera y 2 más)")
    parser.add_argument("--json", action="store_true", help="última línea: un JSON con las imágenes/s de cada forma")
    parser.add_argument("--medir", nargs=3, metavar=("CARPETA", "FORMA", "EPOCAS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, RAIZ)
    if args.medir:
        return medir(*args.medir)
    with tempfile.TemporaryDirectory() as base:
        os.environ["PRACTICAS_CACHE"] = os.path.join(base, "cache")
        construir = preparar(base, args.imagenes)
        print(
            f"CPU: {os.cpu_count()} núcleos; {args.imagenes} imágenes de train a {TAMANO}×{TAMANO}, lotes de {LOTE}; "
            f"caché escrita en {construir:.1f} s ({args.imagenes / construir:.0f} img/s)"
        )
        print(f"{'forma':<8}  {'img/s':>7}  {'1.ª época':>9}  {'ms CPU/img':>10}  {'pico (MB)':>9}  {'crece (MB)':>10}")
        filas = {}
        for forma in FORMAS:
            r = resultado([sys.executable, __file__, "--medir", base + "/pajaros", forma, str(args.epocas)])
            filas[forma] = r
            print(
                f"{forma:<8}  {r['imagenes_s']:>7.0f}  {r['primera_imagenes_s']:>9.0f}  {r['cpu_ms']:>10.2f}  "
                f"{r['pico_mb']:>9.0f}  {r['pico_mb'] - r['base_mb']:>10.0f}",
                flush=True,
            )
    actual = filas["actual"]["imagenes_s"]
    print("cocientes frente a actual: " + ", ".join(f"{f} {filas[f]['imagenes_s'] / actual:.1f}×" for f in FORMAS))
    if args.json:
        print(json.dumps({forma: round(filas[forma]["imagenes_s"], 1) for forma in FORMAS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
