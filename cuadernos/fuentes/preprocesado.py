# Fuente del cuaderno cuadernos/preprocesado.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Preprocesado de las entradas, aumento de datos y convolución
#
# **Clases:** «Entrenamiento de redes neuronales» (Granada: preprocesamiento y PCA; Bariloche: aumentación de
# datos), «Aprendizaje de Máquinas: redes profundas» (convolución) y «CNNs» (stride, padding, pooling, aumento
# *offline* y *online*).<br>
# **Qué se hace:** lo que la clase cuenta de las entradas de una red, escrito en NumPy y SciPy y comparado con
# scikit-learn, SciPy y Keras: centrar, decorrelar y blanquear (PCA y ZCA), la reducción con SVD, el aumento
# de datos (el *color jitter* de AlexNet, recorte y escala, ruido, deformación elástica) y el «Taller
# convoluciones en Excel» (correlación, convolución, stride, padding y pooling). Es la práctica `preprocesado`
# (`python -m practicas preprocesado --help`).<br>
# **Paquete:** `teoria.preprocesado`, `teoria.aumento` y `teoria.convolucion` (las fórmulas de la clase en
# NumPy), `cargar_fuente`, `compileModel`, `trainModel`, `testModel`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/preprocesado.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# `PRACTICAS_DATOS` elige las imágenes: `digitos` (por defecto, los incluidos en el paquete, como en la línea
# de órdenes), `cifar100`, `tfds:cifar100` o la ruta de un archivo. `PRACTICAS_RAPIDO=1`: pocas imágenes y
# épocas (lo usa CI). `PRACTICAS_SALIDA`: carpeta para lo que haya que escribir (por defecto, una temporal).

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

DATOS = os.environ.get("PRACTICAS_DATOS", "digitos")
EPOCAS_BLANQUEO = 1 if RAPIDO else 10  # apartado 3
MUESTRAS_BLANQUEO = 500 if RAPIDO else None  # imágenes con que se entrena en el apartado 3 (None: todas)
EPOCAS_AUMENTO = 1 if RAPIDO else 10  # apartado 4
MUESTRAS_AUMENTO = 100 if RAPIDO else 500  # imágenes de entrenamiento del apartado 4
COPIAS = 1 if RAPIDO else 3  # versiones aumentadas de cada imagen por época
SEMILLA = 0

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(f"Datos: {DATOS}" + (" (modo rápido)" if RAPIDO else ""))

# %% [markdown]
# ## 1. Centrar, decorrelar y blanquear
#
# «Entrenamiento de redes neuronales» (Granada), «Preprocesamiento de los datos»: las recomendaciones de
# *Efficient BackProp* (LeCun et al.) son que cada entrada tenga media cercana a 0 (`centrar`), covarianzas
# parecidas (`estandarizar`) y que las entradas estén decorreladas (`decorrelar`: rotar a los componentes
# principales, `pca`). Dividir cada componente principal por la raíz de su valor propio convierte la
# superficie de error elíptica en circular (`blanqueo_pca`); el blanqueo ZCA (`blanqueo_zca`) gira después de
# vuelta a los ejes originales. Sobre una nube de puntos 2-D correlada, paso a paso (`teoria.preprocesado`):

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from teoria.preprocesado import blanqueo_pca, blanqueo_zca, centrar, covarianza, decorrelar, matriz_blanqueo, pca


def tabla_md(encabezados, filas):
    lineas = ["| " + " | ".join(encabezados) + " |", "|" + "---|" * len(encabezados)]
    lineas += ["| " + " | ".join(str(c) for c in fila) + " |" for fila in filas]
    display(Markdown("\n".join(lineas)))


def giro(angulo):
    return np.array([[np.cos(angulo), -np.sin(angulo)], [np.sin(angulo), np.cos(angulo)]])


