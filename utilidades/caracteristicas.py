"""Caché de características de una red base congelada (práctica 3, §4.1; clase de CNN, «extraer
características de una red congelada»).

Con la red base congelada y sin aumento de datos, su salida para cada imagen es la misma en todas las
épocas. Así que se calcula una sola vez (`extraer_caracteristicas`), se guarda y la cabeza se entrena
sobre esas características: cada época cuesta lo que cuesta la cabeza, no la ResNet50 entera. El
resultado es el mismo que entrenar el modelo compuesto, porque la cabeza comparte sus capas (y sus pesos)
con él: `cabeza(extractor(x)) == modelo(x)`.

Formato de la caché (`guardar_caracteristicas` / `cargar_caracteristicas`): un `.npz` de NumPy sin
comprimir y sin pickles, con

- `x`: características, float32 (o float16 si así se extrajeron), forma `(N, ...)`;
- `y`: etiquetas one-hot float32, forma `(N, clases)`;
- `descripcion`: texto libre (cadena de NumPy) que dice con qué red y datos se calcularon.

Se escribe de forma atómica con el escritor de resultados (`utilidades.resultados.escribir_npz`).
"""

import os

import keras
import numpy as np
import tensorflow as tf

from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from datos.validacion import ENTERO_POSITIVO, comprobar, mensaje
from modelos.comun import PREFIJO_CABEZA  # el prefijo de las cabezas: marca dónde se corta el modelo
from utilidades.resultados import escribir_npz


def extraer_caracteristicas(extractor, datos, batch=32, dtype="float32"):
    """Pasa `datos` por `extractor` una vez, en modo inferencia, y devuelve las salidas como `np.ndarray`.

    `datos` es un array de imágenes (N, alto, ancho, canales), ya preprocesadas como espera el extractor,
    o un `tf.data.Dataset` de lotes de imágenes (o de pares `(imágenes, etiquetas)`; las etiquetas se
    ignoran). Un array se pasa en lotes de `batch` imágenes. Las salidas se convierten a `dtype` lote a lote
    (float16 ocupa la mitad).
    """
    if isinstance(datos, tf.data.Dataset):
        lotes = datos
    else:
        datos = np.asarray(datos)
        if datos.ndim < 2 or len(datos) == 0:
            raise ErrorParametro(
                mensaje(
                    "datos", "un lote de imágenes (N, alto, ancho, canales) con N ≥ 1", es=f"de forma {datos.shape}"
                )
            )
        batch = comprobar(batch, "batch", ENTERO_POSITIVO)
        lotes = (datos[i : i + batch] for i in range(0, len(datos), batch))
    salidas = []
    for lote in lotes:
        if isinstance(lote, (tuple, list)):
            lote = lote[0]
        salidas.append(np.asarray(extractor.predict_on_batch(lote), dtype=dtype))
    if not salidas:
        raise ErrorParametro(mensaje("datos", "un tf.data.Dataset con al menos una imagen", es="un dataset vacío"))
    return np.concatenate(salidas)


def guardar_caracteristicas(ruta, x, y, descripcion=""):
    """Guarda características y etiquetas en `ruta` (.npz, formato en el módulo), de forma atómica."""
    x, y = np.asarray(x), np.asarray(y, dtype="float32")
    if len(x) != len(y):
        raise ErrorParametro(
            mensaje("y", f"un array de {len(x)} etiquetas, una por fila de 'x'", es=f"de {len(y)} etiquetas")
        )
    return escribir_npz(ruta, x=x, y=y, descripcion=np.array(str(descripcion)))


def cargar_caracteristicas(ruta, descripcion=None):
    """Lee una caché escrita por `guardar_caracteristicas`. Devuelve `(x, y)`.

    Con `descripcion`, comprueba que la caché se calculó con esa red y esos datos.
    """
    ruta = os.fspath(ruta)
    if not os.path.isfile(ruta):
        raise DatosNoDisponibles(
            f"No existe la caché de características '{ruta}'. Créela con guardar_caracteristicas()."
        )
    try:
        with np.load(ruta, allow_pickle=False) as archivo:
            faltan = [clave for clave in ("x", "y", "descripcion") if clave not in archivo.files]
            if faltan:
                raise KeyError(faltan[0])
            x, y, guardada = archivo["x"], archivo["y"], str(archivo["descripcion"])
    except KeyError as e:
        raise ErrorDatos(f"'{ruta}' no es una caché de características: le falta el array {e}.") from None
    except (OSError, ValueError) as e:
        raise ErrorDatos(
            f"'{ruta}' no es un .npz válido ({e}). Bórrelo y vuelva a extraer las características."
        ) from None
    if len(x) != len(y):
        raise ErrorDatos(f"'{ruta}' está dañado: tiene {len(x)} características y {len(y)} etiquetas.")
    if descripcion is not None and guardada != str(descripcion):
        raise ErrorDatos(
            f"La caché '{ruta}' se calculó con otra red o con otros datos ('{guardada}', se esperaba "
            f"'{descripcion}'). Bórrela para calcularla de nuevo."
        )
    return x, y


def separar_modelo(modelo, capa=None):
    """Corta un modelo compuesto (red base + cabeza) en `(extractor, cabeza)`, que comparten sus capas.

    El corte se hace a la salida de la capa `capa` (su nombre) o, si no se da, a la entrada de la primera
    capa cuyo nombre empieza por `PREFIJO_CABEZA` (así se nombran las cabezas de las BirdNet). Entrenar
    la cabeza sobre las características del extractor entrena también el modelo compuesto.
    """
    nombres = [c.name for c in modelo.layers]
    if capa is None:
        primera = next((c for c in modelo.layers if c.name.startswith(PREFIJO_CABEZA)), None)
        if primera is None:
            raise ErrorParametro(
                mensaje("capa", "el nombre de la última capa del extractor", None)
                + f" El modelo '{modelo.name}' no tiene capas con el prefijo '{PREFIJO_CABEZA}' que marquen la cabeza."
            )
        frontera = primera.input
    elif capa not in nombres:
        raise ErrorParametro(mensaje("capa", f"el nombre de una capa del modelo '{modelo.name}'", capa))
    else:
        frontera = modelo.get_layer(capa).output
    if isinstance(frontera, (list, tuple)):
        raise ErrorParametro(
            mensaje("capa", "una capa cuya salida sea un único tensor (la cabeza tendría varias entradas)", capa)
        )
    entradas = modelo.inputs[0] if len(modelo.inputs) == 1 else modelo.inputs
    salidas = modelo.outputs[0] if len(modelo.outputs) == 1 else modelo.outputs
    extractor = keras.Model(entradas, frontera, name=f"{modelo.name}_extractor")
    cabeza = keras.Model(frontera, salidas, name=f"{modelo.name}_cabeza")
    return extractor, cabeza
