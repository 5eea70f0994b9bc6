"""Devolver la clase a Moodle: la hoja de calificaciones (descargada y rellenada, o nueva) y el zip de
retroalimentación con los informes en HTML, escritos como los lee Moodle (`assignfeedback_offline`,
`assignfeedback_file`). Sin calificar nada: informes escritos a mano, como los da la suite."""

import csv
import html.parser
import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from calificacion import moodle
from calificacion.entregas import Entrega
from calificacion.informes import html_informe, markdown

# Como la escribe Moodle en español (OpenSpout: BOM, `fputcsv` —entre comillas lo que lleva espacios—, fin de
# línea \n, decimales con coma y las fechas de `userdate`). 104 no entregó; la tarea es sobre 10.
HOJA_ES = (
    '\ufeffIdentificador,"Nombre completo","Dirección de correo",Estado,Calificación,"Calificación máxima",'
    '"La calificación puede ser cambiada","Última modificación (entrega)","Última modificación (calificación)",'
    '"Comentarios de retroalimentación"\n'
    '"Participante 101","Ana María Ruiz",ana@alumnos.es,"Enviado para calificar",,"10,00",Sí,'
    '"lunes, 5 de octubre de 2026, 10:00",-,\n'
    '"Participante 102","Luis Pérez Gil",luis@alumnos.es,"Enviado para calificar",,"10,00",Sí,'
    '"lunes, 5 de octubre de 2026, 11:30","martes, 6 de octubre de 2026, 09:00","Revisar el apartado 2"\n'
    '"Participante 104","Sin Entrega Nadie",nadie@alumnos.es,"No entregado",,"10,00",Sí,-,-,\n'
    '"Participante 105","Nuria Campos",nuria@alumnos.es,"Enviado para calificar",,"10,00",Sí,'
    '"lunes, 5 de octubre de 2026, 12:00",-,\n'
)

# En inglés, sobre 100, con otra columna de la tarea (texto en línea) entre medias.
HOJA_EN = (
    '\ufeffIdentifier,"Full name","Email address",Status,Grade,"Maximum grade","Grade can be changed",'
    '"Last modified (submission)","Online text","Last modified (grade)","Feedback comments"\n'
    '"Participant 101","Ana María Ruiz",ana@alumnos.es,"Submitted for grading",,100.00,Yes,'
    '"Monday, 5 October 2026, 10:00 AM",,-,\n'
)


def informe(nota, titulo_fallida="Red mejorada (BaseNet++): normalización (§3)", **extra):
    """Un informe de la suite p3 con dos pruebas: BaseNet (3) superada y otra (2) con `nota - 3` puntos."""
    pruebas = [
        {"id": "basenet", "titulo": "BaseNet: capas (§2.1)", "puntos": 3, "puntuacion": 3, "estado": "passed"},
        {
            "id": "mejorada",
            "titulo": titulo_fallida,
            "puntos": 2,
            "puntuacion": nota - 3,
            "estado": "passed" if nota == 5 else "failed",
            "mensaje": "Falta Dropout <script>alert(1)</script>",
        },
    ]
    base = {"estudiante": "x", "entrega": "x.py", "nota": nota, "maximo": 5, "error": None, "pruebas": pruebas}
    return {**base, "avisos": [], "salida": "", **extra}


def calificados(tmp_path):
    """Ana (101) y Luis (102) de la descarga de Moodle; Eva (103) no está en la hoja; Nuria, sin número (por nombre)."""
    datos = [
        ("Ana María Ruiz_101_assignsubmission_file_", informe(3.75)),
        ("Luis Pérez Gil_102_assignsubmission_file_", informe(5)),
        ("Eva Sanz_103_assignsubmission_file_", informe(4)),
        ("nuria campos.py", informe(4.5)),
    ]
    lista = []
    for nombre, inf in datos:
        (tmp_path / nombre).mkdir()
        carpeta_informe = tmp_path / "notas" / nombre
        carpeta_informe.mkdir(parents=True)
        (carpeta_informe / "informe.md").write_text(markdown(inf), encoding="utf-8")
        estudiante = nombre.split("_")[0].removesuffix(".py")
        lista.append(moodle.Calificado(Entrega(estudiante, str(tmp_path / nombre)), inf, str(carpeta_informe)))
    return lista


