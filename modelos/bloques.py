"""Bloques de las arquitecturas modernas de la clase: Inception, bloques residuales y clasificadores auxiliares.

Clase «CNNs» (INCEPTION, RESNET, CONVOLUCIONES 1X1, DESVANECIMIENTO / EXPLOSIÓN DEL GRADIENTE) y
«Aprendizaje de Máquinas: redes profundas» (GoogLeNet, ResNet). Como en `keras.applications`, cada bloque
es una función que recibe un tensor de la API funcional y devuelve otro; las redes pequeñas de la práctica
`arquitecturas` los usan con los dígitos incluidos (32×32×3).

- `modulo_inception`: ramas 1×1, 1×1→3×3, 1×1→5×5 y pooling 3×3→1×1 concatenadas (Szegedy et al., 2014),
  o la versión ingenua sin cuellos de botella 1×1. `INCEPTION_3A` es el módulo (3a) de GoogLeNet.
- `bloque_residual` (básico, ResNet-18/34) y `bloque_residual_cuello` (1×1→3×3→1×1, ResNet-50), con atajo
  identidad o proyección 1×1 (He et al., 2016).
- Fórmulas a mano: `coste_inception` (multiplicaciones, como el ejemplo 28×28×192 de la clase),
  `parametros_inception`, `parametros_bloque_residual` y `parametros_bloque_cuello`; `multiplicaciones_keras`
  cuenta las multiplicaciones de las `Conv2D` de un modelo construido, para comprobarlas.
- Redes: `red_inception`, `red_residual`, `red_con_auxiliar` (GoogLeNet: una salida softmax auxiliar
  desde una capa intermedia, solo para entrenar; `sin_auxiliar` la quita), `red_pequena` (miembro de los
  conjuntos) y `red_profunda` (red densa profunda plana, residual o con batch norm, para los gradientes).

Solo construyen: compilar y entrenar está en `utilidades`.
"""

import keras
from keras import layers

from datos.errores import ErrorParametro
from datos.validacion import Integral, Intervalo, Opciones, comprobar
from modelos.calculadoras import multiplicaciones_conv
from modelos.comun import validar_entrada

# Módulo Inception (3a) de GoogLeNet (Szegedy et al., 2014, Tabla 1): entrada 28×28×192, salida 28×28×256.
ENTRADA_3A = (28, 28, 192)
INCEPTION_3A = {
    "filtros_1x1": 64,
    "reduccion_3x3": 96,
    "filtros_3x3": 128,
    "reduccion_5x5": 16,
    "filtros_5x5": 32,
    "proyeccion_pool": 32,
}
PESO_AUXILIAR = 0.3  # GoogLeNet: la pérdida de cada clasificador auxiliar se suma con peso 0,3
EXPANSION = 4  # bloque con cuello de botella de ResNet-50: la última 1×1 multiplica los canales por 4
VARIANTES_PROFUNDA = ("plana", "residual", "batchnorm")


def _ramas_inception(
    canales, filtros_1x1, reduccion_3x3, filtros_3x3, reduccion_5x5, filtros_5x5, proyeccion_pool, cuello=True
):
    """Convoluciones del módulo como `(capa, kernel, canales de entrada, filtros)`, en el orden de la figura."""
    if cuello:
        return [
            ("1x1", 1, canales, filtros_1x1),
            ("3x3_reduccion", 1, canales, reduccion_3x3),
            ("3x3", 3, reduccion_3x3, filtros_3x3),
            ("5x5_reduccion", 1, canales, reduccion_5x5),
            ("5x5", 5, reduccion_5x5, filtros_5x5),
            ("pool_proyeccion", 1, canales, proyeccion_pool),
        ]
    return [("1x1", 1, canales, filtros_1x1), ("3x3", 3, canales, filtros_3x3), ("5x5", 5, canales, filtros_5x5)]


def canales_inception(
    canales, filtros_1x1, reduccion_3x3, filtros_3x3, reduccion_5x5, filtros_5x5, proyeccion_pool, cuello=True
):
    """Canales de la salida concatenada; en la versión ingenua el pooling deja pasar los `canales` de entrada."""
    return filtros_1x1 + filtros_3x3 + filtros_5x5 + (proyeccion_pool if cuello else canales)


