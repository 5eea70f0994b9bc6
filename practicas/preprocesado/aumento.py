"""Ejercicio `aumento` (Bariloche, «Aumentación de datos»; CNNs, «Data augmentation»).

Las transformaciones de la clase escritas en NumPy y SciPy (`teoria.aumento`) sobre imágenes en
color: *color jitter* simple (brillo y contraste) y el de AlexNet (PCA de los colores RGB del entrenamiento y
un desplazamiento Σ α_i λ_i p_i con α_i ~ N(0; 0,1) sumado a todos los píxeles), cortar y aumentar (*crop &
scale*), ruido gaussiano y deformaciones elásticas (Simard et al., 2003). Los dígitos incluidos son grises
(los tres canales iguales: su PCA de color solo tendría la dirección del brillo), así que se **colorean**:
cada dígito recibe un color de tinta y uno de fondo al azar; una fuente en color (`--datos cifar100`) se usa
tal cual. Después, la misma CNN pequeña entrenada sin aumento, con aumento *offline* (el conjunto ampliado
con `--copias` versiones de cada imagen, calculado una vez) y *online* (versiones nuevas en cada época),
con el mismo número de pasos por época: precisión en el test limpio y en un test aumentado.
"""

import os
import time

import numpy as np
from scipy import ndimage

from datos.argumentos import tipo
from datos.errores import ErrorDatos
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from practicas.comun import cantidad, iniciar
from practicas.preprocesado._comun import (
    cargar_datos,
    compilar,
    dibujar_mosaico,
    historial_de,
    imprimir_tabla,
    lista_de,
    opciones_basicas,
    opciones_datos,
    opciones_red,
    precision_de,
    sembrar_modelo,
    subconjunto,
)
from teoria.aumento import (
    TRANSFORMACIONES,
    aumentar,
    aumentar_lote,
    campos_elasticos,
    deformacion_elastica,
    jitter_brillo_contraste,
    jitter_color_pca,
    pca_color,
    recorte_escala,
    ruido_gaussiano,
)
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Aumento de datos: color jitter (AlexNet), recorte y escala, ruido, deformación elástica, offline y online"

MODOS = ("sin-aumento", "offline", "online")


def opciones(parser):
    opciones_datos(parser)
    parser.add_argument(
        "--copias", type=tipo(ENTERO_POSITIVO), default=3, help="versiones aumentadas de cada imagen por época (3)"
    )
    parser.add_argument(
        "--transformaciones",
        type=lista_de(list(TRANSFORMACIONES)),
        default=list(TRANSFORMACIONES),
        help=f"transformaciones del aumento, separadas por comas (por defecto {','.join(TRANSFORMACIONES)})",
    )
    parser.add_argument(
        "--sigma-color", type=tipo(POSITIVO), default=0.1, help="desviación de α en el color jitter PCA (0.1)"
    )
    parser.add_argument(
        "--ejemplos", type=tipo(ENTERO_POSITIVO), default=6, help="imágenes de la figura de muestras (6)"
    )
    opciones_red(parser, epocas=10, batch=32, tasa=1e-3, muestras=500)
    parser.add_argument(
        "--modos",
        type=lista_de(list(MODOS)),
        default=list(MODOS),
        help=f"entrenamientos, separados por comas (por defecto {','.join(MODOS)})",
    )
    opciones_basicas(parser)


def es_gris(x):
    """¿Tienen todas las imágenes los tres canales iguales (o uno solo)?"""
    return x.shape[-1] == 1 or bool(np.all(x[..., :1] == x))


def colorear(x, generador):
    """Dígitos grises → en color: `fondo·(1 − g) + tinta·g`, con un color de tinta y otro de fondo por imagen.

    La tinta es clara y saturada (cada canal ~ U[0,4; 1]) y el fondo oscuro (~ U[0; 0,4]): la clase no
    depende del color, que varía mucho entre imágenes, como en las fotos reales.
    """
    gris = np.asarray(x, dtype="float32").mean(axis=-1, keepdims=True)
    tinta = generador.uniform(0.4, 1.0, size=(len(x), 1, 1, 3)).astype("float32")
    fondo = generador.uniform(0.0, 0.4, size=(len(x), 1, 1, 3)).astype("float32")
    return fondo * (1.0 - gris) + tinta * gris


