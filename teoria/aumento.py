"""Aumento de datos de las clases, en NumPy y SciPy: color, recorte y escala, ruido y deformaciones elásticas.

Bariloche, «Aumentación de datos»: *color jitter* simple (contraste y brillo aleatorios:
`jitter_brillo_contraste`) y complejo (PCA de los colores RGB de todo el conjunto de entrenamiento y un
desplazamiento en la dirección de los componentes principales, sumado a todos los píxeles de la imagen:
`pca_color` y `jitter_color_pca`, el aumento de AlexNet, Krizhevsky et al. 2012), cortar y aumentar
(*crop & scale*: `recorte_escala`) y deformaciones no rígidas (`deformacion_elastica`, Simard et al. 2003).
CNNs, «Data augmentation»: agregar ruido (`ruido_gaussiano`) y aumento *offline* (un conjunto ampliado
calculado una vez) frente a *online* (una distorsión nueva en cada época): `aumentar_lote` sirve para los dos.

Las imágenes son arrays float en [0, 1] de forma (alto, ancho) o (alto, ancho, canales); cada función
recibe un `generador` de NumPy (`np.random.default_rng(semilla)`) para que el azar sea repetible. Las
funciones de una imagen y `aumentar_lote` comparten el código: cada transformación está escrita para un
lote entero (n, alto, ancho, canales) de una vez, sin bucles de Python por imagen.
"""

import numpy as np
from scipy import ndimage

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, NO_NEGATIVO, Intervalo, Par, Real, comprobar, mensaje, validar_parametros

__all__ = [
    "TRANSFORMACIONES",
    "aumentar",
    "aumentar_lote",
    "campos_elasticos",
    "deformacion_elastica",
    "jitter_brillo_contraste",
    "jitter_color_pca",
    "muestrear_bilineal",
    "pca_color",
    "recorte_escala",
    "redimensionar",
    "ruido_gaussiano",
]

# Las transformaciones de `aumentar`, en el orden en que se aplican: primero las geométricas (recorte y
# escala, deformación elástica), luego las de color y por último el ruido.
TRANSFORMACIONES = ("recorte-escala", "elastica", "brillo-contraste", "color-pca", "ruido")

# Fracción del lado que ocupa el recorte en `recorte_escala`: un par (mínimo, máximo) en (0, 1].
ESCALA = Par(Intervalo(Real, 0, 1, cerrado="derecha"))

# Valores por defecto de `aumentar` y `aumentar_lote` (se cambian con `parametros`).
PARAMETROS = {
    "brillo": 0.2,
    "contraste": 0.3,
    "sigma_color": 0.1,
    "escala": (0.7, 1.0),
    "sigma_ruido": 0.03,
    "alfa_elastica": 34.0,
    "sigma_elastica": 4.0,
}


def _imagen(imagen, nombre="imagen", canales=None):
    """`imagen` como array float64 (alto, ancho) o (alto, ancho, canales), finito."""
    try:
        imagen = np.asarray(imagen, dtype="float64")
    except (TypeError, ValueError):
        raise ErrorParametro(mensaje(nombre, "un array de números", es="otra cosa")) from None
    if imagen.ndim not in (2, 3) or min(imagen.shape[:2]) < 2:
        raise ErrorParametro(
            mensaje(
                nombre,
                "una imagen de forma (alto, ancho) o (alto, ancho, canales), de al menos 2×2",
                es=f"de forma {imagen.shape}",
            )
        )
    if canales is not None and (imagen.ndim != 3 or imagen.shape[2] != canales):
        raise ErrorParametro(
            mensaje(nombre, f"una imagen de {canales} canales (alto, ancho, {canales})", es=f"de forma {imagen.shape}")
        )
    if not np.all(np.isfinite(imagen)):
        raise ErrorParametro(
            mensaje(nombre, "una imagen de números finitos", es="una con valores no finitos (NaN o infinito)")
        )
    return imagen


def _lote(imagen):
    """Una imagen (alto, ancho[, canales]) como lote (1, alto, ancho, canales), y la función que la devuelve."""
    if imagen.ndim == 2:
        return imagen[None, :, :, None], lambda x: x[0, :, :, 0]
    return imagen[None], lambda x: x[0]


def _generador(generador):
    return generador if generador is not None else np.random.default_rng()


def _limitar(x, limitar):
    return np.clip(x, 0.0, 1.0) if limitar else x


