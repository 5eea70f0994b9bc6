"""Preprocesamiento de las entradas de la clase de Granada, en NumPy: centrar, escalar, decorrelar y blanquear.

«Entrenamiento de redes neuronales» (Granada), «Preprocesamiento de los datos», recomendaciones de
*Efficient BackProp* (LeCun et al.): media de cada entrada cercana a 0 (`centrar`), covarianzas similares
(`estandarizar`) y entradas decorreladas (`decorrelar`, con el análisis de componentes principales:
`pca`). Dividir cada componente principal por la raíz de su valor propio convierte la superficie de error
elíptica en circular (`blanqueo_pca`); el blanqueo ZCA (`blanqueo_zca`) vuelve después a los ejes
originales y es el blanqueo más parecido a los datos de partida. Apéndice «Reducción de dimensionalidad»:
los componentes se calculan con la descomposición en valores singulares X = U D Vᵀ y se conservan los q
primeros (`reducir_svd`).

Convenio: cada fila de `x` es un ejemplo y cada columna una variable (como scikit-learn). Con ese convenio
los componentes principales son las filas de Vᵀ (en la diapositiva, con los ejemplos en columnas, son las
columnas de U). Las varianzas son las de `np.cov` (divididas por n − 1), como `sklearn.decomposition.PCA`:
`blanqueo_pca(x, q)` coincide con `PCA(q, whiten=True).fit_transform(x)` salvo el signo de cada componente.
"""

from typing import NamedTuple

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import NO_NEGATIVO, Integral, Intervalo, Opciones, Real, comprobar, mensaje, validar_parametros

__all__ = [
    "PCA",
    "ReduccionSVD",
    "blanqueo_pca",
    "blanqueo_zca",
    "centrar",
    "componentes_para",
    "covarianza",
    "decorrelar",
    "estandarizar",
    "matriz_blanqueo",
    "pca",
    "reducir_svd",
]


class PCA(NamedTuple):
    """Componentes principales de unos datos: `media` (d,), `componentes` (k, d) por filas y `varianzas` (k,).

    Los componentes están ordenados de mayor a menor varianza y su signo es el que hace positiva su
    coordenada de mayor valor absoluto (así el resultado no depende de la biblioteca de álgebra lineal).
    """

    media: np.ndarray
    componentes: np.ndarray
    varianzas: np.ndarray

    @property
    def varianza_explicada(self):
        """Fracción de la varianza total que explica cada componente."""
        return self.varianzas / self.varianzas.sum()


class ReduccionSVD(NamedTuple):
    """Resultado de `reducir_svd`: coordenadas (n, q), reconstrucción (n, d) y varianza explicada por los q."""

    proyeccion: np.ndarray
    reconstruccion: np.ndarray
    varianza_explicada: float
    pca: PCA


def _datos(x, nombre="x", minimo=2):
    """`x` como matriz float64 (ejemplos, variables) con al menos `minimo` filas y valores finitos."""
    try:
        x = np.asarray(x, dtype="float64")
    except (TypeError, ValueError):
        raise ErrorParametro(mensaje(nombre, "una matriz de números (ejemplos, variables)", es="otra cosa")) from None
    if x.ndim != 2 or x.shape[1] < 1:
        raise ErrorParametro(
            mensaje(nombre, "una matriz (ejemplos, variables)", es=f"de forma {x.shape}")
            + " Use x.reshape(len(x), -1) para aplanar imágenes."
        )
    if x.shape[0] < minimo:
        raise ErrorParametro(
            mensaje(nombre, f"una matriz con al menos {minimo} ejemplos (filas)", es=f"una con {x.shape[0]}")
        )
    if not np.all(np.isfinite(x)):
        raise ErrorParametro(
            mensaje(nombre, "una matriz de números finitos", es="una con valores no finitos (NaN o infinito)")
        )
    return x


def covarianza(x):
    """Matriz de covarianza (d, d) de las columnas de `x`, dividida por n − 1 (como `np.cov(x, rowvar=False)`)."""
    x = _datos(x)
    centrados = x - x.mean(axis=0)
    return centrados.T @ centrados / (len(x) - 1)


def centrar(x, media=None):
    """Resta a cada variable su media (la de `x`, o `media` si se da: la del entrenamiento para el test).

    Devuelve `(x_centrado, media)`. Es el «desplazamiento (media 0)» de la clase: 101, 101 → 1, 1.
    """
    x = _datos(x, minimo=1 if media is not None else 2)
    media = x.mean(axis=0) if media is None else np.asarray(media, dtype="float64")
    if media.shape != x.shape[1:]:
        raise ErrorParametro(
            mensaje("media", f"un array de forma {x.shape[1:]} (una por variable)", es=f"de forma {media.shape}")
        )
    return x - media, media


@validar_parametros(epsilon=NO_NEGATIVO)
def estandarizar(x, media=None, desviacion=None, epsilon=1e-8):
    """Z-scores: `(x − media) / (desviacion + epsilon)` por variable (el «escalado» de la clase).

    Devuelve `(x_estandarizado, media, desviacion)`; `media` y `desviacion` del entrenamiento se pasan
    para transformar el test con los mismos números.
    """
    centrados, media = centrar(x, media)
    if desviacion is None:
        desviacion = np.sqrt((centrados**2).sum(axis=0) / max(len(centrados) - 1, 1))
    desviacion = np.asarray(desviacion, dtype="float64")
    return centrados / (desviacion + epsilon), media, desviacion


