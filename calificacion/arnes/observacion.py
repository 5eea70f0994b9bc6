"""Entrenar, evaluar y predecir abaratados y anotados: lo que de verdad se ejecutó, en orden.

- `fit` (y `fit_generator` de Keras 2, con `generator=`, `samples_per_epoch`, `nb_epoch`, `workers`…)
  da un paso sobre los datos que recibe y se anota cuando termina, con su resultado: `ok`, o `validado`
  en las redes de más de `LIMITE_PARAMETROS_ENTRENAR` parámetros (ResNet50), que no se entrenan pero
  cuyos datos se comprueban contra la entrada y la salida como lo haría Keras (un error de forma en
  la cabeza es un error, no un entrenamiento). Si lanza, no hay evento de entrenamiento.
- `evaluate` y `predict` (y sus `*_generator`) se anotan con las estadísticas de **todos** los datos
  que reciben: un iterador (`datagen.flow(x_test, batch_size=1)`) se recorre entero.
- Los modelos se anotan con su configuración de ese momento (así se ve si la ResNet50 estaba congelada
  al entrenar) y la pila del estudiante que hizo la llamada (archivo, línea y función).
- Las variables enormes (más de `LIMITE_PESOS_DIFERIDOS` valores, p. ej. una Dense sobre 7×7×4096) se
  crean sin reservar su memoria (inicialización diferida de Keras): la red se describe igual.
"""

import itertools
import json
import math
import traceback

