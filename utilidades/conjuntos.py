"""Conjuntos de modelos (clase «Entrenamiento de redes neuronales», Bariloche: Model Ensembles).

- Modelos independientes: se entrenan K redes con distinta inicialización, se evalúan por separado y se
  promedian sus probabilidades (`promediar_probabilidades`, `evaluar_conjunto`): «se gana un 2 %».
- Instantáneas (snapshot ensembles, Huang et al., 2017): un solo entrenamiento con una tasa coseno
  cíclica que se reinicia M veces (`TasaCosenoCiclica`); al final de cada ciclo, con la tasa casi en cero,
  el modelo está en un mínimo y se guarda una instantánea de sus pesos (`Instantaneas`). Los M mínimos
  forman el conjunto por el coste de un entrenamiento.

`utilidades.tasas` no tiene una tasa coseno con reinicios, así que está aquí (sobre su `ProgramaTasa`).
"""

import math
import os

import keras
import numpy as np
from keras import ops

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, POSITIVO, comprobar, mensaje
from utilidades.entrenamiento import guardar_pesos
from utilidades.evaluacion import calcularAccuracy
from utilidades.tasas import ProgramaTasa


def predecir(modelo, x, batch=256):
    """Probabilidades de `modelo` sobre `x` (modo inferencia), en lotes de `batch` y sin trazar una función de Keras."""
    batch = comprobar(batch, "batch", ENTERO_POSITIVO)
    partes = [
        ops.convert_to_numpy(modelo(x[inicio : inicio + batch], training=False)) for inicio in range(0, len(x), batch)
    ]
    return np.concatenate(partes).astype("float64")


def promediar_probabilidades(probabilidades):
    """Media de las probabilidades de los miembros: la predicción del conjunto.

    `probabilidades`: lista de arrays `(N, clases)`, uno por miembro (p. ej. de `predecir`).
    """
    probabilidades = [np.asarray(p, dtype="float64") for p in probabilidades]
    if not probabilidades:
        raise ErrorParametro(
            mensaje("probabilidades", "una lista con al menos un array de probabilidades (uno por miembro)", [])
        )
    formas = {p.shape for p in probabilidades}
    if len(formas) != 1 or len(next(iter(formas))) != 2:
        raise ErrorParametro(
            mensaje(
                "probabilidades",
                "una lista de arrays de la misma forma (N, clases)",
                es=f"de formas {', '.join(map(str, sorted(formas)))}",
            )
        )
    return np.mean(np.stack(probabilidades), axis=0)


def entropia_cruzada(probabilidades, etiquetas, epsilon=1e-7):
    """Entropía cruzada categórica media, −(1/N) Σ y·log p, como la pérdida de Keras (recorta p a [ε, 1 − ε])."""
    p = np.clip(np.asarray(probabilidades, dtype="float64"), epsilon, 1 - epsilon)
    return float(-np.mean(np.sum(np.asarray(etiquetas, dtype="float64") * np.log(p), axis=1)))


def evaluar_conjunto(probabilidades, etiquetas):
    """Precisión de cada miembro, del conjunto entero y de los conjuntos de los k primeros (k = 1…K).

    `etiquetas` son one-hot. Devuelve `{"miembros": [...], "conjunto": float, "acumulada": [...]}`;
    `acumulada[k - 1]` es la precisión del promedio de los k primeros miembros (la última es `conjunto`).
    """
    miembros = [calcularAccuracy(etiquetas, p) for p in probabilidades]
    acumulada = [
        calcularAccuracy(etiquetas, promediar_probabilidades(probabilidades[:k]))
        for k in range(1, len(probabilidades) + 1)
    ]
    return {"miembros": miembros, "conjunto": acumulada[-1], "acumulada": acumulada}


def reiniciar_entrenamiento(modelo, pesos):
    """Deja un modelo ya compilado como recién creado: pesos `pesos` y el optimizador a cero (paso 0, sin momento).

    Los miembros independientes de un conjunto comparten arquitectura: reutilizar el modelo compilado evita
    volver a trazar su función de entrenamiento en cada uno (lo más lento de entrenar redes pequeñas en CPU).
    `pesos` son los `get_weights()` de una red igual recién construida con la semilla del miembro.
    """
    modelo.set_weights(pesos)
    for variable in modelo.optimizer.variables:  # iteraciones (la tasa vuelve a t = 0) y momentos
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))


class TasaCosenoCiclica(ProgramaTasa):
    """Tasa coseno cíclica de las instantáneas (Huang et al., 2017, ecuación 2).

    `α(t) = α0/2 · (cos(π · (t mod P) / P) + 1)`, con P = `pasos_por_ciclo`: empieza cada ciclo en α0, baja
    como medio coseno hasta casi 0 al final y vuelve a α0 (reinicio). Con un solo ciclo (P = pasos totales)
    es el recocido coseno de SGDR sin reinicios. `t` es el paso (como tasa del optimizador) o la época
    (con `como_callback`).
    """

    def __init__(self, tasa_inicial, pasos_por_ciclo):
        super().__init__(tasa_inicial)
        self.pasos_por_ciclo = comprobar(pasos_por_ciclo, "pasos_por_ciclo", POSITIVO)

    def tasa(self, t):
        fase = (t - self.pasos_por_ciclo * ops.floor(t / self.pasos_por_ciclo)) / self.pasos_por_ciclo
        return self.tasa_inicial / 2 * (ops.cos(math.pi * fase) + 1)


class Instantaneas(keras.callbacks.Callback):
    """Guarda una instantánea de los pesos al final de cada ciclo de `epocas_por_ciclo` épocas.

    `pesos[k]` es la lista de `get_weights()` de la instantánea k + 1 y `epocas[k]` las épocas terminadas
    cuando se tomó. Con `carpeta`, cada una se escribe además en `carpeta/ciclo_<k>.weights.h5` (atómico).
    Para predecir con una: `modelo.set_weights(instantaneas.pesos[k])`.
    """

    def __init__(self, epocas_por_ciclo, carpeta=None):
        super().__init__()
        self.epocas_por_ciclo = comprobar(epocas_por_ciclo, "epocas_por_ciclo", ENTERO_POSITIVO)
        self.carpeta = carpeta
        self.pesos = []
        self.epocas = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.epocas_por_ciclo:
            return
        self.pesos.append([np.copy(w) for w in self.model.get_weights()])
        self.epocas.append(epoch + 1)
        if self.carpeta is not None:
            guardar_pesos(self.model, os.path.join(self.carpeta, f"ciclo_{len(self.pesos)}.weights.h5"))
