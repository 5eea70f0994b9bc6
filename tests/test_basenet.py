"""BaseNet (§2.1) y los ayudantes de compilación, entrenamiento y evaluación (§2.2–2.3)."""

import gc
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from datos import cargar_digitos, getDataIterators
from datos.errores import ErrorParametro
from modelos import getBaseNet
from utilidades import calcularAccuracy, compileModel, mostrarEvolucion, testModel, trainModel
from utilidades.entrenamiento import leer_historial
from utilidades.resultados import leer_csv


def test_basenet_parametros_y_formas():
    model = getBaseNet()
    assert model.count_params() == 24197
    assert model.output_shape == (None, 25)
    formas = [tuple(capa.output.shape) for capa in model.layers]
    assert formas == [
        (None, 28, 28, 6),
        (None, 14, 14, 6),
        (None, 10, 10, 16),
        (None, 5, 5, 16),
        (None, 400),
        (None, 50),
        (None, 25),
    ]
    assert [c.count_params() for c in model.layers] == [456, 0, 2416, 0, 0, 20050, 1275]
    assert model.layers[-1].activation.__name__ == "softmax"


def test_basenet_otras_clases():
    assert getBaseNet(num_clases=10).count_params() == 24197 - 15 * 51


@pytest.mark.parametrize(
    "kwargs, mensaje",
    [
        ({"input_shape": (32, 32)}, "input_shape"),
        ({"input_shape": (8, 8, 3)}, "pequeño"),
        ({"num_clases": 1}, "num_clases"),
    ],
)
def test_basenet_argumentos_incorrectos(kwargs, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        getBaseNet(**kwargs)


def test_compile_model_adam_por_defecto_y_tasa_configurable():
    model = getBaseNet(10)
    compileModel(model)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    compileModel(model, learning_rate=1e-4)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-4)
    compileModel(model, optimizer="sgd", learning_rate=0.05)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)


@pytest.fixture(scope="module")
def pocos_digitos():
    x_train, y_train, x_test, y_test = cargar_digitos()
    return x_train[:400], y_train[:400], x_test[:200], y_test[:200]


def test_entrenamiento_corto_supera_al_azar(pocos_digitos):
    x_train, y_train, x_test, y_test = pocos_digitos
    keras.utils.set_random_seed(0)
    it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, 32, semilla=0)
    model = getBaseNet(10)
    compileModel(model)
    recolecciones, apartados = [], []
    gc.callbacks.append(lambda fase, info: recolecciones.append(info["generation"]) if fase == "start" else None)
    apartar = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoca, logs: apartados.append(gc.get_freeze_count()))
    umbrales = gc.get_threshold()
    try:
        hist = trainModel(model, it_train, it_val, 32, 6, callbacks=[apartar], verbose=0)
    finally:
        gc.callbacks.pop()
    assert recolecciones.count(2) >= 6  # GarbageCollectorCallback: gc.collect() en cada época
    # lo que ya vivía al empezar queda fuera de cada recolección mientras se entrena, y vuelve al terminar
    assert len(apartados) == 6 and min(apartados) > 10_000
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == umbrales
    assert set(hist.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    perdida, precision = testModel(model, x_test_n, y_test)
    assert precision > 0.5  # el azar es 0.1
    assert precision == pytest.approx(calcularAccuracy(y_test, model.predict(x_test_n, verbose=0)), abs=1e-6)
    assert perdida == pytest.approx(float(model.evaluate(x_test_n, y_test, verbose=0)[0]), rel=1e-5)


def test_train_model_sin_compilar():
    with pytest.raises(ValueError, match="compileModel"):
        trainModel(getBaseNet(10), None, None, 32, 1)


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


def test_entrenamiento_interrumpido_se_reanuda(pocos_digitos, tmp_path):
    x_train, y_train, _, _ = pocos_digitos
    datos = (x_train[:128], y_train[:128])
    model = getBaseNet(10)
    compileModel(model)
    umbrales = gc.get_threshold()
    with pytest.raises(KeyboardInterrupt):
        trainModel(model, datos, datos, 32, 4, callbacks=[_Interrumpir(1)], carpeta=tmp_path, verbose=0)
    # el recolector queda como estaba aunque fit no termine
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == umbrales
    # la época 1 no terminó (falló un callback): se repite al reanudar
    assert [f["epoca"] for f in leer_csv(tmp_path / "historial.csv")] == [1]
    pesos = [w.copy() for w in model.get_weights()]

    nuevo = getBaseNet(10)  # otro proceso: modelo nuevo, mismos archivos
    compileModel(nuevo)
    contador = _ContarEpocas()
    hist = trainModel(nuevo, datos, datos, 32, 4, callbacks=[contador], carpeta=tmp_path, reanudar=True, verbose=0)
    assert contador.epocas == [1, 2, 3]  # solo las épocas que faltaban
    assert hist.epoch == [0, 1, 2, 3] and len(hist.history["loss"]) == 4
    assert [f["epoca"] for f in leer_csv(tmp_path / "historial.csv")] == [1, 2, 3, 4]
    assert not any(np.array_equal(a, b) for a, b in zip(pesos, nuevo.get_weights()) if a.size > 1)
    assert not (tmp_path / "respaldo").exists()  # terminado: el respaldo se borra


def test_historial_de_versiones_anteriores_cuenta_desde_1(tmp_path):
    """Los `historial.csv` anteriores contaban desde 0 (`epoch`): al leerlos para reanudar, `epoca` desde 1."""
    ruta = tmp_path / "historial.csv"
    ruta.write_text("epoch,loss\n0,2.5\n1,2.0\n", encoding="utf-8")
    assert [(f["epoca"], f["loss"]) for f in leer_historial(ruta)] == [(1, 2.5), (2, 2.0)]


def test_sin_reanudar_empieza_de_cero(pocos_digitos, tmp_path):
    x_train, y_train, _, _ = pocos_digitos
    datos = (x_train[:64], y_train[:64])
    model = getBaseNet(10)
    compileModel(model)
    with pytest.raises(KeyboardInterrupt):
        trainModel(model, datos, datos, 32, 3, callbacks=[_Interrumpir(0)], carpeta=tmp_path, verbose=0)
    contador = _ContarEpocas()
    hist = trainModel(model, datos, datos, 32, 2, callbacks=[contador], carpeta=tmp_path, verbose=0)
    assert contador.epocas == [0, 1] and hist.epoch == [0, 1]


def test_el_historial_guarda_lo_que_anaden_otros_callbacks(pocos_digitos, tmp_path):
    x_train, y_train, _, _ = pocos_digitos
    datos = (x_train[:64], y_train[:64])
    model = getBaseNet(10)
    compileModel(model, optimizer="sgd")
    programa = keras.callbacks.LearningRateScheduler(lambda epoca: 0.01 * (epoca + 1))
    hist = trainModel(model, datos, datos, 32, 3, callbacks=[programa], carpeta=tmp_path, verbose=0)
    assert hist.history["learning_rate"] == pytest.approx([0.01, 0.02, 0.03])
    assert [f["learning_rate"] for f in leer_csv(tmp_path / "historial.csv")] == pytest.approx([0.01, 0.02, 0.03])


@pytest.mark.parametrize("claves", [("accuracy", "val_accuracy"), ("acc", "val_acc")])
def test_mostrar_evolucion_sin_pantalla_guarda_png_solo_si_se_pide(tmp_path, claves, monkeypatch):
    historial = {"loss": [2.0, 1.0], "val_loss": [2.1, 1.5], claves[0]: [0.2, 0.6], claves[1]: [0.1, 0.5]}
    monkeypatch.chdir(tmp_path)
    assert mostrarEvolucion(historial) is None and os.listdir(tmp_path) == []
    ruta = mostrarEvolucion(historial, ruta="curvas.png")
    assert ruta == "curvas.png" and open(ruta, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_mostrar_evolucion_sin_precision():
    with pytest.raises(ValueError, match="accuracy"):
        mostrarEvolucion({"loss": [1.0]})


def test_calcular_accuracy():
    etiquetas = np.eye(3)[[0, 1, 2, 2]]
    predicciones = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0, 0.1, 0.9]])
    assert calcularAccuracy(etiquetas, predicciones) == 0.75
    with pytest.raises(ValueError, match="misma forma"):
        calcularAccuracy(etiquetas, predicciones[:, :2])


