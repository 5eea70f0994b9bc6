"""Ejercicios ejecutables de las prácticas. Cada uno compone `datos`, `modelos` y `utilidades`."""
