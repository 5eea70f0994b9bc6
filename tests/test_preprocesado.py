"""Práctica `preprocesado`: blanqueo, aumento de datos y convolución de NumPy frente a scikit-learn, SciPy y Keras."""

import re

import keras
import numpy as np
import pytest
from scipy import ndimage, signal
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA as PCASklearn

from datos.errores import ErrorParametro
from practicas.__main__ import main
from practicas.preprocesado.blanqueo import imagenes_a_vectores
from practicas.registro import ayudas, practicas_disponibles
from teoria.aumento import (
    aumentar,
    aumentar_lote,
    campos_elasticos,
    deformacion_elastica,
    jitter_brillo_contraste,
    jitter_color_pca,
    pca_color,
    recorte_escala,
    redimensionar,
    ruido_gaussiano,
)
from teoria.convolucion import (
    MATRIZ_CLASE,
    MAX_POOLING_CLASE,
    NUCLEO_CLASE,
    agrupar_max,
    agrupar_media,
    convolucion_2d,
    correlacion_2d,
    tamano_salida,
    voltear,
)
from teoria.preprocesado import (
    blanqueo_pca,
    blanqueo_zca,
    centrar,
    componentes_para,
    covarianza,
    decorrelar,
    estandarizar,
    matriz_blanqueo,
    pca,
    reducir_svd,
)
from utilidades.resultados import leer_csv, leer_json


def _alinear(nuestro, referencia):
    """Cada columna de `nuestro` con el signo de la de `referencia` (los componentes son únicos salvo signo)."""
    return nuestro * np.sign(np.sum(nuestro * referencia, axis=0))


@pytest.fixture(scope="module")
def digitos():
    x = load_digits().data / 16.0
    return x[:1200], x[1200:]


@pytest.fixture
def correlados():
    generador = np.random.default_rng(0)
    mezcla = generador.normal(size=(5, 5))
    return generador.normal(size=(400, 5)) @ mezcla + np.arange(5) * 10.0


# --- Blanqueo y PCA -------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [5, 30])
def test_blanqueo_pca_igual_que_sklearn(digitos, q):
    x_train, x_test = digitos
    sk = PCASklearn(q, whiten=True, svd_solver="full").fit(x_train)
    modelo = pca(x_train)
    for x in (x_train, x_test):  # el test se transforma con la media y los componentes del entrenamiento
        referencia = sk.transform(x)
        assert np.max(np.abs(_alinear(blanqueo_pca(x, q, modelo=modelo), referencia) - referencia)) < 1e-6
    np.testing.assert_allclose(modelo.varianzas[:q], sk.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(np.abs(modelo.componentes[:q] @ sk.components_.T), np.eye(q), atol=1e-6)


def test_reducir_svd_igual_que_sklearn_y_que_la_svd(digitos):
    x, _ = digitos
    r = reducir_svd(x, 10)
    sk = PCASklearn(10, svd_solver="full").fit(x)
    assert np.max(np.abs(r.reconstruccion - sk.inverse_transform(sk.transform(x)))) < 1e-10
    assert r.varianza_explicada == pytest.approx(sk.explained_variance_ratio_.sum(), rel=1e-10)
    u, d, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)  # X = U D Vᵀ: proyección = Ũ D̃
    np.testing.assert_allclose(np.abs(r.proyeccion), np.abs(u[:, :10] * d[:10]), atol=1e-10)
    todos = componentes_para(r.pca, 1.0)  # 61: tres píxeles de borde valen siempre 0 (varianza nula)
    assert todos < 64 and r.pca.varianza_explicada[:todos].sum() == pytest.approx(1, abs=1e-12)
    assert r.varianza_explicada < 0.9 <= r.pca.varianza_explicada[: componentes_para(r.pca, 0.9)].sum()


