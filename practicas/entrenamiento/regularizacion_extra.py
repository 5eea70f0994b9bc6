"""Ejercicio `regularizacion-extra` (Bariloche, «Dropout»; «Aprendizaje de Máquinas: redes profundas»,
«Mejorar el desempeño de generalización»; Granada, «Modos de entrenamiento» y «Tasas de aprendizaje»).

Cada pieza de `teoria.regularizacion_extra` se comprueba con números (`comprobaciones.csv`):

1. Dropout estándar (escala `1 - p` en test) frente a invertido: la misma salida esperada, exacta con las
   `2ⁿ` máscaras (el ejemplo de la clase con dos entradas) y por muestreo con muchas repeticiones.
2. Suavizado de etiquetas: la entropía cruzada de NumPy frente a
   `keras.losses.CategoricalCrossentropy(label_smoothing=...)`, con probabilidades y con logits.
3. Estandarización de pesos: el núcleo efectivo de `ConvEstandarizada` tiene media 0 y desviación 1 por
   filtro, la capa da lo mismo que una `Conv2D` con ese núcleo y no cambia si el núcleo se escala y desplaza.
4. Mini-lotes balanceados por clase sobre un subconjunto desbalanceado de los dígitos: cuántos ejemplos de
   cada clase trae cada lote (NumPy y `tf.data`) y, salvo `--sin-entrenar`, un MLP entrenado con lotes
   barajados sin más frente a lotes balanceados (precisión balanceada en test).
5. Tasas adaptativas por peso de Hinton (+0,05 / ×0,95): NumPy frente al optimizador de Keras paso a paso, y
   SGD con y sin ganancias sobre la cuadrática mal condicionada de `optimizadores`.
6. Tasas de aprendizaje por capa: un paso de SGD con multiplicadores frente al cálculo a mano y, salvo
   `--sin-entrenar`, un entrenamiento con `--multiplicadores` (p. ej. 0, 0,1 y 1 como en la transferencia de
   aprendizaje): la capa con multiplicador 0 no cambia.
"""

import os

import numpy as np

from datos import cargar_fuente
from datos.argumentos import tipo
from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, FRACCION, NO_NEGATIVO, POSITIVO, PROBABILIDAD
from practicas.comun import iniciar, opciones_fuente
from practicas.entrenamiento._comun import imprimir_tabla, lista_de_numeros, opciones_sin_entrenar
from teoria.optimizadores import crear_optimizador, cuadratica_mal_condicionada, pasos_keras, trayectoria
from teoria.regularizacion import dropout_invertido
from teoria.regularizacion_extra import (
    ConvEstandarizada,
    GananciasAdaptativas,
    ModeloTasasPorCapa,
    conteos_geometricos,
    dataset_balanceado,
    dropout_estandar,
    entropia_cruzada,
    esperanza_exacta,
    esperanzas_por_muestreo,
    estandarizar_nucleo,
    indices_desbalanceados,
    lotes_balanceados,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = (
    "Dropout estándar frente a invertido, suavizado de etiquetas, estandarización de pesos, lotes balanceados, "
    "ganancias de Hinton y tasas por capa"
)

CAPAS = ("oculta_1", "oculta_2", "salida")


def opciones(parser):
    parser.add_argument(
        "--tasa-dropout", type=tipo(FRACCION), default=0.2, help="probabilidad de anular del dropout (0.2)"
    )
    parser.add_argument(
        "--muestras-dropout",
        type=tipo(ENTERO_POSITIVO),
        default=20000,
        help="pasadas para la media del dropout (20000)",
    )
    parser.add_argument("--suavizado", type=tipo(PROBABILIDAD), default=0.1, help="α del suavizado de etiquetas (0.1)")
    parser.add_argument(
        "--desbalance", type=tipo(POSITIVO), default=10.0, help="ejemplos de la clase mayor / de la menor (10)"
    )
    parser.add_argument(
        "--muestras", type=tipo(ENTERO_POSITIVO), default=400, help="imágenes del subconjunto desbalanceado (400)"
    )
    parser.add_argument(
        "--por-clase", type=tipo(ENTERO_POSITIVO), default=4, help="ejemplos de cada clase por lote balanceado (4)"
    )
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=10, help="épocas de cada entrenamiento (10)")
    parser.add_argument(
        "--multiplicadores",
        type=lista_de_numeros(NO_NEGATIVO, cantidad=len(CAPAS)),
        default=[0.0, 0.1, 1.0],
        help=f"multiplicador de la tasa de cada capa ({','.join(CAPAS)}), p. ej. 0,0.1,1 (por defecto)",
    )
    parser.add_argument(
        "--tasa-ganancias", type=tipo(POSITIVO), default=0.035, help="tasa global de SGD y de las ganancias (0.035)"
    )
    parser.add_argument("--pasos", type=tipo(ENTERO_POSITIVO), default=100, help="pasos sobre la cuadrática (100)")
    parser.add_argument(
        "--condicion", type=tipo(POSITIVO), default=50.0, help="número de condición K de la cuadrática (50)"
    )
    parser.add_argument("--sin-entrenar", action="store_true", help="solo las comprobaciones, sin entrenar redes")
    opciones_fuente(parser)
    opciones_sin_entrenar(parser)


