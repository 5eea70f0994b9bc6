"""El programa del arnés: prepara el proceso, ejecuta la entrega entera y anota lo que observa.

    python -I -m arnes /config/trabajo.json      (la clave llega por la entrada estándar)

El trabajo (JSON) trae el código ya leído (`fragmentos`: archivos y celdas, en orden, con las celdas ya
pasadas por las transformaciones de IPython), las carpetas (`carpeta` de trabajo, `datos` pequeños), el
descriptor del canal y las `llamadas` (funciones del informe que se llaman si la entrega las define).
"""

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
import types

from . import archivos, datos_pequenos, ejecucion, ipython, vigilancia

# Nombres del paquete (las soluciones): la entrega no los puede importar.
PAQUETE = ("modelos", "datos", "practicas", "utilidades", "teoria", "calificacion")


class Arnes:
    """El estado del arnés: canal, espacio de nombres, ejecutor, rutas y, al importarse Keras, el observador."""

    def __init__(self, trabajo, canal):
        self.trabajo = trabajo
        self.canal = canal
        self.adaptaciones = set()
        modulo = types.ModuleType("__main__")
        modulo.__dict__.update(__builtins__=builtins, __file__=os.path.join(trabajo["carpeta"], "main.py"))
        sys.modules["__main__"] = modulo
        self.espacio = modulo.__dict__
        self.ejecutor = ejecucion.Ejecutor(canal, self.espacio)
        self.rutas = archivos.Rutas(
            trabajo["carpeta"],
            trabajo["datos"],
            os.path.join(trabajo["datos"], datos_pequenos.CARPETA_PAJAROS),
            al_servir=self._servida,
        )
        self.observador = None
        self._servidas = 0

    def adaptar(self, texto):
        """Anota una adaptación (cada texto, una vez)."""
        if texto not in self.adaptaciones:
            self.adaptaciones.add(texto)
            self.canal.enviar(tipo="adaptacion", texto=texto)

    def _servida(self, original, servida):
        self._servidas += 1
        if self._servidas <= 20:  # las primeras bastan para el informe
            self.canal.enviar(tipo="ruta", original=original, servida=servida)


class Buscador(importlib.abc.MetaPathFinder):
    """Bloquea las soluciones del paquete y da módulos sustitutos (`google.colab`, `IPython`, `cv2` sin OpenCV)."""

    def __init__(self, propios, enviar, sustituir, cargar_propio=None):
        self._propios = propios  # módulos que la propia entrega trae (su `datos.py`, por ejemplo)
        self._enviar = enviar
        self._sustituir = sustituir
        self._cargar_propio = cargar_propio

    def find_spec(self, nombre, ruta=None, destino=None):
        raiz = nombre.split(".")[0]
        if raiz in PAQUETE and raiz not in self._propios:
            self._enviar(tipo="soluciones", modulo=nombre)
            raise ModuleNotFoundError(
                f"la entrega usa las soluciones del paquete («import {nombre}»): en la calificación no están disponibles"
            )
        if raiz in self._propios and self._cargar_propio is not None:
            spec = self._cargar_propio(nombre)
            if spec is not None:
                return spec
        return self._sustituir(nombre, self)


class CargadorPropio(importlib.abc.Loader):
    """Un módulo de la entrega (`import utils`) con el mismo código y el mismo nombre de archivo que su
    fragmento (`utils.py`): su pila, su cobertura y el gancho de auditoría lo ven como código de la entrega."""

    def __init__(self, ejecutor, fragmentos, carpeta):
        self._ejecutor = ejecutor
        self._codigo = {f["nombre"]: f["codigo"] for f in fragmentos if f["nombre"].endswith(".py")}
        self._carpeta = carpeta

    def spec(self, nombre):
        relativo = nombre.replace(".", "/") + ".py"
        if relativo not in self._codigo:
            return None
        return importlib.util.spec_from_loader(
            nombre, self, origin=os.path.join(self._carpeta, relativo), is_package=False
        )

    def create_module(self, spec):
        return None

    def exec_module(self, modulo):
        relativo = modulo.__name__.replace(".", "/") + ".py"
        modulo.__file__ = os.path.join(self._carpeta, relativo)
        self._ejecutor.archivos.add(relativo)
        anterior = sys.gettrace()
        self._ejecutor.cobertura.activar()
        try:
            exec(compile(self._codigo[relativo], relativo, "exec"), modulo.__dict__)
        finally:
            sys.settrace(anterior)


def _existe_fuera(nombre, buscador):
    for otro in sys.meta_path:
        if otro is buscador or not hasattr(otro, "find_spec"):
            continue
        try:
            if otro.find_spec(nombre, None) is not None:
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


def _argv(fragmento):
    """`sys.argv` como al ejecutarlo el estudiante: `python p3.py`, o el núcleo de Colab en un cuaderno."""
    archivo = fragmento.split(" [celda ")[0]
    if archivo.endswith(".ipynb"):
        return ["/usr/local/lib/python3.10/dist-packages/colab_kernel_launcher.py", "-f", "/root/.local/kernel.json"]
    return [archivo]


def _memoria_privada():
    """Que ningún proceso (ni uno que lance la entrega, sin el gancho de auditoría) lea esta memoria.

    Con PR_SET_DUMPABLE a 0, `/proc/<pid>/mem`, sus descriptores y `ptrace` quedan para root: un hijo de
    la entrega con el mismo usuario ya no puede buscar la clave del canal en la memoria del arnés.
    """
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0)")


def main():
    _memoria_privada()
    with open(sys.argv[1], encoding="utf-8") as f:
        trabajo = json.load(f)
    clave = sys.stdin.buffer.readline().strip()
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    from .canal import Canal

    canal = Canal(trabajo["canal_fd"], clave)
    del clave
    arnes = Arnes(trabajo, canal)
    from . import interacciones

    propios = {os.path.splitext(os.path.basename(a))[0] for a in trabajo["archivos"]}
    propio = CargadorPropio(arnes.ejecutor, trabajo["fragmentos"], trabajo["carpeta"])
    sys.meta_path.insert(0, Buscador(propios, canal.enviar, interacciones.sustituto(arnes, _existe_fuera), propio.spec))
    sys.path[:] = [trabajo["carpeta"]] + [r for r in sys.path if r and not r.startswith(trabajo["arnes"])]
    os.chdir(trabajo["carpeta"])
    archivos.instalar(arnes.rutas)
    interacciones.instalar(arnes, ipython.IPythonSustituto(arnes.ejecutor, arnes.rutas, arnes.adaptar))
    archivos_estudiante = arnes.ejecutor.archivos
    archivos_estudiante.update(f["nombre"] for f in trabajo["fragmentos"])
    vigilancia.instalar(
        archivos_estudiante, trabajo["canal_fd"], lambda texto: canal.enviar(tipo="alerta", texto=texto)
    )
    inicio = time.monotonic()
    canal.enviar(tipo="inicio")
    for fragmento in trabajo["fragmentos"]:
        sys.argv = _argv(fragmento["nombre"])
        canal.enviar(tipo="fragmento", nombre=fragmento["nombre"])
        arnes.ejecutor.ejecutar(fragmento["nombre"], fragmento["codigo"])
    arnes.ejecutor.reintentar()
    canal.enviar(tipo="cargada")
    interacciones.llamar_funciones(arnes)
    interacciones.anotar_variables(arnes)
    canal.enviar(tipo="fin", segundos=round(time.monotonic() - inicio, 2))


def lanzar():
    """`main` y salir sin esperar a hilos que haya dejado la entrega ni al cierre de TensorFlow."""
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
