"""Calculadoras de la clase de CNN: tamaño de los mapas de características y coste de las convoluciones 1×1.

- `tamano_salida(W, K, P, S)`: O = (W − K + 2P)/S + 1 («Redes convolucionales», stride y padding).
- `relleno_same(K)`: el relleno (K − 1)/2 que conserva el tamaño con paso 1.
- `multiplicaciones_conv(...)` y `coste_cuello_botella(...)`: «Convoluciones 1×1», el ejemplo de una
  convolución SAME de 32 filtros 5×5 sobre 28×28×192, con y sin un cuello de botella de 16 filtros 1×1.
"""

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_NO_NEGATIVO, ENTERO_POSITIVO, comprobar, mensaje


def tamano_salida(W, K, P=0, S=1):
    """Lado del mapa de salida O = (W − K + 2P)/S + 1 de una convolución o un pooling.

    W: tamaño de la entrada, K: del núcleo, P: relleno por cada borde, S: paso (stride). Si la división no
    es exacta la configuración no encaja y se lanza `ErrorParametro` con la cuenta (p. ej. AlexNet con 224:
    (224 − 11 + 0)/4 + 1 = 54,25; con 227 da 55).
    """
    W, K = comprobar(W, "W", ENTERO_POSITIVO), comprobar(K, "K", ENTERO_POSITIVO)
    P, S = comprobar(P, "P", ENTERO_NO_NEGATIVO), comprobar(S, "S", ENTERO_POSITIVO)
    numerador = W - K + 2 * P
    if numerador < 0:
        raise ErrorParametro(
            f"El núcleo (K={K}) es mayor que la entrada con relleno (W + 2P = {W + 2 * P}): no cabe ninguna "
            "posición. Use un núcleo más pequeño o más relleno."
        )
    if numerador % S:
        raise ErrorParametro(
            f"O = (W − K + 2P)/S + 1 = ({W} − {K} + 2·{P})/{S} + 1 = {numerador / S + 1:g} no es entero: el "
            f"núcleo no recorre la entrada en pasos exactos. Cambie W, K, P o S para que {S} divida a "
            f"W − K + 2P = {numerador}."
        )
    return numerador // S + 1


def relleno_same(K):
    """Relleno P = (K − 1)/2 que conserva el tamaño con paso 1 (relleno SAME); K debe ser impar."""
    K = comprobar(K, "K", ENTERO_POSITIVO)
    if K % 2 == 0:
        raise ErrorParametro(
            mensaje("K", "un entero impar (con un núcleo par ningún relleno simétrico conserva el tamaño)", K)
        )
    return (K - 1) // 2


def multiplicaciones_conv(alto, ancho, canales_entrada, filtros, kernel):
    """Multiplicaciones de una convolución SAME con paso 1: alto·ancho·filtros · kernel²·canales_entrada.

    Cada uno de los alto×ancho×filtros valores de salida es un producto punto de kernel×kernel×canales.
    """
    alto, ancho = comprobar(alto, "alto", ENTERO_POSITIVO), comprobar(ancho, "ancho", ENTERO_POSITIVO)
    canales_entrada = comprobar(canales_entrada, "canales_entrada", ENTERO_POSITIVO)
    filtros, kernel = comprobar(filtros, "filtros", ENTERO_POSITIVO), comprobar(kernel, "kernel", ENTERO_POSITIVO)
    return alto * ancho * filtros * kernel * kernel * canales_entrada


def coste_cuello_botella(alto=28, ancho=28, canales=192, filtros=32, kernel=5, filtros_1x1=16):
    """Multiplicaciones de una convolución SAME kernel×kernel con y sin un cuello de botella 1×1 previo.

    Con los valores por defecto (el ejemplo de la clase: 28×28×192, 32 filtros 5×5, cuello de 16 filtros
    1×1) la salida es 28×28×32 y se pasa de 120.422.400 multiplicaciones a 2.408.448 + 10.035.200 =
    12.443.648, unas 9,7 veces menos. Devuelve un diccionario con cada cifra y la reducción.
    """
    directa = multiplicaciones_conv(alto, ancho, canales, filtros, kernel)
    capa_1x1 = multiplicaciones_conv(alto, ancho, canales, filtros_1x1, 1)
    capa_kxk = multiplicaciones_conv(alto, ancho, filtros_1x1, filtros, kernel)
    return {
        "salida": (int(alto), int(ancho), int(filtros)),
        "sin_cuello": directa,
        "capa_1x1": capa_1x1,
        "capa_kxk": capa_kxk,
        "con_cuello": capa_1x1 + capa_kxk,
        "reduccion": directa / (capa_1x1 + capa_kxk),
    }
