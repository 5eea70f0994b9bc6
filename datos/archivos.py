"""Lectura segura de archivos de datos: pickles restringidos.

El archivo oficial de CIFAR-100 guarda diccionarios en formato pickle. Un pickle puede ejecutar código
al cargarse, así que aquí solo se admiten los tipos simples que usa ese formato (listas, diccionarios,
bytes, números y arrays de NumPy).
"""

import codecs
import io
import pickle

import numpy as np

from datos.errores import ErrorDatos

try:  # NumPy 2
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # NumPy 1.26
    from numpy.core import multiarray as _multiarray
    from numpy.core import numeric as _numeric

# Únicos objetos globales que puede nombrar un pickle de CIFAR (arrays de NumPy, en Python 2 y 3).
_GLOBALES_PERMITIDOS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("_codecs", "encode"): codecs.encode,  # así guarda Python 3 los bytes con el protocolo 2
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
}


class _UnpicklerRestringido(pickle.Unpickler):
    def find_class(self, modulo, nombre):
        try:
            return _GLOBALES_PERMITIDOS[(modulo, nombre)]
        except KeyError:
            raise pickle.UnpicklingError(f"objeto no permitido en el pickle: {modulo}.{nombre}") from None


def cargar_pickle_seguro(datos_binarios, origen):
    """Carga un pickle admitiendo solo tipos simples y arrays de NumPy.

    `origen` es el nombre del archivo, para el mensaje de error.
    """
    try:
        return _UnpicklerRestringido(io.BytesIO(datos_binarios), encoding="bytes").load()
    except pickle.UnpicklingError as e:
        raise ErrorDatos(
            f"El archivo '{origen}' contiene un pickle no válido o no seguro ({e}). "
            "No se ha ejecutado nada. Descargue de nuevo el archivo oficial."
        ) from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise ErrorDatos(
            f"El archivo '{origen}' está dañado o truncado ({type(e).__name__}: {e}). "
            "Descargue de nuevo el archivo oficial."
        ) from None
