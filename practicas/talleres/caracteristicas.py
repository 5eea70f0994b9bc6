"""Características guardadas (clase de CNN, «Transfer learning»): VGG16 una sola vez y una red densa encima.

Lo que propone la clase para ahorrar cómputo cuando no se reentrenan las capas convolucionales: pasar el
conjunto de entrenamiento una vez por la red importada, aplanar su salida, grabar cada feature map aplanado
en un archivo y entrenar sobre esos archivos una red «shallow» de unas pocas capas densas.

- La red es la de transfer learning del taller de perros y gatos (`red_vgg16_transferencia`), cortada con
  `utilidades.caracteristicas.separar_modelo` en extractor (preprocesado, VGG16 congelada y aplanado) y
  cabeza (Dense 256 ReLU, Dropout 0,5, Dense softmax).
- Las características de entrenamiento, validación y test se guardan en `caracteristicas/<parte>.npz` con
  `guardar_caracteristicas` (un `.npz` sin pickles con `x`, `y` y `descripcion`), se vuelven a leer con
  `cargar_caracteristicas` y la cabeza se entrena sobre ellas. Con `--reanudar` se reutilizan si se
  calcularon con la misma red y los mismos datos.
- Como extractor y cabeza comparten capas, el modelo completo queda entrenado: su precisión sobre las
  imágenes de evaluación se comprueba y se anota junto a la de la cabeza.

Sin aumento de datos: con él, las características cambiarían en cada época y no se podrían guardar.
"""

import os
import time

import numpy as np

from modelos import red_vgg16_transferencia
from practicas.comun import iniciar, sembrar
from practicas.talleres._carpetas import (
    entrenar_etapa,
    finalizar_etapas,
    opciones_carpeta,
    preparar_datos,
    resolver_opciones,
)
from utilidades.caracteristicas import (
    cargar_caracteristicas,
    extraer_caracteristicas,
    guardar_caracteristicas,
    separar_modelo,
)
from utilidades.entrenamiento import compileModel

AYUDA = "Características de VGG16 guardadas en archivo y una red densa entrenada sobre ellas"


def opciones(parser):
    opciones_carpeta(parser, epocas=30, batch=32)


def _extraer(extractor, ds, batch):
    """Características y etiquetas de un dataset de lotes `(imágenes, one-hot)`, en el mismo orden."""
    x, y = [], []
    for lote_x, lote_y in ds:  # un solo recorrido: el orden de las etiquetas es el de las características
        x.append(extraer_caracteristicas(extractor, lote_x.numpy(), batch=batch))
        y.append(lote_y.numpy())
    return np.concatenate(x), np.concatenate(y)


def caracteristicas_en_cache(args, carpeta, extractor, partes, descripcion):
    """`{parte: (x, y)}` leídas de `carpeta/caracteristicas/<parte>.npz`, y los segundos de extracción.

    Cada parte se extrae y se guarda; con `--reanudar` se reutiliza el archivo si se calculó con la misma
    `descripcion` (red y datos). La cabeza se entrena siempre sobre lo leído del archivo.
    """
    resultado, segundos = {}, 0.0
    for parte, ds in partes.items():
        ruta = os.path.join(carpeta, "caracteristicas", f"{parte}.npz")
        if args.reanudar and os.path.exists(ruta):
            try:
                resultado[parte] = cargar_caracteristicas(ruta, descripcion=descripcion)
                continue
            except ValueError:  # calculadas con otra red u otros datos: se rehacen
                pass
        inicio = time.perf_counter()
        x, y = _extraer(extractor, ds, args.batch)
        segundos += time.perf_counter() - inicio
        guardar_caracteristicas(ruta, x, y, descripcion=descripcion)
        resultado[parte] = cargar_caracteristicas(ruta, descripcion=descripcion)
    return resultado, segundos


def ejecutar(args):
    pesos = resolver_opciones(args)
    carpeta = iniciar(args, "talleres-caracteristicas")
    sembrar(args)
    train, val, test, clases, demo = preparar_datos(args, carpeta)  # sin aumento
    modelo = red_vgg16_transferencia(len(clases), (args.tamano, args.tamano, 3), pesos=pesos)
    extractor, cabeza = separar_modelo(modelo)
    partes = {"entrenamiento": train, "validacion": val, **({"test": test} if test is not None else {})}
    descripcion = (
        f"VGG16 (pesos {pesos or 'aleatorios'}) aplanada, {args.tamano}×{args.tamano}, clases {clases}, datos "
        f"{os.path.abspath(args.carpeta) if args.carpeta else 'sintéticos'}, validación {args.validacion}, "
        f"semilla {args.semilla_base}"
    )
    datos, segundos = caracteristicas_en_cache(args, carpeta, extractor, partes, descripcion)
    formas = ", ".join(f"{parte} {x.shape}" for parte, (x, _) in datos.items())
    print(f"Características: {formas}; extracción {segundos:.1f} s.")

    evaluacion = datos["test"] if "test" in datos else datos["validacion"]
    fila = entrenar_etapa(
        args,
        carpeta,
        "cabeza",
        cabeza,
        compileModel,
        datos["entrenamiento"],
        datos["validacion"],
        evaluacion,
        args.epocas,
        con_pesos=True,
    )
    compileModel(modelo)  # el modelo completo comparte las capas de la cabeza recién entrenada
    imagenes = test if test is not None else val
    fila["precision_modelo_completo"] = float(modelo.evaluate(imagenes, verbose=0)[1])
    return finalizar_etapas(
        carpeta,
        [fila],
        "Red densa sobre características guardadas de VGG16",
        "test" if test is not None else "validación",
        extra={
            "clases": clases,
            "demostracion": demo,
            "pesos_vgg16": pesos or "ninguno",
            "forma_caracteristicas": list(datos["entrenamiento"][0].shape[1:]),
            "segundos_extraccion": segundos,
        },
    )
