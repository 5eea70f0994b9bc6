"""Suite de calificación de la práctica 3 (10 puntos): BaseNet, BaseNet++, BirdNet y los ayudantes.

    python -m utilidades.calificacion entrega.ipynb            # una entrega
    python -m utilidades.calificacion carpeta_de_entregas/     # toda la clase

La entrega debe definir las funciones del enunciado con las firmas del informe: `getBaseNet()`,
`getBaseNetPlusPlus()` (o con `fix2, fix3, fix4`), `getBirdNetV1(model, onlyFinal)`,
`getBirdNetV2(model)`, `getBirdNetV3(model)` (reciben la ResNet50 sin la cima), `getDataIterators(
train_x, train_y, test_x, batchSize)` y `compileModel(model)`. Lo que hacen se obtiene en otro proceso
(`p3_tareas.py`); aquí se compara con las referencias de `modelos/` y con las cifras del informe.
"""
import functools
import os

import numpy as np
import pytest

from utilidades.calificacion.arquitectura import comparar_arquitectura, describir_modelo, juntar_activaciones
from utilidades.calificacion.suites import p3_tareas

TAREAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "p3_tareas.py")

# Reglas de BaseNet++ (§3): más profunda que BaseNet, BatchNormalization tras cada convolución, Dropout
# tras cada densa oculta, entrada 32×32×3 y 25 clases con softmax, y un presupuesto de parámetros: más
# que BaseNet (24.197) y no más de LIMITE_PARAMETROS_BASENETPP (la del informe tiene 809.945).
LIMITE_PARAMETROS_BASENETPP = 1_000_000
PARAMETROS_BASENET = 24_197
CLASES_CIFAR = 25
CLASES_PAJAROS = 200


@functools.lru_cache(maxsize=None)
def referencia(nombre):
    """Descripción de la red de referencia de `modelos/` (se construye aquí, fuera del alcance de la entrega)."""
    import modelos

    if nombre == "BaseNet":
        return describir_modelo(modelos.getBaseNet())
    if nombre == "BirdNetV1":
        base = modelos.getResNet50("avg", p3_tareas.FORMA_RESNET, weights=None)
        numero_base = len(base.layers) - 1  # sin la InputLayer
        descripcion = describir_modelo(modelos.getBirdNetV1(base, False))
        return {"capas": descripcion["capas"][numero_base:]}
    raise ValueError(f"No hay referencia para {nombre!r}.")


def _numero(valor):
    return f"{valor:,}".replace(",", ".")


def _tipos(capas):
    return [capa["tipo"] for capa in capas]


# --- BaseNet (§2.1) -------------------------------------------------------------------------------


@pytest.mark.puntos(3)
def test_basenet_arquitectura(entrega, nota):
    """BaseNet: capas, formas, parámetros y activaciones del Listing 1 (§2.1)"""
    comparacion = comparar_arquitectura(entrega.resultado("basenet"), referencia("BaseNet"))
    nota.parcial(comparacion.fraccion)
    assert comparacion, str(comparacion)


# --- BaseNet++ (§3) ------------------------------------------------------------------------------


def problemas_basenetpp(descripcion):
    """Lo que incumple una BaseNet++ de las mejoras del §3 (lista vacía si las cumple todas)."""
    capas = juntar_activaciones(descripcion["capas"])
    tipos = _tipos(capas)
    problemas = []
    if descripcion["entrada"] != [None, 32, 32, 3]:
        problemas.append(f"la entrada debe ser 32×32×3 y es {descripcion['entrada'][1:]}")
    if descripcion["salida"] != [None, CLASES_CIFAR] or not capas or capas[-1]["activacion"] != "softmax":
        problemas.append(f"la salida debe ser una Dense de {CLASES_CIFAR} clases con softmax")
    if tipos.count("Conv2D") < 3:
        problemas.append(f"tiene {tipos.count('Conv2D')} convoluciones: la mejora 2 pide más profundidad que BaseNet (2)")
    sin_bn = [i + 1 for i, t in enumerate(tipos) if t == "Conv2D" and tipos[i + 1: i + 2] != ["BatchNormalization"]]
    if sin_bn:
        problemas.append(f"falta BatchNormalization detrás de la convolución de la capa {sin_bn} (mejora 3)")
    densas = [i for i, t in enumerate(tipos) if t == "Dense"][:-1]
    sin_dropout = [i + 1 for i in densas if tipos[i + 1: i + 2] != ["Dropout"]]
    if sin_dropout:
        problemas.append(f"falta Dropout detrás de la densa oculta de la capa {sin_dropout} (mejora 4)")
    return problemas


