# Fuente del cuaderno cuadernos/entrenamiento.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Entrenamiento de redes neuronales
#
# **Clases:** «Entrenamiento de redes neuronales» (Bariloche y Granada) y «Aprendizaje de Máquinas: redes
# profundas».<br>
# **Qué se hace:** lo que hace Keras al entrenar, escrito en NumPy como en las diapositivas y comparado con
# Keras: funciones de activación, inicialización de los pesos, optimizadores, programas de la tasa de
# aprendizaje y regularización. Es la práctica `entrenamiento` (`python -m practicas entrenamiento --help`).<br>
# **Paquete:** `teoria` (las fórmulas de la clase en NumPy), `utilidades.tasas` (los programas
# de tasa), `getBaseNet`, `getDataIterators`, `compileModel`, `trainModel`, `testModel`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/entrenamiento.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# `PRACTICAS_DATOS` elige las imágenes de los apartados que entrenan (4 y 5): `auto` (por defecto: CIFAR-100
# si ya está en esta máquina, si no los dígitos incluidos), `digitos`, `cifar100` o `tfds:cifar100`.
# `PRACTICAS_RAPIDO=1`: pocas imágenes y épocas (lo usa CI). `PRACTICAS_SALIDA`: carpeta para lo que haya que
# escribir (por defecto, una temporal).

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

from _datos_cifar import *  # elige los datos: cuadernos/fuentes/_datos_cifar.py

EPOCAS_TASAS = 2 if RAPIDO else 10  # apartado 4
EPOCAS_REGULARIZACION = 2 if RAPIDO else 20  # apartado 5
MUESTRAS = 300 if RAPIDO else None  # imágenes del apartado 4 (None: todas)
SEMILLA = 0

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(f"Datos: {DATOS}" + (" (modo rápido)" if RAPIDO else ""))

# %% [markdown]
# ## 1. Funciones de activación
#
# Sigmoide, tanh, la tanh de LeCun `1,7159·tanh(2x/3)`, ReLU y sus variantes (leaky, PReLU, ELU, SELU) y
# maxout, con sus derivadas (`teoria.activaciones`). En rojo, donde la derivada es casi nula
# (`|f'(x)| < 0,01`): ahí la neurona satura y casi no pasa gradiente.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from teoria.activaciones import ACTIVACIONES, zonas_saturadas


def tabla_md(encabezados, filas):
    lineas = ["| " + " | ".join(encabezados) + " |", "|" + "---|" * len(encabezados)]
    lineas += ["| " + " | ".join(str(c) for c in fila) + " |" for fila in filas]
    display(Markdown("\n".join(lineas)))


