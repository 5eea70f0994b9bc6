"""Calificación: entregas como las escriben los estudiantes (Keras 2, Colab en varios cuadernos, nombres
propios), ejecutadas enteras en bubblewrap, con notas exactas; la lectura de entregas y la comparación de
arquitecturas sin ejecutar nada."""

import json
import os
import shutil
import zipfile

import keras
import pytest
from keras import layers

import modelos
from calificacion import comparar_arquitectura, describir_modelo
from calificacion.__main__ import main
from calificacion.aislamiento import bwrap_disponible
from calificacion.entregas import (
    ErrorEntrega,
    ErrorLectura,
    buscar_entregas,
    leer_fragmentos,
    nombre_estudiante,
    preparar_archivos,
)
from calificacion.reconstruccion import describir_config
from datos.errores import ErrorDatos, ErrorParametro
from tests import entregas_p3
from utilidades.resultados import leer_csv, leer_json

AQUI = os.path.dirname(__file__)
REALES = os.path.join(AQUI, "entregas", "reales")
INFORME = os.path.join(AQUI, "entregas", "entrega_correcta.py")
PRUEBAS = ["basenet", "mejorada", "normaliza_test", "validacion", "compilacion", "transferencia", "ajuste_fino"]

requiere_bwrap = pytest.mark.skipif(
    bwrap_disponible() is not None, reason=f"sin aislamiento con bubblewrap aquí: {bwrap_disponible()}"
)


def notas(fila):
    return {p: fila[p] for p in PRUEBAS}


# --- Comparación de arquitecturas ---------------------------------------------------------------


def basenet(filtros=(6, 16), activacion_conv1="relu", relleno="valid", extra=()):
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(filtros[0], 5, activation=activacion_conv1, padding=relleno),
            layers.MaxPooling2D(2),
            layers.Conv2D(filtros[1], 5, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            *extra,
            layers.Dense(50, activation="relu"),
            layers.Dense(25, activation="softmax"),
        ]
    )


def test_comparar_coincide_con_la_referencia():
    comparacion = comparar_arquitectura(basenet(), modelos.getBaseNet())
    assert comparacion and comparacion.fraccion == 1.0
    assert str(comparacion) == "La arquitectura coincide con la referencia (7 capas, 24.197 parámetros)."


def test_un_relleno_equivocado_no_arrastra_a_las_demas_capas():
    comparacion = comparar_arquitectura(basenet(relleno="same"), modelos.getBaseNet())
    assert not comparacion
    assert comparacion.coincidentes == 6 and comparacion.fraccion == pytest.approx(6 / 7)
    mensaje = str(comparacion)
    assert "capa 1 (conv2d" in mensaje and "relleno same, se esperaba valid" in mensaje
    assert "salida (None, 10, 10, 16)" not in mensaje.split("\n")[1]  # la forma heredada no es el error de la capa 1


def test_comparar_explica_activacion_y_filtros():
    comparacion = comparar_arquitectura(basenet(filtros=(6, 32), activacion_conv1=None), modelos.getBaseNet())
    mensaje = str(comparacion)
    assert "activación 'linear', se esperaba 'relu'" in mensaje
    assert "filtros 32, se esperaba 16" in mensaje
    assert comparacion.coincidentes == 5 and comparacion.fraccion == pytest.approx(5 / 7)


def test_comparar_localiza_capas_que_sobran():
    sobra = comparar_arquitectura(basenet(extra=[layers.Dropout(0.5)]), modelos.getBaseNet())
    assert "Dropout): sobra" in str(sobra)
    assert sobra.coincidentes == 7 and sobra.fraccion == pytest.approx(7 / 8)


def test_activacion_suelta_equivale_al_parametro_activation():
    modelo = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(6, 5),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 5),
            layers.Activation("relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            layers.Dense(25),
            layers.Softmax(),
        ]
    )
    assert comparar_arquitectura(modelo, modelos.getBaseNet())


