"""Calificación automática: comparación de arquitecturas, entregas aisladas, el complemento de pytest y la clase."""
import json
import os
import shutil
import textwrap

import keras
import pytest
from keras import layers

import modelos  # noqa: F401  (importados antes de pytester: sus ejecuciones internas no los recargan)
from utilidades.calificacion import ErrorEntrega, comparar_arquitectura, describir_modelo, leer_entrega, plugin
from utilidades.calificacion.__main__ import main
from utilidades.calificacion.clase import buscar_entregas, ruta_suite
from utilidades.calificacion.suites import p3  # noqa: F401
from utilidades.resultados import leer_csv, leer_json

pytest_plugins = ["pytester"]

ENTREGAS = os.path.join(os.path.dirname(__file__), "entregas")
CORRECTA = os.path.join(ENTREGAS, "entrega_correcta.py")
ERRORES = os.path.join(ENTREGAS, "entrega_errores.ipynb")
PRUEBAS_P3 = [
    "basenet_arquitectura",
    "basenetpp_mejoras",
    "basenetpp_parametros",
    "birdnet_congelada[BirdNetV0]",
    "birdnet_congelada[BirdNetV1]",
    "birdnet_congelada[BirdNetV2]",
    "birdnetv1_cabeza",
    "birdnetv3_entrenable",
    "datos_normaliza_test_con_estadisticas_de_entrenamiento",
    "datos_validacion_y_copias",
    "compilacion",
]


def basenet(filtros=(6, 16), activacion_conv1="relu", extra=(), sin_segundo_pool=False):
    capas = [
        keras.Input((32, 32, 3)),
        layers.Conv2D(filtros[0], 5, activation=activacion_conv1),
        layers.MaxPooling2D(2),
        layers.Conv2D(filtros[1], 5, activation="relu"),
        *([] if sin_segundo_pool else [layers.MaxPooling2D(2)]),
        layers.Flatten(),
        *extra,
        layers.Dense(50, activation="relu"),
        layers.Dense(25, activation="softmax"),
    ]
    return keras.Sequential(capas)


# --- Comparación de arquitecturas ---------------------------------------------------------------


def test_comparar_coincide_con_la_referencia():
    comparacion = comparar_arquitectura(basenet(), modelos.getBaseNet())
    assert comparacion and comparacion.fraccion == 1.0
    assert str(comparacion) == "La arquitectura coincide con la referencia (7 capas, 24.197 parámetros)."


def test_comparar_explica_activacion_y_filtros():
    comparacion = comparar_arquitectura(basenet(filtros=(6, 32), activacion_conv1=None), modelos.getBaseNet())
    assert not comparacion
    mensaje = str(comparacion)
    assert mensaje.splitlines()[0] == "La arquitectura no coincide con la referencia (2 de 7 capas coinciden):"
    assert "- capa 1 (conv2d" in mensaje and "activación 'linear', se esperaba 'relu'" in mensaje
    assert "salida (None, 10, 10, 32), se esperaba (None, 10, 10, 16); 4.832 parámetros, se esperaban 2.416" in mensaje
    # 5 capas distintas y 2 totales (parámetros y entrenables) que no cuadran; el mensaje enseña 5
    assert len(comparacion.diferencias) == 7 and mensaje.endswith("\n- … y 2 diferencias más.")
    assert comparacion.fraccion == pytest.approx(2 / 9)  # 2 capas iguales / (7 de la referencia + 2 totales)


def test_comparar_localiza_capas_que_faltan_y_sobran():
    falta = comparar_arquitectura(basenet(sin_segundo_pool=True), modelos.getBaseNet())
    assert "falta una capa MaxPooling2D después de la capa 3 (capa 4 de la referencia)" in str(falta)
    sobra = comparar_arquitectura(basenet(extra=[layers.Dropout(0.5)]), modelos.getBaseNet())
    assert "capa 6 (" in str(sobra) and "Dropout): sobra" in str(sobra)
    assert sobra.coincidentes == 7 and sobra.fraccion == pytest.approx(7 / 8)


