"""Datos incluidos, resolución de fuentes e iteradores de `getDataIterators` (§2.2)."""

import numpy as np
import pytest

from datos import (
    DatosNoDisponibles,
    ErrorDatos,
    ErrorParametro,
    cargar_digitos,
    cargar_fuente,
    escribir_carpeta_sintetica,
    escribir_pajaros_sinteticos,
    getDataIterators,
)
from datos.fuentes import abrir_carpeta, resolver_fuente
from datos.iteradores import IteradorLotes
from tests import cifar_falso


@pytest.fixture(scope="module")
def digitos():
    return cargar_digitos()


def test_digitos_con_el_contrato_del_profesor(digitos):
    x_train, y_train, x_test, y_test = digitos
    assert x_train.shape == (1437, 32, 32, 3) and x_test.shape == (360, 32, 32, 3)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.shape == (1437, 10) and y_test.shape == (360, 10)
    np.testing.assert_array_equal(y_train.sum(1), 1)
    assert set(y_test.argmax(1)) == set(range(10))
    # los tres canales son la misma imagen en gris y hay trazo real, no ruido
    np.testing.assert_array_equal(x_train[..., 0], x_train[..., 2])
    assert 0.1 < x_train.mean() < 0.5


def test_digitos_particion_fija(digitos):
    otra = cargar_digitos()
    for a, b in zip(digitos, otra):
        np.testing.assert_array_equal(a, b)


def test_digitos_de_alto_y_ancho_distintos():
    x_train, _, x_test, _ = cargar_digitos(tamano=(16, 24))
    assert x_train.shape[1:] == x_test.shape[1:] == (16, 24, 3)


@pytest.mark.parametrize(
    "llamada, mensaje",
    [
        (
            lambda: cargar_digitos(tamano=0),
            "'tamano' debe ser un entero positivo (imagen cuadrada) o un par (alto, ancho) de enteros positivos y es 0.",
        ),
        (lambda: cargar_digitos(tamano=(8, 8, 3)), "'tamano' debe ser un entero positivo"),
        (lambda: IteradorLotes(lambda i, s: i, 10, batch=0), "'batch' debe ser un entero mayor o igual que 1 y es 0."),
    ],
)
def test_errores_de_parametro_con_la_plantilla(llamada, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamada()
    assert str(error.value).startswith(mensaje)


def test_fuente_por_nombre(digitos):
    x_train, *_ = cargar_fuente("digitos")
    np.testing.assert_array_equal(x_train, digitos[0])


def test_fuente_desconocida():
    with pytest.raises(DatosNoDisponibles, match="cifar100.*digitos|digitos.*cifar100"):
        cargar_fuente("imagenet")


def test_un_solo_resolvedor_dice_que_es_cada_fuente(tmp_path):
    cifar_falso.escribir_archivo(tmp_path / "cifar-100-python.tar.gz")
    cifar_falso.escribir_carpeta(tmp_path / "cifar-100-python")
    escribir_carpeta_sintetica(tmp_path / "fotos", por_clase=2, tamano=16)
    escribir_pajaros_sinteticos(tmp_path / "pajaros", num_clases=2, por_clase=2, tamano=16)
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((1, 28, 28)))
    esperados = {
        "digitos": ("incluida", "digitos"),
        "tfds:cifar100": ("tfds", "tfds:cifar100"),
        str(tmp_path / "cifar-100-python.tar.gz"): ("cifar100", str(tmp_path / "cifar-100-python.tar.gz")),
        str(tmp_path / "cifar-100-python"): ("cifar100", str(tmp_path / "cifar-100-python")),
        str(tmp_path / "fotos"): ("carpeta", str(tmp_path / "fotos")),
        str(tmp_path / "pajaros"): ("pajaros", str(tmp_path / "pajaros")),
        str(tmp_path / "mnist.npz"): ("mnist", str(tmp_path / "mnist.npz")),
    }
    assert {f: resolver_fuente(f) for f in esperados} == esperados
    # La carpeta de imágenes por clase es de los talleres, y los talleres no aceptan las demás fuentes.
    assert abrir_carpeta(tmp_path / "fotos") == str(tmp_path / "fotos")
    with pytest.raises(ErrorDatos, match=r"--carpeta '.*pajaros' es una carpeta de pájaros \(con train.txt"):
        abrir_carpeta(tmp_path / "pajaros")
    with pytest.raises(ErrorDatos, match="--test 'digitos' es una fuente incluida"):
        abrir_carpeta("digitos", "--test")
    with pytest.raises(ErrorDatos, match="no es CIFAR-100.*se lee por lotes en los talleres"):
        cargar_fuente(tmp_path / "fotos")
    with pytest.raises(DatosNoDisponibles, match="No existe la ruta"):
        abrir_carpeta(tmp_path / "no-esta")


