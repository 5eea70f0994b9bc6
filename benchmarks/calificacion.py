"""Tiempo de calificar una clase de tamaño real: las entregas de `tests/entregas` (estilos del curso y ejemplos).

    python benchmarks/calificacion.py [--procesos 2] [--sin-aislamiento]

Copia las entregas de `tests/entregas/estilos` y `tests/entregas/reales` (scripts de Keras 2 y cuadernos de
Colab, con y sin la parte de los pájaros) y `tests/entregas/entrega_correcta.py` en una carpeta temporal,
califica la clase con `calificar_clase` y da el tiempo total, por entrega, y el de cada una en su proceso
(reloj, con y sin pájaros). Cifras en docs/rendimiento.md.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from calificacion import aislamiento  # noqa: E402
from calificacion.clase import calificar_clase  # noqa: E402
from utilidades.resultados import leer_json  # noqa: E402

ENTREGAS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "entregas")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procesos", type=int, default=2)
    parser.add_argument("--sin-aislamiento", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporal:
        clase, notas = os.path.join(temporal, "clase"), os.path.join(temporal, "notas")
        os.makedirs(clase)
        for grupo in ("estilos", "reales"):
            for nombre in os.listdir(os.path.join(ENTREGAS, grupo)):
                shutil.copytree(os.path.join(ENTREGAS, grupo, nombre), os.path.join(clase, nombre))
        shutil.copy(os.path.join(ENTREGAS, "entrega_correcta.py"), os.path.join(clase, "Diego Informe.py"))
        inicio = time.perf_counter()
        filas = calificar_clase(
            clase,
            notas,
            procesos=args.procesos,
            limites=aislamiento.Limites(tiempo=300),
            aislado=not args.sin_aislamiento,
            mostrar=lambda *a: None,
        )
        segundos = time.perf_counter() - inicio
        propios = {"con pájaros": [], "sin pájaros": []}
        for fila in filas:
            resultado = leer_json(os.path.join(notas, fila["estudiante"], "results.json"))
            grupo = "con pájaros" if fila["transferencia"] or fila["ajuste_fino"] else "sin pájaros"
            propios[grupo].append(resultado["execution_time"])
    modo = "repliegue" if args.sin_aislamiento else "bubblewrap"
    print(
        f"{len(filas)} entregas, {args.procesos} a la vez, {modo}: {segundos:.0f} s "
        f"({segundos / len(filas):.1f} s por entrega)"
    )
    for grupo, tiempos in propios.items():
        print(f"  {grupo}: {len(tiempos)} entregas, mediana {statistics.median(tiempos):.1f} s en su proceso")


if __name__ == "__main__":
    main()