def test_activacion_suelta_equivale_al_parametro_activation():
    modelo = keras.Sequential(
        [keras.Input((32, 32, 3)), layers.Conv2D(6, 5), layers.ReLU(), layers.MaxPooling2D(2), layers.Conv2D(16, 5),
         layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(50, activation="relu"),
         layers.Dense(25), layers.Softmax()]
    )
    assert comparar_arquitectura(modelo, modelos.getBaseNet())


def test_comparar_con_especificacion_escrita():
    listing_1 = [  # el Listing 1 del informe, escrito a mano (formas sin el eje del lote)
        {"tipo": "Conv2D", "salida": (28, 28, 6), "parametros": 456, "activacion": "relu"},
        {"tipo": "MaxPooling2D", "salida": (14, 14, 6)},
        {"tipo": "Conv2D", "salida": (10, 10, 16), "parametros": 2416, "activacion": "relu"},
        {"tipo": "MaxPooling2D", "salida": (5, 5, 16)},
        {"tipo": "Flatten", "salida": (400,)},
        {"tipo": "Dense", "salida": (50,), "parametros": 20050, "activacion": "relu"},
        {"tipo": "Dense", "salida": (25,), "parametros": 1275, "activacion": "softmax", "entrenable": True},
    ]
    assert comparar_arquitectura(modelos.getBaseNet(), listing_1)
    assert not comparar_arquitectura(modelos.getBaseNet(num_clases=10), listing_1)
    with pytest.raises(ValueError, match=r"referencia, capa 1.*'traineable'"):
        comparar_arquitectura(modelos.getBaseNet(), [{"tipo": "Conv2D", "traineable": False}])
    with pytest.raises(TypeError, match="'modelo' debe ser un modelo de Keras"):
        comparar_arquitectura("BaseNet", listing_1)


def test_describir_modelo_despliega_submodelos_congelados():
    interno = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.BatchNormalization()], name="interno")
    interno.trainable = False
    modelo = keras.Sequential([keras.Input((8,)), interno, layers.Dense(2, activation="softmax")])
    descripcion = describir_modelo(modelo)
    assert [c["tipo"] for c in descripcion["capas"]] == ["Dense", "BatchNormalization", "Dense"]
    assert [c["entrenable"] for c in descripcion["capas"]] == [False, False, True]
    assert descripcion["parametros"] == 36 + 16 + 10 and descripcion["entrenables"] == 10
    assert descripcion["no_entrenables"] == 52 and descripcion["salida"] == [None, 2]
    json.dumps(descripcion)  # viaja en JSON entre procesos


def test_reglas_de_basenetpp_con_la_referencia():
    assert p3.problemas_basenetpp(describir_modelo(modelos.getBaseNetPlusPlus())) == []
    problemas = p3.problemas_basenetpp(describir_modelo(modelos.getBaseNetPlusPlus(fix2=False, fix3=False)))
    assert len(problemas) == 2 and "2 convoluciones" in problemas[0] and "BatchNormalization" in problemas[1]


# --- Lectura de entregas (sin ejecutarlas) ------------------------------------------------------


def test_leer_cuaderno_solo_codigo_sin_magias():
    codigo = leer_entrega(ERRORES)
    nombres = [f["nombre"] for f in codigo.fragmentos]
    assert nombres == [f"entrega_errores.ipynb [celda {n}]" for n in (2, 3, 4, 5, 7, 8)]  # 1: markdown; 6: %%time
    assert codigo.fragmentos[0]["codigo"].splitlines()[:3] == ["pass", "pass", "import numpy as np"]
    assert "traineable" in codigo.texto
    assert codigo.avisos == [
        "Se omitieron 2 líneas de orden o magia (! o %) en la celda 2.",
        "Se omitió la celda 6: empieza con una magia de celda (%%time).",
        "Se omitieron 4 instrucciones de nivel superior (entrenamientos, gráficas, llamadas): la calificación solo "
        "usa las importaciones, funciones, clases y constantes.",
    ]
    assert leer_entrega(ERRORES, modo="todo").avisos[-1].startswith("Se omitió la celda 6")


