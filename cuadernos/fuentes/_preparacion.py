# Trozo común de la primera celda de todos los cuadernos: instala el paquete si falta, TensorFlow en
# silencio, modo rápido, carpeta de salida y GPU. `cuadernos/generar.py` pone este texto (desde «# %%») en
# lugar de la línea `from _preparacion import *` de cada fuente. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402

# %%
from _instalacion import *  # instala el paquete si falta: cuadernos/fuentes/_instalacion.py

import os
import tempfile
import warnings

# %matplotlib inline
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # sin los mensajes internos de TensorFlow (sí sus errores)
from datos.silencio import instalar as silenciar_tensorflow  # noqa: E402

silenciar_tensorflow()  # sin los mensajes de arranque de TensorFlow, con sus errores (datos/silencio.py)
import tensorflow as tf  # noqa: E402  (después de TF_CPP_MIN_LOG_LEVEL y del filtro)

# Modo rápido (PRACTICAS_RAPIDO=1): pocas imágenes y épocas. Con tan pocos datos compilar los grafos de
# TensorFlow cuesta más que ejecutar paso a paso, así que se ejecuta paso a paso.
RAPIDO = os.environ.get("PRACTICAS_RAPIDO") == "1"
if RAPIDO:
    tf.config.run_functions_eagerly(True)
    warnings.filterwarnings("ignore", message="Even though the `tf.config.experimental_run_functions_eagerly`")
SALIDA = os.environ.get("PRACTICAS_SALIDA") or tempfile.mkdtemp(prefix="practicas-")
GPUS = tf.config.list_physical_devices("GPU")
