"""Aislamiento de una entrega: bubblewrap (`bwrap`, el de Flatpak) con límites, o un repliegue explícito.

Con bwrap, el proceso del estudiante tiene sus propios espacios de PID, red, IPC y usuario (uid 65534,
sin red), ve el sistema en solo lectura salvo su carpeta de trabajo privada, no ve las otras entregas,
las carpetas del profesor ni este paquete, y muere con el calificador (`--die-with-parent`); al acabar
su PID 1, el núcleo termina todo lo que haya lanzado. Límites: tiempo, memoria (`RLIMIT_AS` y la suma de
RSS), procesos (`RLIMIT_NPROC`), tamaño de archivo y lo que escribe por pantalla.

El tiempo es el de reloj menos lo que la entrega ha esperado a que hubiera una CPU libre (la cola de
ejecución del núcleo, `/proc/PID/schedstat`): con la máquina ocupada (varias entregas a la vez, otras
tareas) una entrega correcta no se da por colgada. Una entrega dormida o en un bucle sin fin agota su
tiempo igual; y en reloj nunca pasa de `TOPE_RELOJ` veces el límite.

Sin bwrap (o con `aislado=False`) se usa el repliegue: los mismos `rlimit`, una sesión nueva cuyo grupo
de procesos se mata al final y el calificador como *subreaper*, de modo que los procesos huérfanos
también se recogen. Es más débil (la entrega ve el sistema de archivos con los permisos del usuario), y
por eso el calificador lo avisa una vez.
"""

import ctypes
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

UID_AISLADO = 65534
PAQUETE = ("modelos", "datos", "practicas", "utilidades", "calificacion")
TOPE_RELOJ = 3  # el tiempo de reloj de una entrega nunca pasa de 3 veces su límite, por ocupada que esté la máquina
MAX_ARCHIVOS = 100_000  # archivos que puede crear una entrega (contarlos cuesta: se vigila cada segundo)
_ACTIVOS = set()  # pid de los procesos que lanza este calificador
_CERROJO = threading.Lock()


@dataclass
class Limites:
    """Límites por entrega: segundos (sin la espera por la CPU), bytes de memoria, tareas y salida."""

    tiempo: float = 600.0
    memoria: int = 4 * 1024**3
    procesos: int = 512
    salida: int = 10 * 1024**2
    archivo: int = 512 * 1024**2  # tamaño máximo de un archivo que escriba
    disco: int = 2 * 1024**3  # lo que puede escribir en total (su carpeta de trabajo y /tmp)


@dataclass
class Ejecucion:
    """Cómo terminó el proceso: `motivo` es None, "tiempo", "memoria", "procesos" o "salida"."""

    codigo: int
    motivo: str | None
    segundos: float


