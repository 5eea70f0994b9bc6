"""Piezas comunes de los ejercicios: opciones de la línea de órdenes, repeticiones y carpeta de resultados.

Cada entrenamiento escribe en su subcarpeta `historial.csv`, `evolucion.png` y `metricas.json`; la
carpeta del ejercicio guarda `config.json` (opciones, semilla, versión del paquete y del entorno:
`escribir_config`), `resultados.csv` y `resultados.json` con la media y la desviación típica. Con
`--reanudar` se saltan los entrenamientos terminados y se continúa el interrumpido; solo con las mismas
opciones que anotó `config.json`.

Semillas: `sembrar(args, repeticion)` es la única regla. Cada variante de una comparación (programas de
tasa, regularizaciones, pasos del Cuadro 3, BirdNets) y cada repetición se siembra justo antes de crear
sus datos y su modelo con una semilla que solo depende de la semilla base y de la repetición: todas las
variantes ven la misma partición, el mismo orden de lotes y los mismos pesos iniciales (cuando tienen la
misma arquitectura), en cualquier orden y con cualquier subconjunto de variantes.
"""

import datetime
import json
import os
import random
import re
import shutil
import signal
import threading

import numpy as np

from datos.argumentos import tipo
from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO
from practicas import __version__
from utilidades.dispositivo import fijar_semilla
from utilidades.entrenamiento import compileModel, trainModel
from utilidades.evaluacion import testModel
from utilidades.resultados import borrar_temporales, escribir_csv, escribir_json, info_entorno, leer_json

AYUDA_DATOS = (
    "'digitos' (incluidos en scikit-learn, sin conexión; por defecto), 'cifar100', la ruta del archivo "
    "cifar-100-python.tar.gz o de su carpeta, o 'tfds:cifar100' (preparado con tensorflow-datasets; ver --tfds-dir)"
)
AYUDA_TFDS_DIR = (
    "carpeta de datos de tensorflow-datasets para --datos tfds:... (por defecto $TFDS_DATA_DIR o "
    "~/tensorflow_datasets); se leen los datos ya preparados, sin descargar nada"
)


def opciones_entrenamiento(parser, epocas, batch):
    """Opciones de todo ejercicio que entrena: épocas, lote, semilla, salida, `--reanudar` y `--silencioso`.

    `opciones_comunes` (fuentes de datos) y `talleres._carpetas.opciones_carpeta` (carpetas de imágenes)
    añaden a estas las suyas.
    """
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=epocas, help=f"épocas (por defecto {epocas})")
    parser.add_argument(
        "--batch", type=tipo(ENTERO_POSITIVO), default=batch, help=f"tamaño del lote (por defecto {batch})"
    )
    parser.add_argument("--semilla", type=int, default=None, help="semilla: la misma da los mismos números en CPU")
    parser.add_argument(
        "--salida", default=None, help="carpeta de resultados (por defecto resultados/<practica>-<ejercicio>)"
    )
    parser.add_argument("--reanudar", action="store_true", help="continuar un entrenamiento interrumpido")
    parser.add_argument("--silencioso", action="store_true", help="sin barra de progreso de Keras")


def opciones_fuente(parser, datos="digitos", ayuda_datos=AYUDA_DATOS):
    """`--datos`, `--tfds-dir` y `--sin-verificar`: la fuente de datos, igual en todos los ejercicios que la leen.

    `datos` y `ayuda_datos` cambian la fuente por defecto y su explicación (p. ej. los pájaros o MNIST).
    """
    parser.add_argument("--datos", default=datos, help=ayuda_datos)
    parser.add_argument("--tfds-dir", default=None, metavar="DIR", help=AYUDA_TFDS_DIR)
    parser.add_argument(
        "--sin-verificar",
        action="store_true",
        help="no comparar el archivo de datos dado con la suma SHA-256 del oficial (para archivos propios)",
    )


def opciones_sin_reanudar(parser, practica, ayuda_semilla="semilla de NumPy y de Keras (por defecto 0)"):
    """`--semilla` y `--salida` de los ejercicios que duran poco y no se reanudan (`reanudar` siempre falso)."""
    parser.add_argument("--semilla", type=int, default=0, help=ayuda_semilla)
    parser.add_argument(
        "--salida", default=None, help=f"carpeta de resultados (por defecto resultados/{practica}-<ejercicio>)"
    )
    parser.set_defaults(reanudar=False)


