"""Ejercicio `busqueda` (Bariloche, «Hiperparámetros y Monitoreo: Grid vs. Random»; Bergstra y Bengio, 2012).

1. Sobre una función sintética de dos hiperparámetros en la que solo uno importa
   (`teoria.busqueda.rendimiento_sintetico`, barata y exacta), una rejilla de 3 × 3 frente a 9
   puntos al azar: la figura de la clase, con las proyecciones sobre cada eje (la rejilla prueba 3 valores
   distintos del parámetro importante; la aleatoria, 9), y con muchas repeticiones de la búsqueda aleatoria
   la probabilidad de que supere a la rejilla y la de caer cerca del pico, frente a `1 - (1 - q)^N`.
2. Con `--keras`, lo mismo con entrenamientos reales y diminutos: un MLP sobre unos pocos dígitos con
   (tasa de aprendizaje, dropout) elegidos en rejilla y al azar; la puntuación es la precisión en
   validación (imágenes de entrenamiento apartadas, nunca el test).
"""

import argparse
import os

import numpy as np

from datos import cargar_fuente
from datos.argumentos import tipo
from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, FRACCION_ABIERTA
from practicas.comun import iniciar, opciones_fuente
from practicas.entrenamiento._comun import imprimir_tabla, opciones_sin_entrenar
from teoria.busqueda import (
    Hiperparametro,
    aleatoria,
    comparar_busquedas,
    perfil_importante,
    perfil_secundario,
    rejilla_de,
    rendimiento_sintetico,
    valores_distintos,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Búsqueda de hiperparámetros en rejilla frente a aleatoria (función sintética y, con --keras, un MLP)"

ESTRATEGIAS = ("rejilla", "aleatoria")
# Ejes de la búsqueda con Keras: la tasa importa mucho en pocas épocas; el dropout, poco.
TASA = Hiperparametro("tasa de aprendizaje", 1e-4, 0.3, logaritmica=True)
DROPOUT = Hiperparametro("dropout", 0.0, 0.7)


def _cuadrado(texto):
    """Tipo de argparse: un entero positivo que sea un cuadrado perfecto (la rejilla tiene n × n puntos)."""
    valor = tipo(ENTERO_POSITIVO)(texto)
    por_eje = int(round(valor**0.5))
    if por_eje * por_eje != valor:
        raise argparse.ArgumentTypeError(f"debe ser un cuadrado (1, 4, 9, 16...) para la rejilla y es '{texto}'")
    return valor


def opciones(parser):
    parser.add_argument(
        "--ensayos", type=_cuadrado, default=9, help="ensayos de cada búsqueda; un cuadrado n² para la rejilla (9)"
    )
    parser.add_argument(
        "--repeticiones-aleatoria",
        type=tipo(ENTERO_POSITIVO),
        default=1000,
        help="búsquedas aleatorias independientes sobre la función sintética para las probabilidades (1000)",
    )
    parser.add_argument(
        "--franja",
        type=tipo(FRACCION_ABIERTA),
        default=0.05,
        help="fracción q del eje importante alrededor del pico para la probabilidad 1 - (1 - q)^N (0.05)",
    )
    parser.add_argument("--keras", action="store_true", help="buscar también (tasa, dropout) de un MLP real y diminuto")
    parser.add_argument(
        "--ensayos-keras", type=_cuadrado, default=9, help="entrenamientos de cada búsqueda con --keras (9)"
    )
    opciones_fuente(parser)
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=3, help="épocas de cada entrenamiento (3)")
    parser.add_argument("--batch", type=tipo(ENTERO_POSITIVO), default=32, help="tamaño del lote (32)")
    parser.add_argument("--muestras", type=tipo(ENTERO_POSITIVO), default=300, help="imágenes de entrenamiento (300)")
    parser.add_argument(
        "--validacion",
        type=tipo(ENTERO_POSITIVO),
        default=300,
        help="imágenes de entrenamiento apartadas para puntuar (300)",
    )
    opciones_sin_entrenar(parser)


# --- 1. Función sintética ---


def busquedas_sinteticas(ensayos, semilla):
    """Una rejilla y una búsqueda aleatoria de `ensayos` puntos sobre `rendimiento_sintetico`."""
    generador = np.random.default_rng(semilla)
    return {"rejilla": rejilla_de(ensayos), "aleatoria": aleatoria(ensayos, generador=generador)}


