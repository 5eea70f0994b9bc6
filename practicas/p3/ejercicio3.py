"""Ejercicio 3 de la práctica 3 (§4): ResNet50 en los pájaros de Caltech-UCSD, BirdNetV0–V4 (Cuadro 8).

- V0, V1 y V2 (§4.1): ResNet50 congelada como extractor. Sin aumento de datos su salida no cambia entre
  épocas, así que se calcula una sola vez (`carpeta/caracteristicas/*.npz`) y solo se entrena la cabeza
  sobre esas características: da lo mismo que entrenar el modelo compuesto, mucho más deprisa.
- V3 (§4.2): ajuste fino de la red entera con Adam por defecto y lotes de 32 (`--batch-v3`).
- V4 (§4.3): calentamiento con ResNet50 congelada (`--epocas-calentamiento`) y después ajuste fino desde
  conv4 (`descongelar_desde`), ambas fases con Adam(1e-4) y aumento de datos (el de `ImageDataGenerator`).
  `--v4-descongelar solo-14x14` ajusta solo conv4, la lectura literal del informe.
- Los pesos finales de V3 y V4 solo se guardan con `--guardar-pesos`.

Las imágenes se decodifican una sola vez (`datos.cache_imagenes`, `--cache-imagenes`): de una carpeta de
JPEG o, con `--datos tfds:caltech_birds2010`, de los registros de tensorflow-datasets (en `--tfds-dir`,
`$TFDS_DATA_DIR` o `~/tensorflow_datasets`). Los lotes viajan en uint8 y el paso a float, el aumento y el
preprocesado de ResNet50 van dentro del modelo (`con_preprocesado`), donde corre el modelo. Sin `--datos` se usa una
carpeta sintética pequeña y pesos aleatorios: sirve para comprobar que todo funciona, pero la precisión no
significa nada.
"""

import os

import keras
import numpy as np

from datos import CapaAumento, abrir_pajaros, escribir_pajaros_sinteticos, pipeline_desde_arrays
from datos.argumentos import tipo
from datos.cache_imagenes import MODOS
from datos.iteradores import AUMENTO_BASENETPP, separar_validacion
from datos.pajaros import PAJAROS_SINTETICOS, TAMANO
from datos.servicio import DIRECCION_SERVICIO, distribuir
from datos.validacion import ENTERO_POSITIVO, Integral, Intervalo
from modelos import (
    comprobar_pesos,
    con_preprocesado,
    descongelar_desde,
    getBirdNetV0,
    getBirdNetV1,
    getBirdNetV2,
    getBirdNetV3,
    getBirdNetV4,
    getResNet50,
)
from practicas.comun import iniciar, opciones_comunes, repetir, resumen, sembrar
from utilidades.caracteristicas import cargar_caracteristicas, extraer_caracteristicas, guardar_caracteristicas
from utilidades.entrenamiento import compileModel, guardar_pesos, trainModel
from utilidades.evaluacion import testModel
from utilidades.graficas import mostrarEvolucion
from utilidades.resultados import escribir_csv, escribir_json, leer_json

AYUDA = "ResNet50 en los pájaros de Caltech-UCSD: BirdNetV0–V4 (transferencia y ajuste fino); tabla como el Cuadro 8"

SINTETICO = "pajaros-sintetico"
TAMANO_SINTETICO = PAJAROS_SINTETICOS["tamano"]
# variante -> (constructor, pooling de ResNet50); V0–V2 se entrenan sobre características en caché.
VARIANTES = {
    "v0": (getBirdNetV0, "avg"),
    "v1": (getBirdNetV1, "avg"),
    "v2": (getBirdNetV2, None),
    "v3": (getBirdNetV3, "avg"),
    "v4": (getBirdNetV4, "avg"),
}
CON_CACHE = ("v0", "v1", "v2")
# Pérdida y precisión en test del informe (Cuadro 8 y §4.2–4.3), con los pesos de ImageNet.
INFORME = {
    "v0": (2.321, 0.425651),
    "v1": (2.5046, 0.40488),
    "v2": (3.2539, 0.296076),
    "v3": (4.7275, 0.21299),
    "v4": (2.1333, 0.501813),
}
TASA_AJUSTE = 1e-4
BATCH_V3 = 32  # §4.2: «con 15 épocas y batches de 32 imágenes»; las demás BirdNet, 64
# --v4-descongelar -> (prefijo desde el que se descongela, prefijo en que se para; None: hasta el final)
DESCONGELAR_V4 = {"conv4-conv5": ("conv4_", None), "solo-14x14": ("conv4_", "conv5_")}


