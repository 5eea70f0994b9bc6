"""Reconstrucción de los modelos de una entrega en un proceso aparte, con límites de memoria y de tiempo.

Las configuraciones de Keras que vuelven del proceso del estudiante son datos, no código, pero datos que
escribe él: antes de reconstruirlas se comprueba que solo nombran clases de Keras, y se reconstruyen con
`safe_mode=True` (sin `Lambda` ni funciones serializadas). Aun así, una configuración puede pedir una
capa de miles de millones de pesos o decenas de miles de capas; por eso no se reconstruye en el
calificador sino en un proceso hijo con la memoria (`RLIMIT_AS`) y el tiempo de CPU (`RLIMIT_CPU`) de la
entrega: si se pasa, ese modelo queda sin descripción (no se puede juzgar) y la clase sigue.

Cada entrega tiene su proceso nuevo, que sale con `fork` de un servidor que ya tiene Keras importado (y
nada más: no ha ejecutado nada de TensorFlow): solo el servidor paga importar TensorFlow, una vez por
calificación. Es lo que hace el "forkserver" de `multiprocessing`, sin volver a ejecutar el script
principal en cada hijo (un script de calificación sin `if __name__ == "__main__"` calificaría la clase
otra vez dentro de cada uno).
"""

import functools
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection

_CLASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigInsegura(ValueError):
    """La configuración nombra algo que no es una clase de Keras."""


def _comprobar(config):
    if isinstance(config, dict):
        modulo = config.get("module")
        if modulo is not None and not (isinstance(modulo, str) and (modulo == "keras" or modulo.startswith("keras."))):
            raise ConfigInsegura(f"módulo no permitido: {modulo!r}")
        clase = config.get("class_name")
        if clase is not None and (not isinstance(clase, str) or not _CLASE.match(clase)):
            raise ConfigInsegura(f"clase no permitida: {clase!r}")
        for valor in config.values():
            _comprobar(valor)
    elif isinstance(config, list):
        for valor in config:
            _comprobar(valor)


def _sin_inicializadores(config):
    """La configuración con todos los inicializadores de pesos en `"zeros"`.

    La descripción solo depende de las formas de los pesos, no de sus valores; generar los valores
    aleatorios de ResNet50 (25 millones) era un tercio de lo que cuesta reconstruirla.
    """
    if isinstance(config, dict):
        return {
            clave: "zeros" if clave.endswith("_initializer") and valor is not None else _sin_inicializadores(valor)
            for clave, valor in config.items()
        }
    if isinstance(config, list):
        return [_sin_inicializadores(valor) for valor in config]
    return config


@functools.lru_cache(maxsize=256)
def describir_config(texto):
    """La descripción (`describir_modelo`) de una configuración JSON de Keras; `None` si no se puede.

    Se ejecuta en este proceso, sin límites: para lo que envía una entrega, `describir_configs`.
    """
    from calificacion.arquitectura import describir_modelo

    try:
        config = json.loads(texto)
        if isinstance(config, dict):
            config.pop("compile_config", None)  # la compilación llega aparte; aquí solo interesa la red
        _comprobar(config)
        config = _sin_inicializadores(config)
        import keras

        modelo = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not getattr(modelo, "built", False) or not getattr(modelo, "outputs", None):
            return None
        descripcion = describir_modelo(modelo)
    except Exception:  # noqa: BLE001 (capas propias, Lambda, JSON roto o sin memoria: no se puede juzgar)
        return None
    return descripcion


def describir_configs(textos, memoria, tiempo):
    """`{texto: descripción o None}` de cada configuración, reconstruidas en un proceso hijo.

    El hijo tiene `memoria` bytes y `tiempo` segundos de CPU (los límites de la entrega; la espera por la
    CPU no cuenta, como en `aislamiento`). Si muere (sin memoria o sin tiempo), esa configuración queda en
    `None` y las siguientes siguen en otro; pasadas 3 veces `tiempo` en reloj, las que faltan quedan en
    `None`. Sin `fork` (Windows) se reconstruyen en este proceso, sin límites.
    """
    pendientes = list(dict.fromkeys(textos))
    if not hasattr(os, "fork"):
        return {texto: describir_config(texto) for texto in pendientes}
    descripciones = {}
    fin = None
    while pendientes:
        conexion, pid = _servidor().hijo(memoria, tiempo)
        fin = fin or time.monotonic() + 3 * tiempo  # desde aquí: arrancar el servidor no cuenta
        agotado = False
        try:
            while pendientes:
                texto = pendientes.pop(0)
                descripciones[texto] = None
                conexion.send_bytes(texto.encode("utf-8"))
                if not conexion.poll(max(0.0, fin - time.monotonic())):
                    agotado = True  # las que faltan quedan sin descripción
                    descripciones.update(dict.fromkeys(pendientes))
                    pendientes = []
                    break
                descripciones[texto] = json.loads(conexion.recv_bytes())
        except (EOFError, OSError):  # el hijo murió con esta configuración: otro para las demás
            pass
        finally:
            conexion.close()
            if agotado:
                _matar(pid)
    return descripciones


