"""Calificar una entrega o una clase entera con una suite de pytest (`suites/p3.py` por defecto).

Para una clase: las entregas se ejecutan cada una en su aislamiento y varias a la vez (y sus modelos se
reconstruyen en otro proceso, ver `reconstruccion`); en cuanto termina una, la suite corre en este proceso
sobre lo observado, se escriben `<salida>/<estudiante>/results.json` e `informe.md` y su fila se guarda en
`progreso.json` (de forma atómica: `--reanudar` la conserva tras una interrupción). Cuando ya no queda
ningún proceso de ningún estudiante se escriben, de forma atómica, `calificaciones.csv` (una fila por
estudiante, una columna por prueba), la similitud entre entregas (`similitud`), lo que se sube a Moodle
(`moodle`) y el resumen para el profesor (`resumen.md`, `notas.png`, `pruebas.png`). El fallo, cuelgue o
ataque de una entrega es la fila de ese estudiante: la clase siempre termina.
"""

import concurrent.futures
import contextlib
import importlib.util
import io
import os
import re
import signal
import threading

import pytest

from calificacion import aislamiento, ejecucion, entregas, moodle, plugin, progreso, similitud
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
    # sin caché de pytest ni su recogida de excepciones «unraisable» (cinco gc.collect al terminar: 0,7 s de CPU
    # por entrega en un proceso con TensorFlow cargado)
    sin = ["-p", "no:cacheprovider", "-p", "no:unraisableexception"]
    argumentos = [ruta_suite(suite), "--entrega", os.fspath(entrega), *sin, *opciones]
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
    carpeta,
    salida,
    suite="p3",
    procesos=2,
    limites=None,
    aislado=True,
    nombres=None,
    reglas=None,
    mostrar=print,
    reanudar=False,
    plantillas=(),
    hoja=None,
    idioma_moodle="es",
):
    """Califica todas las entregas de `carpeta`; escribe `salida/calificaciones.csv`, el resumen y los informes.

    Devuelve las filas del CSV: `estudiante`, `entrega`, `nota`, `maximo`, una columna por prueba con sus
    puntos, `error` (por qué no terminó la ejecución, si es el caso) y `revisar` (por qué revisarla a mano:
    intentó tocar el arnés —nota 0— o se observó algo que su código no contiene, que no puntúa).

    Cada entrega se califica en cuanto termina su ejecución y su fila se guarda en `progreso.json`; con
    `reanudar`, las ya calificadas (y sin cambios) se conservan y solo se ejecutan las demás. Al final se
    escriben también `similitud.csv` y `similitud.html` (sin contar el código de `plantillas`) y, para
    Moodle, la hoja de calificaciones (`hoja`, la descargada, rellenada; o una nueva en `idioma_moodle`) y el
    zip de retroalimentación. Un Ctrl+C (o SIGTERM) detiene las ejecuciones y lanza `KeyboardInterrupt`.
    """
    limites = limites or aislamiento.Limites()
    lista = entregas.buscar_entregas(carpeta, excluir=[salida])
    similitud.comprobar_plantillas(plantillas)
    if hoja is not None:
        moodle.comprobar_hoja(hoja, lista, carpeta)
    llamadas = plugin.llamadas(llamadas_suite(suite), nombres or {})
    opciones = opciones_pytest(limites, aislado, nombres, reglas)
    config = progreso.configuracion(ruta_suite(suite), opciones, llamadas)
    guardado = progreso.Progreso(salida, config, reanudar)
    claves = [progreso.clave(e, carpeta) for e in lista]
    huellas = {clave: progreso.huella(e.ruta) for clave, e in zip(claves, lista)}
    resultados = {}  # clave -> (fila, informe)
    for clave in claves:
        registro = guardado.hecha(clave, huellas[clave])
        if registro:
            resultados[clave] = (registro["fila"], registro["informe"])
    pendientes = [e for e, clave in zip(lista, claves) if clave not in resultados]
    n = len(resultados)
    conservadas = {0: "", 1: "; 1 ya calificada se conserva"}.get(n, f"; {n} ya calificadas se conservan")
    mostrar(
        f"Ejecutando {len(pendientes)} entregas ({procesos} a la vez, {'con' if aislado else 'sin'} bubblewrap)"
        f"{conservadas}…"
    )
    clase = _Clase(carpeta, salida, suite, opciones, guardado, huellas, resultados, mostrar)
    clase.ejecutar(pendientes, len(lista), procesos, llamadas, limites, aislado)
    # Aquí ya no queda ningún proceso de ningún estudiante: se escribe lo de toda la clase.
    filas = [resultados[clave][0] for clave in claves]
    informes = [resultados[clave][1] for clave in claves]
    columnas = ["estudiante", "entrega", "nota", "maximo"]
    for informe in informes:
        columnas += [p["id"] for p in informe["pruebas"] if p["id"] not in columnas]
    ruta_csv = escribir_csv(os.path.join(salida, NOMBRE_CSV), filas, columnas + ["error", "revisar"])
    extra = _similitud(lista, salida, plantillas, mostrar)
    extra += _moodle(lista, informes, salida, hoja, idioma_moodle, mostrar)
    escribir_resumen(informes, salida, extra)
    mostrar(f"Notas: {ruta_csv}; resumen: {os.path.join(salida, 'resumen.md')}; informes en {salida}/<estudiante>/")
    return filas


