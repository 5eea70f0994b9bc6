"""Ejercicio `conjuntos` (clase «Entrenamiento de redes neuronales», Bariloche: Model Ensembles).

Dos maneras de conseguir K miembros de la misma red pequeña (`modelos.bloques.red_pequena`) con el mismo
coste, K·E épocas en total:

- modelos independientes: K entrenamientos de E épocas con distinta semilla (distinta inicialización y
  orden de lotes), cada uno con un ciclo de la tasa coseno;
- instantáneas (snapshot ensemble, Huang et al., 2017): un solo entrenamiento de K ciclos de E épocas con
  la tasa coseno cíclica (`utilidades.conjuntos.TasaCosenoCiclica`); al final de cada ciclo, con la tasa
  casi en cero, se guarda una instantánea de los pesos (`Instantaneas`) y la tasa vuelve a subir.

Cada conjunto promedia las probabilidades de sus miembros. Por defecto se entrena con 300 imágenes
(`--muestras`): los miembros se equivocan más, y en imágenes distintas, y se ve lo que gana el promedio.
Escribe `miembros.csv` (precisión y pérdida de test de cada miembro), `conjuntos.csv` (precisión del
promedio de los k primeros miembros, k = 1…K), `conjuntos.png`, `instantaneas/ciclo_<k>.weights.h5` y
`resultados.json`.
"""

import math
import os

import keras
import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from modelos.bloques import red_pequena
from practicas.arquitecturas._comun import cargar, entrenar, opciones_datos, preparar
from practicas.comun import iniciar, sembrar
from practicas.entrenamiento._comun import imprimir_tabla
from utilidades.conjuntos import (
    Instantaneas,
    TasaCosenoCiclica,
    entropia_cruzada,
    evaluar_conjunto,
    predecir,
    promediar_probabilidades,
    reiniciar_entrenamiento,
)
from utilidades.entrenamiento import compileModel
from utilidades.evaluacion import calcularAccuracy
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Conjuntos de modelos: K redes independientes frente a K instantáneas de un entrenamiento con tasa cíclica"

MOMENTO = 0.9
MUESTRAS = 300
NOMBRES = {"independientes": "modelos independientes", "instantaneas": "instantáneas (un entrenamiento)"}


def opciones(parser):
    # Con pocas imágenes los miembros se equivocan más (y en cosas distintas): se ve lo que gana el promedio.
    opciones_datos(
        parser,
        epocas=5,
        batch=64,
        muestras=MUESTRAS,
        ayuda_epocas="épocas de cada miembro independiente y de cada ciclo (por defecto 5)",
    )
    parser.add_argument("--miembros", type=tipo(ENTERO_POSITIVO), default=5, help="miembros de cada conjunto, K (5)")
    parser.add_argument(
        "--tasa", type=tipo(POSITIVO), default=0.01, help="tasa máxima α0 de SGD con momento 0.9 (0.01)"
    )
    parser.add_argument(
        "--filtros", type=tipo(ENTERO_POSITIVO), default=16, help="filtros de la primera capa de la red (16)"
    )


def _compilar(programa):
    def compilar(modelo):
        compileModel(modelo, optimizer=keras.optimizers.SGD(learning_rate=programa, momentum=MOMENTO))

    return compilar


def _filas_miembros(conjunto, probabilidades, y_test, epocas):
    return [
        {
            "conjunto": conjunto,
            "miembro": k,
            "epocas": e,
            "perdida": entropia_cruzada(p, y_test),
            "precision": calcularAccuracy(y_test, p),
        }
        for k, (p, e) in enumerate(zip(probabilidades, epocas), start=1)
    ]


