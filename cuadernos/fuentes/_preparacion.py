# Trozo común de la primera celda de todos los cuadernos: instala el paquete si falta, TensorFlow en
# silencio, modo rápido, carpeta de salida y GPU. `cuadernos/generar.py` pone este texto (desde «# %%») en
# lugar de la línea `from _preparacion import *` de cada fuente. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402

# %%
import os
import sys
import tempfile
import warnings

REPOSITORIO = "https://github.com/<curso>/practicas-keras"
try:
    import practicas
except ImportError:  # en Colab, o en un entorno sin el paquete: se instala desde el repositorio del curso
    # %pip install -q git+{REPOSITORIO}
    import importlib

    importlib.invalidate_caches()
    import practicas

# %matplotlib inline
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # sin los mensajes internos de TensorFlow
import tensorflow as tf  # noqa: E402  (después de TF_CPP_MIN_LOG_LEVEL)

# Modo rápido (PRACTICAS_RAPIDO=1): pocas imágenes y épocas. Con tan pocos datos compilar los grafos de
# TensorFlow cuesta más que ejecutar paso a paso, así que se ejecuta paso a paso.
RAPIDO = os.environ.get("PRACTICAS_RAPIDO") == "1"
if RAPIDO:
    tf.config.run_functions_eagerly(True)
    warnings.filterwarnings("ignore", message="Even though the `tf.config.experimental_run_functions_eagerly`")
SALIDA = os.environ.get("PRACTICAS_SALIDA") or tempfile.mkdtemp(prefix="practicas-")
GPUS = tf.config.list_physical_devices("GPU")
