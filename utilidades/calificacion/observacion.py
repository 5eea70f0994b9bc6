"""Lo observado en una entrega, reconstruido en el calificador: modelos, cómo se compilaron y qué datos recibieron.

Las configuraciones que vuelven del proceso del estudiante son datos, no código: antes de reconstruirlas
se comprueba que solo nombran clases de Keras, y se reconstruyen con `safe_mode=True` (sin `Lambda`
ni funciones serializadas). La descripción capa a capa (`describir_modelo`) se calcula aquí.

Un `Modelo` es un objeto de Keras de la entrega; sus `eventos` son las veces que se compiló, entrenó,
evaluó, predijo o se obtuvo de una función, cada uno con la configuración de ese momento (así se ve si
la ResNet50 estaba congelada al entrenar) y los datos que recibió.
"""

import functools
import json
import re

from utilidades.calificacion.arquitectura import describir_modelo

_CLASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Capas de ResNet50 (keras.applications): conv1_*, pool1_*, convN_blockM_* y su pooling final.
_RESNET = re.compile(r"^(conv1_(pad|conv|bn|relu)|pool1_(pad|pool)|conv[2-5]_block\d+_\w+)$")
_POOLING_RESNET = ("avg_pool", "max_pool")


class ConfigInsegura(ValueError):
    """La configuración nombra algo que no es una clase de Keras."""


def _comprobar(config):
    if isinstance(config, dict):
        modulo = config.get("module")
        if modulo is not None and not (isinstance(modulo, str) and (modulo == "keras" or modulo.startswith("keras."))):
            raise ConfigInsegura(f"módulo no permitido: {modulo!r}")
        clase = config.get("class_name")
        if clase is not None and (not isinstance(clase, str) or not _CLASE.match(clase)):
            raise ConfigInsegura(f"clase no permitida: {clase!r}")
        for valor in config.values():
            _comprobar(valor)
    elif isinstance(config, list):
        for valor in config:
            _comprobar(valor)


@functools.lru_cache(maxsize=256)
def describir_config(texto):
    """La descripción (`describir_modelo`) de una configuración JSON de Keras; `None` si no se puede."""
    try:
        config = json.loads(texto)
        if isinstance(config, dict):
            config.pop("compile_config", None)  # la compilación llega aparte; aquí solo interesa la red
        _comprobar(config)
        import keras

        modelo = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not getattr(modelo, "built", False) or not getattr(modelo, "outputs", None):
            return None
        descripcion = describir_modelo(modelo)
    except Exception:  # noqa: BLE001 (capas propias, Lambda o JSON roto: ese modelo no se puede juzgar)
        return None
    return descripcion


class Modelo:
    """Un modelo de la entrega con sus eventos (`compile`, `fit`, `evaluate`, `predict`, `funcion:…`)."""

    def __init__(self, indice):
        self.indice = indice
        self.eventos = []

    def descripcion(self, evento=None):
        """La descripción en el evento dado (por defecto, el último que se pudo describir)."""
        eventos = [evento] if evento is not None else reversed(self.eventos)
        for e in eventos:
            if e.get("descripcion"):
                return e["descripcion"]
        return None

    @property
    def origenes(self):
        return [e["origen"] for e in self.eventos]

    def eventos_de(self, origen):
        return [e for e in self.eventos if e["origen"] == origen]

    @property
    def entrada(self):
        descripcion = self.descripcion()
        return descripcion["entrada"] if descripcion else None

    @property
    def salida(self):
        descripcion = self.descripcion()
        return descripcion["salida"] if descripcion else None

    @property
    def nombre(self):
        """Cómo lo llama la entrega (variable o función), o su nombre de Keras."""
        for origen in self.origenes:
            if origen.startswith(("variable:", "funcion:")):
                return origen.split(":", 1)[1]
        descripcion = self.descripcion()
        return descripcion["nombre"] if descripcion else f"modelo {self.indice}"

    def lugar(self):
        lugares = [e.get("lugar") for e in self.eventos if e.get("lugar")]
        return lugares[0] if lugares else None


def partes_resnet(descripcion):
    """`(base, cabeza)`: las capas de ResNet50 y las que van detrás; `None` si el modelo no contiene ResNet50."""
    capas = descripcion["capas"]
    indices = [i for i, c in enumerate(capas) if _RESNET.match(c["nombre"] or "")]
    if len(indices) < 100:
        return None
    ultima = indices[-1]
    if ultima + 1 < len(capas) and capas[ultima + 1]["nombre"] in _POOLING_RESNET:
        ultima += 1
    return capas[: ultima + 1], capas[ultima + 1 :]


class Observado:
    """Todo lo observado de una entrega, listo para las pruebas de la suite."""

    def __init__(self, observacion):
        self.observacion = observacion
        self.eventos = observacion.eventos
        self.modelos = {}
        for evento in self.eventos:
            if evento.get("tipo") != "modelo":
                continue
            evento = dict(evento)
            texto = observacion.configs.get(evento.get("config"))
            evento["descripcion"] = describir_config(texto) if texto else None
            modelo = self.modelos.setdefault(evento["modelo"], Modelo(evento["modelo"]))
            modelo.eventos.append(evento)

    @property
    def error(self):
        return self.observacion.error

    def fragmentos(self):
        """El código que se ejecutó, por archivo o celda: `[{"nombre", "codigo"}]`."""
        return self.observacion.fragmentos

    def errores(self):
        """Errores de la ejecución (cada uno una vez): `[(lugar, "Clase: mensaje")]`."""
        vistos, errores = set(), []
        for evento in self.eventos:
            if evento.get("tipo") == "error":
                texto = f"{evento['clase']}: {evento['mensaje']}"
                if texto not in vistos:
                    vistos.add(texto)
                    errores.append((evento.get("lugar"), texto))
        return errores

    def adaptaciones(self):
        return [e["texto"] for e in self.eventos if e.get("tipo") == "adaptacion"]

    def usa_soluciones(self):
        return sorted({e["modulo"] for e in self.eventos if e.get("tipo") == "soluciones"})

    def iteradores(self):
        return [e for e in self.eventos if e.get("tipo") == "iteradores"]

    def con_descripcion(self):
        return [m for m in self.modelos.values() if m.descripcion() is not None]

    def modelos_cifar(self):
        """Los modelos de entrada 32×32×3 (los de CIFAR-100 de los §2 y §3)."""
        return [m for m in self.con_descripcion() if m.entrada == [None, 32, 32, 3]]

    def modelos_resnet(self):
        """`[(modelo, evento, base, cabeza)]` por cada evento de un modelo que contiene ResNet50."""
        encontrados = []
        for modelo in self.con_descripcion():
            for evento in modelo.eventos:
                descripcion = modelo.descripcion(evento)
                partes = partes_resnet(descripcion) if descripcion else None
                if partes:
                    encontrados.append((modelo, evento, *partes))
        return encontrados
