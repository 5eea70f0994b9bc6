"""Arnés que ejecuta una entrega dentro del aislamiento y observa lo que construye (lado del estudiante).

Se ejecuta como script (`python arnes.py trabajo.json`, la clave por la entrada estándar) dentro de
bubblewrap, sin ver este paquete: solo usa la biblioteca estándar y, cuando la entrega lo importa,
Keras. Ejecuta la entrega entera, de arriba abajo (todas las celdas y todo el nivel superior, archivo
tras archivo, en el mismo espacio de nombres), con lo pesado abaratado:

- los ayudantes del profesor (`cargarImagenes`, `cargarDatos`, `mostrarEvolucion`, `calcularAccuracy`)
  y `keras.datasets.*.load_data` se sustituyen, tras definirse, por versiones con datos pequeños;
- `fit`, `evaluate` y `predict` (y sus `*_generator` de Keras 2) hacen un paso, o nada en redes grandes,
  y anotan con qué se llamaron; los pesos de ImageNet pasan a `weights=None`;
- lo de Keras 2 y Colab que ya no existe (`keras.preprocessing.image.ImageDataGenerator`, `np_utils`,
  `lr=`, `tensorflow.set_random_seed`, `google.colab`, `cv2` si falta) se adapta, y se anota.

Lo observado sale como eventos JSON firmados con HMAC (la clave solo la conocen el arnés y el
calificador) y configuraciones de modelos (`model.to_json()`); nunca como nota. El calificador
reconstruye los modelos por su cuenta y decide.
"""

import ast
import builtins
import hashlib
import hmac
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
import traceback
import types

# Nombres del paquete (las soluciones): la entrega no los puede importar.
PAQUETE = ("modelos", "datos", "practicas", "utilidades", "calificacion")
AYUDANTES = ("cargarImagenes", "cargarDatos", "mostrarEvolucion", "calcularAccuracy")
LIMITE_PARAMETROS_ENTRENAR = 3_000_000  # por encima, fit/evaluate no calculan (ResNet50)
MAX_FILAS = 64  # filas que llegan de verdad a fit/evaluate
CLASES_CIFAR, CLASES_PAJAROS = 25, 200
N_TRAIN, N_TEST = 500, 100  # imágenes del CIFAR pequeño


class Canal:
    """Eventos en una línea JSON con su firma; configuraciones de modelos en archivos por su SHA-256."""

    def __init__(self, carpeta, clave):
        self.carpeta = carpeta
        os.makedirs(os.path.join(carpeta, "modelos"), exist_ok=True)
        self._archivo = open(os.path.join(carpeta, "eventos.jsonl"), "a", encoding="utf-8")
        self._firmar = lambda texto: hmac.new(clave, texto.encode(), hashlib.sha256).hexdigest()
        self._inicio = time.monotonic()

    def enviar(self, **evento):
        evento["t"] = round(time.monotonic() - self._inicio, 3)
        texto = json.dumps(evento, ensure_ascii=False, default=_a_json, sort_keys=True)
        self._archivo.write(json.dumps({"evento": texto, "firma": self._firmar(texto)}) + "\n")
        self._archivo.flush()

    def guardar_config(self, texto):
        suma = hashlib.sha256(texto.encode()).hexdigest()
        ruta = os.path.join(self.carpeta, "modelos", suma + ".json")
        if not os.path.exists(ruta):
            with open(ruta + ".tmp", "w", encoding="utf-8") as f:
                f.write(texto)
            os.replace(ruta + ".tmp", ruta)
        return suma


def _a_json(valor):
    if hasattr(valor, "tolist"):
        return valor.tolist()
    return str(valor)


