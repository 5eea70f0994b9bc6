"""Decodificar una sola vez: las imágenes de una partición, decodificadas y redimensionadas (uint8), en caché.

En el ajuste fino de los pájaros (práctica 3, §4.2–4.3) cada época decodificaba y redimensionaba de nuevo
cada JPEG: 4,5–6 ms de CPU por imagen, unas 350 imágenes/s en 2 núcleos, muy lejos de lo que consume una
GPU. Aquí cada partición se decodifica una vez, en el orden del listado, a un archivo `.npy` de uint8
(`N × alto × ancho × 3`: 0,9 GB para los 6.033 pájaros a 224×224); las épocas sacan sus lotes de ese array
con un `tf.gather` por lote (`pipeline_desde_arrays`), sin decodificar nada.

- **Clave.** El nombre del archivo es una suma de lo que decide su contenido: los archivos de imagen (ruta,
  tamaño y fecha de cada uno) o el conjunto de TFDS (nombre, versión, carpeta), la partición, el tamaño y la
  versión del paquete. Si cambia algo, la clave es otra: nunca se lee una caché vieja.
- **Interrupciones.** Se escribe en un temporal de la misma carpeta y se renombra al terminar
  (`os.replace`, atómico): una caché a medias nunca se usa. Los temporales de procesos que ya no existen
  (un apagado, un `kill -9`) se borran la próxima vez.
- **Memoria.** Si el archivo cabe en el presupuesto (`PRESUPUESTO`, la mitad de la memoria disponible y como
  mucho 4 GB) se lee entero a memoria; si no, se abre como `np.memmap` y los lotes se leen del disco (y de la
  caché de páginas del sistema). Nunca hay más de una copia en memoria.

Dónde: `$PRACTICAS_CACHE`, o `$XDG_CACHE_HOME/practicas-keras`, o `~/.cache/practicas-keras`.
"""

import glob
import hashlib
import json
import os
import tempfile

import numpy as np

from datos.errores import ErrorDatos

MODOS = ("auto", "memoria", "disco")
FORMATO = 1  # versión del formato de la caché (cambia la clave)
LIMITE_PRESUPUESTO = 4 * 1024**3


def carpeta_cache():
    """La carpeta de las cachés de imágenes (`$PRACTICAS_CACHE` o la caché de usuario de XDG)."""
    if os.environ.get("PRACTICAS_CACHE"):
        return os.environ["PRACTICAS_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "practicas-keras", "imagenes")


def presupuesto():
    """Bytes que una caché puede ocupar en memoria: la mitad de la disponible, como mucho `LIMITE_PRESUPUESTO`."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            disponible = next(int(linea.split()[1]) * 1024 for linea in f if linea.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        disponible = 2 * 1024**3
    return min(disponible // 2, LIMITE_PRESUPUESTO)


def clave(descripcion):
    """La clave de una caché: suma SHA-256 de su descripción (un dict JSON) con el formato y la versión."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        paquete = version("practicas-keras")
    except PackageNotFoundError:  # desde las carpetas del código, sin instalar
        paquete = "sin instalar"
    completa = {**descripcion, "formato": FORMATO, "version": paquete}
    return hashlib.sha256(json.dumps(completa, sort_keys=True).encode()).hexdigest()[:32]


def huella_archivos(rutas):
    """`[ruta, tamaño, fecha]` de cada archivo: si se cambia, añade o quita una imagen, la clave cambia."""
    filas = []
    for ruta in rutas:
        estado = os.stat(ruta)
        filas.append([os.fspath(ruta), estado.st_size, estado.st_mtime_ns])
    return hashlib.sha256(json.dumps(filas).encode()).hexdigest()


def _vivo(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _borrar_huerfanos(ruta):
    """Borra los temporales de `ruta` que dejó un proceso que ya no existe."""
    for temporal in glob.glob(glob.escape(ruta) + ".parcial-*"):
        pid = temporal.rsplit("-", 2)[-2]
        if pid.isdigit() and not _vivo(int(pid)):
            try:
                os.remove(temporal)
            except OSError:
                pass


def _escribir(ruta, lotes, n, forma, avisar):
    """Escribe los lotes uint8 en un `.npy` temporal y lo renombra a `ruta` al terminar."""
    carpeta = os.path.dirname(ruta)
    os.makedirs(carpeta, exist_ok=True)
    _borrar_huerfanos(ruta)
    fd, temporal = tempfile.mkstemp(dir=carpeta, prefix=os.path.basename(ruta) + f".parcial-{os.getpid()}-")
    os.close(fd)
    try:
        salida = np.lib.format.open_memmap(temporal, mode="w+", dtype=np.uint8, shape=(n, *forma))
        hechas = 0
        for lote in lotes:
            lote = np.asarray(lote)
            if hechas + len(lote) > n:
                raise ErrorDatos(f"La partición tiene más de las {n} imágenes que dice su listado.")
            salida[hechas : hechas + len(lote)] = lote
            hechas += len(lote)
        if hechas != n:
            raise ErrorDatos(f"La partición tiene {hechas} imágenes y su listado dice {n}.")
        salida.flush()
        del salida
        os.replace(temporal, ruta)
    except BaseException:
        if os.path.exists(temporal):
            os.remove(temporal)
        raise
    avisar(f"Caché de imágenes escrita: {ruta} ({os.path.getsize(ruta) / 1024**3:.2f} GB)")


def imagenes_en_cache(descripcion, lotes, n, forma, modo="auto", carpeta=None, avisar=print):
    """El array uint8 `(n, *forma)` de una partición, decodificada una sola vez.

    - `descripcion`: dict JSON con lo que decide el contenido (origen, partición, tamaño); da la clave.
    - `lotes()`: función que devuelve los lotes uint8 de la partición en orden (solo se llama si no hay caché).
    - `modo`: `"auto"` (en memoria si cabe en `presupuesto()`, si no en disco), `"memoria"` o `"disco"`
      (`np.memmap`, lo mínimo en memoria).
    """
    if modo not in MODOS:
        raise ValueError(f"modo debe ser uno de {MODOS}, no {modo!r}")
    ruta = os.path.join(carpeta or carpeta_cache(), f"{clave(descripcion)}.npy")
    if not os.path.isfile(ruta):
        avisar(f"Decodificando {n} imágenes de {forma[0]}×{forma[1]} una sola vez (caché en {ruta})…")
        _escribir(ruta, lotes(), n, forma, avisar)
    imagenes = np.load(ruta, mmap_mode="r")
    if imagenes.shape != (n, *forma) or imagenes.dtype != np.uint8:
        raise ErrorDatos(f"La caché '{ruta}' no tiene la forma esperada {(n, *forma)}: bórrela y se creará de nuevo.")
    if modo == "memoria" or (modo == "auto" and imagenes.nbytes <= presupuesto()):
        return np.array(imagenes)  # una copia en memoria; el memmap se cierra al salir
    return imagenes
