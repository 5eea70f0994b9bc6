"""Ejercicio `relu-muertas`: con una tasa de aprendizaje alta mueren muchas más ReLU que con una normal."""

import numpy as np
import pytest

from practicas.__main__ import main
from teoria.activaciones import fraccion_muertas, unidades_muertas
from utilidades.resultados import leer_csv, leer_json


def test_unidades_muertas():
    z = np.array([[-1.0, 0.5, 0.0, -2.0], [-0.1, -0.3, 0.0, np.nan], [-3.0, -1.0, -1.0, -1.0]])
    np.testing.assert_array_equal(unidades_muertas(z), [True, False, True, False])  # NaN: divergió, no cuenta
    assert fraccion_muertas(z) == 0.5
    assert fraccion_muertas(np.zeros((2, 3, 3, 4))) == 1.0  # mapas de una convolución: una unidad por canal
    with pytest.raises(ValueError, match="'preactivaciones'"):
        unidades_muertas(np.ones(3))


def test_cli_relu_muertas_con_tasa_alta(tmp_path, capsys):
    salida = tmp_path / "relu"
    codigo = main(
        [
            "entrenamiento",
            "relu-muertas",
            "--activaciones", "relu",
            "--tasas", "0.05,1",
            "--epocas", "2",
            "--muestras", "200",
            "--unidades", "50",
            "--silencioso",
            "--salida", str(salida),
        ]
    )  # fmt: skip
    assert codigo == 0, capsys.readouterr().err
    for nombre in ("muertas.png", "muertas.csv", "resultados.csv", "config.json"):
        assert (salida / nombre).stat().st_size > 0
    resultados = leer_json(salida / "resultados.json")
    assert {"imagenes", "resumen", "por_epoca"} <= set(resultados) and resultados["imagenes"] == 200
    normal, alta = resultados["resumen"]
    assert (normal["tasa"], alta["tasa"]) == (0.05, 1.0)
    assert normal["muertas_inicio"] == alta["muertas_inicio"]  # mismos pesos iniciales
    assert alta["muertas_final"] > normal["muertas_final"] + 0.2
    por_epoca = leer_csv(salida / "muertas.csv")
    assert len(por_epoca) == 2 * 3 * 3  # 2 tasas × épocas 0..2 × (2 capas + todas)


def test_cli_relu_muertas_errores(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["entrenamiento", "relu-muertas", "--tasas", "0.1,-1", "--salida", str(tmp_path)])
    assert "cada uno un número mayor que 0, y es '0.1,-1'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["entrenamiento", "relu-muertas", "--activaciones", "relu,swish", "--salida", str(tmp_path)])
    assert "swish" in capsys.readouterr().err
