"""Suite de calificación de la práctica 3 (10 puntos), sobre lo que la entrega construye y entrena.

    calificar entregas/ --salida notas/                 # toda la clase
    pytest suite.py --entrega alumno.ipynb              # una entrega (complemento de pytest)

No exige nombres: la entrega se ejecuta entera (ver `arnes.py`) y cada modelo que construye, compila o
entrena se reconoce por su estructura. Si define las funciones del informe (`getBaseNet`,
`getBaseNetPlusPlus`, `getBirdNetV1`…, `getDataIterators`, `compileModel`), también se llaman; el profesor
puede añadir los nombres de su enunciado con `--nombre getBaseNet=crearRed`.

| prueba | puntos | qué se observa |
|---|---|---|
| basenet | 3 | el modelo de 32×32×3 más parecido a BaseNet (§2.1), capa a capa |
| mejorada | 2 | un modelo de CIFAR con normalización o aumento, más convoluciones, BatchNormalization y Dropout (§3) |
| normaliza_test | 1 | el test que llega a evaluate/predict, normalizado con las estadísticas de entrenamiento (§2.2) |
| validacion | 0,5 | un entrenamiento con conjunto de validación (§2.2) |
| compilacion | 0,5 | entropía cruzada categórica y precisión (§2.2) |
| transferencia | 1,5 | ResNet50 congelada con una cabeza nueva de 200 clases, o sus características (§4.1) |
| ajuste_fino | 1,5 | ResNet50 con capas descongeladas y cabeza de 200 clases (§4.2) |

Reglas opcionales (`--regla CLAVE=VALOR`), desactivadas por defecto porque el curso no las fija:
`parametros_mejorada=N` (presupuesto de parámetros del modelo mejorado), `optimizador=Adam` (el de
`compileModel` del informe) y `cabeza_v1=cuadro5` (la cabeza de transferencia igual al Cuadro 5).
"""

import functools
import math

import pytest

from calificacion.arnes.datos_pequenos import N_TEST, estadisticas_cifar
from calificacion.arnes.observacion import AJUSTES_AUMENTO, AJUSTES_NORMALIZACION
from calificacion.arquitectura import comparar_arquitectura, describir_modelo, juntar_activaciones, numero

# Funciones del informe que se llaman si la entrega las define (argumentos: los construye el arnés).
LLAMADAS = [
    {"funcion": "getBaseNet", "argumentos": []},
    {"funcion": "getBaseNetPlusPlus", "argumentos": [True, True, True]},
    {"funcion": "getBirdNetV1", "argumentos": ["resnet50_avg", False]},
    {"funcion": "getBirdNetV1", "argumentos": ["resnet50_avg", True]},
    {"funcion": "getBirdNetV2", "argumentos": ["resnet50_sin_pooling"]},
    {"funcion": "getBirdNetV3", "argumentos": ["resnet50_avg"]},
    {"funcion": "getBirdNetV4", "argumentos": ["resnet50_avg"]},
    {"funcion": "getDataIterators", "argumentos": ["x_train", "y_train", "x_test", 32], "iteradores": True},
    {"funcion": "compileModel", "argumentos": ["modelo_lineal"]},
]

CLASES_CIFAR, CLASES_PAJAROS = 25, 200
_PERDIDAS = {
    "categorical_crossentropy",
    "CategoricalCrossentropy",
    "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy",
}
_METRICAS = {
    "accuracy",
    "acc",
    "categorical_accuracy",
    "CategoricalAccuracy",
    "Accuracy",
    "sparse_categorical_accuracy",
}
_AUMENTO, _NORMALIZACION = AJUSTES_AUMENTO, AJUSTES_NORMALIZACION
_CAPAS_NORMALIZACION = ("Normalization",)
_CAPAS_AUMENTO = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop", "RandomContrast")
_CAPAS_PREPROCESADO = _CAPAS_NORMALIZACION + _CAPAS_AUMENTO + ("Rescaling", "Resizing", "Identity")


@functools.lru_cache(maxsize=None)
def referencia(nombre):
    """Descripción de la red de referencia de `modelos/` (se construye en el calificador)."""
    import modelos

    if nombre == "BaseNet":
        return describir_modelo(modelos.getBaseNet())
    if nombre == "BirdNetV1":
        base = modelos.getResNet50("avg", (224, 224, 3), weights=None)
        numero_base = len(base.layers) - 1  # sin la InputLayer
        return {"capas": describir_modelo(modelos.getBirdNetV1(base, False))["capas"][numero_base:]}
    raise ValueError(f"No hay referencia para {nombre!r}.")


