"""Ejercicio `blanqueo` (Granada, «Entrenamiento de redes neuronales», «Preprocesamiento de los datos»).

Las recomendaciones de *Efficient BackProp* paso a paso sobre una nube de puntos 2-D correlada: centrar
(media 0), decorrelar (rotar a los componentes principales) y blanquear (dividir cada componente por la raíz
de su valor propio: la elipse se vuelve un círculo), con PCA y con ZCA. Después, sobre las imágenes de
`--datos` (en gris y reducidas ×`--reduccion` por lado: 8×8 = 64 variables con los dígitos): el blanqueo y
la reducción de dimensionalidad con SVD del apéndice, comprobados contra `sklearn.decomposition.PCA`
(`whiten=True`), las «eigen-imágenes», la varianza explicada y las imágenes blanqueadas con ZCA. Por último,
la misma red pequeña (MLP 64-32-10 con tanh y SGD) entrenada con las entradas originales, centradas,
estandarizadas y blanqueadas: el blanqueo acelera el descenso por gradiente. Las piezas de NumPy están en
`teoria.preprocesado`.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.errores import ErrorParametro
from datos.validacion import ENTERO_POSITIVO, NO_NEGATIVO, mensaje
from practicas.comun import cantidad, iniciar
from practicas.preprocesado._comun import (
    cargar_datos,
    dibujar_mosaico,
    entrenar,
    imprimir_tabla,
    lista_de,
    normalizar_para_ver,
    opciones_basicas,
    opciones_datos,
    opciones_red,
    sembrar_modelo,
    subconjunto,
)
from teoria.preprocesado import (
    blanqueo_pca,
    blanqueo_zca,
    centrar,
    componentes_para,
    covarianza,
    decorrelar,
    estandarizar,
    matriz_blanqueo,
    pca,
    reducir_svd,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Centrar, decorrelar (PCA), blanquear (PCA y ZCA) y reducir con SVD: figuras, scikit-learn y efecto al entrenar"

VARIANTES = ("original", "centrado", "estandarizado", "pca", "zca")
PASOS = ("original", "centrado", "decorrelado", "blanqueo PCA", "blanqueo ZCA")


def opciones(parser):
    opciones_datos(parser)
    parser.add_argument("--puntos", type=tipo(ENTERO_POSITIVO), default=500, help="puntos de la nube 2-D (500)")
    parser.add_argument(
        "--componentes",
        type=tipo(ENTERO_POSITIVO),
        default=20,
        help="componentes para scikit-learn y la reducción (20)",
    )
    parser.add_argument(
        "--epsilon",
        type=tipo(NO_NEGATIVO),
        default=1e-2,
        help="ε que se suma a las varianzas al blanquear imágenes (1e-2)",
    )
    parser.add_argument(
        "--reduccion",
        type=tipo(ENTERO_POSITIVO),
        default=4,
        help="las imágenes se reducen ×N por lado con la media (4)",
    )
    opciones_red(parser, epocas=10, batch=32, tasa=0.05)
    parser.add_argument(
        "--variantes",
        type=lista_de(list(VARIANTES)),
        default=list(VARIANTES),
        help=f"entradas con que se entrena, separadas por comas (por defecto {','.join(VARIANTES)})",
    )
    opciones_basicas(parser)


def nube_correlada(puntos, generador, media=(5.0, 3.0), desviaciones=(2.5, 0.6), angulo=30.0):
    """`puntos` de una gaussiana 2-D alargada (desviaciones por eje principal) y girada `angulo` grados."""
    theta = np.deg2rad(angulo)
    giro = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    z = generador.normal(size=(puntos, 2)) * np.asarray(desviaciones)
    return z @ giro.T + np.asarray(media)


def pasos_nube(x):
    """Los cinco pasos de la clase sobre la nube: original, centrada, decorrelada, blanqueada (PCA y ZCA)."""
    modelo = pca(x)
    return {
        "original": x,
        "centrado": centrar(x)[0],
        "decorrelado": decorrelar(x, modelo=modelo),
        "blanqueo PCA": blanqueo_pca(x, modelo=modelo),
        "blanqueo ZCA": blanqueo_zca(x, modelo=modelo),
    }


def imagenes_a_vectores(x, reduccion):
    """Imágenes (n, alto, ancho, canales) → vectores (n, (alto/r)·(ancho/r)) en gris y reducidas con la media."""
    gris = np.asarray(x, dtype="float64").mean(axis=-1)
    n, alto, ancho = gris.shape
    if alto % reduccion or ancho % reduccion:
        raise ErrorParametro(
            mensaje("--reduccion", f"un divisor del alto y del ancho de las imágenes ({alto}×{ancho})", reduccion)
        )
    return gris.reshape(n, alto // reduccion, reduccion, ancho // reduccion, reduccion).mean(axis=(2, 4)).reshape(n, -1)


def _alinear_signos(nuestro, referencia):
    """Multiplica cada columna de `nuestro` por ±1 para que tenga el signo de la de `referencia`."""
    signos = np.sign(np.sum(nuestro * referencia, axis=0))
    signos[signos == 0] = 1.0
    return nuestro * signos


def comprobar_con_sklearn(x_train, x_test, q):
    """Diferencias máximas con `sklearn.decomposition.PCA(q, svd_solver="full")` (con y sin `whiten`)."""
    from sklearn.decomposition import PCA as PCASklearn

    modelo = pca(x_train)
    blanco = PCASklearn(q, whiten=True, svd_solver="full").fit(x_train)
    plano = PCASklearn(q, svd_solver="full").fit(x_train)
    reduccion = reducir_svd(x_train, q)

    def dif(a, b):
        return float(np.max(np.abs(a - b)))

    z_train = blanqueo_pca(x_train, q, modelo=modelo)
    z_test = blanqueo_pca(x_test, q, modelo=modelo)
    return [
        {
            "comprobacion": "varianzas (valores propios)",
            "referencia": "PCA.explained_variance_",
            "max_diferencia": dif(modelo.varianzas[:q], blanco.explained_variance_),
        },
        {
            "comprobacion": "componentes (salvo signo)",
            "referencia": "PCA.components_",
            "max_diferencia": dif(_alinear_signos(modelo.componentes[:q].T, plano.components_.T), plano.components_.T),
        },
        {
            "comprobacion": "decorrelado, entrenamiento",
            "referencia": "PCA().fit_transform",
            "max_diferencia": dif(
                _alinear_signos(decorrelar(x_train, q, modelo), plano.transform(x_train)), plano.transform(x_train)
            ),
        },
        {
            "comprobacion": "blanqueo PCA, entrenamiento",
            "referencia": "PCA(whiten=True).transform",
            "max_diferencia": dif(_alinear_signos(z_train, blanco.transform(x_train)), blanco.transform(x_train)),
        },
        {
            "comprobacion": "blanqueo PCA, test (ajustado en entrenamiento)",
            "referencia": "PCA(whiten=True).transform",
            "max_diferencia": dif(_alinear_signos(z_test, blanco.transform(x_test)), blanco.transform(x_test)),
        },
        {
            "comprobacion": f"reconstrucción SVD con {q} componentes",
            "referencia": "PCA.inverse_transform",
            "max_diferencia": dif(reduccion.reconstruccion, plano.inverse_transform(plano.transform(x_train))),
        },
        {
            "comprobacion": "covarianza del blanqueo PCA − identidad",
            "referencia": "I",
            "max_diferencia": dif(covarianza(z_train), np.eye(q)),
        },
    ]


def comprobar_nube(x, generador):
    """En la nube 2-D: covarianzas identidad, ZCA simétrica y el blanqueo ZCA el más cercano al original."""
    modelo = pca(x)
    centrados = centrar(x)[0]
    zca = blanqueo_zca(x, modelo=modelo)
    blanco_pca = blanqueo_pca(x, modelo=modelo)
    w_zca = matriz_blanqueo(modelo, "zca")
    # cualquier giro de un blanqueo es otro blanqueo: ZCA es el de menor distancia a los datos centrados
    distancias = []
    for angulo in generador.uniform(0, 2 * np.pi, 200):
        giro = np.array([[np.cos(angulo), -np.sin(angulo)], [np.sin(angulo), np.cos(angulo)]])
        distancias.append(np.mean(np.sum((centrados - blanco_pca @ giro.T) ** 2, axis=1)))
    distancia_zca = float(np.mean(np.sum((centrados - zca) ** 2, axis=1)))
    return [
        {
            "comprobacion": "nube: covarianza del blanqueo PCA − identidad",
            "referencia": "I",
            "max_diferencia": float(np.max(np.abs(covarianza(blanco_pca) - np.eye(2)))),
        },
        {
            "comprobacion": "nube: covarianza del blanqueo ZCA − identidad",
            "referencia": "I",
            "max_diferencia": float(np.max(np.abs(covarianza(zca) - np.eye(2)))),
        },
        {
            "comprobacion": "nube: matriz ZCA − su traspuesta",
            "referencia": "simétrica",
            "max_diferencia": float(np.max(np.abs(w_zca - w_zca.T))),
        },
        {
            "comprobacion": "nube: distancia ZCA − mínima entre 200 blanqueos girados (≤ 0)",
            "referencia": f"ZCA {distancia_zca:.4f}, mínimo girado {min(distancias):.4f}",
            "max_diferencia": distancia_zca - float(min(distancias)),
        },
    ]


def preparar(variante, x_train, x_test, epsilon):
    """Entradas de la red para `variante`, con la transformación ajustada solo en el entrenamiento."""
    if variante == "original":
        return x_train, x_test
    if variante == "centrado":
        centrados, media = centrar(x_train)
        return centrados, centrar(x_test, media)[0]
    if variante == "estandarizado":
        z, media, desviacion = estandarizar(x_train)
        return z, estandarizar(x_test, media, desviacion)[0]
    modelo = pca(x_train)
    blanquear = blanqueo_pca if variante == "pca" else blanqueo_zca
    return blanquear(x_train, epsilon=epsilon, modelo=modelo), blanquear(x_test, epsilon=epsilon, modelo=modelo)


def red_pequena(dimension, num_clases, unidades=32):
    """MLP dimension → `unidades` (tanh, la recomendada por LeCun) → softmax."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(dimension,)),
            keras.layers.Dense(unidades, activation="tanh"),
            keras.layers.Dense(num_clases, activation="softmax"),
        ],
        name="mlp_blanqueo",
    )


