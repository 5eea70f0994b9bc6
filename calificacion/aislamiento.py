"""Aislamiento de una entrega: bubblewrap (`bwrap`, el de Flatpak) con límites, o un repliegue explícito.

Con bwrap, el proceso del estudiante tiene sus propios espacios de PID, red, IPC y usuario (uid 65534,
sin red), ve el sistema en solo lectura salvo su carpeta de trabajo privada, no ve las otras entregas,
las carpetas del profesor ni este paquete, y muere con el calificador (`--die-with-parent`); al acabar
su PID 1, el núcleo termina todo lo que haya lanzado. Todo lo escribible tiene tope: su carpeta y
`/tmp` (`disco`), `/dev/shm` (un tmpfs del mismo tamaño), y `/dev` y lo que oculta el paquete, de solo
lectura. Límites: tiempo, memoria y tareas (un cgroup por entrega si la máquina lo permite, ver
`cgrupos`; si no, medidos: memoria residente más lo oculto en descriptores —`memfd`, archivos borrados
o en tmpfs— y las tareas de todos sus procesos), tamaño de archivo y lo que escribe por pantalla.

El tiempo es el de reloj menos lo que la entrega ha esperado a que hubiera una CPU libre (la cola de
ejecución del núcleo, `/proc/PID/schedstat`): con la máquina ocupada (varias entregas a la vez, otras
tareas) una entrega correcta no se da por colgada. Una entrega dormida o en un bucle sin fin agota su
tiempo igual; y en reloj nunca pasa de `TOPE_RELOJ` veces el límite.

Sin bwrap (`aislado=False`, solo con `--sin-aislamiento`) se usa el repliegue: los mismos límites, una
sesión nueva cuyo grupo de procesos se mata al final, el cgroup (que recoge también lo que escape con
`setsid`) y el calificador como *subreaper*. Es más débil: la entrega ve el sistema de archivos con los
permisos del usuario.
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

from calificacion import cgrupos

UID_AISLADO = 65534
PAQUETE = ("modelos", "datos", "practicas", "utilidades", "teoria", "calificacion")
TOPE_RELOJ = 3  # el tiempo de reloj de una entrega nunca pasa de 3 veces su límite, por ocupada que esté la máquina
MAX_ARCHIVOS = 100_000  # archivos que puede crear una entrega (contarlos cuesta: se vigila cada segundo)
MARGEN_VIRTUAL = 4 * 1024**3  # RLIMIT_AS = memoria + esto: TensorFlow reserva memoria virtual que no usa
_ACTIVOS = set()  # pid de los procesos que lanza este calificador
_PROPIOS = set()  # pid de procesos del calificador que no son entregas (el de la reconstrucción)
_CERROJO = threading.Lock()


@dataclass
class Limites:
    """Límites por entrega: segundos (sin la espera por la CPU), bytes de memoria, tareas y salida."""

    tiempo: float = 600.0
    memoria: int = 6 * 1024**3
    procesos: int = 512
    salida: int = 10 * 1024**2
    archivo: int = 512 * 1024**2  # tamaño máximo de un archivo que escriba
    disco: int = 2 * 1024**3  # lo que puede escribir en total (su carpeta de trabajo y /tmp)


@dataclass
class Ejecucion:
    """Cómo terminó el proceso: `motivo` es None, "tiempo", "memoria", "procesos", "disco" o "salida";
    `cgrupo`: si memoria y tareas las limitó un cgroup (si no, se midieron)."""

    codigo: int
    motivo: str | None
    segundos: float
    cgrupo: bool = False


@functools.lru_cache(maxsize=1)
def bwrap_disponible():
    """`None` si bwrap funciona aquí; si no, el motivo (para decirlo una vez)."""
    if not sys.platform.startswith("linux"):
        return "el aislamiento con bubblewrap solo existe en Linux"
    ruta = shutil.which("bwrap")
    if ruta is None:
        return "no está instalado bubblewrap (bwrap); instálelo con «apt-get install bubblewrap»"
    # con los mismos argumentos que se usarán (`--size` pide bwrap 0.7 o posterior)
    orden = orden_bwrap({}, ["true"], {}, cwd="/")
    prueba = subprocess.run(orden, capture_output=True, text=True, timeout=30)
    if prueba.returncode != 0:
        return f"bubblewrap no puede crear el aislamiento en esta máquina: {prueba.stderr.strip()[:200]}"
    return None


def orden_bwrap(carpetas, orden, entorno, disco=Limites.disco, cwd="/content", morir_con_el_padre=True):
    """La orden de bwrap: `carpetas` = {ruta dentro: (ruta fuera, escribible)}; lo demás, invisible.

    `--die-with-parent` mata el aislamiento cuando termina el *hilo* que lo lanzó (así funciona
    `PR_SET_PDEATHSIG`): un proceso de larga vida lanzado desde un hilo pasajero usa `morir_con_el_padre=False`
    y vigila por su cuenta que el calificador sigue vivo.

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
        *(["--die-with-parent"] if morir_con_el_padre else []),
        "--new-session",
        "--clearenv",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    for tmpfs in ("/tmp", "/dev/shm"):  # en memoria: con el mismo tope que el disco
        argumentos += ["--perms", "1777", "--size", str(int(disco)), "--tmpfs", tmpfs]
    argumentos += ["--remount-ro", "/dev"]
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
    for ruta in _paquete_instalado():  # el paquete instalado (sus soluciones) queda vacío y de solo lectura
        argumentos += ["--size", "4096", "--tmpfs", ruta, "--remount-ro", ruta]
    for dentro, (fuera, escribible) in carpetas.items():
        argumentos += ["--bind" if escribible else "--ro-bind", fuera, dentro]
    for clave, valor in entorno.items():
        argumentos += ["--setenv", clave, valor]
    return argumentos + ["--chdir", cwd, "--", *orden]


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


