"""`python -m utilidades.calificacion RUTA` (o `calificar RUTA`): una entrega o una carpeta con toda la clase."""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from utilidades.calificacion.clase import calificar_clase, calificar_entrega, ruta_suite
from utilidades.calificacion.entregas import LIMITE_SALIDA, MODOS, TIEMPO_LIMITE


def crear_parser():
    parser = argparse.ArgumentParser(
        prog="calificar",
        description="Califica una entrega (.py o .ipynb) o una carpeta de entregas con una suite de pytest.",
    )
    parser.add_argument("ruta", help="entrega de un estudiante, o carpeta con las de toda la clase")
    parser.add_argument("--suite", default="p3", help="suite de calificación: 'p3' (por defecto) o la ruta de un .py")
    parser.add_argument(
        "--salida",
        default=None,
        help="carpeta de los informes (por defecto calificacion-<entrega>, o 'calificaciones' para una clase)",
    )
    parser.add_argument("--procesos", type=int, default=2, help="entregas que se ejecutan a la vez (clase; 2)")
    parser.add_argument(
        "--tiempo-limite", type=float, default=TIEMPO_LIMITE,
        help=f"segundos para cargar la entrega y para cada comprobación (por defecto {TIEMPO_LIMITE:g})",
    )
    parser.add_argument(
        "--limite-salida", type=int, default=LIMITE_SALIDA,
        help=f"bytes que la entrega puede escribir por pantalla (por defecto {LIMITE_SALIDA})",
    )
    parser.add_argument(
        "--ejecutar", choices=MODOS, default="definiciones",
        help="'definiciones' (por defecto): solo importaciones, funciones, clases y constantes; 'todo': la entrega entera",
    )
    return parser


def main(argv=None):
    parser = crear_parser()
    args = parser.parse_args(argv)
    try:
        ruta_suite(args.suite)
    except ValueError as error:
        parser.error(str(error))
    if os.path.isdir(args.ruta):
        calificar_clase(
            args.ruta, args.salida or "calificaciones", args.suite, args.procesos,
            args.tiempo_limite, args.limite_salida, args.ejecutar,
        )
        return 0
    if not os.path.exists(args.ruta):
        parser.error(f"no existe la entrega '{args.ruta}'")
    opciones = ["--tiempo-limite", str(args.tiempo_limite), "--limite-salida", str(args.limite_salida),
                "--ejecutar", args.ejecutar, "-q"]
    codigo, _ = calificar_entrega(args.ruta, args.suite, args.salida, opciones=opciones)
    return codigo


if __name__ == "__main__":
    sys.exit(main())
