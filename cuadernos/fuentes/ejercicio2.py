# Fuente del cuaderno cuadernos/ejercicio2.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Práctica 3, ejercicio 2: BaseNet++ y aumento de datos
#
# **Informe:** «Práctica 3: Redes Neuronales Convolucionales» (Visión por Computador, Universidad de
# Granada), §3.<br>
# **Qué se hace:** se mejora BaseNet paso a paso (1 normalización y aumento de datos, 2 más profundidad y
# anchura, 3 BatchNormalization, 4 Dropout), se compara cada paso en test como en el Cuadro 3 y se repite la
# red final tres veces como en el Cuadro 4.<br>
# **Paquete:** `getNormalizedData`, `ImageDataGenerator`, `getBaseNetPlusPlus`, `compileModel`,
# `trainModel`, `testModel`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/ejercicio2.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# Como en el [ejercicio 1](ejercicio1.ipynb): `PRACTICAS_DATOS` (`auto`, `digitos`, `cifar100`,
# `tfds:cifar100` o una ruta), `PRACTICAS_RAPIDO=1` (pocas imágenes y épocas) y `PRACTICAS_SALIDA`. El
# informe entrena 50 épocas cada paso sobre CIFAR-100: son siete entrenamientos, mejor con GPU.

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

from _datos_cifar import *  # elige los datos: cuadernos/fuentes/_datos_cifar.py

EPOCAS = 1 if RAPIDO else 50  # como en el ejercicio 1
BATCH = 64
REPETICIONES = 1 if RAPIDO else 3  # Cuadro 4: 3 entrenamientos de BaseNet++ completa
MUESTRAS = 128 if RAPIDO else None  # imágenes de entrenamiento (None: todas); de test, la mitad
SEMILLA = 1

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(f"Datos: {DATOS}; {EPOCAS} épocas, {REPETICIONES} entrenamientos" + (" (modo rápido)" if RAPIDO else ""))

# %% [markdown]
# ## Datos
#
# Los mismos que en el ejercicio 1: las 25 primeras clases de CIFAR-100 (`cargarImagenes()`) o la fuente
# elegida arriba, con el mismo contrato.

# %%
import numpy as np

from datos import cargar_fuente

x_train, y_train, x_test, y_test = cargar_fuente(DATOS, forma=(32, 32, 3))
if MUESTRAS:
    x_train, y_train = x_train[:MUESTRAS], y_train[:MUESTRAS]
    x_test, y_test = x_test[: MUESTRAS // 2], y_test[: MUESTRAS // 2]
num_clases, forma = y_train.shape[1], x_train.shape[1:]
print(f"Entrenamiento: {x_train.shape}, test: {x_test.shape}, {num_clases} clases")

# %% [markdown]
# ## Mejora 1: normalización y aumento de datos
#
# `getNormalizedData(trainImg, trainTag, batchSize, testImg)` hace lo mismo que `getDataIterators` (10 % de
# validación, normalización por canal con las estadísticas de entrenamiento) y además aumenta las imágenes de
# entrenamiento con `ImageDataGenerator`: rotaciones de hasta 10°, desplazamientos de hasta el 20 % del
# tamaño y volteo horizontal. La validación y el test solo se normalizan. Así se ven unas imágenes
# aumentadas (cada época ve otras):

# %%
import matplotlib.pyplot as plt

from datos import ImageDataGenerator
from datos.iteradores import AUMENTO_BASENETPP

# §3: rotación de 10°, desplazamientos de 0,2 y volteo horizontal (`AUMENTO_BASENETPP`)
aumentadas, _ = next(
    ImageDataGenerator(**AUMENTO_BASENETPP).flow(x_train[:8], y_train[:8], batch_size=8, shuffle=False, seed=0)
)

figura, ejes = plt.subplots(2, 8, figsize=(12, 3.4))
for k in range(8):
    ejes[0, k].imshow(x_train[k])
    ejes[1, k].imshow(np.clip(aumentadas[k], 0, 1))
for eje in ejes.flat:
    eje.axis("off")
ejes[0, 0].set_title("originales", loc="left", fontsize=10)
ejes[1, 0].set_title("aumentadas", loc="left", fontsize=10)
plt.show()

# %% [markdown]
# ## Mejoras 2 a 4: BaseNet++ (Cuadro 2)
#
# `getBaseNetPlusPlus(fix2, fix3, fix4)` construye la red con las mejoras pedidas: `fix2` más profundidad y
# anchura (convoluciones de 128, 128 y 64 filtros y densas de 256, 128 y 64 neuronas), `fix3`
# BatchNormalization detrás de cada convolución y `fix4` Dropout del 25 % detrás de cada densa. Con las
# tres y 25 clases es la red del Cuadro 2 (Listing 2).

# %%
from IPython.display import Markdown, display

from modelos import getBaseNetPlusPlus


def miles(n):
    return f"{n:,}".replace(",", ".")


def parametros(model):
    entrenables = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return model.count_params(), entrenables, model.count_params() - entrenables


basenetpp = getBaseNetPlusPlus()  # 25 clases, como en el informe
basenetpp.summary()
total, entrenables, fijos = parametros(basenetpp)
display(
    Markdown(
        "| BaseNet++ (25 clases) | informe (Listing 2) | aquí |\n|---|---:|---:|\n"
        f"| parámetros | 809.945 | {miles(total)} |\n| entrenables | 809.305 | {miles(entrenables)} |\n"
        f"| no entrenables | 640 | {miles(fijos)} |"
    )
)

# %% [markdown]
# ## Cuadro 3: una mejora cada vez
#
# Se entrena BaseNet (la referencia) y después BaseNet++ añadiendo una mejora en cada paso, todos con la
# misma semilla: la misma partición de validación y el mismo orden de los lotes.

# %%
import keras

from datos import getDataIterators, getNormalizedData
from modelos import getBaseNet
from utilidades import compileModel, testModel, trainModel

# (paso del Cuadro 3, aumento de datos, mejoras fix2/fix3/fix4 de getBaseNetPlusPlus o None para BaseNet)
PASOS = [
    ("BaseNet", False, None),
    ("1", True, (False, False, False)),
    ("2", True, (True, False, False)),
    ("3", True, (True, True, False)),
    ("4", True, (True, True, True)),
]


def entrenar(aumento, mejoras, semilla):
    keras.utils.set_random_seed(semilla)
    if aumento:
        it_train, it_val, x_test_n = getNormalizedData(x_train, y_train, BATCH, x_test)
    else:
        it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, BATCH)
    if mejoras is None:
        model = getBaseNet(num_clases=num_clases, input_shape=forma)
    else:
        model = getBaseNetPlusPlus(*mejoras, num_clases=num_clases, input_shape=forma)
    compileModel(model)
    hist = trainModel(model, it_train, it_val, BATCH, EPOCAS, verbose=0)
    perdida, precision = testModel(model, x_test_n, y_test)
    return hist, perdida, precision


