"""Calificar una entrega o una clase entera con una suite de pytest (`suites/p3.py` por defecto).

Para una clase: primero se ejecutan todas las entregas, cada una en su aislamiento y varias a la vez (y
sus modelos se reconstruyen en otro proceso, ver `reconstruccion`); cuando ya no queda ningún proceso de
ningún estudiante, la suite corre en este proceso sobre lo observado y se escriben, de forma atómica,
`calificaciones.csv` (una fila por estudiante, una columna por prueba), el resumen para el profesor
(`resumen.md`, `notas.png`, `pruebas.png`) y, por estudiante, `<salida>/<estudiante>/results.json` e
`informe.md`. El fallo, cuelgue o ataque de una entrega es la fila de ese estudiante: la clase siempre
termina.
"""

import concurrent.futures
import contextlib
import importlib.util
import io
import os
import re

import pytest

from calificacion import aislamiento, ejecucion, entregas, plugin
from calificacion.informes import celda, cifra, linea
from datos.errores import ErrorParametro
from utilidades.resultados import escribir_csv, escribir_texto, guardar_figura

CARPETA_SUITES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suites")
NOMBRE_CSV = "calificaciones.csv"


def ruta_suite(suite="p3"):
    """Ruta del módulo de pruebas: un nombre de `suites/` (`"p3"`) o la ruta de un archivo `.py`."""
    ruta = os.fspath(suite)
    if not ruta.endswith(".py"):
        ruta = os.path.join(CARPETA_SUITES, ruta + ".py")
    if not os.path.isfile(ruta):
        disponibles = sorted(n[:-3] for n in os.listdir(CARPETA_SUITES) if n.endswith(".py") and not n.startswith("_"))
        raise ErrorParametro(f"No existe la suite «{suite}»: indique una de {disponibles} o la ruta de un archivo .py.")
    return os.path.abspath(ruta)


def llamadas_suite(suite="p3"):
    """Las `LLAMADAS` que declara la suite (funciones del informe que se llaman si la entrega las define)."""
    ruta = ruta_suite(suite)
    especificacion = importlib.util.spec_from_file_location("_suite_" + os.path.basename(ruta)[:-3], ruta)
    modulo = importlib.util.module_from_spec(especificacion)
    especificacion.loader.exec_module(modulo)
    return list(getattr(modulo, "LLAMADAS", []))


def carpeta_estudiante(nombre):
    """Un nombre de carpeta seguro para el estudiante (sin barras ni puntos iniciales)."""
    limpio = re.sub(r"[^\w .,()@+-]", "_", nombre).strip(" .") or "estudiante"
    return limpio[:120]


def opciones_pytest(limites, aislado, nombres, reglas):
    opciones = [
        "--tiempo-limite",
        str(limites.tiempo),
        "--memoria",
        str(limites.memoria / 1024**3),
        "--disco",
        str(limites.disco / 1024**3),
        "--limite-salida",
        str(limites.salida),
    ]
    opciones += [] if aislado else ["--sin-aislamiento"]
    for clave, valor in (nombres or {}).items():
        opciones += ["--nombre", f"{clave}={valor}"]
    for clave, valor in (reglas or {}).items():
        opciones += ["--regla", f"{clave}={valor}"]
    return opciones


def calificar_entrega(entrega, suite="p3", salida=None, observado=None, opciones=(), silencioso=False):
    """Pasa la suite sobre una entrega con el complemento de calificación; devuelve `(codigo, informe)`.

    `observado` es la entrega ya ejecutada (`Observado`), para no volver a ejecutarla.
    """
    argumentos = [ruta_suite(suite), "--entrega", os.fspath(entrega), "-p", "no:cacheprovider", *opciones]
    if salida is not None:
        argumentos += ["--calificacion-salida", os.fspath(salida)]
    intercambio = plugin.Intercambio(observado)
    registrados = [] if _plugin_registrado() else [plugin]
    with contextlib.redirect_stdout(io.StringIO()) if silencioso else contextlib.nullcontext():
        codigo = pytest.main(argumentos + (["-q"] if silencioso else []), plugins=[*registrados, intercambio])
    if intercambio.informe is None:
        raise RuntimeError(
            f"La suite {ruta_suite(suite)} no se pudo ejecutar sobre {entrega} (pytest devolvió {codigo})."
        )
    return int(codigo), intercambio.informe


