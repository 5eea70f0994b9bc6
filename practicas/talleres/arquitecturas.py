"""Arquitecturas clásicas de la clase de CNN y sus calculadoras (no entrena nada).

Construye LeNet-5, AlexNet, VGG-16 y la red del taller MNIST (`modelos.clasicas`), imprime sus resúmenes y
escribe `arquitecturas.csv` (parámetros de cada red) y `capas_<red>.csv` (forma de salida y parámetros de
cada capa). Después aplica las calculadoras de la clase (`modelos.calculadoras`) a sus ejemplos, el tamaño
de cada mapa de características con O = (W − K + 2P)/S + 1 y el coste de una convolución 5×5 con y sin
cuello de botella 1×1, y los guarda en `calculos.json`. `--tamano W K P S` calcula otros casos.
"""

import os

import numpy as np

from modelos import alexnet, coste_cuello_botella, lenet5, red_taller_mnist, tamano_salida, vgg16
from practicas.comun import escribir_config
from utilidades.resultados import escribir_csv, escribir_json

AYUDA = "Arquitecturas de la clase (LeNet-5, AlexNet, VGG-16, red del taller MNIST): parámetros y calculadoras"
CONSTRUCTORES = {"lenet5": lenet5, "alexnet": alexnet, "vgg16": vgg16, "mnist": red_taller_mnist}

# Ejemplos de la clase: (descripción, W, K, P, S) y el tamaño O que da.
EJEMPLOS = (
    ("LeNet-5, C1: conv 5×5 sobre 32×32", 32, 5, 0, 1),
    ("LeNet-5, S2: average pooling 2×2, paso 2", 28, 2, 0, 2),
    ("LeNet-5, C3: conv 5×5", 14, 5, 0, 1),
    ("LeNet-5, S4: average pooling 2×2, paso 2", 10, 2, 0, 2),
    ("AlexNet, conv1: 11×11, paso 4, sobre 227×227", 227, 11, 0, 4),
    ("AlexNet, max pooling 3×3, paso 2", 55, 3, 0, 2),
    ("AlexNet, conv2: 5×5 SAME (P = 2)", 27, 5, 2, 1),
    ("VGG-16, conv 3×3 SAME (P = 1)", 224, 3, 1, 1),
    ("VGG-16, max pooling 2×2, paso 2", 224, 2, 0, 2),
    ("Pooling de la clase: 6×6 con ventana 2×2 y paso 2", 6, 2, 0, 2),
    ("Taller MNIST: conv 3×3 VALID sobre 28×28", 28, 3, 0, 1),
)


def opciones(parser):
    parser.add_argument(
        "--modelos",
        nargs="+",
        choices=list(CONSTRUCTORES),
        default=list(CONSTRUCTORES),
        help="redes que se construyen (por defecto todas; AlexNet y VGG-16 ocupan unos 250 y 550 MB)",
    )
    parser.add_argument(
        "--tamano",
        nargs=4,
        type=int,
        action="append",
        metavar=("W", "K", "P", "S"),
        help="calcula O = (W − K + 2P)/S + 1 para una entrada W, núcleo K, relleno P y paso S (se puede repetir)",
    )
    parser.add_argument(
        "--salida", default=None, help="carpeta de resultados (por defecto resultados/talleres-arquitecturas)"
    )
    parser.add_argument("--silencioso", action="store_true", help="sin los resúmenes capa a capa de Keras")


def capas(modelo):
    """Una fila por capa: nombre, tipo, forma de salida y parámetros."""
    return [
        {
            "capa": c.name,
            "tipo": type(c).__name__,
            "salida": "×".join(str(d) for d in c.output.shape[1:]),
            "parametros": c.count_params(),
        }
        for c in modelo.layers
    ]


def _parametros(pesos):
    return int(sum(np.prod(w.shape) for w in pesos))


def ejecutar(args):
    propios = [
        {"descripcion": f"W={w} K={k} P={p} S={s}", "W": w, "K": k, "P": p, "S": s} for w, k, p, s in args.tamano or []
    ]
    calculos = [{"descripcion": d, "W": w, "K": k, "P": p, "S": s} for d, w, k, p, s in EJEMPLOS] + propios
    for c in calculos:  # antes de escribir nada: un tamaño que no encaja se dice enseguida y no deja carpeta
        c["O"] = tamano_salida(c["W"], c["K"], c["P"], c["S"])

    carpeta = args.salida or os.path.join("resultados", "talleres-arquitecturas")
    escribir_config(carpeta, "talleres-arquitecturas", {k: v for k, v in vars(args).items() if not k.startswith("_")})

    filas = []
    for nombre in args.modelos:
        modelo = CONSTRUCTORES[nombre]()
        if not args.silencioso:
            modelo.summary()
        escribir_csv(os.path.join(carpeta, f"capas_{nombre}.csv"), capas(modelo))
        filas.append(
            {
                "modelo": nombre,
                "entrada": "×".join(str(d) for d in modelo.input_shape[1:]),
                "parametros": modelo.count_params(),
                "entrenables": _parametros(modelo.trainable_weights),
                "no_entrenables": _parametros(modelo.non_trainable_weights),
                "capas": len(modelo.layers),
            }
        )
        del modelo
    escribir_csv(os.path.join(carpeta, "arquitecturas.csv"), filas)

    cuello = coste_cuello_botella()
    escribir_json(os.path.join(carpeta, "calculos.json"), {"tamano_salida": calculos, "cuello_botella": cuello})

    print("\nParámetros de las arquitecturas de la clase")
    print(f"{'Red':<8}  {'Entrada':>11}  {'Parámetros':>12}")
    for f in filas:
        print(f"{f['modelo']:<8}  {f['entrada']:>11}  {f['parametros']:>12}")
    print("\nTamaño de los mapas: O = (W − K + 2P)/S + 1")
    for c in calculos:
        print(f"  {c['descripcion']}: ({c['W']} − {c['K']} + 2·{c['P']})/{c['S']} + 1 = {c['O']}")
    print(
        f"\nConvolución SAME de 32 filtros 5×5 sobre 28×28×192 (salida {'×'.join(map(str, cuello['salida']))}):\n"
        f"  sin cuello de botella: {cuello['sin_cuello']} multiplicaciones\n"
        f"  con 16 filtros 1×1 antes: {cuello['capa_1x1']} + {cuello['capa_kxk']} = {cuello['con_cuello']} "
        f"({cuello['reduccion']:.1f} veces menos)"
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return {"modelos": filas, "tamano_salida": calculos, "cuello_botella": cuello}
