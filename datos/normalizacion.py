"""Normalización por canal con la media y la desviación típica del conjunto de entrenamiento (§2.2)."""

from datos.validacion import validar_imagenes


class NormalizadorCanal:
    """Equivale a `featurewise_center` + `featurewise_std_normalization` de ImageDataGenerator.

    `fit(x)` calcula la media y la desviación típica de cada canal; `transformar(x)` devuelve un array
    nuevo (nunca modifica el del llamante).
    """

    def __init__(self, epsilon=1e-6):
        self.epsilon = epsilon
        self.media = None
        self.desviacion = None

    def fit(self, x):
        x = validar_imagenes(x, "x")
        self.media = x.mean(axis=(0, 1, 2), dtype="float64").astype("float32")
        self.desviacion = x.std(axis=(0, 1, 2), dtype="float64").astype("float32")
        return self

    def transformar(self, x, nombre="x"):
        if self.media is None:
            raise RuntimeError("Llame a fit(x_entrenamiento) antes de normalizar: faltan la media y la desviación.")
        x = validar_imagenes(x, nombre, canales=len(self.media))
        return ((x - self.media) / (self.desviacion + self.epsilon)).astype("float32")
