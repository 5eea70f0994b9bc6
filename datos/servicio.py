"""El servicio tf.data: la tubería de entrada repartida entre varias máquinas, cuando una no basta.

Con una GPU rápida y pocos núcleos, la entrada (leer los JPEG, decodificarlos, redimensionarlos, el aumento)
frena el entrenamiento: la GPU espera a la CPU. `tf.data.experimental.service` lleva ese trabajo a otras
máquinas con CPU libre. Un *despachador* reparte el trabajo y los *trabajadores* ejecutan la tubería y envían
los lotes ya hechos a la máquina que entrena:

    python -m datos.servicio despachador --puerto 5050                        # en una máquina
    python -m datos.servicio trabajador --despachador grpc://gpu1:5050 --host cpu1 --puerto 5051  # en cada una

y, en el entrenamiento, `ds = distribuir(ds, "grpc://gpu1:5050")`. Los trabajadores abren los archivos con
las rutas de la tubería: deben ver los mismos archivos en las mismas rutas (p. ej. una carpeta compartida).

Se usa el modo `distributed_epoch` (`ShardingPolicy.DYNAMIC`): el despachador recorre el origen de la tubería
(las rutas) y da a cada trabajador la siguiente según la pide; en cada época cada elemento se procesa como
mucho una vez entre todos.

Un trabajador que muere (`kill -9`, sin memoria, la máquina apagada) no hace fallar el entrenamiento, pero
TensorFlow (2.21) no le quita sus tareas: los demás terminan su parte de la época y entonces la época (y las
siguientes) espera a que ese trabajador vuelva a arrancar con la misma dirección (`--host` y `--puerto`). Al
volver, la época sigue; las imágenes que tenía a medias se pierden en esa época. Por eso cada trabajador
lleva un puerto fijo y se relanza si muere (un bucle `until ... ; do sleep 1; done` o systemd).

TensorFlow solo se importa al crear un servidor o distribuir: `--help` y los errores de la línea de órdenes
son inmediatos.
"""

import os
import re
import signal
import socket
import sys
import threading
import warnings
from numbers import Integral

from datos.errores import ErrorParametro
from datos.validacion import POSITIVO, Intervalo, comprobar, mensaje

PUERTO_DESPACHADOR = 5050
PUERTO_TRABAJADOR = 5051
# Segundos entre latidos de un trabajador al despachador: con ellos se entera de sus tareas (con el valor de
# TensorFlow, un trabajador relanzado tardó unos 20 s más en retomar la época que lo esperaba).
LATIDO = 1.0
PUERTO = Intervalo(Integral, 1, 65535)

_DIRECCION = re.compile(r"grpc://(?P<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):(?P<puerto>[0-9]{1,5})")
_HOST = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]")
# Operaciones que llaman a Python del proceso que entrena (`from_generator`, `tf.py_function`,
# `tf.numpy_function`, como los lotes de un `np.memmap` en `pipeline_desde_arrays`): un trabajador no las tiene.
_OPERACIONES_PYTHON = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}


class _Direccion:
    """Restricción de `datos.validacion`: la dirección de un despachador, `grpc://host:puerto`."""

    def admite(self, valor):
        encontrada = _DIRECCION.fullmatch(valor) if isinstance(valor, str) else None
        return encontrada is not None and 1 <= int(encontrada["puerto"]) <= 65535

    def convertir(self, valor):
        return valor

    def __str__(self):
        return (
            "la dirección del despachador del servicio tf.data, grpc://host:puerto con un puerto entre 1 y 65535 "
            "(p. ej. grpc://localhost:5050)"
        )


DIRECCION_SERVICIO = _Direccion()


def comprobar_direccion(servicio, nombre="servicio"):
    """La dirección del despachador, `grpc://host:puerto` (p. ej. `grpc://localhost:5050`), comprobada."""
    return comprobar(servicio, nombre, DIRECCION_SERVICIO)


def comprobar_despachador(servicio, espera=10.0):
    """Error si nadie escucha en la dirección de `servicio`: TensorFlow esperaría para siempre sin decir nada."""
    encontrada = _DIRECCION.fullmatch(servicio)
    host, puerto = encontrada["host"].strip("[]"), int(encontrada["puerto"])
    try:
        socket.create_connection((host, puerto), timeout=espera).close()
    except OSError as error:
        raise ErrorParametro(
            f"'servicio': no hay ningún despachador del servicio tf.data en {servicio} ({error.strerror or error}). "
            f"Arránquelo con `python -m datos.servicio despachador --puerto {puerto}` o revise el host y el puerto."
        ) from None


