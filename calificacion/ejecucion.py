"""Ejecutar una entrega en el aislamiento y leer, ya comprobado, lo que vuelve de ella.

La entrega corre con el arnés (`calificacion/arnes/`) dentro de bubblewrap (`aislamiento`):

- su carpeta de trabajo (su código y sus archivos de datos) está en `/content`, como en Colab, y también
  en `/content/drive/My Drive` y `/content/drive/MyDrive` (su Drive); los datos pequeños de la clase
  (`datos_pequenos`, escritos una vez por calificación) están en `/datos`, de solo lectura, y
  `imagenes.zip` en su carpeta;
- lo observado vuelve por una tubería: eventos JSON firmados con una clave que solo conocen el arnés y
  este proceso, que aquí se comprueban (firma, tipo, tamaño) antes de usarlos;
- los modelos se reconstruyen desde sus configuraciones en otro proceso (`reconstruccion`).
"""

import atexit
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field

from calificacion import aislamiento, reconstruccion
from calificacion.arnes import datos_pequenos
from calificacion.arquitectura import numero
from calificacion.entregas import CERROJO_AST, Entrega, ErrorLectura, leer_fragmentos, preparar_archivos

MAX_EVENTOS = 20 * 1024**2  # bytes de eventos que se leen
MAX_CONFIG = 20 * 1024**2  # bytes de la configuración de un modelo (la de ResNet50 ocupa 0,2 MB)
MAX_CONFIGS = 64 * 1024**2  # bytes de todas las configuraciones de una entrega
MAX_MODELOS = 200
ARNES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "arnes")
_CARPETAS_DRIVE = ("drive/My Drive", "drive/MyDrive")
_DATOS = {}
_CERROJO = threading.Lock()


@dataclass
class Observacion:
    """Lo que vuelve del proceso del estudiante, ya comprobado: eventos, configuraciones y salida."""

    entrega: Entrega
    fragmentos: list = field(default_factory=list)  # el código ejecutado: [{"nombre", "codigo"}]
    eventos: list = field(default_factory=list)
    configs: dict = field(default_factory=dict)  # suma SHA-256 -> texto JSON del modelo
    descripciones: dict = field(default_factory=dict)  # suma SHA-256 -> describir_modelo (o None)
    avisos: list = field(default_factory=list)
    salida: str = ""
    error: str | None = None  # por qué no se pudo ejecutar (o no terminó)
    segundos: float = 0.0
    aislado: bool = True
    cgrupo: bool = False  # si memoria y tareas las limitó un cgroup (si no, se midieron)


def carpeta_de_datos():
    """La carpeta con los datos pequeños de esta calificación (se escribe la primera vez; se borra al salir)."""
    with _CERROJO:
        if "carpeta" not in _DATOS:
            carpeta = tempfile.mkdtemp(prefix="datos-calificacion-")
            atexit.register(shutil.rmtree, carpeta, ignore_errors=True)
            os.chmod(carpeta, 0o755)
            _DATOS["carpeta"] = datos_pequenos.escribir_datos(carpeta)
        return _DATOS["carpeta"]


def ejecutar_entrega(entrega, llamadas=(), limites=None, aislado=True):
    """Ejecuta la entrega entera en el aislamiento y devuelve su `Observacion`.

    `llamadas`: funciones del informe (o las que indique el profesor) que se llaman tras ejecutarla,
    `[{"funcion": "getBaseNet", "argumentos": []}, …]`. Nunca lanza por culpa de la entrega.
    """
    limites = limites or aislamiento.Limites()
    reconstruccion.preparar(aislado)
    observacion = Observacion(entrega, aislado=aislado)
    with tempfile.TemporaryDirectory(prefix="entrega-") as temporal:
        trabajo = os.path.join(temporal, "trabajo")
        os.makedirs(trabajo)
        with CERROJO_AST:  # leer el código crea AST: no a la vez que otro hilo (ver `entregas.CERROJO_AST`)
            try:
                if not entrega.archivos:
                    observacion.avisos += preparar_archivos(entrega, trabajo)
            except ErrorLectura as error:
                entrega.error = str(error)
            if not entrega.error:
                observacion.fragmentos = _leer_codigo(entrega, observacion)
        if entrega.error:
            observacion.error = entrega.error
            return observacion
        if not any(f["codigo"].strip() for f in observacion.fragmentos):
            observacion.error = "la entrega no tiene código que ejecutar (archivos vacíos o ilegibles)"
            return observacion
        _ejecutar(observacion, temporal, trabajo, llamadas, limites, aislado)
    # Los modelos se reconstruyen (fuera de este proceso) mientras las demás entregas siguen ejecutándose.
    descripciones = reconstruccion.describir_configs(
        observacion.configs.values(), limites.memoria, limites.tiempo, aislado
    )
    observacion.descripciones = {suma: descripciones[texto] for suma, texto in observacion.configs.items()}
    sin = sum(d is None for d in observacion.descripciones.values())
    if sin:
        observacion.avisos.append(
            f"{sin} de {len(observacion.descripciones)} configuraciones de modelos no se pudieron reconstruir en el "
            "calificador (capas propias o Lambda, o más memoria o tiempo de los permitidos): esos modelos no se juzgan."
        )
    return observacion


