"""Informes de una calificación: `results.json` (formato de Gradescope), `informe.md` y la tabla de la terminal.

Un *informe* es un diccionario: `estudiante`, `entrega`, `archivos`, `nota`, `maximo`, `error` (la
ejecución no terminó), `errores` (cada error distinto de la ejecución, una vez), `adaptaciones` (lo de
Keras 2 o Colab que se adaptó), `soluciones` (módulos del paquete que intentó importar), `avisos`,
`salida`, `segundos` y `pruebas`, una lista de `{id, titulo, puntos, puntuacion, estado, mensaje}` con
`estado` "passed" o "failed", como en Gradescope.
"""

import html
import os
import re

from utilidades.resultados import escribir_json, escribir_texto

NOMBRE_RESULTADOS = "results.json"
NOMBRE_INFORME = "informe.md"
_RUIDO = re.compile(r"^(?:[IWE]\d{4} |WARNING: All log messages|To enable the following instructions)")


def linea(texto):
    """Un texto de la entrega (mensaje de error, nombre de archivo o de capa) como una sola línea de Markdown.

    Sin saltos de línea ni HTML: lo que escriba la entrega no puede añadir líneas al informe (una nota
    falsa, filas de una tabla) ni etiquetas.
    """
    return re.sub(r"\s*[\r\n]+\s*", " ⏎ ", str(texto)).replace("<", "&lt;")


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def celda(valor):
    """Un texto de la entrega como celda de CSV que ninguna hoja de cálculo toma por fórmula.

    Como aconseja OWASP (CSV injection): un texto que empieza por `=`, `+`, `-`, `@`, tabulador o retorno
    de carro lleva delante una comilla simple, y LibreOffice o Excel lo muestran como texto. Los números
    (las notas) no se tocan.
    """
    if isinstance(valor, str) and valor.startswith(_FORMULA):
        return "'" + valor
    return valor


def bloque(texto):
    """Un texto de la entrega entre vallas de código que su contenido no puede cerrar (CommonMark)."""
    texto = str(texto)
    valla = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", texto)), default=0))
    return [valla + "text", texto, valla]


def cifra(valor):
    """3.0 -> '3', 0.857 -> '0.86'."""
    return f"{round(float(valor), 2):g}"


def resultados_gradescope(informe):
    """El diccionario de `results.json`: `score`, `tests[]` (`name`, `score`, `max_score`, `status`, `output`)."""
    return {
        "score": informe["nota"],
        "execution_time": informe["segundos"],
        "output": "\n".join(filter(None, [informe["error"], *informe.get("errores", []), *informe["avisos"]])),
        "tests": [
            {
                "name": prueba["titulo"],
                "number": str(numero),
                "score": prueba["puntuacion"],
                "max_score": prueba["puntos"],
                "status": prueba["estado"],
                "output": prueba["mensaje"],
            }
            for numero, prueba in enumerate(informe["pruebas"], start=1)
        ],
        "extra_data": {
            "estudiante": informe.get("estudiante"),
            "entrega": informe["entrega"],
            "max_score": informe["maximo"],
            "adaptaciones": informe.get("adaptaciones", []),
        },
    }


