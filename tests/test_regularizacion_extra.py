"""Dropout estándar e invertido, suavizado de etiquetas, estandarización de pesos, lotes balanceados,
ganancias de Hinton y tasas por capa frente a referencias independientes; el ejercicio `regularizacion-extra`."""

import keras
import numpy as np
import pytest

from datos.errores import ErrorParametro
from practicas.__main__ import main
from teoria.optimizadores import pasos_keras
from teoria.regularizacion_extra import (
    ConvEstandarizada,
    GananciasAdaptativas,
    ModeloTasasPorCapa,
    conteos_geometricos,
    dataset_balanceado,
    dropout_estandar,
    entropia_cruzada,
    esperanza_exacta,
    esperanzas_por_muestreo,
    estandarizar_nucleo,
    indices_desbalanceados,
    lotes_balanceados,
    suavizar_etiquetas,
)
from utilidades.resultados import leer_csv, leer_json

# --- Dropout ---


def test_ejemplo_de_la_clase_dos_entradas_y_tasa_un_medio():
    w, x = np.array([0.7, -1.3]), np.array([2.0, 0.5])
    esperanza, test = esperanza_exacta(w, x, 0.5)
    # E(z) = ¼(w1 x + w2 y) + ¼(w1 x) + ¼(w2 y) + ¼·0 = ½ (w1 x + w2 y)
    assert esperanza == pytest.approx(0.25 * (w @ x) + 0.25 * w[0] * x[0] + 0.25 * w[1] * x[1])
    assert esperanza == pytest.approx(0.5 * (w @ x)) and test == pytest.approx(esperanza)


@pytest.mark.parametrize("tasa", [0.2, 0.5, 0.8])
def test_en_test_se_multiplica_por_la_probabilidad_de_mantener(tasa):
    w, x = np.array([0.3, 1.1, -0.4]), np.array([1.0, 2.0, 3.0])
    esperanza, test = esperanza_exacta(w, x, tasa)
    assert esperanza / (w @ x) == pytest.approx(1 - tasa)  # no `tasa`, salvo en 0,5
    assert test == pytest.approx(esperanza)
    esperanza_inv, test_inv = esperanza_exacta(w, x, tasa, invertido=True)
    assert esperanza_inv == pytest.approx(w @ x) and test_inv == pytest.approx(w @ x)
    np.testing.assert_allclose(dropout_estandar(x, tasa, entrenamiento=False), (1 - tasa) * x)


def test_las_dos_variantes_tienen_la_misma_salida_esperada_por_muestreo():
    generador = np.random.default_rng(0)
    h, w = np.maximum(0, generador.normal(size=(6, 30))), generador.normal(size=30)
    resultados = esperanzas_por_muestreo(h, w, 0.3, muestras=20000, generador=generador)
    for r in resultados.values():
        assert r["media_entrenamiento"].shape == (6,)
        assert np.all(np.abs(r["media_entrenamiento"] - r["test"]) < 5 * r["error_estandar"])
    np.testing.assert_allclose(resultados["invertido"]["test"], h @ w)
    np.testing.assert_allclose(resultados["estandar"]["test"], 0.7 * h @ w)
    muestra = dropout_estandar(np.ones((200, 200)), 0.3, generador=generador)
    assert set(np.unique(muestra)) == {0.0, 1.0} and np.mean(muestra == 0) == pytest.approx(0.3, abs=0.01)


# --- Suavizado de etiquetas ---


@pytest.mark.parametrize("alfa", [0.0, 0.1, 0.25])
@pytest.mark.parametrize("desde_logits", [False, True])
def test_suavizado_igual_que_keras(alfa, desde_logits):
    generador = np.random.default_rng(1)
    y = np.eye(7)[generador.integers(0, 7, 20)]
    logits = 2 * generador.normal(size=(20, 7))
    salida = logits if desde_logits else np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    perdida = keras.losses.CategoricalCrossentropy(label_smoothing=alfa, from_logits=desde_logits)
    de_keras = float(perdida(y.astype("float32"), salida.astype("float32")))
    assert abs(entropia_cruzada(y, salida, alfa, desde_logits=desde_logits) - de_keras) < 1e-6


