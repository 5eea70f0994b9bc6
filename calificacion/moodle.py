"""Devolver a Moodle lo calificado: la hoja de calificaciones y un zip con los informes de cada estudiante.

- *Hoja de calificaciones* (la de «Descargar hoja de calificaciones» de la tarea, que «Subir hoja de
  calificaciones» acepta; complemento `assignfeedback_offline`). Moodle busca sus columnas por el
  encabezado, en el idioma del profesor: «Identificador» («Participante 123456», el número de la carpeta
  de la entrega), «Calificación» y «Última modificación (calificación)» (obligatorias), y
  «Comentarios de retroalimentación» si la tarea los tiene. Con `--hoja`, se rellena la que el profesor
  descargó: mismas filas, columnas, orden, codificación, BOM, separador y formato decimal; solo cambian la
  calificación y el comentario de quien tiene entrega. Sin ella, se escribe una nueva con las columnas de
  Moodle.
- *Zip de retroalimentación* («Subir múltiples archivos de retroalimentación en un zip», del complemento
  `assignfeedback_file`): una carpeta por participante con el nombre que da Moodle al descargar las
  entregas (`Nombre Apellido_123456_assignsubmission_file_`: Moodle lee el número entre el primer y el
  segundo `_`) y dentro `informe.html` (el informe, para abrirlo en el navegador) e `informe.md`.
"""

import csv
import html
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from calificacion import entregas
from calificacion.informes import cifra, html_informe, markdown
from datos.errores import ErrorDatos
from utilidades.resultados import escribir_atomico

CARPETA = "moodle"
NOMBRE_HOJA = "hoja_calificaciones.csv"
NOMBRE_ZIP = "retroalimentacion.zip"
IDIOMAS = ("es", "en")

# Encabezados de la hoja (cadenas de Moodle: assign/recordid, grade, assign/maxgrade…), en su orden.
COLUMNAS = {
    "es": {
        "identificador": "Identificador",
        "nombre": "Nombre completo",
        "correo": "Dirección de correo",
        "estado": "Estado",
        "calificacion": "Calificación",
        "maximo": "Calificación máxima",
        "cambiable": "La calificación puede ser cambiada",
        "modificada_entrega": "Última modificación (entrega)",
        "modificada": "Última modificación (calificación)",
        "comentarios": "Comentarios de retroalimentación",
    },
    "en": {
        "identificador": "Identifier",
        "nombre": "Full name",
        "correo": "Email address",
        "estado": "Status",
        "calificacion": "Grade",
        "maximo": "Maximum grade",
        "cambiable": "Grade can be changed",
        "modificada_entrega": "Last modified (submission)",
        "modificada": "Last modified (grade)",
        "comentarios": "Feedback comments",
    },
}
# Otras formas de los mismos encabezados (paquetes de idioma es_mx, es_ve…).
_VARIANTES = {
    "cambiable": ("La calificación puede cambiarse",),
    "correo": ("Correo electrónico", "Dirección Email"),
    "nombre": ("Nombre",),
}
_PARTICIPANTE = {"es": "Participante", "en": "Participant"}
_ENVIADO = {"es": "Enviado para calificar", "en": "Submitted for grading"}
_SI = {"es": "Sí", "en": "Yes"}
_DECIMAL = {"es": ",", "en": "."}
_OBLIGATORIAS = ("identificador", "calificacion", "modificada")
_AUTOMATICA = "Calificación automática:"
_MAX_PRUEBAS = 3  # pruebas por corregir que nombra el comentario (las demás, en el informe)


class ErrorHoja(ErrorDatos):
    """La hoja de calificaciones indicada no es la de Moodle (o no se puede leer): un mensaje que dice qué hacer."""


@dataclass
class Hoja:
    """Una hoja de calificaciones: encabezados, filas y cómo está escrita (para escribirla igual)."""

    columnas: list
    filas: list
    idioma: str = "es"
    ruta: str | None = None
    codificacion: str = "utf-8"
    bom: bool = True
    separador: str = ","
    fin_de_linea: str = "\n"
    comillas_php: bool = True  # Moodle escribe con fputcsv: entre comillas todo lo que lleva espacios
    indices: dict = field(default_factory=dict)

    def valor(self, fila, concepto):
        indice = self.indices.get(concepto)
        return fila[indice] if indice is not None and indice < len(fila) else ""

    def poner(self, fila, concepto, valor):
        indice = self.indices.get(concepto)
        if indice is not None:
            fila.extend([""] * (indice + 1 - len(fila)))
            fila[indice] = valor