def _operaciones(ds):
    """Los tipos de operación del grafo de `ds`, también los de dentro de sus funciones (`map`, `filter`...)."""
    from tensorflow.core.framework import graph_pb2

    grafo = graph_pb2.GraphDef()
    grafo.ParseFromString(ds._as_serialized_graph().numpy())  # el mismo grafo que recibe el despachador
    operaciones = {nodo.op for nodo in grafo.node}
    for funcion in grafo.library.function:
        operaciones |= {nodo.op for nodo in funcion.node_def}
    return operaciones


def comprobar_repartible(ds):
    """Error si `ds` no puede ejecutarse en otro proceso; aviso si su `Dataset.random` se repetiría en cada uno."""
    operaciones = _operaciones(ds)
    if operaciones & _OPERACIONES_PYTHON:
        raise ErrorParametro(
            "'ds' llama a funciones de Python (from_generator, tf.py_function o tf.numpy_function, como los lotes "
            "de un np.memmap): los trabajadores del servicio tf.data no las tienen. Escriba la tubería solo con "
            "operaciones de TensorFlow (p. ej. leer los archivos con tf.io.read_file)."
        )
    if "RandomDataset" in operaciones:
        warnings.warn(
            "'ds' usa tf.data.Dataset.random (p. ej. semillas_por_lote=True): cada trabajador genera su propia "
            "secuencia, y con una semilla fija la misma en todos (lotes de distintos trabajadores con el mismo "
            "aumento).",
            stacklevel=3,
        )


def distribuir(ds, servicio, trabajo=None):
    """`ds` ejecutado en los trabajadores del servicio tf.data de `servicio` (`grpc://host:puerto`).

    Saca de la máquina que entrena la lectura, la decodificación y el aumento de las imágenes: los trabajadores
    (otras máquinas, o procesos en esta) ejecutan la tubería entera, `batch` incluido, y envían los lotes
    hechos. El modo es `distributed_epoch`: el despachador reparte el origen de `ds` (las rutas de
    `from_tensor_slices`, `list_files`...) entre los trabajadores según lo piden, y en cada época cada
    elemento del origen se procesa como mucho una vez entre todos (exactamente una si ningún trabajador
    muere). Lo que viene después del origen se hace en cada trabajador por separado: cada uno forma sus lotes
    (puede haber un lote incompleto por trabajador), `take(n)` da `n` elementos por trabajador, `scan` lleva
    un estado por trabajador y `Dataset.random` se repite en cada uno (aviso).

    - `ds`: el `tf.data.Dataset`, sin funciones de Python (`from_generator`, `tf.py_function`): error.
    - `servicio`: dirección del despachador (`python -m datos.servicio despachador`); error si no responde.
    - `trabajo`: nombre del trabajo, para que varios procesos que entrenan se repartan los mismos elementos;
      sin él, cada recorrido (cada época) es un trabajo propio.

    Los trabajadores abren los archivos con las rutas que ve este proceso: deben ver los mismos archivos en las
    mismas rutas (una carpeta compartida). Para entrenar no cambia nada: `model.fit(distribuir(ds, ...))`.
    """
    comprobar_direccion(servicio)
    if trabajo is not None and (not isinstance(trabajo, str) or not trabajo.strip()):
        raise ErrorParametro(mensaje("trabajo", "None o un nombre (texto no vacío)", trabajo))
    import tensorflow as tf

    if not isinstance(ds, tf.data.Dataset):
        raise ErrorParametro(mensaje("ds", "un tf.data.Dataset", es=f"un {type(ds).__name__}"))
    comprobar_repartible(ds)
    comprobar_despachador(servicio)
    return ds.apply(
        tf.data.experimental.service.distribute(processing_mode="distributed_epoch", service=servicio, job_name=trabajo)
    )


def crear_despachador(puerto=PUERTO_DESPACHADOR):
    """Arranca un despachador en `puerto` de esta máquina y lo devuelve (`DispatchServer`)."""
    puerto = comprobar(puerto, "puerto", PUERTO)
    import tensorflow as tf

    configuracion = tf.data.experimental.service.DispatcherConfig(port=puerto, protocol="grpc")
    return tf.data.experimental.service.DispatchServer(configuracion)


