"""Registro de la línea de órdenes: `python -m practicas <practica> <ejercicio>`.

Cada práctica es un subpaquete de `practicas` y cada ejercicio un módulo suyo que declara:

- `AYUDA`: una línea que lo describe;
- `opciones(parser)`: añade sus opciones a un `argparse.ArgumentParser`;
- `ejecutar(args)`: lo ejecuta y devuelve un diccionario con sus resultados.

Los módulos se descubren solos: añadir un ejercicio es añadir un archivo.
"""
import importlib
import pkgutil

import practicas


def _modulos(paquete):
    return sorted(m.name for m in pkgutil.iter_modules(paquete.__path__) if not m.name.startswith("_"))


def practicas_disponibles():
    """Nombres de las prácticas (subpaquetes de `practicas`)."""
    return [n for n in _modulos(practicas) if importlib.util.find_spec(f"practicas.{n}").submodule_search_locations]


def ejercicios(practica):
    """Diccionario `nombre en la línea de órdenes -> módulo` con los ejercicios de una práctica."""
    paquete = importlib.import_module(f"practicas.{practica}")
    encontrados = {}
    for nombre in _modulos(paquete):
        modulo = importlib.import_module(f"practicas.{practica}.{nombre}")
        if hasattr(modulo, "ejecutar") and hasattr(modulo, "opciones"):
            encontrados[nombre.replace("_", "-")] = modulo
    return encontrados