estudio = {}
for paso, aumento, mejoras in PASOS:
    estudio[paso] = entrenar(aumento, mejoras, SEMILLA)
    print(f"Paso {paso}: pérdida {estudio[paso][1]:.4f}, precisión en test {estudio[paso][2]:.4f}")

# %% [markdown]
# Curvas de validación de cada paso (las del informe son las Figuras 1 a 5) y la tabla del Cuadro 3 con
# las cifras del informe al lado:

# %%
from matplotlib.ticker import MaxNLocator

figura, (eje_perdida, eje_precision) = plt.subplots(1, 2, figsize=(12, 4))
for paso, (hist, _, _) in estudio.items():
    epocas = np.arange(1, len(hist.history["loss"]) + 1)
    nombre = paso if paso == "BaseNet" else f"mejora {paso}"
    eje_perdida.plot(epocas, hist.history["val_loss"], "o-", label=nombre)
    eje_precision.plot(epocas, hist.history["val_accuracy"], "o-", label=nombre)
for eje, titulo in ((eje_perdida, "Pérdida de validación"), (eje_precision, "Precisión de validación")):
    eje.set_title(titulo)
    eje.set_xlabel("Época")
    eje.xaxis.set_major_locator(MaxNLocator(integer=True))
    eje.grid(alpha=0.3)
    eje.legend()
plt.show()

INFORME_CUADRO3 = {"1": (1.7321, 0.4860), "2": (1.645, 0.5532), "3": (1.1583, 0.6476), "4": (1.2123, 0.6528)}
INFORME_CUADRO3["BaseNet"] = (3.8723, 0.4136)
tabla = [
    "| mejora | pérdida (informe) | precisión (informe) | pérdida (aquí) | precisión (aquí) |",
    "|---|---:|---:|---:|---:|",
]
for paso in ("1", "2", "3", "4", "BaseNet"):
    (perdida_inf, precision_inf), (_, perdida, precision) = INFORME_CUADRO3[paso], estudio[paso]
    tabla.append(
        f"| {paso} | {perdida_inf:.4f} | {100 * precision_inf:.2f} % | {perdida:.4f} | {100 * precision:.2f} % |"
    )
display(Markdown("\n".join(tabla)))

# %% [markdown]
# ## Cuadro 4: BaseNet++ completa, entrenamientos independientes
#
# Como en el informe, el primero es el paso 4 del estudio; los demás cambian la semilla.

# %%
filas = [estudio["4"][1:]]
for repeticion in range(2, REPETICIONES + 1):
    _, perdida, precision = entrenar(True, (True, True, True), SEMILLA + repeticion - 1)
    filas.append((perdida, precision))
    print(f"Entrenamiento {repeticion}: pérdida {perdida:.4f}, precisión {precision:.4f}")

INFORME_CUADRO4 = [(1.2123, 0.6528), (1.0908, 0.6816), (1.2021, 0.6532)]
media = np.mean(filas, axis=0)
tabla = [
    "| entrenamiento | pérdida (informe) | precisión (informe) | pérdida (aquí) | precisión (aquí) |",
    "|---|---:|---:|---:|---:|",
]
for k in range(max(len(filas), len(INFORME_CUADRO4))):
    informe = (
        f"{INFORME_CUADRO4[k][0]:.4f} | {100 * INFORME_CUADRO4[k][1]:.2f} %" if k < len(INFORME_CUADRO4) else "– | –"
    )
    aqui = f"{filas[k][0]:.4f} | {100 * filas[k][1]:.2f} %" if k < len(filas) else "– | –"
    tabla.append(f"| {k + 1} | {informe} | {aqui} |")
tabla.append(f"| **promedio** | 1.1684 | 66.25 % | {media[0]:.4f} | {100 * media[1]:.2f} % |")
display(Markdown("\n".join(tabla)))
if DATOS == "digitos" or RAPIDO:
    print(
        "Aviso: los números del informe son de CIFAR-100 con 50 épocas; con otros datos o menos épocas no se comparan."
    )

# %% [markdown]
# ## Conclusión
#
# En el informe cada mejora sube la precisión en test: del 41 % de BaseNet al 48,6 % con el aumento de
# datos, 55,3 % con la red más grande, 64,8 % con BatchNormalization y 65,3 % con Dropout (66,3 % de media
# en tres entrenamientos). El aumento de datos y la BatchNormalization reducen el sobreajuste: las curvas de
# entrenamiento y validación van juntas. Desde la línea de órdenes: `python -m practicas p3 ejercicio2
# --datos cifar100`.
