"""`calificar RUTA` (o `python -m calificacion RUTA`): una entrega o la carpeta de toda la clase.

Una carpeta es la de una clase (cada archivo, subcarpeta o `.zip` es un estudiante) salvo que su nombre
sea el de una entrega de Moodle o se pida `--una`: entonces es la entrega de un solo estudiante.
"""

import argparse
import os
import sys

from datos._sombras import quitar_carpeta_de_trabajo  # ya importado por `utilidades/__init__`

if __name__ == "__main__":
    # Antes de importar nada más: con `python -m` desde la carpeta de la clase, un `numpy.py` de un
    # estudiante se ejecutaría aquí, fuera de su aislamiento (`calificar` no pone esa carpeta en sys.path).
    quitar_carpeta_de_trabajo(sys.path)

from calificacion import aislamiento, entregas, moodle  # noqa: E402
from calificacion.informes import tabla  # noqa: E402
from calificacion.plugin import SinAislamiento, modo_aislado  # noqa: E402
from datos.argumentos import ParserEspanol, tipo  # noqa: E402
from datos.errores import ErrorDatos  # noqa: E402
from datos.validacion import ENTERO_POSITIVO, POSITIVO  # noqa: E402


def _par(texto):
    clave, igual, valor = texto.partition("=")
    if not igual or not clave.strip() or not valor.strip():
        raise argparse.ArgumentTypeError(f"se espera CLAVE=VALOR y se recibió «{texto}»")
    return clave.strip(), valor.strip()


def crear_parser():
    parser = ParserEspanol(
        prog="calificar",
        description="Califica entregas de la práctica ejecutándolas enteras en un aislamiento (bubblewrap).",
    )
    parser.add_argument("ruta", help="entrega (.py, .ipynb, carpeta o .zip) o carpeta con las de toda la clase")
    parser.add_argument("--una", action="store_true", help="la carpeta es la entrega de un solo estudiante")
    parser.add_argument("--suite", default="p3", help="suite de calificación: 'p3' (por defecto) o la ruta de un .py")
    parser.add_argument(
        "--salida",
        default=None,
        help="carpeta de los informes (por defecto calificacion-<entrega>, o 'calificaciones' para una clase)",
    )
    parser.add_argument(
        "--procesos", type=tipo(ENTERO_POSITIVO), default=2, help="entregas que se ejecutan a la vez (2)"
    )
    parser.add_argument(
        "--tiempo-limite",
        type=tipo(POSITIVO),
        default=600.0,
        help="segundos por entrega, sin contar la espera por una CPU libre (600)",
    )
    parser.add_argument("--memoria", type=tipo(POSITIVO), default=6.0, help="GB de memoria por entrega (6)")
    parser.add_argument(
        "--disco", type=tipo(POSITIVO), default=2.0, help="GB que puede escribir cada entrega en disco y en /tmp (2)"
    )
    parser.add_argument(
        "--limite-salida",
        type=tipo(ENTERO_POSITIVO),
        default=10_000_000,
        help="bytes que cada entrega puede escribir por pantalla (10000000)",
    )
    parser.add_argument(
        "--verboso", action="store_true", help="la salida entera de pytest (con sus trazas), no solo la tabla"
    )
    parser.add_argument(
        "--sin-aislamiento",
        action="store_true",
        help="sin bubblewrap: solo límites y un grupo de procesos (menos seguro)",
    )
    parser.add_argument(
        "--nombre",
        type=_par,
        action="append",
        default=[],
        metavar="INFORME=PROPIO",
        help="llamar a PROPIO como a la función del informe (p. ej. getBaseNet=crearRed); repetible",
    )
    parser.add_argument(
        "--regla",
        type=_par,
        action="append",
        default=[],
        metavar="CLAVE=VALOR",
        help="regla opcional de la suite: parametros_mejorada=N, optimizador=Adam, cabeza_v1=cuadro5",
    )
    _opciones_de_clase(parser)
    return parser


def _opciones_de_clase(parser):
    """Las opciones que solo tienen sentido con la carpeta de una clase (reanudar, similitud, Moodle)."""
    clase = parser.add_argument_group("una clase entera")
    clase.add_argument(
        "--reanudar",
        action="store_true",
        help="tras una interrupción: conserva las entregas ya calificadas (progreso.json) y califica las demás",
    )
    clase.add_argument(
        "--plantilla",
        action="append",
        default=[],
        metavar="ARCHIVO",
        help="código que reparte el enunciado (.py o .ipynb): no cuenta en la similitud entre entregas; repetible",
    )
    clase.add_argument(
        "--hoja",
        metavar="HOJA.csv",
        help="hoja de calificaciones descargada de la tarea de Moodle: se rellena en <salida>/moodle/",
    )
    clase.add_argument(
        "--idioma-moodle",
        choices=moodle.IDIOMAS,
        default="es",
        help="idioma de los encabezados de la hoja de Moodle que se escribe sin --hoja (es)",
    )


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from calificacion.clase import calificar_entrega, opciones_pytest, ruta_suite

    parser = crear_parser()
    args = parser.parse_args(argv)
    try:
        ruta_suite(args.suite)
    except ValueError as error:
        parser.error(str(error))
    if not os.path.exists(args.ruta):
        parser.error(f"no existe «{args.ruta}»: compruebe la ruta")
    limites = aislamiento.Limites(
        tiempo=args.tiempo_limite,
        memoria=int(args.memoria * 1024**3),
        salida=args.limite_salida,
        disco=int(args.disco * 1024**3),
    )
    try:
        aislado = modo_aislado(args.sin_aislamiento)
    except SinAislamiento as error:
        parser.exit(2, f"calificar: error: {error}\n")
    nombres, reglas = dict(args.nombre), dict(args.regla)
    nombre = os.path.basename(os.path.normpath(args.ruta))
    clase = os.path.isdir(args.ruta) and not args.una and not entregas._MOODLE.match(nombre)
    if clase:
        return _clase(parser, args, limites, aislado, nombres, reglas)
    opciones = opciones_pytest(limites, aislado, nombres, reglas)
    if not args.verboso:
        print(f"Ejecutando {nombre} {'en bubblewrap' if aislado else 'sin bubblewrap'}…")
    codigo, informe = calificar_entrega(
        args.ruta, args.suite, args.salida, opciones=opciones, silencioso=not args.verboso
    )
    if not args.verboso:  # la tabla y dónde está el informe; las trazas de pytest, con --verboso
        print("\n".join(tabla(informe)))
        print("Qué corregir y por qué: " + ", ".join(informe["informes"]))
    return codigo


def _clase(parser, args, limites, aislado, nombres, reglas):
    from calificacion.clase import calificar_clase

    salida = args.salida or "calificaciones"
    try:
        hoja = moodle.leer_hoja(args.hoja) if args.hoja else None
        calificar_clase(
            args.ruta,
            salida,
            args.suite,
            args.procesos,
            limites,
            aislado,
            nombres,
            reglas,
            reanudar=args.reanudar,
            plantillas=args.plantilla,
            hoja=hoja,
            idioma_moodle=args.idioma_moodle,
        )
    except ErrorDatos as error:
        parser.exit(2, f"calificar: error: {error}\n")
    except KeyboardInterrupt:
        print(
            f"\nInterrumpido. Las entregas ya calificadas están en {os.path.join(salida, 'progreso.json')}: "
            "continúe con la misma orden y --reanudar.",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
