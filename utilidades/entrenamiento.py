"""Compilación y entrenamiento de la práctica 3 (§2.2–2.3, §4.1.1): `compileModel` y `trainModel`.

`trainModel` añade siempre `GarbageCollectorCallback` y, si se le da una carpeta, guarda el historial
por época (CSV atómico) y un respaldo atómico (`RespaldoAtomico`), de modo que un entrenamiento
interrumpido, incluso con SIGKILL a mitad de una escritura, se reanuda perdiendo como mucho la época en curso.
"""

import contextlib
import functools
import gc
import hashlib
import os
import re
import shutil
import signal
import threading

import keras

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, comprobar, mensaje
from utilidades.dispositivo import anunciar_dispositivo
from utilidades.evaluacion import comprobar_clases
from utilidades.resultados import (
    borrar_temporales,
    escribir_atomico,
    escribir_csv,
    escribir_json,
    leer_csv,
    leer_json,
)

NOMBRE_HISTORIAL = "historial.csv"
NOMBRE_RESPALDO = "respaldo"
RESPALDOS_GUARDADOS = 2  # el último y el anterior, por si el último estuviera dañado


class GarbageCollectorCallback(keras.callbacks.Callback):
    """Llama a `gc.collect()` al final de cada época (§4.1.1).

    Lo que ya vive al empezar (TensorFlow, Keras, el modelo, los datos: unos 400.000 objetos que siguen vivos
    mientras se entrena) se aparta con `gc.freeze()` hasta el final, y mientras tanto la única recolección
    completa es la de cada época: cada una recorre solo lo creado durante el entrenamiento. Con BaseNet en
    los dígitos, 0,87 → 0,55 s de CPU por época (docs/rendimiento.md). No llama a
    `keras.backend.clear_session()`, que borraría la política de precisión y el grafo.
    """

    def __init__(self):
        super().__init__()
        self._umbrales = None

    def on_train_begin(self, logs=None):
        gc.collect()  # la basura de antes se recoge ahora, no se aparta
        gc.freeze()
        self._umbrales = gc.get_threshold()
        # Sin recolecciones completas automáticas: tras cada gc.collect() con objetos apartados, CPython las
        # haría mucho más a menudo (en modo eager, más lento que sin apartar nada).
        gc.set_threshold(*self._umbrales[:2], 2**30)

    def on_epoch_end(self, epoch, logs=None):
        gc.collect()

    def on_train_end(self, logs=None):
        self.devolver()

    def devolver(self):
        """Deja el recolector como estaba; `trainModel` lo llama también si `fit` no termina (Ctrl+C)."""
        if self._umbrales is not None:
            gc.unfreeze()
            gc.set_threshold(*self._umbrales)
            self._umbrales = None


