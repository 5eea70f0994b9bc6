"""Comparación de arquitecturas capa a capa, con un mensaje en español (como el `summary()` de §2.1).

Un modelo se describe como un diccionario JSON (`describir_modelo`): la calificación lo recibe así del
proceso de la entrega y lo compara con la referencia de `modelos/` o con una especificación escrita:
una lista de capas con las claves que se quieran comprobar, por ejemplo

    [{"tipo": "Conv2D", "salida": (None, 28, 28, 6), "parametros": 456, "activacion": "relu"}, ...]
"""

import difflib

from datos.errores import ErrorParametro

ATRIBUTOS = ("tipo", "salida", "parametros", "activacion", "entrenable", "detalles")
_CLAVES_CAPA = set(ATRIBUTOS) | {"nombre", "entrenables"}
# Lo que define una capa por sí misma (no depende de las anteriores), de su get_config().
_DETALLES = ("filters", "kernel_size", "strides", "padding", "units", "pool_size", "rate")
_TEXTO_DETALLE = {
    "filters": "filtros",
    "kernel_size": "núcleo",
    "strides": "paso",
    "padding": "relleno",
    "units": "neuronas",
    "pool_size": "ventana",
    "rate": "tasa",
}
_CLAVES_MODELO = {"nombre", "capas", "entrada", "salida", "parametros", "entrenables", "no_entrenables"}
# Capas de activación sueltas: equivalen al parámetro `activation` de la capa anterior (§2.1).
_ACTIVACIONES = {"Activation": None, "ReLU": "relu", "Softmax": "softmax", "LeakyReLU": "leaky_relu", "ELU": "elu"}


def describir_modelo(modelo):
    """Diccionario JSON con las capas de un modelo de Keras (los submodelos se despliegan).

    Cada capa: `nombre`, `tipo`, `salida` (forma con `None` para el lote), `parametros`,
    `entrenables` (los que de verdad se entrenan), `activacion` y `entrenable` (la capa y sus padres).
    """
    capas = []
    _desplegar(modelo, True, capas)
    entrenables = sum(capa["entrenables"] for capa in capas)
    return {
        "nombre": modelo.name,
        "entrada": _forma(modelo.inputs[0].shape) if getattr(modelo, "inputs", None) else None,
        "salida": _forma(modelo.outputs[0].shape) if getattr(modelo, "outputs", None) else None,
        "parametros": int(modelo.count_params()),
        "entrenables": entrenables,
        "no_entrenables": int(modelo.count_params()) - entrenables,
        "capas": capas,
    }


def _desplegar(modelo, padre_entrenable, capas):
    for capa in modelo.layers:
        tipo = type(capa).__name__
        if tipo == "InputLayer":
            continue
        entrenable = bool(padre_entrenable and capa.trainable)
        if hasattr(capa, "layers") and capa.layers:  # submodelo (Sequential o Functional): sus capas
            _desplegar(capa, entrenable, capas)
            continue
        capas.append(
            {
                "nombre": capa.name,
                "tipo": tipo,
                "salida": _forma(capa.output.shape),
                "parametros": int(capa.count_params()),
                "entrenables": sum(_tamano(p) for p in capa.trainable_weights) if entrenable else 0,
                "activacion": _activacion(capa),
                "entrenable": entrenable,
                "detalles": _detalles(capa),
            }
        )


def _detalles(capa):
    try:
        config = capa.get_config()
    except Exception:  # noqa: BLE001
        return {}
    return {clave: _json(v) for clave, v in config.items() if clave in _DETALLES}


def _json(valor):
    """Las tuplas, también las anidadas (`padding=((3, 3), (3, 3))`), como listas: igual que tras pasar por JSON."""
    return [_json(v) for v in valor] if isinstance(valor, (tuple, list)) else valor


def _tamano(peso):
    total = 1
    for d in peso.shape:
        total *= int(d)
    return total


def _forma(forma):
    return [None if d is None else int(d) for d in forma]


def _activacion(capa):
    tipo = type(capa).__name__
    if tipo in _ACTIVACIONES and _ACTIVACIONES[tipo]:
        return _ACTIVACIONES[tipo]
    funcion = getattr(capa, "activation", None)
    if funcion is None:
        return None
    return getattr(funcion, "__name__", type(funcion).__name__)