def opciones(parser):
    opciones_comunes(
        parser,
        epocas=15,
        batch=64,
        repeticiones=1,
        datos=SINTETICO,
        ayuda_datos="carpeta de los pájaros (con train.txt, test.txt y las carpetas NNN.Especie), "
        "'tfds:caltech_birds2010' (preparado con tensorflow-datasets; ver --tfds-dir) o "
        f"'{SINTETICO}' (por defecto: carpeta sintética pequeña, sin conexión; la precisión no significa nada)",
    )
    parser.add_argument(
        "--variante",
        nargs="+",
        choices=(*VARIANTES, "todas"),
        default=["todas"],
        help="una o varias de v0 v1 v2 v3 v4, o 'todas' (por defecto)",
    )
    parser.add_argument(
        "--pesos",
        default=None,
        help="'imagenet' (por defecto con datos reales), 'ninguno' (aleatorios; por defecto con los sintéticos) "
        "o la ruta de un .h5 de ResNet50 sin la parte densa",
    )
    parser.add_argument(
        "--tamano",
        type=tipo(Intervalo(Integral, 32, None)),
        default=None,
        help=f"lado de las imágenes, al menos 32: ResNet50 lo reduce 32 veces (por defecto {TAMANO}; "
        f"{TAMANO_SINTETICO} con los datos sintéticos)",
    )
    parser.add_argument(
        "--epocas-calentamiento",
        type=tipo(ENTERO_POSITIVO),
        default=5,
        help="épocas de BirdNetV4 con ResNet50 congelada (5); --epocas son las del ajuste fino",
    )
    parser.add_argument(
        "--batch-v3",
        type=tipo(ENTERO_POSITIVO),
        default=BATCH_V3,
        help=f"tamaño del lote de BirdNetV3 ({BATCH_V3}, como en §4.2; las demás usan --batch)",
    )
    parser.add_argument(
        "--v4-descongelar",
        choices=list(DESCONGELAR_V4),
        default="conv4-conv5",
        help="capas de ResNet50 que BirdNetV4 ajusta en la fase 2: 'conv4-conv5' (por defecto, desde el primer "
        "bloque de 14×14 hasta el final; 24.767.176 parámetros entrenables a 224) o 'solo-14x14' (solo conv4, "
        "la lectura literal del informe; 9.813.704)",
    )
    parser.add_argument(
        "--cache-imagenes",
        choices=(*MODOS, "no"),
        default="auto",
        help="decodificar cada imagen una sola vez: 'auto' (por defecto: en memoria si cabe en la mitad de la "
        "disponible, hasta 4 GB; si no, en disco), 'memoria', 'disco' o 'no' (decodificar en cada época). La "
        "caché se guarda en $PRACTICAS_CACHE o ~/.cache/practicas-keras (0,9 GB para los pájaros a 224)",
    )
    parser.add_argument(
        "--servicio-datos",
        metavar="grpc://HOST:PUERTO",
        type=tipo(DIRECCION_SERVICIO),
        default=None,
        help="decodificar las imágenes en los trabajadores del servicio tf.data de ese despachador (python -m "
        "datos.servicio) en vez de en esta máquina; sin caché de imágenes",
    )
    parser.add_argument(
        "--guardar-pesos",
        action="store_true",
        help="guardar los pesos finales de V3 y V4 (modelo.weights.h5; unos 290 MB cada uno a 224×224)",
    )


def _lotes(args, listado, particion, seleccion=None, **opciones):
    """Lotes uint8 de `particion`: de la caché de imágenes decodificadas (`--cache-imagenes`) o, con
    `--servicio-datos`, decodificados en los trabajadores del servicio tf.data (`datos.servicio`)."""
    if args.servicio_datos:
        return distribuir(listado.pipeline(particion, seleccion, **opciones), args.servicio_datos)
    cache = None if args.cache_imagenes == "no" else args.cache_imagenes
    return listado.pipeline(particion, seleccion, cache=cache, **opciones)