def modulo_inception(
    x,
    filtros_1x1,
    reduccion_3x3,
    filtros_3x3,
    reduccion_5x5,
    filtros_5x5,
    proyeccion_pool,
    cuello=True,
    normalizar=False,
    nombre="inception",
):
    """Módulo Inception (clase «CNNs», INCEPTION; Szegedy et al., 2014, figura 2).

    Cuatro ramas en paralelo que conservan alto y ancho (SAME, paso 1) y se concatenan en los canales:
    conv 1×1; conv 1×1 (`reduccion_3x3`) → conv 3×3; conv 1×1 (`reduccion_5x5`) → conv 5×5; max pooling
    3×3 → conv 1×1 (`proyeccion_pool`). Con `cuello=False`, la versión ingenua (figura 2a): 1×1, 3×3 y 5×5
    directamente sobre la entrada y el pooling sin proyección (`reduccion_*` y `proyeccion_pool` no se
    usan). ReLU tras cada convolución; con `normalizar=True`, conv sin sesgo → BN → ReLU (BN-Inception,
    Inception v2), que entrena mucho más deprisa.
    """

    def conv(entrada, filtros, kernel, sufijo):
        if not normalizar:
            return layers.Conv2D(filtros, kernel, padding="same", activation="relu", name=f"{nombre}_{sufijo}")(entrada)
        y = layers.Conv2D(filtros, kernel, padding="same", use_bias=False, name=f"{nombre}_{sufijo}")(entrada)
        return layers.Activation("relu", name=f"{nombre}_{sufijo}_relu")(_bn(f"{nombre}_{sufijo}_bn")(y))

    rama_1 = conv(x, filtros_1x1, 1, "1x1")
    pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{nombre}_pool")(x)
    if cuello:
        rama_3 = conv(conv(x, reduccion_3x3, 1, "3x3_reduccion"), filtros_3x3, 3, "3x3")
        rama_5 = conv(conv(x, reduccion_5x5, 1, "5x5_reduccion"), filtros_5x5, 5, "5x5")
        pool = conv(pool, proyeccion_pool, 1, "pool_proyeccion")
    else:
        rama_3 = conv(x, filtros_3x3, 3, "3x3")
        rama_5 = conv(x, filtros_5x5, 5, "5x5")
    return layers.Concatenate(name=f"{nombre}_concatenado")([rama_1, rama_3, rama_5, pool])


def coste_inception(
    alto,
    ancho,
    canales,
    filtros_1x1,
    reduccion_3x3,
    filtros_3x3,
    reduccion_5x5,
    filtros_5x5,
    proyeccion_pool,
    cuello=True,
):
    """Multiplicaciones de un módulo Inception sobre alto×ancho×canales (clase «CNNs», CONVOLUCIONES 1X1).

    Cada convolución SAME cuesta alto·ancho·filtros·k²·canales (`modelos.calculadoras.multiplicaciones_conv`);
    el pooling no multiplica. Con `INCEPTION_3A` sobre 28×28×192: 303.464.448 sin cuellos de botella (salida
    de 416 canales) y 128.049.152 con ellos (256 canales; los «128M» de la Tabla 1 de GoogLeNet). La rama
    5×5 sola es el ejemplo de la clase: 120.422.400 frente a 2.408.448 + 10.035.200 = 12.443.648.
    Devuelve `{"capas": [{"capa", "kernel", "canales", "filtros", "multiplicaciones"}...], "total",
    "salida"}`.
    """
    filtros = (filtros_1x1, reduccion_3x3, filtros_3x3, reduccion_5x5, filtros_5x5, proyeccion_pool)
    capas = [
        {
            "capa": capa,
            "kernel": k,
            "canales": c,
            "filtros": f,
            "multiplicaciones": multiplicaciones_conv(alto, ancho, c, f, k),
        }
        for capa, k, c, f in _ramas_inception(canales, *filtros, cuello=cuello)
    ]
    return {
        "capas": capas,
        "total": sum(c["multiplicaciones"] for c in capas),
        "salida": (int(alto), int(ancho), canales_inception(canales, *filtros, cuello=cuello)),
    }


