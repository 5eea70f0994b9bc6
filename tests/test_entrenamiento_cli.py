"""Cada ejercicio de la práctica `entrenamiento` se ejecuta desde la línea de órdenes y escribe sus archivos."""

import argparse
import json

import pytest

from datos.validacion import ENTERO_POSITIVO, NO_NEGATIVO, POSITIVO
from practicas.__main__ import main
from practicas.entrenamiento._comun import lista_de_numeros
from practicas.registro import ejercicios, practicas_disponibles
from utilidades.resultados import leer_csv, leer_json

pytestmark = pytest.mark.lento  # prácticas enteras por la línea de órdenes

EJERCICIOS = [
    "activaciones",
    "busqueda",
    "inicializacion",
    "optimizadores",
    "regularizacion",
    "regularizacion-extra",
    "relu-muertas",
    "segundo-orden",
    "tasas",
]


def _ejecutar(capsys, *argumentos):
    codigo = main(["entrenamiento", *argumentos])
    salida = capsys.readouterr()
    assert codigo == 0, salida.err
    return salida.out


def test_se_descubren_los_ejercicios():
    assert "entrenamiento" in practicas_disponibles()
    assert sorted(ejercicios("entrenamiento")) == EJERCICIOS
    for modulo in ejercicios("entrenamiento").values():
        assert modulo.AYUDA


def test_optimizadores(tmp_path, capsys):
    salida = tmp_path / "opt"
    texto = _ejecutar(
        capsys,
        "optimizadores",
        "--pasos",
        "12",
        "--funciones",
        "silla,cuadratica",
        "--optimizadores",
        "sgd,nesterov,adam",
        "--epocas",
        "2",
        "--muestras",
        "64",
        "--salida",
        str(salida),
    )
    for nombre in (
        "trayectorias-silla.png",
        "trayectorias-cuadratica.png",
        "convergencia.png",
        "regresion.png",
        "config.json",
    ):
        assert (salida / nombre).stat().st_size > 0
    assert len(leer_csv(salida / "trayectorias.csv")) == 2 * 3 * 13
    keras = {(f["optimizador"], f["convencion"]): f["max_diferencia"] for f in leer_csv(salida / "keras.csv")}
    assert max(v for (_, c), v in keras.items() if c == "keras") < 1e-6
    assert keras[("adam", "clase")] > 1e-3
    regresion = leer_csv(salida / "regresion.csv")
    assert [f["lote"] for f in regresion] == [1, 32, 64] and [f["pasos"] for f in regresion] == [128, 4, 2]
    assert "NumPy frente a keras.optimizers" in texto


def test_activaciones(tmp_path, capsys):
    salida = tmp_path / "act"
    _ejecutar(capsys, "activaciones", "--rango", "5", "--salida", str(salida))
    assert (salida / "activaciones.png").stat().st_size > 0
    saturacion = {f["activacion"]: f for f in leer_csv(salida / "saturacion.csv")}
    assert set(saturacion) == {
        "sigmoide",
        "tanh",
        "tanh-lecun",
        "tanh-lineal",
        "relu",
        "leaky-relu",
        "rrelu",
        "prelu",
        "elu",
        "selu",
        "maxout",
    }
    assert saturacion["sigmoide"]["satura"] == "True" and saturacion["leaky-relu"]["satura"] == "False"
    for fila in leer_csv(salida / "keras.csv"):
        assert fila["max_dif_funcion"] < 1e-5 and fila["max_dif_derivada"] < 1e-5, fila


def test_inicializacion(tmp_path, capsys):
    salida = tmp_path / "ini"
    _ejecutar(
        capsys,
        "inicializacion",
        "--capas",
        "3",
        "--unidades",
        "40",
        "--muestras",
        "50",
        "--esquemas",
        "chica,xavier",
        "--salida",
        str(salida),
    )
    for nombre in ("histogramas-tanh.png", "histogramas-relu.png", "desviaciones.png"):
        assert (salida / nombre).stat().st_size > 0
    estadisticas = leer_csv(salida / "estadisticas.csv")
    assert len(estadisticas) == 2 * 2 * 3
    assert all(f["error_relativo"] < 0.05 for f in leer_csv(salida / "keras.csv"))


@pytest.mark.parametrize(
    ("restriccion", "cantidad", "texto", "esperado"),
    [
        (POSITIVO, None, "0.05, 1", [0.05, 1.0]),
        (ENTERO_POSITIVO, None, "2,3", [2, 3]),
        (NO_NEGATIVO, 3, "0,0.1,1", [0.0, 0.1, 1.0]),
        (POSITIVO, None, "0.1,-1", "una lista de números separados por comas, cada uno un número mayor que 0"),
        (POSITIVO, None, "0.1,x", "una lista de números separados por comas, cada uno un número mayor que 0"),
        (POSITIVO, None, ",", "una lista de números separados por comas"),
        (
            ENTERO_POSITIVO,
            None,
            "1.5",
            "una lista de números separados por comas, cada uno un entero mayor o igual que 1",
        ),
        (NO_NEGATIVO, 3, "0,1", "una lista de 3 números separados por comas"),
    ],
)
def test_listas_de_numeros_comprueban_cada_uno(restriccion, cantidad, texto, esperado):
    convertir = lista_de_numeros(restriccion, cantidad)
    if isinstance(esperado, list):
        assert convertir(texto) == esperado and all(type(v) is type(e) for v, e in zip(convertir(texto), esperado))
    else:
        with pytest.raises(argparse.ArgumentTypeError) as error:
            convertir(texto)
        assert str(error.value).startswith(f"debe ser {esperado}") and str(error.value).endswith(f"y es '{texto}'")


