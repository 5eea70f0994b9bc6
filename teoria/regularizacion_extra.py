"""Más regularización y trucos de entrenamiento de las clases, en NumPy y como piezas de Keras.

- Dropout «estándar» frente a invertido (Bariloche, «Dropout» e «Inverted dropout»; «Aprendizaje de
  Máquinas», «Dropout: implementación»): al entrenar se anula cada activación con probabilidad `tasa_dropout`;
  el estándar no escala y en test multiplica por la probabilidad de *mantener* `1 - tasa_dropout`; el
  invertido divide por `1 - tasa_dropout` al entrenar y no toca nada en test. Las dos dan la misma salida esperada
  (`esperanza_exacta` enumera las máscaras, `esperanzas_por_muestreo` las sortea).
- Suavizado de etiquetas («Aprendizaje de Máquinas», «Suavizar el etiquetamiento»): `suavizar_etiquetas` y
  `entropia_cruzada`, como `keras.losses.CategoricalCrossentropy(label_smoothing=...)`.
- Estandarización de pesos («Estandarización ponderada», Qiao et al., 2019): `estandarizar_nucleo` y la capa
  `ConvEstandarizada` (una `Conv2D` que convoluciona con su núcleo estandarizado por canal de salida).
- Mini-lotes balanceados por clase (Granada, «Mini-batch gradient descent»: «balanceados para las distintas
  clases»): `indices_desbalanceados`, `lotes_balanceados` (NumPy) y `dataset_balanceado` (`tf.data`), con el
  mismo número exacto de ejemplos de cada clase en cada lote.
- Tasas adaptativas por peso de Hinton (Granada, «Tasas de aprendizaje ajustadas para cada conexión/peso»;
  curso de Hinton, lección 6d): una ganancia local por peso que sube `+0,05` si el gradiente no cambia de
  signo y se multiplica por `0,95` si cambia (`GananciasAdaptativas`, y `GananciasHinton` para Keras).
- Tasas de aprendizaje por capa (Granada, «Se le puede dar a cada peso su tasa de aprendizaje»; Bariloche,
  transferencia de aprendizaje: capas fijas, «Lr bajo, 1/10 del original» y capas nuevas):
  `ModeloTasasPorCapa` multiplica el paso del optimizador de cada capa por su multiplicador.
"""

import itertools

import keras
import numpy as np
from keras import ops

from datos.errores import ErrorParametro
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    ENTERO_POSITIVO,
    FRACCION,
    FRACCION_ABIERTA,
    NO_NEGATIVO,
    POSITIVO,
    PROBABILIDAD,
    Par,
    comprobar,
    mensaje,
    validar_parametros,
)
from teoria.optimizadores import Optimizador
from teoria.regularizacion import dropout_invertido

# --- Dropout estándar frente a invertido ---


@validar_parametros(tasa_dropout=FRACCION)
def dropout_estandar(h, tasa_dropout, entrenamiento=True, generador=None):
    """Dropout sin escalar (Srivastava et al., 2014): al entrenar `h · m` con `m ~ Bernoulli(1 - tasa_dropout)`;
    en test `h · (1 - tasa_dropout)`, la probabilidad de *mantener* (la activación esperada al entrenar).
    """
    h = np.asarray(h, dtype="float64")
    if not entrenamiento:
        return h * (1.0 - tasa_dropout)
    generador = generador if generador is not None else np.random.default_rng()
    return h * (generador.random(h.shape) >= tasa_dropout)