# una gaussiana alargada (desviaciones 2,5 y 0,6), girada 30° y con media (5, 3)
generador = np.random.default_rng(SEMILLA)
nube = (generador.normal(size=(500, 2)) * [2.5, 0.6]) @ giro(np.deg2rad(30)).T + [5.0, 3.0]
modelo_nube = pca(nube)
pasos = {
    "original": nube,
    "centrado": centrar(nube)[0],
    "decorrelado": decorrelar(nube, modelo=modelo_nube),
    "blanqueo PCA": blanqueo_pca(nube, modelo=modelo_nube),
    "blanqueo ZCA": blanqueo_zca(nube, modelo=modelo_nube),
}
figura, ejes = plt.subplots(1, len(pasos), figsize=(18, 3.8))
color = np.arctan2(*pasos["centrado"].T[::-1])  # cada punto conserva su color en todos los pasos
for eje, (nombre, z) in zip(ejes, pasos.items()):
    eje.scatter(z[:, 0], z[:, 1], c=color, cmap="hsv", s=5)
    eje.set_title(nombre)
    eje.axhline(0, color="gray", linewidth=0.5)
    eje.axvline(0, color="gray", linewidth=0.5)
    eje.set_aspect("equal", adjustable="datalim")
    eje.grid(alpha=0.3)
for componente, varianza in zip(modelo_nube.componentes, modelo_nube.varianzas):  # flechas de ±2√λ
    extremo = modelo_nube.media + 2 * np.sqrt(varianza) * componente
    ejes[0].annotate("", extremo, modelo_nube.media, arrowprops={"arrowstyle": "->", "color": "black", "lw": 2})
plt.tight_layout()
plt.show()

filas = []
for nombre, z in pasos.items():
    c = covarianza(z)
    filas.append(
        (
            nombre,
            f"({z.mean(axis=0)[0]:.3f}, {z.mean(axis=0)[1]:.3f})",
            f"{c[0, 0]:.3f}",
            f"{c[1, 1]:.3f}",
            f"{c[0, 1]:.3f}",
        )
    )
tabla_md(["paso", "media", "var 1", "var 2", "cov 12"], filas)

# Cualquier giro de un blanqueo es otro blanqueo; ZCA es el que deja los datos más cerca de los centrados.
centrados, blanco = pasos["centrado"], pasos["blanqueo PCA"]
girados = [np.mean(np.sum((centrados - blanco @ giro(a).T) ** 2, axis=1)) for a in generador.uniform(0, 2 * np.pi, 200)]
w_zca = matriz_blanqueo(modelo_nube, "zca")
print(f"Matriz ZCA simétrica: máx |W − Wᵀ| = {np.max(np.abs(w_zca - w_zca.T)):.1e}")
print(
    f"Distancia media a los datos centrados: ZCA {np.mean(np.sum((centrados - pasos['blanqueo ZCA']) ** 2, axis=1)):.4f}, "
    f"la menor de 200 giros del blanqueo PCA {min(girados):.4f}"
)

# %% [markdown]
# ## 2. PCA de imágenes y reducción con SVD, frente a scikit-learn
#
# Apéndice «Reducción de dimensionalidad»: los componentes se calculan con la descomposición en valores
# singulares de los datos centrados, X = U D Vᵀ, y se conservan los q primeros (`reducir_svd`). Las imágenes
# se pasan a gris y se reducen 4× por lado con la media (los dígitos: 8×8 = 64 variables). Con el mismo
# convenio que `sklearn.decomposition.PCA` (varianzas divididas por n − 1), `blanqueo_pca(x, q)` es
# `PCA(q, whiten=True).transform(x)` salvo el signo de cada componente.

# %%
from sklearn.decomposition import PCA

from datos import cargar_fuente
from teoria.preprocesado import componentes_para, reducir_svd

REDUCCION, Q, EPSILON = 4, 20, 1e-2


