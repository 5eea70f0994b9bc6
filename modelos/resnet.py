"""ResNet50 y las BirdNet de la práctica 3 (§4): transferencia de aprendizaje y ajuste fino en pájaros.

Cada BirdNet parte de `getResNet50` y añade una cabeza (capas con el prefijo `PREFIJO_CABEZA`, `cabeza_`,
para que `utilidades.caracteristicas.separar_modelo` sepa dónde cortar). Como en el informe, las capas
nuevas se encadenan a `model.output` (la salida de la ResNet50 que reciben las `getBirdNetV*`) y el modelo
resultante tiene todas las capas de ResNet50 a la vista.

| red | red base | cabeza | informe |
|---|---|---|---|
| BirdNetV0 | congelada, con pooling | Dense 200 softmax | Cuadro 6 |
| BirdNetV1 | congelada, con pooling | Dense 768 ReLU, BN, Dropout 0,25, Dense 512 ReLU, Dropout 0,25, Dense 200 | Cuadro 5 |
| BirdNetV2 | congelada, sin pooling | Conv 64@3×3 same ReLU, BN, Flatten, Dense 256 ReLU, Dense 200 | Cuadro 7 |
| BirdNetV3 | entrenable entera | Dense 200 softmax | §4.2 |
| BirdNetV4 | congelada y luego descongelada desde conv4 | Dense 1024 ReLU, Dropout 0,5, Dense 512 ReLU, Dense 200 | Cuadro 9, §4.3 |

Las imágenes se preparan con `preprocesar_imagenes` (el `preprocess_input` de ResNet50) antes de entrar o,
con `con_preprocesado`, dentro del modelo, que entonces recibe lotes uint8.
"""

import keras
import tensorflow as tf
from keras import layers

from datos.errores import ErrorParametro
from datos.validacion import Integral, Intervalo, Opciones, comprobar, mensaje
from modelos.comun import PREFIJO_CABEZA
from modelos.pesos import construir

NUM_CLASES = 200
POOLINGS = (None, "avg", "max")
LADO_MINIMO = Intervalo(Integral, 32, None)  # el alto y el ancho más pequeños que admite ResNet50


def getResNet50(p_pooling=None, inputShape=(224, 224, 3), weights="imagenet", descargar=True):
    """ResNet50 sin la capa densa final (§4): `ResNet50(weights, include_top=False, input_shape, pooling)`.

    - `p_pooling`: `None` (salida 7×7×2048 a 224), `"avg"` o `"max"` (salida de 2048).
    - `weights`: `"imagenet"` (de la caché de Keras, o descargados si falta y `descargar`), `None`
      (aleatorios: solo para probar) o la ruta de un archivo `.h5` con los pesos sin la parte densa.
      Los resuelve `modelos.pesos`.
    """
    comprobar(p_pooling, "p_pooling", Opciones(*POOLINGS))
    forma = tuple(inputShape) if isinstance(inputShape, (tuple, list)) else ()
    if len(forma) != 3 or forma[2] != 3 or not all(LADO_MINIMO.admite(d) for d in forma[:2]):
        raise ErrorParametro(
            mensaje(
                "inputShape", "una tupla (alto, ancho, 3) con un alto y un ancho de al menos 32 píxeles", inputShape
            )
        )
    forma = tuple(int(d) for d in forma)
    return construir("resnet50", weights, descargar, input_shape=forma, pooling=p_pooling)


def preprocesar_imagenes(x):
    """Imágenes RGB 0–255 (uint8 o float) → entrada de ResNet50 (`resnet50.preprocess_input`: BGR sin la media)."""
    return keras.applications.resnet50.preprocess_input(tf.cast(x, "float32"))


@keras.saving.register_keras_serializable(package="practicas")
class PreprocesadoResNet50(layers.Layer):
    """`preprocesar_imagenes` como capa: imágenes 0–255 → entrada de ResNet50, dentro del modelo (en la GPU)."""

    def call(self, x):
        return keras.applications.resnet50.preprocess_input(keras.ops.cast(x, self.compute_dtype))