def _filas_ensayos(caso, puntos_por_estrategia, valores_por_estrategia, ejes=None):
    filas = []
    for estrategia, puntos in puntos_por_estrategia.items():
        for k, (p, valor) in enumerate(zip(puntos, valores_por_estrategia[estrategia]), start=1):
            fila = {"caso": caso, "estrategia": estrategia, "ensayo": k, "u_importante": p[0], "u_secundario": p[1]}
            if ejes is not None:
                fila |= {
                    "importante": float(ejes[0].desde_unidad(p[0])),
                    "secundario": float(ejes[1].desde_unidad(p[1])),
                }
            else:
                fila |= {"importante": p[0], "secundario": p[1]}
            filas.append(fila | {"valor": float(valor)})
    return filas


def _resumen_busqueda(caso, puntos_por_estrategia, valores_por_estrategia, ejes=None):
    filas = []
    for estrategia, puntos in puntos_por_estrategia.items():
        valores = np.asarray(valores_por_estrategia[estrategia])
        mejor = int(np.argmax(valores))
        importante, secundario = puntos[mejor]
        if ejes is not None:
            importante, secundario = ejes[0].desde_unidad(importante), ejes[1].desde_unidad(secundario)
        filas.append(
            {
                "caso": caso,
                "estrategia": estrategia,
                "ensayos": len(puntos),
                "distintos_importante": valores_distintos(puntos, 0),
                "distintos_secundario": valores_distintos(puntos, 1),
                "mejor_valor": float(valores[mejor]),
                "mejor_importante": float(importante),
                "mejor_secundario": float(secundario),
            }
        )
    return filas


# --- 2. Búsqueda con Keras ---


