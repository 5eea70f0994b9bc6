# Fuente del cuaderno cuadernos/arquitecturas.ipynb en el formato «percent» de jupytext: se edita aquí y el
# cuaderno se regenera con `python -m cuadernos`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402  (cada celda importa lo que usa, como en un cuaderno)

# %% [markdown]
# # Arquitecturas modernas: Inception, ResNet, gradientes y conjuntos
#
# **Clases:** «CNNs» (Inception, ResNet, convoluciones 1×1, desvanecimiento del gradiente), «Aprendizaje de
# Máquinas: redes profundas» (GoogLeNet, ResNet, batch normalization) y «Entrenamiento de redes neuronales»
# (Model Ensembles).<br>
# **Qué se hace:** el coste del módulo Inception con y sin cuellos de botella 1×1, los bloques residuales,
# el clasificador auxiliar de GoogLeNet, la norma del gradiente capa a capa en una red profunda plana,
# residual y con batch norm, y los conjuntos de modelos (redes independientes frente a instantáneas de un
# solo entrenamiento). Es la práctica `arquitecturas` (`python -m practicas arquitecturas --help`).<br>
# **Paquete:** `modelos.bloques` (los bloques y las redes, y sus fórmulas), `utilidades.gradientes`,
# `utilidades.conjuntos`, `cargar_fuente`, `NormalizadorCanal`, `compileModel`, `testModel`.
#
# <a href="https://colab.research.google.com/github/<curso>/practicas-keras/blob/main/cuadernos/arquitecturas.ipynb">Abrir en Colab</a>

# %% [markdown]
# ## Preparación
#
# `PRACTICAS_DATOS` elige las imágenes de los apartados que entrenan: `digitos` (por defecto, los incluidos en
# el paquete, como en la línea de órdenes), `cifar100`, `tfds:cifar100` o la ruta de un archivo.
# `PRACTICAS_RAPIDO=1`: pocas imágenes y épocas (lo usa CI). `PRACTICAS_SALIDA`: carpeta para lo que haya que
# escribir (por defecto, una temporal).

# %%
from _preparacion import *  # el trozo común de todos: cuadernos/fuentes/_preparacion.py

DATOS = os.environ.get("PRACTICAS_DATOS", "digitos")
EPOCAS = 1 if RAPIDO else 5  # redes de los apartados 3 y 4, y cada miembro de los conjuntos
MUESTRAS = 256 if RAPIDO else None  # imágenes de entrenamiento de los apartados 3 y 4 (None: todas)
MUESTRAS_CONJUNTOS = 300  # pocas: los miembros se equivocan más, y se ve lo que gana el promedio
MIEMBROS = 2 if RAPIDO else 5
SEMILLA = 0

print(f"practicas-keras {practicas.__version__}, TensorFlow {tf.__version__}, Python {sys.version.split()[0]}")
print(f"GPU: {', '.join(g.name for g in GPUS)}" if GPUS else "Sin GPU: se entrena en la CPU.")
print(f"Datos: {DATOS}" + (" (modo rápido)" if RAPIDO else ""))

# %% [markdown]
# ## 1. El módulo Inception y las convoluciones 1×1
#
# «CNNs», INCEPTION y CONVOLUCIONES 1×1: un módulo Inception aplica en paralelo convoluciones 1×1, 3×3 y 5×5
# y un max pooling 3×3, y concatena sus salidas (Szegedy et al., 2014). En la versión ingenua cada rama opera
# sobre todos los canales de la entrada; GoogLeNet pone antes de las 3×3 y 5×5 (y después del pooling) unas
# convoluciones 1×1 que reducen los canales: el cuello de botella. Con el módulo (3a) de GoogLeNet sobre
# 28×28×192, las multiplicaciones por fórmula (`coste_inception`: alto·ancho·filtros·k²·canales por
# convolución) y contadas en las capas de Keras construidas (`multiplicaciones_keras`), y los parámetros por
# fórmula (`parametros_inception`) y de Keras (`count_params`):

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from modelos import coste_cuello_botella
from modelos.bloques import (
    ENTRADA_3A,
    INCEPTION_3A,
    coste_inception,
    modulo_inception,
    multiplicaciones_keras,
    parametros_inception,
)


