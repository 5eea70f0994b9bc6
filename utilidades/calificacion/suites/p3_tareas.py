"""Tareas de la suite de la práctica 3: lo que se ejecuta en el proceso de la entrega (ver `ejecutor.py`).

Cada tarea recibe al `alumno`, llama a una de sus funciones con entradas pequeñas y devuelve en JSON lo
que construye. Solo describen: lo esperado y la nota se deciden en `p3.py`, en el proceso que califica.
Las importaciones pesadas (Keras) van dentro de las tareas: una entrega que ni siquiera define sus
funciones se califica sin cargar TensorFlow.
"""
import inspect

import numpy as np

FORMA_RESNET = (32, 32, 3)  # entrada pequeña: los parámetros de ResNet50 sin la cima no dependen de ella
LOTE = 32


def datos_sinteticos():
    """Imágenes 16×16×3 deterministas; entrenamiento en [0, 0,6] y test en [0,5, 0,9], con medias muy distintas.

    Así se distingue normalizar el test con la media de entrenamiento (0,3) o con la suya (0,7).
    """
    rng = np.random.default_rng(3)
    x_train = rng.uniform(0.0, 0.6, size=(200, 16, 16, 3)).astype("float32")
    y_train = np.eye(10, dtype="float32")[np.arange(200) % 10]
    x_test = rng.uniform(0.5, 0.9, size=(50, 16, 16, 3)).astype("float32")
    return x_train, y_train, x_test


def datos_compilacion():
    """Datos y pesos fijos de un clasificador lineal de 3 clases, para comprobar `compileModel`."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=24)]
    pesos = rng.normal(size=(4, 3)).astype("float32")
    sesgos = rng.normal(size=(3,)).astype("float32")
    return x, y, pesos, sesgos


def _describir(modelo):
    from utilidades.calificacion.arquitectura import describir_modelo

    return describir_modelo(modelo)


def _capas_hoja(modelo):
    capas = []
    for capa in modelo.layers:
        if type(capa).__name__ == "InputLayer":
            continue
        capas.extend(_capas_hoja(capa) if getattr(capa, "layers", None) else [capa])
    return capas


def basenet(alumno):
    return _describir(alumno.funcion("getBaseNet")())


def basenetpp(alumno):
    """`getBaseNetPlusPlus()`; si sus parámetros (fix2, fix3, fix4) no tienen valor por defecto, todos a True."""
    funcion = alumno.funcion("getBaseNetPlusPlus")
    obligatorios = [
        p for p in inspect.signature(funcion).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return _describir(funcion(*[True] * len(obligatorios)))


def _birdnet(alumno, nombre, pooling, *argumentos):
    funcion = alumno.funcion(nombre)
    import keras

    base = keras.applications.ResNet50(weights=None, include_top=False, input_shape=FORMA_RESNET, pooling=pooling)
    capas_base = _capas_hoja(base)
    modelo = funcion(base, *argumentos)
    capas = _capas_hoja(modelo)
    return {
        "modelo": _describir(modelo),
        "capas_base": len(capas_base),
        "usa_base": [id(c) for c in capas[: len(capas_base)]] == [id(c) for c in capas_base],
    }


def birdnet_v0(alumno):
    return _birdnet(alumno, "getBirdNetV1", "avg", True)


def birdnet_v1(alumno):
    return _birdnet(alumno, "getBirdNetV1", "avg", False)


def birdnet_v2(alumno):
    return _birdnet(alumno, "getBirdNetV2", None)


def birdnet_v3(alumno):
    return _birdnet(alumno, "getBirdNetV3", "avg")


def _contar(iterador):
    """Imágenes que da un iterador (tf.data, PyDataset/Sequence o el Iterator antiguo de Keras); None si no se sabe."""
    if isinstance(getattr(iterador, "n", None), int):
        return iterador.n
    import tensorflow as tf

    if isinstance(iterador, tf.data.Dataset):
        if int(iterador.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
            return None
        return int(sum(int(np.shape(lote[0] if isinstance(lote, tuple) else lote)[0]) for lote in iterador))
    if hasattr(iterador, "__len__") and hasattr(iterador, "__getitem__"):
        return int(sum(np.shape(iterador[i][0])[0] for i in range(len(iterador))))
    return None


def datos(alumno):
    """`getDataIterators(x_train, y_train, x_test, 32)`: con qué media y desviación se normalizó el test."""
    funcion = alumno.funcion("getDataIterators")
    x_train, y_train, x_test = datos_sinteticos()
    copias = (x_train.copy(), y_train.copy(), x_test.copy())
    it_train, it_val, test_normalizado = funcion(x_train, y_train, x_test, LOTE)
    test_normalizado = np.asarray(test_normalizado, dtype="float64")
    resultado = {
        "forma_test": list(test_normalizado.shape),
        "n_entrenamiento": _contar(it_train),
        "n_validacion": _contar(it_val),
        "tipo_iterador": type(it_train).__name__,
        "sin_modificar": all(np.array_equal(a, b) for a, b in zip(copias, (x_train, y_train, x_test))),
        "media": None,
        "desviacion": None,
    }
    if test_normalizado.shape == x_test.shape:
        # test_normalizado = (x - media) / desviación en cada canal: se recuperan con una recta.
        medias, desviaciones = [], []
        for canal in range(x_test.shape[-1]):
            pendiente, ordenada = np.polyfit(x_test[..., canal].ravel(), test_normalizado[..., canal].ravel(), 1)
            medias.append(float(-ordenada / pendiente) if abs(pendiente) > 1e-12 else None)
            desviaciones.append(float(1 / pendiente) if abs(pendiente) > 1e-12 else None)
        resultado["media"], resultado["desviacion"] = medias, desviaciones
    return resultado


def compilacion(alumno):
    """`compileModel(modelo)` sobre un clasificador de pesos fijos: optimizador y lo que da `evaluate`."""
    funcion = alumno.funcion("compileModel")
    import keras

    x, y, pesos, sesgos = datos_compilacion()
    modelo = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    modelo.set_weights([pesos, sesgos])
    funcion(modelo)
    evaluacion = modelo.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    return {
        "optimizador": type(modelo.optimizer).__name__ if modelo.optimizer is not None else None,
        "evaluacion": {clave: float(valor) for clave, valor in evaluacion.items()},
    }


TAREAS = {
    "basenet": basenet,
    "basenetpp": basenetpp,
    "birdnet_v0": birdnet_v0,
    "birdnet_v1": birdnet_v1,
    "birdnet_v2": birdnet_v2,
    "birdnet_v3": birdnet_v3,
    "datos": datos,
    "compilacion": compilacion,
}