LIMITE_PARAMETROS_ENTRENAR = 3_000_000  # por encima, fit/evaluate/predict no calculan (ResNet50)
LIMITE_PESOS_DIFERIDOS = 10_000_000  # valores de una variable a partir de los cuales no se reserva
MAX_FILAS = 64  # filas que llegan de verdad a fit/evaluate
MAX_VALORES = 8_000_000  # valores que se leen para las estadísticas de unos datos
# Ajustes del ImageDataGenerator que se anotan (la suite los lee de aquí: `calificacion/suites/p3.py`).
AJUSTES_NORMALIZACION = (
    "featurewise_center",
    "featurewise_std_normalization",
    "samplewise_center",
    "samplewise_std_normalization",
    "zca_whitening",
)
AJUSTES_AUMENTO = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "horizontal_flip",
    "vertical_flip",
    "brightness_range",
    "channel_shift_range",
)
_AJUSTES_GENERADOR = AJUSTES_NORMALIZACION + AJUSTES_AUMENTO
# Capas que no cambian los datos al evaluar (el aumento solo actúa al entrenar): no cortan el preprocesado.
_PASAN_SIN_CAMBIO = ("InputLayer", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast")
_KERAS1 = {"nb_epoch": "epochs", "samples_per_epoch": None, "nb_val_samples": None, "nb_worker": None}
_SIN_EFECTO = ("workers", "use_multiprocessing", "max_queue_size", "pickle_safe", "max_q_size", "class_weight")


class Observador:
    """Envuelve `keras.Model` y anota en el canal lo que la entrega hace con sus modelos."""

    def __init__(self, canal, ejecutor, anotar, keras, np, guardados):
        self.canal = canal
        self.ejecutor = ejecutor
        self.anotar = anotar
        self.keras = keras
        self.np = np
        self.guardados = guardados
        self.modelos = {}  # id -> (índice, modelo); se conservan para que los id no se reutilicen
        self.dentro = 0  # > 0 mientras Keras se llama a sí mismo (el evaluate de la validación de fit)

    # --- anotar --------------------------------------------------------------------------------

    def pila(self):
        return [
            [m.filename, m.lineno, m.name] for m in traceback.extract_stack() if m.filename in self.ejecutor.archivos
        ]

    def capturar(self, modelo, origen, **datos):
        """Anota `modelo` (su configuración de ahora) con lo que acompaña al evento."""
        if self.dentro:
            return
        try:
            texto = self._sin_lambdas(modelo, modelo.to_json())
        except Exception as error:  # noqa: BLE001
            self.canal.enviar(tipo="aviso", texto=f"no se pudo describir un modelo ({origen}): {error}"[:300])
            return
        if id(modelo) not in self.modelos:
            self.modelos[id(modelo)] = (len(self.modelos), modelo)
        self.canal.enviar(
            tipo="modelo",
            origen=origen,
            modelo=self.modelos[id(modelo)][0],
            config=self.canal.guardar_config(texto),
            lugar=self.ejecutor.lugar,
            pila=self.pila(),
            **datos,
        )

    def _sin_lambdas(self, modelo, texto):
        """La configuración con cada `Lambda` que no cambia la forma (`Lambda(preprocess_input)`) como una capa
        `Identity`: una función de Python no se puede reconstruir con `safe_mode`, y para juzgar la red
        basta saber que está ahí."""
        nombres = set()
        for capa in _capas(modelo):
            if type(capa).__name__ == "Lambda":
                try:
                    if tuple(capa.input.shape) == tuple(capa.output.shape):
                        nombres.add(capa.name)
                except (AttributeError, ValueError):
                    continue
        if not nombres:
            return texto
        self.anotar("Lambda(preprocess_input) y otras Lambda que no cambian la forma: descritas como Identity")
        return json.dumps(_cambiar_lambdas(json.loads(texto), nombres))

    # --- estadísticas de los datos -------------------------------------------------------------

    def estadisticas(self, x, filas_totales=None):
        """`{forma, filas, media, desviacion}` de un array (hasta `MAX_VALORES`), o `None`."""
        np = self.np
        if isinstance(x, dict):
            x = next(iter(x.values()), None)
        if isinstance(x, (list, tuple)) and x and not np.isscalar(x[0]) and not hasattr(x, "shape"):
            x = x[0] if hasattr(x[0], "shape") else x
        try:
            a = np.asarray(x)
            if a.dtype.kind not in "biuf":
                return None
        except Exception:  # noqa: BLE001
            return None
        if a.ndim == 0 or a.size == 0:
            return {"forma": list(a.shape), "filas": int(a.shape[0]) if a.ndim else 0}
        por_fila = max(1, a.size // a.shape[0])
        muestra = a[: max(1, MAX_VALORES // por_fila)].astype("float64")
        return {
            "forma": list(a.shape),
            "filas": int(filas_totales or a.shape[0]),
            "media": float(muestra.mean()),
            "desviacion": float(muestra.std()),
        }

    def tras_preprocesado(self, modelo, x, lote, estadisticas):
        """Las estadísticas de `x` (un array; de un iterador, su primer `lote`) tal como llegan a la primera capa
        que aprende: tras las capas de preprocesado del principio del modelo (`Normalization` adaptada,
        `Rescaling`). Así se ve que el test en crudo que recibe `evaluate` se normaliza, dentro del modelo, con
        las estadísticas de entrenamiento."""
        x = x if hasattr(x, "shape") else lote[0]
        capas = []
        for capa in _capas(modelo):
            tipo = type(capa).__name__
            if tipo in ("Normalization", "Rescaling"):
                capas.append(capa)
            elif tipo not in _PASAN_SIN_CAMBIO and not getattr(capa, "layers", None):
                break
        if not capas or x is None or not hasattr(x, "shape") or not estadisticas or len(x) == 0:
            return estadisticas
        por_fila = max(1, int(self.np.prod(x.shape[1:])))
        muestra = self.np.asarray(x[: max(1, MAX_VALORES // por_fila)], dtype="float32")
        try:
            for capa in capas:
                muestra = self.np.asarray(capa(muestra))
        except Exception:  # noqa: BLE001 (una capa sin adaptar o de otra forma: las estadísticas de los datos)
            return estadisticas
        return {**self.estadisticas(muestra), "forma": estadisticas.get("forma"), "filas": estadisticas.get("filas")}

    def estadisticas_iterador(self, datos):
        """Las de todos los lotes de un iterador de Keras (`flow`, `flow_from_directory`, `PyDataset`)."""
        suma = cuadrados = valores = filas = 0
        forma = None
        try:
            lotes = len(datos)
        except Exception:  # noqa: BLE001
            return None
        for indice in range(lotes):
            x = self._x_del_lote(datos[indice])
            forma = forma or list(x.shape)
            suma += float(x.sum())
            cuadrados += float((x * x).sum())
            valores += x.size
            filas += x.shape[0] if x.ndim else 0
            if valores > MAX_VALORES:  # las estadísticas, de lo leído; las filas, de todo el iterador
                if indice < lotes - 1:
                    filas += (lotes - indice - 2) * forma[0] + self._x_del_lote(datos[lotes - 1]).shape[0]
                break
        return _resumen(suma, cuadrados, valores, int(getattr(datos, "n", None) or filas), forma)

    def estadisticas_dataset(self, datos):
        """Las de todos los lotes de un `tf.data.Dataset` (las filas, de todos; los valores, hasta `MAX_VALORES`)."""
        suma = cuadrados = valores = filas = 0
        forma = None
        for lote in datos:
            x = self._x_del_lote(lote)  # (x, y) o solo x; np.asarray lee los tensores
            forma = forma or list(x.shape)
            filas += x.shape[0] if x.ndim else 0
            if valores <= MAX_VALORES:
                suma, cuadrados, valores = suma + float(x.sum()), cuadrados + float((x * x).sum()), valores + x.size
        return _resumen(suma, cuadrados, valores, filas, forma)

    def _x_del_lote(self, lote):
        return self.np.asarray(lote[0] if isinstance(lote, (tuple, list)) else lote, dtype="float64")

    def generador(self, datos):
        """Ajustes del ImageDataGenerator que alimenta un iterador de Keras 2 (normalización y aumento)."""
        gen = getattr(datos, "image_data_generator", None)
        if gen is None:
            return None
        ajustes = {}
        for clave in _AJUSTES_GENERADOR:
            valor = getattr(gen, clave, None)
            if clave == "zoom_range" and valor is not None:
                valor = [float(v) for v in valor] != [1.0, 1.0]
            ajustes[clave] = bool(valor) if not isinstance(valor, (int, float)) else float(valor)
        ajustes["ajustado"] = getattr(gen, "mean", None) is not None or getattr(gen, "std", None) is not None
        return ajustes

    def describir_datos(self, x, y=None, completo=False):
        """`(estadísticas, x listo para Keras, primer lote (x, y))` de lo que se pasó a fit/evaluate/predict.

        Con `completo`, un iterador se recorre entero; un generador de Python se lee una vez (su primer
        lote) y se devuelve otro generador que empieza por ese lote.
        """
        if hasattr(x, "shape") or isinstance(x, (list, tuple)) and x and hasattr(x[0], "shape"):
            return {"x": self.estadisticas(x), "y": self.estadisticas(y)}, x, (x, y)
        datos = {}
        if hasattr(x, "__getitem__") and hasattr(x, "__len__"):
            generador = self.generador(x)
            if generador:
                datos["generador"] = generador
            try:
                lote = x[0]
            except Exception:  # noqa: BLE001
                lote = (None, None)
            if not isinstance(lote, (tuple, list)):  # un iterador sin etiquetas: `flow(x)`, `class_mode=None`
                lote = (lote,)
            datos["x"] = self.estadisticas_iterador(x) if completo else self.estadisticas(lote[0])
            datos["y"] = self.estadisticas(lote[1] if len(lote) > 1 else None)
            return datos, x, (lote[0], lote[1] if len(lote) > 1 else None)
        tf = self._tf()
        if tf is not None and isinstance(x, tf.data.Dataset):
            for lote in x.take(1):
                lote = tuple(lote) if isinstance(lote, (tuple, list)) else (lote,)
                x_lote, y_lote = lote[0].numpy(), (lote[1].numpy() if len(lote) > 1 else None)
                estadisticas = self.estadisticas_dataset(x) if completo else self.estadisticas(x_lote)
                return {"x": estadisticas, "y": self.estadisticas(y_lote)}, x, (x_lote, y_lote)
            return {}, x, (None, None)
        if hasattr(x, "__next__"):  # un generador de Python de la entrega
            lote = next(x)
            x_lote, y_lote = (lote[0], lote[1] if len(lote) > 1 else None) if isinstance(lote, tuple) else (lote, None)
            resto = (elemento for elemento in itertools.chain([lote], x))
            return {"x": self.estadisticas(x_lote), "y": self.estadisticas(y_lote)}, resto, (x_lote, y_lote)
        return {}, x, (None, None)

    def _tf(self):
        import sys

        return sys.modules.get("tensorflow")

    # --- comprobar sin entrenar ------------------------------------------------------------------

    def validar_grande(self, modelo, lote):
        """Lo que comprobaría Keras al entrenar `modelo` con `lote`, sin ejecutar la red (ResNet50)."""
        np = self.np
        x, y = lote
        if x is None:
            return
        entradas = [tuple(t.shape[1:]) for t in modelo.inputs] if getattr(modelo, "inputs", None) else []
        if entradas and hasattr(x, "shape") and len(entradas) == 1:
            esperada, recibida = entradas[0], tuple(np.shape(x)[1:])
            if len(esperada) != len(recibida) or any(e is not None and e != r for e, r in zip(esperada, recibida)):
                raise ValueError(
                    f"Input shape incompatible: the model expects {(None,) + esperada} and received "
                    f"{(None,) + recibida} (comprobado sin entrenar: red grande)"
                )
        perdida = getattr(modelo, "loss", None)
        if y is None or perdida is None or isinstance(perdida, (dict, list, tuple)):
            return
        salida = tuple(int(d) for d in modelo.outputs[0].shape[1:])
        prediccion = np.full((len(y),) + salida, 1.0 / max(1, salida[-1] if salida else 1), dtype="float32")
        self.keras.losses.get(perdida)(np.asarray(y), prediccion)

    # --- guardar lo que guardaría un ModelCheckpoint ---------------------------------------------

    def puntos_de_control(self, modelo, callbacks):
        for callback in callbacks or []:
            if isinstance(callback, self.keras.callbacks.ModelCheckpoint):
                ruta = str(callback.filepath)
                try:
                    ruta = ruta.format(epoch=1, loss=0.0, val_loss=0.0, accuracy=0.0, val_accuracy=0.0, acc=0.0)
                except (KeyError, IndexError, ValueError):
                    pass
                from os.path import basename

                if callback.save_weights_only:
                    self.guardados.pesos[basename(ruta)] = modelo.get_weights()
                else:
                    self.guardados.modelos[basename(ruta)] = modelo


def diferir_variables_enormes(keras):
    """Las variables de más de `LIMITE_PESOS_DIFERIDOS` valores se crean sin memoria (init diferida)."""
    from keras.src.backend.common import variables
    from keras.src.backend.common.stateless_scope import StatelessScope, in_stateless_scope

    Variable = variables.Variable
    original = Variable.__init__

    def __init__(self, initializer, shape=None, *args, **kwargs):
        valores = math.prod(int(d) for d in shape) if shape is not None and None not in tuple(shape) else 0
        if valores > LIMITE_PESOS_DIFERIDOS and callable(initializer) and not in_stateless_scope():
            with StatelessScope(initialize_variables=False):
                return original(self, initializer, shape, *args, **kwargs)
        return original(self, initializer, shape, *args, **kwargs)

    Variable.__init__ = __init__


def _resumen(suma, cuadrados, valores, filas, forma):
    """`{forma, filas, media, desviacion}` de unos datos leídos por lotes (None si no se leyó nada)."""
    if not valores:
        return None
    media = suma / valores
    return {
        "forma": [filas] + forma[1:],
        "filas": filas,
        "media": media,
        "desviacion": math.sqrt(max(0.0, cuadrados / valores - media * media)),
    }


def _capas(modelo):
    """Las capas de un modelo, también las de sus submodelos."""
    for capa in getattr(modelo, "layers", None) or []:
        yield capa
        if getattr(capa, "layers", None):
            yield from _capas(capa)


def _cambiar_lambdas(config, nombres):
    if isinstance(config, list):
        return [_cambiar_lambdas(c, nombres) for c in config]
    if not isinstance(config, dict):
        return config
    interna = config.get("config")
    if config.get("class_name") == "Lambda" and isinstance(interna, dict) and interna.get("name") in nombres:
        ligera = {clave: interna[clave] for clave in ("name", "trainable", "dtype") if clave in interna}
        nodos = [  # Identity.call no recibe los `mask`/`training` de Lambda.call
            {**nodo, "kwargs": {}} if isinstance(nodo, dict) else nodo for nodo in config.get("inbound_nodes") or []
        ]
        return {**config, "module": "keras.layers", "class_name": "Identity", "config": ligera, "inbound_nodes": nodos}
    return {clave: _cambiar_lambdas(valor, nombres) for clave, valor in config.items()}
