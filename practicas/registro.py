"""Registro de la línea de órdenes: `python -m practicas <practica> <ejercicio>`.

Cada práctica es un subpaquete de `practicas` y cada ejercicio un módulo suyo que declara:

- `AYUDA`: una línea que lo describe (un texto literal: se lee sin importar el módulo);
- `opciones(parser)`: añade sus opciones a un `argparse.ArgumentParser`;
- `ejecutar(args)`: lo ejecuta y devuelve un diccionario con sus resultados.

Los módulos se descubren solos: añadir un ejercicio es añadir un archivo. Para listarlos (`--help`) se lee
su código con `ast`, sin importarlos: ni TensorFlow ni los demás ejercicios se cargan hasta elegir uno
(`cargar_ejercicio`). La ayuda de cada ejercicio (`practicas p3 ejercicio1 --help`) sale de
`practicas/_ayudas.py`, generado con `python -m practicas.registro` (sus opciones sí piden importarlo, y con
él TensorFlow: 5 s); `tests/test_cli.py` comprueba que coincide con la de los módulos.
"""

import ast
import contextlib
import importlib
import importlib.util
import io
import os
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


ANCHO_AYUDAS = 100  # columnas con que se guarda la ayuda de los ejercicios
RUTA_AYUDAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ayudas.py")


def ayuda_guardada(practica, nombre):
    """El texto de `practicas <practica> <nombre> --help` de `practicas/_ayudas.py`, o None si no está."""
    from practicas._ayudas import AYUDAS

    return AYUDAS.get(f"{practica} {nombre}")


def ayuda_completa(practica, nombre):
    """El texto de `practicas <practica> <nombre> --help` con las opciones del módulo (lo importa)."""
    from practicas.__main__ import construir_parser

    salida, anterior = io.StringIO(), os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(ANCHO_AYUDAS)
    try:
        with contextlib.redirect_stdout(salida), contextlib.suppress(SystemExit):
            construir_parser(con_ayudas_guardadas=False).parse_args([practica, nombre, "--help"])
    finally:
        if anterior is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = anterior
    return salida.getvalue()


def ayudas_completas():
    """`{"<practica> <ejercicio>": texto de su --help}` de todos los ejercicios (los importa)."""
    return {
        f"{practica} {nombre}": ayuda_completa(practica, nombre)
        for practica in practicas_disponibles()
        for nombre in ayudas(practica)
    }


def escribir_ayudas(ruta=RUTA_AYUDAS):
    """Regenera `practicas/_ayudas.py` (tras cambiar las opciones de un ejercicio)."""
    entradas = "".join(
        f"    {clave!r}: (\n"
        + "".join(f"        {linea!r}\n" for linea in texto.splitlines(keepends=True))
        + "    ),\n"
        for clave, texto in ayudas_completas().items()
    )
    texto = (
        '"""Ayuda de cada ejercicio (`--help`), para mostrarla sin importar TensorFlow. Generado por\n'
        '`python -m practicas.registro`: no se edita a mano."""\n\n'
        "# fmt: off\n"
        f"AYUDAS = {{\n{entradas}}}\n"
    )
    with open(ruta, "w", encoding="utf-8") as f:
        f.write(texto)


if __name__ == "__main__":
    escribir_ayudas()
    print(f"Escrito {RUTA_AYUDAS}")
