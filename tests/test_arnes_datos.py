"""Los datos pequeños de la calificación y las rutas que los sirven donde el código del estudiante los lee.

`calificacion/arnes/datos_pequenos.py` (CIFAR-100 y los pájaros con el formato de los de verdad) y
`calificacion/arnes/archivos.py` (rutas de Colab, Drive, relativas y de otra máquina). Sin TensorFlow.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from sklearn.model_selection import train_test_split

import calificacion

CARPETA_ARNES = os.path.dirname(calificacion.__file__)
sys.path.insert(0, CARPETA_ARNES)
from arnes import archivos, datos_pequenos  # noqa: E402

sys.path.remove(CARPETA_ARNES)


@pytest.fixture(scope="module")
def datos(tmp_path_factory):
    return tmp_path_factory.mktemp("datos") / "pequenos"


@pytest.fixture(scope="module")
def escritos(datos):
    return datos_pequenos.escribir_datos(str(datos))


def test_pajaros_con_las_200_especies_y_un_split_estratificado_del_10(escritos, datos):
    raiz = datos / datos_pequenos.CARPETA_PAJAROS
    train = (raiz / "train.txt").read_text().split()
    test = (raiz / "test.txt").read_text().split()
    especies = sorted({linea.split("/")[0] for linea in train})
    assert len(especies) == 200 and especies[0] == "001.Black_footed_Albatross"
    assert especies[-1] == "200.Common_Yellowthroat" and {linea.split("/")[0] for linea in test} <= set(especies)
    etiquetas = np.array([especies.index(linea.split("/")[0]) for linea in train])
    assert np.bincount(etiquetas).min() >= 2
    # como un estudiante con los datos de verdad: 10 % de validación estratificado
    _, validacion = train_test_split(etiquetas, test_size=0.1, stratify=etiquetas, random_state=0)
    assert len(set(validacion)) == 200
    tamanos = {Image.open(raiz / linea).size for linea in train[:40]}
    assert len(tamanos) > 10 and all(120 <= a <= 320 and 100 <= b <= 280 for a, b in tamanos)  # variados
    assert (datos / "imagenes.zip").stat().st_size > 1_000_000


def test_cifar_en_el_formato_oficial_lo_lee_el_cargador_del_paquete(escritos, datos):
    from datos.cifar100 import cargarImagenes

    x_train, y_train, x_test, y_test = cargarImagenes(str(datos / "cifar-100-python.tar.gz"), verificar=False)
    (xo_train, yo_train), (xo_test, _) = datos_pequenos.datos_cifar(np)
    assert x_train.shape == (500, 32, 32, 3) and y_train.shape == (500, 25) and x_test.shape == (100, 32, 32, 3)
    np.testing.assert_allclose(x_train, xo_train / 255, atol=1e-6)  # el mismo contenido que da keras.datasets
    assert (y_train.argmax(1) == yo_train[:, 0]).all()
    (media_train, _), (media_test, _) = datos_pequenos.estadisticas_cifar()
    assert media_test - media_train > 0.1  # el test tiene otra media: delata con qué se normalizó


def test_rutas_de_colab_drive_relativas_y_de_otra_maquina(escritos, datos, tmp_path):
    trabajo = tmp_path / "trabajo"
    (trabajo / "VC").mkdir(parents=True)
    (trabajo / "VC" / "clases.txt").write_text("propio")
    servidas = []
    rutas = archivos.Rutas(trabajo, datos, datos / "imagenes", al_servir=lambda a, b: servidas.append(a))
    pajaros = str(datos / "imagenes")
    assert rutas.resolver("/content/imagenes/train.txt") == f"{pajaros}/train.txt"
    assert rutas.resolver("/content/drive/My Drive/VC/clases.txt") == str(trabajo / "VC" / "clases.txt")
    assert rutas.resolver("/content/drive/MyDrive/otra/carpeta/clases.txt") == str(trabajo / "VC" / "clases.txt")
    imagen = "/home/ana/CUB_200_2010/images/002.Laysan_Albatross/Laysan_Albatross_0003.jpg"
    assert rutas.resolver(imagen) == f"{pajaros}/002.Laysan_Albatross/Laysan_Albatross_0003.jpg"
    assert rutas.resolver("caltech/test.txt") == f"{pajaros}/test.txt"
    assert rutas.resolver("/home/ana/cifar-100-python/train") == str(datos / "cifar-100-python" / "train")
    assert rutas.resolver("/home/ana/CUB_200_2010/images", carpeta=True) == pajaros  # carpeta de datos desconocida
    assert rutas.resolver("/no/existe/pesos_entrenados.h5") == "/no/existe/pesos_entrenados.h5"  # nada que servir
    assert rutas.resolver(str(trabajo)) == str(trabajo) and servidas[0] == "/content/imagenes/train.txt"
    # una carpeta que la entrega va a crear (`datos/train/`) no es el archivo `cifar-100-python/train`
    assert rutas.resolver(str(trabajo / "datos" / "train")) == str(trabajo / "datos" / "train")


PROGRAMA = """
import glob, json, os, sys
sys.path.insert(0, {carpeta!r})
from arnes import archivos
rutas = archivos.Rutas(os.getcwd(), {datos!r}, {pajaros!r})
archivos.instalar(rutas)
import numpy as np
from PIL import Image
resultado = {{}}
resultado["listdir"] = len(os.listdir("/content/drive/My Drive/CUB_200_2010/images"))
resultado["glob"] = len(glob.glob("/content/imagenes/001.*/*.jpg"))
resultado["loadtxt"] = len(np.loadtxt("/content/imagenes/train.txt", dtype=str))
resultado["pil"] = Image.open("/content/imagenes/003.Sooty_Albatross/Sooty_Albatross_0001.jpg").size[0] > 0
resultado["exists"] = os.path.exists("/content/drive/MyDrive/imagenes.zip")
np.save("/content/drive/My Drive/VC/P3/caracteristicas.npy", np.arange(3))  # la carpeta se crea
resultado["npy"] = np.load("/content/drive/My Drive/VC/P3/caracteristicas.npy").tolist()
os.chdir("/home/ana/practicas")  # una carpeta de su máquina: se queda en la de trabajo
resultado["cwd"] = os.getcwd()
# una copia de las imágenes en carpetas por partición (para flow_from_directory): sus archivos son los suyos
import shutil
for linea in open("/content/imagenes/train.txt").read().split()[:3]:
    destino = os.path.join("datos/train", os.path.dirname(linea))
    if not os.path.exists(destino):
        os.makedirs(destino)
    shutil.copy(os.path.join("/content/imagenes", linea), destino)
