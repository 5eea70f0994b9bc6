"""Pájaros de Caltech-UCSD (práctica 3, §4): `cargarDatos`, la carpeta sintética y `pipeline_desde_archivos`."""

import os
import pathlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from datos import (
    DatosNoDisponibles,
    ErrorDatos,
    ErrorParametro,
    cargar_fuente,
    cargarDatos,
    escribir_pajaros_sinteticos,
    listar_pajaros,
)
from datos.pajaros import leer_imagenes
from datos.pipelines import leer_imagen, pipeline_desde_archivos

CLASES, POR_CLASE, LADO = 3, 4, 40


@pytest.fixture(scope="module", params=["jpg", "png"])
def carpeta(request, tmp_path_factory):
    destino = tmp_path_factory.mktemp(f"pajaros_{request.param}")
    ruta = escribir_pajaros_sinteticos(
        destino, num_clases=CLASES, por_clase=POR_CLASE, tamano=LADO, formato=request.param
    )
    assert ruta == str(destino)
    return ruta


def _copia(origen, destino):
    """Copia la carpeta sintética para estropearla en una prueba sin tocar la del módulo."""
    import shutil

    return pathlib.Path(shutil.copytree(origen, destino))


def _filas(x, y):
    """Pares (imagen, clase) como bytes, ordenados: para comparar conjuntos barajados."""
    return sorted(xi.tobytes() + bytes([int(c)]) for xi, c in zip(x, y.argmax(1)))


def test_carpeta_sintetica_con_el_formato_de_cub200(carpeta):
    formato = "JPEG" if "jpg" in os.path.basename(carpeta) else "PNG"
    clases = sorted(d for d in os.listdir(carpeta) if os.path.isdir(os.path.join(carpeta, d)))
    assert clases == [f"{k:03d}.Pajaro_sintetico_{k}" for k in range(1, CLASES + 1)]
    lineas = {}
    for nombre in ("train.txt", "test.txt"):
        with open(os.path.join(carpeta, nombre), encoding="utf-8") as f:
            lineas[nombre] = f.read().split()
    assert len(lineas["train.txt"]) == len(lineas["test.txt"]) == CLASES * POR_CLASE // 2
    assert not set(lineas["train.txt"]) & set(lineas["test.txt"])
    for relativa in lineas["train.txt"] + lineas["test.txt"]:
        clase, archivo = relativa.split("/")
        assert clase in clases and archivo.startswith("Pajaro_sintetico_")
        with Image.open(os.path.join(carpeta, relativa)) as imagen:
            assert imagen.format == formato and imagen.mode == "RGB"
            assert min(imagen.size) >= LADO  # tamaños variados: hay que redimensionar


def test_listado_clases_ordenadas_y_one_hot(carpeta):
    listado = listar_pajaros(carpeta)
    assert listado.clases == sorted(listado.clases) and len(listado.clases) == CLASES
    assert listado.y_train.shape == (CLASES * POR_CLASE // 2, CLASES)
    np.testing.assert_array_equal(listado.y_train.sum(1), 1)
    for ruta, fila in zip(listado.rutas_test, listado.y_test):
        assert os.path.isabs(ruta) and os.path.basename(os.path.dirname(ruta)) == listado.clases[fila.argmax()]


def test_cargar_datos_contrato_del_profesor(carpeta):
    x_train, y_train, x_test, y_test = cargarDatos(carpeta, tamano=32, semilla=0)
    n = CLASES * POR_CLASE // 2
    assert x_train.shape == (n, 32, 32, 3) and x_test.shape == (n, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.float32
    assert y_train.shape == (n, CLASES) and y_test.shape == (n, CLASES)
    assert x_train.std() > 10  # imágenes de verdad, no ceros
    # mismas parejas (imagen, clase) que leyendo la lista en orden: solo cambia el orden
    listado = listar_pajaros(carpeta)
    en_orden = leer_imagenes(listado.rutas_train, 32)
    assert _filas(x_train, y_train) == _filas(en_orden, listado.y_train)
    assert not np.array_equal(x_train, en_orden)


def test_cargar_datos_barajado_repetible_y_float32(carpeta):
    a = cargarDatos(carpeta, tamano=32, semilla=3)
    b = cargarDatos(carpeta, tamano=32, semilla=3, dtype="float32")
    c = cargarDatos(carpeta, tamano=32, semilla=4)
    assert b[0].dtype == np.float32 and b[0].max() <= 255
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])


def test_cargar_datos_tamano_alto_y_ancho(carpeta):
    x_train, _, x_test, _ = cargarDatos(carpeta, tamano=(24, 32), semilla=0)
    assert x_train.shape[1:] == x_test.shape[1:] == (24, 32, 3)
    assert leer_imagenes(listar_pajaros(carpeta).rutas_test, (24, 32), batch=2).shape[1:] == (24, 32, 3)


