"""Calificación automática de las prácticas con pytest, ejecutando cada entrega entera en un aislamiento.

- `entregas`: encontrar las entregas de una clase (archivos, carpetas, zip de Moodle) y ejecutarlas.
- `aislamiento`: bubblewrap con límites (o un repliegue explícito sin él).
- `arnes`: lo que corre dentro, junto al código del estudiante (adaptaciones de Keras 2 y Colab).
- `reconstruccion`: los modelos de la entrega, reconstruidos desde sus configuraciones en un proceso aparte.
- `observacion`: los modelos y datos observados, listos para las pruebas.
- `plugin`: complemento de pytest (`pytest suite.py --entrega RUTA`); `clase`: una clase entera.
- `arquitectura`: comparación de arquitecturas capa a capa, en español.

Nada de esto importa TensorFlow al cargarse: solo cuando hay que reconstruir un modelo.
"""

from datos._perezoso import exportador

_EXPORTADOS = {
    "comparar_arquitectura": "arquitectura",
    "describir_modelo": "arquitectura",
    "ComparacionArquitectura": "arquitectura",
    "buscar_entregas": "entregas",
    "ejecutar_entrega": "ejecucion",
    "ErrorEntrega": "entregas",
    "calificar_entrega": "clase",
    "calificar_clase": "clase",
}

__all__ = list(_EXPORTADOS)
__getattr__, __dir__ = exportador(__name__, _EXPORTADOS)
