"""El gancho de auditoría del arnés (`calificacion/arnes/vigilancia.py`): impide que el código de la entrega
recorra los marcos del proceso, pero no lo que hace cualquier práctica (`traceback.print_exc()`)."""

import os
import subprocess
import sys

import calificacion

CARPETA_ARNES = os.path.dirname(calificacion.__file__)

PROGRAMA = """
import sys
sys.path.insert(0, {carpeta!r})
from arnes import vigilancia
alertas = []
vigilancia.instalar({{"alumno.py"}}, -1, alertas.append)
codigo = {codigo!r}
try:
    exec(compile(codigo, "alumno.py", "exec"), {{}})
    print("TERMINA", len(alertas))
except vigilancia.AccesoProhibido:
    print("IMPEDIDO", len(alertas))
"""


def _ejecutar(codigo):
    programa = PROGRAMA.format(carpeta=CARPETA_ARNES, codigo=codigo)
    r = subprocess.run([sys.executable, "-c", programa], capture_output=True, text=True, timeout=60)
    return r.stdout.strip().splitlines()[-1]


def test_formatear_una_excepcion_capturada_no_es_un_ataque():
    codigo = (
        "import traceback, logging\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    traceback.print_exc()\n"
        "    texto = traceback.format_exc()\n    logging.exception('falló')\ntraceback.print_stack()\n"
        "assert 'ZeroDivisionError' in texto\n"
    )
    assert _ejecutar(codigo) == "TERMINA 0"


def test_recorrer_los_marcos_si_se_impide():
    codigo = "import traceback\ntry:\n    1 / 0\nexcept ZeroDivisionError as e:\n    marcos = [m for m, _ in traceback.walk_tb(e.__traceback__)]\n"
    assert _ejecutar(codigo) == "IMPEDIDO 1"
    assert _ejecutar("import sys\nmarco = sys._getframe(1)\n") == "IMPEDIDO 1"
    assert _ejecutar("import inspect\nmarcos = inspect.stack()\n") == "IMPEDIDO 1"