x = np.linspace(-6, 6, 1201)
columnas = 4
filas_figura = -(-len(ACTIVACIONES) // columnas)
figura, ejes = plt.subplots(filas_figura, columnas, figsize=(14, 2.8 * filas_figura), sharex=True)
for eje, (nombre, (f, df)) in zip(ejes.flat, ACTIVACIONES.items()):
    eje.plot(x, f(x), label="f(x)")
    eje.plot(x, df(x), "--", label="f'(x)")
    for desde, hasta in zonas_saturadas(df, x, 0.01):
        eje.axvspan(desde, hasta, color="red", alpha=0.12)
    eje.set_title(nombre)
    eje.grid(alpha=0.3)
for eje in list(ejes.flat)[len(ACTIVACIONES) :]:
    eje.axis("off")
ejes.flat[0].legend()
plt.tight_layout()
plt.show()

# lo que dicen las diapositivas de la derivada máxima, frente a la calculada en [-6, 6]
CLASE = {"sigmoide": "1/4 (en 0)", "tanh": "1 (en 0)", "relu": "1 (x > 0)"}
tabla_md(
    ["activación", "máx. f' (clase)", "máx. f' (aquí)", "zonas saturadas en [-6, 6]"],
    [
        (
            nombre,
            CLASE.get(nombre, "–"),
            f"{np.max(np.abs(df(x))):.4f}",
            "; ".join(f"[{a:.1f}, {b:.1f}]" for a, b in zonas_saturadas(df, x, 0.01)) or "ninguna",
        )
        for nombre, (f, df) in ACTIVACIONES.items()
    ],
)

# %% [markdown]
# Las de NumPy coinciden con las de Keras (`keras.activations`), y sus derivadas con las que calcula
# TensorFlow automáticamente (fuera de x = 0, donde ReLU no es derivable):

# %%
import keras

KERAS = {
    "sigmoide": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "elu": keras.activations.elu,
    "selu": keras.activations.selu,
}
filas = []
for nombre, de_keras in KERAS.items():
    f, df = ACTIVACIONES[nombre]
    tensor = tf.constant(x[x != 0], dtype="float64")
    with tf.GradientTape() as cinta:
        cinta.watch(tensor)
        y = de_keras(tensor)
    derivada = cinta.gradient(y, tensor).numpy()
    filas.append(
        (
            nombre,
            f"{np.max(np.abs(f(x[x != 0]) - y.numpy())):.1e}",
            f"{np.max(np.abs(df(x[x != 0]) - derivada)):.1e}",
        )
    )
tabla_md(["activación", "máx. diferencia f", "máx. diferencia f'"], filas)

# %% [markdown]
# ## 2. Inicialización de los pesos
#
# El experimento de la clase: un MLP de 10 capas de 500 neuronas sin sesgo, entradas N(0, 1), y la
# desviación típica de las activaciones de cada capa según cómo se inicializan los pesos: «muy chicos»
# (0,01·N(0, 1): las activaciones se van a cero), «muy grandes» (N(0, 1): con tanh se saturan en ±1), LeCun
# (σ = 1/√fan_in), Xavier/Glorot (σ = 1/√((fan_in + fan_out)/2)) y He (σ = √(2/fan_in), la justa para ReLU).

# %%
from teoria.inicializacion import ESQUEMAS, activaciones_por_capa, desviacion_inicial

entradas = np.random.default_rng(SEMILLA).normal(size=(100 if RAPIDO else 1000, 500))
figura, ejes = plt.subplots(1, 2, figsize=(12, 4))
ultima_capa = []
for eje, activacion in zip(ejes, ("tanh", "relu")):
    for esquema in ESQUEMAS:
        capas = activaciones_por_capa(entradas, 10, 500, activacion, esquema, np.random.default_rng(SEMILLA))
        desviaciones = [max(h.std(), 1e-30) for h in capas]
        eje.semilogy(range(1, 11), desviaciones, "o-", label=esquema)
        ultima_capa.append((activacion, esquema, f"{desviaciones[-1]:.3g}", f"{np.mean(np.abs(capas[-1]) > 0.99):.2f}"))
    eje.set_title(f"Desviación típica de las activaciones ({activacion})")
    eje.set_xlabel("Capa")
    eje.grid(alpha=0.3)
    eje.legend()
plt.show()
tabla_md(["activación", "inicialización", "desv. en la capa 10", "fracción con abs(h) > 0,99"], ultima_capa)

# %% [markdown]
# Los inicializadores de Keras tienen la desviación de la fórmula de la clase (`desviacion_inicial`), para
# una capa de 500 → 300 neuronas:

# %%
filas = []
for nombre, esquema in (
    ("LecunNormal", "lecun"),
    ("GlorotNormal", "xavier"),
    ("GlorotUniform", "xavier"),
    ("HeNormal", "he"),
):
    pesos = keras.ops.convert_to_numpy(getattr(keras.initializers, nombre)(seed=SEMILLA)((500, 300)))
    filas.append((nombre, esquema, f"{desviacion_inicial(esquema, 500, 300):.4f}", f"{pesos.std():.4f}"))
tabla_md(["Keras", "esquema de la clase", "σ (fórmula)", "σ (Keras)"], filas)

# %% [markdown]
# ## 3. Optimizadores
#
# SGD, momento, Nesterov, AdaGrad, RMSProp, Adam y Adadelta con las fórmulas de las diapositivas
# (`teoria.optimizadores`, con sus erratas corregidas) sobre una cuadrática mal condicionada
# (número de condición K = 50: el SGD hace zig-zag) y sobre Rosenbrock (un valle estrecho y curvo).

# %%
from teoria.optimizadores import crear_optimizador, cuadratica_mal_condicionada, rosenbrock, trayectoria

TASAS = {  # tasa de cada optimizador en cada función (Adadelta no tiene: su ε hace de escala)
    "cuadratica": {"sgd": 0.02, "momento": 0.02, "nesterov": 0.02, "adagrad": 1.0, "rmsprop": 0.1, "adam": 0.3},
    "rosenbrock": {"sgd": 1e-3, "momento": 1e-3, "nesterov": 1e-3, "adagrad": 1.0, "rmsprop": 0.03, "adam": 0.3},
}
EPSILON_ADADELTA = 1e-3
figura, ejes = plt.subplots(1, 2, figsize=(14, 5))
distancias = []
for eje, funcion in zip(ejes, (cuadratica_mal_condicionada(50), rosenbrock())):
    x0, x1, y0, y1 = funcion.limites
    malla = np.stack(np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200)), axis=-1)
    minimo = float(funcion.f(np.array(funcion.minimo)))
    eje.contour(malla[..., 0], malla[..., 1], np.log1p(funcion.f(malla) - minimo), levels=25, linewidths=0.6, alpha=0.6)
    for nombre, tasa in [*TASAS[funcion.nombre].items(), ("adadelta", None)]:
        parametros = {"epsilon": EPSILON_ADADELTA} if tasa is None else {"tasa": tasa}
        camino = trayectoria(crear_optimizador(nombre, **parametros), funcion, 60 if RAPIDO else 150)
        eje.plot(camino[:, 0], camino[:, 1], ".-", markersize=2, linewidth=1.2, label=nombre)
        distancias.append((funcion.nombre, nombre, f"{np.linalg.norm(camino[-1] - np.array(funcion.minimo)):.3g}"))
    eje.plot(*funcion.minimo, "r*", markersize=14)
    eje.set_xlim(x0, x1)
    eje.set_ylim(y0, y1)
    eje.set_title(funcion.titulo)
    eje.legend(fontsize=8)