@validar_parametros(tasa_dropout=FRACCION)
def esperanza_exacta(pesos, entradas, tasa_dropout, invertido=False):
    """`E[z]` de la neurona `z = Σ wᵢ mᵢ xᵢ` (escalada por `1/(1 - tasa_dropout)` si `invertido`) enumerando
    las `2ⁿ` máscaras `m`, y su salida en test (`(1 - tasa_dropout) Σ wᵢ xᵢ`, o `Σ wᵢ xᵢ` si `invertido`).

    Es el ejemplo de la clase: con dos entradas y `tasa_dropout = 0,5`, `E[z] = ¼(w₁x + w₂y) + ¼ w₁x + ¼ w₂y + 0
    = ½ (w₁x + w₂y)`. Devuelve `(esperanza_al_entrenar, salida_en_test)`.
    """
    w, x = np.asarray(pesos, dtype="float64"), np.asarray(entradas, dtype="float64")
    if w.ndim != 1 or w.size > 20:
        raise ErrorParametro(mensaje("pesos", "un vector de como mucho 20 elementos", es=f"de forma {w.shape}"))
    if x.shape != w.shape:
        raise ErrorParametro(
            mensaje("entradas", f"un vector de la forma de 'pesos', {w.shape}", es=f"de forma {x.shape}")
        )
    escala = 1.0 / (1.0 - tasa_dropout) if invertido else 1.0
    esperanza = 0.0
    for mascara in itertools.product((0, 1), repeat=w.size):
        mascara = np.array(mascara)
        probabilidad = np.prod(np.where(mascara == 1, 1.0 - tasa_dropout, tasa_dropout))
        esperanza += probabilidad * escala * float(np.sum(w * mascara * x))
    test = float(np.dot(w, x)) * (1.0 if invertido else 1.0 - tasa_dropout)
    return esperanza, test


@validar_parametros(tasa_dropout=FRACCION, muestras=ENTERO_POSITIVO)
def esperanzas_por_muestreo(h, pesos, tasa_dropout, muestras=10000, generador=None):
    """Media de `muestras` salidas de entrenamiento `z = dropout(h) · w` de las dos variantes frente a su salida en test.

    `h` es un lote de activaciones `(lote, n)` y `pesos` un vector `(n,)`. Devuelve un diccionario por
    variante (`estandar`, `invertido`) con la media al entrenar, la salida en test (arrays `(lote,)`), el
    error estándar de la media y la máxima diferencia entre ambas.
    """
    generador = generador if generador is not None else np.random.default_rng()
    h, w = np.asarray(h, dtype="float64"), np.asarray(pesos, dtype="float64")
    resultados = {}
    for variante, capa in (("estandar", dropout_estandar), ("invertido", dropout_invertido)):
        salidas = np.array([capa(h, tasa_dropout, generador=generador) @ w for _ in range(muestras)])
        media = salidas.mean(axis=0)
        test = capa(h, tasa_dropout, entrenamiento=False) @ w
        resultados[variante] = {
            "media_entrenamiento": media,
            "test": test,
            "error_estandar": salidas.std(axis=0, ddof=1) / np.sqrt(len(salidas)),
            "max_diferencia": float(np.max(np.abs(media - test))),
        }
    return resultados


# --- Suavizado de etiquetas ---


@validar_parametros(alfa=PROBABILIDAD)
def suavizar_etiquetas(y, alfa):
    """`y (1 - α) + α / K`: la clase correcta pasa de 1 a `1 - α + α/K` y las demás de 0 a `α/K` (como Keras)."""
    y = np.asarray(y, dtype="float64")
    return y * (1.0 - alfa) + alfa / y.shape[-1]


@validar_parametros(suavizado=PROBABILIDAD)
def entropia_cruzada(y, salida, suavizado=0.0, desde_logits=False, epsilon=1e-7):
    """Entropía cruzada media del lote `-mean Σ y' log p` con etiquetas suavizadas `y'`.

    Como `keras.losses.CategoricalCrossentropy(label_smoothing=suavizado, from_logits=desde_logits)`: con
    probabilidades, las normaliza a suma 1 y las recorta a `[ε, 1 - ε]`; con logits, usa `log_softmax`.
    """
    y_suave = suavizar_etiquetas(y, suavizado)
    salida = np.asarray(salida, dtype="float64")
    if desde_logits:
        desplazada = salida - salida.max(axis=-1, keepdims=True)
        log_p = desplazada - np.log(np.exp(desplazada).sum(axis=-1, keepdims=True))
    else:
        log_p = np.log(np.clip(salida / salida.sum(axis=-1, keepdims=True), epsilon, 1.0 - epsilon))
    return float(np.mean(-np.sum(y_suave * log_p, axis=-1)))


# --- Estandarización de pesos ---


