"""Los métodos de `keras.Model` que usa una práctica, abaratados y anotados (ver `observacion`).

`compile`, `fit`, `evaluate`, `predict` y `summary`, más los de Keras 2: `fit_generator`,
`evaluate_generator` y `predict_generator` (también con `generator=`), y los argumentos que Keras 3
quitó (`nb_epoch`, `samples_per_epoch`, `workers`, `use_multiprocessing`…).
"""

import math

from .ejecucion import sin_cobertura
from .observacion import _KERAS1, _SIN_EFECTO, LIMITE_PARAMETROS_ENTRENAR, MAX_FILAS


def compilacion(modelo):
    """`{optimizador, tasa, perdida, metricas}` de un modelo compilado."""
    optimizador = getattr(modelo, "optimizer", None)
    tasa = None
    try:
        tasa = float(optimizador.learning_rate.numpy())
    except Exception:  # noqa: BLE001 (sin optimizador o con un programa de tasas)
        pass
    metricas = getattr(getattr(modelo, "_compile_metrics", None), "_user_metrics", None) or []
    return {
        "optimizador": type(optimizador).__name__ if optimizador is not None else None,
        "tasa": tasa,
        "perdida": _nombre(getattr(modelo, "loss", None)),
        "metricas": [m for m in (_nombre(m) for m in _plano(metricas)) if m],
    }


def _plano(metricas):
    if isinstance(metricas, dict):
        metricas = list(metricas.values())
    for metrica in metricas:
        if isinstance(metrica, (list, tuple)):
            yield from metrica
        else:
            yield metrica


def _nombre(objeto):
    if objeto is None or isinstance(objeto, str):
        return objeto
    return getattr(objeto, "__name__", None) or getattr(objeto, "name", None) or type(objeto).__name__


def _rapido(modelo):
    """Un paso en modo eager cuesta menos que trazar el grafo y compilarlo con XLA (que no se reutilizaría)."""
    try:
        modelo.run_eagerly = True
        modelo.jit_compile = False
    except (AttributeError, ValueError):
        pass


def _keras2(observador, kwargs, metodo):
    """Quita o traduce los argumentos de Keras 1/2 que Keras 3 ya no admite."""
    for viejo, nuevo in _KERAS1.items():
        if viejo in kwargs:
            valor = kwargs.pop(viejo)
            if nuevo and nuevo not in kwargs:
                kwargs[nuevo] = valor
            observador.anotar(f"{metodo}({viejo}=…) de Keras 1/2 " + (f"leído como {nuevo}" if nuevo else "sin efecto"))
    for viejo in _SIN_EFECTO:
        if kwargs.pop(viejo, None) is not None:
            observador.anotar(f"{metodo}({viejo}=…) de Keras 2 sin efecto")
    return kwargs


def instalar(observador):
    """Sustituye los métodos de `keras.Model` por los que abaratan y anotan."""
    Model = observador.keras.Model
    originales = {n: getattr(Model, n) for n in ("compile", "fit", "evaluate", "predict", "summary")}
    compartidos = set()  # optimizadores ya usados por un modelo

    def compile(self, *args, **kwargs):
        args, kwargs = _compile_keras2(observador, args, kwargs)
        optimizador = args[0] if args else kwargs.get("optimizer")
        if optimizador is not None and not isinstance(optimizador, str):
            if id(optimizador) in compartidos:
                observador.anotar("un optimizador compartido por varios compile (Keras 2): una copia para cada modelo")
                copia = type(optimizador).from_config(optimizador.get_config())
                if args:
                    args = (copia, *args[1:])
                else:
                    kwargs["optimizer"] = copia
            compartidos.add(id(optimizador))
        with sin_cobertura():
            resultado = originales["compile"](self, *args, **kwargs)
            observador.capturar(self, "compile", compilacion=compilacion(self))
        return resultado

    def fit(self, x=None, y=None, batch_size=None, epochs=1, *args, **kwargs):
        with sin_cobertura():
            return _fit(observador, originales["fit"], self, x, y, batch_size, epochs, args, kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, *args, **kwargs):
        with sin_cobertura():
            return _evaluate(observador, originales["evaluate"], self, x, y, batch_size, kwargs)

    def predict(self, x=None, batch_size=None, *args, **kwargs):
        with sin_cobertura():
            return _predict(observador, originales["predict"], self, x, batch_size, kwargs)

    def summary(self, *args, **kwargs):
        with sin_cobertura():
            observador.capturar(self, "summary")
            return originales["summary"](self, *args, **kwargs)

    def fit_generator(self, generator=None, *args, **kwargs):
        observador.anotar("fit_generator de Keras 2 hecho con fit")
        kwargs = _posicionales_keras2(args, kwargs, _FIT_GENERATOR)
        return fit(self, kwargs.pop("x", generator), None, None, **kwargs)

    def evaluate_generator(self, generator=None, *args, **kwargs):
        observador.anotar("evaluate_generator de Keras 2 hecho con evaluate")
        kwargs = _posicionales_keras2(args, kwargs, _GENERADOR_PASOS)
        return evaluate(self, kwargs.pop("x", generator), None, None, **kwargs)

    def predict_generator(self, generator=None, *args, **kwargs):
        observador.anotar("predict_generator de Keras 2 hecho con predict")
        kwargs = _posicionales_keras2(args, kwargs, _GENERADOR_PASOS)
        return predict(self, kwargs.pop("x", generator), None, **kwargs)

    Model.compile, Model.fit, Model.evaluate, Model.predict, Model.summary = compile, fit, evaluate, predict, summary
    Model.fit_generator, Model.evaluate_generator = fit_generator, evaluate_generator
    Model.predict_generator = predict_generator