def _leer_codigo(entrega, observacion):
    fragmentos = []
    for nombre, ruta in entrega.archivos:
        try:
            partes, avisos = leer_fragmentos(nombre, ruta)
        except ErrorLectura as error:
            observacion.avisos.append(f"No se ejecutó {nombre}: {error}.")
            continue
        fragmentos += partes
        observacion.avisos += avisos
    return fragmentos


def _preparar_carpeta(trabajo, datos):
    """Las carpetas de Drive (puntos de montaje) y `imagenes.zip` de los datos pequeños, si no trae el suyo."""
    for carpeta in _CARPETAS_DRIVE:
        os.makedirs(os.path.join(trabajo, carpeta), exist_ok=True)
    comprimido = datos_pequenos.CARPETA_PAJAROS + ".zip"
    if not os.path.lexists(os.path.join(trabajo, comprimido)):
        os.symlink(os.path.join(datos, comprimido), os.path.join(trabajo, comprimido))
    os.chmod(trabajo, 0o777)


def _ejecutar(observacion, temporal, trabajo, llamadas, limites, aislado):
    datos_fuera = carpeta_de_datos()
    dentro = {"trabajo": "/content", "datos": "/datos", "arnes": "/opt/arnes"}
    if not aislado:
        dentro = {"trabajo": trabajo, "datos": datos_fuera, "arnes": os.path.dirname(ARNES)}
    _preparar_carpeta(trabajo, dentro["datos"])
    lector, escritor = os.pipe()  # el extremo de escritura lo hereda el arnés con el mismo número
    canal = _LectorCanal(lector)
    especificacion = {
        "carpeta": dentro["trabajo"],
        "datos": dentro["datos"],
        "arnes": dentro["arnes"],
        "canal_fd": escritor,
        "archivos": [os.path.join(dentro["trabajo"], n) for n, _ in observacion.entrega.archivos],
        "fragmentos": observacion.fragmentos,
        "llamadas": list(llamadas),
    }
    ruta_trabajo = os.path.join(temporal, "trabajo.json")
    with open(ruta_trabajo, "w", encoding="utf-8") as f:
        json.dump(especificacion, f)
    os.chmod(ruta_trabajo, 0o644)
    clave = secrets.token_hex(32).encode()
    entorno = _entorno(dentro["trabajo"])
    salida = os.path.join(temporal, "salida.txt")
    arranque = f"import sys; sys.path.insert(0, {dentro['arnes']!r}); from arnes.principal import lanzar; lanzar()"
    try:
        if aislado:
            carpetas = {"/content": (trabajo, True)}
            carpetas.update({f"/content/{c}": (trabajo, True) for c in _CARPETAS_DRIVE})
            carpetas.update({"/datos": (datos_fuera, False), "/opt/arnes/arnes": (ARNES, False)})
            carpetas["/config/trabajo.json"] = (ruta_trabajo, False)
            orden = [sys.executable, "-I", "-u", "-c", arranque, "/config/trabajo.json"]
            ejecucion = aislamiento.ejecutar(
                orden, salida, limites, clave, True, carpetas, entorno, canal=escritor, cwd_dentro="/content"
            )
        else:
            # `sh` queda como padre del arnés: un os.kill(os.getppid(), 9) no llega al calificador
            orden = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-I", "-u", "-c", arranque, ruta_trabajo]
            ejecucion = aislamiento.ejecutar(
                orden, salida, limites, clave, False, entorno=entorno, cwd=trabajo, canal=escritor
            )
    finally:
        os.close(escritor)
        lineas = canal.terminar()
    observacion.segundos = ejecucion.segundos
    observacion.cgrupo = ejecucion.cgrupo
    observacion.salida = _leer_salida(salida)
    _leer_eventos(observacion, lineas, clave)
    observacion.error = _explicar(ejecucion, observacion, limites)


