"""Complemento de pytest que califica una entrega: `pytest suite.py --entrega RUTA`.

Se registra con el punto de entrada `pytest11` (basta con instalar el paquete) y no importa nada pesado
hasta que se da `--entrega`; sin ella, las pruebas que piden la fixture `entrega` se saltan. Con ella:

- la entrega (archivo, carpeta o zip) se ejecuta una vez, entera, en el aislamiento (`entregas.py`),
  y la fixture `entrega` da lo observado (`observacion.Observado`) a las pruebas;
- la suite declara `LLAMADAS` (las funciones del informe que se llaman si existen); `--nombre
  getBaseNet=crearRed` añade los nombres de un enunciado; `--regla CLAVE=VALOR` activa reglas opcionales
  de la suite (fixture `reglas`);
- cada prueba vale los puntos de su marca `puntos` (1 si no tiene); una prueba que falla puede dar una
  parte con la fixture `nota` (`nota.parcial(0.5)`);
- al final, una tabla en la terminal y, en `--calificacion-salida`, `results.json` (formato de
  Gradescope) e `informe.md` para el estudiante.
"""

import os
import time

import pytest

from calificacion import informes
from datos.errores import ErrorParametro

NOMBRE_PLUGIN = "calificacion-entrega"
INFORME = pytest.StashKey[dict]()
_FRACCION = pytest.StashKey[float]()


def pytest_addoption(parser):
    grupo = parser.getgroup("calificacion", "calificación de entregas (calificacion)")
    grupo.addoption("--entrega", metavar="RUTA", help="entrega que se califica: .py, .ipynb, carpeta o .zip")
    grupo.addoption(
        "--calificacion-salida",
        metavar="CARPETA",
        help="carpeta de results.json e informe.md (por defecto calificacion-<entrega>)",
    )
    grupo.addoption(
        "--tiempo-limite",
        type=float,
        default=600.0,
        metavar="S",
        help="segundos para ejecutar la entrega entera, sin contar la espera por una CPU libre (600)",
    )
    grupo.addoption("--memoria", type=float, default=6.0, metavar="GB", help="memoria de la entrega en GB (6)")
    grupo.addoption("--disco", type=float, default=2.0, metavar="GB", help="lo que puede escribir, en GB (2)")
    grupo.addoption(
        "--limite-salida",
        type=int,
        default=10_000_000,
        metavar="BYTES",
        help="lo que la entrega puede escribir por pantalla (10000000)",
    )
    grupo.addoption(
        "--sin-aislamiento",
        action="store_true",
        help="ejecutar sin bubblewrap (solo límites y un grupo de procesos): menos seguro",
    )
    grupo.addoption(
        "--nombre",
        action="append",
        default=[],
        metavar="INFORME=PROPIO",
        help="llamar a la función PROPIO como a la del informe (p. ej. getBaseNet=crearRed); repetible",
    )
    grupo.addoption(
        "--regla",
        action="append",
        default=[],
        metavar="CLAVE=VALOR",
        help="activa una regla opcional de la suite (p. ej. optimizador=Adam); repetible",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "puntos(n): puntos que vale la prueba en la calificación (1 si no se indica)")
    if config.getoption("entrega", None):
        config.pluginmanager.register(Calificacion(config), NOMBRE_PLUGIN)


def pares(valores, opcion):
    """`["a=b", …]` -> `{"a": "b"}`, con un error claro si falta el `=`."""
    resultado = {}
    for valor in valores:
        clave, igual, dato = valor.partition("=")
        if not igual or not clave.strip() or not dato.strip():
            raise pytest.UsageError(f"{opcion} espera CLAVE=VALOR y recibió «{valor}».")
        resultado[clave.strip()] = dato.strip()
    return resultado


def llamadas(suite_llamadas, nombres):
    """Las llamadas de la suite más las de los nombres que indica el profesor (`{informe: propio}`)."""
    extra = []
    for llamada in suite_llamadas:
        if llamada["funcion"] in nombres:
            extra.append({**llamada, "funcion": nombres[llamada["funcion"]]})
    return list(suite_llamadas) + extra


class SinAislamiento(ErrorParametro):
    """bubblewrap no funciona aquí y no se pidió `--sin-aislamiento`: no se califica."""


