"""La familia de errores del paquete: mensajes en español que dicen qué argumento o archivo falla y qué hacer.

Todos heredan de `ErrorPracticas`, y `python -m practicas` explica en una línea solo estos; cualquier otro
error (de Keras, de TensorFlow o un fallo de programación nuestro) muestra su traceback. Cada clase hereda
también la excepción estándar que le corresponde, para que `except ValueError` (o `FileNotFoundError`) siga
funcionando en el código de los estudiantes.

- `ErrorParametro`: un argumento de una función o una opción con un valor no válido (como el
  `InvalidParameterError` de scikit-learn, es a la vez `ValueError` y `TypeError`).
- `ErrorDatos`: los datos existen pero no tienen el formato esperado (archivo dañado, forma incorrecta...).
- `DatosNoDisponibles`: no se encuentran los datos en disco y no se pueden descargar.
"""


class ErrorPracticas(Exception):
    """Base de los errores del paquete (se explican en una línea, sin traceback)."""


class ErrorParametro(ErrorPracticas, ValueError, TypeError):
    """Un argumento o una opción con un valor no válido: el mensaje nombra el argumento y lo que admite."""


class ErrorDatos(ErrorPracticas, ValueError):
    """Los datos existen pero no tienen el formato esperado (archivo dañado, forma incorrecta...)."""


class DatosNoDisponibles(ErrorDatos, FileNotFoundError):
    """No se encuentran los datos en disco y no se pueden descargar."""
