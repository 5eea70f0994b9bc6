"""Inicialización de los pesos (fórmulas, Keras, activaciones por capa) y funciones de activación."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from datos.errores import ErrorParametro
from teoria.activaciones import (
    ACTIVACIONES,
    RRELU_INFERIOR,
    RRELU_SUPERIOR,
    d_rrelu,
    d_tanh_lineal,
    elu,
    leaky_relu,
    obtener_activacion,
    relu,
    rrelu,
    selu,
    sigmoide,
    tanh,
    tanh_lecun,
    tanh_lineal,
    zonas_saturadas,
)
from teoria.inicializacion import ESQUEMAS, activaciones_por_capa, desviacion_inicial, inicializar_pesos


def test_formulas_de_las_desviaciones():
    assert desviacion_inicial("chica", 400, 100) == 0.01
    assert desviacion_inicial("grande", 400, 100) == 1.0
    assert desviacion_inicial("lecun", 400, 100) == pytest.approx(1 / 20)
    assert desviacion_inicial("xavier", 400, 100) == pytest.approx(1 / np.sqrt(250))
    assert desviacion_inicial("he", 400, 100) == pytest.approx(np.sqrt(2 / 400))
    with pytest.raises(ValueError, match="'esquema' debe ser uno de 'chica'.* y es 'ortogonal'"):
        desviacion_inicial("ortogonal", 10, 10)
    with pytest.raises(ValueError, match="fan_in"):
        desviacion_inicial("he", 0, 10)


@pytest.mark.parametrize("esquema", ESQUEMAS)
@pytest.mark.parametrize("distribucion", ["normal", "uniforme"])
def test_desviacion_empirica_igual_a_la_formula(esquema, distribucion):
    pesos = inicializar_pesos(300, 200, esquema, distribucion, np.random.default_rng(0))
    assert pesos.shape == (300, 200)
    assert abs(pesos.mean()) < 0.05 * desviacion_inicial(esquema, 300, 200)
    assert pesos.std() == pytest.approx(desviacion_inicial(esquema, 300, 200), rel=0.02)


@pytest.mark.parametrize(
    "nombre, esquema",
    [
        ("LecunNormal", "lecun"),
        ("GlorotNormal", "xavier"),
        ("GlorotUniform", "xavier"),
        ("HeNormal", "he"),
        ("HeUniform", "he"),
    ],
)
def test_inicializadores_de_keras_tienen_la_desviacion_de_la_formula(nombre, esquema):
    pesos = keras.ops.convert_to_numpy(getattr(keras.initializers, nombre)(seed=0)((300, 200)))
    assert pesos.std() == pytest.approx(desviacion_inicial(esquema, 300, 200), rel=0.02)


def test_muy_chica_muy_grande_y_justa():
    """La figura de la clase: con tanh, pesos chicos → activaciones a 0; grandes → saturadas; Xavier → bien."""
    generador = np.random.default_rng(0)
    x = generador.normal(size=(200, 200))
    chica = activaciones_por_capa(x, 6, 200, np.tanh, "chica", generador)
    grande = activaciones_por_capa(x, 6, 200, np.tanh, "grande", generador)
    xavier = activaciones_por_capa(x, 6, 200, "tanh", "xavier", generador)
    assert len(chica) == 6 and chica[-1].shape == (200, 200)
    assert chica[-1].std() < 1e-4 * chica[0].std()  # se van a cero: ×0.01·√200 ≈ 0.14 por capa
    assert np.mean(np.abs(grande[-1]) > 0.99) > 0.5  # se saturan
    assert 0.1 < xavier[-1].std() < 0.9  # buena distribución
    # con ReLU, He mantiene la escala y LeCun la va reduciendo a la mitad por capa
    he = activaciones_por_capa(x, 6, 200, relu, "he", generador)
    lecun = activaciones_por_capa(x, 6, 200, relu, "lecun", generador)
    assert he[-1].std() > 4 * lecun[-1].std()


@pytest.mark.parametrize("nombre", list(ACTIVACIONES))
def test_derivadas_iguales_a_diferencias_finitas(nombre):
    f, df = obtener_activacion(nombre)
    x = np.array([-3.1, -1.2, -0.3, 0.4, 1.7, 2.9])  # lejos de los puntos no derivables
    h = 1e-6
    np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "nuestra, de_keras",
    [
        (sigmoide, keras.activations.sigmoid),
        (tanh, keras.activations.tanh),
        (relu, keras.activations.relu),
        (lambda x: leaky_relu(x, 0.1), lambda x: keras.activations.leaky_relu(x, negative_slope=0.1)),
        (elu, keras.activations.elu),
        (selu, keras.activations.selu),
    ],
)
def test_activaciones_iguales_que_keras(nuestra, de_keras):
    x = np.linspace(-8, 8, 321)
    np.testing.assert_allclose(nuestra(x), keras.ops.convert_to_numpy(de_keras(tf.constant(x, "float32"))), atol=1e-6)


def test_saturacion_y_lecun():
    x = np.linspace(-10, 10, 2001)
    sigmoide_zonas = zonas_saturadas(ACTIVACIONES["sigmoide"][1], x, 0.01)
    assert len(sigmoide_zonas) == 2 and sigmoide_zonas[0][0] == -10 and sigmoide_zonas[1][1] == 10
    assert sigmoide_zonas[1][0] == pytest.approx(4.59, abs=0.02)  # σ'(x) = 0.01 en x ≈ 4.59
    assert zonas_saturadas(ACTIVACIONES["relu"][1], x, 0.01) == [(-10.0, 0.0)]  # «muere» en la parte negativa
    for nombre in ("leaky-relu", "prelu", "maxout"):
        assert zonas_saturadas(ACTIVACIONES[nombre][1], x, 0.01) == []
    assert tanh_lecun(np.array([1.0, -1.0])) == pytest.approx([1.0, -1.0], abs=1e-4)  # f(±1) = ±1
    with pytest.raises(ValueError, match="'nombre' debe ser uno de 'sigmoide'.* y es 'swish'"):
        obtener_activacion("swish")


def test_rrelu_pendiente_aleatoria_al_entrenar_y_media_en_test():
    x = -np.ones(20000)
    entrenando = rrelu(x, entrenamiento=True, generador=np.random.default_rng(0))
    pendientes = -entrenando
    assert pendientes.min() >= RRELU_INFERIOR and pendientes.max() <= RRELU_SUPERIOR
    assert pendientes.std() > 0.05  # una pendiente distinta por elemento
    media = (RRELU_INFERIOR + RRELU_SUPERIOR) / 2
    assert media == pytest.approx(11 / 48) and pendientes.mean() == pytest.approx(media, abs=0.003)
    z = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(rrelu(z), leaky_relu(z, media))  # en test: leaky ReLU con la pendiente media
    np.testing.assert_allclose(rrelu(z, entrenamiento=True)[z > 0], z[z > 0])  # la parte positiva no cambia
    de_keras = keras.activations.leaky_relu(tf.constant(z, "float32"), negative_slope=11 / 48)
    np.testing.assert_allclose(rrelu(z), keras.ops.convert_to_numpy(de_keras), atol=1e-6)
    assert set(np.unique(d_rrelu(z))) == {media, 1.0}
    with pytest.raises(ValueError, match="inferior"):
        rrelu(z, inferior=0.5, superior=0.1)


def test_tanh_con_termino_lineal_no_satura():
    x = np.linspace(-10, 10, 2001)
    de_keras = keras.activations.tanh(tf.constant(x, "float32")) + 0.1 * tf.constant(x, "float32")
    np.testing.assert_allclose(tanh_lineal(x), keras.ops.convert_to_numpy(de_keras), atol=1e-5)
    assert d_tanh_lineal(x).min() >= 0.1  # |f'(x)| ≥ a: sin zonas planas
    assert zonas_saturadas(d_tanh_lineal, x, 0.01) == [] and zonas_saturadas(ACTIVACIONES["tanh"][1], x, 0.01) != []
    assert tanh_lineal(np.array([0.0]), a=0.5)[0] == 0.0


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: desviacion_inicial("he", 0, 10), "'fan_in' debe ser un entero mayor o igual que 1 y es 0."),
        (
            lambda: inicializar_pesos(4, 3, "he", distribucion="t"),
            "'distribucion' debe ser uno de 'normal', 'uniforme'",
        ),
        (
            lambda: activaciones_por_capa(np.ones((2, 3)), 0, 5, np.tanh, "he"),
            "'capas' debe ser un entero mayor o igual",
        ),
        (lambda: rrelu(np.ones(2), inferior=-0.1), "'inferior' debe ser un número mayor o igual que 0 y es -0.1."),
        (
            lambda: rrelu(np.ones(2), 0.5, 0.1),
            "'superior' debe ser un número mayor o igual que 'inferior' (0.5) y es 0.1.",
        ),
        (lambda: zonas_saturadas(np.tanh, np.ones(3), umbral=0), "'umbral' debe ser un número mayor que 0 y es 0."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)
