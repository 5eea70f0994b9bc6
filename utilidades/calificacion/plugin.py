"""Complemento de pytest que califica una entrega: `--entrega RUTA`, `@pytest.mark.puntos(n)` y nota parcial.

Se carga con `-p utilidades.calificacion.plugin` (lo hace `python -m utilidades.calificacion`). Sin
`--entrega` no hace nada: las pruebas que piden la fixture `entrega` se saltan y no se escribe ningún
informe. Con `--entrega`:

- la entrega se ejecuta una vez, en otro proceso, con las `TAREAS` que declara el módulo de la suite
  (ver `entregas.py`); la fixture `entrega` da sus resultados a las pruebas;
- cada prueba vale los puntos de su marca `puntos` (1 si no tiene); una prueba que falla puede dar
  una parte con la fixture `nota` (`nota.parcial(0.5)`);
- al final, una tabla en la terminal y, en `--calificacion-salida`, `results.json` (formato de
  Gradescope) e `informe.md` para el estudiante.
"""
import copy
import os
import time

import pytest

from utilidades.calificacion import informes
from utilidades.calificacion.entregas import (
    LIMITE_SALIDA,
    MODOS,
    TIEMPO_LIMITE,
    ErrorEntrega,
    ejecutar_entrega,
)

NOMBRE_PLUGIN = "calificacion"
INFORME = pytest.StashKey[dict]()
_FRACCION = pytest.StashKey[float]()


