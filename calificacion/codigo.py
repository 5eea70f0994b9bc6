"""El código de una entrega como árboles sintácticos, con lo que IPython ejecuta dentro de una cadena.

Una celda `%%time` llega transformada como `get_ipython().run_cell_magic('time', '', '…cuerpo…')`: su
código está dentro de una cadena, y el arnés lo ejecuta con el nombre de la celda y sus líneas desplazadas
(la primera del cuerpo es la siguiente a la de la magia). Aquí se lee igual, para que la coherencia y el
diagnóstico vean ese código donde se ejecutó.
"""

import ast


def arboles(fragmentos):
    """`(nombre, árbol, última línea)` de cada archivo o celda, y de cada cuerpo de `%%time`… que contenga."""
    for fragmento in fragmentos:
        try:
            arbol = ast.parse(fragmento["codigo"])
        except (SyntaxError, ValueError):
            continue
        yield from _con_celdas(fragmento["nombre"], arbol, fragmento["codigo"].count("\n") + 1)


def _con_celdas(nombre, arbol, ultima):
    yield nombre, arbol, ultima
    for nodo in ast.walk(arbol):
        cuerpo = _cuerpo_de_celda(nodo)
        if cuerpo is None:
            continue
        try:
            interior = ast.parse(cuerpo)
        except (SyntaxError, ValueError):
            continue
        ast.increment_lineno(interior, nodo.lineno)
        yield from _con_celdas(nombre, interior, nodo.lineno + cuerpo.count("\n") + 1)


def _cuerpo_de_celda(nodo):
    """El código de `get_ipython().run_cell_magic(nombre, línea, código)`, o None."""
    if not (isinstance(nodo, ast.Call) and isinstance(nodo.func, ast.Attribute)):
        return None
    if nodo.func.attr != "run_cell_magic" or len(nodo.args) != 3:
        return None
    codigo = nodo.args[2]
    return codigo.value if isinstance(codigo, ast.Constant) and isinstance(codigo.value, str) else None
