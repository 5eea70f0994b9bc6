"""Newton, BFGS y L-BFGS de NumPy frente a `scipy.optimize.minimize` y a la teoría; el ejercicio `segundo-orden`."""

import numpy as np
import pytest

from datos.errores import ErrorParametro
from practicas.__main__ import main
from teoria.optimizadores import cuadratica_mal_condicionada, punto_de_silla, rosenbrock
from teoria.segundo_orden import (
    METODOS,
    METODOS_SCIPY,
    bfgs,
    busqueda_armijo,
    busqueda_wolfe,
    direccion_lbfgs,
    hessiana,
    hessiana_numerica,
    lbfgs,
    minimizar,
    newton,
    referencia_scipy,
    trayectoria_segundo_orden,
)
from utilidades.resultados import leer_csv, leer_json


@pytest.mark.parametrize("inicio", [None, (3.0, -1.7), (-0.2, 40.0)])
def test_newton_llega_en_un_paso_al_minimo_de_una_cuadratica(inicio):
    resultado = newton(cuadratica_mal_condicionada(50), inicio=inicio)
    assert resultado.iteraciones == 1 and resultado.convergio
    np.testing.assert_allclose(resultado.x, [0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("metodo", METODOS)
@pytest.mark.parametrize(
    "fabrica", [lambda: cuadratica_mal_condicionada(50), rosenbrock], ids=["cuadratica", "rosenbrock"]
)
def test_mismo_minimo_que_scipy(fabrica, metodo):
    funcion = fabrica()
    nuestro = minimizar(metodo, funcion, pasos=200, tolerancia=1e-8)
    de_scipy = referencia_scipy(METODOS_SCIPY[metodo], funcion, pasos=200, tolerancia=1e-8)
    assert nuestro.convergio and de_scipy.convergio
    np.testing.assert_allclose(nuestro.x, funcion.minimo, atol=1e-6)
    np.testing.assert_allclose(nuestro.x, de_scipy.x, atol=1e-6)
    assert len(nuestro.camino) == nuestro.iteraciones + 1


@pytest.mark.parametrize("metodo", ["bfgs", "lbfgs"])
@pytest.mark.parametrize(
    "fabrica",
    [lambda: cuadratica_mal_condicionada(50), rosenbrock, punto_de_silla],
    ids=["cuadratica", "rosenbrock", "silla"],
)
def test_cuasi_newton_con_tantas_iteraciones_como_scipy(fabrica, metodo):
    """Misma H0 y mismas condiciones de Wolfe: el número de iteraciones es comparable (medido: 5/5, 11/11,
    35/34, 35/38, 6/8, 6/6)."""
    funcion = fabrica()
    nuestro = minimizar(metodo, funcion, pasos=200)
    de_scipy = referencia_scipy(METODOS_SCIPY[metodo], funcion, pasos=200)
    assert abs(nuestro.iteraciones - de_scipy.iteraciones) <= max(3, 0.2 * de_scipy.iteraciones)
    np.testing.assert_allclose(nuestro.x, de_scipy.x, atol=1e-6)


def test_newton_puro_cae_en_el_punto_de_silla():
    """Con la hessiana indefinida el paso de Newton va a donde ∇f = 0: la silla (0, 0), no el mínimo (0, ±1)."""
    funcion = punto_de_silla()
    resultado = newton(funcion)
    np.testing.assert_allclose(resultado.x, [0.0, 0.0], atol=1e-8)
    assert np.linalg.eigvalsh(hessiana(funcion, resultado.x)).min() < 0
    # BFGS (inversa siempre definida positiva) y Newton-CG de SciPy (gradientes conjugados truncados) escapan
    np.testing.assert_allclose(bfgs(funcion).x, [0.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(referencia_scipy("Newton-CG", funcion).x, [0.0, 1.0], atol=1e-6)


def test_newton_puro_no_es_monotono_en_rosenbrock_y_el_amortiguado_si():
    funcion = rosenbrock()
    puro = funcion.f(newton(funcion).camino)
    amortiguado = funcion.f(newton(funcion, amortiguado=True).camino)
    assert np.any(np.diff(puro) > 0)  # medido: 24,2 → 4,73 → 1411 → ...
    assert np.all(np.diff(amortiguado) <= 0)


def test_la_inversa_de_bfgs_se_acerca_a_la_inversa_de_la_hessiana():
    funcion = cuadratica_mal_condicionada(50)
    resultado = bfgs(funcion)
    verdadera = np.linalg.inv(hessiana(funcion, resultado.x))  # diag(1, 1/50)
    np.testing.assert_allclose(verdadera, np.diag([1.0, 1 / 50]))
    assert np.linalg.norm(resultado.inversa_hessiana - verdadera) / np.linalg.norm(verdadera) < 1e-3
    # en Rosenbrock, la del mínimo (1, 1)
    resultado = bfgs(rosenbrock())
    verdadera = np.linalg.inv(hessiana(rosenbrock(), [1.0, 1.0]))
    assert np.linalg.norm(resultado.inversa_hessiana - verdadera) / np.linalg.norm(verdadera) < 1e-3


@pytest.mark.parametrize(
    "fabrica",
    [lambda: cuadratica_mal_condicionada(7), punto_de_silla, rosenbrock],
    ids=["cuadratica", "silla", "rosenbrock"],
)
def test_hessianas_analiticas_frente_a_diferencias_finitas(fabrica):
    funcion = fabrica()
    for punto in np.random.default_rng(0).uniform(-1.5, 1.5, size=(5, 2)):
        np.testing.assert_allclose(
            hessiana(funcion, punto), hessiana_numerica(funcion.gradiente, punto), rtol=1e-6, atol=1e-5
        )
    assert hessiana(cuadratica_mal_condicionada(7), [0.3, 0.1])[1, 1] == 7


def test_busqueda_wolfe_cumple_las_condiciones_y_es_exacta_en_una_cuadratica():
    funcion = rosenbrock()
    x = np.array(funcion.inicio)
    g = funcion.gradiente(x)
    alfa, f_nueva, g_nueva = busqueda_wolfe(funcion.f, funcion.gradiente, x, -g, funcion.f(x), g, c1=1e-4, c2=0.9)
    assert f_nueva <= funcion.f(x) - 1e-4 * alfa * g @ g
    assert abs(g_nueva @ -g) <= 0.9 * abs(g @ -g)
    np.testing.assert_allclose(g_nueva, funcion.gradiente(x - alfa * g))
    # en una cuadrática, la parábola interpolada da el paso exacto α* = gᵀg / gᵀAg
    cuadratica = cuadratica_mal_condicionada(50)
    x = np.array(cuadratica.inicio)
    g = cuadratica.gradiente(x)
    alfa, _, _ = busqueda_wolfe(cuadratica.f, cuadratica.gradiente, x, -g, cuadratica.f(x), g, c2=0.1)
    a = hessiana(cuadratica, x)
    assert alfa == pytest.approx(g @ g / (g @ a @ g), rel=1e-10)
    assert busqueda_armijo(cuadratica.f, x, -g, cuadratica.f(x), g) <= 1.0


def test_recursion_de_dos_bucles_igual_a_bfgs_desde_gamma_identidad():
    generador = np.random.default_rng(1)
    a = generador.normal(size=(4, 4))
    a = a @ a.T + 4 * np.eye(4)
    pares = [(s, a @ s) for s in generador.normal(size=(3, 4))]  # y = A s: curvatura positiva
    s, y = pares[-1]
    h = (s @ y) / (y @ y) * np.eye(4)
    for s, y in pares:
        rho = 1 / (s @ y)
        izquierda = np.eye(4) - rho * np.outer(s, y)
        h = izquierda @ h @ izquierda.T + rho * np.outer(s, s)
    g = generador.normal(size=4)
    np.testing.assert_allclose(direccion_lbfgs(g, pares), -h @ g, rtol=1e-10)
    np.testing.assert_allclose(direccion_lbfgs(g, []), -g)


def test_lbfgs_igual_que_l_bfgs_b_en_la_cuadratica():
    funcion = cuadratica_mal_condicionada(50)
    nuestro, de_scipy = lbfgs(funcion), referencia_scipy("L-BFGS-B", funcion)
    assert nuestro.iteraciones == de_scipy.iteraciones == 11  # medido
    np.testing.assert_allclose(nuestro.camino, de_scipy.camino, atol=1e-8)


def test_trayectoria_y_errores():
    camino = trayectoria_segundo_orden("bfgs", rosenbrock(), pasos=5)
    assert camino.shape == (6, 2)
    with pytest.raises(ValueError, match="'metodo' debe ser uno de 'newton'.* y es 'gauss-newton'"):
        minimizar("gauss-newton", rosenbrock())
    with pytest.raises(ValueError, match="memoria"):
        lbfgs(rosenbrock(), memoria=0)
    with pytest.raises(ValueError, match="descenso"):
        busqueda_wolfe(np.sum, np.ones_like, np.zeros(2), np.ones(2), 0.0, np.ones(2))
    with pytest.raises(ValueError, match="'metodo_scipy' debe ser uno de 'Newton-CG', 'BFGS', 'L-BFGS-B'"):
        referencia_scipy("Nelder-Mead", rosenbrock())


_DESCENSO = (np.sum, np.ones_like, np.zeros(2), -np.ones(2), 0.0, np.ones(2))


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: lbfgs(rosenbrock(), memoria=0), "'memoria' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: newton(rosenbrock(), tolerancia=-1), "'tolerancia' debe ser un número mayor o igual que 0"),
        (lambda: busqueda_armijo(np.sum, *_DESCENSO[2:], reduccion=1), "'reduccion' debe ser un número en (0, 1)"),
        (lambda: busqueda_wolfe(*_DESCENSO, c1=0.5, c2=0.4), "'c2' debe ser un número en (0.5, 1) y es 0.4."),
        (lambda: busqueda_wolfe(*_DESCENSO[:3], np.ones(2), 0.0, np.ones(2)), "'d' debe ser una dirección de descenso"),
        (lambda: referencia_scipy("BFGS", rosenbrock(), tolerancia=0), "'tolerancia' debe ser un número mayor que 0"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_ejercicio_segundo_orden(tmp_path, capsys):
    salida = tmp_path / "so"
    argumentos = ["--funciones", "rosenbrock", "--pasos-primer-orden", "30", "--salida", str(salida)]
    assert main(["entrenamiento", "segundo-orden", *argumentos]) == 0
    assert "scipy" in capsys.readouterr().out
    for nombre in ("trayectorias-rosenbrock.png", "convergencia.png", "config.json", "trayectorias.csv"):
        assert (salida / nombre).stat().st_size > 0
    resumen = {f["metodo"]: f for f in leer_csv(salida / "resumen.csv")}
    assert set(resumen) == {*METODOS, "Newton-CG", "BFGS", "L-BFGS-B", "momento", "adam"}
    for metodo in METODOS:
        assert resumen[metodo]["distancia_a_scipy"] < 1e-6 and resumen[metodo]["distancia_al_minimo"] < 1e-6
    assert resumen["newton"]["iteraciones"] == 6 and resumen["newton-amortiguado"]["iteraciones"] == 21  # medido
    assert resumen["bfgs"]["error_inversa_hessiana"] < 1e-3
    assert resumen["momento"]["iteraciones"] == 30 and resumen["momento"]["error_final"] > 1e-3
    resultados = leer_json(salida / "resultados.json")
    assert set(resultados) == {"resumen", "inversas_hessiana", "tolerancia"}
    assert set(resultados["inversas_hessiana"]["rosenbrock"]) == {"punto", "bfgs", "verdadera"}
