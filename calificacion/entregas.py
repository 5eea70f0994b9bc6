"""Entregas: encontrarlas en la carpeta de la clase, copiarlas y leer su código (`ejecucion` las ejecuta).

Una entrega es un estudiante, no un archivo: un `.py`/`.ipynb` suelto, o una carpeta (o un `.zip`) con
varios, que se ejecutan en orden natural de nombre (`p3_ej1_2`, `p3_ej3-1`, `p3_ej3-2`) en un mismo
proceso, de modo que cada archivo ve lo que definieron los anteriores. Las carpetas de Moodle
(`Nombre Apellido_123456_assignsubmission_file_`) dan el nombre del estudiante.
"""

import ast
import contextlib
import io
import json
import os
import re
import shutil
import threading
import tokenize
import unicodedata
import zipfile
from dataclasses import dataclass, field

from calificacion import dependencias
from datos.errores import ErrorDatos

EXTENSIONES = (".py", ".ipynb")
_IGNORADAS = ("__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git")
# CPython 3.11 comparte entre hilos el contador de recursión con que construye los AST: dos hilos que
# compilan o analizan código a la vez pueden dar «SystemError: AST constructor recursion depth mismatch». En una
# clase, los hilos que preparan las entregas y el que las califica (pytest reescribe la suite, `codigo` analiza
# la entrega) se turnan con este cerrojo.
CERROJO_AST = threading.Lock()
_MOODLE = re.compile(r"^(?P<nombre>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
MAX_CODIGO = 100 * 1024**2  # bytes de .py/.ipynb de una entrega (descomprimidos, si viene en un zip)
MAX_ARCHIVOS_ZIP = 2000  # archivos de código de un zip
MAX_DATOS = 300 * 1024**2  # bytes de archivos de datos que se copian de una entrega
MAX_ARCHIVO_DATOS = 100 * 1024**2  # y de cada uno


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


def clave_nombre(nombre):
    """Un nombre para compararlo con otro: sin tildes, sin mayúsculas y sin espacios de más."""
    sin_tildes = "".join(c for c in unicodedata.normalize("NFKD", str(nombre)) if not unicodedata.combining(c))
    return " ".join(sin_tildes.casefold().split())


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
    """Copia (o extrae) la entrega en `destino`; rellena `entrega.archivos` (su código) en orden natural.

    Viaja el código (`.py`, `.ipynb`, también dentro de un `.zip` que lo contenga) y los archivos de datos
    que el estudiante adjunte (`.npy`, `.txt`, pesos…), hasta `MAX_DATOS` en total y `MAX_ARCHIVO_DATOS`
    cada uno: su código los lee igual que en su máquina. Lo que no cabe se salta y se devuelve en la
    lista de avisos. Los datos del curso (CIFAR, los pájaros) los pone la calificación, en pequeño.
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
                if archivo.lower().endswith(".zip") and _zip_con_codigo(origen):
                    zips.append((origen, os.path.dirname(relativa)))
                else:
                    copias.append((origen, relativa))
    else:
        copias.append((ruta, os.path.basename(ruta)))
    # Todo el código de la entrega (suelto y dentro de sus zip) se mide antes de copiar o extraer nada.
    miembros = {zip_: _miembros_zip(zip_) for zip_, _ in zips}
    codigo = [(o, r) for o, r in copias if r.lower().endswith(EXTENSIONES)]
    tamano = sum(os.path.getsize(origen) for origen, _ in codigo)
    tamano += sum(m.file_size for lista in miembros.values() for m in lista if _es_codigo(m.filename))
    if tamano > MAX_CODIGO:
        raise ErrorLectura(
            f"{os.path.basename(os.path.normpath(ruta))} tiene {tamano / 1024**2:.0f} MB de código (.py/.ipynb): "
            f"más de los {MAX_CODIGO / 1024**2:.0f} MB de una entrega; revísela a mano"
        )
    presupuesto = _Presupuesto()
    for origen, relativa in copias:
        if relativa.lower().endswith(EXTENSIONES) or presupuesto.cabe(relativa, os.path.getsize(origen)):
            os.makedirs(os.path.join(destino, os.path.dirname(relativa)), exist_ok=True)
            shutil.copyfile(origen, os.path.join(destino, relativa))
    for zip_, carpeta in zips:
        _extraer_zip(zip_, os.path.join(destino, carpeta), miembros[zip_], presupuesto)
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
    return presupuesto.avisos() + _por_lo_que_escribe(entrega, destino)


def _por_lo_que_escribe(entrega, destino):
    """El orden de sus archivos y los adjuntos que su código regenera, por lo que escribe y lee
    (`dependencias`): devuelve los avisos para el informe."""
    usos = {}
    for relativa, ruta in entrega.archivos:
        try:
            usos[relativa] = dependencias.usos(leer_fragmentos(relativa, ruta)[0])
        except (ErrorLectura, OSError):
            continue
    avisos = []
    natural = [relativa for relativa, _ in entrega.archivos]
    orden = dependencias.ordenar(natural, usos)
    if orden != natural:
        rutas = dict(entrega.archivos)
        entrega.archivos = [(relativa, rutas[relativa]) for relativa in orden]
        avisos.append(
            "Los archivos se ejecutan en el orden en que se pasan los datos (el que escribe un archivo antes del que "
            "lo lee): " + ", ".join(orden) + "."
        )
    escritos = set().union(*(escribe for escribe, _ in usos.values())) if usos else set()
    regenerados = []
    for raiz, _, archivos in os.walk(destino):
        for archivo in archivos:
            if archivo in escritos and not archivo.lower().endswith(EXTENSIONES):
                os.remove(os.path.join(raiz, archivo))
                regenerados.append(archivo)
    if regenerados:
        avisos.append(
            "No se usaron los archivos adjuntos que escribe su propio código (se regeneran al ejecutarlo, como en una "
            "sesión nueva): " + ", ".join(sorted(regenerados)) + "."
        )
    return avisos


class _Presupuesto:
    """Los archivos de datos que caben (en total y cada uno); los que no, para avisar."""

    def __init__(self):
        self.usado = 0
        self.saltados = []

    def cabe(self, nombre, tamano):
        if tamano > MAX_ARCHIVO_DATOS or self.usado + tamano > MAX_DATOS:
            self.saltados.append(f"{nombre} ({tamano / 1024**2:.0f} MB)")
            return False
        self.usado += tamano
        return True

    def avisos(self):
        if not self.saltados:
            return []
        return [
            f"No se copiaron {len(self.saltados)} archivos de datos de la entrega por su tamaño (más de "
            f"{MAX_ARCHIVO_DATOS / 1024**2:.0f} MB cada uno o {MAX_DATOS / 1024**2:.0f} MB en total): "
            + ", ".join(self.saltados[:5])
            + "; en su lugar se sirven los datos pequeños de la calificación."
        ]


def _es_codigo(nombre):
    return nombre.lower().endswith(EXTENSIONES)


def _zip_con_codigo(ruta):
    """Si un zip dentro de una carpeta de entrega trae código (se extrae) o solo datos (se copia tal cual)."""
    try:
        with zipfile.ZipFile(ruta) as archivo:
            return any(_es_codigo(m.filename) for m in archivo.infolist()[:MAX_ARCHIVOS_ZIP])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError):
        return False


def _miembros_zip(ruta):
    """Los archivos de un zip (sin leerlos), o `ErrorLectura` si no se puede leer o tiene demasiados."""
    with _zip_legible(ruta) as archivo:
        miembros = [m for m in archivo.infolist() if not m.is_dir()]
    if sum(_es_codigo(m.filename) for m in miembros) > MAX_ARCHIVOS_ZIP or len(miembros) > 50 * MAX_ARCHIVOS_ZIP:
        raise ErrorLectura(f"el zip {os.path.basename(ruta)} tiene demasiados archivos para una entrega")
    return miembros


def _extraer_zip(ruta, destino, miembros, presupuesto):
    """Extrae `miembros` de un zip (los datos, si caben), sin rutas que salgan de `destino` ni enlaces."""
    with _zip_legible(ruta) as archivo:
        for miembro in miembros:
            nombre = miembro.filename.replace("\\", "/")
            partes = [p for p in nombre.split("/") if p not in ("", ".")]
            if not partes or ".." in partes or nombre.startswith("/") or any(p in _IGNORADAS for p in partes):
                continue
            if (miembro.external_attr >> 16) & 0o170000 == 0o120000:  # enlace simbólico
                continue
            if not _es_codigo(nombre) and not presupuesto.cabe(nombre, miembro.file_size):
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


class ErrorLectura(ErrorDatos):
    """Un archivo o zip de la entrega no se puede leer (queda en el informe del estudiante)."""


# --- leer el código -----------------------------------------------------------------------------


def leer_fragmentos(nombre, ruta):
    """`(fragmentos, avisos)` de un archivo: el `.py` entero o las celdas de código de un cuaderno.

    Las celdas pasan por las transformaciones de IPython, como en Colab (`!orden`, `%magia`, `%%time`…,
    que el arnés atiende con su `get_ipython()`); un `.py` exportado de Colab con esas líneas, también.
    Lanza `ErrorLectura` si el archivo no se puede leer.
    """
    with open(ruta, "rb") as f:
        datos = f.read()
    if nombre.lower().endswith(".py"):
        texto, aviso = _decodificar(datos, nombre)
        avisos = [aviso] if aviso else []
        if not texto.strip():
            avisos.append(f"{nombre} está vacío.")
        texto = _magias_de_colab(texto)
        if not _compila(texto):
            texto = transformar_celda(texto)
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
    fragmentos, avisos, ejecuciones = [], [], []
    for numero, celda in enumerate(celdas, start=1):
        if not isinstance(celda, dict) or celda.get("cell_type") != "code":
            continue
        fuente = celda.get("source", "")
        fuente = "".join(str(s) for s in fuente) if isinstance(fuente, list) else str(fuente)
        fragmentos.append({"nombre": f"{nombre} [celda {numero}]", "codigo": transformar_celda(fuente)})
        ejecuciones.append(celda.get("execution_count") if fuente.strip() else 0)
    if not fragmentos:
        avisos.append(f"{nombre} no tiene celdas de código.")
    orden = _orden_de_ejecucion(ejecuciones)
    if orden is not None:
        fragmentos = [fragmentos[i] for i in orden]
        avisos.append(
            f"Las celdas de {nombre} se ejecutan en el orden en que las ejecutó el estudiante (sus números In [n]), "
            "no en el que están guardadas."
        )
    return fragmentos, avisos


def _orden_de_ejecucion(ejecuciones):
    """El orden de las celdas por su `execution_count` si todas las que tienen código se ejecutaron en una sesión
    (números distintos) en un orden distinto del guardado; None si no (se ejecutan en el orden guardado)."""
    numeros = [e for e in ejecuciones if e != 0]
    if not numeros or not all(isinstance(e, int) and not isinstance(e, bool) for e in numeros):
        return None
    if len(set(numeros)) != len(numeros) or numeros == sorted(numeros):
        return None
    return sorted(range(len(ejecuciones)), key=lambda i: (ejecuciones[i] or float("inf"), i))  # las vacías, al final


_MARCA_COLAB = "# Commented out IPython magic to ensure Python compatibility."
_MAGIA_COMENTADA = re.compile(r"^(\s*)# (%{1,2}\w.*)$")
_CUERPO_QUE_SE_EJECUTA = re.compile(r"^\s*%%(time|timeit|capture)\b")


def _magias_de_colab(texto):
    """Un `.py` de «Descargar .py» de Colab, con sus magias de nuevo: Colab las comenta (`# %cd …`) y, en una
    celda `%%time`, comenta la celda entera; aquí se descomentan (sin mover ninguna línea) para que se
    ejecuten como en el cuaderno."""
    if _MARCA_COLAB not in texto:
        return texto
    lineas = texto.split("\n")
    indice = 0
    while indice < len(lineas):
        magia = _MAGIA_COMENTADA.match(lineas[indice])
        if magia and _CUERPO_QUE_SE_EJECUTA.match(magia.group(2)):
            lineas[indice] = ""
            indice += 1
            while (
                indice < len(lineas)
                and lineas[indice].lstrip().startswith("#")
                and lineas[indice].strip() != _MARCA_COLAB
            ):
                sangria = lineas[indice][: len(lineas[indice]) - len(lineas[indice].lstrip())]
                lineas[indice] = sangria + lineas[indice].lstrip()[1:].removeprefix(" ")
                indice += 1
            continue
        if magia and not magia.group(2).startswith("%%"):
            lineas[indice] = magia.group(1) + magia.group(2)
        indice += 1
    return "\n".join(lineas)


def _compila(texto):
    try:
        compile(texto, "<entrega>", "exec", flags=0x400, dont_inherit=True)  # PyCF_ONLY_AST: solo sintaxis
        return True
    except (SyntaxError, ValueError):
        return False


def transformar_celda(codigo):
    """El código de una celda como lo ejecuta IPython (`!ls` -> `get_ipython().system('ls')`…).

    Sin IPython instalado, las líneas `!`/`%` se cambian por `pass` (la numeración no cambia).
    """
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return _quitar_magias(codigo)
    try:
        return _cuerpo_transformado(TransformerManager().transform_cell(codigo))
    except Exception:  # noqa: BLE001 (una celda que IPython no entiende se ejecuta tal cual y da su error)
        return codigo


def _cuerpo_transformado(codigo):
    """En una celda `%%capture`/`%%time`, también su cuerpo pasa por las transformaciones (`!pip` dentro de
    `%%capture`): IPython lo ejecuta con `run_cell`, que las aplica."""
    try:
        arbol = ast.parse(codigo)
    except SyntaxError:
        return codigo
    if len(arbol.body) != 1 or not isinstance(arbol.body[0], ast.Expr) or not isinstance(arbol.body[0].value, ast.Call):
        return codigo
    llamada = arbol.body[0].value
    if getattr(llamada.func, "attr", None) != "run_cell_magic" or len(llamada.args) != 3:
        return codigo
    nombre, linea, cuerpo = (a.value if isinstance(a, ast.Constant) else None for a in llamada.args)
    if nombre not in ("time", "timeit", "capture", "prun") or not isinstance(cuerpo, str):
        return codigo
    return f"get_ipython().run_cell_magic({nombre!r}, {linea!r}, {transformar_celda(cuerpo)!r})\n"


def _decodificar(datos, nombre):
    """Texto de un `.py` con la codificación que declara (PEP 263) o UTF-8; si no, latin-1 con un aviso."""
    try:
        codificacion, _ = tokenize.detect_encoding(io.BytesIO(datos).readline)
        return datos.decode(codificacion).removeprefix("\ufeff"), None
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return datos.decode("latin-1"), f"{nombre} no está en UTF-8 ni declara su codificación: se leyó como latin-1."


def _quitar_magias(codigo):
    lineas = []
    for linea in codigo.split("\n"):
        limpia = linea.lstrip()
        lineas.append(linea[: len(linea) - len(limpia)] + "pass" if limpia.startswith(("!", "%")) else linea)
    return "\n".join(lineas)
