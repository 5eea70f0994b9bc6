"""Programas de la tasa de aprendizaje de las clases «Entrenamiento de redes neuronales».

Bariloche, «Optimizadores»: decaimiento por pasos (p. ej. a la mitad), exponencial `α0·e^(-kt)` y
`1/t` `α0/(1 + kt)`. Granada, «Ajuste de las tasas de aprendizaje»: power `η0/(1 + t/s)^c`, exponencial
por un factor 10 cada `s` iteraciones `η0·0.1^(t/s)`, performance scheduling y 1cycle.

Cada programa es una `keras.optimizers.schedules.LearningRateSchedule`, así que sirve de dos maneras:

- como tasa del optimizador, con `t` = paso de optimización: `keras.optimizers.SGD(learning_rate=programa)`;
- como callback, con `t` = época: `model.fit(..., callbacks=[programa.como_callback()])` (el optimizador se
  crea entonces con una tasa numérica).

El performance scheduling depende de la pérdida de validación, así que solo puede ser callback:
`TasaPorRendimiento`, que reproduce `keras.callbacks.ReduceLROnPlateau`.
"""

import keras
import numpy as np
from keras import ops

from datos.errores import ErrorParametro
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    FRACCION,
    FRACCION_ABIERTA,
    NO_NEGATIVO,
    POSITIVO,
    Intervalo,
    Opciones,
    Real,
    comprobar,
    mensaje,
)


