"""Ejercicio 1 de la práctica 3 (§2): BaseNet con normalización, sin aumento; tabla como el Cuadro 1."""

from datos import cargar_fuente, getDataIterators
from modelos import getBaseNet
from practicas.comun import finalizar, iniciar, opciones_comunes, repetir

AYUDA = "BaseNet en CIFAR-100 (25 clases) o en los dígitos incluidos; tabla de test como el Cuadro 1"


def opciones(parser):
    opciones_comunes(parser, epocas=50, batch=64, repeticiones=1)


def ejecutar(args):
    # antes de escribir nada; imágenes de 32×32×3 como CIFAR-100 (§2.2)
    x_train, y_train, x_test, y_test = cargar_fuente(
        args.datos,
        verificar=not args.sin_verificar,
        forma=(32, 32, 3),
        para="p3 ejercicio1",
        carpeta_tfds=args.tfds_dir,
    )
    carpeta = iniciar(args, "p3-ejercicio1")

    def preparar_datos(semilla):
        it_train, it_val, test_x = getDataIterators(x_train, y_train, x_test, args.batch, semilla=semilla)
        return it_train, it_val, test_x, y_test

    def construir_modelo():
        return getBaseNet(num_clases=y_train.shape[1], input_shape=x_train.shape[1:])

    filas = repetir(args, carpeta, construir_modelo, preparar_datos)
    return finalizar(carpeta, filas, "Resultados en test de BaseNet (como el Cuadro 1)")