class ComparacionArquitectura:
    """Resultado de `comparar_arquitectura`: verdadero si coincide; `str()` da el mensaje en español.

    `fraccion` (para la nota parcial) = capas que coinciden / (capas de la referencia + capas que sobran +
    totales de parámetros que no cuadran).
    """

    def __init__(self, diferencias, coincidentes, total, penalizaciones, resumen, max_diferencias=5):
        self.diferencias = diferencias
        self.max_diferencias = max_diferencias
        self.coincidentes = coincidentes
        self.total = total
        self.penalizaciones = penalizaciones  # capas que sobran y totales que no cuadran
        self.resumen = resumen

    @property
    def coincide(self):
        return not self.diferencias

    @property
    def fraccion(self):
        if self.coincide:
            return 1.0
        return self.coincidentes / (self.total + self.penalizaciones) if self.total + self.penalizaciones else 0.0

    def __bool__(self):
        return self.coincide

    def __str__(self):
        if self.coincide:
            return f"La arquitectura coincide con la referencia ({self.resumen})."
        lineas = [
            f"La arquitectura no coincide con la referencia ({self.coincidentes} de {self.total} capas coinciden):"
        ]
        lineas += [f"- {d}" for d in self.diferencias[: self.max_diferencias]]
        if len(self.diferencias) > self.max_diferencias:
            lineas.append(f"- … y {len(self.diferencias) - self.max_diferencias} diferencias más.")
        return "\n".join(lineas)

    __repr__ = __str__


def comparar_arquitectura(modelo, referencia, max_diferencias=5):
    """Compara `modelo` con `referencia` capa a capa: tipo, forma de salida, parámetros, activación y
    si es entrenable, más los totales de parámetros. El mensaje enseña las `max_diferencias` primeras.

    Los dos pueden ser un modelo de Keras, su `describir_modelo` o una especificación escrita (lista de
    capas con solo las claves que interesan). Las capas de activación sueltas (`Activation("relu")`,
    `ReLU()`) cuentan como la activación de la capa anterior. Las capas que faltan o sobran se
    localizan alineando las secuencias de tipos. Devuelve una `ComparacionArquitectura`.
    """
    modelo, referencia = _normalizar(modelo, "modelo"), _normalizar(referencia, "referencia")
    capas, esperadas = juntar_activaciones(modelo["capas"]), juntar_activaciones(referencia["capas"])
    tipos = [c.get("tipo") for c in capas]
    tipos_esperados = [c.get("tipo") for c in esperadas]
    if None in tipos_esperados:  # una especificación sin tipos: se compara posición a posición
        tipos = list(range(len(capas)))
        tipos_esperados = list(range(len(esperadas)))

    diferencias, heredadas, coincidentes, penalizaciones = [], [], 0, 0
    emparejador = difflib.SequenceMatcher(None, tipos, tipos_esperados, autojunk=False)
    for operacion, i1, i2, j1, j2 in emparejador.get_opcodes():
        pares = min(i2 - i1, j2 - j1) if operacion in ("equal", "replace") else 0
        for k in range(pares):
            problemas, propios = _diferencias_capa(capas[i1 + k], esperadas[j1 + k])
            if problemas and propios:
                diferencias.append(f"{_nombre_capa(capas[i1 + k], i1 + k)}: {'; '.join(problemas)}.")
            elif problemas:  # solo la forma o los parámetros que hereda de un error anterior: al final
                heredadas.append(
                    f"{_nombre_capa(capas[i1 + k], i1 + k)}: {'; '.join(problemas)} (por una capa anterior)."
                )
            if not propios:  # la capa en sí está bien (su forma puede heredar un error anterior)
                coincidentes += 1
        for i in range(i1 + pares, i2):
            diferencias.append(f"{_nombre_capa(capas[i], i)}: sobra (la referencia no tiene esta capa aquí).")
            penalizaciones += 1
        for j in range(j1 + pares, j2):
            despues = f"después de la capa {i1 + pares}" if i1 + pares else "al principio"
            diferencias.append(
                f"falta una capa {esperadas[j].get('tipo', '')} {despues} (capa {j + 1} de la referencia)."
            )

    diferencias += heredadas  # primero las diferencias de cada capa en sí; lo que arrastran, después
    capas_bien = not diferencias
    for clave, texto in (("parametros", "parámetros"), ("entrenables", "parámetros entrenables")):
        if referencia.get(clave) is not None and modelo.get(clave) is not None and referencia[clave] != modelo[clave]:
            diferencias.append(f"{texto} en total: {numero(modelo[clave])}, se esperaban {numero(referencia[clave])}.")
            if capas_bien:  # si ya falla alguna capa, el total no vuelve a restar
                penalizaciones += 1
                capas_bien = False
    resumen = f"{len(esperadas)} capas" + (
        f", {numero(referencia['parametros'])} parámetros" if referencia.get("parametros") is not None else ""
    )
    return ComparacionArquitectura(diferencias, coincidentes, len(esperadas), penalizaciones, resumen, max_diferencias)


