"""Las rutas que lee la entrega, servidas con los datos pequeños: se sustituyen datos, no código.

El estudiante escribió rutas de su máquina o de Colab (`/content/imagenes/train.txt`,
`/content/drive/My Drive/VC/imagenes.zip`, `caltech/train.txt`, `os.path.join(ruta, linea)`). Cuando una
ruta no existe aquí, `Rutas.resolver` busca lo que significa:

1. las de Colab (`/content/…`, las de Drive) son su carpeta de trabajo (en bubblewrap existen de verdad:
   su carpeta está montada en `/content` y en `/content/drive/My Drive`);
2. si no, el final más largo de la ruta que existe en su carpeta de trabajo (sus propios archivos, lo que
   haya descomprimido) o en los datos pequeños: `…/001.Black_footed_Albatross/x_0001.jpg`, `train.txt`,
   `cifar-100-python/train`;
3. una carpeta desconocida con nombre de datos (`images`, `CUB_200_2010`, `dataset`) es la de los pájaros.

Se aplica a todo lo que abre archivos en Python (`open`, `io.open` y lo que los usa: NumPy, Pillow,
`keras.utils.load_img`, pandas, pickle, zipfile, tarfile), a `os.stat`/`os.listdir`/`os.scandir` (y con
ellos `os.path.exists`, `os.walk`, `glob`), a `os.chdir` y, cuando se importan, a `cv2.imread`,
`tf.io.read_file`, `tf.io.gfile` y las listas de rutas de `tf.data.Dataset.from_tensor_slices`. Una
escritura en una carpeta que no existe la crea (en Colab existía en su Drive).
"""

import builtins
import io
import os
import re
import sys
import time

PREFIJOS_COLAB = (
    "/content/drive/My Drive/",
    "/content/drive/MyDrive/",
    "/content/drive/Shareddrives/",
    "/content/gdrive/My Drive/",
    "/content/gdrive/MyDrive/",
    "/gdrive/My Drive/",
    "/gdrive/MyDrive/",
    "/content/",
)
_NOMBRE_DE_DATOS = re.compile(r"imag|bird|p[aá]jar|caltech|cub|data|dataset|train|fotos", re.IGNORECASE)
_ESCRITURA = set("wax+")