def muestrear_bilineal(imagenes, filas, columnas):
    """Valor de `imagenes` (n, alto, ancho, canales) en las coordenadas reales `filas`, `columnas` (n, h, w).

    Interpolación bilineal; las coordenadas fuera de la imagen se llevan al borde más cercano. En
    coordenadas enteras devuelve el píxel exacto. Es lo que hace `scipy.ndimage.map_coordinates(order=1,
    mode="nearest")` en cada imagen y canal, para todo el lote de una vez (en el tipo de `imagenes`).
    """
    n, alto, ancho, canales = imagenes.shape
    tipo = imagenes.dtype
    filas = np.clip(filas, 0, alto - 1).astype(tipo)
    columnas = np.clip(columnas, 0, ancho - 1).astype(tipo)
    # esquina superior izquierda de la celda; en el último píxel, la celda anterior con peso 1
    f0 = np.minimum(filas.astype(np.intp), alto - 2)
    c0 = np.minimum(columnas.astype(np.intp), ancho - 2)
    wf = (filas - f0).astype(tipo)[..., None]
    wc = (columnas - c0).astype(tipo)[..., None]
    base = (np.arange(n)[:, None, None] * alto + f0) * ancho + c0  # índice del píxel en el lote aplanado
    plano = imagenes.reshape(-1, canales)
    arriba = np.take(plano, base, axis=0) * (1 - wc) + np.take(plano, base + 1, axis=0) * wc
    abajo = np.take(plano, base + ancho, axis=0) * (1 - wc) + np.take(plano, base + ancho + 1, axis=0) * wc
    return arriba * (1 - wf) + abajo * wf


def _brillo_contraste(x, brillo, contraste, generador):
    n = len(x)
    c = generador.uniform(1.0 - contraste, 1.0 + contraste, size=(n, 1, 1, 1)).astype(x.dtype)
    b = generador.uniform(-brillo, brillo, size=(n, 1, 1, 1)).astype(x.dtype)
    media = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - media) * c + media + b


@validar_parametros(brillo=NO_NEGATIVO, contraste=NO_NEGATIVO)
def jitter_brillo_contraste(imagen, brillo=0.2, contraste=0.3, generador=None, limitar=True):
    """*Color jitter* simple: `(x − media)·c + media + b`, con c ~ U[1 − contraste, 1 + contraste] y
    b ~ U[−brillo, brillo] (los mismos para todos los píxeles y canales).
    """
    lote, volver = _lote(_imagen(imagen))
    return volver(_limitar(_brillo_contraste(lote, brillo, contraste, _generador(generador)), limitar))


def pca_color(imagenes):
    """PCA de los colores RGB de todos los píxeles de `imagenes` (n, alto, ancho, 3): la base del *color
    jitter* de AlexNet.

    Devuelve `(valores, vectores)`: los valores propios λ (3,), de mayor a menor, y los vectores propios p_i
    por columnas (3, 3) de la matriz de covarianza 3×3 de los píxeles, cada uno con el signo que hace
    positiva su coordenada de mayor valor absoluto.
    """
    imagenes = np.asarray(imagenes, dtype="float64")
    if imagenes.ndim != 4 or imagenes.shape[-1] != 3 or imagenes.shape[0] < 1:
        raise ErrorParametro(
            mensaje("imagenes", "un lote de imágenes en color (n, alto, ancho, 3)", es=f"de forma {imagenes.shape}")
        )
    pixeles = imagenes.reshape(-1, 3)
    if len(pixeles) < 2:
        raise ErrorParametro(
            mensaje("imagenes", "un lote con al menos 2 píxeles (para estimar la covarianza de los colores)", es="de 1")
        )
    valores, vectores = np.linalg.eigh(np.cov(pixeles, rowvar=False))
    orden = np.argsort(valores)[::-1]
    valores, vectores = valores[orden], vectores[:, orden]
    signos = np.sign(vectores[np.argmax(np.abs(vectores), axis=0), np.arange(3)])
    return np.maximum(valores, 0.0), vectores * np.where(signos == 0, 1.0, signos)


def _color(valores, vectores):
    valores = np.asarray(valores, dtype="float64")
    vectores = np.asarray(vectores, dtype="float64")
    if valores.shape != (3,) or vectores.shape != (3, 3):
        raise ErrorParametro(
            mensaje(
                "color",
                "los (valores, vectores) de pca_color, de formas (3,) y (3, 3)",
                es=f"de formas {valores.shape} y {vectores.shape}",
            )
        )
    return valores, vectores