def parametros_inception(
    canales,
    filtros_1x1,
    reduccion_3x3,
    filtros_3x3,
    reduccion_5x5,
    filtros_5x5,
    proyeccion_pool,
    cuello=True,
    normalizar=False,
):
    """Parámetros de `modulo_inception`: Σ (k²·canales + 1)·filtros sobre sus convoluciones (con sesgo).

    Con `INCEPTION_3A` y 192 canales: 163.696 con cuellos de botella y 387.296 en la versión ingenua. Con
    `normalizar=True` cada convolución pierde su sesgo (f) y gana una BN (4·f: γ, β, media y varianza).
    """
    filtros = (filtros_1x1, reduccion_3x3, filtros_3x3, reduccion_5x5, filtros_5x5, proyeccion_pool)
    por_filtro = 4 if normalizar else 1
    return sum((k * k * c + por_filtro) * f for _, k, c, f in _ramas_inception(canales, *filtros, cuello=cuello))


def multiplicaciones_keras(modelo):
    """Multiplicaciones de las `Conv2D` de un modelo construido, leídas de sus capas.

    Cada valor de salida es un producto punto con todo el núcleo: alto·ancho de la salida por el número de
    pesos del núcleo (`count_params()` sin los sesgos, es decir k²·canales·filtros). Sirve para comprobar
    `coste_inception` y `modelos.calculadoras.multiplicaciones_conv` con la red de Keras.
    """
    total = 0
    for capa in modelo.layers:
        if isinstance(capa, layers.Conv2D):
            pesos = capa.count_params() - (capa.filters if capa.use_bias else 0)
            alto, ancho = capa.output.shape[1:3]
            total += int(alto) * int(ancho) * pesos
    return total


def _bn(nombre):
    """BN con momento 0,9 (el 0,1 de PyTorch): con pocos pasos de entrenamiento sus medias móviles ya valen."""
    return layers.BatchNormalization(momentum=0.9, name=nombre)


def _atajo(x, filtros, paso, proyeccion, nombre):
    """Atajo identidad, o proyección 1×1 con paso `paso` + BN si cambian los canales o el tamaño."""
    necesaria = paso != 1 or x.shape[-1] != filtros
    if proyeccion is None:
        proyeccion = necesaria
    if necesaria and not proyeccion:
        raise ErrorParametro(
            f"El atajo identidad necesita la misma forma a la entrada y a la salida del bloque: entran "
            f"{x.shape[-1]} canales, salen {filtros} y el paso es {paso}. Use proyeccion=True (conv 1×1)."
        )
    if not proyeccion:
        return x
    x = layers.Conv2D(filtros, 1, strides=paso, use_bias=False, name=f"{nombre}_proyeccion")(x)
    return _bn(f"{nombre}_proyeccion_bn")(x)


def bloque_residual(x, filtros, paso=1, proyeccion=None, nombre="residual"):
    """Bloque residual básico de ResNet-18/34 (clase «CNNs», RESNET; He et al., 2016, figura 2).

    conv 3×3 (paso `paso`) → BN → ReLU → conv 3×3 → BN; la entrada (el atajo) se suma antes de la última
    ReLU: salida = ReLU(F(x) + x). El atajo es la identidad si la forma no cambia, y si no una proyección
    conv 1×1 con el mismo paso + BN (`proyeccion=True` la fuerza). Las convoluciones no llevan sesgo: lo
    aporta la β de la BN. Con los núcleos a cero, F(x) = 0 y el bloque es ReLU(x).
    """
    atajo = _atajo(x, filtros, paso, proyeccion, nombre)
    y = layers.Conv2D(filtros, 3, strides=paso, padding="same", use_bias=False, name=f"{nombre}_conv1")(x)
    y = layers.Activation("relu", name=f"{nombre}_relu1")(_bn(f"{nombre}_bn1")(y))
    y = _bn(f"{nombre}_bn2")(layers.Conv2D(filtros, 3, padding="same", use_bias=False, name=f"{nombre}_conv2")(y))
    y = layers.Add(name=f"{nombre}_suma")([atajo, y])
    return layers.Activation("relu", name=f"{nombre}_salida")(y)


