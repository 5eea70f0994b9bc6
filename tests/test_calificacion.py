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
    Entrega,
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


def test_las_diferencias_de_cada_capa_van_antes_que_lo_que_arrastran():
    """Un relleno equivocado y una ReLU que falta: las dos primeras líneas; las formas heredadas, después."""
    modelo = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(6, 5, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 5),  # sin ReLU
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            layers.Dense(25, activation="softmax"),
        ]
    )
    lineas = str(comparar_arquitectura(modelo, modelos.getBaseNet())).splitlines()
    assert "relleno same, se esperaba valid" in lineas[1] and "activación 'linear', se esperaba 'relu'" in lineas[2]
    assert all("por una capa anterior" in linea for linea in lineas[3:] if "salida" in linea and "capa 1 " not in linea)


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


@pytest.mark.lento  # procesos de reconstrucción que se pasan de memoria y de tiempo (~10 s)
def test_la_reconstruccion_tiene_memoria_y_tiempo_limitados():
    """Una configuración de la entrega que pide 2 GB de pesos se describe sin ocupar memoria; una de miles de capas
    agota el tiempo de su hijo (y la siguiente se reconstruye en otro: el mismo camino que si agotara su memoria);
    nada de eso pasa en el calificador."""
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
    # la enorme se describe (sus pesos no se reservan) y la lenta se queda sin sus 2 s de CPU
    assert medido["parametros"] == [24_197, 10_000 * 50_000 + 50_000, 24_197, None, 24_197]
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


def test_caracteristicas_aplanadas_antes_de_la_cabeza():
    """Transferencia por características: `predict` de ResNet50 sin pooling (7×7×2048) y una cabeza entrenada
    sobre esas características aplanadas (100.352 valores, el estilo de pyimagesearch)."""
    from calificacion.observacion import Modelo
    from calificacion.suites.p3 import _ruta_caracteristicas

    def modelo(indice, origen, entrada, salida):
        m = Modelo(indice)
        m.eventos.append({"origen": origen, "orden": indice, "descripcion": {"entrada": entrada, "salida": salida}})
        return m

    resnet = modelo(0, "predict", [None, 224, 224, 3], [None, 7, 7, 2048])
    cabeza = modelo(1, "fit", [None, 7 * 7 * 2048], [None, 200])
    otra = modelo(2, "fit", [None, 2048], [None, 200])

    class Entrega:
        def __init__(self, modelos):
            self.modelos = modelos

        def modelos_resnet(self):
            return [(resnet, resnet.eventos[0], [], [])]

        def con_descripcion(self):
            return self.modelos

    assert _ruta_caracteristicas(Entrega([resnet, otra, cabeza])) is cabeza
    assert _ruta_caracteristicas(Entrega([resnet, otra])) is None  # 2.048 valores no son los de 7×7×2048


def test_el_orden_de_los_archivos_y_los_adjuntos_por_lo_que_escribe_su_codigo(tmp_path):
    """Un cuaderno que lee las características que otro guarda se ejecuta después; lo que su código
    escribe (una caché, las características) no viaja: se regenera, como en una sesión nueva."""
    carpeta = tmp_path / "Ana Ruiz_123_assignsubmission_file_"
    carpeta.mkdir()
    celda = lambda codigo: json.dumps({"cells": [{"cell_type": "code", "source": codigo}]})  # noqa: E731
    (carpeta / "P3_Clasificador.ipynb").write_text(celda("import numpy as np\nx = np.load('caract_train.npy')"))
    ruta = "R = '/content/drive/My Drive/VC/'\nimport numpy as np, json\nnp.save(R + 'caract_train', x)\n"
    ruta += "with open(R + 'resultados.json', 'w') as f:\n    json.dump({}, f)\n"
    (carpeta / "P3_Extraccion.ipynb").write_text(celda(ruta))
    for adjunto in ("caract_train.npy", "resultados.json", "clases.txt"):
        (carpeta / adjunto).write_text("adjunto")
    entrega = Entrega("Ana Ruiz", str(carpeta))
    destino = tmp_path / "trabajo"
    destino.mkdir()
    avisos = preparar_archivos(entrega, destino)
    assert [r for r, _ in entrega.archivos] == ["P3_Extraccion.ipynb", "P3_Clasificador.ipynb"]
    assert sorted(p.name for p in destino.iterdir() if not p.name.endswith(".ipynb")) == ["clases.txt"]
    assert "el que escribe un archivo antes del que lo lee" in avisos[0]
    assert "caract_train.npy, resultados.json" in avisos[1]


