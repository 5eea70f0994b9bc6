"""Ejercicio `bloques` (clase «CNNs»: INCEPTION, RESNET, CONVOLUCIONES 1X1; «Aprendizaje de Máquinas: redes
profundas»: GoogLeNet, ResNet).

1. Módulo Inception (3a) de GoogLeNet sobre 28×28×192: multiplicaciones y parámetros sin y con cuellos de
   botella 1×1, con las fórmulas de `modelos.bloques` y contados en las capas de Keras construidas. Su rama
   5×5 es el ejemplo de la clase (`modelos.calculadoras.coste_cuello_botella`): 120.422.400 frente a
   12.443.648 multiplicaciones.
2. Bloques residuales básico y con cuello de botella, con atajo identidad y con proyección: parámetros por
   fórmula y en Keras, y la comprobación de que con los núcleos a cero el bloque es ReLU(x).
3. Redes pequeñas con cada bloque (Inception, residual básico, residual con cuello) y una con clasificador
   auxiliar a la GoogLeNet (pérdida L_salida + 0,3·L_auxiliar; la cabeza auxiliar solo se usa al
   entrenar), entrenadas unas pocas épocas con los dígitos incluidos.

Escribe `inception.csv` (cada convolución del módulo), `comprobaciones.csv` (fórmula frente a Keras),
`entrenamiento.csv`, `costes.png`, `entrenamiento.png` y `resultados.json`.
"""

import os

import keras
import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, NO_NEGATIVO
from modelos.bloques import (
    ENTRADA_3A,
    INCEPTION_3A,
    PESO_AUXILIAR,
    bloque_residual,
    bloque_residual_cuello,
    coste_inception,
    modulo_inception,
    multiplicaciones_keras,
    parametros_bloque_cuello,
    parametros_bloque_residual,
    parametros_inception,
    red_con_auxiliar,
    red_inception,
    red_residual,
    sin_auxiliar,
)
from modelos.calculadoras import coste_cuello_botella
from practicas.arquitecturas._comun import cargar, entrenar, evaluar, opciones_datos, preparar
from practicas.comun import cantidad, iniciar, sembrar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de
from utilidades.conjuntos import predecir
from utilidades.evaluacion import calcularAccuracy
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Bloques Inception (coste con y sin cuello 1×1) y residuales, y clasificadores auxiliares, con los dígitos"

REDES = ("inception", "residual-basico", "residual-cuello", "auxiliar")

# Bloques residuales de ResNet-34 y ResNet-50 (etapa conv2_x/conv3_x sobre 56×56): (nombre, función,
# canales de entrada, filtros, paso, proyección)
BLOQUES_RESIDUALES = (
    ("residual básico, identidad (ResNet-34 conv2_x)", "basico", 64, 64, 1, False),
    ("residual básico, proyección con paso 2 (ResNet-34 conv3_1)", "basico", 64, 128, 2, True),
    ("residual con cuello, proyección (ResNet-50 conv2_1)", "cuello", 64, 64, 1, True),
    ("residual con cuello, identidad (ResNet-50 conv2_2)", "cuello", 256, 64, 1, False),
)
LADO_RESIDUAL = 56


def opciones(parser):
    opciones_datos(parser, epocas=5, batch=64)
    parser.add_argument(
        "--redes",
        type=lista_de(list(REDES)),
        default=list(REDES),
        help=f"redes que se entrenan, separadas por comas (por defecto todas: {','.join(REDES)})",
    )
    parser.add_argument(
        "--filtros",
        type=tipo(ENTERO_POSITIVO),
        default=16,
        help="filtros de la primera capa de las redes pequeñas (16)",
    )
    parser.add_argument(
        "--peso-auxiliar",
        type=tipo(NO_NEGATIVO),
        default=PESO_AUXILIAR,
        help=f"peso de la pérdida del clasificador auxiliar al entrenar ({PESO_AUXILIAR}, como GoogLeNet)",
    )


def _construir(funcion, forma, **kwargs):
    entrada = keras.Input(shape=forma)
    return keras.Model(entrada, funcion(entrada, **kwargs))