@validar_parametros(sigma=NO_NEGATIVO)
def jitter_color_pca(imagen, valores, vectores, sigma=0.1, generador=None, alfa=None, limitar=True):
    """*Color jitter* PCA de AlexNet: suma a cada píxel `Σ_i α_i λ_i p_i` con α_i ~ N(0, sigma).

    `valores` (λ) y `vectores` (p_i por columnas) son los de `pca_color` sobre el entrenamiento; se sortea un
    α por imagen, el mismo para todos sus píxeles. `alfa` (3,) fija los α en lugar de sortearlos. Devuelve
    `(imagen_aumentada, alfa)`. Krizhevsky et al. multiplican por λ (no por √λ): con píxeles en [0, 1] el
    desplazamiento es del orden de 0,1·λ, pequeño (cambia la iluminación, no el objeto).
    """
    imagen = _imagen(imagen, canales=3)
    valores, vectores = _color(valores, vectores)
    if alfa is None:
        alfa = _generador(generador).normal(0.0, sigma, size=3)
    alfa = np.asarray(alfa, dtype="float64")
    if alfa.shape != (3,):
        raise ErrorParametro(mensaje("alfa", "un array de forma (3,)", es=f"de forma {alfa.shape}"))
    desplazamiento = vectores @ (alfa * valores)  # Σ α_i λ_i p_i
    return _limitar(imagen + desplazamiento, limitar), alfa


@validar_parametros(alto=ENTERO_POSITIVO, ancho=ENTERO_POSITIVO)
def redimensionar(imagen, alto, ancho):
    """Remuestrea `imagen` a `alto`×`ancho` con interpolación bilineal y las esquinas alineadas."""
    lote, volver = _lote(_imagen(imagen))
    filas, columnas = np.meshgrid(
        np.linspace(0, lote.shape[1] - 1, alto), np.linspace(0, lote.shape[2] - 1, ancho), indexing="ij"
    )
    return volver(muestrear_bilineal(lote, filas[None], columnas[None]))


def _cajas(n, alto, ancho, escala, generador):
    """`n` cajas (fila, columna, alto, ancho) de lado U[escala]·lado, en posiciones al azar."""
    inferior, superior = comprobar(escala, "escala", ESCALA)
    fraccion = generador.uniform(inferior, superior, size=n)
    alto_caja = np.maximum(2, np.round(fraccion * alto)).astype("int64")
    ancho_caja = np.maximum(2, np.round(fraccion * ancho)).astype("int64")
    fila = np.floor(generador.uniform(size=n) * (alto - alto_caja + 1)).astype("int64")
    columna = np.floor(generador.uniform(size=n) * (ancho - ancho_caja + 1)).astype("int64")
    return np.stack([fila, columna, alto_caja, ancho_caja], axis=1)


def _recortar_y_escalar(x, cajas):
    """Cada imagen de `x` recortada a su caja y ampliada al tamaño original (una sola interpolación)."""
    alto, ancho = x.shape[1:3]
    paso_f = np.linspace(0, 1, alto)[None, :, None]
    paso_c = np.linspace(0, 1, ancho)[None, None, :]
    fila, columna, alto_caja, ancho_caja = (cajas[:, k, None, None].astype("float64") for k in range(4))
    forma = (len(x), alto, ancho)
    filas = np.broadcast_to(fila + paso_f * (alto_caja - 1), forma)
    columnas = np.broadcast_to(columna + paso_c * (ancho_caja - 1), forma)
    return muestrear_bilineal(x, filas, columnas)


