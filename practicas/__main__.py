"""Punto de entrada: `python -m practicas <practica> <ejercicio> [opciones]` (o la orden `practicas`).

- La carpeta de trabajo se quita de `sys.path`: un `modelos.py` o una carpeta `datos/` del usuario no tapan
  los paquetes del proyecto.
- TensorFlow arranca en silencio (sus mensajes de C++ al cargarse y al buscar la GPU no se muestran);
  `--verboso` los deja ver.
- Un error (datos que faltan, opciones incoherentes) se explica en una línea y, si la ejecución había
  creado la carpeta de resultados y solo contiene `config.json`, la borra.
"""
import contextlib
import importlib
import os
import sys
import tempfile

from practicas.argumentos import ParserEspanol
from practicas.registro import ejercicios, practicas_disponibles


def construir_parser():
    parser = ParserEspanol(
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
            e.add_argument(
                "--verboso", action="store_true", help="muestra los mensajes internos de TensorFlow (ocultos por defecto)"
            )
            e.set_defaults(_modulo=modulo)
    return parser


@contextlib.contextmanager
def _stderr_oculto():
    """Lleva a un temporal lo que se escriba en el descriptor 2 (también desde C++); lo muestra si hay un error."""
    sys.stderr.flush()
    copia = os.dup(2)
    with tempfile.TemporaryFile() as temporal:
        os.dup2(temporal.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(copia, 2)
            temporal.seek(0)
            sys.stderr.write(temporal.read().decode("utf-8", "replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(copia, 2)
            os.close(copia)


def arrancar_tensorflow(verboso=False):
    """Importa TensorFlow y busca los dispositivos; sin `verboso`, sin sus mensajes de C++ ni avisos de Python.

    `TF_CPP_MIN_LOG_LEVEL` debe fijarse antes del primer `import tensorflow`; los mensajes que TensorFlow
    escribe al cargarse (antes de iniciar su registro) no lo respetan, así que se ocultan mientras se carga.
    """
    if verboso:
        import tensorflow as tf

        return tf
    # 3: tampoco los «E» de C++, que al entrenar no piden nada al usuario (p. ej. «NodeDef mentions
    # attribute ...»); los errores de verdad llegan como excepciones de Python.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_oculto():
        import tensorflow as tf

        tf.config.list_physical_devices()  # inicia CUDA aquí: «failed call to cuInit» queda oculto
    tf.get_logger().setLevel("ERROR")
    return tf


def _carpeta_resultados(args):
    return args.salida or os.path.join("resultados", f"{args.practica}-{args.ejercicio}")


def _carpetas_nuevas(carpeta):
    """Las carpetas de `carpeta` hacia arriba que todavía no existen (las que creará la ejecución)."""
    nuevas, carpeta = [], os.path.abspath(carpeta)
    while not os.path.exists(carpeta):
        nuevas.append(carpeta)
        carpeta = os.path.dirname(carpeta)
    return nuevas


def _deshacer_carpetas(nuevas):
    """Tras un error, borra las carpetas creadas por la ejecución que no contienen más que `config.json`."""
    for carpeta in nuevas:  # de la más interna a la más externa
        if not os.path.isdir(carpeta) or not set(os.listdir(carpeta)) <= {"config.json"}:
            return
        if os.path.exists(os.path.join(carpeta, "config.json")):
            os.remove(os.path.join(carpeta, "config.json"))
        os.rmdir(carpeta)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    arrancar_tensorflow(verboso="--verboso" in argv)
    args = construir_parser().parse_args(argv)
    from datos.errores import ErrorDatos

    nuevas = _carpetas_nuevas(_carpeta_resultados(args))
    try:
        args._modulo.ejecutar(args)
    except (ErrorDatos, ValueError, FileNotFoundError) as e:
        _deshacer_carpetas(nuevas)
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrumpido. Continúe después con la misma orden y --reanudar.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    from practicas.sombras import quitar_carpeta_de_trabajo

    quitar_carpeta_de_trabajo(sys.path)  # antes de importar datos, modelos y utilidades
    sys.exit(main())
