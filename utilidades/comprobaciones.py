"""Comprobación de hiperparámetros numéricos (tasas, decaimientos, momentos) con errores en español."""

import math


def positivo(nombre, valor, cero=False):
    """`valor` como float si es finito y mayor que 0 (o mayor o igual, con `cero=True`)."""
    valor = float(valor)
    if not math.isfinite(valor) or valor < 0 or (valor == 0 and not cero):
        condicion = "no negativo" if cero else "positivo (mayor que 0)"
        raise ValueError(f"'{nombre}' debe ser un número {condicion} y es {valor}.")
    return valor


def fraccion(nombre, valor, cero=True):
    """`valor` como float si está en [0, 1) (o en (0, 1), con `cero=False`)."""
    valor = float(valor)
    if not (0 <= valor < 1 if cero else 0 < valor < 1):
        intervalo = "[0, 1)" if cero else "(0, 1), sin incluir los extremos"
        raise ValueError(f"'{nombre}' debe estar en {intervalo} y es {valor}.")
    return valor
