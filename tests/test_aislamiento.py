"""El límite de tiempo de una entrega no cuenta la espera por la CPU (`calificacion.aislamiento`).

Con la máquina ocupada (varias entregas a la vez, otras tareas) una entrega correcta no se da por colgada;
una que duerme o gira sin fin agota su tiempo igual.
"""

import os
import subprocess
import sys

import pytest

from calificacion import aislamiento
from calificacion.aislamiento import Limites, ejecutar, espera_cpu, ocupado

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/schedstat"), reason="sin /proc/PID/schedstat")


@pytest.fixture
def cpu_ocupada():
    """Seis procesos que giran sin parar en una misma CPU; devuelve esa CPU."""
    cpu = min(os.sched_getaffinity(0))
    giran = [
        subprocess.Popen(
            [sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True:\n    pass\n"],
            start_new_session=True,  # cada uno en su grupo del planificador, como la entrega (autogroup)
        )
        for _ in range(6)
    ]
    yield cpu
    for proceso in giran:
        proceso.kill()
        proceso.wait()


def test_la_espera_por_la_cpu_no_cuenta(cpu_ocupada, tmp_path, monkeypatch):
    # Necesita 0,5 s de CPU y tiene 1,5 s; compartiendo la CPU con seis procesos tarda más en reloj.
    monkeypatch.setattr(aislamiento, "TOPE_RELOJ", 100)  # aquí solo se mira la espera, no el tope
    codigo = (
        f"import os, time\nos.sched_setaffinity(0, {{{cpu_ocupada}}})\nt = time.process_time()\n"
        "while time.process_time() - t < 0.5:\n    pass\nprint('hecho')\n"
    )
    r = ejecutar([sys.executable, "-c", codigo], tmp_path / "salida.txt", Limites(tiempo=1.5), b"", aislado=False)
    assert r.motivo is None and r.codigo == 0 and r.segundos > 1.5
    assert (tmp_path / "salida.txt").read_text().strip() == "hecho"


def test_dormida_o_girando_agota_su_tiempo(cpu_ocupada, tmp_path):
    dormida = ejecutar(
        [sys.executable, "-c", "import time\ntime.sleep(60)\n"],
        tmp_path / "d.txt",
        Limites(tiempo=2),
        b"",
        aislado=False,
    )
    assert dormida.motivo == "tiempo" and dormida.segundos < 5
    # Girando en la CPU ocupada su tiempo avanza despacio, pero el reloj nunca pasa de TOPE_RELOJ (3) veces el límite.
    codigo = f"import os\nos.sched_setaffinity(0, {{{cpu_ocupada}}})\nwhile True:\n    pass\n"
    girando = ejecutar([sys.executable, "-c", codigo], tmp_path / "g.txt", Limites(tiempo=2), b"", aislado=False)
    assert girando.motivo == "tiempo" and 2 < girando.segundos < 6.5


def test_espera_cpu_lee_la_cola_de_ejecucion():
    vistas = {}
    assert espera_cpu([os.getpid(), 999_999_999], vistas) >= 0.0 and set(vistas) == {os.getpid()}
    vistas[123] = 1e9  # un proceso que ya terminó conserva su espera
    assert espera_cpu([os.getpid()], vistas) == 1e9


def test_ocupado_cuenta_lo_escrito_y_corta_con_demasiados_archivos(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "datos.bin").write_bytes(b"1" * 1_000_000)
    with open(tmp_path / "disperso.bin", "wb") as f:  # 1 GB que no ocupa disco
        f.truncate(1024**3)
    assert 1_000_000 <= ocupado([tmp_path]) < 1_200_000
    for i in range(20):
        (tmp_path / f"a{i}").touch()
    assert ocupado([tmp_path], maximo_archivos=10) is None
