"""Caltech-UCSD Birds 200 (2010) con el contrato de `cargarDatos()` del profesor (práctica 3, §4).

La carpeta de los datos contiene una subcarpeta por especie, `NNN.Especie/archivo.jpg` (200 especies,
6.033 imágenes), y dos listas, `train.txt` y `test.txt`, con una ruta relativa por línea (unas 3.000 de
entrenamiento y 3.033 de test). La clase de cada imagen es el nombre de su carpeta.

Memoria: a 224×224×3 las 6.033 imágenes ocupan 0,91 GB en uint8 y 3,63 GB en float32 (la conversión a
float32 del informe es lo que agotaba la RAM). `cargarDatos` devuelve uint8 salvo que se pida float32, y
`pipeline_desde_archivos` lee las imágenes de disco por lotes sin tenerlas todas en memoria.

Los mismos pájaros preparados con tensorflow-datasets (`tfds:caltech_birds2010`) se abren con
`abrir_pajaros`, que da un `ListadoTfds`: las imágenes se leen de los registros de TFDS con la misma
tubería (`pipeline_desde_archivos` sobre un `tf.data.Dataset`), también sin tenerlas en memoria.
"""

import contextlib
import functools
import os
import tempfile
from typing import NamedTuple

import numpy as np

from datos.conjuntos_tfds import constructor_tfds, es_fuente_tfds, leer_particion, num_ejemplos
from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from datos.validacion import TAMANO_IMAGEN, Integral, Intervalo, Opciones, comprobar, mensaje

LISTAS = ("train.txt", "test.txt")
TAMANO = 224  # lado de las imágenes que se leen (`tamano`: un entero, imagen cuadrada, o (alto, ancho))
# Primeros bytes de los formatos que lee `tf.io.decode_image`.
FIRMAS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")  # JPEG, PNG, GIF, BMP
FORMATO = "La carpeta debe contener train.txt, test.txt y las carpetas NNN.Especie con las imágenes (CUB-200)."


PARTICIONES = ("train", "test")


class Listado(NamedTuple):
    """Rutas absolutas y etiquetas one-hot de las dos particiones, y los nombres de las clases (en orden).

    Los métodos (`num`, `origen`, `pipeline`, `legibles`) son los mismos que los de `ListadoTfds`: el
    ejercicio 3 trata igual una carpeta de pájaros y los pájaros de TFDS.
    """

    rutas_train: list
    y_train: np.ndarray
    rutas_test: list
    y_test: np.ndarray
    clases: list

    def num(self, particion):
        """Número de imágenes de `particion` ('train' o 'test')."""
        return len(self.rutas(particion))

    def rutas(self, particion):
        return self.rutas_train if _particion(particion) == "train" else self.rutas_test

    def etiquetas(self, particion):
        """Etiquetas one-hot de `particion`, en el orden de sus imágenes."""
        return self.y_train if _particion(particion) == "train" else self.y_test

    @property
    def origen(self):
        """La carpeta de los datos."""
        return os.path.dirname(os.path.dirname(self.rutas_train[0]))

    def pipeline(self, particion, seleccion=None, cache=None, **opciones):
        """Lotes `(imágenes, etiquetas one-hot)` de `particion` con `pipeline_desde_archivos` (y sus `opciones`).

        `seleccion`: posiciones de las imágenes que se leen (p. ej. las de validación), en ese orden.
        `cache`: None (decodificar en cada época) o el modo de `datos.cache_imagenes` ('auto', 'memoria',
        'disco'): la partición se decodifica una sola vez y los lotes salen de la caché (`pipeline_con_cache`).
        """
        from datos.pipelines import pipeline_desde_archivos

        if cache:
            return pipeline_con_cache(self, particion, seleccion, cache, **opciones)
        rutas, y = self.rutas(particion), self.etiquetas(particion)
        if seleccion is not None:
            rutas, y = [rutas[i] for i in seleccion], y[np.asarray(seleccion, dtype=int)]
        return pipeline_desde_archivos(rutas, y, **opciones)

    def descripcion(self, particion):
        """Lo que decide el contenido de la partición (para la clave de su caché): sus archivos de imagen."""
        from datos.cache_imagenes import huella_archivos

        return {
            "origen": "carpeta",
            "particion": _particion(particion),
            "archivos": huella_archivos(self.rutas(particion)),
        }

    def legibles(self, tamano=TAMANO):
        """Contexto que convierte el error de una imagen que no se decodifica en un `ErrorDatos` con su nombre."""
        return imagenes_legibles(list(self.rutas_train) + list(self.rutas_test), tamano)