@functools.lru_cache(maxsize=1)
def bwrap_disponible():
    """`None` si bwrap funciona aquí; si no, el motivo (para decirlo una vez)."""
    if not sys.platform.startswith("linux"):
        return "el aislamiento con bubblewrap solo existe en Linux"
    ruta = shutil.which("bwrap")
    if ruta is None:
        return "no está instalado bubblewrap (bwrap); instálelo con «apt-get install bubblewrap»"
    prueba = subprocess.run(
        [
            ruta,
            "--unshare-all",
            "--uid",
            str(UID_AISLADO),
            "--gid",
            str(UID_AISLADO),
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--die-with-parent",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if prueba.returncode != 0:
        return f"bubblewrap no puede crear el aislamiento en esta máquina: {prueba.stderr.strip()[:200]}"
    return None


def orden_bwrap(carpetas, orden, entorno, disco=Limites.disco):
    """La orden de bwrap: `carpetas` = {ruta dentro: (ruta fuera, escribible)}; lo demás, invisible.

    `/tmp` es un tmpfs de `disco` bytes: está en memoria, que no cuentan `RLIMIT_AS` ni la memoria residente.
    """
    argumentos = [
        shutil.which("bwrap"),
        "--unshare-all",
        "--uid",
        str(UID_AISLADO),
        "--gid",
        str(UID_AISLADO),
        "--hostname",
        "entrega",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(int(disco)),
        "--tmpfs",
        "/tmp",
    ]
    for raiz in ("usr", "etc"):
        argumentos += ["--ro-bind", "/" + raiz, "/" + raiz]
    for enlace in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        ruta = "/" + enlace
        if os.path.islink(ruta):
            argumentos += ["--symlink", os.readlink(ruta), ruta]
        elif os.path.isdir(ruta):
            argumentos += ["--ro-bind", ruta, ruta]
    for ruta in _rutas_python():
        argumentos += ["--ro-bind", ruta, ruta]
    for ruta in _paquete_instalado():  # el paquete instalado (sus soluciones) queda vacío
        argumentos += ["--tmpfs", ruta]
    for dentro, (fuera, escribible) in carpetas.items():
        argumentos += ["--bind" if escribible else "--ro-bind", fuera, dentro]
    for clave, valor in entorno.items():
        argumentos += ["--setenv", clave, valor]
    return argumentos + ["--chdir", "/trabajo", "--", *orden]


@functools.lru_cache(maxsize=1)
def _rutas_python():
    """Las carpetas que necesita el intérprete de la entrega, sin la raíz de este paquete.

    Son la instalación de Python y las entradas del `sys.path` que ese intérprete tiene con `-I` (como se
    lanza la entrega: sin la carpeta actual, sin PYTHONPATH ni las carpetas del usuario). No las del
    `sys.path` del calificador: con `python -m`, la primera es la carpeta desde la que se le llama, que
    puede contener la clase entera (cada entrega leería las demás).
    """
    raiz = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    consulta = subprocess.run(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rutas = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), sys.prefix, sys.base_prefix}
    rutas.add(os.path.dirname(os.path.realpath(sys.executable)))
    for entrada in json.loads(consulta.stdout):
        if entrada and os.path.isdir(entrada) and os.path.realpath(entrada) != os.path.realpath(raiz):
            rutas.add(entrada)
    # solo las de primer nivel: una dentro de otra ya está
    ordenadas = sorted(r for r in rutas if os.path.isdir(r) and not r.startswith(("/usr/", "/etc/")) and r != "/usr")
    return [r for i, r in enumerate(ordenadas) if not any(r.startswith(o.rstrip("/") + "/") for o in ordenadas[:i])]


def _paquete_instalado():
    """Las carpetas del paquete cuando está instalado dentro de una carpeta de Python que se monta."""
    raiz = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    montadas = _rutas_python()
    if not any(raiz == r or raiz.startswith(r.rstrip("/") + "/") for r in montadas):
        return []
    return [os.path.join(raiz, p) for p in PAQUETE if os.path.isdir(os.path.join(raiz, p))]


def _preparar_limites(limites, aislado):
    """Función para `preexec_fn`: los rlimit del hijo (los hereda todo lo que lance)."""
    tareas = limites.procesos if aislado else limites.procesos + _tareas_del_usuario()

    def preparar():
        resource.setrlimit(resource.RLIMIT_AS, (limites.memoria, limites.memoria))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limites.archivo, limites.archivo))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        cpu = int(limites.tiempo * TOPE_RELOJ * 2) + 60
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        if os.getuid() != 0 or aislado:
            resource.setrlimit(resource.RLIMIT_NPROC, (tareas, tareas))

    return preparar


