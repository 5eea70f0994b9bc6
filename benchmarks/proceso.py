"""Medidas en un proceso nuevo: lo que se mide (importar, trazar, la memoria de pico) no arrastra nada de antes.

`resultado(orden)` ejecuta la orden (el mismo benchmark con otras opciones o `python -c CODIGO`) y devuelve el
JSON que esta escribe en la última línea de su salida.
"""

import json
import subprocess


def resultado(orden):
    """El JSON de la última línea de la salida de `orden`; si la orden falla, un error con lo que escribió."""
    proceso = subprocess.run(orden, capture_output=True, text=True)
    if proceso.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, orden[:3]))} … terminó con {proceso.returncode}:\n{proceso.stderr[-3000:]}"
        )
    return json.loads(proceso.stdout.strip().splitlines()[-1])


def pico_mb():
    """Memoria residente pico de este proceso en MB (`VmHWM`, de esta imagen del proceso).

    No `ru_maxrss`: Linux lo conserva a través de `fork` y `exec`, y el proceso padre (que acaba de escribir
    los datos) puede ocupar más que lo que se mide.
    """
    with open("/proc/self/status", encoding="ascii") as f:
        for linea in f:
            if linea.startswith("VmHWM:"):
                return int(linea.split()[1]) / 1024  # KiB
    raise RuntimeError("No se encuentra VmHWM en /proc/self/status (solo Linux).")
