# Trozo común de la primera celda de los cuadernos con CIFAR-100: elige los datos («auto»).
# `cuadernos/generar.py` pone este texto (desde «# %%») en lugar de la línea `from _datos_cifar import *`.
# Este preámbulo no pasa al cuaderno.
import os

# %%
# Datos: "auto" elige CIFAR-100 si ya está en esta máquina (caché de Keras o tensorflow-datasets), sin
# descargar nada; si no, los dígitos de scikit-learn incluidos en el paquete.
DATOS = os.environ.get("PRACTICAS_DATOS", "auto")
if DATOS == "auto":
    from datos import DatosNoDisponibles, carpeta_tfds
    from datos.cifar100 import localizar_cifar100

    try:
        localizar_cifar100(descargar=False)
        DATOS = "cifar100"
    except DatosNoDisponibles:
        DATOS = "tfds:cifar100" if os.path.isdir(os.path.join(carpeta_tfds(), "cifar100")) else "digitos"