class Arnes:
    def __init__(self, trabajo, canal):
        self.trabajo = trabajo
        self.canal = canal
        self.archivos = set()  # nombres de los fragmentos (para reconocer el código del estudiante)
        self.adaptaciones = set()
        self.modelos = {}  # id -> (índice, modelo); se conservan para que los id no se reutilicen
        self.keras = None
        self.np = None
        self.lugar = "inicio"
        self.dentro = 0  # > 0 mientras Keras se llama a sí mismo (el evaluate de la validación de fit)

    # --- eventos -------------------------------------------------------------------------------

    def adaptar(self, texto):
        if texto not in self.adaptaciones:
            self.adaptaciones.add(texto)
            self.canal.enviar(tipo="adaptacion", texto=texto)

    def error(self, error, contexto=None):
        marcos = [m for m in traceback.extract_tb(error.__traceback__) if m.filename in self.archivos]
        lugar = f"{marcos[-1].filename}, línea {marcos[-1].lineno}" if marcos else (contexto or self.lugar)
        if isinstance(error, SyntaxError) and error.filename in self.archivos:
            lugar = f"{error.filename}, línea {error.lineno}"
        self.canal.enviar(tipo="error", clase=type(error).__name__, mensaje=str(error)[:500], lugar=lugar)

    # --- ejecución de la entrega -----------------------------------------------------------------

    def ejecutar(self):
        modulo = types.ModuleType("__main__")
        modulo.__dict__.update(__builtins__=builtins, __file__=os.path.abspath(self.trabajo["archivos"][0]["archivo"]))
        sys.modules["__main__"] = modulo
        self.espacio = modulo.__dict__
        for fragmento in self.trabajo["fragmentos"]:
            self.archivos.add(fragmento["nombre"])
        for fragmento in self.trabajo["fragmentos"]:
            self._ejecutar_fragmento(fragmento)
        self.canal.enviar(tipo="cargada")

    def _ejecutar_fragmento(self, fragmento):
        nombre = fragmento["nombre"]
        self.canal.enviar(tipo="fragmento", nombre=nombre)
        try:
            arbol = ast.parse(fragmento["codigo"], filename=nombre)
        except SyntaxError as error:
            self.error(error)
            return
        for instruccion in arbol.body:
            self.lugar = f"{nombre}, línea {instruccion.lineno}"
            self.canal.enviar(tipo="instruccion", lugar=self.lugar)
            codigo = compile(ast.Module(body=[instruccion], type_ignores=[]), nombre, "exec")
            try:
                exec(codigo, self.espacio)
            except SystemExit:
                self.canal.enviar(
                    tipo="aviso", texto=f"{self.lugar}: la entrega llamó a sys.exit(); se sigue con lo demás."
                )
                return
            except BaseException as error:  # noqa: BLE001 (un error del estudiante es un dato)
                self.error(error)
            finally:
                self._sustituir_ayudantes()

    def _es_del_estudiante(self, valor):
        codigo = getattr(valor, "__code__", None)
        return codigo is not None and codigo.co_filename in self.archivos

    def _sustituir_ayudantes(self):
        for nombre in AYUDANTES:
            valor = self.espacio.get(nombre)
            if callable(valor) and self._es_del_estudiante(valor):
                self.espacio[nombre] = getattr(self, "_" + nombre)
                self.adaptar(f"{nombre} del profesor sustituida por una versión con datos pequeños del mismo formato")

    # --- datos pequeños con el formato del profesor --------------------------------------------

    def _cifar(self):
        return datos_cifar(self._numpy())

    def _cargarImagenes(self, *args, **kwargs):
        np = self._numpy()
        (x_train, y_train), (x_test, y_test) = self._cifar()
        uno = np.eye(CLASES_CIFAR, dtype="float32")
        return (x_train.astype("float32") / 255, uno[y_train[:, 0]], x_test.astype("float32") / 255, uno[y_test[:, 0]])

    def _cargarDatos(self, *args, **kwargs):
        np = self._numpy()
        rng = np.random.default_rng(11)
        uno = np.eye(CLASES_PAJAROS, dtype="float32")
        x_train = rng.integers(0, 256, size=(16, 224, 224, 3)).astype("float32")
        x_test = rng.integers(0, 256, size=(16, 224, 224, 3)).astype("float32")
        return x_train, uno[np.arange(16) % CLASES_PAJAROS], x_test, uno[(np.arange(16) + 3) % CLASES_PAJAROS]

    def _mostrarEvolucion(self, *args, **kwargs):
        return None

    def _calcularAccuracy(self, labels, preds):
        np = self._numpy()
        return float(np.mean(np.argmax(labels, axis=1) == np.argmax(preds, axis=1)))

    def _numpy(self):
        if self.np is None:
            import numpy

            self.np = numpy
        return self.np

    # --- observación de modelos y datos ---------------------------------------------------------

    def capturar(self, modelo, origen, **datos):
        """Anota `modelo` (su configuración de ahora: capas y `trainable`) y lo que acompaña al evento."""
        if self.dentro:
            return
        try:
            texto = modelo.to_json()
        except Exception as error:  # noqa: BLE001
            self.canal.enviar(tipo="aviso", texto=f"no se pudo describir un modelo ({origen}): {error}"[:300])
            return
        if id(modelo) not in self.modelos:
            self.modelos[id(modelo)] = (len(self.modelos), modelo)
        indice = self.modelos[id(modelo)][0]
        self.canal.enviar(
            tipo="modelo",
            origen=origen,
            modelo=indice,
            config=self.canal.guardar_config(texto),
            lugar=self.lugar,
            **datos,
        )

    def estadisticas(self, x):
        """Forma, media y desviación de un array (o de su primer elemento si es una tupla/lista)."""
        np = self._numpy()
        if isinstance(x, dict):
            x = next(iter(x.values()), None)
        if isinstance(x, (list, tuple)) and x and not np.isscalar(x[0]):
            x = x[0]
        try:
            a = np.asarray(x, dtype="float64")
        except Exception:  # noqa: BLE001
            return None
        if a.size == 0:
            return {"forma": list(a.shape)}
        return {"forma": list(a.shape), "media": float(a.mean()), "desviacion": float(a.std())}

    def primer_lote(self, datos):
        """`(x, y, datos_intactos)` del primer lote de un iterador, generador o tf.data sin gastarlo."""
        import itertools

        if hasattr(datos, "__getitem__") and hasattr(datos, "__len__") and not isinstance(datos, (list, tuple)):
            try:
                lote = datos[0]
                return lote[0], (lote[1] if len(lote) > 1 else None), datos
            except Exception:  # noqa: BLE001
                pass
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(datos, tf.data.Dataset):
            for lote in datos.take(1):
                lote = tuple(lote) if isinstance(lote, (tuple, list)) else (lote,)
                return lote[0].numpy(), (lote[1].numpy() if len(lote) > 1 else None), datos
            return None, None, datos
        if hasattr(datos, "__next__"):
            lote = next(datos)
            return lote[0], (lote[1] if len(lote) > 1 else None), itertools.chain([lote], datos)
        return None, None, datos

    def generador(self, datos):
        """Ajustes del ImageDataGenerator que alimenta un iterador de Keras 2 (normalización y aumento)."""
        gen = getattr(datos, "image_data_generator", None)
        if gen is None:
            return None
        claves = (
            "featurewise_center",
            "featurewise_std_normalization",
            "samplewise_center",
            "samplewise_std_normalization",
            "rotation_range",
            "width_shift_range",
            "height_shift_range",
            "shear_range",
            "zoom_range",
            "horizontal_flip",
            "vertical_flip",
            "brightness_range",
            "channel_shift_range",
            "zca_whitening",
        )
        ajustes = {}
        for clave in claves:
            valor = getattr(gen, clave, None)
            if clave == "zoom_range" and valor is not None:
                valor = [float(v) for v in valor]
                valor = valor != [1.0, 1.0]
            ajustes[clave] = bool(valor) if not isinstance(valor, (int, float)) else float(valor)
        return ajustes


