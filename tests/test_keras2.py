"""Cada llamada de Keras 2.2–2.4 / tf.keras 2.x que Keras 3 quitó o cambió, adaptada por el arnés de la
calificación (`calificacion/arnes/keras2.py`, `metodos.py`, `interacciones.py`, `ipython.py`): el código de
2019–2022 se ejecuta sin error y la adaptación se anota (una línea en el informe del estudiante).

Todas se ejecutan en un solo proceso con el arnés montado (sin bubblewrap: aquí solo importa el arnés), cada
caso en su propio «archivo» del estudiante; cada prueba mira los errores y las anotaciones de su caso.
"""

import json
import os
import subprocess
import sys

import pytest

import calificacion

CARPETA_ARNES = os.path.dirname(calificacion.__file__)

# nombre: (código del estudiante, texto que debe aparecer en «Se adaptó», o None si no se anota nada)
CASOS = {
    "np_utils": (
        "from keras.utils import np_utils\ny = np_utils.to_categorical([0, 1], 2)\nassert y.shape == (2, 2)\n",
        "np_utils",
    ),
    "capas_core": ("from keras.layers.core import Dense, Flatten, Dropout\nd = Dense(3)\n", "keras.layers.core"),
    "border_mode": (
        "from keras.layers.convolutional import Convolution2D\nc = Convolution2D(4, (3, 3), border_mode='same')\n"
        "assert c.padding == 'same'\n",
        "Conv2D(border_mode=…)",
    ),
    "keras1_dense": (
        "from keras.layers import Dense\nfrom keras.regularizers import l2\n"
        "d = Dense(3, init='he_normal', W_regularizer=l2(0.01))\nassert d.kernel_regularizer is not None\n",
        "Dense(W_regularizer=…)",
    ),
    "model_input_output": (
        "from keras.layers import Input, Dense\nfrom keras.models import Model\ni = Input((4,))\n"
        "m = Model(input=i, output=Dense(2)(i))\nassert m.count_params() == 10\n",
        "Model(input=…, output=…)",
    ),
    "optimizador_lr_decay_epsilon": (
        "from keras.optimizers import Adam\nopt = Adam(lr=0.01, decay=1e-6, epsilon=None)\n"
        "assert abs(float(opt.learning_rate.numpy()) - 0.01) < 1e-9\n",
        "Adam(lr=…)",
    ),
    "optimizador_minusculas": (
        "from keras import optimizers\nopt = optimizers.sgd(lr=0.1, momentum=0.9)\n",
        "keras.optimizers.sgd",
    ),
    "optimizadores_legacy": (
        "from tensorflow.keras.optimizers.legacy import Adam\nopt = Adam(learning_rate=0.1)\n",
        "legacy",
    ),
    "optimizador_lr_atributo": (
        "from keras.optimizers import SGD\nopt = SGD(learning_rate=0.1)\nassert abs(float(opt.lr.numpy()) - 0.1) < 1e-7\n",
        "optimizer.lr",
    ),
    "optimizador_compartido": (
        "import numpy as np, keras\nfrom keras.optimizers import Adam\nopt = Adam()\nx, y = np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]]\n"
        "for _ in range(2):\n    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "    m.compile(optimizer=opt, loss='categorical_crossentropy', metrics=['accuracy'])\n    m.fit(x, y, verbose=0)\n",
        "optimizador compartido",
    ),
    "fit_nb_epoch_workers": (
        "import numpy as np, keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['acc'])\n"
        "h = m.fit(np.ones((8, 3)), np.eye(2)[[0, 1] * 4], nb_epoch=3, workers=2, validation_split=0.25)\n"
        "assert len(h.history['acc']) == 3 and 'val_acc' in h.history\n",
        "fit(nb_epoch=…)",
    ),
    "generator_palabra_clave": (
        "import numpy as np, keras\nfrom keras.preprocessing.image import ImageDataGenerator\n"
        "x, y = np.random.rand(16, 8, 8, 3).astype('float32'), np.eye(2)[[0, 1] * 8]\n"
        "m = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\n"
        "it = ImageDataGenerator().flow(x, y, batch_size=4)\n"
        "m.fit_generator(generator=it, steps_per_epoch=4, epochs=2, validation_data=it, validation_steps=2)\n"
        "r = m.evaluate_generator(generator=it, steps=4)\np = m.predict_generator(generator=it, steps=4)\n"
        "assert p.shape == (16, 2)\n",
        "fit_generator de Keras 2",
    ),
    "generador_propio": (
        "import numpy as np, keras\ndef gen():\n    while True:\n        yield np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]]\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='adam', loss='categorical_crossentropy')\nm.fit_generator(gen(), steps_per_epoch=5, epochs=2)\n",
        "fit_generator de Keras 2",
    ),
    "predict_classes": (
        "import numpy as np, keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation='softmax')])\n"
        "assert m.predict_classes(np.ones((5, 3))).shape == (5,)\n",
        "predict_classes",
    ),
    "output_shape": (
        "import keras\nm = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])\n"
        "assert m.layers[0].output_shape == (None, 3)\n",
        "layer.output_shape",
    ),
    "guardar_y_cargar": (
        "import keras\nfrom keras.models import load_model\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "m.compile(optimizer='sgd', loss='mse')\nm.save('modelo.h5')\nm.save_weights('pesos.h5')\n"
        "assert load_model('modelo.h5') is m\nm.load_weights('pesos.h5')\n",
        "model.save",
    ),
    "checkpoint_hdf5": (
        "import numpy as np, keras\nfrom keras.callbacks import ModelCheckpoint, EarlyStopping\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['accuracy'])\n"
        "c = ModelCheckpoint('mejor.hdf5', monitor='val_acc', save_best_only=True)\n"
        "m.fit(np.ones((8, 3)), np.eye(2)[[0, 1] * 4], validation_split=0.25, callbacks=[c, EarlyStopping(monitor='val_acc')])\n"
        "assert keras.models.load_model('mejor.hdf5') is m\n",
        "ModelCheckpoint con un archivo de Keras 2",
    ),
    "backend_keras2": (
        "from keras import backend as K\nfrom keras.optimizers import SGD\nK.set_image_dim_ordering('tf')\n"
        "assert K.image_dim_ordering() == 'tf'\nopt = SGD(learning_rate=0.1)\nK.set_value(opt.learning_rate, 0.01)\n"
        "assert abs(K.get_value(opt.learning_rate) - 0.01) < 1e-7\nK.set_learning_phase(0)\n",
        "keras.backend.set_image_dim_ordering",
    ),
    "tensorflow_1": (
        "import tensorflow as tf\ntf.set_random_seed(1)\nconfig = tf.ConfigProto()\ntf.logging.set_verbosity(tf.logging.ERROR)\n",
        "tf.set_random_seed",
    ),
    "sesion_keras": (
        "import tensorflow as tf\nfrom keras.backend.tensorflow_backend import set_session\nset_session(tf.Session())\n",
        "keras.backend.tensorflow_backend",
    ),
    "engine": ("from keras.engine.topology import Layer, Input\n", "keras.engine"),
    "experimental_preprocessing": (
        "import tensorflow as tf\nf = tf.keras.layers.experimental.preprocessing.RandomFlip('horizontal')\n",
        "keras.layers.experimental",
    ),
    "multi_gpu_model": (
        "import keras\nfrom keras.utils import multi_gpu_model\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "assert multi_gpu_model(m, gpus=2) is m\n",
        "multi_gpu_model",
    ),
    "standardize_en_su_sitio": (
        "import numpy as np\nfrom keras.preprocessing.image import ImageDataGenerator\n"
        "x = np.random.rand(20, 4, 4, 3).astype('float32')\nt = np.random.rand(5, 4, 4, 3).astype('float32') + 1\n"
        "g = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)\ng.fit(x)\n"
        "g.standardize(t)\nassert abs(t.mean()) < 5  # normalizado en su sitio, como en Keras 2\n",
        "ImageDataGenerator de Keras 2",
    ),
    "imagenet": (
        "from keras.applications.resnet50 import ResNet50\nr = ResNet50(weights='imagenet', include_top=False, pooling='avg')\n",
        "ResNet50 con weights=None",
    ),
    "keras1_posicionales": (
        "from keras.layers import Convolution2D, Dropout, BatchNormalization, MaxPooling2D\n"
        "c = Convolution2D(32, 3, 3, border_mode='same', dim_ordering='tf')\nassert c.kernel_size == (3, 3) and c.strides == (1, 1)\n"
        "assert Dropout(p=0.25).rate == 0.25\nb = BatchNormalization(mode=0, beta_init='zeros', gamma_init='ones')\n"
        "assert MaxPooling2D(pool_size=(2, 2), dim_ordering='tf').data_format == 'channels_last'\n",
        "Conv2D(filtros, filas, columnas)",
    ),
    "compile_posicional": (
        "import numpy as np, keras\nfrom keras.optimizers import SGD, Adam\nopt = SGD(0.01, 0.9, 1e-6, True)\n"
        "assert opt.nesterov and abs(float(opt.momentum) - 0.9) < 1e-7\nAdam(0.001, 0.9, 0.999, None, 0.0, True)\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(opt, 'categorical_crossentropy', ['accuracy'])\n"
        "h = m.fit(np.ones((8, 3)), np.eye(2)[[0, 1] * 4], 4, 2)\nassert 'acc' in h.history\n",
        "compile(optimizador, pérdida, métricas) con el orden de Keras 2",
    ),
    "callbacks_de_keras_2": (
        "from keras.callbacks import ModelCheckpoint, TensorBoard\n"
        "c = ModelCheckpoint('pesos.{epoch:02d}.hdf5', monitor='val_acc', mode='max', period=1)\n"
        "t = TensorBoard(log_dir='./logs', batch_size=32, write_grads=True)\n",
        "ModelCheckpoint(period=…) de Keras 2 sin efecto",
    ),
    "generadores_posicionales_y_pasos": (
        "import numpy as np, keras\nfrom keras.preprocessing.image import ImageDataGenerator\n"
        "x, y = np.random.rand(20, 8, 8, 3).astype('float32'), np.eye(2)[[0, 1] * 10]\n"
        "m = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])\ng = ImageDataGenerator()\n"
        "h = m.fit_generator(g.flow(x, y, batch_size=4), len(x) // 4, 3, 0)\nassert len(h.history['loss']) == 3\n"
        "p = m.predict_generator(g.flow(x, batch_size=8, shuffle=False), steps=len(x) / 8)\nassert p.shape == (20, 2)\n"
        "r = m.evaluate_generator(g.flow(x, y, batch_size=8), len(x) / 8)\n",
        "predict_generator de Keras 2",
    ),
    "tensorflow_python_keras": (
        "from tensorflow.python.keras.layers.normalization import BatchNormalization\n"
        "from tensorflow.python.keras.layers import Dense, Conv2D\nfrom tensorflow.python.keras.models import Sequential\n"
        "import keras\nassert isinstance(BatchNormalization(), keras.layers.Layer) and Sequential is keras.Sequential\n",
        "tensorflow.python.keras",
    ),
    "quitar_la_ultima_capa": (
        "import keras\nfrom keras.models import Model, Sequential\nfrom keras.layers import Dense, Input\n"
        "i = Input((4,))\nbase = Model(i, Dense(3, name='ultima')(Dense(5, name='oculta')(i)))\n"
        "base.layers.pop()\nbase.outputs = [base.layers[-1].output]\nbase.layers[-1].outbound_nodes = []\n"
        "assert base.layers[-1].name == 'oculta' and base.output_shape == (None, 5)\n"
        "m = Model(base.input, Dense(2)(base.layers[-1].output))\nassert m.count_params() == 25 + 12\n"
        "s = Sequential([Input((4,)), Dense(5), Dense(3)])\ns.layers.pop()\nassert len(s.layers) == 1 and s.output_shape == (None, 5)\n",
        "model.layers.pop()",
    ),
    "tf_keras_submodulos": (
        "from tensorflow.keras.utils import plot_model\nfrom tensorflow.keras.optimizers import sgd\n"
        "from tensorflow.keras.backend import set_session\nimport tensorflow.keras.backend as K\nK.set_learning_phase(0)\n"
        "import keras\nplot_model(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), to_file='m.png')\n",
        "plot_model sin efecto",
    ),
    "pip_de_colab": (
        "get_ipython().system('pip install livelossplot==0.5.4 -q')\nfrom livelossplot import PlotLossesKeras\n"
        "from livelossplot.keras import PlotLossesCallback\nimport keras\nassert isinstance(PlotLossesKeras(), keras.callbacks.Callback)\n"
        "display(PlotLossesCallback())\nclear_output()\n",
        "livelossplot (instalado con !pip en Colab)",
    ),
    "menu_con_input": (
        "hechos = []\nwhile True:\n    op = input('Elija ejercicio (1-3, 0 para salir): ')\n    if op == '0':\n        break\n"
        "    elif op in ('1', '2', '3'):\n        hechos.append(op)\n    else:\n        print('Opción no válida')\n"
        "assert hechos == ['1', '2', '3']\ndef pausa():\n    input('--- Pulse una tecla para continuar ---')\n"
        "for _ in range(30):\n    pausa()\n",
        "input() repetido en el mismo sitio (un menú)",
    ),
    "variables_en_ordenes_de_shell": (
        "import os\ncarpeta = 'carpeta_de_la_celda'\nget_ipython().system('mkdir -p \"$carpeta\"')\n"
        "get_ipython().system('mkdir -p {carpeta}_2')\nassert os.path.isdir(carpeta) and os.path.isdir(carpeta + '_2')\n",
        None,
    ),
    "resnet_nombres_de_keras_22": (
        "from keras.applications.resnet50 import ResNet50\nbase = ResNet50(weights='imagenet', include_top=False, input_shape=(32, 32, 3))\n"
        "entrenable = False\nfor capa in base.layers:\n    if capa.name == 'res5a_branch2a':\n        entrenable = True\n"
        "    capa.trainable = entrenable\nassert base.get_layer('bn5c_branch2c').trainable and not base.get_layer('conv1').trainable\n",
        "nombres de capa de Keras 2.2",
    ),
    "rutas_en_tf_data": (
        "import numpy as np, pandas as pd, tensorflow as tf\n"
        "df = pd.DataFrame({'ruta': ['001.Black_footed_Albatross/Black_footed_Albatross_0001.jpg']})\n"
        "rutas = '/home/rocio/CUB_200_2010/images/' + df['ruta']\n"
        "ds = tf.data.Dataset.from_tensor_slices(rutas.values).map(lambda r: tf.io.decode_jpeg(tf.io.read_file(r)))\n"
        "ds2 = tf.data.Dataset.from_tensor_slices(['x']).map(lambda r: tf.io.read_file(tf.strings.join(['/home/rocio/CUB_200_2010/images/', "
        "'001.Black_footed_Albatross/Black_footed_Albatross_0001.jpg'])))\n"
        "assert next(iter(ds)).shape[-1] == 3 and len(next(iter(ds2)).numpy()) > 100\n",
        None,
    ),
    "precision_mixta_experimental": (
        "import tensorflow as tf\nfrom tensorflow.keras.mixed_precision import experimental as mixed_precision\n"
        "mixed_precision.set_policy('float32')\nfrom tensorflow.keras.optimizers import SGD\n"
        "opt = mixed_precision.LossScaleOptimizer(SGD(0.01), loss_scale='dynamic')\n"
        "opt2 = tf.train.experimental.enable_mixed_precision_graph_rewrite(SGD(0.01))\n",
        "mixed_precision.experimental",
    ),
    "input_pausa": ("respuesta = input('Pulse Enter para continuar...')\nassert respuesta == ''\n", "input()"),
    "plt_show": ("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n", "plt.show()"),
    "celdas_de_ipython": (
        "get_ipython().run_line_magic('matplotlib', 'inline')\nget_ipython().system('mkdir -p carpeta_nueva')\n"
        "import os\nassert os.path.isdir('carpeta_nueva')\nget_ipython().run_cell_magic('time', '', 'z = 40 + 2\\n')\n"
        "assert z == 42\nget_ipython().system('pip install keras==2.3.1')\n",
        "«!pip» sin efecto",
    ),
}
# `!pip` se anota con el texto general de las órdenes sin efecto:
CASOS["celdas_de_ipython"] = (CASOS["celdas_de_ipython"][0], "orden de shell «!pip» sin efecto")