def opciones_comunes(parser, epocas=50, batch=64, repeticiones=1, datos="digitos", ayuda_datos=AYUDA_DATOS):
    """Opciones de todos los ejercicios que entrenan: datos, épocas, lote, repeticiones, semilla, salida."""
    opciones_fuente(parser, datos, ayuda_datos)
    opciones_entrenamiento(parser, epocas, batch)
    parser.add_argument(
        "--repeticiones",
        type=tipo(ENTERO_POSITIVO),
        default=repeticiones,
        help="entrenamientos independientes (media y desv.)",
    )


def sembrar(args, repeticion=1):
    """Fija las semillas de la repetición `repeticion` (1, 2...) y devuelve la que ha usado.

    La semilla solo depende de la semilla base (`--semilla` o la sorteada por `iniciar`) y de la
    repetición. Se llama justo antes de crear los datos (partición de validación, barajado, aumento) y
    el modelo de cada variante, siempre en ese orden. Con `--semilla` activa además las operaciones
    deterministas de TensorFlow (los mismos números en CPU).
    """
    import keras

    semilla = (int(args.semilla_base) + repeticion - 1) % 2**31
    if args.semilla is not None:
        fijar_semilla(semilla)
    else:
        keras.utils.set_random_seed(semilla)
    return semilla


# Opciones que pueden cambiar al reanudar: no cambian los números de ningún entrenamiento (con menos
# repeticiones, `iniciar` borra las carpetas que sobran; `--tfds-dir` solo dice dónde están los mismos datos).
OPCIONES_LIBRES = ("reanudar", "silencioso", "verboso", "sin_verificar", "salida", "repeticiones", "tfds_dir")


def _opcion(nombre):
    return "--" + nombre.replace("_", "-")


def _comprobar_mismas_opciones(ruta_config, anteriores, opciones):
    """Al reanudar, las opciones deben ser las de `config.json` (salvo `OPCIONES_LIBRES`)."""
    actuales = json.loads(json.dumps(opciones, default=str))  # como se anotan en config.json

    def texto(valor):
        return json.dumps(valor, ensure_ascii=False)

    distintas = [
        f"{_opcion(k)}: antes {texto(anteriores[k])}, ahora {texto(actuales[k])}"
        for k in sorted(anteriores.keys() & actuales.keys())
        if k not in OPCIONES_LIBRES and anteriores[k] != actuales[k]
    ]
    if distintas:
        raise ErrorParametro(
            f"No se puede reanudar con opciones distintas de las anotadas en {ruta_config} "
            f"({'; '.join(distintas)}). Repita la orden original con --reanudar, o use otra --salida "
            "para empezar de nuevo."
        )


def _borrar_repeticiones_sobrantes(carpeta, repeticiones):
    """Borra las carpetas `rep_<k>` con k > `repeticiones` de una ejecución anterior (y lo dice).

    Están en `carpeta/rep_k` o en `carpeta/<variante>/rep_k`; sin borrarlas quedarían resultados que ya
    no cuentan en ninguna tabla junto a los nuevos.
    """
    sobrantes = []
    for raiz in [carpeta] + [e.path for e in os.scandir(carpeta) if e.is_dir()]:
        for entrada in os.scandir(raiz):
            m = re.fullmatch(r"rep_(\d+)", entrada.name)
            if m and entrada.is_dir() and int(m.group(1)) > repeticiones:
                sobrantes.append(entrada.path)
    for ruta in sorted(sobrantes):
        shutil.rmtree(ruta)
    if sobrantes:
        print(
            f"Se borran {len(sobrantes)} carpetas de repeticiones de una ejecución anterior que ya no se piden "
            f"(--repeticiones {repeticiones}): {', '.join(os.path.relpath(r, carpeta) for r in sorted(sobrantes))}"
        )


def _sigterm_como_ctrl_c():
    """SIGTERM (p. ej. `kill` o el fin de un trabajo en un clúster) se trata como Ctrl+C: `KeyboardInterrupt`."""

    def interrumpir(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrumpir)


