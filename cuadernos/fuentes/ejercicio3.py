# Fuente del cuaderno cuadernos/ejercicio3.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Práctica 3, ejercicio 3: ResNet50 en los pájaros de Caltech-UCSD
#
# **Informe:** «Práctica 3: Redes Neuronales Convolucionales» (Visión por Computador, Universidad de
# Granada), §4.<br>
# **Qué se hace:** transferencia de aprendizaje con ResNet50 preentrenada en ImageNet como extractor de
# características (BirdNetV0, V1 y V2, §4.1), ajuste fino de la red entera (BirdNetV3, §4.2) y ajuste fino
# de las últimas capas tras un calentamiento (BirdNetV4, §4.3), con la tabla del Cuadro 8.<br>
# **Paquete:** `abrir_pajaros`, `getResNet50`, `getBirdNetV0`…`getBirdNetV4`, `descongelar_desde`,
# `con_preprocesado`, `separar_modelo`, `extraer_caracteristicas`, `compileModel`, `trainModel`,
# `testModel`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/ejercicio3.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# | variable | valores |
# |---|---|
# | `PRACTICAS_PAJAROS` | la carpeta de los pájaros del curso (con `train.txt`, `test.txt` y las carpetas `NNN.Especie`), `tfds:caltech_birds2010` (tensorflow-datasets ya preparado) o `auto` (por defecto: TFDS si está preparado; si no, una carpeta sintética pequeña) |
# | `PRACTICAS_RAPIDO` | `1`: pocas imágenes pequeñas y una época, solo para comprobar que todo funciona (lo usa CI) |
# | `PRACTICAS_SALIDA` | carpeta para lo que haya que escribir (la carpeta sintética; por defecto, una temporal) |
#
# Con los pájaros de verdad se usan los pesos de ImageNet (se descargan la primera vez, unos 95 MB) y
# imágenes de 224×224: hace falta una GPU. Con la carpeta sintética, pesos aleatorios: la precisión no
# significa nada, solo comprueba que todo funciona.

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

# Datos: "auto" usa los pájaros de tensorflow-datasets si están preparados (no se descarga nada) y, si no,
# una carpeta sintética con el formato de CUB-200 (5 clases, 12 imágenes por clase).
PAJAROS = os.environ.get("PRACTICAS_PAJAROS", "auto")
if PAJAROS == "auto":
    from datos import carpeta_tfds

    preparados = os.path.isdir(os.path.join(carpeta_tfds(), "caltech_birds2010"))
    PAJAROS = "tfds:caltech_birds2010" if preparados else "sintetico"
SINTETICO = PAJAROS == "sintetico"
PESOS = None if SINTETICO else "imagenet"  # §4: ResNet50 preentrenada en ImageNet
TAMANO = 32 if RAPIDO else (64 if SINTETICO else 224)  # §4: 224×224
EPOCAS = 1 if RAPIDO else 15  # §4.1: 15 épocas
EPOCAS_CALENTAMIENTO = 1 if RAPIDO else 5  # §4.3: hasta que empieza a sobreajustar
BATCH, BATCH_V3 = 64, 32  # §4.1: lotes de 64; §4.2: de 32
SEMILLA = 1

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(
    f"Pájaros: {PAJAROS}; imágenes de {TAMANO}×{TAMANO}; pesos: {PESOS or 'aleatorios'}"
    + (" (modo rápido)" if RAPIDO else "")
)

# %% [markdown]
# ## Los datos
#
# La carpeta del curso tiene una subcarpeta por especie (200) y dos listas, `train.txt` y `test.txt`, con unas
# 3.000 imágenes cada una. `cargarDatos(path)`, la función del profesor, las carga todas en memoria
# redimensionadas a 224×224: 0,91 GB en uint8 y 3,63 GB en float32, lo que agotaba la memoria de Colab en el
# informe. Aquí `abrir_pajaros` solo lee las listas, y las imágenes se leen de disco por lotes cuando hacen
# falta (`listado.pipeline(...)`, que usa `pipeline_desde_archivos`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from datos import abrir_pajaros, escribir_pajaros_sinteticos

