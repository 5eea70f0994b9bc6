"""Entregas: encontrarlas en la carpeta de la clase, leerlas y ejecutarlas en el aislamiento.

Una entrega es un estudiante, no un archivo: un `.py`/`.ipynb` suelto, o una carpeta (o un `.zip`) con
varios, que se ejecutan en orden natural de nombre (`p3_ej1_2`, `p3_ej3-1`, `p3_ej3-2`) en un mismo
proceso, de modo que cada archivo ve lo que definieron los anteriores. Las carpetas de Moodle
(`Nombre Apellido_123456_assignsubmission_file_`) dan el nombre del estudiante.

Del proceso del estudiante (`arnes.py`, dentro de `aislamiento.py`) solo vuelven datos: eventos JSON
firmados y configuraciones de modelos, que aquí se comprueban (firma, suma, tamaño) antes de usarlos.
"""

import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import tokenize
import zipfile
from dataclasses import dataclass, field

from calificacion import aislamiento, reconstruccion
from datos.errores import ErrorDatos

EXTENSIONES = (".py", ".ipynb")
_IGNORADAS = ("__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git")
_MOODLE = re.compile(r"^(?P<nombre>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
MAX_CODIGO = 100 * 1024**2  # bytes de .py/.ipynb de una entrega (descomprimidos, si viene en un zip)
MAX_ARCHIVOS_ZIP = 2000
MAX_EVENTOS = 20 * 1024**2  # bytes de eventos que se leen
MAX_CONFIG = 20 * 1024**2  # bytes de la configuración de un modelo (la de ResNet50 ocupa 0,2 MB)
MAX_CONFIGS = 64 * 1024**2  # bytes de todas las configuraciones de una entrega
MAX_MODELOS = 200
ARNES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "arnes.py")


class ErrorEntrega(ErrorDatos):
    """Problema del profesor al indicar las entregas (carpeta que no existe, vacía…), con mensaje claro."""


@dataclass
class Entrega:
    """Un estudiante: su nombre, sus archivos en orden y, si no se pudo leer, por qué."""

    estudiante: str
    ruta: str  # lo que entregó (archivo, carpeta o zip)
    archivos: list = field(default_factory=list)  # [(nombre relativo, ruta)]
    error: str | None = None


# --- encontrar las entregas ----------------------------------------------------------------------


