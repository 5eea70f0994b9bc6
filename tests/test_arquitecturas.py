"""Práctica `arquitecturas`: bloques Inception y residuales, gradientes que se desvanecen y conjuntos de modelos."""

import keras
import numpy as np
import pytest

from datos import cargar_fuente
from datos.errores import ErrorParametro
from modelos.bloques import (
    ENTRADA_3A,
    INCEPTION_3A,
    bloque_residual,
    bloque_residual_cuello,
    coste_inception,
    modulo_inception,
    multiplicaciones_keras,
    parametros_bloque_cuello,
    parametros_bloque_residual,
    parametros_inception,
    red_con_auxiliar,
    red_inception,
    red_pequena,
    red_profunda,
    red_residual,
    sin_auxiliar,
)
from modelos.calculadoras import coste_cuello_botella
from practicas.__main__ import main
from practicas.arquitecturas._comun import preparar
from practicas.registro import ejercicios
from utilidades.conjuntos import (
    Instantaneas,
    TasaCosenoCiclica,
    entropia_cruzada,
    evaluar_conjunto,
    predecir,
    promediar_probabilidades,
)
from utilidades.gradientes import capas_con_nucleo, normas_gradiente, razon_primera_ultima
from utilidades.resultados import leer_csv, leer_json


def _modelo(funcion, forma, **kwargs):
    entrada = keras.Input(shape=forma)
    return keras.Model(entrada, funcion(entrada, **kwargs))


def _entrenables(modelo):
    return int(sum(np.prod(w.shape) for w in modelo.trainable_weights))


# ---------------------------------------------------------------- Inception


def test_coste_inception_con_las_cifras_de_la_clase():
    ingenuo = coste_inception(*ENTRADA_3A, **INCEPTION_3A, cuello=False)
    cuello = coste_inception(*ENTRADA_3A, **INCEPTION_3A)
    assert ingenuo["total"] == 303_464_448 and ingenuo["salida"] == (28, 28, 416)
    assert cuello["total"] == 128_049_152 and cuello["salida"] == (28, 28, 256)  # los «128M» de GoogLeNet (3a)
    ramas = {
        m: {c["capa"]: c["multiplicaciones"] for c in coste["capas"]} for m, coste in (("i", ingenuo), ("c", cuello))
    }
    clase = coste_cuello_botella()  # la convolución 5×5 de 32 filtros sobre 28×28×192 de la clase
    assert ramas["i"]["5x5"] == clase["sin_cuello"] == 120_422_400
    assert ramas["c"]["5x5_reduccion"] == clase["capa_1x1"] == 2_408_448
    assert ramas["c"]["5x5"] == clase["capa_kxk"] == 10_035_200
    assert ramas["c"]["5x5_reduccion"] + ramas["c"]["5x5"] == clase["con_cuello"] == 12_443_648


@pytest.mark.parametrize(
    "cuello, normalizar, parametros",
    [(False, False, 387_296), (True, False, 163_696), (True, True, 163_328 + 4 * 368)],
)
def test_inception_de_keras_como_las_formulas(cuello, normalizar, parametros):
    modelo = _modelo(modulo_inception, ENTRADA_3A, **INCEPTION_3A, cuello=cuello, normalizar=normalizar)
    assert modelo.count_params() == parametros_inception(192, **INCEPTION_3A, cuello=cuello, normalizar=normalizar)
    assert modelo.count_params() == parametros
    coste = coste_inception(*ENTRADA_3A, **INCEPTION_3A, cuello=cuello)
    assert multiplicaciones_keras(modelo) == coste["total"]
    assert tuple(modelo.output.shape[1:]) == coste["salida"]


# ---------------------------------------------------------------- bloques residuales


