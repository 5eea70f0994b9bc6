"""Lo que la entrega espera de su entorno (Colab, un escritorio, Keras), atendido dentro del aislamiento.

- Las pausas y ventanas del curso responden: `input()` devuelve `""` (Enter), `plt.show()`,
  `cv2.imshow`/`cv2.waitKey` vuelven enseguida; cada una se anota una vez.
- `google.colab` (`drive.mount`, `files.upload`), `IPython.display` y `cv2` (si OpenCV no está
  instalado) tienen sustitutos.
- La primera vez que la entrega importa Keras o TensorFlow se aplican las adaptaciones de Keras 2
  (`keras2`), los datos pequeños de `keras.datasets` y los métodos observados (`metodos`).
- Al terminar, se llaman las funciones del informe que la entrega define (`getBaseNet`…) y se anotan
  los modelos que quedan en variables.
"""

import builtins
import importlib
import importlib.abc
import importlib.machinery
import inspect
import re
import sys
import types

from . import archivos, datos_pequenos, ejecucion, keras2, metodos, observacion

_COLAB = ("google", "google.colab", "google.colab.drive", "google.colab.files", "google.colab.patches")


def instalar(arnes, ipy):
    """`input`, `get_ipython` y el gancho de importación que adapta Keras, TensorFlow, cv2 y matplotlib."""

    llamadas = {}  # lugar de la llamada -> veces

    def input(mensaje=""):  # noqa: A001 (la firma de input)
        marco, lugar = sys._getframe(1), []
        while marco is not None:  # la cadena de llamadas de la entrega: una pausa() llamada desde dos sitios, dos
            if marco.f_code.co_filename in arnes.ejecutor.archivos:
                lugar.append((marco.f_code.co_filename, marco.f_lineno))
            marco = marco.f_back
        lugar = tuple(lugar)
        llamadas[lugar] = veces = llamadas.get(lugar, 0) + 1
        print(mensaje)
        if veces == 1:
            arnes.adaptar("input() respondido con Enter (una cadena vacía)")
            return ""
        respuestas = _respuestas_de_menu(str(mensaje))
        if veces > _MAX_INPUT:  # un bucle que no acepta ninguna respuesta: como sin teclado
            arnes.adaptar(f"input() más de {_MAX_INPUT} veces en el mismo sitio: EOFError, como sin teclado")
            raise EOFError("EOF when reading a line")
        respuesta = respuestas[veces - 2] if veces - 2 < len(respuestas) else ""
        arnes.adaptar(
            "input() repetido en el mismo sitio (un menú): se respondieron sus opciones en orden y después las de salir"
        )
        return respuesta

    builtins.input = input
    builtins.get_ipython = lambda: ipy
    builtins.display = builtins.clear_output = lambda *args, **kwargs: None  # de Jupyter, sin importarlos
    arnes.espacio["get_ipython"] = builtins.get_ipython
    importar = builtins.__import__
    hechos = set()
    profundidad = [0]

    def __import__(nombre, globals=None, locals=None, fromlist=(), level=0):
        profundidad[0] += 1
        try:
            if "keras" not in hechos and level == 0 and nombre.split(".")[0] in ("keras", "tensorflow"):
                hechos.add("keras")
                preparar_keras(arnes)
            alias = None
            if fromlist and nombre.startswith("tensorflow.python.keras") and not _de_keras(globals):
                alias = keras2.tensorflow_python_keras(nombre, arnes.adaptar)
            elif nombre.startswith("tensorflow.keras") and not _de_keras(globals):
                _un_solo_tf_keras(nombre)
            if alias is None:
                with ejecucion.sin_cobertura():  # los módulos propios la reactivan (`principal.CargadorPropio`)
                    alias = importar(nombre, globals, locals, fromlist, level)
            modulo = alias
        finally:
            profundidad[0] -= 1
        if profundidad[0] == 0:  # ya terminaron las importaciones anidadas: los módulos están completos
            for pendiente in ("cv2", "matplotlib.pyplot"):
                if pendiente not in hechos and sys.modules.get(pendiente) is not None:
                    hechos.add(pendiente)
                    _adaptar_modulo(arnes, pendiente, sys.modules[pendiente])
        return modulo

    builtins.__import__ = __import__


_MAX_INPUT = 200  # una pausa (`def pausa(): input(…)`) no se llama tantas veces; un menú que no sale, sí


def _respuestas_de_menu(mensaje):
    """Lo que teclearía el profesor en un menú (`Elija ejercicio (1-3, 0 para salir): `): cada opción en
    orden y después las de salir."""
    opciones = []
    for inicio, fin in re.findall(r"\b(\d)\s*-\s*(\d)\b", mensaje):
        opciones += [str(n) for n in range(int(inicio), int(fin) + 1)]
    opciones += re.findall(r"\b\d\b", mensaje)
    opciones = [o for o in dict.fromkeys(opciones) if o != "0"] or ["1", "2", "3", "4", "5"]
    return opciones + ["0", "salir", "s", "q", "n", "exit"]