class _Clase:
    """Ejecuta las entregas pendientes a la vez y califica cada una (en este hilo) en cuanto termina."""

    def __init__(self, carpeta, salida, suite, opciones, guardado, huellas, resultados, mostrar):
        self.carpeta, self.salida, self.suite, self.opciones = carpeta, salida, suite, opciones
        self.guardado, self.huellas, self.resultados, self.mostrar = guardado, huellas, resultados, mostrar

    def ejecutar(self, pendientes, total, procesos, llamadas, limites, aislado):
        hilos = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, procesos))
        with _Interrupcion() as interrupcion, progreso.barra(total, total - len(pendientes)) as barra:
            try:
                futuros = {
                    hilos.submit(ejecucion.ejecutar_entrega, e, llamadas, limites, aislado): e for e in pendientes
                }
                for futuro in concurrent.futures.as_completed(futuros):
                    entrega = futuros[futuro]
                    informe = self.calificar(entrega, _resultado(futuro))
                    interrupcion.comprobar()  # un Ctrl+C dentro de pytest.main: pytest se lo traga
                    self.anotar(entrega, informe, barra)
            except BaseException:
                hilos.shutdown(wait=False, cancel_futures=True)
                aislamiento.detener_todas()
                hilos.shutdown(wait=True)
                raise
            hilos.shutdown(wait=True)

    def calificar(self, entrega, observacion):
        """El informe de una entrega ya ejecutada (o el de un fallo del calificador, que es solo su fila)."""
        from calificacion.observacion import Observado

        carpeta_informe = os.path.join(self.salida, carpeta_estudiante(entrega.estudiante))
        try:
            if isinstance(observacion, Exception):
                raise observacion
            with entregas.CERROJO_AST:  # pytest y la suite crean AST mientras otros hilos leen entregas
                _, informe = calificar_entrega(
                    entrega.ruta, self.suite, carpeta_informe, Observado(observacion), self.opciones, silencioso=True
                )
            return informe
        except Exception as error:  # noqa: BLE001 (un fallo del calificador con un estudiante es su fila)
            return {
                "estudiante": entrega.estudiante,
                "nota": 0,
                "maximo": 0,
                "pruebas": [],
                "soluciones": [],
                "error": f"error interno de la calificación (revísela a mano): {type(error).__name__}: {error}"
                + _donde(error),
            }

    def anotar(self, entrega, informe, barra):
        """Su fila: en los resultados, en `progreso.json` (atómico) y, en una línea, en la terminal."""
        fila = {
            "estudiante": celda(entrega.estudiante),
            "entrega": celda(os.path.relpath(entrega.ruta, self.carpeta)),
            "nota": informe["nota"],
            "maximo": informe["maximo"],
            "error": celda(informe["error"] or ""),
            "revisar": celda("; ".join(informe.get("revisar") or [])),
        }
        fila.update({prueba["id"]: prueba["puntuacion"] for prueba in informe["pruebas"]})
        clave = progreso.clave(entrega, self.carpeta)
        informe = {k: v for k, v in informe.items() if k != "salida"}  # lo que escribió por pantalla, en su informe
        self.guardado.guardar(clave, self.huellas[clave], fila, informe)
        self.resultados[clave] = (fila, informe)
        barra.update(1)
        aviso = f"  ({linea(fila['error'])})" if fila["error"] else ""
        barra.clear()
        self.mostrar(f"  {entrega.estudiante}: {cifra(fila['nota'])} / {cifra(fila['maximo'])}{aviso}")
        barra.refresh()


