"""Similitud entre entregas (winnowing con copydetect) en una clase escrita para ello.

`tests/entregas/similitud/clase`: Iván copió a Rosa cambiando los nombres de variables y funciones, los
comentarios y el orden de las funciones; los otros diez resuelven la práctica cada uno a su manera y solo
comparten la plantilla del profesor (`plantilla_p3.py`: funciones auxiliares, comentarios, código del
enunciado), que casi todos pegan en su entrega. Pedro entrega su cuaderno y su exportación a `.py`.
"""

import csv
import json
import os
import shutil

import pytest

from calificacion import similitud
from calificacion.entregas import ErrorEntrega, buscar_entregas

AQUI = os.path.join(os.path.dirname(__file__), "entregas", "similitud")
CLASE = os.path.join(AQUI, "clase")
PLANTILLA = os.path.join(AQUI, "plantilla_p3.py")
COPIAS = {"Ivan Crespo Pardo", "Rosa Blanco Marin"}
HONESTOS = {
    "Alba Torres Vidal",
    "Bruno Gil Soria",
    "Celia Ramos Ortega",
    "Dario Lopez Prieto",
    "Eva Moreno Lozano",
    "Fermin Navas Rey",
    "Gloria Santos Peña",
    "Hector Vega Cano",
    "Julia Herrero Saez",
    "Pedro Ruiz Mora",
}


@pytest.fixture(scope="module")
def con_plantilla():
    return similitud.comparar_clase(buscar_entregas(CLASE), [PLANTILLA])


def test_la_copia_se_senala_y_los_honestos_no(con_plantilla, tmp_path):
    resultado = con_plantilla
    assert {d.estudiante for d in resultado.documentos} == COPIAS | HONESTOS and resultado.omitidas == []
    assert len(resultado.pares) == 12 * 11 // 2  # Pedro (.py e .ipynb) es una sola entrega: nunca un par consigo
    (senalado,) = resultado.senalados()
    assert {senalado.a.estudiante, senalado.b.estudiante} == COPIAS and resultado.pares[0] is senalado
    assert min(senalado.de_a, senalado.de_b) > 0.8  # nombres y orden cambiados: casi todo su código en común
    honestos = [p for p in resultado.pares if not {p.a.estudiante, p.b.estudiante} <= COPIAS]
    assert max(p.similitud for p in honestos) < 0.4 < similitud.UMBRAL

    rutas = similitud.escribir_similitud(resultado, tmp_path)
    with open(rutas[0], encoding="utf-8", newline="") as f:
        filas = list(csv.DictReader(f))
    assert len(filas) == 66 and {filas[0]["estudiante_a"], filas[0]["estudiante_b"]} == COPIAS
    assert filas[0]["senalado"] == "sí" and all(f["senalado"] == "no" for f in filas[1:])
    valores = [float(f["similitud"]) for f in filas]
    assert valores == sorted(valores, reverse=True) and valores[0] > 80
    pagina = open(rutas[1], encoding="utf-8").read()
    seccion = pagina.split('<section id="par-1">')[1]
    assert seccion.count("<pre>") == 2 and "<mark>" in seccion  # los dos códigos, lado a lado, con lo común
    assert "Ivan Crespo Pardo" in seccion and "Rosa Blanco Marin" in seccion
    assert "def anadir_bloque(red, n_filtros, p):" in seccion and "def bloque_convolucional(" in seccion
    assert "1 par señalado de 66" in pagina and "plantilla_p3.py" in pagina


def test_sin_la_plantilla_los_honestos_se_parecen_mas(con_plantilla):
    """La plantilla es de todos: sin excluirla, lo que comparten los honestos sube."""
    sin = similitud.comparar_clase(buscar_entregas(CLASE))

    def honestos(resultado):
        return max(p.similitud for p in resultado.pares if not {p.a.estudiante, p.b.estudiante} <= COPIAS)

    assert honestos(sin) > honestos(con_plantilla) + 0.1


def test_cuaderno_y_script_del_mismo_estudiante_son_una_entrega(tmp_path):
    codigo = "import numpy as np\n\ndef media(valores):\n    total = 0\n    for v in valores:\n        total += v\n"
    codigo += "    return total / len(valores)\n\nprint(media([1, 2, 3]), np.pi)\n"
    cuaderno = {"cells": [{"cell_type": "code", "source": "%matplotlib inline\n" + codigo}]}
    (tmp_path / "ana.py").write_text(codigo, encoding="utf-8")
    (tmp_path / "ana.ipynb").write_text(json.dumps(cuaderno), encoding="utf-8")
    (tmp_path / "=HIPERVINCULO(1).py").write_text(codigo.replace("valores", "xs"), encoding="utf-8")
    (tmp_path / "roto.ipynb").write_text("{", encoding="utf-8")
    lista = buscar_entregas(tmp_path)
    assert len(lista) == 4  # para el calificador, ana.py y ana.ipynb son dos entregas (dos filas)
    resultado = similitud.comparar_clase(lista)
    assert [d.estudiante for d in resultado.documentos] == ["=HIPERVINCULO(1)", "ana"]
    assert [d.archivos for d in resultado.documentos][1] in (["ana.py"], ["ana.ipynb"])
    assert [n for n, _ in resultado.omitidas] == ["roto"]
    (par,) = resultado.pares
    assert par.de_a == par.de_b == 1.0  # el mismo código con otros nombres
    similitud.escribir_similitud(resultado, tmp_path / "salida")
    with open(tmp_path / "salida" / "similitud.csv", encoding="utf-8") as f:
        assert f.read().splitlines()[1].startswith("'=HIPERVINCULO(1),ana,100.0")  # texto, no fórmula


def test_una_plantilla_que_no_es_codigo_se_explica(tmp_path):
    (tmp_path / "enunciado.pdf").write_bytes(b"%PDF")
    with pytest.raises(ErrorEntrega, match="La plantilla «.*enunciado.pdf» no es un archivo .py ni .ipynb"):
        similitud.comprobar_plantillas([str(tmp_path / "enunciado.pdf")])
    shutil.copy(PLANTILLA, tmp_path / "plantilla.py")
    similitud.comprobar_plantillas([str(tmp_path / "plantilla.py")])