def _tiene_resultados(carpeta):
    """Si `carpeta` guarda algo de una ejecución (config, resultados, respaldos de entrenamientos)."""
    if not os.path.isdir(carpeta):
        return False
    return any(not nombre.startswith(".") for nombre in os.listdir(carpeta))


def nombre_de_datos(datos):
    """Los datos de `--datos` dichos para una persona: «los dígitos incluidos», «CIFAR-100 (25 clases)»…"""
    nombres = {None: "los dígitos incluidos", "digitos": "los dígitos incluidos", "cifar100": "CIFAR-100 (25 clases)"}
    if datos in nombres:
        return nombres[datos]
    texto = str(datos)
    return texto.removeprefix("tfds:") if texto.startswith("tfds:") else os.path.basename(os.path.normpath(texto))


def cantidad(numero, palabra):
    """«1 época», «10 épocas»: el número con la palabra en singular o en plural."""
    return f"{numero} {palabra}" if numero == 1 else f"{numero} {palabra}s"


def iniciar(args, nombre):
    """Crea la carpeta de resultados y escribe `config.json`. Devuelve la carpeta.

    Sin `--semilla` se sortea una y se anota, para poder repetir la ejecución. Con `--reanudar`, las
    opciones deben ser las anotadas (si no, `ErrorParametro` con las que difieren); sin él, una carpeta con
    resultados de otra ejecución da un `ErrorParametro` (nada se borra sin pedirlo). Al reanudar, si la
    carpeta tenía resultados de este ejercicio con más repeticiones, se borran las que sobran. Desde aquí,
    SIGTERM interrumpe como Ctrl+C.
    """
    carpeta = args.salida or os.path.join("resultados", nombre)
    ruta_config = os.path.join(carpeta, "config.json")
    opciones = {k: v for k, v in vars(args).items() if not k.startswith("_") and k != "semilla_base"}
    anterior = None
    if os.path.exists(ruta_config):
        try:
            anterior = leer_json(ruta_config)
        except ValueError:  # no es de este programa o está dañado: se trata como una carpeta nueva
            anterior = None
    if not args.reanudar and _tiene_resultados(carpeta):
        raise ErrorParametro(
            f"La carpeta {carpeta} ya tiene resultados de una ejecución anterior (terminada o interrumpida) y no se "
            "borran sin pedirlo: para continuarla, repita la orden con --reanudar; para empezar otra, use otra "
            "--salida (o borre esa carpeta)."
        )
    if args.reanudar and anterior is not None:
        if anterior.get("ejercicio") != nombre:
            raise ErrorParametro(
                f"No se puede reanudar: {ruta_config} es de '{anterior.get('ejercicio')}', no de '{nombre}'. "
                "Use la --salida de este ejercicio."
            )
        _comprobar_mismas_opciones(ruta_config, anterior.get("opciones", {}), opciones)
        args.semilla_base = anterior["semilla"]
    else:
        args.semilla_base = args.semilla if args.semilla is not None else random.SystemRandom().randrange(2**31)
    if anterior is not None and anterior.get("ejercicio") == nombre and getattr(args, "repeticiones", None):
        _borrar_repeticiones_sobrantes(carpeta, args.repeticiones)
    borrar_temporales(carpeta)
    _sigterm_como_ctrl_c()
    escribir_config(carpeta, nombre, opciones, semilla=args.semilla_base, determinista=args.semilla is not None)
    return carpeta


def escribir_config(carpeta, nombre, opciones, **extra):
    """Escribe `carpeta/config.json`: ejercicio, opciones, `extra` (semilla...), inicio, versión y entorno.

    Es el único escritor de `config.json`: `version` es la del paquete (`practicas.__version__`) y `entorno`
    las de Python, TensorFlow, Keras y NumPy y los dispositivos (`info_entorno`).
    """
    return escribir_json(
        os.path.join(carpeta, "config.json"),
        {
            "ejercicio": nombre,
            "opciones": opciones,
            **extra,
            "inicio": datetime.datetime.now().isoformat(timespec="seconds"),
            "version": __version__,
            "entorno": info_entorno(),
        },
    )