def datos_cifar(np):
    """CIFAR pequeño con el formato de `cifar100.load_data`: 500 imágenes de entrenamiento con valores en
    [51, 204] y 100 de test en [128, 230] (uint8), etiquetas finas 0–24 (20 y 4 por clase: admite un 10 %
    estratificado). Las imágenes son bloques de 4×4 píxeles, suaves como las de verdad, para que el aumento
    (zoom, giros) no cambie sus estadísticas; sus medias distintas delatan con qué estadísticas se normalizó
    el test (el calificador las conoce: `estadisticas_cifar`)."""
    rng = np.random.default_rng(7)

    def imagenes(n, bajo, alto):
        bloques = rng.integers(bajo, alto + 1, size=(n, 8, 8, 3)).astype("uint8")
        return bloques.repeat(4, axis=1).repeat(4, axis=2)

    x_train, x_test = imagenes(N_TRAIN, 51, 204), imagenes(N_TEST, 128, 230)
    y_train = (np.arange(N_TRAIN) % CLASES_CIFAR).reshape(-1, 1).astype("int64")
    y_test = (np.arange(N_TEST) % CLASES_CIFAR).reshape(-1, 1).astype("int64")
    return (x_train, y_train), (x_test, y_test)


def estadisticas_cifar():
    """`(media, desviación)` de entrenamiento y de test de `datos_cifar`, en la escala [0, 1]."""
    import numpy as np

    (x_train, _), (x_test, _) = datos_cifar(np)
    return (x_train.mean() / 255, x_train.std() / 255), (x_test.mean() / 255, x_test.std() / 255)