class _Interrupcion:
    """Ctrl+C o SIGTERM (un apagado) durante la clase: se anota y se lanza `KeyboardInterrupt`.

    pytest se traga el `KeyboardInterrupt` que llega mientras califica una entrega (devuelve «interrumpido»):
    con la marca, esa entrega no se anota como calificada y la interrupción sigue su camino.
    """

    def __enter__(self):
        self.recibida, self.anteriores = False, {}
        if threading.current_thread() is threading.main_thread():
            for senal in (signal.SIGINT, signal.SIGTERM):
                self.anteriores[senal] = signal.signal(senal, self._recibir)
        return self

    def _recibir(self, senal, marco):
        self.recibida = True
        raise KeyboardInterrupt

    def comprobar(self):
        if self.recibida:
            raise KeyboardInterrupt

    def __exit__(self, *excepcion):
        for senal, anterior in self.anteriores.items():
            signal.signal(senal, anterior)
        return False


def _similitud(lista, salida, plantillas, mostrar):
    """`similitud.csv` y `similitud.html`; las líneas del resumen con los pares señalados."""
    try:
        resultado = similitud.comparar_clase(lista, plantillas)
        ruta_csv, ruta_html = similitud.escribir_similitud(resultado, salida)
    except Exception as error:  # noqa: BLE001 (las notas ya están escritas: la similitud no las pierde)
        mostrar(f"No se pudo calcular la similitud entre entregas: {type(error).__name__}: {error}{_donde(error)}")
        return ["## Similitud entre entregas", "", f"No se pudo calcular: {linea(error)}", ""]
    senalados = resultado.senalados()
    mostrar(f"Similitud: {resultado.cuenta()} ({ruta_html}, {ruta_csv})")
    lineas = ["## Similitud entre entregas", ""]
    lineas.append(f"{resultado.cuenta()} (`similitud.html`, `similitud.csv`).")
    lineas += [""] + [
        f"- **{linea(p.a.estudiante)}** y **{linea(p.b.estudiante)}**: {cifra(100 * p.similitud)} %" for p in senalados
    ]
    return lineas + [""]


def _moodle(lista, informes, salida, hoja, idioma, mostrar):
    """La hoja de calificaciones y el zip de retroalimentación para Moodle; las líneas del resumen."""
    calificados = [
        moodle.Calificado(e, i, os.path.join(salida, carpeta_estudiante(e.estudiante))) for e, i in zip(lista, informes)
    ]
    try:
        devolucion = moodle.preparar(calificados, salida, hoja, idioma)
    except Exception as error:  # noqa: BLE001 (las notas ya están escritas: lo de Moodle no las pierde)
        mostrar(f"No se pudo preparar lo que se sube a Moodle: {type(error).__name__}: {error}{_donde(error)}")
        return ["## Moodle", "", f"No se pudo preparar: {linea(error)}", ""]
    lineas = []
    if devolucion.hoja:
        mostrar(
            f"Moodle: hoja de calificaciones {devolucion.hoja} ({devolucion.en_hoja} estudiantes) y archivos de "
            f"retroalimentación {devolucion.zip}"
        )
        lineas += ["## Moodle", "", f"Hoja de calificaciones y zip de retroalimentación en `{moodle.CARPETA}/`.", ""]
    if devolucion.sin_fila and (devolucion.hoja or hoja is not None):
        mostrar(f"Sin fila en la hoja de Moodle ({len(devolucion.sin_fila)}):")
        lineas += ["Entregas sin fila en la hoja (no se suben a Moodle):", ""]
        for calificado, motivo in devolucion.sin_fila:
            mostrar(f"  {calificado.entrega.estudiante}: {motivo}")
            lineas.append(f"- **{linea(calificado.entrega.estudiante)}**: {linea(motivo)}")
        lineas.append("")
    return lineas


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


def escribir_resumen(informes, salida, extra=()):
    """`resumen.md` (notas, aprobados por prueba, ejecuciones que fallaron y por qué) y dos figuras PNG.

    `extra`: líneas de Markdown que van al final (la similitud entre entregas, lo que no va a Moodle).
    """
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
        lineas.append("")
    lineas += list(extra)
    escribir_texto(os.path.join(salida, "resumen.md"), "\n".join(lineas).rstrip() + "\n")