def _de_keras(globales):
    """Si quien importa es un módulo de Keras o TensorFlow (no la entrega)."""
    return str((globales or {}).get("__name__", "")).startswith(("tensorflow", "keras", "tf_keras"))


def _adaptar_modulo(arnes, nombre, modulo):
    if nombre == "matplotlib.pyplot":
        import matplotlib

        matplotlib.use("Agg")
        cerrar = modulo.close
        modulo.show = _anotando(arnes, "plt.show() vuelve enseguida (sin ventanas)", None, lambda: cerrar("all"))
    elif nombre == "cv2" and not isinstance(modulo, _SinOpenCV):
        archivos.adaptar_modulo("cv2", modulo, arnes.rutas)
        texto = "las ventanas de OpenCV (cv2.imshow, cv2.waitKey) vuelven enseguida"
        for ventana in ("imshow", "namedWindow", "destroyAllWindows", "destroyWindow", "resizeWindow", "moveWindow"):
            setattr(modulo, ventana, _anotando(arnes, texto, None))
        modulo.waitKey = _anotando(arnes, texto, -1)


def _anotando(arnes, texto, valor, accion=None):
    def funcion(*args, **kwargs):
        arnes.adaptar(texto)
        if accion is not None:
            accion()
        return valor

    return funcion


def preparar_keras(arnes):
    """Adaptaciones de Keras 2, datos pequeños de `keras.datasets` y métodos observados (una vez)."""
    bloqueado = "cv2" not in sys.modules
    if bloqueado:  # Keras importa OpenCV si está (keras.visualization): solo si lo importa la entrega
        sys.modules["cv2"] = None
    try:
        import keras
        import numpy as np
        import tensorflow as tf
    finally:
        if bloqueado:
            del sys.modules["cv2"]

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    guardados = keras2.adaptar(
        keras, tf, np, arnes.adaptar, _usa(arnes, _KERAS_INDEPENDIENTE), _usa(arnes, _NOMBRES_RESNET_22)
    )
    observacion.diferir_variables_enormes(keras)
    archivos.adaptar_modulo("tensorflow", tf, arnes.rutas)
    _datos_de_keras(arnes, np)
    arnes.observador = observacion.Observador(arnes.canal, arnes.ejecutor, arnes.adaptar, keras, np, guardados)
    metodos.instalar(arnes.observador)


def _un_solo_tf_keras(nombre):
    """`tensorflow.keras.utils` es el mismo módulo que `tf.keras.utils` (el adaptado): sin esto, el cargador
    perezoso de TensorFlow importa una segunda copia del archivo, sin las adaptaciones (`plot_model`…)."""
    modulo = importlib.import_module("keras._tf_keras.keras")
    partes = nombre.split(".")[2:]
    for cuantas in range(len(partes) + 1):
        alias = ".".join(["tensorflow.keras", *partes[:cuantas]])
        if cuantas:
            modulo = getattr(modulo, partes[cuantas - 1], None)
        if not isinstance(modulo, types.ModuleType) or isinstance(sys.modules.get(alias), keras2.ModuloAlias):
            return
        sys.modules[alias] = modulo


# La entrega importa `keras` (Keras 2.2 independiente), no solo `tensorflow.keras`.
_KERAS_INDEPENDIENTE = re.compile(r"^\s*(import\s+keras\b|from\s+keras[\s.])", re.MULTILINE)
# La entrega busca capas de ResNet50 por sus nombres de Keras 2.2 (`res5a_branch2a`, `bn_conv1`).
_NOMBRES_RESNET_22 = re.compile(r"\b(res|bn)[2-5][a-f]_branch|\bbn_conv1\b")


def _usa(arnes, patron):
    """Si el código de la entrega (algún archivo o celda) contiene `patron`."""
    return any(patron.search(f["codigo"]) for f in arnes.trabajo["fragmentos"])


def _datos_de_keras(arnes, np):
    from keras.src.datasets import cifar10, cifar100, mnist

    texto = "keras.datasets.*.load_data da 500 + 100 imágenes del mismo formato (sin descarga)"

    def cargar_cifar(*args, **kwargs):
        arnes.adaptar(texto)
        return datos_pequenos.datos_cifar(np)

    def cargar_mnist(*args, **kwargs):
        arnes.adaptar(texto)
        (x_train, y_train), (x_test, y_test) = datos_pequenos.datos_cifar(np)
        return (x_train[..., 0], y_train[:, 0] % 10), (x_test[..., 0], y_test[:, 0] % 10)

    keras2._sustituir(
        (cifar100.load_data, cargar_cifar), (cifar10.load_data, cargar_cifar), (mnist.load_data, cargar_mnist)
    )