def miles(n):
    return f"{n:,}".replace(",", ".")


def tabla_md(encabezados, filas):
    lineas = ["| " + " | ".join(encabezados) + " |", "|" + "---|" * len(encabezados)]
    lineas += ["| " + " | ".join(str(c) for c in fila) + " |" for fila in filas]
    display(Markdown("\n".join(lineas)))


def construir(bloque, forma, **argumentos):
    """Un modelo de Keras con solo `bloque` (una función de `modelos.bloques`) sobre una entrada de `forma`."""
    entrada = keras.Input(shape=forma)
    return keras.Model(entrada, bloque(entrada, **argumentos))


filas, costes = [], {}
for cuello, nombre in ((False, "ingenuo"), (True, "con cuellos 1×1")):
    costes[nombre] = coste_inception(*ENTRADA_3A, **INCEPTION_3A, cuello=cuello)
    modulo = construir(modulo_inception, ENTRADA_3A, **INCEPTION_3A, cuello=cuello)
    filas.append(
        (
            nombre,
            "×".join(map(str, modulo.output.shape[1:])),
            miles(parametros_inception(ENTRADA_3A[2], **INCEPTION_3A, cuello=cuello)),
            miles(modulo.count_params()),
            miles(costes[nombre]["total"]),
            miles(multiplicaciones_keras(modulo)),
        )
    )
tabla_md(
    [
        "Inception (3a)",
        "salida",
        "parámetros (fórmula)",
        "parámetros (Keras)",
        "multiplicaciones (fórmula)",
        "multiplicaciones (Keras)",
    ],
    filas,
)
reduccion = costes["ingenuo"]["total"] / costes["con cuellos 1×1"]["total"]
print(f"Los cuellos de botella 1×1 dividen el coste por {reduccion:.2f}")

# Cada convolución del módulo, apilada: el mismo color en los dos
figura, (eje, eje_clase) = plt.subplots(1, 2, figsize=(13, 4.5), width_ratios=(3, 2))
colores = dict(
    zip(["1x1", "3x3_reduccion", "3x3", "5x5_reduccion", "5x5", "pool_proyeccion"], plt.get_cmap("tab10").colors)
)
for posicion, coste in enumerate(costes.values()):
    base = 0.0
    for capa in coste["capas"]:
        millones = capa["multiplicaciones"] / 1e6
        eje.bar(
            posicion, millones, 0.6, bottom=base, color=colores[capa["capa"]], edgecolor="white", label=capa["capa"]
        )
        base += millones
    eje.text(posicion, base, f"{base:.1f} M", ha="center", va="bottom")
unicas = dict(zip(*eje.get_legend_handles_labels()[::-1]))
eje.legend(unicas.values(), unicas.keys(), fontsize=8, title="convolución")
eje.set_xticks(range(len(costes)), list(costes))
eje.set_ylabel("Multiplicaciones (millones)")
eje.set_title("Inception (3a) sobre 28×28×192")

# el ejemplo de la clase es la rama 5×5 del módulo: 32 filtros 5×5 con y sin 16 filtros 1×1 antes
clase = coste_cuello_botella()
eje_clase.bar(0, clase["sin_cuello"] / 1e6, 0.6, color="tab:red")
eje_clase.bar(1, clase["capa_1x1"] / 1e6, 0.6, color="tab:blue", label="1×1 (16 filtros)")
eje_clase.bar(
    1, clase["capa_kxk"] / 1e6, 0.6, bottom=clase["capa_1x1"] / 1e6, color="tab:orange", label="5×5 (32 filtros)"
)
eje_clase.set_xticks([0, 1], ["5×5 directa", "1×1 → 5×5"])
eje_clase.set_title(f"Ejemplo de la clase: {clase['reduccion']:.1f} veces menos")
eje_clase.legend(fontsize=8)
plt.tight_layout()
plt.show()

