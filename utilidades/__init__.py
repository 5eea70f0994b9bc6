"""Entrenamiento, evaluación, gráficas y escritura de resultados de las prácticas."""
from utilidades.dispositivo import configCUDA, fijar_semilla
from utilidades.entrenamiento import GarbageCollectorCallback, compileModel, trainModel
from utilidades.evaluacion import calcularAccuracy, testModel
from utilidades.graficas import figura_evolucion, mostrarEvolucion

configCUDA()

__all__ = [
    "compileModel",
    "trainModel",
    "testModel",
    "mostrarEvolucion",
    "figura_evolucion",
    "calcularAccuracy",
    "GarbageCollectorCallback",
    "configCUDA",
    "fijar_semilla",
]
