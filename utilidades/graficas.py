"""Curvas de aprendizaje (§2.3, `mostrarEvolucion` del profesor)."""

import os

import matplotlib

from datos.errores import ErrorParametro
from datos.validacion import mensaje

_BACKENDS_SIN_PANTALLA = {"agg", "pdf", "svg", "ps", "cairo", "template", "pgf"}
NOMBRE_FIGURA = "evolucion.png"


def _claves(historial):
    if hasattr(historial, "history"):
        historial = historial.history
    if "accuracy" in historial:
        return historial, "accuracy", "val_accuracy"
    if "acc" in historial:  # historiales de Keras antiguos
        return historial, "acc", "val_acc"
    raise ErrorParametro(
        mensaje("hist", "un historial con la clave 'accuracy' (o 'acc')", es=f"uno con las claves {sorted(historial)}")
        + " Compile el modelo con metrics=['accuracy']."
    )


def hay_pantalla():
    return matplotlib.get_backend().lower() not in _BACKENDS_SIN_PANTALLA


def epocas_enteras(eje, epocas=None):
    """Marcas del eje x solo en épocas enteras (1, 2, 3...), nunca 0,5 ni 1,5.

    Con `epocas` (cuántas hay, empezando en 1) y pocas, una marca en cada una: también con una sola.
    """
    from matplotlib.ticker import MaxNLocator

    if epocas is not None and epocas <= 15:
        eje.set_xticks(range(1, epocas + 1))
    else:
        eje.xaxis.set_major_locator(MaxNLocator(integer=True))


def figura_evolucion(hist, titulo=None):
    """Una figura con dos paneles: pérdida y precisión de entrenamiento y validación por época.

    Cada época lleva su marcador, así que una curva de una sola época también se ve; `titulo` (el modelo
    o la variante y la ejecución) va encima de los dos paneles.
    """
    import matplotlib.pyplot as plt

    historial, acc, val_acc = _claves(hist)
    figura, (eje_perdida, eje_precision) = plt.subplots(1, 2, figsize=(11, 4))
    for eje, clave, val, nombre in (
        (eje_perdida, "loss", "val_loss", "Pérdida"),
        (eje_precision, acc, val_acc, "Precisión"),
    ):
        epocas = range(1, len(historial[clave]) + 1)
        eje.plot(epocas, historial[clave], marker="o", markersize=4, label=f"{nombre} (entrenamiento)")
        if val in historial:
            eje.plot(epocas, historial[val], marker="s", markersize=4, label=f"{nombre} (validación)")
        eje.set_xlabel("Época")
        eje.set_ylabel(nombre)
        epocas_enteras(eje, len(epocas))
        eje.grid(alpha=0.3)
        eje.legend()
    if titulo:
        figura.suptitle(titulo)
    return figura


def mostrarEvolucion(hist, carpeta=None, titulo=None, ruta=None):
    """Dibuja la evolución de la pérdida y la precisión (función del profesor, §2.3).

    - `ruta`: guarda la figura en ese archivo PNG; `carpeta`: en `carpeta/evolucion.png`.
    - Sin ninguna de las dos, la muestra (en una ventana o en el cuaderno); sin pantalla no escribe nada
      que no se haya pedido: dice cómo guardarla.

    Devuelve la ruta del PNG, o None si no se ha guardado.
    """
    import matplotlib.pyplot as plt

    from utilidades.resultados import guardar_figura

    figura = figura_evolucion(hist, titulo)
    if ruta is None and carpeta is not None:
        ruta = os.path.join(carpeta, NOMBRE_FIGURA)
    if ruta is not None:
        return guardar_figura(figura, ruta)
    if hay_pantalla():
        plt.show()
        return None
    plt.close(figura)
    print("Sin pantalla, las curvas de aprendizaje no se muestran: páselas a un archivo con ruta='curvas.png'.")
    return None