def _tipos(descripcion):
    return [c["tipo"] for c in juntar_activaciones(descripcion["capas"])]


def _lugar(modelo):
    lugar = modelo.lugar()
    return f"«{modelo.nombre}»" + (f" ({lugar})" if lugar else "")


def _sin_modelos(entrega, que, tema):
    """Que falta algo, y por qué: dónde está su código y qué lo detuvo (`diagnostico`), no un consejo."""
    motivo = ""
    if entrega.error:
        motivo = f" La ejecución no terminó: {entrega.error}."
    explicacion = entrega.diagnostico().explicar(tema)
    if explicacion:
        motivo += f" {explicacion}"
    elif not motivo and entrega.errores():
        lugar, texto = entrega.errores()[0]
        motivo = f" Primer error de la entrega: {texto} ({lugar})."
    return f"No se encontró {que} entre los modelos que construye la entrega.{motivo}"


# --- CIFAR-100: BaseNet y la red mejorada (§2 y §3) ---------------------------------------------------


def _sin_preprocesado(descripcion):
    """La red sin las capas de preprocesado del principio (`Rescaling(1/255)`, `Normalization`, aumento):
    hacen lo que la plantilla hace con los datos, no son capas de la arquitectura."""
    capas = list(descripcion["capas"])
    while capas and capas[0]["tipo"] in _CAPAS_PREPROCESADO:
        capas.pop(0)
    return {**descripcion, "capas": capas}


def basenet_de(entrega):
    """`(modelo, comparación)` del modelo de 32×32×3 más parecido a BaseNet; `(None, None)` si no hay."""
    mejor = (None, None)
    for modelo in entrega.modelos_cifar():
        comparacion = comparar_arquitectura(_sin_preprocesado(modelo.descripcion()), referencia("BaseNet"))
        if mejor[1] is None or comparacion.fraccion > mejor[1].fraccion:
            mejor = (modelo, comparacion)
    return mejor


@pytest.mark.puntos(3)
def test_basenet(entrega, nota):
    """BaseNet: capas, filtros, núcleos, activaciones y parámetros del Listing 1 (§2.1)"""
    modelo, comparacion = basenet_de(entrega)
    assert modelo is not None, _sin_modelos(entrega, "ningún modelo de entrada 32×32×3 (BaseNet)", "convolucion")
    nota.parcial(comparacion.fraccion)
    assert comparacion, f"BaseNet ({_lugar(modelo)}): {comparacion}"


def _datos_mejorados(entrega, modelo):
    """Si los datos de entrenamiento de `modelo` llegan normalizados o aumentados (o la red lo hace dentro)."""
    tipos = set(_tipos(modelo.descripcion()))
    if tipos & set(_CAPAS_NORMALIZACION + _CAPAS_AUMENTO):
        return True
    eventos = modelo.eventos_de("fit") or [e for e in entrega.iteradores()]
    for evento in eventos:
        datos = evento.get("datos", evento)
        generador = datos.get("generador") or {}
        if any(generador.get(c) for c in _NORMALIZACION + _AUMENTO):
            return True
        if _normalizado(datos.get("x")):
            return True
    return False


def criterios_mejorada(entrega, modelo):
    """Las mejoras del §3 que cumple `modelo`: {criterio: bool}."""
    tipos = _tipos(modelo.descripcion())
    return {
        "normalización o aumento de datos": _datos_mejorados(entrega, modelo),
        "más convoluciones que BaseNet (más de 2)": tipos.count("Conv2D") > 2,
        "BatchNormalization": "BatchNormalization" in tipos,
        "Dropout": "Dropout" in tipos,
    }


