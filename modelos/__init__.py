"""Constructores de modelos de las prácticas. Solo construyen: el entrenamiento está en `utilidades`."""
from practicas.sombras import comprobar_paquetes

comprobar_paquetes(necesarios=("datos", "utilidades"))  # un datos/ o utilidades.py del usuario

from modelos.basenet import getBaseNet
from modelos.basenetpp import getBaseNetPlusPlus
from modelos.calculadoras import coste_cuello_botella, multiplicaciones_conv, relleno_same, tamano_salida
from modelos.clasicas import alexnet, lenet5, red_taller_mnist, vgg16
from modelos.perros_gatos import base_vgg16, descongelar_ultimo_bloque, red_perros_gatos, red_vgg16_transferencia
from modelos.resnet import (
    comprobar_pesos,
    descongelar_desde,
    getBirdNetV0,
    getBirdNetV1,
    getBirdNetV2,
    getBirdNetV3,
    getBirdNetV4,
    getResNet50,
    preprocesar_imagenes,
)
from utilidades.dispositivo import configCUDA

configCUDA()  # antes de crear ningún modelo

__all__ = [
    "getBaseNet",
    "getResNet50",
    "getBirdNetV0",
    "getBirdNetV1",
    "getBirdNetV2",
    "getBirdNetV3",
    "getBirdNetV4",
    "descongelar_desde",
    "comprobar_pesos",
    "preprocesar_imagenes",
    "getBaseNetPlusPlus",
    "lenet5",
    "alexnet",
    "vgg16",
    "red_taller_mnist",
    "red_perros_gatos",
    "base_vgg16",
    "red_vgg16_transferencia",
    "descongelar_ultimo_bloque",
    "tamano_salida",
    "relleno_same",
    "multiplicaciones_conv",
    "coste_cuello_botella",
]
