"""Carga de datos y tuberías de entrada de las prácticas.

Los nombres se cargan al usarlos (PEP 562): `from datos import cargarImagenes` funciona como siempre, pero
`import datos.errores` (o la calificación, o `python -m practicas --help`) no paga la importación de
TensorFlow. `datos` es la capa de abajo del proyecto: no importa `modelos`, `utilidades` ni `practicas`.
"""

from datos import silencio
from datos._perezoso import exportador
from datos._sombras import comprobar_paquetes

comprobar_paquetes()  # avisa si un modelos.py o utilidades.py del usuario tapa otro paquete
silencio.instalar()  # TensorFlow, cuando se importe, sin sus mensajes de arranque (y con sus errores)

# nombre exportado -> submódulo de `datos` que lo define
_EXPORTADOS = {
    "cargarImagenes": "cifar100",
    "cargar_digitos": "digitos",
    "cargar_fuente": "fuentes",
    "resolver_fuente": "fuentes",
    "abrir_carpeta": "fuentes",
    "FUENTES": "fuentes",
    "getDataIterators": "iteradores",
    "getNormalizedData": "iteradores",
    "iteradores_normalizados": "iteradores",
    "ImageDataGenerator": "aumento",
    "CapaAumento": "aumento",
    "NormalizadorCanal": "normalizacion",
    "pipeline_desde_arrays": "pipelines",
    "pipeline_desde_carpeta": "pipelines",
    "pipeline_desde_archivos": "pipelines",
    "cargar_mnist": "mnist",
    "cargarDatos": "pajaros",
    "listar_pajaros": "pajaros",
    "abrir_pajaros": "pajaros",
    "escribir_pajaros_sinteticos": "pajaros",
    "cargar_cifar100_tfds": "conjuntos_tfds",
    "carpeta_tfds": "conjuntos_tfds",
    "revisar_carpeta_imagenes": "carpetas",
    "escribir_carpeta_sintetica": "carpetas",
    "ErrorPracticas": "errores",
    "ErrorParametro": "errores",
    "ErrorDatos": "errores",
    "DatosNoDisponibles": "errores",
}

__all__ = list(_EXPORTADOS)
__getattr__, __dir__ = exportador(__name__, _EXPORTADOS)
