"""Tiempo de calificar una clase de 10 entregas pequeñas (BaseNet y red mejorada en CIFAR, Keras 2).

    python benchmarks/calificacion.py [--procesos 2] [--sin-aislamiento]

Escribe las 10 entregas (la correcta de `tests/entregas_p3.py` y sus errores típicos) en una carpeta
temporal, califica la clase con `calificar_clase` y da el tiempo total y por entrega, con bubblewrap o con
el repliegue. Cifras en docs/rendimiento.md.
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from calificacion import aislamiento  # noqa: E402
from calificacion.clase import calificar_clase  # noqa: E402
from tests import entregas_p3  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procesos", type=int, default=2)
    parser.add_argument("--sin-aislamiento", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporal:
        clase = os.path.join(temporal, "clase")
        os.makedirs(clase)
        textos = [entregas_p3.CIFAR] + [entregas_p3.con_error(n) for n in entregas_p3.ERRORES]
        for k in range(10):
            with open(os.path.join(clase, f"estudiante_{k:02d}.py"), "w", encoding="utf-8") as f:
                f.write(textos[k % len(textos)])
        inicio = time.perf_counter()
        filas = calificar_clase(
            clase,
            os.path.join(temporal, "notas"),
            procesos=args.procesos,
            limites=aislamiento.Limites(tiempo=300),
            aislado=not args.sin_aislamiento,
            mostrar=lambda *a: None,
        )
        segundos = time.perf_counter() - inicio
    modo = "repliegue" if args.sin_aislamiento else "bubblewrap"
    print(
        f"{len(filas)} entregas, {args.procesos} a la vez, {modo}: {segundos:.1f} s "
        f"({segundos / len(filas):.1f} s por entrega); notas {[f['nota'] for f in filas]}"
    )


if __name__ == "__main__":
    main()
