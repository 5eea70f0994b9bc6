"""Punto de entrada: `python -m practicas <practica> <ejercicio> [opciones]` (o la orden `practicas`).

- La carpeta de trabajo se quita de `sys.path`: un `modelos.py` o una carpeta `datos/` del usuario no tapan
  los paquetes del proyecto.
- `--help` y los errores de la línea de órdenes no cargan TensorFlow ni los ejercicios: la lista sale del
  registro (`practicas.registro`, que lee los módulos sin importarlos), la ayuda de un ejercicio, de la
  guardada en `practicas/_ayudas.py`, y solo se importa el ejercicio elegido.
- TensorFlow arranca en silencio (sus mensajes de C++ al cargarse y al buscar la GPU no se muestran);
  `--verboso` los deja ver. Al arrancarlo se configura la GPU (`configCUDA`), una vez, antes de crear nada.
- Un error del paquete (`datos.errores.ErrorPracticas`: datos que faltan, opciones incoherentes) se explica en una línea
  y, si la ejecución había creado la carpeta de resultados y solo contiene `config.json`, la borra. Un fallo
  de Keras, de TensorFlow o un error de programación muestra su traceback completo.
"""

import argparse
import contextlib
import os
import runpy
import sys

from practicas.registro import ayuda_guardada, ayuda_practica, ayudas, cargar_ejercicio, practicas_disponibles

RAIZ = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class _EjerciciosPerezosos(argparse._SubParsersAction):
    """Subórdenes de los ejercicios que añaden sus opciones (e importan su módulo) solo si se eligen.

    `al_elegir()` se llama justo antes de importar el ejercicio elegido (p. ej. para arrancar TensorFlow).
    Con `con_ayudas_guardadas`, `-h`/`--help` de un ejercicio muestra su ayuda guardada sin importarlo.
    """

    def __init__(self, *args, practica=None, al_elegir=None, con_ayudas_guardadas=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.practica = practica
        self.al_elegir = al_elegir
        self.con_ayudas_guardadas = con_ayudas_guardadas
        self.cargados = set()

    def __call__(self, parser, namespace, values, option_string=None):
        nombre = values[0]
        if nombre in self._name_parser_map and self.con_ayudas_guardadas and _pide_ayuda(values[1:]):
            guardada = ayuda_guardada(self.practica, nombre)
            if guardada is not None:
                print(guardada, end="")
                parser.exit()
        if nombre in self._name_parser_map and nombre not in self.cargados:
            self.cargados.add(nombre)
            if self.al_elegir is not None:
                self.al_elegir()
            modulo = cargar_ejercicio(self.practica, nombre)
            subparser = self._name_parser_map[nombre]
            modulo.opciones(subparser)
            subparser.add_argument(
                "--verboso",
                action="store_true",
                help="muestra los mensajes internos de TensorFlow (ocultos por defecto)",
            )
            subparser.set_defaults(_modulo=modulo)
        super().__call__(parser, namespace, values, option_string)


def _pide_ayuda(argumentos):
    """True si `argumentos` (los que siguen al ejercicio) piden la ayuda antes de un `--`."""
    for argumento in argumentos:
        if argumento == "--":
            return False
        if argumento in ("-h", "--help"):
            return True
    return False


def construir_parser(al_elegir=None, con_ayudas_guardadas=True):
    """La línea de órdenes entera; solo el ejercicio elegido se importa (tras llamar a `al_elegir()`)."""
    # Aquí y no arriba: con `python -m practicas`, `utilidades` se importa después de quitar la carpeta de
    # trabajo de sys.path (un utilidades.py del usuario no lo tapa).
    from datos.argumentos import ParserEspanol

    parser = ParserEspanol(
        prog="practicas", description="Prácticas de redes neuronales con Keras. Ejemplo: practicas p3 ejercicio1"
    )
    subpracticas = parser.add_subparsers(dest="practica", metavar="PRACTICA", required=True)
    for practica in practicas_disponibles():
        p = subpracticas.add_parser(practica, help=ayuda_practica(practica))
        p.register("action", "ejercicios_perezosos", _EjerciciosPerezosos)
        subejercicios = p.add_subparsers(
            dest="ejercicio",
            metavar="EJERCICIO",
            required=True,
            action="ejercicios_perezosos",
            practica=practica,
            al_elegir=al_elegir,
            con_ayudas_guardadas=con_ayudas_guardadas,
        )
        for nombre, ayuda in ayudas(practica).items():
            subejercicios.add_parser(nombre, help=ayuda, description=ayuda)
    return parser


def arrancar_tensorflow(verboso=False):
    """Importa TensorFlow y configura la GPU (`configCUDA`); sin `verboso`, sin sus mensajes de C++ ni avisos.

    `TF_CPP_MIN_LOG_LEVEL` debe fijarse antes del primer `import tensorflow`; los mensajes que TensorFlow
    escribe al cargarse (antes de iniciar su registro) no lo respetan: se filtran mientras se carga
    (`datos.silencio`: el ruido conocido no se muestra, un error de verdad sí).
    """
    if not verboso:
        # 3: tampoco los «E» de C++, que al entrenar no piden nada al usuario (p. ej. «NodeDef mentions
        # attribute ...»); los errores de verdad llegan como excepciones de Python.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from datos.silencio import stderr_filtrado  # (aquí: con la carpeta de trabajo ya fuera de sys.path)

    with contextlib.nullcontext() if verboso else stderr_filtrado():
        import tensorflow as tf

        from utilidades.dispositivo import configCUDA

        configCUDA()  # antes de crear ningún modelo; inicia CUDA aquí: «failed call to cuInit» queda oculto
    if not verboso:
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
    parser = construir_parser(al_elegir=lambda: arrancar_tensorflow(verboso="--verboso" in argv))
    args = parser.parse_args(argv)
    nuevas = _carpetas_nuevas(_carpeta_resultados(args))
    from datos.errores import ErrorPracticas  # aquí: la carpeta de trabajo ya no tapa `datos`

    try:
        args._modulo.ejecutar(args)
    except ErrorPracticas as e:
        _deshacer_carpetas(nuevas)
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrumpido. Continúe después con la misma orden y --reanudar.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    # Antes de importar datos, modelos y utilidades. `datos._sombras` se carga por su ruta: con la carpeta
    # de trabajo aún en sys.path, `import datos` lo taparía un datos.py del usuario.
    sombras = runpy.run_path(os.path.join(RAIZ, "datos", "_sombras.py"))
    sombras["quitar_carpeta_de_trabajo"](sys.path)
    sys.exit(main())