def test_la_hoja_descargada_se_rellena_fila_a_fila_como_la_escribe_moodle(tmp_path):
    ruta = tmp_path / "hoja.csv"
    ruta.write_bytes(HOJA_ES.encode("utf-8"))
    hoja = moodle.leer_hoja(ruta)
    assert hoja.idioma == "es" and hoja.bom and hoja.separador == ","
    devolucion = moodle.preparar(calificados(tmp_path), tmp_path / "notas", hoja)
    assert devolucion.en_hoja == 3 and [(c.entrega.estudiante, m) for c, m in devolucion.sin_fila] == [
        ("Eva Sanz", "el participante 103 no está en la hoja")
    ]
    escrito = (tmp_path / "notas" / "moodle" / "hoja_calificaciones.csv").read_bytes()
    assert escrito.startswith(b"\xef\xbb\xbf")  # el BOM, como la descargada
    original, nuevo = HOJA_ES.split("\n"), escrito.decode("utf-8").split("\n")
    assert nuevo[0] == original[0] and len(nuevo) == len(original)  # encabezados, filas y su orden
    ana = next(csv.reader([nuevo[1]]))
    # 3,75 de 5 en la suite son 7,50 sobre los 10,00 de la tarea, con dos decimales y coma, como la hoja
    assert ana[4:6] == ["7,50", "10,00"] and ',"7,50","10,00",' in nuevo[1]
    assert nuevo[1].startswith('"Participante 101","Ana María Ruiz",ana@alumnos.es,"Enviado para calificar"')
    assert '"lunes, 5 de octubre de 2026, 10:00",-,' in nuevo[1]  # las fechas de Moodle, intactas
    assert "Calificación automática: 3,75 / 5. Por corregir: Red mejorada (0,75 de 2)." in nuevo[1]
    assert "&lt;script&gt;" not in nuevo[1] and "<script>" not in nuevo[1]  # el mensaje va en el informe
    # lo que el profesor ya escribió en Moodle se conserva, y lo automático va detrás
    assert '"10,00"' in nuevo[2] and '"Revisar el apartado 2 Calificación automática: 5 / 5. Todas las' in nuevo[2]
    assert nuevo[3] == original[3]  # quien no entregó conserva su calificación vacía (la fila, intacta)
    assert '"9,00"' in nuevo[4]  # Nuria Campos: por su nombre completo (sin tildes ni mayúsculas)
    assert nuevo[-1] == ""  # termina en salto de línea
    releida = moodle.leer_hoja(tmp_path / "notas" / "moodle" / "hoja_calificaciones.csv")
    assert [moodle.participante(f[0]) for f in releida.filas] == ["101", "102", "104", "105"]


def test_hoja_en_ingles_sobre_100_y_otras_columnas(tmp_path):
    ruta = tmp_path / "grades.csv"
    ruta.write_bytes(HOJA_EN.encode("utf-8"))
    hoja = moodle.leer_hoja(ruta)
    assert hoja.idioma == "en"
    moodle.preparar(calificados(tmp_path)[:1], tmp_path / "notas", hoja)
    escrito = (tmp_path / "notas" / "moodle" / "hoja_calificaciones.csv").read_text(encoding="utf-8-sig")
    cabecera, fila, _ = escrito.split("\n")
    assert cabecera == HOJA_EN.split("\n")[0].lstrip("\ufeff")
    celdas = next(iter(csv.reader([fila])))
    assert celdas[4] == "75.00" and celdas[5] == "100.00" and celdas[8] == ""  # punto decimal; el texto, intacto
    assert celdas[10].startswith("Calificación automática: 3.75 / 5.")


