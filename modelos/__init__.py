"""Constructores de modelos de las prácticas: las redes del curso, sus cabezas y los pesos preentrenados.

`modelos` construye redes (y resuelve sus pesos de ImageNet: caché de Keras, suma y descarga, en
`modelos.pesos`); no compila ni entrena: eso está en `utilidades`, que se encarga también de la GPU
(`configCUDA`) cuando empieza el entrenamiento. No importa `utilidades` ni `practicas`, solo `datos`
(errores y caché).

Los nombres se cargan al usarlos (PEP 562): `import modelos` no importa TensorFlow hasta pedir un
constructor.
"""

from datos._perezoso import exportador
from datos._sombras import comprobar_paquetes

comprobar_paquetes(necesarios=("datos",))  # un datos.py o una carpeta datos/ del usuario

# nombre exportado -> submódulo de `modelos` que lo define
_EXPORTADOS = {
    "getBaseNet": "basenet",
    "getBaseNetPlusPlus": "basenetpp",
    "getResNet50": "resnet",
    "getBirdNetV0": "resnet",
    "getBirdNetV1": "resnet",
    "getBirdNetV2": "resnet",
    "getBirdNetV3": "resnet",
    "getBirdNetV4": "resnet",
    "descongelar_desde": "resnet",
    "comprobar_pesos": "pesos",
    "preprocesar_imagenes": "resnet",
    "con_preprocesado": "resnet",
    "lenet5": "clasicas",
    "alexnet": "clasicas",
    "vgg16": "clasicas",
    "red_taller_mnist": "clasicas",
    "red_perros_gatos": "perros_gatos",
    "base_vgg16": "perros_gatos",
    "red_vgg16_transferencia": "perros_gatos",
    "descongelar_ultimo_bloque": "perros_gatos",
    "tamano_salida": "calculadoras",
    "relleno_same": "calculadoras",
    "multiplicaciones_conv": "calculadoras",
    "coste_cuello_botella": "calculadoras",
}

__all__ = list(_EXPORTADOS)
__getattr__, __dir__ = exportador(__name__, _EXPORTADOS)