# --- carga: adaptaciones de Keras 2 / Colab y bloqueo del paquete -------------------------------


class Buscador(importlib.abc.MetaPathFinder):
    """Bloquea las soluciones del paquete y da módulos sustitutos (`google.colab`, `cv2` sin OpenCV)."""

    def __init__(self, arnes, propios):
        self.arnes = arnes
        self.propios = propios  # módulos que la propia entrega trae (su `datos.py`, por ejemplo)

    def find_spec(self, nombre, ruta=None, destino=None):
        raiz = nombre.split(".")[0]
        if raiz in PAQUETE and raiz not in self.propios:
            self.arnes.canal.enviar(tipo="soluciones", modulo=nombre)
            raise ModuleNotFoundError(
                f"la entrega usa las soluciones del paquete («import {nombre}»): en la calificación no están disponibles"
            )
        if nombre in ("google", "google.colab", "google.colab.drive", "google.colab.files", "google.colab.patches"):
            if nombre == "google" and _existe_fuera(nombre, self):
                return None
            return importlib.machinery.ModuleSpec(nombre, Sustituto(self.arnes), is_package=nombre.count(".") < 2)
        if nombre == "cv2" and not _existe_fuera(nombre, self):
            return importlib.machinery.ModuleSpec(nombre, Sustituto(self.arnes))
        if nombre == "IPython.display" or (nombre == "IPython" and not _existe_fuera(nombre, self)):
            if nombre == "IPython.display" and _existe_fuera("IPython", self):
                return None
            return importlib.machinery.ModuleSpec(nombre, Sustituto(self.arnes), is_package=nombre == "IPython")
        return None


def _existe_fuera(nombre, buscador):
    for otro in sys.meta_path:
        if otro is buscador or not hasattr(otro, "find_spec"):
            continue
        try:
            if otro.find_spec(nombre, None) is not None:
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


class _SinOpenCV(types.ModuleType):
    def __getattr__(self, nombre):
        if nombre.startswith("__"):
            raise AttributeError(nombre)
        raise RuntimeError(
            f"cv2.{nombre}: OpenCV (cv2) no está instalado en la máquina de calificación; "
            "lea las imágenes con keras.preprocessing.image.load_img o PIL."
        )


class Sustituto(importlib.abc.Loader):
    """Módulos de Colab y de OpenCV que no existen fuera de Colab o sin instalar."""

    def __init__(self, arnes):
        self.arnes = arnes

    def create_module(self, spec):
        if spec.name == "cv2":
            return _SinOpenCV("cv2")
        return None

    def exec_module(self, modulo):
        nada = lambda *args, **kwargs: None  # noqa: E731
        nombre = modulo.__name__
        if nombre == "cv2":
            self.arnes.adaptar("cv2: OpenCV no está instalado; cada uso da un error que lo dice")
        elif nombre == "google.colab.drive":
            modulo.mount = nada
            modulo.flush_and_unmount = nada
            self.arnes.adaptar("google.colab.drive.mount no hace nada (fuera de Colab)")
        elif nombre == "google.colab.files":
            modulo.upload = lambda *args, **kwargs: {}
            modulo.download = nada
            self.arnes.adaptar("google.colab.files no hace nada (fuera de Colab)")
        elif nombre == "google.colab.patches":
            modulo.cv2_imshow = nada
        elif nombre == "IPython.display":
            modulo.display = nada
            modulo.clear_output = nada
            modulo.Image = nada
            modulo.HTML = nada
        elif nombre == "IPython":
            modulo.get_ipython = nada
            modulo.display = nada


def _reemplazar(original, nuevo):
    """Cambia `original` por `nuevo` en todos los módulos de Keras y TensorFlow ya importados."""
    for nombre, modulo in list(sys.modules.items()):
        if modulo is None or not nombre.startswith(("keras", "tensorflow", "tf_keras")):
            continue
        espacio = getattr(modulo, "__dict__", {})
        for clave, valor in list(espacio.items()):
            if valor is original:
                try:
                    setattr(modulo, clave, nuevo)
                except (AttributeError, TypeError):
                    pass