def estandarizar_nucleo(nucleo, epsilon=1e-10):
    """Estandariza un núcleo `(alto, ancho, entradas, salidas)` por canal de salida: media 0 y desviación 1
    sobre los demás ejes, `Ŵ = (W - μ) / √(σ² + ε)` (Qiao et al., 2019).
    """
    nucleo = np.asarray(nucleo, dtype="float64")
    ejes = tuple(range(nucleo.ndim - 1))
    media = nucleo.mean(axis=ejes, keepdims=True)
    return (nucleo - media) / np.sqrt(nucleo.var(axis=ejes, keepdims=True) + epsilon)


# --- Mini-lotes balanceados por clase ---


def _clases(etiquetas):
    etiquetas = np.asarray(etiquetas)
    return etiquetas.argmax(axis=-1) if etiquetas.ndim == 2 else etiquetas.astype("int64")


@validar_parametros(num_clases=ENTERO_POSITIVO, total=ENTERO_POSITIVO, desbalance=POSITIVO)
def conteos_geometricos(num_clases, total, desbalance):
    """Ejemplos por clase que bajan en progresión geométrica de la clase 0 a la última, con
    `mayor / menor ≈ desbalance` y suma `total` (al menos 1 por clase)."""
    pesos = desbalance ** (-np.arange(num_clases) / max(1, num_clases - 1))
    conteos = np.maximum(1, np.floor(total * pesos / pesos.sum())).astype(int)
    conteos[0] += total - int(conteos.sum())  # lo que falte o sobre del redondeo, a la mayor
    return conteos


def indices_desbalanceados(etiquetas, conteos, generador=None):
    """Índices de un subconjunto con `conteos[k]` ejemplos al azar de la clase `k` (ordenados)."""
    generador = generador if generador is not None else np.random.default_rng()
    clases = _clases(etiquetas)
    elegidos = []
    for clase, cuantos in enumerate(conteos):
        disponibles = np.flatnonzero(clases == clase)
        if cuantos > len(disponibles):
            raise ErrorParametro(
                mensaje(
                    f"conteos[{clase}]",
                    f"como mucho {len(disponibles)}, los ejemplos de la clase {clase} en 'etiquetas'",
                    cuantos,
                )
            )
        elegidos.append(generador.choice(disponibles, size=int(cuantos), replace=False))
    return np.sort(np.concatenate(elegidos))


@validar_parametros(por_clase=ENTERO_POSITIVO, lotes=ENTERO_NO_NEGATIVO)
def lotes_balanceados(etiquetas, por_clase, lotes, generador=None):
    """`lotes` arrays de índices con exactamente `por_clase` ejemplos de cada clase (NumPy).

    Cada clase recorre sus ejemplos en un orden barajado y vuelve a barajar al agotarlos: las minoritarias
    se repiten (sobremuestreo) y las mayoritarias se ven menos por época. Cada lote se baraja también.
    """
    generador = generador if generador is not None else np.random.default_rng()
    clases = _clases(etiquetas)
    grupos = [np.flatnonzero(clases == c) for c in range(int(clases.max()) + 1)]
    vacias = [c for c, g in enumerate(grupos) if len(g) == 0]
    if vacias:
        raise ErrorParametro(_sin_ejemplos("etiquetas", vacias))
    colas = [np.array([], dtype="int64") for _ in grupos]
    resultado = []
    for _ in range(lotes):
        lote = []
        for k, grupo in enumerate(grupos):
            while len(colas[k]) < por_clase:
                colas[k] = np.concatenate([colas[k], generador.permutation(grupo)])
            lote.append(colas[k][:por_clase])
            colas[k] = colas[k][por_clase:]
        resultado.append(generador.permutation(np.concatenate(lote)))
    return resultado


def _sin_ejemplos(nombre, clases):
    return (
        mensaje(nombre, "unas etiquetas con ejemplos de todas las clases", es=f"sin ejemplos de las clases {clases}")
        + " No se pueden balancear los lotes."
    )


