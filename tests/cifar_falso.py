"""Escribe un CIFAR-100 pequeño con el formato oficial (pickles de diccionarios con claves bytes)."""

import io
import pickle
import tarfile

import numpy as np


def lote(n, semilla, clases=30):
    rng = np.random.default_rng(semilla)
    etiquetas = [int(c) for c in rng.integers(0, clases, size=n)]
    datos = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    return {
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
        b"batch_label": b"training batch 1 of 1",
        b"fine_labels": etiquetas,
        b"coarse_labels": [c // 5 for c in etiquetas],
        b"data": datos,
    }


def _anadir(tar, nombre, binario):
    info = tarfile.TarInfo(nombre)
    info.size = len(binario)
    tar.addfile(info, io.BytesIO(binario))


def escribir_archivo(ruta, n_train=80, n_test=40, contenido=None):
    """Crea `ruta` (.tar.gz) con cifar-100-python/{train,test,meta}; devuelve los lotes escritos."""
    lotes = {"train": lote(n_train, 1), "test": lote(n_test, 2)}
    binarios = {k: pickle.dumps(v, protocol=2) for k, v in lotes.items()}
    binarios["meta"] = pickle.dumps({b"fine_label_names": [b"c%d" % i for i in range(100)]}, protocol=2)
    binarios.update(contenido or {})
    with tarfile.open(ruta, "w:gz") as tar:
        for nombre, binario in binarios.items():
            _anadir(tar, f"cifar-100-python/{nombre}", binario)
    return lotes


def escribir_carpeta(carpeta, **kwargs):
    """Lo mismo como carpeta extraída `cifar-100-python`."""
    carpeta.mkdir(parents=True, exist_ok=True)
    lotes = {"train": lote(80, 1), "test": lote(40, 2)}
    for nombre, datos in lotes.items():
        (carpeta / nombre).write_bytes(pickle.dumps(datos, protocol=2))
    (carpeta / "meta").write_bytes(pickle.dumps({}, protocol=2))
    return lotes
