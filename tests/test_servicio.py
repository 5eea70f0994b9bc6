"""El servicio tf.data (`datos.servicio`) de verdad, sin simulaciones: un despachador y dos trabajadores en
procesos aparte (`python -m datos.servicio ...`), en puertos libres de esta máquina, que reparten la lectura de
JPEG de una carpeta.

- En cada época, cada imagen llega una vez (`distributed_epoch`), igual que sin el servicio.
- Un trabajador muerto con SIGKILL a media época no hace fallar ni el recorrido ni `model.fit`: la época espera
  a que se relance con la misma dirección (lo que haría `until ...; do sleep 1; done` o systemd), sigue, y
  ninguna imagen llega dos veces (las que tenía a medias se pierden en esa época).

El clúster se arranca una vez para todo el archivo; las pruebas que matan un trabajador lo dejan relanzado, y la
última para los servidores con Ctrl+C y SIGTERM.
"""

import collections
import math
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from datos.errores import ErrorParametro
from datos.servicio import comprobar_repartible, distribuir

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_IMAGENES, LADO, LOTE = 40, 32, 4
ESPERA_ARRANQUE = 180  # segundos: importar TensorFlow en 3 procesos a la vez en una máquina de 2 CPU ocupada


def _puerto_libre():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


class Cluster:
    """El despachador y los trabajadores `a` y `b` (cada uno en un puerto libre; `b` se relanza en el suyo)."""

    def __init__(self, carpeta):
        self.carpeta = carpeta
        self.puerto_b = _puerto_libre()
        self.direccion = f"grpc://localhost:{_puerto_libre()}"
        self.procesos = {}
        self.despachador = self._lanzar("despachador", "despachador", "--puerto", self.direccion.rsplit(":", 1)[1])
        puerto_a = str(_puerto_libre())
        self.a = self._lanzar(
            "a", "trabajador", "--despachador", self.direccion, "--puerto", puerto_a, "--latido", "0.5"
        )
        self.b = self._lanzar_b()

    def _lanzar(self, nombre, *argumentos):
        registro = open(os.path.join(self.carpeta, f"{nombre}-{len(self.procesos)}.log"), "w")  # noqa: SIM115
        with registro:  # el hijo hereda el descriptor: los mensajes de TensorFlow, para depurar un fallo
            proceso = subprocess.Popen(
                [sys.executable, "-m", "datos.servicio", *argumentos],
                cwd=RAIZ,
                stdout=subprocess.PIPE,
                stderr=registro,
                text=True,
            )
        self.procesos[f"{nombre}-{len(self.procesos)}"] = proceso
        return proceso

    def _lanzar_b(self):
        argumentos = ("--despachador", self.direccion, "--puerto", str(self.puerto_b), "--latido", "0.5")
        return self._lanzar("b", "trabajador", *argumentos)

    def matar_b(self):
        """SIGKILL al trabajador `b`: muere sin despedirse del despachador."""
        self.b.send_signal(signal.SIGKILL)
        self.b.wait(30)

    def relanzar_b(self):
        """Un trabajador nuevo con la dirección de `b` (no espera a que arranque)."""
        self.b = self._lanzar_b()

    def cerrar(self):
        for proceso in self.procesos.values():
            if proceso.poll() is None:
                proceso.kill()
        for proceso in self.procesos.values():
            proceso.wait(30)
            proceso.stdout.close()


def primera_linea(proceso, espera=ESPERA_ARRANQUE):
    """La primera línea de la salida de `proceso` (la dirección del servidor), esperando como mucho `espera` s."""
    listos, _, _ = select.select([proceso.stdout], [], [], espera)
    assert listos, f"el proceso {proceso.args} no escribió nada en {espera} s"
    return proceso.stdout.readline().strip()