def _figura_nube(pasos):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, len(pasos), figsize=(3.6 * len(pasos), 3.8))
    centrados = pasos["centrado"]
    color = np.arctan2(centrados[:, 1], centrados[:, 0])  # cada punto conserva su color en todos los pasos
    for eje, (nombre, z) in zip(ejes, pasos.items()):
        eje.scatter(z[:, 0], z[:, 1], c=color, cmap="hsv", s=6)
        if nombre == "original":
            modelo = pca(z)
            for componente, varianza in zip(modelo.componentes, modelo.varianzas):
                extremo = modelo.media + 2 * np.sqrt(varianza) * componente
                eje.annotate("", extremo, modelo.media, arrowprops={"arrowstyle": "->", "color": "black", "lw": 2})
        c = covarianza(z)
        eje.set_title(f"{nombre}\ncov = [[{c[0, 0]:.2f}, {c[0, 1]:.2f}], [·, {c[1, 1]:.2f}]]", fontsize=9)
        eje.axhline(0, color="gray", linewidth=0.5)
        eje.axvline(0, color="gray", linewidth=0.5)
        eje.set_aspect("equal", adjustable="datalim")
        eje.grid(alpha=0.3)
    figura.suptitle("Centrar, decorrelar y blanquear (flechas: componentes principales, ±2√λ)")
    figura.tight_layout()
    return figura