@pytest.mark.parametrize(
    "nombre, contenido, mensaje",
    [
        ("falta.py", None, r"No se encuentra la entrega .*falta\.py: compruebe la ruta"),
        ("notas.txt", "x = 1", r"notas\.txt debe ser un archivo \.py o un cuaderno \.ipynb"),
        ("roto.ipynb", '{"cells": [', r"El cuaderno roto\.ipynb no es un JSON válido \(línea 1, columna 12\)"),
        ("lista.ipynb", "[1, 2]", r"lista\.ipynb no parece un cuaderno de Jupyter"),
        ("sintaxis.py", "import numpy\ndef getBaseNet(:\n    pass\n", r"Error de sintaxis en sintaxis\.py, línea 2"),
        ("celda.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": ["x = 1\n", "if x\n"]}]}),
         r"Error de sintaxis en celda\.ipynb \[celda 1\], línea 2"),
        ("latin1.py", "# a\xf1o\n".encode("latin-1"), r"latin1\.py no está en UTF-8"),
    ],
)
def test_entrada_mala_da_un_error_claro(tmp_path, nombre, contenido, mensaje):
    ruta = tmp_path / nombre
    if isinstance(contenido, bytes):
        ruta.write_bytes(contenido)
    elif contenido is not None:
        ruta.write_text(contenido, encoding="utf-8")
    with pytest.raises(ErrorEntrega, match=mensaje):
        leer_entrega(ruta)


# --- Una clase entera: las dos entregas de ejemplo, una con error de sintaxis y una carpeta ambigua --


@pytest.fixture(scope="module")
def clase(tmp_path_factory):
    carpeta = tmp_path_factory.mktemp("entregas")
    shutil.copy(CORRECTA, carpeta / "ana.py")
    shutil.copy(ERRORES, carpeta / "benito.ipynb")
    (carpeta / "carla.py").write_text("def getBaseNet(:\n    pass\n", encoding="utf-8")
    (carpeta / "david").mkdir()
    (carpeta / "david" / "p3.py").write_text("x = 1\n", encoding="utf-8")
    (carpeta / "david" / "p3_copia.ipynb").write_text("{}", encoding="utf-8")
    salida = tmp_path_factory.mktemp("salida")
    assert main([str(carpeta), "--salida", str(salida), "--procesos", "2"]) == 0
    return salida, {fila["estudiante"]: fila for fila in leer_csv(salida / "calificaciones.csv")}


def test_clase_notas_exactas(clase):
    salida, filas = clase
    assert list(filas) == ["ana", "benito", "carla", "david"]
    assert {k: v for k, v in filas["ana"].items() if k in PRUEBAS_P3} == dict.fromkeys(PRUEBAS_P3) | {
        "basenet_arquitectura": 3, "basenetpp_mejoras": 1, "basenetpp_parametros": 1,
        "birdnet_congelada[BirdNetV0]": 0.5, "birdnet_congelada[BirdNetV1]": 0.5, "birdnet_congelada[BirdNetV2]": 0.5,
        "birdnetv1_cabeza": 1, "birdnetv3_entrenable": 0.5,
        "datos_normaliza_test_con_estadisticas_de_entrenamiento": 1, "datos_validacion_y_copias": 0.5,
        "compilacion": 0.5,
    }
    assert (filas["ana"]["nota"], filas["ana"]["maximo"], filas["ana"]["entrega"]) == (10, 10, "ana.py")
    assert {k: v for k, v in filas["benito"].items() if k in PRUEBAS_P3} == {
        "basenet_arquitectura": 0.67,  # 3 × 2/9: dos capas iguales, cinco distintas y dos totales
        "basenetpp_mejoras": 1, "basenetpp_parametros": 0,
        "birdnet_congelada[BirdNetV0]": 0, "birdnet_congelada[BirdNetV1]": 0, "birdnet_congelada[BirdNetV2]": 0.5,
        "birdnetv1_cabeza": 1, "birdnetv3_entrenable": 0.5,
        "datos_normaliza_test_con_estadisticas_de_entrenamiento": 0, "datos_validacion_y_copias": 0.5,
        "compilacion": 0.5,
    }
    assert filas["benito"]["nota"] == 4.67 and filas["benito"]["error"] == ""
    assert filas["carla"]["nota"] == 0 and filas["carla"]["maximo"] == 10
    assert filas["carla"]["error"].startswith("Error de sintaxis en carla.py, línea 1")
    assert all(filas["carla"][p] == 0 for p in PRUEBAS_P3)
    assert filas["david"]["error"] == "la carpeta tiene 2 archivos .py/.ipynb y debe tener uno"
    assert filas["david"]["maximo"] == "" and all(filas["david"][p] == 0 for p in PRUEBAS_P3)