def test_describir_modelo_despliega_submodelos_congelados():
    interno = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.BatchNormalization()], name="interno")
    interno.trainable = False
    modelo = keras.Sequential([keras.Input((8,)), interno, layers.Dense(2, activation="softmax")])
    descripcion = describir_modelo(modelo)
    assert [c["tipo"] for c in descripcion["capas"]] == ["Dense", "BatchNormalization", "Dense"]
    assert [c["entrenable"] for c in descripcion["capas"]] == [False, False, True]
    assert descripcion["parametros"] == 36 + 16 + 10 and descripcion["entrenables"] == 10
    json.dumps(descripcion)


def test_configuraciones_de_la_entrega_se_reconstruyen_sin_ejecutar_codigo():
    modelo = basenet()
    modelo.compile(loss=keras.losses.categorical_crossentropy, optimizer="sgd", metrics=["accuracy"])
    assert describir_config(modelo.to_json())["parametros"] == 24_197  # compilado: la compilación se ignora
    # se reconstruye sin generar los valores iniciales de los pesos: la descripción es la misma
    variada = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            layers.ZeroPadding2D(((1, 1), (1, 1))),
            layers.Conv2D(3, 3, kernel_initializer="orthogonal", bias_initializer=keras.initializers.Constant(0.5)),
            layers.BatchNormalization(gamma_initializer="ones", moving_variance_initializer="random_normal"),
            layers.Flatten(),
            layers.Dense(4, kernel_initializer=keras.initializers.HeNormal(seed=3), bias_initializer=None),
        ]
    )
    assert describir_config(variada.to_json()) == describir_modelo(variada)
    # y es la misma tras pasar por JSON (como vuelve del proceso que reconstruye): tuplas anidadas incluidas
    assert json.loads(json.dumps(describir_modelo(variada))) == describir_modelo(variada)
    lambda_ = keras.Sequential([keras.Input((4,)), layers.Lambda(lambda x: x * 2)])
    assert describir_config(lambda_.to_json()) is None  # safe_mode: una Lambda no se deserializa
    falsa = json.loads(basenet().to_json())
    falsa["config"]["layers"][1]["module"] = "os"
    falsa["config"]["layers"][1]["class_name"] = "system"
    assert describir_config(json.dumps(falsa)) is None


RECONSTRUIR_CON_LIMITES = """
import json, sys, time
from calificacion.reconstruccion import describir_configs

normal, enorme, lenta = json.load(sys.stdin)
inicio = time.monotonic()
primeras = describir_configs([normal, enorme, normal + " "], memoria=2 * 1024**3, tiempo=120)
medio = time.monotonic()
segundas = describir_configs([lenta, normal + "  "], memoria=2 * 1024**3, tiempo=2)
print(json.dumps({
    "parametros": [None if d is None else d["parametros"] for d in [*primeras.values(), *segundas.values()]],
    "segundos_lenta": time.monotonic() - medio,
    "memoria_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024,  # pico de RSS
    "tensorflow": "tensorflow" in sys.modules,
}))
"""