def _figura(evaluaciones, programa, pasos_por_epoca, total_epocas, epocas_instantaneas):
    import matplotlib.pyplot as plt

    figura, (eje, eje_tasa) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    ancho = 0.8 / len(evaluaciones)
    for i, (nombre, evaluacion) in enumerate(evaluaciones.items()):
        k = len(evaluacion["miembros"])
        posiciones = np.arange(k + 1) + (i - (len(evaluaciones) - 1) / 2) * ancho
        eje.bar(posiciones, evaluacion["miembros"] + [evaluacion["conjunto"]], ancho, label=NOMBRES[nombre])
        eje.text(
            posiciones[-1],
            evaluacion["conjunto"],
            f"{100 * evaluacion['conjunto']:.1f} %",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    k = max(len(e["miembros"]) for e in evaluaciones.values())
    eje.set_xticks(range(k + 1), [f"miembro {j}" for j in range(1, k + 1)] + ["promedio"])
    minimo = min(min(e["miembros"]) for e in evaluaciones.values())
    eje.set_ylim(max(0.0, minimo - 0.1), 1.02)
    eje.set_ylabel("Precisión en test")
    eje.set_title("Cada miembro y el promedio de sus probabilidades")
    eje.legend(fontsize=8)
    pasos = np.arange(total_epocas * pasos_por_epoca)
    eje_tasa.plot(pasos / pasos_por_epoca, programa.valores(pasos), label="instantáneas (coseno cíclica)")
    eje_tasa.plot(
        list(epocas_instantaneas),
        [0.0] * len(epocas_instantaneas),
        "v",
        color="tab:red",
        markersize=8,
        label="instantánea",
    )
    eje_tasa.set_xlabel("Época")
    eje_tasa.set_ylabel("Tasa de aprendizaje")
    eje_tasa.set_title("Tasa coseno cíclica (Huang et al., 2017); cada independiente usa un ciclo")
    eje_tasa.grid(alpha=0.3)
    eje_tasa.legend(fontsize=8)
    figura.tight_layout()
    return figura


def _resumen(evaluaciones, probabilidades, y_test):
    """Una fila por conjunto: media y mejor de sus miembros, el promedio y lo que gana sobre la media."""
    return [
        {
            "conjunto": nombre,
            "miembros": len(evaluacion["miembros"]),
            "media_miembros": float(np.mean(evaluacion["miembros"])),
            "mejor_miembro": float(np.max(evaluacion["miembros"])),
            "precision": evaluacion["conjunto"],
            "perdida": entropia_cruzada(promediar_probabilidades(probabilidades[nombre]), y_test),
            "ganancia": evaluacion["conjunto"] - float(np.mean(evaluacion["miembros"])),
        }
        for nombre, evaluacion in evaluaciones.items()
    ]


def _imprimir(miembros, resumen, args):
    imprimir_tabla(
        miembros,
        "Precisión en test de cada miembro",
        [
            ("conjunto", "Conjunto", "s"),
            ("miembro", "Miembro", "d"),
            ("epocas", "Épocas", "d"),
            ("perdida", "Pérdida", ".4f"),
            ("precision", "Precisión", "%"),
        ],
    )
    imprimir_tabla(
        resumen,
        f"Conjuntos de {args.miembros} miembros ({args.miembros * args.epocas} épocas en total cada uno)",
        [
            ("conjunto", "Conjunto", "s"),
            ("media_miembros", "Media miembros", "%"),
            ("mejor_miembro", "Mejor miembro", "%"),
            ("precision", "Promedio", "%"),
            ("ganancia", "Ganancia", "+.4f"),
            ("perdida", "Pérdida promedio", ".4f"),
        ],
    )


def ejecutar(args):
    datos = cargar(args)  # antes de escribir nada
    carpeta = iniciar(args, "arquitecturas-conjuntos")
    x_train, y_train, x_test, y_test = preparar(datos, args.muestras, args.semilla_base)
    pasos_por_epoca = math.ceil(len(x_train) / args.batch)
    pasos_ciclo = args.epocas * pasos_por_epoca

    def construir():
        return red_pequena(y_train.shape[1], x_train.shape[1:], filtros=args.filtros)

    # Todos los entrenamientos usan la misma arquitectura y la misma tasa (un ciclo coseno de E épocas que
    # se repite): un solo modelo compilado que cada entrenamiento reinicia (`reiniciar_entrenamiento`) con
    # los pesos iniciales de su semilla. Así la función de entrenamiento se traza una sola vez.
    programa = TasaCosenoCiclica(args.tasa, pasos_ciclo)
    modelo = construir()
    _compilar(programa)(modelo)

    def reiniciar(semilla):
        sembrar(args, semilla)  # pesos iniciales y orden de los lotes de esta semilla
        reiniciar_entrenamiento(modelo, construir().get_weights())

    # K modelos independientes: semillas 1…K, un ciclo coseno cada uno
    independientes = []
    for k in range(1, args.miembros + 1):
        reiniciar(k)
        entrenar(modelo, x_train, y_train, args, os.path.join(carpeta, "independientes", f"miembro_{k}"), None)
        independientes.append(predecir(modelo, x_test))

    # Un entrenamiento de K ciclos con reinicios: una instantánea al final de cada ciclo (semilla K + 1)
    reiniciar(args.miembros + 1)
    instantaneas = Instantaneas(args.epocas, carpeta=os.path.join(carpeta, "instantaneas"))
    entrenar(
        modelo,
        x_train,
        y_train,
        args,
        os.path.join(carpeta, "instantaneas"),
        None,
        callbacks=[instantaneas],
        epocas=args.miembros * args.epocas,
    )
    probabilidades_instantaneas = []
    for pesos in instantaneas.pesos:
        modelo.set_weights(pesos)
        probabilidades_instantaneas.append(predecir(modelo, x_test))

    probabilidades = {"independientes": independientes, "instantaneas": probabilidades_instantaneas}
    evaluaciones = {nombre: evaluar_conjunto(p, y_test) for nombre, p in probabilidades.items()}
    miembros = _filas_miembros("independientes", independientes, y_test, [args.epocas] * args.miembros)
    miembros += _filas_miembros("instantaneas", probabilidades_instantaneas, y_test, instantaneas.epocas)
    acumulados = [
        {"conjunto": nombre, "miembros": k, "precision": precision}
        for nombre, evaluacion in evaluaciones.items()
        for k, precision in enumerate(evaluacion["acumulada"], start=1)
    ]
    escribir_csv(os.path.join(carpeta, "miembros.csv"), miembros)
    escribir_csv(os.path.join(carpeta, "conjuntos.csv"), acumulados)
    guardar_figura(
        _figura(evaluaciones, programa, pasos_por_epoca, args.miembros * args.epocas, instantaneas.epocas),
        os.path.join(carpeta, "conjuntos.png"),
    )
    resumen = _resumen(evaluaciones, probabilidades, y_test)
    resultados = {
        "miembros": args.miembros,
        "epocas_por_miembro": args.epocas,
        "epocas_totales": args.miembros * args.epocas,
        "tasa": args.tasa,
        "pasos_por_epoca": pasos_por_epoca,
        "instantaneas": {"numero": len(instantaneas.pesos), "epocas": instantaneas.epocas},
        "evaluaciones": evaluaciones,
        "resumen": resumen,
        "filas": miembros,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    _imprimir(miembros, resumen, args)
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