# --- módulos sustitutos -------------------------------------------------------------------------------


class _SinOpenCV(types.ModuleType):
    def __getattr__(self, nombre):
        if nombre.startswith("__"):
            raise AttributeError(nombre)
        raise RuntimeError(
            f"cv2.{nombre}: OpenCV (cv2) no está instalado en la máquina de calificación; "
            "lea las imágenes con keras.utils.load_img o PIL."
        )


class _SinEfecto(types.ModuleType):
    """Un módulo que no está instalado y no cambia la nota (`livelossplot`): lo que se pide de él es una clase
    de callbacks de Keras que no hace nada (`PlotLossesKeras()`), o que se llama y no hace nada."""

    def __getattr__(self, nombre):
        if nombre.startswith("__"):
            raise AttributeError(nombre)
        import keras

        def __init__(self, *args, **kwargs):
            keras.callbacks.Callback.__init__(self)

        clase = type(nombre, (keras.callbacks.Callback,), {"__init__": __init__, "__call__": lambda *a, **k: None})
        setattr(self, nombre, clase)
        return clase


class Sustituto(importlib.abc.Loader):
    """Módulos de Colab, de IPython y de OpenCV que no existen fuera de Colab o sin instalar."""

    def __init__(self, arnes):
        self.arnes = arnes

    def create_module(self, spec):
        if spec.name == "cv2":
            return _SinOpenCV("cv2")
        if spec.name.split(".")[0] not in ("google", "IPython"):
            self.arnes.adaptar(f"{spec.name.split('.')[0]} (instalado con !pip en Colab): un módulo sin efecto")
            return _SinEfecto(spec.name)
        return None

    def exec_module(self, modulo):
        nada = lambda *args, **kwargs: None  # noqa: E731
        nombre = modulo.__name__
        if nombre == "cv2":
            self.arnes.adaptar("cv2: OpenCV no está instalado; cada uso da un error que lo dice")
        elif nombre == "google.colab.drive":
            modulo.mount = _anotando(self.arnes, "google.colab.drive.mount: su Drive es la carpeta de la entrega", None)
            modulo.flush_and_unmount = nada
        elif nombre == "google.colab.files":
            modulo.upload = _anotando(self.arnes, "google.colab.files no hace nada (fuera de Colab)", {})
            modulo.download = nada
        elif nombre == "google.colab.patches":
            modulo.cv2_imshow = nada
        elif nombre in ("IPython.display", "IPython"):
            for funcion in ("display", "clear_output", "Image", "HTML", "Markdown"):
                setattr(modulo, funcion, nada)
            modulo.get_ipython = builtins.get_ipython


def sustituto(arnes, existe_fuera):
    """La función que decide, para el `Buscador`, qué módulo se sustituye (`None`: el de verdad).

    Solo cuando lo importa el código de la entrega: una biblioteca que prueba `import cv2` y sigue sin
    él debe recibir el `ImportError` de siempre, no el sustituto.
    """

    instalados = _instalados_con_pip(arnes) | _SIN_EFECTO_EN_LA_NOTA

    def decidir(nombre, buscador):
        raiz = nombre.split(".")[0]
        if raiz in instalados:
            sin_efecto = (
                isinstance(sys.modules.get(raiz), _SinEfecto) if nombre != raiz else not existe_fuera(raiz, buscador)
            )
            if sin_efecto and (nombre != raiz or _importa_el_estudiante(arnes)):
                return importlib.machinery.ModuleSpec(nombre, Sustituto(arnes), is_package=True)
        if raiz not in ("google", "cv2", "IPython") or not _importa_el_estudiante(arnes):
            return None
        if nombre in _COLAB:
            if nombre == "google" and existe_fuera(nombre, buscador):
                return None
            return importlib.machinery.ModuleSpec(nombre, Sustituto(arnes), is_package=nombre.count(".") < 2)
        if nombre == "cv2" and not existe_fuera(nombre, buscador):
            return importlib.machinery.ModuleSpec(nombre, Sustituto(arnes))
        if nombre in ("IPython", "IPython.display") and not existe_fuera("IPython", buscador):
            return importlib.machinery.ModuleSpec(nombre, Sustituto(arnes), is_package=nombre == "IPython")
        return None

    return decidir


# Bibliotecas que una práctica instala con `!pip install` para dibujar o mostrar el progreso: si no están,
# un módulo sin efecto (sus clases son callbacks de Keras que no hacen nada).
_SIN_EFECTO_EN_LA_NOTA = {"livelossplot", "keras_tqdm", "visualkeras", "ann_visualizer", "keras_visualizer", "pydot"}
_PIP = re.compile(r"pip3?\s+install\s+([^\n'\"\\]+)")


