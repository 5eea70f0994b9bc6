"""`get_ipython()` para las celdas de Colab, transformadas por el calificador como lo hace IPython.

El calificador pasa cada celda por las transformaciones de IPython (`!orden` → `get_ipython().system(…)`,
`%magia` → `run_line_magic`, una celda `%%time` → `run_cell_magic`); aquí se atienden como en Colab:

- las órdenes de archivos que usan las prácticas (`unzip`, `tar`, `cp`, `mv`, `mkdir`, `rm`, `ls`, `cat`)
  se hacen en Python sobre sus rutas (las de Colab y Drive incluidas, ver `archivos`); `pip`, `wget`,
  `nvidia-smi` y las demás no hacen nada (sin red ni GPU) y se anotan;
- `%%time`, `%%timeit` y `%%capture` ejecutan el cuerpo de la celda (con sus números de línea);
  `%time`/`%timeit` la instrucción; `%%writefile` escribe el archivo; `%cd` cambia de carpeta; `%run`
  ejecuta otro archivo de la entrega; `%matplotlib`, `%tensorflow_version`, `%load_ext`… no hacen nada.
"""

import os
import shlex
import shutil
import sys
import tarfile
import zipfile

_SIN_EFECTO = {
    "matplotlib",
    "tensorflow_version",
    "load_ext",
    "reload_ext",
    "config",
    "pinfo",
    "pinfo2",
    "tensorboard",
    "autoreload",
    "aimport",
    "who",
    "whos",
    "pylab",
    "pip",
    "conda",
    "env",
    "lsmagic",
    "history",
    "reset",
    "store",
    "pwd",
    "ls",
}
_CELDAS_EJECUTADAS = {"time", "timeit", "capture", "prun", "memit"}
_CELDAS_SHELL = {"bash", "sh", "script", "system"}


