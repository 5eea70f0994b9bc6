"""Calificar una entrega o una clase entera con una suite de pytest (`suites/p3.py` por defecto).

Para una clase, el código de cada estudiante se ejecuta una sola vez, en procesos en paralelo; después
la suite corre en este proceso sobre los resultados ya obtenidos (las referencias se construyen una vez)
y se escriben `calificaciones.csv` (una fila por estudiante, una columna por prueba) y, por
estudiante, `<salida>/<estudiante>/results.json` e `informe.md`.
"""
import concurrent.futures
import contextlib
import importlib.util
import io
import os

import pytest

from utilidades.calificacion import plugin
from utilidades.calificacion.entregas import EXTENSIONES, LIMITE_SALIDA, TIEMPO_LIMITE, ejecutar_entrega
from utilidades.calificacion.informes import cifra
from utilidades.calificacion.plugin import Intercambio
from utilidades.resultados import escribir_csv

CARPETA_SUITES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suites")
NOMBRE_CSV = "calificaciones.csv"
_IGNORADAS = ("__pycache__", ".ipynb_checkpoints")


def ruta_suite(suite="p3"):
    """Ruta del módulo de pruebas: un nombre de `suites/` (`"p3"`) o la ruta de un archivo `.py`."""
    ruta = os.fspath(suite)
    if not ruta.endswith(".py"):
        ruta = os.path.join(CARPETA_SUITES, ruta + ".py")
    if not os.path.isfile(ruta):
        disponibles = sorted(n[:-3] for n in os.listdir(CARPETA_SUITES) if n.endswith(".py") and not n.startswith("_")
                             and not n.endswith("_tareas.py"))
        raise ValueError(f"No existe la suite '{suite}': indique una de {disponibles} o la ruta de un archivo .py.")
    return os.path.abspath(ruta)


def ruta_tareas(suite="p3"):
    """La ruta del módulo de tareas que declara la suite en `TAREAS`."""
    ruta = ruta_suite(suite)
    especificacion = importlib.util.spec_from_file_location("_suite_" + os.path.basename(ruta)[:-3], ruta)
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    if not hasattr(modulo, "TAREAS"):
        raise ValueError(f"La suite {ruta} no declara TAREAS (la ruta de su módulo de tareas).")
    return modulo.TAREAS


def calificar_entrega(entrega, suite="p3", salida=None, resultado=None, opciones=(), silencioso=False):
    """Pasa la suite sobre una entrega con el complemento de calificación; devuelve `(codigo, informe)`.

    `resultado` es la entrega ya ejecutada (`ejecutar_entrega`), para no volver a ejecutarla.
    """
    argumentos = [ruta_suite(suite), "--entrega", os.fspath(entrega), "-p", "no:cacheprovider", *opciones]
    if salida is not None:
        argumentos += ["--calificacion-salida", os.fspath(salida)]
    intercambio = Intercambio(resultado)
    with contextlib.redirect_stdout(io.StringIO()) if silencioso else contextlib.nullcontext():
        codigo = pytest.main(argumentos, plugins=[plugin, intercambio])
    if intercambio.informe is None:
        raise RuntimeError(f"La suite {ruta_suite(suite)} no se pudo ejecutar sobre {entrega} (pytest devolvió {codigo}).")
    return int(codigo), intercambio.informe


def buscar_entregas(carpeta, excluir=()):
    """`[(estudiante, ruta, error)]`: cada `.py`/`.ipynb` de la carpeta, o el único de cada subcarpeta."""
    if not os.path.isdir(carpeta):
        raise ValueError(f"No existe la carpeta de entregas '{carpeta}'.")
    excluir = {os.path.abspath(r) for r in excluir}
    encontradas = []
    for nombre in sorted(os.listdir(carpeta)):
        ruta = os.path.join(carpeta, nombre)
        if nombre.startswith(".") or nombre in _IGNORADAS or os.path.abspath(ruta) in excluir:
            continue
        if os.path.isfile(ruta) and nombre.lower().endswith(EXTENSIONES):
            encontradas.append([os.path.splitext(nombre)[0], ruta, None])
        elif os.path.isdir(ruta):
            archivos = [a for a in sorted(os.listdir(ruta)) if a.lower().endswith(EXTENSIONES)
                        and os.path.isfile(os.path.join(ruta, a))]
            if len(archivos) == 1:
                encontradas.append([nombre, os.path.join(ruta, archivos[0]), None])
            else:
                encontradas.append([nombre, None, f"la carpeta tiene {len(archivos)} archivos .py/.ipynb y debe tener uno"])
    repetidos = {e[0] for e in encontradas if [x[0] for x in encontradas].count(e[0]) > 1}
    for entrada in encontradas:  # alumno.py y alumno.ipynb: se distinguen por la extensión
        if entrada[0] in repetidos and entrada[1]:
            entrada[0] = os.path.basename(entrada[1])
    return [tuple(e) for e in encontradas]


def calificar_clase(
    carpeta,
    salida,
    suite="p3",
    procesos=2,
    tiempo_limite=TIEMPO_LIMITE,
    limite_salida=LIMITE_SALIDA,
    modo="definiciones",
    mostrar=print,
):
    """Califica todas las entregas de `carpeta`; escribe `salida/calificaciones.csv` y los informes.

    Devuelve las filas del CSV: `estudiante`, `entrega`, `nota`, `maximo`, una columna por prueba con
    sus puntos y `error` (por qué no se pudo ejecutar la entrega, si es el caso).
    """
    tareas = ruta_tareas(suite)
    entregas = buscar_entregas(carpeta, excluir=[salida])
    if not entregas:
        raise ValueError(f"La carpeta '{carpeta}' no tiene entregas (.py o .ipynb, sueltas o una por subcarpeta).")
    mostrar(f"Ejecutando {len(entregas)} entregas ({procesos} a la vez)…")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, procesos)) as hilos:
        futuros = {
            estudiante: hilos.submit(ejecutar_entrega, ruta, tareas, tiempo_limite, limite_salida, modo)
            for estudiante, ruta, error in entregas if ruta
        }
        resultados = {estudiante: futuro.result() for estudiante, futuro in futuros.items()}

    filas, columnas = [], ["estudiante", "entrega", "nota", "maximo"]
    for estudiante, ruta, error in entregas:
        fila = {"estudiante": estudiante, "entrega": os.path.relpath(ruta, carpeta) if ruta else "", "nota": 0,
                "maximo": "", "error": error or ""}
        if ruta:
            _, informe = calificar_entrega(ruta, suite, os.path.join(salida, estudiante), resultados[estudiante],
                                           silencioso=True)
            fila.update(nota=informe["nota"], maximo=informe["maximo"], error=informe["error"] or "")
            for prueba in informe["pruebas"]:
                fila[prueba["id"]] = prueba["puntuacion"]
                if prueba["id"] not in columnas:
                    columnas.append(prueba["id"])
        filas.append(fila)
        puntos = f"{cifra(fila['nota'])} / {cifra(fila['maximo'])}" if fila["maximo"] != "" else "sin calificar"
        mostrar(f"  {estudiante}: {puntos}" + (f"  ({fila['error']})" if fila["error"] else ""))
    for fila in filas:
        if not fila["maximo"]:
            fila.update({c: 0 for c in columnas[4:]})
    ruta_csv = escribir_csv(os.path.join(salida, NOMBRE_CSV), filas, columnas + ["error"])
    mostrar(f"Notas: {ruta_csv}; informes en {salida}/<estudiante>/")
    return filas
