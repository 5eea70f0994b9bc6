"""Una clase de 100 entregas para medir la similitud a ese tamaño: `python benchmarks/similitud_clase.py`.

Cada estudiante pega la plantilla del profesor y escribe seis trozos (funciones o bloques del nivel superior)
tomados al azar de los de las 33 entregas de `tests/entregas` (estilos del curso, ejemplos y la clase de la
similitud), sin los que son de todos (las funciones de la plantilla, las importaciones): entregas del tamaño y
el estilo de las de verdad que, como salen de un mismo montón, a veces comparten trozos idénticos. Dos de
ellos son copias de otros dos, con los nombres cambiados y los trozos en otro orden. Cifras en
docs/rendimiento.md.
"""

import ast
import io
import os
import random
import re
import shutil
import sys
import tempfile
import time
import tokenize

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from calificacion import similitud  # noqa: E402
from calificacion.entregas import buscar_entregas  # noqa: E402

AQUI = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "entregas")
PLANTILLA = os.path.join(AQUI, "similitud", "plantilla_p3.py")
FUENTES = [os.path.join(AQUI, c) for c in ("estilos", "reales", os.path.join("similitud", "clase"))]
TROZOS_POR_ESTUDIANTE = 6
COPIAS = {"Copia Uno": "Estudiante 000", "Copia Dos": "Estudiante 001"}  # copia -> original


_DE_LA_PLANTILLA = re.compile(
    r"\s*(def (cargarImagenes|calcularAccuracy|mostrarEvolucion|leerImagenes|cargarDatos)\b|import |from )"
)


def trozos():
    """Los trozos del nivel superior (funciones, bloques entre líneas en blanco) de todas las entregas, sin
    repetir y sin los que son de todos (las funciones de la plantilla que cada uno pega, las importaciones)."""
    from copydetect.utils import filter_code

    unicos = {}
    for fuente in FUENTES:
        for nombre, rutas in similitud.agrupar(buscar_entregas(fuente)).items():
            texto = similitud.documento(nombre, rutas).texto
            for parte in re.split(r"\n(?=def |class |# ─── |\n\S)", texto):
                parte = "\n".join(linea for linea in parte.strip("\n").split("\n") if not linea.startswith("# ─── "))
                if parte.count("\n") >= 3 and not _DE_LA_PLANTILLA.match(parte):
                    unicos.setdefault(filter_code(parte, "trozo.py")[0], parte + "\n")
    return list(unicos.values())


def renombrar(codigo):
    """El mismo código con otros nombres: funciones, argumentos y variables que define."""
    try:
        arbol = ast.parse(codigo)
    except SyntaxError:
        return codigo
    propios = set()
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.FunctionDef):
            propios.add(nodo.name)
            propios.update(a.arg for a in nodo.args.args)
        elif isinstance(nodo, ast.Name) and isinstance(nodo.ctx, ast.Store):
            propios.add(nodo.id)
    nuevos = {nombre: f"{nombre[:3]}_{numero}" for numero, nombre in enumerate(sorted(propios))}
    salida, anterior = [], None
    for token in tokenize.generate_tokens(io.StringIO(codigo).readline):
        if token.type == tokenize.NAME and token.string in nuevos and anterior != ".":
            token = token._replace(string=nuevos[token.string])
        salida.append(token)
        anterior = token.string
    return tokenize.untokenize(salida)


def crear_clase(carpeta, n=100, semilla=0):
    """Escribe la clase en `carpeta` (carpetas de Moodle); devuelve la lista de trozos de cada estudiante."""
    azar = random.Random(semilla)
    disponibles = trozos()
    with open(PLANTILLA, encoding="utf-8") as f:
        plantilla = f.read()
    elegidos = {f"Estudiante {k:03d}": azar.sample(disponibles, TROZOS_POR_ESTUDIANTE) for k in range(n - len(COPIAS))}
    for copia, original in COPIAS.items():
        elegidos[copia] = [renombrar(t) for t in azar.sample(elegidos[original], TROZOS_POR_ESTUDIANTE)]
    for numero, (nombre, partes) in enumerate(elegidos.items()):
        destino = os.path.join(carpeta, f"{nombre}_{500000 + numero}_assignsubmission_file_")
        os.makedirs(destino)
        with open(os.path.join(destino, "p3.py"), "w", encoding="utf-8") as f:
            f.write(plantilla + "\n\n" + "\n\n".join(partes))
    return elegidos


def main():
    carpeta = tempfile.mkdtemp(prefix="clase-de-cien-")
    try:
        crear_clase(carpeta)
        lista = buscar_entregas(carpeta)
        inicio = time.perf_counter()
        resultado = similitud.comparar_clase(lista, [PLANTILLA])
        comparar = time.perf_counter() - inicio
        similitud.escribir_similitud(resultado, os.path.join(carpeta, "salida"))
        total = time.perf_counter() - inicio
    finally:
        shutil.rmtree(carpeta, ignore_errors=True)
    lineas = sum(d.texto.count("\n") for d in resultado.documentos) / len(resultado.documentos)
    print(f"{len(lista)} entregas ({lineas:.0f} líneas de media), {len(resultado.pares)} pares: {resultado.cuenta()}")
    print(f"huellas y comparaciones: {comparar:.1f} s; con similitud.csv y similitud.html: {total:.1f} s")
    for par in resultado.senalados():
        print(f"  {par.a.estudiante} — {par.b.estudiante}: {100 * par.similitud:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