def _preparar_limites(limites, cgrupo):
    """Función para `preexec_fn`: el cgroup y los rlimit del hijo (los hereda todo lo que lance).

    Las tareas no se limitan con `RLIMIT_NPROC`: cuenta las de todo el usuario real, así que los
    procesos de una entrega impedirían arrancar a las de sus compañeros. Las limita el cgroup o, sin él,
    el vigilante.
    """

    def preparar():
        if cgrupo is not None:
            cgrupo.unir()
        virtual = limites.memoria + MARGEN_VIRTUAL
        resource.setrlimit(resource.RLIMIT_AS, (virtual, virtual))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limites.archivo, limites.archivo))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        cpu = int(limites.tiempo * TOPE_RELOJ * 2) + 60
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    return preparar


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


def _tareas(pids):
    """Tareas (hilos) de los procesos `pids`."""
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def _oculta(pids, discos=()):
    """`(memoria, disco)`: bytes en archivos que solo alcanzan sus descriptores (`memfd`, borrados, `/dev/shm`).

    No los cuentan ni la memoria residente (si no están mapeados) ni `ocupado` (no tienen nombre). Los de
    los sistemas de archivos `discos` (los de sus carpetas escribibles) son disco; los demás, memoria.
    """
    vistos, memoria, disco = set(), 0, 0
    for pid in pids:
        try:
            descriptores = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptores:
            ruta = f"/proc/{pid}/fd/{descriptor}"
            try:
                destino = os.readlink(ruta)
                if not (destino.startswith("/memfd:") or destino.endswith(" (deleted)") or "/dev/shm/" in destino):
                    continue
                estado = os.stat(ruta)
            except OSError:
                continue
            if (estado.st_dev, estado.st_ino) in vistos:
                continue
            vistos.add((estado.st_dev, estado.st_ino))
            if estado.st_dev in discos:
                disco += estado.st_blocks * 512
            else:
                memoria += estado.st_blocks * 512
    return memoria, disco


def proceso_propio(pid):
    """Registra un proceso del calificador que no es una entrega (no se recoge como huérfano)."""
    with _CERROJO:
        _PROPIOS.add(pid)


