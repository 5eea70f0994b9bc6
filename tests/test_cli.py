"""La línea de órdenes `python -m practicas p3 ejercicio1` y su carpeta de resultados."""

import json
import os
import subprocess
import sys

import pytest

from practicas.__main__ import main
from practicas.registro import ejercicios, practicas_disponibles
from utilidades.resultados import leer_csv, leer_json


def test_registro_descubre_el_ejercicio_1():
    assert "p3" in practicas_disponibles()
    assert "ejercicio1" in ejercicios("p3")


def ejecutar(tmp_path, nombre, *extra):
    salida = tmp_path / nombre
    codigo = main(
        ["p3", "ejercicio1", "--epocas", "2", "--semilla", "7", "--silencioso", "--salida", str(salida), *extra]
    )
    return codigo, salida


def test_ejercicio1_escribe_su_carpeta_y_es_repetible(tmp_path, capsys):
    codigo, salida = ejecutar(tmp_path, "a", "--repeticiones", "2")
    assert codigo == 0
    config = leer_json(salida / "config.json")
    assert config["semilla"] == 7 and config["opciones"]["epocas"] == 2
    assert {"tensorflow", "keras", "numpy", "python"} <= set(config["entorno"])
    filas = leer_csv(salida / "resultados.csv")
    assert [f["entrenamiento"] for f in filas] == [1, 2]
    assert all(0.0 <= f["precision"] <= 1.0 for f in filas)
    resumen = leer_json(salida / "resultados.json")["resumen"]
    assert resumen["precision"]["media"] == pytest.approx((filas[0]["precision"] + filas[1]["precision"]) / 2)
    for k in (1, 2):
        assert len(leer_csv(salida / f"rep_{k}" / "historial.csv")) == 2
        assert (salida / f"rep_{k}" / "evolucion.png").stat().st_size > 1000
    assert not [n for n in os.listdir(salida) if n.startswith(".tmp-")]  # sin restos de escrituras
    texto = capsys.readouterr().out
    assert "Promedio" in texto and "Desv. típica" in texto

    codigo, otra = ejecutar(tmp_path, "b", "--repeticiones", "1")
    assert codigo == 0
    assert leer_csv(otra / "resultados.csv") == filas[:1]  # misma semilla, mismos números

    # Menos repeticiones al reanudar: la que sobra se borra (y se dice), no se cuenta ni se muestra.
    capsys.readouterr()
    codigo, _ = ejecutar(tmp_path, "a", "--repeticiones", "1", "--reanudar")
    assert codigo == 0
    assert not (salida / "rep_2").exists()
    assert leer_csv(salida / "resultados.csv") == filas[:1]
    assert leer_json(salida / "resultados.json")["resumen"]["precision"]["media"] == filas[0]["precision"]
    texto = capsys.readouterr().out
    assert "Se borran 1 carpetas de repeticiones" in texto and "rep_2" in texto
    assert "Desv. típica" not in texto


def test_reanudar_salta_los_entrenamientos_terminados(tmp_path):
    _, salida = ejecutar(tmp_path, "a")
    metricas = (salida / "rep_1" / "metricas.json").read_text()
    os.utime(salida / "rep_1" / "metricas.json", (0, 0))
    codigo, _ = ejecutar(tmp_path, "a", "--reanudar")
    assert codigo == 0
    assert (salida / "rep_1" / "metricas.json").read_text() == metricas
    assert os.stat(salida / "rep_1" / "metricas.json").st_mtime == 0  # no se ha vuelto a entrenar


def test_repetir_sin_reanudar_no_borra_nada_y_dice_como_seguir(tmp_path, capsys):
    """Volver a lanzar la misma orden (p. ej. tras interrumpirla) no borra sus respaldos ni sus resultados."""
    _, salida = ejecutar(tmp_path, "a")
    antes = {p: p.read_bytes() for p in salida.rglob("*") if p.is_file()}
    capsys.readouterr()
    codigo, _ = ejecutar(tmp_path, "a")
    error = capsys.readouterr().err
    assert codigo == 2 and str(salida) in error and "--reanudar" in error and "otra --salida" in error
    assert len(error.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in salida.rglob("*") if p.is_file()} == antes