def test_centrar_estandarizar_decorrelar_y_blanquear(correlados):
    x = correlados
    centrados, media = centrar(x)
    np.testing.assert_allclose(centrados.mean(axis=0), 0, atol=1e-10)
    z, _, desviacion = estandarizar(x)
    np.testing.assert_allclose(z.std(axis=0, ddof=1), 1, atol=1e-6)
    np.testing.assert_allclose(covarianza(x), np.cov(x, rowvar=False), atol=1e-10)
    modelo = pca(x)
    c = covarianza(decorrelar(x, modelo=modelo))
    np.testing.assert_allclose(c, np.diag(modelo.varianzas), atol=1e-9)  # decorreladas: covarianza diagonal
    np.testing.assert_allclose(covarianza(blanqueo_pca(x)), np.eye(5), atol=1e-10)
    np.testing.assert_allclose(covarianza(blanqueo_zca(x)), np.eye(5), atol=1e-10)
    # el test se transforma con las cifras del entrenamiento
    np.testing.assert_allclose(centrar(x[:3], media)[0], centrados[:3])
    np.testing.assert_allclose(estandarizar(x[:3], media, desviacion)[0], z[:3])


def test_zca_es_simetrica_y_el_blanqueo_mas_cercano_al_original(correlados):
    x = correlados
    modelo = pca(x)
    w = matriz_blanqueo(modelo, "zca")
    np.testing.assert_allclose(w, w.T, atol=1e-12)
    centrados = centrar(x)[0]
    zca = blanqueo_zca(x, modelo=modelo)
    distancia_zca = np.mean(np.sum((centrados - zca) ** 2, axis=1))
    blanco = blanqueo_pca(x, modelo=modelo)
    generador = np.random.default_rng(1)
    for _ in range(50):  # cualquier giro de un blanqueo es otro blanqueo (su covarianza sigue siendo I)
        giro, _ = np.linalg.qr(generador.normal(size=(5, 5)))
        assert distancia_zca <= np.mean(np.sum((centrados - blanco @ giro.T) ** 2, axis=1)) + 1e-9
    assert distancia_zca < np.mean(np.sum((centrados - blanco) ** 2, axis=1))


def test_epsilon_regulariza_las_varianzas_nulas(digitos):
    x, _ = digitos  # el píxel de la esquina de los dígitos siempre vale 0: varianza nula
    modelo = pca(x)
    with pytest.raises(ValueError, match="epsilon"):
        matriz_blanqueo(modelo, "zca", epsilon=0.0)
    z = blanqueo_zca(x, epsilon=1e-2, modelo=modelo)
    assert np.all(np.isfinite(z)) and np.all(np.diag(covarianza(z)) < 1.0)


def test_errores_del_preprocesado_nombran_el_argumento(correlados):
    with pytest.raises(ValueError, match="'x'"):
        pca(np.ones(5))
    with pytest.raises(ValueError, match="'x'.*al menos 2"):
        pca(np.ones((1, 3)))
    with pytest.raises(ValueError, match="'q'"):
        blanqueo_pca(correlados, q=6)
    with pytest.raises(ValueError, match="'epsilon'"):
        blanqueo_zca(correlados, epsilon=-1)
    with pytest.raises(ValueError, match="'metodo'"):
        matriz_blanqueo(pca(correlados), "svd")
    with pytest.raises(ValueError, match="'media'"):
        centrar(correlados, media=np.zeros(3))
    with pytest.raises(ValueError, match="no finitos"):
        pca(np.array([[1.0, np.nan], [2.0, 3.0]]))


