"""Ejercicio `inicializacion` (clases de Bariloche y Granada, «Inicialización»).

El experimento de la clase: un MLP profundo (10 capas de 500 neuronas) con tanh y con ReLU, pesos
«muy chicos» (0.01·N(0,1)), «muy grandes» (N(0,1)), LeCun, Xavier/Glorot y He, e histogramas de las
activaciones de cada capa («muy chica / muy grande / justa»). Además se comprueba que la desviación
típica empírica de los inicializadores de Keras es la de la fórmula.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO
from practicas.comun import iniciar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de, opciones_sin_entrenar
from teoria.activaciones import ACTIVACIONES
from teoria.inicializacion import ESQUEMAS, activaciones_por_capa, desviacion_inicial
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Inicialización: activaciones por capa de un MLP profundo con tanh y ReLU (chica, grande, LeCun, Xavier, He)"

# Inicializadores de Keras y el esquema de la clase con la misma desviación típica.
KERAS = {
    "LecunNormal": "lecun",
    "GlorotNormal": "xavier",
    "GlorotUniform": "xavier",
    "HeNormal": "he",
    "HeUniform": "he",
}


def opciones(parser):
    parser.add_argument("--capas", type=tipo(ENTERO_POSITIVO), default=10, help="capas ocultas (10)")
    parser.add_argument("--unidades", type=tipo(ENTERO_POSITIVO), default=500, help="neuronas por capa (500)")
    parser.add_argument(
        "--muestras", type=tipo(ENTERO_POSITIVO), default=1000, help="entradas N(0, 1) propagadas (1000)"
    )
    parser.add_argument(
        "--activaciones",
        type=lista_de(list(ACTIVACIONES)),
        default=["tanh", "relu"],
        help="activaciones separadas por comas (por defecto tanh,relu)",
    )
    parser.add_argument(
        "--esquemas",
        type=lista_de(list(ESQUEMAS)),
        default=list(ESQUEMAS),
        help=f"esquemas separados por comas (por defecto {','.join(ESQUEMAS)})",
    )
    opciones_sin_entrenar(parser)


def _figura(activacion, capas_por_esquema):
    import matplotlib.pyplot as plt

    esquemas = list(capas_por_esquema)
    num_capas = len(next(iter(capas_por_esquema.values())))
    figura, ejes = plt.subplots(
        len(esquemas), num_capas, figsize=(1.6 * num_capas + 1, 1.5 * len(esquemas) + 1), squeeze=False
    )
    for fila, esquema in zip(ejes, esquemas):
        for k, (eje, h) in enumerate(zip(fila, capas_por_esquema[esquema])):
            eje.hist(h.ravel(), bins=40, color="tab:blue")
            eje.set_yticks([])
            eje.tick_params(labelsize=6)
            if esquema == esquemas[0]:
                eje.set_title(f"capa {k + 1}", fontsize=8)
        fila[0].set_ylabel(esquema, fontsize=9)
    figura.suptitle(f"Activaciones por capa con {activacion} (filas: inicialización)")
    figura.tight_layout()
    return figura


def _figura_estadisticas(estadisticas, activaciones, esquemas):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, len(activaciones), figsize=(6 * len(activaciones), 4), squeeze=False)
    for eje, activacion in zip(ejes[0], activaciones):
        for esquema in esquemas:
            filas = [e for e in estadisticas if e["activacion"] == activacion and e["esquema"] == esquema]
            eje.semilogy([e["capa"] for e in filas], [max(e["desv"], 1e-30) for e in filas], "o-", label=esquema)
        eje.set_title(f"Desviación típica de las activaciones ({activacion})")
        eje.set_xlabel("Capa")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    return figura


def comparar_con_keras(fan_in=500, fan_out=300, semilla=0):
    """Desviación típica empírica de los inicializadores de Keras frente a la fórmula de la clase."""
    import keras

    filas = []
    for nombre, esquema in KERAS.items():
        inicializador = getattr(keras.initializers, nombre)(seed=semilla)
        pesos = keras.ops.convert_to_numpy(inicializador((fan_in, fan_out)))
        formula = desviacion_inicial(esquema, fan_in, fan_out)
        filas.append(
            {
                "keras": nombre,
                "esquema": esquema,
                "desv_formula": formula,
                "desv_keras": float(pesos.std()),
                "error_relativo": float(abs(pesos.std() - formula) / formula),
            }
        )
    return filas


def ejecutar(args):
    carpeta = iniciar(args, "entrenamiento-inicializacion")
    generador = np.random.default_rng(args.semilla_base)
    x = generador.normal(size=(args.muestras, args.unidades))
    estadisticas = []
    for activacion in args.activaciones:
        capas_por_esquema = {}
        for esquema in args.esquemas:
            capas = capas_por_esquema[esquema] = activaciones_por_capa(
                x, args.capas, args.unidades, activacion, esquema, generador
            )
            for k, h in enumerate(capas, start=1):
                estadisticas.append(
                    {
                        "activacion": activacion,
                        "esquema": esquema,
                        "capa": k,
                        "media": float(h.mean()),
                        "desv": float(h.std()),
                        "fraccion_cero": float(np.mean(np.abs(h) < 1e-3)),
                        "fraccion_mayor_099": float(np.mean(np.abs(h) > 0.99)),  # con tanh: saturadas
                    }
                )
        guardar_figura(_figura(activacion, capas_por_esquema), os.path.join(carpeta, f"histogramas-{activacion}.png"))
    guardar_figura(
        _figura_estadisticas(estadisticas, args.activaciones, args.esquemas), os.path.join(carpeta, "desviaciones.png")
    )
    escribir_csv(os.path.join(carpeta, "estadisticas.csv"), estadisticas)
    keras_filas = comparar_con_keras(semilla=args.semilla_base)
    escribir_csv(os.path.join(carpeta, "keras.csv"), keras_filas)
    resultados = {"estadisticas": estadisticas, "keras": keras_filas}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    ultimas = [e for e in estadisticas if e["capa"] == args.capas]
    imprimir_tabla(
        ultimas,
        f"Activaciones de la última capa ({args.capas})",
        [
            ("activacion", "Activación", "s"),
            ("esquema", "Inicialización", "s"),
            ("media", "Media", ".3g"),
            ("desv", "Desv.", ".3g"),
            ("fraccion_cero", "|h| < 1e-3", ".2f"),
            ("fraccion_mayor_099", "|h| > 0.99", ".2f"),
        ],
    )
    imprimir_tabla(
        keras_filas,
        "Inicializadores de Keras: desviación empírica frente a la fórmula",
        [("keras", "Keras", "s"), ("desv_formula", "Fórmula", ".4f"), ("desv_keras", "Empírica", ".4f")],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