# --- leer la hoja ----------------------------------------------------------------------------------


def _normalizar(texto):
    return " ".join(str(texto).replace("\ufeff", "").split()).casefold()


def _conceptos():
    """`{encabezado normalizado: (concepto, idioma)}` de todos los encabezados conocidos."""
    conocidos = {}
    for idioma, columnas in COLUMNAS.items():
        for concepto, encabezado in columnas.items():
            conocidos[_normalizar(encabezado)] = (concepto, idioma)
    for concepto, variantes in _VARIANTES.items():
        conocidos.update({_normalizar(v): (concepto, "es") for v in variantes})
    return conocidos


def leer_hoja(ruta):
    """La hoja que el profesor descargó de Moodle; `ErrorHoja` (una línea que dice qué hacer) si no lo es."""
    ruta = os.fspath(ruta)
    if not os.path.isfile(ruta):
        raise ErrorHoja(
            f"No existe la hoja de calificaciones «{ruta}»: descárguela de la tarea en Moodle («Ver todas las "
            "entregas» > «Acción de calificación» > «Descargar hoja de calificaciones») y compruebe la ruta."
        )
    with open(ruta, "rb") as f:
        datos = f.read()
    bom = datos.startswith(b"\xef\xbb\xbf")
    try:
        texto, codificacion = datos.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        texto, codificacion = datos.decode("cp1252", errors="replace"), "cp1252"  # guardada con Excel
    if not texto.strip():
        raise ErrorHoja(f"La hoja de calificaciones «{ruta}» está vacía: descárguela de nuevo de Moodle.")
    primera = texto.splitlines()[0]
    separador = max((",", ";", "\t"), key=primera.count)
    filas = [fila for fila in csv.reader(io.StringIO(texto, newline=""), delimiter=separador) if any(fila)]
    hoja = Hoja(
        columnas=filas[0],
        filas=filas[1:],
        ruta=ruta,
        codificacion=codificacion,
        bom=bom,
        separador=separador,
        fin_de_linea="\r\n" if "\r\n" in texto else "\n",
        comillas_php='"' in primera,
    )
    _localizar_columnas(hoja, ruta)
    return hoja


def _localizar_columnas(hoja, ruta):
    conocidos, idiomas = _conceptos(), []
    for indice, encabezado in enumerate(hoja.columnas):
        concepto, idioma = conocidos.get(_normalizar(encabezado), (None, None))
        if concepto and concepto not in hoja.indices:
            hoja.indices[concepto] = indice
            idiomas.append(idioma)
    faltan = [c for c in _OBLIGATORIAS if c not in hoja.indices]
    if faltan:
        nombres = " y ".join(f"«{COLUMNAS['es'][c]}» («{COLUMNAS['en'][c]}»)" for c in faltan)
        raise ErrorHoja(
            f"«{ruta}» no parece la hoja de calificaciones de Moodle: le falta la columna {nombres}. Descárguela "
            "con «Descargar hoja de calificaciones» de la tarea y pásela sin cambiar sus encabezados."
        )
    hoja.idioma = max(IDIOMAS, key=idiomas.count)
    if not any(participante(hoja.valor(fila, "identificador")) for fila in hoja.filas):
        raise ErrorHoja(
            f"La hoja «{ruta}» no tiene ningún participante («Participante 123456» en «Identificador»): "
            "descárguela de nuevo de la tarea en Moodle."
        )


def participante(texto):
    """El número de participante de «Participante 123456» («Participant 123456»), o None."""
    encontrado = re.search(r"(\d+)\s*$", str(texto))
    return (encontrado.group(1).lstrip("0") or "0") if encontrado else None


def nueva_hoja(idioma="es"):
    """Una hoja con las columnas de la de Moodle, sin filas (para cuando no se indica `--hoja`)."""
    columnas = COLUMNAS[idioma]
    return Hoja(list(columnas.values()), [], idioma, indices={c: i for i, c in enumerate(columnas)})


# --- números en el formato de la hoja -------------------------------------------------------------