def _normalizar(valor, argumento):
    if hasattr(valor, "layers") and hasattr(valor, "count_params"):
        return describir_modelo(valor)
    if isinstance(valor, (list, tuple)):
        valor = {"capas": list(valor)}
    if not isinstance(valor, dict) or not isinstance(valor.get("capas"), list):
        raise ErrorParametro(
            f"'{argumento}' debe ser un modelo de Keras, una descripción de describir_modelo o una lista de "
            f"capas (diccionarios) y es {type(valor).__name__}."
        )
    _comprobar_claves(valor, _CLAVES_MODELO, argumento)
    for numero, capa in enumerate(valor["capas"], start=1):
        if not isinstance(capa, dict):
            raise ErrorParametro(
                f"La capa {numero} de '{argumento}' debe ser un diccionario y es {type(capa).__name__}."
            )
        _comprobar_claves(capa, _CLAVES_CAPA, f"{argumento}, capa {numero}")
    return valor


def _comprobar_claves(diccionario, validas, donde):
    extranas = sorted(set(diccionario) - validas)
    if extranas:
        raise ErrorParametro(f"Claves desconocidas en '{donde}': {extranas}. Las válidas son {sorted(validas)}.")


def juntar_activaciones(capas):
    """Las capas con cada activación suelta (`Activation`, `ReLU`…) unida a la capa lineal anterior."""
    juntas = []
    for capa in capas:
        if capa.get("tipo") in _ACTIVACIONES and juntas and juntas[-1].get("activacion") == "linear":
            juntas[-1] = {**juntas[-1], "activacion": capa.get("activacion")}
            continue
        juntas.append(capa)
    return juntas


def _diferencias_capa(capa, esperada):
    """`(problemas, propios)`: todas las diferencias, y si alguna es de la capa en sí (no heredada).

    Con `detalles` en las dos (filtros, núcleo, relleno…), la forma de salida y los parámetros que
    difieren por culpa de una capa anterior no cuentan contra esta: un relleno equivocado no arrastra
    a todas las que siguen. Sin `detalles` (una especificación escrita), todo cuenta.
    """
    problemas, propios = [], False
    detalles, esperados = capa.get("detalles"), esperada.get("detalles")
    con_detalles = detalles is not None and esperados is not None
    if esperada.get("tipo") is not None and capa.get("tipo") != esperada["tipo"]:
        problemas.append(f"es {capa.get('tipo')}, se esperaba {esperada['tipo']}")
        propios = True
    if con_detalles:
        for clave, valor in esperados.items():
            if clave in detalles and detalles[clave] != valor:
                problemas.append(
                    f"{_TEXTO_DETALLE.get(clave, clave)} {_valor(detalles[clave])}, se esperaba {_valor(valor)}"
                )
                propios = True
    cambia_la_forma = propios  # tipo, filtros, núcleo, unidades…: la forma y los parámetros son suyos
    if esperada.get("activacion") is not None and (capa.get("activacion") or "linear") != esperada["activacion"]:
        problemas.append(f"activación '{capa.get('activacion') or 'linear'}', se esperaba '{esperada['activacion']}'")
        propios = True
    if esperada.get("entrenable") is not None and capa.get("entrenable") != esperada["entrenable"]:
        estado = "entrenable" if capa.get("entrenable") else "congelada"
        problemas.append(f"está {estado}, se esperaba {'entrenable' if esperada['entrenable'] else 'congelada'}")
        propios = True
    antes = len(problemas)
    salida, salida_esperada = capa.get("salida"), esperada.get("salida")
    if salida_esperada is not None and salida is not None:
        salida, salida_esperada = list(salida), list(salida_esperada)
        if len(salida_esperada) == len(salida) - 1:  # especificación escrita sin el eje del lote
            salida_esperada = [None] + salida_esperada
        if salida != salida_esperada:
            problemas.append(f"salida {_forma_texto(salida)}, se esperaba {_forma_texto(salida_esperada)}")
    if esperada.get("parametros") is not None and capa.get("parametros") != esperada["parametros"]:
        problemas.append(f"{numero(capa.get('parametros'))} parámetros, se esperaban {numero(esperada['parametros'])}")
    if not con_detalles and len(problemas) > antes:
        propios = True
    elif propios and not cambia_la_forma and len(problemas) > antes:  # lo heredado, junto a lo propio (activación)
        problemas[antes:] = [f"{texto} (por una capa anterior)" for texto in problemas[antes:]]
    return problemas, propios


def _valor(valor):
    return "×".join(str(v) for v in valor) if isinstance(valor, list) else str(valor)


def _nombre_capa(capa, indice):
    partes = [p for p in (capa.get("nombre"), capa.get("tipo")) if p]
    return f"capa {indice + 1}" + (f" ({', '.join(partes)})" if partes else "")


def _forma_texto(forma):
    return "(" + ", ".join("None" if d is None else str(d) for d in forma) + ("," if len(forma) == 1 else "") + ")"


def numero(valor):
    """24197 -> '24.197', como en el informe."""
    return f"{valor:,}".replace(",", ".") if isinstance(valor, int) else str(valor)
