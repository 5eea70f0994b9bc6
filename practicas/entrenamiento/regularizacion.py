"""Ejercicio `regularizacion` (Bariloche, «Regularización»; «Aprendizaje de Máquinas: redes profundas»).

Una red pequeña que sobreajusta (MLP de dos capas ocultas anchas entrenado con pocas imágenes) se entrena
sin regularizar y con penalización L1, L2 y elastic net, dropout, normalización por lotes y parada
temprana; se comparan la precisión de entrenamiento y de test (la brecha mide el sobreajuste). Las
piezas de NumPy de `teoria.regularizacion` se comprueban contra la red entrenada: penalizaciones
frente a `model.losses`, dropout invertido frente a `keras.layers.Dropout` y normalización por lotes
frente a la capa `BatchNormalization` en los dos modos.
"""

import os

import numpy as np

from datos import cargar_fuente, getDataIterators
from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, FRACCION, POSITIVO
from practicas.comun import entrenar_y_evaluar, iniciar, opciones_comunes
from practicas.entrenamiento._comun import imprimir_tabla, lista_de
from teoria.regularizacion import (
    PENALIZACIONES,
    batch_norm,
    dropout_invertido,
    penalizacion_elastica,
    penalizacion_l1,
    penalizacion_l2,
    regularizador_keras,
)
from utilidades.entrenamiento import leer_historial
from utilidades.parada_temprana import ParadaTemprana
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Regularización (L1, L2, elastic net, dropout, batch norm, parada temprana) en una red que sobreajusta"

VARIANTES = ("ninguna", "l2", "l1", "elastica", "dropout", "batchnorm", "parada")
UNIDADES = 256


def opciones(parser):
    opciones_comunes(parser, epocas=20, batch=32, repeticiones=1)
    parser.add_argument(
        "--variantes",
        type=lista_de(list(VARIANTES)),
        default=list(VARIANTES),
        help=f"variantes separadas por comas (por defecto todas: {','.join(VARIANTES)})",
    )
    parser.add_argument(
        "--muestras", type=tipo(ENTERO_POSITIVO), default=200, help="imágenes de entrenamiento (pocas: 200)"
    )
    parser.add_argument("--lam", type=tipo(POSITIVO), default=1e-4, help="λ de las penalizaciones (1e-4)")
    parser.add_argument("--beta", type=tipo(POSITIVO), default=1.0, help="β de elastic net: λ Σ (β W² + |W|) (1)")
    parser.add_argument("--dropout", type=tipo(FRACCION), default=0.5, help="probabilidad de anular de dropout (0.5)")
    parser.add_argument(
        "--paciencia", type=tipo(ENTERO_POSITIVO), default=5, help="paciencia de la parada temprana (5)"
    )


def red_sobreajustada(input_shape, num_clases, variante, lam=1e-4, beta=1.0, tasa_dropout=0.5, unidades=UNIDADES):
    """MLP [Dense → (BN) → ReLU → (Dropout)] × 2 → Dense softmax, con la regularización de `variante`.

    La entrada se reduce antes ×4 por lado con `AveragePooling2D` (los dígitos son de 8×8 ampliados a
    32×32): la red sigue sobreajustando con pocas imágenes y entrena mucho más rápido.
    """
    import keras
    from keras import layers

    regularizador = regularizador_keras(variante, lam, beta) if variante in PENALIZACIONES else None
    capas = [keras.Input(shape=tuple(input_shape)), layers.AveragePooling2D(4), layers.Flatten()]
    for _ in range(2):
        capas.append(layers.Dense(unidades, kernel_regularizer=regularizador, use_bias=variante != "batchnorm"))
        if variante == "batchnorm":
            capas.append(layers.BatchNormalization())
        capas.append(layers.Activation("relu"))
        if variante == "dropout":
            capas.append(layers.Dropout(tasa_dropout))
    capas.append(layers.Dense(num_clases, activation="softmax", kernel_regularizer=regularizador))
    return keras.Sequential(capas, name=f"mlp_{variante}")


def subconjunto(x, y, muestras, semilla):
    """`muestras` imágenes de entrenamiento elegidas al azar (todas si hay menos)."""
    indices = np.random.default_rng(semilla).permutation(len(x))[: min(muestras, len(x))]
    return x[indices], y[indices]