rama = {nombre: {c["capa"]: c["multiplicaciones"] for c in coste["capas"]} for nombre, coste in costes.items()}
tabla_md(
    ["rama 5×5 del módulo", "clase (`coste_cuello_botella`)", "módulo (`coste_inception`)"],
    [
        ("sin cuello de botella", miles(clase["sin_cuello"]), miles(rama["ingenuo"]["5x5"])),
        (
            "con 16 filtros 1×1 antes",
            f"{miles(clase['capa_1x1'])} + {miles(clase['capa_kxk'])} = {miles(clase['con_cuello'])}",
            miles(rama["con cuellos 1×1"]["5x5_reduccion"] + rama["con cuellos 1×1"]["5x5"]),
        ),
    ],
)

# %% [markdown]
# ## 2. Bloques residuales
#
# «CNNs», RESNET (He et al., 2016): el bloque aprende una corrección F(x) y la suma a su entrada, salida =
# ReLU(F(x) + x). El básico de ResNet-18/34 tiene dos convoluciones 3×3 (`bloque_residual`); el de ResNet-50,
# un cuello de botella 1×1 → 3×3 → 1×1 (`bloque_residual_cuello`), que abarata la 3×3 como en Inception. Si
# cambian los canales o el tamaño, el atajo es una proyección (conv 1×1 + BN). Los parámetros por fórmula
# (`parametros_bloque_residual`, `parametros_bloque_cuello`) frente a Keras, en bloques de ResNet-34 y
# ResNet-50 sobre 56×56; y con los núcleos a cero, F(x) = 0 y un bloque con atajo identidad es ReLU(x).

# %%
from modelos.bloques import (
    bloque_residual,
    bloque_residual_cuello,
    parametros_bloque_cuello,
    parametros_bloque_residual,
)


def entrenables(modelo):
    return sum(int(np.prod(w.shape)) for w in modelo.trainable_weights)


def identidad_con_ceros(bloque, canales, filtros):
    """Máx. |bloque(x) − ReLU(x)| con los núcleos de sus convoluciones a cero (atajo identidad, inferencia)."""
    modelo = construir(bloque, (8, 8, canales), filtros=filtros, proyeccion=False)
    for capa in modelo.layers:
        if isinstance(capa, keras.layers.Conv2D):
            capa.kernel.assign(np.zeros(capa.kernel.shape, dtype="float32"))
    x = np.random.default_rng(SEMILLA).normal(size=(2, 8, 8, canales)).astype("float32")
    return float(np.max(np.abs(keras.ops.convert_to_numpy(modelo(x, training=False)) - np.maximum(x, 0))))


filas = []
for descripcion, bloque, formula, canales, filtros, paso, proyeccion in (
    ("básico, identidad (ResNet-34 conv2_x)", bloque_residual, parametros_bloque_residual, 64, 64, 1, False),
    ("básico, proyección y paso 2 (ResNet-34 conv3_1)", bloque_residual, parametros_bloque_residual, 64, 128, 2, True),
    ("cuello, proyección (ResNet-50 conv2_1)", bloque_residual_cuello, parametros_bloque_cuello, 64, 64, 1, True),
    ("cuello, identidad (ResNet-50 conv2_2)", bloque_residual_cuello, parametros_bloque_cuello, 256, 64, 1, False),
):
    modelo = construir(bloque, (56, 56, canales), filtros=filtros, paso=paso, proyeccion=proyeccion)
    cuenta = formula(canales, filtros, proyeccion)
    filas.append(
        (
            descripcion,
            "×".join(map(str, modelo.output.shape[1:])),
            miles(cuenta["total"]),
            miles(modelo.count_params()),
            miles(cuenta["entrenables"]),
            miles(entrenables(modelo)),
            "–" if proyeccion else f"{identidad_con_ceros(bloque, canales, filtros):.1e}",
        )
    )
tabla_md(
    [
        "bloque residual",
        "salida",
        "parámetros (fórmula)",
        "parámetros (Keras)",
        "entrenables (fórmula)",
        "entrenables (Keras)",
        "núcleos a cero: máx. abs(bloque(x) − ReLU(x))",
    ],
    filas,
)