def _matar(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class _Servidor:
    """El proceso con Keras importado del que sale, con `fork`, un hijo por entrega (por un socket Unix)."""

    def __init__(self):
        carpeta = tempfile.mkdtemp(prefix="reconstruccion-")  # 0700: solo este usuario conecta
        self.ruta = os.path.join(carpeta, "socket")  # el servidor borra la carpeta al terminar
        entorno = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        orden = f"import sys; sys.path[:] = {sys.path!r}; from {__name__} import _servir; _servir({self.ruta!r})"
        self.proceso = subprocess.Popen(
            [sys.executable, "-c", orden],
            stdin=subprocess.PIPE,  # si este proceso muere, el servidor lo ve (fin de archivo) y termina
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=entorno,
        )
        if self.proceso.stdout.readline() != b"listo\n":
            raise RuntimeError("No se pudo arrancar el proceso que reconstruye los modelos de las entregas.")

    def hijo(self, memoria, tiempo):
        """Una conexión con un hijo nuevo que tiene `memoria` bytes y `tiempo` segundos de CPU, y su pid."""
        enchufe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        enchufe.connect(self.ruta)
        conexion = Connection(enchufe.detach())
        conexion.send_bytes(json.dumps({"memoria": int(memoria), "tiempo": float(tiempo)}).encode())
        return conexion, json.loads(conexion.recv_bytes())["pid"]


_CERROJO = threading.Lock()
_SERVIDORES = []


def preparar():
    """Arranca el servidor en segundo plano: importa Keras mientras se ejecutan las entregas."""
    if hasattr(os, "fork"):
        threading.Thread(target=_preparar, daemon=True).start()


def _preparar():
    try:
        _servidor()
    except (OSError, RuntimeError):  # se vuelve a intentar (y se explica) al reconstruir
        pass


def _servidor():
    with _CERROJO:
        if not _SERVIDORES or _SERVIDORES[0].proceso.poll() is not None:
            _SERVIDORES[:] = [_Servidor()]
        return _SERVIDORES[0]


def _servir(ruta):
    """El servidor: importa Keras, escucha en `ruta` y atiende cada conexión en un hijo nuevo."""
    import keras  # noqa: F401  (lo heredan los hijos ya importado)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # los hijos terminados no quedan como zombis
    escucha = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    escucha.bind(ruta)
    escucha.listen()
    sys.stdout.buffer.write(b"listo\n")
    sys.stdout.flush()
    while True:
        listos, _, _ = select.select([escucha, sys.stdin], [], [])
        if sys.stdin in listos:  # el calificador terminó
            shutil.rmtree(os.path.dirname(ruta), ignore_errors=True)
            return
        enchufe, _ = escucha.accept()
        if os.fork() == 0:
            escucha.close()
            try:
                _atender(Connection(enchufe.detach()))
            finally:
                os._exit(0)
        enchufe.close()


def _atender(conexion):
    """El hijo: con la memoria y el tiempo limitados, describe cada configuración que recibe."""
    limites = json.loads(conexion.recv_bytes())
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limites["memoria"], limites["memoria"]))
        cpu = max(1, int(limites["tiempo"]))  # al pasarse, SIGXCPU lo termina
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ValueError, OSError):  # un límite ya menor
        pass
    conexion.send_bytes(json.dumps({"pid": os.getpid()}).encode())
    while True:
        try:
            texto = conexion.recv_bytes().decode("utf-8")
        except EOFError:
            return
        conexion.send_bytes(json.dumps(describir_config(texto)).encode())
