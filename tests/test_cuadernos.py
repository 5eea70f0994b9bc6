"""Los cuadernos de Jupyter/Colab de `cuadernos/`: al día con sus fuentes y ejecutables de arriba abajo.

- Cada `cuadernos/<nombre>.ipynb` es, byte a byte, lo que genera `python -m cuadernos` desde
  `cuadernos/fuentes/<nombre>.py` (jupytext, formato «percent»).
- Cada cuaderno se ejecuta entero en un núcleo de Jupyter de verdad (nbclient + ipykernel, con el mismo
  intérprete que estas pruebas gracias a un kernelspec propio) en modo rápido (`PRACTICAS_RAPIDO=1`), dos a
  la vez, en una carpeta temporal y con cachés de Keras y tensorflow-datasets vacías; una celda con error
  hace fallar la prueba de su cuaderno. Se comprueban también algunas salidas: figuras, las tablas con las
  cifras del informe y la precisión del ejercicio 1.

Los cuadernos no forman parte del paquete instalado: se buscan en el checkout, junto a esta carpeta de pruebas.
"""

import asyncio
import importlib.util
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

pytestmark = pytest.mark.lento  # núcleos de Jupyter de verdad

try:
    import ipykernel  # noqa: F401  (el núcleo que ejecuta los cuadernos)
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as e:  # pragma: no cover - depende de cómo se instaló el entorno
    FALTA = e
else:
    FALTA = None

RAIZ = Path(__file__).resolve().parents[1]
CARPETA = RAIZ / "cuadernos"
NOMBRES = ("arquitecturas", "ejercicio1", "ejercicio2", "ejercicio3", "entrenamiento", "preprocesado", "talleres")
# los más lentos primero
ORDEN = ("ejercicio3", "talleres", "entrenamiento", "arquitecturas", "ejercicio2", "preprocesado", "ejercicio1")
EN_PARALELO = 2  # núcleos a la vez (CI: 2 CPU)
LIMITE_CELDA = 300  # segundos por celda
NUCLEO = "practicas-pruebas"  # kernelspec propio de estas pruebas (ver _gestor_nucleo)
MARCA_INTERPRETE = "INTERPRETE="
MARCA_CPU = "CPU_NUCLEO="
# Celda que se añade al final de la copia que se ejecuta: el intérprete del núcleo y sus segundos de CPU.
COMPROBACION_FINAL = f"""import sys
print({MARCA_INTERPRETE!r} + sys.executable)
try:
    import resource

    uso = resource.getrusage(resource.RUSAGE_SELF)
    print({MARCA_CPU!r} + str(uso.ru_utime + uso.ru_stime))
except ImportError:  # Windows
    pass"""


def _requisitos():
    if FALTA is not None:
        pytest.fail(
            f"Las pruebas de los cuadernos necesitan jupytext, nbformat, nbclient e ipykernel: pip install '.[test]' ({FALTA})"
        )


def _generador():
    """`cuadernos/generar.py`, importado por su ruta (no es parte del paquete instalado)."""
    spec = importlib.util.spec_from_file_location("cuadernos_generar", CARPETA / "generar.py")
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    return modulo


def _leer(nombre):
    return nbformat.read(CARPETA / f"{nombre}.ipynb", as_version=4)


def _codigo(nb):
    return [c.source for c in nb.cells if c.cell_type == "code"]


# --- Los cuadernos son los que generan sus fuentes ---------------------------------------------------------


def test_un_cuaderno_por_fuente():
    _requisitos()
    generar = _generador()
    assert tuple(f.stem for f in generar.fuentes()) == tuple(sorted(NOMBRES))
    assert sorted(p.stem for p in CARPETA.glob("*.ipynb")) == sorted(NOMBRES)


@pytest.mark.parametrize("nombre", NOMBRES)
def test_cuaderno_al_dia_con_su_fuente(nombre):
    _requisitos()
    generar = _generador()
    esperado = generar.texto(CARPETA / "fuentes" / f"{nombre}.py")
    guardado = (CARPETA / f"{nombre}.ipynb").read_text(encoding="utf-8")
    assert guardado == esperado, (
        f"cuadernos/{nombre}.ipynb no está al día con cuadernos/fuentes/{nombre}.py: regenérelo con "
        "`python -m cuadernos` (desde la raíz del checkout) y añada el .ipynb al commit."
    )