def test_una_hoja_guardada_con_excel_conserva_codificacion_separador_y_saltos(tmp_path):
    texto = HOJA_ES.lstrip("\ufeff").replace('"', "").replace(",", ";").replace("10;00", "10,00")
    ruta = tmp_path / "excel.csv"
    ruta.write_bytes(texto.replace("\n", "\r\n").encode("cp1252"))
    hoja = moodle.leer_hoja(ruta)
    assert (hoja.codificacion, hoja.bom, hoja.separador, hoja.fin_de_linea) == ("cp1252", False, ";", "\r\n")
    moodle.preparar(calificados(tmp_path)[:1], tmp_path / "notas", hoja)
    escrito = (tmp_path / "notas" / "moodle" / "hoja_calificaciones.csv").read_bytes()
    assert escrito.startswith("Identificador;Nombre completo".encode("cp1252")) and b"\r\n" in escrito
    assert escrito.decode("cp1252").split("\r\n")[1].split(";")[4] == "7,50"


@pytest.mark.parametrize(
    ("contenido", "mensaje"),
    [
        (None, "No existe la hoja de calificaciones «.*no_existe.csv»: descárguela de la tarea en Moodle"),
        ("", "está vacía: descárguela de nuevo de Moodle"),
        # las notas de `calificar` no son la hoja de Moodle
        (
            "estudiante,entrega,nota,maximo\nana,ana.py,7,10\n",
            "«.*» no parece la hoja de calificaciones de Moodle: le falta la columna «Identificador» "
            r"\(«Identifier»\) y «Calificación» \(«Grade»\) y «Última modificación \(calificación\)»",
        ),
        ("Identificador,Calificación,Última modificación (calificación)\nAna,7,-\n", "no tiene ningún participante"),
    ],
)
def test_lo_que_no_es_la_hoja_de_moodle_se_explica_en_una_linea(tmp_path, contenido, mensaje):
    ruta = tmp_path / "no_existe.csv"
    if contenido is not None:
        ruta = tmp_path / "hoja.csv"
        ruta.write_text(contenido, encoding="utf-8")
    with pytest.raises(moodle.ErrorHoja, match=mensaje) as error:
        moodle.leer_hoja(ruta)
    assert "\n" not in str(error.value)


def test_la_hoja_de_otra_tarea_se_rechaza_antes_de_calificar(tmp_path):
    ruta = tmp_path / "hoja.csv"
    ruta.write_bytes(HOJA_ES.encode("utf-8"))
    otra = [Entrega("Rosa", str(tmp_path / "Rosa Blanco_900_assignsubmission_file_"))]
    with pytest.raises(moodle.ErrorHoja, match="no coincide ningún número de participante"):
        moodle.comprobar_hoja(moodle.leer_hoja(ruta), otra, "entregas")


def test_sin_hoja_se_escribe_una_nueva_con_las_columnas_de_moodle(tmp_path):
    devolucion = moodle.preparar(calificados(tmp_path), tmp_path / "notas", None, "es")
    assert devolucion.en_hoja == 3 and [c.entrega.estudiante for c, _ in devolucion.sin_fila] == ["nuria campos"]
    hoja = moodle.leer_hoja(devolucion.hoja)  # la reconoce como la de Moodle: las tres columnas obligatorias
    assert hoja.columnas == list(moodle.COLUMNAS["es"].values()) and hoja.bom
    filas = {f[0]: f for f in hoja.filas}
    assert list(filas) == ["Participante 101", "Participante 102", "Participante 103"]
    assert filas["Participante 101"][1:6] == ["Ana María Ruiz", "", "Enviado para calificar", "3,75", "5,00"]
    # una fecha que `strtotime` de PHP entiende (Moodle no sobrescribe lo modificado después)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", filas["Participante 101"][8])
    otra = tmp_path / "otra"
    otra.mkdir()
    en = moodle.preparar(calificados(otra), tmp_path / "en", None, "en")
    en_ingles = moodle.leer_hoja(en.hoja)
    assert en_ingles.idioma == "en" and en_ingles.filas[0][:6] == [
        "Participant 101",
        "Ana María Ruiz",
        "",
        "Submitted for grading",
        "3.75",
        "5.00",
    ]


