"""Ejercicio 3 de la práctica 3 (§4) desde la línea de órdenes, con carpetas sintéticas y pesos aleatorios."""

import os

import keras
import numpy as np
import pytest

from datos import escribir_pajaros_sinteticos
from modelos import getBirdNetV4, getResNet50
from practicas.__main__ import main
from practicas.p3.ejercicio3 import tabla_modelos
from utilidades.resultados import leer_csv, leer_json

pytestmark = pytest.mark.lento  # ResNet50 de extremo a extremo

COMUNES = ["--tamano", "32", "--semilla", "0", "--silencioso"]


def test_v0_v1_v2_con_caracteristicas_en_cache(tmp_path, capsys, eager):
    datos = escribir_pajaros_sinteticos(tmp_path / "pajaros", num_clases=3, por_clase=6, tamano=40)
    salida = tmp_path / "res"
    orden = ["p3", "ejercicio3", "--datos", str(datos), "--pesos", "ninguno", "--variante", "v0", "v1", "v2"]
    assert main([*orden, "--epocas", "2", "--salida", str(salida), *COMUNES]) == 0
    texto = capsys.readouterr().out
    assert "pesos aleatorios" in texto and "la precisión no significa nada" in texto
    # V0 y V1 comparten las características con pooling: cada partición se extrae una sola vez por pooling
    assert texto.count("Extrayendo características de train") == 2
    assert texto.count("Extrayendo características de test") == 2
    filas = leer_csv(salida / "resultados.csv")
    assert [f["modelo"] for f in filas] == ["BirdNetV0", "BirdNetV1", "BirdNetV2"]
    for f in filas:
        assert 0 <= f["precision"] <= 1 and f["perdida"] > 0
        assert f"{f['modelo']:<10}  {f['perdida']:>8.4f}" in texto  # la tabla como el Cuadro 8
        rep = salida / f"birdnet{f['variante']}" / "rep_1"
        assert {"historial.csv", "evolucion.png", "metricas.json"} <= set(os.listdir(rep))
        assert len(leer_csv(rep / "historial.csv")) == 2
    assert "Informe" not in texto  # sin ImageNet no se compara con el informe
    # sin --guardar-pesos no queda ningún .h5 (ni finales ni respaldos) ni carpeta de respaldo
    escritos = [os.path.relpath(os.path.join(r, n), salida) for r, _, ns in os.walk(salida) for n in ns]
    assert not [e for e in escritos if e.endswith(".h5") or "respaldo" in e], escritos
    with np.load(salida / "caracteristicas" / "avg_train.npz") as cache:
        assert cache["x"].shape == (9, 2048) and cache["y"].shape == (9, 3)
    with np.load(salida / "caracteristicas" / "sin_pooling_test.npz") as cache:
        assert cache["x"].shape == (9, 1, 1, 2048) and cache["x"].dtype == np.float16

    assert main([*orden, "--epocas", "2", "--salida", str(salida), "--reanudar", *COMUNES]) == 0
    texto = capsys.readouterr().out
    assert "Extrayendo" not in texto and texto.count("leídas de la caché") == 4
    assert leer_csv(salida / "resultados.csv") == filas

    # La última variante sola (la primera ahora): los mismos números (misma semilla por variante).
    otra = tmp_path / "otra"
    assert main([*orden[:-3], "v2", "--epocas", "2", "--salida", str(otra), *COMUNES]) == 0
    assert leer_csv(otra / "resultados.csv") == filas[2:]
    historial = "birdnetv2/rep_1/historial.csv"
    assert leer_csv(otra / historial) == leer_csv(salida / historial)


def test_v4_calentamiento_y_ajuste_fino(tmp_path, capsys, eager):
    salida = tmp_path / "res"
    orden = ["p3", "ejercicio3", "--variante", "v4", "--epocas", "1", "--epocas-calentamiento", "1", "--guardar-pesos"]
    assert main([*orden, "--v4-descongelar", "solo-14x14", "--salida", str(salida), *COMUNES]) == 0
    texto = capsys.readouterr().out
    assert "datos sintéticos y pesos aleatorios" in texto and "BirdNetV4" in texto
    assert "ajuste fino de solo conv4 (los bloques de 14×14)" in texto
    rep = salida / "birdnetv4" / "rep_1"
    assert {"historial.csv", "evolucion.png", "modelo.weights.h5"} <= set(os.listdir(rep / "calentamiento"))
    assert {"historial.csv", "evolucion.png", "metricas.json", "modelo.weights.h5"} <= set(os.listdir(rep))
    assert leer_json(salida / "resultados.json")["filas"][0]["modelo"] == "BirdNetV4"
    assert leer_json(rep / "metricas.json")["batch"] == 64

    # Pesos tras el calentamiento y al final: en la segunda fase (solo-14x14) solo cambian conv4 y la cabeza,
    # y las BatchNormalization de ResNet50 conservan sus medias (modo inferencia).
    tras_calentar, final = (getBirdNetV4(getResNet50("avg", (32, 32, 3), weights=None), num_clases=5) for _ in range(2))
    tras_calentar.load_weights(rep / "calentamiento" / "modelo.weights.h5")
    final.load_weights(rep / "modelo.weights.h5")
    for a, b in zip(tras_calentar.layers, final.layers):
        if not a.weights:
            continue
        iguales = all(np.array_equal(u.numpy(), v.numpy()) for u, v in zip(a.weights, b.weights))
        if isinstance(a, keras.layers.BatchNormalization) or a.name.startswith(
            ("conv1_", "conv2_", "conv3_", "conv5_")
        ):
            assert iguales, a.name
        elif a.name.endswith("_conv") or a.name.startswith("cabeza_"):
            assert not iguales, a.name


def test_errores_en_la_linea_de_ordenes(tmp_path, capsys):
    assert main(["p3", "ejercicio3", "--datos", str(tmp_path / "no_esta"), "--salida", str(tmp_path / "a")]) == 2
    assert "No existe la carpeta" in capsys.readouterr().err
    orden = [
        "p3",
        "ejercicio3",
        "--variante",
        "v0",
        "--pesos",
        str(tmp_path / "no.h5"),
        "--salida",
        str(tmp_path / "b"),
    ]
    assert main([*orden, *COMUNES]) == 2
    assert "No existe el archivo de pesos" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["p3", "ejercicio3", "--variante", "v7"])


def test_tabla_como_el_cuadro_8():
    filas = [
        {
            "modelo": "BirdNetV0",
            "variante": "v0",
            "perdida": 2.5,
            "precision": 0.4,
            "perdida_desv": 0.0,
            "precision_desv": 0.0,
            "repeticiones": 1,
        },
        {
            "modelo": "BirdNetV4",
            "variante": "v4",
            "perdida": 2.0,
            "precision": 0.5,
            "perdida_desv": 0.1,
            "precision_desv": 0.02,
            "repeticiones": 3,
        },
    ]
    texto = tabla_modelos(filas)
    assert "BirdNetV0     2.5000    40.00 %    2.3210   42.57 %" in texto  # con la referencia del informe
    assert "(±0.1000, ±2.00 %, 3 rep.)" in texto and "50.18 %" in texto
    assert "Informe" not in tabla_modelos(filas, informe=False)
