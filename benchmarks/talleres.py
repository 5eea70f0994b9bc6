"""Lo que ahorra guardar las características de VGG16 (clase de CNN, «Transfer learning»).

Mide lado a lado, en la misma ejecución, sobre una carpeta sintética `clase/imagen.jpg` leída con
`pipeline_desde_carpeta` (sin aumento) y VGG16 congelada con la cabeza del taller:

1. segundos por época entrenando el modelo completo (la base congelada se recalcula en cada época);
2. segundos de una extracción de características (una pasada por la base) y por época entrenando solo la
   cabeza sobre ellas.

Los tiempos no dependen de los pesos, así que se usa `weights=None` (sin descargas).

Uso: `python benchmarks/talleres.py [--imagenes 160] [--tamano 150] [--epocas 3]` desde la raíz del repositorio.
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from datos.carpetas import escribir_carpeta_sintetica  # noqa: E402
from datos.pipelines import pipeline_desde_carpeta  # noqa: E402
from modelos import red_vgg16_transferencia  # noqa: E402
from utilidades.caracteristicas import extraer_caracteristicas, separar_modelo  # noqa: E402
from utilidades.entrenamiento import compileModel  # noqa: E402

from medida import segundos_por_epoca  # noqa: E402  (benchmarks/medida.py)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--imagenes", type=int, default=160, help="imágenes de la carpeta sintética (mitad por clase)")
    p.add_argument("--tamano", type=int, default=150, help="lado de las imágenes (150 como en el taller)")
    p.add_argument("--epocas", type=int, default=3, help="épocas medidas (se toma la mejor)")
    p.add_argument("--batch", type=int, default=32)
    args = p.parse_args()

    keras.utils.set_random_seed(0)
    carpeta = tempfile.mkdtemp(prefix="bench-talleres-")
    escribir_carpeta_sintetica(carpeta, por_clase=args.imagenes // 2, tamano=args.tamano)
    datos = pipeline_desde_carpeta(carpeta, (args.tamano, args.tamano), args.batch, validacion=None, barajar=False)
    lotes = [(x.numpy(), y.numpy()) for x, y in datos]  # decodificadas una vez, en memoria para los dos casos
    x = np.concatenate([b[0] for b in lotes])
    y = np.concatenate([b[1] for b in lotes])

    modelo = red_vgg16_transferencia(2, (args.tamano, args.tamano, 3), pesos=None)
    extractor, cabeza = separar_modelo(modelo)
    compileModel(modelo)
    completo = segundos_por_epoca(modelo, x, y, args.epocas, args.batch)

    extractor.predict(x[: args.batch], verbose=0)  # calentamiento
    inicio = time.perf_counter()
    caracteristicas = extraer_caracteristicas(extractor, x, batch=args.batch)
    extraccion = time.perf_counter() - inicio
    compileModel(cabeza)
    solo_cabeza = segundos_por_epoca(cabeza, caracteristicas, y, args.epocas, args.batch)

    print(
        f"{len(x)} imágenes {args.tamano}×{args.tamano}, lotes de {args.batch}, "
        f"características {caracteristicas.shape[1:]}"
    )
    print(f"modelo completo (base congelada):  {completo:8.3f} s/época")
    print(f"extracción una vez:                {extraccion:8.3f} s")
    print(f"cabeza sobre características:      {solo_cabeza:8.3f} s/época")
    print(f"cociente por época:                {completo / solo_cabeza:8.1f}×")
    for n in (1, 10, 30):
        print(f"{n:3d} épocas: {n * completo:8.1f} s frente a {extraccion + n * solo_cabeza:8.1f} s")


if __name__ == "__main__":
    main()