@pytest.mark.parametrize(
    "tipo, canales, filtros, paso, proyeccion, salida, total",
    [
        ("basico", 64, 64, 1, False, (56, 56, 64), 74_240),
        ("basico", 64, 128, 2, True, (28, 28, 128), 230_912),
        ("cuello", 64, 64, 1, True, (56, 56, 256), 76_288),
        ("cuello", 256, 64, 1, False, (56, 56, 256), 71_168),
        ("cuello", 256, 128, 2, True, (28, 28, 512), 381_952),
    ],
)
def test_parametros_de_los_bloques_residuales(tipo, canales, filtros, paso, proyeccion, salida, total):
    bloque, formula = {
        "basico": (bloque_residual, parametros_bloque_residual),
        "cuello": (bloque_residual_cuello, parametros_bloque_cuello),
    }[tipo]
    modelo = _modelo(bloque, (56, 56, canales), filtros=filtros, paso=paso)  # proyección solo si hace falta
    esperado = formula(canales, filtros, proyeccion)
    assert modelo.count_params() == esperado["total"] == total
    assert _entrenables(modelo) == esperado["entrenables"]
    assert tuple(modelo.output.shape[1:]) == salida
    assert any("proyeccion" in c.name for c in modelo.layers) == proyeccion


def test_el_atajo_identidad_necesita_la_misma_forma():
    with pytest.raises(ValueError, match="proyeccion=True"):
        _modelo(bloque_residual, (8, 8, 16), filtros=32, proyeccion=False)
    forzada = _modelo(bloque_residual, (8, 8, 16), filtros=16, proyeccion=True)
    assert forzada.count_params() == parametros_bloque_residual(16, 16, True)["total"]


@pytest.mark.parametrize("bloque, canales, filtros", [(bloque_residual, 8, 8), (bloque_residual_cuello, 16, 4)])
def test_con_los_nucleos_a_cero_el_bloque_es_relu_de_la_entrada(bloque, canales, filtros):
    modelo = _modelo(bloque, (6, 6, canales), filtros=filtros)
    for capa in modelo.layers:
        if isinstance(capa, keras.layers.Conv2D):
            capa.kernel.assign(np.zeros(capa.kernel.shape, dtype="float32"))
    x = np.random.default_rng(0).normal(size=(3, 6, 6, canales)).astype("float32")
    y = keras.ops.convert_to_numpy(modelo(x, training=False))
    np.testing.assert_allclose(y, np.maximum(x, 0.0), atol=1e-6)  # F(x) = 0: salida = ReLU(x + 0)


# ---------------------------------------------------------------- redes pequeñas y profundas


def test_formas_de_las_redes():
    for modelo in (
        red_inception(filtros=4),
        red_inception(filtros=4, cuello=False),
        red_residual(filtros=4),
        red_residual(filtros=4, tipo="cuello"),
        red_pequena(filtros=4),
    ):
        assert tuple(modelo.output.shape) == (None, 10), modelo.name
    auxiliar = red_con_auxiliar(num_clases=7, filtros=4)
    assert set(auxiliar.output) == {"salida", "auxiliar"}
    inferencia = sin_auxiliar(auxiliar)
    assert tuple(inferencia.output.shape) == (None, 7)
    cabeza = sum(c.count_params() for c in auxiliar.layers if c.name.startswith("auxiliar"))
    assert inferencia.count_params() == auxiliar.count_params() - cabeza  # la cabeza auxiliar no queda
    x = np.zeros((2, 32, 32, 3), "float32")
    np.testing.assert_allclose(inferencia(x), auxiliar(x)["salida"])  # los mismos pesos
    with pytest.raises(ValueError, match="'tipo'"):
        red_residual(tipo="otro")


@pytest.mark.parametrize("variante", ["plana", "residual", "batchnorm"])
def test_red_profunda(variante):
    modelo = red_profunda(profundidad=5, unidades=8, variante=variante)
    assert [c.name for c in capas_con_nucleo(modelo, "densa_")] == [f"densa_{i:02d}" for i in range(1, 6)]
    assert tuple(modelo.output.shape) == (None, 10)


def test_el_gradiente_se_desvanece_en_la_red_plana():
    x, y = preparar(cargar_fuente("digitos"), 64, 0)[:2]
    razones = {}
    for variante in ("plana", "residual", "batchnorm"):
        keras.utils.set_random_seed(0)
        modelo = red_profunda(profundidad=20, unidades=32, variante=variante)
        filas = normas_gradiente(modelo, x, y, capas_con_nucleo(modelo, "densa_"))
        assert len(filas) == 20 and all(f["norma"] > 0 for f in filas)
        razones[variante] = razon_primera_ultima(filas)
    assert razones["plana"] < 1e-6  # ‖∇W₁‖ / ‖∇W₂₀‖: unos 1e-12 con sigmoides
    assert razones["residual"] > 1e-2 and razones["batchnorm"] > 1e-2
    assert razones["plana"] < 1e-4 * razones["residual"]