def pytest_addoption(parser):
    grupo = parser.getgroup("calificacion", "calificación de entregas (utilidades.calificacion)")
    grupo.addoption("--entrega", metavar="RUTA", help="entrega del estudiante que se califica (.py o .ipynb)")
    grupo.addoption(
        "--calificacion-salida",
        metavar="CARPETA",
        help="carpeta de results.json e informe.md (por defecto calificacion-<nombre de la entrega>)",
    )
    grupo.addoption(
        "--tiempo-limite",
        type=float,
        default=TIEMPO_LIMITE,
        metavar="S",
        help=f"segundos para cargar la entrega y para cada comprobación (por defecto {TIEMPO_LIMITE:g})",
    )
    grupo.addoption(
        "--limite-salida",
        type=int,
        default=LIMITE_SALIDA,
        metavar="BYTES",
        help=f"lo que la entrega puede escribir por pantalla (por defecto {LIMITE_SALIDA})",
    )
    grupo.addoption(
        "--ejecutar",
        choices=MODOS,
        default="definiciones",
        help="'definiciones' (por defecto): solo importaciones, funciones, clases y constantes de la "
        "entrega; 'todo': también el resto del nivel superior (entrenamientos incluidos)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "puntos(n): puntos que vale la prueba en la calificación (1 si no se indica)")
    if config.getoption("entrega"):
        config.pluginmanager.register(Calificacion(config), NOMBRE_PLUGIN)


class Intercambio:
    """Para `pytest.main(..., plugins=[Intercambio(resultado)])`: da la entrega ya ejecutada (o `None` para
    ejecutarla aquí) y recoge el informe al terminar, en `informe`. Lo usa `clase.py`."""

    def __init__(self, resultado=None):
        self.resultado = resultado
        self.informe = None

    def pytest_unconfigure(self, config):
        self.informe = config.stash.get(INFORME, None)


class Entrega:
    """Lo que las pruebas ven de la entrega: los resultados de sus tareas y su código fuente."""

    def __init__(self, resultado):
        self._resultado = resultado
        self.ruta = resultado.ruta
        self.texto = resultado.texto

    def resultado(self, nombre):
        """El valor de la tarea `nombre` (una copia); si falló, la prueba falla con el motivo."""
        try:
            return copy.deepcopy(self._resultado.valor(nombre))
        except ErrorEntrega as error:
            pytest.fail(str(error), pytrace=False)


class Nota:
    """Nota parcial de una prueba que falla: `nota.parcial(fraccion)`, entre 0 y 1."""

    def __init__(self, nodo):
        self._nodo = nodo

    def parcial(self, fraccion):
        self._nodo.stash[_FRACCION] = min(1.0, max(0.0, float(fraccion)))


@pytest.fixture(scope="session")
def entrega(request):
    """Los resultados de la entrega indicada con `--entrega`."""
    calificacion = request.config.pluginmanager.get_plugin(NOMBRE_PLUGIN)
    if calificacion is None:
        pytest.skip("indique la entrega que se califica con --entrega RUTA")
    return Entrega(calificacion.resultado(request.session))


@pytest.fixture
def nota(request):
    """Para dar nota parcial: `nota.parcial(0.5)` antes de que la prueba falle."""
    return Nota(request.node)


class Calificacion:
    """Estado de una calificación: ejecuta la entrega, apunta cada prueba y escribe los informes."""

    def __init__(self, config):
        self.config = config
        self.ruta = config.getoption("entrega")
        self._resultado = None
        self.pruebas = {}
        self.inicio = time.monotonic()

    def resultado(self, session):
        if self._resultado is None:
            precalculadas = [
                p.resultado for p in self.config.pluginmanager.get_plugins()
                if isinstance(p, Intercambio) and p.resultado is not None
            ]
            if precalculadas:
                self._resultado = precalculadas[0]
            else:
                opcion = self.config.getoption
                self._resultado = ejecutar_entrega(
                    self.ruta,
                    _ruta_tareas(session.items),
                    tiempo_limite=opcion("tiempo_limite"),
                    limite_salida=opcion("limite_salida"),
                    modo=opcion("ejecutar"),
                )
        return self._resultado

    def pytest_collection_modifyitems(self, items):
        for item in items:
            _puntos(item)  # error claro al recoger si una marca está mal

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        # La entrega se ejecuta aquí, antes de las pruebas: su tiempo no cuenta en el de ninguna prueba.
        if session.items and not self.config.option.collectonly:
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.write_line(f"Ejecutando {os.path.basename(self.ruta)} en un proceso aparte…")
            self.resultado(session)

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
        if self._resultado is None:  # no se recogió ninguna prueba
            return
        pruebas = [self.pruebas[item.nodeid] for item in session.items if item.nodeid in self.pruebas]
        informe = {
            "entrega": self._resultado.ruta,
            "nota": round(sum(p["puntuacion"] for p in pruebas), 2),
            "maximo": round(sum(p["puntos"] for p in pruebas), 2),
            "error": self._resultado.error,
            "avisos": list(self._resultado.avisos),
            "salida": self._resultado.salida,
            "segundos": round(time.monotonic() - self.inicio, 2),
            "pruebas": pruebas,
        }
        carpeta = self.config.getoption("calificacion_salida") or (
            "calificacion-" + os.path.splitext(os.path.basename(self.ruta))[0]
        )
        informe["archivos"] = list(informes.escribir_informes(informe, carpeta))
        self.config.stash[INFORME] = informe

    def pytest_terminal_summary(self, terminalreporter):
        informe = self.config.stash.get(INFORME, None)
        if informe is None:
            return
        terminalreporter.write_sep("=", f"calificación de {os.path.basename(informe['entrega'])}")
        for linea in informes.tabla(informe):
            terminalreporter.write_line(linea)
        terminalreporter.write_line("informes: " + ", ".join(informe["archivos"]))


def _ruta_tareas(items):
    rutas = {os.path.abspath(item.module.TAREAS) for item in items if hasattr(getattr(item, "module", None), "TAREAS")}
    if len(rutas) != 1:
        raise pytest.UsageError(
            "Las pruebas de calificación deben venir de módulos que declaren TAREAS (la ruta de su módulo de "
            f"tareas), y de uno solo; se encontraron {len(rutas)}: {sorted(rutas)}."
        )
    return rutas.pop()


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
            # `assert condicion, mensaje` reescrito por pytest: el mensaje, sin la explicación ni su sangría
            texto = texto.split("\nassert ")[0].replace("\n  ", "\n")
        return texto.strip()
    return f"Error al comprobar ({type(error).__name__}): {error}"