def _comprobacion(nombre, valor, referencia, tolerancia, error=None):
    error = abs(float(valor) - float(referencia)) if error is None else float(error)
    return {
        "comprobacion": nombre,
        "valor": float(valor),
        "referencia": float(referencia),
        "error": error,
        "tolerancia": float(tolerancia),
        "correcta": bool(error <= tolerancia),
    }


# --- 1. Dropout ---


def comprobar_dropout(tasa_dropout, muestras, generador):
    """Ejemplo exacto de la clase (dos entradas, tasa 0,5) y la tasa pedida; muestreo de las dos variantes."""
    filas = []
    w, entradas = np.array([0.7, -1.3]), np.array([2.0, 0.5])
    for p in dict.fromkeys((0.5, tasa_dropout)):
        for invertido in (False, True):
            esperanza, test = esperanza_exacta(w, entradas, p, invertido=invertido)
            variante = "invertido" if invertido else "estándar"
            filas.append(
                _comprobacion(
                    f"dropout {variante} exacto (tasa {p:g}): E[z] al entrenar = z en test", esperanza, test, 1e-12
                )
            )
    esperanza, _ = esperanza_exacta(w, entradas, tasa_dropout)
    filas.append(
        _comprobacion(
            f"dropout estándar (tasa {tasa_dropout:g}): E[z] / Σwx = 1 - tasa",
            esperanza / np.dot(w, entradas),
            1 - tasa_dropout,
            1e-12,
        )
    )
    h = np.maximum(0.0, generador.normal(size=(16, 64)))
    pesos = generador.normal(size=64) / 8
    muestreo = esperanzas_por_muestreo(h, pesos, tasa_dropout, muestras, generador)
    for clave, r in muestreo.items():
        variante = "estándar" if clave == "estandar" else clave
        tolerancia = 5 * float(np.max(r["error_estandar"]))  # 5 errores estándar: falla con prob. < 1e-5 por unidad
        filas.append(
            _comprobacion(
                f"dropout {variante} por muestreo ({muestras} pasadas): máx. |media - test|",
                r["max_diferencia"],
                0.0,
                tolerancia,
            )
        )
    return filas, muestreo, (h, pesos)


def _figura_dropout(h, pesos, tasa_dropout, muestras, generador):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    n = np.arange(1, muestras + 1)
    for eje, (variante, capa) in zip(ejes, (("estándar", dropout_estandar), ("invertido", dropout_invertido))):
        salidas = np.array([capa(h[:3], tasa_dropout, generador=generador) @ pesos for _ in range(muestras)])
        medias = np.cumsum(salidas, axis=0) / n[:, None]
        test = capa(h[:3], tasa_dropout, entrenamiento=False) @ pesos
        for k in range(3):
            linea = eje.semilogx(n, medias[:, k], label=f"ejemplo {k + 1}: media al entrenar")[0]
            eje.axhline(test[k], color=linea.get_color(), linestyle="--", linewidth=1)
        eje.set_title(
            f"Dropout {variante} (tasa {tasa_dropout:g}): "
            + ("en test ×(1 - tasa)" if variante == "estándar" else "÷(1 - tasa) al entrenar")
        )
        eje.set_xlabel("Pasadas con dropout")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    ejes[0].set_ylabel("Salida z (discontinua: en test)")
    figura.tight_layout()
    return figura


