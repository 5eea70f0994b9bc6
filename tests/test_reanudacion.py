"""Una interrupción nunca impide `--reanudar` (respaldos atómicos, validados, y SIGTERM como Ctrl+C).

La prueba principal mata procesos de entrenamiento reales (`p3 ejercicio1` con los dígitos incluidos) con
SIGINT y con SIGKILL en muchos puntos: al escribirse `config.json`, justo al terminar una época (cuando se
están escribiendo el historial y el respaldo) y unos milisegundos después, y los reanuda cada vez; también
con SIGTERM. Para no pagar en cada proceso los ~7 s de importar TensorFlow, los procesos salen de un servidor de `fork`
(`multiprocessing`, "forkserver") que ya lo tiene importado pero no ha ejecutado nada: cada hijo es un
proceso nuevo que ejecuta `practicas.__main__.main` como `python -m practicas`, con sus señales reales.
"""

import concurrent.futures
import multiprocessing
import os
import pathlib
import re
import shutil
import signal
import sys
import time

import keras
import numpy as np
import pytest

from datos import cargar_digitos
from modelos import getBaseNet
from practicas.registro import ejercicios
from utilidades.entrenamiento import compileModel, restaurar_respaldo, trainModel
from utilidades.resultados import leer_csv, leer_json

pytestmark = pytest.mark.lento  # interrupciones de verdad (señales a procesos que entrenan)

EPOCAS = 12
ORDEN = ["p3", "ejercicio1", "--epocas", str(EPOCAS), "--batch", "128", "--semilla", "3", "--silencioso"]
MENSAJE = "Interrumpido. Continúe después con la misma orden y --reanudar."
# Puntos de interrupción de cada proceso: (cuántas épocas termina en ese proceso, segundos de espera tras
# anotar la última). 0 épocas es el arranque: se mata al escribirse `config.json`. Tras anotar una época se
# escribe su respaldo (unos 0,1 s): los retrasos cortos caen antes o a mitad de esa escritura; los largos,
# con el respaldo ya escrito, a mitad de la época siguiente. Cada proceso cuesta ~6 s de CPU (trazar el grafo
# y la primera época): 5 puntos por señal, uno de cada uno de esos momentos.
PUNTOS = [
    (0, 0.0),
    (1, 0.0),
    (1, 0.02),
    (2, 0.06),
    (1, 0.25),
]  # 5 puntos por señal: 10 interrupciones entre SIGINT y SIGKILL
CODIGOS = {signal.SIGINT: 130, signal.SIGKILL: -signal.SIGKILL}


