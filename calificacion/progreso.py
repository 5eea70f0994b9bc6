"""El progreso de una clase: lo ya calificado, para `--reanudar`, y la barra de la terminal.

`progreso.json` (junto a `calificaciones.csv`) guarda, de cada entrega calificada, su fila, su informe y
una huella de sus archivos (nombre, tamaño y fecha de cada uno). Se reescribe de forma atómica en cuanto se
califica cada entrega, así que una interrupción (Ctrl+C, un apagado) lo deja siempre entero. Con
`--reanudar` se conservan las filas de las entregas que no han cambiado y se califican solo las demás; con
otra suite u otras opciones no se reanuda, porque las notas no serían comparables.
"""

import hashlib
import json
import os
import sys

from datos.errores import ErrorDatos
from utilidades.resultados import escribir_json, leer_json

NOMBRE = "progreso.json"
VERSION = 1


class ErrorProgreso(ErrorDatos):
    """No se puede reanudar con lo que hay en `progreso.json` (otras opciones, o el archivo está dañado)."""


def huella(ruta):
    """Una suma de los archivos de la entrega (nombre relativo, tamaño y fecha): cambia si se cambia alguno."""
    partes = []
    if os.path.isdir(ruta):
        for raiz, carpetas, archivos in os.walk(ruta, followlinks=False):
            carpetas.sort()
            for archivo in sorted(archivos):
                estado = os.lstat(os.path.join(raiz, archivo))
                partes.append([os.path.relpath(os.path.join(raiz, archivo), ruta), estado.st_size, estado.st_mtime_ns])
    else:
        estado = os.lstat(ruta)
        partes.append([os.path.basename(ruta), estado.st_size, estado.st_mtime_ns])
    return hashlib.sha256(json.dumps(partes).encode()).hexdigest()


def configuracion(ruta_suite, opciones, llamadas):
    """Lo que decide las notas: el contenido de la suite, sus opciones (límites, nombres, reglas) y las llamadas."""
    with open(ruta_suite, "rb") as f:
        suma = hashlib.sha256(f.read()).hexdigest()
    return {"suite": os.path.basename(ruta_suite), "suma_suite": suma, "opciones": list(opciones), "llamadas": llamadas}


class Progreso:
    """Las entregas ya calificadas de una clase (`{ruta relativa: {huella, fila, informe}}`), en `progreso.json`."""

    def __init__(self, salida, config, reanudar=False):
        self.ruta = os.path.join(salida, NOMBRE)
        self.config = json.loads(json.dumps(config))  # como vuelve del archivo (listas, no tuplas)
        self.entregas = {}
        if reanudar and os.path.exists(self.ruta):
            self._cargar()

    def _cargar(self):
        try:
            datos = leer_json(self.ruta)
            guardadas = datos["entregas"] if datos.get("version") == VERSION else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            guardadas = None
        if not isinstance(guardadas, dict):
            raise ErrorProgreso(
                f"«{self.ruta}» no es un progreso de esta versión del calificador: bórrelo, o quite --reanudar, "
                "para calificar la clase entera."
            )
        if datos.get("configuracion") != self.config:
            raise ErrorProgreso(
                f"La calificación de «{self.ruta}» se hizo con otra suite u otras opciones: repita las mismas "
                "opciones para reanudarla, o quite --reanudar para calificar la clase entera con las nuevas."
            )
        self.entregas = guardadas

    def hecha(self, clave, suma):
        """El registro `{fila, informe}` de una entrega ya calificada y sin cambios, o None."""
        registro = self.entregas.get(clave)
        return registro if isinstance(registro, dict) and registro.get("huella") == suma else None

    def guardar(self, clave, suma, fila, informe):
        """Anota una entrega calificada y reescribe `progreso.json` (de forma atómica)."""
        self.entregas[clave] = {"huella": suma, "fila": fila, "informe": informe}
        escribir_json(self.ruta, {"version": VERSION, "configuracion": self.config, "entregas": self.entregas})


def barra(total, hechas=0, archivo=None):
    """La barra de la clase (tqdm): entregas calificadas, tiempo transcurrido y estimación de lo que falta.

    Solo si `archivo` (la salida de errores) es una terminal: en un archivo o una tubería no escribe nada.
    """
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=hechas,
        desc="Calificando",
        unit=" entregas",
        file=archivo or sys.stderr,
        disable=None,
        dynamic_ncols=True,
        bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} transcurrido, quedan ~{remaining}",
    )


def clave(entrega, carpeta):
    """La clave de una entrega en el progreso: su ruta dentro de la carpeta de la clase."""
    return os.path.relpath(entrega.ruta, carpeta)