@validar_parametros(por_clase=ENTERO_POSITIVO, semilla=(ENTERO_NO_NEGATIVO, None))
def dataset_balanceado(x, y, por_clase, semilla=None):
    """`tf.data.Dataset` infinito de lotes `(x, y)` con exactamente `por_clase` ejemplos de cada clase.

    Un dataset por clase (barajado y repetido) y `choose_from_datasets` que los recorre en orden
    0, 1, ..., K-1, 0, 1...; los lotes de `K · por_clase` elementos contienen `por_clase` de cada una.
    """
    import tensorflow as tf

    clases = _clases(y)
    num_clases = int(clases.max()) + 1
    vacias = [c for c in range(num_clases) if not np.any(clases == c)]
    if vacias:
        raise ErrorParametro(_sin_ejemplos("y", vacias))
    por_clase_ds = []
    for c in range(num_clases):
        indices = np.flatnonzero(clases == c)
        ds = tf.data.Dataset.from_tensor_slices((x[indices], y[indices]))
        por_clase_ds.append(ds.shuffle(len(indices), seed=None if semilla is None else semilla + c).repeat())
    eleccion = tf.data.Dataset.range(num_clases).repeat()
    return (
        tf.data.Dataset.choose_from_datasets(por_clase_ds, eleccion)
        .batch(num_clases * por_clase)
        .prefetch(tf.data.AUTOTUNE)
    )


# --- Tasas adaptativas por peso (Hinton) ---


class GananciasAdaptativas(Optimizador):
    """Una ganancia local `g` por peso (empieza en 1) que multiplica la tasa global: `x -= α g ∇f`.

    Regla de Hinton (curso «Neural Networks for Machine Learning», lección 6d): si `∇f(t) · ∇f(t-1) > 0`
    (el gradiente de ese peso no cambia de signo) `g += incremento` (0,05); si no, `g *= factor` (0,95).
    Subidas aditivas y bajadas multiplicativas: una ganancia grande cae deprisa en cuanto el peso oscila.
    Las ganancias se limitan a `limites` ([0,1, 10]). En el primer paso no hay gradiente anterior y las
    ganancias siguen en 1.
    """

    nombre = "ganancias"

    def __init__(self, tasa=0.01, incremento=0.05, factor=0.95, limites=(0.1, 10.0), **kwargs):
        self.incremento = comprobar(incremento, "incremento", NO_NEGATIVO)
        self.factor = comprobar(factor, "factor", FRACCION_ABIERTA)
        self.limites = comprobar(limites, "limites", Par(POSITIVO))
        if not self.limites[0] <= 1 <= self.limites[1]:
            raise ErrorParametro(
                mensaje("limites", "un par (mínimo, máximo) que contenga la ganancia inicial 1", limites)
            )
        super().__init__(tasa, **kwargs)

    def _estado_inicial(self, x):
        return {"ganancia": np.ones_like(x), "gradiente_anterior": None}

    def _actualizar(self, x, g):
        anterior = self.estado["gradiente_anterior"]
        ganancia = self.estado["ganancia"]
        if anterior is not None:
            ganancia = np.where(g * anterior > 0, ganancia + self.incremento, ganancia * self.factor)
            ganancia = np.clip(ganancia, *self.limites)
        self.estado["ganancia"], self.estado["gradiente_anterior"] = ganancia, g
        return x - self.tasa * ganancia * g

    def a_keras(self):
        return GananciasHinton(
            learning_rate=self.tasa,
            incremento=self.incremento,
            factor=self.factor,
            ganancia_minima=self.limites[0],
            ganancia_maxima=self.limites[1],
        )


# --- Piezas de Keras ---


