"""Piezas comunes a los constructores de modelos: el prefijo de las cabezas y la comprobación de la entrada."""

from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, Integral, Intervalo, comprobar, mensaje

# Las capas de la cabeza que se añade a una red base (BirdNet, VGG16 con transferencia) llevan este
# prefijo: marcan dónde corta el modelo `utilidades.caracteristicas.separar_modelo`.
PREFIJO_CABEZA = "cabeza_"


def validar_entrada(input_shape, num_clases, minimo=None):
    """Comprueba `input_shape` (alto, ancho, canales) y `num_clases` (`ErrorParametro` con la plantilla única).

    `minimo`: lado mínimo de las imágenes que admite la red. Devuelve `input_shape` como tupla de enteros.
    """
    try:
        forma = tuple(input_shape)  # también la forma de un array o un tensor (x.shape[1:])
    except TypeError:
        forma = ()
    if len(forma) != 3 or not all(ENTERO_POSITIVO.admite(d) for d in forma):
        raise ErrorParametro(
            mensaje("input_shape", "una tupla (alto, ancho, canales) de enteros positivos", input_shape)
        )
    forma = tuple(int(d) for d in forma)
    if minimo is not None and min(forma[:2]) < minimo:
        raise ErrorParametro(
            mensaje("input_shape", f"una forma de al menos {minimo}×{minimo} píxeles de alto y ancho", forma)
            + " Ese tamaño es demasiado pequeño para esta red."
        )
    comprobar(num_clases, "num_clases", Intervalo(Integral, 2, None))
    return forma