def test_cuaderno_de_colab_como_lo_transforma_ipython_y_codificaciones(tmp_path):
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
            {"cell_type": "code", "source": "%%capture\n!pip install livelossplot\nimport os"},
        ]
    }
    (tmp_path / "p3.ipynb").write_text(json.dumps(cuaderno))
    fragmentos, avisos = leer_fragmentos("p3.ipynb", tmp_path / "p3.ipynb")
    assert [f["nombre"] for f in fragmentos] == [f"p3.ipynb [celda {n}]" for n in (2, 3, 4, 5)]
    assert fragmentos[0]["codigo"].splitlines()[2:] == [
        "get_ipython().system('unzip -q imagenes.zip')",
        "get_ipython().run_line_magic('matplotlib', 'inline')",
    ]
    assert fragmentos[1]["codigo"] == "get_ipython().run_cell_magic('time', '', 'x = 1\\n')\n"
    assert fragmentos[2]["codigo"] == "if True:\n    get_ipython().system('ls')\n"
    # el cuerpo de %%capture también se transforma (IPython lo ejecuta con run_cell)
    assert "get_ipython().system('pip install livelossplot')" in fragmentos[3]["codigo"]
    assert avisos == []
    # celdas guardadas en otro orden que el de ejecución (In [n]): se ejecutan como las ejecutó el estudiante
    cuaderno["cells"] = [
        {"cell_type": "code", "execution_count": 3, "source": "modelo = crear()"},
        {"cell_type": "code", "execution_count": 2, "source": "def crear():\n    return 1"},
        {"cell_type": "code", "execution_count": None, "source": ""},
    ]
    (tmp_path / "desordenado.ipynb").write_text(json.dumps(cuaderno))
    fragmentos, avisos = leer_fragmentos("desordenado.ipynb", tmp_path / "desordenado.ipynb")
    assert [f["nombre"] for f in fragmentos][:2] == ["desordenado.ipynb [celda 2]", "desordenado.ipynb [celda 1]"]
    assert "en el orden en que las ejecutó el estudiante" in avisos[0]
    # un .py de «Descargar .py» de Colab: las magias que Colab comentó se descomentan (sin mover líneas)
    (tmp_path / "colab.py").write_text(
        "# Commented out IPython magic to ensure Python compatibility.\n# %cd /content\n\n"
        "# Commented out IPython magic to ensure Python compatibility.\n# %%time\n# h = 1 +\\\n#     1\n"
    )
    codigo = leer_fragmentos("colab.py", tmp_path / "colab.py")[0][0]["codigo"]
    assert "run_line_magic('cd', '/content')" in codigo and codigo.splitlines()[5:7] == ["h = 1 +\\", "    1"]
    # un .py exportado de Colab con sus líneas ! y % también se ejecuta como en Colab
    (tmp_path / "exportado.py").write_text("import os\n!pip install keras==2.3\nx = 1\n")
    assert (
        "get_ipython().system('pip install keras==2.3')"
        in leer_fragmentos("exportado.py", tmp_path / "exportado.py")[0][0]["codigo"]
    )
    (tmp_path / "latin.py").write_bytes("# -*- coding: latin-1 -*-\nnombre = 'año'\n".encode("latin-1"))
    assert "año" in leer_fragmentos("latin.py", tmp_path / "latin.py")[0][0]["codigo"]
    (tmp_path / "roto.ipynb").write_text('{"cells": [')
    with pytest.raises(ErrorLectura, match=r"roto\.ipynb no es un JSON válido \(línea 1, columna 12\)"):
        leer_fragmentos("roto.ipynb", tmp_path / "roto.ipynb")


# --- Una clase entera, calificada una vez: estilos del curso, errores típicos y las entregas de ejemplo -------

ESTILOS = os.path.join(AQUI, "entregas", "estilos")

