"""El validador único de argumentos, al estilo de `sklearn.utils._param_validation`.

Cada argumento se describe con restricciones declarativas y se comprueba con una sola plantilla de
mensaje, «'nombre' debe ser <lo que admite> y es <valor>.», que lanza `datos.errores.ErrorParametro`:

    comprobar(lam, "lam", NO_NEGATIVO)                        # devuelve float(lam)
    comprobar(rango, "zoom_range", Intervalo(Real, 0, None), Par(Intervalo(Real, 0, None)))

    @validar_parametros(tasa=FRACCION, epocas=ENTERO_POSITIVO)
    def entrenar(x, tasa, epocas): ...

El orden es siempre (valor, nombre, restricciones...). Una restricción admite o no un valor y lo
convierte (`Intervalo` de enteros devuelve `int`; de reales, `float`); `None` en la lista admite `None`.
Las opciones de la línea de órdenes usan las mismas restricciones (`datos.argumentos.tipo`).
`validar_imagenes` y `validar_etiquetas` comprueban formas de arrays con la misma clase de error.
"""

import functools
import inspect
import math
import numbers

import numpy as np

from datos.errores import ErrorParametro

__all__ = [
    "ENTERO_NO_NEGATIVO",
    "ENTERO_POSITIVO",
    "FRACCION",
    "FRACCION_ABIERTA",
    "NO_NEGATIVO",
    "POSITIVO",
    "PROBABILIDAD",
    "TAMANO_IMAGEN",
    "TamanoImagen",
    "Intervalo",
    "Opciones",
    "Par",
    "Real",
    "Integral",
    "comprobar",
    "describir",
    "mensaje",
    "validar_etiquetas",
    "validar_imagenes",
    "validar_parametros",
]

Real, Integral = numbers.Real, numbers.Integral
CIERRES = ("ambos", "izquierda", "derecha", "ninguno")


def mensaje(nombre, descripcion, valor=None, es=None):
    """La plantilla única: «'nombre' debe ser <descripción> y es <valor>.» (`es`: el valor ya descrito)."""
    return f"'{nombre}' debe ser {descripcion} y es {repr(valor) if es is None else es}."


def _es_numero(valor):
    return isinstance(valor, Real) and not isinstance(valor, bool)


class Intervalo:
    """Números (`Real`) o enteros (`Integral`) entre `izquierda` y `derecha` (`None`: sin límite).

    `cerrado` dice qué extremos se incluyen: "ambos", "izquierda", "derecha" o "ninguno". Nunca se admiten
    NaN ni infinitos. Un entero puede llegar como float sin decimales (224.0) y se devuelve como `int`.
    """

    def __init__(self, tipo, izquierda=None, derecha=None, cerrado="ambos"):
        if tipo not in (Real, Integral):
            raise TypeError(f"tipo debe ser numbers.Real o numbers.Integral, no {tipo!r}")
        if cerrado not in CIERRES:
            raise ValueError(f"cerrado debe ser uno de {CIERRES}, no {cerrado!r}")
        self.tipo, self.izquierda, self.derecha, self.cerrado = tipo, izquierda, derecha, cerrado

    def admite(self, valor):
        if not _es_numero(valor) or not math.isfinite(valor):
            return False
        if self.tipo is Integral and not (isinstance(valor, Integral) or float(valor).is_integer()):
            return False
        incluye_izquierda = self.cerrado in ("ambos", "izquierda")
        incluye_derecha = self.cerrado in ("ambos", "derecha")
        if self.izquierda is not None and (
            valor < self.izquierda or (valor == self.izquierda and not incluye_izquierda)
        ):
            return False
        if self.derecha is not None and (valor > self.derecha or (valor == self.derecha and not incluye_derecha)):
            return False
        return True

    def convertir(self, valor):
        return int(valor) if self.tipo is Integral else float(valor)

    def __str__(self):
        cosa = "un entero" if self.tipo is Integral else "un número"
        izquierda, derecha = self.izquierda, self.derecha
        incluye_izquierda = self.cerrado in ("ambos", "izquierda")
        incluye_derecha = self.cerrado in ("ambos", "derecha")
        if izquierda is None and derecha is None:
            return f"{cosa} finito"
        if derecha is None:
            return f"{cosa} mayor {'o igual ' if incluye_izquierda else ''}que {izquierda}"
        if izquierda is None:
            return f"{cosa} menor {'o igual ' if incluye_derecha else ''}que {derecha}"
        abre, cierra = "[" if incluye_izquierda else "(", "]" if incluye_derecha else ")"
        return f"{cosa} en {abre}{izquierda}, {derecha}{cierra}"


class Opciones:
    """Uno de unos valores fijos (cadenas, normalmente)."""

    def __init__(self, *valores):
        self.valores = valores

    def admite(self, valor):
        return isinstance(valor, (str, int, float, bool, type(None))) and valor in self.valores

    def convertir(self, valor):
        return valor

    def __str__(self):
        return "uno de " + ", ".join(repr(v) for v in self.valores)