@pytest.mark.parametrize(
    "cambio, mensaje",
    [
        (["--epocas", "3"], "--epocas: antes 2, ahora 3"),
        (["--semilla", "8"], "--semilla: antes 7, ahora 8"),
        (["--batch", "32"], "--batch: antes 64, ahora 32"),
    ],
)
def test_reanudar_con_otras_opciones_se_rechaza(tmp_path, capsys, cambio, mensaje):
    salida = tmp_path / "a"
    os.makedirs(salida)
    config = {
        "ejercicio": "p3-ejercicio1",
        "semilla": 7,
        "opciones": {
            "epocas": 2,
            "batch": 64,
            "semilla": 7,
            "datos": "digitos",
            "repeticiones": 1,
            "reanudar": False,
            "silencioso": True,
            "salida": str(salida),
        },
    }
    (salida / "config.json").write_text(json.dumps(config), encoding="utf-8")
    orden = ["p3", "ejercicio1", "--epocas", "2", "--semilla", "7", "--salida", str(salida), "--reanudar"]
    assert main([*orden, *cambio, "--repeticiones", "3"]) == 2  # --repeticiones sí puede cambiar
    error = capsys.readouterr().err
    assert "No se puede reanudar con opciones distintas" in error and mensaje in error
    assert "repeticiones" not in error
    assert leer_json(salida / "config.json") == config and os.listdir(salida) == ["config.json"]  # nada escrito


def test_reanudar_en_la_carpeta_de_otro_ejercicio_se_rechaza(tmp_path, capsys):
    os.makedirs(tmp_path / "a")
    (tmp_path / "a" / "config.json").write_text('{"ejercicio": "p3-ejercicio2", "semilla": 7}', encoding="utf-8")
    codigo, _ = ejecutar(tmp_path, "a", "--reanudar")
    assert codigo == 2 and "es de 'p3-ejercicio2', no de 'p3-ejercicio1'" in capsys.readouterr().err


def test_fuente_desconocida_da_error_claro_y_no_escribe(tmp_path, capsys):
    codigo, salida = ejecutar(tmp_path, "mala", "--datos", "no-existe")
    assert codigo == 2
    assert "Fuente de datos desconocida: 'no-existe'" in capsys.readouterr().err
    assert not salida.exists()


@pytest.mark.parametrize(
    ("orden", "mensaje"),
    [
        (["p3", "ejercicio1", "--epocas", "0"], "argumento --epocas: debe ser un entero mayor o igual que 1 y es '0'"),
        (
            ["p3", "ejercicio1", "--batch", "dos"],
            "argumento --batch: debe ser un entero mayor o igual que 1 y es 'dos'",
        ),
        (
            ["p3", "ejercicio3", "--tamano", "16"],
            "argumento --tamano: debe ser un entero mayor o igual que 32 y es '16'",
        ),
        (
            ["entrenamiento", "optimizadores", "--epocas", "0"],
            "argumento --epocas: debe ser un entero mayor o igual que 1 y es '0'",
        ),
        (["entrenamiento", "tasas", "--tasa", "-0.1"], "argumento --tasa: debe ser un número mayor que 0 y es '-0.1'"),
        (
            ["entrenamiento", "regularizacion", "--dropout", "1.5"],
            "argumento --dropout: debe ser un número en [0, 1) y es '1.5'",
        ),
        (
            ["entrenamiento", "regularizacion-extra", "--suavizado", "nan"],
            "argumento --suavizado: debe ser un número en [0, 1] y es 'nan'",
        ),
        (
            ["entrenamiento", "regularizacion-extra", "--multiplicadores", "0,0.1,-1"],
            "argumento --multiplicadores: debe ser una lista de 3 números separados por comas, cada uno un número "
            "mayor o igual que 0, y es '0,0.1,-1'",
        ),
        (
            ["entrenamiento", "relu-muertas", "--tasas", "0.1,-1"],
            "argumento --tasas: debe ser una lista de números separados por comas, cada uno un número mayor que 0, "
            "y es '0.1,-1'",
        ),
        (
            ["entrenamiento", "busqueda", "--franja", "1"],
            "argumento --franja: debe ser un número en (0, 1) y es '1'",
        ),
        (
            ["preprocesado", "blanqueo", "--epsilon", "-1"],
            "argumento --epsilon: debe ser un número mayor o igual que 0 y es '-1'",
        ),
        (
            ["preprocesado", "convolucion", "--tamano", "2"],
            "argumento --tamano: debe ser un entero mayor o igual que 3 y es '2'",
        ),
        (
            ["talleres", "perros-gatos", "--validacion", "0"],
            "argumento --validacion: debe ser un número en (0, 1) y es '0'",
        ),
        (
            ["talleres", "perros-gatos", "--tasa-ajuste", "0"],
            "argumento --tasa-ajuste: debe ser un número mayor que 0 y es '0'",
        ),
        (
            ["arquitecturas", "gradientes", "--epocas", "-1"],
            "argumento --epocas: debe ser un entero mayor o igual que 0 y es '-1'",
        ),
        (
            ["arquitecturas", "bloques", "--peso-auxiliar", "-0.5"],
            "argumento --peso-auxiliar: debe ser un número mayor o igual que 0 y es '-0.5'",
        ),
    ],
)
def test_opciones_invalidas_las_rechaza_argparse_con_la_plantilla(tmp_path, orden, mensaje, capsys):
    with pytest.raises(SystemExit) as e:
        main([*orden, "--salida", str(tmp_path / "s")])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"error: {mensaje}")
    assert not (tmp_path / "s").exists()