@pytest.fixture(scope="module")
def servicio(tmp_path_factory):
    """Despachador y dos trabajadores en marcha (procesos aparte), con sus direcciones ya impresas."""
    cluster = Cluster(str(tmp_path_factory.mktemp("servicio")))
    try:
        linea = primera_linea(cluster.despachador)
        assert linea == f"Despachador del servicio tf.data en {cluster.direccion} (Ctrl+C para terminar)"
        linea = primera_linea(cluster.a)
        assert re.fullmatch(rf"Trabajador del servicio tf.data en localhost:\d+, unido a {cluster.direccion}", linea)
        assert primera_linea(cluster.b).startswith(f"Trabajador del servicio tf.data en localhost:{cluster.puerto_b},")
        yield cluster
    finally:
        cluster.cerrar()


@pytest.fixture(scope="module")
def rutas(tmp_path_factory):
    """40 JPEG pequeños de tamaños distintos (hay que redimensionarlos), cada uno de un color."""
    from PIL import Image

    carpeta = tmp_path_factory.mktemp("jpeg")
    generador = np.random.default_rng(0)
    rutas = []
    for i in range(N_IMAGENES):
        alto, ancho = generador.integers(24, 48, size=2)
        imagen = np.full((alto, ancho, 3), generador.integers(0, 256, size=3), dtype=np.uint8)
        rutas.append(str(carpeta / f"imagen_{i:02d}.jpg"))
        Image.fromarray(imagen).save(rutas[-1])
    return rutas


def dataset(rutas, repeticiones=1, entrenar=False):
    """Lotes `(imágenes, índices)` (o `(imágenes/255, índice % 2)`): cada elemento dice qué imagen es."""
    import tensorflow as tf

    from datos.pipelines import leer_imagen

    rutas = list(rutas) * repeticiones
    ds = tf.data.Dataset.from_tensor_slices((rutas, np.arange(len(rutas))))
    if entrenar:
        leer = lambda ruta, i: (tf.cast(leer_imagen(ruta, LADO), tf.float32) / 255, i % 2)  # noqa: E731
    else:
        leer = lambda ruta, i: (leer_imagen(ruta, LADO), i)  # noqa: E731
    return ds.map(leer, num_parallel_calls=tf.data.AUTOTUNE).batch(LOTE)


def contar(ds):
    """Cuántas veces llega cada índice en un recorrido de `ds`."""
    return collections.Counter(int(i) for _, indices in ds for i in indices.numpy())


def test_cada_imagen_una_vez_por_epoca(servicio, rutas):
    local = {int(i): x for xs, indices in dataset(rutas) for x, i in zip(xs.numpy(), indices.numpy())}
    ds = distribuir(dataset(rutas), servicio.direccion)
    recibidas = {}
    for xs, indices in ds:
        assert xs.dtype == "uint8" and xs.shape[1:] == (LADO, LADO, 3)
        for x, i in zip(xs.numpy(), indices.numpy()):
            assert int(i) not in recibidas, f"la imagen {i} llegó dos veces en una época"
            recibidas[int(i)] = x
    assert sorted(recibidas) == list(range(N_IMAGENES))
    for i, x in recibidas.items():  # decodificadas en otro proceso, idénticas a las de aquí
        np.testing.assert_array_equal(x, local[i])
    assert contar(ds) == collections.Counter(range(N_IMAGENES))  # la segunda época, otra vez todas una vez