# %% [markdown]
# ## 3. Redes pequeñas con cada bloque y un clasificador auxiliar
#
# Con las imágenes elegidas (normalizadas por canal con la media y la desviación del entrenamiento,
# `NormalizadorCanal`), una red pequeña con dos módulos Inception (`red_inception`), otra con dos bloques
# residuales básicos y otra con dos con cuello de botella (`red_residual`), y una con un clasificador auxiliar
# a la GoogLeNet (`red_con_auxiliar`): una segunda salida softmax desde una capa intermedia que añade su
# pérdida con peso 0,3 (`PESO_AUXILIAR`) y así lleva gradiente a las primeras capas. La cabeza auxiliar solo se
# usa al entrenar: para predecir se quita (`sin_auxiliar`).

# %%
from datos import NormalizadorCanal, cargar_fuente
from modelos.bloques import PESO_AUXILIAR, red_con_auxiliar, red_inception, red_residual, sin_auxiliar
from utilidades import compileModel, testModel


def elegir(x, y, muestras):
    """`muestras` imágenes al azar (todas con None), en su orden."""
    if muestras is None or muestras >= len(x):
        return x, y
    indices = np.sort(np.random.default_rng(SEMILLA).permutation(len(x))[:muestras])
    return x[indices], y[indices]


x_todas, y_todas, x_test_todas, y_test = cargar_fuente(DATOS)
x_elegidas, y_train = elegir(x_todas, y_todas, MUESTRAS)
normalizador = NormalizadorCanal().fit(x_elegidas)
x_train, x_test = normalizador.transformar(x_elegidas), normalizador.transformar(x_test_todas)
forma, clases = x_train.shape[1:], y_train.shape[1]
print(f"{len(x_train)} imágenes de entrenamiento {'×'.join(map(str, forma))} y {len(x_test)} de test")

REDES = {
    "Inception": lambda: red_inception(clases, forma, filtros=16),
    "residual básica": lambda: red_residual(clases, forma, filtros=16, tipo="basico"),
    "residual con cuello": lambda: red_residual(clases, forma, filtros=16, tipo="cuello"),
    "con clasificador auxiliar": lambda: red_con_auxiliar(clases, forma, filtros=16),
}
filas, precisiones = [], {}
for nombre, crear in REDES.items():
    keras.utils.set_random_seed(SEMILLA)  # todas con el mismo orden de los lotes
    red = crear()
    if nombre == "con clasificador auxiliar":
        red.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss={"salida": "categorical_crossentropy", "auxiliar": "categorical_crossentropy"},
            loss_weights={"salida": 1.0, "auxiliar": PESO_AUXILIAR},  # L = L_salida + 0,3·L_auxiliar
        )
        red.fit(x_train, {"salida": y_train, "auxiliar": y_train}, batch_size=64, epochs=EPOCAS, verbose=0)
        inferencia = sin_auxiliar(red)  # los mismos pesos, sin la cabeza auxiliar
        compileModel(inferencia)  # solo para evaluar
    else:
        compileModel(red)  # Adam, 1e-3
        red.fit(x_train, y_train, batch_size=64, epochs=EPOCAS, verbose=0)
        inferencia = red
    precisiones[nombre] = testModel(inferencia, x_test, y_test)[1]
    filas.append((nombre, miles(red.count_params()), miles(inferencia.count_params()), f"{precisiones[nombre]:.4f}"))

figura, eje = plt.subplots(figsize=(8, 3.8))
eje.bar(list(precisiones), list(precisiones.values()), 0.6)
eje.set_ylim(0, 1)
eje.set_ylabel("Precisión en test")
eje.set_title(f"Redes pequeñas, {EPOCAS} época(s) con {len(x_train)} imágenes")
plt.show()
tabla_md(["red", "parámetros", "parámetros en inferencia", "precisión en test"], filas)

# %% [markdown]
# ## 4. El desvanecimiento del gradiente
#
# «CNNs», DESVANECIMIENTO / EXPLOSIÓN DEL GRADIENTE: en una red profunda cada capa multiplica el gradiente
# por la derivada de su activación (la de la sigmoide no pasa de 0,25) y por sus pesos, así que a las
# primeras capas les llega muchísimo menos que a las últimas. Tres redes densas de 20 capas de 32 neuronas
# con sigmoide (`red_profunda`): plana, con conexiones residuales y con batch normalization antes de cada
# activación. `normas_gradiente` mide con `tf.GradientTape`, en un lote, la norma del gradiente de la pérdida
# respecto a los pesos de cada capa; `razon_primera_ultima` resume la caída: ‖∇W₁‖/‖∇W₂₀‖.

