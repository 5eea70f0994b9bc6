"""Piezas compartidas por los ejercicios de la práctica `entrenamiento`."""

import argparse

import keras

from datos.validacion import Opciones, describir
from practicas.comun import opciones_sin_reanudar


def lista_de(validas):
    """Tipo de argparse: nombres separados por comas, cada uno de `validas`."""

    def convertir(texto):
        nombres = [n.strip() for n in texto.split(",") if n.strip()]
        if not nombres or any(n not in validas for n in nombres):
            raise argparse.ArgumentTypeError(
                f"debe ser {describir(Opciones(*validas))}, o varios separados por comas, y es '{texto}'"
            )
        return nombres

    return convertir


def lista_de_numeros(restriccion, cantidad=None):
    """Tipo de argparse: números separados por comas, cada uno admitido por `restriccion` (de
    `datos.validacion`); con `cantidad`, exactamente esos números."""
    cuantos = "" if cantidad is None else f"{cantidad} "

    def convertir(texto):
        valores = []
        for parte in (p.strip() for p in texto.split(",") if p.strip()):
            try:
                valores.append(float(parte))
            except ValueError:
                valores.append(parte)
        if not valores or cantidad not in (None, len(valores)) or not all(restriccion.admite(v) for v in valores):
            raise argparse.ArgumentTypeError(
                f"debe ser una lista de {cuantos}números separados por comas, cada uno {describir(restriccion)}, y es "
                f"'{texto}'"
            )
        return [restriccion.convertir(v) for v in valores]

    return convertir


def opciones_sin_entrenar(parser):
    """Opciones de los ejercicios que solo usan NumPy: semilla y carpeta de resultados."""
    opciones_sin_reanudar(parser, "entrenamiento", "semilla de NumPy (por defecto 0)")


class RegistroTasa(keras.callbacks.Callback):
    """Anota la tasa de aprendizaje con que se entrena cada época (póngase tras el callback que la fija)."""

    def __init__(self):
        super().__init__()
        self.tasas = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.tasas[epoch] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


def _formato(valor, fmt):
    """`format(valor, fmt)`; con `fmt="%"`, una precisión como en todas las tablas: «81.40 %»."""
    if fmt == "%":
        return f"{100 * valor:.2f} %"
    return format(valor, fmt)


def imprimir_tabla(filas, titulo, columnas):
    """Imprime una tabla de comparación: `columnas` es una lista de `(clave, encabezado, formato)`."""
    anchos = [
        max(len(encabezado), *(len(_formato(f[clave], fmt)) for f in filas)) for clave, encabezado, fmt in columnas
    ]
    lineas = [titulo, "  ".join(f"{e:>{a}}" for (_, e, _), a in zip(columnas, anchos))]
    for f in filas:
        lineas.append("  ".join(f"{_formato(f[c], fmt):>{a}}" for (c, _, fmt), a in zip(columnas, anchos)))
    print("\n" + "\n".join(lineas))