@pytest.mark.puntos(2)
def test_mejorada(entrega, nota, reglas):
    """Red mejorada (BaseNet++): normalización o aumento, más profundidad, BatchNormalization y Dropout (§3)"""
    base, _ = basenet_de(entrega)
    candidatos = [m for m in entrega.modelos_cifar() if m is not base]
    assert candidatos, _sin_modelos(
        entrega, "ningún modelo de entrada 32×32×3 aparte de BaseNet (la red mejorada)", "mejorada"
    )
    elegido = max(
        candidatos, key=lambda m: (sum(criterios_mejorada(entrega, m).values()), len(_tipos(m.descripcion())))
    )
    criterios = criterios_mejorada(entrega, elegido)
    limite = reglas.get("parametros_mejorada")
    if limite is not None:
        parametros = elegido.descripcion()["parametros"]
        criterios[f"como mucho {numero(int(limite))} parámetros (tiene {numero(parametros)})"] = parametros <= int(
            limite
        )
    faltan = [c for c, cumple in criterios.items() if not cumple]
    nota.parcial(1 - len(faltan) / len(criterios))
    assert not faltan, f"La red mejorada ({_lugar(elegido)}) no tiene: " + ", ".join(faltan) + "."


def _normalizado(x):
    """Datos estandarizados: media 0 y desviación 1 (con margen para el aumento)."""
    return bool(x) and x.get("media") is not None and abs(x["media"]) < 0.25 and 0.6 < x.get("desviacion", 0) < 1.4


def _centrado(x):
    """Datos a los que se restó una media (los datos crudos tienen media 0,5 en [0, 1])."""
    return bool(x) and x.get("media") is not None and abs(x["media"]) < 0.25


def _filas(x):
    return x.get("filas") or (x.get("forma") or [0])[0]


def parejas_entrenamiento_test(entrega):
    """`[(x_entrenamiento, x_test, donde)]`: cada evaluación o predicción del test entero, con los datos del
    último entrenamiento de ese modelo antes de ella (el estado del modelo en ese momento)."""
    parejas = []
    for modelo in entrega.modelos_cifar():
        for evento in modelo.eventos:
            x_test = (evento.get("datos") or {}).get("x")
            if evento["origen"] not in ("evaluate", "predict") or not x_test or _filas(x_test) != N_TEST:
                continue
            entrenamiento = modelo.entrenamiento_previo(evento)
            x_train = ((entrenamiento or {}).get("datos") or {}).get("x")
            if x_train:
                parejas.append((x_train, x_test, _lugar_evento(modelo, evento)))
    for evento in entrega.iteradores():
        if evento.get("x") and evento.get("test"):
            parejas.append((evento["x"], evento["test"], f"«{evento['funcion']}»"))
    return parejas


def _lugar_evento(modelo, evento):
    lugar = evento.get("lugar")
    pila = evento.get("pila") or []
    if pila and isinstance(pila[-1], list) and len(pila[-1]) == 3:
        lugar = f"{pila[-1][0]}, línea {pila[-1][1]}"
    return f"«{modelo.nombre}»" + (f" ({lugar})" if lugar else "")


@pytest.mark.puntos(1)
def test_normaliza_test(entrega):
    """El test se normaliza con la media y la desviación de entrenamiento (§2.2)"""
    (media_train, desv_train), (media_test, desv_test) = estadisticas_cifar()
    parejas = [p for p in parejas_entrenamiento_test(entrega) if _centrado(p[0])]
    if not parejas:
        explicacion = entrega.diagnostico().explicar("evaluacion")
        pytest.fail(
            explicacion
            or (
                "No se encontró ningún entrenamiento de CIFAR con datos normalizados (media 0, desviación 1) seguido "
                "de una evaluación o predicción del test entero: normalice con ImageDataGenerator("
                "featurewise_center=True, featurewise_std_normalization=True) ajustado con fit(x_train) y aplique "
                "standardize al test."
            ),
            pytrace=False,
        )
    diagnosticos = []
    for x_train, x_test, donde in parejas:
        escala = x_train["desviacion"] / desv_train
        esperada = x_train["media"] + (media_test - media_train) * escala
        desviacion = desv_test * escala
        if abs(x_test["media"] - esperada) < 0.25 and abs(x_test["desviacion"] - desviacion) < 0.2:
            return
        if _normalizado(x_test):
            diagnosticos.append(
                f"{donde}: el test se normaliza con sus propias estadísticas (media {x_test['media']:.2f}, desviación "
                f"{x_test['desviacion']:.2f}); debe usar las de entrenamiento, porque al entrenar el test no se conoce"
                " (p. ej. datagen.standardize(x_test) con el generador ajustado a x_train)."
            )
        else:
            diagnosticos.append(
                f"{donde}: el entrenamiento recibe datos normalizados pero el test llega sin normalizar "
                f"(media {x_test['media']:.2f}; con las estadísticas de entrenamiento sería {esperada:.2f})."
            )
    pytest.fail("\n".join(dict.fromkeys(diagnosticos)), pytrace=False)