def recorte_escala(imagen, escala=(0.6, 1.0), generador=None, caja=None):
    """Cortar + aumentar (*crop & scale*): recorta una zona y la amplía al tamaño original.

    El lado de la zona es una fracción U[escala[0], escala[1]] del lado de la imagen y su posición es
    aleatoria; `caja=(fila, columna, alto, ancho)` la fija. Devuelve `(imagen_aumentada, caja)`. «Partes de
    un objeto siguen siendo el mismo objeto.»
    """
    lote, volver = _lote(_imagen(imagen))
    alto, ancho = lote.shape[1:3]
    if caja is None:
        cajas = _cajas(1, alto, ancho, escala, _generador(generador))
    else:
        cajas = np.asarray(caja, dtype="int64").reshape(1, 4)
        fila, columna, alto_caja, ancho_caja = cajas[0]
        if (
            min(fila, columna) < 0
            or min(alto_caja, ancho_caja) < 2
            or fila + alto_caja > alto
            or columna + ancho_caja > ancho
        ):
            raise ErrorParametro(
                mensaje(
                    "caja",
                    f"una caja (fila, columna, alto, ancho) de al menos 2×2 dentro de la imagen de {alto}×{ancho}",
                    tuple(int(v) for v in cajas[0]),
                )
            )
    return volver(_recortar_y_escalar(lote, cajas)), tuple(int(v) for v in cajas[0])


@validar_parametros(sigma=NO_NEGATIVO)
def ruido_gaussiano(imagen, sigma=0.05, generador=None, limitar=True):
    """Agrega ruido N(0, sigma²) independiente a cada píxel y canal."""
    imagen = _imagen(imagen)
    return _limitar(imagen + _generador(generador).normal(0.0, sigma, size=imagen.shape), limitar)


@validar_parametros(n=ENTERO_POSITIVO, alto=ENTERO_POSITIVO, ancho=ENTERO_POSITIVO, alfa=NO_NEGATIVO, sigma=NO_NEGATIVO)
def campos_elasticos(n, alto, ancho, alfa=34.0, sigma=4.0, generador=None):
    """`n` campos de desplazamiento de Simard et al.: U(−1, 1) por píxel, suavizado con una gaussiana de
    desviación `sigma` y multiplicado por `alfa`. Devuelve `(dy, dx)`, cada uno de forma (n, alto, ancho)."""
    generador = _generador(generador)
    campos = generador.uniform(-1, 1, size=(2, n, alto, ancho))
    campos = ndimage.gaussian_filter(campos, (0, 0, sigma, sigma), mode="constant") * alfa
    return campos[0], campos[1]


def _deformar(x, dy, dx):
    filas, columnas = np.meshgrid(np.arange(x.shape[1]), np.arange(x.shape[2]), indexing="ij")
    return muestrear_bilineal(x, filas + dy, columnas + dx)


@validar_parametros(alfa=NO_NEGATIVO, sigma=NO_NEGATIVO)
def deformacion_elastica(imagen, alfa=34.0, sigma=4.0, generador=None, campos=None):
    """Deformación no rígida (elástica) de Simard, Steinkraus y Platt (2003).

    Se sortean dos campos de desplazamiento Δx, Δy ~ U(−1, 1) por píxel, se suavizan con una gaussiana de
    desviación `sigma` (en píxeles) y se multiplican por `alfa` (la intensidad, en píxeles): `campos_elasticos`.
    La imagen se remuestrea en (i + Δy, j + Δx) con interpolación bilineal; el mismo campo deforma todos los
    canales. Con σ pequeña el campo es casi aleatorio (ruido); con σ grande, casi una traslación; Simard et
    al. usan σ = 4 y α = 34 en MNIST (29×29). Con `alfa=0` devuelve la imagen tal cual. `campos=(dy, dx)`
    fija los desplazamientos (ya suavizados y escalados) en lugar de sortearlos.
    """
    lote, volver = _lote(_imagen(imagen))
    alto, ancho = lote.shape[1:3]
    if campos is None:
        dy, dx = campos_elasticos(1, alto, ancho, alfa, sigma, generador)
    else:
        dy, dx = (np.asarray(c, dtype="float64") for c in campos)
        if dy.shape != (alto, ancho) or dx.shape != (alto, ancho):
            raise ErrorParametro(
                mensaje(
                    "campos", f"dos arrays (dy, dx) de forma {(alto, ancho)}", es=f"de formas {dy.shape} y {dx.shape}"
                )
            )
        dy, dx = dy[None], dx[None]
    return volver(_deformar(lote, dy, dx))


