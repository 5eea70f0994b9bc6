"""Errores de datos con mensajes en español que dicen qué archivo falla y qué hacer."""


class ErrorDatos(ValueError):
    """Los datos existen pero no tienen el formato esperado (archivo dañado, forma incorrecta...)."""


class DatosNoDisponibles(ErrorDatos, FileNotFoundError):
    """No se encuentran los datos en disco y no se pueden descargar."""