class Rutas:
    """Resuelve rutas que no existen; `servidas` guarda las resoluciones (para el informe)."""

    def __init__(self, trabajo, datos, pajaros, al_servir=None):
        self.trabajo = os.path.abspath(trabajo)
        self.raices = [self.trabajo, os.path.abspath(datos)]
        self.pajaros = os.path.abspath(pajaros)
        self.al_servir = al_servir or (lambda original, servida: None)
        self._indices = {}  # raíz -> (instante, {nombre: [rutas]})
        self._stat = os.stat
        self._lstat = os.lstat
        self.creadas = set()  # carpetas que crea su código (relativas a su carpeta de trabajo), no al extraer
        self.sin_anotar = 0  # > 0: las carpetas que se crean no son suyas (al extraer un zip, su Drive)
        self.literal = 0  # > 0: ninguna ruta se resuelve (el destino de una copia es el que dice su código)

    def _existe(self, ruta):
        try:
            self._lstat(ruta)
            return True
        except (OSError, ValueError):
            return False

    def _indice(self, raiz):
        """`{nombre de archivo o carpeta: [rutas]}` de una raíz; el de la carpeta de trabajo caduca a los 2 s."""
        instante, indice = self._indices.get(raiz, (None, None))
        if indice is not None and (raiz != self.trabajo or time.monotonic() - instante < 2):
            return indice
        indice = {}
        for actual, carpetas, archivos in os.walk(raiz):
            carpetas[:] = [c for c in carpetas if not c.startswith(".") and c != "drive"]
            for nombre in carpetas + archivos:
                indice.setdefault(nombre, []).append(os.path.join(actual, nombre))
        self._indices[raiz] = (time.monotonic(), indice)
        return indice

    def resolver(self, ruta, carpeta=False):
        """La ruta que sirve a `ruta` (o `ruta` si existe o no hay ninguna)."""
        if isinstance(ruta, int) or self.literal or self._existe(ruta):
            return ruta
        try:
            texto = os.fsdecode(os.fspath(ruta))
        except TypeError:
            return ruta
        servida = self._buscar(os.path.abspath(texto), carpeta)
        if servida is None:
            return ruta
        self.al_servir(texto, servida)
        return servida

    def _relativa(self, ruta):
        """`ruta` relativa a su carpeta de trabajo (también por `/content/drive/My Drive/…`), o None."""
        if ruta == self.trabajo or ruta.startswith(self.trabajo + "/"):
            return os.path.relpath(ruta, self.trabajo)
        for prefijo in PREFIJOS_COLAB:
            if (ruta + "/").startswith(prefijo):
                return os.path.normpath(ruta[len(prefijo) :] or ".")
        return None

    def creada(self, carpeta):
        """Anota una carpeta que creó el código de la entrega (`os.makedirs`, `mkdir`), salvo al extraer un zip."""
        relativa = self._relativa(os.path.abspath(os.fsdecode(carpeta)))
        if relativa is not None and not self.sin_anotar:
            self.creadas.add(relativa)

    def olvidar(self, carpeta):
        """`carpeta` y las que la contienen dejan de ser carpetas creadas por la entrega."""
        relativa = self._relativa(os.path.abspath(os.fsdecode(carpeta)))
        while relativa not in (None, ".", ""):
            self.creadas.discard(relativa)
            relativa = os.path.dirname(relativa)

    def _carpeta_nueva(self, carpeta):
        """Si `carpeta` la creó el código de la entrega (la de sus copias de las imágenes, p. ej.)."""
        return self._relativa(carpeta) in self.creadas

    def _buscar(self, absoluta, carpeta):
        for prefijo in PREFIJOS_COLAB:
            if (absoluta + "/").startswith(prefijo):
                candidata = os.path.join(self.trabajo, absoluta[len(prefijo) :])
                if self._existe(candidata):
                    return candidata
                break
        # en una carpeta que creó la propia entrega (la de sus copias de las imágenes), solo sus propios archivos
        raices = self.raices[:1] if self._carpeta_nueva(os.path.dirname(absoluta)) else self.raices
        partes = [p for p in absoluta.split("/") if p]
        if not partes:
            return None
        mejor, mejor_comunes = None, 0
        for raiz in raices:  # a igual final, antes lo suyo que los datos pequeños
            for ruta in self._indice(raiz).get(partes[-1], []):
                final = ruta.split("/")
                comunes = 0
                while comunes < min(len(partes), len(final)) and partes[-1 - comunes] == final[-1 - comunes]:
                    comunes += 1
                if comunes == 1 and "." not in partes[-1] and os.path.isfile(ruta):
                    continue  # `datos/train`, una carpeta que crea la entrega, no es el archivo `cifar-100-python/train`
                if comunes > mejor_comunes:
                    mejor, mejor_comunes = ruta, comunes
        if mejor is not None:
            return mejor
        if carpeta and _NOMBRE_DE_DATOS.search(partes[-1]):
            return self.pajaros
        return None

    def para_escribir(self, ruta):
        """Dónde escribir `ruta`: su carpeta se crea si no existe (en Colab existía en su Drive).

        Las rutas de Colab van a su carpeta de trabajo si aquí no hay `/content` (sin bubblewrap); una
        carpeta que no se puede crear aquí (la de otra máquina) se cambia por la de trabajo.
        """
        try:
            texto = os.fsdecode(os.fspath(ruta))
        except TypeError:
            return ruta
        absoluta = os.path.abspath(texto)
        if not self._existe("/content"):
            for prefijo in PREFIJOS_COLAB:
                if (absoluta + "/").startswith(prefijo):
                    absoluta = os.path.join(self.trabajo, absoluta[len(prefijo) :])
                    break
        carpeta = os.path.dirname(absoluta)
        if self._existe(carpeta):
            return ruta if absoluta == os.path.abspath(texto) else absoluta
        if (carpeta + "/").startswith((self.trabajo + "/", "/content/", "/tmp/")):
            self.sin_anotar += 1  # una carpeta de su Drive, que en Colab ya existía: no es una carpeta suya nueva
            try:
                os.makedirs(carpeta, exist_ok=True)
                return absoluta
            except OSError:
                pass
            finally:
                self.sin_anotar -= 1
        return os.path.join(self.trabajo, os.path.basename(absoluta))