def _aumentar(x, generador, transformaciones, color, parametros):
    """Aplica las `transformaciones` a un lote (n, alto, ancho, canales), con parámetros por imagen, en su tipo."""
    desconocidas = [t for t in transformaciones if t not in TRANSFORMACIONES]
    if desconocidas:
        raise ErrorParametro(
            mensaje(
                "transformaciones",
                f"algunas de {', '.join(TRANSFORMACIONES)}",
                es=f"una lista con desconocidas: {desconocidas}",
            )
        )
    desconocidos = sorted(set(parametros or {}) - set(PARAMETROS))
    if desconocidos:
        raise ErrorParametro(
            mensaje("parametros", f"un diccionario con claves de {', '.join(PARAMETROS)}", es=f"uno con {desconocidos}")
        )
    p = {**PARAMETROS, **(parametros or {})}
    if "color-pca" in transformaciones:
        if color is None:
            raise ErrorParametro(
                mensaje("color", "los (valores, vectores) de pca_color: hacen falta para 'color-pca'", None)
            )
        if x.shape[-1] != 3:
            raise ErrorParametro(
                mensaje(
                    "transformaciones",
                    "unas sin 'color-pca', que necesita imágenes de 3 canales,",
                    es=f"{tuple(transformaciones)} con imágenes de {x.shape[-1]} canales",
                )
            )
        valores, vectores = _color(*color)
    n, alto, ancho = x.shape[:3]
    if "recorte-escala" in transformaciones:
        x = _recortar_y_escalar(x, _cajas(n, alto, ancho, p["escala"], generador))
    if "elastica" in transformaciones:
        alfa = comprobar(p["alfa_elastica"], "alfa_elastica", NO_NEGATIVO)
        sigma = comprobar(p["sigma_elastica"], "sigma_elastica", NO_NEGATIVO)
        x = _deformar(x, *campos_elasticos(n, alto, ancho, alfa, sigma, generador))
    if "brillo-contraste" in transformaciones:
        brillo = comprobar(p["brillo"], "brillo", NO_NEGATIVO)
        x = _brillo_contraste(x, brillo, comprobar(p["contraste"], "contraste", NO_NEGATIVO), generador)
    if "color-pca" in transformaciones:
        alfas = generador.normal(0.0, comprobar(p["sigma_color"], "sigma_color", NO_NEGATIVO), size=(n, 3))
        x = x + ((alfas * valores) @ vectores.T)[:, None, None, :].astype(x.dtype)
    if "ruido" in transformaciones:
        sigma = comprobar(p["sigma_ruido"], "sigma_ruido", NO_NEGATIVO)
        x = x + sigma * generador.standard_normal(size=x.shape, dtype=x.dtype)
    return np.clip(x, 0.0, 1.0)


def aumentar(imagen, generador=None, transformaciones=TRANSFORMACIONES, color=None, parametros=None):
    """Mezcla aleatoria de las `transformaciones` pedidas, en el orden de `TRANSFORMACIONES`.

    `color=(valores, vectores)` (de `pca_color`) hace falta para `"color-pca"`. `parametros` cambia los
    valores por defecto de `PARAMETROS`: `brillo`, `contraste`, `sigma_color`, `escala`, `sigma_ruido`,
    `alfa_elastica`, `sigma_elastica`. Cada transformación se aplica siempre (el azar está en sus parámetros).
    """
    lote, volver = _lote(_imagen(imagen))
    return volver(_aumentar(lote, _generador(generador), transformaciones, color, parametros))


@validar_parametros(copias=ENTERO_POSITIVO)
def aumentar_lote(imagenes, generador=None, copias=1, transformaciones=TRANSFORMACIONES, color=None, parametros=None):
    """`copias` versiones aumentadas de cada imagen de `imagenes` (n, alto, ancho[, canales]), en float32.

    Devuelve un array (copias·n, ...) con las copias una tras otra (las n imágenes aumentadas una vez, luego
    otra vez...). *Offline*: se llama una vez y se guarda el conjunto ampliado; *online*: se llama en cada
    época con el mismo generador, que da distorsiones nuevas. Los demás argumentos son los de `aumentar`.
    """
    imagenes = np.asarray(imagenes, dtype="float32")
    if imagenes.ndim not in (3, 4) or len(imagenes) < 1 or min(imagenes.shape[1:3]) < 2:
        raise ErrorParametro(
            mensaje(
                "imagenes",
                "un lote no vacío de imágenes (n, alto, ancho[, canales]) de al menos 2×2",
                es=f"de forma {imagenes.shape}",
            )
        )
    generador = _generador(generador)
    lote = imagenes if imagenes.ndim == 4 else imagenes[..., None]
    salida = np.concatenate([_aumentar(lote, generador, transformaciones, color, parametros) for _ in range(copias)])
    return salida if imagenes.ndim == 4 else salida[..., 0]
