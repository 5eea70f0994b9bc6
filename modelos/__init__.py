"""Constructores de modelos de las prácticas. Solo construyen: el entrenamiento está en `utilidades`."""
from modelos.basenet import getBaseNet
from utilidades.dispositivo import configCUDA

configCUDA()  # antes de crear ningún modelo

__all__ = ["getBaseNet"]