plt.show()
tabla_md(["función", "optimizador", "distancia final al mínimo"], distancias)

# %% [markdown]
# Cada optimizador de NumPy, con las fórmulas de Keras (`convencion="keras"`), da los mismos pasos que el de
# `keras.optimizers` (`pasos_keras`) con los mismos gradientes. Las dos convenciones solo difieren en dónde
# va el ε de AdaGrad, RMSProp y Adam.

# %%
from teoria.optimizadores import HIPERPARAMETROS_KERAS, pasos_keras  # valores exactos en binario

generador = np.random.default_rng(SEMILLA)
x0, gradientes = generador.normal(size=(4, 3)), generador.normal(size=(20, 4, 3))
filas = []
for nombre, hiperparametros in HIPERPARAMETROS_KERAS.items():
    diferencias = []
    for convencion in ("clase", "keras"):
        optimizador = crear_optimizador(nombre, convencion=convencion, **hiperparametros)
        de_keras = pasos_keras(optimizador, x0, gradientes)
        punto, maxima = x0, 0.0
        for gradiente, valor_keras in zip(gradientes, de_keras):
            punto = optimizador.paso(punto, gradiente)
            maxima = max(maxima, float(np.max(np.abs(punto - valor_keras))))
        diferencias.append(f"{maxima:.1e}")
    filas.append((nombre, *diferencias))
tabla_md(["optimizador", "máx. diferencia (fórmulas de la clase)", "máx. diferencia (fórmulas de Keras)"], filas)

# %% [markdown]
# El SGD por mini-lotes del listado de la clase (`SGD`, con sus erratas corregidas) en una regresión lineal
# con MSE: online (lote de 1), mini-lote y lote completo («Modos de entrenamiento»).

# %%
from teoria.optimizadores import SGD, loss_func

generador = np.random.default_rng(SEMILLA)
x_reg = generador.normal(size=(1000, 2))
y_reg = 1.0 + x_reg @ np.array([2.0, -3.0]) + 0.5 * generador.normal(size=1000)  # y = 1 + 2 x1 - 3 x2 + ruido
exactos = np.linalg.lstsq(np.hstack([np.ones((1000, 1)), x_reg]), y_reg, rcond=None)[0]
figura, eje = plt.subplots(figsize=(7, 4))
filas = []
for modo, lote in (("online", 1), ("mini-lote", 32), ("lote completo", 1000)):
    camino = np.array(SGD(x_reg, y_reg, np.zeros(3), 5 if RAPIDO else 20, lr=0.01, bs=lote, tol=0.0, semilla=SEMILLA))
    epocas = np.arange(len(camino)) / int(np.ceil(1000 / lote))
    eje.semilogy(epocas, [loss_func(x_reg, y_reg, w) for w in camino], label=f"{modo} ({lote})")
    filas.append((modo, lote, len(camino) - 1, f"{loss_func(x_reg, y_reg, camino[-1]):.4f}"))
