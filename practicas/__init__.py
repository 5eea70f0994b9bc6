"""Ejercicios ejecutables de las prácticas. Cada uno compone `datos`, `modelos` y `utilidades`."""

__version__ = "0.2.0"
