"""Velocidad del aumento de datos (§3, mejora 1) y de un entrenamiento alimentado por él.

Mide lado a lado, en la misma ejecución y con la configuración de `getNormalizedData` (normalización
por canal, rotación de 10°, desplazamientos de 0.2 y volteo horizontal; 12.500 imágenes 32×32×3
float32, lotes de 64):

1. imágenes por segundo del aumento: `ImageDataGenerator` obsoleto de `tf.keras` (imagen a imagen con
   SciPy), capas `Random*` de Keras encadenadas en `Dataset.map`, y el `ImageDataGenerator` de `datos`
   (una transformación afín por lote); también solo la normalización, como techo;
2. la primera época de un `flow()` nuevo (creación incluida): la del primer `flow()` del proceso, que
   traza y compila con XLA la transformación, y la de los siguientes, con otro generador de la misma
   configuración y otras estadísticas (como cada repetición de un experimento), que la reutilizan;
3. imágenes por segundo entrenando BaseNet: `fit` sobre tensores en memoria sin aumento frente a
   `fit` alimentado por `getNormalizedData`;
4. con GPU: lo mismo y además la época de BaseNet++ con y sin precisión mixta y XLA, y con el aumento
   dentro del modelo (`CapaAumento`).

Uso: `python benchmarks/aumento.py [--rondas 3] [--epocas 3]` desde la raíz del repositorio.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from datos import CapaAumento, ImageDataGenerator, getNormalizedData  # noqa: E402
from datos.iteradores import AUMENTO_BASENETPP  # noqa: E402
from datos.pipelines import pipeline_desde_arrays  # noqa: E402
from modelos import getBaseNet, getBaseNetPlusPlus  # noqa: E402
from utilidades import compileModel  # noqa: E402

from medida import Cronometro  # noqa: E402  (benchmarks/medida.py)

N, LADO, CLASES, LOTE = 12500, 32, 25, 64


def datos_sinteticos():
    rng = np.random.default_rng(0)
    x = rng.random((N, LADO, LADO, 3), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, CLASES, N), CLASES).astype("float32")
    return x, y


def imagenes_por_segundo(fuentes, rondas):
    """Mejor de `rondas` épocas completas de cada fuente, tras una de calentamiento.

    Las fuentes se alternan en cada ronda: la máquina es compartida, y así una racha de carga afecta a
    todas por igual en vez de a la que se mida en ese momento.
    """
    for recorrer in fuentes.values():
        recorrer()
    mejores = dict.fromkeys(fuentes, 0.0)
    for _ in range(rondas):
        for nombre, recorrer in fuentes.items():
            inicio = time.perf_counter()
            n = recorrer()
            mejores[nombre] = max(mejores[nombre], n / (time.perf_counter() - inicio))
    return mejores


def fuentes_aumento(x, y):
    """Las tres formas de aumentar (más la de solo normalizar), cada una como función que recorre una época."""
    from tensorflow.keras.preprocessing.image import ImageDataGenerator as Legado

    legado = Legado(featurewise_center=True, featurewise_std_normalization=True, **AUMENTO_BASENETPP)
    legado.fit(x)
    it_legado = legado.flow(x, y, batch_size=LOTE, seed=0)

    nuevo = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, **AUMENTO_BASENETPP).fit(x)
    media, desv = nuevo.normalizador.media, nuevo.normalizador.desviacion
    capas = keras.Sequential(
        [
            keras.layers.RandomRotation(10 / 360, fill_mode="nearest"),
            keras.layers.RandomTranslation(0.2, 0.2, fill_mode="nearest"),
            keras.layers.RandomFlip("horizontal"),
        ]
    )

    def con_capas(xb, yb):
        return (capas(xb, training=True) - media) / (desv + 1e-6), yb

    def recorrer_ds(ds):
        return lambda: sum(int(xb.shape[0]) for xb, _ in ds)

    def recorrer_legado():
        return sum(len(it_legado[i][0]) for i in range(len(it_legado)))

    sin_xla = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, **AUMENTO_BASENETPP).fit(
        x
    )
    sin_xla.jit_compile = False

    return {
        "ImageDataGenerator obsoleto (tf.keras, SciPy)": recorrer_legado,
        "capas Random* de Keras en Dataset.map": recorrer_ds(
            pipeline_desde_arrays(x, y, LOTE, barajar=True, semilla=0, transformacion=con_capas)
        ),
        "datos.ImageDataGenerator sin XLA": recorrer_ds(sin_xla.flow(x, y, LOTE, seed=0)),
        "datos.ImageDataGenerator (afín por lote, XLA)": recorrer_ds(nuevo.flow(x, y, LOTE, seed=0)),
        "solo normalización (techo)": recorrer_ds(nuevo.sin_aumento().flow(x, y, LOTE, seed=0)),
    }


def primeras_epocas(x, y, rondas):
    """Imágenes por segundo de la primera época de un `flow()` recién creado (creación incluida).

    Se mide antes que nada: la primera vez el proceso traza y compila la transformación; las siguientes,
    con generadores nuevos de la misma configuración (otras estadísticas, otros datos), la reutilizan.
    """
    from tensorflow.keras.preprocessing.image import ImageDataGenerator as Legado

    opciones = dict(featurewise_center=True, featurewise_std_normalization=True, **AUMENTO_BASENETPP)

    def primera_epoca(crear):
        inicio = time.perf_counter()
        n = sum(int(xb.shape[0]) for xb, _ in crear())
        return n / (time.perf_counter() - inicio)

    def nuevo(k):
        generador = ImageDataGenerator(**opciones).fit(x[k * 100 : (k + 1) * 1000])  # otras estadísticas
        return generador.flow(x, y, LOTE, seed=k)

    def legado(k):
        generador = Legado(**opciones)
        generador.fit(x[k * 100 : (k + 1) * 1000])
        it = generador.flow(x, y, batch_size=LOTE, seed=k)
        return (it[i] for i in range(len(it)))

    nombre_nuevo = "datos.ImageDataGenerator, cada flow() siguiente (reutiliza la compilación)"
    nombre_legado = "ImageDataGenerator obsoleto (tf.keras, SciPy)"
    filas = {"datos.ImageDataGenerator, primer flow() del proceso (traza y compila)": primera_epoca(lambda: nuevo(0))}
    filas[nombre_nuevo] = filas[nombre_legado] = 0.0
    for k in range(1, rondas + 1):  # alternando, como en imagenes_por_segundo
        filas[nombre_nuevo] = max(filas[nombre_nuevo], primera_epoca(lambda k=k: nuevo(k)))
        filas[nombre_legado] = max(filas[nombre_legado], primera_epoca(lambda k=k: legado(k)))
    return filas


def segundos_por_epoca(construir, entrada, epocas, jit_compile="auto"):
    """Mediana de las épocas tras la primera (que incluye el trazado y la compilación)."""
    keras.utils.set_random_seed(0)
    modelo = construir()
    compileModel(modelo)
    modelo.compile(optimizer=modelo.optimizer, loss=modelo.loss, metrics=["accuracy"], jit_compile=jit_compile)
    reloj = Cronometro()
    if isinstance(entrada, tuple):
        modelo.fit(*entrada, batch_size=LOTE, epochs=epocas, verbose=0, callbacks=[reloj])
    else:
        modelo.fit(entrada, epochs=epocas, verbose=0, callbacks=[reloj])
    return float(np.median([segundos for segundos, _ in reloj.tiempos[1:]])), modelo.jit_compile


def imprimir(titulo, filas, referencia):
    print(f"\n{titulo}")
    ancho = max(map(len, filas))
    for nombre, valor in filas.items():
        print(f"  {nombre:<{ancho}} {valor:>9.0f} imágenes/s  ({valor / filas[referencia]:.2f}×)")


def medir_basenetpp(x, y, it_train, n_train, epocas):
    """Época de BaseNet++ con float32 y precisión mixta, con y sin XLA, y con `CapaAumento` en el modelo."""
    print(f"\nÉpoca de BaseNet++ ({n_train} imágenes):")
    normalizado = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x)
    solo_normalizar = normalizado.flow(x[:n_train], y[:n_train], LOTE, seed=0)  # el aumento, dentro del modelo

    def con_capa():
        cuerpo = getBaseNetPlusPlus(num_clases=CLASES)
        return keras.Sequential([keras.Input((LADO, LADO, 3)), CapaAumento(**AUMENTO_BASENETPP), *cuerpo.layers])

    for politica in ("float32", "mixed_float16"):
        keras.mixed_precision.set_global_policy(politica)
        for nombre, construir, entrada in (
            ("getNormalizedData", lambda: getBaseNetPlusPlus(num_clases=CLASES), it_train),
            ("CapaAumento", con_capa, solo_normalizar),
        ):
            for xla in (False, True):
                segundos, activo = segundos_por_epoca(construir, entrada, epocas, xla)
                print(
                    f"  {politica:<14} {nombre:<18} XLA {'sí' if activo else 'no'}: {segundos:.2f} s/época "
                    f"({n_train / segundos:.0f} imágenes/s)"
                )
    keras.mixed_precision.set_global_policy("float32")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rondas", type=int, default=3, help="épocas medidas por forma de aumento (la mejor cuenta)")
    parser.add_argument("--epocas", type=int, default=3, help="épocas de cada entrenamiento (la primera no cuenta)")
    args = parser.parse_args()
    gpus = tf.config.list_logical_devices("GPU")
    nombres_gpu = ", ".join(g.name for g in gpus) or "ninguna"
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU, GPU: {nombres_gpu}")
    x, y = datos_sinteticos()

    imprimir(
        "Primera época de un flow() nuevo, creación incluida (mejor de --rondas salvo la del primer flow())",
        primeras_epocas(x, y, args.rondas),
        "ImageDataGenerator obsoleto (tf.keras, SciPy)",
    )
    filas = imagenes_por_segundo(fuentes_aumento(x, y), args.rondas)
    imprimir(
        "Aumento de datos (12.500 imágenes 32×32×3, lotes de 64)",
        filas,
        "ImageDataGenerator obsoleto (tf.keras, SciPy)",
    )

    it_train, _, _ = getNormalizedData(x, y, LOTE, x[:LOTE], semilla=0)
    n_train = sum(int(xb.shape[0]) for xb, _ in it_train)  # 90 % de entrenamiento
    x_norm = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x).standardize(x)
    memoria, _ = segundos_por_epoca(
        lambda: getBaseNet(CLASES), (tf.constant(x_norm[:n_train]), tf.constant(y[:n_train])), args.epocas
    )
    tuberia, _ = segundos_por_epoca(lambda: getBaseNet(CLASES), it_train, args.epocas)
    normalizado = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x)
    solo_normalizar = normalizado.flow(x[:n_train], y[:n_train], LOTE, seed=0)

    def basenet_con_capa():
        cuerpo = getBaseNet(CLASES)
        return keras.Sequential([keras.Input((LADO, LADO, 3)), CapaAumento(**AUMENTO_BASENETPP), *cuerpo.layers])

    capa, _ = segundos_por_epoca(basenet_con_capa, solo_normalizar, args.epocas)
    imprimir(
        f"Entrenamiento de BaseNet ({n_train} imágenes por época)",
        {
            "fit con tensores en memoria, sin aumento": n_train / memoria,
            "fit con getNormalizedData (aumento en tf.data)": n_train / tuberia,
            "fit con CapaAumento dentro del modelo": n_train / capa,
        },
        "fit con tensores en memoria, sin aumento",
    )

    if not gpus:
        print("\nSin GPU: no se miden BaseNet++ con precisión mixta/XLA ni CapaAumento en la GPU.")
        return
    medir_basenetpp(x, y, it_train, n_train, args.epocas)


if __name__ == "__main__":
    main()
