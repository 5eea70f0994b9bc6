"""Lo que un estudiante nuevo encuentra en sus primeros diez minutos (issue 11, §4).

El ejemplo del README, los errores de clases, las carpetas que no deben quedar, los pesos que no deben
escribirse sin pedirlo, los archivos del usuario que no deben tapar los paquetes, una línea de órdenes
silenciosa y en español, y las gráficas.
"""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from datos import ErrorParametro, cargar_digitos
from datos.argumentos import traducir
from modelos import getBaseNet
from practicas.__main__ import _carpetas_nuevas, _deshacer_carpetas, arrancar_tensorflow, construir_parser, main
from tests import cifar_falso
from utilidades import compileModel, testModel, trainModel
from utilidades.graficas import figura_evolucion, mostrarEvolucion
from utilidades.resultados import leer_json

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _ejemplo_del_readme():
    """El primer bloque de Python de la sección «API para los scripts de los estudiantes» del README."""
    with open(os.path.join(RAIZ, "README.md"), encoding="utf-8") as f:
        texto = f.read()
    seccion = texto[texto.index("## API para los scripts de los estudiantes") :]
    return re.search(r"```python\n(.*?)```", seccion, re.S).group(1)


def test_el_ejemplo_del_readme_funciona_tal_cual(tmp_path, monkeypatch, capsys):
    codigo = _ejemplo_del_readme()
    assert "cargar_digitos()" in codigo and "trainModel(model, it_train, it_val, 64, 50)" in codigo
    codigo = codigo.replace("64, 50)", "64, 2)")  # lo único que cambia: 2 épocas en vez de 50
    monkeypatch.chdir(tmp_path)
    espacio = {}
    exec(compile(codigo, "README.md", "exec"), espacio)
    assert espacio["model"].output_shape == (None, 10)
    assert len(espacio["hist"].history["loss"]) == 2
    assert 0.2 < espacio["precision"] <= 1.0  # con 10 clases el azar da 0,1
    assert (tmp_path / "basenet" / "evolucion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Precisión en test:" in capsys.readouterr().out
    assert os.listdir(tmp_path) == ["basenet"]  # nada más en la carpeta de trabajo


@pytest.fixture(scope="module")
def digitos():
    return cargar_digitos()


def test_clases_distintas_dicen_que_numero_pasar(digitos):
    x_train, y_train, x_test, y_test = digitos
    modelo = getBaseNet()  # 25 clases, como CIFAR-100
    compileModel(modelo)
    with pytest.raises(ValueError, match=r"10 clases .* 25 salidas: construya el modelo con num_clases=10"):
        trainModel(modelo, (x_train[:64], y_train[:64]), (x_test[:32], y_test[:32]), 32, 1)
    lotes = tf.data.Dataset.from_tensor_slices((x_train[:64], y_train[:64])).batch(32)
    with pytest.raises(ValueError, match="num_clases=10"):
        trainModel(modelo, lotes, lotes, 32, 1)
    with pytest.raises(ValueError, match="num_clases=10"):
        testModel(modelo, x_test[:32], y_test[:32])
    with pytest.raises(ValueError, match="num_clases=10"):
        testModel(modelo, lotes)
    # también con `fit`/`evaluate` de Keras tras `compileModel` (sin `trainModel`)
    with pytest.raises(ValueError, match=r"10 clases .* 25 salidas: construya el modelo con num_clases=10"):
        modelo.fit(x_train[:64], y_train[:64], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="num_clases=10"):
        modelo.evaluate(lotes, verbose=0)


def test_la_comprobacion_de_clases_no_cambia_lo_que_se_guarda(digitos, tmp_path):
    """Un modelo de `compileModel` se guarda y se carga sin el paquete (la comprobación es del objeto)."""
    x_train, y_train, _, _ = digitos
    modelo = getBaseNet(num_clases=10)
    compileModel(modelo)
    modelo.fit(x_train[:64], y_train[:64], epochs=1, verbose=0)
    modelo.save(tmp_path / "m.keras")
    cargado = keras.models.load_model(tmp_path / "m.keras")
    assert cargado.loss == "categorical_crossentropy"
    assert cargado.evaluate(x_train[:64], y_train[:64], verbose=0) == pytest.approx(
        modelo.evaluate(x_train[:64], y_train[:64], verbose=0), rel=1e-5
    )


# --- Carpetas de resultados: un error no deja nada -------------------------------------------------


def test_un_error_no_deja_carpeta_de_resultados(tmp_path, capsys):
    ordenes = [
        (["p3", "ejercicio3", "--datos", str(tmp_path / "no_esta")], "No existe la carpeta"),
        (["p3", "ejercicio3", "--variante", "v0", "--pesos", str(tmp_path / "no.h5")], "No existe el archivo de pesos"),
        (["talleres", "arquitecturas", "--modelos", "lenet5", "--tamano", "224", "11", "0", "4"], "entero"),
        (["p3", "ejercicio1", "--datos", "pajaros-sintetico"], "necesita imágenes de 32×32×3"),
        (["p3", "ejercicio1", "--datos", "/no/existe"], "No existe la ruta '/no/existe'"),
    ]
    for k, (orden, mensaje) in enumerate(ordenes):
        salida = tmp_path / f"res_{k}"
        assert main([*orden, "--salida", str(salida)]) == 2, orden
        assert mensaje in capsys.readouterr().err, orden
        assert not salida.exists(), orden


def test_la_carpeta_por_defecto_tampoco_queda(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["p3", "ejercicio1", "--datos", "no-existe"]) == 2
    assert "Fuente de datos desconocida" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_deshacer_solo_borra_lo_creado_y_vacio(tmp_path):
    (tmp_path / "existia").mkdir()
    nuevas = _carpetas_nuevas(tmp_path / "existia" / "a" / "b")
    assert nuevas == [str(tmp_path / "existia" / "a" / "b"), str(tmp_path / "existia" / "a")]
    (tmp_path / "existia" / "a" / "b").mkdir(parents=True)
    (tmp_path / "existia" / "a" / "b" / "config.json").write_text("{}")
    _deshacer_carpetas(nuevas)
    assert os.listdir(tmp_path / "existia") == []
    # con algún resultado dentro no se toca nada
    (tmp_path / "existia" / "a" / "b").mkdir(parents=True)
    (tmp_path / "existia" / "a" / "b" / "resultados.csv").write_text("x")
    _deshacer_carpetas(nuevas)
    assert (tmp_path / "existia" / "a" / "b" / "resultados.csv").exists()


# --- Ejercicio 3: sin pesos de cientos de MB salvo que se pidan ------------------------------------


def test_ejercicio3_v3_no_guarda_pesos_sin_pedirlo(tmp_path, eager):
    salida = tmp_path / "res"
    orden = [
        "p3",
        "ejercicio3",
        "--variante",
        "v3",
        "--epocas",
        "1",
        "--tamano",
        "32",
        "--semilla",
        "0",
        "--silencioso",
    ]
    assert main([*orden, "--salida", str(salida)]) == 0
    escritos = [os.path.relpath(os.path.join(r, n), salida) for r, _, ns in os.walk(salida) for n in ns]
    assert not [e for e in escritos if e.endswith(".h5")], escritos  # ni finales ni respaldos
    assert not [e for e in escritos if "respaldo" in e], escritos
    assert leer_json(salida / "birdnetv3" / "rep_1" / "metricas.json")["batch"] == 32  # §4.2
    assert (salida / "birdnetv3" / "rep_1" / "evolucion.png").exists()


# --- La línea de órdenes: archivos del usuario, silencio y español ---------------------------------


def _entorno_sin_silencio():
    entorno = dict(os.environ)
    entorno.pop("TF_CPP_MIN_LOG_LEVEL", None)  # conftest lo fija; un estudiante no lo tiene
    return entorno


def test_los_archivos_del_usuario_no_tapan_los_paquetes(tmp_path):
    (tmp_path / "modelos.py").write_text("raise SystemExit('se ha importado el modelos.py del usuario')\n")
    (tmp_path / "utilidades.py").write_text("raise SystemExit('se ha importado el utilidades.py del usuario')\n")
    (tmp_path / "datos").mkdir()
    (tmp_path / "datos" / "foto.jpg").write_bytes(b"no es una imagen")
    orden = [sys.executable, "-m", "practicas", "p3", "ejercicio1", "--epocas", "1", "--semilla", "0", "--silencioso"]
    r = subprocess.run(
        [*orden, "--salida", "res"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=_entorno_sin_silencio(),
    )
    assert r.returncode == 0, r.stderr
    assert "Resultados en" in r.stdout
    assert (tmp_path / "res" / "rep_1" / "metricas.json").exists()
    # y en silencio: ni los mensajes de C++ de TensorFlow al cargarse ni avisos de Python (shuffle=True...) al entrenar
    assert r.stderr.strip() == "", r.stderr


def test_en_un_script_el_aviso_nombra_el_archivo(tmp_path):
    (tmp_path / "modelos.py").write_text("MIO = True\n")
    (tmp_path / "script.py").write_text("from datos import cargar_digitos\nimport modelos\nprint(modelos.MIO)\n")
    r = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "True", r.stderr  # su archivo sigue funcionando
    assert f"El archivo '{tmp_path / 'modelos.py'}' tapa el paquete 'modelos'" in r.stderr
    assert "mis_modelos.py" in r.stderr


def test_verboso_no_silencia_tensorflow(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    arrancar_tensorflow(verboso=True)
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    arrancar_tensorflow(verboso=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    args = construir_parser().parse_args(["p3", "ejercicio1", "--verboso"])
    assert args.verboso


def test_mensajes_de_argparse_en_espanol(capsys):
    casos = [
        (["p3", "ejercicio1", "--epocas", "0"], "argumento --epocas: debe ser un entero mayor o igual que 1 y es '0'"),
        (["p3", "ejercicio1", "--batch"], "argumento --batch: falta su valor"),
        (["p3", "ejercicio1", "--nada"], "argumentos no reconocidos: --nada"),
        (["p3", "ejercicio3", "--variante", "v7"], "argumento --variante: valor no válido: 'v7' (elija entre"),
        (["p3"], "faltan argumentos obligatorios: EJERCICIO"),
        (["p9"], "argumento PRACTICA: valor no válido: 'p9'"),
    ]
    for orden, mensaje in casos:
        with pytest.raises(SystemExit) as e:
            main(orden)
        assert e.value.code == 2
        error = capsys.readouterr().err
        assert mensaje in error, error
        assert error.startswith("uso: ")
        for ingles in ("usage", "argument ", "invalid", "expected", "required", "unrecognized", "choose"):
            assert ingles not in error, error
    with pytest.raises(SystemExit):
        main(["p3", "ejercicio1", "--help"])
    ayuda = capsys.readouterr().out
    assert ayuda.startswith("uso: ") and "opciones:" in ayuda and "muestra esta ayuda y termina" in ayuda
    assert "--sin-verificar" in ayuda and "--verboso" in ayuda
    assert not re.search(r"usage|options:|show this help", ayuda)
    assert traducir("argument --x: invalid int value: 'a'") == "argumento --x: 'a' no es un número entero"
    assert traducir("argument --x: expected 4 arguments") == "argumento --x: necesita 4 valores"


def test_sin_verificar_acepta_un_archivo_propio(tmp_path, capsys):
    archivo = tmp_path / "mi-cifar.tar.gz"
    cifar_falso.escribir_archivo(archivo)
    orden = ["p3", "ejercicio1", "--datos", str(archivo), "--epocas", "1", "--semilla", "0", "--silencioso"]
    assert main([*orden, "--salida", str(tmp_path / "a")]) == 2
    assert "SHA-256" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main([*orden, "--salida", str(tmp_path / "b"), "--sin-verificar"]) == 0
    assert (tmp_path / "b" / "rep_1" / "metricas.json").exists()


# --- Gráficas ---------------------------------------------------------------------------------------


def test_las_curvas_van_donde_se_dice_y_nada_sin_pedirlo(tmp_path, monkeypatch, capsys, digitos):
    monkeypatch.chdir(tmp_path)
    historial = {"loss": [1.0], "val_loss": [1.1], "accuracy": [0.5], "val_accuracy": [0.4]}
    assert mostrarEvolucion(historial) is None and os.listdir(tmp_path) == []  # sin pantalla: no escribe nada
    assert "ruta='curvas.png'" in capsys.readouterr().out
    assert mostrarEvolucion(historial, ruta=tmp_path / "otra" / "curvas.png") == str(tmp_path / "otra" / "curvas.png")

    x_train, y_train, x_test, y_test = digitos
    modelo = getBaseNet(num_clases=10)
    compileModel(modelo)
    hist = trainModel(modelo, (x_train[:64], y_train[:64]), (x_test[:32], y_test[:32]), 32, 1, verbose=0)
    testModel(modelo, x_test[:32], y_test[:32], hist, ruta=tmp_path / "test.png")
    testModel(modelo, x_test[:32], y_test[:32], hist, carpeta=tmp_path / "rep_1")
    assert (tmp_path / "test.png").exists() and (tmp_path / "rep_1" / "evolucion.png").exists()
    testModel(modelo, x_test[:32], y_test[:32], hist)  # sin ruta ni carpeta: nada en la carpeta de trabajo
    assert sorted(os.listdir(tmp_path)) == ["otra", "rep_1", "test.png"]


def test_figura_de_una_epoca_visible_con_titulo_y_epocas_enteras():
    import matplotlib.pyplot as plt

    figura = figura_evolucion(
        {"loss": [1.0], "val_loss": [1.2], "accuracy": [0.5], "val_accuracy": [0.4]}, "BaseNet: rep_1"
    )
    figura.canvas.draw()
    assert figura._suptitle.get_text() == "BaseNet: rep_1"
    for eje in figura.axes:
        assert all(linea.get_marker() not in (None, "None", "") for linea in eje.get_lines())  # un punto se ve
        marcas = [t for t in eje.get_xticks() if eje.get_xlim()[0] <= t <= eje.get_xlim()[1]]
        assert marcas and all(float(t).is_integer() for t in marcas)
    plt.close(figura)


def test_trayectorias_de_optimizadores_con_ejes_y_leyenda_fuera():
    import matplotlib.pyplot as plt

    from practicas.entrenamiento.optimizadores import _figura_trayectorias
    from teoria.optimizadores import FUNCIONES_PRUEBA

    funcion = FUNCIONES_PRUEBA["rosenbrock"]()
    inicio = np.array([funcion.limites[0], funcion.limites[2]]) * 0.8
    caminos = {n: np.linspace(inicio, funcion.minimo, 20) for n in ("sgd", "momento", "adam", "rmsprop")}
    figura = _figura_trayectorias(funcion, caminos)
    figura.canvas.draw()
    for eje in figura.axes:
        assert eje.get_xlabel() and eje.get_ylabel()
        leyenda = eje.get_legend()
        assert leyenda is not None and "inicio" in [t.get_text() for t in leyenda.get_texts()]
        # la leyenda queda fuera del dibujo: no tapa ningún camino
        caja_leyenda, caja_eje = leyenda.get_window_extent(), eje.get_window_extent()
        assert caja_leyenda.x0 >= caja_eje.x1
        # caminos superpuestos se distinguen por el trazo
        estilos = [(linea.get_linestyle(), linea.get_marker()) for linea in eje.get_lines()[:-2]]
        assert len(set(estilos)) == len(estilos)
    plt.close(figura)


def test_los_resultados_se_leen_con_la_umask_como_con_open(tmp_path):
    """Un temporal nace con 0600: el archivo final debe quedar con los permisos de la umask (carpetas compartidas)."""
    from utilidades.resultados import escribir_json

    anterior = os.umask(0o022)
    try:
        ruta = escribir_json(tmp_path / "r.json", {"a": 1})
        assert os.stat(ruta).st_mode & 0o777 == 0o644
        os.umask(0o077)
        assert os.stat(escribir_json(tmp_path / "s.json", {})).st_mode & 0o777 == 0o600
    finally:
        os.umask(anterior)


def test_test_model_con_el_lote_en_el_lugar_del_historial_da_un_error_claro(digitos):
    x_train, y_train, x_test, y_test = digitos
    modelo = getBaseNet(num_clases=10)
    compileModel(modelo)
    with pytest.raises(ErrorParametro, match=r"'hist' debe ser el historial .* batchSize=64\)"):
        testModel(modelo, x_test[:8], y_test[:8], 64)


def test_importar_el_paquete_no_llena_la_pantalla_de_mensajes_de_tensorflow(tmp_path):
    """Un script del estudiante (o la primera celda de un cuaderno) que usa el paquete: sin las ~8 líneas de C++."""
    entorno = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    codigo = "import modelos\nprint(modelos.getBaseNet().count_params())\n"
    r = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, capture_output=True, text=True, env=entorno)
    assert r.returncode == 0 and r.stdout.strip() == "24197", r.stderr
    for ruido in ("absl::InitializeLog", "oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard"):
        assert ruido not in r.stderr, r.stderr


def test_el_filtro_deja_ver_los_errores_de_verdad(capfd):
    from datos.silencio import stderr_filtrado

    with stderr_filtrado():
        os.write(2, b"I0000 00:00:17 1 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...\n")
        os.write(2, b"E0000 00:00:17 1 loader.cc:12] Error de verdad: no se puede cargar libcudnn.so.9\n")
    error = capfd.readouterr().err
    assert "Error de verdad" in error and "cpu_feature_guard" not in error