@pytest.mark.puntos(1)
def test_basenetpp_mejoras(entrega, nota):
    """BaseNet++: entrada, salida y mejoras de profundidad, BatchNormalization y Dropout (§3, Cuadro 2)"""
    problemas = problemas_basenetpp(entrega.resultado("basenetpp"))
    nota.parcial(1 - len(problemas) / 5)
    assert not problemas, "BaseNet++ no cumple las reglas del §3:\n- " + "\n- ".join(problemas)


@pytest.mark.puntos(1)
def test_basenetpp_parametros(entrega):
    """BaseNet++: número de parámetros dentro de las reglas de la práctica (§3)"""
    descripcion = entrega.resultado("basenetpp")
    total = descripcion["parametros"]
    assert PARAMETROS_BASENET < total <= LIMITE_PARAMETROS_BASENETPP, (
        f"BaseNet++ tiene {_numero(total)} parámetros; deben ser más que los de BaseNet ({_numero(PARAMETROS_BASENET)}) "
        f"y como mucho {_numero(LIMITE_PARAMETROS_BASENETPP)} (la del informe tiene 809.945). Reduzca filtros o neuronas: "
        "la densa que sigue al Flatten suele ser la que más suma."
    )
    estadisticas = sum(c["parametros"] // 2 for c in descripcion["capas"] if c["tipo"] == "BatchNormalization")
    assert descripcion["no_entrenables"] == estadisticas, (
        f"BaseNet++ tiene {_numero(descripcion['no_entrenables'])} parámetros no entrenables; solo deberían serlo las "
        f"medias y varianzas de BatchNormalization ({_numero(estadisticas)}): ¿ha congelado alguna capa?"
    )


# --- BirdNet (§4) --------------------------------------------------------------------------------

VARIANTES_CONGELADAS = {"BirdNetV0": "birdnet_v0", "BirdNetV1": "birdnet_v1", "BirdNetV2": "birdnet_v2"}


def _partes(resultado, funcion):
    assert resultado["usa_base"], (
        f"{funcion} debe añadir sus capas a la ResNet50 que recibe como argumento, no construir otra."
    )
    capas = resultado["modelo"]["capas"]
    return capas[: resultado["capas_base"]], capas[resultado["capas_base"]:]


def _entrenables_posibles(capas):
    """Parámetros que se entrenarían con todo descongelado (BatchNormalization: solo gamma y beta)."""
    return sum(c["parametros"] // 2 if c["tipo"] == "BatchNormalization" else c["parametros"] for c in capas)


@pytest.mark.puntos(0.5)
@pytest.mark.parametrize("variante", list(VARIANTES_CONGELADAS))
def test_birdnet_congelada(entrega, variante):
    """BirdNet: ResNet50 congelada y cabeza entrenable (§4.1)"""
    funcion = "getBirdNetV2" if variante == "BirdNetV2" else "getBirdNetV1"
    resultado = entrega.resultado(VARIANTES_CONGELADAS[variante])
    base, cabeza = _partes(resultado, funcion)
    entrenables_base = sum(c["entrenables"] for c in base)
    if entrenables_base:
        pista = ""
        if "traineable" in entrega.texto:
            pista = " La entrega escribe `traineable`: el atributo es `trainable` (con la errata no se congela nada)."
        pytest.fail(
            f"{variante}: la ResNet50 tiene {_numero(entrenables_base)} parámetros entrenables; como extractor de "
            f"características debe estar congelada (capa.trainable = False).{pista}",
            pytrace=False,
        )
    assert cabeza, f"{variante}: {funcion} no añade ninguna capa a la ResNet50."
    congeladas = [c["nombre"] for c in cabeza if not c["entrenable"] and c["parametros"]]
    assert not congeladas, f"{variante}: las capas nuevas {congeladas} están congeladas; deben entrenarse."
    salida = resultado["modelo"]["salida"]
    assert salida == [None, CLASES_PAJAROS] and cabeza[-1]["activacion"] == "softmax", (
        f"{variante}: la salida debe ser una Dense de {CLASES_PAJAROS} clases con softmax y es {salida} "
        f"con activación '{cabeza[-1]['activacion']}'."
    )


@pytest.mark.puntos(1)
def test_birdnetv1_cabeza(entrega, nota):
    """BirdNetV1: capas añadidas a ResNet50 como en el Cuadro 5 (§4.1.1)"""
    _, cabeza = _partes(entrega.resultado("birdnet_v1"), "getBirdNetV1")
    comparacion = comparar_arquitectura(cabeza, referencia("BirdNetV1"))
    nota.parcial(comparacion.fraccion)
    assert comparacion, "Capas añadidas a ResNet50: " + str(comparacion)


@pytest.mark.puntos(0.5)
def test_birdnetv3_entrenable(entrega):
    """BirdNetV3: ajuste fino con la ResNet50 entera entrenable (§4.2)"""
    base, cabeza = _partes(entrega.resultado("birdnet_v3"), "getBirdNetV3")
    entrenables, posibles = sum(c["entrenables"] for c in base), _entrenables_posibles(base)
    assert entrenables == posibles, (
        f"BirdNetV3: de la ResNet50 se entrenan {_numero(entrenables)} de {_numero(posibles)} parámetros; "
        "para el ajuste fino entero todas sus capas deben ser entrenables."
    )
    assert cabeza and cabeza[-1]["salida"] == [None, CLASES_PAJAROS], (
        f"BirdNetV3: falta el clasificador de {CLASES_PAJAROS} clases detrás de la ResNet50."
    )


# --- Ayudantes (§2.2) ----------------------------------------------------------------------------


@pytest.mark.puntos(1)
def test_datos_normaliza_test_con_estadisticas_de_entrenamiento(entrega):
    """getDataIterators: el test se normaliza con la media y la desviación de entrenamiento (§2.2)"""
    resultado = entrega.resultado("datos")
    x_train, _, x_test = p3_tareas.datos_sinteticos()
    assert resultado["media"] is not None and None not in resultado["media"], (
        f"getDataIterators debe devolver el test normalizado con la misma forma que test_x {list(x_test.shape)}; "
        f"devuelve forma {resultado['forma_test']} o un test constante."
    )
    media, desviacion = x_train.mean(axis=(0, 1, 2)), x_train.std(axis=(0, 1, 2))
    usada, usada_desviacion = np.array(resultado["media"]), np.array(resultado["desviacion"])
    propia = x_test.mean(axis=(0, 1, 2))
    if np.allclose(usada, propia, atol=0.02) and not np.allclose(usada, media, atol=0.02):
        pytest.fail(
            f"El test se normaliza con su propia media ({usada.mean():.2f}) en vez de con la de entrenamiento "
            f"({media.mean():.2f}): hay que usar las estadísticas de entrenamiento (p. ej. `standardize` del "
            "generador ajustado con `fit(train_x)`), porque en la práctica el test no se conoce al entrenar.",
            pytrace=False,
        )
    assert np.allclose(usada, media, atol=0.02) and np.allclose(usada_desviacion, desviacion, rtol=0.1), (
        f"El test no está normalizado con la media ({media.mean():.3f}) y la desviación ({desviacion.mean():.3f}) de "
        f"entrenamiento: se usaron media {np.round(usada, 3).tolist()} y desviación {np.round(usada_desviacion, 3).tolist()}."
    )


@pytest.mark.puntos(0.5)
def test_datos_validacion_y_copias(entrega):
    """getDataIterators: 10 % de validación y sin modificar los arrays recibidos (§2.2)"""
    resultado = entrega.resultado("datos")
    n_train, n_val = resultado["n_entrenamiento"], resultado["n_validacion"]
    assert n_train is not None and n_val is not None, (
        f"No se pueden contar las imágenes de los iteradores devueltos ({resultado['tipo_iterador']}): devuelva "
        "tf.data.Dataset o iteradores de Keras."
    )
    assert n_train + n_val == 200 and 18 <= n_val <= 22, (
        f"De 200 imágenes de entrenamiento, los iteradores dan {n_train} de entrenamiento y {n_val} de validación; "
        "se esperaba separar un 10 % (20) para validación."
    )
    assert resultado["sin_modificar"], "getDataIterators modifica los arrays que recibe: trabaje sobre copias."


@pytest.mark.puntos(0.5)
def test_compilacion(entrega):
    """compileModel: Adam, entropía cruzada categórica y precisión (§2.2)"""
    resultado = entrega.resultado("compilacion")
    x, y, pesos, sesgos = p3_tareas.datos_compilacion()
    logits = x.astype("float64") @ pesos + sesgos
    probabilidades = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilidades /= probabilidades.sum(axis=1, keepdims=True)
    perdida = float(-np.mean(np.sum(y * np.log(probabilidades), axis=1)))
    precision = float(np.mean(probabilidades.argmax(axis=1) == y.argmax(axis=1)))
    assert resultado["optimizador"] == "Adam", f"compileModel usa el optimizador {resultado['optimizador']}; se pide Adam."
    evaluacion = resultado["evaluacion"]
    assert abs(evaluacion.get("loss", np.nan) - perdida) < 1e-4, (
        f"La pérdida no es la entropía cruzada categórica: en un caso de prueba da {evaluacion.get('loss')} y "
        f"debería dar {perdida:.5f}."
    )
    metricas = [v for k, v in evaluacion.items() if k in ("accuracy", "acc", "categorical_accuracy")]
    assert metricas and abs(metricas[0] - precision) < 1e-6, (
        f"compileModel debe medir la precisión (metrics=['accuracy']); evaluate da {sorted(evaluacion)}."
    )
