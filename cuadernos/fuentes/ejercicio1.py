# Fuente del cuaderno cuadernos/ejercicio1.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Práctica 3, ejercicio 1: BaseNet en CIFAR-100
#
# **Informe:** «Práctica 3: Redes Neuronales Convolucionales» (Visión por Computador, Universidad de
# Granada), §2.<br>
# **Qué se hace:** se define BaseNet, se cargan las 25 primeras clases de CIFAR-100, se normalizan con las
# estadísticas de entrenamiento, se entrena con Adam y se evalúa en test tres veces, como en el Cuadro 1.<br>
# **Paquete:** `practicas-keras` (las mismas funciones que un script del curso: `getBaseNet`,
# `getDataIterators`, `compileModel`, `trainModel`, `testModel`).
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/ejercicio1.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# La primera celda instala el paquete del curso si no está (en Colab), dice si hay GPU, elige los datos y
# el modo rápido. Variables de entorno que la cambian (o cambie aquí las variables):
#
# | variable | valores |
# |---|---|
# | `PRACTICAS_DATOS` | `auto` (por defecto: CIFAR-100 si ya está en esta máquina, si no los dígitos incluidos), `digitos`, `cifar100` (se descarga la primera vez), `tfds:cifar100`, o la ruta de `cifar-100-python.tar.gz` |
# | `PRACTICAS_RAPIDO` | `1`: pocas imágenes y épocas, solo para comprobar que todo funciona (lo usa CI) |
# | `PRACTICAS_SALIDA` | carpeta para lo que haya que escribir (por defecto, una temporal) |
#
# Para reproducir el informe: CIFAR-100, 50 épocas y 3 entrenamientos, mejor con GPU (en Colab: *Entorno de
# ejecución → Cambiar tipo de entorno de ejecución → GPU*).

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

from _datos_cifar import *  # elige los datos: cuadernos/fuentes/_datos_cifar.py

EPOCAS = 2 if RAPIDO else 50  # §2.3: 50 épocas
BATCH = 64  # §2.3: lotes de 64
REPETICIONES = 2 if RAPIDO else 3  # Cuadro 1: 3 entrenamientos independientes
MUESTRAS = 400 if RAPIDO else None  # imágenes de entrenamiento (None: todas); de test, la mitad
SEMILLA = 1

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(f"Datos: {DATOS}; {EPOCAS} épocas, {REPETICIONES} entrenamientos" + (" (modo rápido)" if RAPIDO else ""))

# %% [markdown]
# ## 2.1 Definición del modelo
#
# BaseNet (Listing 1 del informe): dos bloques convolución 5×5 + ReLU + MaxPooling 2×2 (6 y 16 filtros),
# `Flatten`, una densa de 50 neuronas con ReLU y la salida softmax, una neurona por clase. Con las 25 clases
# de CIFAR-100 tiene 24.197 parámetros; con los 10 dígitos, menos (la última capa es más pequeña).

# %%
from IPython.display import Markdown, display

from modelos import getBaseNet


def miles(n):
    return f"{n:,}".replace(",", ".")


basenet_informe = getBaseNet()  # 25 clases y 32×32×3, como en el informe
basenet_informe.summary()
display(
    Markdown(
        f"| BaseNet (25 clases) | informe (Listing 1) | aquí |\n|---|---:|---:|\n| parámetros | 24.197 | {miles(basenet_informe.count_params())} |"
    )
)

# %% [markdown]
# ## 2.2 Carga de datos y compilación
#
# `cargarImagenes()` (la función del profesor) devuelve las 25 primeras clases de CIFAR-100: 12.500 imágenes
# de entrenamiento y 2.500 de test, float32 en [0, 1] y etiquetas one-hot. `cargar_fuente` resuelve la fuente
# elegida arriba con el mismo contrato (`cargar_fuente("cifar100")` es `cargarImagenes()`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from datos import cargar_fuente