@keras.saving.register_keras_serializable(package="practicas")
class ConvEstandarizada(keras.layers.Conv2D):
    """`Conv2D` con estandarización de pesos: convoluciona con `(W - μ) / √(σ² + ε)`, con `μ` y `σ²` de cada
    filtro (canal de salida). El núcleo guardado es el de siempre; `nucleo_efectivo()` da el que se usa.
    """

    def __init__(self, *args, epsilon=1e-10, **kwargs):
        super().__init__(*args, **kwargs)
        self.epsilon = float(epsilon)

    def _estandarizado(self, kernel):
        media, varianza = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return (kernel - media) / ops.sqrt(varianza + self.epsilon)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, self._estandarizado(kernel))

    def nucleo_efectivo(self):
        """El núcleo estandarizado con el que convoluciona la capa (array de NumPy)."""
        return ops.convert_to_numpy(self._estandarizado(self.kernel))

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="practicas")
class GananciasHinton(keras.optimizers.Optimizer):
    """Optimizador de Keras con la regla de ganancias de Hinton (`GananciasAdaptativas` en NumPy).

    `g = g + incremento` si `∇f · ∇f_anterior > 0`, si no `g = g · factor`, recortada a
    `[ganancia_minima, ganancia_maxima]`; `w -= learning_rate · g · ∇f`. En el primer paso, `g = 1`.
    """

    def __init__(
        self,
        learning_rate=0.01,
        incremento=0.05,
        factor=0.95,
        ganancia_minima=0.1,
        ganancia_maxima=10.0,
        name="ganancias_hinton",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.incremento = float(incremento)
        self.factor = float(factor)
        self.ganancia_minima = float(ganancia_minima)
        self.ganancia_maxima = float(ganancia_maxima)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._ganancias = [self.add_variable_from_reference(v, "ganancia", initializer="ones") for v in variables]
        self._anteriores = [self.add_variable_from_reference(v, "gradiente_anterior") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        tasa = ops.cast(learning_rate, variable.dtype)
        gradiente = ops.cast(gradient, variable.dtype)
        indice = self._get_variable_index(variable)
        ganancia, anterior = self._ganancias[indice], self._anteriores[indice]
        nueva = ops.where(ops.greater(gradiente * anterior, 0), ganancia + self.incremento, ganancia * self.factor)
        nueva = ops.clip(nueva, self.ganancia_minima, self.ganancia_maxima)
        nueva = ops.where(ops.equal(self.iterations, 0), ganancia, nueva)  # primer paso: no hay anterior
        self.assign(ganancia, nueva)
        self.assign(anterior, gradiente)
        self.assign_sub(variable, tasa * nueva * gradiente)

    def get_config(self):
        return {
            **super().get_config(),
            "incremento": self.incremento,
            "factor": self.factor,
            "ganancia_minima": self.ganancia_minima,
            "ganancia_maxima": self.ganancia_maxima,
        }


class ModeloTasasPorCapa(keras.Model):
    """Modelo funcional cuyo `train_step` multiplica el paso del optimizador en cada capa.

    `ModeloTasasPorCapa(entradas, salidas, multiplicadores={"nombre_capa": m})`: tras `optimizer.apply`,
    cada variable de la capa queda en `antes + m · (después - antes)`. Con SGD equivale a la tasa `m · α`;
    con cualquier optimizador (también Adam, cuyo paso no cambia si se escala el gradiente) el paso se
    multiplica por `m`, y `m = 0` deja la capa exactamente como estaba. Las capas que no aparecen, `m = 1`.
    """

    def __init__(self, *args, multiplicadores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiplicadores = dict(multiplicadores or {})

    def factores(self):
        """El multiplicador de cada variable entrenable, en el orden de `trainable_variables`."""
        desconocidas = set(self.multiplicadores) - {capa.name for capa in self.layers}
        if desconocidas:
            raise ErrorParametro(
                mensaje(
                    "multiplicadores",
                    f"un diccionario con nombres de capas del modelo ({', '.join(c.name for c in self.layers)})",
                    es=f"uno con capas que no existen: {', '.join(sorted(desconocidas))}",
                )
            )
        de_variable = {}
        for capa in self.layers:
            for variable in capa.trainable_variables:
                de_variable[id(variable)] = float(self.multiplicadores.get(capa.name, 1.0))
        return [de_variable.get(id(v), 1.0) for v in self.trainable_variables]

    def train_step(self, data):
        import tensorflow as tf

        x, y, peso_muestras = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as cinta:
            y_pred = self(x, training=True)
            perdida = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=peso_muestras)
        variables = self.trainable_variables
        gradientes = cinta.gradient(perdida, variables)
        factores = self.factores()
        antes = [tf.identity(v.value) if f != 1.0 else None for v, f in zip(variables, factores)]
        self.optimizer.apply(gradientes, variables)
        for variable, valor, factor in zip(variables, antes, factores):
            if factor != 1.0:
                variable.assign(valor + factor * (variable.value - valor))
        for metrica in self.metrics:
            if metrica.name == "loss":
                metrica.update_state(perdida)
            else:
                metrica.update_state(y, y_pred, sample_weight=peso_muestras)
        return {m.name: m.result() for m in self.metrics}