def comprobar_inception():
    """El módulo (3a) sin y con cuellos de botella: fórmulas frente a las capas de Keras construidas."""
    filas, comprobaciones, costes = [], [], {}
    for cuello, modulo in ((False, "ingenuo"), (True, "cuello")):
        coste = coste_inception(*ENTRADA_3A, **INCEPTION_3A, cuello=cuello)
        modelo = _construir(modulo_inception, ENTRADA_3A, **INCEPTION_3A, cuello=cuello, nombre=f"inception_{modulo}")
        for capa in coste["capas"]:
            filas.append({"modulo": modulo, **capa})
        costes[modulo] = coste
        comprobaciones.append(
            {
                "bloque": f"Inception (3a) {'con cuellos 1×1' if cuello else 'ingenuo'}",
                "salida": "×".join(str(d) for d in modelo.output.shape[1:]),
                "parametros_formula": parametros_inception(ENTRADA_3A[2], **INCEPTION_3A, cuello=cuello),
                "parametros_keras": modelo.count_params(),
                "entrenables_formula": parametros_inception(ENTRADA_3A[2], **INCEPTION_3A, cuello=cuello),
                "entrenables_keras": int(sum(np.prod(w.shape) for w in modelo.trainable_weights)),
                "multiplicaciones_formula": coste["total"],
                "multiplicaciones_keras": multiplicaciones_keras(modelo),
                "identidad_con_ceros": None,
            }
        )
        del modelo
    clase = coste_cuello_botella()  # el ejemplo de la clase: la rama 5×5 del módulo
    rama = {m: {c["capa"]: c["multiplicaciones"] for c in costes[m]["capas"]} for m in costes}
    ejemplo = {
        **clase,
        "rama_5x5_ingenuo": rama["ingenuo"]["5x5"],
        "rama_5x5_cuello": rama["cuello"]["5x5_reduccion"] + rama["cuello"]["5x5"],
    }
    ejemplo["coincide"] = (
        ejemplo["rama_5x5_ingenuo"] == clase["sin_cuello"] and ejemplo["rama_5x5_cuello"] == clase["con_cuello"]
    )
    return filas, comprobaciones, costes, ejemplo


def _bloque_residual(tipo):
    return bloque_residual if tipo == "basico" else bloque_residual_cuello


def identidad_con_ceros(tipo, canales, filtros, semilla=0):
    """Máx. |bloque(x) − ReLU(x)| con los núcleos de las convoluciones a cero (atajo identidad, inferencia)."""
    modelo = _construir(_bloque_residual(tipo), (8, 8, canales), filtros=filtros, proyeccion=False)
    for capa in modelo.layers:
        if isinstance(capa, keras.layers.Conv2D):
            capa.kernel.assign(np.zeros(capa.kernel.shape, dtype="float32"))
    x = np.random.default_rng(semilla).normal(size=(2, 8, 8, canales)).astype("float32")
    y = keras.ops.convert_to_numpy(modelo(x, training=False))
    return float(np.max(np.abs(y - np.maximum(x, 0.0))))


def comprobar_residuales():
    """Parámetros de los bloques residuales de ResNet-34/50: fórmula frente a Keras, e identidad con ceros."""
    filas = []
    for descripcion, clase, canales, filtros, paso, proyeccion in BLOQUES_RESIDUALES:
        modelo = _construir(
            _bloque_residual(clase),
            (LADO_RESIDUAL, LADO_RESIDUAL, canales),
            filtros=filtros,
            paso=paso,
            proyeccion=proyeccion,
        )
        formula = (parametros_bloque_residual if clase == "basico" else parametros_bloque_cuello)(
            canales, filtros, proyeccion
        )
        filas.append(
            {
                "bloque": descripcion,
                "salida": "×".join(str(d) for d in modelo.output.shape[1:]),
                "parametros_formula": formula["total"],
                "parametros_keras": modelo.count_params(),
                "entrenables_formula": formula["entrenables"],
                "entrenables_keras": int(sum(np.prod(w.shape) for w in modelo.trainable_weights)),
                "multiplicaciones_formula": None,
                "multiplicaciones_keras": multiplicaciones_keras(modelo),
                "identidad_con_ceros": identidad_con_ceros(clase, canales, filtros) if not proyeccion else None,
            }
        )
        del modelo
    return filas


def _constructores(args, input_shape, num_clases):
    f = args.filtros
    return {
        "inception": lambda: red_inception(num_clases, input_shape, filtros=f),
        "residual-basico": lambda: red_residual(num_clases, input_shape, filtros=f, tipo="basico"),
        "residual-cuello": lambda: red_residual(num_clases, input_shape, filtros=f, tipo="cuello"),
        "auxiliar": lambda: red_con_auxiliar(num_clases, input_shape, filtros=f),
    }


def _compilar_auxiliar(peso):
    def compilar(modelo):
        modelo.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss={"salida": "categorical_crossentropy", "auxiliar": "categorical_crossentropy"},
            loss_weights={"salida": 1.0, "auxiliar": float(peso)},
            metrics={"salida": ["accuracy"], "auxiliar": ["accuracy"]},
        )

    return compilar


