"""El cargador real de CIFAR-100 sobre archivos pequeños con el formato oficial (§2.2)."""

import os
import pickle

import numpy as np
import pytest

from datos import DatosNoDisponibles, ErrorDatos, cargarImagenes
from datos.cifar100 import NOMBRE_ARCHIVO, carpeta_cache_keras
from tests import cifar_falso


def esperado(lote):
    etiquetas = np.array(lote[b"fine_labels"])
    sel = etiquetas < 25
    x = lote[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)[sel].astype("float32") / 255
    return x, etiquetas[sel]


@pytest.fixture
def archivo(tmp_path):
    ruta = tmp_path / NOMBRE_ARCHIVO
    lotes = cifar_falso.escribir_archivo(ruta)
    return ruta, lotes


def test_carga_archivo_oficial_de_punta_a_punta(archivo):
    ruta, lotes = archivo
    x_train, y_train, x_test, y_test = cargarImagenes(ruta, verificar=False)
    for x, y, lote in ((x_train, y_train, lotes["train"]), (x_test, y_test, lotes["test"])):
        x_esp, etiquetas = esperado(lote)
        assert x.dtype == np.float32 and x.shape == (len(etiquetas), 32, 32, 3)
        assert 0.0 <= x.min() and x.max() <= 1.0
        np.testing.assert_array_equal(x, x_esp)  # mismo orden, mismos píxeles
        assert y.shape == (len(etiquetas), 25)
        np.testing.assert_array_equal(y.argmax(1), etiquetas)
        np.testing.assert_array_equal(y.sum(1), 1)
    assert len(x_train) < 80  # las clases 25-29 se han descartado


def test_carga_carpeta_extraida(tmp_path):
    lotes = cifar_falso.escribir_carpeta(tmp_path / "cifar-100-python")
    x_train, y_train, _, _ = cargarImagenes(tmp_path / "cifar-100-python")
    np.testing.assert_array_equal(x_train, esperado(lotes["train"])[0])


def test_encuentra_el_archivo_en_la_cache_de_keras():
    destino = os.path.join(carpeta_cache_keras(), NOMBRE_ARCHIVO)
    os.makedirs(os.path.dirname(destino))
    lotes = cifar_falso.escribir_archivo(destino)
    x_train, _, _, _ = cargarImagenes(verificar=False, descargar=False)
    np.testing.assert_array_equal(x_train, esperado(lotes["train"])[0])


def test_encuentra_la_carpeta_que_extrae_keras():
    carpeta = os.path.join(carpeta_cache_keras(), "cifar-100-python-target", "cifar-100-python")
    lotes = cifar_falso.escribir_carpeta(__import__("pathlib").Path(carpeta))
    x_train, _, _, _ = cargarImagenes(descargar=False)
    np.testing.assert_array_equal(x_train, esperado(lotes["train"])[0])


def test_sin_archivo_ni_conexion_dice_donde_ponerlo():
    with pytest.raises(DatosNoDisponibles) as e:
        cargarImagenes(descargar=False)
    assert os.path.join(carpeta_cache_keras(), NOMBRE_ARCHIVO) in str(e.value)


def test_ruta_inexistente(tmp_path):
    with pytest.raises(DatosNoDisponibles, match="No existe"):
        cargarImagenes(tmp_path / "no_esta.tar.gz")


def test_suma_sha256_distinta_de_la_publicada(archivo):
    with pytest.raises(ErrorDatos, match="SHA-256"):
        cargarImagenes(archivo[0])


def test_archivo_truncado(archivo):
    ruta, _ = archivo
    binario = ruta.read_bytes()
    ruta.write_bytes(binario[: len(binario) // 2])
    with pytest.raises(ErrorDatos, match="dañado o truncado"):
        cargarImagenes(ruta, verificar=False)


@pytest.mark.parametrize("dano", ["bytes_cambiados", "no_es_gzip"])
def test_archivo_danado_da_una_linea_en_espanol_por_la_linea_de_ordenes(archivo, tmp_path, capsys, dano):
    """Sin trazas ni textos internos de tarfile/zlib en inglés, también con --sin-verificar."""
    from practicas.__main__ import main

    ruta, _ = archivo
    binario = bytearray(ruta.read_bytes())
    if dano == "bytes_cambiados":
        binario[len(binario) // 2 : len(binario) // 2 + 200] = bytes(200)
    else:
        binario = bytearray(b"esto no es un archivo comprimido" * 100)
    ruta.write_bytes(bytes(binario))
    orden = ["p3", "ejercicio1", "--datos", str(ruta), "--epocas", "1", "--salida", str(tmp_path / "r")]
    assert main([*orden, "--sin-verificar"]) == 2
    error = capsys.readouterr().err.strip()
    assert "dañado o truncado" in error and len(error.splitlines()) == 1 and "Traceback" not in error
    assert main(orden) == 2  # sin --sin-verificar: la suma no coincide, y el consejo es el de la línea de órdenes
    error = capsys.readouterr().err
    assert "--sin-verificar en la línea de órdenes" in error


class _Malicioso:
    def __init__(self, marca):
        self.marca = marca

    def __reduce__(self):
        return (os.system, (f"touch {self.marca}",))


def test_pickle_que_intenta_ejecutar_codigo_no_ejecuta_nada(tmp_path):
    marca = tmp_path / "ejecutado"
    ruta = tmp_path / NOMBRE_ARCHIVO
    cifar_falso.escribir_archivo(ruta, contenido={"train": pickle.dumps({b"data": _Malicioso(marca)}, protocol=2)})
    with pytest.raises(ErrorDatos, match="no válido o no seguro"):
        cargarImagenes(ruta, verificar=False)
    assert not marca.exists()


def test_formato_incorrecto_nombra_el_archivo(tmp_path):
    ruta = tmp_path / NOMBRE_ARCHIVO
    malo = pickle.dumps({b"data": np.zeros((3, 100), np.uint8), b"fine_labels": [0, 1, 2]}, protocol=2)
    cifar_falso.escribir_archivo(ruta, contenido={"train": malo})
    with pytest.raises(ErrorDatos, match="cifar-100-python/train"):
        cargarImagenes(ruta, verificar=False)