def test_trabajo_con_nombre_se_reparte_entre_consumidores(servicio, rutas):
    """Dos consumidores (como dos procesos que entrenan) con el mismo `trabajo`: cada imagen va a uno."""
    # Un dataset por consumidor: los recorridos de un mismo dataset son épocas distintas del trabajo.
    datasets = [distribuir(dataset(rutas), servicio.direccion, trabajo="compartido") for _ in range(2)]
    cuentas = [None, None]

    def consumir(k):
        cuentas[k] = contar(datasets[k])

    hilos = [threading.Thread(target=consumir, args=(k,)) for k in range(2)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(120)
    assert cuentas[0] is not None and cuentas[1] is not None
    assert cuentas[0] + cuentas[1] == collections.Counter(range(N_IMAGENES))
    assert contar(datasets[0]) == collections.Counter(range(N_IMAGENES))  # su segunda época, solo para él


@pytest.mark.lento  # relanza un trabajador: importar TensorFlow otra vez (5–10 s)
def test_trabajador_muerto_a_media_epoca(servicio, rutas):
    total = 5 * N_IMAGENES  # 50 lotes: ningún trabajador puede tener hecha su parte entera al matarlo
    ds = distribuir(dataset(rutas, repeticiones=5), servicio.direccion)
    primero, seguir = threading.Event(), threading.Event()
    vistos, errores = collections.Counter(), []

    def consumir():
        try:
            for k, (_, indices) in enumerate(ds):
                vistos.update(int(i) for i in indices.numpy())
                if k == 0:
                    primero.set()
                    seguir.wait()
        except Exception as error:  # noqa: BLE001 (se comprueba abajo)
            errores.append(error)

    hilo = threading.Thread(target=consumir, daemon=True)
    hilo.start()
    assert primero.wait(120)
    servicio.matar_b()
    seguir.set()
    time.sleep(3)
    # TensorFlow no quita las tareas de un trabajador muerto: la época espera a que vuelva su dirección
    assert hilo.is_alive(), "la época terminó sin el trabajador muerto (¿TensorFlow ya reparte su parte?)"
    servicio.relanzar_b()
    hilo.join(ESPERA_ARRANQUE)
    assert not hilo.is_alive(), "la época no terminó tras relanzar el trabajador"
    assert not errores, errores
    assert max(vistos.values()) == 1  # como mucho una vez: se pierden las que tenía a medias, no se repiten
    assert 0 < len(vistos) <= total
    assert contar(ds) == collections.Counter(range(total))  # y la época siguiente, completa


@pytest.mark.lento  # relanza un trabajador: importar TensorFlow otra vez (5–10 s)
# Keras avisa al final de cada época de un dataset de longitud desconocida, como el del servicio (o un `filter`)
@pytest.mark.filterwarnings("ignore:Your input ran out of data")
def test_fit_con_un_trabajador_muerto(servicio, rutas):
    import keras

    ds = distribuir(dataset(rutas, repeticiones=5, entrenar=True), servicio.direccion)
    modelo = keras.Sequential(
        [keras.Input((LADO, LADO, 3)), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, "softmax")]
    )
    modelo.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")

    class MatarTrabajador(keras.callbacks.Callback):
        """En el segundo lote de la primera época: SIGKILL a un trabajador y relanzarlo."""

        matado = False

        def on_train_batch_end(self, lote, logs=None):
            if lote == 1 and not self.matado:
                self.matado = True
                servicio.matar_b()
                servicio.relanzar_b()

    historia = modelo.fit(ds, epochs=2, verbose=0, shuffle=False, callbacks=[MatarTrabajador()])
    assert len(historia.history["loss"]) == 2
    assert all(math.isfinite(p) for p in historia.history["loss"])


@pytest.mark.parametrize(
    "servicio_malo",
    ["localhost:5050", "http://localhost:5050", "grpc://localhost", "grpc://localhost:0", "grpc://localhost:70000",
     "grpc://:5050", "grpc://local host:5050", 5050, None],
)  # fmt: skip
def test_direccion_incorrecta(servicio_malo):
    import tensorflow as tf

    with pytest.raises(ErrorParametro) as error:
        distribuir(tf.data.Dataset.range(3), servicio_malo)
    assert "'servicio' debe ser la dirección del despachador del servicio tf.data" in str(error.value)
    assert "grpc://host:puerto" in str(error.value)
    assert repr(servicio_malo) in str(error.value)
    assert isinstance(error.value, ValueError)


