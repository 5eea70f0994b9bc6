"""La caché de Keras (`$KERAS_HOME` o `~/.keras`): dónde están los archivos oficiales, su comprobación y su descarga.

Un solo sitio para los datos (`datasets/`) y los pesos (`models/`) que usa el paquete, con los mismos
nombres que Keras, de modo que lo que Keras ya descargó sirve y lo que se copia a mano se encuentra.
"""

import hashlib
import os

from datos.errores import DatosNoDisponibles, ErrorDatos

_NOMBRES = {"sha256": "SHA-256", "md5": "MD5"}


def carpeta_cache_keras(subcarpeta="datasets"):
    """Carpeta `subcarpeta` (`datasets` o `models`) de la caché de Keras."""
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(base, subcarpeta)


def suma(ruta, algoritmo="sha256", bloque=1 << 20):
    """Suma `algoritmo` (hexadecimal) de un archivo."""
    h = hashlib.new(algoritmo)
    with open(ruta, "rb") as f:
        for trozo in iter(lambda: f.read(bloque), b""):
            h.update(trozo)
    return h.hexdigest()


# La otra salida de un archivo que no es el oficial, en las dos formas de pedirlo.
SI_ES_PROPIO = " (si es un archivo propio: --sin-verificar en la línea de órdenes, verificar=False en Python)"


def comprobar_suma(ruta, esperada, url, otra_salida=""):
    """Lanza `ErrorDatos` si `ruta` no tiene la suma publicada (SHA-256 de 64 cifras o MD5 de 32)."""
    algoritmo = "sha256" if len(esperada) == 64 else "md5"
    if suma(ruta, algoritmo) != esperada:
        raise ErrorDatos(
            f"'{ruta}' no coincide con la suma {_NOMBRES[algoritmo]} publicada del archivo oficial: está incompleto "
            f"o modificado. Bórrelo y descárguelo de nuevo de {url}{otra_salida}."
        )
    return ruta


def descargar_a_cache(nombre, url, suma_esperada, subcarpeta="datasets", otra_salida=""):
    """Descarga `url` a `carpeta_cache_keras(subcarpeta)/nombre` con `keras.utils.get_file`, que comprueba la suma.

    Sin conexión (o tras un proxy) lanza `DatosNoDisponibles` diciendo qué archivo copiar y dónde;
    `otra_salida` añade otra forma de seguir (p. ej. «, o use --datos digitos»).
    """
    import keras

    destino = os.path.join(carpeta_cache_keras(subcarpeta), nombre)
    try:
        return keras.utils.get_file(
            fname=nombre,
            origin=url,
            file_hash=suma_esperada,
            cache_subdir=subcarpeta,
            cache_dir=os.path.dirname(carpeta_cache_keras(subcarpeta)),
        )
    except Exception as e:  # sin red, proxy, disco lleno...
        raise DatosNoDisponibles(
            f"No está '{nombre}' y no se ha podido descargar ({type(e).__name__}: {e}).\n"
            f"Sin conexión: descargue {url} en otra máquina y cópielo en '{destino}'{otra_salida}."
        ) from None