def bloque_residual_cuello(x, filtros, paso=1, proyeccion=None, expansion=EXPANSION, nombre="cuello"):
    """Bloque residual con cuello de botella de ResNet-50/101/152 (He et al., 2016, figura 5).

    conv 1×1 (`filtros`, reduce) → conv 3×3 (`filtros`, paso `paso`) → conv 1×1 (`expansion·filtros`,
    restaura), cada una con BN y ReLU salvo la última, que se suma al atajo antes de su ReLU. Las 1×1
    abaratan la 3×3 como en Inception. El paso va en la 3×3 (ResNet v1.5, como torchvision).
    """
    salida = expansion * filtros
    atajo = _atajo(x, salida, paso, proyeccion, nombre)
    y = layers.Conv2D(filtros, 1, use_bias=False, name=f"{nombre}_reduccion")(x)
    y = layers.Activation("relu", name=f"{nombre}_relu1")(_bn(f"{nombre}_bn1")(y))
    y = layers.Conv2D(filtros, 3, strides=paso, padding="same", use_bias=False, name=f"{nombre}_conv3x3")(y)
    y = layers.Activation("relu", name=f"{nombre}_relu2")(_bn(f"{nombre}_bn2")(y))
    y = _bn(f"{nombre}_bn3")(layers.Conv2D(salida, 1, use_bias=False, name=f"{nombre}_expansion")(y))
    y = layers.Add(name=f"{nombre}_suma")([atajo, y])
    return layers.Activation("relu", name=f"{nombre}_salida")(y)


def _parametros_bn(canales):
    """Una BN tiene γ y β (entrenables) y la media y la varianza móviles (no entrenables) por canal."""
    return {"entrenables": 2 * canales, "no_entrenables": 2 * canales}


def _sumar(*partes):
    entrenables = sum(p["entrenables"] for p in partes)
    no_entrenables = sum(p["no_entrenables"] for p in partes)
    return {"total": entrenables + no_entrenables, "entrenables": entrenables, "no_entrenables": no_entrenables}


def _conv(kernel, canales, filtros):
    return {"entrenables": kernel * kernel * canales * filtros, "no_entrenables": 0}


def parametros_bloque_residual(canales, filtros, proyeccion):
    """Parámetros de `bloque_residual`: 9·c·f + 9·f·f de las 3×3, 4·f por BN y, con proyección, c·f + 4·f.

    Devuelve `{"total", "entrenables", "no_entrenables"}` (las medias y varianzas móviles no se entrenan).
    """
    partes = [_conv(3, canales, filtros), _parametros_bn(filtros), _conv(3, filtros, filtros), _parametros_bn(filtros)]
    if proyeccion:
        partes += [_conv(1, canales, filtros), _parametros_bn(filtros)]
    return _sumar(*partes)


def parametros_bloque_cuello(canales, filtros, proyeccion, expansion=EXPANSION):
    """Parámetros de `bloque_residual_cuello`: c·f + 9·f·f + f·e·f de las convoluciones, más sus BN y la proyección."""
    salida = expansion * filtros
    partes = [
        _conv(1, canales, filtros),
        _parametros_bn(filtros),
        _conv(3, filtros, filtros),
        _parametros_bn(filtros),
        _conv(1, filtros, salida),
        _parametros_bn(salida),
    ]
    if proyeccion:
        partes += [_conv(1, canales, salida), _parametros_bn(salida)]
    return _sumar(*partes)


def _conv_bn_relu(x, filtros, nombre):
    """Conv 3×3 SAME sin sesgo → BN → ReLU (capas `nombre`, `nombre_bn` y `nombre_relu`)."""
    x = layers.Conv2D(filtros, 3, padding="same", use_bias=False, name=nombre)(x)
    return layers.Activation("relu", name=f"{nombre}_relu")(_bn(f"{nombre}_bn")(x))


def _tallo(entrada, filtros, nombre):
    """Conv 3×3 + BN + ReLU y max pooling 2×2: de 32×32 a 16×16 antes de los bloques (como el «stem» de ResNet)."""
    return layers.MaxPooling2D(2, name=f"{nombre}_pool")(_conv_bn_relu(entrada, filtros, f"{nombre}_conv"))


def _cabeza(x, num_clases, nombre="salida"):
    x = layers.GlobalAveragePooling2D(name=f"{nombre}_gap")(x)
    return layers.Dense(num_clases, activation="softmax", name=nombre)(x)