# ---------------------------------------------------------------- conjuntos e instantáneas


def test_el_conjunto_promedia_las_probabilidades():
    generador = np.random.default_rng(0)
    probabilidades = [generador.dirichlet(np.ones(4), size=30) for _ in range(3)]
    etiquetas = np.eye(4)[generador.integers(0, 4, 30)]
    media = promediar_probabilidades(probabilidades)
    np.testing.assert_allclose(media, (probabilidades[0] + probabilidades[1] + probabilidades[2]) / 3)
    evaluacion = evaluar_conjunto(probabilidades, etiquetas)
    aciertos = [np.mean(p.argmax(1) == etiquetas.argmax(1)) for p in probabilidades]
    assert evaluacion["miembros"] == pytest.approx(aciertos)
    assert evaluacion["conjunto"] == pytest.approx(np.mean(media.argmax(1) == etiquetas.argmax(1)))
    assert evaluacion["acumulada"][0] == evaluacion["miembros"][0]
    assert evaluacion["acumulada"][-1] == evaluacion["conjunto"]
    assert entropia_cruzada(etiquetas, etiquetas) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="misma forma"):
        promediar_probabilidades([np.ones((3, 4)), np.ones((3, 5))])


def test_tasa_coseno_ciclica():
    programa = TasaCosenoCiclica(0.1, pasos_por_ciclo=10)
    t = np.arange(30)
    esperado = 0.1 / 2 * (np.cos(np.pi * (t % 10) / 10) + 1)
    np.testing.assert_allclose(programa.valores(t), esperado, rtol=1e-5, atol=1e-8)
    assert programa.valores(10) == pytest.approx(0.1)  # se reinicia al empezar cada ciclo
    with pytest.raises(ValueError, match="pasos_por_ciclo"):
        TasaCosenoCiclica(0.1, 0)


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: promediar_probabilidades([]), "'probabilidades' debe ser una lista con al menos un array"),
        (lambda: promediar_probabilidades([np.ones((3, 4)), np.ones((3, 5))]), "'probabilidades' debe ser una lista"),
        (lambda: predecir(None, np.ones((2, 3)), batch=0), "'batch' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: TasaCosenoCiclica(0.1, 0), "'pasos_por_ciclo' debe ser un número mayor que 0 y es 0."),
        (lambda: Instantaneas(1.5), "'epocas_por_ciclo' debe ser un entero mayor o igual que 1 y es 1.5."),
        (lambda: razon_primera_ultima([{"norma": 1.0}]), "'filas' debe ser una lista de al menos dos capas"),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


def test_una_instantanea_al_final_de_cada_ciclo(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[np.arange(16) % 2]
    modelo = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    modelo.compile(optimizer=keras.optimizers.SGD(TasaCosenoCiclica(0.1, 2 * 2)), loss="categorical_crossentropy")
    instantaneas = Instantaneas(epocas_por_ciclo=2, carpeta=tmp_path)
    modelo.fit(x, y, batch_size=8, epochs=6, verbose=0, callbacks=[instantaneas])
    assert len(instantaneas.pesos) == 3 and instantaneas.epocas == [2, 4, 6]  # 6 épocas / 2 por ciclo
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ciclo_{k}.weights.h5" for k in (1, 2, 3)]
    assert not np.allclose(instantaneas.pesos[0][0], instantaneas.pesos[1][0])
    np.testing.assert_array_equal(instantaneas.pesos[-1][0], modelo.get_weights()[0])


# ---------------------------------------------------------------- línea de órdenes


def _ejecutar(capsys, *argumentos):
    codigo = main(["arquitecturas", *argumentos, "--silencioso", "--semilla", "0"])
    salida = capsys.readouterr()
    assert codigo == 0, salida.err
    return salida.out


def test_se_descubren_los_tres_ejercicios(tmp_path, capsys):
    assert sorted(ejercicios("arquitecturas")) == ["bloques", "conjuntos", "gradientes"]
    assert (
        main(["arquitecturas", "conjuntos", "--datos", str(tmp_path / "no_existe"), "--salida", str(tmp_path / "c")])
        == 2
    )
    assert "No existe la ruta" in capsys.readouterr().err and not (tmp_path / "c").exists()


def test_cli_bloques(tmp_path, capsys):
    salida = tmp_path / "bloques"
    texto = _ejecutar(
        capsys,
        "bloques",
        "--epocas",
        "1",
        "--muestras",
        "64",
        "--batch",
        "32",
        "--filtros",
        "4",
        "--redes",
        "auxiliar",
        "--salida",
        str(salida),
    )
    for nombre in ("costes.png", "entrenamiento.png", "config.json", "inception.csv", "auxiliar/historial.csv"):
        assert (salida / nombre).stat().st_size > 0, nombre
    resultados = leer_json(salida / "resultados.json")
    assert {"inception", "ejemplo_clase", "comprobaciones", "redes"} <= set(resultados)
    assert resultados["inception"]["ingenuo"] == 303_464_448 and resultados["inception"]["cuello"] == 128_049_152
    assert resultados["ejemplo_clase"]["coincide"] is True
    assert all(c["coincide"] for c in resultados["comprobaciones"]) and len(resultados["comprobaciones"]) == 6
    assert all(
        c["identidad_con_ceros"] < 1e-6 for c in resultados["comprobaciones"] if c["identidad_con_ceros"] is not None
    )
    redes = {f["red"]: f for f in leer_csv(salida / "entrenamiento.csv")}
    assert set(redes) == {"auxiliar"}
    assert redes["auxiliar"]["parametros_inferencia"] < redes["auxiliar"]["parametros"]
    assert 0 <= redes["auxiliar"]["precision"] <= 1 and 0 <= redes["auxiliar"]["precision_auxiliar"] <= 1
    assert "303.464.448" in texto and "12.443.648" in texto


def test_cli_gradientes(tmp_path, capsys):
    salida = tmp_path / "grad"
    _ejecutar(
        capsys,
        "gradientes",
        "--profundidad",
        "8",
        "--unidades",
        "8",
        "--epocas",
        "0",
        "--muestras",
        "64",
        "--variantes",
        "plana,residual",
        "--salida",
        str(salida),
    )  # --epocas 0: solo los gradientes (el entrenamiento es el de `bloques`, `_comun.entrenar`)
    assert (salida / "gradientes.png").stat().st_size > 0
    normas = leer_csv(salida / "normas.csv")
    assert [f["capa"] for f in normas if f["variante"] == "plana"] == [f"densa_{i:02d}" for i in range(1, 9)]
    resultados = leer_json(salida / "resultados.json")
    assert {"razones", "normas", "entrenamiento", "profundidad", "activacion"} <= set(resultados)
    assert resultados["razones"]["plana"] < 1e-2 * resultados["razones"]["residual"]
    assert resultados["entrenamiento"] == [] and not (salida / "entrenamiento.csv").exists()


def test_cli_conjuntos(tmp_path, capsys):
    salida = tmp_path / "conj"
    _ejecutar(
        capsys,
        "conjuntos",
        "--miembros",
        "2",
        "--epocas",
        "1",
        "--muestras",
        "64",
        "--batch",
        "32",
        "--filtros",
        "4",
        "--salida",
        str(salida),
    )
    assert (salida / "conjuntos.png").stat().st_size > 0
    assert sorted(p.name for p in (salida / "instantaneas").glob("*.weights.h5")) == [
        "ciclo_1.weights.h5",
        "ciclo_2.weights.h5",
    ]
    resultados = leer_json(salida / "resultados.json")
    assert {"evaluaciones", "resumen", "instantaneas", "filas"} <= set(resultados)
    assert resultados["instantaneas"] == {"numero": 2, "epocas": [1, 2]}
    miembros = leer_csv(salida / "miembros.csv")
    assert [(f["conjunto"], f["miembro"]) for f in miembros] == [
        ("independientes", 1),
        ("independientes", 2),
        ("instantaneas", 1),
        ("instantaneas", 2),
    ]
    assert [f["miembros"] for f in leer_csv(salida / "conjuntos.csv")] == [1, 2, 1, 2]
    for nombre in ("independientes", "instantaneas"):
        evaluacion = resultados["evaluaciones"][nombre]
        assert len(evaluacion["miembros"]) == 2 and 0 <= evaluacion["conjunto"] <= 1
