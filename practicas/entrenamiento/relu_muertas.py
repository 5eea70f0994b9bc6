"""Ejercicio `relu-muertas` (Granada, «Funciones de activación», «Problema: Dying ReLUs»).

«La mitad de las neuronas dejan de hacer nada (salida fija a 0), especialmente si se utiliza una tasa de
aprendizaje elevada… Las leaky ReLU nunca mueren, aunque pueden entrar en coma del que tal vez despierten.»
Un MLP pequeño (dígitos reducidos a 8×8×3 → `--capas` capas ocultas de `--unidades` neuronas → softmax) se
entrena con SGD y varias tasas de aprendizaje; al final de cada época se cuenta en cada capa oculta la
fracción de unidades cuya preactivación es ≤ 0 para todas las imágenes de entrenamiento
(`teoria.activaciones.unidades_muertas`): con ReLU están muertas (salida y gradiente 0), con
leaky ReLU solo en coma (gradiente α).
"""

import os

import keras
import numpy as np

from datos import cargar_fuente
from datos.argumentos import tipo
from datos.errores import ErrorDatos
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from practicas.comun import iniciar, opciones_fuente
from practicas.entrenamiento._comun import imprimir_tabla, lista_de, lista_de_numeros
from teoria.activaciones import fraccion_muertas
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "ReLU que mueren: fracción de unidades muertas por época con una tasa de aprendizaje normal y una alta"

ACTIVACIONES_KERAS = {"relu": "relu", "leaky-relu": "leaky_relu"}  # leaky_relu de Keras: pendiente 0,2


def opciones(parser):
    opciones_fuente(parser)
    parser.add_argument(
        "--tasas",
        type=lista_de_numeros(POSITIVO),
        default=[0.05, 0.5, 1.0],
        help="tasas de aprendizaje de SGD separadas por comas (por defecto 0.05,0.5,1: normal, alta y demasiado alta)",
    )
    parser.add_argument(
        "--activaciones",
        type=lista_de(list(ACTIVACIONES_KERAS)),
        default=list(ACTIVACIONES_KERAS),
        help="activaciones separadas por comas (por defecto relu,leaky-relu)",
    )
    parser.add_argument("--capas", type=tipo(ENTERO_POSITIVO), default=2, help="capas ocultas (2)")
    parser.add_argument("--unidades", type=tipo(ENTERO_POSITIVO), default=100, help="neuronas por capa oculta (100)")
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO), default=10, help="épocas (10)")
    parser.add_argument("--batch", type=tipo(ENTERO_POSITIVO), default=32, help="tamaño del lote (32)")
    parser.add_argument(
        "--muestras", type=tipo(ENTERO_POSITIVO), default=None, help="imágenes de entrenamiento (por defecto todas)"
    )
    parser.add_argument("--semilla", type=int, default=0, help="semilla de NumPy y de Keras (por defecto 0)")
    parser.add_argument(
        "--salida", default=None, help="carpeta de resultados (por defecto resultados/entrenamiento-relu-muertas)"
    )
    parser.add_argument("--silencioso", action="store_true", help="sin una línea por época")
    parser.set_defaults(reanudar=False)


def mlp(input_shape, num_clases, capas, unidades, activacion):
    """AveragePooling2D(4) → Flatten → [Dense → Activation] × `capas` → Dense softmax.

    Devuelve `(modelo, sonda)`: `sonda` da las preactivaciones de cada capa oculta (la salida de sus Dense).
    """
    entrada = keras.Input(shape=tuple(input_shape))
    h = keras.layers.Flatten()(keras.layers.AveragePooling2D(4)(entrada))
    preactivaciones = []
    for k in range(capas):
        z = keras.layers.Dense(unidades, name=f"oculta_{k + 1}")(h)
        preactivaciones.append(z)
        h = keras.layers.Activation(ACTIVACIONES_KERAS[activacion])(z)
    salida = keras.layers.Dense(num_clases, activation="softmax")(h)
    return keras.Model(entrada, salida, name=f"mlp_{activacion}"), keras.Model(entrada, preactivaciones)


class ContarMuertas(keras.callbacks.Callback):
    """Al final de cada época (y antes de empezar) cuenta las unidades muertas de cada capa oculta."""

    def __init__(self, sonda, x, etiqueta, silencioso):
        super().__init__()
        self.sonda, self.x, self.etiqueta, self.silencioso = sonda, x, etiqueta, silencioso
        self.filas = []

    def contar(self, epoca, logs=None):
        # la sonda se llama directamente, por lotes (un `predict` se trazaría de nuevo con cada modelo)
        partes = [self.sonda(self.x[i : i + 512], training=False) for i in range(0, len(self.x), 512)]
        partes = [p if isinstance(p, (list, tuple)) else [p] for p in partes]
        salidas = [np.concatenate([keras.ops.convert_to_numpy(p[c]) for p in partes]) for c in range(len(partes[0]))]
        # si el entrenamiento ha divergido (NaN) no tiene sentido contar: None
        fracciones = [fraccion_muertas(z) if np.all(np.isfinite(z)) else None for z in salidas]
        total = None if None in fracciones else float(np.mean(fracciones))
        perdida = float((logs or {}).get("loss", np.nan))
        for capa, fraccion in enumerate(fracciones, start=1):
            self.filas.append({**self.etiqueta, "epoca": epoca, "capa": capa, "fraccion_muertas": fraccion})
        self.filas.append({**self.etiqueta, "epoca": epoca, "capa": "todas", "fraccion_muertas": total})
        if not self.silencioso and epoca > 0:
            texto = ", ".join("—" if f is None else f"{100 * f:.0f} %" for f in fracciones)
            print(
                f"{self.etiqueta['activacion']}, tasa {self.etiqueta['tasa']:g}, época {epoca}: pérdida {perdida:.4f}, inactivas por capa {texto}"
            )

    def on_train_begin(self, logs=None):
        self.contar(0)

    def on_epoch_end(self, epoch, logs=None):
        self.contar(epoch + 1, logs)


