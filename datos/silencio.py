"""TensorFlow sin su ruido de arranque, y sin esconder un error de verdad.

Al importarse, TensorFlow escribe desde C++ (en el descriptor 2, antes de iniciar su registro, así que
`TF_CPP_MIN_LOG_LEVEL` no lo calla) unas ocho líneas que no piden nada al estudiante: «All log messages
before absl::InitializeLog()», «oneDNN custom operations are on», «Could not find cuda drivers», «failed
call to cuInit», «This TensorFlow binary is optimized to use available CPU instructions»…

`instalar()` (lo llama `datos` al importarse: lo usan la línea de órdenes, los cuadernos y los scripts que
importan el paquete) deja un gancho de importación de un solo uso: la primera vez que algo importa
`tensorflow`, lo que se escribe en el descriptor 2 mientras se carga (y mientras se inicia CUDA) se recoge,
y se vuelve a escribir todo lo que no sea ese ruido conocido (`ruido`). Un error de verdad se ve; si la
importación falla, se ve todo. Con `PRACTICAS_VERBOSO=1` no se filtra nada.
"""

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

_RUIDO = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\)"
    r"|oneDNN custom operations are on"
    r"|cudart_stub\.cc|Could not find cuda drivers"
    r"|failed call to cuInit|cuda_platform\.cc|cuda_diagnostics|cuda_executor"
    r"|cpu_feature_guard\.cc|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered"
    r"|TF-TRT Warning: Could not find TensorRT"
    r"|tensorflow/core/util/port\.cc"
)


def ruido(linea):
    """Si `linea` es uno de los mensajes de arranque de TensorFlow que no piden nada al usuario."""
    return bool(_RUIDO.search(linea))


@contextlib.contextmanager
def stderr_filtrado():
    """Recoge lo que se escriba en el descriptor 2 (también desde C++) y, al salir, escribe lo que no es ruido.

    Si el bloque lanza una excepción, se escribe todo lo recogido: puede explicar el fallo.
    """
    sys.stderr.flush()
    copia = os.dup(2)
    fallo = False
    with tempfile.TemporaryFile() as temporal:
        os.dup2(temporal.fileno(), 2)
        try:
            yield
        except BaseException:
            fallo = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(copia, 2)
            os.close(copia)
            temporal.seek(0)
            lineas = temporal.read().decode("utf-8", "replace").splitlines(keepends=True)
            sys.stderr.write("".join(linea for linea in lineas if fallo or not ruido(linea)))
            sys.stderr.flush()


class _PrimeraImportacion(importlib.abc.MetaPathFinder):
    """Envuelve la primera importación de `tensorflow` en `stderr_filtrado` y se retira."""

    def find_spec(self, nombre, ruta=None, destino=None):
        if nombre != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(nombre, ruta)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Cargador(spec.loader)
        return spec


class _Cargador(importlib.abc.Loader):
    def __init__(self, cargador):
        self._cargador = cargador

    def create_module(self, spec):
        return self._cargador.create_module(spec)

    def exec_module(self, modulo):
        with stderr_filtrado():
            self._cargador.exec_module(modulo)
            try:  # iniciar CUDA aquí, donde su «failed call to cuInit» (sin GPU) queda filtrado
                modulo.config.list_physical_devices("GPU")
            except Exception:  # noqa: BLE001 (sin CUDA no hay nada que iniciar)
                pass


def instalar():
    """Filtra el ruido de la primera importación de TensorFlow de este proceso (si aún no se ha importado)."""
    if "tensorflow" in sys.modules or os.environ.get("PRACTICAS_VERBOSO") == "1":
        return
    if not any(isinstance(buscador, _PrimeraImportacion) for buscador in sys.meta_path):
        sys.meta_path.insert(0, _PrimeraImportacion())
