"""Genera los cuadernos de Jupyter (`cuadernos/<nombre>.ipynb`) desde sus fuentes (`cuadernos/fuentes/<nombre>.py`).

Las fuentes son la única versión que se edita: scripts de Python en el formato «percent» de jupytext, donde
`# %%` abre una celda de código y `# %% [markdown]` una de texto (cada línea de texto, comentada con `# `), y
las órdenes de IPython van comentadas (`# %pip install ...`). Lo que va antes de la primera celda (un
preámbulo para quien edita la fuente, p. ej. `# ruff: noqa: E402`) no pasa al cuaderno. Una línea
`from _trozo import *` de una fuente se cambia por el texto de `fuentes/_trozo.py` (el código común de la
primera celda se escribe una vez). Se leen con `jupytext.reads` y se escriben sin salidas y con JSON
determinista: identificadores de celda `<nombre>-NN`, los mismos metadatos en todos y claves ordenadas. Regenerar sin cambiar la fuente da el mismo archivo byte a byte, y
`tests/test_cuadernos.py` falla si un cuaderno no está al día con su fuente.

    python -m cuadernos               # desde la raíz del checkout: regenera los que hayan cambiado
    python cuadernos/generar.py       # lo mismo, desde cualquier carpeta
    python -m cuadernos --comprobar   # no escribe nada; termina con 1 si alguno no está al día

No forma parte del paquete instalado; necesita jupytext y nbformat (`pip install ".[test]"`).
"""

import argparse
import copy
import json
import re
import sys
from pathlib import Path

CARPETA = Path(__file__).resolve().parent
FUENTES = CARPETA / "fuentes"
FORMATO = "py:percent"

# Metadatos de todos los cuadernos: el núcleo de Python 3 y, en Colab, un entorno con GPU.
METADATOS = {
    "accelerator": "GPU",
    "colab": {"provenance": [], "toc_visible": True},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def fuentes(carpeta=FUENTES):
    """Las fuentes de los cuadernos, por nombre (las que empiezan por `_` no son cuadernos)."""
    return sorted(p for p in Path(carpeta).glob("*.py") if not p.name.startswith("_"))


def _sin_preambulo(fuente):
    """El texto de `fuente` desde su primera celda (`# %%`): el preámbulo es para quien edita la fuente."""
    lineas = Path(fuente).read_text(encoding="utf-8").splitlines(keepends=True)
    for i, linea in enumerate(lineas):
        if linea.startswith("# %%"):
            return "".join(lineas[i:])
    raise ValueError(f"{fuente}: no tiene ninguna celda ('# %%' al principio de una línea).")


TROZO = re.compile(r"^from (_\w+) import \*.*$", re.MULTILINE)


def _con_trozos(texto, carpeta=FUENTES):
    """`texto` con cada línea `from _trozo import *` cambiada por el texto de `fuentes/_trozo.py` (que puede
    incluir a su vez otros trozos).

    Así el código común de la primera celda (`_instalacion.py`, `_preparacion.py`, `_datos_cifar.py`) se
    escribe una vez y cada cuaderno lo lleva entero (en Colab no hay más archivos que el cuaderno).
    """

    def trozo(encontrado):
        ruta = Path(carpeta) / f"{encontrado.group(1)}.py"
        if not ruta.is_file():
            raise ValueError(f"La fuente incluye {ruta.name}, que no existe en {carpeta}.")
        return _con_trozos(_sin_preambulo(ruta).removeprefix("# %%\n").rstrip("\n"), carpeta)

    return TROZO.sub(trozo, texto)


def repositorio(setup=CARPETA.parent / "setup.cfg"):
    """La dirección del repositorio del curso: `url` de `[metadata]` en setup.cfg ("" si no se ha puesto)."""
    import configparser

    lector = configparser.ConfigParser()
    lector.read(setup, encoding="utf-8")
    return lector.get("metadata", "url", fallback="").strip()


_COLAB = re.compile(
    r'<a href="https://colab\.research\.google\.com/github/[^"]*/cuadernos/(\w+\.ipynb)">Abrir en Colab</a>'
)


def con_repositorio(texto, url):
    """`texto` con la dirección del repositorio: en la celda de instalación y en los enlaces «Abrir en Colab».

    Sin dirección (o si no es de GitHub) el enlace se cambia por cómo abrir el cuaderno en Colab a mano.
    """
    texto = texto.replace('REPOSITORIO = ""', f"REPOSITORIO = {json.dumps(url or '')}", 1)
    github = re.match(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?/?$", url or "")

    def enlace(encontrado):
        if github is None:
            return "Para abrirlo en Colab: *Archivo → Subir cuaderno* y elija este archivo."
        return (
            f'<a href="https://colab.research.google.com/github/{github.group(1)}/blob/main/cuadernos/'
            f'{encontrado.group(1)}">Abrir en Colab</a>'
        )

    return _COLAB.sub(enlace, texto)


def cuaderno(fuente):
    """El cuaderno (`nbformat.NotebookNode`, versión 4.5) de una fuente en formato percent, sin salidas."""
    import jupytext
    import nbformat

    fuente = Path(fuente)
    texto = con_repositorio(_con_trozos(_sin_preambulo(fuente), fuente.parent), repositorio())
    leido = jupytext.reads(texto, fmt=FORMATO)
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(METADATOS))
    nb.nbformat, nb.nbformat_minor = 4, 5
    for i, celda in enumerate(leido.cells, start=1):
        identificador = f"{fuente.stem}-{i:02d}"
        texto = celda.source.strip("\n")
        if celda.cell_type == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(texto, id=identificador))
        elif celda.cell_type == "code":
            nb.cells.append(nbformat.v4.new_code_cell(texto, id=identificador))
        else:
            raise ValueError(f"{fuente}: celda {i} de tipo '{celda.cell_type}': solo se admiten código y markdown.")
    nbformat.validate(nb)
    return nb