# %%
from modelos.bloques import VARIANTES_PROFUNDA, red_profunda
from utilidades.gradientes import capas_con_nucleo, normas_gradiente, razon_primera_ultima

CAPAS = 20
normas, filas, entrenadas = {}, [], []
for variante in VARIANTES_PROFUNDA:  # plana, residual, batchnorm
    keras.utils.set_random_seed(SEMILLA)  # la primera capa empieza igual en las tres
    red = red_profunda(clases, forma, CAPAS, 32, "sigmoid", variante)
    normas[variante] = normas_gradiente(red, x_train[:64], y_train[:64], capas_con_nucleo(red, prefijo="densa_"))
    razon = razon_primera_ultima(normas[variante])
    filas.append(
        (variante, f"{normas[variante][0]['norma']:.2e}", f"{normas[variante][-1]['norma']:.2e}", f"{razon:.1e}")
    )
    compileModel(red)  # y después se entrena, para ver la consecuencia
    perdidas = red.fit(x_train, y_train, batch_size=64, epochs=EPOCAS, verbose=0).history["loss"]
    entrenadas.append((variante, f"{perdidas[-1]:.4f}", f"{testModel(red, x_test, y_test)[1]:.4f}"))

figura, eje = plt.subplots(figsize=(8, 4.5))
for variante, filas_normas in normas.items():
    eje.semilogy(
        [f["indice"] for f in filas_normas], [f["norma"] for f in filas_normas], "o-", markersize=4, label=variante
    )
eje.set_xlabel("Capa (1 = la más cercana a la entrada)")
eje.set_xticks(range(1, CAPAS + 1))
eje.set_ylabel("‖∂L/∂W‖ (un lote)")
eje.set_title(f"{CAPAS} capas densas con sigmoide")
eje.grid(alpha=0.3, which="both")
eje.legend()
plt.show()
tabla_md(["red", "‖∇W₁‖ (primera capa)", "‖∇W₂₀‖ (última)", "razón ‖∇W₁‖/‖∇W₂₀‖"], filas)
tabla_md(["red", f"pérdida de entrenamiento ({EPOCAS} época(s))", "precisión en test"], entrenadas)

# %% [markdown]
# ## 5. Conjuntos de modelos: independientes frente a instantáneas
#
# «Entrenamiento de redes neuronales» (Bariloche), Model Ensembles: se entrenan K redes con distinta
# inicialización y se promedian sus probabilidades (`promediar_probabilidades`, `evaluar_conjunto`). Las
# instantáneas (*snapshot ensembles*, Huang et al., 2017) consiguen K miembros con un solo entrenamiento: una
# tasa coseno cíclica que se reinicia K veces (`TasaCosenoCiclica`) y, al final de cada ciclo, con la tasa casi
# en cero, una copia de los pesos (`Instantaneas`). Las dos maneras cuestan lo mismo, K·E épocas, con la
# misma red (`red_pequena`), SGD con momento 0,9 y 300 imágenes de entrenamiento.

# %%
import math

from modelos.bloques import red_pequena
from utilidades.conjuntos import (
    Instantaneas,
    TasaCosenoCiclica,
    evaluar_conjunto,
    predecir,
    reiniciar_entrenamiento,
)

x_pocas, y_pocas = elegir(x_todas, y_todas, MUESTRAS_CONJUNTOS)
normalizador = NormalizadorCanal().fit(x_pocas)
x_pocas, x_test_pocas = normalizador.transformar(x_pocas), normalizador.transformar(x_test_todas)
pasos_por_epoca = math.ceil(len(x_pocas) / 64)
programa = TasaCosenoCiclica(0.01, EPOCAS * pasos_por_epoca)  # un ciclo cada E épocas

# Un solo modelo compilado que cada entrenamiento reinicia con los pesos iniciales de su semilla (así la
# función de entrenamiento se prepara una sola vez).
red = red_pequena(clases, forma, filtros=16)
compileModel(red, optimizer=keras.optimizers.SGD(learning_rate=programa, momentum=0.9))


