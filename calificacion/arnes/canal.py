"""El canal hacia el calificador: una línea JSON firmada por evento, escrita en una tubería.

El calificador abre la tubería y le da al arnés solo el extremo de escritura (un descriptor heredado):
no hay ninguna carpeta del canal en la que la entrega pueda escribir, y lo que quede en la tubería
cuando el proceso termina es todo lo que hay. Las configuraciones de los modelos viajan en el mismo
canal (un evento `config` por configuración distinta, identificada por su SHA-256).
"""

import hashlib
import hmac
import json
import os
import time


def _a_json(valor):
    if hasattr(valor, "tolist"):
        return valor.tolist()
    return str(valor)


class Canal:
    """`enviar(tipo=..., ...)` escribe un evento; `guardar_config(texto)` envía una configuración una vez."""

    def __init__(self, descriptor, clave):
        self._descriptor = descriptor
        self._firma = hmac.new(clave, digestmod=hashlib.sha256)
        self._inicio = time.monotonic()
        self._enviadas = set()

    def enviar(self, **evento):
        evento["t"] = round(time.monotonic() - self._inicio, 3)
        texto = json.dumps(evento, ensure_ascii=False, default=_a_json, sort_keys=True)
        firma = self._firma.copy()
        firma.update(texto.encode())
        linea = json.dumps({"evento": texto, "firma": firma.hexdigest()}) + "\n"
        datos = linea.encode()
        while datos:
            escritos = os.write(self._descriptor, datos)
            datos = datos[escritos:]

    def guardar_config(self, texto):
        suma = hashlib.sha256(texto.encode()).hexdigest()
        if suma not in self._enviadas:
            self._enviadas.add(suma)
            self.enviar(tipo="config", suma=suma, texto=texto)
        return suma