def _particion(particion):
    return comprobar(particion, "particion", Opciones(*PARTICIONES))


class ListadoTfds:
    """Los pájaros de Caltech-UCSD preparados con tensorflow-datasets (`tfds:caltech_birds2010`), sin leer imágenes.

    Las mismas particiones que la carpeta original (`train`, 3.000 imágenes, y `test`, 3.033) y 200
    clases: la etiqueta de TFDS es el número de la especie menos 1, es decir, el orden alfabético de las
    carpetas `NNN.Especie`, el mismo que da `listar_pajaros`. Las imágenes se leen en el orden de los
    registros de TFDS, siempre el mismo; las etiquetas (`y_train`, `y_test`) se leen la primera vez que
    se piden, sin decodificar ninguna imagen.
    """

    def __init__(self, fuente="tfds:caltech_birds2010", carpeta=None):
        self.fuente = fuente
        self.constructor = constructor_tfds(fuente, carpeta)
        etiqueta = self.constructor.info.features["label"]
        self.clases = list(etiqueta.names)
        for particion in PARTICIONES:
            if particion not in self.constructor.info.splits:
                raise ErrorDatos(
                    f"El conjunto de '{self.constructor.data_dir}' no tiene la partición '{particion}': no es {fuente}."
                )

    def num(self, particion):
        return num_ejemplos(self.constructor, _particion(particion))

    @property
    def origen(self):
        """El conjunto, su versión y la carpeta de TFDS de la que se lee."""
        return f"{self.fuente} {self.constructor.version} ({self.constructor.data_dir})"

    def etiquetas(self, particion):
        return self.y_train if _particion(particion) == "train" else self.y_test

    @functools.cached_property
    def y_train(self):
        return self._leer_etiquetas("train")

    @functools.cached_property
    def y_test(self):
        return self._leer_etiquetas("test")

    def _leer_etiquetas(self, particion):
        def etiqueta(ejemplo):
            return ejemplo["label"]

        ds = leer_particion(self.constructor, particion, campos=("label",)).map(etiqueta)
        indices = np.concatenate(list(ds.batch(4096).as_numpy_iterator()))
        return np.eye(len(self.clases), dtype="float32")[indices]

    def registros(self, particion, seleccion=None):
        """`tf.data.Dataset` de `(imagen JPEG sin decodificar, etiqueta one-hot)` de `particion`, en orden de registro.

        `seleccion`: posiciones (en ese orden) de los registros que se leen; los demás se saltan sin
        decodificarlos. El dataset sabe cuántos elementos tiene (Keras muestra el progreso de la época).
        """
        import tensorflow as tf

        n, num_clases = self.num(particion), len(self.clases)

        def imagen_y_one_hot(ejemplo):
            return ejemplo["image"], tf.one_hot(ejemplo["label"], num_clases)

        ds = leer_particion(self.constructor, particion, sin_decodificar=("image",)).map(imagen_y_one_hot)
        if seleccion is not None:
            seleccion = np.asarray(seleccion, dtype=int)
            if len(seleccion) and (seleccion.min() < 0 or seleccion.max() >= n):
                raise ErrorParametro(
                    mensaje(
                        "seleccion",
                        f"una lista de posiciones de 0 a {n - 1}",
                        es=f"con posiciones de {seleccion.min()} a {seleccion.max()}",
                    )
                )
            mascara = np.zeros(n, dtype=bool)
            mascara[seleccion] = True
            n = int(mascara.sum())
            mascara = tf.constant(mascara)

            def seleccionado(i, elemento):
                return mascara[i]

            def sin_posicion(i, elemento):
                return elemento

            ds = ds.enumerate().filter(seleccionado).map(sin_posicion)
        return ds.apply(tf.data.experimental.assert_cardinality(n))

    def pipeline(self, particion, seleccion=None, cache=None, **opciones):
        """Lotes `(imágenes, etiquetas one-hot)` de `particion` con `pipeline_desde_archivos` (y sus `opciones`).

        `cache` como en `Listado.pipeline`. La misma tubería que la carpeta de JPEG: decodificar y redimensionar en paralelo, transformar,
        agrupar en lotes y `prefetch`. `seleccion` elige las imágenes como en `registros` (que se leen en
        el orden de los registros; con `barajar=True`, en otro en cada época).
        """
        from datos.pipelines import pipeline_desde_archivos

        if cache:
            return pipeline_con_cache(self, particion, seleccion, cache, **opciones)
        return pipeline_desde_archivos(self.registros(particion, seleccion), **opciones)

    def descripcion(self, particion):
        """Lo que decide el contenido de la partición (para la clave de su caché): el conjunto y sus archivos."""
        from datos.cache_imagenes import huella_archivos

        carpeta = self.constructor.data_dir
        archivos = sorted(os.path.join(carpeta, a) for a in os.listdir(carpeta))
        return {
            "origen": self.fuente,
            "version": str(self.constructor.version),
            "particion": _particion(particion),
            "archivos": huella_archivos(archivos),
        }

    @contextlib.contextmanager
    def legibles(self, tamano=TAMANO):
        """Contexto que convierte el error de TensorFlow de una imagen dañada en un `ErrorDatos` con el conjunto."""
        import tensorflow as tf

        try:
            yield
        except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as e:
            raise ErrorDatos(
                f"No se puede decodificar una imagen de {self.origen}: el conjunto está dañado "
                f"({type(e).__name__}: {str(e).splitlines()[0][:200]}). Prepárelo de nuevo."
            ) from None