def test_la_reconstruccion_tiene_memoria_y_tiempo_limitados():
    """Una configuración de la entrega que pide 2 GB de pesos o miles de capas no tumba ni cuelga al calificador."""
    import subprocess
    import sys

    normal = modelos.getBaseNet().to_json()
    enorme = keras.Sequential([keras.Input((10_000,)), layers.Dense(5)]).to_json()
    enorme = enorme.replace('"units": 5,', '"units": 50000,')
    lenta = json.loads(normal)
    capa = {k: v for k, v in lenta["config"]["layers"][-1].items() if k != "build_config"}  # Dense(25)
    lenta["config"]["layers"] += [{**capa, "config": {**capa["config"], "name": f"d{i}"}} for i in range(5000)]
    resultado = subprocess.run(
        [sys.executable, "-c", RECONSTRUIR_CON_LIMITES],
        input=json.dumps([normal, enorme, json.dumps(lenta)]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resultado.returncode == 0, resultado.stderr[-3000:]
    medido = json.loads(resultado.stdout.splitlines()[-1])
    # la enorme se queda sin memoria y la lenta sin sus 2 s de CPU; las siguientes se reconstruyen en otro proceso
    assert medido["parametros"] == [24_197, None, 24_197, None, 24_197]
    assert medido["segundos_lenta"] < 15
    assert medido["memoria_mb"] < 500 and not medido["tensorflow"]  # nada de eso pasó en el calificador


# --- Encontrar y leer entregas ---------------------------------------------------------------------


def test_nombres_de_moodle_y_orden_natural(tmp_path):
    (tmp_path / "Ana María Ruiz_123456_assignsubmission_file_").mkdir()
    for nombre in ("p3_ej3-2.ipynb", "p3_ej1_2.ipynb", "p3_ej3-1.ipynb", "p3_ej10.py"):
        (tmp_path / "Ana María Ruiz_123456_assignsubmission_file_" / nombre).write_text("{}")
    (tmp_path / "luis.py").write_text("x = 1\n")
    with zipfile.ZipFile(tmp_path / "Eva Sanz_777_assignsubmission_file_.zip", "w") as archivo:
        archivo.writestr("entrega/p3.py", "x = 1\n")
        archivo.writestr("../../fuera.py", "x = 2\n")  # ruta maliciosa: se ignora
        archivo.writestr("__MACOSX/entrega/._p3.py", "basura")
    entregas = buscar_entregas(tmp_path)
    assert [e.estudiante for e in entregas] == ["Ana María Ruiz", "Eva Sanz", "luis"]
    destino = tmp_path / "copia"
    destino.mkdir()
    preparar_archivos(entregas[0], destino)
    assert [n for n, _ in entregas[0].archivos] == ["p3_ej1_2.ipynb", "p3_ej3-1.ipynb", "p3_ej3-2.ipynb", "p3_ej10.py"]
    zip_destino = tmp_path / "zip"
    zip_destino.mkdir()
    preparar_archivos(entregas[1], zip_destino)
    assert [n for n, _ in entregas[1].archivos] == [os.path.join("entrega", "p3.py")]
    assert not (tmp_path / "fuera.py").exists()
    assert nombre_estudiante("Diego Informe_100004_assignsubmission_file_.py") == "Diego Informe"


def test_una_especificacion_mal_escrita_es_un_error_del_paquete():
    modelo = modelos.getBaseNet()
    with pytest.raises(ErrorParametro, match="Claves desconocidas"):
        comparar_arquitectura(modelo, [{"tipo": "Conv2D", "filtros": 6}])
    with pytest.raises(ErrorParametro, match="debe ser un diccionario"):
        comparar_arquitectura(modelo, ["Conv2D"])


def test_carpetas_sin_entregas_dan_un_error_claro(tmp_path):
    assert issubclass(ErrorEntrega, ErrorDatos)  # `calificar` la explica en una línea, como `python -m practicas`
    with pytest.raises(ErrorEntrega, match="No existe la carpeta de entregas «.*no_existe»"):
        buscar_entregas(tmp_path / "no_existe")
    with pytest.raises(ErrorEntrega, match="no tiene entregas"):
        buscar_entregas(tmp_path)
    (tmp_path / "roto.zip").write_bytes(b"esto no es un zip")
    entrega = buscar_entregas(tmp_path)[0]
    with pytest.raises(ErrorLectura, match="no se puede leer el zip roto.zip"):
        preparar_archivos(entrega, tmp_path)


def test_el_codigo_de_una_entrega_se_mide_entero_antes_de_extraer(tmp_path):
    """Dos zip de 60 MB de código en la carpeta de un estudiante: 120 MB, más de los 100 de una entrega."""
    carpeta = tmp_path / "Eva Sanz_777_assignsubmission_file_"
    carpeta.mkdir()
    for k in range(2):
        with zipfile.ZipFile(carpeta / f"parte{k}.zip", "w", zipfile.ZIP_DEFLATED) as archivo:
            archivo.writestr(f"p{k}.py", "#" * 60 * 1024**2)
    (carpeta / "p3.py").write_text("x = 1\n")
    (entrega,) = buscar_entregas(tmp_path)
    destino = tmp_path / "copia"
    destino.mkdir()
    with pytest.raises(ErrorLectura, match="tiene 120 MB de código"):
        preparar_archivos(entrega, destino)
    assert list(destino.iterdir()) == []  # no se copió ni extrajo nada


def test_cuaderno_de_colab_sin_magias_y_codificaciones(tmp_path):
    cuaderno = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Práctica 3"]},
            {
                "cell_type": "code",
                "source": [
                    "from google.colab import drive\n",
                    "drive.mount('/content/drive')\n",
                    "!unzip -q imagenes.zip\n",
                    "%matplotlib inline",
                ],
            },
            {"cell_type": "code", "source": "%%time\nx = 1"},
            {"cell_type": "code", "source": ["if True:\n", "    !ls\n"]},
        ]
    }
    (tmp_path / "p3.ipynb").write_text(json.dumps(cuaderno))
    fragmentos, avisos = leer_fragmentos("p3.ipynb", tmp_path / "p3.ipynb")
    assert [f["nombre"] for f in fragmentos] == ["p3.ipynb [celda 2]", "p3.ipynb [celda 4]"]
    assert fragmentos[0]["codigo"].splitlines()[2:] == ["pass", "pass"]
    assert fragmentos[1]["codigo"] == "if True:\n    pass\n"
    assert avisos == ["p3.ipynb: se omitieron 4 líneas de orden o magia de Colab (! o %)."]
    (tmp_path / "latin.py").write_bytes("# -*- coding: latin-1 -*-\nnombre = 'año'\n".encode("latin-1"))
    assert "año" in leer_fragmentos("latin.py", tmp_path / "latin.py")[0][0]["codigo"]
    (tmp_path / "roto.ipynb").write_text('{"cells": [')
    with pytest.raises(ErrorLectura, match=r"roto\.ipynb no es un JSON válido \(línea 1, columna 12\)"):
        leer_fragmentos("roto.ipynb", tmp_path / "roto.ipynb")