eje.set_xlabel("Época")
eje.set_ylabel("MSE")
eje.grid(alpha=0.3)
eje.legend()
plt.show()
tabla_md(
    ["modo", "lote", "pasos", "MSE final"],
    filas + [("mínimos cuadrados", "–", "–", f"{loss_func(x_reg, y_reg, exactos):.4f}")],
)

# %% [markdown]
# ## 4. Programas de la tasa de aprendizaje
#
# Los de las clases (`utilidades.tasas`): escalonado, exponencial `α0·e^(−kt)`, `1/t`, potencia
# `η0/(1 + t/s)^c`, ×0,1 cada `s` épocas, por rendimiento (reduce la tasa cuando la validación deja de
# mejorar, como `ReduceLROnPlateau`) y 1cycle (sube hasta la mitad del entrenamiento, baja y al final cae
# varios órdenes de magnitud). Cada uno es una `LearningRateSchedule` de Keras y, con `como_callback()`, un
# callback que fija la tasa al empezar cada época. Se entrena BaseNet con SGD y momento 0,9 con cada uno.

# %%
from matplotlib.ticker import MaxNLocator

from datos import cargar_fuente, getDataIterators
from modelos import getBaseNet
from utilidades import compileModel, testModel, trainModel
from utilidades.tasas import PROGRAMAS, ProgramaTasa, crear_programa