def red_inception(num_clases=10, input_shape=(32, 32, 3), filtros=8, cuello=True):
    """Red pequeña con dos módulos Inception (GoogLeNet en miniatura, con BN) para los dígitos.

    Tallo (conv 3×3 de `2·filtros`, max pooling) → Inception (a) → max pooling → Inception (b) → pooling
    global → softmax. Los filtros de cada rama son múltiplos de `filtros`, en las proporciones de (3a); las
    convoluciones llevan BN (`normalizar=True`) para que aprenda en pocas épocas.
    """
    validar_entrada(input_shape, num_clases, minimo=8)
    f = int(filtros)
    entrada = keras.Input(shape=tuple(input_shape))
    x = _tallo(entrada, 2 * f, "tallo")
    x = modulo_inception(x, f, f, 2 * f, max(1, f // 2), f, f, cuello=cuello, normalizar=True, nombre="inception_a")
    x = layers.MaxPooling2D(2, name="pool_a")(x)
    x = modulo_inception(
        x, 2 * f, 2 * f, 3 * f, max(1, f // 2), f, f, cuello=cuello, normalizar=True, nombre="inception_b"
    )
    return keras.Model(entrada, _cabeza(x, num_clases), name="red_inception" if cuello else "red_inception_ingenua")


def red_residual(num_clases=10, input_shape=(32, 32, 3), filtros=16, tipo="basico"):
    """Red pequeña con dos bloques residuales: uno con atajo identidad y otro con proyección.

    `tipo="basico"`: tallo → bloque básico de `filtros` (identidad) → bloque de `2·filtros` con paso 2
    (proyección). `tipo="cuello"`: tallo → bloque con cuello de `filtros` → `4·filtros` canales
    (proyección: cambian los canales) → otro igual (identidad). Después, pooling global y softmax.
    """
    validar_entrada(input_shape, num_clases, minimo=8)
    comprobar(tipo, "tipo", Opciones("basico", "cuello"))
    f = int(filtros)
    entrada = keras.Input(shape=tuple(input_shape))
    x = _tallo(entrada, f, "tallo")
    if tipo == "basico":
        x = bloque_residual(x, f, nombre="bloque1")
        x = bloque_residual(x, 2 * f, paso=2, nombre="bloque2")
    else:
        x = bloque_residual_cuello(x, f, nombre="bloque1")
        x = bloque_residual_cuello(x, f, nombre="bloque2")
    return keras.Model(entrada, _cabeza(x, num_clases), name=f"red_residual_{tipo}")


def red_con_auxiliar(num_clases=10, input_shape=(32, 32, 3), filtros=16):
    """Red con un clasificador auxiliar a la GoogLeNet (clase «CNNs», INCEPTION: «clasificadores auxiliares»).

    Dos bloques conv 3×3 + BN + ReLU + max pooling dan un mapa intermedio; de ahí sale la cabeza auxiliar
    de GoogLeNet (average pooling → conv 1×1 → densa ReLU → dropout 0,7 → softmax `auxiliar`) mientras la
    red sigue (conv 3×3 + BN + ReLU → pooling global → softmax `salida`). Devuelve un modelo con dos salidas, el diccionario
    `{"salida", "auxiliar"}`: se entrena con la pérdida total `L_salida + 0,3·L_auxiliar` (`PESO_AUXILIAR`)
    y para predecir se usa `sin_auxiliar(modelo)`, que descarta la cabeza auxiliar.
    """
    validar_entrada(input_shape, num_clases, minimo=16)
    f = int(filtros)
    entrada = keras.Input(shape=tuple(input_shape))
    x = entrada
    for i, filtros_bloque in enumerate((f, 2 * f), start=1):
        x = _conv_bn_relu(x, filtros_bloque, f"conv{i}")
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    # cabeza auxiliar sobre el mapa intermedio (en GoogLeNet, sobre la salida de los módulos 4a y 4d)
    a = layers.AveragePooling2D(2, name="auxiliar_pool")(x)
    a = layers.Conv2D(f, 1, activation="relu", name="auxiliar_conv1x1")(a)
    a = layers.Flatten(name="auxiliar_aplanado")(a)
    a = layers.Dense(4 * f, activation="relu", name="auxiliar_densa")(a)
    a = layers.Dropout(0.7, name="auxiliar_dropout")(a)
    auxiliar = layers.Dense(num_clases, activation="softmax", name="auxiliar")(a)
    salida = _cabeza(_conv_bn_relu(x, 4 * f, "conv3"), num_clases)
    return keras.Model(entrada, {"salida": salida, "auxiliar": auxiliar}, name="red_con_auxiliar")


def sin_auxiliar(modelo):
    """El modelo de inferencia de `red_con_auxiliar`: la misma red (los mismos pesos) sin la cabeza auxiliar."""
    return keras.Model(modelo.input, modelo.get_layer("salida").output, name=f"{modelo.name}_inferencia")


def red_pequena(num_clases=10, input_shape=(32, 32, 3), filtros=16):
    """Red convolucional pequeña, miembro de los conjuntos (clase «Entrenamiento», Model Ensembles).

    Dos bloques conv 3×3 + BN + ReLU + max pooling (`filtros` y `2·filtros`) → aplanado → softmax.
    """
    validar_entrada(input_shape, num_clases, minimo=4)
    f = int(filtros)
    entrada = keras.Input(shape=tuple(input_shape))
    x = entrada
    for i, filtros_bloque in enumerate((f, 2 * f), start=1):
        x = layers.MaxPooling2D(2, name=f"pool{i}")(_conv_bn_relu(x, filtros_bloque, f"conv{i}"))
    x = layers.Flatten(name="aplanado")(x)
    salida = layers.Dense(num_clases, activation="softmax", name="salida")(x)
    return keras.Model(entrada, salida, name="red_pequena")


def red_profunda(
    num_clases=10,
    input_shape=(32, 32, 3),
    profundidad=20,
    unidades=32,
    activacion="sigmoid",
    variante="plana",
    reduccion=4,
):
    """Red densa profunda para ver el desvanecimiento del gradiente (clase «CNNs», DESVANECIMIENTO).

    La imagen se reduce (average pooling `reduccion`×`reduccion`) y se aplana; siguen `profundidad` capas
    densas de `unidades` neuronas llamadas `densa_01`, `densa_02`… y la softmax `salida`. La primera es
    igual en las tres variantes; las demás son, según `variante`:

    - `"plana"`: h ← act(W h + b);
    - `"residual"`: h ← h + W act(h) + b, la conexión residual con la activación antes de la capa
      (ResNet con preactivación, He et al., 2016b): el atajo no pasa por ninguna derivada de la
      activación, y la rama, centrada en cero, no hace crecer h capa a capa como haría h + sigmoide(…);
    - `"batchnorm"`: h ← act(BN(W h)) (se normaliza antes de la activación, como en la clase).

    Con la sigmoide, cuya derivada no pasa de 0,25, la plana multiplica el gradiente por un factor pequeño
    en cada capa: a la primera le llega muchísimo menos que a la última.
    """
    validar_entrada(input_shape, num_clases)
    comprobar(variante, "variante", Opciones(*VARIANTES_PROFUNDA))
    profundidad = comprobar(profundidad, "profundidad", Intervalo(Integral, 2, None))
    entrada = keras.Input(shape=tuple(input_shape))
    x = entrada
    if reduccion > 1:
        x = layers.AveragePooling2D(reduccion, name="reduccion")(x)
    x = layers.Flatten(name="aplanado")(x)
    x = layers.Dense(unidades, activation=activacion, name="densa_01")(x)
    for i in range(2, profundidad + 1):
        nombre = f"densa_{i:02d}"
        if variante == "batchnorm":
            h = layers.Dense(unidades, use_bias=False, name=nombre)(x)
            x = layers.Activation(activacion, name=f"act_{i:02d}")(_bn(f"bn_{i:02d}")(h))
        elif variante == "residual":
            h = layers.Dense(unidades, name=nombre)(layers.Activation(activacion, name=f"act_{i:02d}")(x))
            x = layers.Add(name=f"suma_{i:02d}")([x, h])
        else:
            x = layers.Dense(unidades, activation=activacion, name=nombre)(x)
    salida = layers.Dense(num_clases, activation="softmax", name="salida")(x)
    return keras.Model(entrada, salida, name=f"red_profunda_{variante}")