def comprobar_penalizacion(modelo, variante, lam, beta):
    """Penalización de NumPy sobre los núcleos de las capas densas frente a `sum(model.losses)` de Keras."""
    import keras

    nucleos = [keras.ops.convert_to_numpy(c.kernel) for c in modelo.layers if hasattr(c, "kernel")]
    numpy = {
        "l1": lambda: penalizacion_l1(nucleos, lam),
        "l2": lambda: penalizacion_l2(nucleos, lam),
        "elastica": lambda: penalizacion_elastica(nucleos, lam, beta),
    }[variante]()
    de_keras = float(sum(keras.ops.convert_to_numpy(p) for p in modelo.losses))
    return {
        "comprobacion": f"penalización {variante}",
        "numpy": numpy,
        "keras": de_keras,
        "error_relativo": abs(numpy - de_keras) / de_keras,
    }


def comprobar_dropout(tasa_dropout, semilla, repeticiones=200):
    """Media de muchas pasadas del dropout invertido de NumPy y de `keras.layers.Dropout` frente a la activación."""
    import keras

    generador = np.random.default_rng(semilla)
    h = np.maximum(0.0, generador.normal(size=(64, UNIDADES)))  # activaciones ReLU
    media_numpy = np.mean(
        [dropout_invertido(h, tasa_dropout, generador=generador) for _ in range(repeticiones)], axis=0
    )
    capa = keras.layers.Dropout(tasa_dropout, seed=semilla)
    media_keras = np.mean(
        [keras.ops.convert_to_numpy(capa(h.astype("float32"), training=True)) for _ in range(repeticiones)], axis=0
    )
    return [
        {
            "comprobacion": f"dropout {origen}",
            "numpy": float(media.mean()),
            "keras": float(h.mean()),
            "error_relativo": float(abs(media.mean() - h.mean()) / h.mean()),
        }
        for origen, media in (("invertido NumPy", media_numpy), ("keras.layers.Dropout", media_keras))
    ]


def comprobar_batch_norm(modelo, x):
    """Normalización por lotes de NumPy frente a la primera capa `BatchNormalization` del modelo entrenado."""
    import keras

    indice = next(i for i, c in enumerate(modelo.layers) if isinstance(c, keras.layers.BatchNormalization))
    capa = modelo.layers[indice]
    entrada = keras.Sequential(modelo.layers[:indice])(x)  # lo que recibe la capa
    entrada = keras.ops.convert_to_numpy(entrada).astype("float64")
    gamma, beta, media, varianza = (keras.ops.convert_to_numpy(w) for w in capa.weights)
    filas = []
    for entrenamiento in (False, True):  # inferencia primero: el modo entrenamiento cambia las medias móviles
        y, _, _ = batch_norm(entrada, gamma, beta, media, varianza, entrenamiento, capa.momentum, capa.epsilon)
        y_keras = keras.ops.convert_to_numpy(capa(entrada.astype("float32"), training=entrenamiento))
        filas.append(
            {
                "comprobacion": f"batch norm ({'entrenamiento' if entrenamiento else 'inferencia'})",
                "numpy": float(np.abs(y).mean()),
                "keras": float(np.abs(y_keras).mean()),
                "error_relativo": float(np.max(np.abs(y - y_keras)) / np.max(np.abs(y_keras))),
            }
        )
    return filas


def _figura_curvas(historiales):
    import matplotlib.pyplot as plt

    columnas = min(4, len(historiales))
    filas = int(np.ceil(len(historiales) / columnas))
    figura, ejes = plt.subplots(filas, columnas, figsize=(4.2 * columnas, 3.3 * filas), squeeze=False)
    for eje, (variante, historial) in zip(ejes.flat, historiales.items()):
        epocas = [f["epoca"] for f in historial]
        eje.semilogy(epocas, [f["loss"] for f in historial], label="entrenamiento")
        eje.semilogy(epocas, [f["val_loss"] for f in historial], label="validación")
        eje.set_title(variante)
        eje.set_xlabel("Época")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    for eje in list(ejes.flat)[len(historiales) :]:
        eje.axis("off")
    figura.suptitle("Pérdida de entrenamiento y de validación (con la penalización, si la hay)")
    figura.tight_layout()
    return figura


