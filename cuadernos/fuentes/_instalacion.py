# Trozo común de la primera celda: instala el paquete si falta (en Colab). `cuadernos/generar.py` pone en
# REPOSITORIO la dirección de setup.cfg ([metadata] url) y este texto (desde «# %%») en lugar de la línea
# `from _instalacion import *`. Este preámbulo no pasa al cuaderno.
# ruff: noqa: E402

# %%
import glob
import importlib
import subprocess
import sys

REPOSITORIO = ""  # la dirección del repositorio del curso: la pone cuadernos/generar.py desde setup.cfg
try:
    import practicas
except ImportError:  # en Colab, o en un entorno sin el paquete: desde una rueda en Drive o desde el repositorio
    RUEDAS = "practicas_keras-*.whl"
    ruedas = sorted(glob.glob(RUEDAS) + glob.glob(f"/content/drive/MyDrive/{RUEDAS}"))
    ruedas += sorted(glob.glob(f"/content/drive/MyDrive/*/{RUEDAS}"))
    origenes = ruedas[-1:] + ([f"git+{REPOSITORIO}"] if REPOSITORIO else [])
    fallos = []
    for origen in origenes:
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", origen], capture_output=True, text=True)
        if pip.returncode == 0:
            break
        fallos.append(f"{origen}: {(pip.stderr.strip().splitlines() or ['error de pip'])[-1]}")
    else:
        raise SystemExit(
            "No está instalado el paquete practicas-keras"
            + (f" y no se pudo instalar ({'; '.join(fallos)})" if fallos else "")
            + ". Sin conexión con el repositorio del curso: en su ordenador, en la carpeta del proyecto, ejecute "
            "«pip install build» y «python -m build» (deja dist/practicas_keras-…-py3-none-any.whl), suba ese "
            "archivo a su Drive, monte Drive (from google.colab import drive; drive.mount('/content/drive')) y "
            "vuelva a ejecutar esta celda. Si el curso publica su repositorio, el profesor pone su dirección en "
            "setup.cfg (url) y regenera los cuadernos (python -m cuadernos)."
        )
    importlib.invalidate_caches()
    import practicas
