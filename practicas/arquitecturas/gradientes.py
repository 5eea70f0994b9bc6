"""Ejercicio `gradientes` (clase «CNNs», DESVANECIMIENTO / EXPLOSIÓN DEL GRADIENTE; «Aprendizaje de
Máquinas: redes profundas», batch normalization).

Tres redes densas de la misma profundidad (`modelos.bloques.red_profunda`, 20 capas con sigmoide por
defecto): plana, con conexiones residuales y con batch normalization antes de cada activación. Con los
mismos pesos iniciales en la primera capa y el mismo lote de imágenes, `utilidades.gradientes` mide con
`tf.GradientTape` la norma del gradiente de la pérdida respecto a los pesos de cada capa: en la plana se
desvanece hacia las primeras capas (la razón ‖∇W₁‖/‖∇W₂₀‖ es diminuta); las conexiones residuales y la
normalización lo mantienen. Después (`--epocas`, 0 para no hacerlo) entrena las tres unas épocas para ver
la consecuencia: la plana apenas aprende.

Escribe `normas.csv` (norma por capa y variante), `razones.csv`, `gradientes.png`, `entrenamiento.csv`
y `resultados.json`.
"""

import os

from datos.argumentos import tipo
from datos.validacion import ENTERO_NO_NEGATIVO, ENTERO_POSITIVO
from modelos.bloques import VARIANTES_PROFUNDA, red_profunda
from practicas.arquitecturas._comun import cargar, entrenar, evaluar, opciones_datos, preparar
from practicas.comun import cantidad, iniciar, sembrar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de
from utilidades.gradientes import capas_con_nucleo, normas_gradiente, razon_primera_ultima
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Desvanecimiento del gradiente: norma por capa en una red profunda plana, residual y con batch norm"

ACTIVACIONES = ("sigmoid", "tanh", "relu")


def opciones(parser):
    opciones_datos(
        parser,
        epocas=5,
        batch=64,
        ayuda_epocas="épocas del entrenamiento posterior de cada red (por defecto 5; 0: solo los gradientes)",
        restriccion_epocas=ENTERO_NO_NEGATIVO,
    )
    parser.add_argument("--profundidad", type=tipo(ENTERO_POSITIVO), default=20, help="capas densas ocultas (20)")
    parser.add_argument("--unidades", type=tipo(ENTERO_POSITIVO), default=32, help="neuronas de cada capa oculta (32)")
    parser.add_argument(
        "--activacion", choices=ACTIVACIONES, default="sigmoid", help="activación de las capas ocultas (sigmoid)"
    )
    parser.add_argument(
        "--variantes",
        type=lista_de(list(VARIANTES_PROFUNDA)),
        default=list(VARIANTES_PROFUNDA),
        help=f"redes separadas por comas (por defecto todas: {','.join(VARIANTES_PROFUNDA)})",
    )


def _figura(normas, historiales, args):
    import matplotlib.pyplot as plt

    from utilidades.graficas import epocas_enteras

    paneles = 2 if historiales else 1
    figura, ejes = plt.subplots(1, paneles, figsize=(6.5 * paneles, 4.5), squeeze=False)
    eje = ejes[0, 0]
    for variante, filas in normas.items():
        razon = razon_primera_ultima(filas)
        eje.semilogy(
            [f["indice"] for f in filas],
            [f["norma"] for f in filas],
            "o-",
            markersize=4,
            label=f"{variante} (‖∇W₁‖/‖∇W_N‖ = {razon:.1e})",
        )
    eje.set_xlabel("Capa (1 = la más cercana a la entrada)")
    epocas_enteras(eje)  # capas enteras
    eje.set_ylabel("‖∂L/∂W‖ (un lote)")
    eje.set_title(f"{args.profundidad} capas densas con {args.activacion}")
    eje.grid(alpha=0.3, which="both")
    eje.legend(fontsize=8)
    if historiales:
        eje = ejes[0, 1]
        for variante, perdidas in historiales.items():
            eje.plot(range(1, len(perdidas) + 1), perdidas, "o-", label=variante)
        eje.set_xlabel("Época")
        eje.set_ylabel("Pérdida de entrenamiento")
        eje.set_title("Entrenamiento con Adam")
        epocas_enteras(eje, max(len(p) for p in historiales.values()))
        eje.grid(alpha=0.3)
        eje.legend(fontsize=8)
    figura.tight_layout()
    return figura