# --- 2. Suavizado de etiquetas ---


def comprobar_suavizado(alfa, generador):
    import keras

    y = np.eye(10)[generador.integers(0, 10, 32)]
    logits = 2 * generador.normal(size=(32, 10))
    probabilidades = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    filas = []
    for a in dict.fromkeys((0.0, alfa)):
        for desde_logits, salida in ((False, probabilidades), (True, logits)):
            perdida = keras.losses.CategoricalCrossentropy(label_smoothing=a, from_logits=desde_logits)
            de_keras = float(perdida(y.astype("float32"), salida.astype("float32")))
            filas.append(
                _comprobacion(
                    f"suavizado α = {a:g} ({'logits' if desde_logits else 'probabilidades'}): NumPy frente a Keras",
                    entropia_cruzada(y, salida, a, desde_logits=desde_logits),
                    de_keras,
                    1e-6,
                )
            )
    return filas


# --- 3. Estandarización de pesos ---


def comprobar_estandarizacion(generador):
    import keras

    x = generador.normal(size=(4, 10, 10, 3)).astype("float32")
    capa = ConvEstandarizada(8, 3, name="conv_estandarizada")
    salida = keras.ops.convert_to_numpy(capa(x))
    efectivo = capa.nucleo_efectivo()
    nucleo = keras.ops.convert_to_numpy(capa.kernel)
    normal = keras.layers.Conv2D(8, 3)
    normal.build(x.shape)
    normal.set_weights([efectivo, keras.ops.convert_to_numpy(capa.bias)])
    escala, desplazamiento = generador.uniform(0.5, 3.0, size=8), generador.normal(size=8)
    capa.kernel.assign((nucleo * escala + desplazamiento).astype("float32"))  # por filtro
    transformada = keras.ops.convert_to_numpy(capa(x))
    capa.kernel.assign(nucleo)
    return [
        _comprobacion(
            "estandarización de pesos: máx. |media por filtro|", np.abs(efectivo.mean(axis=(0, 1, 2))).max(), 0.0, 1e-5
        ),
        _comprobacion(
            "estandarización de pesos: máx. |desviación por filtro - 1|",
            np.abs(efectivo.std(axis=(0, 1, 2)) - 1).max(),
            0.0,
            1e-5,
        ),
        _comprobacion(
            "estandarización de pesos: núcleo de la capa frente a NumPy",
            np.abs(efectivo - estandarizar_nucleo(nucleo)).max(),
            0.0,
            1e-5,
        ),
        _comprobacion(
            "ConvEstandarizada frente a Conv2D con el núcleo estandarizado",
            np.abs(salida - keras.ops.convert_to_numpy(normal(x))).max(),
            0.0,
            1e-4,
        ),
        _comprobacion(
            "ConvEstandarizada no cambia con W → a·W + b por filtro", np.abs(salida - transformada).max(), 0.0, 1e-3
        ),
    ]


# --- 4. Mini-lotes balanceados ---


def _recuentos(y, lotes, num_clases):
    clases = y.argmax(axis=1)
    return np.array([np.bincount(clases[indices], minlength=num_clases) for indices in lotes])


def comprobar_lotes(x, y, por_clase, generador, semilla, lotes=50):
    """Recuentos por clase de `lotes` lotes balanceados (NumPy y `tf.data`) y de lotes barajados sin más."""
    num_clases = y.shape[1]
    batch = num_clases * por_clase
    balanceados = _recuentos(y, lotes_balanceados(y, por_clase, lotes, generador), num_clases)
    orden = np.concatenate([generador.permutation(len(y)) for _ in range(int(np.ceil(lotes * batch / len(y))) + 1)])
    barajados = _recuentos(y, [orden[k * batch : (k + 1) * batch] for k in range(lotes)], num_clases)
    de_tfdata = np.array(
        [
            np.bincount(yb.numpy().argmax(axis=1), minlength=num_clases)
            for _, yb in dataset_balanceado(x, y, por_clase, semilla).take(lotes)
        ]
    )
    filas = [
        _comprobacion(
            f"lotes balanceados NumPy ({lotes} lotes): máx. |recuento - {por_clase}|",
            np.abs(balanceados - por_clase).max(),
            0,
            0,
        ),
        _comprobacion(
            f"lotes balanceados tf.data ({lotes} lotes): máx. |recuento - {por_clase}|",
            np.abs(de_tfdata - por_clase).max(),
            0,
            0,
        ),
    ]
    return filas, {"balanceados": balanceados, "tf.data": de_tfdata, "barajados": barajados}