def _plugin_registrado():
    """Si el complemento ya llega por el punto de entrada `pytest11` (paquete instalado)."""
    from importlib.metadata import entry_points

    return any(e.value == "calificacion.plugin" for e in entry_points(group="pytest11"))


def calificar_clase(
    carpeta, salida, suite="p3", procesos=2, limites=None, aislado=True, nombres=None, reglas=None, mostrar=print
):
    """Califica todas las entregas de `carpeta`; escribe `salida/calificaciones.csv`, el resumen y los informes.

    Devuelve las filas del CSV: `estudiante`, `entrega`, `nota`, `maximo`, una columna por prueba con sus
    puntos, `error` (por qué no terminó la ejecución, si es el caso) y `revisar` (por qué revisarla a mano:
    intentó tocar el arnés —nota 0— o se observó algo que su código no contiene, que no puntúa).
    """
    from calificacion.observacion import Observado

    limites = limites or aislamiento.Limites()
    lista = entregas.buscar_entregas(carpeta, excluir=[salida])
    llamadas = plugin.llamadas(llamadas_suite(suite), nombres or {})
    mostrar(f"Ejecutando {len(lista)} entregas ({procesos} a la vez, {'con' if aislado else 'sin'} bubblewrap)…")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, procesos)) as hilos:
        futuros = [hilos.submit(ejecucion.ejecutar_entrega, e, llamadas, limites, aislado) for e in lista]
        observaciones = [_resultado(f) for f in futuros]
    # Aquí ya no queda ningún proceso de ningún estudiante: se califica y se escribe.
    opciones = opciones_pytest(limites, aislado, nombres, reglas)
    filas, columnas, informes = [], ["estudiante", "entrega", "nota", "maximo"], []
    for entrega, observacion in zip(lista, observaciones):
        carpeta_informe = os.path.join(salida, carpeta_estudiante(entrega.estudiante))
        try:
            if isinstance(observacion, Exception):
                raise observacion
            _, informe = calificar_entrega(
                entrega.ruta, suite, carpeta_informe, Observado(observacion), opciones, silencioso=True
            )
        except Exception as error:  # noqa: BLE001 (un fallo del calificador con un estudiante es su fila)
            informe = {
                "estudiante": entrega.estudiante,
                "nota": 0,
                "maximo": 0,
                "pruebas": [],
                "soluciones": [],
                "error": f"error interno de la calificación (revísela a mano): {type(error).__name__}: {error}"
                + _donde(error),
            }
        informes.append(informe)
        fila = {
            "estudiante": celda(entrega.estudiante),
            "entrega": celda(os.path.relpath(entrega.ruta, carpeta)),
            "nota": informe["nota"],
            "maximo": informe["maximo"],
            "error": celda(informe["error"] or ""),
            "revisar": celda("; ".join(informe.get("revisar") or [])),
        }
        for prueba in informe["pruebas"]:
            fila[prueba["id"]] = prueba["puntuacion"]
            if prueba["id"] not in columnas:
                columnas.append(prueba["id"])
        filas.append(fila)
        aviso = f"  ({linea(fila['error'])})" if fila["error"] else ""
        mostrar(f"  {entrega.estudiante}: {cifra(fila['nota'])} / {cifra(fila['maximo'])}{aviso}")
    ruta_csv = escribir_csv(os.path.join(salida, NOMBRE_CSV), filas, columnas + ["error", "revisar"])
    escribir_resumen(informes, salida)
    mostrar(f"Notas: {ruta_csv}; resumen: {os.path.join(salida, 'resumen.md')}; informes en {salida}/<estudiante>/")
    return filas


