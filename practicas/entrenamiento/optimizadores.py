"""Ejercicio `optimizadores` (clase de Bariloche, «Optimización»).

1. Trayectorias de SGD, momento, Nesterov, AdaGrad, RMSProp, Adam y Adadelta (NumPy, `teoria.optimizadores`)
   sobre una cuadrática mal condicionada, un punto de silla y Rosenbrock, dibujadas sobre las curvas de
   nivel como las figuras «SGD vs Momento vs Nesterov».
2. Cada optimizador comparado paso a paso con su equivalente de `keras.optimizers` (ambas convenciones).
3. El SGD por mini-lotes de la clase (con sus erratas corregidas) en regresión lineal con MSE, en modo
   online (lote 1), mini-lote y lote completo (clase de Granada, «Modos de entrenamiento»).
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from practicas.comun import iniciar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de, opciones_sin_entrenar
from teoria.optimizadores import (
    CONVENCIONES,
    FUNCIONES_PRUEBA,
    HIPERPARAMETROS_KERAS,
    OPTIMIZADORES,
    SGD,
    crear_optimizador,
    cuadratica_mal_condicionada,
    loss_func,
    pasos_keras,
    trayectoria,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Optimizadores en NumPy: trayectorias sobre funciones de prueba, comparación con Keras y regresión lineal"

# Hiperparámetros de cada optimizador en cada función (los demás, los de su clase). Con la misma tasa,
# SGD, momento y Nesterov se comparan como en la figura de la clase.
HIPERPARAMETROS = {
    "cuadratica": {
        "sgd": {"tasa": 0.02},
        "momento": {"tasa": 0.02},
        "nesterov": {"tasa": 0.02},
        "adagrad": {"tasa": 1.0},
        "rmsprop": {"tasa": 0.1},
        "adam": {"tasa": 0.3},
        "adadelta": {"epsilon": 1e-3},
    },
    "silla": {
        "sgd": {"tasa": 0.02},
        "momento": {"tasa": 0.02},
        "nesterov": {"tasa": 0.02},
        "adagrad": {"tasa": 0.3},
        "rmsprop": {"tasa": 0.03},
        "adam": {"tasa": 0.03},
        "adadelta": {"epsilon": 1e-4},
    },
    "rosenbrock": {
        "sgd": {"tasa": 1e-3},
        "momento": {"tasa": 1e-3},
        "nesterov": {"tasa": 1e-3},
        "adagrad": {"tasa": 1.0},
        "rmsprop": {"tasa": 0.03},
        "adam": {"tasa": 0.3},
        "adadelta": {"epsilon": 1e-3},
    },
}
PRIMER_ORDEN = ("sgd", "momento", "nesterov")
PASOS_KERAS = 20


def opciones(parser):
    parser.add_argument("--pasos", type=tipo(ENTERO_POSITIVO), default=150, help="pasos de cada trayectoria (150)")
    parser.add_argument(
        "--funciones",
        type=lista_de(list(FUNCIONES_PRUEBA)),
        default=list(FUNCIONES_PRUEBA),
        help=f"funciones de prueba separadas por comas (por defecto todas: {','.join(FUNCIONES_PRUEBA)})",
    )
    parser.add_argument(
        "--optimizadores",
        type=lista_de(list(OPTIMIZADORES)),
        default=list(OPTIMIZADORES),
        help=f"optimizadores separados por comas (por defecto todos: {','.join(OPTIMIZADORES)})",
    )
    parser.add_argument(
        "--condicion", type=tipo(POSITIVO), default=50.0, help="número de condición K de la cuadrática (50)"
    )
    parser.add_argument(
        "--convencion",
        choices=CONVENCIONES,
        default="clase",
        help="fórmulas de las trayectorias: las de la clase (por defecto) o las de Keras",
    )
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=20, help="épocas de la regresión lineal (20)")
    parser.add_argument(
        "--batch", type=tipo(ENTERO_POSITIVO), default=32, help="tamaño del mini-lote de la regresión (32)"
    )
    parser.add_argument(
        "--muestras", type=tipo(ENTERO_POSITIVO), default=1000, help="datos sintéticos de la regresión (1000)"
    )
    parser.add_argument(
        "--tasa-regresion", type=tipo(POSITIVO), default=0.01, help="tasa del SGD de la regresión (0.01)"
    )
    opciones_sin_entrenar(parser)


def _funcion(nombre, args):
    return cuadratica_mal_condicionada(args.condicion) if nombre == "cuadratica" else FUNCIONES_PRUEBA[nombre]()


def _trayectorias(args, funcion):
    caminos = {}
    for nombre in args.optimizadores:
        optimizador = crear_optimizador(nombre, convencion=args.convencion, **HIPERPARAMETROS[funcion.nombre][nombre])
        caminos[nombre] = trayectoria(optimizador, funcion, args.pasos)
    return caminos


def _figura_trayectorias(funcion, caminos):
    import matplotlib.pyplot as plt

    x0, x1, y0, y1 = funcion.limites
    malla = np.stack(np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300)), axis=-1)
    f_min = float(funcion.f(np.array(funcion.minimo)))
    niveles = np.log1p(funcion.f(malla) - f_min)
    grupos = [
        ("SGD vs Momento vs Nesterov", [n for n in caminos if n in PRIMER_ORDEN]),
        ("Tasas adaptativas", [n for n in caminos if n not in PRIMER_ORDEN]),
    ]
    grupos = [g for g in grupos if g[1]]
    figura, ejes = plt.subplots(1, len(grupos), figsize=(8 * len(grupos), 5), squeeze=False)
    # Cada camino con su trazo, su marcador y un grosor decreciente: si dos coinciden, el de debajo asoma.
    trazos = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]
    for eje, (titulo, nombres) in zip(ejes[0], grupos):
        eje.contour(malla[..., 0], malla[..., 1], niveles, levels=25, cmap="viridis", linewidths=0.7, alpha=0.6)
        for k, nombre in enumerate(nombres):
            camino = caminos[nombre]
            linea, marcador = trazos[k % len(trazos)]
            eje.plot(
                camino[:, 0],
                camino[:, 1],
                linestyle=linea,
                marker=marcador,
                markersize=3,
                markevery=max(1, len(camino) // 15),
                linewidth=2.5 - 0.5 * (k % 3),
                label=nombre,
            )
        inicio = next(iter(caminos.values()))[0]
        eje.plot(*inicio, "ko", label="inicio")
        eje.plot(*funcion.minimo, "r*", markersize=12, label="mínimo")
        eje.set_xlim(x0, x1)
        eje.set_ylim(y0, y1)
        eje.set_xlabel("x₁")
        eje.set_ylabel("x₂")
        eje.set_title(titulo)
        eje.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # fuera: no tapa ningún camino
    figura.suptitle(funcion.titulo)
    return figura


def _figura_convergencia(funciones, todas):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, len(funciones), figsize=(5.5 * len(funciones), 4), squeeze=False)
    for eje, funcion in zip(ejes[0], funciones):
        f_min = float(funcion.f(np.array(funcion.minimo)))
        for nombre, camino in todas[funcion.nombre].items():
            eje.semilogy(np.maximum(funcion.f(camino) - f_min, 1e-16), label=nombre)
        eje.set_title(funcion.titulo)
        eje.set_xlabel("Paso")
        eje.set_ylabel("f(x) - f(mínimo)")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    return figura


def comparar_con_keras(nombres, pasos=PASOS_KERAS, semilla=0):
    """Máxima diferencia entre cada optimizador de NumPy y el de Keras tras `pasos` pasos con los mismos
    gradientes aleatorios, con las dos convenciones.

    Se usan hiperparámetros exactos en binario (`HIPERPARAMETROS_KERAS`) para que el redondeo a float32 de
    Keras no se confunda con la fórmula, y un ε grande para que se vea dónde lo pone cada convención.
    """
    generador = np.random.default_rng(semilla)
    x0 = generador.normal(size=(4, 3))
    gradientes = generador.normal(size=(pasos, 4, 3))
    filas = []
    for nombre in nombres:
        for convencion in CONVENCIONES:
            optimizador = crear_optimizador(nombre, convencion=convencion, **HIPERPARAMETROS_KERAS[nombre])
            de_keras = pasos_keras(optimizador, x0, gradientes)
            x, diferencia = x0, 0.0
            for gradiente, valor_keras in zip(gradientes, de_keras):
                x = optimizador.paso(x, gradiente)
                diferencia = max(diferencia, float(np.max(np.abs(x - valor_keras))))
            filas.append(
                {"optimizador": nombre, "convencion": convencion, "pasos": pasos, "max_diferencia": diferencia}
            )
    return filas


def datos_regresion(muestras, semilla, pesos=(1.0, 2.0, -3.0), ruido=0.5):
    """Datos de la diapositiva «Problemas con SGD»: `y = w0 + w1 x1 + w2 x2` más ruido gaussiano."""
    generador = np.random.default_rng(semilla)
    x = generador.normal(size=(muestras, len(pesos) - 1))
    y = pesos[0] + x @ np.asarray(pesos[1:]) + ruido * generador.normal(size=muestras)
    return x, y


def _regresion(args):
    x, y = datos_regresion(args.muestras, args.semilla_base)
    exactos = np.linalg.lstsq(np.hstack([np.ones((len(x), 1)), x]), y, rcond=None)[0]
    modos = {
        "online (lote 1)": 1,
        f"mini-lote ({args.batch})": min(args.batch, len(x)),
        f"lote completo ({len(x)})": len(x),
    }
    caminos, filas = {}, []
    for modo, bs in modos.items():
        camino = np.array(
            SGD(x, y, np.zeros(3), args.epocas, lr=args.tasa_regresion, bs=bs, tol=0.0, semilla=args.semilla_base)
        )
        pasos_por_epoca = int(np.ceil(len(x) / bs))
        caminos[modo] = (camino, pasos_por_epoca)
        filas.append(
            {
                "modo": modo,
                "lote": bs,
                "pasos": len(camino) - 1,
                "mse_final": loss_func(x, y, camino[-1]),
                "mse_minimo": loss_func(x, y, exactos),
                "distancia_pesos": float(np.linalg.norm(camino[-1] - exactos)),
                "w0": camino[-1][0],
                "w1": camino[-1][1],
                "w2": camino[-1][2],
            }
        )
    return x, y, exactos, caminos, filas


def _figura_regresion(x, y, exactos, caminos):
    import matplotlib.pyplot as plt

    figura, (eje_camino, eje_perdida) = plt.subplots(1, 2, figsize=(12, 4.5))
    w1, w2 = np.meshgrid(np.linspace(-1, 4, 150), np.linspace(-5, 1, 150))
    pesos = np.stack([np.full_like(w1, exactos[0]), w1, w2], axis=-1)
    con_sesgo = np.hstack([np.ones((len(x), 1)), x])
    a, b = con_sesgo.T @ con_sesgo / len(x), con_sesgo.T @ y / len(x)
    mse = np.einsum("...i,ij,...j->...", pesos, a, pesos) - 2 * pesos @ b + np.mean(y**2)  # MSE como forma cuadrática
    eje_camino.contour(w1, w2, np.log(mse), levels=20, cmap="viridis", linewidths=0.7)
    for modo, (camino, _) in caminos.items():
        eje_camino.plot(camino[:, 1], camino[:, 2], ".-", markersize=2, linewidth=1, label=modo)
        epocas = np.arange(len(camino)) / caminos[modo][1]
        eje_perdida.semilogy(epocas, [loss_func(x, y, w) for w in camino], label=modo)
    eje_camino.plot(exactos[1], exactos[2], "r*", markersize=12, label="mínimos cuadrados")
    eje_camino.set_xlabel("w1")
    eje_camino.set_ylabel("w2")
    eje_camino.set_title("Camino de los pesos (w0 en su óptimo)")
    eje_camino.legend(fontsize=8)
    eje_perdida.set_xlabel("Época")
    eje_perdida.set_ylabel("MSE (todos los datos)")
    eje_perdida.set_title("SGD por mini-lotes en regresión lineal")
    eje_perdida.grid(alpha=0.3)
    eje_perdida.legend(fontsize=8)
    return figura


def ejecutar(args):
    carpeta = iniciar(args, "entrenamiento-optimizadores")
    funciones = [_funcion(n, args) for n in args.funciones]
    todas, puntos, resumen = {}, [], []
    for funcion in funciones:
        caminos = todas[funcion.nombre] = _trayectorias(args, funcion)
        guardar_figura(
            _figura_trayectorias(funcion, caminos), os.path.join(carpeta, f"trayectorias-{funcion.nombre}.png")
        )
        f_min = float(funcion.f(np.array(funcion.minimo)))
        for nombre, camino in caminos.items():
            valores = funcion.f(camino)
            puntos += [
                {"funcion": funcion.nombre, "optimizador": nombre, "paso": k, "x": p[0], "y": p[1], "f": v}
                for k, (p, v) in enumerate(zip(camino, valores))
            ]
            resumen.append(
                {
                    "funcion": funcion.nombre,
                    "optimizador": nombre,
                    **HIPERPARAMETROS[funcion.nombre][nombre],
                    "pasos": len(camino) - 1,
                    "diverge": len(camino) - 1 < args.pasos,
                    "f_final_menos_minimo": float(valores[-1] - f_min),
                    "distancia_al_minimo": float(np.linalg.norm(camino[-1] - np.array(funcion.minimo))),
                }
            )
    guardar_figura(_figura_convergencia(funciones, todas), os.path.join(carpeta, "convergencia.png"))
    escribir_csv(os.path.join(carpeta, "trayectorias.csv"), puntos)
    columnas = [
        "funcion",
        "optimizador",
        "tasa",
        "epsilon",
        "pasos",
        "diverge",
        "f_final_menos_minimo",
        "distancia_al_minimo",
    ]
    escribir_csv(os.path.join(carpeta, "resumen.csv"), resumen, columnas)

    keras_filas = comparar_con_keras(args.optimizadores)
    escribir_csv(os.path.join(carpeta, "keras.csv"), keras_filas)

    x, y, exactos, caminos, regresion = _regresion(args)
    guardar_figura(_figura_regresion(x, y, exactos, caminos), os.path.join(carpeta, "regresion.png"))
    escribir_csv(os.path.join(carpeta, "regresion.csv"), regresion)

    resultados = {"trayectorias": resumen, "keras": keras_filas, "regresion": regresion, "pesos_exactos": exactos}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        resumen,
        "Trayectorias: distancia final al mínimo",
        [("funcion", "Función", "s"), ("optimizador", "Optimizador", "s"), ("distancia_al_minimo", "Distancia", ".3g")],
    )
    imprimir_tabla(
        keras_filas,
        f"NumPy frente a keras.optimizers ({PASOS_KERAS} pasos, mismos gradientes, float64)",
        [
            ("optimizador", "Optimizador", "s"),
            ("convencion", "Convención", "s"),
            ("max_diferencia", "Máx. |dif.|", ".2e"),
        ],
    )
    imprimir_tabla(
        regresion,
        "SGD por mini-lotes en regresión lineal",
        [
            ("modo", "Modo", "s"),
            ("pasos", "Pasos", "d"),
            ("mse_final", "MSE final", ".4f"),
            ("mse_minimo", "MSE mínimo", ".4f"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
