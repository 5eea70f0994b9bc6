"""La API de entrenamiento del estudiante: compilar, entrenar, evaluar, dibujar y escribir resultados.

`from utilidades import compileModel, trainModel, testModel` es lo que usan los scripts del curso. El
resto del paquete: `utilidades.resultados` (el único escritor de resultados), `utilidades.tasas` (programas
de la tasa de aprendizaje), `utilidades.caracteristicas` (caché de características) y
`utilidades.parada_temprana` (la regla de la clase como callback). El material de las clases en NumPy es
el paquete `teoria`. La corrección de entregas es otro producto: el paquete `calificacion`.

Los nombres se cargan al usarlos (PEP 562): `import utilidades.resultados` o la calificación no pagan
la importación de TensorFlow. La GPU se configura (`configCUDA`, §1) una sola vez, la primera vez que se
pide uno de los ayudantes de entrenamiento, antes de crear ningún modelo (`python -m practicas` lo hace al
arrancar TensorFlow).
"""

import importlib

from datos._perezoso import exportador
from datos._sombras import comprobar_paquetes

comprobar_paquetes()  # avisa si un modelos.py o una carpeta datos/ del usuario tapa otro paquete

_EXPORTADOS = {
    "compileModel": "entrenamiento",
    "trainModel": "entrenamiento",
    "GarbageCollectorCallback": "entrenamiento",
    "testModel": "evaluacion",
    "calcularAccuracy": "evaluacion",
    "mostrarEvolucion": "graficas",
    "figura_evolucion": "graficas",
    "configCUDA": "dispositivo",
    "fijar_semilla": "dispositivo",
    "crear_programa": "tasas",
    "TasaPorRendimiento": "tasas",
    "ParadaTemprana": "parada_temprana",  # un callback para trainModel, escrito con la regla de la clase
}

__all__ = list(_EXPORTADOS)


def _configurar_gpu():
    importlib.import_module("utilidades.dispositivo").configCUDA()


__getattr__, __dir__ = exportador(__name__, _EXPORTADOS, al_cargar=_configurar_gpu)