def instalar(rutas):
    """Sustituye las funciones de archivos de Python por versiones que resuelven rutas con `rutas`."""
    abrir = builtins.open

    def open(file, mode="r", *args, **kwargs):  # noqa: A001 (la firma de open)
        if isinstance(file, int):
            return abrir(file, mode, *args, **kwargs)
        if _ESCRITURA & set(mode):
            return abrir(rutas.para_escribir(file), mode, *args, **kwargs)
        return abrir(rutas.resolver(file), mode, *args, **kwargs)

    builtins.open = io.open = open
    if "tarfile" in sys.modules:
        sys.modules["tarfile"].bltn_open = open
    for nombre in ("stat", "lstat", "listdir", "scandir"):
        original = getattr(os, nombre)
        setattr(os, nombre, _resolviendo(original, rutas, carpeta=nombre in ("listdir", "scandir")))
    crear = os.mkdir

    def mkdir(path, *args, **kwargs):  # también la usa os.makedirs
        crear(path, *args, **kwargs)
        rutas.creada(path)

    os.mkdir = mkdir
    _extrayendo(rutas)
    _copias(rutas)
    cambiar = os.chdir

    def chdir(ruta):
        servida = rutas.resolver(ruta, carpeta=True)
        if not os.path.isdir(servida):  # una carpeta de su máquina: se queda en la de trabajo
            servida = rutas.trabajo
        return cambiar(servida)

    os.chdir = chdir


def _copias(rutas):
    """`shutil.copy(imagen, carpeta)`: el origen se resuelve y el destino es el de su código, al pie de la
    letra (en una carpeta que el estudiante cree que existe, se crea): así, repartir las imágenes en
    `train/<clase>/` para `flow_from_directory` hace de verdad las copias."""
    import shutil

    def copiando(funcion, origen_es_carpeta=False):
        def envoltorio(src, dst, *args, **kwargs):
            src = rutas.resolver(src, carpeta=origen_es_carpeta)
            es_carpeta = not origen_es_carpeta and os.path.isdir(dst)  # lo que cree el estudiante
            rutas.literal += 1
            try:
                if es_carpeta and not os.path.isdir(dst):
                    os.makedirs(dst, exist_ok=True)
                return funcion(src, dst, *args, **kwargs)
            finally:
                rutas.literal -= 1

        return envoltorio

    for nombre in ("copy", "copy2", "copyfile", "move"):
        setattr(shutil, nombre, copiando(getattr(shutil, nombre)))
    shutil.copytree = copiando(shutil.copytree, origen_es_carpeta=True)


def _extrayendo(rutas):
    """Las carpetas que crea extraer un zip o un tar son de datos (se resuelve dentro), no copias suyas."""
    import shutil
    import tarfile
    import zipfile

    def marcando(funcion, posicion, clave):
        def envoltorio(*args, **kwargs):
            destino = args[posicion] if len(args) > posicion else kwargs.get(clave)
            rutas.olvidar(destino or ".")  # extraer en una carpeta suya la vuelve de datos
            rutas.sin_anotar += 1
            try:
                return funcion(*args, **kwargs)
            finally:
                rutas.sin_anotar -= 1

        return envoltorio

    zipfile.ZipFile.extractall = marcando(zipfile.ZipFile.extractall, 1, "path")
    zipfile.ZipFile.extract = marcando(zipfile.ZipFile.extract, 2, "path")
    tarfile.TarFile.extractall = marcando(tarfile.TarFile.extractall, 1, "path")
    shutil.unpack_archive = marcando(shutil.unpack_archive, 1, "extract_dir")