TASA = 0.05
x_train, y_train, x_test, y_test = cargar_fuente(DATOS)
if MUESTRAS:
    x_train, y_train, x_test, y_test = (
        x_train[:MUESTRAS],
        y_train[:MUESTRAS],
        x_test[: MUESTRAS // 2],
        y_test[: MUESTRAS // 2],
    )
PROGRAMAS_ENTRENADOS = ["constante", "exponencial", "rendimiento"] if RAPIDO else list(PROGRAMAS)

historiales, filas = {}, []
for nombre in PROGRAMAS_ENTRENADOS:
    programa = crear_programa(nombre, TASA, EPOCAS_TASAS)
    callback = programa.como_callback() if isinstance(programa, ProgramaTasa) else programa
    keras.utils.set_random_seed(SEMILLA)  # todos con la misma partición, orden y pesos iniciales
    it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, 64)
    model = getBaseNet(num_clases=y_train.shape[1], input_shape=x_train.shape[1:])
    compileModel(model, optimizer=keras.optimizers.SGD(learning_rate=TASA, momentum=0.9))
    historiales[nombre] = trainModel(model, it_train, it_val, 64, EPOCAS_TASAS, callbacks=[callback], verbose=0).history
    perdida, precision = testModel(model, x_test_n, y_test)
    filas.append((nombre, f"{precision:.4f}", f"{historiales[nombre]['learning_rate'][-1]:.2e}"))

figura, (eje_programas, eje_tasa, eje_precision) = plt.subplots(1, 3, figsize=(17, 4.5))
t = np.linspace(0, 10, 201)
for nombre in PROGRAMAS:
    programa = crear_programa(nombre, TASA, 10)
    if isinstance(programa, ProgramaTasa):  # el de rendimiento depende de la validación: no tiene fórmula
        eje_programas.plot(t, programa.valores(t), label=nombre)
for nombre, historial in historiales.items():
    epocas = np.arange(1, len(historial["loss"]) + 1)
    eje_tasa.plot(epocas, historial["learning_rate"], "o-", label=nombre)
    eje_precision.plot(epocas, historial["val_accuracy"], "o-", label=nombre)
for eje, titulo in (
    (eje_programas, "Los programas (10 épocas)"),
    (eje_tasa, "Tasa con que se entrenó cada época"),
    (eje_precision, "Precisión de validación"),
):
    eje.set_title(titulo)
    eje.set_xlabel("Época")
    eje.grid(alpha=0.3)
    eje.legend(fontsize=8)
for eje in (eje_tasa, eje_precision):
    eje.xaxis.set_major_locator(MaxNLocator(integer=True))
eje_programas.set_yscale("log")
eje_tasa.set_yscale("log")
plt.show()
tabla_md(["programa", "precisión en test", "tasa final"], filas)

# %% [markdown]
# ## 5. Regularización
#
# Una red que sobreajusta (un MLP de dos capas ocultas de 256 neuronas entrenado con solo 200 imágenes) sin
# regularizar y con penalización L2, L1 y elastic net, dropout, normalización por lotes y parada temprana
# (`ParadaTemprana`, la regla de la clase). La brecha entre la precisión de entrenamiento y la de test mide
# el sobreajuste.

# %%
from keras import layers

from teoria.regularizacion import PENALIZACIONES, penalizacion_l2, regularizador_keras
from utilidades import ParadaTemprana

VARIANTES = ["ninguna", "l2", "l1", "elastica", "dropout", "batchnorm", "parada"]
if RAPIDO:
    VARIANTES = ["ninguna", "l2", "dropout", "parada"]
LAMBDA = 1e-4


def red_sobreajustada(variante, forma, num_clases):
    regularizador = regularizador_keras(variante, LAMBDA) if variante in PENALIZACIONES else None
    capas = [keras.Input(shape=forma), layers.AveragePooling2D(4), layers.Flatten()]
    for _ in range(2):
        capas.append(layers.Dense(256, kernel_regularizer=regularizador, use_bias=variante != "batchnorm"))
        if variante == "batchnorm":
            capas.append(layers.BatchNormalization())
        capas.append(layers.Activation("relu"))
        if variante == "dropout":
            capas.append(layers.Dropout(0.5))
    capas.append(layers.Dense(num_clases, activation="softmax", kernel_regularizer=regularizador))
    return keras.Sequential(capas, name=f"mlp_{variante}")


x_todas, y_todas, x_test_r, y_test_r = cargar_fuente(DATOS)
elegidas = np.random.default_rng(SEMILLA).permutation(len(x_todas))[:200]
x_pocas, y_pocas = x_todas[elegidas], y_todas[elegidas]
if RAPIDO:
    x_test_r, y_test_r = x_test_r[:200], y_test_r[:200]
filas, modelos_entrenados = [], {}
for variante in VARIANTES:
    keras.utils.set_random_seed(SEMILLA)
    it_train, it_val, x_test_n = getDataIterators(x_pocas, y_pocas, x_test_r, 32)
    model = red_sobreajustada(variante, x_pocas.shape[1:], y_pocas.shape[1])
    compileModel(model)
    callbacks = [ParadaTemprana(paciencia=5)] if variante == "parada" else []
    hist = trainModel(model, it_train, it_val, 32, EPOCAS_REGULARIZACION, callbacks=callbacks, verbose=0)
    entrenamiento = model.evaluate(it_train, verbose=0)[1]
    test = testModel(model, x_test_n, y_test_r)[1]
    filas.append((variante, entrenamiento, test, len(hist.epoch)))
    modelos_entrenados[variante] = model

figura, eje = plt.subplots(figsize=(10, 4))
posiciones = np.arange(len(filas))
eje.bar(posiciones - 0.2, [f[1] for f in filas], 0.4, label="entrenamiento")
eje.bar(posiciones + 0.2, [f[2] for f in filas], 0.4, label="test")
eje.set_xticks(posiciones, [f[0] for f in filas])
eje.set_ylim(0, 1.05)
eje.set_ylabel("Precisión")
eje.set_title("Sobreajuste: precisión de entrenamiento frente a test")
eje.legend()
plt.show()
tabla_md(
    ["variante", "entrenamiento", "test", "brecha", "épocas"],
    [(v, f"{e:.4f}", f"{t:.4f}", f"{e - t:.4f}", n) for v, e, t, n in filas],
)

# La penalización de NumPy es la que Keras suma a la pérdida (model.losses)
nucleos = [keras.ops.convert_to_numpy(c.kernel) for c in modelos_entrenados["l2"].layers if hasattr(c, "kernel")]
de_keras = float(sum(keras.ops.convert_to_numpy(p) for p in modelos_entrenados["l2"].losses))
print(f"Penalización L2: NumPy {penalizacion_l2(nucleos, LAMBDA):.6f}, Keras {de_keras:.6f}")

# %% [markdown]
# ## Conclusión
#
# Las fórmulas de la clase, escritas en NumPy, coinciden con Keras: activaciones y derivadas, desviaciones
# de los inicializadores, pasos de los optimizadores y penalizaciones. Con los dígitos incluidos, fáciles,
# las diferencias entre programas de tasa o regularizaciones son del orden de la variación entre semillas; con
# CIFAR-100 y más épocas se separan. Desde la línea de órdenes, cada apartado es un ejercicio:
# `python -m practicas entrenamiento optimizadores` (y `tasas`, `inicializacion`, `activaciones`,
# `regularizacion`).