resultado["copias"] = sorted(os.listdir("datos/train/001.Black_footed_Albatross"))
print(json.dumps(resultado))
"""


def test_las_funciones_de_archivos_de_python_leen_las_rutas_servidas(escritos, datos, tmp_path):
    pajaros = str(datos / "imagenes")
    codigo = PROGRAMA.format(carpeta=CARPETA_ARNES, datos=str(datos), pajaros=pajaros)
    r = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    resultado = json.loads(r.stdout.strip().splitlines()[-1])
    assert resultado["listdir"] == 202  # 200 especies, train.txt y test.txt
    assert resultado["glob"] == 11  # glob recorre /content/imagenes: la carpeta servida
    assert resultado["loadtxt"] == 2000 and resultado["pil"] and resultado["exists"]
    # sin /content (sin bubblewrap), su Drive es su carpeta de trabajo: np.save la crea y np.load la lee
    assert resultado["npy"] == [0, 1, 2] and (tmp_path / "VC" / "P3" / "caracteristicas.npy").exists()
    assert resultado["cwd"] == str(tmp_path)
    # `datos/train/001…` la crea su código: no es la de los datos pequeños, y sus copias quedan en ella
    assert len(resultado["copias"]) == 3
    assert len(list((tmp_path / "datos" / "train" / "001.Black_footed_Albatross").iterdir())) == 3
