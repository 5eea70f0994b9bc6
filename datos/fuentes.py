"""Único lugar que resuelve una fuente de datos por nombre o ruta.

Todos los cargadores devuelven la 4-tupla del profesor: `x_train, y_train, x_test, y_test`.
"""
import os

from datos.cifar100 import cargarImagenes
from datos.digitos import cargar_digitos
from datos.errores import DatosNoDisponibles

FUENTES = {
    "digitos": cargar_digitos,
    "cifar100": cargarImagenes,
}


def cargar_fuente(fuente="digitos"):
    """Carga `fuente`: un nombre de `FUENTES` o la ruta de un archivo o carpeta de CIFAR-100."""
    if fuente in FUENTES:
        return FUENTES[fuente]()
    if os.path.exists(os.fspath(fuente)):
        return cargarImagenes(fuente)
    raise DatosNoDisponibles(
        f"Fuente de datos desconocida: '{fuente}'. Use uno de {sorted(FUENTES)} "
        "o la ruta de un archivo o carpeta existente."
    )