def pipeline_con_cache(listado, particion, seleccion=None, modo="auto", tamano=TAMANO, **opciones):
    """Lotes de `particion` sacados de su caché de imágenes decodificadas (`datos.cache_imagenes`).

    La primera vez se decodifica la partición entera, en orden; después, ni una imagen más. Los lotes son
    uint8 (con las `opciones` de `pipeline_desde_arrays`: batch, barajar, semilla, transformacion…): lo que
    se hace con cada píxel va mejor dentro del modelo, en la GPU (`modelos.con_preprocesado`).
    """
    from datos.cache_imagenes import imagenes_en_cache
    from datos.pipelines import pipeline_desde_arrays

    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)

    def lotes():
        for x, _ in listado.pipeline(particion, tamano=tamano, batch=64):
            yield x.numpy()

    descripcion = {**listado.descripcion(particion), "tamano": list(tamano)}
    with listado.legibles(tamano):
        x = imagenes_en_cache(descripcion, lotes, listado.num(particion), (*tamano, 3), modo)
    return pipeline_desde_arrays(x, listado.etiquetas(particion), indices=seleccion, **opciones)


def abrir_pajaros(fuente, carpeta_tfds=None, comprobar=True):
    """Abre los pájaros de `fuente` sin leer imágenes: carpeta CUB-200 (`Listado`) o `tfds:caltech_birds2010` (`ListadoTfds`).

    `carpeta_tfds` es la carpeta de datos de TFDS (`--tfds-dir`; si no, `$TFDS_DATA_DIR` o
    `~/tensorflow_datasets`). `comprobar` se pasa a `listar_pajaros`.
    """
    fuente = os.fspath(fuente)
    if es_fuente_tfds(fuente):
        if fuente != "tfds:caltech_birds2010":
            raise ErrorDatos(
                f"'{fuente}' no son los pájaros de Caltech-UCSD: use --datos tfds:caltech_birds2010 o una carpeta "
                "de pájaros (con train.txt y test.txt)."
            )
        return ListadoTfds(fuente, carpeta_tfds)
    return listar_pajaros(fuente, comprobar=comprobar)