if SINTETICO:
    PAJAROS = escribir_pajaros_sinteticos(os.path.join(SALIDA, "pajaros"), num_clases=5, por_clase=12, tamano=64)
listado = abrir_pajaros(PAJAROS)
num_clases = len(listado.clases)
print(f"{listado.num('train')} imágenes de entrenamiento y {listado.num('test')} de test, {num_clases} clases")

muestra = np.linspace(0, listado.num("train") - 1, 8).astype(int)
imagenes, etiquetas = next(iter(listado.pipeline("train", muestra, batch=8, tamano=TAMANO)))
figura, ejes = plt.subplots(1, 8, figsize=(13, 2.2))
for eje, imagen, etiqueta in zip(ejes, imagenes.numpy(), etiquetas.numpy()):
    eje.imshow(imagen)
    especie = listado.clases[int(np.argmax(etiqueta))].split(".", 1)[-1]  # "001.Black_footed_Albatross"
    eje.set_title(especie.replace("_", " ")[:20], fontsize=7)
    eje.axis("off")
plt.show()

# %% [markdown]
# Como en los ejercicios anteriores, un 10 % del entrenamiento (estratificado, al menos una imagen por clase)
# se aparta para validar. Cada imagen se decodifica y redimensiona **una sola vez** (`cache="auto"`: una caché
# de uint8, en memoria si cabe): desde la segunda época la tubería no decodifica ningún JPEG. Los lotes viajan
# en uint8 y lo que se hace con cada píxel (pasar a float, el aumento, el `preprocess_input` de ResNet50) va
# dentro del modelo, en la GPU: `con_preprocesado(modelo)`.

# %%
from sklearn.model_selection import train_test_split

from modelos import con_preprocesado

y_train = listado.y_train
posiciones = np.arange(listado.num("train"))
fraccion = max(0.1, num_clases / len(posiciones))
i_train, i_val = train_test_split(posiciones, test_size=fraccion, stratify=y_train.argmax(axis=1), random_state=SEMILLA)
i_train, i_val = np.sort(i_train), np.sort(i_val)  # en el orden de las listas (o de los registros de TFDS)
print(f"Entrenamiento: {len(i_train)}, validación: {len(i_val)}, test: {listado.num('test')}")


def lotes(particion, seleccion=None, batch=BATCH, **opciones):
    """Lotes uint8 de la caché de imágenes decodificadas (se escribe la primera vez)."""
    return listado.pipeline(particion, seleccion, batch=batch, tamano=TAMANO, cache="auto", **opciones)


# %% [markdown]
# ## 4.1 ResNet50 como extractor de características
#
# `getResNet50(p_pooling, inputShape)` es ResNet50 sin su capa densa final (`include_top=False`), con los
# pesos de ImageNet. `getBirdNetV1(model)` congela ResNet50 y le añade la cabeza del Cuadro 5 (Dense 768,
# BatchNormalization, Dropout, Dense 512, Dropout, Dense 200); con 200 clases tiene los parámetros del
# Listing 3, de los que solo la cabeza se entrena:

# %%
import keras
from IPython.display import Markdown, display

from modelos import getBirdNetV0, getBirdNetV1, getBirdNetV2, getResNet50
from utilidades.caracteristicas import extraer_caracteristicas, separar_modelo

FORMA = (TAMANO, TAMANO, 3)
keras.utils.set_random_seed(SEMILLA)
resnet = getResNet50("avg", FORMA, weights=PESOS)


def miles(n):
    return f"{n:,}".replace(",", ".")