def test_generar_es_determinista_y_sin_salidas(tmp_path):
    _requisitos()
    generar = _generador()
    assert len(generar.generar(tmp_path)) == len(NOMBRES)
    primera = {p.name: p.read_bytes() for p in tmp_path.glob("*.ipynb")}
    assert generar.generar(tmp_path) == []  # nada ha cambiado: no se reescribe nada
    for nombre in NOMBRES:
        assert generar.texto(CARPETA / "fuentes" / f"{nombre}.py").encode() == primera[f"{nombre}.ipynb"]
        nb = nbformat.reads(primera[f"{nombre}.ipynb"].decode(), as_version=4)
        nbformat.validate(nb)
        assert [c.id for c in nb.cells] == [f"{nombre}-{i:02d}" for i in range(1, len(nb.cells) + 1)]
        assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
        assert nb.metadata.kernelspec.name == "python3"
        assert all(c.metadata == {} for c in nb.cells)


def test_el_codigo_comun_se_escribe_una_vez_y_cada_cuaderno_lo_lleva_entero(tmp_path):
    _requisitos()
    generar = _generador()
    trozo = (CARPETA / "fuentes" / "_preparacion.py").read_text(encoding="utf-8").split("# %%\n", 1)[1]
    trozo = generar.con_repositorio(generar._con_trozos(trozo), generar.repositorio())  # con `_instalacion` dentro
    comun = jupytext.reads("# %%\n" + trozo, fmt="py:percent").cells[0].source.strip()
    for nombre in NOMBRES:
        fuente = (CARPETA / "fuentes" / f"{nombre}.py").read_text(encoding="utf-8")
        assert "from _preparacion import *" in fuente and "import tempfile" not in fuente
        primera = next(c for c in generar.cuaderno(CARPETA / "fuentes" / f"{nombre}.py").cells if c.cell_type == "code")
        assert comun in primera.source and "from _preparacion" not in primera.source
    falta = tmp_path / "roto.py"
    falta.write_text("# %%\nfrom _no_existe import *\n", encoding="utf-8")
    with pytest.raises(ValueError, match="_no_existe.py, que no existe"):
        generar.cuaderno(falta)


def test_comprobar_detecta_un_cuaderno_desactualizado(tmp_path):
    _requisitos()
    generar = _generador()
    generar.generar(tmp_path)
    assert generar.desactualizados(tmp_path) == []
    ruta = tmp_path / "ejercicio1.ipynb"
    ruta.write_text(ruta.read_text(encoding="utf-8").replace("BaseNet", "OtraNet", 1), encoding="utf-8")
    (tmp_path / "sin_fuente.ipynb").write_text("{}", encoding="utf-8")
    assert generar.desactualizados(tmp_path) == [ruta, tmp_path / "sin_fuente.ipynb"]


@pytest.mark.parametrize("nombre", NOMBRES)
def test_primera_celda_prepara_colab_y_local(nombre):
    """La primera celda de código instala el paquete solo si falta, mira la GPU y conoce el modo rápido."""
    _requisitos()
    primera = _codigo(_leer(nombre))[0]
    url = _generador().repositorio()
    assert f"REPOSITORIO = {json.dumps(url)}" in primera and "practicas_keras-*.whl" in primera
    assert re.search(r"except ImportError:(.|\n)*\[sys.executable, \"-m\", \"pip\", \"install\"", primera)
    assert "silenciar_tensorflow()" in primera.split("import tensorflow")[0]  # el filtro del ruido, antes de TF
    assert 'tf.config.list_physical_devices("GPU")' in primera
    assert 'os.environ.get("PRACTICAS_RAPIDO") == "1"' in primera
    assert "PRACTICAS_SALIDA" in primera


def _celda_de_instalacion(url):
    """El código de instalación de la primera celda, generado con la dirección `url`."""
    generar = _generador()
    return generar.con_repositorio(generar._con_trozos("from _instalacion import *\n"), url)


def _venv_nuevo(carpeta):
    import subprocess

    subprocess.run([sys.executable, "-m", "venv", str(carpeta)], check=True, timeout=300)
    return str(Path(carpeta) / "bin" / "python")