def _todo(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_iteradores_normalizan_con_estadisticas_de_entrenamiento(digitos):
    x_train, y_train, x_test, _ = digitos
    copias = [a.copy() for a in (x_train, y_train, x_test)]
    it_train, it_val, x_test_n = getDataIterators(x_train, y_train, x_test, 64, semilla=0)
    for original, copia in zip((x_train, y_train, x_test), copias):
        np.testing.assert_array_equal(original, copia)  # nada se modifica en el sitio

    xt, yt = _todo(it_train)
    xv, yv = _todo(it_val)
    assert len(xt) + len(xv) == len(x_train) and abs(len(xv) - 0.1 * len(x_train)) <= 1
    # estratificada: cada clase aparece en validación en su proporción
    np.testing.assert_allclose(np.bincount(yv.argmax(1), minlength=10) / len(yv), y_train.mean(0), atol=0.02)
    # entrenamiento: media 0 y desviación 1 por canal
    np.testing.assert_allclose(xt.mean(axis=(0, 1, 2), dtype="float64"), 0, atol=1e-4)
    np.testing.assert_allclose(xt.std(axis=(0, 1, 2), dtype="float64"), 1, atol=1e-3)


def test_test_se_normaliza_con_las_estadisticas_de_entrenamiento(digitos):
    x_train, y_train, x_test, _ = digitos
    desplazado = x_test * 0.5 + 0.3  # otra distribución: sus propias estadísticas darían media 0
    _, _, x_test_n = getDataIterators(x_train, y_train, desplazado, 64, semilla=0)
    assert x_test_n.dtype == np.float32 and x_test_n.shape == x_test.shape
    for c in range(3):
        # x_n = (x - media) / desv: recta exacta; media y desv son las de entrenamiento
        a, b = np.polyfit(desplazado[..., c].ravel(), x_test_n[..., c].ravel(), 1)
        assert -b / a == pytest.approx(x_train[..., c].mean(dtype="float64"), abs=5e-3)
        assert 1 / a == pytest.approx(x_train[..., c].std(dtype="float64"), rel=2e-2)
    assert x_test_n.mean() > 0.3  # con sus propias estadísticas sería 0


def test_lotes_y_barajado_repetible(digitos):
    x_train, y_train, x_test, _ = digitos
    a, _, _ = getDataIterators(x_train, y_train, x_test, 50, semilla=3)
    b, _, _ = getDataIterators(x_train, y_train, x_test, 50, semilla=3)
    lotes_a = [y.numpy().argmax(1) for _, y in a]
    assert [len(lote) for lote in lotes_a[:-1]] == [50] * (len(lotes_a) - 1)
    np.testing.assert_array_equal(np.concatenate(lotes_a), np.concatenate([y.numpy().argmax(1) for _, y in b]))
    epoca2 = np.concatenate([y.numpy().argmax(1) for _, y in a])
    assert not np.array_equal(np.concatenate(lotes_a), epoca2)  # nuevo orden en cada época


@pytest.mark.parametrize(
    "cambio, mensaje",
    [
        (lambda x, y, t: (x[0], y, t), "train_x"),
        (lambda x, y, t: (x, y[:10], t), "train_y"),
        (lambda x, y, t: (x, y.argmax(1), t), "one-hot"),
        (lambda x, y, t: (x, y, t[..., :1]), "test_x"),
    ],
)
def test_formas_incorrectas(digitos, cambio, mensaje):
    x_train, y_train, x_test, _ = digitos
    with pytest.raises(ValueError, match=mensaje):
        getDataIterators(*cambio(x_train, y_train, x_test), 64)


def test_un_npz_con_objetos_o_danado_no_aconseja_allow_pickle(tmp_path):
    """NumPy sugiere leerlo con allow_pickle=True, que ejecutaría código de un archivo ajeno: el error no lo repite."""
    from datos.mnist import cargar_mnist

    np.savez(tmp_path / "objetos.npz", x_train=np.array([{"a": 1}], dtype=object))
    (tmp_path / "roto.npz").write_bytes(b"PK\x03\x04 esto no es un zip")
    for nombre in ("objetos.npz", "roto.npz"):
        with pytest.raises(ErrorDatos) as error:
            cargar_mnist(str(tmp_path / nombre), verificar=False)
        assert "no es un .npz válido" in str(error.value) and "allow_pickle" not in str(error.value)
