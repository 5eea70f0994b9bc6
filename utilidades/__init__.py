"""Entrenamiento, evaluación, gráficas y escritura de resultados de las prácticas.

Los nombres se cargan al usarlos (PEP 562): `import utilidades.resultados` o la calificación no pagan
la importación de TensorFlow. La GPU se configura (`configCUDA`, §1) la primera vez que se pide uno de
los ayudantes de entrenamiento.
"""
import importlib

from practicas.sombras import comprobar_paquetes

comprobar_paquetes()  # avisa si un modelos.py o una carpeta datos/ del usuario tapa otro paquete

_EXPORTADOS = {
    "compileModel": "entrenamiento",
    "trainModel": "entrenamiento",
    "GarbageCollectorCallback": "entrenamiento",
    "testModel": "evaluacion",
    "calcularAccuracy": "evaluacion",
    "mostrarEvolucion": "graficas",
    "figura_evolucion": "graficas",
    "configCUDA": "dispositivo",
    "fijar_semilla": "dispositivo",
    "crear_optimizador": "optimizadores",
    "crear_programa": "tasas",
    "TasaPorRendimiento": "tasas",
    "ParadaTemprana": "regularizacion",
    "dropout_invertido": "regularizacion",
    "batch_norm": "regularizacion",
}

__all__ = list(_EXPORTADOS)
_configurada = False


def __getattr__(nombre):
    global _configurada
    if nombre not in _EXPORTADOS:
        raise AttributeError(f"module 'utilidades' has no attribute {nombre!r}")
    if not _configurada:
        _configurada = True
        importlib.import_module("utilidades.dispositivo").configCUDA()
    return getattr(importlib.import_module(f"utilidades.{_EXPORTADOS[nombre]}"), nombre)


def __dir__():
    return sorted(list(globals()) + __all__)
