"""Pesos de ImageNet de las redes preentrenadas (ResNet50 y VGG16): un solo resolutor.

Como `keras.applications` (p. ej. `keras/src/applications/resnet.py`): una tabla con el archivo, la URL y
la suma MD5 que comprueba Keras de cada red, y una sola descarga (`datos.cache.descargar_a_cache`, que usa
`keras.utils.get_file`). `resolver_pesos(red, pesos)` convierte lo que pide el usuario en lo que recibe
`keras.applications`:

- `"imagenet"`: el archivo de la caché de Keras (`$KERAS_HOME/models/` o `~/.keras/models/`, donde Keras
  lo busca y lo descarga), comprobado con su suma. Si falta se descarga; con `descargar=False` (sin
  conexión) no se intenta, y el error dice qué archivo copiar y dónde;
- `None`: pesos aleatorios (solo para probar);
- la ruta de un archivo `.h5` con los pesos sin la parte densa: debe existir.

`construir(red, pesos, descargar, **argumentos)` resuelve los pesos y construye la red sin la parte densa;
un archivo que no es de esa red da `ErrorDatos` con un mensaje en español.
"""

import os
from typing import NamedTuple

from datos.cache import carpeta_cache_keras, comprobar_suma, descargar_a_cache
from datos.errores import DatosNoDisponibles, ErrorDatos
from datos.validacion import Opciones, comprobar

URL_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"


class PesosImagenet(NamedTuple):
    """Los pesos de ImageNet sin la parte densa de una red de `keras.applications`."""

    aplicacion: str  # nombre en keras.applications
    archivo: str  # nombre en la caché de Keras (el mismo que usa Keras)
    url: str
    md5: str  # la suma que comprueba keras.applications


PESOS_IMAGENET = {
    "resnet50": PesosImagenet(
        "ResNet50",
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        URL_BASE + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "4d473c1dd8becc155b73f8504c6f6626",
    ),
    "vgg16": PesosImagenet(
        "VGG16",
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        URL_BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "6d6bbae143d832006294945121d1f1fc",
    ),
}
OTRA_SALIDA = (
    ", indique otro archivo .h5 con esos pesos (`--pesos RUTA`) o use pesos aleatorios (`--pesos ninguno`; "
    "weights=None o pesos=None en el código), que solo sirven para probar"
)


def _tabla(red):
    return PESOS_IMAGENET[comprobar(red, "red", Opciones(*sorted(PESOS_IMAGENET)))]


def ruta_pesos_imagenet(red="resnet50"):
    """Dónde busca (y descarga) Keras los pesos de ImageNet de `red`: `$KERAS_HOME/models/` o `~/.keras/models/`."""
    return os.path.join(carpeta_cache_keras("models"), _tabla(red).archivo)


def comprobar_pesos(pesos, red="resnet50"):
    """Comprueba, sin construir ni descargar nada, que `pesos` es `"imagenet"`, `None` o un archivo que existe.

    Devuelve `pesos` (una ruta como texto).
    """
    if pesos is None or pesos == "imagenet":
        return pesos
    pesos = os.fspath(pesos)
    if not os.path.isfile(pesos):
        tabla = _tabla(red)
        raise DatosNoDisponibles(
            f"No existe el archivo de pesos '{pesos}'. Indique un .h5 de {tabla.aplicacion} sin la parte densa "
            f"(como {tabla.archivo}), 'imagenet' o None."
        )
    return pesos


def resolver_pesos(red, pesos="imagenet", descargar=True):
    """Lo que recibe `keras.applications.<Red>(weights=...)`: la ruta de los pesos comprobados, o `None`.

    Con `"imagenet"`: el archivo de la caché de Keras si está (comprobado con su suma MD5); si falta, se
    descarga con `descargar=True` y, sin conexión o con `descargar=False`, `DatosNoDisponibles` dice qué
    archivo copiar y dónde.
    """
    pesos = comprobar_pesos(pesos, red)
    if pesos != "imagenet":
        return pesos
    tabla = _tabla(red)
    ruta = ruta_pesos_imagenet(red)
    if os.path.isfile(ruta):
        return comprobar_suma(ruta, tabla.md5, tabla.url, OTRA_SALIDA)
    if not descargar:
        raise DatosNoDisponibles(
            f"No están los pesos de ImageNet de {tabla.aplicacion} en '{ruta}'.\nSin conexión: descargue "
            f"{tabla.url} en otra máquina y cópielo ahí{OTRA_SALIDA}."
        )
    return descargar_a_cache(tabla.archivo, tabla.url, tabla.md5, "models", OTRA_SALIDA)


def construir(red, pesos="imagenet", descargar=True, **argumentos):
    """`keras.applications.<Red>(include_top=False, weights=<pesos resueltos>, **argumentos)`.

    Un archivo de pesos que no es de esa red (otra arquitectura, con la parte densa...) da `ErrorDatos`.
    """
    import keras

    tabla = _tabla(red)
    pesos = resolver_pesos(red, pesos, descargar)
    try:
        return getattr(keras.applications, tabla.aplicacion)(include_top=False, weights=pesos, **argumentos)
    except (OSError, ValueError) as e:
        if pesos is None:
            raise
        raise ErrorDatos(
            f"No se pueden cargar los pesos '{pesos}' en {tabla.aplicacion} ({type(e).__name__}: {e}). "
            f"Deben ser los de {tabla.aplicacion} sin la parte densa ({tabla.archivo})."
        ) from None