def entrenar_redes(args, carpeta, datos):
    """Entrena cada red de `--redes` con la misma semilla y devuelve sus filas y sus historiales."""
    x_train, y_train, x_test, y_test = datos
    constructores = _constructores(args, x_train.shape[1:], y_train.shape[1])
    filas, historiales = [], {}
    for nombre in args.redes:
        sembrar(args, 1)  # todas con la misma semilla: mismo orden de lotes
        modelo = constructores[nombre]()
        fila = {"red": nombre, "parametros": modelo.count_params()}
        sub = os.path.join(carpeta, nombre)
        if nombre == "auxiliar":
            etiquetas = {"salida": y_train, "auxiliar": y_train}
            historial, segundos = entrenar(
                modelo, x_train, etiquetas, args, sub, compilar=_compilar_auxiliar(args.peso_auxiliar)
            )
            inferencia = sin_auxiliar(modelo)  # la cabeza auxiliar solo sirve para entrenar
            fila["parametros_inferencia"] = inferencia.count_params()
            perdida, precision = evaluar(inferencia, x_test, y_test)
            cabeza = keras.Model(modelo.input, modelo.get_layer("auxiliar").output)
            fila["precision_auxiliar"] = calcularAccuracy(y_test, predecir(cabeza, x_test))
            historiales[nombre] = historial.history.get("salida_loss", historial.history["loss"])
        else:
            historial, segundos = entrenar(modelo, x_train, y_train, args, sub)
            fila["parametros_inferencia"] = fila["parametros"]
            perdida, precision = evaluar(modelo, x_test, y_test)
            fila["precision_auxiliar"] = None
            historiales[nombre] = historial.history["loss"]
        fila.update({"perdida": perdida, "precision": precision, "epocas": len(historial.epoch), "segundos": segundos})
        filas.append(fila)
        del modelo
    return filas, historiales


def _figura_costes(costes, ejemplo):
    import matplotlib.pyplot as plt

    figura, (eje, eje_clase) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    nombres = list(dict.fromkeys(c["capa"] for coste in costes.values() for c in coste["capas"]))
    colores = dict(zip(nombres, plt.get_cmap("tab10").colors))  # cada convolución, el mismo color en las dos
    maximo = max(coste["total"] for coste in costes.values()) / 1e6
    for posicion, coste in enumerate(costes.values()):
        base = 0.0
        for capa in coste["capas"]:
            valor = capa["multiplicaciones"] / 1e6
            eje.bar(
                posicion, valor, 0.6, bottom=base, color=colores[capa["capa"]], edgecolor="white", label=capa["capa"]
            )
            if valor > 0.08 * maximo:  # las pequeñas, solo en la leyenda y en inception.csv
                eje.text(posicion, base + valor / 2, f"{valor:.1f} M", ha="center", va="center", fontsize=8)
            base += valor
        eje.text(posicion, base, f"{base:.1f} M", ha="center", va="bottom")
    manejadores, etiquetas = eje.get_legend_handles_labels()
    unicas = dict(zip(etiquetas, manejadores))
    eje.legend(unicas.values(), unicas.keys(), fontsize=8, title="convolución", title_fontsize=8)
    eje.set_xticks(range(len(costes)), [f"{m}\n(salida {'×'.join(map(str, c['salida']))})" for m, c in costes.items()])
    eje.set_ylabel("Multiplicaciones (millones)")
    eje.set_title("Inception (3a) sobre 28×28×192")
    valores = [ejemplo["sin_cuello"] / 1e6, ejemplo["capa_1x1"] / 1e6, ejemplo["capa_kxk"] / 1e6]
    eje_clase.bar([0], valores[0], 0.6, color="tab:red")
    eje_clase.bar([1], valores[1], 0.6, color="tab:blue", label="1×1 (16 filtros)")
    eje_clase.bar([1], valores[2], 0.6, bottom=valores[1], color="tab:orange", label="5×5 (32 filtros)")
    eje_clase.text(0, valores[0], f"{valores[0]:.1f} M", ha="center", va="bottom")
    eje_clase.text(1, valores[1] + valores[2], f"{valores[1] + valores[2]:.1f} M", ha="center", va="bottom")
    eje_clase.set_xticks([0, 1], ["5×5 directa", "1×1 → 5×5"])
    eje_clase.set_title(f"Ejemplo de la clase: {ejemplo['reduccion']:.1f} veces menos")
    eje_clase.legend(fontsize=8)
    figura.tight_layout()
    return figura