# --- Entregas reales del curso: una clase completa ---------------------------------------------------


@pytest.fixture(scope="module")
def clase_real(tmp_path_factory):
    """Tres estudiantes como los del curso (un script de Keras 2 con todo en el nivel superior, tres
    cuadernos de Colab con nombres propios, un script de tf.keras con main) y uno con los nombres del informe."""
    carpeta = tmp_path_factory.mktemp("clase")
    for nombre in os.listdir(REALES):
        shutil.copytree(os.path.join(REALES, nombre), carpeta / nombre)
    shutil.copy(INFORME, carpeta / "Diego Informe_100004_assignsubmission_file_.py")
    salida = tmp_path_factory.mktemp("notas")
    assert main([str(carpeta), "--salida", str(salida), "--procesos", "2", "--tiempo-limite", "300"]) == 0
    return salida, {fila["estudiante"]: fila for fila in leer_csv(salida / "calificaciones.csv")}


@requiere_bwrap
def test_clase_real_notas_exactas(clase_real):
    salida, filas = clase_real
    assert list(filas) == ["Ana Garcia Lopez", "Borja Martin Ruiz", "Carmen Diaz Soto", "Diego Informe"]
    for estudiante, fila in filas.items():
        assert notas(fila) == {
            "basenet": 3,
            "mejorada": 2,
            "normaliza_test": 1,
            "validacion": 0.5,
            "compilacion": 0.5,
            "transferencia": 1.5,
            "ajuste_fino": 1.5,
        }, estudiante
        assert (fila["nota"], fila["maximo"], fila["error"]) == (10, 10, "")


@requiere_bwrap
def test_clase_real_informes_dicen_lo_que_se_adapto(clase_real):
    salida, _ = clase_real
    borja = (salida / "Borja Martin Ruiz" / "informe.md").read_text(encoding="utf-8")
    assert "Archivos ejecutados, en este orden: `p3_ej1_2.ipynb`, `p3_ej3-1.ipynb`, `p3_ej3-2.ipynb`." in borja
    assert "## Se adaptó" in borja and "google.colab.drive.mount no hace nada" in borja
    assert "ImageDataGenerator de Keras 2" in borja and "Adam(lr=…) de Keras 2" in borja
    assert "Traceback" not in borja
    carmen = (salida / "Carmen Diaz Soto" / "informe.md").read_text(encoding="utf-8")
    assert "cv2: OpenCV no está instalado" in carmen
    resultados = leer_json(salida / "Ana Garcia Lopez" / "results.json")
    assert resultados["score"] == 10 and len(resultados["tests"]) == 7
    resumen = (salida / "resumen.md").read_text(encoding="utf-8")
    assert "4 entregas; nota media 10 / 10." in resumen and "| basenet | 4 de 4 |" in resumen
    assert (salida / "notas.png").stat().st_size > 1000 and (salida / "pruebas.png").stat().st_size > 1000