def modo_aislado(sin_aislamiento):
    """True si se usa bubblewrap; False con `--sin-aislamiento`; si no funciona aquí, `SinAislamiento`.

    Sin bubblewrap la entrega se ejecuta como quien califica y ve sus archivos (los de sus compañeros
    incluidos): eso tiene que pedirse a propósito, nunca ocurrir porque falte un programa.
    """
    if sin_aislamiento:
        return False
    from calificacion.aislamiento import bwrap_disponible

    motivo = bwrap_disponible()
    if motivo is None:
        return True
    raise SinAislamiento(
        f"No se puede aislar las entregas: {motivo}. Instale bubblewrap («apt-get install bubblewrap», versión 0.7 "
        "o posterior) o, si acepta que cada entrega se ejecute con sus permisos y vea sus archivos, añada "
        "--sin-aislamiento."
    )


class Intercambio:
    """Para `pytest.main(..., plugins=[Intercambio(observado)])`: da la entrega ya ejecutada y recoge el
    informe al terminar, en `informe`. Lo usa `clase.py`."""

    def __init__(self, observado=None):
        self.observado = observado
        self.informe = None

    def pytest_unconfigure(self, config):
        self.informe = config.stash.get(INFORME, None)


class Nota:
    """Nota parcial de una prueba que falla: `nota.parcial(fraccion)`, entre 0 y 1."""

    def __init__(self, nodo):
        self._nodo = nodo

    def parcial(self, fraccion):
        self._nodo.stash[_FRACCION] = min(1.0, max(0.0, float(fraccion)))


@pytest.fixture(scope="session")
def entrega(request):
    """Lo observado de la entrega indicada con `--entrega`."""
    calificacion = request.config.pluginmanager.get_plugin(NOMBRE_PLUGIN)
    if calificacion is None:
        pytest.skip("indique la entrega que se califica con --entrega RUTA")
    return calificacion.observado(request.session)


@pytest.fixture
def nota(request):
    """Para dar nota parcial: `nota.parcial(0.5)` antes de que la prueba falle."""
    return Nota(request.node)


@pytest.fixture(scope="session")
def reglas(request):
    """Las reglas opcionales activadas con `--regla CLAVE=VALOR`."""
    return pares(request.config.getoption("regla", []), "--regla")