def test_la_celda_de_instalacion_sin_direccion_dice_que_hacer(tmp_path):
    """En un entorno nuevo, sin el paquete y sin dirección del repositorio: un mensaje en español, no un traceback."""
    import subprocess

    python = _venv_nuevo(tmp_path / "venv")
    r = subprocess.run([python, "-c", _celda_de_instalacion("")], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "No está instalado el paquete practicas-keras" in r.stderr and "python -m build" in r.stderr


def test_la_celda_de_instalacion_instala_desde_el_repositorio(tmp_path):
    """Con la dirección puesta (aquí, un clon local: `git+file://`), la celda instala el paquete en un entorno nuevo.

    Sin sus dependencias (`PIP_NO_DEPS=1`): TensorFlow son cientos de MB y lo que se prueba es la celda.
    """
    import shutil
    import subprocess

    if shutil.which("git") is None or not (RAIZ / ".git").exists():
        pytest.skip("sin git o sin el repositorio (.git) de este checkout")
    clon = tmp_path / "clon"
    subprocess.run(["git", "clone", "-q", str(RAIZ), str(clon)], check=True, timeout=300)
    python = _venv_nuevo(tmp_path / "venv")
    codigo = _celda_de_instalacion(f"file://{clon}") + "\nprint('INSTALADO', practicas.__file__)\n"
    entorno = {**os.environ, "PIP_NO_DEPS": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    r = subprocess.run([python, "-c", codigo], cwd=tmp_path, capture_output=True, text=True, env=entorno, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "INSTALADO" in r.stdout and str(tmp_path / "venv") in r.stdout


@pytest.mark.parametrize("nombre", NOMBRES)
def test_usa_la_api_publica(nombre):
    """Las celdas usan las funciones del paquete (`datos`, `modelos`, `utilidades`), no los ejercicios de la CLI."""
    _requisitos()
    primera, *resto = _codigo(_leer(nombre))
    instalacion = _celda_de_instalacion(_generador().repositorio()).strip()
    assert instalacion in primera
    codigo = "\n".join([primera.replace(instalacion, ""), *resto])  # (la instalación usa pip con subprocess)
    assert not re.search(r"^\s*(from practicas[ .]|import practicas\.)", codigo, re.M)
    assert "python -m practicas" not in codigo and "subprocess" not in codigo


# --- Los cuadernos se ejecutan de arriba abajo en modo rápido ----------------------------------------------


class Ejecucion(NamedTuple):
    nb: object  # el cuaderno con sus salidas
    error: Exception | None
    segundos: float
    carpeta: Path


def _entorno(carpeta):
    """Variables del núcleo: modo rápido, salidas y cachés en `carpeta`, gráficas en línea."""
    entorno = {k: v for k, v in os.environ.items() if not k.startswith("PRACTICAS_") and k != "MPLBACKEND"}
    entorno.update(
        PRACTICAS_RAPIDO="1",
        PRACTICAS_SALIDA=str(carpeta / "salida"),
        KERAS_HOME=str(carpeta / "keras_home"),  # vacía: nada se descarga ni se lee de ~/.keras
        TFDS_DATA_DIR=str(carpeta / "tfds_vacia"),
        TF_CPP_MIN_LOG_LEVEL="2",
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # sin el aviso del depurador de ipykernel
    )
    return entorno


def _gestor_nucleo(carpeta):
    """Gestor de un núcleo de ipykernel con el intérprete de estas pruebas (`sys.executable`).

    El kernelspec se escribe en `carpeta`: no depende del `python3` que haya instalado en la máquina (uno de
    `~/.local/share/jupyter/kernels` taparía al del entorno virtual).
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    especificacion = carpeta / "kernels" / NUCLEO / "kernel.json"
    especificacion.parent.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    especificacion.write_text(json.dumps({"argv": argv, "display_name": NUCLEO, "language": "python"}))
    especificaciones = KernelSpecManager(kernel_dirs=[str(especificacion.parent.parent)])
    return AsyncKernelManager(kernel_name=NUCLEO, kernel_spec_manager=especificaciones)


async def _ejecutar(nombre, carpeta, semaforo):
    async with semaforo:
        nb = _leer(nombre)
        nb.cells.append(nbformat.v4.new_code_cell(COMPROBACION_FINAL))
        trabajo = carpeta / nombre
        trabajo.mkdir()
        cliente = NotebookClient(
            nb, km=_gestor_nucleo(trabajo), timeout=LIMITE_CELDA, resources={"metadata": {"path": str(trabajo)}}
        )
        inicio = time.perf_counter()
        try:
            await cliente.async_execute(env=_entorno(trabajo))
            error = None
        except Exception as e:  # CellExecutionError (una celda falla), DeadKernelError, tiempo agotado...
            error = e
        segundos = time.perf_counter() - inicio
        nbformat.write(nb, trabajo / f"{nombre}.ipynb")  # con sus salidas, para ver qué pasó
        return nombre, Ejecucion(nb, error, segundos, trabajo)


async def _ejecutar_todos(nombres, carpeta):
    semaforo = asyncio.Semaphore(EN_PARALELO)
    return dict(await asyncio.gather(*(_ejecutar(n, carpeta, semaforo) for n in nombres)))


def _archivos(carpeta):
    return sorted(str(p.relative_to(carpeta)) for p in carpeta.rglob("*") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def ejecutados(request, tmp_path_factory):
    """Ejecuta (una vez, dos a la vez) los cuadernos cuyas pruebas de ejecución se han seleccionado."""
    _requisitos()
    pedidos = {
        item.callspec.params["nombre"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_cuaderno_se_ejecuta" and hasattr(item, "callspec")
    }
    nombres = [n for n in ORDEN if n in pedidos]
    antes = _archivos(CARPETA)
    inicio = time.perf_counter()
    resultados = asyncio.run(_ejecutar_todos(nombres, tmp_path_factory.mktemp("cuadernos")))
    total = time.perf_counter() - inicio
    print(f"\nCuadernos en modo rápido ({EN_PARALELO} a la vez): {total:.0f} s en total")
    for nombre in nombres:
        cpu = re.findall(f"{MARCA_CPU}([0-9.]+)", _texto(resultados[nombre].nb))
        print(
            f"  {nombre}: {resultados[nombre].segundos:.0f} s"
            + (f" (CPU del núcleo: {float(cpu[-1]):.0f} s)" if cpu else "")
        )
    assert _archivos(CARPETA) == antes, "La ejecución de los cuadernos ha escrito en cuadernos/"
    return resultados


def _salidas(nb, tipo=None):
    for celda in nb.cells:
        for salida in celda.get("outputs", []):
            if tipo is None or salida.output_type == tipo:
                yield salida


def _texto(nb):
    return "".join(s.text for s in _salidas(nb, "stream") if s.name == "stdout")


def _markdown(nb):
    return [s.data["text/markdown"] for s in _salidas(nb) if "text/markdown" in s.get("data", {})]


def _comprobar_ejercicio1(nb):
    precisiones = [float(p) for p in re.findall(r"Precisión en test: ([0-9.]+)", _texto(nb))]
    assert precisiones, "ejercicio1 no imprime «Precisión en test: …»"
    assert all(0.0 <= p <= 1.0 for p in precisiones), precisiones
    assert any("| parámetros | 24.197 | 24.197 |" in m for m in _markdown(nb)), "BaseNet no tiene los 24.197 parámetros"


def _comprobar_ejercicio2(nb):
    tablas = _markdown(nb)
    assert any("| parámetros | 809.945 | 809.945 |" in m for m in tablas), "BaseNet++ no tiene 809.945 parámetros"
    assert any("65.28 %" in m for m in tablas), "falta el Cuadro 3 con las cifras del informe"


def _comprobar_ejercicio3(nb):
    tablas = _markdown(nb)
    assert any("| parámetros | 25.660.744 | 25.660.744 |" in m for m in tablas), (
        "BirdNetV1 no tiene 25.660.744 parámetros"
    )
    assert any("BirdNetV4" in m and "50.18 %" in m for m in tablas), "falta el Cuadro 8 con las cifras del informe"


def _comprobar_talleres(nb):
    assert any("| 121.930 | 121.930 |" in m for m in _markdown(nb)), (
        "la red del taller MNIST no tiene 121.930 parámetros"
    )


def _filas(tabla):
    """Las filas de datos de una tabla Markdown (sin el encabezado ni la línea de guiones), celda a celda."""
    return [[c.strip() for c in linea.strip().strip("|").split("|")] for linea in tabla.splitlines()[2:]]


def _buscar(tablas, primera):
    """Las filas de las tablas cuya primera celda es `primera`."""
    return [fila for tabla in tablas for fila in _filas(tabla) if fila[0] == primera]


def _comprobar_preprocesado(nb):
    tablas, texto = _markdown(nb), _texto(nb)
    sklearn = [t for t in tablas if t.startswith("| NumPy (teoria.preprocesado) | scikit-learn |")]
    assert len(sklearn) == 1, "falta la tabla del blanqueo frente a scikit-learn"
    diferencias = [float(fila[2]) for fila in _filas(sklearn[0])]
    assert len(diferencias) == 7 and max(diferencias) < 1e-10, diferencias
    assert "15 componentes explican el 90 % de la varianza" in texto  # los dígitos en 8×8
    assert "la convolución es la correlación cambiada de signo: True" in texto
    assert "Max pooling 2×2 con paso 2 igual al de la diapositiva: True" in texto
    for operacion in ("correlación", "convolución"):
        filas = _buscar(tablas, operacion)  # frente a SciPy y a Keras, con tres pasos y rellenos
        assert len(filas) == 3 and all(float(f[3]) < 1e-9 and float(f[4]) < 1e-4 for f in filas), filas
    sin_girar = _buscar(tablas, "convolución frente a Conv2D sin girar K")
    assert len(sin_girar) == 3 and all(float(f[4]) > 1 for f in sin_girar), sin_girar  # Conv2D correlaciona
    assert len(_buscar(tablas, "pooling max")) == 3 and all(
        float(f[3]) < 1e-6 for f in _buscar(tablas, "pooling max") + _buscar(tablas, "pooling media")
    )
    assert _buscar(tablas, "AlexNet conv1 sobre 224×224") == [
        ["AlexNet conv1 sobre 224×224", "224", "11", "0", "4", "54.25 (no encaja)", "54"]
    ]


def _comprobar_arquitecturas(nb):
    tablas = _markdown(nb)
    assert _buscar(tablas, "ingenuo") == [["ingenuo", "28×28×416", "387.296", "387.296", "303.464.448", "303.464.448"]]
    assert _buscar(tablas, "con cuellos 1×1") == [
        ["con cuellos 1×1", "28×28×256", "163.696", "163.696", "128.049.152", "128.049.152"]
    ]
    assert _buscar(tablas, "con 16 filtros 1×1 antes") == [
        ["con 16 filtros 1×1 antes", "2.408.448 + 10.035.200 = 12.443.648", "12.443.648"]
    ]
    residuales = [fila for t in tablas if t.startswith("| bloque residual |") for fila in _filas(t)]
    assert len(residuales) == 4 and all(f[2] == f[3] and f[4] == f[5] for f in residuales), residuales
    assert all(f[6] == "–" or float(f[6]) < 1e-6 for f in residuales), residuales  # núcleos a cero: ReLU(x)
    gradientes = [t for t in tablas if t.startswith("| red | ‖∇W₁‖")]
    razones = {f[0]: float(f[3]) for t in gradientes for f in _filas(t)}  # ‖∇W₁‖/‖∇W₂₀‖ de cada red
    assert razones["plana"] < 1e-6 and razones["residual"] > 1e-2 and razones["batchnorm"] > 1e-2, razones
    for conjunto in ("independientes", "instantáneas"):
        (fila,) = _buscar(tablas, conjunto)
        assert all(0.0 <= float(p) <= 1.0 for p in fila[1:4]), fila


COMPROBACIONES = {
    "arquitecturas": _comprobar_arquitecturas,
    "preprocesado": _comprobar_preprocesado,
    "ejercicio1": _comprobar_ejercicio1,
    "ejercicio2": _comprobar_ejercicio2,
    "ejercicio3": _comprobar_ejercicio3,
    "talleres": _comprobar_talleres,
}


@pytest.mark.parametrize("nombre", NOMBRES)
def test_cuaderno_se_ejecuta(nombre, ejecutados, record_property):
    ejecucion = ejecutados[nombre]
    record_property("segundos", round(ejecucion.segundos, 1))
    if ejecucion.error is not None:
        detalle = str(ejecucion.error) if isinstance(ejecucion.error, CellExecutionError) else repr(ejecucion.error)
        pytest.fail(
            f"El cuaderno {nombre} falla en modo rápido ({ejecucion.segundos:.0f} s; con sus salidas en "
            f"{ejecucion.carpeta / (nombre + '.ipynb')}):\n{detalle}",
            pytrace=False,
        )
    nb = ejecucion.nb
    interpretes = re.findall(f"{MARCA_INTERPRETE}(.+)", _texto(nb))
    assert interpretes and os.path.samefile(interpretes[-1].strip(), sys.executable), (
        f"El núcleo no usa el intérprete de las pruebas ({sys.executable}): {interpretes}"
    )
    assert not list(_salidas(nb, "error"))
    imagenes = [s for s in _salidas(nb) if "image/png" in s.get("data", {})]
    assert imagenes, f"{nombre} no muestra ninguna figura"
    assert all(s.data["image/png"] for s in imagenes)
    if nombre in COMPROBACIONES:
        COMPROBACIONES[nombre](nb)
