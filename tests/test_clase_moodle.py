"""Una clase como la descarga Moodle, calificada con `calificar` como lo hace un profesor: interrumpida con un
Ctrl+C de verdad y reanudada con `--reanudar` sin volver a calificar a nadie, y con lo que se sube a Moodle
(la hoja descargada, rellenada, y el zip de retroalimentación). Entregas baratas (un par de líneas): lo que
se prueba es la clase, no la suite."""

import csv
import io
import json
import os
import re
import signal
import threading
import time
import zipfile

import pytest

from calificacion import progreso
from calificacion.__main__ import main
from calificacion.aislamiento import bwrap_disponible
from utilidades.resultados import leer_csv

ESTUDIANTES = {  # carpeta de la descarga de Moodle -> su código
    "Ana María Ruiz_101_assignsubmission_file_": "x = 1\nprint('hola')\n",
    "Luis Pérez Gil_102_assignsubmission_file_": "y = 2\n",
    "Eva Sanz_103_assignsubmission_file_": "z = 3\n",
}
HOJA = (
    '\ufeffIdentificador,"Nombre completo","Dirección de correo",Estado,Calificación,"Calificación máxima",'
    '"La calificación puede ser cambiada","Última modificación (entrega)","Última modificación (calificación)",'
    '"Comentarios de retroalimentación"\n'
    '"Participante 101","Ana María Ruiz",ana@alumnos.es,"Enviado para calificar",,"10,00",Sí,-,-,\n'
    '"Participante 102","Luis Pérez Gil",luis@alumnos.es,"Enviado para calificar",,"10,00",Sí,-,-,\n'
    '"Participante 104","Sin Entrega Nadie",nadie@alumnos.es,"No entregado",,"10,00",Sí,-,-,\n'
)


def _opciones(salida, *mas):
    aislamiento = [] if bwrap_disponible() is None else ["--sin-aislamiento"]
    return ["--salida", str(salida), "--procesos", "1", "--tiempo-limite", "120", *aislamiento, *mas]


def _ctrl_c_tras_la_primera(salida):
    """Un Ctrl+C (SIGINT a este proceso) en cuanto `progreso.json` guarda la primera entrega calificada."""

    def vigilar():
        ruta = salida / "progreso.json"
        for _ in range(6000):
            if ruta.exists():
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.02)

    hilo = threading.Thread(target=vigilar, daemon=True)
    hilo.start()
    return hilo


@pytest.fixture(scope="module")
def clase(tmp_path_factory):
    carpeta, salida = tmp_path_factory.mktemp("descarga"), tmp_path_factory.mktemp("notas")
    for nombre, codigo in ESTUDIANTES.items():
        (carpeta / nombre).mkdir()
        (carpeta / nombre / "p3.py").write_text(codigo, encoding="utf-8")
    hoja = carpeta.parent / "hoja.csv"
    hoja.write_bytes(HOJA.encode("utf-8"))
    return carpeta, salida, hoja


def test_interrumpida_y_reanudada_sin_calificar_dos_veces(clase, capsys):
    carpeta, salida, hoja = clase
    hilo = _ctrl_c_tras_la_primera(salida)
    assert main([str(carpeta), *_opciones(salida, "--hoja", str(hoja))]) == 130
    hilo.join()
    interrumpida = capsys.readouterr()
    assert "Interrumpido. Las entregas ya calificadas están en" in interrumpida.err and "--reanudar" in interrumpida.err
    assert not (salida / "calificaciones.csv").exists()  # nada a medias: el CSV es de la clase entera
    guardadas = json.loads((salida / "progreso.json").read_text(encoding="utf-8"))["entregas"]
    assert len(guardadas) == 1  # la segunda se detuvo a mitad de su ejecución
    (primera,) = guardadas
    estudiante = guardadas[primera]["fila"]["estudiante"]
    informe = salida / estudiante / "results.json"
    antes = informe.stat().st_mtime_ns
    assert _procesos_de_entregas() == []  # la que se estaba ejecutando, detenida

    assert main([str(carpeta), *_opciones(salida, "--hoja", str(hoja), "--reanudar")]) == 0
    reanudada = capsys.readouterr().out
    assert "Ejecutando 2 entregas (1 a la vez" in reanudada and "1 ya calificada se conserva" in reanudada
    calificadas = [linea.split(":")[0].strip() for linea in reanudada.splitlines() if linea.startswith("  ")]
    assert (
        estudiante not in calificadas and len(set(calificadas) & {"Ana María Ruiz", "Luis Pérez Gil", "Eva Sanz"}) == 2
    )
    assert informe.stat().st_mtime_ns == antes  # su informe no se reescribió: no se volvió a calificar
    filas = leer_csv(salida / "calificaciones.csv")
    assert [f["estudiante"] for f in filas] == ["Ana María Ruiz", "Eva Sanz", "Luis Pérez Gil"]
    assert all(f["nota"] == 0 and f["maximo"] == 10 and f["error"] == "" for f in filas)