def test_tamano_224_por_defecto_y_fuentes(carpeta):
    x_train, y_train, x_test, _ = cargar_fuente(str(carpeta))
    assert x_train.shape[1:] == (224, 224, 3) and x_test.dtype == np.uint8 and y_train.shape[1] == CLASES
    # `pajaros-sintetico` en memoria es la misma carpeta que escribe el ejercicio 3: 5 clases, 6 + 6 por clase
    x_train, y_train, x_test, _ = cargar_fuente("pajaros-sintetico")
    assert x_train.shape == (30, 224, 224, 3) and y_train.shape == (30, 5) and len(x_test) == 30


def test_leer_imagen_png_exacta_gris_y_alfa(tmp_path):
    generador = np.random.default_rng(0)
    rgb = generador.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    np.testing.assert_array_equal(leer_imagen(str(tmp_path / "rgb.png"), (20, 30)).numpy(), rgb)
    gris = generador.integers(0, 256, size=(20, 30), dtype=np.uint8)
    Image.fromarray(gris).save(tmp_path / "gris.png")
    leida = leer_imagen(str(tmp_path / "gris.png"), (20, 30)).numpy()
    assert leida.shape == (20, 30, 3) and all(np.array_equal(leida[..., c], gris) for c in range(3))
    Image.fromarray(np.dstack([rgb, np.full((20, 30), 7, np.uint8)])).save(tmp_path / "alfa.png")
    np.testing.assert_array_equal(leer_imagen(str(tmp_path / "alfa.png"), (20, 30)).numpy(), rgb)
    assert leer_imagen(str(tmp_path / "rgb.png"), (10, 12)).shape == (10, 12, 3)