def entrenar_y_evaluar(
    args, carpeta, construir_modelo, preparar_datos, repeticion=1, compilar=compileModel, callbacks=(), medir=None
):
    """Un entrenamiento completo: semillas (`sembrar`), datos, modelo, `trainModel`, `testModel` y `metricas.json`.

    `repeticion` (1, 2...) elige la semilla. `preparar_datos(semilla)` crea y devuelve
    `(it_train, it_val, test_x, test_y)` (llamada justo después de sembrar); `callbacks` se pasan a
    `trainModel` (programas de tasa, parada temprana...); `medir(modelo, datos)` devuelve métricas
    adicionales del modelo ya entrenado (`datos` es lo que devolvió `preparar_datos`), que se guardan con
    las demás.
    """
    ruta_metricas = os.path.join(carpeta, "metricas.json")
    if args.reanudar and os.path.exists(ruta_metricas):
        return leer_json(ruta_metricas)
    semilla = sembrar(args, repeticion)
    datos = preparar_datos(semilla)
    it_train, it_val, test_x, test_y = datos
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
    titulo = f"{modelo.name} en {nombre_de_datos(getattr(args, 'datos', None))}, entrenamiento {repeticion}"
    perdida, precision = testModel(modelo, test_x, test_y, hist, batchSize=args.batch, carpeta=carpeta, titulo=titulo)
    metricas = {"perdida": perdida, "precision": precision, "epocas": len(hist.epoch), "semilla": semilla}
    metricas.update(medir(modelo, datos) if medir is not None else {})
    escribir_json(ruta_metricas, metricas)
    return metricas


def repetir(args, carpeta, construir_modelo, preparar_datos, **kwargs):
    """`args.repeticiones` entrenamientos independientes (semillas consecutivas), cada uno en `rep_<k>`."""
    filas = []
    for k in range(1, args.repeticiones + 1):
        sub = os.path.join(carpeta, f"rep_{k}")
        metricas = entrenar_y_evaluar(args, sub, construir_modelo, preparar_datos, k, **kwargs)
        filas.append({"entrenamiento": k, **metricas})
    return filas


def resumen(filas):
    """Media y desviación típica (muestral si hay más de una) de la pérdida y la precisión."""
    resultado = {}
    for clave in ("perdida", "precision"):
        valores = np.array([f[clave] for f in filas], dtype="float64")
        resultado[clave] = {
            "media": float(valores.mean()),
            "desv": float(valores.std(ddof=1) if len(valores) > 1 else 0.0),
        }
    return resultado


def tabla(filas, titulo, columna="Entrenamiento", clave="entrenamiento"):
    """Tabla de texto como los Cuadros del informe: pérdida y precisión por fila, media y desviación."""
    ancho = max(len(columna), *(len(str(f[clave])) for f in filas), len("Desv. típica"))
    lineas = [titulo, f"{columna:<{ancho}}  {'Pérdida':>8}  {'Precisión':>9}"]
    lineas += [f"{str(f[clave]):<{ancho}}  {f['perdida']:>8.4f}  {100 * f['precision']:>8.2f} %" for f in filas]
    if len(filas) > 1:
        r = resumen(filas)
        lineas.append(f"{'Promedio':<{ancho}}  {r['perdida']['media']:>8.4f}  {100 * r['precision']['media']:>8.2f} %")
        lineas.append(
            f"{'Desv. típica':<{ancho}}  {r['perdida']['desv']:>8.4f}  {100 * r['precision']['desv']:>8.2f} %"
        )
    return "\n".join(lineas)


def finalizar(carpeta, filas, titulo, nombre="resultados", **kwargs):
    """Escribe `<nombre>.csv` y `<nombre>.json` (filas, media y desviación), imprime la tabla y devuelve el JSON."""
    escribir_csv(os.path.join(carpeta, f"{nombre}.csv"), filas)
    datos = {"filas": filas, "resumen": resumen(filas)}
    escribir_json(os.path.join(carpeta, f"{nombre}.json"), datos)
    print("\n" + tabla(filas, titulo, **kwargs) + f"\n\nResultados en: {os.path.abspath(carpeta)}")
    return datos