@pytest.mark.puntos(0.5)
def test_validacion(entrega):
    """Entrenamiento con un conjunto de validación (§2.2)"""
    for modelo in entrega.modelos_cifar():
        for evento in modelo.eventos_de("fit"):
            datos = evento.get("datos") or {}
            if datos.get("validacion") or datos.get("validation_split"):
                return
    if any(e.get("validacion") for e in entrega.iteradores()):
        return
    if not any(m.eventos_de("fit") for m in entrega.modelos_cifar()):
        pytest.fail(_sin_modelos(entrega, "ningún entrenamiento de CIFAR", "entrenamiento"), pytrace=False)
    pytest.fail(
        "Ningún entrenamiento de CIFAR usa validación: pase validation_data=… o validation_split=0.1 a fit, o "
        "separe un 10 % con train_test_split.",
        pytrace=False,
    )


@pytest.mark.puntos(0.5)
def test_compilacion(entrega, reglas):
    """Compilación con entropía cruzada categórica y la precisión como métrica (§2.2)"""
    compilaciones = [
        e["compilacion"]
        for m in entrega.con_descripcion()
        for e in m.eventos
        if e.get("compilacion") and (m.salida or [None, 0])[-1] in (CLASES_CIFAR, CLASES_PAJAROS, 3)
    ]
    assert compilaciones, _sin_modelos(entrega, "ningún modelo compilado", "compilacion")
    buenas = [c for c in compilaciones if c["perdida"] in _PERDIDAS and set(c["metricas"]) & _METRICAS]
    assert buenas, (
        "Ninguna compilación usa la entropía cruzada categórica con la precisión como métrica; se encontró: "
        + "; ".join(sorted({f"loss={c['perdida']}, metrics={c['metricas']}" for c in compilaciones}))
    )
    optimizador = reglas.get("optimizador")
    if optimizador:
        usados = sorted({c["optimizador"] for c in buenas})
        assert optimizador in usados, f"La práctica pide el optimizador {optimizador}; la entrega usa {usados}."


# --- Pájaros con ResNet50 (§4) --------------------------------------------------------------------


def _entrenables(capas):
    return sum(c["entrenables"] for c in capas)


def _clasificador(cabeza):
    return bool(cabeza) and cabeza[-1]["salida"][-1] == CLASES_PAJAROS


def _ruta_caracteristicas(entrega):
    """Transferencia por características: predict con ResNet50 y una cabeza que entrena sobre su salida."""
    # por número de valores: las características se aplanan a menudo (7×7×2048 -> 100.352) antes de la cabeza
    salidas = {
        _valores(m.descripcion(e)["salida"][1:]) for m, e, _, _ in entrega.modelos_resnet() if e["origen"] == "predict"
    }
    for modelo in entrega.con_descripcion():
        entrada = modelo.entrada[1:] if modelo.entrada else [None]
        if _valores(entrada) is None or modelo.salida[-1] != CLASES_PAJAROS or not modelo.eventos_de("fit"):
            continue
        if _valores(entrada) in salidas:
            return modelo
    return None


def _valores(forma):
    """Cuántos valores tiene una muestra de esa forma (None si alguna dimensión es variable)."""
    return None if None in forma else math.prod(forma)


def _por_que_falta(entrega, tema):
    """Qué pasó con el código que congela o descongela ResNet50: su error, que no se ejecutó, que se ejecutó
    pero su modelo no se pudo describir, o que no está (y entonces, qué hacer)."""
    explicacion = entrega.diagnostico().explicar(tema)
    if explicacion.startswith("La entrega no tiene"):
        return (
            "Para la transferencia, marque las capas de ResNet50 con trainable = False (o base.trainable = False)."
            if tema == "congelar"
            else "Para el ajuste fino, descongele (trainable = True) la red entera o sus últimos bloques y vuelva a compilar."
        )
    if explicacion:
        return explicacion
    sin_describir = [a for a in entrega.observacion.avisos if "no se pudo describir" in a or "no se pudieron" in a]
    return "El código que lo hace se ejecutó, pero " + (
        f"su modelo no se pudo describir: {sin_describir[0]}"
        if sin_describir
        else "no se observó ningún modelo así después."
    )