# Notas a mano con la rúbrica del README, escritas antes de ejecutar el calificador sobre estas entregas:
# basenet, mejorada, normaliza_test, validacion, compilacion, transferencia, ajuste_fino.
NOTAS_A_MANO = {
    # main() con input() entre ejercicios; getDataIterators con flow y standardize; ResNet50 congelada y ajuste fino
    "Lucia Fernandez Gil": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    # ejercicio1() y ejercicio2() con input() al final; la red mejorada no tiene Dropout
    "Pablo Romero Vega": (3, 1.5, 1, 0.5, 0.5, 0, 0),
    # su propio cargarImagenes devuelve dos tuplas; solo divide por 255 (el test no se estandariza)
    "Sara Molina Ortiz": (3, 2, 0, 0.5, 0.5, 0, 0),
    # cargador con otro nombre que lee caltech/train.txt con cv2; sin red mejorada ni normalización
    "Hugo Navarro Saez": (3, 0, 0, 0.5, 0.5, 1.5, 1.5),
    # tres cuadernos de Colab: drive.mount, !unzip desde Drive, celdas %%time, standardize sin asignar (Keras 2)
    "Marta Iglesias Prieto": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    # fit_generator(generator=…), un optimizador para dos compile, save/load_model, predict_classes
    "Alvaro Castro Rubio": (3, 2, 1, 0.5, 0.5, 0, 0),
    # su propio generador de Python; predict_generator(datagen.flow(x_test, batch_size=1), steps=len(x_test))
    "Irene Delgado Cano": (3, 2, 1, 0.5, 0.5, 0, 0),
    # BaseNet en crudo con su predict en crudo, y después la mejorada normalizada con su test normalizado
    "Javier Ortega Lara": (3, 2, 1, 0.5, 0.5, 0, 0),
    # lo mismo, pero la mejorada (entrenada normalizada) se evalúa con el test sin normalizar
    "Nuria Campos Ferrer": (3, 2, 0, 0.5, 0.5, 0, 0),
    # solo pájaros: train_test_split estratificado; características de ResNet50 y ajuste fino de toda la red
    "Elena Vidal Soler": (0, 0, 0, 0, 0.5, 1.5, 1.5),
    # dos cuadernos: guarda las características en Drive con np.save y las lee en el otro; lee su clases.txt
    "Raul Gimenez Pastor": (0, 0, 0, 0, 0.5, 1.5, 0),
    # BaseNet con padding='same' en la primera capa; cabeza con una Conv2D de 4096 filtros sobre 7×7×2048
    "Diego Herrera Blanco": (2.57, 0, 0, 0.5, 0.5, 1.5, 0),
    # Keras 2.2: layers.core, Convolution2D(border_mode), Model(input=, output=), nb_epoch, ModelCheckpoint .hdf5
    "Carlos Munoz Reyes": (3, 2, 1, 0.5, 0.5, 0, 0),
    # etiquetas enteras con categorical_crossentropy: el fit de la transferencia falla (la red, bien construida)
    "Ines Ramos Calvo": (0, 0, 0, 0, 0.5, 0.5, 1.5),
    # un NameError al empezar ejercicio2 detiene main(): ni la red mejorada ni los pájaros llegan a ejecutarse
    "Tomas Serrano Gallego": (3, 0, 1, 0.5, 0.5, 0, 0),
    # tf.keras 2.4: Normalization adaptada dentro del modelo y el test en crudo; copias a train/<clase>/, tf.data
    "Adrian Moreno Paredes": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    # dos cuadernos: Rescaling al principio de BaseNet, Lambda(preprocess_input) delante de ResNet50
    "Marina Cortes Vidal": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    # las de ejemplo: un script de Keras 2, tres cuadernos de Colab, un script con cv2 y main, los nombres del informe
    "Ana Garcia Lopez": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    "Borja Martin Ruiz": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    "Carmen Diaz Soto": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
    "Diego Informe": (3, 2, 1, 0.5, 0.5, 1.5, 1.5),
}


lenta = pytest.mark.lento  # una clase de 24 entregas en bubblewrap


@pytest.fixture(scope="module")
def clase(tmp_path_factory):
    """La clase entera en una sola calificación (como la hace un profesor): las entregas en los estilos del curso,
    las de ejemplo y los errores típicos de una línea."""
    carpeta = tmp_path_factory.mktemp("clase")
    for origen in (REALES, ESTILOS):
        for nombre in os.listdir(origen):
            shutil.copytree(os.path.join(origen, nombre), carpeta / nombre)
    shutil.copy(INFORME, carpeta / "Diego Informe_100004_assignsubmission_file_.py")
    for nombre in ("filtros", "test_propio"):  # la correcta y «sin_activacion» son los controles de la clase hostil
        (carpeta / f"{nombre}.py").write_text(entregas_p3.con_error(nombre), encoding="utf-8")
    (carpeta / "traineable.py").write_text(entregas_p3.TRAINEABLE, encoding="utf-8")
    salida = tmp_path_factory.mktemp("notas")
    assert main([str(carpeta), "--salida", str(salida), "--procesos", "3", "--tiempo-limite", "300"]) == 0
    return salida, {fila["estudiante"]: fila for fila in leer_csv(salida / "calificaciones.csv")}


def _informe(salida, estudiante):
    return (salida / estudiante / "informe.md").read_text(encoding="utf-8")


@lenta
@requiere_bwrap
@pytest.mark.parametrize("estudiante", list(NOTAS_A_MANO))
def test_cada_entrega_saca_su_nota_a_mano(clase, estudiante):
    _, filas = clase
    fila = filas[estudiante]
    assert notas(fila) == dict(zip(PRUEBAS, NOTAS_A_MANO[estudiante])), estudiante
    assert fila["nota"] == pytest.approx(sum(NOTAS_A_MANO[estudiante])) and fila["error"] == ""