def adaptar_keras(arnes):
    """Parches de Keras 3 para código de Keras 2 y para abaratar el entrenamiento (una sola vez)."""
    import keras
    import numpy as np
    import tensorflow as tf

    arnes.keras, arnes.np = keras, np
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass

    # Keras 2: ImageDataGenerator y np_utils en sus sitios de antes, capas en sus submódulos.
    from keras.src.legacy.preprocessing import image as imagen_antigua

    imagen = importlib.import_module("keras.preprocessing.image")
    for nombre in ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator", "Iterator"):
        if not hasattr(imagen, nombre):
            setattr(imagen, nombre, getattr(imagen_antigua, nombre))
    envolver_generador(arnes, imagen_antigua.ImageDataGenerator)
    np_utils = types.ModuleType("keras.utils.np_utils")
    np_utils.to_categorical = keras.utils.to_categorical
    np_utils.normalize = keras.utils.normalize
    sys.modules["keras.utils.np_utils"] = np_utils
    keras.utils.np_utils = np_utils
    for viejo in ("core", "convolutional", "pooling", "normalization", "advanced_activations", "merge", "recurrent"):
        sys.modules[f"keras.layers.{viejo}"] = keras.layers
        setattr(keras.layers, viejo, keras.layers)
    sesion = types.ModuleType("keras.backend.tensorflow_backend")
    sesion.set_session = lambda *args, **kwargs: None
    sesion.get_session = lambda *args, **kwargs: None
    sys.modules["keras.backend.tensorflow_backend"] = sesion
    keras.backend.tensorflow_backend = sesion
    keras.backend.set_session = sesion.set_session
    for nombre, valor in (
        ("set_random_seed", tf.random.set_seed),
        ("ConfigProto", tf.compat.v1.ConfigProto),
        ("Session", tf.compat.v1.Session),
        ("get_default_graph", tf.compat.v1.get_default_graph),
    ):
        if not hasattr(tf, nombre):
            setattr(tf, nombre, valor)
    if not hasattr(tf.random, "set_random_seed"):
        tf.random.set_random_seed = tf.random.set_seed

    # Optimizadores: `lr=` y `decay=` de Keras 2.
    for clase in {
        getattr(keras.optimizers, n)
        for n in ("SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam")
        if hasattr(keras.optimizers, n)
    }:
        _envolver_optimizador(arnes, clase)

    # ImageNet: weights=None (sin conexión ni 100 MB por entrega).
    from keras.src.applications import resnet

    resnet_original = resnet.ResNet

    def ResNet(*args, **kwargs):
        if kwargs.get("weights") not in (None,):
            kwargs["weights"] = None
            arnes.adaptar("ResNet50 con weights=None en lugar de los pesos de ImageNet (misma arquitectura)")
        return resnet_original(*args, **kwargs)

    resnet.ResNet = ResNet
    from keras.src.applications import vgg16

    vgg_original = vgg16.VGG16

    def VGG16(*args, **kwargs):
        kwargs["weights"] = None
        arnes.adaptar("VGG16 con weights=None en lugar de los pesos de ImageNet")
        return vgg_original(*args, **kwargs)

    _reemplazar(vgg_original, VGG16)

    # Datos de Keras: pequeños y del mismo formato.
    from keras.src.datasets import cifar10, cifar100, mnist

    def cargar_cifar(*args, **kwargs):
        arnes.adaptar("keras.datasets.*.load_data da 500 + 100 imágenes del mismo formato (sin descarga)")
        return arnes._cifar()

    def cargar_mnist(*args, **kwargs):
        (x_train, y_train), (x_test, y_test) = arnes._cifar()
        arnes.adaptar("keras.datasets.*.load_data da 500 + 100 imágenes del mismo formato (sin descarga)")
        return (x_train[..., 0], y_train[:, 0] % 10), (x_test[..., 0], y_test[:, 0] % 10)

    _reemplazar(cifar100.load_data, cargar_cifar)
    _reemplazar(cifar10.load_data, cargar_cifar)
    _reemplazar(mnist.load_data, cargar_mnist)

    # Entrenamiento, evaluación y predicción abaratados y anotados; guardar y cargar pesos no hacen nada.
    Model = keras.Model
    _envolver_modelo(arnes, Model)
    try:
        keras.utils.plot_model = lambda *args, **kwargs: None
    except AttributeError:
        pass

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.show = lambda *args, **kwargs: plt.close("all")
    except ImportError:
        pass