def entrenables(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


v1_informe = getBirdNetV1(resnet)  # 200 clases, como en el informe
separar_modelo(v1_informe)[1].summary()  # solo la cabeza (Cuadro 5): ResNet50 son 175 capas
total, libres = v1_informe.count_params(), entrenables(v1_informe)
display(
    Markdown(
        "| BirdNetV1 (200 clases) | informe (Listing 3) | aquí |\n|---|---:|---:|\n"
        f"| parámetros | 25.660.744 | {miles(total)} |\n| entrenables | 2.071.496 | {miles(libres)} |\n"
        f"| no entrenables | 23.589.248 | {miles(total - libres)} |"
    )
)

# %% [markdown]
# Con ResNet50 congelada y sin aumento de datos, su salida es la misma en todas las épocas: se calcula una
# sola vez (`extraer_caracteristicas`) y solo se entrena la cabeza sobre esas características. Da lo mismo
# que entrenar el modelo compuesto, que comparte las capas de la cabeza, y es cientos de veces más rápido.
# BirdNetV0 y V1 usan la salida con pooling (2.048 números por imagen); BirdNetV2 la de sin pooling
# (7×7×2.048 a 224, en float16 para que quepa en memoria).

# %%
from utilidades import compileModel, testModel, trainModel

caracteristicas = {}
for pooling, base in (("avg", resnet), (None, getResNet50(None, FORMA, weights=PESOS))):
    tipo = "float32" if pooling else "float16"
    extractor = con_preprocesado(base)  # recibe los lotes uint8
    caracteristicas[pooling] = {
        "train": extraer_caracteristicas(extractor, lotes("train", i_train), dtype=tipo),
        "val": extraer_caracteristicas(extractor, lotes("train", i_val), dtype=tipo),
        "test": extraer_caracteristicas(extractor, lotes("test"), dtype=tipo),
        "base": base,
    }
    print(f"Características {'con' if pooling else 'sin'} pooling: {caracteristicas[pooling]['train'].shape[1:]}")
y_tr, y_val, y_test = y_train[i_train], y_train[i_val], listado.y_test

resultados = {}
for nombre, construir, pooling in (
    ("BirdNetV0", getBirdNetV0, "avg"),
    ("BirdNetV1", getBirdNetV1, "avg"),
    ("BirdNetV2", getBirdNetV2, None),
):
    datos = caracteristicas[pooling]
    model = construir(datos["base"], num_clases=num_clases)
    _, cabeza = separar_modelo(model)  # comparte las capas (y los pesos) con model
    compileModel(cabeza)
    hist = trainModel(cabeza, (datos["train"], y_tr), (datos["val"], y_val), BATCH, EPOCAS, verbose=0)
    resultados[nombre] = testModel(cabeza, datos["test"], y_test, hist, titulo=nombre)
    print(f"{nombre}: pérdida {resultados[nombre][0]:.4f}, precisión en test {resultados[nombre][1]:.4f}")

# El modelo compuesto (ResNet50 + cabeza) ha quedado entrenado: sobre las imágenes da lo mismo.
compuesto = con_preprocesado(model)
compileModel(compuesto)
print(f"BirdNetV2 sobre las imágenes de test: precisión {compuesto.evaluate(lotes('test'), verbose=0)[1]:.4f}")

# %% [markdown]
# ## 4.2 Ajuste fino de ResNet50 entera (BirdNetV3)
#
# `getBirdNetV3` deja entrenable toda ResNet50 y solo añade el clasificador. Se entrena con Adam por defecto
# y lotes de 32, con las imágenes de la caché. En el informe empeora: con una tasa de
# aprendizaje grande se pierde lo aprendido en ImageNet.

# %%
from modelos import getBirdNetV3

keras.utils.set_random_seed(SEMILLA)
v3 = con_preprocesado(getBirdNetV3(getResNet50("avg", FORMA, weights=PESOS), num_clases=num_clases))
compileModel(v3)
it_train = lotes("train", i_train, batch=BATCH_V3, barajar=True, semilla=SEMILLA)
it_val = lotes("train", i_val, batch=BATCH_V3)
hist = trainModel(v3, it_train, it_val, BATCH_V3, EPOCAS, verbose=2)
resultados["BirdNetV3"] = testModel(v3, lotes("test", batch=BATCH_V3), hist=hist, titulo="BirdNetV3")
print(f"BirdNetV3: pérdida {resultados['BirdNetV3'][0]:.4f}, precisión en test {resultados['BirdNetV3'][1]:.4f}")

# %% [markdown]
# ## 4.3 Calentamiento y ajuste fino de las últimas capas (BirdNetV4)
#
# `getBirdNetV4` congela ResNet50 y le añade la cabeza del Cuadro 9 (Dense 1024, Dropout 0,5, Dense 512,
# Dense 200). Primero se entrena solo la cabeza (el calentamiento) con Adam(1e-4) y el aumento de datos del
# ejercicio 2; después `descongelar_desde(modelo, "conv4_")` hace entrenables los bloques desde el primero de
# 14×14 (conv4) hasta el final, con las BatchNormalization de ResNet50 en modo inferencia, y se sigue con la
# misma tasa baja.

# %%
from datos import CapaAumento
from datos.iteradores import AUMENTO_BASENETPP
from modelos import descongelar_desde, getBirdNetV4
from utilidades import mostrarEvolucion

keras.utils.set_random_seed(SEMILLA)
v4 = getBirdNetV4(getResNet50("avg", FORMA, weights=PESOS), num_clases=num_clases)
aumento = CapaAumento(**AUMENTO_BASENETPP, seed=SEMILLA)  # §3: rotación de 10°, desplazamientos de 0,2 y volteo
modelo_v4 = con_preprocesado(v4, aumento)  # el aumento, dentro del modelo: solo al entrenar
it_train = lotes("train", i_train, barajar=True, semilla=SEMILLA)
it_val = lotes("train", i_val)

compileModel(modelo_v4, learning_rate=1e-4)
hist = trainModel(modelo_v4, it_train, it_val, BATCH, EPOCAS_CALENTAMIENTO, verbose=2)
mostrarEvolucion(hist, titulo="BirdNetV4: calentamiento (ResNet50 congelada)")

descongeladas = descongelar_desde(v4, "conv4_")  # las mismas capas que dentro de modelo_v4
compileModel(modelo_v4, learning_rate=1e-4)  # hay que volver a compilar tras cambiar qué se entrena
print(f"Ajuste fino: {len(descongeladas)} capas descongeladas, {miles(entrenables(v4))} parámetros entrenables")
hist = trainModel(modelo_v4, it_train, it_val, BATCH, EPOCAS, verbose=2)
resultados["BirdNetV4"] = testModel(modelo_v4, lotes("test"), hist=hist, titulo="BirdNetV4: ajuste fino")
print(f"BirdNetV4: pérdida {resultados['BirdNetV4'][0]:.4f}, precisión en test {resultados['BirdNetV4'][1]:.4f}")

# %% [markdown]
# ## Cuadro 8 (y §4.2–4.3): las cinco BirdNet en test

# %%
INFORME = {  # pérdida y precisión en test del informe (Cuadro 8; V3 en §4.2 y V4 en §4.3)
    "BirdNetV0": (2.321, 0.425651),
    "BirdNetV1": (2.5046, 0.40488),
    "BirdNetV2": (3.2539, 0.296076),
    "BirdNetV3": (4.7275, 0.21299),
    "BirdNetV4": (2.1333, 0.501813),
}
tabla = [
    "| modelo | pérdida (informe) | precisión (informe) | pérdida (aquí) | precisión (aquí) |",
    "|---|---:|---:|---:|---:|",
]
for nombre, (perdida_inf, precision_inf) in INFORME.items():
    perdida, precision = resultados[nombre]
    tabla.append(
        f"| {nombre} | {perdida_inf:.4f} | {100 * precision_inf:.2f} % | {perdida:.4f} | {100 * precision:.2f} % |"
    )
display(Markdown("\n".join(tabla)))
if SINTETICO or PESOS is None or RAPIDO:
    print(
        "Aviso: datos sintéticos, pesos aleatorios o modo rápido: la precisión no significa nada y no se compara con el informe."
    )

# %% [markdown]
# ## Conclusión
#
# En el informe, ResNet50 congelada con solo un clasificador (V0, 42,6 %) supera a las cabezas más grandes
# (V1, 40,5 %; V2, 29,6 %), que sobreajustan; entrenar la red entera con la tasa por defecto (V3, 21,3 %)
# destruye lo aprendido en ImageNet, y el calentamiento con una tasa baja, el aumento de datos y el ajuste
# fino de las últimas capas (V4, 50,2 %) dan el mejor resultado. Desde la línea de órdenes:
# `python -m practicas p3 ejercicio3 --datos CARPETA` (o `--datos tfds:caltech_birds2010`).
