"""Taller de perros y gatos (clase de CNN): CNN pequeña desde cero, VGG16 con transfer learning y ajuste fino.

Tres etapas, cada una en su subcarpeta de resultados:

1. `desde-cero`: `red_perros_gatos`, entrenada desde cero con aumento de datos;
2. `transferencia`: base convolucional de VGG16 congelada y cabeza densa nueva (Adam 1e-3);
3. `ajuste-fino`: se descongela el último bloque de VGG16 (`block5`) y se sigue con una tasa baja (1e-5).

Datos: una carpeta `clase/imagen.jpg` (`--carpeta`) leída con `image_dataset_from_directory`, con el aumento
de `datos.aumento.CapaAumento` solo en entrenamiento. Sin `--carpeta`, demostración sin conexión sobre una
carpeta sintética y VGG16 con `weights=None`, con un aviso.
"""

from datos.argumentos import tipo
from datos.aumento import CapaAumento
from datos.iteradores import AUMENTO_PERROS_GATOS
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from modelos import descongelar_ultimo_bloque, red_perros_gatos, red_vgg16_transferencia
from practicas.comun import iniciar, sembrar
from practicas.talleres._carpetas import (
    entrenar_etapa,
    finalizar_etapas,
    opciones_carpeta,
    preparar_datos,
    resolver_opciones,
)
from utilidades.entrenamiento import compileModel

AYUDA = "Taller de perros y gatos: CNN desde cero y VGG16 con transfer learning y ajuste fino del último bloque"


def opciones(parser):
    opciones_carpeta(parser, epocas=30, batch=32)
    parser.add_argument(
        "--epocas-ajuste", type=tipo(ENTERO_POSITIVO), default=10, help="épocas del ajuste fino (por defecto 10)"
    )
    parser.add_argument(
        "--tasa-ajuste", type=tipo(POSITIVO), default=1e-5, help="tasa de aprendizaje del ajuste fino (1e-5)"
    )


def ejecutar(args):
    pesos = resolver_opciones(args)
    carpeta = iniciar(args, "talleres-perros-gatos")
    sembrar(args)
    capa_aumento = CapaAumento(**AUMENTO_PERROS_GATOS)

    def aumentar(x, y, semilla_lote):  # semilla sin estado de cada lote: lotes repetibles con tf.data en paralelo
        return capa_aumento(x, training=True, semilla=semilla_lote), y

    train, val, test, clases, demo = preparar_datos(args, carpeta, transformacion=aumentar)
    forma = (args.tamano, args.tamano, 3)
    evaluacion = test if test is not None else val
    etapa = dict(args=args, carpeta=carpeta, train=train, val=val, evaluacion=evaluacion)

    filas = [
        entrenar_etapa(
            nombre="desde-cero",
            modelo=red_perros_gatos(len(clases), forma),
            compilar=compileModel,
            epocas=args.epocas,
            **etapa,
        )
    ]
    modelo = red_vgg16_transferencia(len(clases), forma, pesos=pesos)
    filas.append(
        entrenar_etapa(
            nombre="transferencia",
            modelo=modelo,
            compilar=compileModel,
            epocas=args.epocas,
            con_pesos=True,
            **etapa,
        )
    )
    descongelar_ultimo_bloque(modelo)
    filas.append(
        entrenar_etapa(
            nombre="ajuste-fino",
            modelo=modelo,
            compilar=lambda m: compileModel(m, learning_rate=args.tasa_ajuste),
            epocas=args.epocas_ajuste,
            **etapa,
        )
    )
    return finalizar_etapas(
        carpeta,
        filas,
        "Taller de perros y gatos",
        "test" if test is not None else "validación",
        extra={"clases": clases, "demostracion": demo, "pesos_vgg16": pesos or "ninguno"},
    )