class HistorialCSV(keras.callbacks.Callback):
    """Reescribe `historial.csv` de forma atómica al final de cada época; conserva las épocas previas.

    La columna `epoca` cuenta desde 1, como la figura de `mostrarEvolucion` y los mensajes («Tras 3 épocas»).
    """

    def __init__(self, ruta, previas=()):
        super().__init__()
        self.ruta = ruta
        self.filas = list(previas)

    def on_epoch_end(self, epoch, logs=None):
        self.filas = [f for f in self.filas if f["epoca"] <= epoch]
        self.filas.append({"epoca": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
        columnas = ["epoca"] + sorted({k for f in self.filas for k in f} - {"epoca"})
        escribir_csv(self.ruta, self.filas, columnas)


def leer_historial(ruta):
    """Las filas de un `historial.csv` (columna `epoca` desde 1; los de versiones anteriores, `epoch` desde 0)."""
    filas = leer_csv(ruta)
    for fila in filas:
        if "epoca" not in fila and "epoch" in fila:
            fila["epoca"] = int(fila.pop("epoch")) + 1
    return filas


def _sha256(ruta):
    resumen = hashlib.sha256()
    with open(ruta, "rb") as f:
        for bloque in iter(lambda: f.read(1 << 20), b""):
            resumen.update(bloque)
    return resumen.hexdigest()


def _respaldos(carpeta):
    """Épocas terminadas de los respaldos de `carpeta` que tienen su JSON, de la más reciente a la más antigua."""
    if not os.path.isdir(carpeta):
        return []
    epocas = [re.fullmatch(r"epoca_(\d+)\.json", n) for n in os.listdir(carpeta)]
    return sorted((int(m.group(1)) for m in epocas if m), reverse=True)


def _rutas_respaldo(carpeta, epocas):
    base = os.path.join(carpeta, f"epoca_{epocas:05d}")
    return base + ".weights.h5", base + ".json"


def guardar_pesos(modelo, ruta):
    """`modelo.save_weights(ruta)` atómico (el escritor único, `utilidades.resultados.escribir_atomico`).

    Una interrupción nunca deja `ruta` a medias: o sigue el archivo anterior o está el nuevo completo. Ctrl+C
    y SIGTERM se atienden cuando h5py ha terminado de escribir (`senales_aplazadas`).
    """

    def guardar(temporal):
        with senales_aplazadas():  # Ctrl+C espera a que h5py termine de escribir
            modelo.save_weights(temporal, overwrite=True)

    return escribir_atomico(ruta, guardar, por_ruta=True, sufijo=".weights.h5")


@contextlib.contextmanager
def senales_aplazadas(senales=(signal.SIGINT, signal.SIGTERM)):
    """Aplaza Ctrl+C (y SIGTERM) mientras dura el bloque y los atiende al terminarlo.

    Un `KeyboardInterrupt` a mitad de `save_weights` deja h5py y HDF5 a medio escribir y a veces el proceso
    muere con un fallo de segmentación en vez de terminar con el mensaje de Ctrl+C. El respaldo tarda
    poco (≈0,1 s con BaseNet): se termina de escribir y después se interrumpe, con el respaldo ya válido.
    Solo en el hilo principal, el único donde Python atiende las señales.
    """
    anteriores = {}
    if threading.current_thread() is threading.main_thread():
        anteriores = {s: signal.getsignal(s) for s in senales}
        anteriores = {s: h for s, h in anteriores.items() if h is not None}  # None: manejador ajeno a Python
    recibidas = []
    for senal in anteriores:
        signal.signal(senal, lambda numero, marco: recibidas.append(numero))
    try:
        yield
    finally:
        for senal, manejador in anteriores.items():
            signal.signal(senal, manejador)
        for senal in dict.fromkeys(recibidas):
            signal.raise_signal(senal)  # ahora con su manejador de siempre


def guardar_respaldo(modelo, carpeta, epocas):
    """Guarda los pesos del modelo y del optimizador tras `epocas` épocas terminadas, de forma atómica.

    Los pesos se escriben en un temporal de `carpeta` (con fsync) y se renombran a `epoca_<n>.weights.h5`;
    después se escribe, también de forma atómica, `epoca_<n>.json` con su tamaño y su SHA-256. Solo un
    respaldo con su JSON y un archivo que coincide con él es válido, así que una interrupción en cualquier
    momento deja intacto el respaldo anterior (y Ctrl+C o SIGTERM esperan a que acabe `save_weights`, véase
    `guardar_pesos`). Se conservan los `RESPALDOS_GUARDADOS` más recientes.
    """
    ruta_pesos, ruta_json = _rutas_respaldo(carpeta, epocas)
    guardar_pesos(modelo, ruta_pesos)
    escribir_json(ruta_json, {"epocas": epocas, "bytes": os.path.getsize(ruta_pesos), "sha256": _sha256(ruta_pesos)})
    for antiguas in _respaldos(carpeta)[RESPALDOS_GUARDADOS:]:
        for ruta in reversed(_rutas_respaldo(carpeta, antiguas)):  # primero el JSON: deja de ser válido
            if os.path.exists(ruta):
                os.remove(ruta)


def _respaldo_integro(carpeta, epocas):
    """Motivo por el que el respaldo de `epocas` no vale, o `None` si su archivo coincide con su JSON."""
    ruta_pesos, ruta_json = _rutas_respaldo(carpeta, epocas)
    try:
        info = leer_json(ruta_json)
        if not os.path.isfile(ruta_pesos):
            return "falta el archivo de pesos"
        if os.path.getsize(ruta_pesos) != info["bytes"] or _sha256(ruta_pesos) != info["sha256"]:
            return "el archivo de pesos no coincide con el que se escribió"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"no se puede leer su descripción ({e})"
    return None


def restaurar_respaldo(modelo, carpeta, maximo=None):
    """Carga en `modelo` el respaldo válido más reciente de `carpeta` y devuelve sus épocas terminadas.

    Comprueba cada respaldo (tamaño y SHA-256) antes de cargarlo; uno dañado, o que `modelo` no puede
    cargar, se anuncia y se prueba el anterior. Se ignoran los de más de `maximo` épocas (las que constan
    en `historial.csv`). Sin ninguno válido deja `modelo` como estaba y devuelve 0: ese entrenamiento
    empieza de nuevo.
    """
    if not os.path.isdir(carpeta):
        return 0
    borrar_temporales(carpeta)
    if modelo.optimizer is not None and not modelo.optimizer.built:
        modelo.optimizer.build(modelo.trainable_variables)  # para que existan sus variables al cargar
    variables = list(modelo.variables) + list(modelo.optimizer.variables if modelo.optimizer is not None else [])
    iniciales = [v.numpy() for v in variables]
    for epocas in _respaldos(carpeta):
        if maximo is not None and epocas > maximo:
            motivo = f"historial.csv solo tiene {maximo} épocas"
        else:
            motivo = _respaldo_integro(carpeta, epocas)
        if motivo is None:
            try:
                modelo.load_weights(_rutas_respaldo(carpeta, epocas)[0])
                print(f"Se reanuda tras la época {epocas} (respaldo en {carpeta}).")
                return epocas
            except Exception as e:  # p. ej. el modelo ya no es el mismo
                motivo = f"no se puede cargar en este modelo ({type(e).__name__}: {str(e).splitlines()[0][:200]})"
                for variable, valor in zip(variables, iniciales):  # deshace una carga a medias
                    variable.assign(valor)
        print(f"Aviso: el respaldo de la época {epocas} en {carpeta} no sirve: {motivo}. Se prueba el anterior.")
    return 0


class RespaldoAtomico(keras.callbacks.Callback):
    """Respaldo del estado del entrenamiento al final de cada época (`guardar_respaldo`).

    Sustituye a `keras.callbacks.BackupAndRestore`, que reescribe un único archivo en su sitio: una
    interrupción durante esa escritura lo deja a medias y hace imposible reanudar. La restauración la
    hace `trainModel` antes de `fit` (`restaurar_respaldo`). Al terminar el entrenamiento se borra.
    """

    def __init__(self, carpeta):
        super().__init__()
        self.carpeta = carpeta

    def on_epoch_end(self, epoch, logs=None):
        guardar_respaldo(self.model, self.carpeta, epoch + 1)

    def on_train_end(self, logs=None):
        shutil.rmtree(self.carpeta, ignore_errors=True)


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
    _comprobar_clases_al_calcular_la_perdida(model)


def _comprobar_clases_al_calcular_la_perdida(model):
    """`model.fit`/`evaluate` directos dan, como `trainModel`, el error en español de `comprobar_clases`.

    Sin esto, `getBaseNet()` (25 salidas) con etiquetas one-hot de 10 clases da el error de formas de Keras,
    en inglés. La comprobación mira las formas al trazar el paso (una vez), no en cada lote. Es del objeto,
    no de su clase: `model.save` y `load_model` no la ven.
    """
    calcular = type(model).compute_loss.__get__(model)

    @functools.wraps(calcular)
    def compute_loss(x=None, y=None, y_pred=None, sample_weight=None, training=True):
        comprobar_clases(model, y)
        return calcular(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)

    model.compute_loss = compute_loss


def _ambito(estrategia):
    return estrategia.scope() if estrategia is not None else contextlib.nullcontext()


def _es_arrays(datos):
    return isinstance(datos, tuple) and len(datos) == 2 and hasattr(datos[0], "shape")


def _preparar_carpeta(model, carpeta, reanudar, estrategia):
    """La carpeta de un entrenamiento de `trainModel`: `(HistorialCSV, época inicial)`.

    Con `reanudar`, restaura el último respaldo válido y conserva las épocas anotadas hasta él; sin él,
    descarta el respaldo anterior.
    """
    if not model.built:
        raise ErrorParametro(
            mensaje("model", "un modelo construido (con keras.Input) para poder reanudarlo", es="sin construir")
        )
    ruta_historial = os.path.join(carpeta, NOMBRE_HISTORIAL)
    ruta_respaldo = os.path.join(carpeta, NOMBRE_RESPALDO)
    borrar_temporales(carpeta)
    previas, inicial = [], 0
    if reanudar:
        previas = leer_historial(ruta_historial) if os.path.exists(ruta_historial) else []
        anotadas = {int(f["epoca"]) for f in previas}
        seguidas = next(n for n in range(len(anotadas) + 1) if n + 1 not in anotadas)  # épocas 1..n anotadas
        with _ambito(estrategia):
            inicial = restaurar_respaldo(model, ruta_respaldo, maximo=seguidas)
        if inicial == 0 and previas:
            print(f"Aviso: no hay un respaldo válido en {ruta_respaldo}: este entrenamiento empieza de nuevo.")
        # Solo cuentan las épocas anteriores al respaldo: las demás se repiten y se vuelven a anotar.
        previas = [f for f in previas if f["epoca"] <= inicial]
    elif os.path.isdir(ruta_respaldo):
        shutil.rmtree(ruta_respaldo)  # entrenamiento nuevo: se descarta el respaldo anterior
    return HistorialCSV(ruta_historial, previas), inicial


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
    - `carpeta`: guarda ahí `historial.csv` y el respaldo de cada época (`respaldo/`, atómico, los dos
      últimos); con `reanudar=True` continúa tras el último respaldo válido (uno dañado se salta con un
      aviso; sin ninguno, empieza de nuevo). `historial.csv` queda con cada época una sola vez.
    - `estrategia`: una `tf.distribute.Strategy`; el modelo debe haberse creado y compilado en su `scope()`.
    """
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ErrorParametro(
            mensaje("model", "un modelo compilado", es=f"'{getattr(model, 'name', model)}' sin compilar")
            + " Llame antes a compileModel(model)."
        )
    batchSize = comprobar(batchSize, "batchSize", ENTERO_POSITIVO, None)  # None: el de Keras (32)
    trainEpochs = comprobar(trainEpochs, "trainEpochs", ENTERO_POSITIVO)
    if estrategia is not None and model.distribute_strategy is not estrategia:
        raise ErrorParametro(
            mensaje("estrategia", "la tf.distribute.Strategy en la que se creó el modelo", es="otra")
            + " Construya y compile el modelo dentro de `with estrategia.scope():` antes de llamar a trainModel."
        )
    comprobar_clases(model, train, "las etiquetas de entrenamiento")  # p. ej. 10 dígitos y BaseNet de 25
    anunciar_dispositivo()
    recolector = GarbageCollectorCallback()
    todos = [recolector, *(callbacks or [])]
    historial, inicial = None, 0
    if carpeta is not None:
        historial, inicial = _preparar_carpeta(model, carpeta, reanudar, estrategia)
        # Al final: anotan la época cuando los demás callbacks ya han terminado (y añadido, p. ej., la
        # tasa de aprendizaje a `logs`); si uno falla, la época no cuenta y se repite al reanudar. El
        # historial se escribe antes que el respaldo: nunca hay un respaldo de épocas sin anotar.
        todos = [*todos, historial, RespaldoAtomico(os.path.join(carpeta, NOMBRE_RESPALDO))]

    if _es_arrays(train):
        x, y = train
        argumentos = dict(x=x, y=y, batch_size=batchSize)
    else:
        argumentos = dict(x=train, shuffle=False)  # los iteradores ya vienen barajados
    if inicial < trainEpochs:
        with _ambito(estrategia):
            try:
                hist = model.fit(
                    **argumentos,
                    validation_data=val,
                    epochs=trainEpochs,
                    initial_epoch=inicial,
                    callbacks=todos,
                    verbose=verbose,
                )
            finally:
                recolector.devolver()
    else:  # el respaldo ya tenía todas las épocas (interrumpido al terminar)
        shutil.rmtree(os.path.join(carpeta, NOMBRE_RESPALDO), ignore_errors=True)
        hist = keras.callbacks.History()
        hist.set_model(model)
    if historial is not None:  # History completo, también las épocas anteriores a la reanudación
        filas = historial.filas
        hist.epoch = [int(f["epoca"]) - 1 for f in filas]  # Keras cuenta desde 0
        hist.history = {k: [f[k] for f in filas] for k in filas[0] if k != "epoca"} if filas else {}
    return hist
