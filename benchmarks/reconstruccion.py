"""Reconstruir en el calificador un modelo de una entrega (BirdNetV4: ResNet50 y su cabeza) desde su configuración.

    python benchmarks/reconstruccion.py [--repeticiones 5]

Lado a lado, alternando, con la misma configuración JSON: reconstruirla con sus inicializadores (lo que se
hacía), sin reservar sus pesos (`describir_config`: inicializadores en "zeros" y un ámbito sin estado de
Keras) y en un hijo del servidor de reconstrucción, en bubblewrap y con los límites de la entrega
(`describir_configs`, lo que hace la calificación; el servidor ya arrancado).
Da la mediana de segundos de CPU de este proceso y de reloj. Cifras en docs/rendimiento.md.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402

from calificacion import reconstruccion  # noqa: E402
from calificacion.arquitectura import describir_modelo  # noqa: E402
from modelos import getBirdNetV4, getResNet50  # noqa: E402


def con_inicializadores(texto):
    config = json.loads(texto)
    config.pop("compile_config", None)
    return describir_modelo(keras.saving.deserialize_keras_object(config, safe_mode=True))


def con_ceros(texto):
    reconstruccion.describir_config.cache_clear()
    return reconstruccion.describir_config(texto)


def en_un_hijo(texto):
    return reconstruccion.describir_configs([texto], memoria=4 * 1024**3, tiempo=600)[texto]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticiones", type=int, default=5)
    args = parser.parse_args()
    texto = getBirdNetV4(getResNet50("avg", (224, 224, 3), weights=None), num_clases=200).to_json()
    formas = {"con sus inicializadores": con_inicializadores, "sin reservar los pesos": con_ceros}
    formas["en un hijo del servidor (bubblewrap)"] = en_un_hijo
    referencia = con_inicializadores(texto)
    assert all(f(texto) == referencia for f in formas.values())  # calentamiento, y la misma descripción
    medidas = {nombre: [] for nombre in formas}
    for _ in range(args.repeticiones):
        for nombre, forma in formas.items():
            reloj, cpu = time.perf_counter(), time.process_time()
            forma(texto)
            medidas[nombre].append((time.perf_counter() - reloj, time.process_time() - cpu))
    base = statistics.median(c for _, c in medidas["con sus inicializadores"])
    print(f"BirdNetV4 (ResNet50, {referencia['parametros']:,} parámetros), mediana de {args.repeticiones}:")
    for nombre, tiempos in medidas.items():
        reloj = statistics.median(r for r, _ in tiempos)
        cpu = statistics.median(c for _, c in tiempos)
        print(f"  {nombre:<26} reloj {reloj:5.2f} s  CPU de este proceso {cpu:5.2f} s  ({cpu / base:.2f}×)")


if __name__ == "__main__":
    main()