class IPythonSustituto:
    """Lo que las celdas transformadas llaman: `system`, `getoutput`, `run_line_magic`, `run_cell_magic`."""

    def __init__(self, ejecutor, rutas, anotar):
        self.ejecutor = ejecutor
        self.rutas = rutas
        self.anotar = anotar
        self.user_ns = ejecutor.espacio

    # --- órdenes de shell ----------------------------------------------------------------------

    def system(self, orden):
        for linea in self._ordenar(_expandir(orden, sys._getframe(1))):
            print("\n".join(linea))

    def getoutput(self, orden, split=True):
        salida = [texto for linea in self._ordenar(_expandir(orden, sys._getframe(1))) for texto in linea]
        return salida if split else "\n".join(salida)

    def _ordenar(self, orden):
        """Ejecuta cada orden de `a && b; c` y devuelve sus líneas de salida."""
        salidas = []
        for parte in orden.replace("&&", ";").split(";"):
            try:
                palabras = shlex.split(parte, comments=True)
            except ValueError:
                palabras = parte.split()
            palabras = _sin_redirecciones(palabras)
            if palabras:
                salidas.append(self._orden(palabras))
        return salidas

    def _orden(self, palabras):
        nombre, argumentos = palabras[0], palabras[1:]
        metodo = getattr(self, "_orden_" + nombre.replace("-", "_"), None)
        if metodo is None:
            self.anotar(f"orden de shell «!{nombre}» sin efecto (sin red, GPU ni programas externos)")
            return []
        try:
            return metodo([a for a in argumentos if not a.startswith("-") or a == "-d"], argumentos) or []
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as error:
            return [f"{nombre}: {error}"]

    def _orden_unzip(self, argumentos, todos):
        destino = "."
        if "-d" in argumentos:
            indice = argumentos.index("-d")
            destino = argumentos[indice + 1] if indice + 1 < len(argumentos) else "."
            argumentos = argumentos[:indice] + argumentos[indice + 2 :]
        self.anotar("«!unzip» de Colab hecho en Python (con los datos pequeños)")
        with zipfile.ZipFile(self.rutas.resolver(argumentos[0])) as archivo:
            archivo.extractall(self._carpeta(destino))
        return []

    def _orden_tar(self, argumentos, todos):
        destino = "."
        if "-C" in todos:
            destino = todos[todos.index("-C") + 1]
        archivo = next((a for a in argumentos if ".tar" in a or a.endswith(".tgz")), None)
        if archivo is not None:
            with tarfile.open(self.rutas.resolver(archivo)) as tar:
                tar.extractall(self._carpeta(destino), filter="data")
        return []

    def _orden_cp(self, argumentos, todos):
        *origenes, destino = argumentos
        for origen in origenes:
            origen = self.rutas.resolver(origen, carpeta=True)
            if os.path.isdir(origen):
                shutil.copytree(origen, os.path.join(destino, os.path.basename(origen)), dirs_exist_ok=True)
            else:
                shutil.copy(origen, self.rutas.para_escribir(destino))
        return []

    def _orden_mv(self, argumentos, todos):
        *origenes, destino = argumentos
        for origen in origenes:
            shutil.move(self.rutas.resolver(origen, carpeta=True), destino)
        return []

    def _orden_mkdir(self, argumentos, todos):
        for carpeta in argumentos:
            os.makedirs(carpeta, exist_ok=True)
        return []

    def _orden_rm(self, argumentos, todos):
        for ruta in argumentos:
            if os.path.isdir(ruta) and not os.path.islink(ruta):
                shutil.rmtree(ruta, ignore_errors=True)
            elif os.path.lexists(ruta):
                os.remove(ruta)
        return []

    def _orden_ls(self, argumentos, todos):
        return sorted(os.listdir(argumentos[0] if argumentos else "."))

    def _orden_cat(self, argumentos, todos):
        return [linea.rstrip("\n") for ruta in argumentos for linea in open(ruta, encoding="utf-8", errors="replace")]

    def _orden_cd(self, argumentos, todos):
        return []  # `!cd` no cambia la carpeta del cuaderno (se hace con %cd)

    def _orden_echo(self, argumentos, todos):
        return [" ".join(todos)]

    def _carpeta(self, destino):
        carpeta = self.rutas.para_escribir(os.path.join(destino, "x"))
        carpeta = os.path.dirname(os.fspath(carpeta))
        os.makedirs(carpeta, exist_ok=True)
        return carpeta

    # --- magias ---------------------------------------------------------------------------------

    def run_line_magic(self, nombre, linea, _stack_depth=1):
        if nombre in ("time", "timeit"):
            marco = sys._getframe(1)
            exec(compile(linea, marco.f_code.co_filename, "exec"), marco.f_globals, marco.f_locals)
            return None
        if nombre == "cd":
            os.chdir(linea.strip().strip("'\"") or self.rutas.trabajo)
            return None
        if nombre == "run":
            return self._run(linea)
        if nombre not in _SIN_EFECTO:
            self.anotar(f"magia «%{nombre}» de IPython sin efecto")
        return None

    def run_cell_magic(self, nombre, linea, celda):
        marco = sys._getframe(1)
        if nombre in _CELDAS_EJECUTADAS:
            self.ejecutor.ejecutar(marco.f_code.co_filename, celda, desplazamiento=marco.f_lineno)
        elif nombre == "writefile":
            partes = linea.split()
            with open(partes[-1], "a" if "-a" in partes else "w", encoding="utf-8") as archivo:
                archivo.write(celda)
        elif nombre in _CELDAS_SHELL:
            for orden in celda.splitlines():
                self.system(orden)
        else:
            self.anotar(f"celda «%%{nombre}» de IPython sin efecto")

    def _run(self, linea):
        partes = shlex.split(linea)
        archivo = next((p for p in partes if p.endswith(".py") or p.endswith(".ipynb")), None)
        if archivo is None or archivo.endswith(".ipynb"):
            self.anotar(f"«%run {linea}» sin efecto")
            return None
        ruta = os.fspath(self.rutas.resolver(archivo))
        nombre = os.path.relpath(ruta, self.rutas.trabajo) if ruta.startswith(self.rutas.trabajo) else archivo
        with open(ruta, encoding="utf-8") as f:
            self.ejecutor.ejecutar(nombre, f.read())  # con el nombre con el que se leyó (su ruta en la entrega)
        return None

    def magic(self, linea):
        nombre, _, resto = linea.lstrip("%").partition(" ")
        return self.run_line_magic(nombre, resto)

    def kernel(self):  # `get_ipython().kernel` existe en Colab; aquí nada
        return None


def _expandir(orden, marco):
    """`!unzip -q "$ruta"` y `!ls {carpeta}` con las variables de la celda, como hace IPython (`var_expand`)."""
    if "$" not in orden and "{" not in orden:
        return orden
    espacio = {**marco.f_globals, **marco.f_locals}
    try:
        from IPython.utils.text import DollarFormatter

        return DollarFormatter().vformat(orden, args=[], kwargs=espacio)
    except Exception:  # noqa: BLE001 (IPython deja la orden tal cual si no puede expandirla)
        return orden


def _sin_redirecciones(palabras):
    """Las palabras de una orden sin `> archivo`, `2>&1`, `| tuberías` ni `&` final."""
    resultado = []
    saltar = False
    for palabra in palabras:
        if saltar:
            saltar = False
            continue
        if palabra in (">", ">>", "2>", "<", "&>"):
            saltar = True
            continue
        if palabra == "|":
            break
        if palabra.startswith((">", "2>", "&>")) or palabra == "&":
            continue
        resultado.append(palabra)
    return resultado