def test_modulo_ejecutable_muestra_la_ayuda(tmp_path):
    orden = [sys.executable, "-m", "practicas", "p3", "--help"]
    r = subprocess.run(orden, cwd=tmp_path, capture_output=True, text=True, timeout=120)  # el paquete instalado
    assert r.returncode == 0 and "ejercicio1" in r.stdout


def test_la_ayuda_de_un_ejercicio_no_importa_tensorflow(tmp_path):
    codigo = (
        "import sys\n"
        "from practicas.__main__ import main\n"
        "try:\n"
        "    main(['p3', 'ejercicio1', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "--epocas EPOCAS" in r.stdout and "--repeticiones" in r.stdout
    assert r.stdout.splitlines()[-1] == "False False"


def test_las_ayudas_guardadas_son_las_de_los_ejercicios():
    """`practicas/_ayudas.py` tiene la ayuda de cada ejercicio tal como la dan sus opciones."""
    from practicas._ayudas import AYUDAS
    from practicas.registro import ayudas_completas

    completas = ayudas_completas()
    distintas = sorted(k for k in completas if AYUDAS.get(k) != completas[k]) + sorted(set(AYUDAS) - set(completas))
    assert not distintas, f"Regenere practicas/_ayudas.py con `python -m practicas.registro`: cambiaron {distintas}"


def test_el_titulo_de_las_curvas_dice_los_datos():
    from practicas.comun import cantidad, nombre_de_datos

    assert nombre_de_datos("digitos") == "los dígitos incluidos" and nombre_de_datos(None) == "los dígitos incluidos"
    assert nombre_de_datos("cifar100") == "CIFAR-100 (25 clases)"
    assert nombre_de_datos("tfds:caltech_birds2010") == "caltech_birds2010"
    assert nombre_de_datos("/datos/cifar-100-python.tar.gz") == "cifar-100-python.tar.gz"
    assert (cantidad(1, "época"), cantidad(10, "época")) == ("1 época", "10 épocas")


def test_la_precision_se_escribe_igual_en_todas_las_tablas(capsys):
    from practicas.comun import tabla
    from practicas.entrenamiento._comun import imprimir_tabla

    imprimir_tabla(
        [{"nombre": "a", "precision": 0.814}], "Título", [("nombre", "Red", "s"), ("precision", "Precisión", "%")]
    )
    assert "81.40 %" in capsys.readouterr().out
    assert "81.40 %" in tabla([{"entrenamiento": 1, "perdida": 0.5, "precision": 0.814}], "Título")
