"""`python -m practicas p3 ejercicio2`: estudio mejora a mejora (Cuadro 3) y repeticiones (Cuadro 4)."""

from practicas.__main__ import main
from practicas.registro import ejercicios
from utilidades.resultados import leer_csv, leer_json


def test_ejercicio2_estudio_y_repeticiones(tmp_path, capsys, eager):
    assert "ejercicio2" in ejercicios("p3")
    salida = tmp_path / "ej2"
    argumentos = ["p3", "ejercicio2", "--epocas", "1", "--muestras", "50", "--repeticiones", "1", "--semilla", "4"]
    codigo = main([*argumentos, "--silencioso", "--salida", str(salida)])
    assert codigo == 0
    assert leer_json(salida / "config.json")["opciones"]["muestras"] == 50
    estudio = leer_csv(salida / "estudio.csv")
    assert [str(f["mejora"]) for f in estudio] == ["BaseNet", "1", "2", "3", "4"]
    assert all(0.0 <= f["precision"] <= 1.0 for f in estudio)
    for paso in ("basenet", "mejora1", "mejora2", "mejora3", "rep_1"):
        assert len(leer_csv(salida / paso / "historial.csv")) == 1
        assert (salida / paso / "evolucion.png").stat().st_size > 1000  # una figura por paso
    filas = leer_csv(salida / "resultados.csv")
    assert [f["entrenamiento"] for f in filas] == [1]
    # el paso 4 del estudio es la primera repetición, como en el informe (Cuadros 3 y 4)
    assert filas[0]["precision"] == estudio[-1]["precision"] and filas[0]["perdida"] == estudio[-1]["perdida"]
    texto = capsys.readouterr().out
    assert "Cuadro 3" in texto and "Cuadro 4" in texto
