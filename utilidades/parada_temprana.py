"""`ParadaTemprana`: la regla de parada temprana de la clase de regularización, como callback de `trainModel`.

Reproduce `keras.callbacks.EarlyStopping` en modo mínimo; `actualizar(valor, epoca)` es la regla sin Keras.
"""

import keras

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_NO_NEGATIVO, Intervalo, Real, comprobar, mensaje


class ParadaTemprana(keras.callbacks.Callback):
    """Parada temprana: detiene el entrenamiento cuando `monitor` lleva `paciencia` épocas sin mejorar
    al menos `min_delta`, y con `restaurar_mejores` recupera los pesos de la mejor época.

    Reproduce `keras.callbacks.EarlyStopping` en modo mínimo; `actualizar(valor, epoca)` es la regla sin
    Keras y devuelve `True` cuando hay que parar.
    """

    def __init__(self, paciencia=5, min_delta=0.0, restaurar_mejores=True, monitor="val_loss"):
        super().__init__()
        self.paciencia = comprobar(paciencia, "paciencia", ENTERO_NO_NEGATIVO)
        self.min_delta = abs(comprobar(min_delta, "min_delta", Intervalo(Real)))
        self.restaurar_mejores = restaurar_mejores
        self.monitor = monitor
        self.reiniciar()

    def reiniciar(self):
        self.mejor = None
        self.mejor_epoca = 0
        self.espera = 0
        self.epoca_parada = None
        self.mejores_pesos = None

    def actualizar(self, valor, epoca):
        """Registra el valor de la época `epoca` (desde 0); devuelve `True` si hay que parar."""
        self.espera += 1
        if self.mejor is None or valor < self.mejor - self.min_delta:
            self.mejor, self.mejor_epoca, self.espera = valor, epoca, 0
            return False
        if self.espera >= self.paciencia and epoca > 0:
            self.epoca_parada = epoca
            return True
        return False

    def on_train_begin(self, logs=None):
        self.reiniciar()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ErrorParametro(
                mensaje(
                    "monitor", f"una de las métricas registradas ({', '.join(sorted(logs)) or 'ninguna'})", self.monitor
                )
                + " Entrene con datos de validación o cambie 'monitor'."
            )
        parar = self.actualizar(float(logs[self.monitor]), epoch)
        if self.restaurar_mejores and self.mejor_epoca == epoch:
            self.mejores_pesos = self.model.get_weights()
        if parar:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restaurar_mejores and self.mejores_pesos is not None:
            self.model.set_weights(self.mejores_pesos)
