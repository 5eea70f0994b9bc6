"""Búsqueda en rejilla frente a aleatoria (Bergstra y Bengio, 2012) y el ejercicio `busqueda`."""

import numpy as np
import pytest

from datos.errores import ErrorParametro
from practicas.__main__ import main
from teoria.busqueda import (
    PICO,
    Hiperparametro,
    aleatoria,
    comparar_busquedas,
    en_franja,
    perfil_importante,
    probabilidad_franja,
    rejilla,
    rejilla_de,
    rendimiento_sintetico,
    valores_distintos,
)
from utilidades.resultados import leer_csv, leer_json


def test_rejilla_de_3x3_prueba_3_valores_y_9_al_azar_prueban_9():
    puntos = rejilla_de(9)
    assert puntos.shape == (9, 2)
    np.testing.assert_allclose(np.unique(puntos[:, 0]), [1 / 6, 1 / 2, 5 / 6])
    assert valores_distintos(puntos, 0) == valores_distintos(puntos, 1) == 3
    al_azar = aleatoria(9, generador=np.random.default_rng(0))
    assert valores_distintos(al_azar, 0) == valores_distintos(al_azar, 1) == 9
    assert rejilla(4, dimensiones=3).shape == (64, 3)


def test_solo_importa_un_hiperparametro():
    u = np.linspace(0, 1, 101)
    efecto_importante = np.ptp(perfil_importante(u))
    efecto_secundario = np.ptp(rendimiento_sintetico(np.stack([np.full_like(u, 0.3), u], axis=-1)))
    assert efecto_importante > 10 * efecto_secundario  # 0,4 frente a 0,02
    assert rendimiento_sintetico([PICO, 0.0]) == pytest.approx(0.96)


def test_la_busqueda_aleatoria_gana_a_la_rejilla():
    estadisticas = comparar_busquedas(ensayos=9, repeticiones=2000, semilla=0, fraccion=0.05)
    rejilla_9, aleatoria_9 = estadisticas["rejilla"], estadisticas["aleatoria"]
    assert rejilla_9["distintos_importante"] == 3 and aleatoria_9["distintos_importante"] == 9
    assert aleatoria_9["mejor"] > rejilla_9["mejor"] + 0.1  # medido: 0,83 frente a 0,63
    assert aleatoria_9["prob_supera_rejilla"] > 0.8  # medido: 0,89
    # ningún valor de la rejilla (1/6, 1/2, 5/6) cae en la franja del 5 % alrededor del pico (0,72)
    assert rejilla_9["prob_franja"] == 0.0
    # la frecuencia empírica de caer en la franja coincide con 1 - (1 - q)^N dentro de 4 desviaciones
    p = aleatoria_9["prob_franja_teorica"]
    assert p == pytest.approx(1 - 0.95**9)
    assert abs(aleatoria_9["prob_franja"] - p) < 4 * np.sqrt(p * (1 - p) / 2000)


def test_probabilidad_franja_y_en_franja():
    assert probabilidad_franja(0.05, 60) == pytest.approx(0.954, abs=1e-3)  # «60 ensayos: 95 % de caer en el 5 % mejor»
    assert probabilidad_franja(0.05, 1) == pytest.approx(0.05)
    assert en_franja(np.array([[PICO + 0.02, 0.5]])) and not en_franja(np.array([[PICO + 0.03, 0.5]]))


def test_hiperparametro_en_escala_logaritmica():
    tasa = Hiperparametro("tasa", 1e-4, 1e-1, logaritmica=True)
    np.testing.assert_allclose(tasa.desde_unidad([0.0, 1 / 3, 1.0]), [1e-4, 1e-3, 1e-1])
    np.testing.assert_allclose(tasa.a_unidad(tasa.desde_unidad(np.linspace(0, 1, 7))), np.linspace(0, 1, 7))
    assert Hiperparametro("dropout", 0.0, 0.5).desde_unidad(0.5) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="logarítmica"):
        Hiperparametro("tasa", 0.0, 1.0, logaritmica=True)
    with pytest.raises(ValueError, match="n\\^2"):
        rejilla_de(8)


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (
            lambda: Hiperparametro("tasa", 0.0, 1.0, logaritmica=True),
            "'minimo' debe ser un número mayor que 0 en 'tasa'",
        ),
        (
            lambda: Hiperparametro("dropout", 0.5, 0.5),
            "'maximo' debe ser un número mayor que 'minimo' (0.5) en 'dropout'",
        ),
        (lambda: rejilla(0), "'por_eje' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: rejilla_de(8), "'ensayos' debe ser una potencia n^2 (4, 9, 16, 25...) en 2 dimensiones y es 8."),
        (lambda: aleatoria(-1), "'ensayos' debe ser un entero mayor o igual que 0 y es -1."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_ejercicio_busqueda(tmp_path, capsys):
    salida = tmp_path / "busqueda"
    argumentos = ["--repeticiones-aleatoria", "200", "--keras", "--ensayos-keras", "1", "--epocas", "1"]
    argumentos += ["--muestras", "32", "--validacion", "32", "--salida", str(salida)]
    assert main(["entrenamiento", "busqueda", *argumentos]) == 0
    assert "Rejilla frente a búsqueda aleatoria" in capsys.readouterr().out
    for nombre in ("busqueda.png", "busqueda-keras.png", "config.json", "repeticiones.csv"):
        assert (salida / nombre).stat().st_size > 0
    resumen = {(f["caso"], f["estrategia"]): f for f in leer_csv(salida / "resumen.csv")}
    assert resumen[("sintetica", "rejilla")]["distintos_importante"] == 3
    assert resumen[("sintetica", "aleatoria")]["distintos_importante"] == 9
    assert resumen[("keras", "rejilla")]["ensayos"] == 1 and 0 <= resumen[("keras", "aleatoria")]["mejor_valor"] <= 1
    # el único punto de la rejilla de 1 × 1 es el centro: tasa √(1e-4 · 0,3) y dropout 0,35
    assert resumen[("keras", "rejilla")]["mejor_importante"] == pytest.approx((1e-4 * 0.3) ** 0.5)
    assert resumen[("keras", "rejilla")]["mejor_secundario"] == pytest.approx(0.35)
    assert len(leer_csv(salida / "ensayos.csv")) == 2 * 9 + 2 * 1
    resultados = leer_json(salida / "resultados.json")
    assert set(resultados) == {"sintetica", "keras"}
    assert set(resultados["sintetica"]) == {"resumen", "repeticiones"}


def test_errores_de_la_busqueda(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["entrenamiento", "busqueda", "--ensayos", "8", "--salida", str(tmp_path / "a")])
    assert e.value.code == 2 and "cuadrado" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["entrenamiento", "busqueda", "--franja", "2", "--salida", str(tmp_path / "b")])
    assert "argumento --franja: debe ser un número en (0, 1) y es '2'" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
    argumentos = ["--keras", "--muestras", "1400", "--validacion", "300", "--salida", str(tmp_path / "c")]
    assert main(["entrenamiento", "busqueda", *argumentos]) == 2
    assert "1437" in capsys.readouterr().err and not (tmp_path / "c").exists()
