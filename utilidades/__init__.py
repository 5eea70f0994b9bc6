"""Entrenamiento, evaluación, gráficas y escritura de resultados de las prácticas."""
from utilidades.dispositivo import configCUDA, fijar_semilla
from utilidades.entrenamiento import GarbageCollectorCallback, compileModel, trainModel
from utilidades.evaluacion import calcularAccuracy, testModel
from utilidades.graficas import figura_evolucion, mostrarEvolucion
from utilidades.optimizadores import crear_optimizador
from utilidades.regularizacion import ParadaTemprana, batch_norm, dropout_invertido
from utilidades.tasas import TasaPorRendimiento, crear_programa

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
    "crear_optimizador",
    "crear_programa",
    "TasaPorRendimiento",
    "ParadaTemprana",
    "dropout_invertido",
    "batch_norm",
]