@pytest.mark.parametrize(
    "llamar, mensaje",
    [
        (lambda: pca(np.ones(5)), "'x' debe ser una matriz (ejemplos, variables) y es de forma (5,)."),
        (lambda: pca(np.ones((1, 3))), "'x' debe ser una matriz con al menos 2 ejemplos (filas) y es una con 1."),
        (lambda: estandarizar(np.eye(3), epsilon=-1), "'epsilon' debe ser un número mayor o igual que 0 y es -1."),
        (lambda: decorrelar(np.eye(3), q=4), "'q' debe ser un entero en [1, 3] y es 4."),
        (lambda: matriz_blanqueo(pca(np.eye(3)), "svd"), "'metodo' debe ser uno de 'pca', 'zca' y es 'svd'."),
        (lambda: centrar(np.eye(3), media=np.zeros(2)), "'media' debe ser un array de forma (3,) (una por variable)"),
        (lambda: componentes_para(pca(np.eye(3)), 0), "'fraccion' debe ser un número en (0, 1] y es 0."),
        (lambda: correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE, paso=0), "'paso' debe ser un entero mayor o igual que 1"),
        (
            lambda: correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE, relleno="full"),
            "'relleno' debe ser uno de 'valid', 'same'",
        ),
        (lambda: agrupar_max(MATRIZ_CLASE, 0), "'tamano' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: agrupar_max(np.ones(4)), "'entrada' debe ser un array no vacío de forma (alto, ancho)"),
        (lambda: correlacion_2d(np.ones((5, 5, 3)), np.ones((3, 3))), "'nucleo' debe ser un núcleo con la misma"),
        (lambda: ruido_gaussiano(np.ones((4, 4)), sigma=-1), "'sigma' debe ser un número mayor o igual que 0 y es -1."),
        (lambda: redimensionar(np.ones((4, 4)), 0, 3), "'alto' debe ser un entero mayor o igual que 1 y es 0."),
        (lambda: recorte_escala(np.ones((8, 8)), escala=(0.0, 0.5)), "'escala' debe ser un par (mínimo, máximo)"),
        (lambda: jitter_color_pca(np.ones((4, 4)), np.ones(3), np.eye(3)), "'imagen' debe ser una imagen de 3 canales"),
        (lambda: aumentar(np.ones((4, 4)), parametros={"gamma": 1}), "'parametros' debe ser un diccionario con claves"),
        (
            lambda: aumentar_lote(np.ones((1, 4, 4)), copias=0),
            "'copias' debe ser un entero mayor o igual que 1 y es 0.",
        ),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamar, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamar()
    assert str(error.value).startswith(mensaje)


# --- Convolución y pooling ------------------------------------------------------------------------------


def test_taller_de_la_clase():
    correlacion = correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE)
    np.testing.assert_array_equal(correlacion, [[0, 13, 1, 6], [12, 13, 12, 10], [-7, -4, 12, 9], [-13, -8, 0, -4]])
    np.testing.assert_array_equal(voltear(NUCLEO_CLASE), -NUCLEO_CLASE)  # el filtro girado 180° es −K
    np.testing.assert_array_equal(convolucion_2d(MATRIZ_CLASE, NUCLEO_CLASE), -correlacion)
    np.testing.assert_array_equal(agrupar_max(MATRIZ_CLASE, 2, 2), MAX_POOLING_CLASE)  # paso 2, no 1
    assert agrupar_max(MATRIZ_CLASE, 2, 1).shape == (5, 5)


def test_correlacion_y_convolucion_frente_a_scipy():
    generador = np.random.default_rng(0)
    a, k = generador.normal(size=(7, 9)), generador.normal(size=(3, 2))
    np.testing.assert_allclose(correlacion_2d(a, k), signal.correlate2d(a, k, mode="valid"), atol=1e-12)
    np.testing.assert_allclose(convolucion_2d(a, k), signal.convolve2d(a, k, mode="valid"), atol=1e-12)
    np.testing.assert_allclose(
        correlacion_2d(a, k, relleno=2), signal.correlate2d(np.pad(a, 2), k, mode="valid"), atol=1e-12
    )
    a3, k3 = generador.normal(size=(6, 6, 3)), generador.normal(size=(3, 3, 3))  # el filtro tiene la profundidad
    suma = sum(signal.correlate2d(a3[..., c], k3[..., c], mode="valid") for c in range(3))
    np.testing.assert_allclose(correlacion_2d(a3, k3), suma, atol=1e-12)


