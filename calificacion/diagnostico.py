"""Qué detuvo lo que falta: el código de la entrega, lo que se ejecutó de él y sus errores, juntos.

Cuando a una entrega le falta algo (no hay ningún modelo con ResNet50, la red mejorada no se construyó),
el informe no da un consejo sobre código que nunca corrió: dice dónde está ese código en la entrega y
qué lo detuvo. Con el árbol sintáctico de cada archivo o celda (`Codigo`), las líneas que se ejecutaron
(la cobertura que envía el arnés) y la pila de cada error en el código del estudiante:

- el código está y dio un error: «p3.py, línea 33: ValueError: …»;
- el código está y no llegó a ejecutarse: la función que lo contiene (o la que la llama, hacia arriba)
  se detuvo antes, por un error en su línea tal («ejercicio2 se detuvo en p3.py, línea 70: NameError…»),
  o nadie la llama;
- el código no está: se dice que no está.
"""

import ast
import re

from calificacion.codigo import arboles

# Temas: los nombres de función o clase que marcan el código de cada parte de la práctica.
TEMAS = {
    "resnet": {"ResNet50"},
    "convolucion": {"Conv2D", "Convolution2D"},
    "mejorada": {"BatchNormalization", "Dropout"},
    "entrenamiento": {"fit", "fit_generator", "train_on_batch"},
    "evaluacion": {"evaluate", "predict", "evaluate_generator", "predict_generator", "predict_classes"},
    "compilacion": {"compile"},
    "congelar": set(),  # `capa.trainable = False` (asignaciones, no llamadas: ver `Codigo._recorrer`)
    "descongelar": set(),  # `capa.trainable = True`
}
_DESCRIPCION = {
    "resnet": "el código de ResNet50",
    "convolucion": "el código de las redes convolucionales de CIFAR",
    "mejorada": "el código de la red mejorada",
    "entrenamiento": "el entrenamiento",
    "evaluacion": "la evaluación del test",
    "compilacion": "la compilación",
    "congelar": "el código que congela ResNet50",
    "descongelar": "el código que descongela ResNet50 (ajuste fino)",
}
_LUGAR = re.compile(r"^(?P<archivo>.+), línea (?P<linea>\d+)$")


