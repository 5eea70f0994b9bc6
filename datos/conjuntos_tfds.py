"""Conjuntos de datos preparados con tensorflow-datasets (TFDS): las fuentes `tfds:cifar100` y `tfds:caltech_birds2010`.

Muchos laboratorios tienen una carpeta de TFDS compartida, preparada una vez con conexión y leída después
sin ella por todos. La carpeta se elige así: `--tfds-dir DIR` (el argumento `carpeta`), si no la variable
de entorno `TFDS_DATA_DIR`, y si no la de TFDS por defecto, `~/tensorflow_datasets`.

Aquí solo se leen datos ya preparados y nunca se descarga nada (`download=False`, `try_gcs=False`: ni
la descarga original ni la copia de Google Cloud Storage). Si el conjunto no está preparado en esa carpeta,
el error (`DatosNoDisponibles`) dice en qué carpeta se ha buscado y la orden que lo prepara en una máquina
con conexión (`orden_preparar`).

El paquete `tensorflow_datasets` solo se importa al usar una de estas fuentes.
"""

import contextlib
import os

import numpy as np

from datos.errores import DatosNoDisponibles, ErrorDatos

PREFIJO = "tfds:"
VARIABLE_ENTORNO = "TFDS_DATA_DIR"
# fuente -> (nombre en TFDS, forma de las imágenes que da, número de clases que da)
CONJUNTOS = {
    "tfds:cifar100": ("cifar100", (32, 32, 3), 25),
    "tfds:caltech_birds2010": ("caltech_birds2010", (224, 224, 3), 200),
}
NUM_CLASES_CIFAR = 25
LOTE_LECTURA = 1024
# Búfer del lector de cada archivo TFRecord (TFDS usa 8 MiB). Cada época crea un lector nuevo, y con 8 MiB
# la memoria del proceso crecía época a época (unos 140 MB en 24 épocas, al retener glibc los búferes
# liberados en las arenas de los hilos de tf.data); con 1 MiB, unos 40 MB (docs/rendimiento.md).
BUFER_LECTURA = 1 << 20


def es_fuente_tfds(fuente):
    """¿Es `fuente` el nombre de una fuente de TFDS (`tfds:...`)?"""
    return isinstance(fuente, str) and fuente.startswith(PREFIJO)


def nombre_tfds(fuente):
    """Nombre en TFDS de la fuente (`tfds:cifar100` -> `cifar100`); `DatosNoDisponibles` si no es una de `CONJUNTOS`."""
    if fuente not in CONJUNTOS:
        raise DatosNoDisponibles(
            f"Fuente de TFDS desconocida: '{fuente}'. Las fuentes de tensorflow-datasets son {', '.join(CONJUNTOS)}."
        )
    return CONJUNTOS[fuente][0]


def carpeta_tfds(carpeta=None):
    """Carpeta de datos de TFDS: `carpeta` (`--tfds-dir`), `$TFDS_DATA_DIR` o `~/tensorflow_datasets`."""
    carpeta = carpeta or os.environ.get(VARIABLE_ENTORNO) or os.path.join("~", "tensorflow_datasets")
    return os.path.abspath(os.path.expanduser(os.fspath(carpeta)))


def orden_preparar(nombre, carpeta):
    """La orden que prepara el conjunto `nombre` de TFDS en `carpeta` (en una máquina con conexión)."""
    return (
        f'python -c "import tensorflow_datasets as tfds; '
        f"tfds.builder('{nombre}', data_dir=r'{carpeta}').download_and_prepare()\""
    )


def _importar_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise DatosNoDisponibles(
            f"Las fuentes {', '.join(CONJUNTOS)} necesitan el paquete tensorflow-datasets ({e}). "
            "Instálelo con: pip install 'tensorflow-datasets>=4.9,<5'"
        ) from None
    return tfds


@contextlib.contextmanager
def _sin_avisos_absl():
    """Calla los avisos de absl de TFDS al buscar un conjunto que no está (el error propio lo explica)."""
    from absl import logging

    antes = logging.get_verbosity()
    logging.set_verbosity(logging.ERROR)
    try:
        yield
    finally:
        logging.set_verbosity(antes)


def _versiones_preparadas(carpeta_conjunto):
    """Subcarpetas `X.Y.Z` de `carpeta_conjunto` con `dataset_info.json` (preparadas), de la más nueva a la más vieja."""
    if not os.path.isdir(carpeta_conjunto):
        return []
    versiones = []
    for entrada in os.scandir(carpeta_conjunto):
        partes = entrada.name.split(".")
        if entrada.is_dir() and len(partes) == 3 and all(p.isdigit() for p in partes):
            if os.path.isfile(os.path.join(entrada.path, "dataset_info.json")):
                versiones.append((tuple(int(p) for p in partes), entrada.path))
    return [ruta for _, ruta in sorted(versiones, reverse=True)]