def texto(fuente):
    """El JSON del cuaderno de `fuente`, tal como se guarda (claves ordenadas, sangría 1, salto final)."""
    import nbformat

    return nbformat.writes(cuaderno(fuente), version=4) + "\n"


def destino(fuente, carpeta=CARPETA):
    return Path(carpeta) / f"{Path(fuente).stem}.ipynb"


def desactualizados(carpeta=CARPETA):
    """Cuadernos que no coinciden con su fuente (o que faltan), y cuadernos sin fuente."""
    esperados = {destino(f, carpeta): texto(f) for f in fuentes()}
    distintos = [
        ruta
        for ruta, contenido in esperados.items()
        if not ruta.is_file() or ruta.read_text(encoding="utf-8") != contenido
    ]
    sobrantes = [ruta for ruta in sorted(Path(carpeta).glob("*.ipynb")) if ruta not in esperados]
    return distintos + sobrantes


def generar(carpeta=CARPETA):
    """Escribe el cuaderno de cada fuente en `carpeta` si ha cambiado; devuelve los que ha escrito."""
    escritos = []
    for fuente in fuentes():
        ruta, contenido = destino(fuente, carpeta), texto(fuente)
        if not ruta.is_file() or ruta.read_text(encoding="utf-8") != contenido:
            ruta.write_text(contenido, encoding="utf-8", newline="\n")
            escritos.append(ruta)
    return escritos


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cuadernos", description="Genera cuadernos/*.ipynb desde cuadernos/fuentes/*.py (jupytext)."
    )
    parser.add_argument(
        "--comprobar", action="store_true", help="no escribe nada: termina con 1 si algún cuaderno no está al día"
    )
    args = parser.parse_args(argv)
    if args.comprobar:
        malos = desactualizados()
        for ruta in malos:
            print(f"No está al día con su fuente: {ruta.relative_to(CARPETA.parent)}")
        if malos:
            print("Regenérelos con: python -m cuadernos")
        return 1 if malos else 0
    escritos = generar()
    for ruta in escritos:
        print(f"Escrito: {ruta.relative_to(CARPETA.parent)}")
    print(f"{len(fuentes())} cuadernos, {len(escritos)} regenerados.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