def _limites_usados(informes):
    """Una línea para el profesor: con qué se limitaron memoria y tareas (cgroup o medidas)."""
    from calificacion import cgrupos

    ejecutadas = [i for i in informes if "cgrupo" in i]
    if ejecutadas and all(i["cgrupo"] for i in ejecutadas):
        return "Memoria y tareas de cada entrega: limitadas por su cgroup."
    motivo = cgrupos.version()[1] if cgrupos.version()[0] is None else "no se pudo crear el cgroup de alguna entrega"
    return f"Memoria y tareas de cada entrega: medidas cada fracción de segundo, sin cgroup ({linea(motivo)})."


def _donde(error):
    """Dónde falló el calificador (el último marco de la traza), para poder arreglarlo."""
    import traceback

    marcos = traceback.extract_tb(error.__traceback__)
    return f" ({os.path.basename(marcos[-1].filename)}, línea {marcos[-1].lineno})" if marcos else ""


def _resultado(futuro):
    """Lo que devolvió la ejecución de una entrega, o la excepción que lanzó (será solo su fila)."""
    try:
        return futuro.result()
    except Exception as error:  # noqa: BLE001
        return error


def escribir_resumen(informes, salida):
    """`resumen.md` (notas, aprobados por prueba, ejecuciones que fallaron y por qué) y dos figuras PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notas = [i["nota"] for i in informes]
    maximo = max([i["maximo"] for i in informes] + [1])
    figura, eje = plt.subplots(figsize=(6, 3.5))
    eje.hist(notas, bins=[x * maximo / 10 for x in range(11)], color="#4477aa", edgecolor="white")
    eje.set(xlabel="nota", ylabel="estudiantes", title=f"Notas de la clase ({len(notas)} entregas)")
    guardar_figura(figura, os.path.join(salida, "notas.png"))

    pruebas = {}
    for informe in informes:
        for prueba in informe["pruebas"]:
            pruebas.setdefault(prueba["id"], []).append(prueba["estado"] == "passed")
    figura, eje = plt.subplots(figsize=(6, 0.45 * len(pruebas) + 1))
    nombres = list(pruebas)
    eje.barh(nombres, [100 * sum(v) / len(v) for v in pruebas.values()], color="#228833")
    eje.invert_yaxis()
    eje.set(xlim=(0, 100), xlabel="% de entregas que la superan", title="Pruebas superadas")
    guardar_figura(figura, os.path.join(salida, "pruebas.png"))

    media = sum(notas) / len(notas) if notas else 0
    lineas = [
        "# Resumen de la clase",
        "",
        f"{len(informes)} entregas; nota media {cifra(media)} / {cifra(maximo)}.",
        "",
        "![Notas](notas.png)",
        "",
        "| prueba | superada por |",
        "|---|---|",
    ]
    lineas += [f"| {n} | {sum(v)} de {len(v)} |" for n, v in pruebas.items()]
    lineas += ["", _limites_usados(informes)]
    lineas += ["", "![Pruebas](pruebas.png)", ""]
    fallidas = [i for i in informes if i["error"] or i.get("soluciones")]
    if fallidas:
        lineas += ["## Ejecuciones que fallaron", ""]
        for informe in fallidas:
            motivo = informe["error"] or f"usa las soluciones del paquete ({', '.join(informe['soluciones'])})"
            lineas.append(f"- **{linea(informe['estudiante'])}**: {linea(motivo)}")
        lineas.append("")
    a_revisar = [i for i in informes if i.get("revisar")]
    if a_revisar:
        lineas += ["## Para revisar a mano", ""]
        for informe in a_revisar:
            lineas.append(f"- **{linea(informe['estudiante'])}**: {linea('; '.join(informe['revisar']))}")
        lineas.append("")
    con_errores = [i for i in informes if i.get("errores") and not i["error"]]
    if con_errores:
        lineas += ["## Errores dentro de entregas que sí terminaron", ""]
        for informe in con_errores:
            lineas.append(
                f"- **{linea(informe['estudiante'])}**: {linea(informe['errores'][0])}"
                + (f" (y {len(informe['errores']) - 1} más)" if len(informe["errores"]) > 1 else "")
            )
    escribir_texto(os.path.join(salida, "resumen.md"), "\n".join(lineas).rstrip() + "\n")