PROGRAMA = """
import json, os, sys
sys.path.insert(0, {carpeta!r})
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from arnes import datos_pequenos, interacciones, ipython
from arnes.principal import Arnes, Buscador, _existe_fuera

class Canal:
    eventos = []
    def enviar(self, **evento):
        self.eventos.append(evento)
    def guardar_config(self, texto):
        return "x"

canal = Canal()
casos = json.load(open("casos.json"))
fragmentos = [{{"nombre": nombre + ".py", "codigo": codigo}} for nombre, codigo in casos.items()]
trabajo = {{"carpeta": os.getcwd(), "datos": {datos!r}, "fragmentos": fragmentos, "llamadas": []}}
arnes = Arnes(trabajo, canal)
interacciones.instalar(arnes, ipython.IPythonSustituto(arnes.ejecutor, arnes.rutas, arnes.adaptar))
sys.meta_path.insert(0, Buscador(set(), canal.enviar, interacciones.sustituto(arnes, _existe_fuera)))
for nombre, codigo in casos.items():
    canal.eventos.append({{"tipo": "caso", "nombre": nombre}})
    arnes.ejecutor.ejecutar(nombre + ".py", codigo)
print(json.dumps(canal.eventos, default=str))
"""


@pytest.fixture(scope="module")
def eventos(tmp_path_factory):
    """Los eventos de cada caso: `{nombre: {"errores": [...], "adaptaciones": [...]}}`."""
    sys.path.insert(0, CARPETA_ARNES)
    try:
        from arnes import datos_pequenos
    finally:
        sys.path.remove(CARPETA_ARNES)
    datos = datos_pequenos.escribir_datos(str(tmp_path_factory.mktemp("datos")))
    trabajo = tmp_path_factory.mktemp("trabajo")
    (trabajo / "casos.json").write_text(json.dumps({n: c for n, (c, _) in CASOS.items()}))
    programa = PROGRAMA.format(carpeta=CARPETA_ARNES, datos=datos)
    r = subprocess.run([sys.executable, "-c", programa], cwd=trabajo, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    por_caso, actual = {}, None
    for evento in json.loads(r.stdout.strip().splitlines()[-1]):
        if evento["tipo"] == "caso":
            actual = por_caso.setdefault(evento["nombre"], {"errores": [], "adaptaciones": []})
        elif evento["tipo"] == "error":
            actual["errores"].append(f"{evento['clase']}: {evento['mensaje']} ({evento['lugar']})")
        elif evento["tipo"] == "adaptacion":
            actual["adaptaciones"].append(evento["texto"])
    return por_caso


@pytest.mark.parametrize("caso", list(CASOS))
def test_el_codigo_de_keras_2_se_ejecuta_y_se_anota(eventos, caso):
    _, anotacion = CASOS[caso]
    assert eventos[caso]["errores"] == []
    if anotacion:  # cada adaptación se anota la primera vez que se usa (en su caso o en uno anterior)
        anteriores = [t for c in list(CASOS)[: list(CASOS).index(caso) + 1] for t in eventos[c]["adaptaciones"]]
        assert any(anotacion in texto for texto in anteriores), (anotacion, eventos[caso]["adaptaciones"])


def test_lo_que_no_se_usa_no_se_anota(eventos):
    todas = [t for c in eventos.values() for t in c["adaptaciones"]]
    assert not [t for t in todas if "cv2" in t or "OpenCV" in t]  # ningún caso importa cv2
    assert not [t for t in todas if "google.colab" in t]


def test_sys_argv_como_al_ejecutarlo_el_estudiante():
    """`python p3.py` (argparse con sus valores por defecto) o el núcleo de Colab, nunca los del arnés."""
    from calificacion.arnes.principal import _argv

    assert _argv("p3.py") == ["p3.py"]
    assert _argv("P3.ipynb [celda 4]")[0].endswith("colab_kernel_launcher.py")


def test_una_lambda_que_no_cambia_la_forma_se_describe_como_identity():
    """`Lambda(preprocess_input)` (tf.keras 2) no se reconstruye con `safe_mode`: se describe como Identity."""
    import keras

    from calificacion.arnes.observacion import _cambiar_lambdas
    from calificacion.reconstruccion import describir_config

    entrada = keras.Input((8, 8, 3))
    x = keras.layers.Lambda(keras.applications.resnet50.preprocess_input, name="preprocesado")(entrada)
    modelo = keras.Model(entrada, keras.layers.Dense(200, activation="softmax")(keras.layers.Flatten()(x)))
    assert describir_config(modelo.to_json()) is None
    descripcion = describir_config(json.dumps(_cambiar_lambdas(json.loads(modelo.to_json()), {"preprocesado"})))
    assert [c["tipo"] for c in descripcion["capas"]] == ["Identity", "Flatten", "Dense"]
    assert descripcion["parametros"] == 8 * 8 * 3 * 200 + 200


def test_celdas_fuera_de_orden_se_reintentan_al_final():
    """Un cuaderno con la celda que usa una función guardada antes de la que la define (y sin sus In [n]):
    la instrucción que falló con NameError se ejecuta otra vez al final, como lo haría el profesor."""
    from calificacion.arnes.ejecucion import Ejecutor

    class Canal:
        eventos = []

        def enviar(self, **evento):
            self.eventos.append(evento)

    canal, espacio = Canal(), {}
    ejecutor = Ejecutor(canal, espacio)
    ejecutor.ejecutar("p3.ipynb [celda 1]", "red = crear()\nnota = red + 1\n")
    ejecutor.ejecutar("p3.ipynb [celda 2]", "def crear():\n    return 9\n")
    ejecutor.ejecutar("p3.py", "otra = no_existe\n")  # en un script el orden es el suyo: no se reintenta
    ejecutor.reintentar()
    assert espacio["nota"] == 10 and "otra" not in espacio
    assert sum(e["tipo"] == "aviso" and "otra vez al final" in e["texto"] for e in canal.eventos) == 2