def _finito_o_none(valor):
    """`valor` como float, o None si no es finito (el entrenamiento divergió)."""
    valor = float(valor)
    return valor if np.isfinite(valor) else None


def _figura(filas, activaciones, tasas):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, len(activaciones), figsize=(5.5 * len(activaciones), 4), squeeze=False)
    for eje, activacion in zip(ejes[0], activaciones):
        for tasa in tasas:
            propias = [f for f in filas if f["activacion"] == activacion and f["tasa"] == tasa and f["capa"] == "todas"]
            fracciones = [np.nan if f["fraccion_muertas"] is None else f["fraccion_muertas"] for f in propias]
            etiqueta = f"tasa {tasa:g}" + (" (diverge)" if np.isnan(fracciones[-1]) else "")
            eje.plot([f["epoca"] for f in propias], fracciones, marker=".", label=etiqueta)
        eje.set_ylim(-0.03, 1.03)
        eje.set_xlabel("Época (0: pesos iniciales)")
        eje.set_ylabel("Fracción de unidades con z ≤ 0 siempre")
        eje.set_title(f"{activacion}: {'muertas' if activacion == 'relu' else 'en coma'}")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    figura.suptitle("Dying ReLUs: unidades que no se activan con ninguna imagen de entrenamiento")
    figura.tight_layout()
    return figura


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir
    )  # antes de escribir nada
    if x_train.ndim != 4 or x_train.shape[1] % 4 or x_train.shape[2] % 4:
        raise ErrorDatos(f"'--datos' debe dar imágenes con lados múltiplos de 4 y da forma {x_train.shape[1:]}.")
    carpeta = iniciar(args, "entrenamiento-relu-muertas")
    if args.muestras is not None and args.muestras < len(x_train):
        indices = np.sort(np.random.default_rng(args.semilla).permutation(len(x_train))[: args.muestras])
        x_train, y_train = x_train[indices], y_train[indices]

    filas, resumen = [], []
    for activacion in args.activaciones:
        for tasa in args.tasas:
            keras.utils.set_random_seed(args.semilla)  # los mismos pesos iniciales y lotes con cada tasa
            modelo, sonda = mlp(x_train.shape[1:], y_train.shape[1], args.capas, args.unidades, activacion)
            modelo.compile(optimizer=keras.optimizers.SGD(tasa), loss="categorical_crossentropy", metrics=["accuracy"])
            contador = ContarMuertas(sonda, x_train, {"activacion": activacion, "tasa": tasa}, args.silencioso)
            hist = modelo.fit(
                x_train, y_train, batch_size=args.batch, epochs=args.epocas, verbose=0, callbacks=[contador]
            )
            probabilidades = np.concatenate(
                [
                    keras.ops.convert_to_numpy(modelo(x_test[i : i + 512], training=False))
                    for i in range(0, len(x_test), 512)
                ]
            )
            precision_test = np.mean(np.argmax(probabilidades, axis=1) == np.argmax(y_test, axis=1))
            perdida_test = -np.mean(np.sum(y_test * np.log(np.clip(probabilidades, 1e-7, 1.0)), axis=1))
            filas += contador.filas
            finales = {f["capa"]: f["fraccion_muertas"] for f in contador.filas if f["epoca"] == args.epocas}
            iniciales = {f["capa"]: f["fraccion_muertas"] for f in contador.filas if f["epoca"] == 0}
            perdida = _finito_o_none(hist.history["loss"][-1])
            resumen.append(
                {
                    "activacion": activacion,
                    "tasa": tasa,
                    "muertas_inicio": iniciales["todas"],
                    "muertas_final": finales["todas"],  # None si ha divergido
                    **{f"muertas_capa_{c}": finales[c] for c in range(1, args.capas + 1)},
                    "perdida_final": perdida,
                    "diverge": perdida is None or finales["todas"] is None,
                    "precision_entrenamiento": _finito_o_none(hist.history["accuracy"][-1]),
                    "precision_test": _finito_o_none(precision_test),
                    "perdida_test": _finito_o_none(perdida_test),
                }
            )
    escribir_csv(os.path.join(carpeta, "muertas.csv"), filas)
    escribir_csv(os.path.join(carpeta, "resultados.csv"), resumen)
    guardar_figura(_figura(filas, args.activaciones, args.tasas), os.path.join(carpeta, "muertas.png"))
    resultados = {"imagenes": len(x_train), "resumen": resumen, "por_epoca": filas}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)

    def legible(fila):
        sin_none = {k: float("nan") if v is None else v for k, v in fila.items()}
        return {**sin_none, "diverge": "sí" if fila["diverge"] else "no"}

    imprimir_tabla(
        [legible(f) for f in resumen],
        f"Unidades con preactivación ≤ 0 para las {len(x_train)} imágenes (ReLU: muertas; leaky ReLU: en coma)",
        [
            ("activacion", "Activación", "s"),
            ("tasa", "Tasa", "g"),
            ("muertas_inicio", "Al empezar", ".2f"),
            ("muertas_final", "Al terminar", ".2f"),
            ("precision_test", "Precisión test", "%"),
            ("diverge", "Diverge", "s"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
