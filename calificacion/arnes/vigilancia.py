"""El gancho de auditoría (PEP 578) que detecta a la entrega tocando el arnés, y lo impide.

El código del estudiante y el arnés comparten un proceso: desde el código del estudiante se podría
llegar a los objetos del arnés (marcos, el recolector de basura, ctypes, la memoria del proceso o el
descriptor del canal) y enviar observaciones falsas. Ninguna práctica necesita nada de eso, así que
cuando lo hace el propio código de la entrega (no una biblioteca a la que llama) la operación se
impide y se envía una `alerta`: el calificador pone un 0 y marca la entrega para revisarla a mano.

No es la única defensa: lo que se observa se contrasta además con el código de la entrega
(`calificacion.observacion`), de modo que una observación falsificada solo puntúa lo que su código de
verdad contiene.
"""

import os
import re
import sys
import threading

_EVENTOS = {
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "sys._getframe",
    "sys._current_frames",
    "sys.settrace",
    "sys.setprofile",
    "ctypes.dlopen",
    "ctypes.dlsym",
    "ctypes.cdata",
    "ctypes.addressof",
    "ctypes.string_at",
    "ctypes.call_function",
    "object.__getattr__",
    "open",
    "sys.addaudithook",
}
_ATRIBUTOS = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "gi_code"}
_RUTAS = re.compile(r"^/proc/(self|\d+|thread-self)/(mem|fd|environ|maps|task)|^/dev/fd/|^/config/|^/opt/arnes")
_INTERMEDIARIOS = ("inspect.py", "traceback.py")
# Funciones de `traceback` que leen los marcos de una excepción o de la pila y devuelven texto (nunca un
# marco): `traceback.print_exc()` en un `except` es de cualquier práctica, no un acceso al arnés.
_FORMATEAN = {
    "print_exc",
    "format_exc",
    "print_exception",
    "format_exception",
    "format_exception_only",
    "print_tb",
    "format_tb",
    "extract_tb",
    "print_stack",
    "format_stack",
    "extract_stack",
    "print_last",
    "extract",
    "_extract_from_extended_frame_gen",
}


def _intermedio(marco):
    return marco.f_code.co_filename.endswith(_INTERMEDIARIOS)


class AccesoProhibido(RuntimeError):
    """La entrega intentó tocar el arnés o el canal."""


def instalar(archivos_estudiante, descriptor_canal, alertar):
    """Instala el gancho; `alertar(texto)` se llama (una vez por lugar y operación) antes de impedirla."""
    local = threading.local()
    vistas = set()
    envoltorios = os.path.join(os.path.dirname(os.path.abspath(__file__)), "archivos.py")

    def del_estudiante(marco):
        return marco is not None and marco.f_code.co_filename in archivos_estudiante

    def quien(evento):
        """El lugar del estudiante que hace la operación, o None si la hace el arnés o una biblioteca.

        Se salta lo que solo hace de intermediario: `inspect`/`traceback` y los envoltorios de archivos del
        arnés (`archivos.py`, por los que pasa cada `open` de la entrega).
        """
        marco = sys._getframe(2)
        while marco is not None and (_intermedio(marco) or marco.f_code.co_filename == envoltorios):
            if marco.f_code.co_filename.endswith("traceback.py") and marco.f_code.co_name in _FORMATEAN:
                return None  # da texto, no marcos (también dentro de logging.exception o de Keras)
            marco = marco.f_back
        return marco if del_estudiante(marco) else None

    def interesa(evento, argumentos):
        if evento == "object.__getattr__":
            return len(argumentos) > 1 and argumentos[1] in _ATRIBUTOS
        if evento == "open":
            ruta = argumentos[0] if argumentos else None
            if isinstance(ruta, int):
                return ruta == descriptor_canal
            try:
                return bool(_RUTAS.match(os.fsdecode(ruta)))
            except TypeError:
                return False
        return True

    def gancho(evento, argumentos):
        if evento not in _EVENTOS or getattr(local, "dentro", False):
            return
        local.dentro = True
        try:
            if not interesa(evento, argumentos):
                return
            marco = quien(evento)
            if marco is None:
                return
            lugar = f"{marco.f_code.co_filename}, línea {marco.f_lineno}"
            if (evento, lugar) not in vistas:
                vistas.add((evento, lugar))
                alertar(f"{lugar}: {evento} ({_describir(evento, argumentos)})")
        finally:
            local.dentro = False
        raise AccesoProhibido(
            f"la calificación no permite {evento} desde el código de la entrega (acceso al arnés o a su canal)"
        )

    sys.addaudithook(gancho)


def _describir(evento, argumentos):
    if evento == "object.__getattr__":
        return f"atributo {argumentos[1]}"
    if evento == "open":
        return f"abrir {argumentos[0]!r}"
    return "llamada"
