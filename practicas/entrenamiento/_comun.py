"""Piezas compartidas por los ejercicios de la práctica `entrenamiento`."""

import argparse

import keras


def lista_de(validas):
    """Tipo de argparse: nombres separados por comas, cada uno de `validas`."""

    def convertir(texto):
        nombres = [n.strip() for n in texto.split(",") if n.strip()]
        desconocidos = [n for n in nombres if n not in validas]
        if not nombres or desconocidos:
            raise argparse.ArgumentTypeError(
                f"'{texto}' no es válido: use nombres separados por comas de {', '.join(validas)}"
            )
        return nombres

    return convertir


def numero_positivo(texto):
    """Tipo de argparse: un número real mayor que 0."""
    try:
        valor = float(texto)
    except ValueError:
        valor = -1.0
    if not valor > 0:
        raise argparse.ArgumentTypeError(f"debe ser un número positivo y es '{texto}'")
    return valor


def opciones_sin_entrenar(parser):
    """Opciones de los ejercicios que solo usan NumPy: semilla y carpeta de resultados."""
    parser.add_argument("--semilla", type=int, default=0, help="semilla de NumPy (por defecto 0)")
    parser.add_argument(
        "--salida", default=None, help="carpeta de resultados (por defecto resultados/entrenamiento-<ejercicio>)"
    )
    parser.set_defaults(reanudar=False)


class RegistroTasa(keras.callbacks.Callback):
    """Anota la tasa de aprendizaje con que se entrena cada época (póngase tras el callback que la fija)."""

    def __init__(self):
        super().__init__()
        self.tasas = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.tasas[epoch] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


def imprimir_tabla(filas, titulo, columnas):
    """Imprime una tabla de comparación: `columnas` es una lista de `(clave, encabezado, formato)`."""
    anchos = [max(len(encabezado), *(len(format(f[clave], fmt)) for f in filas)) for clave, encabezado, fmt in columnas]
    lineas = [titulo, "  ".join(f"{e:>{a}}" for (_, e, _), a in zip(columnas, anchos))]
    for f in filas:
        lineas.append("  ".join(f"{format(f[c], fmt):>{a}}" for (c, _, fmt), a in zip(columnas, anchos)))
    print("\n" + "\n".join(lineas))
