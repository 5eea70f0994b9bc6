"""Un solo resolutor de los pesos de ImageNet (`modelos.pesos`) para ResNet50 y VGG16: caché, suma y sin conexión."""

import os

import pytest

from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro
from modelos import base_vgg16, getResNet50
from modelos.pesos import PESOS_IMAGENET, resolver_pesos, ruta_pesos_imagenet

# red -> constructor con 32×32 (lo más barato), que recibe los pesos y el interruptor de descarga
REDES = {
    "resnet50": lambda pesos, descargar: getResNet50("avg", (32, 32, 3), weights=pesos, descargar=descargar),
    "vgg16": lambda pesos, descargar: base_vgg16((32, 32, 3), pesos=pesos, descargar=descargar),
}


@pytest.mark.parametrize("red", sorted(REDES))
def test_sin_conexion_dice_que_archivo_poner_y_donde(tmp_path, red):
    tabla = PESOS_IMAGENET[red]
    ruta = ruta_pesos_imagenet(red)
    assert ruta == str(tmp_path / "keras_home" / "models" / tabla.archivo)  # conftest: caché vacía
    with pytest.raises(DatosNoDisponibles) as error:
        REDES[red]("imagenet", descargar=False)  # el interruptor sin conexión: ni lo intenta
    mensaje = str(error.value)
    assert tabla.archivo in mensaje and ruta in mensaje and tabla.url in mensaje
    assert "--pesos ninguno" in mensaje and "weights=None" in mensaje
    assert not os.path.exists(ruta)


@pytest.mark.parametrize("red", sorted(REDES))
def test_pesos_danados_en_la_cache(red):
    ruta = ruta_pesos_imagenet(red)
    os.makedirs(os.path.dirname(ruta))
    with open(ruta, "wb") as f:
        f.write(b"descarga a medias")
    with pytest.raises(ErrorDatos, match="no coincide con la suma MD5.*Bórrelo"):
        REDES[red]("imagenet", descargar=False)


@pytest.mark.parametrize("red", sorted(REDES))
def test_un_archivo_que_no_existe(tmp_path, red):
    with pytest.raises(
        DatosNoDisponibles, match=f"No existe el archivo de pesos '.*no_esta.h5'.*{PESOS_IMAGENET[red].aplicacion}"
    ):
        REDES[red](str(tmp_path / "no_esta.h5"), descargar=False)


def test_un_archivo_que_no_son_pesos_de_la_red(tmp_path):
    archivo = tmp_path / "otros.h5"
    archivo.write_bytes(b"no son pesos")
    with pytest.raises(ErrorDatos, match=r"No se pueden cargar los pesos .*otros\.h5' en VGG16"):
        base_vgg16((32, 32, 3), pesos=str(archivo))


def test_resolver_sin_pesos_y_red_desconocida():
    assert resolver_pesos("vgg16", None) is None
    with pytest.raises(ErrorParametro, match="'red' debe ser uno de 'resnet50', 'vgg16' y es 'vgg19'."):
        resolver_pesos("vgg19", "imagenet")