def con_preprocesado(modelo, aumento=None):
    """`modelo` (ResNet50 o una BirdNet) recibiendo lotes uint8: el trabajo de cada píxel, dentro del modelo.

    Antes de sus capas: el paso a float, el aumento de datos (`aumento`, p. ej. una `CapaAumento`, que solo
    actúa al entrenar) y `preprocess_input` de ResNet50. Así la tubería solo envía uint8 (cuatro veces menos
    trabajo y datos que float32) y ese trabajo se hace donde corre el modelo. `modelo` va dentro, como en
    los ejemplos de transferencia de keras.io: son sus mismas capas y pesos, así que congelarlas o
    descongelarlas en `modelo` (`descongelar_desde(modelo, …)`) vale para el devuelto.
    """
    entrada = keras.Input(modelo.input_shape[1:], dtype="uint8", name="imagenes_uint8")
    x = layers.Rescaling(1.0, name="a_float")(entrada)
    if aumento is not None:
        x = aumento(x)
    x = PreprocesadoResNet50(name="preprocesado_resnet50")(x)
    return keras.Model(entrada, modelo(x), name=f"{modelo.name}_uint8")


def _congelar(modelo, congelada=True):
    for capa in modelo.layers:
        capa.trainable = not congelada


def _salida(modelo, rango, quien):
    if len(modelo.output.shape) != rango:
        como = "con pooling (getResNet50('avg', ...))" if rango == 2 else "sin pooling (getResNet50(None, ...))"
        raise ErrorParametro(
            f"{quien} necesita una ResNet50 {como}; la salida del modelo dado tiene forma {modelo.output.shape}."
        )
    return modelo.output


def _componer(modelo, x, capas, nombre):
    for capa in capas:
        x = capa(x)
    return keras.Model(modelo.input, x, name=nombre)


def _clasificador(num_clases):
    return layers.Dense(num_clases, activation="softmax", name=PREFIJO_CABEZA + "softmax")


def getBirdNetV1(model, onlyFinal=False, num_clases=NUM_CLASES):
    """BirdNetV1 (§4.1.1, Cuadro 5): ResNet50 congelada como extractor y una cabeza densa.

    Con `onlyFinal=True` la cabeza es solo el clasificador Dense softmax: BirdNetV0 (§4.1.2, Cuadro 6).
    A 224×224 y 200 clases, BirdNetV1 tiene 25.660.744 parámetros (2.071.496 entrenables).
    """
    x = _salida(model, 2, "getBirdNetV1")
    _congelar(model)
    if onlyFinal:
        return _componer(model, x, [_clasificador(num_clases)], "BirdNetV0")
    capas = [
        layers.Dense(768, activation="relu", name=PREFIJO_CABEZA + "densa_768"),
        layers.BatchNormalization(name=PREFIJO_CABEZA + "normalizacion"),
        layers.Dropout(0.25, name=PREFIJO_CABEZA + "dropout_1"),
        layers.Dense(512, activation="relu", name=PREFIJO_CABEZA + "densa_512"),
        layers.Dropout(0.25, name=PREFIJO_CABEZA + "dropout_2"),
        _clasificador(num_clases),
    ]
    return _componer(model, x, capas, "BirdNetV1")


def getBirdNetV0(model, num_clases=NUM_CLASES):
    """BirdNetV0 (§4.1.2, Cuadro 6): ResNet50 congelada y solo el clasificador. Es `getBirdNetV1(model, True)`."""
    return getBirdNetV1(model, onlyFinal=True, num_clases=num_clases)


def getBirdNetV2(model, num_clases=NUM_CLASES):
    """BirdNetV2 (§4.1.3, Cuadro 7): ResNet50 congelada sin pooling, Conv 64@3×3 y dos densas.

    El Cuadro 7 no dice la activación de la Dense 256; se usa ReLU (dos densas lineales seguidas
    equivaldrían a una sola).
    """
    x = _salida(model, 4, "getBirdNetV2")
    _congelar(model)
    capas = [
        layers.Conv2D(64, 3, padding="same", activation="relu", name=PREFIJO_CABEZA + "conv"),
        layers.BatchNormalization(name=PREFIJO_CABEZA + "normalizacion"),
        layers.Flatten(name=PREFIJO_CABEZA + "aplanado"),
        layers.Dense(256, activation="relu", name=PREFIJO_CABEZA + "densa_256"),
        _clasificador(num_clases),
    ]
    return _componer(model, x, capas, "BirdNetV2")


