"""Un grupo de control (cgroup) por entrega: su memoria y sus tareas, que nada de lo que haga puede pasar.

Con un cgroup, el núcleo cuenta toda la memoria de la entrega, también la que no es de ningún proceso
(archivos en `/dev/shm` o en un tmpfs, `memfd`, archivos borrados pero abiertos) y la corta al llegar al
límite (`memory.max` / `memory.limit_in_bytes`, sin intercambio); y cuenta sus tareas aparte de las de
las demás entregas y del usuario que califica (`pids.max`), cosa que `RLIMIT_NPROC`, que cuenta por
usuario real, no hace.

Se usa cgroup v2 si la máquina lo ofrece con los controladores `memory` y `pids` (el calificador pasa a
una hoja propia, `calificador`, para poder repartirlos), si no cgroup v1 (las jerarquías `memory` y
`pids`). Hace falta poder escribir en ellos: como root, o con una delegación (`systemd-run --user
--scope -p Delegate=yes calificar …`). Si no se puede, `crear` devuelve `None` y el aislamiento mide
(`aislamiento`: memoria residente, lo oculto en descriptores y las tareas, cada fracción de segundo).

No se usa una biblioteca: las de PyPI (`cgroupspy`, `cgroup-utils`) solo conocen cgroup v1, y lo que
hace falta son cuatro archivos de cada versión.
"""

import functools
import itertools
import os
import signal
import threading
import time

RAIZ = "/sys/fs/cgroup"
_CONTADOR = itertools.count()


def matar(pids):
    """SIGKILL a cada proceso de `pids` (los que ya no existen o no son suyos, se saltan)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _leer(ruta):
    with open(ruta, encoding="ascii") as f:
        return f.read()


def _escribir(ruta, texto):
    with open(ruta, "w", encoding="ascii") as f:
        f.write(texto)


def _propio(controlador):
    """La ruta (relativa) del cgroup de este proceso para un controlador de v1, o `""` para v2."""
    for linea in _leer("/proc/self/cgroup").splitlines():
        _, controladores, ruta = linea.split(":", 2)
        if controlador in controladores.split(","):
            return ruta
    return None


_CERROJO = threading.Lock()


def version():
    """`("v2", carpeta padre)`, `("v1", {controlador: carpeta padre})` o `(None, motivo)` (se mira una vez)."""
    with _CERROJO:  # las entregas se ejecutan en varios hilos a la vez
        return _version()


@functools.lru_cache(maxsize=1)
def _version():
    try:
        return _preparar_v2()
    except OSError as error_v2:
        try:
            return _preparar_v1()
        except OSError as error_v1:
            return None, f"sin cgroups con los que limitar cada entrega (v2: {error_v2}; v1: {error_v1})"


def _preparar_v2():
    controladores = _leer(os.path.join(RAIZ, "cgroup.controllers")).split()
    if not {"memory", "pids"} <= set(controladores):
        raise OSError("el cgroup v2 no ofrece los controladores memory y pids")
    propio = _propio("")
    padre = os.path.join(RAIZ, propio.lstrip("/"))
    hoja = os.path.join(padre, "calificador")
    os.makedirs(hoja, exist_ok=True)
    _escribir(os.path.join(hoja, "cgroup.procs"), str(os.getpid()))  # sin procesos en el padre
    _escribir(os.path.join(padre, "cgroup.subtree_control"), "+memory +pids")
    return "v2", padre


def _preparar_v1():
    padres = {}
    for controlador in ("memory", "pids"):
        ruta = _propio(controlador)
        if ruta is None:
            raise OSError(f"no hay jerarquía v1 de {controlador}")
        padre = os.path.join(RAIZ, controlador, ruta.lstrip("/"))
        prueba = os.path.join(padre, f"calificacion-prueba-{os.getpid()}-{next(_CONTADOR)}")
        os.mkdir(prueba)
        os.rmdir(prueba)
        padres[controlador] = padre
    return "v1", padres


class Cgrupo:
    """El cgroup de una entrega (una carpeta por controlador en v1, una en v2)."""

    def __init__(self, memoria, tareas):
        tipo, padre = version()
        nombre = f"entrega-{os.getpid()}-{next(_CONTADOR)}"
        self.version = tipo
        if tipo == "v2":
            self.carpetas = {"memory": os.path.join(padre, nombre)}
            self.carpetas["pids"] = self.carpetas["memory"]
        else:
            self.carpetas = {c: os.path.join(p, nombre) for c, p in padre.items()}
        for carpeta in set(self.carpetas.values()):
            os.mkdir(carpeta)
        memoria = str(int(memoria))
        if tipo == "v2":
            _escribir(self._archivo("memory", "memory.max"), memoria)
            self._intentar("memory", "memory.swap.max", "0")
        else:
            _escribir(self._archivo("memory", "memory.limit_in_bytes"), memoria)
            self._intentar("memory", "memory.memsw.limit_in_bytes", memoria)
        _escribir(self._archivo("pids", "pids.max"), str(int(tareas)))

    def _archivo(self, controlador, nombre):
        return os.path.join(self.carpetas[controlador], nombre)

    def _intentar(self, controlador, nombre, valor):
        try:
            _escribir(self._archivo(controlador, nombre), valor)
        except OSError:
            pass

    def unir(self):
        """Mete en el cgroup al proceso que llama (para `preexec_fn`: el hijo antes de `exec`)."""
        for carpeta in set(self.carpetas.values()):
            _escribir(os.path.join(carpeta, "cgroup.procs"), str(os.getpid()))

    def sin_memoria(self):
        """Si el núcleo tuvo que matar algún proceso de la entrega por memoria."""
        nombre = "memory.events" if self.version == "v2" else "memory.oom_control"
        try:
            for linea in _leer(self._archivo("memory", nombre)).splitlines():
                clave, _, valor = linea.partition(" ")
                if clave == "oom_kill" and int(valor) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def memoria_maxima(self):
        nombre = "memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes"
        try:
            return int(_leer(self._archivo("memory", nombre)))
        except (OSError, ValueError):
            return None

    def procesos(self):
        pids = set()
        for carpeta in set(self.carpetas.values()):
            try:
                pids.update(int(p) for p in _leer(os.path.join(carpeta, "cgroup.procs")).split())
            except (OSError, ValueError):
                pass
        return pids

    def cerrar(self):
        """Mata lo que quede dentro y borra el cgroup."""
        for _ in range(50):
            pids = self.procesos()
            if not pids:
                break
            matar(pids)
            time.sleep(0.05)
        for carpeta in set(self.carpetas.values()):
            try:
                os.rmdir(carpeta)
            except OSError:
                pass


def crear(memoria, tareas):
    """Un `Cgrupo` con esos límites, o `None` si esta máquina no deja crearlo (ver `version`)."""
    tipo, _ = version()
    if tipo is None:
        return None
    try:
        return Cgrupo(memoria, tareas)
    except OSError:
        return None
