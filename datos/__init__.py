"""Carga de datos y tuberías de entrada de las prácticas."""
from practicas.sombras import comprobar_paquetes

comprobar_paquetes()  # avisa si un modelos.py o utilidades.py del usuario tapa otro paquete

from datos.aumento import CapaAumento, ImageDataGenerator
from datos.carpetas import escribir_carpeta_sintetica, revisar_carpeta_imagenes
from datos.cifar100 import cargarImagenes
from datos.digitos import cargar_digitos
from datos.errores import DatosNoDisponibles, ErrorDatos
from datos.fuentes import FUENTES, cargar_fuente
from datos.iteradores import getDataIterators, getNormalizedData
from datos.mnist import cargar_mnist
from datos.normalizacion import NormalizadorCanal
from datos.pajaros import cargarDatos, crear_carpeta_sintetica, listar_pajaros
from datos.pipelines import pipeline_desde_archivos, pipeline_desde_arrays, pipeline_desde_carpeta

__all__ = [
    "cargarImagenes",
    "cargar_digitos",
    "cargar_fuente",
    "FUENTES",
    "getDataIterators",
    "getNormalizedData",
    "ImageDataGenerator",
    "CapaAumento",
    "NormalizadorCanal",
    "pipeline_desde_arrays",
    "pipeline_desde_carpeta",
    "cargar_mnist",
    "cargarDatos",
    "listar_pajaros",
    "crear_carpeta_sintetica",
    "pipeline_desde_archivos",
    "revisar_carpeta_imagenes",
    "escribir_carpeta_sintetica",
    "ErrorDatos",
    "DatosNoDisponibles",
]
