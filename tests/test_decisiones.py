"""Fiel al informe donde se puede, explícito donde hay que elegir (issue 11, §5).

La tabla de decisiones (docs/decisiones.md), las dos lecturas del ajuste fino de BirdNetV4 con sus parámetros
entrenables, los lotes de 32 de BirdNetV3 y la forma entera del 1cycle por épocas.
"""

import os
import re

import keras
import numpy as np
import pytest

from modelos import descongelar_desde, getBirdNetV4, getResNet50
from practicas.__main__ import construir_parser, main
from utilidades.tasas import UnCiclo, crear_programa, un_ciclo_en

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _entrenables(modelo):
    return int(sum(np.prod(w.shape) for w in modelo.trainable_weights))


def test_tabla_de_decisiones():
    """La tabla de `docs/decisiones.md` (enlazada desde el README)."""
    with open(os.path.join(RAIZ, "docs", "decisiones.md"), encoding="utf-8") as f:
        seccion = f.read().split("## Keras por dentro")[0]  # la otra tabla la comprueba test_keras_privado
    with open(os.path.join(RAIZ, "README.md"), encoding="utf-8") as f:
        assert "docs/decisiones.md" in f.read()
    filas = [linea for linea in seccion.splitlines() if linea.startswith("| ") and not linea.startswith("| dónde")]
    assert len(filas) >= 8
    for fila in filas:
        assert fila.count("|") == 4 and all(celda.strip() for celda in fila.strip("|").split("|")), fila
    for clave in (
        "3136",
        "BirdNetV5",
        "ReLU",
        "14×14",
        "24.767.176",
        "9.813.704",
        "10 %",
        "32",
        "1cycle",
        "BatchNormalization",
        "Aumento",
    ):
        assert clave in seccion, clave


def test_v4_descongela_conv4_y_conv5_o_solo_los_bloques_de_14x14():
    """Las cifras del README y de la ayuda: 24.767.176 frente a 9.813.704 parámetros entrenables a 224."""
    completo = getBirdNetV4(getResNet50("avg", (224, 224, 3), weights=None))
    assert _entrenables(completo) == 2_725_576  # calentamiento: solo la cabeza
    descongelar_desde(completo, "conv4_")
    assert _entrenables(completo) == 24_767_176

    literal = getBirdNetV4(getResNet50("avg", (224, 224, 3), weights=None))
    descongelar_desde(literal, "conv4_", hasta="conv5_")
    assert _entrenables(literal) == 9_813_704
    for capa in literal.layers:
        if capa.name.startswith("conv5_") or capa.name.startswith(("conv1_", "conv2_", "conv3_")):
            assert not capa.trainable, capa.name
        elif capa.name.startswith("cabeza_"):
            assert capa.trainable, capa.name
        elif capa.name.startswith("conv4_"):
            assert capa.trainable == (not isinstance(capa, keras.layers.BatchNormalization)), capa.name
    with pytest.raises(ValueError, match="conv9_"):
        descongelar_desde(literal, "conv4_", hasta="conv9_")


def test_opciones_por_defecto_del_ejercicio3():
    args = construir_parser().parse_args(["p3", "ejercicio3"])
    assert (args.batch, args.batch_v3, args.v4_descongelar, args.guardar_pesos) == (64, 32, "conv4-conv5", False)


@pytest.mark.parametrize("epocas", [4, 5, 10, 11, 20, 50])
def test_1cycle_por_epocas_muestra_la_forma_entera(epocas):
    tasa = 0.1
    valores = crear_programa("1cycle", tasa, epocas).valores(range(epocas))  # la tasa de cada época entrenada
    pico = int(np.argmax(valores))
    assert valores[pico] == pytest.approx(tasa, rel=1e-6)  # llega a la tasa máxima...
    assert valores[0] == pytest.approx(tasa / 10, rel=1e-6)
    # ...en la mitad del ciclo (subida y bajada simétricas, hasta volver a la tasa inicial)...
    vuelta = 2 * pico
    np.testing.assert_allclose(valores[: pico + 1], valores[vuelta - pico : vuelta + 1][::-1], rtol=1e-5)
    assert valores[vuelta] == pytest.approx(tasa / 10, rel=1e-5)
    assert vuelta <= epocas - 2  # el ciclo termina antes de la última época
    if epocas >= 10:
        assert epocas - 1 - vuelta <= 0.2 * epocas  # la caída final ocupa como mucho un 20 %
    # ...y la última época cae cuatro órdenes de magnitud por debajo del máximo
    assert valores[-1] == pytest.approx(tasa / 10_000, rel=1e-4)
    assert np.all(np.diff(valores[vuelta:]) < 0)


def test_1cycle_de_10_epocas_como_la_diapositiva():
    valores = crear_programa("1cycle", 0.1, 10).valores(range(10))
    np.testing.assert_allclose(
        valores,
        [0.01, 0.0325, 0.055, 0.0775, 0.1, 0.0775, 0.055, 0.0325, 0.01, 1e-5],
        rtol=1e-4,  # float32
    )


def test_1cycle_por_pasos_y_con_pocas_epocas():
    programa = un_ciclo_en(0.1, 1000)  # --modo paso: 10 épocas de 100 pasos
    assert isinstance(programa, UnCiclo)
    valores = programa.valores(range(1000))
    assert int(np.argmax(valores)) == pytest.approx(450, abs=1) and valores[-1] == pytest.approx(1e-5, rel=1e-3)
    for epocas in (1, 2, 3):  # sin sitio para la forma entera: no falla y nunca supera el máximo
        valores = crear_programa("1cycle", 0.1, epocas).valores(range(epocas))
        assert np.all(np.isfinite(valores)) and np.all(valores > 0) and valores.max() <= 0.1 * (1 + 1e-6)


def test_readme_y_ayuda_dicen_las_mismas_cifras(capsys):
    with pytest.raises(SystemExit):
        main(["p3", "ejercicio3", "--help"])
    ayuda = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert "24.767.176" in ayuda and "9.813.704" in ayuda and "--guardar-pesos" in ayuda and "--batch-v3" in ayuda