def _resolviendo(funcion, rutas, carpeta):
    def envoltorio(path=".", *args, **kwargs):
        try:
            return funcion(path, *args, **kwargs)
        except FileNotFoundError:
            servida = rutas.resolver(path, carpeta=carpeta)
            if servida is path:
                raise
            return funcion(servida, *args, **kwargs)

    envoltorio.__name__ = funcion.__name__
    return envoltorio


def adaptar_modulo(nombre, modulo, rutas):
    """Lo mismo en las funciones de C de los módulos que lo necesitan, al importarse."""
    if nombre == "cv2" and hasattr(modulo, "imread"):
        leer = modulo.imread
        modulo.imread = lambda ruta, *args, **kwargs: leer(os.fsdecode(rutas.resolver(ruta)), *args, **kwargs)
    elif nombre == "tensorflow":
        _adaptar_tensorflow(modulo, rutas)


def _adaptar_tensorflow(tf, rutas):
    leer = tf.io.read_file

    def resolver_tensor(ruta):
        return os.fsencode(rutas.resolver(os.fsdecode(ruta.item() if hasattr(ruta, "item") else ruta)))

    def read_file(filename, name=None):
        if isinstance(filename, (str, bytes, os.PathLike)):
            filename = os.fsdecode(rutas.resolver(filename))
        elif tf.is_tensor(filename) and filename.dtype == tf.string and filename.shape.rank == 0:
            # dentro de `Dataset.map` (rutas de un DataFrame, de tf.strings.join…): se resuelve al leer
            resuelta = tf.numpy_function(resolver_tensor, [filename], tf.string, stateful=False)
            resuelta.set_shape(filename.shape)
            filename = resuelta
        return leer(filename, name=name)

    tf.io.read_file = read_file
    existe = tf.io.gfile.exists
    tf.io.gfile.exists = lambda ruta: existe(os.fsdecode(rutas.resolver(ruta)))
    abrir = tf.io.gfile.GFile
    tf.io.gfile.GFile = lambda ruta, mode="r": abrir(os.fsdecode(rutas.resolver(ruta) if "r" in mode else ruta), mode)
    rebanadas = tf.data.Dataset.from_tensor_slices

    def from_tensor_slices(tensors, name=None):
        return rebanadas(_rutas_de_lista(tensors, rutas), name=name)

    tf.data.Dataset.from_tensor_slices = staticmethod(from_tensor_slices)


def _rutas_de_lista(valor, rutas):
    """Una lista de rutas (de `train.txt` unida a su carpeta) con cada ruta que no existe ya resuelta."""
    if isinstance(valor, tuple):
        return tuple(_rutas_de_lista(v, rutas) for v in valor)
    if isinstance(valor, list) and valor and all(isinstance(v, str) for v in valor):
        return [os.fsdecode(rutas.resolver(v)) if "/" in v else v for v in valor]
    tipo = getattr(getattr(valor, "dtype", None), "kind", None)
    if tipo in ("U", "S") and getattr(valor, "ndim", 0) == 1:
        return [os.fsdecode(rutas.resolver(os.fsdecode(v))) if "/" in os.fsdecode(v) else os.fsdecode(v) for v in valor]
    if hasattr(valor, "tolist") and getattr(valor, "ndim", 1) == 1 and not hasattr(valor, "numpy"):
        lista = valor.tolist()  # un array de objetos, una Series de pandas o su `.values`
        if isinstance(lista, list) and lista and all(isinstance(v, str) for v in lista):
            return _rutas_de_lista(lista, rutas)
    return valor