def _leer_lista(carpeta, nombre):
    """Devuelve `[(ruta_absoluta, clase, número_de_línea)]` de `carpeta/nombre`, comprobando cada línea."""
    lista = os.path.join(carpeta, nombre)
    if not os.path.isfile(lista):
        raise DatosNoDisponibles(f"Falta el archivo '{lista}'. {FORMATO}")
    entradas = []
    with open(lista, encoding="utf-8", errors="replace") as f:
        for numero, linea in enumerate(f, start=1):
            relativa = linea.strip().replace("\\", "/")
            if not relativa:
                continue
            partes = relativa.split("/")
            if len(partes) < 2 or relativa.startswith("/") or ".." in partes or not all(partes):
                raise ErrorDatos(
                    f"'{lista}', línea {numero}: '{relativa}' no es una ruta relativa de la forma "
                    "NNN.Especie/archivo.jpg dentro de la carpeta de los datos."
                )
            entradas.append((os.path.join(carpeta, *partes), partes[0], numero))
    if not entradas:
        raise ErrorDatos(f"'{lista}' está vacío: debe listar una imagen por línea (NNN.Especie/archivo.jpg).")
    return entradas


def _comprobar_imagenes(entradas, lista):
    """Comprueba que cada imagen listada exista y empiece como un JPEG, PNG, GIF o BMP."""
    faltan = [(ruta, numero) for ruta, _, numero in entradas if not os.path.isfile(ruta)]
    if faltan:
        ruta, numero = faltan[0]
        otras = f" (y faltan otras {len(faltan) - 1})" if len(faltan) > 1 else ""
        raise DatosNoDisponibles(
            f"Falta la imagen '{ruta}', listada en '{lista}' (línea {numero}){otras}. "
            "Copie la carpeta de los datos completa."
        )
    for ruta, _, numero in entradas:
        with open(ruta, "rb") as f:
            cabecera = f.read(8)
        if not cabecera.startswith(FIRMAS):
            raise ErrorDatos(
                f"'{ruta}' (listada en '{lista}', línea {numero}) no es una imagen JPEG, PNG, GIF ni BMP. "
                "Sustitúyala por la original o quítela de la lista."
            )


def listar_pajaros(path, comprobar=True):
    """Lee `train.txt` y `test.txt` de la carpeta `path` y devuelve un `Listado` (sin leer las imágenes).

    Las clases son las carpetas de entrenamiento en orden alfabético (one-hot con tantas columnas como
    clases: 200 en CUB-200). Con `comprobar=True` se verifica que cada imagen exista y lo parezca.
    """
    carpeta = os.path.abspath(os.fspath(path))
    if not os.path.isdir(carpeta):
        raise DatosNoDisponibles(f"No existe la carpeta '{carpeta}'. {FORMATO}")
    entradas = {nombre: _leer_lista(carpeta, nombre) for nombre in LISTAS}
    clases = sorted({clase for _, clase, _ in entradas["train.txt"]})
    indice = {clase: i for i, clase in enumerate(clases)}
    lista_test = os.path.join(carpeta, "test.txt")
    for _ruta, clase, numero in entradas["test.txt"]:
        if clase not in indice:
            raise ErrorDatos(
                f"'{lista_test}', línea {numero}: la clase '{clase}' no aparece en train.txt, así que el "
                "modelo no puede aprenderla. Añada imágenes suyas a train.txt o quítela de test.txt."
            )
    if comprobar:
        for nombre in LISTAS:
            _comprobar_imagenes(entradas[nombre], os.path.join(carpeta, nombre))
    identidad = np.eye(len(clases), dtype="float32")
    particiones = []
    for nombre in LISTAS:
        particiones += [[e[0] for e in entradas[nombre]], identidad[[indice[e[1]] for e in entradas[nombre]]]]
    return Listado(*particiones, clases)


def buscar_imagen_danada(rutas, tamano=TAMANO):
    """Devuelve la primera ruta de `rutas` que TensorFlow no puede decodificar (o None si todas se leen)."""
    import tensorflow as tf

    from datos.pipelines import leer_imagen

    for ruta in rutas:
        try:
            leer_imagen(tf.constant(ruta), tamano)
        except (tf.errors.InvalidArgumentError, tf.errors.UnknownError, tf.errors.NotFoundError):
            return ruta
    return None


