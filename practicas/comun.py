"""Piezas comunes de los ejercicios: opciones de la línea de órdenes, repeticiones y carpeta de resultados.

Cada entrenamiento escribe en su subcarpeta `historial.csv`, `evolucion.png` y `metricas.json`; la
carpeta del ejercicio guarda `config.json` (opciones, semilla y versiones), `resultados.csv` y
`metricas.json` con la media y la desviación típica. Con `--reanudar` se saltan los entrenamientos
terminados y se continúa el interrumpido.
"""
import argparse
import datetime
import os
import random

import numpy as np

from utilidades.dispositivo import fijar_semilla
from utilidades.entrenamiento import compileModel, trainModel
from utilidades.evaluacion import testModel
from utilidades.resultados import escribir_csv, escribir_json, info_entorno, leer_json


def entero_positivo(texto):
    try:
        valor = int(texto)
    except ValueError:
        valor = 0
    if valor < 1:
        raise argparse.ArgumentTypeError(f"debe ser un entero positivo y es '{texto}'")
    return valor


AYUDA_DATOS = (
    "'digitos' (incluidos en scikit-learn, sin conexión; por defecto), 'cifar100' o la ruta del archivo "
    "cifar-100-python.tar.gz o de su carpeta"
)


def opciones_comunes(parser, epocas=50, batch=64, repeticiones=1, datos="digitos", ayuda_datos=AYUDA_DATOS):
    """Opciones de todos los ejercicios que entrenan: datos, épocas, lote, repeticiones, semilla, salida.

    `datos` y `ayuda_datos` cambian la fuente por defecto y su explicación (p. ej. los pájaros o MNIST).
    """
    parser.add_argument("--datos", default=datos, help=ayuda_datos)
    parser.add_argument("--epocas", type=entero_positivo, default=epocas, help=f"épocas (por defecto {epocas})")
    parser.add_argument("--batch", type=entero_positivo, default=batch, help=f"tamaño del lote (por defecto {batch})")
    parser.add_argument(
        "--repeticiones", type=entero_positivo, default=repeticiones, help="entrenamientos independientes (media y desv.)"
    )
    parser.add_argument("--semilla", type=int, default=None, help="semilla: la misma da los mismos números en CPU")
    parser.add_argument("--salida", default=None, help="carpeta de resultados (por defecto resultados/<ejercicio>)")
    parser.add_argument("--reanudar", action="store_true", help="continuar un entrenamiento interrumpido")
    parser.add_argument("--silencioso", action="store_true", help="sin barra de progreso de Keras")


def iniciar(args, nombre):
    """Crea la carpeta de resultados y escribe `config.json`. Devuelve la carpeta.

    Sin `--semilla` se sortea una y se anota, para poder repetir la ejecución.
    """
    carpeta = args.salida or os.path.join("resultados", nombre)
    ruta_config = os.path.join(carpeta, "config.json")
    if args.reanudar and os.path.exists(ruta_config):
        args.semilla_base = leer_json(ruta_config)["semilla"]
    else:
        args.semilla_base = args.semilla if args.semilla is not None else random.SystemRandom().randrange(2**31)
    opciones = {k: v for k, v in vars(args).items() if not k.startswith("_") and k != "semilla_base"}
    escribir_json(
        ruta_config,
        {
            "ejercicio": nombre,
            "opciones": opciones,
            "semilla": args.semilla_base,
            "determinista": args.semilla is not None,
            "inicio": datetime.datetime.now().isoformat(timespec="seconds"),
            "entorno": info_entorno(),
        },
    )
    return carpeta