class Par:
    """Un par (mínimo, máximo) con los dos valores admitidos por `restriccion` y mínimo <= máximo."""

    def __init__(self, restriccion):
        self.restriccion = restriccion

    def admite(self, valor):
        return (
            isinstance(valor, (tuple, list))
            and len(valor) == 2
            and all(self.restriccion.admite(v) for v in valor)
            and valor[0] <= valor[1]
        )

    def convertir(self, valor):
        return tuple(self.restriccion.convertir(v) for v in valor)

    def __str__(self):
        return f"un par (mínimo, máximo) con mínimo <= máximo, cada uno {self.restriccion}"


class TamanoImagen:
    """Tamaño de imagen: un entero positivo (imagen cuadrada) o un par (alto, ancho); se devuelve el par."""

    def admite(self, valor):
        if ENTERO_POSITIVO.admite(valor):
            return True
        return isinstance(valor, (tuple, list)) and len(valor) == 2 and all(ENTERO_POSITIVO.admite(v) for v in valor)

    def convertir(self, valor):
        if ENTERO_POSITIVO.admite(valor):
            return (int(valor), int(valor))
        return tuple(int(v) for v in valor)

    def __str__(self):
        return "un entero positivo (imagen cuadrada) o un par (alto, ancho) de enteros positivos"


class _Nulo:
    def admite(self, valor):
        return valor is None

    def convertir(self, valor):
        return None

    def __str__(self):
        return "None"


POSITIVO = Intervalo(Real, 0, None, cerrado="ninguno")
NO_NEGATIVO = Intervalo(Real, 0, None, cerrado="izquierda")
ENTERO_POSITIVO = Intervalo(Integral, 1, None)
ENTERO_NO_NEGATIVO = Intervalo(Integral, 0, None)
FRACCION = Intervalo(Real, 0, 1, cerrado="izquierda")  # tasas de dropout, momentos, decaimientos: [0, 1)
FRACCION_ABIERTA = Intervalo(Real, 0, 1, cerrado="ninguno")  # factores de reducción, partes de validación: (0, 1)
PROBABILIDAD = Intervalo(Real, 0, 1)  # [0, 1]
TAMANO_IMAGEN = TamanoImagen()


def _restriccion(r):
    return _Nulo() if r is None else r


def describir(*restricciones):
    """Lo que admiten las restricciones, en palabras («un número mayor que 0 o None»)."""
    return " o ".join(str(_restriccion(r)) for r in restricciones)


def comprobar(valor, nombre, *restricciones):
    """`valor` convertido por la primera restricción que lo admite; si ninguna lo admite, `ErrorParametro`."""
    for r in map(_restriccion, restricciones):
        if r.admite(valor):
            return r.convertir(valor)
    raise ErrorParametro(mensaje(nombre, describir(*restricciones), valor))


def validar_parametros(**restricciones):
    """Decorador: comprueba (y convierte) los argumentos nombrados en cada llamada, como el de scikit-learn.

    Cada valor del diccionario es una restricción o una tupla de restricciones alternativas.
    """

    def decorar(funcion):
        firma = inspect.signature(funcion)
        desconocidos = set(restricciones) - set(firma.parameters)
        if desconocidos:
            raise TypeError(f"{funcion.__name__} no tiene los argumentos {sorted(desconocidos)}")

        @functools.wraps(funcion)
        def envoltura(*args, **kwargs):
            ligados = firma.bind(*args, **kwargs)
            for nombre, r in restricciones.items():
                if nombre in ligados.arguments:
                    alternativas = r if isinstance(r, tuple) else (r,)
                    ligados.arguments[nombre] = comprobar(ligados.arguments[nombre], nombre, *alternativas)
            return funcion(*ligados.args, **ligados.kwargs)

        return envoltura

    return decorar


def validar_imagenes(x, nombre="x", canales=None):
    """Comprueba que `x` sea un lote de imágenes (N, alto, ancho, canales) y lo devuelve como array."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ErrorParametro(
            mensaje(nombre, "un lote de imágenes de forma (N, alto, ancho, canales)", es=f"de forma {x.shape}")
            + " Si es una sola imagen, añada el eje del lote con x[None]."
        )
    if canales is not None and x.shape[-1] != canales:
        raise ErrorParametro(mensaje(nombre, f"un lote de imágenes de {canales} canales", es=f"de forma {x.shape}"))
    if len(x) == 0:
        raise ErrorParametro(mensaje(nombre, "un lote con al menos una imagen", "un lote vacío"))
    return x


def validar_etiquetas(y, n, nombre="y"):
    """Comprueba que `y` sean etiquetas one-hot (N, clases) con N == n (el número de imágenes)."""
    y = np.asarray(y)
    if y.ndim != 2:
        raise ErrorParametro(
            mensaje(nombre, "un array one-hot de forma (N, clases)", es=f"de forma {y.shape}")
            + " Use keras.utils.to_categorical(y, num_clases)."
        )
    if len(y) != n:
        raise ErrorParametro(
            mensaje(nombre, f"un array con {n} etiquetas, una por imagen", es=f"de {len(y)} etiquetas")
        )
    return y