def _tareas_del_usuario():
    uid, total = os.getuid(), 0
    for pid in _pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def _pids():
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def _hijos():
    """{ppid: [pid, …]} de todos los procesos visibles."""
    arbol = {}
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                campos = f.read().rsplit(b")", 1)[1].split()
            arbol.setdefault(int(campos[1]), []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    return arbol


def _descendientes(raiz, arbol=None):
    arbol = _hijos() if arbol is None else arbol
    pendientes, vistos = [raiz], []
    while pendientes:
        pid = pendientes.pop()
        for hijo in arbol.get(pid, []):
            if hijo not in vistos:
                vistos.append(hijo)
                pendientes.append(hijo)
    return vistos


def _memoria(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def _hacerse_subreaper():
    """Los huérfanos de las entregas pasan a ser hijos del calificador (Linux), que así los mata."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def ejecutar(orden, salida, limites, clave, aislado=True, carpetas=None, entorno=None, cwd=None):
    """Ejecuta `orden` con los límites; la salida (stdout y stderr) va al archivo `salida`.

    `clave` se escribe por la entrada estándar (el arnés la lee y la cierra). Con `aislado`, `carpetas`
    son los montajes de bwrap; sin él, `cwd` es la carpeta de trabajo. Nunca lanza por culpa de la
    entrega: devuelve una `Ejecucion`, y al volver no queda ningún proceso suyo.
    """
    entorno = dict(entorno or {})
    if aislado:
        argumentos = orden_bwrap(carpetas, orden, entorno, limites.disco)
        entorno_hijo = {"PATH": "/usr/bin:/bin"}
        escribibles = [fuera for fuera, escribible in carpetas.values() if escribible]
    else:
        escribibles = [cwd] if cwd else []
        _hacerse_subreaper()
        argumentos = list(orden)
        entorno_hijo = entorno
    inicio = time.monotonic()
    with open(salida, "wb") as archivo_salida:
        proceso = subprocess.Popen(
            argumentos,
            stdin=subprocess.PIPE,
            stdout=archivo_salida,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=entorno_hijo,
            start_new_session=True,
            preexec_fn=_preparar_limites(limites, aislado),
        )
        with _CERROJO:
            _ACTIVOS.add(proceso.pid)
        try:
            try:
                proceso.stdin.write(clave + b"\n")
                proceso.stdin.close()
            except OSError:
                pass
            motivo = _vigilar(proceso, salida, limites, inicio, escribibles)
        finally:
            _terminar(proceso)
            with _CERROJO:
                _ACTIVOS.discard(proceso.pid)
            if not aislado:
                _recoger_huerfanos()
    return Ejecucion(proceso.returncode, motivo, round(time.monotonic() - inicio, 2))


def espera_cpu(pids, vistas):
    """Segundos que ha esperado la CPU el hilo principal de los procesos `pids` (el máximo de todos).

    Lee el segundo campo de `/proc/PID/schedstat` (nanosegundos en la cola de ejecución). `vistas` guarda
    lo último leído de cada proceso, para no perder la espera de los que ya terminaron.
    """
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
                vistas[pid] = max(vistas.get(pid, 0.0), int(f.read().split()[1]) / 1e9)
        except (OSError, ValueError, IndexError):
            pass
    return max(vistas.values(), default=0.0)


def ocupado(carpetas, maximo_archivos=MAX_ARCHIVOS):
    """Bytes que ocupan en disco los archivos de `carpetas` (los dispersos, solo lo escrito); `None` si
    tienen más de `maximo_archivos` archivos."""
    total, archivos, pendientes = 0, 0, list(carpetas)
    while pendientes:
        try:
            with os.scandir(pendientes.pop()) as entradas:
                for entrada in entradas:
                    archivos += 1
                    if archivos > maximo_archivos:
                        return None
                    if entrada.is_dir(follow_symlinks=False):
                        pendientes.append(entrada.path)
                    else:
                        total += entrada.stat(follow_symlinks=False).st_blocks * 512
        except OSError:
            continue
    return total


def _vigilar(proceso, salida, limites, inicio, escribibles=()):
    ultima_revision, ultimo_disco, espera, vistas = 0.0, 0.0, 0.0, {}
    while proceso.poll() is None:
        reloj = time.monotonic() - inicio
        if reloj - espera > limites.tiempo:  # antes de darla por colgada, la espera de ahora mismo
            espera = espera_cpu([proceso.pid] + _descendientes(proceso.pid), vistas)
        if reloj - espera > limites.tiempo or reloj > TOPE_RELOJ * limites.tiempo:
            return "tiempo"
        try:
            if os.path.getsize(salida) > limites.salida:
                return "salida"
        except OSError:
            pass
        if time.monotonic() - ultima_revision > 0.25:
            ultima_revision = time.monotonic()
            arbol = _hijos()
            pids = [proceso.pid] + _descendientes(proceso.pid, arbol)
            if _memoria(pids) > limites.memoria:
                return "memoria"
            espera = espera_cpu(pids, vistas)
        if escribibles and time.monotonic() - ultimo_disco > 1.0:
            ultimo_disco = time.monotonic()
            bytes_en_disco = ocupado(escribibles)
            if bytes_en_disco is None or bytes_en_disco > limites.disco:
                return "disco"
        time.sleep(0.05)
    return None


def _terminar(proceso):
    """Mata el proceso, su grupo y todos sus descendientes, y espera al principal."""
    for _ in range(3):
        pids = [proceso.pid] + _descendientes(proceso.pid)
        try:
            os.killpg(proceso.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if len(pids) == 1:
            break
    try:
        proceso.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def _recoger_huerfanos():
    """Mata y recoge los hijos del calificador que no son procesos suyos en curso (huérfanos de entregas)."""
    propio = os.getpid()
    with _CERROJO:
        activos = set(_ACTIVOS)
    for pid in _hijos().get(propio, []):
        if pid in activos or not _es_de_entrega(pid):
            continue
        for otro in [pid] + _descendientes(pid):
            try:
                os.kill(otro, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _es_de_entrega(pid):
    """Los huérfanos de una entrega llevan la variable PRACTICAS_ENTREGA en su entorno."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return b"PRACTICAS_ENTREGA=1" in f.read().split(b"\0")
    except OSError:
        return False