def _entorno(trabajo):
    return {
        "HOME": trabajo,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(trabajo, ".matplotlib"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
        "KERAS_HOME": os.path.join(trabajo, ".keras"),
        "PRACTICAS_ENTREGA": "1",
        "PATH": "/usr/bin:/bin",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }


class _LectorCanal:
    """Lee la tubería del canal en un hilo (si nadie la leyera, la entrega se bloquearía al escribir)."""

    def __init__(self, descriptor):
        self._descriptor = descriptor
        self._partes, self._leidos = [], 0
        self._hilo = threading.Thread(target=self._leer, daemon=True)
        self._hilo.start()

    def _leer(self):
        while True:
            try:
                bloque = os.read(self._descriptor, 1 << 16)
            except OSError:
                break
            if not bloque:
                break
            if self._leidos < MAX_EVENTOS + MAX_CONFIGS:  # lo que pase de ahí se lee y se descarta
                self._partes.append(bloque)
                self._leidos += len(bloque)

    def terminar(self):
        """Las líneas leídas, cuando el último proceso con el extremo de escritura ha terminado."""
        self._hilo.join(timeout=30)
        os.close(self._descriptor)
        return b"".join(self._partes).splitlines()


def _leer_eventos(observacion, lineas, clave):
    falsos, leidos = 0, 0
    for linea in lineas:
        try:
            sobre = json.loads(linea)
            texto, firma = sobre["evento"], sobre["firma"]
            esperada = hmac.new(clave, texto.encode(), hashlib.sha256).hexdigest()
            if not isinstance(firma, str) or not hmac.compare_digest(firma, esperada):
                falsos += 1
                continue
            evento = json.loads(texto)
            if not isinstance(evento, dict) or not isinstance(evento.get("tipo"), str):
                raise ValueError("evento sin tipo")
        except (ValueError, KeyError, TypeError, AttributeError):
            falsos += 1
            continue
        if evento["tipo"] == "config":
            leidos += _guardar_config(observacion, evento, leidos)
        else:
            observacion.eventos.append(evento)
    avisos = [str(e.get("texto"))[:300] for e in observacion.eventos if e.get("tipo") == "aviso"]
    observacion.avisos += list(dict.fromkeys(avisos))[:5]  # del arnés: un modelo que no se pudo describir…
    if falsos:
        observacion.avisos.append(f"Se descartaron {falsos} líneas del canal de resultados sin firma válida.")


def _guardar_config(observacion, evento, leidos):
    """Guarda una configuración si su suma es la suya y caben; devuelve los bytes que ocupa."""
    texto, suma = evento.get("texto"), evento.get("suma")
    if not isinstance(texto, str) or not isinstance(suma, str) or not re.fullmatch(r"[0-9a-f]{64}", suma):
        return 0
    if len(observacion.configs) >= MAX_MODELOS or leidos + len(texto) > MAX_CONFIGS or len(texto) > MAX_CONFIG:
        if not any(a.startswith("Solo se leyeron") for a in observacion.avisos):
            observacion.avisos.append(
                f"Solo se leyeron {len(observacion.configs)} configuraciones de modelos (el máximo)."
            )
        return 0
    if hashlib.sha256(texto.encode()).hexdigest() != suma:
        return 0
    observacion.configs[suma] = texto
    return len(texto)


def _explicar(ejecucion, observacion, limites):
    tipos = [e.get("tipo") for e in observacion.eventos]
    lugares = [e.get("lugar") for e in observacion.eventos if e.get("lugar")]
    donde = f"en {lugares[-1]}" if lugares else "al ejecutar la entrega"
    if ejecucion.motivo == "tiempo":
        iba = f"; iba por {lugares[-1]}" if lugares else ""
        return f"la entrega no terminó en {limites.tiempo:g} s y se detuvo (¿un bucle infinito?{iba})"
    if ejecucion.motivo == "salida":
        return (
            f"la entrega escribió más de {limites.salida / 1e6:g} MB por pantalla y se detuvo "
            "(quite los print dentro de bucles)"
        )
    if ejecucion.motivo == "disco":
        archivos = numero(aislamiento.MAX_ARCHIVOS)
        return (
            f"la entrega escribió más de {limites.disco / 1024**3:g} GB (o más de {archivos} archivos) en disco y se "
            f"detuvo ({donde})"
        )
    if ejecucion.motivo == "memoria":
        return f"la entrega usó más de {limites.memoria / 1024**3:g} GB de memoria y se detuvo ({donde})"
    if "fin" in tipos:
        return None
    if "inicio" not in tipos:
        return f"el proceso de la entrega no llegó a arrancar (código {ejecucion.codigo}): {observacion.salida[-300:]}"
    if "MemoryError" in observacion.salida or (ejecucion.codigo or 0) in (-9,):
        return f"la entrega agotó la memoria permitida ({limites.memoria / 1024**3:g} GB) {donde}"
    return f"el proceso de la entrega terminó de forma inesperada (código {ejecucion.codigo}) {donde}"


def _leer_salida(ruta, maximo=6000):
    """Lo que la entrega escribió por pantalla: el principio y el final si es largo."""
    tamano = os.path.getsize(ruta)
    with open(ruta, "rb") as f:
        if tamano <= maximo:
            return f.read().decode("utf-8", "replace").strip()
        principio = f.read(maximo // 4).decode("utf-8", "replace")
        f.seek(tamano - 3 * maximo // 4)
        final = f.read().decode("utf-8", "replace")
    return f"{principio}\n[… {(tamano - maximo) / 1e3:.0f} kB omitidos …]\n{final}".strip()
