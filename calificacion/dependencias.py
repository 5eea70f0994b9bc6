"""Qué archivos de datos escribe y lee el código de una entrega: el orden de sus archivos y sus cachés.

Una entrega de varios cuadernos de Colab suele pasarse datos por Drive: `np.save("carac_train.npy", …)`
en uno y `np.load("carac_train.npy")` en otro, que el estudiante ejecutó en ese orden aunque el nombre
los ordene al revés («Clasificador» antes que «Extraccion»). Y un script que guarda sus resultados para
no repetir entrenamientos (`if os.path.exists("resultados.json"): return`) no entrena nada si el archivo
viaja con la entrega. Con el árbol sintáctico de cada archivo se ven los nombres de archivo (su último
componente) que su código escribe y lee:

- `ordenar`: un archivo que escribe lo que otro lee se ejecuta antes (si no, el orden natural);
- `regenerados`: los archivos adjuntos que el propio código escribe no viajan: se regeneran al ejecutarlo.
"""

import ast
import os
import re

_ESCRIBEN = {
    "save",
    "savez",
    "savez_compressed",
    "savetxt",
    "save_weights",
    "to_csv",
    "to_pickle",
    "to_json",
    "imwrite",
    "dump",
    "copy",
    "copyfile",
}
_LEEN = {"load", "loadtxt", "genfromtxt", "read_csv", "read_pickle", "read_json", "load_model", "load_weights"}
_ARCHIVO = re.compile(r"[\w\-. ]+\.\w{1,6}$")
# np.save("caract_train", x) escribe caract_train.npy (y np.savez, .npz)
_EXTENSION_NUMPY = {"save": ".npy", "savez": ".npz", "savez_compressed": ".npz"}


def usos(fragmentos):
    """`(escribe, lee)`: los nombres de archivo que escribe y lee el código de `fragmentos`."""
    escribe, lee = set(), set()
    for fragmento in fragmentos:
        try:
            arbol = ast.parse(fragmento["codigo"])
        except (SyntaxError, ValueError):
            continue
        textos = _asignaciones(arbol)
        for nodo in ast.walk(arbol):
            if not isinstance(nodo, ast.Call) or not nodo.args:
                continue
            nombre = nodo.func.attr if isinstance(nodo.func, ast.Attribute) else getattr(nodo.func, "id", None)
            if nombre == "open":
                modo = _modo(nodo)
                destino = escribe if any(c in modo for c in "wax") else lee
                destino.update(_nombres(nodo.args[0], textos))
            elif nombre in _ESCRIBEN:
                # pickle.dump(obj, f) y shutil.copy(origen, destino): el archivo es el segundo argumento
                argumento = (
                    nodo.args[1] if nombre in ("dump", "copy", "copyfile") and len(nodo.args) > 1 else nodo.args[0]
                )
                escribe.update(_nombres(argumento, textos, _EXTENSION_NUMPY.get(nombre)))
            elif nombre in _LEEN:
                lee.update(_nombres(nodo.args[0], textos))
    return escribe, lee


def ordenar(archivos, usos_por_archivo):
    """`archivos` (en orden natural) con cada escritor antes de los que leen lo que escribe."""
    pendientes, orden = list(archivos), []
    while pendientes:
        for candidato in pendientes:
            lee = usos_por_archivo.get(candidato, (set(), set()))[1]
            antes = [
                otro
                for otro in pendientes
                if otro != candidato
                and lee & usos_por_archivo.get(otro, (set(), set()))[0] - _propios(candidato, usos_por_archivo)
            ]
            if not antes:
                break
        else:  # un ciclo: el orden natural
            candidato = pendientes[0]
        pendientes.remove(candidato)
        orden.append(candidato)
    return orden


def _propios(archivo, usos_por_archivo):
    """Lo que el propio archivo escribe (si lo escribe él, no espera a nadie)."""
    return usos_por_archivo.get(archivo, (set(), set()))[0]


def _asignaciones(arbol):
    """`{variable: [textos]}` de las asignaciones `ruta = "…"` (o `os.path.join(…)`, f-strings) del código."""
    textos = {}
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Assign):
            for objetivo in nodo.targets:
                if isinstance(objetivo, ast.Name):
                    textos.setdefault(objetivo.id, []).append(nodo.value)
    return textos


def _nombres(nodo, textos, extension=None, profundidad=0):
    """Los nombres de archivo (último componente) de las cadenas que forman `nodo` (con `extension` si no
    tienen ninguna: la que añade NumPy)."""
    nombres = set()
    for hijo in ast.walk(nodo):
        if isinstance(hijo, ast.Constant) and isinstance(hijo.value, str):
            final = os.path.basename(hijo.value.replace("\\", "/"))  # "…/P3/" es una carpeta: ""
            if extension and final and "." not in final and re.fullmatch(r"[\w\- ]+", final):
                final += extension
            if _ARCHIVO.fullmatch(final):
                nombres.add(final)
        elif isinstance(hijo, ast.Name) and hijo.id in textos and profundidad < 3:
            for valor in textos[hijo.id]:
                nombres |= _nombres(valor, textos, extension, profundidad + 1)
    return nombres


def _modo(llamada):
    modo = llamada.args[1] if len(llamada.args) > 1 else None
    for clave in llamada.keywords:
        if clave.arg == "mode":
            modo = clave.value
    return modo.value if isinstance(modo, ast.Constant) and isinstance(modo.value, str) else "r"