def _orden_en_un_hijo(argv, registro):
    """Lo que hace `python -m practicas ARGV`, con la salida en `registro` (se ejecuta en el proceso hijo)."""
    fd = os.open(registro, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from practicas.__main__ import main

    sys.exit(main(argv))


@pytest.fixture(scope="module")
def procesos():
    """Contexto de `multiprocessing` cuyos procesos nacen con TensorFlow y los ejercicios ya importados."""
    contexto = multiprocessing.get_context("forkserver")
    modulos = [m.__name__ for m in ejercicios("p3").values()]
    contexto.set_forkserver_preload(
        ["tensorflow", "keras", "matplotlib.pyplot", "practicas.__main__", __name__, *modulos]
    )
    return contexto


def _marca(ruta):
    """Identifica la versión de un archivo escrito de forma atómica (cada escritura es un archivo nuevo)."""
    try:
        estado = os.stat(ruta)
    except FileNotFoundError:
        return None
    return estado.st_ino, estado.st_mtime_ns, estado.st_size


def _epocas_respaldadas(carpeta):
    respaldo = carpeta / "rep_1" / "respaldo"
    if not respaldo.is_dir():
        return 0
    descripciones = [re.fullmatch(r"epoca_(\d+)\.json", n) for n in os.listdir(respaldo)]
    return max((int(m.group(1)) for m in descripciones if m), default=0)


def _interrumpir_y_reanudar(procesos, carpeta, senal):
    """Entrena en `carpeta` matando el proceso con `senal` en cada uno de los `PUNTOS` y reanudando.

    Devuelve una lista con lo que se vio en cada punto y el código de salida del último proceso, que ya
    no se interrumpe. Cada proceso interrumpido debe haber llegado a su punto (no haber fallado antes).
    """
    historial, config = carpeta / "rep_1" / "historial.csv", carpeta / "config.json"
    registro = str(carpeta.parent / f"registro-{carpeta.name}.txt")
    vistos = []
    for i, (epocas, retraso) in enumerate([*PUNTOS, (None, None)]):
        argv = [*ORDEN, "--salida", str(carpeta)] + (["--reanudar"] if i else [])
        ruta = historial if epocas else config
        proceso = procesos.Process(target=_orden_en_un_hijo, args=(argv, registro))
        inicio = time.monotonic()
        proceso.start()
        if epocas is None:  # la reanudación final, sin interrumpir
            proceso.join(300)
            return vistos, proceso.exitcode
        limite = time.monotonic() + 120
        for _ in range(max(epocas, 1)):  # cada escritura del historial es el final de una época
            antes = _marca(ruta)
            while proceso.is_alive() and _marca(ruta) == antes and time.monotonic() < limite:
                time.sleep(0.002)
        assert proceso.is_alive(), f"el proceso {i} terminó ({proceso.exitcode}) antes de su punto; ver {registro}"
        time.sleep(retraso)
        with open(f"/proc/{proceso.pid}/stat") as f:
            cpu = sum(int(c) for c in f.read().rsplit(")", 1)[1].split()[11:13]) / os.sysconf("SC_CLK_TCK")
        os.kill(proceso.pid, senal)
        proceso.join(120)
        assert proceso.exitcode == CODIGOS[senal], f"proceso {i}: código {proceso.exitcode}; ver {registro}"
        respaldo = carpeta / "rep_1" / "respaldo"
        vistos.append(
            {
                "punto": (epocas, retraso),
                "cpu": cpu,
                "segundos": round(time.monotonic() - inicio, 2),
                "epocas_anotadas": len(leer_csv(historial)) if historial.exists() else 0,
                "epocas_respaldadas": _epocas_respaldadas(carpeta),
                "a_medio_escribir": respaldo.is_dir() and any(n.startswith(".tmp-") for n in os.listdir(respaldo)),
            }
        )
    raise AssertionError("no se llegó a la reanudación final")


def test_interrumpir_con_sigint_y_sigkill_siempre_se_puede_reanudar(procesos, tmp_path):
    with concurrent.futures.ThreadPoolExecutor(2) as hilos:  # las dos cadenas a la vez: una por núcleo
        cadenas = {
            senal: hilos.submit(_interrumpir_y_reanudar, procesos, tmp_path / senal.name, senal)
            for senal in (signal.SIGINT, signal.SIGKILL)
        }
        resultados = {senal: futuro.result() for senal, futuro in cadenas.items()}

    for senal, (vistos, codigo) in resultados.items():
        carpeta = tmp_path / senal.name
        registro = (tmp_path / f"registro-{senal.name}.txt").read_text(encoding="utf-8", errors="replace")
        assert codigo == 0, registro[-3000:]
        assert len(vistos) == len(PUNTOS)
        # Cada época anotada exactamente una vez, y el entrenamiento completo evaluado.
        assert [f["epoca"] for f in leer_csv(carpeta / "rep_1" / "historial.csv")] == list(range(1, EPOCAS + 1))
        metricas = leer_json(carpeta / "rep_1" / "metricas.json")
        assert metricas["epocas"] == EPOCAS and 0.0 <= metricas["precision"] <= 1.0
        assert [f["entrenamiento"] for f in leer_csv(carpeta / "resultados.csv")] == [1]
        # Sin respaldo (terminado) ni restos de escrituras interrumpidas; ningún traceback ni error de Keras.
        assert not (carpeta / "rep_1" / "respaldo").exists()
        for raiz, _, archivos in os.walk(carpeta):
            assert not [n for n in archivos if n.startswith(".tmp-")], raiz
        assert "Traceback" not in registro and "could not be loaded" not in registro
        if senal == signal.SIGINT:
            assert registro.count(MENSAJE) == len(PUNTOS)
        # El respaldo nunca va por delante del historial (se escribe después).
        assert all(v["epocas_respaldadas"] <= v["epocas_anotadas"] for v in vistos)
        print(senal.name, *vistos, sep="\n")


def test_sigterm_se_trata_como_ctrl_c(procesos, tmp_path):
    """SIGTERM al terminar la primera época da el mensaje y el código de Ctrl+C (130)."""
    carpeta = tmp_path / "sigterm"
    historial = carpeta / "rep_1" / "historial.csv"
    registro = tmp_path / "registro.txt"
    proceso = procesos.Process(target=_orden_en_un_hijo, args=([*ORDEN, "--salida", str(carpeta)], str(registro)))
    proceso.start()
    limite = time.monotonic() + 180
    while proceso.is_alive() and not historial.exists() and time.monotonic() < limite:
        time.sleep(0.01)
    assert proceso.is_alive(), registro.read_text(encoding="utf-8", errors="replace")
    os.kill(proceso.pid, signal.SIGTERM)
    proceso.join(120)
    texto = registro.read_text(encoding="utf-8", errors="replace")
    assert proceso.exitcode == 130, texto
    assert MENSAJE in texto and "Traceback" not in texto
    assert len(leer_csv(historial)) >= 1


# --- Respaldos dañados: se usa el anterior o se empieza de nuevo, con un aviso en español ---------------


class _Interrumpir(keras.callbacks.Callback):
    def __init__(self, en_epoca):
        super().__init__()
        self.en_epoca = en_epoca

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.en_epoca:
            raise KeyboardInterrupt


class _ContarEpocas(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epocas = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epocas.append(epoch)


@pytest.fixture(scope="module")
def datos():
    x_train, y_train, _, _ = cargar_digitos()
    return x_train[:96], y_train[:96]


@pytest.fixture(scope="module")
def interrumpido(datos, tmp_path_factory):
    """Carpeta de un entrenamiento de 4 épocas interrumpido al final de la época 2 (sin anotarla)."""
    carpeta = tmp_path_factory.mktemp("interrumpido")
    modelo = getBaseNet(10)
    compileModel(modelo)
    with pytest.raises(KeyboardInterrupt):
        trainModel(modelo, datos, datos, 32, 4, callbacks=[_Interrumpir(2)], carpeta=carpeta, verbose=0)
    return carpeta


@pytest.fixture
def copia(interrumpido, tmp_path):
    """Una copia de la carpeta interrumpida, para dañarla sin tocar la original."""
    return pathlib.Path(shutil.copytree(interrumpido, tmp_path / "copia"))


def _reanudar(carpeta, datos):
    modelo = getBaseNet(10)
    compileModel(modelo)
    contador = _ContarEpocas()
    trainModel(modelo, datos, datos, 32, 4, callbacks=[contador], carpeta=carpeta, reanudar=True, verbose=0)
    assert [f["epoca"] for f in leer_csv(carpeta / "historial.csv")] == [1, 2, 3, 4]
    assert not (carpeta / "respaldo").exists()
    return contador.epocas


def _truncar(ruta):
    contenido = ruta.read_bytes()
    ruta.write_bytes(contenido[: len(contenido) // 2])  # como una escritura cortada a la mitad


def test_se_guardan_los_dos_ultimos_respaldos_y_uno_danado_usa_el_anterior(copia, datos, capsys):
    respaldos = sorted(os.listdir(copia / "respaldo"))
    assert respaldos == ["epoca_00001.json", "epoca_00001.weights.h5", "epoca_00002.json", "epoca_00002.weights.h5"]
    _truncar(copia / "respaldo" / "epoca_00002.weights.h5")
    (copia / "respaldo" / ".tmp-abc.weights.h5").write_bytes(b"resto de una escritura cortada")
    assert _reanudar(copia, datos) == [1, 2, 3]  # desde el respaldo anterior: se repite la época 2
    texto = capsys.readouterr().out
    assert "el respaldo de la época 2" in texto and "no coincide" in texto and "Se prueba el anterior" in texto
    assert "Se reanuda tras la época 1" in texto


def test_sin_ningun_respaldo_valido_empieza_de_nuevo_con_un_aviso(copia, datos, capsys):
    _truncar(copia / "respaldo" / "epoca_00002.weights.h5")
    (copia / "respaldo" / "epoca_00001.json").write_text("{", encoding="utf-8")  # descripción cortada
    assert _reanudar(copia, datos) == [0, 1, 2, 3]
    texto = capsys.readouterr().out
    assert "no se puede leer su descripción" in texto
    assert "no hay un respaldo válido" in texto and "empieza de nuevo" in texto


def test_un_respaldo_que_no_encaja_en_el_modelo_no_lo_deja_a_medias(copia, capsys):
    otro = getBaseNet(5)  # otra salida: los pesos del respaldo no encajan en la última capa
    compileModel(otro)
    antes = [np.array(w) for w in otro.get_weights()]
    assert restaurar_respaldo(otro, str(copia / "respaldo")) == 0
    assert all(np.array_equal(a, b) for a, b in zip(antes, otro.get_weights()))
    assert "no se puede cargar en este modelo" in capsys.readouterr().out


def test_ctrl_c_durante_la_escritura_de_pesos_espera_a_que_termine(tmp_path):
    from utilidades.entrenamiento import senales_aplazadas

    pasos = []
    with pytest.raises(KeyboardInterrupt):
        with senales_aplazadas():
            os.kill(os.getpid(), signal.SIGINT)  # llega a mitad del bloque...
            time.sleep(0.05)
            pasos.append("terminado")  # ...y el bloque termina igualmente
    assert pasos == ["terminado"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # el manejador de siempre, repuesto