def _figura_entrenamiento(filas, historiales):
    import matplotlib.pyplot as plt

    from utilidades.graficas import epocas_enteras

    figura, (eje_perdida, eje_precision) = plt.subplots(1, 2, figsize=(12, 4.5))
    for nombre, perdidas in historiales.items():
        eje_perdida.plot(range(1, len(perdidas) + 1), perdidas, "o-", label=nombre)
    eje_perdida.set_xlabel("Época")
    eje_perdida.set_ylabel("Pérdida de entrenamiento (salida principal)")
    epocas_enteras(eje_perdida, max(len(p) for p in historiales.values()))
    eje_perdida.grid(alpha=0.3)
    eje_perdida.legend(fontsize=8)
    posiciones = np.arange(len(filas))
    eje_precision.bar(posiciones, [f["precision"] for f in filas], 0.6)
    for p, f in zip(posiciones, filas):
        eje_precision.text(
            p,
            f["precision"],
            f"{100 * f['precision']:.1f} %\n{f['parametros_inferencia']} par.",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    eje_precision.set_xticks(posiciones, [f["red"] for f in filas])
    eje_precision.set_ylim(0, 1.15)
    eje_precision.set_ylabel("Precisión en test")
    figura.suptitle("Redes pequeñas con cada bloque en los datos elegidos")
    figura.tight_layout()
    return figura


def _escribir_comprobaciones(comprobaciones, filas_inception, carpeta):
    """Marca si cada bloque coincide con su fórmula y escribe `inception.csv` y `comprobaciones.csv`."""
    for c in comprobaciones:
        c["coincide"] = (
            c["parametros_formula"] == c["parametros_keras"]
            and c["entrenables_formula"] == c["entrenables_keras"]
            and c["multiplicaciones_formula"] in (None, c["multiplicaciones_keras"])
            and (c["identidad_con_ceros"] is None or c["identidad_con_ceros"] < 1e-6)
        )
    escribir_csv(os.path.join(carpeta, "inception.csv"), filas_inception)
    escribir_csv(
        os.path.join(carpeta, "comprobaciones.csv"),
        comprobaciones,
        [
            "bloque",
            "salida",
            "parametros_formula",
            "parametros_keras",
            "entrenables_formula",
            "entrenables_keras",
            "multiplicaciones_formula",
            "multiplicaciones_keras",
            "identidad_con_ceros",
            "coincide",
        ],
    )


def ejecutar(args):
    datos = cargar(args)
    carpeta = iniciar(args, "arquitecturas-bloques")

    filas_inception, comprobaciones, costes, ejemplo = comprobar_inception()
    residuales = comprobar_residuales()
    comprobaciones += residuales
    _escribir_comprobaciones(comprobaciones, filas_inception, carpeta)
    guardar_figura(_figura_costes(costes, ejemplo), os.path.join(carpeta, "costes.png"))

    preparados = preparar(datos, args.muestras, args.semilla_base)
    redes, historiales = entrenar_redes(args, carpeta, preparados)
    escribir_csv(os.path.join(carpeta, "entrenamiento.csv"), redes)
    guardar_figura(_figura_entrenamiento(redes, historiales), os.path.join(carpeta, "entrenamiento.png"))

    resultados = {
        "inception": {
            "entrada": ENTRADA_3A,
            "filtros": INCEPTION_3A,
            "ingenuo": costes["ingenuo"]["total"],
            "cuello": costes["cuello"]["total"],
            "reduccion": costes["ingenuo"]["total"] / costes["cuello"]["total"],
            "capas": filas_inception,
        },
        "ejemplo_clase": ejemplo,
        "comprobaciones": comprobaciones,
        "redes": redes,
        "peso_auxiliar": args.peso_auxiliar,
        "muestras": len(preparados[0]),
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)

    print(
        f"\nInception (3a) sobre {'×'.join(map(str, ENTRADA_3A))}: {costes['ingenuo']['total']:,} multiplicaciones "
        f"sin cuellos 1×1 y {costes['cuello']['total']:,} con ellos ({resultados['inception']['reduccion']:.2f} veces "
        f"menos).\nEjemplo de la clase (rama 5×5): {ejemplo['sin_cuello']:,} frente a {ejemplo['capa_1x1']:,} + "
        f"{ejemplo['capa_kxk']:,} = {ejemplo['con_cuello']:,}".replace(",", ".")
    )
    imprimir_tabla(
        comprobaciones,
        "Parámetros: fórmula frente a Keras",
        [
            ("bloque", "Bloque", "s"),
            ("salida", "Salida", "s"),
            ("parametros_formula", "Fórmula", "d"),
            ("parametros_keras", "Keras", "d"),
            ("multiplicaciones_keras", "Multiplicaciones", "d"),
            ("coincide", "Coincide", ""),
        ],
    )
    imprimir_tabla(
        redes,
        f"Redes pequeñas ({cantidad(args.epocas, 'época')}, {len(preparados[0])} imágenes de entrenamiento)",
        [
            ("red", "Red", "s"),
            ("parametros", "Parámetros", "d"),
            ("parametros_inferencia", "En inferencia", "d"),
            ("perdida", "Pérdida", ".4f"),
            ("precision", "Precisión", "%"),
            ("segundos", "Segundos", ".1f"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