def _envolver_optimizador(arnes, clase):
    original = clase.__init__

    def __init__(self, *args, **kwargs):
        if "lr" in kwargs:
            kwargs.setdefault("learning_rate", kwargs.pop("lr"))
            arnes.adaptar(f"{clase.__name__}(lr=…) de Keras 2 leído como learning_rate=…")
        if "decay" in kwargs:
            kwargs.pop("decay")
            arnes.adaptar(f"{clase.__name__}(decay=…) de Keras 2 ignorado (Keras 3 no lo tiene)")
        original(self, *args, **kwargs)

    clase.__init__ = __init__


def envolver_generador(arnes, clase):
    """`flow` con `subset` y `validation_split` como en Keras 2 ya funcionan; solo se anota el uso."""
    original = clase.__init__

    def __init__(self, *args, **kwargs):
        arnes.adaptar("ImageDataGenerator de Keras 2 (keras.preprocessing.image) tomado de tf.keras (legado)")
        original(self, *args, **kwargs)

    clase.__init__ = __init__


def _nombre(objeto):
    if objeto is None:
        return None
    if isinstance(objeto, str):
        return objeto
    return getattr(objeto, "__name__", None) or getattr(objeto, "name", None) or type(objeto).__name__


def _compilacion(modelo):
    optimizador = getattr(modelo, "optimizer", None)
    tasa = None
    if optimizador is not None:
        try:
            tasa = float(optimizador.learning_rate.numpy()) if hasattr(optimizador.learning_rate, "numpy") else None
        except Exception:  # noqa: BLE001
            tasa = None
    perdida = getattr(modelo, "loss", None)
    metricas = []
    for metrica in (getattr(modelo, "_compile_metrics", None) and modelo._compile_metrics._user_metrics) or []:
        metricas.append(_nombre(metrica))
    return {
        "optimizador": _nombre(type(optimizador)) if optimizador is not None else None,
        "tasa": tasa,
        "perdida": _nombre(perdida),
        "metricas": [m for m in metricas if m],
    }


def _rapido(modelo):
    """Un paso en modo eager cuesta menos que trazar el grafo y compilarlo con XLA (que no se reutilizaría)."""
    try:
        modelo.run_eagerly = True
        modelo.jit_compile = False
    except (AttributeError, ValueError):
        pass


