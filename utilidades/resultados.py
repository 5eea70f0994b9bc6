"""Único escritor de resultados: JSON, CSV, texto, NPZ y PNG escritos de forma atómica.

Cada archivo se escribe primero en un temporal de la misma carpeta y luego se renombra con
`os.replace`, así que una interrupción nunca deja un archivo a medias.
"""

import csv
import io
import json
import os
import platform
import sys
import tempfile

PREFIJO_TEMPORAL = ".tmp-"


def borrar_temporales(carpeta):
    """Borra de `carpeta` los temporales que dejó una escritura interrumpida (p. ej. por SIGKILL)."""
    if os.path.isdir(carpeta):
        for nombre in os.listdir(carpeta):
            if nombre.startswith(PREFIJO_TEMPORAL):
                os.remove(os.path.join(carpeta, nombre))


def _umask():
    """La umask del proceso (sin cambiarla: en Linux se lee de /proc; si no, se pone y se repone)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for linea in f:
                if linea.startswith("Umask:"):
                    return int(linea.split()[1], 8)
    except (OSError, ValueError):
        pass
    actual = os.umask(0o022)
    os.umask(actual)
    return actual


def escribir_atomico(ruta, contenido, binario=False, por_ruta=False, sufijo=None):
    """Escribe `ruta` de forma atómica: en un temporal de la misma carpeta, `fsync` y `os.replace`.

    `contenido`: el texto o los bytes; o una función que escribe en el archivo abierto (`f`); o, con
    `por_ruta`, una que escribe en la ruta que recibe (`modelo.save_weights`). El archivo queda con los
    permisos de la umask, como con `open()` (un temporal nace con 0600: en una carpeta compartida del
    laboratorio o de la clase, nadie más podría leer los resultados).
    """
    ruta = os.fspath(ruta)
    carpeta = os.path.dirname(os.path.abspath(ruta))
    os.makedirs(carpeta, exist_ok=True)
    fd, temporal = tempfile.mkstemp(dir=carpeta, prefix=PREFIJO_TEMPORAL, suffix=sufijo or os.path.basename(ruta))
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        if por_ruta:
            os.close(fd)
            contenido(temporal)
            with open(temporal, "rb+") as f:
                os.fsync(f.fileno())
        else:
            with os.fdopen(fd, "wb" if binario else "w", **({} if binario else {"encoding": "utf-8"})) as f:
                if callable(contenido):  # escribe él mismo en el archivo (arrays grandes, sin copia en memoria)
                    contenido(f)
                else:
                    f.write(contenido)
                f.flush()
                os.fsync(f.fileno())
        os.replace(temporal, ruta)
    except BaseException:
        if os.path.exists(temporal):
            os.remove(temporal)
        raise
    return ruta


def escribir_json(ruta, datos):
    """Escribe `datos` como JSON legible (UTF-8, con tildes)."""
    return escribir_atomico(ruta, json.dumps(datos, indent=2, ensure_ascii=False, default=_a_json) + "\n")


def leer_json(ruta):
    with open(ruta, encoding="utf-8") as f:
        return json.load(f)


def escribir_texto(ruta, texto):
    """Escribe un texto (Markdown, informes...) en UTF-8."""
    return escribir_atomico(ruta, texto)


def escribir_csv(ruta, filas, columnas=None):
    """Escribe una lista de diccionarios como CSV; las columnas salen de la primera fila si no se dan."""
    columnas = list(columnas or (filas[0].keys() if filas else []))
    buffer = io.StringIO()
    escritor = csv.DictWriter(buffer, fieldnames=columnas, extrasaction="ignore", lineterminator="\n")
    escritor.writeheader()
    escritor.writerows(filas)
    return escribir_atomico(ruta, buffer.getvalue())


def leer_csv(ruta):
    """Lee un CSV escrito por `escribir_csv`; convierte a número lo que lo sea."""
    with open(ruta, encoding="utf-8", newline="") as f:
        return [{k: _a_numero(v) for k, v in fila.items()} for fila in csv.DictReader(f)]


def escribir_npz(ruta, **arrays):
    """Escribe arrays de NumPy en un `.npz` sin comprimir (`np.savez`), directamente en el temporal."""
    import numpy as np

    return escribir_atomico(ruta, lambda f: np.savez(f, **arrays), binario=True)


def guardar_figura(figura, ruta, dpi=100):
    """Guarda una figura de matplotlib como PNG y la cierra."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figura.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figura)
    return escribir_atomico(ruta, buffer.getvalue(), binario=True)


def info_entorno():
    """Versiones de Python y de las bibliotecas, y los dispositivos visibles, para `config.json`."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        "python": sys.version.split()[0],
        "plataforma": platform.platform(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "dispositivos": [d.name for d in tf.config.list_logical_devices()],
    }


def _a_json(valor):
    if hasattr(valor, "tolist"):
        return valor.tolist()
    if hasattr(valor, "__fspath__"):
        return os.fspath(valor)
    return str(valor)


def _a_numero(texto):
    for tipo in (int, float):
        try:
            return tipo(texto)
        except ValueError:
            pass
    return texto
