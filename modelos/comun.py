"""Piezas comunes a los constructores de modelos: el prefijo de las cabezas y la comprobación de la entrada."""

# Las capas de la cabeza que se añade a una red base (BirdNet, VGG16 con transferencia) llevan este
# prefijo: marcan dónde corta el modelo `utilidades.caracteristicas.separar_modelo`.
PREFIJO_CABEZA = "cabeza_"


def validar_entrada(input_shape, num_clases, minimo=None):
    """Comprueba `input_shape` (alto, ancho, canales) y `num_clases`, con errores en español."""
    if len(tuple(input_shape)) != 3 or any(int(d) < 1 for d in input_shape):
        raise ValueError(f"'input_shape' debe ser (alto, ancho, canales) con enteros positivos y es {input_shape}.")
    if minimo is not None and min(input_shape[:2]) < minimo:
        raise ValueError(
            f"'input_shape' {tuple(input_shape)} es demasiado pequeño: esta red necesita imágenes de al menos "
            f"{minimo}×{minimo}."
        )
    if int(num_clases) < 2:
        raise ValueError(f"'num_clases' debe ser al menos 2 y es {num_clases}.")