def test_errores_de_la_linea_de_ordenes(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["entrenamiento", "optimizadores", "--optimizadores", "sgd,adamw", "--salida", str(tmp_path)])
    assert e.value.code == 2 and "adamw" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["entrenamiento", "tasas", "--tasa", "-0.1", "--salida", str(tmp_path)])
    assert "argumento --tasa: debe ser un número mayor que 0 y es '-0.1'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["entrenamiento", "regularizacion", "--dropout", "1.5", "--salida", str(tmp_path)])
    assert "argumento --dropout: debe ser un número en [0, 1) y es '1.5'" in capsys.readouterr().err


def _por_variante(salida, clave, nombres):
    """Métricas finales e historial de cada variante de una comparación."""
    filas = {f[clave]: f for f in leer_json(salida / "resultados.json")["filas"]}
    return {n: (filas[n], leer_csv(salida / n / "rep_1" / "historial.csv")) for n in nombres}


def test_tasas_mismos_datos_y_pesos_en_cualquier_orden(tmp_path, capsys):
    comunes = ["--epocas", "2", "--batch", "128", "--semilla", "5", "--silencioso"]
    salida = tmp_path / "a"
    texto = _ejecutar(
        capsys, "tasas", "--programas", "constante,exponencial,rendimiento", *comunes, "--salida", str(salida)
    )
    # solo el último de `a`, ahora el primero: sus números no dependen de lo que se entrenó antes
    _ejecutar(capsys, "tasas", "--programas", "rendimiento", *comunes, "--salida", str(tmp_path / "b"))
    # lo que escribe: la figura de los programas, y por programa sus métricas y la tasa de cada época
    assert (salida / "programas.png").stat().st_size > 0
    for programa in ("constante", "exponencial", "rendimiento"):
        assert (salida / programa / "rep_1" / "metricas.json").exists()
        assert len(leer_csv(salida / programa / "rep_1" / "tasas.csv")) == 2
    tasas = leer_csv(salida / "exponencial" / "rep_1" / "tasas.csv")
    assert tasas[0]["tasa"] == pytest.approx(0.05)
    assert tasas[1]["tasa"] == pytest.approx(0.05 * 2.718281828**-1.5, rel=1e-5)
    resultados = leer_json(salida / "resultados.json")
    assert [f["programa"] for f in resultados["resumen"]] == ["constante", "exponencial", "rendimiento"]
    assert "exponencial" in texto

    a = _por_variante(tmp_path / "a", "programa", ["constante", "exponencial", "rendimiento"])
    b = _por_variante(tmp_path / "b", "programa", ["rendimiento"])
    assert a["rendimiento"] == b["rendimiento"]
    # En la época 1 los tres usan la misma tasa: mismos datos y pesos iniciales dan la misma época.
    assert a["constante"][1][0] == a["exponencial"][1][0] == a["rendimiento"][1][0]
    # El de rendimiento no baja la tasa en dos épocas: es el constante, número a número.
    assert a["constante"][1] == a["rendimiento"][1]
    assert a["constante"][0]["precision"] == a["rendimiento"][0]["precision"]
    assert a["constante"][1][1] != a["exponencial"][1][1]  # en la época 2 la tasa ya difiere


def test_regularizacion_mismos_datos_y_pesos_en_cualquier_orden(tmp_path, capsys, eager):
    comunes = ["--epocas", "1", "--muestras", "80", "--batch", "40", "--semilla", "7", "--silencioso"]
    salida = tmp_path / "a"
    _ejecutar(capsys, "regularizacion", "--variantes", "ninguna,l2,batchnorm,parada", *comunes, "--salida", str(salida))
    _ejecutar(capsys, "regularizacion", "--variantes", "parada", *comunes, "--salida", str(tmp_path / "b"))
    # lo que escribe, y las piezas de NumPy frente a Keras
    for nombre in ("curvas.png", "brecha.png", "resultados.csv", "config.json"):
        assert (salida / nombre).stat().st_size > 0
    resultados = json.loads((salida / "resultados.json").read_text(encoding="utf-8"))
    assert [f["variante"] for f in resultados["resumen"]] == ["ninguna", "l2", "batchnorm", "parada"]
    comprobaciones = {f["comprobacion"]: f["error_relativo"] for f in resultados["comprobaciones"]}
    assert comprobaciones["penalización l2"] < 1e-5
    assert comprobaciones["batch norm (inferencia)"] < 1e-5 and comprobaciones["batch norm (entrenamiento)"] < 1e-5
    assert comprobaciones["dropout invertido NumPy"] < 0.02

    a = _por_variante(salida, "variante", ["ninguna", "l2", "parada"])
    b = _por_variante(tmp_path / "b", "variante", ["parada"])
    assert a["parada"] == b["parada"]  # la última de `a`, ahora la primera
    # La parada temprana no actúa en una época: es la red sin regularizar, número a número.
    assert a["ninguna"][1] == a["parada"][1] and a["ninguna"][0]["precision"] == a["parada"][0]["precision"]