def test_otros_errores_de_distribuir():
    import tensorflow as tf

    with pytest.raises(ErrorParametro, match="'trabajo' debe ser None o un nombre"):
        distribuir(tf.data.Dataset.range(3), "grpc://localhost:5050", trabajo="")
    with pytest.raises(ErrorParametro, match="'ds' debe ser un tf.data.Dataset y es un list"):
        distribuir([1, 2, 3], "grpc://localhost:5050")
    # un despachador que no está: TensorFlow esperaría para siempre
    sin_nadie = f"grpc://localhost:{_puerto_libre()}"
    with pytest.raises(ErrorParametro, match=f"no hay ningún despachador del servicio tf.data en {sin_nadie}"):
        distribuir(tf.data.Dataset.range(3), sin_nadie)
    # sin conectar con nadie: el error sale antes de registrar el dataset en el despachador
    python = tf.data.Dataset.range(3).map(lambda x: tf.py_function(lambda v: v, [x], tf.int64))
    with pytest.raises(ErrorParametro, match="llama a funciones de Python"):
        distribuir(python, "grpc://localhost:5050")
    generador = tf.data.Dataset.from_generator(lambda: iter(range(3)), output_signature=tf.TensorSpec((), tf.int64))
    with pytest.raises(ErrorParametro, match="los trabajadores del servicio tf.data no las tienen"):
        comprobar_repartible(generador)
    aleatorio = tf.data.Dataset.zip(tf.data.Dataset.range(3), tf.data.Dataset.random(seed=0))
    with pytest.warns(UserWarning, match="cada trabajador genera su propia secuencia"):
        comprobar_repartible(aleatorio)


def _cli(*argumentos):
    return subprocess.run(
        [sys.executable, "-m", "datos.servicio", *argumentos], cwd=RAIZ, capture_output=True, text=True, timeout=120
    )


def test_ayuda_y_errores_de_la_linea_de_ordenes_en_espanol():
    ayuda = _cli("--help")
    assert ayuda.returncode == 0
    assert ayuda.stdout.startswith("uso: python -m datos.servicio")
    assert "despachador" in ayuda.stdout and "trabajador" in ayuda.stdout and "muestra esta ayuda" in ayuda.stdout
    assert "usage" not in ayuda.stdout and "show this help" not in ayuda.stdout
    trabajador = _cli("trabajador", "--help")
    assert trabajador.returncode == 0
    for texto in ("--despachador grpc://HOST:PUERTO", "--puerto PUERTO", "--host HOST", "reláncelo", "opciones:"):
        assert texto in trabajador.stdout, texto
    mal = _cli("trabajador", "--despachador", "localhost:5050")
    assert mal.returncode == 2
    assert "argumento --despachador: debe ser la dirección del despachador del servicio tf.data" in mal.stderr
    puerto = _cli("despachador", "--puerto", "70000")
    assert puerto.returncode == 2 and "argumento --puerto: debe ser" in puerto.stderr
    # la ayuda y los errores no importan TensorFlow (son inmediatos)
    codigo = (
        "import sys\nfrom datos import servicio\n"
        "try:\n    servicio.main(['trabajador', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('tensorflow' in sys.modules)"
    )
    sin_tf = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, capture_output=True, text=True, timeout=120)
    assert sin_tf.stdout.strip().endswith("False"), sin_tf.stdout + sin_tf.stderr


def test_ejercicio3_por_el_servicio(servicio, tmp_path, capsys, eager):
    """Una época de BirdNetV3 del ejercicio 3 con sus imágenes decodificadas en los dos trabajadores."""
    from practicas.__main__ import main
    from utilidades.resultados import leer_csv, leer_json

    salida = tmp_path / "res"
    orden = ["p3", "ejercicio3", "--variante", "v3", "--epocas", "1", "--servicio-datos", servicio.direccion]
    assert main([*orden, "--salida", str(salida), "--tamano", "32", "--semilla", "0", "--silencioso"]) == 0
    rep = salida / "birdnetv3" / "rep_1"
    assert len(leer_csv(rep / "historial.csv")) == 1 and 0.0 <= leer_json(rep / "metricas.json")["precision"] <= 1.0
    assert not (tmp_path / "cache_imagenes").exists()  # sin caché de imágenes: decodifican los trabajadores


def test_terminan_limpios_con_ctrl_c_y_sigterm(servicio):
    """La última del archivo: para los servidores del clúster."""
    servicio.despachador.send_signal(signal.SIGINT)
    for proceso in (servicio.a, servicio.b):
        proceso.send_signal(signal.SIGTERM)
    nombres = {"Despachador": servicio.despachador, "Trabajador a": servicio.a, "Trabajador b": servicio.b}
    for nombre, proceso in nombres.items():
        salida, _ = proceso.communicate(timeout=60)
        assert proceso.returncode == 0, (nombre, proceso.returncode)
        assert salida.strip().endswith(f"{nombre.split()[0]} detenido."), salida
