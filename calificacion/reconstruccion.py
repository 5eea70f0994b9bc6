"""Reconstrucción de los modelos de una entrega en un proceso aparte, aislado y con límites.

Las configuraciones de Keras que vuelven del proceso del estudiante son datos, no código, pero datos que
escribe él: antes de reconstruirlas se comprueba que solo nombran clases de Keras, y se reconstruyen con
`safe_mode=True` (sin `Lambda` ni funciones serializadas; Keras 3.14 o posterior, con los arreglos de
`safe_mode` de 3.11–3.14) y sin reservar la memoria de sus pesos (inicialización diferida de Keras: la
descripción solo depende de las formas). Aun así no se reconstruyen en el calificador:

- el servidor que las reconstruye corre en bubblewrap, como las entregas (sin red, sin los archivos del
  profesor ni los de la clase; solo Python, este paquete y una carpeta para su socket);
- cada entrega tiene su proceso hijo, que sale con `fork` del servidor (que ya tiene Keras importado:
  solo él paga importar TensorFlow, una vez por calificación), con la memoria (`RLIMIT_AS`) y el tiempo
  de CPU (`RLIMIT_CPU`) de la entrega; los hijos se atienden de uno en uno y, al terminar cada uno, no
  queda ningún proceso suyo: uno no puede tocar la reconstrucción de otro;
- si un hijo se pasa, ese modelo queda sin descripción (no se puede juzgar) y la clase sigue.

Es lo que hace el "forkserver" de `multiprocessing`, sin volver a ejecutar el script principal en cada
hijo (un script de calificación sin `if __name__ == "__main__"` calificaría la clase otra vez dentro de
cada uno).
"""

import functools
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection

from calificacion.cgrupos import matar
from datos.errores import ErrorDatos

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # la que contiene calificacion/ y datos/

_CLASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigInsegura(ErrorDatos, ValueError):
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

    La descripción solo depende de las formas de los pesos, no de sus valores (que además no se llegan a
    reservar: ver `describir_config`).
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
        from keras.src.backend.common.stateless_scope import StatelessScope

        # Dentro de un ámbito sin estado, Keras crea las variables sin valor (se inicializarían al salir,
        # pero `initialize_variables=False`): una capa de miles de millones de pesos no ocupa memoria.
        with StatelessScope(initialize_variables=False):
            modelo = keras.saving.deserialize_keras_object(config, safe_mode=True)
            if not getattr(modelo, "built", False) or not getattr(modelo, "outputs", None):
                return None
            descripcion = describir_modelo(modelo)
    except Exception:  # noqa: BLE001 (capas propias, Lambda, JSON roto o sin memoria: no se puede juzgar)
        return None
    return descripcion


def describir_configs(textos, memoria, tiempo, aislado=True):
    """`{texto: descripción o None}` de cada configuración, reconstruidas en un proceso hijo.

    El hijo tiene `memoria` bytes y `tiempo` segundos de CPU (los límites de la entrega; la espera por la
    CPU no cuenta, como en `aislamiento`). Si muere (sin memoria o sin tiempo), esa configuración queda en
    `None` y las siguientes siguen en otro; pasadas 3 veces `tiempo` en reloj, las que faltan quedan en
    `None`. Con `aislado`, el servidor corre en bubblewrap. Sin `fork` (Windows) se reconstruyen en este
    proceso, sin límites.
    """
    pendientes = list(dict.fromkeys(textos))
    if not hasattr(os, "fork"):
        return {texto: describir_config(texto) for texto in pendientes}
    descripciones = {}
    fin = None
    while pendientes:
        try:
            conexion = _servidor(aislado).hijo(memoria, tiempo)
        except (OSError, RuntimeError, EOFError, ValueError, KeyError):  # sin servidor: quedan sin describir
            descripciones.update(dict.fromkeys(pendientes))
            break
        fin = fin or time.monotonic() + 3 * tiempo  # desde aquí: arrancar el servidor no cuenta
        try:
            while pendientes:
                texto = pendientes.pop(0)
                descripciones[texto] = None
                conexion.send_bytes(texto.encode("utf-8"))
                if not conexion.poll(max(0.0, fin - time.monotonic())):
                    descripciones.update(dict.fromkeys(pendientes))  # las que faltan quedan sin descripción
                    pendientes = []  # (el servidor mata al hijo cuando se le acaba el tiempo)
                    break
                descripciones[texto] = _descripcion_valida(json.loads(conexion.recv_bytes()))
        except (EOFError, OSError, ValueError):  # el hijo murió con esta configuración: otro para las demás
            pass
        finally:
            conexion.close()
    return descripciones