def _todo(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_pipeline_desde_archivos_lotes_y_barajado(carpeta, tmp_path):
    listado = listar_pajaros(carpeta)
    rutas, y = listado.rutas_train, listado.y_train
    en_orden = leer_imagenes(rutas, 24)
    ds = pipeline_desde_archivos(rutas, y, batch=4, tamano=24)
    tamanos = [len(x) for x, _ in ds]
    assert tamanos == [4] * (len(rutas) // 4) + ([len(rutas) % 4] if len(rutas) % 4 else [])
    x, yy = _todo(ds)
    assert x.dtype == np.uint8
    np.testing.assert_array_equal(x, en_orden)
    np.testing.assert_array_equal(yy, y)

    barajado = pipeline_desde_archivos(rutas, y, batch=4, tamano=24, barajar=True, semilla=1)
    epoca1, epoca2 = _todo(barajado), _todo(barajado)
    assert _filas(*epoca1) == _filas(en_orden, y)  # mismas parejas imagen-etiqueta
    assert not np.array_equal(epoca1[0], epoca2[0])  # otro orden en cada época
    otra = _todo(pipeline_desde_archivos(rutas, y, batch=4, tamano=24, barajar=True, semilla=1))
    np.testing.assert_array_equal(otra[0], epoca1[0])  # repetible con la semilla

    for cache in (True, str(tmp_path / "cache")):
        con_cache = pipeline_desde_archivos(rutas, y, batch=4, tamano=24, cache=cache)
        np.testing.assert_array_equal(_todo(con_cache)[0], en_orden)
        np.testing.assert_array_equal(_todo(con_cache)[0], en_orden)

    doble = pipeline_desde_archivos(
        rutas, batch=4, transformacion=lambda xb, yb: (tf.cast(xb, "float32") * 2, yb), tamano=24
    )
    lote = next(iter(doble)).numpy()
    assert lote.dtype == np.float32
    np.testing.assert_array_equal(lote, 2 * en_orden[:4].astype("float32"))
    assert next(iter(pipeline_desde_archivos(rutas, batch=4, tamano=(16, 20)))).shape == (4, 16, 20, 3)


def test_pipeline_desde_archivos_argumentos_incorrectos(carpeta):
    rutas = listar_pajaros(carpeta).rutas_train
    with pytest.raises(
        ValueError, match="'rutas' debe ser una lista con al menos una ruta de imagen y es una lista vacía"
    ):
        pipeline_desde_archivos([])
    with pytest.raises(ValueError, match="'etiquetas' tiene 2 filas"):
        pipeline_desde_archivos(rutas, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="'batch'"):
        pipeline_desde_archivos(rutas, batch=0)
    with pytest.raises(ValueError, match="'tamano'"):
        pipeline_desde_archivos(rutas, tamano=(3, 4, 5))


# --- Entradas incorrectas: errores en español que nombran el archivo -----------------------------------


def test_carpeta_inexistente(tmp_path):
    with pytest.raises(DatosNoDisponibles, match="No existe la carpeta .*no_esta.*train.txt"):
        cargarDatos(tmp_path / "no_esta")


@pytest.mark.parametrize("lista", ["train.txt", "test.txt"])
def test_falta_una_lista(carpeta, tmp_path, lista):
    copia = _copia(carpeta, tmp_path / "d")
    os.remove(copia / lista)
    with pytest.raises(DatosNoDisponibles, match=f"Falta el archivo '.*{lista}'"):
        cargarDatos(copia)


def test_falta_una_imagen_listada(carpeta, tmp_path):
    copia = _copia(carpeta, tmp_path / "d")
    relativa = (copia / "test.txt").read_text().split()[1]
    os.remove(copia / relativa)
    with pytest.raises(
        DatosNoDisponibles, match=f"Falta la imagen '.*{relativa}', listada en '.*test.txt' \\(línea 2\\)"
    ):
        cargarDatos(copia)


def test_archivo_listado_que_no_es_imagen(carpeta, tmp_path):
    copia = _copia(carpeta, tmp_path / "d")
    relativa = (copia / "train.txt").read_text().split()[0]
    (copia / relativa).write_text("esto no es una imagen")
    with pytest.raises(ErrorDatos, match=f"'.*{relativa}' \\(listada en '.*train.txt', línea 1\\) no es una imagen"):
        cargarDatos(copia)


def test_imagen_truncada(carpeta, tmp_path):
    copia = _copia(carpeta, tmp_path / "d")
    relativa = (copia / "train.txt").read_text().split()[2]
    datos = (copia / relativa).read_bytes()
    (copia / relativa).write_bytes(datos[:40])  # cabecera correcta, resto perdido
    with pytest.raises(ErrorDatos, match=f"No se puede decodificar la imagen '.*{relativa}'"):
        cargarDatos(copia, tamano=32)


def test_clase_de_test_que_no_esta_en_entrenamiento(carpeta, tmp_path):
    copia = _copia(carpeta, tmp_path / "d")
    lineas = (copia / "train.txt").read_text().split()
    (copia / "train.txt").write_text("\n".join(linea for linea in lineas if not linea.startswith("003.")) + "\n")
    with pytest.raises(
        ErrorDatos, match="test.txt', línea \\d+: la clase '003.Pajaro_sintetico_3' no aparece en train.txt"
    ):
        cargarDatos(copia)


@pytest.mark.parametrize("linea", ["sin_carpeta.jpg", "../fuera/imagen.jpg", "/etc/passwd"])
def test_linea_mal_formada(carpeta, tmp_path, linea):
    copia = _copia(carpeta, tmp_path / "d")
    with open(copia / "train.txt", "a", encoding="utf-8") as f:
        f.write(linea + "\n")
    numero = len((copia / "train.txt").read_text().splitlines())
    with pytest.raises(ErrorDatos, match=f"train.txt', línea {numero}: .* no es una ruta relativa"):
        cargarDatos(copia)


def test_lista_vacia(carpeta, tmp_path):
    copia = _copia(carpeta, tmp_path / "d")
    (copia / "test.txt").write_text("\n\n")
    with pytest.raises(ErrorDatos, match="test.txt' está vacío"):
        cargarDatos(copia)


@pytest.mark.parametrize(
    "llamada, mensaje",
    [
        (lambda c: cargarDatos(c, dtype="float64"), "'dtype' debe ser uno de 'uint8', 'float32' y es 'float64'."),
        (lambda c: cargarDatos(c, tamano=0), "'tamano' debe ser un entero positivo (imagen cuadrada) o un par"),
        (lambda c: cargarDatos(c, tamano=(0, 3)), "y es (0, 3)."),
        (lambda c: listar_pajaros(c).pipeline("validacion"), "'particion' debe ser uno de 'train', 'test'"),
        (lambda c: escribir_pajaros_sinteticos(c, formato="gif"), "'formato' debe ser uno de 'jpg', 'png' y es 'gif'."),
        (lambda c: escribir_pajaros_sinteticos(c, por_clase=1), "'por_clase' debe ser un entero mayor o igual que 2"),
        (
            lambda c: pipeline_desde_archivos([], batch=0),
            "'batch' debe ser un entero mayor o igual que 1 y es 0.",
        ),
        (lambda c: leer_imagen(tf.constant("x.jpg"), (2, 2, 3)), "'tamano' debe ser un entero positivo"),
    ],
)
def test_argumentos_incorrectos(carpeta, llamada, mensaje):
    with pytest.raises(ErrorParametro) as error:
        llamada(carpeta)
    assert mensaje in str(error.value)