def test_etiquetas_suavizadas():
    y = np.eye(4)[[0, 3]]
    suaves = suavizar_etiquetas(y, 0.2)
    np.testing.assert_allclose(suaves[0], [0.85, 0.05, 0.05, 0.05])
    np.testing.assert_allclose(suaves.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="alfa"):
        suavizar_etiquetas(y, 1.5)


# --- Estandarización de pesos ---


def test_conv_estandarizada():
    generador = np.random.default_rng(2)
    x = generador.normal(size=(2, 9, 9, 3)).astype("float32")
    capa = ConvEstandarizada(5, 3, padding="same")
    salida = keras.ops.convert_to_numpy(capa(x))
    efectivo = capa.nucleo_efectivo()
    np.testing.assert_allclose(efectivo.mean(axis=(0, 1, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(efectivo.std(axis=(0, 1, 2)), 1, atol=1e-5)
    np.testing.assert_allclose(efectivo, estandarizar_nucleo(keras.ops.convert_to_numpy(capa.kernel)), atol=1e-5)
    referencia = keras.layers.Conv2D(5, 3, padding="same")
    referencia.build(x.shape)
    referencia.set_weights([efectivo, np.zeros(5, "float32")])
    np.testing.assert_allclose(salida, keras.ops.convert_to_numpy(referencia(x)), atol=1e-5)
    assert ConvEstandarizada.from_config(capa.get_config()).epsilon == capa.epsilon


# --- Mini-lotes balanceados ---


def test_subconjunto_desbalanceado():
    conteos = conteos_geometricos(10, 400, 10)
    assert conteos.sum() == 400 and conteos[0] / conteos[-1] == pytest.approx(10, rel=0.2)
    assert np.all(np.diff(conteos) <= 0)
    etiquetas = np.repeat(np.arange(10), 120)
    indices = indices_desbalanceados(etiquetas, conteos, np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(etiquetas[indices]), conteos)


def test_lotes_balanceados_con_recuentos_exactos():
    etiquetas = np.repeat(np.arange(4), [50, 20, 5, 2])  # muy desbalanceado
    lotes = lotes_balanceados(np.eye(4)[etiquetas], por_clase=3, lotes=40, generador=np.random.default_rng(0))
    for lote in lotes:
        np.testing.assert_array_equal(np.bincount(etiquetas[lote], minlength=4), [3, 3, 3, 3])
    # la clase de 2 ejemplos se repite: cada uno aparece 60 veces en 40 lotes (sobremuestreo uniforme)
    np.testing.assert_array_equal(np.bincount(np.concatenate(lotes))[[75, 76]], [60, 60])


def test_dataset_balanceado_con_recuentos_exactos():
    etiquetas = np.repeat(np.arange(3), [30, 6, 3])
    x = np.arange(len(etiquetas), dtype="float32")[:, None]
    y = np.eye(3, dtype="float32")[etiquetas]
    for xb, yb in dataset_balanceado(x, y, por_clase=2, semilla=0).take(10):
        np.testing.assert_array_equal(yb.numpy().sum(axis=0), [2, 2, 2])
        np.testing.assert_array_equal(etiquetas[xb.numpy()[:, 0].astype(int)], yb.numpy().argmax(axis=1))


# --- Ganancias de Hinton ---


def test_regla_de_hinton_paso_a_paso():
    optimizador = GananciasAdaptativas(tasa=0.1, limites=(0.1, 10.0))
    # peso 0: signos +, +, +, -, -, +    peso 1: cambia de signo en cada paso
    gradientes = np.array([[1, 1], [2, -1], [1, 3], [-1, -1], [-2, 1], [1, -1]], dtype="float64")
    esperadas = [
        (1.0, 1.0),  # primer paso: no hay gradiente anterior
        (1.05, 0.95),  # mismo signo: +0,05; cambio de signo: ×0,95
        (1.10, 0.95**2),
        (1.10 * 0.95, 0.95**3),
        (1.10 * 0.95 + 0.05, 0.95**4),
        ((1.10 * 0.95 + 0.05) * 0.95, 0.95**5),
    ]
    x = np.zeros(2)
    for g, esperada in zip(gradientes, esperadas):
        x_nuevo = optimizador.paso(x, g)
        np.testing.assert_allclose(optimizador.estado["ganancia"], esperada, rtol=1e-12)
        np.testing.assert_allclose(x_nuevo, x - 0.1 * np.array(esperada) * g, rtol=1e-12)
        x = x_nuevo
    # los límites: 1 → 1,05 → 1,10 → 1,15 recortada a 1,12
    optimizador = GananciasAdaptativas(tasa=0.1, limites=(0.1, 1.12))
    for _ in range(5):
        optimizador.paso(np.zeros(1), np.ones(1))
    assert optimizador.estado["ganancia"][0] == pytest.approx(1.12)


def test_ganancias_numpy_igual_que_keras():
    generador = np.random.default_rng(3)
    x0, gradientes = generador.normal(size=(3, 4)), generador.normal(size=(12, 3, 4))
    gradientes[:, 0, 0] = np.abs(gradientes[:, 0, 0])
    optimizador = GananciasAdaptativas(tasa=0.125, limites=(0.5, 1.25))
    de_keras = pasos_keras(optimizador, x0, gradientes)
    x = x0
    for g, k in zip(gradientes, de_keras):
        x = optimizador.paso(x, g)
        np.testing.assert_allclose(x, k, rtol=0, atol=1e-12)
    assert optimizador.estado["ganancia"][0, 0] == pytest.approx(1.25)
    with pytest.raises(ValueError, match="limites"):
        GananciasAdaptativas(limites=(2.0, 10.0))


# --- Tasas por capa ---


def _modelo_por_capa(multiplicadores):
    keras.utils.set_random_seed(0)
    entradas = keras.Input(shape=(5,))
    h = keras.layers.Dense(6, activation="tanh", name="primera")(entradas)
    salidas = keras.layers.Dense(2, name="segunda")(h)
    return ModeloTasasPorCapa(entradas, salidas, multiplicadores=multiplicadores)


def _pesos(modelo):
    return [keras.ops.convert_to_numpy(v).copy() for v in modelo.trainable_variables]


def test_multiplicador_cero_congela_la_capa_incluso_con_adam():
    generador = np.random.default_rng(4)
    x, y = generador.normal(size=(32, 5)), generador.normal(size=(32, 2))
    modelo = _modelo_por_capa({"primera": 0.0})
    modelo.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", run_eagerly=True)
    antes = _pesos(modelo)
    modelo.fit(x, y, batch_size=8, epochs=2, verbose=0)
    despues = _pesos(modelo)
    assert modelo.factores() == [0.0, 0.0, 1.0, 1.0]
    np.testing.assert_array_equal(despues[0], antes[0])
    np.testing.assert_array_equal(despues[1], antes[1])
    assert np.abs(despues[2] - antes[2]).max() > 1e-3


def test_un_paso_de_sgd_con_multiplicadores():
    import tensorflow as tf

    generador = np.random.default_rng(5)
    x, y = generador.normal(size=(16, 5)).astype("float32"), generador.normal(size=(16, 2)).astype("float32")
    modelo = _modelo_por_capa({"primera": 0.25})
    modelo.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse", run_eagerly=True)
    antes = _pesos(modelo)
    with tf.GradientTape() as cinta:
        perdida = modelo.compute_loss(x=x, y=y, y_pred=modelo(x, training=True))
    gradientes = [g.numpy() for g in cinta.gradient(perdida, modelo.trainable_variables)]
    modelo.train_on_batch(x, y)
    for a, d, g, f in zip(antes, _pesos(modelo), gradientes, (0.25, 0.25, 1.0, 1.0)):
        np.testing.assert_allclose(d, a - f * 0.5 * g, atol=1e-6)
    with pytest.raises(ValueError, match="no existen"):
        _modelo_por_capa({"tercera": 0.0}).factores()


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: dropout_estandar(np.ones(3), -0.1), "'tasa_dropout' debe ser un número en [0, 1) y es -0.1."),
        (lambda: esperanza_exacta(np.ones(2), np.ones(2), 1), "'tasa_dropout' debe ser un número en [0, 1) y es 1."),
        (lambda: esperanza_exacta(np.ones(2), np.ones(3), 0.5), "'entradas' debe ser un vector de la forma de 'pesos'"),
        (
            lambda: esperanzas_por_muestreo(np.ones((2, 2)), np.ones(2), 0.5, muestras=0),
            "'muestras' debe ser un entero",
        ),
        (lambda: suavizar_etiquetas(np.eye(2), 1.5), "'alfa' debe ser un número en [0, 1] y es 1.5."),
        (lambda: conteos_geometricos(3, 30, 0), "'desbalance' debe ser un número mayor que 0 y es 0."),
        (lambda: lotes_balanceados([0, 1], por_clase=0, lotes=1), "'por_clase' debe ser un entero mayor o igual que 1"),
        (lambda: lotes_balanceados([0, 2], por_clase=1, lotes=1), "'etiquetas' debe ser unas etiquetas con ejemplos"),
        (lambda: indices_desbalanceados([0, 0, 1], [1, 2]), "'conteos[1]' debe ser como mucho 1, los ejemplos"),
        (lambda: GananciasAdaptativas(factor=1.0), "'factor' debe ser un número en (0, 1) y es 1.0."),
        (lambda: GananciasAdaptativas(limites=(0.0, 2.0)), "'limites' debe ser un par (mínimo, máximo)"),
        (lambda: GananciasAdaptativas(limites=(2.0, 10.0)), "'limites' debe ser un par (mínimo, máximo) que contenga"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


# --- Ejercicio ---


def test_ejercicio_regularizacion_extra(tmp_path, capsys):
    salida = tmp_path / "extra"
    argumentos = ["--muestras", "100", "--epocas", "1", "--muestras-dropout", "2000", "--pasos", "30"]
    assert main(["entrenamiento", "regularizacion-extra", *argumentos, "--salida", str(salida)]) == 0
    texto = capsys.readouterr().out
    assert "Comprobaciones" in texto and "Aviso" not in texto
    for nombre in ("dropout.png", "lotes.png", "ganancias.png", "config.json", "entrenamientos.csv"):
        assert (salida / nombre).stat().st_size > 0
    comprobaciones = leer_csv(salida / "comprobaciones.csv")
    assert len(comprobaciones) >= 20 and all(f["correcta"] == "True" for f in comprobaciones)
    tasas = {f["capa"]: f for f in leer_csv(salida / "tasas_por_capa.csv")}
    assert tasas["oculta_1"]["multiplicador"] == 0 and tasas["oculta_1"]["max_cambio"] == 0
    assert tasas["salida"]["cambio_relativo"] > 0
    resultados = leer_json(salida / "resultados.json")
    assert set(resultados) == {
        "comprobaciones",
        "dropout",
        "conteos_desbalanceados",
        "recuentos_por_lote",
        "ganancias",
        "entrenamientos",
        "tasas_por_capa",
    }
    assert sum(resultados["conteos_desbalanceados"]) == 100
    assert [f["entrenamiento"] for f in resultados["entrenamientos"]] == ["lotes barajados", "lotes balanceados"]