class Calificacion:
    """Estado de una calificación: ejecuta la entrega, apunta cada prueba y escribe los informes."""

    def __init__(self, config):
        self.config = config
        self.ruta = config.getoption("entrega")
        self._observado = None
        self.pruebas = {}
        self.inicio = time.monotonic()

    def observado(self, session):
        if self._observado is None:
            precalculados = [
                p.observado
                for p in self.config.pluginmanager.get_plugins()
                if isinstance(p, Intercambio) and p.observado is not None
            ]
            if precalculados:
                self._observado = precalculados[0]
            else:
                self._observado = self._ejecutar(session)
        return self._observado

    def _ejecutar(self, session):
        from calificacion import aislamiento, ejecucion, entregas
        from calificacion.observacion import Observado

        opcion = self.config.getoption
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        escribir = terminal.write_line if terminal is not None else print
        try:
            entrega = entregas.entrega_de_ruta(self.ruta)
        except entregas.ErrorEntrega as error:
            raise pytest.UsageError(str(error)) from None
        limites = aislamiento.Limites(
            tiempo=opcion("tiempo_limite"),
            memoria=int(opcion("memoria") * 1024**3),
            salida=opcion("limite_salida"),
            disco=int(opcion("disco") * 1024**3),
        )
        try:
            aislado = modo_aislado(opcion("sin_aislamiento"))
        except SinAislamiento as error:
            raise pytest.UsageError(str(error)) from None
        escribir(
            f"Ejecutando {os.path.basename(os.path.normpath(self.ruta))} "
            f"{'en bubblewrap' if aislado else 'sin bubblewrap'}…"
        )
        observacion = ejecucion.ejecutar_entrega(
            entrega, llamadas(_llamadas_suite(session.items), pares(opcion("nombre"), "--nombre")), limites, aislado
        )
        return Observado(observacion)

    def pytest_collection_modifyitems(self, items):
        for item in items:
            _puntos(item)  # error claro al recoger si una marca está mal

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        # La entrega se ejecuta aquí, antes de las pruebas: su tiempo no cuenta en el de ninguna prueba.
        if session.items and not self.config.option.collectonly:
            self.observado(session)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        informe = (yield).get_result()
        registrar = call.when == "call" or (call.when == "setup" and (informe.failed or informe.skipped))
        if registrar:
            puntos = _puntos(item)
            aprobada = informe.passed
            fraccion = 1.0 if aprobada else item.stash.get(_FRACCION, 0.0)
            self.pruebas[item.nodeid] = {
                "id": item.name.removeprefix("test_"),
                "titulo": _titulo(item),
                "puntos": puntos,
                "puntuacion": round(puntos * fraccion, 2),
                "estado": "passed" if aprobada else "failed",
                "mensaje": "" if aprobada else _mensaje(call.excinfo, informe),
            }

    def pytest_sessionfinish(self, session):
        if self._observado is None:  # no se recogió ninguna prueba
            return
        observado = self._observado
        pruebas = [self.pruebas[item.nodeid] for item in session.items if item.nodeid in self.pruebas]
        if observado.alertas():  # intentó tocar el arnés: nada de lo observado es de fiar
            pruebas = [
                {**p, "puntuacion": 0, "estado": "failed", "mensaje": "Sin nota: la entrega intentó tocar el arnés."}
                for p in pruebas
            ]
        informe = {
            "estudiante": observado.observacion.entrega.estudiante,
            "entrega": observado.observacion.entrega.ruta,
            "archivos": [nombre for nombre, _ in observado.observacion.entrega.archivos],
            "nota": round(sum(p["puntuacion"] for p in pruebas), 2),
            "maximo": round(sum(p["puntos"] for p in pruebas), 2),
            "error": observado.error,
            "errores": [f"{texto} ({lugar})" if lugar else texto for lugar, texto in observado.errores()],
            "adaptaciones": observado.adaptaciones(),
            "soluciones": observado.usa_soluciones(),
            "revisar": observado.revisar(),
            "avisos": list(observado.observacion.avisos),
            "aislado": observado.observacion.aislado,
            "cgrupo": observado.observacion.cgrupo,
            "salida": observado.observacion.salida,
            "segundos": round(observado.observacion.segundos, 2),
            "pruebas": pruebas,
        }
        carpeta = self.config.getoption("calificacion_salida") or (
            "calificacion-" + os.path.splitext(os.path.basename(os.path.normpath(self.ruta)))[0]
        )
        informe["informes"] = list(informes.escribir_informes(informe, carpeta))
        self.config.stash[INFORME] = informe

    def pytest_terminal_summary(self, terminalreporter):
        informe = self.config.stash.get(INFORME, None)
        if informe is None:
            return
        terminalreporter.write_sep("=", f"calificación de {informe['estudiante']}")
        for linea in informes.tabla(informe):
            terminalreporter.write_line(linea)
        terminalreporter.write_line("informes: " + ", ".join(informe["informes"]))


def _llamadas_suite(items):
    modulos = {id(item.module): item.module for item in items if getattr(item, "module", None) is not None}
    todas = []
    for modulo in modulos.values():
        todas += list(getattr(modulo, "LLAMADAS", []))
    return todas


def _puntos(item):
    marca = item.get_closest_marker("puntos")
    if marca is None:
        return 1.0
    valor = marca.args[0] if marca.args else None
    if isinstance(valor, bool) or not isinstance(valor, (int, float)) or valor < 0:
        raise pytest.UsageError(f"@pytest.mark.puntos de {item.nodeid} necesita un número no negativo (es {valor!r}).")
    return float(valor)


def _titulo(item):
    documentacion = getattr(getattr(item, "function", None), "__doc__", None)
    titulo = documentacion.strip().splitlines()[0] if documentacion and documentacion.strip() else item.name
    parametros = getattr(getattr(item, "callspec", None), "id", None)
    return f"{titulo} [{parametros}]" if parametros else titulo


def _mensaje(excinfo, informe):
    """El motivo del fallo, para el estudiante: el mensaje de la prueba, sin la traza."""
    if informe.skipped:
        motivo = informe.longrepr[2] if isinstance(informe.longrepr, tuple) else str(informe.longrepr)
        return f"No se comprobó: {motivo.removeprefix('Skipped: ')}"
    if excinfo is None:
        return str(informe.longrepr)
    error = excinfo.value
    if isinstance(error, (AssertionError, pytest.fail.Exception)):
        texto = str(error)
        if isinstance(error, AssertionError) and not texto.startswith("assert "):
            texto = texto.split("\nassert ")[0].replace("\n  ", "\n")
        return texto.strip()
    return f"Error al comprobar ({type(error).__name__}): {error}"