def reiniciar(semilla):
    keras.utils.set_random_seed(SEMILLA + semilla)
    reiniciar_entrenamiento(red, red_pequena(clases, forma, filtros=16).get_weights())


independientes = []
for k in range(1, MIEMBROS + 1):  # K redes, semillas 1…K, E épocas (un ciclo) cada una
    reiniciar(k)
    red.fit(x_pocas, y_pocas, batch_size=64, epochs=EPOCAS, verbose=0)
    independientes.append(predecir(red, x_test_pocas))

reiniciar(MIEMBROS + 1)  # un entrenamiento de K ciclos: una instantánea al final de cada uno
instantaneas = Instantaneas(EPOCAS)
red.fit(x_pocas, y_pocas, batch_size=64, epochs=MIEMBROS * EPOCAS, callbacks=[instantaneas], verbose=0)
de_instantaneas = []
for pesos in instantaneas.pesos:
    red.set_weights(pesos)
    de_instantaneas.append(predecir(red, x_test_pocas))

evaluaciones = {
    "independientes": evaluar_conjunto(independientes, y_test),
    "instantáneas": evaluar_conjunto(de_instantaneas, y_test),
}
figura, (eje, eje_tasa) = plt.subplots(1, 2, figsize=(14, 4.5), width_ratios=(3, 2))
for i, (nombre, evaluacion) in enumerate(evaluaciones.items()):
    posiciones = np.arange(MIEMBROS + 1) + (i - 0.5) * 0.4
    eje.bar(posiciones, evaluacion["miembros"] + [evaluacion["conjunto"]], 0.4, label=nombre)
eje.set_xticks(range(MIEMBROS + 1), [f"miembro {k}" for k in range(1, MIEMBROS + 1)] + ["promedio"])
eje.set_ylim(0, 1)
eje.set_ylabel("Precisión en test")
eje.set_title("Cada miembro y el promedio de sus probabilidades")
eje.legend()
pasos = np.arange(MIEMBROS * EPOCAS * pasos_por_epoca)
eje_tasa.plot(pasos / pasos_por_epoca, programa.valores(pasos))
eje_tasa.plot(
    instantaneas.epocas, [0.0] * len(instantaneas.epocas), "v", color="tab:red", markersize=9, label="instantánea"
)
eje_tasa.set_xlabel("Época")
eje_tasa.set_ylabel("Tasa de aprendizaje")
eje_tasa.set_title("Tasa coseno cíclica de las instantáneas")
eje_tasa.grid(alpha=0.3)
eje_tasa.legend()
plt.tight_layout()
plt.show()
tabla_md(
    ["conjunto", "media de los miembros", "mejor miembro", "promedio", "ganancia"],
    [
        (
            nombre,
            f"{np.mean(e['miembros']):.4f}",
            f"{max(e['miembros']):.4f}",
            f"{e['conjunto']:.4f}",
            f"{e['conjunto'] - np.mean(e['miembros']):+.4f}",
        )
        for nombre, e in evaluaciones.items()
    ],
)

# %% [markdown]
# ## Conclusión
#
# Las cuentas de la clase salen igual por fórmula y en las capas de Keras: el módulo Inception (3a) pasa de
# 303.464.448 multiplicaciones a 128.049.152 con los cuellos de botella 1×1, y los bloques residuales tienen
# los parámetros de la fórmula. En la red plana de 20 capas con sigmoide el gradiente que llega a la primera
# capa es del orden de 10⁻¹² veces el de la última; las conexiones residuales y la batch normalization lo
# mantienen del mismo orden, y por eso esas redes aprenden y la plana no. Promediar las probabilidades de
# varios miembros suele mejorar al miembro medio; las instantáneas lo consiguen con un solo entrenamiento. Con
# el modo rápido las precisiones no dicen nada (una época con 256 imágenes); sin él (5 épocas con todas las
# imágenes, 5 miembros) salen cifras como las del README. Desde la línea de órdenes: `python -m practicas arquitecturas bloques` (y
# `gradientes`, `conjuntos`).