def _figura_brecha(resumen):
    import matplotlib.pyplot as plt

    figura, eje = plt.subplots(figsize=(1.3 * len(resumen) + 2, 4))
    posiciones = np.arange(len(resumen))
    eje.bar(posiciones - 0.2, [f["precision_entrenamiento"] for f in resumen], 0.4, label="entrenamiento")
    eje.bar(posiciones + 0.2, [f["precision"] for f in resumen], 0.4, label="test")
    eje.set_xticks(posiciones, [f["variante"] for f in resumen])
    eje.set_ylim(0, 1.05)
    eje.set_ylabel("Precisión")
    eje.set_title("Sobreajuste: precisión de entrenamiento frente a test")
    eje.legend()
    return figura


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir
    )  # antes de escribir nada
    carpeta = iniciar(args, "entrenamiento-regularizacion")
    x_pocos, y_pocos = subconjunto(x_train, y_train, args.muestras, args.semilla_base)

    def preparar_datos(semilla):
        it_train, it_val, test_x = getDataIterators(x_pocos, y_pocos, x_test, args.batch, semilla=semilla)
        return it_train, it_val, test_x, y_test

    filas, historiales, comprobaciones = [], {}, []
    for variante in args.variantes:

        def construir_modelo(variante=variante):
            return red_sobreajustada(x_train.shape[1:], y_train.shape[1], variante, args.lam, args.beta, args.dropout)

        callbacks = [ParadaTemprana(paciencia=args.paciencia)] if variante == "parada" else []
        for k in range(1, args.repeticiones + 1):
            sub = os.path.join(carpeta, variante, f"rep_{k}")

            def medir(modelo, datos, k=k, variante=variante):
                it_train, _, test_x, _ = datos
                if k == 1 and variante in PENALIZACIONES:
                    comprobaciones.append(comprobar_penalizacion(modelo, variante, args.lam, args.beta))
                if k == 1 and variante == "batchnorm":
                    comprobaciones.extend(comprobar_batch_norm(modelo, test_x[: args.batch]))
                perdida, precision = modelo.evaluate(it_train, verbose=0)[:2]
                return {"perdida_entrenamiento": float(perdida), "precision_entrenamiento": float(precision)}

            # Los datos se crean dentro (tras `sembrar`): todas las variantes ven la misma partición y orden.
            metricas = entrenar_y_evaluar(
                args, sub, construir_modelo, preparar_datos, k, callbacks=callbacks, medir=medir
            )
            filas.append({"variante": variante, "entrenamiento": k, **metricas})
            if k == 1:
                historiales[variante] = leer_historial(os.path.join(sub, "historial.csv"))
    comprobaciones += comprobar_dropout(args.dropout if args.dropout > 0 else 0.5, args.semilla_base)

    resumen = []
    for variante in args.variantes:
        propias = [f for f in filas if f["variante"] == variante]
        media = {
            c: float(np.mean([f[c] for f in propias]))
            for c in ("perdida", "precision", "precision_entrenamiento", "epocas")
        }
        resumen.append({"variante": variante, **media, "brecha": media["precision_entrenamiento"] - media["precision"]})
    guardar_figura(_figura_curvas(historiales), os.path.join(carpeta, "curvas.png"))
    guardar_figura(_figura_brecha(resumen), os.path.join(carpeta, "brecha.png"))
    escribir_csv(os.path.join(carpeta, "resultados.csv"), filas)
    escribir_csv(os.path.join(carpeta, "comprobaciones.csv"), comprobaciones)
    resultados = {"filas": filas, "resumen": resumen, "comprobaciones": comprobaciones}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        resumen,
        f"Red que sobreajusta ({len(x_pocos)} imágenes): precisión de entrenamiento y test",
        [
            ("variante", "Variante", "s"),
            ("precision_entrenamiento", "Entren.", "%"),
            ("precision", "Test", "%"),
            ("brecha", "Brecha", ".4f"),
            ("perdida", "Pérdida test", ".4f"),
            ("epocas", "Épocas", ".0f"),
        ],
    )
    imprimir_tabla(
        comprobaciones,
        "NumPy frente a Keras",
        [
            ("comprobacion", "Comprobación", "s"),
            ("numpy", "NumPy", ".5g"),
            ("keras", "Keras / esperado", ".5g"),
            ("error_relativo", "Error rel.", ".1e"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