def _figura_imagenes(x, lado, epsilon, componentes, ejemplos=6):
    import matplotlib.pyplot as plt

    modelo = pca(x)
    columnas = {
        "original": x[:ejemplos],
        "centrada": centrar(x[:ejemplos], modelo.media)[0],
        f"ZCA (ε = {epsilon:g})": blanqueo_zca(x[:ejemplos], epsilon=epsilon, modelo=modelo),
    }
    for q in componentes:
        columnas[f"SVD, {q} comp."] = reducir_svd(x, q).reconstruccion[:ejemplos]
    bloques = [
        [normalizar_para_ver(c[i].reshape(lado)) for c in columnas.values()] for i in range(min(ejemplos, len(x)))
    ]
    figura, eje = plt.subplots(figsize=(1.4 * len(columnas) + 0.5, 1.3 * len(bloques) + 0.8))
    dibujar_mosaico(eje, bloques, columnas=list(columnas))
    eje.set_title(
        "Imágenes blanqueadas y reconstruidas con los primeros componentes (cada una en su escala)", fontsize=9
    )
    return figura


def _figura_componentes(modelo, lado, fraccion=0.9, mostrar=16):
    import matplotlib.pyplot as plt

    mostrar = min(mostrar, len(modelo.componentes))
    figura, (eje_mosaico, eje) = plt.subplots(1, 2, figsize=(12, 3.8), width_ratios=(2, 1))
    por_fila = 8

    def simetrica(c):  # el 0 en el centro del mapa de color (blanco): rojo positivo, azul negativo
        return 0.5 + c / (2 * max(float(np.abs(c).max()), 1e-12))

    bloques = [
        [simetrica(modelo.componentes[k].reshape(lado)) for k in range(i, min(i + por_fila, mostrar))]
        for i in range(0, mostrar, por_fila)
    ]
    etiquetas = [str(k + 1) for k in range(min(por_fila, mostrar))]
    rangos = [f"{i + 1}–{min(i + por_fila, mostrar)}" for i in range(0, mostrar, por_fila)]
    dibujar_mosaico(eje_mosaico, bloques, columnas=etiquetas, filas=rangos, cmap="coolwarm", fondo=0.5)
    eje_mosaico.set_xlabel(
        "varianza explicada: "
        + ", ".join(f"{100 * v:.1f} %" for v in modelo.varianza_explicada[: min(mostrar, 8)])
        + (" …" if mostrar > 8 else ""),
        fontsize=8,
    )
    acumulada = np.cumsum(modelo.varianza_explicada)
    q = componentes_para(modelo, fraccion)
    eje.plot(np.arange(1, len(acumulada) + 1), acumulada, marker=".")
    eje.axhline(fraccion, color="gray", linestyle="--")
    eje.axvline(q, color="gray", linestyle="--")
    eje.set_xlabel("Componentes")
    eje.set_ylabel("Varianza explicada acumulada")
    eje.set_title(f"{q} componentes explican el {100 * fraccion:.0f} %", fontsize=9)
    eje.grid(alpha=0.3)
    figura.suptitle("Componentes principales («eigen-imágenes») y varianza explicada")
    figura.tight_layout()
    return figura


