"""Compilación y entrenamiento de la práctica 3 (§2.2–2.3, §4.1.1): `compileModel` y `trainModel`.

`trainModel` añade siempre `GarbageCollectorCallback` y, si se le da una carpeta, guarda el historial
por época (CSV atómico) y un respaldo con `keras.callbacks.BackupAndRestore`, de modo que un
entrenamiento interrumpido se reanuda perdiendo como mucho la época en curso.
"""
import contextlib
import gc
import os
import shutil

import keras

from utilidades.dispositivo import anunciar_dispositivo
from utilidades.resultados import escribir_csv, leer_csv

NOMBRE_HISTORIAL = "historial.csv"
NOMBRE_RESPALDO = "respaldo"


class GarbageCollectorCallback(keras.callbacks.Callback):
    """Llama a `gc.collect()` al final de cada época (§4.1.1).

    No llama a `keras.backend.clear_session()`, que borraría la política de precisión y el grafo.
    """

    def on_epoch_end(self, epoch, logs=None):
        gc.collect()


class HistorialCSV(keras.callbacks.Callback):
    """Reescribe `historial.csv` de forma atómica al final de cada época; conserva las épocas previas."""

    def __init__(self, ruta, previas=()):
        super().__init__()
        self.ruta = ruta
        self.filas = list(previas)

    def on_epoch_end(self, epoch, logs=None):
        self.filas = [f for f in self.filas if f["epoch"] < epoch]
        self.filas.append({"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}})
        columnas = ["epoch"] + sorted({k for f in self.filas for k in f} - {"epoch"})
        escribir_csv(self.ruta, self.filas, columnas)


def compileModel(model, optimizer=None, learning_rate=None, loss="categorical_crossentropy", metrics=("accuracy",)):
    """Compila con Adam, entropía cruzada categórica y precisión (§2.2).

    `optimizer` acepta un nombre o un optimizador de Keras; `learning_rate` fija la tasa de Adam
    (el ajuste fino de §4.3 usa `compileModel(model, learning_rate=1e-4)`).
    """
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=1e-3 if learning_rate is None else learning_rate)
    elif learning_rate is not None:
        optimizer = keras.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer
        optimizer.learning_rate = learning_rate
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))


def _es_arrays(datos):
    return isinstance(datos, tuple) and len(datos) == 2 and hasattr(datos[0], "shape")


def trainModel(
    model,
    train,
    val,
    batchSize=64,
    trainEpochs=50,
    callbacks=None,
    carpeta=None,
    reanudar=False,
    estrategia=None,
    verbose="auto",
):
    """Entrena `model` y devuelve el `History` de Keras con todas las épocas (§2.3).

    - `train`, `val`: los iteradores de `getDataIterators` (o tuplas `(x, y)`; entonces se usa `batchSize`).
    - `callbacks`: callbacks adicionales; `GarbageCollectorCallback` va siempre.
    - `carpeta`: guarda ahí `historial.csv` y el respaldo; con `reanudar=True` continúa donde se quedó.
    - `estrategia`: una `tf.distribute.Strategy`; el modelo debe haberse creado y compilado en su `scope()`.
    """
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError("El modelo no está compilado: llame antes a compileModel(model).")
    if trainEpochs < 1:
        raise ValueError(f"'trainEpochs' debe ser al menos 1 y es {trainEpochs}.")
    if estrategia is not None and model.distribute_strategy is not estrategia:
        raise ValueError(
            "El modelo no se creó dentro de la estrategia: constrúyalo y compílelo dentro de "
            "`with estrategia.scope():` antes de llamar a trainModel."
        )
    anunciar_dispositivo()
    todos = [GarbageCollectorCallback(), *(callbacks or [])]
    historial = None
    if carpeta is not None:
        ruta_historial = os.path.join(carpeta, NOMBRE_HISTORIAL)
        ruta_respaldo = os.path.join(carpeta, NOMBRE_RESPALDO)
        previas = []
        if reanudar and os.path.isdir(ruta_respaldo) and os.path.exists(ruta_historial):
            previas = leer_csv(ruta_historial)
        elif os.path.isdir(ruta_respaldo):
            shutil.rmtree(ruta_respaldo)  # entrenamiento nuevo: se descarta el respaldo anterior
        if not model.built:
            raise ValueError("El modelo debe estar construido (con keras.Input) para poder reanudarlo.")
        historial = HistorialCSV(ruta_historial, previas)
        # Al final: anotan la época cuando los demás callbacks ya han terminado (y añadido, p. ej., la
        # tasa de aprendizaje a `logs`); si uno falla, la época no cuenta y se repite al reanudar.
        todos = [*todos, historial, keras.callbacks.BackupAndRestore(ruta_respaldo)]

    if _es_arrays(train):
        x, y = train
        argumentos = dict(x=x, y=y, batch_size=batchSize)
    else:
        argumentos = dict(x=train, shuffle=False)  # los iteradores ya vienen barajados
    ambito = estrategia.scope() if estrategia is not None else contextlib.nullcontext()
    with ambito:
        hist = model.fit(**argumentos, validation_data=val, epochs=trainEpochs, callbacks=todos, verbose=verbose)
    if historial is not None:  # History completo, también las épocas anteriores a la reanudación
        filas = historial.filas
        hist.epoch = [int(f["epoch"]) for f in filas]
        hist.history = {k: [f[k] for f in filas] for k in filas[0] if k != "epoch"} if filas else {}
    return hist