def _carpeta_datos(fuente, carpeta):
    """Devuelve `(carpeta de los pájaros, es_sintetica)`; la sintética se crea en la carpeta de resultados."""
    if fuente != SINTETICO:
        return fuente, False
    destino = os.path.join(carpeta, "datos-sinteticos")
    if not os.path.isfile(os.path.join(destino, "test.txt")):
        escribir_pajaros_sinteticos(destino, **PAJAROS_SINTETICOS)
    return destino, True


def _pesos(opcion, sintetico):
    if opcion is None:
        return None if sintetico else "imagenet"
    return None if opcion.lower() in ("ninguno", "none") else opcion


def caracteristicas(args, carpeta, listado, forma, pesos, pooling):
    """`(x_train, y_train, x_test, y_test)` con las salidas de ResNet50 congelada, calculadas una sola vez.

    Se guardan en `carpeta/caracteristicas/` y se reutilizan mientras la red y los datos sean los mismos.
    Sin pooling (BirdNetV2) se guardan en float16: a 224 ocupan 200 KB por imagen en vez de 400 KB.
    """
    nombre = pooling or "sin_pooling"
    descripcion = (
        f"ResNet50 pooling={pooling} pesos={pesos} forma={forma} datos={listado.origen} "
        f"imagenes={listado.num('train')}+{listado.num('test')}"
    )
    if pesos is None:
        descripcion += f" semilla={args.semilla_base}"  # los pesos aleatorios dependen de la semilla
    resultado, extractor = [], None
    for particion, y in (("train", listado.y_train), ("test", listado.y_test)):
        ruta = os.path.join(carpeta, "caracteristicas", f"{nombre}_{particion}.npz")
        try:
            resultado += list(cargar_caracteristicas(ruta, descripcion))
            print(f"Características de {particion} ({nombre}) leídas de la caché: {ruta}")
            continue
        except (FileNotFoundError, ValueError):
            pass
        if extractor is None:
            sembrar(args)  # los pesos aleatorios (sin ImageNet) dependen de la semilla
            extractor = con_preprocesado(getResNet50(pooling, forma, pesos))
        print(f"Extrayendo características de {particion} ({len(y)} imágenes, {nombre}): una sola vez")
        lotes = _lotes(args, listado, particion, batch=args.batch, tamano=forma[0])
        with listado.legibles(forma[0]):
            x = extraer_caracteristicas(extractor, lotes, dtype="float32" if pooling else "float16")
        guardar_caracteristicas(ruta, x, y, descripcion)
        resultado += [x, y]
    return tuple(resultado)


def entrenar_sobre_caracteristicas(args, carpeta, variante, datos, num_clases):
    """BirdNetV0–V2: `repetir` entrena la cabeza del modelo compuesto sobre las características."""
    x_train, y_train, x_test, y_test = datos
    construir = VARIANTES[variante][0]

    def construir_modelo():
        # La misma cabeza que en el modelo compuesto, colocada sobre una entrada con la forma de las
        # características en vez de sobre ResNet50 (que ya está en la caché).
        entrada = keras.Input(x_train.shape[1:])
        return construir(keras.Model(entrada, entrada), num_clases=num_clases)

    def preparar_datos(semilla):
        x_tr, x_val, y_tr, y_val = separar_validacion(x_train, y_train, semilla=semilla)
        it_train = pipeline_desde_arrays(x_tr, y_tr, args.batch, barajar=True, semilla=semilla)
        return it_train, pipeline_desde_arrays(x_val, y_val, args.batch), x_test, y_test

    return repetir(args, carpeta, construir_modelo, preparar_datos)