_CLAVES_CAPA = {"nombre", "tipo", "salida", "parametros", "entrenables", "activacion", "entrenable", "detalles"}


def _descripcion_valida(descripcion):
    """Lo que vuelve del hijo, comprobado: `None` o una descripción con la forma de `describir_modelo`."""
    if descripcion is None:
        return None
    capas = descripcion.get("capas") if isinstance(descripcion, dict) else None
    if not isinstance(capas, list) or not all(isinstance(c, dict) and set(c) <= _CLAVES_CAPA for c in capas):
        raise ValueError("descripción mal formada")
    return descripcion


class _Servidor:
    """El proceso con Keras importado del que sale, con `fork`, un hijo por entrega (por un socket Unix)."""

    def __init__(self, aislado):
        self.carpeta = tempfile.mkdtemp(prefix="reconstruccion-")  # 0700: solo este usuario conecta
        self.ruta = os.path.join(self.carpeta, "socket")
        entorno = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
        if aislado:
            orden, entorno = self._en_bwrap(entorno)
        else:
            orden = [sys.executable, "-c", f"import sys; sys.path[:] = {sys.path!r}; {_ARRANQUE.format(self.ruta)}"]
        self.proceso = subprocess.Popen(
            orden,
            stdin=subprocess.PIPE,  # si este proceso muere, el servidor lo ve (fin de archivo) y termina
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=entorno,
            start_new_session=True,
        )
        from calificacion import aislamiento

        aislamiento.proceso_propio(self.proceso.pid)
        if self.proceso.stdout.readline() != b"listo\n":
            raise RuntimeError("No se pudo arrancar el proceso que reconstruye los modelos de las entregas.")

    def _en_bwrap(self, entorno):
        """La orden de bubblewrap: solo Python, `calificacion/` y `datos/` (de solo lectura) y la carpeta del socket."""
        from calificacion import aislamiento

        carpetas = {
            "/run/reconstruccion": (self.carpeta, True),
            "/opt/calificador/calificacion": (os.path.join(RAIZ, "calificacion"), False),
            "/opt/calificador/datos": (os.path.join(RAIZ, "datos"), False),
        }
        arranque = "import sys; sys.path.insert(0, '/opt/calificador'); " + _ARRANQUE.format(
            "/run/reconstruccion/socket"
        )
        dentro = {k: entorno[k] for k in ("TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS")}
        # el servidor vive más que el hilo que lo lanza: termina cuando se cierra su entrada estándar
        orden = aislamiento.orden_bwrap(
            carpetas, [sys.executable, "-I", "-c", arranque], dentro, cwd="/", morir_con_el_padre=False
        )
        return orden, {"PATH": "/usr/bin:/bin"}

    def hijo(self, memoria, tiempo):
        """Una conexión con un hijo nuevo que tiene `memoria` bytes y `tiempo` segundos de CPU.

        Espera a que el servidor termine con el hijo anterior: se atienden de uno en uno. (El pid del hijo
        no sale del servidor: en su espacio de PID no significa nada fuera; lo mata el propio servidor.)
        """
        enchufe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        enchufe.connect(self.ruta)
        conexion = Connection(enchufe.detach())
        conexion.send_bytes(json.dumps({"memoria": int(memoria), "tiempo": float(tiempo)}).encode())
        if conexion.recv_bytes() != b"listo":
            raise RuntimeError("el servidor de reconstrucción no respondió")
        return conexion