def test_el_zip_de_retroalimentacion_tiene_las_carpetas_que_lee_moodle(tmp_path):
    ruta = tmp_path / "hoja.csv"
    ruta.write_bytes(HOJA_ES.encode("utf-8"))
    devolucion = moodle.preparar(calificados(tmp_path), tmp_path / "notas", moodle.leer_hoja(ruta))
    with zipfile.ZipFile(devolucion.zip) as archivo:
        nombres = sorted(archivo.namelist())
        assert nombres == [
            "Ana María Ruiz_101_assignsubmission_file_/informe.html",
            "Ana María Ruiz_101_assignsubmission_file_/informe.md",
            "Luis Pérez Gil_102_assignsubmission_file_/informe.html",
            "Luis Pérez Gil_102_assignsubmission_file_/informe.md",
            "Nuria Campos_105_assignsubmission_file_/informe.html",  # como la llama Moodle, con su número
            "Nuria Campos_105_assignsubmission_file_/informe.md",
        ]
        md = archivo.read(nombres[1]).decode("utf-8")
        pagina = archivo.read(nombres[0]).decode("utf-8")
    # como `assignfeedback_file_zip_importer`: explode('_', carpeta, 5) -> nombre, participante, tipo, complemento
    for nombre in nombres:
        partes = nombre.split("/")[0].split("_", 4)
        assert partes[1].isdigit() and partes[2:4] == ["assignsubmission", "file"]
    assert md == (tmp_path / "notas" / "Ana María Ruiz_101_assignsubmission_file_" / "informe.md").read_text()
    assert "<title>Calificación de Ana María Ruiz</title>" in pagina


class _Lector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.etiquetas, self.texto = [], []

    def handle_starttag(self, etiqueta, atributos):
        self.etiquetas.append(etiqueta)

    def handle_data(self, datos):
        self.texto.append(datos)


def test_el_informe_en_html_tiene_sus_tablas_y_nada_de_la_entrega_es_html():
    pagina = html_informe(markdown(informe(3.75)), "Calificación de <Ana>")
    lector = _Lector()
    lector.feed(pagina)
    texto = "".join(lector.texto)
    assert lector.etiquetas.count("table") == 1 and lector.etiquetas.count("tr") == 3  # encabezado y 2 pruebas
    assert lector.etiquetas.count("h1") == 1 and "script" not in lector.etiquetas
    assert "Falta Dropout <script>alert(1)</script>" in texto  # el mensaje se ve como texto
    assert "Calificación de <Ana>" in texto and "Nota: 3.75 / 5" in texto


def test_el_informe_se_ve_en_un_navegador_de_verdad(tmp_path):
    navegador = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if navegador is None:
        pytest.skip("no hay Chromium instalado (apt-get install chromium): el HTML se comprueba solo con html.parser")
    ruta = tmp_path / "informe.html"
    ruta.write_text(html_informe(markdown(informe(3.75)), "Calificación de Ana"), encoding="utf-8")
    orden = [navegador, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", ruta.as_uri()]
    resultado = subprocess.run(
        orden, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)}
    )
    assert resultado.returncode == 0, resultado.stderr[-2000:]
    dom = resultado.stdout
    assert "<title>Calificación de Ana</title>" in dom and dom.count("<tr>") == 3
    assert "<script>" not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_el_comentario_es_corto_y_sin_html():
    muchas = informe(3, titulo_fallida="Una prueba: larga")
    muchas["pruebas"] += [dict(muchas["pruebas"][1], titulo=f"Prueba {n} (§9)") for n in range(4)]
    texto = moodle.comentario(muchas, ",")
    assert "Por corregir: Una prueba (0 de 2); Prueba 0 (0 de 2); Prueba 1 (0 de 2) y 2 más." in texto
    assert moodle.comentario({"maximo": 0, "nota": 0}) == "No se pudo calificar automáticamente: se revisará a mano."
    error = moodle.comentario(informe(3, error="falló <aquí>\nen la línea 3"), ",")
    assert "La ejecución no terminó: falló &lt;aquí&gt; en la línea 3." in error


def test_la_hoja_escrita_se_lee_con_el_csv_de_python_igual_que_la_de_moodle(tmp_path):
    hoja = moodle.nueva_hoja("es")
    hoja.filas.append(["Participante 7", 'Ana "la" Ruiz, hija', "", "x", "1,00", "10,00", "Sí", "-", "-", "a\nb"])
    texto = moodle.texto_hoja(hoja)
    assert next(iter(csv.reader(io.StringIO(texto[texto.index("\n") + 1 :])))) == hoja.filas[0]
