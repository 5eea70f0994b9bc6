"""Similitud entre las entregas de una clase: huellas por *winnowing* (el método de MOSS), con copydetect.

Cada estudiante es un documento: el código de sus archivos `.py` y de las celdas de sus cuadernos, sin
magias de Colab. copydetect lo pasa por el analizador léxico de Pygments, cambia los nombres por `V`/`F`/`O`
y los textos por `S`, quita comentarios y espacios, y toma las huellas de los trozos de `K` caracteres: el
mismo código con otros nombres o con las funciones en otro orden deja las mismas huellas. Las huellas de la
plantilla del profesor (`--plantilla`: sus funciones auxiliares, sus comentarios, el código del enunciado)
no cuentan, ni en lo común ni en lo propio de cada entrega; tampoco, como hace MOSS (su opción `-m`), las
de los trozos que están en más de `MAX_DOCUMENTOS` entregas: lo que escribe media clase es de todos.

El `.py` y el `.ipynb` del mismo estudiante (`ana.py` y `ana.ipynb`, o dos versiones dentro de su carpeta)
son una sola entrega: se queda la versión con más código, y nunca forman un par.

De cada par se da qué parte del código (sin la plantilla) de cada uno está en el otro; `similitud.csv`
ordena los pares de más a menos parecido y `similitud.html` muestra lado a lado lo que comparten los que
pasan del umbral.
"""

import collections
import html
import io
import json
import os
import tokenize
import zipfile
from dataclasses import dataclass, field

from calificacion import entregas
from calificacion.informes import celda
from utilidades.resultados import escribir_csv, escribir_texto

K = 25  # caracteres del código filtrado que forman una huella (el «noise threshold» de copydetect)
VENTANA = 1  # con K igual al umbral de garantía, como copydetect por omisión: todas las huellas
UMBRAL = 0.5  # fracción del código propio de uno de los dos que está en el otro
MINIMO_COMUN = 4 * K  # caracteres filtrados en común por debajo de los cuales un par nunca se señala
MAX_DOCUMENTOS = 10  # un trozo en más entregas que estas es de todos: no cuenta (la opción -m de MOSS)
NOMBRE_CSV = "similitud.csv"
NOMBRE_HTML = "similitud.html"
_CONTEXTO = 3  # líneas de contexto alrededor de cada pasaje compartido en el HTML


@dataclass
class Documento:
    """El código de un estudiante para compararlo: su texto, de qué archivos sale y sus huellas."""

    estudiante: str
    texto: str = ""
    archivos: list = field(default_factory=list)
    huella: object = None


@dataclass
class Par:
    """Dos estudiantes y cuánto del código propio de cada uno está en el otro (fracciones de 0 a 1)."""

    a: Documento
    b: Documento
    de_a: float
    de_b: float
    comun: int  # caracteres del código filtrado en común
    pasajes: tuple = ()  # (inicios y finales en el texto de a, ídem en b)

    @property
    def similitud(self):
        return max(self.de_a, self.de_b)


@dataclass
class Resultado:
    """Los pares, del más parecido al menos, y las entregas que no se pudieron leer (con el motivo)."""

    pares: list
    documentos: list
    omitidas: list
    umbral: float = UMBRAL
    plantillas: list = field(default_factory=list)

    def senalados(self):
        return [p for p in self.pares if sospechoso(p, self.umbral)]

    def cuenta(self):
        """«1 par señalado de 66» / «3 pares señalados de 66»."""
        n = len(self.senalados())
        return f"{n} {'par señalado' if n == 1 else 'pares señalados'} de {len(self.pares)}"


def sospechoso(par, umbral=UMBRAL):
    """Si el par pasa del umbral con bastante código en común (un par de líneas iguales no basta)."""
    return par.similitud >= umbral and par.comun >= MINIMO_COMUN


# --- leer el código ------------------------------------------------------------------------------


def _sin_magias(codigo):
    """Las líneas `!orden`, `%magia` y `%%celda` de Colab, vacías (el resto, tal cual)."""
    return "\n".join("" if linea.lstrip().startswith(("!", "%")) else linea for linea in codigo.split("\n"))