def getBirdNetV3(model, num_clases=NUM_CLASES):
    """BirdNetV3 (§4.2): ajuste fino de la ResNet50 entera (todo entrenable) con solo el clasificador."""
    x = _salida(model, 2, "getBirdNetV3")
    _congelar(model, congelada=False)
    return _componer(model, x, [_clasificador(num_clases)], "BirdNetV3")


def getBirdNetV4(model, num_clases=NUM_CLASES):
    """BirdNetV4 (§4.3, Cuadro 9): ResNet50 congelada y Dense 1024 ReLU, Dropout 0,5, Dense 512 ReLU, Dense 200.

    Es la fase de calentamiento; después `descongelar_desde(modelo, "conv4_")` abre el ajuste fino. (El
    Cuadro 9 da 3136 de entrada a la tercera capa por una errata: es 1024.)
    """
    x = _salida(model, 2, "getBirdNetV4")
    _congelar(model)
    capas = [
        layers.Dense(1024, activation="relu", name=PREFIJO_CABEZA + "densa_1024"),
        layers.Dropout(0.5, name=PREFIJO_CABEZA + "dropout"),
        layers.Dense(512, activation="relu", name=PREFIJO_CABEZA + "densa_512"),
        _clasificador(num_clases),
    ]
    return _componer(model, x, capas, "BirdNetV4")


def descongelar_desde(modelo, prefijo="conv4_", hasta=None):
    """Segunda fase de BirdNetV4 (§4.3): hace entrenables las capas desde la primera que empieza por `prefijo`.

    Con `"conv4_"` se descongela desde el primer bloque de 14×14 (con entrada de 224) hasta el final:
    conv4 y conv5 (7×7). Con `hasta="conv5_"` solo los bloques de 14×14, como dice literalmente el informe
    («aquellas donde el bloque convolucional es de tamaño 14×14»): conv5 sigue congelado. La cabeza
    (capas `cabeza_`) es siempre entrenable. A 224 y 200 clases quedan 24.767.176 parámetros entrenables
    (conv4 y conv5) o 9.813.704 (solo conv4).

    Las BatchNormalization de ResNet50 siguen congeladas, así que trabajan en modo inferencia con sus
    medias de ImageNet (en Keras 3 una BatchNormalization con `trainable=False` no actualiza ni usa las del
    lote). Hay que volver a compilar después (`compileModel(modelo, learning_rate=1e-4)`). Devuelve los
    nombres de las capas de la base con pesos que quedan descongeladas (sin la cabeza), como
    `modelos.perros_gatos.descongelar_ultimo_bloque`.
    """
    nombres = [capa.name for capa in modelo.layers]
    inicio = next((i for i, nombre in enumerate(nombres) if nombre.startswith(prefijo)), None)
    if inicio is None:
        raise ErrorParametro(
            f"'prefijo': el modelo '{modelo.name}' no tiene ninguna capa cuyo nombre empiece por '{prefijo}'."
        )
    fin = len(nombres)
    if hasta is not None:
        fin = next((i for i, nombre in enumerate(nombres) if i > inicio and nombre.startswith(hasta)), None)
        if fin is None:
            raise ErrorParametro(
                f"'hasta': el modelo '{modelo.name}' no tiene capas '{hasta}' después de las '{prefijo}'."
            )
    descongeladas = []
    for i, capa in enumerate(modelo.layers):
        if capa.name.startswith(PREFIJO_CABEZA):
            capa.trainable = True
        elif i >= inicio:
            capa.trainable = i < fin and not isinstance(capa, layers.BatchNormalization)
            if capa.trainable and capa.weights:
                descongeladas.append(capa.name)
    return descongeladas