def cnn_pequena(forma, num_clases):
    """Conv 16@3×3 → MaxPool → Conv 32@3×3 → MaxPool → Flatten → softmax (16.618 parámetros con 32×32×3)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=tuple(forma)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(num_clases, activation="softmax"),
        ],
        name="cnn_aumento",
    )


def transformaciones_ejemplo(imagen, color, generador, sigma_color, transformaciones):
    """Cada transformación de la clase aplicada una vez a `imagen`, y su mezcla: nombre → imagen."""
    return {
        "original": imagen,
        "brillo-contraste": jitter_brillo_contraste(imagen, generador=generador),
        "color-pca": jitter_color_pca(imagen, *color, sigma=sigma_color, generador=generador)[0],
        "recorte-escala": recorte_escala(imagen, (0.6, 0.9), generador)[0],
        "ruido": ruido_gaussiano(imagen, 0.05, generador),
        "elastica": deformacion_elastica(imagen, generador=generador),
        "mezcla": aumentar(imagen, generador, transformaciones, color=color, parametros={"sigma_color": sigma_color}),
    }


def comprobaciones(imagenes, color, generador):
    """Propiedades que deben cumplirse (diferencia máxima con lo esperado)."""
    valores, vectores = color
    imagen = imagenes[0].astype("float64")
    alfa = generador.normal(0.0, 0.1, size=3)
    desplazada, _ = jitter_color_pca(imagen, valores, vectores, alfa=alfa, limitar=False)
    cambio_media = (desplazada - imagen).reshape(-1, 3).mean(axis=0)
    dy, dx = campos_elasticos(1, *imagen.shape[:2], generador=generador)
    filas, columnas = np.meshgrid(*(np.arange(lado) for lado in imagen.shape[:2]), indexing="ij")
    con_scipy = np.stack(
        [
            ndimage.map_coordinates(imagen[..., c], [filas + dy[0], columnas + dx[0]], order=1, mode="nearest")
            for c in range(imagen.shape[2])
        ],
        axis=-1,
    )
    recorte_entero, _ = recorte_escala(imagen, caja=(0, 0) + imagen.shape[:2])
    ruido = ruido_gaussiano(imagen, 0.05, generador, limitar=False) - imagen
    return [
        {
            "comprobacion": "vectores propios del color ortonormales: |PᵀP − I|",
            "max_diferencia": float(np.max(np.abs(vectores.T @ vectores - np.eye(3)))),
        },
        {
            "comprobacion": "color PCA: cambio de la media proyectado en p_i − α_i λ_i",
            "max_diferencia": float(np.max(np.abs(vectores.T @ cambio_media - alfa * valores))),
        },
        {
            "comprobacion": "elástica con α = 0: |imagen deformada − imagen|",
            "max_diferencia": float(
                np.max(np.abs(deformacion_elastica(imagen, alfa=0.0, generador=generador) - imagen))
            ),
        },
        {
            "comprobacion": "elástica frente a scipy.ndimage.map_coordinates (mismo campo)",
            "max_diferencia": float(np.max(np.abs(deformacion_elastica(imagen, campos=(dy[0], dx[0])) - con_scipy))),
        },
        {
            "comprobacion": "recorte de la imagen entera: |resultado − imagen|",
            "max_diferencia": float(np.max(np.abs(recorte_entero - imagen))),
        },
        {
            "comprobacion": "ruido: |desviación medida − 0,05|",
            "max_diferencia": float(abs(ruido.std() - 0.05)),
        },
    ]


def entrenar_modo(modo, x, y, x_test, y_test, x_test_aumentado, color, args):
    """Entrena la CNN con el aumento de `modo`; en cada época ve `(1 + copias)·n` imágenes en los tres modos.

    - `sin-aumento`: las n imágenes originales repetidas `1 + copias` veces;
    - `offline`: las originales y `copias` versiones aumentadas calculadas **una vez** antes de entrenar;
    - `online`: las originales y `copias` versiones aumentadas **nuevas en cada época**.
    """
    generador = np.random.default_rng(args.semilla + 1)  # el mismo azar para offline y la 1.ª época de online
    opciones = {
        "transformaciones": args.transformaciones,
        "color": color,
        "parametros": {"sigma_color": args.sigma_color},
    }
    tiempo_aumento = 0.0

    def aumentados():
        nonlocal tiempo_aumento
        inicio = time.perf_counter()
        copias = aumentar_lote(x, generador, args.copias, **opciones)
        tiempo_aumento += time.perf_counter() - inicio
        return copias

    y_epoca = np.concatenate([y] * (1 + args.copias))
    if modo == "sin-aumento":
        fijo = np.concatenate([x] * (1 + args.copias))
    elif modo == "offline":
        fijo = np.concatenate([x, aumentados()])
    sembrar_modelo(args.semilla)
    modelo = compilar(cnn_pequena(x.shape[1:], y.shape[1]), args.tasa, "adam")
    historial = []
    distintas = len(x)
    for epoca in range(args.epocas):
        if modo == "online":
            x_epoca = np.concatenate([x, aumentados()])
            distintas += args.copias * len(x)
        else:
            x_epoca = fijo
        hist = modelo.fit(x_epoca, y_epoca, batch_size=args.batch, epochs=1, verbose=0, shuffle=True)
        historial += historial_de(hist, desde=epoca)
        if not args.silencioso:
            print(f"{modo}: época {epoca + 1}/{args.epocas}, pérdida {historial[-1]['perdida']:.4f}")
    if modo == "offline":
        distintas += args.copias * len(x)
    return historial, {
        "modo": modo,
        "imagenes_por_epoca": len(y_epoca),
        "imagenes_distintas": distintas,
        # lo que se guarda entre épocas: el conjunto ampliado offline; online, solo las originales
        "imagenes_guardadas": len(x) * (1 + args.copias) if modo == "offline" else len(x),
        "tiempo_aumento_s": tiempo_aumento,
        "perdida_final": historial[-1]["perdida"],
        "precision_entrenamiento": historial[-1]["precision"],
        "precision_test": precision_de(modelo, x_test, y_test),
        "precision_test_aumentado": precision_de(modelo, x_test_aumentado, y_test),
    }


def _figura_muestras(filas):
    import matplotlib.pyplot as plt

    columnas = list(filas[0])
    figura, eje = plt.subplots(figsize=(1.3 * len(columnas) + 0.5, 1.3 * len(filas) + 0.8))
    dibujar_mosaico(eje, [[fila[c] for c in columnas] for fila in filas], columnas=columnas)
    eje.set_title("Aumento de datos: cada transformación por separado y su mezcla", fontsize=10)
    return figura


def _figura_color(imagen, valores, vectores, desviaciones=(-2, -1, 0, 1, 2)):
    import matplotlib.pyplot as plt

    bloques = []
    for i in range(3):
        fila = []
        for k in desviaciones:
            alfa = np.zeros(3)
            alfa[i] = k / np.sqrt(max(valores[i], 1e-12))  # α_i λ_i = k √λ_i: k desviaciones típicas a lo largo de p_i
            fila.append(jitter_color_pca(imagen, valores, vectores, alfa=alfa)[0])
        bloques.append(fila)
    figura, eje = plt.subplots(figsize=(1.4 * len(desviaciones) + 2.5, 4.8))
    dibujar_mosaico(
        eje,
        bloques,
        columnas=[f"{k:+d} √λ" for k in desviaciones],
        filas=[
            f"p{i + 1} = ({p[0]:.2f}, {p[1]:.2f}, {p[2]:.2f})\nλ{i + 1} = {valores[i]:.4f}"
            for i, p in enumerate(vectores.T)
        ],
    )
    eje.set_title(
        "Color jitter PCA: la imagen desplazada k·√λ_i a lo largo de cada p_i\n(exagerado: el aumento suma "
        "α_i λ_i p_i con α_i ~ N(0; 0,1))",
        fontsize=9,
    )
    return figura


def _figura_entrenamiento(historiales, resumen):
    import matplotlib.pyplot as plt

    figura, (eje_perdida, eje_barras) = plt.subplots(1, 2, figsize=(11, 4))
    for modo, historial in historiales.items():
        eje_perdida.plot([f["epoca"] for f in historial], [f["perdida"] for f in historial], marker=".", label=modo)
    eje_perdida.set_xlabel("Época")
    eje_perdida.set_title("Pérdida de entrenamiento (sobre los datos de cada época)")
    eje_perdida.grid(alpha=0.3)
    eje_perdida.legend(fontsize=8)
    posiciones = np.arange(len(resumen))
    eje_barras.bar(posiciones - 0.2, [f["precision_test"] for f in resumen], 0.4, label="test")
    eje_barras.bar(posiciones + 0.2, [f["precision_test_aumentado"] for f in resumen], 0.4, label="test aumentado")
    eje_barras.set_xticks(posiciones, [f["modo"] for f in resumen])
    eje_barras.set_ylim(0, 1.05)
    eje_barras.set_title("Precisión en test")
    eje_barras.legend(fontsize=8)
    figura.tight_layout()
    return figura


def _ejemplos(x, color, generador, args, carpeta):
    """2. Cada transformación sobre unos ejemplos, y las comprobaciones."""
    ejemplos = [
        transformaciones_ejemplo(imagen, color, generador, args.sigma_color, args.transformaciones)
        for imagen in x[: args.ejemplos]
    ]
    cambios = [
        {
            "transformacion": nombre,
            "cambio_medio_pixel": float(np.mean([np.abs(e[nombre] - e["original"]).mean() for e in ejemplos])),
            "cambio_medio_color": float(
                np.mean([np.abs((e[nombre] - e["original"]).reshape(-1, 3).mean(axis=0)).mean() for e in ejemplos])
            ),
        }
        for nombre in list(ejemplos[0])[1:]
    ]
    escribir_csv(os.path.join(carpeta, "transformaciones.csv"), cambios)
    comprobadas = comprobaciones(x, color, generador)
    escribir_csv(os.path.join(carpeta, "comprobaciones.csv"), comprobadas)
    guardar_figura(_figura_muestras(ejemplos), os.path.join(carpeta, "muestras.png"))
    guardar_figura(_figura_color(x[0], *color), os.path.join(carpeta, "color_pca.png"))
    return cambios, comprobadas


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_datos(args)  # antes de escribir nada
    if x_train.ndim != 4 or x_train.shape[-1] not in (1, 3):
        raise ErrorDatos(f"'--datos' debe dar imágenes (alto, ancho, 1 o 3 canales) y da forma {x_train.shape[1:]}.")
    carpeta = iniciar(args, "preprocesado-aumento")
    generador = np.random.default_rng(args.semilla)
    x, y = subconjunto(x_train, y_train, args.muestras, args.semilla)
    coloreado = es_gris(x_train)
    if coloreado:
        x, x_test = colorear(x, generador), colorear(x_test, generador)
    x, x_test = x.astype("float32"), x_test.astype("float32")

    # 1. PCA de los colores del entrenamiento (AlexNet).
    valores, vectores = pca_color(x)
    color = (valores, vectores)
    filas_color = [
        {"componente": i + 1, "valor_propio": float(valores[i]), "r": float(p[0]), "g": float(p[1]), "b": float(p[2])}
        for i, p in enumerate(vectores.T)
    ]
    escribir_csv(os.path.join(carpeta, "color_pca.csv"), filas_color)

    cambios, comprobadas = _ejemplos(x, color, generador, args, carpeta)

    # 3. Sin aumento, offline y online, con la misma red y los mismos pasos por época.
    x_test_aumentado = aumentar_lote(
        x_test,
        np.random.default_rng(args.semilla + 2),
        transformaciones=args.transformaciones,
        color=color,
        parametros={"sigma_color": args.sigma_color},
    )
    historiales, resumen = {}, []
    for modo in args.modos:
        historiales[modo], fila = entrenar_modo(modo, x, y, x_test, y_test, x_test_aumentado, color, args)
        resumen.append(fila)
    escribir_csv(
        os.path.join(carpeta, "entrenamiento.csv"), [{"modo": m, **f} for m, h in historiales.items() for f in h]
    )
    escribir_csv(os.path.join(carpeta, "resultados.csv"), resumen)
    guardar_figura(_figura_entrenamiento(historiales, resumen), os.path.join(carpeta, "entrenamiento.png"))

    resultados = {
        "coloreado": coloreado,
        "imagenes": len(x),
        "color_pca": filas_color,
        "transformaciones": cambios,
        "comprobaciones": comprobadas,
        "entrenamiento": resumen,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    if coloreado:
        print("Los datos son grises: cada imagen se ha coloreado con una tinta y un fondo al azar.")
    imprimir_tabla(
        comprobadas, "Comprobaciones", [("comprobacion", "Comprobación", "s"), ("max_diferencia", "Máx. dif.", ".1e")]
    )
    imprimir_tabla(
        resumen,
        f"CNN pequeña, {len(x)} imágenes, {cantidad(args.epocas, 'época')} de {len(x) * (1 + args.copias)} imágenes",
        [
            ("modo", "Aumento", "s"),
            ("imagenes_distintas", "Imágenes distintas", "d"),
            ("tiempo_aumento_s", "Aumento (s)", ".2f"),
            ("precision_entrenamiento", "Entren.", "%"),
            ("precision_test", "Test", "%"),
            ("precision_test_aumentado", "Test aumentado", "%"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
