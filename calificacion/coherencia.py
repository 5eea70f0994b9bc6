"""Lo observado, contrastado con el código de la entrega: solo cuenta lo que su código de verdad contiene.

El arnés comparte proceso con el código del estudiante: una entrega escrita a propósito podría enviar
observaciones fabricadas (un modelo que no construye, un entrenamiento que no hace). Por eso cada
observación que puntúa se contrasta con el código que se ejecutó, leído aquí (su árbol sintáctico, no
sus comentarios ni sus textos):

- un modelo solo cuenta si cada tipo de capa que tiene aparece en el código (`Conv2D` o su alias
  `Convolution2D`…), o viene de una red de `keras.applications` que el código nombra (ResNet50);
- un `compile`, `fit`, `evaluate` o `predict` solo cuenta si el código llama a ese método (o a su
  versión de Keras 2), y se hizo desde una línea de la entrega que existe;
- un ajuste del ImageDataGenerator (normalización, aumento) solo cuenta si el código lo escribe;
- lo que viene de una función del informe (`getBaseNet`…) o de una variable, si el código la define.

Lo que no cuadra no puntúa, y la entrega queda marcada para revisarla a mano (`motivos`).
"""

import ast

from calificacion.codigo import arboles

_METODOS = {
    "compile": {"compile"},
    "fit": {"fit", "fit_generator", "train_on_batch"},
    "evaluate": {"evaluate", "evaluate_generator", "test_on_batch"},
    "predict": {"predict", "predict_generator", "predict_classes", "predict_proba", "predict_on_batch"},
    "summary": {"summary"},
}
_ALIAS = {
    "Conv2D": {"Conv2D", "Convolution2D"},
    "Conv1D": {"Conv1D", "Convolution1D"},
    "MaxPooling2D": {"MaxPooling2D", "MaxPool2D"},
    "AveragePooling2D": {"AveragePooling2D", "AvgPool2D"},
    "GlobalAveragePooling2D": {"GlobalAveragePooling2D", "GlobalAvgPool2D"},
    "GlobalMaxPooling2D": {"GlobalMaxPooling2D", "GlobalMaxPool2D"},
    "Concatenate": {"Concatenate", "concatenate"},
    "Add": {"Add", "add"},
    "Identity": {"Identity", "Lambda"},  # una Lambda que no cambia la forma se describe como Identity
}
# Capas que trae una red de keras.applications nombrada en el código (sin Dense ni Flatten: las de su cabeza
# de ImageNet; una cabeza nueva se escribe en el código).
_CONVOLUCIONALES = {
    "Conv2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "BatchNormalization",
    "Activation",
    "ReLU",
    "ZeroPadding2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Add",
    "Multiply",
    "Concatenate",
    "Reshape",
    "Rescaling",
    "Normalization",
    "Dropout",
}
_APLICACIONES = {
    "ResNet50": {"Conv2D", "BatchNormalization", "Activation", "ZeroPadding2D", "MaxPooling2D", "Add"},
    "ResNet50V2": {"Conv2D", "BatchNormalization", "Activation", "ZeroPadding2D", "MaxPooling2D", "Add"},
    "VGG16": {"Conv2D", "MaxPooling2D"},
    "VGG19": {"Conv2D", "MaxPooling2D"},
    **dict.fromkeys(
        ("InceptionV3", "Xception", "MobileNet", "MobileNetV2", "DenseNet121", "EfficientNetB0", "ResNet101"),
        _CONVOLUCIONALES,
    ),
}
_POOLING = {"GlobalAveragePooling2D", "GlobalMaxPooling2D"}  # de `pooling="avg"` en keras.applications


class Coherencia:
    """Los nombres que usa el código de la entrega, para contrastar con ellos cada observación."""

    def __init__(self, fragmentos):
        self.nombres = set()
        self.lineas = {}  # archivo o celda -> su última línea (la de un cuerpo de %%time, si va más allá)
        for nombre, arbol, ultima in arboles(fragmentos):
            self.lineas[nombre] = max(self.lineas.get(nombre, 0), ultima)
            for nodo in ast.walk(arbol):
                if isinstance(nodo, ast.Name):
                    self.nombres.add(nodo.id)
                elif isinstance(nodo, ast.Attribute):
                    self.nombres.add(nodo.attr)
                elif isinstance(nodo, ast.alias):
                    self.nombres.update(nodo.name.split("."))
                    if nodo.asname:
                        self.nombres.add(nodo.asname)
                elif isinstance(nodo, ast.keyword) and nodo.arg:
                    self.nombres.add(nodo.arg)
                elif isinstance(nodo, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self.nombres.add(nodo.name)

    def motivo(self, evento):
        """Por qué la observación `evento` (un evento `modelo` con su descripción) no cuadra; None si cuadra."""
        origen = str(evento.get("origen", ""))
        tipo, _, nombre = origen.partition(":")
        if tipo in ("funcion", "variable"):
            if nombre not in self.nombres:
                return f"un modelo de «{nombre}», que el código no define"
        elif tipo in _METODOS:
            if not self.nombres & _METODOS[tipo]:
                return f"una llamada a {tipo} que el código no hace"
            pila = evento.get("pila") or []
            if not pila or not self._linea_existe(pila[-1]):
                return f"una llamada a {tipo} desde un lugar que no es una línea de la entrega"
        else:
            return f"una observación de origen desconocido ({origen[:40]})"
        ajustes = ((evento.get("datos") or {}).get("generador")) or {}
        for ajuste, valor in ajustes.items():
            if valor and ajuste != "ajustado" and ajuste not in self.nombres:
                return f"un ImageDataGenerator con {ajuste}, que el código no escribe"
        descripcion = evento.get("descripcion")
        if descripcion:
            return self._capas(descripcion)
        return None

    def _linea_existe(self, marco):
        archivo, linea = (marco[0], marco[1]) if isinstance(marco, (list, tuple)) and len(marco) >= 2 else (None, 0)
        return isinstance(linea, int) and 0 < linea <= self.lineas.get(archivo, 0)

    def _capas(self, descripcion):
        permitidas = set()
        for red, capas in _APLICACIONES.items():
            if red in self.nombres:
                permitidas |= capas | _POOLING
        for capa in descripcion.get("capas", []):
            tipo = capa.get("tipo")
            if tipo in permitidas or self.nombres & _ALIAS.get(tipo, {tipo}):
                continue
            return f"un modelo con capas {tipo}, que el código no usa"
        return None