def a_vectores(x, r=REDUCCION):
    """Imágenes (n, alto, ancho, canales) → vectores en gris, reducidas r× por lado con la media."""
    gris = np.asarray(x, dtype="float64").mean(axis=-1)
    n, alto, ancho = gris.shape
    return gris.reshape(n, alto // r, r, ancho // r, r).mean(axis=(2, 4)).reshape(n, -1)


def mismo_signo(nuestro, referencia):
    """Cada columna de `nuestro` con el signo de la de `referencia` (los componentes se definen salvo signo)."""
    return nuestro * np.where(np.sum(nuestro * referencia, axis=0) < 0, -1.0, 1.0)


x_train, y_train, x_test, y_test = cargar_fuente(DATOS)
v_train, v_test = a_vectores(x_train), a_vectores(x_test)
lado = (x_train.shape[1] // REDUCCION, x_train.shape[2] // REDUCCION)
modelo = pca(v_train)
blanco = PCA(Q, whiten=True, svd_solver="full").fit(v_train)
plano = PCA(Q, svd_solver="full").fit(v_train)
z_train, z_test = blanqueo_pca(v_train, Q, modelo=modelo), blanqueo_pca(v_test, Q, modelo=modelo)
comparaciones = [
    ("varianzas (valores propios)", "PCA.explained_variance_", modelo.varianzas[:Q], blanco.explained_variance_),
    (
        "componentes (salvo signo)",
        "PCA.components_",
        mismo_signo(modelo.componentes[:Q].T, plano.components_.T),
        plano.components_.T,
    ),
    (
        "decorrelado",
        "PCA().transform",
        mismo_signo(decorrelar(v_train, Q, modelo), plano.transform(v_train)),
        plano.transform(v_train),
    ),
    (
        "blanqueo PCA, entrenamiento",
        "PCA(whiten=True).transform",
        mismo_signo(z_train, blanco.transform(v_train)),
        blanco.transform(v_train),
    ),
    (
        "blanqueo PCA, test",
        "PCA(whiten=True).transform",
        mismo_signo(z_test, blanco.transform(v_test)),
        blanco.transform(v_test),
    ),
    (
        f"reconstrucción SVD ({Q} componentes)",
        "PCA.inverse_transform",
        reducir_svd(v_train, Q).reconstruccion,
        plano.inverse_transform(plano.transform(v_train)),
    ),
    ("covarianza del blanqueo PCA", "identidad", covarianza(z_train), np.eye(Q)),
]
print(f"{len(v_train)} imágenes de {v_train.shape[1]} píxeles, {Q} componentes")
tabla_md(
    ["NumPy (teoria.preprocesado)", "scikit-learn", "máx. diferencia"],
    [(nombre, referencia, f"{np.max(np.abs(a - b)):.1e}") for nombre, referencia, a, b in comparaciones],
)

# %% [markdown]
# Los componentes principales de las imágenes son a su vez imágenes («eigen-imágenes»; rojo positivo, azul
# negativo). Unos pocos explican casi toda la varianza: la reconstrucción con ellos ya se parece al original.
# El blanqueo ZCA (con un ε = 0,01 que se suma a las varianzas: el píxel de la esquina de los dígitos siempre
# vale 0) conserva el aspecto de la imagen y realza los bordes.


# %%
def a_01(imagen):
    """Lleva una imagen a [0, 1] para dibujarla (mínimo → 0, máximo → 1)."""
    return (imagen - imagen.min()) / max(imagen.max() - imagen.min(), 1e-12)


def mosaico(filas, fondo=1.0):
    """Una sola imagen con la cuadrícula `filas[i][j]` de imágenes del mismo tamaño, separadas por `fondo`."""
    borde = [
        np.pad(b, [(0, 1), (0, 1)] + [(0, 0)] * (b.ndim - 2), constant_values=fondo) for fila in filas for b in fila
    ]
    columnas = len(filas[0])
    return np.concatenate([np.concatenate(borde[i : i + columnas], axis=1) for i in range(0, len(borde), columnas)])


q90 = componentes_para(modelo, 0.9)
figura, (eje_componentes, eje_varianza) = plt.subplots(1, 2, figsize=(13, 3.6), width_ratios=(2, 1))
componentes = [0.5 + c / (2 * np.abs(c).max()) for c in modelo.componentes[:16]]
eje_componentes.imshow(
    mosaico([[c.reshape(lado) for c in componentes[i : i + 8]] for i in (0, 8)], 0.5), cmap="coolwarm", vmin=0, vmax=1
)
eje_componentes.set_title("Los 16 primeros componentes principales")
eje_componentes.axis("off")
acumulada = np.cumsum(modelo.varianza_explicada)
eje_varianza.plot(np.arange(1, len(acumulada) + 1), acumulada, ".-")
eje_varianza.axhline(0.9, color="gray", linestyle="--")
eje_varianza.axvline(q90, color="gray", linestyle="--")
eje_varianza.set_xlabel("Componentes")
eje_varianza.set_title(f"Varianza explicada acumulada: {q90} componentes explican el 90 %")
eje_varianza.grid(alpha=0.3)
plt.tight_layout()
plt.show()

columnas = {"original": v_train[:6], f"ZCA\n(ε = {EPSILON:g})": blanqueo_zca(v_train[:6], EPSILON, modelo)}
for q in (Q // 4, Q // 2, Q):
    columnas[f"SVD\n{q} comp."] = reducir_svd(v_train, q).reconstruccion[:6]
figura, eje = plt.subplots(figsize=(7, 5.5))
eje.imshow(mosaico([[a_01(c[i].reshape(lado)) for c in columnas.values()] for i in range(6)]), cmap="gray")
eje.set_xticks([(lado[1] + 1) * (j + 0.5) - 1 for j in range(len(columnas))], list(columnas), fontsize=8)
eje.set_yticks([])
eje.set_title("Imágenes blanqueadas con ZCA y reconstruidas con los primeros componentes")
plt.show()
print(f"{q90} componentes explican el 90 % de la varianza")
tabla_md(
    ["componentes", "varianza explicada"],
    [(q, f"{100 * reducir_svd(v_train, q).varianza_explicada:.1f} %") for q in (1, Q // 4, Q // 2, q90, Q)],
)

# %% [markdown]
# ## 3. El blanqueo acelera el descenso por gradiente
#
# La misma red pequeña (MLP 64 → 32 tanh → softmax, la activación que recomienda LeCun), con los mismos pesos
# iniciales y SGD sin momento, entrenada con las entradas originales, centradas, estandarizadas y blanqueadas
# (PCA y ZCA). Cada transformación se ajusta con las imágenes de entrenamiento (500 en el modo rápido) y se
# aplica igual al test.

# %%
import keras

from teoria.preprocesado import estandarizar
from utilidades import compileModel, testModel, trainModel


def preparar(variante, x, x_test):
    if variante == "original":
        return x, x_test
    if variante == "centrado":
        centrado, media = centrar(x)
        return centrado, centrar(x_test, media)[0]
    if variante == "estandarizado":
        z, media, desviacion = estandarizar(x)
        return z, estandarizar(x_test, media, desviacion)[0]
    blanquear, ajuste = (blanqueo_pca if variante == "PCA" else blanqueo_zca), pca(x)
    return blanquear(x, epsilon=EPSILON, modelo=ajuste), blanquear(x_test, epsilon=EPSILON, modelo=ajuste)


v_red, y_red = v_train[:MUESTRAS_BLANQUEO], y_train[:MUESTRAS_BLANQUEO]
historiales, filas = {}, []
for variante in ("original", "centrado", "estandarizado", "PCA", "ZCA"):
    entrada, entrada_test = (v.astype("float32") for v in preparar(variante, v_red, v_test))
    keras.utils.set_random_seed(SEMILLA)  # los mismos pesos iniciales y el mismo orden de los lotes
    red = keras.Sequential(
        [
            keras.Input(shape=(entrada.shape[1],)),
            keras.layers.Dense(32, activation="tanh"),
            keras.layers.Dense(y_train.shape[1], activation="softmax"),
        ]
    )
    compileModel(red, optimizer=keras.optimizers.SGD(learning_rate=0.05))
    historiales[variante] = trainModel(red, (entrada, y_red), None, 32, EPOCAS_BLANQUEO, verbose=0).history["loss"]
    perdida, precision = testModel(red, entrada_test, y_test)
    filas.append(
        (
            variante,
            f"{entrada.std():.3f}",
            f"{historiales[variante][0]:.4f}",
            f"{historiales[variante][-1]:.4f}",
            f"{precision:.4f}",
        )
    )

figura, eje = plt.subplots(figsize=(7, 4))
for variante, perdidas in historiales.items():
    eje.semilogy(range(1, len(perdidas) + 1), perdidas, "o-", label=variante)
eje.set_xlabel("Época")
eje.set_ylabel("Pérdida de entrenamiento")
eje.set_title("La misma red con distintas entradas")
eje.grid(alpha=0.3)
eje.legend()
plt.show()
tabla_md(["entrada", "desviación de la entrada", "pérdida, época 1", "pérdida final", "precisión en test"], filas)

# %% [markdown]
# ## 4. Aumento de datos
#
# Bariloche, «Aumentación de datos»: *color jitter* simple (brillo y contraste) y el de AlexNet (PCA de los
# colores RGB de todos los píxeles del entrenamiento y un desplazamiento Σ α_i λ_i p_i con α_i ~ N(0; 0,1),
# el mismo para toda la imagen: `pca_color` y `jitter_color_pca`), cortar y aumentar (`recorte_escala`) y
# las deformaciones elásticas de Simard et al. (2003); CNNs, «Data augmentation»: agregar ruido
# (`ruido_gaussiano`). Los dígitos son grises (su PCA de color solo tendría la dirección del brillo), así que
# se colorean: una tinta clara y un fondo oscuro al azar en cada imagen. Una fuente en color se usa tal cual.

# %%
from scipy import ndimage

from teoria.aumento import (
    TRANSFORMACIONES,
    aumentar,
    campos_elasticos,
    deformacion_elastica,
    jitter_brillo_contraste,
    jitter_color_pca,
    pca_color,
    recorte_escala,
    ruido_gaussiano,
)


def colorear(x, generador):
    """Imágenes grises → en color: fondo·(1 − g) + tinta·g, con una tinta y un fondo al azar por imagen."""
    gris = np.asarray(x, dtype="float32").mean(axis=-1, keepdims=True)
    tinta = generador.uniform(0.4, 1.0, size=(len(x), 1, 1, 3)).astype("float32")
    fondo = generador.uniform(0.0, 0.4, size=(len(x), 1, 1, 3)).astype("float32")
    return fondo * (1.0 - gris) + tinta * gris


generador = np.random.default_rng(SEMILLA)
elegidas = np.sort(generador.permutation(len(x_train))[:MUESTRAS_AUMENTO])
x_color, y_color, x_color_test = x_train[elegidas], y_train[elegidas], x_test
if np.all(x_train[..., :1] == x_train):  # grises: los tres canales iguales
    x_color, x_color_test = colorear(x_color, generador), colorear(x_color_test, generador)
valores, vectores = pca_color(x_color)
tabla_md(
    ["componente", "valor propio λ", "vector propio p (R, G, B)"],
    [(i + 1, f"{valores[i]:.4f}", "(" + ", ".join(f"{v:.3f}" for v in vectores[:, i]) + ")") for i in range(3)],
)

muestras = []
for imagen in x_color[:6]:
    muestras.append(
        [
            imagen,
            jitter_brillo_contraste(imagen, generador=generador),
            jitter_color_pca(imagen, valores, vectores, sigma=0.1, generador=generador)[0],
            recorte_escala(imagen, (0.6, 0.9), generador)[0],
            ruido_gaussiano(imagen, 0.05, generador),
            deformacion_elastica(imagen, generador=generador),
            aumentar(imagen, generador, TRANSFORMACIONES, color=(valores, vectores)),
        ]
    )
nombres = ["original", "brillo-contraste", "color PCA", "recorte-escala", "ruido", "elástica", "mezcla"]
figura, eje = plt.subplots(figsize=(10, 8.5))
eje.imshow(np.clip(mosaico(muestras), 0, 1))
eje.set_xticks([(x_color.shape[2] + 1) * (j + 0.5) - 1 for j in range(len(nombres))], nombres, fontsize=9)
eje.xaxis.tick_top()
eje.set_yticks([])
plt.show()

# Lo que debe cumplirse: la diferencia máxima con lo esperado
imagen = x_color[0].astype("float64")
alfa = generador.normal(0.0, 0.1, size=3)
desplazada = jitter_color_pca(imagen, valores, vectores, alfa=alfa, limitar=False)[0]
dy, dx = campos_elasticos(1, *imagen.shape[:2], generador=generador)
filas_i, columnas_i = np.meshgrid(*(np.arange(n) for n in imagen.shape[:2]), indexing="ij")
con_scipy = np.stack(
    [
        ndimage.map_coordinates(imagen[..., c], [filas_i + dy[0], columnas_i + dx[0]], order=1, mode="nearest")
        for c in range(3)
    ],
    axis=-1,
)
tabla_md(
    ["comprobación", "máx. diferencia"],
    [
        (
            "vectores propios del color ortonormales: PᵀP − I",
            f"{np.max(np.abs(vectores.T @ vectores - np.eye(3))):.1e}",
        ),
        (
            "color PCA: cambio de la media proyectado en p_i − α_i λ_i",
            f"{np.max(np.abs(vectores.T @ (desplazada - imagen).reshape(-1, 3).mean(axis=0) - alfa * valores)):.1e}",
        ),
        (
            "elástica frente a scipy.ndimage.map_coordinates",
            f"{np.max(np.abs(deformacion_elastica(imagen, campos=(dy[0], dx[0])) - con_scipy)):.1e}",
        ),
        ("elástica con α = 0 − imagen", f"{np.max(np.abs(deformacion_elastica(imagen, alfa=0.0) - imagen)):.1e}"),
        (
            "recorte de la imagen entera − imagen",
            f"{np.max(np.abs(recorte_escala(imagen, caja=(0, 0) + imagen.shape[:2])[0] - imagen)):.1e}",
        ),
    ],
)

# %% [markdown]
# Aumento *offline* (el conjunto ampliado se calcula una vez, antes de entrenar) frente a *online* (copias
# nuevas en cada época, `aumentar_lote` con el mismo generador), con la misma CNN pequeña y el mismo número
# de pasos por época: sin aumento, cada imagen se repite `1 + COPIAS` veces. Se mide la precisión en el test
# y en un test aumentado (las mismas imágenes, transformadas).

# %%
from teoria.aumento import aumentar_lote

COLOR = {"transformaciones": TRANSFORMACIONES, "color": (valores, vectores)}
x_test_aumentado = aumentar_lote(x_color_test, np.random.default_rng(SEMILLA + 2), **COLOR)
y_epoca = np.concatenate([y_color] * (1 + COPIAS))
historiales, filas = {}, []
for modo in ("sin aumento", "offline", "online"):
    generador = np.random.default_rng(SEMILLA + 1)
    if modo == "offline":
        fijo = np.concatenate([x_color, aumentar_lote(x_color, generador, COPIAS, **COLOR)])
    elif modo == "sin aumento":
        fijo = np.concatenate([x_color] * (1 + COPIAS))
    keras.utils.set_random_seed(SEMILLA)
    cnn = keras.Sequential(
        [
            keras.Input(shape=x_color.shape[1:]),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(y_color.shape[1], activation="softmax"),
        ]
    )
    compileModel(cnn)  # Adam, 1e-3
    historiales[modo] = []
    for _ in range(EPOCAS_AUMENTO):
        x_epoca = (
            np.concatenate([x_color, aumentar_lote(x_color, generador, COPIAS, **COLOR)]) if modo == "online" else fijo
        )
        historiales[modo] += cnn.fit(x_epoca, y_epoca, batch_size=32, epochs=1, verbose=0).history["loss"]
    distintas = len(x_color) * (1 + COPIAS * (EPOCAS_AUMENTO if modo == "online" else int(modo == "offline")))
    filas.append(
        (
            modo,
            distintas,
            f"{testModel(cnn, x_color_test, y_test)[1]:.4f}",
            f"{testModel(cnn, x_test_aumentado, y_test)[1]:.4f}",
        )
    )

figura, eje = plt.subplots(figsize=(7, 4))
for modo, perdidas in historiales.items():
    eje.plot(range(1, len(perdidas) + 1), perdidas, "o-", label=modo)
eje.set_xlabel("Época")
eje.set_ylabel("Pérdida de entrenamiento")
eje.set_title(f"CNN pequeña, {len(x_color)} imágenes, {len(y_epoca)} por época")
eje.grid(alpha=0.3)
eje.legend()
plt.show()
tabla_md(["aumento", "imágenes distintas vistas", "precisión en test", "precisión en el test aumentado"], filas)

# %% [markdown]
# ## 5. Convolución, stride, padding y pooling
#
# «Aprendizaje de Máquinas: redes profundas», «Convolución»: la correlación cruzada
# `Z[i,j] = Σ_u Σ_v K[u,v] A[i+u, j+v]` (K ⊗ A, la que calculan las bibliotecas de deep learning) y la
# convolución `Z[i,j] = Σ_u Σ_v K[u,v] A[i−u, j−v]` (K * A), que es la correlación con el núcleo girado 180°.
# El «Taller convoluciones en Excel» de la clase de CNN, con el filtro 3×3 de las diapositivas sobre la
# matriz 6×6 del ejemplo de pooling (la imagen de la diapositiva de convolución se perdió con las figuras),
# en NumPy (`teoria.convolucion`), frente a `scipy.signal` y a `keras.layers.Conv2D`.

# %%
from scipy import signal

from teoria.convolucion import MATRIZ_CLASE, NUCLEO_CLASE, convolucion_2d, correlacion_2d, voltear


def conv2d_keras(a, nucleo, paso=1, relleno=0):
    """Una matriz 2-D por `ZeroPadding2D(relleno)` y un `Conv2D` de un filtro, sin sesgo, con el `nucleo` dado."""
    capa = keras.layers.Conv2D(1, nucleo.shape, strides=paso, use_bias=False)
    x = keras.layers.ZeroPadding2D(relleno)(a[None, :, :, None].astype("float32"))
    capa.build(x.shape)
    capa.set_weights([nucleo[:, :, None, None].astype("float32")])
    return keras.ops.convert_to_numpy(capa(x))[0, :, :, 0]


def mapa(eje, matriz, titulo, formato="{:g}"):
    """La matriz como la hoja de cálculo del taller: un color y su valor en cada celda."""
    limite = max(np.abs(matriz).max(), 1e-12)
    eje.imshow(matriz, cmap="coolwarm", vmin=-limite, vmax=limite)
    for (i, j), valor in np.ndenumerate(matriz):
        eje.text(j, i, formato.format(valor), ha="center", va="center", fontsize=8)
    eje.set_title(titulo, fontsize=9)
    eje.axis("off")


A, K = MATRIZ_CLASE, NUCLEO_CLASE
correlacion, convolucion = correlacion_2d(A, K), convolucion_2d(A, K)
figura, ejes = plt.subplots(1, 5, figsize=(17, 3.8))
for eje, matriz, titulo in zip(
    ejes,
    (A, K, voltear(K), correlacion, convolucion),
    (
        "entrada A (6×6)",
        "núcleo K",
        "K girado 180°",
        "correlación K ⊗ A\n(= Conv2D con K)",
        "convolución K * A\n(= Conv2D con K girado)",
    ),
):
    mapa(eje, matriz, titulo)
plt.show()
print(
    f"K girado 180° es −K: la convolución es la correlación cambiada de signo: {np.array_equal(convolucion, -correlacion)}"
)

filas = []
for paso, relleno in ((1, 0), (1, 1), (3, 0)):  # las configuraciones en que O es entero
    a = np.pad(A, relleno)
    for operacion, nuestra, de_scipy, de_keras in (
        (
            "correlación",
            correlacion_2d(A, K, paso, relleno),
            signal.correlate2d(a, K, "valid"),
            conv2d_keras(A, K, paso, relleno),
        ),
        (
            "convolución",
            convolucion_2d(A, K, paso, relleno),
            signal.convolve2d(a, K, "valid"),
            conv2d_keras(A, voltear(K), paso, relleno),
        ),
        (
            "convolución frente a Conv2D sin girar K",
            convolucion_2d(A, K, paso, relleno),
            None,
            conv2d_keras(A, K, paso, relleno),
        ),
    ):
        # SciPy no tiene paso: la salida con paso S es la de paso 1 tomando una de cada S posiciones
        dif_scipy = "–" if de_scipy is None else f"{np.max(np.abs(nuestra - de_scipy[::paso, ::paso])):.1e}"
        filas.append(
            (
                operacion,
                f"S={paso}, P={relleno}",
                "×".join(map(str, nuestra.shape)),
                dif_scipy,
                f"{np.max(np.abs(nuestra - de_keras)):.1e}",
            )
        )
tabla_md(["operación", "configuración", "salida", "máx. dif. con SciPy", "máx. dif. con Keras"], filas)

# %% [markdown]
# Pooling máximo y medio (`agrupar_max`, `agrupar_media`) frente a `MaxPooling2D` y `AveragePooling2D`. La
# diapositiva de max pooling dice «stride=1», pero su salida 3×3 es la de paso 2 (con paso 1 saldría 5×5).
# Y el tamaño de salida O = (W − K + 2P)/S + 1 (`tamano_salida`) frente a la forma que da Keras: si O no es
# entero la configuración no encaja (el 224 de AlexNet) y Keras descarta la última posición.

# %%
from teoria.convolucion import MAX_POOLING_CLASE, agrupar_max, agrupar_media, tamano_salida

filas = []
for ventana, paso in ((2, 2), (2, 1), (3, 3)):
    for nombre, nuestra, capa in (
        ("max", agrupar_max(A, ventana, paso), keras.layers.MaxPooling2D(ventana, paso)),
        ("media", agrupar_media(A, ventana, paso), keras.layers.AveragePooling2D(ventana, paso)),
    ):
        de_keras = keras.ops.convert_to_numpy(capa(A[None, :, :, None].astype("float32")))[0, :, :, 0]
        filas.append(
            (
                f"pooling {nombre}",
                f"{ventana}×{ventana}, S={paso}",
                "×".join(map(str, nuestra.shape)),
                f"{np.max(np.abs(nuestra - de_keras)):.1e}",
            )
        )
tabla_md(["operación", "ventana y paso", "salida", "máx. dif. con Keras"], filas)
print(
    f"Max pooling 2×2 con paso 2 igual al de la diapositiva: {np.array_equal(agrupar_max(A, 2, 2), MAX_POOLING_CLASE)}"
)

figura, ejes = plt.subplots(1, 3, figsize=(10, 3.6))
mapa(ejes[0], A, "entrada (6×6)")
mapa(ejes[1], agrupar_max(A, 2, 2), "max pooling 2×2, S=2 (la diapositiva)")
mapa(ejes[2], agrupar_media(A, 2, 2), "average pooling 2×2, S=2", "{:.2f}")
plt.show()

filas = []
for ejemplo, w, k, p, s in (
    ("LeNet-5 C1: conv 5×5 sobre 32×32", 32, 5, 0, 1),
    ("LeNet-5 S2: pooling 2×2, paso 2", 28, 2, 0, 2),
    ("VGG-16: conv 3×3 SAME (P = 1)", 224, 3, 1, 1),
    ("AlexNet conv1: 11×11, paso 4, sobre 227×227", 227, 11, 0, 4),
    ("AlexNet conv1 sobre 224×224", 224, 11, 0, 4),
):
    red = keras.Sequential(
        [keras.Input((w, w, 1)), keras.layers.ZeroPadding2D(p), keras.layers.Conv2D(1, k, strides=s)]
    )
    try:
        formula = tamano_salida(w, k, p, s)
    except ValueError:
        formula = f"{(w - k + 2 * p) / s + 1:g} (no encaja)"
    filas.append((ejemplo, w, k, p, s, formula, red.output_shape[1]))
tabla_md(["ejemplo", "W", "K", "P", "S", "O (fórmula)", "O (Keras)"], filas)

# %% [markdown]
# ## Conclusión
#
# Las fórmulas de la clase, en NumPy, dan lo mismo que scikit-learn, SciPy y Keras: el blanqueo y la
# reducción con SVD (diferencias del orden del error de redondeo), la correlación y la convolución (`Conv2D`
# calcula la correlación: la convolución es un `Conv2D` con el núcleo girado) y el pooling. Blanquear o
# estandarizar las entradas hace que la pérdida baje mucho antes con la misma red y el mismo SGD, y el aumento
# de datos mejora sobre todo la precisión en imágenes transformadas; con el modo rápido las diferencias son
# pequeñas y ruidosas: con más épocas e imágenes se ven mejor. Desde la línea de órdenes, cada apartado es un
# ejercicio: `python -m practicas preprocesado blanqueo` (y `aumento`, `convolucion`).
