"""Carga de datos y tuberías de entrada de las prácticas."""
from datos.cifar100 import cargarImagenes
from datos.digitos import cargar_digitos
from datos.errores import DatosNoDisponibles, ErrorDatos
from datos.fuentes import FUENTES, cargar_fuente
from datos.iteradores import getDataIterators
from datos.normalizacion import NormalizadorCanal
from datos.pipelines import pipeline_desde_arrays

__all__ = [
    "cargarImagenes",
    "cargar_digitos",
    "cargar_fuente",
    "FUENTES",
    "getDataIterators",
    "NormalizadorCanal",
    "pipeline_desde_arrays",
    "ErrorDatos",
    "DatosNoDisponibles",
]
