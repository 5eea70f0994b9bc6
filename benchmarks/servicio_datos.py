"""La tubería de los pájaros en la máquina que entrena frente al servicio tf.data (`datos.servicio`): imágenes/s.

Las mismas imágenes (una carpeta sintética con el formato de CUB-200, JPEG de unos 256–360 px como las fotos
reales) y la misma tubería del ejercicio 3 sin barajar (`pipeline_desde_archivos`: leer, decodificar y
redimensionar a 224×224 en paralelo, lotes de 64, `prefetch`), recorrida:

- `local`: en el proceso que la recorre, como siempre;
- `servicio-1`: con `distribuir(ds, ...)`, en un trabajador (`python -m datos.servicio trabajador`);
- `servicio-2`: igual, en dos trabajadores.

Cada modo se mide en un proceso nuevo (y con un despachador y unos trabajadores nuevos: un trabajador parado
dejaría esperando a las épocas siguientes de su despachador). Se dan las imágenes/s de la mejor época tras la
primera (que calienta la caché de disco y traza las funciones), los milisegundos de CPU por imagen del proceso
que recorre la tubería (la máquina que entrena: lo que el servicio le quita) y los de los trabajadores.

Aquí los trabajadores son procesos de esta misma máquina: compiten por los mismos núcleos que el proceso que
entrena, y además pagan el envío de cada lote ya decodificado (64×224×224×3 bytes, 9,6 MB) por gRPC. En una
máquina de 2 núcleos el servicio no puede ir más rápido que la tubería local; lo que muestra la tabla es cuánta
CPU deja libre en la máquina que entrena y cuánto cuesta el envío. La ganancia de verdad llega con los
trabajadores en otras máquinas (con su propia CPU y la misma carpeta compartida).

Uso: `python benchmarks/servicio_datos.py [--imagenes 2000] [--epocas 3] [--rondas 2]` desde la raíz del
repositorio. La última línea es un JSON con todas las medidas.
"""

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

from proceso import resultado  # benchmarks/proceso.py

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAMANO, LOTE, CLASES = 224, 64, 10
MODOS = {"local": 0, "servicio-1": 1, "servicio-2": 2}  # modo -> trabajadores


def cpu_de(pids):
    """Segundos de CPU (usuario + sistema) gastados hasta ahora por los procesos `pids` (Linux: /proc)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            campos = f.read().rsplit(")", 1)[1].split()  # tras «(nombre)»: estado es el campo 3
        total += int(campos[11]) + int(campos[12])  # utime y stime (campos 14 y 15)
    return total / os.sysconf("SC_CLK_TCK")


def medir(carpeta, direccion, pids, epocas):
    """Se ejecuta en un proceso hijo: imprime un JSON con las imágenes/s y la CPU por imagen."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, RAIZ)
    from datos.pipelines import pipeline_desde_archivos
    from datos.servicio import distribuir

    with open(os.path.join(carpeta, "train.txt"), encoding="utf-8") as f:
        rutas = [os.path.join(carpeta, linea.strip()) for linea in f if linea.strip()]
    ds = pipeline_desde_archivos(rutas, batch=LOTE, tamano=TAMANO)
    if direccion != "-":
        ds = distribuir(ds, direccion)
    pids = [int(p) for p in pids.split(",") if p]
    segundos, cpu, cpu_trabajadores = [], [], []
    for _ in range(int(epocas)):
        inicio, inicio_cpu, inicio_trabajadores = time.perf_counter(), time.process_time(), cpu_de(pids)
        vistas = sum(int(x.shape[0]) for x in ds)
        segundos.append(time.perf_counter() - inicio)
        cpu.append(time.process_time() - inicio_cpu)  # de todos los hilos del proceso
        cpu_trabajadores.append(cpu_de(pids) - inicio_trabajadores)
    mejor = min(range(1, len(segundos)), key=segundos.__getitem__) if len(segundos) > 1 else 0
    resumen = {
        "imagenes": vistas,
        "imagenes_s": vistas / segundos[mejor],
        "primera_imagenes_s": vistas / segundos[0],
        "cpu_ms": 1000 * cpu[mejor] / vistas,
        "cpu_trabajadores_ms": 1000 * cpu_trabajadores[mejor] / vistas,
    }
    print(json.dumps(resumen))