def _formato_decimal(hoja):
    """`(separador, decimales)` de los números de la hoja (la calificación máxima: «10,00»)."""
    for fila in hoja.filas:
        valor = hoja.valor(fila, "maximo").strip() or hoja.valor(fila, "calificacion").strip()
        encontrado = re.fullmatch(r"-?\d+(?:([.,])(\d+))?", valor)
        if encontrado and encontrado.group(1):
            return encontrado.group(1), len(encontrado.group(2))
        if encontrado:
            return _DECIMAL[hoja.idioma], 0
    return _DECIMAL[hoja.idioma], 2


def _numero(texto):
    try:
        return float(str(texto).strip().replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def _escribir_numero(valor, separador, decimales):
    return f"{valor:.{decimales}f}".replace(".", separador)


def _cifra(valor, separador):
    return cifra(valor).replace(".", separador)


# --- emparejar y rellenar ---------------------------------------------------------------------------


@dataclass
class Calificado:
    """Un estudiante calificado: su entrega, su informe y, si se sabe, su número de participante."""

    entrega: object  # entregas.Entrega
    informe: dict
    carpeta_informe: str  # donde están su informe.md y su results.json
    participante: str | None = None
    nombre_moodle: str | None = None  # como lo escribe Moodle (carpeta de la descarga o la hoja)


def de_la_descarga(entrega):
    """`(nombre, participante)` de una entrega con nombre de Moodle (`Ana Ruiz_123_assignsubmission_file_`)."""
    nombre = os.path.basename(os.path.normpath(entrega.ruta))
    raiz, extension = os.path.splitext(nombre)
    coincidencia = entregas._MOODLE.match(raiz if extension.lower() in (*entregas.EXTENSIONES, ".zip") else nombre)
    if not coincidencia:
        return None, None
    return coincidencia.group("nombre").strip(), participante(coincidencia.group("id"))


def comprobar_hoja(hoja, lista, carpeta):
    """Antes de calificar: que la hoja es de la tarea de estas entregas (algún número de participante coincide)."""
    numeros = {de_la_descarga(e)[1] for e in lista} - {None}
    en_hoja = {participante(hoja.valor(fila, "identificador")) for fila in hoja.filas}
    if numeros and not numeros & en_hoja:
        raise ErrorHoja(
            f"Ninguna entrega de «{carpeta}» está en la hoja «{hoja.ruta}» (no coincide ningún número de "
            "participante): descargue la hoja de calificaciones de la misma tarea que las entregas."
        )


@dataclass
class Emparejamiento:
    """Qué fila de la hoja es de qué estudiante, y qué entregas no tienen fila (con el motivo)."""

    filas: dict  # índice de fila -> Calificado
    sin_fila: list  # [(Calificado, motivo)]


def emparejar(hoja, calificados):
    """Empareja por número de participante (el de la carpeta de la descarga) o, si la entrega no lo tiene, por
    nombre completo, si en la hoja solo hay uno igual (sin distinguir tildes ni mayúsculas)."""
    por_numero, por_nombre = {}, {}
    for indice, fila in enumerate(hoja.filas):
        numero = participante(hoja.valor(fila, "identificador"))
        if numero:
            por_numero.setdefault(numero, indice)
        por_nombre.setdefault(entregas.clave_nombre(hoja.valor(fila, "nombre")), []).append(indice)
    filas, sin_fila = {}, []
    for calificado in calificados:
        if calificado.participante:
            indice = por_numero.get(calificado.participante)
            motivo = f"el participante {calificado.participante} no está en la hoja"
        else:
            candidatas = por_nombre.get(entregas.clave_nombre(calificado.entrega.estudiante), [])
            indice = candidatas[0] if len(candidatas) == 1 else None
            motivo = "su nombre no está en la hoja" if not candidatas else "hay varios con su nombre en la hoja"
        if indice is not None and indice in filas:
            indice, motivo = None, f"su fila ya es de {filas[indice].entrega.estudiante}"
        if indice is None:
            sin_fila.append((calificado, motivo))
            continue
        filas[indice] = calificado
        fila = hoja.filas[indice]
        calificado.participante = participante(hoja.valor(fila, "identificador"))
        calificado.nombre_moodle = hoja.valor(fila, "nombre").strip() or calificado.nombre_moodle
    return Emparejamiento(filas, sin_fila)


def comentario(informe, separador=","):
    """El comentario de retroalimentación de la hoja: la nota, lo que falta y dónde está el informe completo."""
    if not informe.get("maximo"):
        return "No se pudo calificar automáticamente: se revisará a mano."
    partes = [
        f"Calificación automática: {_cifra(informe['nota'], separador)} / {_cifra(informe['maximo'], separador)}."
    ]
    if informe.get("error"):
        error = " ".join(str(informe["error"]).split())
        partes.append(f"La ejecución no terminó: {error[:160] + ('…' if len(error) > 160 else '')}.")
    fallidas = [p for p in informe.get("pruebas", []) if p["estado"] != "passed"]
    if fallidas:
        corregir = "; ".join(
            f"{_titulo_corto(p['titulo'])} ({_cifra(p['puntuacion'], separador)} de {_cifra(p['puntos'], separador)})"
            for p in fallidas[:_MAX_PRUEBAS]
        )
        resto = f" y {len(fallidas) - _MAX_PRUEBAS} más" if len(fallidas) > _MAX_PRUEBAS else ""
        partes.append(f"Por corregir: {corregir}{resto}.")
    else:
        partes.append("Todas las pruebas superadas.")
    if informe.get("revisar"):
        partes.append("Se revisará a mano.")
    partes.append("El informe completo está en los archivos de retroalimentación (informe.html).")
    return html.escape(" ".join(partes), quote=False)  # Moodle guarda el comentario como HTML


def _titulo_corto(titulo):
    return re.split(r":| \(", str(titulo), maxsplit=1)[0].strip()


def rellenar(hoja, emparejamiento):
    """Pone la calificación (en la escala de la hoja) y el comentario de cada estudiante emparejado."""
    separador, decimales = _formato_decimal(hoja)
    for indice, calificado in emparejamiento.filas.items():
        fila, informe = hoja.filas[indice], calificado.informe
        if informe.get("maximo"):
            maximo = _numero(hoja.valor(fila, "maximo")) or informe["maximo"]
            hoja.poner(
                fila,
                "calificacion",
                _escribir_numero(informe["nota"] * maximo / informe["maximo"], separador, decimales),
            )
        if "comentarios" in hoja.indices:
            # lo que el profesor ya escribió en Moodle se conserva, delante; lo automático de antes, no
            previo = hoja.valor(fila, "comentarios").split(_AUTOMATICA)[0].strip()
            hoja.poner(fila, "comentarios", " ".join(filter(None, [previo, comentario(informe, separador)])))
    return hoja


def filas_nuevas(hoja, calificados, ahora=None):
    """Una fila por estudiante con número de participante, para una hoja nueva (`nueva_hoja`)."""
    ahora = (ahora or datetime.now().astimezone()).isoformat(timespec="seconds")  # strtotime de PHP lo lee
    maximo = max([c.informe.get("maximo") or 0 for c in calificados] + [0])  # el de la suite, el de todos
    for calificado in calificados:
        if not calificado.participante:
            continue
        valores = {
            "identificador": f"{_PARTICIPANTE[hoja.idioma]} {calificado.participante}",
            "nombre": calificado.nombre_moodle or calificado.entrega.estudiante,
            "estado": _ENVIADO[hoja.idioma],
            "maximo": _escribir_numero(maximo, _DECIMAL[hoja.idioma], 2),
            "cambiable": _SI[hoja.idioma],
            "modificada_entrega": "-",
            "modificada": ahora,
        }
        hoja.filas.append([valores.get(concepto, "") for concepto in hoja.indices])
    return hoja


# --- escribir ----------------------------------------------------------------------------------------


def _celda_php(valor, separador):
    """Como `fputcsv` de PHP (lo que usa Moodle): entre comillas si lleva separador, comillas o espacios."""
    valor = str(valor)
    if any(c in valor for c in (separador, '"', "\n", "\r", "\t", " ", "\\")):
        return '"' + valor.replace('"', '""') + '"'
    return valor


def texto_hoja(hoja):
    """El CSV de la hoja con su separador, fin de línea y forma de entrecomillar."""
    filas = [hoja.columnas, *hoja.filas]
    if hoja.comillas_php:
        lineas = [hoja.separador.join(_celda_php(v, hoja.separador) for v in fila) for fila in filas]
        return hoja.fin_de_linea.join(lineas) + hoja.fin_de_linea
    salida = io.StringIO()
    csv.writer(salida, delimiter=hoja.separador, lineterminator=hoja.fin_de_linea).writerows(filas)
    return salida.getvalue()


def escribir_hoja(hoja, ruta):
    """Escribe la hoja (de forma atómica) en su codificación, con BOM si lo tenía."""
    datos = texto_hoja(hoja).encode(hoja.codificacion, errors="replace")
    return escribir_atomico(
        ruta, (b"\xef\xbb\xbf" if hoja.bom and hoja.codificacion == "utf-8" else b"") + datos, binario=True
    )


def carpeta_zip(calificado):
    """La carpeta del participante en el zip: `Nombre Apellido_123456_assignsubmission_file_`.

    Moodle parte el nombre por `_` (el número es la segunda parte), así que el nombre no lleva ninguno.
    """
    nombre = re.sub(r"[_/\\\x00-\x1f]+", " ", calificado.nombre_moodle or calificado.entrega.estudiante)
    return f"{' '.join(nombre.split()) or 'Participante'}_{calificado.participante}_assignsubmission_file_"


def texto_informe(calificado):
    """El informe.md del estudiante (el que escribió la calificación o, si falló antes, uno con su error)."""
    ruta = os.path.join(calificado.carpeta_informe, "informe.md")
    if os.path.isfile(ruta):
        with open(ruta, encoding="utf-8") as f:
            return f.read()
    base = {"entrega": calificado.entrega.ruta, "avisos": [], "salida": "", "pruebas": [], "error": None}
    return markdown({**base, **calificado.informe})


def escribir_zip(calificados, ruta):
    """El zip de retroalimentación: por participante, su carpeta con `informe.html` e `informe.md`."""
    memoria = io.BytesIO()
    with zipfile.ZipFile(memoria, "w", zipfile.ZIP_DEFLATED) as archivo:
        for calificado in calificados:
            carpeta = carpeta_zip(calificado)
            texto = texto_informe(calificado)
            titulo = f"Calificación de {calificado.nombre_moodle or calificado.entrega.estudiante}"
            archivo.writestr(f"{carpeta}/informe.html", html_informe(texto, titulo))
            archivo.writestr(f"{carpeta}/informe.md", texto)
    return escribir_atomico(ruta, memoria.getvalue(), binario=True)


@dataclass
class Devolucion:
    """Lo escrito para Moodle: la hoja, el zip y quién quedó fuera (con el motivo)."""

    hoja: str | None
    zip: str | None
    en_hoja: int
    en_zip: int
    sin_fila: list


def preparar(calificados, salida, hoja=None, idioma="es"):
    """Escribe `salida/moodle/hoja_calificaciones.csv` y `retroalimentacion.zip`; devuelve una `Devolucion`.

    `hoja`: la hoja descargada de Moodle (`Hoja`), que se rellena; sin ella se escribe una nueva con los
    estudiantes cuyo número de participante se conoce (por el nombre de su carpeta).
    """
    for calificado in calificados:
        calificado.nombre_moodle, calificado.participante = de_la_descarga(calificado.entrega)
    if hoja is not None:
        emparejamiento = emparejar(hoja, calificados)
        rellenar(hoja, emparejamiento)
        en_hoja, sin_fila = list(emparejamiento.filas.values()), emparejamiento.sin_fila
    else:
        hoja = nueva_hoja(idioma)
        en_hoja = [c for c in calificados if c.participante]
        sin_fila = [
            (c, "su carpeta no es de una descarga de Moodle (sin número de participante)")
            for c in calificados
            if not c.participante
        ]
        rellenar(filas_nuevas(hoja, en_hoja), Emparejamiento(dict(enumerate(en_hoja)), []))
    if not en_hoja:
        return Devolucion(None, None, 0, 0, sin_fila)
    carpeta = os.path.join(salida, CARPETA)
    ruta_hoja = escribir_hoja(hoja, os.path.join(carpeta, NOMBRE_HOJA))
    ruta_zip = escribir_zip(en_hoja, os.path.join(carpeta, NOMBRE_ZIP))
    return Devolucion(ruta_hoja, ruta_zip, len(en_hoja), len(en_hoja), sin_fila)