def _figura_lotes(conteos, recuentos, por_clase):
    import matplotlib.pyplot as plt

    figura, (eje_datos, eje_lotes) = plt.subplots(1, 2, figsize=(12, 4))
    clases = np.arange(len(conteos))
    eje_datos.bar(clases, conteos)
    eje_datos.set_title(f"Subconjunto desbalanceado ({int(conteos.sum())} imágenes)")
    eje_datos.set_xlabel("Clase")
    eje_datos.set_ylabel("Imágenes")
    for desplazamiento, (nombre, r) in zip(
        (-0.2, 0.2), (("barajados", recuentos["barajados"]), ("balanceados", recuentos["balanceados"]))
    ):
        eje_lotes.bar(
            clases + desplazamiento, r.mean(axis=0), 0.4, yerr=r.std(axis=0), capsize=2, label=f"lotes {nombre}"
        )
    eje_lotes.axhline(por_clase, color="k", linestyle="--", linewidth=1)
    eje_lotes.set_title(f"Ejemplos de cada clase por lote (media y desv. de {len(recuentos['barajados'])} lotes)")
    eje_lotes.set_xlabel("Clase")
    eje_lotes.legend()
    figura.tight_layout()
    return figura


def mlp(input_shape, num_clases, clase=None, **kwargs):
    """MLP de tres capas densas con nombre (`CAPAS`) sobre la imagen reducida ×4 por lado.

    Los entrenamientos del ejercicio son tan cortos que se compilan con `run_eagerly=True`: trazar el grafo
    de cada modelo costaría más que los pocos cientos de pasos que da.
    """
    import keras
    from keras import layers

    entradas = keras.Input(shape=tuple(input_shape))
    h = layers.Flatten()(layers.AveragePooling2D(4)(entradas))
    h = layers.Dense(64, activation="relu", name=CAPAS[0])(h)
    h = layers.Dense(32, activation="relu", name=CAPAS[1])(h)
    salidas = layers.Dense(num_clases, activation="softmax", name=CAPAS[2])(h)
    return (clase or keras.Model)(entradas, salidas, **kwargs)


def _evaluar(modelo, x_test, y_test):
    import keras

    predichas = keras.ops.convert_to_numpy(modelo(x_test, training=False)).argmax(axis=1)
    verdaderas = y_test.argmax(axis=1)
    recall = np.array([np.mean(predichas[verdaderas == c] == c) for c in range(y_test.shape[1])])
    return {
        "precision": float(np.mean(predichas == verdaderas)),
        "precision_balanceada": float(recall.mean()),
        "recall_clase_menor": float(recall[-1]),
    }


def entrenar_balanceo(x, y, x_test, y_test, args):
    """El mismo MLP (mismos pesos iniciales) con lotes barajados y con lotes balanceados."""
    import keras

    batch = y.shape[1] * args.por_clase
    pasos = int(np.ceil(len(x) / batch))
    filas = []
    for variante in ("barajados", "balanceados"):
        keras.utils.set_random_seed(args.semilla_base)
        modelo = mlp(x.shape[1:], y.shape[1])
        modelo.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", run_eagerly=True)
        if variante == "barajados":
            modelo.fit(x, y, batch_size=batch, epochs=args.epocas, shuffle=True, verbose=0)
        else:
            datos = dataset_balanceado(x, y, args.por_clase, semilla=args.semilla_base)
            modelo.fit(datos, steps_per_epoch=pasos, epochs=args.epocas, shuffle=False, verbose=0)
        filas.append(
            {
                "entrenamiento": f"lotes {variante}",
                "epocas": args.epocas,
                "pasos_por_epoca": pasos,
                **_evaluar(modelo, x_test, y_test),
            }
        )
    return filas