def test_test_model_longitudes_distintas():
    with pytest.raises(ValueError, match="deben coincidir"):
        testModel(getBaseNet(10), np.zeros((4, 32, 32, 3)), np.zeros((3, 10)))


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: calcularAccuracy(np.eye(3), np.eye(3)[:, :2]), "'preds' debe ser un array de la misma forma"),
        (lambda: mostrarEvolucion({"loss": [1.0]}), "'hist' debe ser un historial con la clave 'accuracy'"),
        (lambda: trainModel(getBaseNet(10), None, None, 32, 1), "'model' debe ser un modelo compilado y es"),
        (lambda: testModel(getBaseNet(10), np.zeros((4, 32, 32, 3)), np.zeros((3, 10))), "'test_y' debe ser un array"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_train_model_comprueba_epocas_y_lote():
    model = getBaseNet(10)
    compileModel(model)
    datos = (np.zeros((4, 32, 32, 3)), np.eye(10)[:4])
    with pytest.raises(ErrorParametro, match="'trainEpochs' debe ser un entero mayor o igual que 1 y es 0."):
        trainModel(model, datos, datos, 32, 0)
    with pytest.raises(ErrorParametro, match="'batchSize' debe ser un entero mayor o igual que 1 o None y es 0."):
        trainModel(model, datos, datos, 0, 1)


def test_mirrored_strategy_en_dos_cpu_logicas(tmp_path):
    """`trainModel` con `tf.distribute.MirroredStrategy` sobre dos dispositivos lógicos de CPU."""
    guion = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from modelos import getBaseNet
        from utilidades import compileModel, trainModel
        estrategia = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with estrategia.scope():
            model = getBaseNet(10)
            compileModel(model)
        x = np.random.default_rng(0).random((32, 32, 32, 3), dtype="float32")
        y = np.eye(10, dtype="float32")[np.arange(32) % 10]
        hist = trainModel(model, (x, y), (x, y), 16, 1, estrategia=estrategia, verbose=0)
        assert estrategia.num_replicas_in_sync == 2
        assert len(hist.history["loss"]) == 1 and np.isfinite(hist.history["loss"]).all()
        otro = getBaseNet(10); compileModel(otro)
        try:
            trainModel(otro, (x, y), (x, y), 16, 1, estrategia=estrategia, verbose=0)
        except ValueError as e:
            assert "scope" in str(e)
        else:
            raise AssertionError("debía fallar")
        print("OK-ESTRATEGIA")
        """
    )
    # fuera del checkout: se usa el paquete instalado, no las carpetas del código fuente
    r = subprocess.run([sys.executable, "-c", guion], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "OK-ESTRATEGIA" in r.stdout, r.stderr[-3000:]


def test_test_model_con_un_dataset(pocos_digitos):
    import tensorflow as tf

    _, _, x_test, y_test = pocos_digitos
    model = getBaseNet(10)
    compileModel(model)
    lotes = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)
    assert testModel(model, lotes) == pytest.approx(testModel(model, x_test, y_test), rel=1e-5)
    with pytest.raises(ValueError, match="no pase 'test_y'"):
        testModel(model, lotes, y_test)
