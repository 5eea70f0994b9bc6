"""Calificación automática de las prácticas con pytest (al estilo de otter-grader, nbgrader y Gradescope).

- `comparar_arquitectura(modelo, referencia)`: diferencias capa a capa, en español.
- `ejecutar_entrega(ruta, tareas)`: ejecuta una entrega `.py`/`.ipynb` en otro proceso, con límites.
- `plugin`: complemento de pytest (`-p utilidades.calificacion.plugin --entrega RUTA`).
- `calificar_entrega`, `calificar_clase`: una entrega o una carpeta entera (`python -m utilidades.calificacion`).
"""
from utilidades.calificacion.arquitectura import ComparacionArquitectura, comparar_arquitectura, describir_modelo
from utilidades.calificacion.clase import calificar_clase, calificar_entrega
from utilidades.calificacion.entregas import ErrorEntrega, ResultadoEntrega, ejecutar_entrega, leer_entrega

__all__ = [
    "comparar_arquitectura",
    "describir_modelo",
    "ComparacionArquitectura",
    "leer_entrega",
    "ejecutar_entrega",
    "ResultadoEntrega",
    "ErrorEntrega",
    "calificar_entrega",
    "calificar_clase",
]