# --- Errores típicos: una línea cambiada, una nota exacta ------------------------------------------------


@pytest.fixture(scope="module")
def clase_errores(tmp_path_factory):
    carpeta = tmp_path_factory.mktemp("errores")
    for nombre in ("filtros", "test_propio"):  # la correcta y «sin_activacion» son los controles de la clase hostil
        (carpeta / f"{nombre}.py").write_text(entregas_p3.con_error(nombre), encoding="utf-8")
    (carpeta / "traineable.py").write_text(entregas_p3.TRAINEABLE, encoding="utf-8")
    salida = tmp_path_factory.mktemp("notas_errores")
    assert main([str(carpeta), "--salida", str(salida), "--tiempo-limite", "300"]) == 0
    return salida, {fila["estudiante"]: fila for fila in leer_csv(salida / "calificaciones.csv")}


@requiere_bwrap
@pytest.mark.parametrize("nombre", ["filtros", "test_propio", "traineable"])
def test_errores_tipicos_nota_exacta(clase_errores, nombre):
    _, filas = clase_errores
    esperada = entregas_p3.NOTA_TRAINEABLE if nombre == "traineable" else entregas_p3.nota_con_error(nombre)
    assert notas(filas[nombre]) == esperada


@requiere_bwrap
def test_errores_tipicos_mensajes(clase_errores):
    salida, _ = clase_errores
    propio = (salida / "test_propio" / "informe.md").read_text(encoding="utf-8")
    assert "el test se normaliza con sus propias estadísticas" in propio
    errata = (salida / "traineable" / "informe.md").read_text(encoding="utf-8")
    assert "La entrega escribe `traineable`: el atributo es `trainable`" in errata
    filtros = (salida / "filtros" / "informe.md").read_text(encoding="utf-8")
    assert "filtros 32, se esperaba 16" in filtros


# --- Opciones del profesor: nombres de su enunciado y reglas opcionales --------------------------------


@requiere_bwrap
def test_nombres_y_reglas_del_profesor(tmp_path):
    entrega = tmp_path / "propia.py"
    entrega.write_text(
        "import keras\nfrom keras import layers\n\n"
        "def crearRed():\n"
        "    return keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(6, 5, activation='relu'),\n"
        "        layers.MaxPooling2D(2), layers.Conv2D(16, 5, activation='relu'), layers.MaxPooling2D(2),\n"
        "        layers.Flatten(), layers.Dense(50, activation='relu'), layers.Dense(25, activation='softmax')])\n\n"
        "def compilar(modelo):\n"
        "    modelo.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])\n",
        encoding="utf-8",
    )

    main(
        [
            str(entrega),
            "--salida",
            str(tmp_path / "informe"),
            "--nombre",
            "getBaseNet=crearRed",
            "--nombre",
            "compileModel=compilar",
            "--regla",
            "optimizador=Adam",
        ]
    )
    pruebas = {t["name"].split(":")[0]: t for t in leer_json(tmp_path / "informe" / "results.json")["tests"]}
    assert pruebas["BaseNet"]["score"] == 3  # crearRed se llamó como getBaseNet
    assert pruebas["Compilación con entropía cruzada categórica y la precisión como métrica (§2.2)"]["score"] == 0
    assert (
        "La práctica pide el optimizador Adam; la entrega usa ['SGD']"
        in pruebas["Compilación con entropía cruzada categórica y la precisión como métrica (§2.2)"]["output"]
    )


def test_el_complemento_no_carga_tensorflow_sin_entrega():
    import subprocess
    import sys

    orden = (
        "import sys, calificacion.plugin, calificacion.entregas, "
        "calificacion.arnes; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    salida = subprocess.run([sys.executable, "-c", orden], capture_output=True, text=True, check=True).stdout
    assert salida.split() == ["False", "False"]
    from importlib.metadata import entry_points

    assert "calificacion.plugin" in {e.value for e in entry_points(group="pytest11")}
