"""Búsqueda de hiperparámetros en rejilla frente a aleatoria (clase de Bariloche, «Hiperparámetros y Monitoreo»).

La figura «Grid vs. Random» de la clase (Bergstra y Bengio, 2012, figura 1): cuando de dos hiperparámetros
solo importa uno, una rejilla de 3 × 3 prueba 9 combinaciones pero solo 3 valores distintos del importante,
y 9 puntos al azar prueban 9. Con `N` ensayos al azar, la probabilidad de que alguno caiga en una franja que
ocupa una fracción `q` del eje importante es `1 - (1 - q)^N` (`probabilidad_franja`), sea cual sea la
dimensión; la rejilla solo acierta si alguno de sus `√N` valores cae dentro.

Las búsquedas trabajan en el cubo unidad `[0, 1]^d`; `Hiperparametro` pasa de él a los valores reales
(escala lineal o logarítmica, como la tasa de aprendizaje). `rendimiento_sintetico` es una función de dos
hiperparámetros, barata y exacta, con esa forma: un pico estrecho en el importante, casi plana en el otro.
"""

from dataclasses import dataclass

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    ENTERO_POSITIVO,
    POSITIVO,
    Intervalo,
    Real,
    comprobar,
    mensaje,
    validar_parametros,
)

# Pico del parámetro importante en `rendimiento_sintetico` (en el cubo unidad) y su anchura.
PICO = 0.72
ANCHO_PICO = 0.06


@dataclass(frozen=True)
class Hiperparametro:
    """Un hiperparámetro con su intervalo; `logaritmica=True` reparte los valores en escala logarítmica."""

    nombre: str
    minimo: float
    maximo: float
    logaritmica: bool = False

    def __post_init__(self):
        if self.logaritmica and not POSITIVO.admite(self.minimo):
            raise ErrorParametro(
                mensaje(
                    "minimo", f"un número mayor que 0 en '{self.nombre}', que va en escala logarítmica", self.minimo
                )
            )
        comprobar(self.minimo, "minimo", Intervalo(Real))
        if not (Intervalo(Real).admite(self.maximo) and self.maximo > self.minimo):
            raise ErrorParametro(
                mensaje("maximo", f"un número mayor que 'minimo' ({self.minimo}) en '{self.nombre}'", self.maximo)
            )

    def desde_unidad(self, u):
        """Valor real del punto `u ∈ [0, 1]` del eje."""
        u = np.asarray(u, dtype="float64")
        if self.logaritmica:
            return np.exp(np.log(self.minimo) + u * (np.log(self.maximo) - np.log(self.minimo)))
        return self.minimo + u * (self.maximo - self.minimo)

    def a_unidad(self, valor):
        """Inversa de `desde_unidad`."""
        valor = np.asarray(valor, dtype="float64")
        if self.logaritmica:
            return (np.log(valor) - np.log(self.minimo)) / (np.log(self.maximo) - np.log(self.minimo))
        return (valor - self.minimo) / (self.maximo - self.minimo)


@validar_parametros(por_eje=ENTERO_POSITIVO, dimensiones=ENTERO_POSITIVO)
def rejilla(por_eje, dimensiones=2):
    """Rejilla de `por_eje ** dimensiones` puntos en el centro de las celdas: `(k + 1/2) / por_eje`.

    Array `(por_eje ** dimensiones, dimensiones)`; cada eje solo toma `por_eje` valores distintos.
    """
    valores = (np.arange(por_eje) + 0.5) / por_eje
    return np.stack(np.meshgrid(*[valores] * dimensiones, indexing="ij"), axis=-1).reshape(-1, dimensiones)


@validar_parametros(ensayos=ENTERO_POSITIVO, dimensiones=ENTERO_POSITIVO)
def rejilla_de(ensayos, dimensiones=2):
    """La rejilla de exactamente `ensayos` puntos (debe ser una potencia `n ** dimensiones`)."""
    por_eje = round(ensayos ** (1.0 / dimensiones))
    if por_eje**dimensiones != ensayos:
        ejemplos = ", ".join(str(n**dimensiones) for n in range(2, 6))
        raise ErrorParametro(
            mensaje("ensayos", f"una potencia n^{dimensiones} ({ejemplos}...) en {dimensiones} dimensiones", ensayos)
        )
    return rejilla(por_eje, dimensiones)