# --- 5. Ganancias de Hinton ---


def comprobar_ganancias(generador):
    """NumPy frente a `GananciasHinton` de Keras con los mismos gradientes (tasa exacta en binario)."""
    x0, gradientes = generador.normal(size=(4, 3)), generador.normal(size=(20, 4, 3))
    gradientes[:, 0, 0] = 1.0  # un peso con gradiente de signo constante: su ganancia sube 19 veces
    optimizador = GananciasAdaptativas(0.125)
    de_keras = pasos_keras(optimizador, x0, gradientes)
    x, diferencia = x0, 0.0
    for g, k in zip(gradientes, de_keras):
        x = optimizador.paso(x, g)
        diferencia = max(diferencia, float(np.max(np.abs(x - k))))
    return [
        _comprobacion("ganancias de Hinton: NumPy frente a Keras (20 pasos)", diferencia, 0.0, 1e-9),
        _comprobacion(
            "ganancias de Hinton: 19 subidas de 0,05 con signo constante",
            optimizador.estado["ganancia"][0, 0],
            1 + 19 * 0.05,
            1e-12,
        ),
    ]


def ganancias_en_cuadratica(args):
    """SGD y SGD con ganancias (misma tasa) sobre la cuadrática mal condicionada; ganancias por paso."""
    funcion = cuadratica_mal_condicionada(args.condicion)
    sgd = trayectoria(crear_optimizador("sgd", tasa=args.tasa_ganancias), funcion, args.pasos)
    optimizador = GananciasAdaptativas(args.tasa_ganancias)
    x, camino, ganancias = np.array(funcion.inicio), [np.array(funcion.inicio)], []
    for _ in range(args.pasos):
        x = optimizador.paso(x, funcion.gradiente(x))
        camino.append(x)
        ganancias.append(optimizador.estado["ganancia"].copy())
    filas = [
        {
            "optimizador": nombre,
            "tasa": args.tasa_ganancias,
            "pasos": args.pasos,
            "distancia_al_minimo": float(np.linalg.norm(c[-1])),
        }
        for nombre, c in (("sgd", sgd), ("sgd + ganancias", np.array(camino)))
    ]
    filas[1]["ganancia_final_x1"], filas[1]["ganancia_final_x2"] = (float(g) for g in ganancias[-1])
    return funcion, sgd, np.array(camino), np.array(ganancias), filas


def _figura_ganancias(funcion, sgd, camino, ganancias):
    import matplotlib.pyplot as plt

    figura, (eje_camino, eje_ganancia) = plt.subplots(1, 2, figsize=(13, 4.5))
    x0, x1, y0, y1 = funcion.limites
    malla = np.stack(np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200)), axis=-1)
    eje_camino.contour(
        malla[..., 0], malla[..., 1], np.log1p(funcion.f(malla)), levels=20, cmap="viridis", linewidths=0.7
    )
    eje_camino.plot(sgd[:, 0], sgd[:, 1], "o-", markersize=2, label="SGD")
    eje_camino.plot(camino[:, 0], camino[:, 1], "s-", markersize=2, label="SGD + ganancias de Hinton")
    eje_camino.plot(0, 0, "r*", markersize=12, label="mínimo")
    eje_camino.set_xlim(x0, x1)
    eje_camino.set_ylim(y0, y1)
    eje_camino.set_title(funcion.titulo)
    eje_camino.legend(fontsize=8)
    pasos = np.arange(1, len(ganancias) + 1)
    eje_ganancia.plot(pasos, ganancias[:, 0], label="x₁ (gradiente de signo constante: +0,05)")
    eje_ganancia.plot(pasos, ganancias[:, 1], label="x₂ (el gradiente cambia de signo: ×0,95)")
    eje_ganancia.set_xlabel("Paso")
    eje_ganancia.set_ylabel("Ganancia local")
    eje_ganancia.set_title("Ganancias por peso")
    eje_ganancia.grid(alpha=0.3)
    eje_ganancia.legend(fontsize=8)
    figura.tight_layout()
    return figura


