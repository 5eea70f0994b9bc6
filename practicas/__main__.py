"""Punto de entrada: `python -m practicas <practica> <ejercicio> [opciones]` (o la orden `practicas`)."""
import argparse
import importlib
import sys

from practicas.registro import ejercicios, practicas_disponibles


def construir_parser():
    parser = argparse.ArgumentParser(
        prog="practicas", description="Prácticas de redes neuronales con Keras. Ejemplo: practicas p3 ejercicio1"
    )
    subpracticas = parser.add_subparsers(dest="practica", metavar="PRACTICA", required=True)
    for practica in practicas_disponibles():
        paquete = importlib.import_module(f"practicas.{practica}")
        p = subpracticas.add_parser(practica, help=(paquete.__doc__ or "").strip().splitlines()[0])
        subejercicios = p.add_subparsers(dest="ejercicio", metavar="EJERCICIO", required=True)
        for nombre, modulo in ejercicios(practica).items():
            e = subejercicios.add_parser(nombre, help=modulo.AYUDA, description=modulo.AYUDA)
            modulo.opciones(e)
            e.set_defaults(_modulo=modulo)
    return parser


def main(argv=None):
    args = construir_parser().parse_args(argv)
    from datos.errores import ErrorDatos

    try:
        args._modulo.ejecutar(args)
    except (ErrorDatos, ValueError, FileNotFoundError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrumpido. Continúe después con la misma orden y --reanudar.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