def constructor_tfds(fuente, carpeta=None):
    """El constructor (`DatasetBuilder`) de TFDS de `fuente`, preparado en la carpeta de datos; no descarga nada.

    Se usa la versión del conjunto que conoce el tensorflow-datasets instalado; si en la carpeta solo hay
    otra versión preparada, se lee esa (`tfds.builder_from_directory`). Si no hay ninguna,
    `DatosNoDisponibles` con la carpeta en que se ha buscado y la orden que la prepara.
    """
    nombre = nombre_tfds(fuente)
    tfds = _importar_tfds()
    carpeta = carpeta_tfds(carpeta)
    buscada = os.path.join(carpeta, nombre)
    with _sin_avisos_absl():
        try:
            constructor = tfds.builder(nombre, data_dir=carpeta, try_gcs=False)
        except tfds.core.DatasetNotFoundError:  # este tensorflow-datasets no conoce el conjunto: se lee de la carpeta
            constructor = None
        if constructor is not None:
            if constructor.is_prepared():
                return constructor
            buscada = constructor.data_dir
        otras = _versiones_preparadas(os.path.join(carpeta, nombre))
        if otras:
            return tfds.builder_from_directory(otras[0])
    raise DatosNoDisponibles(
        f"No se encuentra el conjunto '{nombre}' de tensorflow-datasets preparado en '{carpeta}' (se ha buscado "
        f"'{buscada}'). La carpeta se indica con --tfds-dir o con la variable {VARIABLE_ENTORNO}; "
        f"sin ninguna de las dos es ~/tensorflow_datasets. Aquí no se descarga nada: prepárelo una vez en una "
        f"máquina con conexión con\n    {orden_preparar(nombre, carpeta)}\ny, si esa máquina es otra, copie "
        f"aquí la carpeta '{os.path.join(carpeta, nombre)}' entera."
    )


def leer_particion(constructor, particion, campos=("image", "label"), sin_decodificar=()):
    """`tf.data.Dataset` de diccionarios con los `campos` de `particion`, en el orden de los registros.

    Solo se leen los `campos` pedidos (`tfds.decode.PartialDecoding`); los de `sin_decodificar` se dejan
    como los bytes guardados (p. ej. la imagen JPEG, para decodificarla después en paralelo). Sin barajar
    archivos ni caché automática: el orden es siempre el mismo y nada se queda en memoria. Cada archivo se
    lee con un búfer de `BUFER_LECTURA`.
    """
    tfds = _importar_tfds()
    if particion not in constructor.info.splits:
        raise ErrorDatos(
            f"El conjunto '{constructor.name}' de '{constructor.data_dir}' no tiene la partición '{particion}' "
            f"(tiene {', '.join(sorted(constructor.info.splits))})."
        )
    decodificadores = tfds.decode.PartialDecoding(
        {c: True for c in campos}, decoders={c: tfds.decode.SkipDecoding() for c in sin_decodificar} or None
    )
    lectura = tfds.ReadConfig(try_autocache=False, shuffle_seed=None, override_buffer_size=BUFER_LECTURA)
    with _sin_avisos_absl():  # avisos de obsolescencia internos de TFDS
        return constructor.as_dataset(
            split=particion, shuffle_files=False, decoders=decodificadores, read_config=lectura
        )


def num_ejemplos(constructor, particion):
    """Número de ejemplos de `particion` según la información del conjunto (sin leerlo)."""
    return int(constructor.info.splits[particion].num_examples)