x_train, y_train, x_test, y_test = cargar_fuente(DATOS, forma=(32, 32, 3))
if MUESTRAS:
    x_train, y_train = x_train[:MUESTRAS], y_train[:MUESTRAS]
    x_test, y_test = x_test[: MUESTRAS // 2], y_test[: MUESTRAS // 2]
num_clases = y_train.shape[1]
print(f"Entrenamiento: {x_train.shape}, test: {x_test.shape}, {num_clases} clases")

figura, ejes = plt.subplots(2, 8, figsize=(12, 3.4))
for eje, imagen, etiqueta in zip(ejes.flat, x_train, y_train):
    eje.imshow(imagen)
    eje.set_title(f"clase {np.argmax(etiqueta)}", fontsize=9)
    eje.axis("off")
figura.suptitle(f"Imágenes de entrenamiento ({DATOS})")
plt.show()

# %% [markdown]
# `getDataIterators(train_x, train_y, test_x, batchSize)` separa un 10 % de validación estratificado y
# barajado (el `train_test_split` del informe), normaliza cada canal con la media y la desviación de
# entrenamiento (`fit()` de `ImageDataGenerator`), normaliza el test con las mismas (`standardize()`) y
# devuelve los iteradores (`flow()`). `compileModel` usa Adam, entropía cruzada categórica y la precisión
# como métrica.

# %%
import keras

from datos import getDataIterators
from utilidades import compileModel, testModel, trainModel

keras.utils.set_random_seed(SEMILLA)
it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, BATCH)
print(f"Media del test normalizado por canal: {x_test_n.mean(axis=(0, 1, 2)).round(2)} (≈ 0)")
model = getBaseNet(num_clases=num_clases, input_shape=x_train.shape[1:])
compileModel(model)

# %% [markdown]
# ## 2.3 Entrenamiento y evaluación
#
# `trainModel` llama a `model.fit` con los iteradores de entrenamiento y validación (y el
# `GarbageCollectorCallback` del informe) y devuelve el `History`; `testModel` dibuja las curvas de
# pérdida y precisión (`mostrarEvolucion`) y evalúa en test. En el informe la validación se estanca hacia la
# época 30 mientras el entrenamiento sigue subiendo: sobreajuste.

# %%
hist = trainModel(model, it_train, it_val, BATCH, EPOCAS, verbose=2)
perdida, precision = testModel(model, x_test_n, y_test, hist)
print(f"Precisión en test: {precision:.4f} (pérdida {perdida:.4f})")

# %% [markdown]
# ### Cuadro 1: entrenamientos independientes
#
# El informe repite el entrenamiento tres veces y da la media. Aquí cada repetición usa otra semilla
# (partición de validación, orden de los lotes y pesos iniciales) y la primera es la de arriba.

# %%
filas = [(perdida, precision)]
for repeticion in range(2, REPETICIONES + 1):
    keras.utils.set_random_seed(SEMILLA + repeticion - 1)
    it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, BATCH)
    model = getBaseNet(num_clases=num_clases, input_shape=x_train.shape[1:])
    compileModel(model)
    hist = trainModel(model, it_train, it_val, BATCH, EPOCAS, verbose=0)
    filas.append(testModel(model, x_test_n, y_test))
    print(f"Entrenamiento {repeticion}: pérdida {filas[-1][0]:.4f}, precisión {filas[-1][1]:.4f}")

INFORME = [(3.8687, 0.4260), (4.1393, 0.3972), (3.6088, 0.4176)]  # Cuadro 1
media = np.mean(filas, axis=0)
tabla = ["| entrenamiento | pérdida (informe) | precisión (informe) | pérdida (aquí) | precisión (aquí) |"]
tabla.append("|---|---:|---:|---:|---:|")
for k in range(max(len(filas), len(INFORME))):
    informe = f"{INFORME[k][0]:.4f} | {100 * INFORME[k][1]:.2f} %" if k < len(INFORME) else "– | –"
    aqui = f"{filas[k][0]:.4f} | {100 * filas[k][1]:.2f} %" if k < len(filas) else "– | –"
    tabla.append(f"| {k + 1} | {informe} | {aqui} |")
tabla.append(f"| **promedio** | 3.8723 | 41.36 % | {media[0]:.4f} | {100 * media[1]:.2f} % |")
display(Markdown("\n".join(tabla)))
if DATOS == "digitos" or RAPIDO:
    print(
        "Aviso: los números del informe son de CIFAR-100 con 50 épocas; con otros datos o menos épocas no se comparan."
    )

# %% [markdown]
# ## Conclusión
#
# BaseNet aprende, pero sobreajusta: la precisión de entrenamiento sigue subiendo mientras la de
# validación se estanca (y su pérdida sube). Con CIFAR-100 y 50 épocas la precisión en test ronda el 41 %
# del Cuadro 1. El [ejercicio 2](ejercicio2.ipynb) la mejora con aumento de datos, más capas,
# BatchNormalization y Dropout. Lo mismo desde la línea de órdenes: `python -m practicas p3 ejercicio1
# --datos cifar100 --repeticiones 3`.
