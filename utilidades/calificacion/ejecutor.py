"""Proceso aparte que ejecuta la entrega de un estudiante y describe lo que devuelven sus funciones.

Este archivo solo usa la biblioteca estándar: se ejecuta como script (`python ejecutor.py trabajo.json`)
sin importar el paquete, así que una entrega que falla al cargarse no paga la importación de TensorFlow.
El proceso padre (la calificación) nunca ejecuta código del estudiante: recibe de aquí, en JSON, los
eventos y los resultados de cada tarea, uno por línea, de modo que lo terminado sobrevive a un cuelgue.

El padre también importa este módulo para reutilizar `preparar_codigo` (el filtro de definiciones).
"""
import ast
import importlib.util
import json
import os
import sys
import time
import traceback
import types

NOMBRE_MODULO = "entrega"

# Instrucciones de nivel superior que se conservan en el modo "definiciones".
_DEFINICIONES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASIGNACIONES = (ast.Assign, ast.AnnAssign)


class FaltaFuncion(Exception):
    """La entrega no define (o no escribe ella misma) una función que la prueba necesita."""


def preparar_codigo(codigo, nombre, modo="definiciones"):
    """Analiza un fragmento de la entrega y devuelve `(arbol, omitidas)`.

    En el modo "definiciones" solo se conservan importaciones, funciones, clases y asignaciones sin
    llamadas (constantes): lo demás (entrenamientos, gráficas) se omite y se cuenta en `omitidas`.
    En el modo "todo" se ejecuta el fragmento entero. Lanza `SyntaxError` si el código no es válido.
    """
    arbol = ast.parse(codigo, filename=nombre)
    if modo == "todo":
        return arbol, 0
    conservadas = [nodo for nodo in arbol.body if _es_definicion(nodo)]
    omitidas = len(arbol.body) - len(conservadas)
    return ast.Module(body=conservadas, type_ignores=[]), omitidas


def _es_definicion(nodo):
    if isinstance(nodo, _DEFINICIONES):
        return True
    if isinstance(nodo, _ASIGNACIONES) and nodo.value is not None:
        return not any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(nodo.value))
    return False


class Alumno:
    """Lo que ven las tareas de la entrega: sus funciones, comprobadas antes de llamarlas."""

    def __init__(self, modulo):
        self.modulo = modulo

    def funcion(self, nombre):
        """La función `nombre` de la entrega; `FaltaFuncion` con un mensaje claro si no la define."""
        valor = getattr(self.modulo, nombre, None)
        if valor is None:
            raise FaltaFuncion(f"La entrega no define la función {nombre}.")
        if not callable(valor):
            raise FaltaFuncion(f"En la entrega, {nombre} no es una función (es {type(valor).__name__}).")
        origen = getattr(valor, "__module__", NOMBRE_MODULO)
        if origen not in (NOMBRE_MODULO, None):
            raise FaltaFuncion(
                f"La entrega importa {nombre} de «{origen}» en vez de escribirla: la práctica pide definirla."
            )
        return valor


def describir_error(error, archivos):
    """`Tipo: mensaje (archivo, línea N)`, con la última línea de la entrega que aparece en la traza."""
    if isinstance(error, FaltaFuncion):
        return str(error)
    texto = f"{type(error).__name__}: {error}".strip()
    if isinstance(error, SyntaxError) and error.filename in archivos:
        return f"error de sintaxis en {error.filename}, línea {error.lineno}: {error.msg}"
    marcos = [m for m in traceback.extract_tb(error.__traceback__) if m.filename in archivos]
    if marcos:
        texto += f" ({marcos[-1].filename}, línea {marcos[-1].lineno})"
    return texto


class Canal:
    """Escribe los eventos en el archivo de resultados, una línea JSON por evento, sin búfer."""

    def __init__(self, ruta):
        self.archivo = open(ruta, "a", encoding="utf-8")

    def enviar(self, **evento):
        try:
            linea = json.dumps(evento, ensure_ascii=False, default=_a_json)
        except (TypeError, ValueError) as error:
            linea = json.dumps(
                {"evento": "resultado", "nombre": evento.get("nombre"), "ok": False,
                 "error": f"la tarea devolvió un valor que no se puede pasar a JSON: {error}"},
                ensure_ascii=False,
            )
        self.archivo.write(linea + "\n")
        self.archivo.flush()


def _a_json(valor):
    if hasattr(valor, "tolist"):
        return valor.tolist()
    raise TypeError(f"{type(valor).__name__} no es serializable")


def _importar_tareas(ruta):
    especificacion = importlib.util.spec_from_file_location("tareas_calificacion", ruta)
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    return modulo.TAREAS


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    aqui = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [r for r in sys.path if os.path.abspath(r or ".") != aqui]  # los módulos vecinos no son importables
    with open(argv[0], encoding="utf-8") as f:
        trabajo = json.load(f)
    canal = Canal(trabajo["resultados"])
    for ruta in trabajo.get("rutas_python", []):  # el paquete, para las tareas (`utilidades.calificacion`)
        sys.path.insert(0, ruta)
    tareas = _importar_tareas(trabajo["tareas"])  # antes que la entrega: el código de la entrega no las toca

    canal.enviar(evento="cargando")
    sys.path.append(os.path.dirname(os.path.abspath(trabajo["entrega"])))
    modulo = types.ModuleType(NOMBRE_MODULO)
    modulo.__file__ = trabajo["entrega"]
    sys.modules[NOMBRE_MODULO] = modulo
    archivos = {fragmento["nombre"] for fragmento in trabajo["fragmentos"]}
    inicio = time.monotonic()
    try:
        for fragmento in trabajo["fragmentos"]:
            arbol, _ = preparar_codigo(fragmento["codigo"], fragmento["nombre"], trabajo["modo"])
            exec(compile(arbol, fragmento["nombre"], "exec"), modulo.__dict__)
    except BaseException as error:  # también SystemExit: un sys.exit() en la entrega no es un fallo del padre
        canal.enviar(evento="error_carga", mensaje=describir_error(error, archivos))
        return 0
    canal.enviar(evento="cargada", segundos=round(time.monotonic() - inicio, 3))

    alumno = Alumno(modulo)
    for nombre in trabajo["pendientes"]:
        canal.enviar(evento="tarea", nombre=nombre)
        try:
            valor = tareas[nombre](alumno)
        except BaseException as error:
            canal.enviar(evento="resultado", nombre=nombre, ok=False, error=describir_error(error, archivos))
        else:
            canal.enviar(evento="resultado", nombre=nombre, ok=True, valor=valor)
    canal.enviar(evento="fin")
    return 0


if __name__ == "__main__":
    codigo = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(codigo)  # sin esperar a hilos que haya dejado la entrega ni al cierre de TensorFlow