class ProgramaTasa(keras.optimizers.schedules.LearningRateSchedule):
    """Base de los programas: `programa(t)` es la tasa en el instante `t` (paso o época)."""

    def __init__(self, tasa_inicial):
        self.tasa_inicial = comprobar(tasa_inicial, "tasa_inicial", POSITIVO)

    def __call__(self, paso):
        return self.tasa(ops.cast(paso, "float32"))

    def tasa(self, t):
        raise NotImplementedError

    def valores(self, instantes):
        """Tasas (array de NumPy) en los instantes dados, p. ej. `programa.valores(range(épocas))`."""
        return ops.convert_to_numpy(self(np.asarray(instantes, dtype="float32"))).astype("float64")

    def como_callback(self, verbose=0):
        """`keras.callbacks.LearningRateScheduler` que fija la tasa al empezar cada época (t = época)."""
        return keras.callbacks.LearningRateScheduler(lambda epoca, tasa: float(self.valores(epoca)), verbose=verbose)

    def get_config(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class TasaConstante(ProgramaTasa):
    """Sin programa: `α(t) = α0` (la referencia de las comparaciones)."""

    def tasa(self, t):
        return self.tasa_inicial + 0.0 * t


class DecaimientoEscalonado(ProgramaTasa):
    """Decaimiento por pasos: la tasa se multiplica por `factor` (p. ej. a la mitad) cada `cada` instantes.

    `α(t) = α0 · factor^⌊t / cada⌋`; equivale a `ExponentialDecay(α0, cada, factor, staircase=True)`.
    """

    def __init__(self, tasa_inicial, factor=0.5, cada=10):
        super().__init__(tasa_inicial)
        self.factor = comprobar(factor, "factor", FRACCION_ABIERTA)
        self.cada = comprobar(cada, "cada", POSITIVO)

    def tasa(self, t):
        return self.tasa_inicial * ops.power(self.factor, ops.floor(t / self.cada))


class DecaimientoExponencial(ProgramaTasa):
    """Exponencial de la clase: `α(t) = α0 · e^(-k t)` (`k`, la tasa de decaimiento).

    Equivale a `ExponentialDecay(α0, decay_steps=1, decay_rate=e^(-k))`.
    """

    def __init__(self, tasa_inicial, k=0.1):
        super().__init__(tasa_inicial)
        self.k = comprobar(k, "k", NO_NEGATIVO)

    def tasa(self, t):
        return self.tasa_inicial * ops.exp(-self.k * t)


class DecaimientoInverso(ProgramaTasa):
    """Decaimiento `1/t`: `α(t) = α0 / (1 + k t)`; equivale a `InverseTimeDecay(α0, 1, k)`."""

    def __init__(self, tasa_inicial, k=0.1):
        super().__init__(tasa_inicial)
        self.k = comprobar(k, "k", NO_NEGATIVO)

    def tasa(self, t):
        return self.tasa_inicial / (1.0 + self.k * t)


class DecaimientoPotencia(ProgramaTasa):
    """Power scheduling (Darken y Moody con potencia `c`): `η(t) = η0 / (1 + t/s)^c`.

    Con `c = 1` es el «búsqueda y convergencia» `η0 / (1 + t/τ)`, es decir `InverseTimeDecay(η0, s, 1)`.
    """

    def __init__(self, tasa_inicial, s=10, c=1.0):
        super().__init__(tasa_inicial)
        self.s = comprobar(s, "s", POSITIVO)
        self.c = comprobar(c, "c", POSITIVO)

    def tasa(self, t):
        return self.tasa_inicial / ops.power(1.0 + t / self.s, self.c)


class DecaimientoPorDiez(ProgramaTasa):
    """Exponential scheduling de Granada: la tasa baja un factor 10 cada `s` instantes, `η(t) = η0 · 0.1^(t/s)`.

    Equivale a `ExponentialDecay(η0, decay_steps=s, decay_rate=0.1)`.
    """

    def __init__(self, tasa_inicial, s=10):
        super().__init__(tasa_inicial)
        self.s = comprobar(s, "s", POSITIVO)

    def tasa(self, t):
        return self.tasa_inicial * ops.power(0.1, t / self.s)


class UnCiclo(ProgramaTasa):
    """1cycle: sube linealmente de `η0` a `η1` (≈ 10 η0) hasta la mitad, baja igual hasta `η0` y, en la
    última fracción `fraccion_final` del entrenamiento, sigue bajando linealmente hasta `tasa_final`.

    Cada tramo es un `PolynomialDecay(..., power=1)` de Keras.
    """

    def __init__(self, tasa_inicial, pasos_totales, tasa_maxima=None, fraccion_final=0.1, tasa_final=None):
        super().__init__(tasa_inicial)
        self.pasos_totales = comprobar(pasos_totales, "pasos_totales", POSITIVO)
        tasa_maxima = comprobar(tasa_maxima, "tasa_maxima", POSITIVO, None)
        self.tasa_maxima = 10 * self.tasa_inicial if tasa_maxima is None else tasa_maxima
        self.fraccion_final = comprobar(fraccion_final, "fraccion_final", FRACCION)
        tasa_final = comprobar(tasa_final, "tasa_final", POSITIVO, None)
        self.tasa_final = self.tasa_inicial / 1000 if tasa_final is None else tasa_final

    def tasa(self, t):
        final = self.fraccion_final * self.pasos_totales
        mitad = (self.pasos_totales - final) / 2
        subida = self.tasa_inicial + (self.tasa_maxima - self.tasa_inicial) * t / mitad
        bajada = self.tasa_maxima - (self.tasa_maxima - self.tasa_inicial) * (t - mitad) / mitad
        mitad = max(mitad, 1e-12)  # con muy pocos instantes el ciclo puede quedar en nada
        avance_final = ops.minimum((t - 2 * mitad) / max(final, 1e-12), 1.0)
        cola = self.tasa_inicial - (self.tasa_inicial - self.tasa_final) * avance_final
        return ops.where(t <= mitad, subida, ops.where(t <= 2 * mitad, bajada, cola))


class TasaPorRendimiento(keras.callbacks.Callback):
    """Performance scheduling: mide `monitor` (p. ej. `val_loss`) cada época y multiplica la tasa por
    `factor` (λ) si lleva `paciencia` épocas sin mejorar al menos `min_delta`.

    Reproduce `keras.callbacks.ReduceLROnPlateau` en modo mínimo (mismos `cooldown` y `min_lr`, aquí
    `enfriamiento` y `tasa_minima`). `actualizar(valor, tasa)` es la regla sin Keras.
    """

    def __init__(self, factor=0.1, paciencia=10, min_delta=1e-4, enfriamiento=0, tasa_minima=0.0, monitor="val_loss"):
        super().__init__()
        self.factor = comprobar(factor, "factor", FRACCION_ABIERTA)
        self.paciencia = comprobar(paciencia, "paciencia", ENTERO_NO_NEGATIVO)
        self.enfriamiento = comprobar(enfriamiento, "enfriamiento", ENTERO_NO_NEGATIVO)
        self.min_delta = abs(comprobar(min_delta, "min_delta", Intervalo(Real)))
        self.tasa_minima = comprobar(tasa_minima, "tasa_minima", NO_NEGATIVO)
        self.monitor = monitor
        self.reiniciar()

    def reiniciar(self):
        self.mejor = None
        self.espera = 0
        self.contador_enfriamiento = 0

    def actualizar(self, valor, tasa):
        """Registra el valor de una época y devuelve la tasa para la siguiente."""
        if self.contador_enfriamiento > 0:
            self.contador_enfriamiento -= 1
            self.espera = 0
        if self.mejor is None or valor < self.mejor - self.min_delta:
            self.mejor = valor
            self.espera = 0
        elif self.contador_enfriamiento == 0:
            self.espera += 1
            if self.espera >= self.paciencia and tasa > np.float32(self.tasa_minima):
                tasa = max(tasa * self.factor, self.tasa_minima)
                self.contador_enfriamiento = self.enfriamiento
                self.espera = 0
        return tasa

    def on_train_begin(self, logs=None):
        self.reiniciar()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.monitor not in logs:
            raise ErrorParametro(
                mensaje(
                    "monitor", f"una de las métricas registradas ({', '.join(sorted(logs)) or 'ninguna'})", self.monitor
                )
                + " Entrene con datos de validación o cambie 'monitor'."
            )
        tasa = float(ops.convert_to_numpy(self.model.optimizer.learning_rate))
        nueva = self.actualizar(float(logs[self.monitor]), tasa)
        if nueva != tasa:
            self.model.optimizer.learning_rate = nueva
        logs["learning_rate"] = nueva


def un_ciclo_en(tasa_maxima, instantes):
    """1cycle cuya forma entera se ve en los instantes `0, 1, …, instantes − 1` (épocas o pasos).

    Sube de `tasa_maxima / 10` a `tasa_maxima`, que alcanza justo en la mitad del ciclo (como en la
    diapositiva), vuelve a `tasa_maxima / 10` y, en el último tramo (≈ 10 % de los instantes, al menos uno),
    cae tres órdenes de magnitud más: el último instante usa `tasa_maxima / 10.000`. Con 10 épocas:
    0,1·η, 0,325·η, 0,55·η, 0,775·η, η (época 5), 0,775·η … 0,1·η (época 9) y 0,00001·η (época 10).
    """
    ultimo = int(instantes) - 1  # el instante en que se llega a la tasa final
    if ultimo < 3:  # no caben subida, bajada y caída final: solo subida y bajada
        return UnCiclo(tasa_maxima / 10, pasos_totales=max(ultimo, 1), tasa_maxima=tasa_maxima, fraccion_final=0)
    final = max(1, round(0.1 * ultimo))
    if (ultimo - final) % 2:  # la mitad del ciclo debe caer en un instante entero para que el máximo se vea
        final = min((f for f in (final - 1, final + 1) if f >= 1), key=lambda f: abs(f - 0.1 * ultimo))
    return UnCiclo(tasa_maxima / 10, pasos_totales=ultimo, tasa_maxima=tasa_maxima, fraccion_final=final / ultimo)


PROGRAMAS = {
    "constante": lambda tasa, epocas: TasaConstante(tasa),
    "escalonado": lambda tasa, epocas: DecaimientoEscalonado(tasa, factor=0.5, cada=max(1.0, epocas / 4)),
    "exponencial": lambda tasa, epocas: DecaimientoExponencial(tasa, k=3.0 / epocas),
    "inverso": lambda tasa, epocas: DecaimientoInverso(tasa, k=10.0 / epocas),
    "potencia": lambda tasa, epocas: DecaimientoPotencia(tasa, s=epocas / 4, c=2.0),
    "por-diez": lambda tasa, epocas: DecaimientoPorDiez(tasa, s=epocas / 2),
    "rendimiento": lambda tasa, epocas: TasaPorRendimiento(factor=0.5, paciencia=2),
    "1cycle": un_ciclo_en,
}


def crear_programa(nombre, tasa_inicial, epocas):
    """Uno de los `PROGRAMAS` de la práctica, con parámetros pensados para `epocas` épocas (t = época).

    Todos acaban entre 10 y 100 veces por debajo de su tasa máxima, que es `tasa_inicial`; el 1cycle sube
    de `tasa_inicial / 10` a `tasa_inicial` en la mitad del ciclo y acaba 10.000 veces por debajo
    (`un_ciclo_en`). El de rendimiento la reduce a la mitad tras 2 épocas sin mejora.
    """
    nombre = comprobar(nombre, "nombre", Opciones(*PROGRAMAS))
    return PROGRAMAS[nombre](comprobar(tasa_inicial, "tasa_inicial", POSITIVO), comprobar(epocas, "epocas", POSITIVO))
