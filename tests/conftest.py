"""Configuración común de las pruebas: sin pantalla, sin descargas, TensorFlow silencioso."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def cache_keras_vacia(tmp_path, monkeypatch):
    """Cada prueba ve una caché de Keras vacía y propia: nada de lo que haya en ~/.keras influye."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
