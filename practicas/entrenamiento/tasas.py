"""Ejercicio `tasas` (Bariloche, «Decaimiento de la tasa de aprendizaje»; Granada, «Tasas de aprendizaje»).

Los programas de `utilidades.tasas` (constante, escalonado, exponencial, 1/t, potencia, ×0.1 cada s,
rendimiento y 1cycle) dibujados frente a la época y comparados entrenando BaseNet con SGD + momento
en los datos elegidos (por defecto los dígitos incluidos).

Con `--modo epoca` (por defecto) cada programa actúa como callback y `t` es la época; con `--modo paso`
se entrega al optimizador como `LearningRateSchedule` y `t` es el paso, con los mismos parámetros
multiplicados por los pasos de cada época. El de rendimiento es siempre un callback.
"""

import os

import numpy as np

from datos import cargar_fuente, getDataIterators
from datos.argumentos import tipo
from datos.validacion import POSITIVO
from modelos import getBaseNet
from practicas.comun import cantidad, entrenar_y_evaluar, iniciar, opciones_comunes
from practicas.entrenamiento._comun import RegistroTasa, imprimir_tabla, lista_de
from utilidades.entrenamiento import compileModel, leer_historial
from utilidades.graficas import epocas_enteras
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura, leer_csv
from utilidades.tasas import PROGRAMAS, ProgramaTasa, crear_programa

AYUDA = (
    "Programas de tasa de aprendizaje (escalonado, exponencial, 1/t, potencia, ×0.1, rendimiento, 1cycle) con BaseNet"
)

MOMENTO = 0.9


def opciones(parser):
    opciones_comunes(parser, epocas=10, batch=64, repeticiones=1)
    parser.add_argument(
        "--programas",
        type=lista_de(list(PROGRAMAS)),
        default=list(PROGRAMAS),
        help=f"programas separados por comas (por defecto todos: {','.join(PROGRAMAS)})",
    )
    parser.add_argument("--tasa", type=tipo(POSITIVO), default=0.05, help="tasa máxima de SGD con momento 0.9 (0.05)")
    parser.add_argument(
        "--modo",
        choices=("epoca", "paso"),
        default="epoca",
        help="'epoca': callback, t = época (por defecto); 'paso': LearningRateSchedule del optimizador, t = paso",
    )


def _figura(programas_teoricos, tasas, historiales, epocas):
    import matplotlib.pyplot as plt

    figura, (eje_tasa, eje_perdida, eje_precision) = plt.subplots(1, 3, figsize=(17, 4.5))
    t = np.linspace(0, epocas, 20 * epocas + 1)
    for nombre, programa in programas_teoricos.items():
        usadas = sorted(tasas.get(nombre, {}).items())
        if programa is not None:  # la fórmula, y en puntos la tasa con que empezó cada época
            (linea,) = eje_tasa.plot(t, programa.valores(t), label=nombre)
            eje_tasa.plot([e for e, _ in usadas], [v for _, v in usadas], ".", color=linea.get_color())
        else:  # el de rendimiento depende del entrenamiento: la tasa que se usó en cada época
            (linea,) = eje_tasa.step([e for e, _ in usadas], [v for _, v in usadas], ".-", where="post", label=nombre)
        color = linea.get_color()
        if nombre in historiales:
            filas = historiales[nombre]
            epocas_hist = [f["epoca"] for f in filas]
            eje_perdida.plot(epocas_hist, [f["val_loss"] for f in filas], ".-", color=color, label=nombre)
            eje_precision.plot(epocas_hist, [f["val_accuracy"] for f in filas], ".-", color=color, label=nombre)
    eje_tasa.set_yscale("log")
    eje_tasa.set_title("Tasa de aprendizaje")
    eje_tasa.set_xlabel("Época")
    eje_perdida.set_title("Pérdida de validación")
    eje_precision.set_title("Precisión de validación")
    for eje in (eje_tasa, eje_perdida, eje_precision):
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    eje_perdida.set_xlabel("Época")
    eje_precision.set_xlabel("Época")
    for eje in (eje_tasa, eje_perdida, eje_precision):
        epocas_enteras(eje)
    figura.suptitle(f"BaseNet con SGD + momento {MOMENTO}: cada programa de tasa (repetición 1)")
    return figura