def cargar_cifar100_tfds(carpeta=None, num_clases=NUM_CLASES_CIFAR):
    """`tfds:cifar100`: las `num_clases` primeras clases finas de CIFAR-100 preparado con TFDS.

    El mismo contrato que `cargarImagenes()` del profesor: `x_train, y_train, x_test, y_test`, imágenes
    float32 en [0, 1] de forma (N, 32, 32, 3) y etiquetas one-hot con `num_clases` columnas, según la
    etiqueta fina (`label`) de TFDS, que es la `fine_labels` del pickle; con el conjunto real, 12.500 y
    2.500 imágenes.

    Orden: son las mismas imágenes con las mismas etiquetas, pero no en el orden del pickle
    (`cifar-100-python.tar.gz`, que `cargarImagenes` conserva). Al preparar el conjunto, TFDS baraja los
    ejemplos con un hash de su clave (la posición en el archivo oficial) y aquí se leen en el orden de sus
    registros: un orden fijo, el mismo en todas las máquinas con la misma versión del conjunto, pero otro.
    El campo `id` de TFDS (`train_00042`) guarda la posición original. Con la misma semilla, la validación
    que aparta `getDataIterators` tiene por eso otras imágenes que con el pickle.
    """
    constructor = constructor_tfds("tfds:cifar100", carpeta)
    resultado = []
    for particion in ("train", "test"):

        def de_las_primeras(ejemplo):
            return ejemplo["label"] < num_clases

        def imagen_y_etiqueta(ejemplo):
            return ejemplo["image"], ejemplo["label"]

        ds = leer_particion(constructor, particion).filter(de_las_primeras).map(imagen_y_etiqueta).batch(LOTE_LECTURA)
        imagenes, etiquetas = [], []
        for x, y in ds.as_numpy_iterator():
            imagenes.append(x)
            etiquetas.append(y)
        if not imagenes:
            raise ErrorDatos(
                f"La partición '{particion}' de '{constructor.data_dir}' no tiene imágenes de las {num_clases} "
                "primeras clases de CIFAR-100."
            )
        x = np.concatenate(imagenes)
        if x.shape[1:] != (32, 32, 3):
            raise ErrorDatos(
                f"'{constructor.data_dir}' tiene imágenes de forma {x.shape[1:]}, no de 32×32×3: no es CIFAR-100."
            )
        resultado += [x.astype("float32") / 255.0, np.eye(num_clases, dtype="float32")[np.concatenate(etiquetas)]]
    return tuple(resultado)


def comprobar_forma_tfds(fuente, forma, para=None):
    """`ErrorDatos` si la fuente de TFDS `fuente` no da imágenes de `forma`, sin leer los datos."""
    _, tiene, clases = CONJUNTOS[fuente]
    if tuple(forma) != tiene:
        quien = f"{para} necesita" if para else "Se necesitan"
        dimensiones = "×".join(str(d) for d in tiene), "×".join(str(d) for d in forma)
        raise ErrorDatos(
            f"La fuente '{fuente}' da imágenes de {dimensiones[0]} y {clases} clases; {quien} imágenes de "
            f"{dimensiones[1]} (p. ej. --datos digitos, --datos cifar100 o --datos tfds:cifar100)."
        )


def caracteristicas_reales(nombre, carpeta):
    """Características y versión de la clase de TFDS `nombre` (de su código, sin datos ni red)."""
    tfds = _importar_tfds()
    constructor = tfds.builder(nombre, data_dir=os.fspath(carpeta))
    if constructor.is_prepared():
        raise FileExistsError(f"'{nombre}' ya está preparado en '{carpeta}'.")
    return constructor.info.features, str(constructor.version)


def preparar_pajaros_tfds(carpeta, jpeg):
    """Prepara `caltech_birds2010` de TFDS en `carpeta` con los JPEG (los mismos bytes) de la carpeta del curso `jpeg`.

    Sin red: el escritor de TFDS con las características y la versión de su clase. Las particiones son las de
    `train.txt` y `test.txt`; la etiqueta, el número de la especie menos 1, como en TFDS. La caja y la máscara
    de segmentación no significan nada (tienen la forma real). Lo usan las pruebas y los benchmarks.
    """
    from PIL import Image

    tfds = _importar_tfds()
    jpeg = os.fspath(jpeg)
    features, version = caracteristicas_reales("caltech_birds2010", carpeta)
    particiones = {}
    for particion in ("train", "test"):
        with open(os.path.join(jpeg, f"{particion}.txt"), encoding="utf-8") as f:
            relativas = f.read().split()
        ejemplos = []
        for relativa in relativas:
            especie = relativa.split("/")[0]
            with Image.open(os.path.join(jpeg, relativa)) as imagen:
                ancho, alto = imagen.size
            nombre = f"images/{relativa}"
            ejemplos.append(
                (
                    nombre,
                    {
                        "image": os.path.join(jpeg, relativa),  # los bytes del archivo, sin volver a codificar
                        "image/filename": nombre,
                        "label": int(especie.split(".")[0]) - 1,
                        "label_name": especie.split(".", 1)[1].lower(),
                        "bbox": tfds.features.BBox(ymin=0.1, xmin=0.2, ymax=0.9, xmax=0.8),
                        "segmentation_mask": np.zeros((alto, ancho, 1), dtype=np.uint8),
                    },
                )
            )
        particiones[particion] = ejemplos
    tfds.dataset_builders.store_as_tfds_dataset(
        name="caltech_birds2010",
        version=version,
        features=features,
        split_datasets=particiones,
        data_dir=os.fspath(carpeta),
    )