def test_clase_informes_de_cada_estudiante(clase):
    salida, _ = clase
    assert sorted(os.listdir(salida)) == ["ana", "benito", "calificaciones.csv", "carla"]
    resultados = leer_json(salida / "benito" / "results.json")
    assert resultados["score"] == 4.67 and len(resultados["tests"]) == 11
    assert set(resultados["tests"][0]) >= {"name", "score", "max_score", "status", "output"}
    assert sum(t["max_score"] for t in resultados["tests"]) == 10
    assert round(sum(t["score"] for t in resultados["tests"]), 2) == resultados["score"]
    por_nombre = {t["name"]: t for t in resultados["tests"]}
    congelada = por_nombre["BirdNet: ResNet50 congelada y cabeza entrenable (§4.1) [BirdNetV1]"]
    assert congelada["status"] == "failed" and "`traineable`" in congelada["output"]
    datos = por_nombre["getDataIterators: el test se normaliza con la media y la desviación de entrenamiento (§2.2)"]
    assert datos["output"].startswith("El test se normaliza con su propia media (0.70) en vez de con la de entrenamiento (0.30)")
    basenet_ = por_nombre["BaseNet: capas, formas, parámetros y activaciones del Listing 1 (§2.1)"]
    assert basenet_["score"] == 0.67 and "\n- capa 1 (conv2d, Conv2D): activación 'linear', se esperaba 'relu'." in basenet_["output"]
    assert "Se omitió la celda 6" in resultados["output"]

    informe = (salida / "benito" / "informe.md").read_text(encoding="utf-8")
    assert "**Nota: 4.67 / 10**" in informe
    assert "| ❌ | BaseNet++: número de parámetros dentro de las reglas de la práctica (§3) | 0 / 1 |" in informe
    assert "BaseNet++ tiene 4.335.577 parámetros" in informe
    assert leer_json(salida / "ana" / "results.json")["score"] == 10
    assert "## Qué corregir" not in (salida / "ana" / "informe.md").read_text(encoding="utf-8")
    carla = leer_json(salida / "carla" / "results.json")
    assert carla["score"] == 0 and carla["output"].startswith("Error de sintaxis en carla.py, línea 1")
    assert all(t["output"] == carla["output"] for t in carla["tests"])


# --- El complemento de pytest con entregas que fallan: cada una da una línea clara y se sigue ------


def calificar(pytester, codigo, *opciones, nombre="entrega.py"):
    ruta = pytester.path / nombre
    ruta.write_text(textwrap.dedent(codigo), encoding="utf-8")
    resultado = pytester.runpytest(
        ruta_suite("p3"), "--entrega", str(ruta), "--calificacion-salida", "informe", *opciones, plugins=[plugin]
    )
    resultados = json.loads((pytester.path / "informe" / "results.json").read_text(encoding="utf-8"))
    return resultado, dict(zip(PRUEBAS_P3, resultados["tests"])), resultados