def orden_natural(texto):
    """`p3_ej2` antes que `p3_ej10`: los números se comparan como números."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", texto)]


def nombre_estudiante(nombre):
    """`Ana García_123_assignsubmission_file_` -> `Ana García`; si no es de Moodle, el nombre sin extensión."""
    raiz, extension = os.path.splitext(nombre)
    base = raiz if extension.lower() in EXTENSIONES + (".zip",) else nombre
    coincidencia = _MOODLE.match(base)
    return coincidencia.group("nombre").strip() if coincidencia else base


def buscar_entregas(carpeta, excluir=()):
    """Las entregas de la carpeta de una clase: archivos sueltos, carpetas y `.zip` (una por estudiante)."""
    if not os.path.isdir(carpeta):
        raise ErrorEntrega(f"No existe la carpeta de entregas «{carpeta}»: compruebe la ruta.")
    excluir = {os.path.realpath(r) for r in excluir}
    entregas = []
    for nombre in sorted(os.listdir(carpeta), key=orden_natural):
        ruta = os.path.join(carpeta, nombre)
        if nombre.startswith(".") or nombre in _IGNORADAS or os.path.realpath(ruta) in excluir:
            continue
        if os.path.isdir(ruta) or nombre.lower().endswith(".zip") or nombre.lower().endswith(EXTENSIONES):
            entregas.append(Entrega(nombre_estudiante(nombre), ruta))
    vistos = {}
    for entrega in entregas:  # dos entregas con el mismo nombre (ana.py y ana.ipynb): se distinguen
        vistos[entrega.estudiante] = vistos.get(entrega.estudiante, 0) + 1
    for entrega in entregas:
        if vistos[entrega.estudiante] > 1:
            entrega.estudiante = os.path.basename(entrega.ruta)
    if not entregas:
        raise ErrorEntrega(f"La carpeta «{carpeta}» no tiene entregas: ni archivos .py/.ipynb, ni carpetas, ni .zip.")
    return entregas


def entrega_de_ruta(ruta):
    """Una sola entrega (archivo, carpeta o zip) indicada por su ruta."""
    if not os.path.exists(ruta):
        raise ErrorEntrega(f"No existe la entrega «{ruta}»: compruebe la ruta.")
    return Entrega(nombre_estudiante(os.path.basename(os.path.normpath(ruta))), os.fspath(ruta))


def preparar_archivos(entrega, destino):
    """Copia (o extrae) el código de la entrega en `destino`; rellena `entrega.archivos` en orden natural.

    Solo viajan los `.py` y `.ipynb` (también los que haya dentro de un `.zip`): los datos que el
    estudiante adjunte (`imagenes.zip`, pesos) no se necesitan, porque la calificación pone los suyos.
    """
    ruta = entrega.ruta
    copias, zips = [], []  # (archivo, ruta dentro de `destino`), (zip, carpeta dentro de `destino`)
    if os.path.isfile(ruta) and ruta.lower().endswith(".zip"):
        zips.append((ruta, ""))
    elif os.path.isdir(ruta):
        for raiz, carpetas, archivos in os.walk(ruta, followlinks=False):
            carpetas[:] = sorted(c for c in carpetas if c not in _IGNORADAS and not c.startswith("."))
            for archivo in archivos:
                origen = os.path.join(raiz, archivo)
                relativa = os.path.relpath(origen, ruta)
                if os.path.islink(origen) or archivo.startswith("."):
                    continue
                if archivo.lower().endswith(".zip"):
                    zips.append((origen, os.path.dirname(relativa)))
                elif archivo.lower().endswith(EXTENSIONES):
                    copias.append((origen, relativa))
    else:
        copias.append((ruta, os.path.basename(ruta)))
    # Todo el código de la entrega (suelto y dentro de sus zip) se mide antes de copiar o extraer nada.
    miembros = {zip_: _miembros_zip(zip_) for zip_, _ in zips}
    tamano = sum(os.path.getsize(origen) for origen, _ in copias)
    tamano += sum(m.file_size for lista in miembros.values() for m in lista)
    if tamano > MAX_CODIGO:
        raise ErrorLectura(
            f"{os.path.basename(os.path.normpath(ruta))} tiene {tamano / 1024**2:.0f} MB de código (.py/.ipynb): "
            f"más de los {MAX_CODIGO / 1024**2:.0f} MB de una entrega; revísela a mano"
        )
    for origen, relativa in copias:
        os.makedirs(os.path.join(destino, os.path.dirname(relativa)), exist_ok=True)
        shutil.copyfile(origen, os.path.join(destino, relativa))
    for zip_, carpeta in zips:
        _extraer_zip(zip_, os.path.join(destino, carpeta), miembros[zip_])
    encontrados = []
    for raiz, carpetas, archivos in os.walk(destino):
        carpetas[:] = [c for c in carpetas if c not in _IGNORADAS and not c.startswith(".")]
        for archivo in archivos:
            if archivo.lower().endswith(EXTENSIONES) and not archivo.startswith("."):
                relativa = os.path.relpath(os.path.join(raiz, archivo), destino)
                encontrados.append((relativa, os.path.join(raiz, archivo)))
    entrega.archivos = sorted(encontrados, key=lambda par: orden_natural(par[0]))
    if not entrega.archivos:
        entrega.error = "la entrega no contiene ningún archivo .py ni .ipynb"


def _miembros_zip(ruta):
    """Los `.py`/`.ipynb` de un zip (sin leerlos), o `ErrorLectura` si no se puede leer o tiene demasiados."""
    with _zip_legible(ruta) as archivo:
        miembros = [m for m in archivo.infolist() if not m.is_dir() and m.filename.lower().endswith(EXTENSIONES)]
    if len(miembros) > MAX_ARCHIVOS_ZIP:
        raise ErrorLectura(f"el zip {os.path.basename(ruta)} tiene demasiados archivos para una entrega")
    return miembros


def _extraer_zip(ruta, destino, miembros):
    """Extrae `miembros` de un zip, sin rutas que salgan de `destino` ni enlaces."""
    with _zip_legible(ruta) as archivo:
        for miembro in miembros:
            nombre = miembro.filename.replace("\\", "/")
            partes = [p for p in nombre.split("/") if p not in ("", ".")]
            if not partes or ".." in partes or nombre.startswith("/") or any(p in _IGNORADAS for p in partes):
                continue
            if (miembro.external_attr >> 16) & 0o170000 == 0o120000:  # enlace simbólico
                continue
            final = os.path.join(destino, *partes)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            with archivo.open(miembro) as origen, open(final, "wb") as copia:
                shutil.copyfileobj(origen, copia)


@contextlib.contextmanager
def _zip_legible(ruta):
    """El zip abierto; cualquier error al leerlo es un `ErrorLectura` que lo nombra."""
    try:
        with zipfile.ZipFile(ruta) as archivo:
            yield archivo
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError) as error:
        raise ErrorLectura(f"no se puede leer el zip {os.path.basename(ruta)}: {error}") from None


class ErrorLectura(Exception):
    """Un archivo o zip de la entrega no se puede leer (queda en el informe del estudiante)."""


# --- leer el código -----------------------------------------------------------------------------


def leer_fragmentos(nombre, ruta):
    """`(fragmentos, avisos)` de un archivo: el `.py` entero o las celdas de código de un cuaderno.

    Las líneas `!orden` y `%magia` de Colab se cambian por `pass` (la numeración no cambia) y las celdas
    `%%…` se omiten. Lanza `ErrorLectura` si el archivo no se puede leer.
    """
    with open(ruta, "rb") as f:
        datos = f.read()
    if nombre.lower().endswith(".py"):
        texto, aviso = _decodificar(datos, nombre)
        avisos = [aviso] if aviso else []
        if not texto.strip():
            avisos.append(f"{nombre} está vacío.")
        return [{"nombre": nombre, "codigo": texto}], avisos
    try:
        cuaderno = json.loads(datos.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        posicion = f" (línea {error.lineno}, columna {error.colno})" if hasattr(error, "lineno") else ""
        raise ErrorLectura(
            f"el cuaderno {nombre} no es un JSON válido{posicion}: ábralo en Jupyter o Colab y guárdelo de nuevo"
        ) from None
    celdas = cuaderno.get("cells") if isinstance(cuaderno, dict) else None
    if not isinstance(celdas, list):
        raise ErrorLectura(f"{nombre} no parece un cuaderno de Jupyter (formato 4): no tiene la lista «cells»")
    fragmentos, avisos, magias = [], [], 0
    for numero, celda in enumerate(celdas, start=1):
        if not isinstance(celda, dict) or celda.get("cell_type") != "code":
            continue
        fuente = celda.get("source", "")
        fuente = "".join(str(s) for s in fuente) if isinstance(fuente, list) else str(fuente)
        if fuente.lstrip().startswith("%%"):
            magias += 1
            continue
        fuente, cuantas = _quitar_magias(fuente)
        magias += cuantas
        fragmentos.append({"nombre": f"{nombre} [celda {numero}]", "codigo": fuente})
    if magias:
        avisos.append(f"{nombre}: se omitieron {magias} líneas de orden o magia de Colab (! o %).")
    if not fragmentos:
        avisos.append(f"{nombre} no tiene celdas de código.")
    return fragmentos, avisos


def _decodificar(datos, nombre):
    """Texto de un `.py` con la codificación que declara (PEP 263) o UTF-8; si no, latin-1 con un aviso."""
    try:
        codificacion, _ = tokenize.detect_encoding(io.BytesIO(datos).readline)
        return datos.decode(codificacion).removeprefix("\ufeff"), None
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return datos.decode("latin-1"), f"{nombre} no está en UTF-8 ni declara su codificación: se leyó como latin-1."


def _quitar_magias(codigo):
    lineas, magias = [], 0
    for linea in codigo.split("\n"):
        limpia = linea.lstrip()
        if limpia.startswith(("!", "%")):
            lineas.append(linea[: len(linea) - len(limpia)] + "pass")
            magias += 1
        else:
            lineas.append(linea)
    return "\n".join(lineas), magias


# --- ejecutar ----------------------------------------------------------------------------------


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


def _datos_pajaros(carpeta):
    """Una carpeta de pájaros diminuta (2 especies, 224×224) con `train.txt` y `test.txt`, como la del curso."""
    from PIL import Image

    lineas = {"train": [], "test": []}
    for clase, especie in enumerate(("001.Black_footed_Albatross", "002.Laysan_Albatross")):
        os.makedirs(os.path.join(carpeta, "imagenes", especie), exist_ok=True)
        for k in range(4):
            nombre = f"{especie}/{especie.split('.')[1]}_{k:04d}.jpg"
            Image.new("RGB", (224, 224), (40 * k, 90 + 60 * clase, 120)).save(os.path.join(carpeta, "imagenes", nombre))
            lineas["train" if k < 2 else "test"].append(nombre)
    for particion, contenido in lineas.items():
        for sitio in (carpeta, os.path.join(carpeta, "imagenes")):
            with open(os.path.join(sitio, f"{particion}.txt"), "w") as f:
                f.write("\n".join(contenido) + "\n")


def ejecutar_entrega(entrega, llamadas=(), limites=None, aislado=True):
    """Ejecuta la entrega entera en el aislamiento y devuelve su `Observacion`.

    `llamadas`: funciones del informe (o las que indique el profesor) que se llaman tras ejecutarla,
    `[{"funcion": "getBaseNet", "argumentos": []}, …]`. Nunca lanza por culpa de la entrega.
    """
    limites = limites or aislamiento.Limites()
    reconstruccion.preparar()
    observacion = Observacion(entrega, aislado=aislado)
    with tempfile.TemporaryDirectory(prefix="entrega-") as temporal:
        trabajo, canal = os.path.join(temporal, "trabajo"), os.path.join(temporal, "canal")
        os.makedirs(trabajo)
        os.makedirs(canal)
        try:
            if not entrega.archivos:
                preparar_archivos(entrega, trabajo)
        except ErrorLectura as error:
            entrega.error = str(error)
        if entrega.error:
            observacion.error = entrega.error
            return observacion
        fragmentos = []
        for nombre, ruta in entrega.archivos:
            try:
                partes, avisos = leer_fragmentos(nombre, ruta)
            except ErrorLectura as error:
                observacion.avisos.append(f"No se ejecutó {nombre}: {error}.")
                continue
            fragmentos += partes
            observacion.avisos += avisos
        observacion.fragmentos = fragmentos
        if not any(f["codigo"].strip() for f in fragmentos):
            observacion.error = "la entrega no tiene código que ejecutar (archivos vacíos o ilegibles)"
            return observacion
        _datos_pajaros(trabajo)
        dentro = {"trabajo": "/trabajo", "canal": "/canal"} if aislado else {"trabajo": trabajo, "canal": canal}
        especificacion = {
            "carpeta": dentro["trabajo"],
            "canal": dentro["canal"],
            "archivos": [{"archivo": os.path.join(dentro["trabajo"], n)} for n, _ in entrega.archivos],
            "fragmentos": fragmentos,
            "llamadas": list(llamadas),
        }
        ruta_trabajo = os.path.join(temporal, "trabajo.json")
        with open(ruta_trabajo, "w", encoding="utf-8") as f:
            json.dump(especificacion, f)
        clave = secrets.token_hex(32).encode()
        entorno = {
            "HOME": dentro["trabajo"],
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": os.path.join(dentro["trabajo"], ".matplotlib"),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "CUDA_VISIBLE_DEVICES": "",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": "1",
            "PYTHONNOUSERSITE": "1",
            "LANG": "C.UTF-8",
            "KERAS_HOME": os.path.join(dentro["trabajo"], ".keras"),
            "PRACTICAS_ENTREGA": "1",
            "PATH": "/usr/bin:/bin",
            "TF_ENABLE_ONEDNN_OPTS": "0",
        }
        salida = os.path.join(temporal, "salida.txt")
        if aislado:
            carpetas = {
                "/trabajo": (trabajo, True),
                "/canal": (canal, True),
                "/config/trabajo.json": (ruta_trabajo, False),
                "/arnes/arnes.py": (ARNES, False),
            }
            orden = [sys.executable, "-I", "-u", "/arnes/arnes.py", "/config/trabajo.json"]
            ejecucion = aislamiento.ejecutar(orden, salida, limites, clave, True, carpetas, entorno)
        else:
            # `sh` queda como padre del arnés: un os.kill(os.getppid(), 9) no llega al calificador
            orden = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-I", "-u", ARNES, ruta_trabajo]
            ejecucion = aislamiento.ejecutar(orden, salida, limites, clave, False, entorno=entorno, cwd=trabajo)
        observacion.segundos = ejecucion.segundos
        observacion.salida = _leer_salida(salida)
        _leer_canal(observacion, canal, clave)
        observacion.error = _explicar(ejecucion, observacion, limites)
    # Los modelos se reconstruyen (fuera de este proceso) mientras las demás entregas siguen ejecutándose.
    descripciones = reconstruccion.describir_configs(observacion.configs.values(), limites.memoria, limites.tiempo)
    observacion.descripciones = {suma: descripciones[texto] for suma, texto in observacion.configs.items()}
    sin = sum(d is None for d in observacion.descripciones.values())
    if sin:
        observacion.avisos.append(
            f"{sin} de {len(observacion.descripciones)} configuraciones de modelos no se pudieron reconstruir en el "
            "calificador (capas propias o Lambda, o más memoria o tiempo de los permitidos): esos modelos no se juzgan."
        )
    return observacion


def _leer_canal(observacion, canal, clave):
    ruta = os.path.join(canal, "eventos.jsonl")
    if not os.path.isfile(ruta) or os.path.islink(ruta):
        return
    falsos = 0
    with open(ruta, "rb") as f:
        datos = f.read(MAX_EVENTOS)
    for linea in datos.splitlines():
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
            observacion.eventos.append(evento)
        except (ValueError, KeyError, TypeError, AttributeError):
            falsos += 1
    if falsos:
        observacion.avisos.append(f"Se descartaron {falsos} líneas del canal de resultados sin firma válida.")
    leidos = 0
    for suma in {
        e["config"] for e in observacion.eventos if e["tipo"] == "modelo" and isinstance(e.get("config"), str)
    }:
        if len(observacion.configs) >= MAX_MODELOS or leidos > MAX_CONFIGS:
            observacion.avisos.append(
                f"Solo se leyeron {len(observacion.configs)} configuraciones de modelos (el máximo)."
            )
            break
        if not re.fullmatch(r"[0-9a-f]{64}", suma):
            continue
        archivo = os.path.join(canal, "modelos", f"{suma}.json")
        if os.path.islink(archivo) or not os.path.isfile(archivo):
            continue
        with open(archivo, "rb") as f:
            contenido = f.read(MAX_CONFIG + 1)
        if len(contenido) <= MAX_CONFIG and hashlib.sha256(contenido).hexdigest() == suma:
            observacion.configs[suma] = contenido.decode("utf-8", "replace")
            leidos += len(contenido)


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
        archivos = f"{aislamiento.MAX_ARCHIVOS:,}".replace(",", ".")
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
