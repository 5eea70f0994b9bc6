"""Curvas de aprendizaje (§2.3, `mostrarEvolucion` del profesor)."""
import os

import matplotlib

_BACKENDS_SIN_PANTALLA = {"agg", "pdf", "svg", "ps", "cairo", "template", "pgf"}


def _claves(historial):
    if hasattr(historial, "history"):
        historial = historial.history
    if "accuracy" in historial:
        return historial, "accuracy", "val_accuracy"
    if "acc" in historial:  # historiales de Keras antiguos
        return historial, "acc", "val_acc"
    raise ValueError(
        f"El historial no tiene la clave 'accuracy' ni 'acc' (claves: {sorted(historial)}). "
        "Compile el modelo con metrics=['accuracy']."
    )


def hay_pantalla():
    return matplotlib.get_backend().lower() not in _BACKENDS_SIN_PANTALLA


def figura_evolucion(hist, titulo=None):
    """Una figura con dos paneles: pérdida y precisión de entrenamiento y validación por época."""
    import matplotlib.pyplot as plt

    historial, acc, val_acc = _claves(hist)
    figura, (eje_perdida, eje_precision) = plt.subplots(1, 2, figsize=(11, 4))
    for eje, clave, val, nombre in (
        (eje_perdida, "loss", "val_loss", "Pérdida"),
        (eje_precision, acc, val_acc, "Precisión"),
    ):
        epocas = range(1, len(historial[clave]) + 1)
        eje.plot(epocas, historial[clave], label=f"{nombre} (entrenamiento)")
        if val in historial:
            eje.plot(epocas, historial[val], label=f"{nombre} (validación)")
        eje.set_xlabel("Época")
        eje.set_ylabel(nombre)
        eje.grid(alpha=0.3)
        eje.legend()
    if titulo:
        figura.suptitle(titulo)
    return figura


def mostrarEvolucion(hist, carpeta=None, titulo=None):
    """Dibuja la evolución de la pérdida y la precisión (función del profesor, §2.3).

    Con pantalla muestra la figura; sin pantalla (o con `carpeta`) la guarda como
    `evolucion.png` en `carpeta` (por defecto, la carpeta actual) y devuelve su ruta.
    """
    import matplotlib.pyplot as plt

    from utilidades.resultados import guardar_figura

    figura = figura_evolucion(hist, titulo)
    if carpeta is None and hay_pantalla():
        plt.show()
        return None
    return guardar_figura(figura, os.path.join(carpeta or os.getcwd(), "evolucion.png"))