def test_bucle_salida_enorme_y_caida_no_paran_la_calificacion(pytester):
    resultado, pruebas, resultados = calificar(
        pytester,
        """
        def getBaseNet():
            while True:
                pass

        def getBaseNetPlusPlus():
            for _ in range(30000):
                print("x" * 100)

        def getDataIterators(train_x, train_y, test_x, batchSize):
            import os
            os._exit(3)
        """,
        "--tiempo-limite", "3",
    )
    assert pruebas["basenet_arquitectura"]["output"] == (
        "La entrega no terminó en 3 s en la comprobación «basenet» (¿un bucle infinito?) y se detuvo."
    )
    assert pruebas["basenetpp_parametros"]["output"] == (
        "La entrega escribió más de 1 MB por pantalla en la comprobación «basenetpp» y se detuvo: quite los print "
        "dentro de bucles."
    )
    assert pruebas["datos_validacion_y_copias"]["output"] == (
        "La entrega terminó de forma inesperada en la comprobación «datos» (código 3)."
    )
    assert pruebas["birdnetv1_cabeza"]["output"] == "La entrega no define la función getBirdNetV1."
    assert pruebas["compilacion"]["output"] == "La entrega no define la función compileModel."
    assert len(resultados["tests"]) == 11 and resultados["score"] == 0
    resultado.assert_outcomes(failed=11)
    texto = resultado.stdout.str()
    assert "calificación de entrega.py" in texto and "✗ basenet_arquitectura" in texto and "0 / 10" in texto
    informe = (pytester.path / "informe" / "informe.md").read_text(encoding="utf-8")
    assert "omitidos …]" in informe and len(informe) < 10_000  # la salida de megabytes, recortada


def test_bucle_en_el_nivel_superior_con_ejecutar_todo(pytester):
    resultado, _, resultados = calificar(pytester, "import time\nwhile True:\n    time.sleep(0.01)\n", "--ejecutar", "todo",
                                         "--tiempo-limite", "2")
    linea = ("La entrega no terminó en 2 s al cargarse (¿un bucle infinito o un entrenamiento en el nivel superior?) "
             "y se detuvo.")
    assert resultados["output"] == linea
    assert all(t["output"] == linea and t["score"] == 0 for t in resultados["tests"])
    resultado.assert_outcomes(failed=11)


def test_excepcion_al_cargar_y_cuaderno_invalido(pytester):
    _, _, resultados = calificar(pytester, "import numpy\nimport modulo_que_no_existe\n")
    assert resultados["output"] == (
        "La entrega falló al cargarse: ModuleNotFoundError: No module named 'modulo_que_no_existe' (entrega.py, línea 2)"
    )
    _, _, resultados = calificar(pytester, '{"cells": [}', nombre="cuaderno.ipynb")
    assert resultados["output"].startswith("El cuaderno cuaderno.ipynb no es un JSON válido (línea 1, columna 12)")
    assert len(resultados["tests"]) == 11


def test_la_entrega_no_puede_cambiar_las_referencias(pytester):
    """La entrega copia BaseNet de `modelos` y cambia la referencia en su proceso: no le sirve de nada."""
    _, pruebas, _ = calificar(
        pytester,
        """
        import modelos
        from modelos import getBaseNet
        modelos.getBaseNet = lambda *a, **k: None
        import utilidades.calificacion.suites.p3 as suite
        suite.LIMITE_PARAMETROS_BASENETPP = 10 ** 9

        def getBaseNetPlusPlus():
            import keras
            return keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(700),
                                     keras.layers.Dense(25, activation="softmax")])
        """,
        "--ejecutar", "todo",
    )
    assert pruebas["basenet_arquitectura"]["output"] == (
        "La entrega importa getBaseNet de «modelos.basenet» en vez de escribirla: la práctica pide definirla."
    )
    parametros = pruebas["basenetpp_parametros"]
    assert parametros["status"] == "failed" and "tiene 2.168.625 parámetros" in parametros["output"]
    assert "como mucho 1.000.000" in parametros["output"]


def test_sin_entrega_el_complemento_no_hace_nada(pytester):
    resultado = pytester.runpytest(ruta_suite("p3"), plugins=[plugin])
    resultado.assert_outcomes(skipped=11)
    assert "calificación de" not in resultado.stdout.str()
    assert not [p for p in os.listdir(pytester.path) if p.startswith("calificacion")]


def test_buscar_entregas_distingue_nombres_repetidos(tmp_path):
    for nombre in ("ana.py", "ana.ipynb", "notas.txt", ".oculto.py"):
        (tmp_path / nombre).write_text("", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    assert [e[0] for e in buscar_entregas(tmp_path)] == ["ana.ipynb", "ana.py"]