def ajuste_fino(args, carpeta, variante, repeticion, listado, forma, pesos):
    """BirdNetV3 o BirdNetV4 leyendo las imágenes de disco; semillas como `practicas.comun.entrenar_y_evaluar`.

    Escribe en `carpeta` el historial, las curvas y `metricas.json`, que devuelve. Los pesos finales
    (`modelo.weights.h5`, unos 290 MB a 224) solo con `--guardar-pesos`; los de V4 tras el calentamiento
    (`calentamiento/modelo.weights.h5`) sirven para reanudar la fase 2 y se borran al terminar, salvo con
    `--guardar-pesos`. V3 usa lotes de `--batch-v3` (32, §4.2).
    """
    ruta_metricas = os.path.join(carpeta, "metricas.json")
    if args.reanudar and os.path.exists(ruta_metricas):
        return leer_json(ruta_metricas)
    semilla = sembrar(args, repeticion)  # antes de la partición, el barajado, el aumento y el modelo
    # posiciones de las imágenes de entrenamiento y de validación (las rutas o los registros de TFDS)
    posiciones = np.arange(listado.num("train"))
    indices_tr, indices_val, _, _ = separar_validacion(posiciones, listado.y_train, semilla=semilla)
    lado = forma[0]
    batch = args.batch_v3 if variante == "v3" else args.batch
    lotes = dict(batch=batch, tamano=lado)  # uint8: el preprocesado va en el modelo
    it_train = _lotes(args, listado, "train", indices_tr, barajar=True, semilla=semilla, **lotes)
    it_val = _lotes(args, listado, "train", indices_val, **lotes)
    it_test = _lotes(args, listado, "test", **lotes)
    red = VARIANTES[variante][0](getResNet50("avg", forma, pesos), num_clases=len(listado.clases))
    # V4 con el aumento del ejercicio 2 (§3), dentro del modelo: solo al entrenar, repetible con la semilla
    aumento = CapaAumento(**AUMENTO_BASENETPP, seed=semilla) if variante == "v4" else None
    modelo = con_preprocesado(red, aumento)
    verbose = 0 if args.silencioso else "auto"
    with listado.legibles(lado):
        if variante == "v4":
            fase1 = os.path.join(carpeta, "calentamiento")
            pesos_fase1 = os.path.join(fase1, "modelo.weights.h5")
            if args.reanudar and os.path.isfile(pesos_fase1):
                red.load_weights(pesos_fase1)
            else:
                print("BirdNetV4, fase 1: calentamiento con ResNet50 congelada")
                compileModel(modelo, learning_rate=TASA_AJUSTE)
                hist = trainModel(
                    modelo,
                    it_train,
                    it_val,
                    args.batch,
                    args.epocas_calentamiento,
                    carpeta=fase1,
                    reanudar=args.reanudar,
                    verbose=verbose,
                )
                titulo = f"BirdNetV4, {os.path.basename(carpeta)}: calentamiento (ResNet50 congelada)"
                mostrarEvolucion(hist, carpeta=fase1, titulo=titulo)
                guardar_pesos(red, pesos_fase1)
            desde, hasta = DESCONGELAR_V4[args.v4_descongelar]
            que = "conv4 y conv5" if hasta is None else "solo conv4 (los bloques de 14×14)"
            print(f"BirdNetV4, fase 2: ajuste fino de {que} (BatchNormalization en modo inferencia)")
            descongelar_desde(red, desde, hasta=hasta)  # las mismas capas que dentro de `modelo`
            compileModel(modelo, learning_rate=TASA_AJUSTE)
        else:
            compileModel(modelo)
        hist = trainModel(
            modelo, it_train, it_val, batch, args.epocas, carpeta=carpeta, reanudar=args.reanudar, verbose=verbose
        )
        perdida, precision = testModel(modelo, it_test, hist=hist, carpeta=carpeta)  # título: red y repetición
    if args.guardar_pesos:
        # los de la BirdNet, sin el preprocesado: se cargan en getBirdNetV*(getResNet50(...))
        guardar_pesos(red, os.path.join(carpeta, "modelo.weights.h5"))
    metricas = {
        "perdida": float(perdida),
        "precision": float(precision),
        "epocas": len(hist.epoch),
        "semilla": semilla,
        "batch": batch,
    }
    escribir_json(ruta_metricas, metricas)
    pesos_fase1 = os.path.join(carpeta, "calentamiento", "modelo.weights.h5")
    if not args.guardar_pesos and os.path.exists(pesos_fase1):  # solo servía para reanudar la fase 2
        os.remove(pesos_fase1)
    return metricas