def modelo_diminuto(input_shape, num_clases, tasa_dropout):
    """MLP pequeño: AveragePooling 4×4 (los dígitos son de 8×8 ampliados), Dense 64, Dropout, softmax."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.AveragePooling2D(4),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(tasa_dropout),
            layers.Dense(num_clases, activation="softmax"),
        ],
        name="mlp_busqueda",
    )


def entrenar_ensayo(datos, tasa, tasa_dropout, epocas, batch, semilla):
    """Entrena el MLP con Adam(`tasa`) y `Dropout(tasa_dropout)`; devuelve la precisión en validación.

    Todos los ensayos empiezan con la misma semilla: solo cambian los hiperparámetros.
    """
    import keras

    x_train, y_train, x_val, y_val = datos
    keras.utils.set_random_seed(semilla)
    modelo = modelo_diminuto(x_train.shape[1:], y_train.shape[1], float(tasa_dropout))
    # Sin trazar el grafo (`run_eagerly`): con tan pocos pasos, trazarlo en cada ensayo cuesta más que entrenar.
    modelo.compile(optimizer=keras.optimizers.Adam(float(tasa)), loss="categorical_crossentropy", run_eagerly=True)
    modelo.fit(x_train, y_train, batch_size=batch, epochs=epocas, verbose=0, shuffle=True)
    predichas = keras.ops.convert_to_numpy(modelo(x_val, training=False)).argmax(axis=1)
    return float(np.mean(predichas == y_val.argmax(axis=1)))


def _datos_keras(args):
    x_train, y_train, _, _ = cargar_fuente(args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir)
    necesarias = args.muestras + args.validacion
    if necesarias > len(x_train):
        raise ErrorParametro(
            f"--muestras ({args.muestras}) + --validacion ({args.validacion}) = {necesarias} imágenes, pero los "
            f"datos de entrenamiento solo tienen {len(x_train)}: use menos --muestras o --validacion."
        )
    orden = np.random.default_rng(args.semilla).permutation(len(x_train))
    entrenamiento, validacion = orden[: args.muestras], orden[args.muestras : necesarias]
    return x_train[entrenamiento], y_train[entrenamiento], x_train[validacion], y_train[validacion]


def busquedas_keras(args, datos):
    """Rejilla y búsqueda aleatoria de (tasa, dropout) con `args.ensayos_keras` entrenamientos cada una."""
    generador = np.random.default_rng(args.semilla_base + 1)
    puntos = {
        "rejilla": rejilla_de(args.ensayos_keras),
        "aleatoria": aleatoria(args.ensayos_keras, generador=generador),
    }
    valores = {}
    for estrategia, unidad in puntos.items():
        valores[estrategia] = [
            entrenar_ensayo(
                datos, TASA.desde_unidad(u), DROPOUT.desde_unidad(v), args.epocas, args.batch, args.semilla_base
            )
            for u, v in unidad
        ]
        print(
            f"Búsqueda {estrategia} con Keras: {len(unidad)} entrenamientos, mejor precisión {max(valores[estrategia]):.3f}"
        )
    return puntos, valores


# --- Figuras ---


def _panel(figura, celda, puntos, titulo, nombres, fondo=None, perfiles=None, valores=None, log_x=False):
    """Un panel de la figura de la clase: los ensayos en el plano y su proyección sobre cada eje.

    Arriba, el efecto del parámetro importante (eje x) con los valores probados; a la derecha, el del
    secundario. `fondo` (malla) y `perfiles` son los de la función sintética; sin ellos (Keras) las
    proyecciones son la puntuación de cada ensayo.
    """
    subceldas = celda.subgridspec(2, 2, width_ratios=(4, 1), height_ratios=(1, 4), wspace=0.08, hspace=0.08)
    principal = figura.add_subplot(subceldas[1, 0])
    arriba = figura.add_subplot(subceldas[0, 0], sharex=principal)
    derecha = figura.add_subplot(subceldas[1, 1], sharey=principal)
    x, y = puntos[:, 0], puntos[:, 1]
    if fondo is not None:
        principal.contourf(*fondo, levels=20, cmap="Greens", alpha=0.8)
        malla = np.linspace(0, 1, 400)
        arriba.plot(malla, perfiles[0](malla), color="tab:green")
        arriba.plot(x, perfiles[0](x), "o", color="tab:blue")
        derecha.plot(perfiles[1](malla), malla, color="tab:orange")
        derecha.plot(perfiles[1](y), y, "o", color="tab:blue")
        principal.plot(x, y, "o", color="tab:blue", markersize=8)
    else:
        dispersion = principal.scatter(x, y, c=valores, cmap="viridis", s=70, vmin=0, vmax=1, edgecolors="k")
        figura.colorbar(dispersion, ax=derecha, fraction=0.5, label="precisión (validación)")
        arriba.plot(x, valores, "o", color="tab:blue")
        derecha.plot(valores, y, "o", color="tab:blue")
    for valor in np.unique(np.round(x, 12)):
        arriba.axvline(valor, color="0.6", linewidth=0.6)
    for valor in np.unique(np.round(y, 12)):
        derecha.axhline(valor, color="0.6", linewidth=0.6)
    principal.set_xlim(0, 1)
    principal.set_ylim(0, 1)
    principal.set_xlabel(nombres[0])
    principal.set_ylabel(nombres[1])
    if log_x:  # los ejes van en el cubo unidad; las marcas dicen los valores reales
        marcas = np.linspace(0, 1, 5)
        principal.set_xticks(marcas, [f"{TASA.desde_unidad(m):.0e}" for m in marcas])
        principal.set_yticks(marcas, [f"{DROPOUT.desde_unidad(m):.2f}" for m in marcas])
    # Las dos proyecciones con la misma escala: se ve cuánto importa cada hiperparámetro.
    if fondo is not None:
        arriba.set_ylim(0.5, 1.0)
        derecha.set_xlim(-0.25, 0.25)
    else:
        arriba.set_ylim(0.0, 1.0)
        derecha.set_xlim(0.0, 1.0)
    arriba.tick_params(labelbottom=False)
    derecha.tick_params(labelleft=False, labelbottom=False)
    arriba.set_ylabel("efecto" if fondo is not None else "precisión", fontsize=8)
    derecha.set_xlabel("efecto" if fondo is not None else "precisión", fontsize=8)
    arriba.set_title(
        f"{titulo}\n{valores_distintos(puntos, 0)} valores distintos de «{nombres[0]}», "
        f"{valores_distintos(puntos, 1)} de «{nombres[1]}»",
        fontsize=10,
    )


def figura_busquedas(puntos_por_estrategia, nombres, sintetica=True, valores=None):
    """Rejilla y aleatoria lado a lado, cada una con sus proyecciones (figura 1 de Bergstra y Bengio)."""
    import matplotlib.pyplot as plt

    figura = plt.figure(figsize=(14, 6))
    celdas = figura.add_gridspec(1, 2, wspace=0.3)
    fondo = None
    if sintetica:
        u, v = np.meshgrid(np.linspace(0, 1, 200), np.linspace(0, 1, 200))
        fondo = (u, v, rendimiento_sintetico(np.stack([u, v], axis=-1)))
    for celda, (estrategia, puntos) in zip(celdas, puntos_por_estrategia.items()):
        _panel(
            figura,
            celda,
            puntos,
            f"Búsqueda en {estrategia}" if estrategia == "rejilla" else "Búsqueda aleatoria",
            nombres,
            fondo=fondo,
            perfiles=(perfil_importante, perfil_secundario) if sintetica else None,
            valores=None if valores is None else valores[estrategia],
            log_x=not sintetica,
        )
    return figura


def ejecutar(args):
    datos = _datos_keras(args) if args.keras else None  # antes de crear la carpeta: los errores de datos no dejan nada
    carpeta = iniciar(args, "entrenamiento-busqueda")

    puntos = busquedas_sinteticas(args.ensayos, args.semilla_base)
    valores = {e: rendimiento_sintetico(p) for e, p in puntos.items()}
    nombres = ("parámetro importante", "parámetro sin importancia")
    guardar_figura(figura_busquedas(puntos, nombres), os.path.join(carpeta, "busqueda.png"))
    ensayos = _filas_ensayos("sintetica", puntos, valores)
    resumen = _resumen_busqueda("sintetica", puntos, valores)
    estadisticas = comparar_busquedas(
        ensayos=args.ensayos, repeticiones=args.repeticiones_aleatoria, semilla=args.semilla_base, fraccion=args.franja
    )
    probabilidades = [
        {"estrategia": estrategia, "repeticiones": args.repeticiones_aleatoria, "franja": args.franja, **valores_e}
        for estrategia, valores_e in estadisticas.items()
    ]

    resultados = {"sintetica": {"resumen": resumen, "repeticiones": probabilidades}, "keras": None}
    if args.keras:
        puntos_k, valores_k = busquedas_keras(args, datos)
        guardar_figura(
            figura_busquedas(puntos_k, (TASA.nombre, DROPOUT.nombre), sintetica=False, valores=valores_k),
            os.path.join(carpeta, "busqueda-keras.png"),
        )
        ensayos += _filas_ensayos("keras", puntos_k, valores_k, ejes=(TASA, DROPOUT))
        resumen_k = _resumen_busqueda("keras", puntos_k, valores_k, ejes=(TASA, DROPOUT))
        resumen += resumen_k
        resultados["keras"] = {"resumen": resumen_k, "epocas": args.epocas, "muestras": args.muestras}
    escribir_csv(os.path.join(carpeta, "ensayos.csv"), ensayos)
    escribir_csv(os.path.join(carpeta, "resumen.csv"), resumen)
    escribir_csv(os.path.join(carpeta, "repeticiones.csv"), probabilidades)
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)

    imprimir_tabla(
        resumen,
        f"Rejilla frente a búsqueda aleatoria ({args.ensayos} ensayos; con Keras, {args.ensayos_keras})",
        [
            ("caso", "Caso", "s"),
            ("estrategia", "Estrategia", "s"),
            ("distintos_importante", "Valores del importante", "d"),
            ("mejor_valor", "Mejor", ".4f"),
            ("mejor_importante", "en importante", ".3g"),
        ],
    )
    imprimir_tabla(
        [{**f, "prob_franja_teorica": f["prob_franja_teorica"] or float("nan")} for f in probabilidades],
        f"Función sintética, {args.repeticiones_aleatoria} búsquedas aleatorias frente a la rejilla",
        [
            ("estrategia", "Estrategia", "s"),
            ("mejor", "Mejor (media)", ".4f"),
            ("mejor_desv", "Desv.", ".4f"),
            ("prob_supera_rejilla", "P(supera rejilla)", ".3f"),
            ("prob_franja", f"P(franja {args.franja:g})", ".3f"),
            ("prob_franja_teorica", "1 - (1 - q)^N", ".3f"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