def lanzar(*argumentos):
    """`python -m datos.servicio ...` en marcha y la dirección que imprime al arrancar."""
    proceso = subprocess.Popen(
        [sys.executable, "-m", "datos.servicio", *argumentos],
        cwd=RAIZ,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    listos, _, _ = select.select([proceso.stdout], [], [], 300)
    linea = proceso.stdout.readline() if listos else ""
    encontrada = re.search(r" en (\S+?)[ ,]", linea)
    if encontrada is None:
        proceso.kill()
        raise RuntimeError(f"{' '.join(argumentos[:1])} no arrancó: {linea!r}")
    return proceso, encontrada[1]


def medir_modo(carpeta, modo, epocas):
    """Arranca el despachador y los trabajadores del modo (ninguno: local), mide en un proceso nuevo y los para."""
    procesos, direccion = [], "-"
    try:
        if MODOS[modo]:
            despachador, direccion = lanzar("despachador", "--puerto", "0")
            procesos.append(despachador)
            for _ in range(MODOS[modo]):
                procesos.append(lanzar("trabajador", "--despachador", direccion, "--puerto", "0")[0])
        pids = ",".join(str(p.pid) for p in procesos[1:])
        orden = [sys.executable, __file__, "--medir", carpeta, direccion, pids or "-", str(epocas)]
        return resultado(orden)
    finally:
        for proceso in procesos:
            proceso.send_signal(signal.SIGTERM)
        for proceso in procesos:
            try:
                proceso.wait(30)
            except subprocess.TimeoutExpired:
                proceso.kill()
                proceso.wait()


def preparar(base, n):
    """Carpeta CUB-200 con `n` imágenes de `train` (y tantas de `test`), de 256 a ~360 px de lado."""
    sys.path.insert(0, RAIZ)
    from datos import escribir_pajaros_sinteticos

    return escribir_pajaros_sinteticos(
        os.path.join(base, "jpeg"), num_clases=CLASES, por_clase=2 * n // CLASES, tamano=256
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenes", type=int, default=2000, help="imágenes de train (2000)")
    parser.add_argument("--epocas", type=int, default=3, help="épocas por proceso (3: una de calentamiento y 2)")
    parser.add_argument("--rondas", type=int, default=2, help="veces que se mide cada modo, alternándolos (2)")
    parser.add_argument("--medir", nargs=4, metavar=("CARPETA", "DIRECCION", "PIDS", "EPOCAS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.medir:
        carpeta, direccion, pids, epocas = args.medir
        return medir(carpeta, direccion, "" if pids == "-" else pids, epocas)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(
        f"CPU: {os.cpu_count()} núcleos; {args.imagenes} imágenes, lotes de {LOTE}, {TAMANO}×{TAMANO}; "
        f"{args.epocas} épocas por proceso, {args.rondas} rondas"
    )
    print(
        f"{'modo':<11}  {'imágenes/s':>10}  {'(1.ª época)':>11}  {'ms CPU/img entrena':>18}  {'ms CPU/img trabajadores':>23}"
    )
    filas = []
    with tempfile.TemporaryDirectory() as base:
        carpeta = preparar(base, args.imagenes)
        for _ in range(args.rondas):
            for modo in MODOS:
                r = dict(medir_modo(carpeta, modo, args.epocas), modo=modo)
                filas.append(r)
                print(
                    f"{modo:<11}  {r['imagenes_s']:>10.0f}  {r['primera_imagenes_s']:>11.0f}  {r['cpu_ms']:>18.2f}  "
                    f"{r['cpu_trabajadores_ms']:>23.2f}",
                    flush=True,
                )
    mejores = {m: max((r for r in filas if r["modo"] == m), key=lambda r: r["imagenes_s"]) for m in MODOS}
    print("\nMejor ronda de cada modo (imágenes/s; relativo a local)")
    for modo, r in mejores.items():
        print(f"{modo:<11}  {r['imagenes_s']:>10.0f}  {r['imagenes_s'] / mejores['local']['imagenes_s']:>6.2f}×")
    print(
        json.dumps({"cpu": os.cpu_count(), "imagenes": args.imagenes, "lote": LOTE, "tamano": TAMANO, "filas": filas})
    )
    return filas


if __name__ == "__main__":
    main()
