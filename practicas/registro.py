"""Registro de la línea de órdenes: `python -m practicas <practica> <ejercicio>`.

Cada práctica es un subpaquete de `practicas` y cada ejercicio un módulo suyo que declara:

- `AYUDA`: una línea que lo describe (un texto literal: se lee sin importar el módulo);
- `opciones(parser)`: añade sus opciones a un `argparse.ArgumentParser`;
- `ejecutar(args)`: lo ejecuta y devuelve un diccionario con sus resultados.

Los módulos se descubren solos: añadir un ejercicio es añadir un archivo. Para listarlos (`--help`) se lee
su código con `ast`, sin importarlos: ni TensorFlow ni los demás ejercicios se cargan hasta elegir uno
(`cargar_ejercicio`).
"""

import ast
import importlib
import importlib.util
import pkgutil

import practicas


def _modulos(paquete):
    return sorted(
        (m for m in pkgutil.iter_modules(paquete.__path__) if not m.name.startswith("_")), key=lambda m: m.name
    )


def practicas_disponibles():
    """Nombres de las prácticas (subpaquetes de `practicas`)."""
    return [m.name for m in _modulos(practicas) if m.ispkg]


def ayuda_practica(practica):
    """Primera línea del docstring del subpaquete de la práctica (su `__init__` no importa nada)."""
    documento = (importlib.import_module(f"practicas.{practica}").__doc__ or "").strip()
    return documento.splitlines()[0] if documento else ""


def _declaracion(ruta):
    """`AYUDA` del módulo en `ruta` si declara `AYUDA`, `opciones` y `ejecutar` (leído, no ejecutado); si no, None."""
    with open(ruta, encoding="utf-8") as f:
        arbol = ast.parse(f.read(), filename=ruta)
    ayuda, funciones = None, set()
    for nodo in arbol.body:
        if isinstance(nodo, ast.FunctionDef):
            funciones.add(nodo.name)
        elif isinstance(nodo, ast.Assign) and any(getattr(d, "id", None) == "AYUDA" for d in nodo.targets):
            ayuda = ast.literal_eval(nodo.value)
    return ayuda if ayuda is not None and {"opciones", "ejecutar"} <= funciones else None


def ayudas(practica):
    """Diccionario `nombre en la línea de órdenes -> AYUDA` de los ejercicios de una práctica, sin importarlos."""
    paquete = importlib.import_module(f"practicas.{practica}")
    encontrados = {}
    for modulo in _modulos(paquete):
        ayuda = _declaracion(importlib.util.find_spec(f"practicas.{practica}.{modulo.name}").origin)
        if ayuda is not None:
            encontrados[modulo.name.replace("_", "-")] = ayuda
    return encontrados


def cargar_ejercicio(practica, nombre):
    """El módulo del ejercicio `nombre` (como en la línea de órdenes, p. ej. `perros-gatos`) de `practica`."""
    return importlib.import_module(f"practicas.{practica}.{nombre.replace('-', '_')}")


def ejercicios(practica):
    """Diccionario `nombre en la línea de órdenes -> módulo` con los ejercicios de una práctica (los importa)."""
    return {nombre: cargar_ejercicio(practica, nombre) for nombre in ayudas(practica)}