def _fragmentos(nombre, datos):
    """El código de un archivo: el `.py` entero o cada celda de código del cuaderno, sin magias."""
    if nombre.lower().endswith(".py"):
        try:  # en la codificación que declara (PEP 263) o en UTF-8; si no, latin-1, como al ejecutarla
            texto = datos.decode(tokenize.detect_encoding(io.BytesIO(datos).readline)[0])
        except (SyntaxError, UnicodeDecodeError, LookupError):
            texto = datos.decode("latin-1")
        return [(nombre, _sin_magias(texto.removeprefix("\ufeff")))]
    try:
        cuaderno = json.loads(datos.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise entregas.ErrorLectura(f"el cuaderno {nombre} no es un JSON válido") from None
    celdas = cuaderno.get("cells") if isinstance(cuaderno, dict) else None
    if not isinstance(celdas, list):
        raise entregas.ErrorLectura(f"{nombre} no parece un cuaderno de Jupyter")
    partes = []
    for numero, celda_ in enumerate(celdas, start=1):
        if isinstance(celda_, dict) and celda_.get("cell_type") == "code":
            fuente = celda_.get("source", "")
            fuente = "".join(map(str, fuente)) if isinstance(fuente, list) else str(fuente)
            partes.append((f"{nombre} [celda {numero}]", _sin_magias(fuente)))
    return partes


def _archivos_de_codigo(ruta):
    """`(nombre relativo, bytes)` de cada `.py`/`.ipynb` de una entrega (archivo, carpeta o zip), sin copiarla.

    Como al ejecutarla: sin enlaces, ocultos ni carpetas de sistema, con los zip de código de dentro, y no
    más de `entregas.MAX_CODIGO` bytes de código en total (`ErrorLectura` si pasa).
    """
    leidos, total = [], 0

    def anadir(nombre, tamano, leer):
        nonlocal total
        total += tamano
        if total > entregas.MAX_CODIGO:
            raise entregas.ErrorLectura(f"más de {entregas.MAX_CODIGO / 1024**2:.0f} MB de código")
        leidos.append((nombre, leer()))

    def de_zip(zip_, prefijo=""):
        try:
            with zipfile.ZipFile(zip_) as archivo:
                for miembro in archivo.infolist()[: entregas.MAX_ARCHIVOS_ZIP * 50]:
                    partes = [p for p in miembro.filename.replace("\\", "/").split("/") if p not in ("", ".")]
                    if miembro.is_dir() or not partes or ".." in partes or not _es_codigo(partes[-1]):
                        continue
                    if any(p in _IGNORADAS or p.startswith(".") for p in partes):
                        continue
                    anadir(os.path.join(prefijo, *partes), miembro.file_size, lambda m=miembro: archivo.read(m))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError) as error:
            raise entregas.ErrorLectura(f"no se puede leer el zip {os.path.basename(zip_)}: {error}") from None

    if os.path.isfile(ruta) and ruta.lower().endswith(".zip"):
        de_zip(ruta)
    elif os.path.isdir(ruta):
        for raiz, carpetas, archivos in os.walk(ruta, followlinks=False):
            carpetas[:] = sorted(c for c in carpetas if c not in _IGNORADAS and not c.startswith("."))
            for archivo in sorted(archivos):
                origen = os.path.join(raiz, archivo)
                if os.path.islink(origen) or archivo.startswith(".") or not os.path.isfile(origen):
                    continue  # ni enlaces, ni ocultos, ni tuberías o dispositivos
                relativa = os.path.relpath(origen, ruta)
                if _es_codigo(archivo):
                    anadir(relativa, os.path.getsize(origen), lambda o=origen: _leer(o))
                elif archivo.lower().endswith(".zip"):
                    de_zip(origen, os.path.dirname(relativa))
    elif os.path.isfile(ruta) and _es_codigo(ruta):
        anadir(os.path.basename(ruta), os.path.getsize(ruta), lambda: _leer(ruta))
    return leidos


_IGNORADAS = ("__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git")