def tabla_modelos(filas, informe=True):
    """Tabla como el Cuadro 8: pérdida y precisión en test de cada BirdNet (y las del informe)."""
    lineas = ["Resultados en test de las BirdNet (como el Cuadro 8)"]
    lineas.append(f"{'Modelo':<10}  {'Pérdida':>8}  {'Precisión':>9}" + ("     Informe" if informe else ""))
    for f in filas:
        linea = f"{f['modelo']:<10}  {f['perdida']:>8.4f}  {100 * f['precision']:>7.2f} %"
        if f["repeticiones"] > 1:
            linea += f"  (±{f['perdida_desv']:.4f}, ±{100 * f['precision_desv']:.2f} %, {f['repeticiones']} rep.)"
        if informe:
            perdida, precision = INFORME[f["variante"]]
            linea += f"  {perdida:>8.4f}  {100 * precision:>6.2f} %"
        lineas.append(linea)
    return "\n".join(lineas)


def ejecutar(args):
    # Antes de escribir nada: un error en los datos o en los pesos no deja carpeta de resultados.
    sintetico = args.datos == SINTETICO
    listado = None if sintetico else abrir_pajaros(args.datos, carpeta_tfds=args.tfds_dir)
    pesos = comprobar_pesos(_pesos(args.pesos, sintetico))
    forma = (args.tamano or (TAMANO_SINTETICO if sintetico else TAMANO),) * 2 + (3,)
    carpeta = iniciar(args, "p3-ejercicio3")
    carpeta_datos, sintetico = _carpeta_datos(args.datos, carpeta)
    listado = listado or abrir_pajaros(carpeta_datos)
    num_clases = len(listado.clases)
    motivos = []
    if sintetico:
        motivos.append("datos sintéticos")
    if pesos is None:
        motivos.append("pesos aleatorios (sin ImageNet)")
    aviso = None
    if motivos:
        aviso = f"Aviso: {' y '.join(motivos)}: sirve para comprobar que todo funciona, pero la precisión no significa nada."
        print(aviso)
    print(
        f"Datos: {listado.origen} ({listado.num('train')} de entrenamiento, {listado.num('test')} de test, "
        f"{num_clases} clases), imágenes de {forma[0]}×{forma[1]}, pesos: {pesos or 'aleatorios'}"
    )
    variantes = [v for v in VARIANTES if v in args.variante or "todas" in args.variante]
    datos_cache = {}
    filas = []
    for variante in variantes:
        print(f"\n== BirdNet{variante.upper()} ==")
        subcarpeta = os.path.join(carpeta, f"birdnet{variante}")
        if variante in CON_CACHE:
            pooling = VARIANTES[variante][1]
            if pooling not in datos_cache:
                datos_cache[pooling] = caracteristicas(args, carpeta, listado, forma, pesos, pooling)
            filas_v = entrenar_sobre_caracteristicas(args, subcarpeta, variante, datos_cache[pooling], num_clases)
        else:
            filas_v = []
            for k in range(1, args.repeticiones + 1):
                rep = os.path.join(subcarpeta, f"rep_{k}")
                metricas = ajuste_fino(args, rep, variante, k, listado, forma, pesos)
                filas_v.append({"entrenamiento": k, **metricas})
        r = resumen(filas_v)
        filas.append(
            {
                "modelo": f"BirdNet{variante.upper()}",
                "variante": variante,
                "perdida": r["perdida"]["media"],
                "precision": r["precision"]["media"],
                "perdida_desv": r["perdida"]["desv"],
                "precision_desv": r["precision"]["desv"],
                "repeticiones": len(filas_v),
            }
        )
    escribir_csv(os.path.join(carpeta, "resultados.csv"), filas)
    resultado = {"filas": filas, "sintetico": sintetico, "pesos": pesos, "tamano": forma[0]}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultado)
    print("\n" + tabla_modelos(filas, informe=not sintetico and pesos is not None))
    if aviso:
        print(aviso)
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultado
