"""Lo que el paquete usa de Keras por dentro (docs/decisiones.md, «Keras por dentro»): acotado y comprobado.

Keras está fijado en `setup.cfg` al intervalo con que corren las pruebas. Si una versión nueva quita o cambia
un nombre privado, estas pruebas lo dicen antes que un estudiante; y un uso nuevo de `keras.src` o de
`sys._getframe` fuera de los archivos apuntados hace fallar `test_solo_los_archivos_apuntados`.
"""

import configparser
import importlib
import re
from pathlib import Path

import keras
import pytest
from packaging.requirements import Requirement

RAIZ = Path(__file__).resolve().parents[1]
PAQUETES = ("datos", "modelos", "utilidades", "practicas", "teoria", "calificacion")

# archivo -> lo que usa de Keras por dentro (módulo, nombre); la tabla de docs/decisiones.md
APUNTADOS = {
    "datos/iteradores.py": [
        ("keras.src.trainers.data_adapters.data_adapter", "DataAdapter"),
        ("keras.src.trainers.epoch_iterator", "EpochIterator"),
    ],
    "calificacion/arnes/keras2.py": [
        ("keras.src.legacy.preprocessing.image", "ImageDataGenerator"),
        ("keras.src.legacy", "backend"),
        ("keras.src.models", "functional"),
        ("keras.src.models", "model"),
    ],
    "calificacion/arnes/observacion.py": [
        ("keras.src.backend.common", "variables"),
        ("keras.src.backend.common.stateless_scope", "StatelessScope"),
        ("keras.src.backend.common.stateless_scope", "in_stateless_scope"),
    ],
    "calificacion/reconstruccion.py": [("keras.src.backend.common.stateless_scope", "StatelessScope")],
    "calificacion/arnes/interacciones.py": [("keras.src.datasets", n) for n in ("cifar10", "cifar100", "mnist")],
    "calificacion/arnes/ipython.py": [],
    "calificacion/arnes/vigilancia.py": [],
}


def _intervalo_de_keras():
    config = configparser.ConfigParser()
    config.read(RAIZ / "setup.cfg", encoding="utf-8")
    lineas = config["options"]["install_requires"].splitlines()
    requisitos = [Requirement(linea) for linea in lineas if linea.strip() and not linea.strip().startswith("#")]
    return next(r.specifier for r in requisitos if r.name == "keras")


def test_keras_instalado_dentro_del_intervalo_fijado():
    intervalo = _intervalo_de_keras()
    assert keras.__version__ in intervalo, f"Keras {keras.__version__} fuera de {intervalo} (setup.cfg)"
    assert any(e.operator == "<" for e in intervalo), "Keras sin techo en setup.cfg: el paquete usa keras.src"


@pytest.mark.parametrize(("modulo", "nombre"), [u for usos in APUNTADOS.values() for u in usos])
def test_los_nombres_privados_existen(modulo, nombre):
    assert hasattr(importlib.import_module(modulo), nombre), f"{modulo}.{nombre} ya no existe en Keras"


def test_keras_acepta_un_adaptador_propio_tal_cual():
    """La puerta de `datos/iteradores.py`: `fit` usa un `DataAdapter` sin envolverlo."""
    import numpy as np
    from keras.src.trainers.data_adapters import get_data_adapter

    from datos import ImageDataGenerator

    flujo = ImageDataGenerator().flow(np.zeros((4, 8, 8, 1), "float32"), np.eye(2)[[0, 1, 0, 1]], batch_size=2)
    assert get_data_adapter(flujo) is flujo


def test_solo_los_archivos_apuntados():
    usos = set()
    for paquete in PAQUETES:
        for ruta in (RAIZ / paquete).rglob("*.py"):
            if re.search(r"keras\.src|sys\._getframe", ruta.read_text(encoding="utf-8")):
                usos.add(ruta.relative_to(RAIZ).as_posix())
    assert usos == set(APUNTADOS), (
        f"Usos de keras.src o sys._getframe no apuntados en docs/decisiones.md: {sorted(usos - set(APUNTADOS))}; "
        f"apuntados que ya no los usan: {sorted(set(APUNTADOS) - usos)}"
    )


def test_la_tabla_de_decisiones_nombra_cada_archivo():
    texto = (RAIZ / "docs" / "decisiones.md").read_text(encoding="utf-8")
    tabla = texto.split("## Keras por dentro", 1)[1]
    for archivo in APUNTADOS:
        nombre = archivo.rsplit("/", 1)[1].removesuffix(".py")
        assert f"`{archivo}`" in tabla or nombre in tabla, f"{archivo} no está en docs/decisiones.md"