@pytest.mark.parametrize("paso, relleno", [(1, 0), (1, 1), (2, 0), (2, 1)])
def test_conv2d_de_keras_es_la_correlacion(paso, relleno):
    generador = np.random.default_rng(paso + 10 * relleno)
    a = generador.normal(size=(7, 7, 2))
    k = generador.normal(size=(3, 3, 2))
    capa = keras.layers.Conv2D(1, 3, strides=paso, use_bias=False)
    x = keras.layers.ZeroPadding2D(relleno)(a[None].astype("float32"))
    capa.build(x.shape)
    for nucleo, nuestra in (
        (k, correlacion_2d(a, k, paso, relleno)),
        (k[::-1, ::-1], convolucion_2d(a, k, paso, relleno)),
    ):
        capa.set_weights([nucleo[..., None].astype("float32")])
        de_keras = keras.ops.convert_to_numpy(capa(x))[0, ..., 0]
        assert de_keras.shape[0] == tamano_salida(7, 3, relleno, paso) == nuestra.shape[0]
        np.testing.assert_allclose(nuestra, de_keras, atol=1e-5)
    # relleno "same" (P = (K − 1)/2) es el padding="same" de Keras con paso 1
    same = keras.layers.Conv2D(1, 3, padding="same", use_bias=False)
    same.build((1, 7, 7, 2))
    same.set_weights([k[..., None].astype("float32")])
    np.testing.assert_allclose(
        correlacion_2d(a, k, relleno="same"),
        keras.ops.convert_to_numpy(same(a[None].astype("float32")))[0, ..., 0],
        atol=1e-5,
    )


@pytest.mark.parametrize("ventana, paso", [(2, 2), (2, 1), (3, 3), (3, 1)])
def test_pooling_igual_que_keras(ventana, paso):
    x = MATRIZ_CLASE[None, :, :, None].astype("float32")
    maximo = keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(ventana, paso)(x))[0, ..., 0]
    media = keras.ops.convert_to_numpy(keras.layers.AveragePooling2D(ventana, paso)(x))[0, ..., 0]
    np.testing.assert_allclose(agrupar_max(MATRIZ_CLASE, ventana, paso), maximo, atol=1e-6)
    np.testing.assert_allclose(agrupar_media(MATRIZ_CLASE, ventana, paso), media, atol=1e-6)


