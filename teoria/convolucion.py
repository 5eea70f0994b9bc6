"""Convolución, correlación cruzada y pooling de las clases de CNN, en NumPy.

«Aprendizaje de Máquinas: redes profundas», «Convolución»: la correlación cruzada
`Z[i,j] = Σ_u Σ_v K[u,v] A[i+u, j+v]` (la que usan las bibliotecas de deep learning, `K ⊗ A`) y la
convolución `Z[i,j] = Σ_u Σ_v K[u,v] A[i−u, j−v]` (`K * A`), que es la correlación con el núcleo girado
180°. «CNNs», «Redes convolucionales»: stride, padding, el tamaño de salida O = (W − K + 2P)/S + 1
(`tamano_salida`, el de `modelos.calculadoras`) y el pooling máximo y medio.

`keras.layers.Conv2D` calcula la correlación cruzada: `correlacion_2d(a, k)` coincide con un `Conv2D` de
núcleo `k` y `convolucion_2d(a, k)` con uno de núcleo `voltear(k)`. `agrupar_max` y `agrupar_media`
coinciden con `MaxPooling2D` y `AveragePooling2D` (padding `valid`).

Los datos del «Taller convoluciones en Excel» de la clase de CNN: `NUCLEO_CLASE` (el filtro 3×3 de las
diapositivas) y `MATRIZ_CLASE` (el feature map 6×6 del ejemplo de pooling, que también sirve de entrada
del taller: la imagen de entrada de la diapositiva de convolución se ha perdido con las figuras), con el
resultado del max pooling de la diapositiva, `MAX_POOLING_CLASE`.
"""

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_NO_NEGATIVO, ENTERO_POSITIVO, Opciones, comprobar, mensaje
from modelos.calculadoras import relleno_same, tamano_salida

__all__ = [
    "MATRIZ_CLASE",
    "MAX_POOLING_CLASE",
    "NUCLEO_CLASE",
    "agrupar_max",
    "agrupar_media",
    "convolucion_2d",
    "correlacion_2d",
    "rellenar",
    "tamano_salida",
    "voltear",
]

# Filtro (kernel) convolucional de las diapositivas «Redes convolucionales — 2D (imágenes)».
NUCLEO_CLASE = np.array([[3, 2, 3], [0, 0, 0], [-3, -2, -3]], dtype="float64")

# «Pooling (2, 2)»: feature map de entrada de la diapositiva...
MATRIZ_CLASE = np.array(
    [
        [1, 6, 0, 3, 4, 4],
        [3, 4, 3, 2, 5, 4],
        [2, 3, 1, 1, 4, 4],
        [3, 1, 1, 2, 3, 2],
        [4, 5, 0, 1, 1, 3],
        [5, 3, 2, 2, 2, 4],
    ],
    dtype="float64",
)
# ...y su salida de max pooling. Es la de ventanas 2×2 con paso 2: la diapositiva dice «stride=1», que daría
# un mapa de (6 − 2)/1 + 1 = 5 × 5.
MAX_POOLING_CLASE = np.array([[6, 3, 5], [3, 2, 4], [5, 2, 4]], dtype="float64")


def _entrada(a, nombre="entrada"):
    """`a` como array float64 de 2 (alto, ancho) o 3 dimensiones (alto, ancho, canales), finito."""
    try:
        a = np.asarray(a, dtype="float64")
    except (TypeError, ValueError):
        raise ErrorParametro(mensaje(nombre, "una matriz de números", es="otra cosa")) from None
    if a.ndim not in (2, 3) or 0 in a.shape:
        raise ErrorParametro(
            mensaje(
                nombre, "un array no vacío de forma (alto, ancho) o (alto, ancho, canales)", es=f"de forma {a.shape}"
            )
        )
    if not np.all(np.isfinite(a)):
        raise ErrorParametro(
            mensaje(nombre, "un array de números finitos", es="uno con valores no finitos (NaN o infinito)")
        )
    return a


def voltear(nucleo):
    """El núcleo girado 180° (`K[::-1, ::-1]`): convolucionar con `K` es correlacionar con `voltear(K)`."""
    return _entrada(nucleo, "nucleo")[::-1, ::-1].copy()


def rellenar(entrada, relleno):
    """Rodea `entrada` de `relleno` filas y columnas de ceros por cada borde (el zero padding P)."""
    entrada = _entrada(entrada)
    relleno = comprobar(relleno, "relleno", ENTERO_NO_NEGATIVO)
    anchos = [(relleno, relleno), (relleno, relleno)] + [(0, 0)] * (entrada.ndim - 2)
    return np.pad(entrada, anchos)


