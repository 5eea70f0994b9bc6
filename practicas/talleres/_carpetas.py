"""Piezas comunes de los talleres con carpetas de imágenes (`perros-gatos` y `caracteristicas`).

Opciones de la línea de órdenes, datos (la carpeta del estudiante o, sin ella, una carpeta sintética de
demostración), entrenamiento de una etapa con su subcarpeta de resultados y la tabla final.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.carpetas import escribir_carpeta_sintetica
from datos.errores import ErrorDatos
from datos.fuentes import abrir_carpeta
from datos.pipelines import pipeline_desde_carpeta
from datos.validacion import ENTERO_POSITIVO, FRACCION_ABIERTA, Integral, Intervalo
from practicas.comun import opciones_entrenamiento
from utilidades.entrenamiento import guardar_pesos, trainModel
from utilidades.graficas import mostrarEvolucion
from utilidades.resultados import escribir_csv, escribir_json, leer_json

AVISO_DEMO = (
    "AVISO: demostración sin conexión. Las imágenes son sintéticas (círculos y triángulos, no perros y "
    "gatos) y {pesos}: las precisiones solo muestran que todo funciona, no lo que consigue el transfer "
    "learning. Para el taller de verdad: --carpeta RUTA (con una subcarpeta por clase, p. ej. gatos/ y "
    "perros/) y los pesos de ImageNet."
)
TAMANO, TAMANO_DEMO = 150, 64  # lado de las imágenes por defecto: con carpeta propia y en la demostración
AVISO_PESOS = "AVISO: VGG16 con pesos aleatorios (weights=None): sin los pesos de ImageNet no hay nada que transferir."


def opciones_carpeta(parser, epocas, batch=32):
    """Opciones de los talleres con carpetas: carpetas, pesos de VGG16, tamaño y las de todo entrenamiento
    (`practicas.comun.opciones_entrenamiento`: épocas, lote, semilla, salida...)."""
    parser.add_argument(
        "--carpeta",
        default=None,
        help="carpeta con una subcarpeta por clase (p. ej. gatos/ y perros/) con las imágenes; sin ella, "
        "demostración sin conexión con imágenes sintéticas",
    )
    parser.add_argument(
        "--test", default=None, help="carpeta de test con las mismas clases (si no, se evalúa en validación)"
    )
    parser.add_argument(
        "--pesos",
        choices=("imagenet", "ninguno"),
        default=None,
        help="pesos de VGG16: 'imagenet' (por defecto con --carpeta) o 'ninguno' (aleatorios; por defecto en la "
        "demostración)",
    )
    parser.add_argument(
        "--tamano",
        type=tipo(Intervalo(Integral, 32, None)),
        default=None,
        help="lado de las imágenes redimensionadas (por defecto 150, y 64 en la demostración; mínimo 32)",
    )
    parser.add_argument(
        "--validacion",
        type=tipo(FRACCION_ABIERTA),
        default=0.2,
        help="fracción de validación (por defecto 0.2)",
    )
    parser.add_argument(
        "--por-clase",
        type=tipo(ENTERO_POSITIVO),
        default=40,
        help="imágenes sintéticas por clase en la demostración (40)",
    )
    opciones_entrenamiento(parser, epocas, batch)


def preparar_datos(args, carpeta, transformacion=None):
    """Tuberías de entrenamiento, validación y test (o `None`) de la carpeta, y si es la demostración.

    Sin `--carpeta` escribe en `carpeta/datos-sinteticos/` una carpeta de entrenamiento y otra de test.
    Devuelve `(train, val, test, clases, demo)`; `transformacion(x, y, semilla_lote)` (el aumento) solo va a
    `train` y recibe la semilla sin estado de cada lote.
    """
    demo = args.carpeta is None
    entrenamiento = None if demo else abrir_carpeta(args.carpeta, "--carpeta")
    test = None if args.test is None else abrir_carpeta(args.test, "--test")
    if demo:
        entrenamiento = os.path.join(carpeta, "datos-sinteticos", "entrenamiento")
        test = os.path.join(carpeta, "datos-sinteticos", "test")
        escribir_carpeta_sintetica(entrenamiento, por_clase=args.por_clase, tamano=64, semilla=0)
        escribir_carpeta_sintetica(test, por_clase=max(args.por_clase // 2, 1), tamano=64, semilla=1)
    tamano = (args.tamano, args.tamano)
    train, val = pipeline_desde_carpeta(
        entrenamiento,
        tamano,
        args.batch,
        args.validacion,
        semilla=args.semilla_base,
        transformacion=transformacion,
        semillas_por_lote=transformacion is not None,
    )
    if test is not None:
        test = pipeline_desde_carpeta(test, tamano, args.batch, validacion=None, barajar=False)
        if test.class_names != train.class_names:
            raise ErrorDatos(
                f"Las clases de test {test.class_names} no son las de entrenamiento {train.class_names}: "
                "las dos carpetas deben tener las mismas subcarpetas."
            )
    return train, val, test, train.class_names, demo


def resolver_opciones(args):
    """Completa `--tamano` y `--pesos` (dependen de si hay `--carpeta`), imprime los avisos y devuelve los pesos.

    Devuelve `"imagenet"` o `None` (aleatorios) para `weights` de VGG16. Se llama antes de `iniciar`, para
    que `config.json` anote los valores usados.
    """
    demo = args.carpeta is None
    args.tamano = args.tamano or (TAMANO_DEMO if demo else TAMANO)
    args.pesos = args.pesos or ("ninguno" if demo else "imagenet")
    if demo:
        aleatorios = args.pesos == "ninguno"
        print(
            AVISO_DEMO.format(
                pesos="VGG16 usa pesos aleatorios (weights=None)" if aleatorios else "VGG16 usa los pesos de ImageNet"
            )
        )
    elif args.pesos == "ninguno":
        print(AVISO_PESOS)
    return None if args.pesos == "ninguno" else "imagenet"


def entrenar_etapa(args, carpeta, nombre, modelo, compilar, train, val, evaluacion, epocas, con_pesos=False):
    """Una etapa del taller en `carpeta/nombre`: compila, entrena (`trainModel`), dibuja y evalúa.

    `train`, `val` y `evaluacion` son datasets o tuplas `(x, y)`. Escribe `historial.csv`,
    `evolucion.png` y `metricas.json` (y `pesos.weights.h5`, atómico, con `con_pesos`). Con `--reanudar`, una
    etapa terminada no se repite: se leen sus métricas (y se cargan sus pesos en `modelo`).
    """
    sub = os.path.join(carpeta, nombre)
    ruta_metricas = os.path.join(sub, "metricas.json")
    ruta_pesos = os.path.join(sub, "pesos.weights.h5")
    if args.reanudar and os.path.exists(ruta_metricas) and (not con_pesos or os.path.exists(ruta_pesos)):
        if con_pesos:
            modelo.load_weights(ruta_pesos)
        return leer_json(ruta_metricas)
    compilar(modelo)
    verbose = 0 if args.silencioso else "auto"
    hist = trainModel(modelo, train, val, args.batch, epocas, carpeta=sub, reanudar=args.reanudar, verbose=verbose)
    mostrarEvolucion(hist, carpeta=sub, titulo=nombre)
    if isinstance(evaluacion, tuple):
        perdida, precision = modelo.evaluate(*evaluacion, batch_size=args.batch, verbose=0)[:2]
    else:
        perdida, precision = modelo.evaluate(evaluacion, verbose=0)[:2]
    metricas = {
        "etapa": nombre,
        "perdida": float(perdida),
        "precision": float(precision),
        "epocas": len(hist.epoch),
        "parametros_entrenables": int(sum(np.prod(w.shape) for w in modelo.trainable_weights)),
    }
    if con_pesos:
        guardar_pesos(modelo, ruta_pesos)
    escribir_json(ruta_metricas, metricas)
    return metricas


def finalizar_etapas(carpeta, filas, titulo, evaluado_en, extra=None):
    """Escribe `resultados.csv` y `resultados.json`, imprime la tabla de etapas y devuelve el JSON."""
    escribir_csv(os.path.join(carpeta, "resultados.csv"), filas)
    datos = {"filas": filas, "evaluado_en": evaluado_en, **(extra or {})}
    escribir_json(os.path.join(carpeta, "resultados.json"), datos)
    ancho = max(len("Etapa"), *(len(f["etapa"]) for f in filas))
    lineas = [
        f"{titulo} (precisión en {evaluado_en})",
        f"{'Etapa':<{ancho}}  {'Pérdida':>8}  {'Precisión':>9}  {'Entrenables':>12}",
    ]
    lineas += [
        f"{f['etapa']:<{ancho}}  {f['perdida']:>8.4f}  {100 * f['precision']:>8.2f} %  "
        f"{f['parametros_entrenables']:>12}"
        for f in filas
    ]
    print("\n" + "\n".join(lineas) + f"\n\nResultados en: {os.path.abspath(carpeta)}")
    return datos
