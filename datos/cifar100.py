"""CIFAR-100 reducido a 25 clases, con el contrato de `cargarImagenes()` del profesor (práctica 3, §2.2).

El archivo oficial `cifar-100-python.tar.gz` se lee sin extraerlo, con un unpickler restringido, y se
busca en este orden: la ruta indicada, la caché de Keras y, con conexión, una descarga a través de Keras.
"""

import lzma
import os
import tarfile
import zlib

import numpy as np

from datos.archivos import cargar_pickle_seguro
from datos.cache import SI_ES_PROPIO, carpeta_cache_keras, comprobar_suma, descargar_a_cache
from datos.errores import DatosNoDisponibles, ErrorDatos

URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
NOMBRE_ARCHIVO = "cifar-100-python.tar.gz"
# SHA-256 publicado del archivo oficial (el mismo que comprueba keras.datasets.cifar100).
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
# Nombres que usa Keras 3 en su caché: `<KERAS_HOME>/datasets/cifar-100-python-target{,_archive}`.
_KERAS_CARPETA = "cifar-100-python-target"
NUM_CLASES = 25


def _candidatos_cache():
    d = carpeta_cache_keras()
    return [
        os.path.join(d, _KERAS_CARPETA, "cifar-100-python"),  # extraído por keras.datasets.cifar100
        os.path.join(d, NOMBRE_ARCHIVO),  # colocado a mano o descargado por este paquete
        os.path.join(d, _KERAS_CARPETA + "_archive"),  # archivo descargado por Keras
    ]


def _leer_particion(fuente, particion):
    """Devuelve (imágenes uint8 (N, 32, 32, 3), etiquetas finas (N,)) de 'train' o 'test'."""
    if os.path.isdir(fuente):
        ruta = os.path.join(fuente, particion)
        if not os.path.isfile(ruta):
            raise ErrorDatos(
                f"Falta el archivo '{ruta}'. La carpeta de CIFAR-100 debe contener 'train', 'test' y 'meta' "
                f"(la carpeta 'cifar-100-python' que hay dentro de {NOMBRE_ARCHIVO})."
            )
        with open(ruta, "rb") as f:
            binario = f.read()
    else:
        try:
            with tarfile.open(fuente, "r:*") as tar:
                miembro = next((m for m in tar.getmembers() if m.isfile() and m.name.split("/")[-1] == particion), None)
                if miembro is None:
                    raise ErrorDatos(
                        f"El archivo '{fuente}' no contiene 'cifar-100-python/{particion}': "
                        f"no es el archivo oficial {NOMBRE_ARCHIVO}."
                    )
                ruta = f"{fuente}:{miembro.name}"
                binario = tar.extractfile(miembro).read()
        except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError):
            raise ErrorDatos(
                f"No se puede leer '{fuente}': no es un .tar.gz válido, o está dañado o truncado. Descargue de "
                f"nuevo {URL}"
            ) from None
    lote = cargar_pickle_seguro(binario, ruta)
    if not isinstance(lote, dict):
        raise ErrorDatos(f"'{ruta}' no tiene el formato de CIFAR-100 (se esperaba un diccionario).")
    lote = {(k.decode() if isinstance(k, bytes) else k): v for k, v in lote.items()}
    try:
        datos = np.asarray(lote["data"], dtype=np.uint8)
        etiquetas = np.asarray(lote["fine_labels"], dtype=np.int64)
    except KeyError as e:
        raise ErrorDatos(f"A '{ruta}' le falta la clave {e} del formato de CIFAR-100.") from None
    if datos.ndim != 2 or datos.shape[1] != 3072 or len(datos) != len(etiquetas):
        raise ErrorDatos(
            f"'{ruta}' no tiene el formato de CIFAR-100: 'data' tiene forma {datos.shape} "
            f"y hay {len(etiquetas)} etiquetas (se esperaba (N, 3072) y N etiquetas)."
        )
    return datos.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), etiquetas


def localizar_cifar100(ruta=None, descargar=True):
    """Devuelve la ruta del archivo o carpeta de CIFAR-100 que se va a usar (ver el orden en el módulo)."""
    if ruta is not None:
        ruta = os.fspath(ruta)
        if not os.path.exists(ruta):
            raise DatosNoDisponibles(
                f"No existe '{ruta}'. Indique el archivo oficial {NOMBRE_ARCHIVO} o su carpeta extraída "
                "'cifar-100-python'."
            )
        return ruta
    for candidato in _candidatos_cache():
        if os.path.exists(candidato):
            return candidato
    if not descargar:
        raise DatosNoDisponibles(
            f"No se encuentra CIFAR-100 en la caché de Keras. Copie {NOMBRE_ARCHIVO} en "
            f"'{os.path.join(carpeta_cache_keras(), NOMBRE_ARCHIVO)}'."
        )
    return descargar_a_cache(
        NOMBRE_ARCHIVO,
        URL,
        SHA256,
        otra_salida=", o indique su ruta con `--datos RUTA`; para probar sin datos use `--datos digitos`",
    )


def cargarImagenes(ruta=None, verificar=True, num_clases=NUM_CLASES, descargar=True):
    """Carga las 25 primeras clases finas de CIFAR-100 (práctica 3, §2.2).

    Devuelve `x_train, y_train, x_test, y_test`: imágenes float32 en [0, 1] de forma (N, 32, 32, 3),
    en el orden original, y etiquetas one-hot con `num_clases` columnas (12.500 y 2.500 imágenes).
    Con `verificar=True` un archivo `.tar.gz` se compara con la suma SHA-256 publicada; con
    `descargar=False` nunca se intenta la descarga.
    """
    fuente = localizar_cifar100(ruta, descargar=descargar)
    if verificar and os.path.isfile(fuente):
        comprobar_suma(fuente, SHA256, URL, otra_salida=SI_ES_PROPIO)
    resultado = []
    for particion in ("train", "test"):
        x, etiquetas = _leer_particion(fuente, particion)
        seleccion = etiquetas < num_clases
        x = x[seleccion].astype("float32") / 255.0
        y = np.eye(num_clases, dtype="float32")[etiquetas[seleccion]]
        resultado += [x, y]
    return tuple(resultado)