def _normas(args, construir, x_lote, y_lote):
    """Norma del gradiente capa a capa de cada variante en el mismo lote, y la razón primera/última."""
    normas, razones, filas_normas = {}, [], []
    for variante in args.variantes:
        sembrar(args, 1)  # misma semilla: la primera capa empieza igual en las tres
        modelo = construir(variante)
        filas = normas_gradiente(modelo, x_lote, y_lote, capas_con_nucleo(modelo, prefijo="densa_"))
        normas[variante] = filas
        filas_normas += [{"variante": variante, **f} for f in filas]
        razones.append(
            {
                "variante": variante,
                "primera": filas[0]["norma"],
                "ultima": filas[-1]["norma"],
                "razon": razon_primera_ultima(filas),
            }
        )
        del modelo
    return normas, razones, filas_normas


def ejecutar(args):
    datos = cargar(args)  # antes de escribir nada
    carpeta = iniciar(args, "arquitecturas-gradientes")
    x_train, y_train, x_test, y_test = preparar(datos, args.muestras, args.semilla_base)
    batch = min(args.batch, len(x_train))
    x_lote, y_lote = x_train[:batch], y_train[:batch]  # el mismo lote para las tres redes

    def construir(variante):
        return red_profunda(
            y_train.shape[1], x_train.shape[1:], args.profundidad, args.unidades, args.activacion, variante
        )

    normas, razones, filas_normas = _normas(args, construir, x_lote, y_lote)
    escribir_csv(os.path.join(carpeta, "normas.csv"), filas_normas)
    escribir_csv(os.path.join(carpeta, "razones.csv"), razones)

    entrenamiento, historiales = [], {}
    if args.epocas > 0:
        for variante in args.variantes:
            sembrar(args, 1)
            modelo = construir(variante)
            historial, segundos = entrenar(modelo, x_train, y_train, args, os.path.join(carpeta, variante))
            perdida, precision = evaluar(modelo, x_test, y_test)
            historiales[variante] = historial.history["loss"]
            entrenamiento.append(
                {
                    "variante": variante,
                    "parametros": modelo.count_params(),
                    "perdida_entrenamiento": float(historial.history["loss"][-1]),
                    "perdida": perdida,
                    "precision": precision,
                    "segundos": segundos,
                }
            )
            del modelo
        escribir_csv(os.path.join(carpeta, "entrenamiento.csv"), entrenamiento)
    guardar_figura(_figura(normas, historiales, args), os.path.join(carpeta, "gradientes.png"))

    resultados = {
        "profundidad": args.profundidad,
        "unidades": args.unidades,
        "activacion": args.activacion,
        "lote": batch,
        "razones": {r["variante"]: r["razon"] for r in razones},
        "normas": filas_normas,
        "entrenamiento": entrenamiento,
    }
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        razones,
        f"Norma del gradiente en la primera y en la última capa ({args.profundidad} capas, {args.activacion})",
        [("variante", "Red", "s"), ("primera", "‖∇W₁‖", ".2e"), ("ultima", "‖∇W_N‖", ".2e"), ("razon", "Razón", ".2e")],
    )
    if entrenamiento:
        imprimir_tabla(
            entrenamiento,
            f"Tras {cantidad(args.epocas, 'época')} de entrenamiento ({len(x_train)} imágenes)",
            [
                ("variante", "Red", "s"),
                ("perdida_entrenamiento", "Pérdida entren.", ".4f"),
                ("perdida", "Pérdida test", ".4f"),
                ("precision", "Precisión test", "%"),
            ],
        )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