class Codigo:
    """Las funciones de la entrega, dónde se llaman y qué líneas tocan cada tema."""

    def __init__(self, fragmentos):
        self.funciones = {}  # nombre -> [(archivo, primera línea, última línea)]
        self.llamadas = {}  # nombre de función -> [(archivo, línea, función que llama o None)]
        self.temas = {tema: [] for tema in TEMAS}  # tema -> [(archivo, línea, función o None)]
        self.fin = {}  # (archivo, primera línea de una llamada) -> su última línea
        for nombre, arbol, _ in arboles(fragmentos):
            self._recorrer(arbol, nombre, None)

    def _recorrer(self, nodo, archivo, funcion):
        for hijo in ast.iter_child_nodes(nodo):
            if isinstance(hijo, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fin = getattr(hijo, "end_lineno", hijo.lineno)
                self.funciones.setdefault(hijo.name, []).append((archivo, hijo.lineno, fin))
                self._recorrer(hijo, archivo, hijo.name)
                continue
            if isinstance(hijo, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "trainable" for t in hijo.targets
            ):  # `= False` congela; `= True` o `= entrenable` (una variable) puede descongelar
                valor = hijo.value.value if isinstance(hijo.value, ast.Constant) else None
                temas = {False: ["congelar"], True: ["descongelar"]}.get(valor, ["congelar", "descongelar"])
                for tema in temas:
                    self.temas[tema].append((archivo, hijo.lineno, funcion))
            if isinstance(hijo, ast.Call):
                nombre = _nombre_llamado(hijo.func)
                if nombre:
                    self.llamadas.setdefault(nombre, []).append((archivo, hijo.lineno, funcion))
                    for tema, nombres in TEMAS.items():
                        if nombre in nombres:
                            self.temas[tema].append((archivo, hijo.lineno, funcion))
                            self.fin[(archivo, hijo.lineno)] = max(
                                getattr(hijo, "end_lineno", hijo.lineno), self.fin.get((archivo, hijo.lineno), 0)
                            )
            self._recorrer(hijo, archivo, funcion)

    def funcion_de(self, archivo, linea):
        """La función más interna que contiene esa línea (None: el nivel superior)."""
        elegida, tamano = None, None
        for nombre, sitios in self.funciones.items():
            for sitio, inicio, fin in sitios:
                if sitio == archivo and inicio <= linea <= fin and (tamano is None or fin - inicio < tamano):
                    elegida, tamano = nombre, fin - inicio
        return elegida


def _nombre_llamado(funcion):
    if isinstance(funcion, ast.Name):
        return funcion.id
    if isinstance(funcion, ast.Attribute):
        return funcion.attr
    return None


class Diagnostico:
    """Explica qué pasó con el código de un tema en una entrega observada (`observacion.Observado`)."""

    def __init__(self, observado):
        self.codigo = Codigo(observado.fragmentos())
        self.cobertura = observado.cobertura()
        self.errores = observado.errores_con_pila()

    def ejecutada(self, archivo, linea):
        return linea in self.cobertura.get(archivo, ())

    def error_en(self, tema):
        """El primer error que dio el código del tema («archivo, línea N: Clase: mensaje»), o None."""
        sitios = self.codigo.temas[tema]
        for error in self.errores:
            if any(self._en_sitio(marco, sitios) for marco in error["pila"]):
                return _texto_error(error)
        return None

    def explicar(self, tema):
        """Una frase sobre el código del tema: dónde está, si dio un error o qué lo detuvo; "" si no hay nada
        que decir (se ejecutó sin errores)."""
        sitios = self.codigo.temas[tema]
        que = _DESCRIPCION[tema]
        if not sitios:
            return f"La entrega no tiene {que}."
        error = self.error_en(tema)
        if error:
            return f"{que.capitalize()} dio un error en {error}."
        if any(self.ejecutada(archivo, linea) for archivo, linea, _ in sitios):
            return ""
        archivo, linea, funcion = sitios[0]
        donde = f"{archivo}, línea {linea}" + (f", en {funcion}" if funcion else "")
        motivo = self._por_que_no(funcion, set())
        return f"{que.capitalize()} ({donde}) no llegó a ejecutarse: {motivo}."

    def _en_sitio(self, marco, sitios):
        """Si el marco está en una de esas llamadas (en cualquiera de sus líneas: Python 3.11 da la del
        argumento que falla, `callbacks=[PlotLossesKeras()]`)."""
        return any(
            marco[0] == archivo and linea <= marco[1] <= self.codigo.fin.get((archivo, linea), linea)
            for archivo, linea, _ in sitios
        )

    def _por_que_no(self, funcion, vistas):
        """Por qué no se ejecutó el código de `funcion` (None: el nivel superior)."""
        if funcion is None:
            return "está en una parte del código que no se ejecutó (una condición falsa o una celda con un error de sintaxis)"
        parada = self._parada(funcion)
        if parada is not None:
            return parada
        if funcion in vistas:
            return f"{funcion} no llegó a llamarse"
        vistas.add(funcion)
        llamadas = self.codigo.llamadas.get(funcion, [])
        if not llamadas:
            return f"{funcion} no se llama en ningún sitio de la entrega"
        for archivo, linea, quien in llamadas:
            if self.ejecutada(archivo, linea):
                continue  # se llamó (y lo que faltara lo explica su propio error)
            parada = self._parada(quien) if quien else None
            if parada is not None:
                return f"{parada}, antes de llamar a {funcion} ({archivo}, línea {linea})"
        archivo, linea, quien = llamadas[0]
        if quien is None:
            return f"la llamada a {funcion} ({archivo}, línea {linea}) no se ejecutó"
        return f"la llamada a {funcion} está en {quien}, y {self._por_que_no(quien, vistas)}"

    def _parada(self, funcion):
        """Si `funcion` empezó y un error la detuvo: «f se detuvo en archivo, línea N: Error: …»."""
        for error in self.errores:
            marcos = [m for m in error["pila"] if m[2] == funcion]
            if marcos:
                archivo, linea, _ = marcos[-1]
                interno = error["pila"][-1]
                if (interno[0], interno[1]) == (archivo, linea):
                    return f"{funcion} se detuvo en {_texto_error(error)}"
                return f"{funcion} se detuvo en {archivo}, línea {linea} (por {_texto_error(error)})"
        return None


def _texto_error(error):
    archivo, linea, funcion = error["pila"][-1] if error["pila"] else (error["lugar"], "?", None)
    dentro = f" (en {funcion})" if funcion and funcion != "<module>" else ""
    return f"{archivo}, línea {linea}{dentro}: {error['clase']}: {error['mensaje']}"