def _es_codigo(nombre):
    return nombre.lower().endswith(entregas.EXTENSIONES)


def _leer(ruta):
    with open(ruta, "rb") as f:
        return f.read()


def _una_version(archivos):
    """De `p3.py` y `p3.ipynb` (el mismo archivo en sus dos formas), solo la que tiene más código."""
    elegidos = {}
    for nombre, fragmentos in archivos:
        raiz = os.path.splitext(nombre)[0].lower()
        largo = sum(len(codigo.strip()) for _, codigo in fragmentos)
        if raiz not in elegidos or largo > elegidos[raiz][0]:
            elegidos[raiz] = (largo, nombre, fragmentos)
    return sorted(((n, f) for _, n, f in elegidos.values()), key=lambda par: entregas.orden_natural(par[0]))


def documento(estudiante, rutas):
    """El `Documento` de un estudiante con sus entregas (`rutas`); `ErrorLectura` si no tiene código legible."""
    archivos = []
    for ruta in rutas:
        for nombre, datos in _archivos_de_codigo(ruta):
            try:
                archivos.append((nombre, _fragmentos(nombre, datos)))
            except entregas.ErrorLectura:
                continue  # un archivo ilegible no se compara; el resto de la entrega, sí
    partes, nombres = [], []
    for nombre, fragmentos in _una_version(archivos):
        nombres.append(nombre)
        for titulo, codigo in fragmentos:
            partes.append(f"# ─── {_una_linea(titulo)} ───\n{codigo.rstrip()}\n")
    texto = "\n".join(partes)
    if not any(codigo.strip() for _, fragmentos in archivos for _, codigo in fragmentos):
        raise entregas.ErrorLectura("no tiene código .py ni .ipynb legible")
    return Documento(estudiante, texto, nombres)


def _una_linea(texto):
    return " ".join(str(texto).split())


def agrupar(lista):
    """`{estudiante: [rutas]}`: `ana.py` y `ana.ipynb` (dos entregas para el calificador) son una misma persona."""
    grupos = {}
    for entrega in lista:
        nombre = entregas.nombre_estudiante(os.path.basename(os.path.normpath(entrega.ruta)))
        grupos.setdefault(entregas.clave_nombre(nombre), (nombre, []))[1].append(entrega.ruta)
    return dict(grupos.values())


# --- comparar ------------------------------------------------------------------------------------


@dataclass
class Huella:
    """Las huellas de un documento: lo que `copydetect.detector.compare_files` lee de un `CodeFingerprint`.

    Se hacen con las funciones de copydetect, en dos pasos: el código se filtra (Pygments) una vez, y las
    huellas se toman de nuevo, sin volver a filtrarlo, cuando se sabe qué trozos son de toda la clase.
    """

    raw_code: str
    filtered_code: str
    offsets: object
    k: int = K
    hashes: set = field(default_factory=set)
    hash_idx: dict = field(default_factory=dict)
    token_coverage: int = 0

    def tomar(self, excluidas):
        """Las huellas (winnowing) del código filtrado, sin las de `excluidas` (array ordenado)."""
        from copydetect.utils import get_document_fingerprints, get_token_coverage

        self.hashes, self.hash_idx = get_document_fingerprints(self.filtered_code, K, VENTANA, excluidas)
        self.token_coverage = get_token_coverage(self.hash_idx, K, len(self.filtered_code))
        return self


def _huella(texto, excluidas=None):
    from copydetect.utils import filter_code

    filtrado, desplazamientos = filter_code(texto, "entrega.py")  # el nombre elige el analizador de Python
    return Huella(texto, filtrado, desplazamientos).tomar(excluidas)


def _frecuentes(documentos):
    """Las huellas que están en más de `MAX_DOCUMENTOS` entregas: código de todos, no de una copia."""
    import numpy as np

    cuenta = collections.Counter(h for doc in documentos for h in doc.huella.hashes)
    return np.array(sorted(h for h, n in cuenta.items() if n > MAX_DOCUMENTOS), dtype=np.int64)


