"""Paquetes del proyecto tapados por archivos del usuario (`modelos.py`, una carpeta `datos/`...).

Python busca los módulos primero en la carpeta del script (o en la de trabajo con `python -m`), así que
un `modelos.py` del estudiante, o su carpeta de imágenes `datos/`, se importa en lugar del paquete del
mismo nombre. `paquete_tapado` dice qué archivo o carpeta lo tapa y `comprobar_paquetes` lo explica en
español: error si el paquete hace falta, aviso si no.

Dónde vive: en `datos`, la capa de abajo del proyecto. Las dependencias van en un solo sentido,
`practicas → utilidades → modelos → datos` (cada paquete importa solo los que tiene a su derecha), y
`datos` no importa ningún otro; así `datos/__init__`, `modelos/__init__` y `utilidades/__init__` usan este
módulo sin ciclos. Solo usa la
biblioteca estándar y no importa TensorFlow (el `__init__` de `datos` carga lo demás al usarlo). Si el
tapado es el propio `datos` (un `datos.py` del usuario), el error de Python ya lo nombra:
«No module named 'datos._sombras'; 'datos' is not a package».
"""

import importlib.util
import os
import sys

PAQUETES = ("datos", "modelos", "utilidades", "practicas")
RAIZ = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_avisados = set()


def paquete_tapado(nombre):
    """Ruta del archivo o carpeta que Python importa como `nombre` en lugar del paquete del proyecto, o None."""
    try:
        spec = importlib.util.find_spec(nombre)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    nuestro = os.path.join(RAIZ, nombre)
    ubicaciones = [os.path.realpath(u) for u in (spec.submodule_search_locations or [])]
    if nuestro in ubicaciones:
        return None
    if spec.origin and os.path.isfile(spec.origin):
        return spec.origin
    return ubicaciones[0] if ubicaciones else str(spec.origin)


def mensaje_tapado(nombre, ruta):
    """Explicación en español de qué archivo tapa el paquete `nombre` y cómo arreglarlo."""
    que = "La carpeta" if os.path.isdir(ruta) else "El archivo"
    nuevo = f"mis_{nombre}" + ("" if os.path.isdir(ruta) else ".py")
    return (
        f"{que} '{ruta}' tapa el paquete '{nombre}' de practicas-keras: Python lo encuentra antes porque está "
        f"en la carpeta del script o en la de trabajo. Cámbiele el nombre (p. ej. '{nuevo}') o ejecute desde "
        "otra carpeta."
    )


def comprobar_paquetes(necesarios=(), avisar=PAQUETES):
    """Error (`ImportError`) si un paquete de `necesarios` está tapado; aviso (en stderr, una sola vez por
    paquete) si lo está uno de `avisar`: quizá el usuario quiere usar su propio archivo."""
    for nombre in necesarios:
        ruta = paquete_tapado(nombre)
        if ruta is not None:
            raise ImportError(mensaje_tapado(nombre, ruta))
    for nombre in avisar:
        ruta = paquete_tapado(nombre) if nombre not in _avisados else None
        if ruta is not None:
            _avisados.add(nombre)
            print(f"Aviso: {mensaje_tapado(nombre, ruta)}", file=sys.stderr)


def quitar_carpeta_de_trabajo(ruta_busqueda):
    """Quita de `ruta_busqueda` (`sys.path`) la carpeta de trabajo, salvo que sea la del proyecto.

    Con `python -m practicas` o `python -m calificacion`, Python añade la carpeta de trabajo al
    principio de `sys.path`; quitándola, los archivos del usuario (o los de una clase: el `numpy.py` de un
    estudiante) no tapan los paquetes del proyecto ni los demás. Devuelve las entradas quitadas.
    """
    trabajo = os.path.realpath(os.getcwd())
    if trabajo == RAIZ:
        return []
    quitadas = [e for e in ruta_busqueda if e == "" or os.path.realpath(e) == trabajo]
    ruta_busqueda[:] = [e for e in ruta_busqueda if e not in quitadas]
    return quitadas