def markdown(informe):
    """El informe para el estudiante, en Markdown."""
    archivos = ", ".join(f"`{linea(a)}`" for a in informe.get("archivos", [])) or (
        f"`{linea(os.path.basename(informe['entrega']))}`"
    )
    lineas = [
        f"# Calificación de {linea(informe.get('estudiante') or os.path.basename(informe['entrega']))}",
        "",
        f"Archivos ejecutados, en este orden: {archivos}.",
        "",
        f"**Nota: {cifra(informe['nota'])} / {cifra(informe['maximo'])}**",
        "",
    ]
    if informe["error"]:
        lineas += [f"> **La ejecución no terminó:** {linea(informe['error'])}", ""]
    if informe.get("revisar"):
        lineas += ["> **Se revisará a mano:** " + linea("; ".join(informe["revisar"])), ""]
    if informe.get("soluciones"):
        lineas += [
            f"> **La entrega usa las soluciones del paquete** ({linea(', '.join(informe['soluciones']))}): en la "
            "calificación no están disponibles y lo que depende de ellas no puntúa.",
            "",
        ]
    lineas += ["| | prueba | puntos |", "|---|---|---|"]
    for prueba in informe["pruebas"]:
        marca = "✅" if prueba["estado"] == "passed" else "❌"
        lineas.append(f"| {marca} | {prueba['titulo']} | {cifra(prueba['puntuacion'])} / {cifra(prueba['puntos'])} |")
    fallidas = [p for p in informe["pruebas"] if p["estado"] != "passed"]
    if fallidas:
        lineas += ["", "## Qué corregir", ""]
        for prueba in fallidas:
            lineas += [
                f"### {prueba['titulo']} ({cifra(prueba['puntuacion'])} / {cifra(prueba['puntos'])})",
                "",
                *bloque(prueba["mensaje"] or "(sin mensaje)"),
                "",
            ]
    if informe.get("errores"):
        lineas += [
            "",
            "## Errores al ejecutar la entrega",
            "",
            "Cada error distinto, una vez (la ejecución sigue con la instrucción siguiente):",
            "",
        ]
        lineas += [f"- {linea(error)}" for error in informe["errores"]]
    if informe.get("adaptaciones"):
        lineas += [
            "",
            "## Se adaptó",
            "",
            "Para ejecutar código de Keras 2 o de Colab, y para abaratar la ejecución:",
            "",
        ]
        lineas += [f"- {linea(texto)}" for texto in informe["adaptaciones"]]
    if informe["avisos"]:
        lineas += ["", "## Avisos", ""] + [f"- {linea(aviso)}" for aviso in informe["avisos"]]
    salida = salida_legible(informe["salida"])
    if salida:
        lineas += ["", "## Lo que escribió la entrega por pantalla", "", *bloque(salida)]
    return "\n".join(lineas).rstrip() + "\n"


_ESTILO_HTML = """
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #222; margin: 0; }
main { max-width: 60em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; white-space: pre-wrap; }
blockquote { border-left: 4px solid #d33; margin: 1em 0; padding: 0.2em 1em; background: #fff5f5; }
"""


def html_informe(texto, titulo):
    """El informe en Markdown como página HTML para abrir en el navegador (CommonMark con tablas).

    Sin HTML crudo: lo que el Markdown traiga de la entrega se muestra como texto, nunca como etiquetas.
    """
    from markdown_it import MarkdownIt

    cuerpo = MarkdownIt("commonmark", {"html": False}).enable("table").render(texto)
    return (
        '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(titulo)}</title>\n<style>{_ESTILO_HTML}</style>\n</head>\n"
        f"<body>\n<main>\n{cuerpo}</main>\n</body>\n</html>\n"
    )


def salida_legible(salida):
    """La salida de la entrega sin los mensajes de arranque de TensorFlow."""
    return "\n".join(linea for linea in (salida or "").splitlines() if not _RUIDO.match(linea)).strip()


def tabla(informe):
    """Líneas de la tabla de la terminal."""
    ancho = max([len(p["id"]) for p in informe["pruebas"]] + [6])
    lineas = [f"{'':2}{'prueba':<{ancho}}  {'puntos':>13}"]
    for prueba in informe["pruebas"]:
        marca = "✓" if prueba["estado"] == "passed" else "✗"
        puntos = f"{cifra(prueba['puntuacion'])} / {cifra(prueba['puntos'])}"
        lineas.append(f"{marca:2}{prueba['id']:<{ancho}}  {puntos:>13}")
    lineas.append(f"{'':2}{'TOTAL':<{ancho}}  {cifra(informe['nota']) + ' / ' + cifra(informe['maximo']):>13}")
    if informe["error"]:
        lineas.append(f"La ejecución no terminó: {linea(informe['error'])}")
    for error in informe.get("errores", [])[:5]:
        lineas.append(f"Error: {linea(error)}")
    return lineas


def escribir_informes(informe, carpeta):
    """Escribe `results.json` e `informe.md` en `carpeta` (de forma atómica); devuelve sus rutas."""
    resultados = escribir_json(os.path.join(carpeta, NOMBRE_RESULTADOS), resultados_gradescope(informe))
    texto = escribir_texto(os.path.join(carpeta, NOMBRE_INFORME), markdown(informe))
    return resultados, texto