def _entrenado(evento):
    return evento["origen"] == "fit" and evento.get("estado", "ok") in ("ok", "validado")


def _sin_entrenar(entrega, modelo, nota):
    """La red está pero su entrenamiento no llegó a ejecutarse: un tercio de los puntos y qué lo impidió."""
    nota.parcial(1 / 3)
    explicacion = entrega.diagnostico().explicar("entrenamiento") or "la entrega no llama a fit con ella."
    pytest.fail(f"{_lugar(modelo)} está bien construida, pero no llegó a entrenarse: {explicacion}", pytrace=False)


@pytest.mark.puntos(1.5)
def test_transferencia(entrega, nota, reglas):
    """Transferencia: ResNet50 congelada y una cabeza nueva de 200 clases, entrenada, o entrenar sobre sus características (§4.1)"""
    encontrados = entrega.modelos_resnet()
    congelados = [(m, e, b, c) for m, e, b, c in encontrados if _entrenables(b) == 0 and _entrenables(c) > 0]
    cabeza_caracteristicas = _ruta_caracteristicas(entrega)
    if cabeza_caracteristicas is not None:
        return
    if not congelados:
        assert encontrados, _sin_modelos(entrega, "ningún modelo con ResNet50", "resnet")
        pista = ""
        if any("traineable" in f["codigo"] for f in entrega.fragmentos()):
            pista = " La entrega escribe `traineable`: el atributo es `trainable` (con la errata no se congela nada)."
        pytest.fail(
            "Ningún modelo con ResNet50 la tiene congelada con una cabeza entrenable, ni se entrena una red sobre "
            f"las características que da ResNet50 (predict).{pista} {_por_que_falta(entrega, 'congelar')}",
            pytrace=False,
        )
    con_clases = [x for x in congelados if _clasificador(x[3])]
    if not con_clases:
        nota.parcial(1 / 3)
        modelo, _, _, cabeza = congelados[0]
        pytest.fail(
            f"{_lugar(modelo)}: la cabeza sobre ResNet50 debe acabar en {CLASES_PAJAROS} clases y da "
            f"{cabeza[-1]['salida']}.",
            pytrace=False,
        )
    entrenados = [x for x in con_clases if _entrenado(x[1])]
    # Las funciones del informe (getBirdNetV1…) se juzgan por lo que construyen, salvo que su entrenamiento falle.
    del_informe = [x for x in con_clases if x[1]["origen"].startswith("funcion:")]
    if not entrenados and (not del_informe or entrega.diagnostico().error_en("entrenamiento")):
        _sin_entrenar(entrega, con_clases[0][0], nota)
    entrenados = entrenados or del_informe
    if reglas.get("cabeza_v1"):
        mejor = max(
            (comparar_arquitectura(c, referencia("BirdNetV1")) for _, _, _, c in entrenados),
            key=lambda x: x.fraccion,
        )
        nota.parcial(0.5 + 0.5 * mejor.fraccion)
        assert mejor, "La cabeza no es la del Cuadro 5: " + str(mejor)


@pytest.mark.puntos(1.5)
def test_ajuste_fino(entrega, nota):
    """Ajuste fino: ResNet50 con capas descongeladas y cabeza de 200 clases, compilada o entrenada (§4.2)"""
    encontrados = entrega.modelos_resnet()
    assert encontrados, _sin_modelos(entrega, "ningún modelo con ResNet50", "resnet")
    ajustados = [(m, e, b, c) for m, e, b, c in encontrados if _entrenables(b) > 0 and _clasificador(c)]
    assert ajustados, (
        "Ningún modelo con ResNet50 tiene capas de ResNet50 entrenables y una cabeza de 200 clases. "
        + _por_que_falta(entrega, "descongelar")
    )
    entrenados = [x for x in ajustados if x[1]["origen"] in ("fit", "compile") or x[1]["origen"].startswith("funcion:")]
    if not entrenados:
        nota.parcial(1 / 3)
        explicacion = entrega.diagnostico().explicar("compilacion")
        pytest.fail(
            f"{_lugar(ajustados[0][0])} tiene ResNet50 descongelada, pero no se compila ni se entrena."
            + (f" {explicacion}" if explicacion else ""),
            pytrace=False,
        )