def _figura_entrenamiento(historiales):
    import matplotlib.pyplot as plt

    figura, (eje_perdida, eje_precision) = plt.subplots(1, 2, figsize=(11, 4))
    for variante, historial in historiales.items():
        epocas = [f["epoca"] for f in historial]
        eje_perdida.semilogy(epocas, [f["perdida"] for f in historial], marker=".", label=variante)
        eje_precision.plot(epocas, [f["precision"] for f in historial], marker=".", label=variante)
    eje_perdida.set_title("Pérdida de entrenamiento")
    eje_precision.set_title("Precisión de entrenamiento")
    for eje in (eje_perdida, eje_precision):
        eje.set_xlabel("Época")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    figura.suptitle("La misma red (mismos pesos iniciales, SGD) con distintas entradas")
    figura.tight_layout()
    return figura


def _paso_a_paso(nube, carpeta):
    """1. La nube de puntos 2-D, paso a paso: media y covarianza de cada paso (`nube.csv`, `nube.png`)."""
    pasos = pasos_nube(nube)
    filas = []
    for nombre, z in pasos.items():
        c = covarianza(z)
        media = z.mean(axis=0)
        filas.append(
            {
                "paso": nombre,
                "media_1": float(media[0]),
                "media_2": float(media[1]),
                "var_1": float(c[0, 0]),
                "var_2": float(c[1, 1]),
                "cov_12": float(c[0, 1]),
            }
        )
    escribir_csv(os.path.join(carpeta, "nube.csv"), filas)
    guardar_figura(_figura_nube(pasos), os.path.join(carpeta, "nube.png"))
    return filas