# compile(optimizer, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, target_tensors) de
# Keras 2; Keras 3 cambió el orden (loss_weights antes que metrics) y quitó los de None.
_COMPILE = ("optimizer", "loss", "metrics", "loss_weights", None, "weighted_metrics", None)


def _compile_keras2(observador, args, kwargs):
    """Los argumentos de `compile` de Keras 2 con sus nombres (el orden posicional cambió en Keras 3)."""
    kwargs = dict(kwargs)
    if len(args) > 2:
        observador.anotar("compile(optimizador, pérdida, métricas) con el orden de Keras 2")
        for nombre, valor in zip(_COMPILE, args):
            if nombre:
                kwargs.setdefault(nombre, valor)
        args = ()
    for viejo in ("sample_weight_mode", "target_tensors"):
        if kwargs.pop(viejo, None) is not None:
            observador.anotar(f"compile({viejo}=…) de Keras 2 sin efecto")
    return args, kwargs


# Los argumentos posicionales de Keras 2.2 tras el generador (los de 2.3 añaden validation_freq y callbacks
# más adelante: nadie los pasa por posición).
_FIT_GENERATOR = ("steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data", "validation_steps")
_GENERADOR_PASOS = ("steps",)


def _posicionales_keras2(args, kwargs, nombres):
    """`fit_generator(gen, 100, 20)` de Keras 2 con nombres: lo que no sabe nombrar, sin efecto."""
    kwargs = dict(kwargs)
    for nombre, valor in zip(nombres, args):
        kwargs.setdefault(nombre, valor)
    kwargs.pop("val_samples", None)
    return kwargs


def _pasos(valor):
    """Keras 2 aceptaba pasos no enteros (`steps=len(x) / 32`): Keras 3, no. Se redondean hacia arriba."""
    return None if valor is None else max(1, math.ceil(float(valor)))


def _compilado(modelo, metodo):
    """Como Keras: entrenar o evaluar un modelo sin compilar es un error (también en ResNet50, que no se entrena)."""
    if not getattr(modelo, "compiled", True) or getattr(modelo, "optimizer", None) is None:
        raise ValueError(f"You must call `compile()` before using the model ({metodo}).")


def _fit(observador, original, modelo, x, y, batch_size, epochs, args, kwargs):
    _compilado(modelo, "fit")
    kwargs = _keras2(observador, dict(kwargs), "fit")
    epochs = kwargs.pop("epochs", epochs)
    if args:  # fit(x, y, batch, epochs, verbose, callbacks, validation_split, validation_data, …) posicional
        nombres = ("verbose", "callbacks", "validation_split", "validation_data", "shuffle")
        kwargs.update(dict(zip(nombres, args)))
    validacion, division = kwargs.get("validation_data"), float(kwargs.get("validation_split") or 0)
    datos, x, lote = observador.describir_datos(x, y)
    datos["x"] = observador.tras_preprocesado(modelo, x, lote, datos.get("x"))
    datos["validation_split"], datos["validacion"] = division, validacion is not None
    if validacion is not None:
        tupla = isinstance(validacion, (tuple, list))
        descritos, resto, _ = observador.describir_datos(validacion[0] if tupla else validacion)
        datos["x_validacion"] = descritos.get("x")
        validacion = validacion if tupla else resto
    epocas = max(1, int(epochs or 1) - int(kwargs.get("initial_epoch") or 0))
    grande = modelo.count_params() > LIMITE_PARAMETROS_ENTRENAR
    if grande:
        observador.anotar("fit de una red grande (ResNet50): se comprueban sus datos y no se entrena")
        observador.validar_grande(modelo, lote)
        historia = _historia_vacia(modelo, validacion is not None or division)
    else:
        observador.anotar("fit, evaluate y predict recortados a un paso sobre los datos que reciben")
        historia = _un_paso(observador, original, modelo, x, y, batch_size, validacion, division)
    observador.puntos_de_control(modelo, kwargs.get("callbacks"))
    observador.capturar(
        modelo,
        "fit",
        compilacion=compilacion(modelo),
        datos=datos,
        epocas=epochs,
        lote=batch_size,
        estado="validado" if grande else "ok",
    )
    return keras_history(observador, modelo, historia, epocas)