def _hacerse_subreaper():
    """Los huérfanos de las entregas pasan a ser hijos del calificador (Linux), que así los mata."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def ejecutar(
    orden,
    salida,
    limites,
    clave,
    aislado=True,
    carpetas=None,
    entorno=None,
    cwd=None,
    canal=None,
    cwd_dentro="/content",
    usar_cgrupo=True,
):
    """Ejecuta `orden` con los límites; la salida (stdout y stderr) va al archivo `salida`.

    `clave` se escribe por la entrada estándar (el arnés la lee y la cierra); `canal` es un descriptor
    que hereda (el extremo de escritura de la tubería de eventos). Con `aislado`, `carpetas` son los
    montajes de bwrap y `cwd_dentro` su carpeta de trabajo; sin él, `cwd` es la carpeta de trabajo.
    Con `usar_cgrupo` (y si la máquina lo permite) memoria y tareas las limita un cgroup; si no, se miden.
    Nunca lanza por culpa de la entrega: devuelve una `Ejecucion`, y al volver no queda ningún proceso suyo.
    """
    entorno = dict(entorno or {})
    cgrupo = cgrupos.crear(limites.memoria, limites.procesos) if usar_cgrupo else None
    if aislado:
        argumentos = orden_bwrap(carpetas, orden, entorno, limites.disco, cwd_dentro)
        entorno_hijo = {"PATH": "/usr/bin:/bin"}
        escribibles = list(dict.fromkeys(fuera for fuera, escribible in carpetas.values() if escribible))
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
            pass_fds=() if canal is None else (canal,),
            preexec_fn=_preparar_limites(limites, cgrupo),
        )
        with _CERROJO:
            _ACTIVOS.add(proceso.pid)
        try:
            try:
                proceso.stdin.write(clave + b"\n")
                proceso.stdin.close()
            except OSError:
                pass
            motivo = _vigilar(proceso, salida, limites, inicio, escribibles, cgrupo)
        finally:
            _terminar(proceso)
            if cgrupo is not None:
                if motivo is None and cgrupo.sin_memoria():
                    motivo = "memoria"  # el núcleo mató un proceso suyo por memoria
                cgrupo.cerrar()
            with _CERROJO:
                _ACTIVOS.discard(proceso.pid)
            if not aislado:
                _recoger_huerfanos()
    return Ejecucion(proceso.returncode, motivo, round(time.monotonic() - inicio, 2), cgrupo is not None)


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


def _vigilar(proceso, salida, limites, inicio, escribibles=(), cgrupo=None):
    ultima_revision, ultimo_disco, espera, vistas = 0.0, 0.0, 0.0, {}
    discos = {os.stat(carpeta).st_dev for carpeta in escribibles}
    pids = [proceso.pid]
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
            pids = [proceso.pid] + _descendientes(proceso.pid, _hijos())
            motivo = _recursos(pids, limites, cgrupo)
            if motivo:
                return motivo
            espera = espera_cpu(pids, vistas)
        if time.monotonic() - ultimo_disco > 1.0:
            ultimo_disco = time.monotonic()
            memoria_oculta, disco_oculto = _oculta(pids, discos)
            bytes_en_disco = ocupado(escribibles) if escribibles else 0
            if bytes_en_disco is None or bytes_en_disco + disco_oculto > limites.disco:
                return "disco"
            if cgrupo is None and _memoria(pids) + memoria_oculta > limites.memoria:
                return "memoria"
        time.sleep(0.05)
    return None


def _recursos(pids, limites, cgrupo):
    """ "memoria" o "procesos" si la entrega se pasa (con cgroup, lo dice el núcleo; sin él, se mide)."""
    if cgrupo is not None:
        return "memoria" if cgrupo.sin_memoria() else None
    if _memoria(pids) > limites.memoria:
        return "memoria"
    if _tareas(pids) > limites.procesos:
        return "procesos"
    return None


def _terminar(proceso):
    """Mata el proceso, su grupo y todos sus descendientes, y espera al principal."""
    for _ in range(3):
        pids = [proceso.pid] + _descendientes(proceso.pid)
        try:
            os.killpg(proceso.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        cgrupos.matar(pids)
        if len(pids) == 1:
            break
    try:
        proceso.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def detener_todas():
    """Mata ya las entregas en curso (su grupo de procesos): una interrupción del profesor no espera a sus límites."""
    with _CERROJO:
        activos = list(_ACTIVOS)
    for pid in activos:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _recoger_huerfanos():
    """Mata y recoge los hijos del calificador que no son procesos suyos en curso (huérfanos de entregas)."""
    propio = os.getpid()
    with _CERROJO:
        activos = set(_ACTIVOS)
    with _CERROJO:
        propios = set(_PROPIOS)
    for pid in _hijos().get(propio, []):
        if pid in activos or pid in propios or not _es_de_entrega(pid):
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
