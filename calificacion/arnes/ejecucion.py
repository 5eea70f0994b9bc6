"""Ejecutar la entrega instrucción a instrucción y anotar qué se ejecutó y qué la detuvo.

Cada instrucción del nivel superior (de cada archivo o celda, en orden, en un mismo espacio de nombres)
se ejecuta por separado: un error se anota y se sigue con la siguiente, como quien ejecuta las celdas a
mano. Cada error lleva su pila en el código del estudiante (archivo, línea y función, de fuera hacia
dentro): el informe dice qué instrucción detuvo qué función. Las líneas del estudiante que se ejecutan
se anotan (`Cobertura`, con `sys.settrace` solo en sus archivos) y se envían al terminar cada instrucción.
"""

import ast
import contextlib
import re
import sys
import traceback


class Cobertura:
    """Las líneas ejecutadas de los archivos del estudiante: `{archivo: {línea, …}}`."""

    def __init__(self, archivos):
        self.archivos = archivos
        self.nuevas = {}
        self._vistas = set()

    def _local(self, marco, evento, argumento):
        if evento == "line":
            clave = (marco.f_code.co_filename, marco.f_lineno)
            if clave not in self._vistas:
                self._vistas.add(clave)
                self.nuevas.setdefault(clave[0], []).append(clave[1])
        return self._local

    def _global(self, marco, evento, argumento):
        return self._local if marco.f_code.co_filename in self.archivos else None

    def activar(self):
        sys.settrace(self._global)

    def desactivar(self):
        sys.settrace(None)

    def tomar(self):
        nuevas, self.nuevas = self.nuevas, {}
        return nuevas


@contextlib.contextmanager
def sin_cobertura():
    """Sin la función de traza mientras trabaja una biblioteca (importar TensorFlow, `fit`, construir
    ResNet50): con ella, cada llamada de Python de la biblioteca pasa por `Cobertura._global`, y la
    ejecución de la entrega tarda el doble. Las líneas del estudiante se siguen anotando al volver."""
    anterior = sys.gettrace()
    if anterior is None:
        yield
        return
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(anterior)


def pila_del_estudiante(marcos, archivos):
    """`[[archivo, línea, función], …]` de los marcos del estudiante (de fuera hacia dentro)."""
    return [[m.filename, m.lineno, m.name] for m in marcos if m.filename in archivos]


class Ejecutor:
    """Ejecuta el código del estudiante y envía `instruccion`, `error`, `cobertura` y `aviso` al canal."""

    def __init__(self, canal, espacio):
        self.canal = canal
        self.espacio = espacio
        self.archivos = set()
        self.cobertura = Cobertura(self.archivos)
        self.lugar = "inicio"
        self.errores_vistos = set()
        self.pendientes = []  # (lugar, código, nombre): instrucciones de cuadernos con un NameError

    def error(self, error, contexto=None, mensaje=None):
        """Anota un error con su pila en el código del estudiante (cada lugar y mensaje, una vez)."""
        pila = pila_del_estudiante(traceback.extract_tb(error.__traceback__), self.archivos)
        if isinstance(error, SyntaxError) and error.filename in self.archivos:
            pila.append([error.filename, error.lineno or 0, "<módulo>"])
        lugar = f"{pila[-1][0]}, línea {pila[-1][1]}" if pila else (contexto or self.lugar)
        mensaje = (mensaje or _sin_envoltorios(str(error)))[:500]
        if "GPU" in mensaje and "device" in mensaje.lower():  # el «GPU device not found» de la plantilla de Colab
            mensaje += " (la calificación se hace sin GPU: el resto se ejecuta en la CPU)"
        clave = (lugar, type(error).__name__, mensaje)
        if clave in self.errores_vistos:
            return
        self.errores_vistos.add(clave)
        self.canal.enviar(
            tipo="error",
            clase=type(error).__name__,
            mensaje=mensaje,
            lugar=lugar,
            pila=pila,
            instruccion=self.lugar,
        )

    def ejecutar(self, nombre, codigo, desplazamiento=0):
        """Ejecuta `codigo` (un archivo, una celda o el cuerpo de una celda `%%time`) instrucción a instrucción."""
        self.archivos.add(nombre)
        try:
            arbol = ast.parse(codigo, filename=nombre)
        except SyntaxError as error:
            if desplazamiento and error.lineno:
                error.lineno += desplazamiento
            self.error(error)
            return
        ast.increment_lineno(arbol, desplazamiento)
        anterior = self.lugar
        for instruccion in arbol.body:
            lugar = f"{nombre}, línea {instruccion.lineno}"
            codigo_instruccion = compile(ast.Module(body=[instruccion], type_ignores=[]), nombre, "exec")
            error = self._instruccion(lugar, codigo_instruccion)
            if isinstance(error, NameError) and "[celda " in nombre and getattr(error, "name", None):
                self.pendientes.append((lugar, codigo_instruccion, error.name))
        self.lugar = anterior

    def _instruccion(self, lugar, codigo):
        """Ejecuta una instrucción del nivel superior con la cobertura activa; devuelve su error (ya anotado)."""
        self.lugar = lugar
        self.canal.enviar(tipo="instruccion", lugar=lugar)
        self.cobertura.activar()
        try:
            exec(codigo, self.espacio)
        except SystemExit as salida:  # sys.exit(0) al final no es un error; argparse o sys.exit(2), sí
            if salida.code not in (None, 0):
                self.error(salida, mensaje=f"la entrega terminó con sys.exit({salida.code!r}); se sigue")
        except BaseException as error:  # noqa: BLE001 (un error del estudiante es un dato)
            self.error(error)
            return error
        finally:
            self.cobertura.desactivar()
            self.enviar_cobertura()
        return None

    def reintentar(self):
        """Las instrucciones de un cuaderno que fallaron con un `NameError` de algo que una celda posterior
        define (celdas guardadas en otro orden que el de ejecución), otra vez y en su orden: lo que haría el
        profesor al ver el error."""
        pendientes, self.pendientes = self.pendientes, []
        for lugar, codigo, nombre in pendientes:
            if nombre in self.espacio:
                self.canal.enviar(
                    tipo="aviso", texto=f"{lugar}: se ejecutó otra vez al final, cuando ya estaba definido {nombre}"
                )
                self._instruccion(lugar, codigo)

    def enviar_cobertura(self):
        nuevas = self.cobertura.tomar()
        if nuevas:
            self.canal.enviar(tipo="cobertura", lineas=nuevas)

    def llamar(self, funcion, argumentos, lugar):
        """Llama a una función del estudiante con la cobertura activa; lanza lo que lance."""
        anterior, self.lugar = self.lugar, lugar
        self.cobertura.activar()
        try:
            return funcion(*argumentos)
        finally:
            self.cobertura.desactivar()
            self.enviar_cobertura()
            self.lugar = anterior


def _sin_envoltorios(texto):
    """Sin los nombres de las funciones del arnés (`instalar.<locals>.fit()` es `fit()` para el estudiante)."""
    return re.sub(r"\b\w+\.<locals>\.", "", texto)