def _imagenes(modelo, nube, v_train, v_test, q, lado, args, carpeta, generador):
    """2. Las imágenes: PCA, varianza explicada, blanqueo y reducción, frente a scikit-learn."""
    varianza = [
        {"componente": k + 1, "varianza": float(v), "fraccion": float(f), "acumulada": float(a)}
        for k, (v, f, a) in enumerate(
            zip(modelo.varianzas, modelo.varianza_explicada, np.cumsum(modelo.varianza_explicada))
        )
    ]
    escribir_csv(os.path.join(carpeta, "varianza.csv"), varianza)
    comprobaciones = comprobar_nube(nube, generador) + comprobar_con_sklearn(v_train, v_test, q)
    escribir_csv(os.path.join(carpeta, "comprobaciones.csv"), comprobaciones)
    reconstrucciones = sorted({max(1, q // 4), max(1, q // 2), q})
    guardar_figura(
        _figura_imagenes(v_train, lado, args.epsilon, reconstrucciones), os.path.join(carpeta, "imagenes.png")
    )
    guardar_figura(_figura_componentes(modelo, lado), os.path.join(carpeta, "componentes.png"))
    return comprobaciones


def _entrenar_variantes(x_red, y_red, v_test, y_test, args, carpeta):
    """3. La misma red con cada preprocesado (`entrenamiento.csv`, `entrenamiento.png`)."""
    filas, historiales = [], {}
    for variante in args.variantes:
        entrada_train, entrada_test = preparar(variante, x_red, v_test, args.epsilon)
        sembrar_modelo(args.semilla)
        modelo_red = red_pequena(entrada_train.shape[1], y_red.shape[1])
        historial, precision = entrenar(
            modelo_red,
            entrada_train.astype("float32"),
            y_red,
            args,
            x_test=entrada_test.astype("float32"),
            y_test=y_test,
        )
        historiales[variante] = historial
        filas.append(
            {
                "variante": variante,
                "perdida_primera_epoca": historial[0]["perdida"],
                "perdida_final": historial[-1]["perdida"],
                "precision_entrenamiento": historial[-1]["precision"],
                "precision_test": precision,
                "desviacion_entrada": float(entrada_train.std()),
            }
        )
    escribir_csv(
        os.path.join(carpeta, "entrenamiento.csv"),
        [{"variante": v, **f} for v, h in historiales.items() for f in h],
    )
    guardar_figura(_figura_entrenamiento(historiales), os.path.join(carpeta, "entrenamiento.png"))
    return filas


def _imprimir(resultados, v_train, n_red, args):
    imprimir_tabla(
        resultados["nube"],
        "Nube 2-D: media y covarianza en cada paso",
        [
            ("paso", "Paso", "s"),
            ("media_1", "Media 1", ".3f"),
            ("media_2", "Media 2", ".3f"),
            ("var_1", "Var 1", ".3f"),
            ("var_2", "Var 2", ".3f"),
            ("cov_12", "Cov 12", ".3f"),
        ],
    )
    imprimir_tabla(
        resultados["comprobaciones"],
        f"NumPy frente a scikit-learn ({len(v_train)} imágenes de {v_train.shape[1]} píxeles, "
        f"{resultados['componentes']} componentes)",
        [
            ("comprobacion", "Comprobación", "s"),
            ("referencia", "Referencia", "s"),
            ("max_diferencia", "Máx. dif.", ".1e"),
        ],
    )
    imprimir_tabla(
        resultados["entrenamiento"],
        f"Red {v_train.shape[1]}-32-10 (tanh, SGD {args.tasa:g}), {n_red} imágenes, {cantidad(args.epocas, 'época')}",
        [
            ("variante", "Entrada", "s"),
            ("perdida_primera_epoca", "Pérdida ép. 1", ".4f"),
            ("perdida_final", "Pérdida final", ".4f"),
            ("precision_entrenamiento", "Entren.", "%"),
            ("precision_test", "Test", "%"),
        ],
    )


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_datos(args)  # antes de escribir nada
    v_train = imagenes_a_vectores(x_train, args.reduccion)
    v_test = imagenes_a_vectores(x_test, args.reduccion)
    lado = (x_train.shape[1] // args.reduccion, x_train.shape[2] // args.reduccion)
    modelo = pca(v_train)
    # sin ε, solo se pueden blanquear los componentes de varianza no nula (los dígitos tienen píxeles siempre a 0)
    utiles = int(np.sum(modelo.varianzas > 1e-12 * modelo.varianzas.max()))
    q = min(args.componentes, utiles)
    carpeta = iniciar(args, "preprocesado-blanqueo")
    generador = np.random.default_rng(args.semilla)

    nube = nube_correlada(args.puntos, generador)
    filas_pasos = _paso_a_paso(nube, carpeta)
    comprobaciones = _imagenes(modelo, nube, v_train, v_test, q, lado, args, carpeta, generador)
    x_red, y_red = subconjunto(v_train, y_train, args.muestras, args.semilla)
    filas = _entrenar_variantes(x_red, y_red, v_test, y_test, args, carpeta)

    resultados = {
        "nube": filas_pasos,
        "dimension": int(v_train.shape[1]),
        "componentes": q,
        "varianza_explicada": float(modelo.varianza_explicada[:q].sum()),
        "componentes_90": componentes_para(modelo, 0.9),
        "comprobaciones": comprobaciones,
        "entrenamiento": filas,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    _imprimir(resultados, v_train, len(x_red), args)
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