# --- 6. Tasas por capa ---


def comprobar_tasas_por_capa(x, y, generador):
    """Un paso de SGD con multiplicadores (0, 0,5, 1) frente a `w - m · α · ∇w` calculado a mano."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(generador.integers(2**31)))
    multiplicadores = dict(zip(CAPAS, (0.0, 0.5, 1.0)))
    modelo = mlp(x.shape[1:], y.shape[1], clase=ModeloTasasPorCapa, multiplicadores=multiplicadores)
    tasa = 0.5
    modelo.compile(optimizer=keras.optimizers.SGD(tasa), loss="categorical_crossentropy", run_eagerly=True)
    lote_x, lote_y = x[:32], y[:32]
    antes = [keras.ops.convert_to_numpy(v) for v in modelo.trainable_variables]
    with tf.GradientTape() as cinta:
        perdida = modelo.compute_loss(x=lote_x, y=lote_y, y_pred=modelo(lote_x, training=True))
    gradientes = [g.numpy() for g in cinta.gradient(perdida, modelo.trainable_variables)]
    modelo.train_on_batch(lote_x, lote_y)
    despues = [keras.ops.convert_to_numpy(v) for v in modelo.trainable_variables]
    esperados = [a - f * tasa * g for a, f, g in zip(antes, modelo.factores(), gradientes)]
    congelada = max(float(np.abs(d - a).max()) for d, a, f in zip(despues, antes, modelo.factores()) if f == 0)
    return [
        _comprobacion(
            "tasas por capa (0, 0,5, 1): un paso de SGD frente a w - m·α·∇w",
            max(float(np.abs(d - e).max()) for d, e in zip(despues, esperados)),
            0.0,
            1e-5,
        ),
        _comprobacion("tasas por capa: la capa con multiplicador 0 no cambia", congelada, 0.0, 0.0),
    ]


def entrenar_tasas_por_capa(x, y, x_test, y_test, args):
    """Adam con `--multiplicadores`: cambio relativo de los pesos de cada capa tras entrenar."""
    import keras

    keras.utils.set_random_seed(args.semilla_base)
    multiplicadores = dict(zip(CAPAS, args.multiplicadores))
    modelo = mlp(x.shape[1:], y.shape[1], clase=ModeloTasasPorCapa, multiplicadores=multiplicadores)
    modelo.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", run_eagerly=True)
    antes = {c: keras.ops.convert_to_numpy(modelo.get_layer(c).kernel) for c in CAPAS}
    modelo.fit(x, y, batch_size=y.shape[1] * args.por_clase, epochs=args.epocas, shuffle=True, verbose=0)
    evaluacion = _evaluar(modelo, x_test, y_test)
    filas = []
    for capa in CAPAS:
        despues = keras.ops.convert_to_numpy(modelo.get_layer(capa).kernel)
        filas.append(
            {
                "capa": capa,
                "multiplicador": multiplicadores[capa],
                "cambio_relativo": float(np.linalg.norm(despues - antes[capa]) / np.linalg.norm(antes[capa])),
                "max_cambio": float(np.abs(despues - antes[capa]).max()),
                "precision_test": evaluacion["precision"],
            }
        )
    return filas


def _imprimir(comprobaciones, filas_ganancias, entrenamientos, tasas_por_capa, args, imagenes, conteos, num_clases):
    imprimir_tabla(
        comprobaciones,
        "Comprobaciones",
        [
            ("comprobacion", "Comprobación", "s"),
            ("valor", "Valor", ".6g"),
            ("referencia", "Referencia", ".6g"),
            ("error", "Error", ".1e"),
            ("correcta", "Bien", ""),
        ],
    )
    imprimir_tabla(
        filas_ganancias,
        f"Cuadrática (K = {args.condicion:g}), {args.pasos} pasos",
        [("optimizador", "Optimizador", "s"), ("distancia_al_minimo", "Distancia al mínimo", ".3g")],
    )
    if entrenamientos:
        imprimir_tabla(
            entrenamientos,
            f"MLP sobre {imagenes} dígitos desbalanceados ({conteos[0]} a {conteos[-1]} por clase), test",
            [
                ("entrenamiento", "Entrenamiento", "s"),
                ("precision", "Precisión", "%"),
                ("precision_balanceada", "Prec. balanceada", "%"),
                ("recall_clase_menor", f"Recall clase {num_clases - 1}", ".4f"),
            ],
        )
        imprimir_tabla(
            tasas_por_capa,
            "Tasas por capa: cambio de los pesos al entrenar",
            [("capa", "Capa", "s"), ("multiplicador", "Multiplicador", "g"), ("cambio_relativo", "‖ΔW‖/‖W‖", ".3g")],
        )


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir
    )  # antes de escribir nada
    num_clases = y_train.shape[1]
    conteos = conteos_geometricos(num_clases, args.muestras, args.desbalance)
    disponibles = np.bincount(y_train.argmax(axis=1), minlength=num_clases)
    if np.any(conteos > disponibles):
        raise ErrorParametro(
            f"--muestras {args.muestras} con --desbalance {args.desbalance:g} pide {conteos.tolist()} imágenes por "
            f"clase y los datos tienen {disponibles.tolist()}: use menos --muestras."
        )
    carpeta = iniciar(args, "entrenamiento-regularizacion-extra")
    generador = np.random.default_rng(args.semilla_base)

    comprobaciones, muestreo, (h, pesos) = comprobar_dropout(args.tasa_dropout, args.muestras_dropout, generador)
    guardar_figura(
        _figura_dropout(h, pesos, args.tasa_dropout, min(args.muestras_dropout, 5000), generador),
        os.path.join(carpeta, "dropout.png"),
    )
    comprobaciones += comprobar_suavizado(args.suavizado, generador)
    comprobaciones += comprobar_estandarizacion(generador)

    indices = indices_desbalanceados(y_train, conteos, generador)
    x, y = x_train[indices], y_train[indices]
    filas_lotes, recuentos = comprobar_lotes(x, y, args.por_clase, generador, args.semilla_base)
    comprobaciones += filas_lotes
    guardar_figura(_figura_lotes(conteos, recuentos, args.por_clase), os.path.join(carpeta, "lotes.png"))

    comprobaciones += comprobar_ganancias(generador)
    funcion, sgd, camino, ganancias, filas_ganancias = ganancias_en_cuadratica(args)
    guardar_figura(_figura_ganancias(funcion, sgd, camino, ganancias), os.path.join(carpeta, "ganancias.png"))
    comprobaciones += comprobar_tasas_por_capa(x, y, generador)

    entrenamientos, tasas_por_capa = [], []
    if not args.sin_entrenar:
        entrenamientos = entrenar_balanceo(x, y, x_test, y_test, args)
        tasas_por_capa = entrenar_tasas_por_capa(x, y, x_test, y_test, args)
        escribir_csv(os.path.join(carpeta, "entrenamientos.csv"), entrenamientos)
        escribir_csv(os.path.join(carpeta, "tasas_por_capa.csv"), tasas_por_capa)

    escribir_csv(os.path.join(carpeta, "comprobaciones.csv"), comprobaciones)
    escribir_csv(os.path.join(carpeta, "ganancias.csv"), filas_ganancias, list(filas_ganancias[1]))
    resultados = {
        "comprobaciones": comprobaciones,
        "dropout": {v: {"max_diferencia": r["max_diferencia"]} for v, r in muestreo.items()},
        "conteos_desbalanceados": conteos,
        "recuentos_por_lote": {k: v.tolist() for k, v in recuentos.items()},
        "ganancias": filas_ganancias,
        "entrenamientos": entrenamientos,
        "tasas_por_capa": tasas_por_capa,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)

    _imprimir(comprobaciones, filas_ganancias, entrenamientos, tasas_por_capa, args, len(x), conteos, num_clases)
    fallidas = [f["comprobacion"] for f in comprobaciones if not f["correcta"]]
    if fallidas:
        print(f"\nAviso: {len(fallidas)} comprobaciones fuera de tolerancia: {'; '.join(fallidas)}")
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