def _resumen(filas, programas):
    """Media de las repeticiones de cada programa (y la desviación de la precisión)."""
    resumen = []
    for nombre in programas:
        propias = [f for f in filas if f["programa"] == nombre]
        precisiones = np.array([f["precision"] for f in propias])
        resumen.append(
            {
                "programa": nombre,
                "perdida": float(np.mean([f["perdida"] for f in propias])),
                "precision": float(precisiones.mean()),
                "desv_precision": float(precisiones.std(ddof=1)) if len(propias) > 1 else 0.0,
                "tasa_final": propias[0]["tasa_final"],
            }
        )
    return resumen


def ejecutar(args):
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos, verificar=not args.sin_verificar, carpeta_tfds=args.tfds_dir
    )  # antes de escribir nada
    carpeta = iniciar(args, "entrenamiento-tasas")
    for nombre in args.programas:  # valida los parámetros antes de entrenar
        crear_programa(nombre, args.tasa, args.epocas)

    def construir_modelo():
        return getBaseNet(num_clases=y_train.shape[1], input_shape=x_train.shape[1:])

    def preparar_datos(semilla):  # dentro de entrenar_y_evaluar, tras sembrar: los mismos datos para todos
        it_train, it_val, test_x = getDataIterators(x_train, y_train, x_test, args.batch, semilla=semilla)
        return it_train, it_val, test_x, y_test

    pasos_por_epoca = None
    if args.modo == "paso":  # los mismos para todos los programas: solo dependen de la partición y del lote
        pasos_por_epoca = int(preparar_datos(args.semilla_base)[0].cardinality())

    filas, tasas, historiales, teoricos = [], {}, {}, {}
    for nombre in args.programas:
        por_epoca = crear_programa(nombre, args.tasa, args.epocas)
        teoricos[nombre] = por_epoca if isinstance(por_epoca, ProgramaTasa) else None
        for k in range(1, args.repeticiones + 1):
            sub = os.path.join(carpeta, nombre, f"rep_{k}")
            programa = por_epoca
            if args.modo == "paso" and isinstance(por_epoca, ProgramaTasa):
                programa = crear_programa(nombre, args.tasa, args.epocas * pasos_por_epoca)
            registro = RegistroTasa()
            if not isinstance(programa, ProgramaTasa):
                callbacks, tasa_optimizador = [programa, registro], args.tasa
            elif args.modo == "epoca":
                callbacks, tasa_optimizador = [programa.como_callback(), registro], float(programa.valores(0))
            else:
                callbacks, tasa_optimizador = [registro], programa

            def compilar(modelo, tasa=tasa_optimizador):
                import keras

                compileModel(modelo, optimizer=keras.optimizers.SGD(learning_rate=tasa, momentum=MOMENTO))

            metricas = entrenar_y_evaluar(
                args, sub, construir_modelo, preparar_datos, k, compilar=compilar, callbacks=callbacks
            )
            ruta_tasas = os.path.join(sub, "tasas.csv")
            usadas = {int(f["epoca"]): f["tasa"] for f in leer_csv(ruta_tasas)} if os.path.exists(ruta_tasas) else {}
            usadas.update(registro.tasas)  # al reanudar, las épocas anteriores vienen del archivo
            escribir_csv(ruta_tasas, [{"epoca": e, "tasa": t} for e, t in sorted(usadas.items())])
            if k == 1:
                tasas[nombre] = usadas
                historiales[nombre] = leer_historial(os.path.join(sub, "historial.csv"))
            filas.append({"programa": nombre, "entrenamiento": k, **metricas, "tasa_final": usadas[max(usadas)]})

    guardar_figura(_figura(teoricos, tasas, historiales, args.epocas), os.path.join(carpeta, "programas.png"))
    escribir_csv(os.path.join(carpeta, "resultados.csv"), filas)
    resumen = _resumen(filas, args.programas)
    resultados = {"modo": args.modo, "tasa": args.tasa, "filas": filas, "resumen": resumen}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        resumen,
        f"Test de BaseNet con cada programa de tasa ({cantidad(args.epocas, 'época')}, SGD + momento {MOMENTO})",
        [
            ("programa", "Programa", "s"),
            ("perdida", "Pérdida", ".4f"),
            ("precision", "Precisión", "%"),
            ("desv_precision", "Desv.", "%"),
            ("tasa_final", "Tasa final", ".2e"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