def test_reanudar_una_clase_terminada_no_ejecuta_nada(clase, capsys):
    carpeta, salida, hoja = clase
    inicio = time.monotonic()
    assert main([str(carpeta), *_opciones(salida, "--reanudar")]) == 0
    salida_texto = capsys.readouterr().out
    assert "Ejecutando 0 entregas" in salida_texto and "3 ya calificadas se conservan" in salida_texto
    assert time.monotonic() - inicio < 30
    # una entrega cambiada después se califica de nuevo, y solo ella
    (carpeta / "Eva Sanz_103_assignsubmission_file_" / "p3.py").write_text("z = 4\n", encoding="utf-8")
    assert main([str(carpeta), *_opciones(salida, "--hoja", str(hoja), "--reanudar")]) == 0
    salida_texto = capsys.readouterr().out
    assert "Ejecutando 1 entregas" in salida_texto and "\n  Eva Sanz: 0 / 10" in salida_texto


def test_reanudar_con_otras_opciones_se_niega(clase, capsys):
    carpeta, salida, _ = clase
    with pytest.raises(SystemExit) as salida_error:
        main([str(carpeta), *_opciones(salida, "--reanudar", "--regla", "optimizador=Adam")])
    assert salida_error.value.code == 2
    assert "se hizo con otra suite u otras opciones" in capsys.readouterr().err


def test_lo_que_se_sube_a_moodle(clase, capsys):
    _, salida, _ = clase
    hoja = salida / "moodle" / "hoja_calificaciones.csv"
    texto = hoja.read_bytes().decode("utf-8")
    assert texto.startswith("\ufeffIdentificador,") and texto.splitlines()[0] == HOJA.splitlines()[0]
    filas = list(csv.reader(texto.lstrip("\ufeff").splitlines()))[1:]
    assert [(f[0], f[4]) for f in filas] == [
        ("Participante 101", "0,00"),
        ("Participante 102", "0,00"),
        ("Participante 104", ""),  # no entregó: su calificación, vacía
    ]
    assert filas[0][9].startswith("Calificación automática: 0 / 10. Por corregir: BaseNet (0 de 3);")
    resumen = (salida / "resumen.md").read_text(encoding="utf-8")
    assert "- **Eva Sanz**: el participante 103 no está en la hoja" in resumen  # sin fila: listada
    with zipfile.ZipFile(salida / "moodle" / "retroalimentacion.zip") as archivo:
        assert sorted(archivo.namelist()) == [
            "Ana María Ruiz_101_assignsubmission_file_/informe.html",
            "Ana María Ruiz_101_assignsubmission_file_/informe.md",
            "Luis Pérez Gil_102_assignsubmission_file_/informe.html",
            "Luis Pérez Gil_102_assignsubmission_file_/informe.md",
        ]
        pagina = archivo.read("Ana María Ruiz_101_assignsubmission_file_/informe.html").decode("utf-8")
    assert "<h1>Calificación de Ana María Ruiz</h1>" in pagina and pagina.count("<tr>") == 8  # 7 pruebas
    assert (salida / "similitud.csv").exists() and (salida / "similitud.html").exists()


def _procesos_de_entregas():
    """Procesos vivos lanzados por una entrega (llevan PRACTICAS_ENTREGA=1 en su entorno)."""
    restos = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if b"PRACTICAS_ENTREGA=1" in f.read().split(b"\0"):
                    restos.append(pid)
        except OSError:
            continue
    return restos


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_la_barra_cuenta_tiempo_y_estimacion_solo_en_una_terminal():
    terminal, archivo = _Terminal(), io.StringIO()
    for destino in (terminal, archivo):
        with progreso.barra(4, 1, destino) as barra:  # una ya calificada (--reanudar)
            time.sleep(0.3)
            barra.update(1)
    ultima = terminal.getvalue().rstrip().split("\r")[-1]
    assert re.fullmatch(r"Calificando: 2/4 \|\S+\s*\| 00:00 transcurrido, quedan ~00:0\d", ultima.strip()), ultima
    assert archivo.getvalue() == ""  # en un archivo o una tubería, nada