def entrenar_y_evaluar(
    args, carpeta, construir_modelo, preparar_datos, semilla, compilar=compileModel, callbacks=(), medir=None
):
    """Un entrenamiento completo: datos, modelo, `trainModel`, `testModel` y `metricas.json`.

    `preparar_datos(semilla)` devuelve `(it_train, it_val, test_x, test_y)`; `callbacks` se pasan a
    `trainModel` (programas de tasa, parada temprana...); `medir(modelo)` devuelve métricas adicionales
    del modelo ya entrenado, que se guardan con las demás.
    """
    ruta_metricas = os.path.join(carpeta, "metricas.json")
    if args.reanudar and os.path.exists(ruta_metricas):
        return leer_json(ruta_metricas)
    if args.semilla is not None:
        fijar_semilla(semilla)
    else:
        import keras

        keras.utils.set_random_seed(semilla)
    it_train, it_val, test_x, test_y = preparar_datos(semilla)
    modelo = construir_modelo()
    compilar(modelo)
    hist = trainModel(
        modelo,
        it_train,
        it_val,
        args.batch,
        args.epocas,
        callbacks=list(callbacks),
        carpeta=carpeta,
        reanudar=args.reanudar,
        verbose=0 if args.silencioso else "auto",
    )
    perdida, precision = testModel(modelo, test_x, test_y, hist, batchSize=args.batch, carpeta=carpeta)
    metricas = {"perdida": perdida, "precision": precision, "epocas": len(hist.epoch), "semilla": semilla}
    metricas.update(medir(modelo) if medir is not None else {})
    escribir_json(ruta_metricas, metricas)
    return metricas


def repetir(args, carpeta, construir_modelo, preparar_datos, **kwargs):
    """`args.repeticiones` entrenamientos independientes (semillas consecutivas), cada uno en `rep_<k>`."""
    filas = []
    for k in range(1, args.repeticiones + 1):
        semilla = (args.semilla_base + k - 1) % 2**31
        metricas = entrenar_y_evaluar(
            args, os.path.join(carpeta, f"rep_{k}"), construir_modelo, preparar_datos, semilla, **kwargs
        )
        filas.append({"entrenamiento": k, **metricas})
    return filas


def resumen(filas):
    """Media y desviación típica (muestral si hay más de una) de la pérdida y la precisión."""
    resultado = {}
    for clave in ("perdida", "precision"):
        valores = np.array([f[clave] for f in filas], dtype="float64")
        resultado[clave] = {"media": float(valores.mean()), "desv": float(valores.std(ddof=1) if len(valores) > 1 else 0.0)}
    return resultado


def tabla(filas, titulo, columna="Entrenamiento", clave="entrenamiento"):
    """Tabla de texto como los Cuadros del informe: pérdida y precisión por fila, media y desviación."""
    ancho = max(len(columna), *(len(str(f[clave])) for f in filas), len("Desv. típica"))
    lineas = [titulo, f"{columna:<{ancho}}  {'Pérdida':>8}  {'Precisión':>9}"]
    lineas += [f"{str(f[clave]):<{ancho}}  {f['perdida']:>8.4f}  {100 * f['precision']:>8.2f} %" for f in filas]
    if len(filas) > 1:
        r = resumen(filas)
        lineas.append(f"{'Promedio':<{ancho}}  {r['perdida']['media']:>8.4f}  {100 * r['precision']['media']:>8.2f} %")
        lineas.append(f"{'Desv. típica':<{ancho}}  {r['perdida']['desv']:>8.4f}  {100 * r['precision']['desv']:>8.2f} %")
    return "\n".join(lineas)


def finalizar(carpeta, filas, titulo, nombre="resultados", **kwargs):
    """Escribe `<nombre>.csv` y `<nombre>.json` (filas, media y desviación), imprime la tabla y devuelve el JSON."""
    escribir_csv(os.path.join(carpeta, f"{nombre}.csv"), filas)
    datos = {"filas": filas, "resumen": resumen(filas)}
    escribir_json(os.path.join(carpeta, f"{nombre}.json"), datos)
    print("\n" + tabla(filas, titulo, **kwargs) + f"\n\nResultados en: {os.path.abspath(carpeta)}")
    return datos