def _relleno(relleno, lado_nucleo):
    """`relleno`: un entero P ≥ 0, `"valid"` (P = 0) o `"same"` (P = (K − 1)/2, K impar)."""
    relleno = comprobar(relleno, "relleno", Opciones("valid", "same"), ENTERO_NO_NEGATIVO)
    if relleno == "valid":
        return 0
    if relleno == "same":
        return relleno_same(lado_nucleo)
    return relleno


def correlacion_2d(entrada, nucleo, paso=1, relleno=0):
    """Correlación cruzada `Z[i,j] = Σ_u Σ_v K[u,v] A[i·S + u, j·S + v]` (como `Conv2D`, sin sesgo).

    `entrada` es (alto, ancho) o (alto, ancho, canales); `nucleo` es (k_alto, k_ancho) o, con canales,
    (k_alto, k_ancho, canales): el filtro tiene la misma profundidad que la entrada y se suma sobre ella.
    `paso` es el stride S y `relleno` el zero padding P (entero, `"valid"` o `"same"`). El tamaño de la
    salida es O = (W − K + 2P)/S + 1 por cada lado; si no es entero se lanza `ErrorParametro`.
    """
    entrada = _entrada(entrada)
    nucleo = _entrada(nucleo, "nucleo")
    paso = comprobar(paso, "paso", ENTERO_POSITIVO)
    if nucleo.ndim != entrada.ndim or (entrada.ndim == 3 and nucleo.shape[2] != entrada.shape[2]):
        raise ErrorParametro(
            mensaje(
                "nucleo",
                f"un núcleo con la misma profundidad que 'entrada' (forma {entrada.shape})",
                es=f"de forma {nucleo.shape}",
            )
        )
    p_alto = _relleno(relleno, nucleo.shape[0])
    p_ancho = _relleno(relleno, nucleo.shape[1])
    alto = tamano_salida(entrada.shape[0], nucleo.shape[0], p_alto, paso)
    ancho = tamano_salida(entrada.shape[1], nucleo.shape[1], p_ancho, paso)
    anchos = [(p_alto, p_alto), (p_ancho, p_ancho)] + [(0, 0)] * (entrada.ndim - 2)
    a = np.pad(entrada, anchos)
    ventanas = np.lib.stride_tricks.sliding_window_view(a, nucleo.shape[:2], axis=(0, 1))
    ventanas = ventanas[::paso, ::paso][:alto, :ancho]  # (alto, ancho, [canales,] k_alto, k_ancho)
    if entrada.ndim == 3:
        return np.einsum("ijcuv,uvc->ij", ventanas, nucleo)
    return np.einsum("ijuv,uv->ij", ventanas, nucleo)


def convolucion_2d(entrada, nucleo, paso=1, relleno=0):
    """Convolución `Z[i,j] = Σ_u Σ_v K[u,v] A[i−u, j−v]`: la correlación con el núcleo girado 180°.

    Con paso 1 y sin relleno es `scipy.signal.convolve2d(entrada, nucleo, mode="valid")`. Mismos
    argumentos que `correlacion_2d`.
    """
    return correlacion_2d(entrada, voltear(nucleo), paso, relleno)


def _agrupar(entrada, tamano, paso, reduccion):
    entrada = _entrada(entrada)
    tamano = comprobar(tamano, "tamano", ENTERO_POSITIVO)
    paso = comprobar(paso, "paso", ENTERO_POSITIVO, None) or tamano
    alto = tamano_salida(entrada.shape[0], tamano, 0, paso)
    ancho = tamano_salida(entrada.shape[1], tamano, 0, paso)
    ventanas = np.lib.stride_tricks.sliding_window_view(entrada, (tamano, tamano), axis=(0, 1))
    return reduccion(ventanas[::paso, ::paso][:alto, :ancho], axis=(-2, -1))


def agrupar_max(entrada, tamano=2, paso=None):
    """Max pooling con ventanas `tamano`×`tamano` y paso `paso` (por defecto, `tamano`), por canal.

    Coincide con `keras.layers.MaxPooling2D(tamano, paso, padding="valid")`.
    """
    return _agrupar(entrada, tamano, paso, np.max)


def agrupar_media(entrada, tamano=2, paso=None):
    """Average pooling con ventanas `tamano`×`tamano` y paso `paso` (por defecto, `tamano`), por canal.

    Coincide con `keras.layers.AveragePooling2D(tamano, paso, padding="valid")`.
    """
    return _agrupar(entrada, tamano, paso, np.mean)