def comprobar_plantillas(rutas):
    """Que cada plantilla es un `.py` o `.ipynb` legible (antes de calificar): `ErrorEntrega` si no."""
    for ruta in rutas:
        if not os.path.isfile(ruta) or not _es_codigo(ruta):
            raise entregas.ErrorEntrega(
                f"La plantilla «{ruta}» no es un archivo .py ni .ipynb: indique el archivo que reparte el enunciado."
            )
        try:
            _fragmentos(os.path.basename(ruta), _leer(ruta))
        except entregas.ErrorLectura as error:
            raise entregas.ErrorEntrega(f"No se puede leer la plantilla «{ruta}»: {error}.") from None


def huellas_plantilla(rutas):
    """Las huellas de la plantilla del profesor (`.py` o `.ipynb`), todas (ventana 1), para excluirlas."""
    import numpy as np

    comprobar_plantillas(rutas)
    huellas = set()
    for ruta in rutas:
        fragmentos = _fragmentos(os.path.basename(ruta), _leer(ruta))
        huellas |= _huella("\n".join(codigo for _, codigo in fragmentos)).hashes
    return np.array(sorted(huellas), dtype=np.int64)


def comparar_clase(lista, plantillas=(), umbral=UMBRAL):
    """Compara todas las entregas de la clase dos a dos; devuelve un `Resultado` con los pares ordenados."""
    import numpy as np
    from copydetect.detector import compare_files

    plantilla = huellas_plantilla(plantillas) if plantillas else np.array([], dtype=np.int64)
    documentos, omitidas = [], []
    for estudiante, rutas in agrupar(lista).items():
        try:
            doc = documento(estudiante, rutas)
        except (entregas.ErrorLectura, OSError) as error:
            omitidas.append((estudiante, str(error)))
            continue
        doc.huella = _huella(doc.texto, plantilla)
        documentos.append(doc)
    frecuentes = _frecuentes(documentos)
    if frecuentes.size:  # como la opción -m de MOSS: lo que está en muchas entregas no cuenta
        excluidas = np.union1d(plantilla, frecuentes)
        for doc in documentos:
            doc.huella.tomar(excluidas)
    pares = []
    for i, a in enumerate(documentos):
        for b in documentos[i + 1 :]:
            comun, (de_a, de_b), pasajes = compare_files(a.huella, b.huella)
            pares.append(Par(a, b, float(de_a), float(de_b), int(comun), pasajes if comun else ()))
    pares.sort(key=lambda p: (-p.similitud, -p.comun, p.a.estudiante, p.b.estudiante))
    return Resultado(pares, documentos, omitidas, umbral, [os.path.basename(p) for p in plantillas])


# --- escribir ------------------------------------------------------------------------------------


def _porcentaje(fraccion):
    return round(100 * fraccion, 1)


def escribir_similitud(resultado, salida):
    """Escribe `similitud.csv` (todos los pares, del más parecido al menos) y `similitud.html`; devuelve sus rutas."""
    filas = [
        {
            "estudiante_a": celda(par.a.estudiante),
            "estudiante_b": celda(par.b.estudiante),
            "similitud": _porcentaje(par.similitud),
            "de_a_en_b": _porcentaje(par.de_a),
            "de_b_en_a": _porcentaje(par.de_b),
            "caracteres_comunes": par.comun,
            "senalado": "sí" if sospechoso(par, resultado.umbral) else "no",
        }
        for par in resultado.pares
    ]
    columnas = ["estudiante_a", "estudiante_b", "similitud", "de_a_en_b", "de_b_en_a", "caracteres_comunes", "senalado"]
    ruta_csv = escribir_csv(os.path.join(salida, NOMBRE_CSV), filas, columnas)
    ruta_html = escribir_texto(os.path.join(salida, NOMBRE_HTML), pagina(resultado))
    return ruta_csv, ruta_html