def _envolver_modelo(arnes, Model):
    np = arnes.np
    compile_original, fit_original = Model.compile, Model.fit
    evaluate_original, predict_original = Model.evaluate, Model.predict

    def compile(self, *args, **kwargs):
        resultado = compile_original(self, *args, **kwargs)
        arnes.capturar(self, "compile", compilacion=_compilacion(self))
        return resultado

    def _datos(x, y, validation_data, validation_split):
        datos = {"validation_split": float(validation_split or 0), "validacion": validation_data is not None}
        generador = arnes.generador(x)
        x_lote, y_lote, x = arnes.primer_lote(x) if not hasattr(x, "shape") else (x, y, x)
        datos["x"] = arnes.estadisticas(x_lote[:512] if hasattr(x_lote, "shape") else x_lote)
        datos["y"] = arnes.estadisticas(y_lote[:512] if hasattr(y_lote, "shape") else y_lote)
        if generador:
            datos["generador"] = generador
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)):
                datos["x_validacion"] = arnes.estadisticas(validation_data[0])
            else:
                xv, _, validation_data = arnes.primer_lote(validation_data)
                datos["x_validacion"] = arnes.estadisticas(xv)
        return datos, x, validation_data

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        **kwargs,
    ):
        datos, x, validation_data = _datos(x, y, validation_data, validation_split)
        arnes.capturar(self, "fit", compilacion=_compilacion(self), datos=datos, epocas=epochs, lote=batch_size)
        epocas = max(1, int(epochs or 1) - int(initial_epoch or 0))
        if self.count_params() > LIMITE_PARAMETROS_ENTRENAR:
            arnes.adaptar("fit de una red grande (ResNet50): se anota y no se entrena")
            historia = {"loss": [float("nan")]}
            if validation_data is not None or validation_split:
                historia["val_loss"] = [float("nan")]
            for metrica in _compilacion(self)["metricas"]:
                historia[metrica] = [float("nan")]
                if "val_loss" in historia:
                    historia["val_" + metrica] = [float("nan")]
        else:
            arnes.adaptar("fit, evaluate y predict recortados a un paso sobre los datos que reciben")
            argumentos = dict(epochs=1, verbose=0, shuffle=False)
            if hasattr(x, "shape"):
                argumentos.update(
                    x=x[:MAX_FILAS],
                    y=None if y is None else y[:MAX_FILAS],
                    batch_size=min(int(batch_size or 32), MAX_FILAS),
                )
                if validation_split:
                    argumentos["validation_split"] = validation_split
            else:
                argumentos.update(x=x, steps_per_epoch=1)
            if validation_data is not None:
                if isinstance(validation_data, (tuple, list)):
                    validation_data = tuple(v[:MAX_FILAS] if hasattr(v, "shape") else v for v in validation_data)
                else:
                    argumentos["validation_steps"] = 1
                argumentos["validation_data"] = validation_data
            arnes.dentro += 1
            _rapido(self)
            try:
                historia = fit_original(self, **argumentos).history
            finally:
                arnes.dentro -= 1
        historial = keras_history(arnes, self, historia, epocas)
        return historial

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, **kwargs):
        x_lote, y_lote, x = arnes.primer_lote(x) if not hasattr(x, "shape") else (x, y, x)
        arnes.capturar(
            self,
            "evaluate",
            compilacion=_compilacion(self),
            datos={"x": arnes.estadisticas(x_lote), "y": arnes.estadisticas(y_lote)},
        )
        nombres = ["loss"] + _compilacion(self)["metricas"]
        if self.count_params() > LIMITE_PARAMETROS_ENTRENAR or self.optimizer is None:
            valores = [float("nan")] * len(nombres)
        elif hasattr(x, "shape"):
            _rapido(self)
            valores = evaluate_original(self, x[:MAX_FILAS], None if y is None else y[:MAX_FILAS], verbose=0)
        else:
            _rapido(self)
            valores = evaluate_original(self, x, steps=1, verbose=0)
        if kwargs.get("return_dict"):
            return dict(zip(nombres, valores if isinstance(valores, list) else [valores]))
        return valores

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        x_lote, _, x = arnes.primer_lote(x) if not hasattr(x, "shape") else (x, None, x)
        arnes.capturar(self, "predict", datos={"x": arnes.estadisticas(x_lote)})
        if hasattr(x, "shape"):
            filas = len(x)
        else:
            filas = int(getattr(x, "n", 0) or (len(x_lote) if x_lote is not None else 0))
        if self.count_params() > LIMITE_PARAMETROS_ENTRENAR:
            arnes.adaptar("predict de una red grande (ResNet50): ceros con la forma de su salida")
            forma = tuple(int(d) for d in self.outputs[0].shape[1:])
            return np.zeros((filas,) + forma, dtype="float32")
        _rapido(self)
        if hasattr(x, "shape"):
            return predict_original(self, x, verbose=0)
        return predict_original(self, x, steps=steps, verbose=0)

    def summary(self, *args, **kwargs):
        arnes.capturar(self, "summary")
        return resumen_original(self, *args, **kwargs)

    resumen_original = Model.summary
    Model.compile, Model.fit, Model.evaluate, Model.predict, Model.summary = compile, fit, evaluate, predict, summary
    Model.fit_generator, Model.evaluate_generator, Model.predict_generator = fit, evaluate, predict
    nada = lambda self, *args, **kwargs: None  # noqa: E731
    Model.save, Model.save_weights, Model.load_weights = nada, nada, nada


def keras_history(arnes, modelo, historia, epocas):
    """Un `History` como el de Keras 2 (con las claves `acc`/`val_acc` además de `accuracy`)."""
    historial = arnes.keras.callbacks.History()
    historial.set_model(modelo)
    completo = {}
    for clave, valores in historia.items():
        valor = list(valores)[-1] if len(valores) else float("nan")
        completo[clave] = [valor] * epocas
        for alias in (clave.replace("accuracy", "acc"), clave.replace("acc", "accuracy")):
            completo.setdefault(alias.replace("accuracyuracy", "accuracy"), [valor] * epocas)
    historial.history = completo
    historial.epoch = list(range(epocas))
    historial.params = {"epochs": epocas, "verbose": 0, "steps": 1}
    return historial


def instalar_importaciones(arnes):
    """Aplica `adaptar_keras` la primera vez que la entrega importa Keras o TensorFlow."""
    importar = builtins.__import__
    estado = {"hecho": False}

    def __import__(nombre, globals=None, locals=None, fromlist=(), level=0):
        if not estado["hecho"] and level == 0 and nombre.split(".")[0] in ("keras", "tensorflow"):
            estado["hecho"] = True
            adaptar_keras(arnes)
        return importar(nombre, globals, locals, fromlist, level)

    builtins.__import__ = __import__