_ARRANQUE = "import sys; sys.modules['cv2'] = None; from calificacion.reconstruccion import _servir; _servir({!r})"
_CERROJO = threading.Lock()
_SERVIDORES = {}


def preparar(aislado=True):
    """Arranca el servidor en segundo plano: importa Keras mientras se ejecutan las entregas."""
    if hasattr(os, "fork"):
        threading.Thread(target=_preparar, args=(aislado,), daemon=True).start()


def _preparar(aislado):
    try:
        _servidor(aislado)
    except (OSError, RuntimeError):  # se vuelve a intentar (y se explica) al reconstruir
        pass


def _servidor(aislado=True):
    with _CERROJO:
        servidor = _SERVIDORES.get(aislado)
        if servidor is None or servidor.proceso.poll() is not None:
            servidor = _SERVIDORES[aislado] = _Servidor(aislado)
        return servidor


def _servir(ruta):
    """El servidor: importa Keras, escucha en `ruta` y atiende cada conexión en un hijo nuevo, de uno en uno."""
    import keras  # noqa: F401  (lo heredan los hijos ya importado)

    try:
        del sys.modules["cv2"]  # (bloqueado al importar Keras: OpenCV no hace falta y ocupa memoria)
    except KeyError:
        pass
    try:  # los procesos que deje un hijo pasan a ser del servidor, que los mata (`_matar_restos`)
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
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
        conexion = Connection(enchufe.detach())
        try:
            limites = json.loads(conexion.recv_bytes())
        except (EOFError, OSError, ValueError):
            conexion.close()
            continue
        pid = os.fork()
        if pid == 0:
            escucha.close()
            try:
                _atender(conexion, limites)
            finally:
                os._exit(0)
        conexion.close()
        _esperar(pid, 3 * float(limites.get("tiempo", 600)) + 5)
        _matar_restos()


def _matar_restos():
    """Mata y recoge los procesos que haya dejado un hijo (huérfanos que pasaron al servidor)."""
    for _ in range(20):
        restos = [int(n) for n in os.listdir("/proc") if n.isdigit() and _es_descendiente(int(n))]
        matar(restos)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
        if not restos:
            return
        time.sleep(0.01)


def _memoria_virtual():
    """Bytes de memoria virtual de este proceso (TensorFlow, ya importado, reserva unos 2 GB)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for linea in f:
            if linea.startswith("VmSize:"):
                return int(linea.split()[1]) * 1024
    return 0


def _es_descendiente(pid):
    """Si `pid` desciende de este servidor (sus hijos huérfanos pasan a él: es *subreaper*)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1]) == os.getpid()
    except (OSError, ValueError, IndexError):
        return False


def _esperar(pid, segundos):
    """Espera al hijo como mucho `segundos` de reloj; si sigue vivo, lo mata."""
    fin = time.monotonic() + segundos
    while time.monotonic() < fin:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return
        time.sleep(0.02)
    matar([pid])
    os.waitpid(pid, 0)


def _atender(conexion, limites):
    """El hijo: con la memoria y el tiempo limitados, describe cada configuración que recibe."""
    try:
        import resource

        virtual = _memoria_virtual() + limites["memoria"]  # la memoria de la entrega, además de lo ya reservado
        resource.setrlimit(resource.RLIMIT_AS, (virtual, virtual))
        cpu = max(1, int(limites["tiempo"]))  # al pasarse, SIGXCPU lo termina
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ValueError, OSError):  # un límite ya menor
        pass
    conexion.send_bytes(b"listo")
    while True:
        try:
            texto = conexion.recv_bytes().decode("utf-8")
        except EOFError:
            return
        conexion.send_bytes(json.dumps(describir_config(texto)).encode())