def _instalados_con_pip(arnes):
    """Los módulos que la entrega instala con `!pip install` (sin versiones ni opciones)."""
    nombres = set()
    for fragmento in arnes.trabajo["fragmentos"]:
        for orden in _PIP.findall(fragmento["codigo"]):
            for paquete in orden.split():
                if not paquete.startswith("-"):
                    nombres.add(re.split(r"[=<>~!\[]", paquete)[0].lower().replace("-", "_"))
    return nombres


def _importa_el_estudiante(arnes):
    """Si la importación en curso la hace el código de la entrega (no una biblioteca)."""
    marco = sys._getframe(2)
    propio = __file__.rsplit("/", 1)[0]
    while marco is not None:
        archivo = marco.f_code.co_filename
        if not archivo.startswith(("<frozen importlib", propio)):
            return archivo in arnes.ejecutor.archivos
        marco = marco.f_back
    return False


# --- al terminar: las funciones del informe y los modelos en variables ------------------------------


def llamar_funciones(arnes):
    """Llama a las funciones del informe que la entrega define y no se llamaron ya (`getBaseNet`…)."""
    for llamada in arnes.trabajo.get("llamadas", []):
        funcion = arnes.espacio.get(llamada["funcion"])
        codigo = getattr(funcion, "__code__", None)
        if not callable(funcion) or codigo is None or codigo.co_filename not in arnes.ejecutor.archivos:
            continue
        lugar = f"la llamada a {llamada['funcion']}"
        arnes.canal.enviar(tipo="llamada", funcion=llamada["funcion"], lugar=lugar)
        try:
            if arnes.observador is None:
                import keras  # noqa: F401  (aplica las adaptaciones)
            argumentos = [_argumento(arnes, a) for a in llamada["argumentos"]][: _posicionales(funcion)]
            resultado = arnes.ejecutor.llamar(funcion, argumentos, lugar)
            _anotar_resultado(arnes, llamada, resultado, argumentos)
        except BaseException as error:  # noqa: BLE001
            arnes.ejecutor.error(error, lugar)


def _posicionales(funcion):
    """Cuántos argumentos posicionales admite `funcion` (`getBaseNetPlusPlus()` o `(fix2, fix3, fix4)`)."""
    try:
        parametros = inspect.signature(funcion).parameters.values()
    except (TypeError, ValueError):
        return 99
    if any(p.kind is p.VAR_POSITIONAL for p in parametros):
        return 99
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parametros)


def _argumento(arnes, especificacion):
    keras = arnes.observador.keras
    np = arnes.observador.np
    if especificacion in ("resnet50_avg", "resnet50_sin_pooling"):
        pooling = "avg" if especificacion == "resnet50_avg" else None
        return keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3), pooling=pooling)
    if especificacion == "modelo_lineal":
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    if especificacion in ("x_train", "y_train", "x_test"):
        (x_train, y_train), (x_test, _) = datos_pequenos.datos_cifar(np)
        uno = np.eye(datos_pequenos.CLASES_CIFAR, dtype="float32")
        valores = {"x_train": x_train / 255, "y_train": uno[y_train[:, 0]], "x_test": x_test / 255}
        return valores[especificacion].astype("float32")
    return especificacion  # True, False, números


def _anotar_resultado(arnes, llamada, resultado, argumentos):
    observador = arnes.observador
    keras = observador.keras
    if isinstance(resultado, keras.Model):
        observador.capturar(resultado, f"funcion:{llamada['funcion']}")
        return
    if llamada["funcion"] == "compileModel" and argumentos and isinstance(argumentos[0], keras.Model):
        return  # el compile quedó anotado
    if isinstance(resultado, tuple) and len(resultado) >= 3 and llamada.get("iteradores"):
        entrenamiento, validacion, test = resultado[:3]
        datos, _, _ = observador.describir_datos(entrenamiento)
        test_datos, _, _ = observador.describir_datos(test, completo=True)
        arnes.canal.enviar(
            tipo="iteradores",
            funcion=llamada["funcion"],
            generador=datos.get("generador"),
            x=datos.get("x"),
            test=test_datos.get("x"),
            validacion=validacion is not None,
        )


def anotar_variables(arnes):
    """Los modelos que quedan en variables del nivel superior (construidos y nunca compilados, quizá)."""
    if arnes.observador is None:
        return
    for nombre, valor in list(arnes.espacio.items()):
        if isinstance(valor, arnes.observador.keras.Model) and id(valor) not in arnes.observador.modelos:
            arnes.observador.capturar(valor, f"variable:{nombre}")