@contextlib.contextmanager
def imagenes_legibles(rutas, tamano=TAMANO):
    """Convierte el error de TensorFlow de una imagen que no se puede decodificar en un `ErrorDatos` con su nombre.

    Envuelve lo que lee `rutas` por lotes (extraer características, entrenar, evaluar). Solo si hay un
    error se vuelven a leer las imágenes, una a una, para encontrar la dañada.
    """
    import tensorflow as tf

    try:
        yield
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as e:
        danada = buscar_imagen_danada(rutas, tamano)
        if danada is None:
            raise
        raise ErrorDatos(
            f"No se puede decodificar la imagen '{danada}': está dañada o truncada ({type(e).__name__}). "
            "Sustitúyala por la original o quítela de la lista."
        ) from None


def leer_imagenes(rutas, tamano=TAMANO, dtype="uint8", batch=64):
    """Lee `rutas` en un array `(N, alto, ancho, 3)` de `dtype`, reservado una sola vez (valores 0–255).

    `tamano`: un entero (imágenes cuadradas) o `(alto, ancho)`. Las imágenes se decodifican en paralelo con
    `pipeline_desde_archivos`, en lotes de `batch`; una imagen dañada da un `ErrorDatos` con su nombre.
    """
    from datos.pipelines import pipeline_desde_archivos

    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    x = np.empty((len(rutas), *tamano, 3), dtype=dtype)
    inicio = 0
    with imagenes_legibles(rutas, tamano):
        for lote in pipeline_desde_archivos(rutas, batch=batch, tamano=tamano):
            x[inicio : inicio + len(lote)] = lote.numpy()
            inicio += len(lote)
    return x


def cargarDatos(path, tamano=TAMANO, dtype="uint8", semilla=None, carpeta_tfds=None):
    """Carga los pájaros de Caltech-UCSD de la carpeta `path` (función del profesor, práctica 3, §4).

    Devuelve `x_train, y_train, x_test, y_test`: imágenes `(N, alto, ancho, 3)` con valores 0–255
    (uint8 por defecto, 4 veces menos memoria que `dtype="float32"`), etiquetas one-hot float32 con las
    clases de entrenamiento en orden alfabético, y las dos particiones barajadas (repetible con `semilla`).
    Aplique después `keras.applications.resnet50.preprocess_input`, como en el informe. `tamano` es un
    entero (imágenes cuadradas, 224 por defecto) o `(alto, ancho)`.

    `path="tfds:caltech_birds2010"` lee los mismos pájaros preparados con tensorflow-datasets (en
    `carpeta_tfds`, `$TFDS_DATA_DIR` o `~/tensorflow_datasets`; sin descargar nada), con el mismo
    contrato: 200 columnas one-hot (la especie; el mismo orden alfabético) y las particiones barajadas.
    """
    tamano = comprobar(tamano, "tamano", TAMANO_IMAGEN)
    dtype = _dtype(dtype)
    if es_fuente_tfds(os.fspath(path)):
        return _cargar_tfds(abrir_pajaros(path, carpeta_tfds), tamano, dtype, semilla)
    listado = listar_pajaros(path)
    generador = np.random.default_rng(semilla)
    resultado = []
    for rutas, y in ((listado.rutas_train, listado.y_train), (listado.rutas_test, listado.y_test)):
        orden = generador.permutation(len(rutas))  # se baraja la lista: el array se llena ya barajado
        resultado += [leer_imagenes([rutas[i] for i in orden], tamano, dtype), y[orden]]
    return tuple(resultado)


def _dtype(dtype):
    """El nombre del tipo de las imágenes de `cargarDatos`: 'uint8' o 'float32' (o `ErrorParametro`)."""
    try:
        nombre = np.dtype(dtype).name
    except TypeError:
        nombre = dtype
    return comprobar(nombre, "dtype", Opciones("uint8", "float32"))