def test_tamano_salida_y_errores_de_la_convolucion():
    assert tamano_salida(32, 5, 0, 1) == 28 and tamano_salida(227, 11, 0, 4) == 55
    with pytest.raises(ValueError, match="no es entero"):
        correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE, paso=2)  # (6 − 3)/2 + 1 = 2,5
    with pytest.raises(ValueError, match="'paso'"):
        correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE, paso=0)
    with pytest.raises(ValueError, match="'relleno'"):
        correlacion_2d(MATRIZ_CLASE, NUCLEO_CLASE, relleno=-1)
    with pytest.raises(ValueError, match="profundidad"):
        correlacion_2d(np.ones((5, 5, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="'entrada'"):
        agrupar_max(np.ones(4))


# --- Aumento de datos -----------------------------------------------------------------------------------


@pytest.fixture
def imagen_color():
    generador = np.random.default_rng(3)
    return ndimage.gaussian_filter(generador.uniform(size=(16, 16, 3)), (2, 2, 0))


def test_elastica_con_alfa_cero_es_la_identidad_y_coincide_con_scipy(imagen_color):
    generador = np.random.default_rng(0)
    np.testing.assert_array_equal(deformacion_elastica(imagen_color, alfa=0.0, generador=generador), imagen_color)
    gris = imagen_color[..., 0]
    np.testing.assert_array_equal(deformacion_elastica(gris, alfa=0.0, generador=generador), gris)
    dy, dx = campos_elasticos(1, 16, 16, alfa=5.0, sigma=2.0, generador=generador)
    filas, columnas = np.meshgrid(np.arange(16), np.arange(16), indexing="ij")
    con_scipy = ndimage.map_coordinates(gris, [filas + dy[0], columnas + dx[0]], order=1, mode="nearest")
    np.testing.assert_allclose(deformacion_elastica(gris, campos=(dy[0], dx[0])), con_scipy, atol=1e-12)
    # el campo es lineal en α y se suaviza más cuanto mayor es σ
    uno = campos_elasticos(4, 16, 16, alfa=1.0, sigma=2.0, generador=np.random.default_rng(5))
    dos = campos_elasticos(4, 16, 16, alfa=2.0, sigma=2.0, generador=np.random.default_rng(5))
    np.testing.assert_allclose(dos[0], 2 * uno[0])
    suave = campos_elasticos(4, 16, 16, alfa=1.0, sigma=4.0, generador=np.random.default_rng(5))
    assert np.abs(np.diff(suave[0], axis=2)).mean() < np.abs(np.diff(uno[0], axis=2)).mean()


def test_color_pca_de_alexnet(imagen_color):
    imagenes = np.stack([imagen_color, imagen_color[::-1] * 0.5, imagen_color[:, ::-1] ** 2])
    valores, vectores = pca_color(imagenes)
    propios = np.linalg.eigvalsh(np.cov(imagenes.reshape(-1, 3), rowvar=False))
    np.testing.assert_allclose(valores, propios[::-1], atol=1e-12)
    np.testing.assert_allclose(vectores.T @ vectores, np.eye(3), atol=1e-12)
    alfa = np.array([0.1, -0.2, 0.05])
    aumentada, devuelto = jitter_color_pca(imagen_color, valores, vectores, alfa=alfa, limitar=False)
    assert aumentada.shape == imagen_color.shape and np.array_equal(devuelto, alfa)
    cambio = (aumentada - imagen_color).reshape(-1, 3)
    np.testing.assert_allclose(
        cambio, np.tile(vectores @ (alfa * valores), (16 * 16, 1)), atol=1e-12
    )  # igual en todo píxel
    np.testing.assert_allclose(vectores.T @ cambio.mean(axis=0), alfa * valores, atol=1e-12)  # α_i λ_i en cada p_i
    solo_primero, _ = jitter_color_pca(imagen_color, valores, vectores, alfa=[1.0, 0, 0], limitar=False)
    media = (solo_primero - imagen_color).reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(vectores.T @ media, [valores[0], 0, 0], atol=1e-12)  # solo a lo largo de p_1
    _, sorteado = jitter_color_pca(imagen_color, valores, vectores, sigma=0.1, generador=np.random.default_rng(0))
    assert sorteado.shape == (3,) and np.all(np.abs(sorteado) < 1)


def test_recorte_escala_ruido_y_brillo(imagen_color):
    np.testing.assert_allclose(recorte_escala(imagen_color, caja=(0, 0, 16, 16))[0], imagen_color, atol=1e-12)
    rampa = np.tile(np.arange(32.0)[:, None], (1, 32))  # valor = fila: la interpolación bilineal es exacta
    ampliada, caja = recorte_escala(rampa, caja=(8, 4, 16, 16))
    assert caja == (8, 4, 16, 16) and ampliada.shape == (32, 32)
    np.testing.assert_allclose(ampliada[:, 0], 8 + np.arange(32) * 15 / 31, atol=1e-12)
    for _ in range(20):
        salida, (fila, columna, alto, ancho) = recorte_escala(imagen_color, (0.5, 0.8), np.random.default_rng(_))
        assert salida.shape == imagen_color.shape and fila + alto <= 16 and columna + ancho <= 16 and 8 <= alto <= 13
    assert redimensionar(imagen_color, 20, 10).shape == (20, 10, 3)
    ruido = ruido_gaussiano(np.zeros((200, 200)), 0.1, np.random.default_rng(0), limitar=False)
    assert abs(ruido.std() - 0.1) < 0.002 and abs(ruido.mean()) < 0.002
    np.testing.assert_allclose(jitter_brillo_contraste(imagen_color, 0.0, 0.0, np.random.default_rng(0)), imagen_color)


def test_aumentar_lote_offline_y_online(imagen_color):
    imagenes = np.stack([imagen_color, imagen_color[::-1], imagen_color[:, ::-1]]).astype("float32")
    color = pca_color(imagenes)
    generador = np.random.default_rng(0)
    lote = aumentar_lote(imagenes, generador, copias=2, color=color)
    assert lote.shape == (6, 16, 16, 3) and lote.dtype == np.float32
    assert lote.min() >= 0 and lote.max() <= 1 and not np.allclose(lote[:3], lote[3:])
    otra_epoca = aumentar_lote(imagenes, generador, copias=2, color=color)  # online: distorsiones nuevas
    assert not np.allclose(lote, otra_epoca)
    np.testing.assert_array_equal(lote, aumentar_lote(imagenes, np.random.default_rng(0), copias=2, color=color))
    grises = aumentar_lote(imagenes[..., 0], generador, transformaciones=("recorte-escala", "elastica", "ruido"))
    assert grises.shape == (3, 16, 16)
    assert aumentar(imagen_color, generador, color=color).shape == imagen_color.shape


def test_errores_del_aumento_nombran_el_argumento(imagen_color):
    with pytest.raises(ValueError, match="'imagen'"):
        deformacion_elastica(np.ones(5))
    with pytest.raises(ValueError, match="'alfa'"):
        deformacion_elastica(imagen_color, alfa=-1.0)
    with pytest.raises(ValueError, match="'escala'"):
        recorte_escala(imagen_color, escala=(0.0, 0.5))
    with pytest.raises(ValueError, match="'caja'"):
        recorte_escala(imagen_color, caja=(10, 10, 8, 8))
    with pytest.raises(ValueError, match="3 canales"):
        jitter_color_pca(imagen_color[..., 0], np.ones(3), np.eye(3))
    with pytest.raises(ValueError, match="'color'"):
        aumentar(imagen_color, transformaciones=("color-pca",))
    with pytest.raises(ValueError, match="desconocidas"):
        aumentar(imagen_color, transformaciones=("rotacion",))
    with pytest.raises(ValueError, match="'copias'"):
        aumentar_lote(imagen_color[None], copias=0)


# --- Línea de órdenes ----------------------------------------------------------------------------------


def _ejecutar(capsys, *argumentos):
    codigo = main(["preprocesado", *argumentos])
    salida = capsys.readouterr()
    assert codigo == 0, salida.err
    return salida.out


def test_se_descubren_los_tres_ejercicios():
    assert "preprocesado" in practicas_disponibles()
    assert sorted(ayudas("preprocesado")) == ["aumento", "blanqueo", "convolucion"]


def test_cli_convolucion(tmp_path, capsys):
    salida = tmp_path / "conv"
    texto = _ejecutar(capsys, "convolucion", "--tamano", "5", "--salida", str(salida))
    for nombre in ("convolucion.png", "pooling.png", "comprobaciones.csv", "tamanos.csv", "config.json"):
        assert (salida / nombre).stat().st_size > 0
    resultados = leer_json(salida / "resultados.json")
    assert {"correlacion", "convolucion", "max_pooling", "comprobaciones", "tamanos"} <= set(resultados)
    assert resultados["convolucion_es_menos_correlacion"] and resultados["max_pooling_igual_a_la_diapositiva"]
    for fila in resultados["comprobaciones"]:
        if "sin voltear" in fila["operacion"]:
            assert fila["max_dif_keras"] > 1  # Conv2D con el núcleo sin girar no es la convolución
        else:
            assert fila["max_dif_keras"] < 1e-4, fila
    assert all(f["O_formula"] == f["O_keras"] for f in resultados["tamanos"] if not f["nota"])
    assert "Conv2D" in texto


def test_cli_blanqueo(tmp_path, capsys):
    salida = tmp_path / "blanqueo"
    _ejecutar(
        capsys,
        "blanqueo",
        "--puntos", "100",
        "--componentes", "8",
        "--epocas", "1",
        "--muestras", "100",
        "--variantes", "zca",
        "--silencioso",
        "--salida", str(salida),
    )  # fmt: skip
    for nombre in ("nube.png", "imagenes.png", "componentes.png", "entrenamiento.png", "varianza.csv", "nube.csv"):
        assert (salida / nombre).stat().st_size > 0
    resultados = leer_json(salida / "resultados.json")
    assert {"nube", "comprobaciones", "entrenamiento", "dimension", "componentes_90"} <= set(resultados)
    assert resultados["dimension"] == 64 and resultados["componentes"] == 8
    for fila in resultados["comprobaciones"]:
        assert fila["max_diferencia"] < 1e-6, fila
    (zca,) = resultados["entrenamiento"]
    assert zca["variante"] == "zca" and 0 <= zca["precision_test"] <= 1 and zca["desviacion_entrada"] > 0
    assert len(leer_csv(salida / "entrenamiento.csv")) == 1  # una fila por variante y época
    blanqueada = next(f for f in resultados["nube"] if f["paso"] == "blanqueo ZCA")
    assert blanqueada["var_1"] == pytest.approx(1) and blanqueada["cov_12"] == pytest.approx(0, abs=1e-9)


def test_cli_aumento(tmp_path, capsys):
    salida = tmp_path / "aumento"
    texto = _ejecutar(
        capsys,
        "aumento",
        "--muestras", "40",
        "--copias", "1",
        "--epocas", "2",
        "--ejemplos", "2",
        "--modos", "offline,online",
        "--silencioso",
        "--salida", str(salida),
    )  # fmt: skip
    for nombre in ("muestras.png", "color_pca.png", "entrenamiento.png", "color_pca.csv", "transformaciones.csv"):
        assert (salida / nombre).stat().st_size > 0
    resultados = leer_json(salida / "resultados.json")
    assert {"coloreado", "color_pca", "transformaciones", "comprobaciones", "entrenamiento"} <= set(resultados)
    assert resultados["coloreado"] and "coloreado" in texto
    for fila in resultados["comprobaciones"]:
        assert fila["max_diferencia"] < 1e-2, fila
    por_modo = {f["modo"]: f for f in resultados["entrenamiento"]}
    assert list(por_modo) == ["offline", "online"] and por_modo["offline"]["imagenes_distintas"] == 80
    assert por_modo["offline"]["imagenes_guardadas"] == 80 and por_modo["online"]["imagenes_guardadas"] == 40
    assert por_modo["online"]["imagenes_distintas"] == 40 + 2 * 40  # una copia nueva en cada una de las 2 épocas
    assert all(f["imagenes_por_epoca"] == 80 for f in por_modo.values())


def test_cli_errores(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["preprocesado", "blanqueo", "--variantes", "original,pca2", "--salida", str(tmp_path / "a")])
    assert "pca2" in capsys.readouterr().err
    assert main(["preprocesado", "blanqueo", "--reduccion", "5", "--salida", str(tmp_path / "b")]) == 2
    mensaje = "'--reduccion' debe ser un divisor del alto y del ancho de las imágenes (32×32) y es 5."
    assert capsys.readouterr().err == f"Error: {mensaje}\n"
    assert not (tmp_path / "b").exists()  # el error llega antes de escribir nada
    with pytest.raises(ErrorParametro, match=re.escape(mensaje)):
        imagenes_a_vectores(np.zeros((2, 32, 32, 3)), 5)