_ESTILO = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
td.cifra { text-align: right; }
tr.senalado td { background: #fde2e2; }
.lado-a-lado { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap; }
mark { background: #ffd54f; }
"""


def pagina(resultado):
    """La página HTML: el método, la tabla de los pares más parecidos y, de cada par señalado, lo que comparten."""
    from importlib.metadata import version

    e = html.escape
    senalados = resultado.senalados()
    plantilla = ", ".join(resultado.plantillas) or "ninguna (los pares comparten también el código del enunciado)"
    partes = [
        "<!DOCTYPE html>",
        '<html lang="es"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Similitud entre las entregas</title><style>{_ESTILO}</style></head><body>",
        "<h1>Similitud entre las entregas</h1>",
        f"<p>{len(resultado.documentos)} entregas comparadas dos a dos: <strong>{resultado.cuenta()}</strong> "
        f"(al menos el {_porcentaje(resultado.umbral):g} % del "
        f"código propio de uno está en el otro, con al menos {MINIMO_COMUN} caracteres en común).</p>",
        f"<p>Método: huellas de <em>winnowing</em> (el de MOSS) con copydetect {e(version('copydetect'))}, sobre el "
        f"código sin comentarios con los nombres y los textos sustituidos (trozos de {K} caracteres): cambiar "
        f"nombres o el orden de las funciones no cambia las huellas. Plantilla excluida: {e(plantilla)}; "
        f"tampoco cuenta lo que está en más de {MAX_DOCUMENTOS} entregas. "
        "Un par señalado es un aviso para mirar el código, no una prueba de copia.</p>",
    ]
    if resultado.omitidas:
        partes.append("<p>Sin comparar (sin código legible):</p><ul>")
        partes += [f"<li>{e(nombre)}: {e(motivo)}</li>" for nombre, motivo in resultado.omitidas]
        partes.append("</ul>")
    mostrados = senalados + [p for p in resultado.pares if p not in senalados][:10]
    partes += _tabla(mostrados, resultado.umbral)
    for numero, par in enumerate(senalados, start=1):
        partes += _lado_a_lado(numero, par)
    partes.append("</body></html>")
    return "\n".join(partes) + "\n"


def _tabla(pares, umbral):
    e = html.escape
    filas = [
        "<table><thead><tr><th>#</th><th>estudiante A</th><th>estudiante B</th><th>similitud</th>"
        "<th>de A en B</th><th>de B en A</th><th>caracteres en común</th></tr></thead><tbody>"
    ]
    for numero, par in enumerate(pares, start=1):
        marca = sospechoso(par, umbral)
        enlace = f'<a href="#par-{numero}">{numero}</a>' if marca else str(numero)
        filas.append(
            f'<tr class="{"senalado" if marca else ""}"><td>{enlace}</td><td>{e(par.a.estudiante)}</td>'
            f"<td>{e(par.b.estudiante)}</td><td class='cifra'>{_porcentaje(par.similitud):g} %</td>"
            f"<td class='cifra'>{_porcentaje(par.de_a):g} %</td><td class='cifra'>{_porcentaje(par.de_b):g} %</td>"
            f"<td class='cifra'>{par.comun}</td></tr>"
        )
    filas.append("</tbody></table>")
    return filas


def _lado_a_lado(numero, par):
    """Los dos códigos, uno junto a otro, con lo compartido resaltado y solo unas líneas de contexto."""
    from copydetect.utils import highlight_overlap

    e = html.escape
    columnas = []
    for doc, pasajes, fraccion in ((par.a, par.pasajes[0], par.de_a), (par.b, par.pasajes[1], par.de_b)):
        resaltado, _ = highlight_overlap(doc.texto, pasajes, "<mark>", "</mark>", truncate=_CONTEXTO, escape_html=True)
        columnas.append(
            f"<div><h3>{e(doc.estudiante)} ({_porcentaje(fraccion):g} % de su código)</h3>"
            f"<p>{e(', '.join(doc.archivos))}</p><pre>{resaltado}</pre></div>"
        )
    return [
        f'<section id="par-{numero}"><h2>{numero}. {e(par.a.estudiante)} — {e(par.b.estudiante)} '
        f"({_porcentaje(par.similitud):g} %)</h2>",
        '<div class="lado-a-lado">',
        *columnas,
        "</div></section>",
    ]