@lenta
@requiere_bwrap
def test_los_informes_dicen_lo_que_se_adapto(clase):
    salida, filas = clase
    assert len(filas) == len(NOTAS_A_MANO) + 3
    borja = _informe(salida, "Borja Martin Ruiz")
    assert "Archivos ejecutados, en este orden: `p3_ej1_2.ipynb`, `p3_ej3-1.ipynb`, `p3_ej3-2.ipynb`." in borja
    assert "## Se adaptó" in borja and "google.colab.drive.mount" in borja
    assert "ImageDataGenerator de Keras 2" in borja and "Adam(lr=…) de Keras 2" in borja
    assert "Traceback" not in borja
    lucia = _informe(salida, "Lucia Fernandez Gil")
    assert "input() respondido con Enter" in lucia and "fit_generator de Keras 2" in lucia
    assert "cv2" not in lucia  # no lo importa: no se dice que se adaptó
    carlos = _informe(salida, "Carlos Munoz Reyes")
    for texto in (
        "keras.layers.core de Keras 2",
        "Conv2D(border_mode=…)",
        "Model(input=…, output=…)",
        "fit(nb_epoch=…)",
        "ModelCheckpoint con un archivo de Keras 2",
        "keras.backend.set_image_dim_ordering",
    ):
        assert texto in carlos, texto
    alvaro = _informe(salida, "Alvaro Castro Rubio")
    assert "un optimizador compartido por varios compile" in alvaro and "predict_classes de Keras 2" in alvaro
    marta = _informe(salida, "Marta Iglesias Prieto")
    assert "«!unzip» de Colab" in marta
    raul = _informe(salida, "Raul Gimenez Pastor")
    assert "Errores al ejecutar" not in raul  # np.save y np.load en su Drive, y su clases.txt
    resultados = leer_json(salida / "Ana Garcia Lopez" / "results.json")
    assert resultados["score"] == 10 and len(resultados["tests"]) == 7
    resumen = (salida / "resumen.md").read_text(encoding="utf-8")
    assert f"{len(filas)} entregas;" in resumen
    assert (salida / "notas.png").stat().st_size > 1000 and (salida / "pruebas.png").stat().st_size > 1000


@lenta
@requiere_bwrap
def test_lo_que_no_se_ejecuto_se_explica_con_la_linea_que_lo_detuvo(clase):
    salida, _ = clase
    tomas = _informe(salida, "Tomas Serrano Gallego")
    seccion = tomas.split("### Red mejorada")[1].split("###")[0]
    assert "p3_tomas_serrano.py, línea 70" in seccion and "NameError" in seccion and "ejercicio2" in seccion
    seccion = tomas.split("### Transferencia")[1].split("###")[0]
    assert "ejercicio3" in seccion and "no llegó a ejecutarse" in seccion and "p3_tomas_serrano.py, línea 70" in seccion
    assert "descongele" not in tomas and "trainable = False" not in tomas  # ningún consejo sobre código que no corrió
    ines = _informe(salida, "Ines Ramos Calvo")
    seccion = ines.split("### Transferencia")[1].split("###")[0]
    assert "pajaros.py, línea 33" in seccion and "ValueError" in seccion


@lenta
@requiere_bwrap
@pytest.mark.parametrize("nombre", ["filtros", "test_propio", "traineable"])
def test_errores_tipicos_nota_exacta(clase, nombre):
    _, filas = clase
    esperada = entregas_p3.NOTA_TRAINEABLE if nombre == "traineable" else entregas_p3.nota_con_error(nombre)
    assert notas(filas[nombre]) == esperada


@lenta
@requiere_bwrap
def test_errores_tipicos_mensajes(clase):
    salida, _ = clase
    propio = _informe(salida, "test_propio")
    assert "el test se normaliza con sus propias estadísticas" in propio
    errata = _informe(salida, "traineable")
    assert "La entrega escribe `traineable`: el atributo es `trainable`" in errata
    filtros = _informe(salida, "filtros")
    assert "filtros 32, se esperaba 16" in filtros


# --- Opciones del profesor: nombres de su enunciado y reglas opcionales --------------------------------


@pytest.mark.lento  # una entrega calificada en bubblewrap
@requiere_bwrap
def test_nombres_y_reglas_del_profesor(tmp_path, capsys):
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
    consola = capsys.readouterr().out  # callada: la tabla y dónde está el informe (con --verboso, pytest entero)
    assert "TOTAL" in consola and "informe.md" in consola
    assert "Traceback" not in consola and "entrega = <" not in consola and "PytestAssertRewriteWarning" not in consola
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