def crear_trabajador(despachador, puerto=PUERTO_TRABAJADOR, host="localhost", latido=LATIDO):
    """Arranca un trabajador que se une al despachador `despachador` (`grpc://host:puerto`) y lo devuelve.

    - `puerto`: el de este trabajador. Fijo, para que al relanzarlo tras una caída el despachador lo reconozca
      y le devuelva sus tareas.
    - `host`: el nombre o la IP con que el despachador y la máquina que entrena llegan a esta máquina (se
      conectan a `host:puerto` para pedir los lotes); `localhost` solo sirve si todo está en una máquina.
    - `latido`: segundos entre latidos al despachador (con ellos se entera de sus tareas).
    """
    comprobar_direccion(despachador, "despachador")
    puerto = comprobar(puerto, "puerto", PUERTO)
    if not isinstance(host, str) or _HOST.fullmatch(host) is None:
        raise ErrorParametro(mensaje("host", "un nombre de máquina o una IP (sin puerto ni grpc://)", host))
    latido = comprobar(latido, "latido", POSITIVO)
    import tensorflow as tf

    configuracion = tf.data.experimental.service.WorkerConfig(
        dispatcher_address=despachador.split("://", 1)[1],
        worker_address=f"{host}:{puerto}",
        port=puerto,
        protocol="grpc",
        heartbeat_interval_ms=max(1, round(1000 * latido)),
    )
    return tf.data.experimental.service.WorkerServer(configuracion)


def esperar(servidor):
    """Bloquea hasta Ctrl+C o SIGTERM y entonces para `servidor`.

    No con `servidor.join()`: en el hilo principal, bloqueado en C++, Python no atendería el Ctrl+C (sus
    manejadores de señales solo se ejecutan entre instrucciones de Python), y en otro hilo el proceso
    aborta al salir con ese hilo aún dentro de `join()`.
    """
    parar = threading.Event()
    anteriores = {s: signal.signal(s, lambda *_: parar.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not parar.wait(1.0):
            pass
    finally:
        for senal, manejador in anteriores.items():
            signal.signal(senal, manejador)
    servidor.stop()


def crear_parser():
    """La línea de órdenes `python -m datos.servicio {despachador,trabajador}`, en español."""
    from datos.argumentos import ParserEspanol, tipo

    parser = ParserEspanol(
        prog="python -m datos.servicio",
        description="Servicio tf.data: reparte la tubería de entrada (leer, decodificar, aumentar) entre "
        "máquinas. Se arranca un despachador y uno o más trabajadores; el entrenamiento usa "
        "datos.servicio.distribuir(ds, 'grpc://host:puerto').",
    )
    ordenes = parser.add_subparsers(dest="orden", required=True, metavar="{despachador,trabajador}", title="órdenes")
    despachador = ordenes.add_parser(
        "despachador", help="arranca el despachador (uno por clúster)", description="Arranca el despachador."
    )
    despachador.add_argument("--puerto", type=tipo(PUERTO), default=PUERTO_DESPACHADOR, help="puerto (5050)")
    trabajador = ordenes.add_parser(
        "trabajador",
        help="arranca un trabajador (uno por máquina con CPU libre)",
        description="Arranca un trabajador. Si muere, reláncelo con el mismo --host y --puerto: hasta entonces "
        "la época espera por él.",
    )
    trabajador.add_argument(
        "--despachador",
        required=True,
        type=tipo(DIRECCION_SERVICIO),
        metavar="grpc://HOST:PUERTO",
        help="dirección del despachador, con el nombre de su máquina",
    )
    trabajador.add_argument(
        "--puerto", type=tipo(PUERTO), default=PUERTO_TRABAJADOR, help="puerto, fijo para poder relanzarlo (5051)"
    )
    trabajador.add_argument(
        "--host",
        default="localhost",
        help="nombre o IP con que las demás máquinas llegan a esta (localhost: todo en una máquina)",
    )
    trabajador.add_argument(
        "--latido",
        type=tipo(POSITIVO),
        default=LATIDO,
        metavar="SEGUNDOS",
        help=f"segundos entre latidos al despachador ({LATIDO:g})",
    )
    return parser


def main(argv=None):
    """Arranca el servidor pedido, imprime su dirección en una línea y espera a Ctrl+C o SIGTERM."""
    args = crear_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # sin los INFO de TensorFlow (su configuración al arrancar)
    try:
        if args.orden == "despachador":
            servidor = crear_despachador(args.puerto)
            print(f"Despachador del servicio tf.data en {servidor.target} (Ctrl+C para terminar)", flush=True)
        else:
            servidor = crear_trabajador(args.despachador, args.puerto, args.host, args.latido)
            direccion = f"{args.host}:{args.puerto}"
            print(f"Trabajador del servicio tf.data en {direccion}, unido a {args.despachador}", flush=True)
    except ErrorParametro as error:
        print(f"python -m datos.servicio: error: {error}", file=sys.stderr)
        return 2
    esperar(servidor)
    print(f"{args.orden.capitalize()} detenido.", flush=True)
    return 0


if __name__ == "__main__":
    from datos._sombras import quitar_carpeta_de_trabajo

    quitar_carpeta_de_trabajo(sys.path)  # un tensorflow.py de la carpeta de trabajo no tapa el de verdad
    sys.exit(main())