def _historia_vacia(modelo, con_validacion):
    historia = {"loss": [math.nan]}
    for metrica in ["loss"] + compilacion(modelo)["metricas"]:
        historia.setdefault(metrica, [math.nan])
        if con_validacion:
            historia["val_" + metrica] = [math.nan]
    return historia


def _un_paso(observador, original, modelo, x, y, batch_size, validacion, division):
    argumentos = dict(epochs=1, verbose=0, shuffle=False)
    if hasattr(x, "shape"):
        argumentos.update(
            x=x[:MAX_FILAS], y=None if y is None else y[:MAX_FILAS], batch_size=min(int(batch_size or 32), MAX_FILAS)
        )
        if division:
            argumentos["validation_split"] = division
    else:
        argumentos.update(x=x, steps_per_epoch=1)
    if validacion is not None:
        if isinstance(validacion, (tuple, list)):
            validacion = tuple(v[:MAX_FILAS] if hasattr(v, "shape") else v for v in validacion)
        else:
            argumentos["validation_steps"] = 1
        argumentos["validation_data"] = validacion
    observador.dentro += 1
    _rapido(modelo)
    try:
        return original(modelo, **argumentos).history
    finally:
        observador.dentro -= 1


def _evaluate(observador, original, modelo, x, y, batch_size, kwargs):
    _compilado(modelo, "evaluate")
    kwargs = _keras2(observador, dict(kwargs), "evaluate")
    datos, x, lote = observador.describir_datos(x, y, completo=True)
    datos["x"] = observador.tras_preprocesado(modelo, x, lote, datos.get("x"))
    nombres = ["loss"] + compilacion(modelo)["metricas"]
    if modelo.count_params() > LIMITE_PARAMETROS_ENTRENAR:
        valores = [math.nan] * len(nombres)
    else:
        _rapido(modelo)
        observador.dentro += 1
        try:
            if hasattr(x, "shape"):
                valores = original(modelo, x[:MAX_FILAS], None if y is None else y[:MAX_FILAS], verbose=0)
            else:
                valores = original(modelo, x, steps=1, verbose=0)
        finally:
            observador.dentro -= 1
    observador.capturar(modelo, "evaluate", compilacion=compilacion(modelo), datos=datos)
    if kwargs.get("return_dict"):
        return dict(zip(nombres, valores if isinstance(valores, list) else [valores]))
    return valores


def _predict(observador, original, modelo, x, batch_size, kwargs):
    kwargs = _keras2(observador, dict(kwargs), "predict")
    datos, x, lote = observador.describir_datos(x, completo=True)
    filas = (datos.get("x") or {}).get("filas") or (len(lote[0]) if lote[0] is not None else 0)
    datos["x"] = observador.tras_preprocesado(modelo, x, lote, datos.get("x"))
    np = observador.np
    if modelo.count_params() > LIMITE_PARAMETROS_ENTRENAR:
        observador.anotar("predict de una red grande (ResNet50): ceros con la forma de su salida")
        observador.validar_grande(modelo, (lote[0], None))
        resultado = np.zeros((filas,) + tuple(int(d) for d in modelo.outputs[0].shape[1:]), dtype="float32")
    else:
        _rapido(modelo)
        observador.dentro += 1
        try:
            if hasattr(x, "shape") or isinstance(x, (list, tuple)):
                resultado = original(modelo, x, verbose=0)
            else:
                resultado = original(modelo, x, steps=_pasos(kwargs.get("steps")), verbose=0)
        finally:
            observador.dentro -= 1
    observador.capturar(modelo, "predict", datos=datos)
    return resultado


def keras_history(observador, modelo, historia, epocas):
    """Un `History` como el de Keras 2 (con las claves `acc`/`val_acc` además de `accuracy`)."""
    historial = observador.keras.callbacks.History()
    historial.set_model(modelo)
    completo = {}
    for clave, valores in historia.items():
        valor = list(valores)[-1] if len(valores) else math.nan
        completo[clave] = [valor] * epocas
        for alias in (clave.replace("accuracy", "acc"), clave.replace("acc", "accuracy")):
            completo.setdefault(alias.replace("accuracyuracy", "accuracy"), [valor] * epocas)
    historial.history = completo
    historial.epoch = list(range(epocas))
    historial.params = {"epochs": epocas, "verbose": 0, "steps": 1}
    return historial
