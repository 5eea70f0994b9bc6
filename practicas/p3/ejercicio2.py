"""Ejercicio 2 de la práctica 3 (§3): BaseNet++ mejora a mejora (Cuadro 3) y sus repeticiones (Cuadro 4).

El estudio entrena, con la misma semilla, BaseNet y después BaseNet++ añadiendo una mejora cada vez:
1 normalización y aumento de datos (`getNormalizedData`), 2 profundidad y anchura, 3 BatchNormalization
y 4 Dropout. Cada paso deja su carpeta con `historial.csv`, `evolucion.png` y `metricas.json`, y la tabla
va a `estudio.csv`/`estudio.json`. Después se repite BaseNet++ completa `--repeticiones` veces (Cuadro 4,
`resultados.csv`): como en el informe, la primera repetición es el paso 4 del estudio.
"""

import os

from datos import cargar_fuente, getDataIterators, getNormalizedData
from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO
from modelos import getBaseNet, getBaseNetPlusPlus
from practicas.comun import entrenar_y_evaluar, finalizar, iniciar, opciones_comunes, repetir
from utilidades.resultados import escribir_csv, escribir_json

AYUDA = "BaseNet++ mejora a mejora (Cuadro 3) y repeticiones de la red completa (Cuadro 4)"

# (paso, carpeta, mejoras fix2/fix3/fix4 del modelo o None para BaseNet, con aumento de datos)
PASOS = [
    ("BaseNet", "basenet", None, False),
    ("1", "mejora1", (False, False, False), True),
    ("2", "mejora2", (True, False, False), True),
    ("3", "mejora3", (True, True, False), True),
]
PASO_FINAL = "4"  # las cuatro mejoras: es la primera de las repeticiones


def opciones(parser):
    opciones_comunes(parser, epocas=50, batch=64, repeticiones=3)
    parser.add_argument(
        "--muestras",
        type=tipo(ENTERO_POSITIVO),
        default=None,
        help="usar solo las N primeras imágenes de entrenamiento y de test (pruebas rápidas)",
    )


def tabla_estudio(filas):
    """Tabla como el Cuadro 3: pérdida y precisión en test tras cada mejora y la de BaseNet."""
    lineas = ["Mejora en test de BaseNet++ con cada mejora incremental (como el Cuadro 3)"]
    lineas.append(f"{'Mejora':<8}  {'Pérdida':>8}  {'Precisión':>9}")
    orden = [f for f in filas if f["mejora"] != "BaseNet"] + [f for f in filas if f["mejora"] == "BaseNet"]
    lineas += [f"{f['mejora']:<8}  {f['perdida']:>8.4f}  {100 * f['precision']:>8.2f} %" for f in orden]
    return "\n".join(lineas)


def ejecutar(args):
    # antes de escribir nada; imágenes de 32×32×3 como CIFAR-100 (§2.2)
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos,
        verificar=not args.sin_verificar,
        forma=(32, 32, 3),
        para="p3 ejercicio2",
        carpeta_tfds=args.tfds_dir,
    )
    carpeta = iniciar(args, "p3-ejercicio2")
    if args.muestras:
        x_train, y_train = x_train[: args.muestras], y_train[: args.muestras]
        x_test, y_test = x_test[: args.muestras], y_test[: args.muestras]
    num_clases, forma = y_train.shape[1], x_train.shape[1:]

    def datos(aumento):
        def preparar_datos(semilla):
            if aumento:
                it_train, it_val, test_x = getNormalizedData(x_train, y_train, args.batch, x_test, semilla=semilla)
            else:
                it_train, it_val, test_x = getDataIterators(x_train, y_train, x_test, args.batch, semilla=semilla)
            return it_train, it_val, test_x, y_test

        return preparar_datos

    def modelo(mejoras):
        if mejoras is None:
            return lambda: getBaseNet(num_clases=num_clases, input_shape=forma)
        return lambda: getBaseNetPlusPlus(*mejoras, num_clases=num_clases, input_shape=forma)

    estudio = []
    for paso, subcarpeta, mejoras, aumento in PASOS:
        print(f"\n== Paso {paso}: {subcarpeta} ==")
        # repetición 1: la misma semilla, partición, orden y aumento que el paso 4 (primera repetición)
        metricas = entrenar_y_evaluar(args, os.path.join(carpeta, subcarpeta), modelo(mejoras), datos(aumento))
        estudio.append({"mejora": paso, **metricas})

    print(f"\n== Paso {PASO_FINAL} y repeticiones de BaseNet++ completa ==")
    filas = repetir(args, carpeta, modelo((True, True, True)), datos(True))
    estudio.insert(len(PASOS), {"mejora": PASO_FINAL, **{k: v for k, v in filas[0].items() if k != "entrenamiento"}})

    escribir_csv(os.path.join(carpeta, "estudio.csv"), estudio)
    escribir_json(os.path.join(carpeta, "estudio.json"), {"filas": estudio})
    print("\n" + tabla_estudio(estudio))
    resultado = finalizar(carpeta, filas, "Resultados en test de BaseNet++ (como el Cuadro 4)")
    return {"estudio": estudio, **resultado}
