"""Configuración común de las pruebas: sin pantalla, sin descargas, TensorFlow silencioso."""

import os
import signal

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

# Ctrl+C como en un terminal: lanzado en segundo plano desde un script (`pytest &`), pytest hereda SIGINT ignorado,
# y ni las pruebas de interrupción ni los procesos que lanzan (que lo heredarían) recibirían el Ctrl+C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

import pytest  # noqa: E402

PROCESOS = 2  # la máquina de CI tiene 2 CPU


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Con pytest-xdist instalado (el extra `test`), `pytest` reparte las pruebas en `PROCESOS` procesos.

    Solo si no se ha pedido otra cosa (`-n 0` o `-p no:xdist` las ejecutan en uno): sin xdist, `pytest` sigue
    funcionando igual, en un proceso. Cada archivo de pruebas va entero a un proceso (`loadfile`): sus
    preparativos de ámbito de módulo (la clase calificada, los cuadernos ejecutados...) se hacen una vez.
    """
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if getattr(config.option, "numprocesses", 0) is None and config.option.dist == "no":
        config.option.numprocesses = PROCESOS
        config.option.dist = "loadfile"
        config.option.loadscopereorder = False  # en el orden de `LARGOS`, no por número de pruebas


# Archivos de pruebas más largos (minutos), del más largo al más corto: van primero, para que ningún proceso
# se quede solo con uno de ellos al final mientras el otro ya ha terminado.
LARGOS = (
    "test_calificacion_hostil.py",  # con test_calificacion.py (JUNTOS): las clases calificadas, ~450 s
    "test_calificacion.py",
    "test_cuadernos.py",
    "test_aumento.py",
    "test_basenet.py",
    "test_entrenamiento_cli.py",
    "test_servicio.py",
    "test_reanudacion.py",
    "test_ejercicio3.py",
    "test_novatos.py",
    "test_arquitecturas.py",
)


# Archivos que van al mismo proceso, uno detrás de otro: las dos pruebas de calificación cuentan los procesos de
# entregas que quedan vivos, y las de la otra los confundirían.
JUNTOS = {
    "test_calificacion.py": "calificacion",
    "test_calificacion_hostil.py": "calificacion",
    "test_clase_moodle.py": "calificacion",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Reparto de xdist por archivos (`loadfile`), con los de `JUNTOS` en el mismo proceso."""
    from xdist.scheduler import LoadFileScheduling

    class PorArchivo(LoadFileScheduling):
        def _split_scope(self, nodeid):
            archivo = super()._split_scope(nodeid)
            return JUNTOS.get(archivo.rsplit("/", 1)[-1], archivo)

    return PorArchivo(config, log)


def pytest_collection_modifyitems(config, items):
    """Primero los archivos largos (`LARGOS`); dentro de cada archivo, el orden en que están escritas."""
    items.sort(key=lambda item: LARGOS.index(item.path.name) if item.path.name in LARGOS else len(LARGOS))


@pytest.fixture(autouse=True)
def cache_keras_vacia(tmp_path, monkeypatch):
    """Cada prueba ve una caché de Keras vacía y propia: nada de lo que haya en ~/.keras influye."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    # y una carpeta de tensorflow-datasets vacía: nada de ~/tensorflow_datasets ni de $TFDS_DATA_DIR influye
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds_vacia"))
    # y una caché de imágenes decodificadas propia (datos.cache_imagenes), no la de ~/.cache
    monkeypatch.setenv("PRACTICAS_CACHE", str(tmp_path / "cache_imagenes"))


@pytest.fixture
def eager():
    """Ejecuta las funciones de Keras paso a paso (sin grafo) durante la prueba.

    Para pruebas de extremo a extremo de muchos modelos con pocos pasos cada uno, donde lo que se prueba
    es la orquestación (qué se entrena, qué se escribe), no el grafo: en 2 CPU, trazar el grafo de
    entrenamiento de ResNet50 cuesta ~40 s por modelo mientras que sus pasos con unas pocas imágenes de
    32 px son instantáneos (V3 de un extremo a otro: 11 s frente a 95 s). El camino con grafo, el de
    verdad, lo prueban BaseNet, la línea de órdenes del ejercicio 1 y los demás entrenamientos.
    """
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    yield
    tf.config.run_functions_eagerly(False)
