"""Nombres de un paquete que se cargan al usarlos (PEP 562), escrito una vez para `datos`, `modelos`,
`utilidades` y `calificacion`: `import paquete` no importa TensorFlow; `paquete.nombre` importa su submódulo."""

import importlib


def exportador(paquete, exportados, al_cargar=None):
    """`(__getattr__, __dir__)` de `paquete`: `exportados` = {nombre: submódulo que lo define}.

    `al_cargar()` se llama una vez, antes de cargar el primer nombre (`utilidades` configura la GPU).
    """
    pendiente = [al_cargar] if al_cargar is not None else []

    def __getattr__(nombre):
        if nombre not in exportados:
            raise AttributeError(f"module {paquete!r} has no attribute {nombre!r}")
        while pendiente:
            pendiente.pop()()
        return getattr(importlib.import_module(f"{paquete}.{exportados[nombre]}"), nombre)

    def __dir__():
        modulo = importlib.import_module(paquete)
        return sorted(set(vars(modulo)) | set(exportados))

    return __getattr__, __dir__