# --- llamadas a los nombres del informe (o los que indique el profesor) --------------------------


def llamar_funciones(arnes):
    """Llama a las funciones del informe que la entrega define y no se llamaron ya (`getBaseNet`…)."""
    for llamada in arnes.trabajo.get("llamadas", []):
        funcion = arnes.espacio.get(llamada["funcion"])
        if not callable(funcion) or not arnes._es_del_estudiante(funcion):
            continue
        arnes.lugar = f"la llamada a {llamada['funcion']}"
        arnes.canal.enviar(tipo="llamada", funcion=llamada["funcion"], lugar=arnes.lugar)
        try:
            if arnes.keras is None:
                import keras  # noqa: F401  (aplica las adaptaciones)
            argumentos = [_argumento(arnes, a) for a in llamada["argumentos"]][: _posicionales(funcion)]
            resultado = funcion(*argumentos)
            _anotar_resultado(arnes, llamada, resultado, argumentos)
        except BaseException as error:  # noqa: BLE001
            arnes.error(error, f"llamada a {llamada['funcion']}")


def _posicionales(funcion):
    """Cuántos argumentos posicionales admite `funcion` (`getBaseNetPlusPlus()` o `(fix2, fix3, fix4)`)."""
    import inspect

    try:
        parametros = inspect.signature(funcion).parameters.values()
    except (TypeError, ValueError):
        return 99
    if any(p.kind is p.VAR_POSITIONAL for p in parametros):
        return 99
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parametros)


def _argumento(arnes, especificacion):
    keras = arnes.keras
    if especificacion in ("resnet50_avg", "resnet50_sin_pooling"):
        pooling = "avg" if especificacion == "resnet50_avg" else None
        return keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3), pooling=pooling)
    if especificacion == "modelo_lineal":
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    if especificacion in ("x_train", "y_train", "x_test"):
        x_train, y_train, x_test, _ = arnes._cargarImagenes()
        return {"x_train": x_train, "y_train": y_train, "x_test": x_test}[especificacion]
    return especificacion  # True, False, números


def _anotar_resultado(arnes, llamada, resultado, argumentos):
    keras = arnes.keras
    if isinstance(resultado, keras.Model):
        arnes.capturar(resultado, f"funcion:{llamada['funcion']}")
        return
    if llamada["funcion"] == "compileModel" and argumentos and isinstance(argumentos[0], keras.Model):
        return  # el compile quedó anotado
    if isinstance(resultado, tuple) and len(resultado) >= 3 and llamada.get("iteradores"):
        entrenamiento, validacion, test = resultado[:3]
        x_lote, _, _ = arnes.primer_lote(entrenamiento)
        arnes.canal.enviar(
            tipo="iteradores",
            funcion=llamada["funcion"],
            generador=arnes.generador(entrenamiento),
            x=arnes.estadisticas(x_lote),
            test=arnes.estadisticas(test),
            validacion=validacion is not None,
        )


def anotar_variables(arnes):
    """Los modelos que quedan en variables del nivel superior (construidos y nunca compilados, quizá)."""
    if arnes.keras is None:
        return
    for nombre, valor in list(arnes.espacio.items()):
        if isinstance(valor, arnes.keras.Model) and id(valor) not in arnes.modelos:
            arnes.capturar(valor, f"variable:{nombre}")


def main():
    trabajo_ruta = sys.argv[1]
    clave = sys.stdin.buffer.readline().strip()
    with open(trabajo_ruta, encoding="utf-8") as f:
        trabajo = json.load(f)
    nulo = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nulo, 0)
    canal = Canal(trabajo["canal"], clave)
    del clave
    arnes = Arnes(trabajo, canal)
    propios = {os.path.splitext(os.path.basename(a["archivo"]))[0] for a in trabajo["archivos"]}
    sys.meta_path.insert(0, Buscador(arnes, propios))
    sys.path[:] = [trabajo["carpeta"]] + [
        r for r in sys.path if r and os.path.abspath(r) != os.path.dirname(os.path.abspath(__file__))
    ]
    os.chdir(trabajo["carpeta"])
    instalar_importaciones(arnes)
    inicio = time.monotonic()
    canal.enviar(tipo="inicio")
    arnes.ejecutar()
    llamar_funciones(arnes)
    anotar_variables(arnes)
    canal.enviar(tipo="fin", segundos=round(time.monotonic() - inicio, 2))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # sin esperar a hilos que haya dejado la entrega ni al cierre de TensorFlow