def pca(x):
    """Componentes principales de `x` (n, d) con la SVD de los datos centrados: X_c = U D Vᵀ.

    Los componentes son las filas de Vᵀ y sus varianzas (los valores propios de la matriz de covarianza)
    D² / (n − 1). Se devuelven los min(n, d) componentes, ordenados de mayor a menor varianza.
    """
    x = _datos(x)
    media = x.mean(axis=0)
    _, valores_singulares, vt = np.linalg.svd(x - media, full_matrices=False)
    mayor = np.argmax(np.abs(vt), axis=1)
    signos = np.sign(vt[np.arange(len(vt)), mayor])
    signos[signos == 0] = 1.0
    return PCA(media, vt * signos[:, None], valores_singulares**2 / (len(x) - 1))


def _modelo(x, modelo):
    return pca(x) if modelo is None else modelo


def _numero_componentes(q, modelo):
    total = len(modelo.varianzas)
    return total if q is None else comprobar(q, "q", Intervalo(Integral, 1, total))


def decorrelar(x, q=None, modelo=None):
    """Coordenadas de `x` en los `q` primeros componentes principales: `(x − media) Vᵀ`.

    Sin `modelo` se calcula el PCA de `x`; con el del entrenamiento (`pca(x_train)`) se transforma el test.
    La covarianza del resultado es diagonal (las variables quedan decorreladas), con las varianzas en la
    diagonal.
    """
    x = _datos(x, minimo=1 if modelo is not None else 2)
    modelo = _modelo(x, modelo)
    q = _numero_componentes(q, modelo)
    return (x - modelo.media) @ modelo.componentes[:q].T


@validar_parametros(metodo=Opciones("pca", "zca"), epsilon=NO_NEGATIVO)
def matriz_blanqueo(modelo, metodo="pca", epsilon=0.0, q=None):
    """Matriz W tal que `(x − media) @ W` blanquea los datos del `modelo` (un `PCA`).

    - `"pca"`: W = V_qᵀ diag(1/√(λ + ε)), de forma (d, q): rota a los ejes principales y divide cada
      componente por la raíz de su varianza (la clase: «dividiendo los componentes principales por las
      raíces cuadradas de sus respectivos eigenvalues»).
    - `"zca"`: W = Vᵀ diag(1/√(λ + ε)) V, de forma (d, d) y simétrica: el blanqueo PCA seguido de la rotación
      de vuelta a los ejes originales (Bell y Sejnowski, 1997).

    `epsilon` (ε) regulariza las varianzas casi nulas (en imágenes, los píxeles del borde siempre negros);
    con ε = 0, una varianza nula (menor que 1e-12 veces la mayor, error de redondeo) es un error.
    """
    q = _numero_componentes(q, modelo) if metodo == "pca" else len(modelo.varianzas)
    varianzas = modelo.varianzas[:q] + epsilon
    if np.any(varianzas <= 1e-12 * max(float(modelo.varianzas.max()), 0.0)) or np.any(varianzas <= 0):
        raise ErrorParametro(
            mensaje("epsilon", "un número positivo que evite las varianzas nulas de algunos componentes", epsilon)
            + " Use un 'epsilon' positivo o menos componentes 'q'."
        )
    escalado = modelo.componentes[:q].T / np.sqrt(varianzas)  # (d, q)
    if metodo == "pca":
        return escalado
    return escalado @ modelo.componentes[:q]


def blanqueo_pca(x, q=None, epsilon=0.0, modelo=None):
    """Blanqueo PCA: `(x − media) V_qᵀ / √(λ + ε)`; la covarianza del resultado es la identidad (con ε = 0).

    Igual que `sklearn.decomposition.PCA(q, whiten=True)` salvo el signo de cada componente.
    """
    x = _datos(x, minimo=1 if modelo is not None else 2)
    modelo = _modelo(x, modelo)
    return (x - modelo.media) @ matriz_blanqueo(modelo, "pca", epsilon, q)


def blanqueo_zca(x, epsilon=0.0, modelo=None):
    """Blanqueo ZCA: `(x − media) Vᵀ diag(1/√(λ + ε)) V`; covarianza identidad y mismos ejes que `x`.

    De todos los blanqueos (todas las W con W Σ Wᵀ = I) es el que deja los datos más cerca de los
    originales centrados (mínimo error cuadrático medio): en imágenes, el resultado todavía parece la imagen,
    con los bordes realzados.
    """
    x = _datos(x, minimo=1 if modelo is not None else 2)
    modelo = _modelo(x, modelo)
    return (x - modelo.media) @ matriz_blanqueo(modelo, "zca", epsilon)


def reducir_svd(x, q):
    """Reducción de dimensionalidad con la SVD: X ≈ Ũ D̃ Ṽᵀ con los `q` primeros valores singulares.

    Devuelve `ReduccionSVD(proyeccion, reconstruccion, varianza_explicada, pca)`: las coordenadas Ũ D̃ (n, q)
    de cada ejemplo en los q componentes, la reconstrucción Ũ D̃ Ṽᵀ + media (n, d) y la fracción de la
    varianza total que conservan (el ejemplo de las caras: 50 de 4.096 dimensiones explican el 90 %).
    """
    x = _datos(x)
    modelo = pca(x)
    q = _numero_componentes(q, modelo)
    proyeccion = (x - modelo.media) @ modelo.componentes[:q].T
    reconstruccion = proyeccion @ modelo.componentes[:q] + modelo.media
    return ReduccionSVD(proyeccion, reconstruccion, float(modelo.varianza_explicada[:q].sum()), modelo)


@validar_parametros(fraccion=Intervalo(Real, 0, 1, cerrado="derecha"))
def componentes_para(modelo, fraccion=0.9):
    """Cuántos componentes hacen falta para explicar al menos `fraccion` de la varianza (0 < fraccion ≤ 1)."""
    acumulada = np.cumsum(modelo.varianza_explicada)
    return int(min(np.searchsorted(acumulada, fraccion - 1e-12) + 1, len(acumulada)))
