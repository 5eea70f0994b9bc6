"""Carpetas de imágenes con una subcarpeta por clase (`clase/imagen.jpg`), como la del taller de perros y gatos.

- `revisar_carpeta_imagenes(carpeta)`: comprueba la carpeta antes de leerla y explica qué falla.
- `escribir_carpeta_sintetica(carpeta)`: escribe una carpeta pequeña de imágenes sintéticas con esa forma,
  para las pruebas y la demostración sin conexión (la de los pájaros es `datos.pajaros.escribir_pajaros_sinteticos`).

La tubería `tf.data` que la lee es `datos.pipelines.pipeline_desde_carpeta`.
"""

import math
import os

import numpy as np

from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from datos.validacion import ENTERO_POSITIVO, Integral, Intervalo, Opciones, comprobar, mensaje

# Extensiones que lee keras.utils.image_dataset_from_directory, y los formatos reales que decodifica.
EXTENSIONES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_FORMATOS = {"BMP", "GIF", "JPEG", "PNG"}
CLASES_SINTETICAS = ("gatos", "perros")
LADO_MINIMO = 8  # lado mínimo de las imágenes sintéticas


def _oculto(nombre):
    return nombre.startswith(".")


def _es_imagen(ruta):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(ruta) as imagen:
            formato = imagen.format
            imagen.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return formato in _FORMATOS


def revisar_carpeta_imagenes(carpeta):
    """Comprueba `carpeta/<clase>/<imagen>` y devuelve `{clase: número de imágenes}` en orden alfabético.

    Hacen falta al menos dos subcarpetas de clase, ninguna vacía, y en ellas solo imágenes BMP, GIF, JPEG
    o PNG (se abren todas para comprobarlo; los archivos ocultos, como `.DS_Store`, se ignoran). Los
    archivos sueltos de la carpeta raíz (un léame, por ejemplo) se ignoran. Lanza `DatosNoDisponibles` si
    la carpeta no existe y `ErrorDatos`, con la lista de archivos que fallan, en los demás casos.
    """
    carpeta = os.fspath(carpeta)
    if not os.path.isdir(carpeta):
        raise DatosNoDisponibles(
            f"No existe la carpeta '{carpeta}'. Indique una carpeta con una subcarpeta por clase "
            "(p. ej. 'gatos/' y 'perros/') que contenga las imágenes."
        )
    clases = sorted(n for n in os.listdir(carpeta) if os.path.isdir(os.path.join(carpeta, n)) and not _oculto(n))
    if len(clases) < 2:
        raise ErrorDatos(
            f"La carpeta '{carpeta}' debe tener al menos dos subcarpetas, una por clase (p. ej. 'gatos/' y "
            f"'perros/'), con las imágenes dentro; tiene {len(clases)}: {clases}."
        )
    cuentas, vacias, no_imagenes = {}, [], []
    for clase in clases:
        cuentas[clase] = 0
        for raiz, subcarpetas, archivos in os.walk(os.path.join(carpeta, clase)):
            subcarpetas[:] = sorted(d for d in subcarpetas if not _oculto(d))
            for nombre in sorted(archivos):
                if _oculto(nombre):
                    continue
                ruta = os.path.join(raiz, nombre)
                if nombre.lower().endswith(EXTENSIONES) and _es_imagen(ruta):
                    cuentas[clase] += 1
                else:
                    no_imagenes.append(ruta)
        if cuentas[clase] == 0:
            vacias.append(os.path.join(carpeta, clase))
    if no_imagenes:
        muestra = "\n  ".join(no_imagenes[:5]) + ("\n  ..." if len(no_imagenes) > 5 else "")
        raise ErrorDatos(
            f"En '{carpeta}' hay {len(no_imagenes)} archivo(s) que no son imágenes BMP, GIF, JPEG o PNG "
            f"válidas:\n  {muestra}\nQuítelos de las carpetas de clase (o conviértalos) y vuelva a empezar."
        )
    if vacias:
        raise ErrorDatos(
            f"Hay carpetas de clase sin ninguna imagen: {vacias}. Cada clase necesita imágenes; quite la "
            "carpeta vacía o añádale imágenes."
        )
    return cuentas


def _poligono(centro, radio, lados, angulo):
    return [
        (
            centro[0] + radio * math.cos(angulo + 2 * math.pi * k / lados),
            centro[1] + radio * math.sin(angulo + 2 * math.pi * k / lados),
        )
        for k in range(lados)
    ]


def escribir_carpeta_sintetica(carpeta, por_clase=20, tamano=64, clases=CLASES_SINTETICAS, semilla=0, extension=".jpg"):
    """Escribe `carpeta/<clase>/<clase>_<k><extension>` (`por_clase` por clase) y devuelve la ruta de `carpeta` (str).

    Las imágenes son cuadradas: `tamano` es su lado, un solo entero (al menos 8 píxeles). Cada una es una
    figura clara sobre un fondo oscuro con ruido, en posición, tamaño, giro y colores al azar: la primera
    clase es un círculo y la clase k-ésima un polígono regular de k + 2 lados (triángulo, cuadrado...). Una
    red las distingue en pocas épocas; sirven para comprobar que todo funciona, no como sustituto de las
    fotos de perros y gatos. `revisar_carpeta_imagenes(ruta)` da el número de imágenes de cada clase.
    """
    from PIL import Image, ImageDraw

    if not isinstance(clases, (list, tuple)) or len(clases) < 2:
        raise ErrorParametro(mensaje("clases", "una lista de al menos 2 nombres de clase", clases))
    por_clase = comprobar(por_clase, "por_clase", ENTERO_POSITIVO)
    tamano = comprobar(tamano, "tamano", Intervalo(Integral, LADO_MINIMO, None))
    comprobar(extension.lower() if isinstance(extension, str) else extension, "extension", Opciones(*EXTENSIONES))
    generador = np.random.default_rng(semilla)
    for indice, clase in enumerate(clases):
        os.makedirs(os.path.join(carpeta, clase), exist_ok=True)
        for k in range(por_clase):
            fondo = generador.integers(0, 100, size=3)  # fondo oscuro y figura clara, de colores al azar
            ruido = generador.normal(0, 12, size=(tamano, tamano, 3))
            pixeles = np.clip(fondo + ruido, 0, 255).astype(np.uint8)
            imagen = Image.fromarray(pixeles)
            color = tuple(int(c) for c in generador.integers(156, 256, size=3))
            radio = tamano * generador.uniform(0.25, 0.4)
            centro = generador.uniform(radio, tamano - radio, size=2)
            dibujo = ImageDraw.Draw(imagen)
            if indice == 0:
                dibujo.ellipse([centro[0] - radio, centro[1] - radio, centro[0] + radio, centro[1] + radio], fill=color)
            else:
                dibujo.polygon(_poligono(centro, radio, indice + 2, generador.uniform(0, 2 * math.pi)), fill=color)
            imagen.save(os.path.join(carpeta, clase, f"{clase}_{k:04d}{extension}"))
    return os.fspath(carpeta)
