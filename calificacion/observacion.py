"""Lo observado en una entrega, listo para las pruebas: modelos, cómo se compilaron y qué datos recibieron.

Un `Modelo` es un objeto de Keras de la entrega; sus `eventos` son las veces que se compiló, entrenó,
evaluó, predijo o se obtuvo de una función, en el orden en que ocurrieron, cada uno con la descripción
capa a capa de ese momento (así se ve si la ResNet50 estaba congelada al entrenar) y los datos que
recibió. Un evento de entrenamiento solo existe si el entrenamiento terminó (`estado`: "ok", o
"validado" en las redes grandes, cuyos datos se comprueban sin entrenar). Las descripciones se
calcularon al terminar la entrega, en un proceso aparte (`reconstruccion`).
"""

import re

# Capas de ResNet50 (keras.applications): conv1_*, pool1_*, convN_blockM_* y su pooling final.
_RESNET = re.compile(
    r"^(conv1_(pad|conv|bn|relu)|pool1_(pad|pool)|conv[2-5]_block\d+_\w+"
    r"|conv1|bn_conv1|(res|bn)[2-5][a-f]_branch(1|2[abc]))$"  # con los nombres de Keras 2.2 (keras2.py)
)
_POOLING_RESNET = ("avg_pool", "max_pool")


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

    def entrenamiento_previo(self, evento):
        """El último entrenamiento de este modelo antes de `evento` (el estado del modelo en ese momento)."""
        anteriores = [e for e in self.eventos if e["origen"] == "fit" and e["orden"] < evento["orden"]]
        return anteriores[-1] if anteriores else None

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
        from calificacion.coherencia import Coherencia

        self.observacion = observacion
        self.eventos = observacion.eventos
        self.modelos = {}
        self.incoherencias = []  # observaciones que no cuadran con el código: no puntúan, se revisan a mano
        coherencia = Coherencia(observacion.fragmentos)
        for orden, evento in enumerate(self.eventos):
            if evento.get("tipo") != "modelo" or not isinstance(evento.get("modelo"), int):
                continue
            evento = dict(evento, orden=orden)
            evento["descripcion"] = observacion.descripciones.get(evento.get("config"))
            motivo = coherencia.motivo(evento)
            if motivo is not None:
                if motivo not in self.incoherencias:
                    self.incoherencias.append(motivo)
                continue
            modelo = self.modelos.setdefault(evento["modelo"], Modelo(evento["modelo"]))
            modelo.eventos.append(evento)
        self.eventos = [
            e for e in self.eventos if e.get("tipo") != "iteradores" or str(e.get("funcion")) in coherencia.nombres
        ]

    def alertas(self):
        """Intentos de la entrega de tocar el arnés o su canal (el gancho de auditoría los impidió)."""
        return [str(e.get("texto"))[:300] for e in self.eventos if e.get("tipo") == "alerta"]

    def revisar(self):
        """Por qué revisar la entrega a mano: intentos de tocar el arnés y observaciones que su código no contiene."""
        motivos = [f"intentó tocar el arnés de la calificación: {texto}" for texto in self.alertas()]
        motivos += [f"se observó {texto}" for texto in self.incoherencias]
        return motivos

    @property
    def error(self):
        return self.observacion.error

    def fragmentos(self):
        """El código que se ejecutó, por archivo o celda: `[{"nombre", "codigo"}]`."""
        return self.observacion.fragmentos

    def errores(self):
        """Errores de la ejecución (cada lugar y error, una vez): `[(lugar, "Clase: mensaje")]`."""
        vistos, errores = set(), []
        for evento in self.eventos:
            if evento.get("tipo") == "error":
                clave = (evento.get("lugar"), f"{evento.get('clase')}: {evento.get('mensaje')}")
                if clave not in vistos:
                    vistos.add(clave)
                    errores.append(clave)
        return errores

    def errores_con_pila(self):
        """Los eventos de error con su pila en el código del estudiante: `[{clase, mensaje, lugar, pila}]`."""
        errores = []
        for evento in self.eventos:
            if evento.get("tipo") != "error":
                continue
            pila = [m for m in evento.get("pila") or [] if isinstance(m, list) and len(m) == 3]
            errores.append(
                {
                    "clase": str(evento.get("clase")),
                    "mensaje": str(evento.get("mensaje")),
                    "lugar": str(evento.get("lugar")),
                    "pila": [(str(a), int(b) if isinstance(b, int) else 0, str(c)) for a, b, c in pila],
                }
            )
        return errores

    def cobertura(self):
        """`{archivo o celda: {líneas ejecutadas}}`."""
        lineas = {}
        for evento in self.eventos:
            if evento.get("tipo") == "cobertura" and isinstance(evento.get("lineas"), dict):
                for archivo, numeros in evento["lineas"].items():
                    lineas.setdefault(archivo, set()).update(n for n in numeros if isinstance(n, int))
        return lineas

    def diagnostico(self):
        """El `diagnostico.Diagnostico` de la entrega (qué detuvo lo que falta)."""
        if not hasattr(self, "_diagnostico"):
            from calificacion.diagnostico import Diagnostico

            self._diagnostico = Diagnostico(self)
        return self._diagnostico

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
