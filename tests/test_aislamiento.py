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


# --- Memoria y tareas: un cgroup por entrega, o medidas ------------------------------------------------

MEMFD = (  # tres memfd de 240 MB (cada uno menos que el tamaño máximo de un archivo)
    "import os, time\nfds = [os.memfd_create(f'x{k}') for k in range(3)]\nfor fd in fds:\n    for _ in range(15):\n"
    "        os.write(fd, b'1' * 16 * 1024**2)\nprint('ESCRITO', flush=True)\ntime.sleep(3)\nprint('TERMINADO')\n"
)
BIFURCA = (
    "import os, time\nhijos = 0\nwhile hijos < 200:\n    try:\n        if os.fork() == 0:\n            time.sleep(20)\n"
    "            os._exit(0)\n        hijos += 1\n    except OSError:\n        break\nprint('HIJOS', hijos, flush=True)\n"
    "time.sleep(3)\n"
)


@pytest.mark.parametrize("usar_cgrupo", [True, False], ids=["cgroup", "medido"])
def test_la_memoria_fuera_de_los_procesos_tambien_cuenta(tmp_path, usar_cgrupo):
    """720 MB en memfd (no es memoria residente de ningún proceso) con 256 MB de presupuesto."""
    if usar_cgrupo and aislamiento.cgrupos.version()[0] is None:
        pytest.skip(aislamiento.cgrupos.version()[1])
    limites = Limites(tiempo=30, memoria=256 * 1024**2)
    r = ejecutar(
        [sys.executable, "-c", MEMFD], tmp_path / "s.txt", limites, b"", aislado=False, usar_cgrupo=usar_cgrupo
    )
    assert r.motivo == "memoria" and r.cgrupo is usar_cgrupo
    assert "TERMINADO" not in (tmp_path / "s.txt").read_text()


@pytest.mark.parametrize("usar_cgrupo", [True, False], ids=["cgroup", "medido"])
def test_las_tareas_de_una_entrega_no_pasan_de_su_presupuesto(tmp_path, usar_cgrupo):
    if usar_cgrupo and aislamiento.cgrupos.version()[0] is None:
        pytest.skip(aislamiento.cgrupos.version()[1])
    limites = Limites(tiempo=30, procesos=40)
    r = ejecutar(
        [sys.executable, "-c", BIFURCA], tmp_path / "s.txt", limites, b"", aislado=False, usar_cgrupo=usar_cgrupo
    )
    salida = (tmp_path / "s.txt").read_text()
    if usar_cgrupo:  # el núcleo niega el fork número 40: la entrega sigue, con sus 40 tareas
        assert r.motivo is None and int(salida.split()[1]) < 40
    else:  # sin cgroup, el vigilante la detiene al pasarse
        assert r.motivo == "procesos"
    assert _procesos_con(b"hijos < 200") == []  # al volver no queda ninguno


def _procesos_con(texto):
    restos = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if texto in f.read():
                    restos.append(pid)
        except OSError:
            continue
    return restos
