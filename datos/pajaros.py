"""Caltech-UCSD Birds 200 (2010) con el contrato de `cargarDatos()` del profesor (práctica 3, §4).

La carpeta de los datos contiene una subcarpeta por especie, `NNN.Especie/archivo.jpg` (200 especies,
6.033 imágenes), y dos listas, `train.txt` y `test.txt`, con una ruta relativa por línea (unas 3.000 de
entrenamiento y 3.033 de test). La clase de cada imagen es el nombre de su carpeta.

Memoria: a 224×224×3 las 6.033 imágenes ocupan 0,91 GB en uint8 y 3,63 GB en float32 (la conversión a
float32 del informe es lo que agotaba la RAM). `cargarDatos` devuelve uint8 salvo que se pida float32, y
`pipeline_desde_archivos` lee las imágenes de disco por lotes sin tenerlas todas en memoria.
"""
import contextlib
import os
import tempfile
from typing import NamedTuple

import numpy as np

from datos.errores import DatosNoDisponibles, ErrorDatos

LISTAS = ("train.txt", "test.txt")
TAMANO = 224
# Primeros bytes de los formatos que lee `tf.io.decode_image`.
FIRMAS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")  # JPEG, PNG, GIF, BMP
FORMATO = "La carpeta debe contener train.txt, test.txt y las carpetas NNN.Especie con las imágenes (CUB-200)."


class Listado(NamedTuple):
    """Rutas absolutas y etiquetas one-hot de las dos particiones, y los nombres de las clases (en orden)."""

    rutas_train: list
    y_train: np.ndarray
    rutas_test: list
    y_test: np.ndarray
    clases: list


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
    for ruta, clase, numero in entradas["test.txt"]:
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
            leer_imagen(tf.constant(ruta), (tamano, tamano))
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


def leer_imagenes(rutas, tamano=TAMANO, dtype="uint8", batch_size=64):
    """Lee `rutas` en un array `(N, tamano, tamano, 3)` de `dtype`, reservado una sola vez (valores 0–255).

    Las imágenes se decodifican en paralelo con `pipeline_desde_archivos`; una imagen dañada da un
    `ErrorDatos` con su nombre.
    """
    from datos.pipelines import pipeline_desde_archivos

    x = np.empty((len(rutas), tamano, tamano, 3), dtype=dtype)
    inicio = 0
    with imagenes_legibles(rutas, tamano):
        for lote in pipeline_desde_archivos(rutas, batch_size=batch_size, tamano=tamano):
            x[inicio : inicio + len(lote)] = lote.numpy()
            inicio += len(lote)
    return x


def cargarDatos(path, tamano=TAMANO, dtype="uint8", semilla=None):
    """Carga los pájaros de Caltech-UCSD de la carpeta `path` (función del profesor, práctica 3, §4).

    Devuelve `x_train, y_train, x_test, y_test`: imágenes `(N, tamano, tamano, 3)` con valores 0–255
    (uint8 por defecto, 4 veces menos memoria que `dtype="float32"`), etiquetas one-hot float32 con las
    clases de entrenamiento en orden alfabético, y las dos particiones barajadas (repetible con `semilla`).
    Aplique después `keras.applications.resnet50.preprocess_input`, como en el informe.
    """
    if isinstance(tamano, bool) or not isinstance(tamano, (int, np.integer)) or tamano < 1:
        raise ValueError(f"'tamano' debe ser un entero positivo (el lado de las imágenes) y es {tamano!r}.")
    if np.dtype(dtype) not in (np.dtype("uint8"), np.dtype("float32")):
        raise ValueError(f"'dtype' debe ser 'uint8' o 'float32' y es {dtype!r}.")
    listado = listar_pajaros(path)
    generador = np.random.default_rng(semilla)
    resultado = []
    for rutas, y in ((listado.rutas_train, listado.y_train), (listado.rutas_test, listado.y_test)):
        orden = generador.permutation(len(rutas))  # se baraja la lista: el array se llena ya barajado
        resultado += [leer_imagenes([rutas[i] for i in orden], tamano, dtype), y[orden]]
    return tuple(resultado)


def crear_carpeta_sintetica(destino, num_clases=5, por_clase=8, tamano=64, formato="jpg", semilla=0):
    """Escribe en `destino` una carpeta pequeña con el formato exacto de CUB-200 (2010) y la devuelve.

    `num_clases` carpetas `NNN.Pajaro_sintetico_K` con `por_clase` imágenes cada una (la mitad a
    `train.txt` y el resto a `test.txt`), de tamaños algo distintos alrededor de `tamano` para que haya
    que redimensionarlas. Cada clase tiene un color y una franja propios, más ruido: se pueden aprender,
    pero no son pájaros. Sirve para las pruebas y para ejecutar el ejercicio 3 sin los datos reales.
    """
    from PIL import Image

    if formato not in ("jpg", "png"):
        raise ValueError(f"'formato' debe ser 'jpg' o 'png' y es {formato!r}.")
    if num_clases < 2 or por_clase < 2 or tamano < 8:
        raise ValueError(
            f"Se necesitan al menos 2 clases, 2 imágenes por clase y 8 píxeles de lado "
            f"(num_clases={num_clases}, por_clase={por_clase}, tamano={tamano})."
        )
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
    return destino


def cargar_pajaros_sintetico(tamano=TAMANO):
    """La fuente `pajaros-sintetico`: una carpeta sintética temporal cargada con `cargarDatos` (sin conexión)."""
    with tempfile.TemporaryDirectory(prefix="pajaros-sintetico-") as carpeta:
        return cargarDatos(crear_carpeta_sintetica(carpeta), tamano=tamano, semilla=0)