def _cargar_tfds(listado, tamano, dtype, semilla, batch=64):
    """`cargarDatos` de un `ListadoTfds`: cada array se reserva una vez y se llena ya barajado, lote a lote.

    `tamano` es el par `(alto, ancho)` ya comprobado; se lee en lotes de `batch` imágenes.
    """
    generador = np.random.default_rng(semilla)
    resultado = []
    with listado.legibles(tamano):
        for particion in PARTICIONES:
            n, num_clases = listado.num(particion), len(listado.clases)
            destino = np.argsort(generador.permutation(n))  # fila del resultado de cada registro
            x = np.empty((n, *tamano, 3), dtype=dtype)
            y = np.empty((n, num_clases), dtype="float32")
            inicio = 0
            for x_lote, y_lote in listado.pipeline(particion, batch=batch, tamano=tamano):
                filas = destino[inicio : inicio + len(x_lote)]
                x[filas], y[filas] = x_lote.numpy(), y_lote.numpy()
                inicio += len(x_lote)
            if inicio != n:
                raise ErrorDatos(
                    f"La partición '{particion}' de {listado.origen} tiene {inicio} imágenes y su información dice "
                    f"{n}: el conjunto está incompleto. Prepárelo de nuevo."
                )
            resultado += [x, y]
    return tuple(resultado)


# La fuente `pajaros-sintetico`, la misma en memoria (`cargar_fuente`) y en disco (ejercicio 3): 5 clases
# de 12 imágenes (6 de entrenamiento y 6 de test) de unos 64 px.
PAJAROS_SINTETICOS = {"num_clases": 5, "por_clase": 12, "tamano": 64}


def escribir_pajaros_sinteticos(destino, num_clases=5, por_clase=12, tamano=64, formato="jpg", semilla=0):
    """Escribe en `destino` una carpeta pequeña con el formato exacto de CUB-200 (2010) y devuelve su ruta (str).

    `num_clases` carpetas `NNN.Pajaro_sintetico_K` con `por_clase` imágenes cada una (la mitad a
    `train.txt` y el resto a `test.txt`), de alto y ancho al azar entre `tamano` y 1,4·`tamano` (un solo
    entero, de al menos 8 píxeles) para que haya que redimensionarlas. Cada clase tiene un color y una
    franja propios, más ruido: se pueden aprender, pero no son pájaros. Sirve para las pruebas y para
    ejecutar el ejercicio 3 sin los datos reales. (La carpeta `clase/imagen` del taller de perros y gatos
    es `datos.carpetas.escribir_carpeta_sintetica`.)
    """
    from PIL import Image

    formato = comprobar(formato, "formato", Opciones("jpg", "png"))
    num_clases = comprobar(num_clases, "num_clases", Intervalo(Integral, 2, None))
    por_clase = comprobar(por_clase, "por_clase", Intervalo(Integral, 2, None))
    tamano = comprobar(tamano, "tamano", Intervalo(Integral, 8, None))
    generador = np.random.default_rng(semilla)
    listas = {"train.txt": [], "test.txt": []}
    for k in range(1, num_clases + 1):
        clase = f"{k:03d}.Pajaro_sintetico_{k}"
        os.makedirs(os.path.join(destino, clase), exist_ok=True)
        color = generador.integers(0, 256, size=3)
        for j in range(1, por_clase + 1):
            alto, ancho = (int(tamano * f) for f in generador.uniform(1.0, 1.4, size=2))
            imagen = color + generador.normal(0, 25, size=(alto, ancho, 3))
            franja = slice((k - 1) * alto // num_clases, k * alto // num_clases)
            imagen[franja] = 255 - imagen[franja]
            relativa = f"{clase}/Pajaro_sintetico_{k}_{j:04d}.{formato}"
            Image.fromarray(np.clip(imagen, 0, 255).astype("uint8")).save(os.path.join(destino, relativa))
            listas["train.txt" if j <= por_clase // 2 else "test.txt"].append(relativa)
    for nombre, lineas in listas.items():
        with open(os.path.join(destino, nombre), "w", encoding="utf-8") as f:
            f.write("\n".join(lineas) + "\n")
    return os.fspath(destino)


def cargar_pajaros_sintetico(tamano=TAMANO):
    """La fuente `pajaros-sintetico` (`PAJAROS_SINTETICOS`) cargada con `cargarDatos`, sin conexión."""
    with tempfile.TemporaryDirectory(prefix="pajaros-sintetico-") as carpeta:
        return cargarDatos(escribir_pajaros_sinteticos(carpeta, **PAJAROS_SINTETICOS), tamano=tamano, semilla=0)
