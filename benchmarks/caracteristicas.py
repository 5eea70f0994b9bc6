"""Caché de características (práctica 3, §4.1): época con ResNet50 congelada frente a época sobre la caché.

Mide lado a lado, en la misma ejecución, con BirdNetV1 (pesos aleatorios: la velocidad no depende de
ellos) sobre imágenes sintéticas ya decodificadas en memoria (la lectura de disco no entra en la cuenta):

1. sin caché: `fit` del modelo compuesto, que pasa cada imagen por ResNet50 congelada en cada época;
2. con caché: `extraer_caracteristicas` una vez y `fit` de la cabeza sobre las características.

Da el tiempo por época (mejor de `--epocas` tras una de calentamiento), el cociente, el coste de la
extracción y el total de 15 épocas (las del informe) de cada forma.

Uso: `python benchmarks/caracteristicas.py [--imagenes 128] [--tamano 224] [--epocas 3]` desde la raíz.
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402

from datos import escribir_pajaros_sinteticos, listar_pajaros  # noqa: E402
from datos.pajaros import leer_imagenes  # noqa: E402
from modelos import getBirdNetV1, getResNet50, preprocesar_imagenes  # noqa: E402
from utilidades import compileModel  # noqa: E402
from utilidades.caracteristicas import extraer_caracteristicas, separar_modelo  # noqa: E402

from medida import segundos_por_epoca  # noqa: E402  (benchmarks/medida.py)

CLASES, LOTE, EPOCAS_INFORME = 8, 64, 15


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenes", type=int, default=128, help="imágenes de entrenamiento (128)")
    parser.add_argument("--tamano", type=int, default=224, help="lado de las imágenes (224)")
    parser.add_argument("--epocas", type=int, default=3, help="épocas medidas de cada forma (3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as carpeta:
        escribir_pajaros_sinteticos(
            carpeta, num_clases=CLASES, por_clase=2 * args.imagenes // CLASES, tamano=args.tamano
        )
        listado = listar_pajaros(carpeta)
        x = preprocesar_imagenes(leer_imagenes(listado.rutas_train, args.tamano)).numpy()
        y = listado.y_train
    print(f"{len(x)} imágenes de {args.tamano}×{args.tamano}, {CLASES} clases, lotes de {LOTE}, BirdNetV1 sin pesos")

    modelo = getBirdNetV1(getResNet50("avg", x.shape[1:], weights=None), num_clases=CLASES)
    compileModel(modelo)
    sin_cache = segundos_por_epoca(modelo, x, y, args.epocas, LOTE)

    extractor, cabeza = separar_modelo(modelo)
    extraer_caracteristicas(extractor, x[:LOTE], batch=LOTE)  # calentamiento (compilar el grafo)
    inicio = time.perf_counter()
    caracteristicas = extraer_caracteristicas(extractor, x, batch=LOTE)
    extraccion = time.perf_counter() - inicio
    compileModel(cabeza)
    con_cache = segundos_por_epoca(cabeza, caracteristicas, y, max(args.epocas, 10), LOTE)

    print(f"época sin caché (ResNet50 congelada en cada época): {sin_cache:8.3f} s")
    print(f"época con caché (solo la cabeza):                    {con_cache:8.4f} s")
    print(f"cociente: {sin_cache / con_cache:.0f}× más rápida con la caché")
    print(f"extracción (una sola vez):                           {extraccion:8.3f} s")
    total_sin = EPOCAS_INFORME * sin_cache
    total_con = extraccion + EPOCAS_INFORME * con_cache
    print(
        f"{EPOCAS_INFORME} épocas: {total_sin:.1f} s sin caché, {total_con:.1f} s con caché ({total_sin / total_con:.1f}×)"
    )
    print(f"Keras {keras.__version__}, {os.cpu_count()} CPU")


if __name__ == "__main__":
    main()