@validar_parametros(ensayos=ENTERO_NO_NEGATIVO, dimensiones=ENTERO_POSITIVO)
def aleatoria(ensayos, dimensiones=2, generador=None):
    """`ensayos` puntos uniformes en `[0, 1]^dimensiones` (array `(ensayos, dimensiones)`)."""
    generador = generador if generador is not None else np.random.default_rng()
    return generador.random((ensayos, dimensiones))


def valores_distintos(puntos, eje=0, decimales=12):
    """Cuántos valores distintos del hiperparámetro `eje` prueban los `puntos`."""
    return int(np.unique(np.round(np.asarray(puntos)[:, eje], decimales)).size)


def perfil_importante(u):
    """Efecto del parámetro importante en `rendimiento_sintetico`: un pico estrecho en `PICO`."""
    u = np.asarray(u, dtype="float64")
    return 0.55 + 0.4 * np.exp(-0.5 * ((u - PICO) / ANCHO_PICO) ** 2)


def perfil_secundario(v):
    """Efecto del parámetro sin importancia: una ondulación de ±0,01."""
    return 0.01 * np.cos(np.pi * np.asarray(v, dtype="float64"))


def rendimiento_sintetico(puntos):
    """«Precisión» de validación sintética de dos hiperparámetros en `[0, 1]²` (eje 0 importante, 1 no).

    `f(u, v) = perfil_importante(u) + perfil_secundario(v)`: máximo 0,96 en `u = PICO`, `v = 0`.
    """
    puntos = np.asarray(puntos, dtype="float64")
    return perfil_importante(puntos[..., 0]) + perfil_secundario(puntos[..., 1])


def probabilidad_franja(fraccion, ensayos):
    """Probabilidad de que alguno de `ensayos` puntos al azar caiga en una franja del `fraccion` del eje."""
    return 1.0 - (1.0 - float(fraccion)) ** int(ensayos)


def en_franja(puntos, centro=PICO, fraccion=0.05, eje=0):
    """¿Cae alguno de los `puntos` en la franja de anchura `fraccion` centrada en `centro` del `eje`?"""
    return bool(np.any(np.abs(np.asarray(puntos)[:, eje] - centro) <= fraccion / 2))


def comparar_busquedas(funcion=rendimiento_sintetico, ensayos=9, repeticiones=1000, semilla=0, fraccion=0.05):
    """Rejilla de `ensayos` puntos frente a `repeticiones` búsquedas aleatorias de `ensayos` puntos.

    Devuelve un diccionario por estrategia con el mejor valor (la rejilla es determinista; de la aleatoria,
    la media y la desviación entre repeticiones), los valores distintos de cada hiperparámetro, la
    probabilidad de superar a la rejilla y la de caer en la franja del `fraccion` del eje importante
    alrededor del pico (empírica y `probabilidad_franja`).
    """
    generador = np.random.default_rng(semilla)
    puntos_rejilla = rejilla_de(ensayos)
    mejor_rejilla = float(np.max(funcion(puntos_rejilla)))
    mejores, distintos, distintos_secundario, en_la_franja = [], [], [], []
    for _ in range(int(repeticiones)):
        puntos = aleatoria(ensayos, generador=generador)
        mejores.append(float(np.max(funcion(puntos))))
        distintos.append(valores_distintos(puntos, 0))
        distintos_secundario.append(valores_distintos(puntos, 1))
        en_la_franja.append(en_franja(puntos, fraccion=fraccion))
    mejores = np.array(mejores)
    return {
        "rejilla": {
            "ensayos": int(ensayos),
            "distintos_importante": valores_distintos(puntos_rejilla, 0),
            "distintos_secundario": valores_distintos(puntos_rejilla, 1),
            "mejor": mejor_rejilla,
            "mejor_desv": 0.0,
            "prob_supera_rejilla": 0.0,
            "prob_franja": float(en_franja(puntos_rejilla, fraccion=fraccion)),
            "prob_franja_teorica": None,
        },
        "aleatoria": {
            "ensayos": int(ensayos),
            "distintos_importante": float(np.mean(distintos)),
            "distintos_secundario": float(np.mean(distintos_secundario)),
            "mejor": float(mejores.mean()),
            "mejor_desv": float(mejores.std(ddof=1)) if len(mejores) > 1 else 0.0,
            "prob_supera_rejilla": float(np.mean(mejores > mejor_rejilla)),
            "prob_franja": float(np.mean(en_la_franja)),
            "prob_franja_teorica": probabilidad_franja(fraccion, ensayos),
        },
    }
