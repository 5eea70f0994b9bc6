"""Carga de una entrega (`.py` o `.ipynb`) y su ejecución en un proceso aparte.

El código del estudiante se ejecuta una sola vez por entrega, en un proceso hijo (`ejecutor.py`) con
límite de tiempo y de salida por pantalla. El hijo carga la entrega, llama a sus funciones a través
de las *tareas* de la suite y devuelve en JSON lo que construyen (descripciones de modelos, números).
Las referencias y los valores esperados se calculan en este proceso, al que el código del estudiante
no llega. Si el hijo se cuelga o muere en una tarea, se anota el motivo y se arranca otro para las
tareas que faltan: un fallo no impide calificar el resto.

Límite conocido: el aislamiento es el de un proceso aparte, no el de un contenedor. Una entrega escrita
a propósito para engañar podría falsear sus propios resultados; para eso, califique en un contenedor.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from utilidades.calificacion import ejecutor

EXTENSIONES = (".py", ".ipynb")
MODOS = ("definiciones", "todo")
TIEMPO_LIMITE = 120.0  # segundos para cargar la entrega y para cada tarea
LIMITE_SALIDA = 1_000_000  # bytes que la entrega puede escribir por pantalla
TIEMPO_PREPARACION = 120.0  # arranque del proceso hijo (importar las tareas), no cuenta para la entrega
_FASES_CARGA = ("preparando", "cargando", "cargada")
_RAIZ = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ErrorEntrega(Exception):
    """Problema de la entrega (no se puede leer, no compila, falló una tarea) con un mensaje para el estudiante."""


@dataclass
class CodigoEntrega:
    """El código de una entrega, en fragmentos (`nombre`, `codigo`) que se ejecutan en orden."""

    ruta: str
    fragmentos: list
    avisos: list = field(default_factory=list)

    @property
    def texto(self):
        return "\n".join(fragmento["codigo"] for fragmento in self.fragmentos)


@dataclass
class ResultadoEntrega:
    """Lo que devolvió la ejecución de una entrega: un valor o un error por tarea."""

    ruta: str
    error: str = None  # la entrega entera falló (no se pudo leer, compilar o cargar)
    tareas: dict = field(default_factory=dict)  # nombre -> {"ok", "valor" | "error"}
    avisos: list = field(default_factory=list)
    salida: str = ""  # lo que escribió por pantalla (recortado)
    texto: str = ""  # su código fuente, para dar pistas (p. ej. `traineable`)
    segundos: float = 0.0

    def valor(self, nombre):
        """El valor de la tarea `nombre`; `ErrorEntrega` con el motivo si no lo hay."""
        resultado = self.tareas.get(nombre)
        if resultado is None:
            raise ErrorEntrega(self.error or f"La tarea «{nombre}» no se ejecutó.")
        if not resultado["ok"]:
            raise ErrorEntrega(resultado["error"])
        return resultado["valor"]


def leer_entrega(ruta, modo="definiciones"):
    """Lee la entrega y comprueba su sintaxis sin ejecutarla. Lanza `ErrorEntrega` con un mensaje claro.

    De un cuaderno se toman solo las celdas de código; las líneas `!orden` y `%magia` se omiten (y las
    celdas `%%...` enteras), conservando la numeración de líneas de cada celda.
    """
    if modo not in MODOS:
        raise ValueError(f"'modo' debe ser uno de {MODOS} y es {modo!r}.")
    ruta = os.fspath(ruta)
    nombre = os.path.basename(ruta)
    extension = os.path.splitext(ruta)[1].lower()
    if extension not in EXTENSIONES:
        raise ErrorEntrega(f"La entrega {nombre} debe ser un archivo .py o un cuaderno .ipynb.")
    try:
        with open(ruta, encoding="utf-8-sig") as f:
            texto = f.read()
    except FileNotFoundError:
        raise ErrorEntrega(f"No se encuentra la entrega {ruta}: compruebe la ruta.") from None
    except UnicodeDecodeError:
        raise ErrorEntrega(f"La entrega {nombre} no está en UTF-8: guárdela de nuevo con codificación UTF-8.") from None
    except OSError as error:
        raise ErrorEntrega(f"No se puede leer la entrega {ruta}: {error.strerror}.") from None

    if extension == ".py":
        codigo = CodigoEntrega(ruta, [{"nombre": nombre, "codigo": texto}])
    else:
        codigo = _leer_cuaderno(ruta, nombre, texto)
    omitidas = 0
    for fragmento in codigo.fragmentos:
        try:
            omitidas += ejecutor.preparar_codigo(fragmento["codigo"], fragmento["nombre"], modo)[1]
        except SyntaxError as error:
            raise ErrorEntrega(
                f"Error de sintaxis en {fragmento['nombre']}, línea {error.lineno}: {error.msg}. "
                "Corríjalo: la entrega no se puede ejecutar."
            ) from None
    if omitidas:
        codigo.avisos.append(
            f"Se omitieron {omitidas} instrucciones de nivel superior (entrenamientos, gráficas, llamadas): "
            "la calificación solo usa las importaciones, funciones, clases y constantes."
        )
    return codigo


def _leer_cuaderno(ruta, nombre, texto):
    try:
        cuaderno = json.loads(texto)
    except json.JSONDecodeError as error:
        raise ErrorEntrega(
            f"El cuaderno {nombre} no es un JSON válido (línea {error.lineno}, columna {error.colno}): "
            "ábralo en Jupyter y guárdelo de nuevo."
        ) from None
    celdas = cuaderno.get("cells") if isinstance(cuaderno, dict) else None
    if not isinstance(celdas, list):
        raise ErrorEntrega(f"{nombre} no parece un cuaderno de Jupyter (formato 4): no tiene la lista 'cells'.")
    fragmentos, avisos = [], []
    for numero, celda in enumerate(celdas, start=1):
        if not isinstance(celda, dict) or celda.get("cell_type") != "code":
            continue
        fuente = celda.get("source", "")
        fuente = "".join(fuente) if isinstance(fuente, list) else str(fuente)
        if fuente.lstrip().startswith("%%"):
            avisos.append(f"Se omitió la celda {numero}: empieza con una magia de celda ({fuente.split()[0]}).")
            continue
        fuente, magias = _quitar_magias(fuente)
        if magias:
            avisos.append(f"Se omitieron {magias} líneas de orden o magia (! o %) en la celda {numero}.")
        fragmentos.append({"nombre": f"{nombre} [celda {numero}]", "codigo": fuente})
    return CodigoEntrega(ruta, fragmentos, avisos)


def _quitar_magias(codigo):
    """Cambia cada línea `!orden` o `%magia` por un `pass` con la misma sangría (no mueve las líneas)."""
    lineas, magias = [], 0
    for linea in codigo.split("\n"):
        limpia = linea.lstrip()
        if limpia.startswith(("!", "%")):
            lineas.append(linea[: len(linea) - len(limpia)] + "pass")
            magias += 1
        else:
            lineas.append(linea)
    return "\n".join(lineas), magias


def nombres_de_tareas(ruta_tareas):
    """Los nombres de `TAREAS` de un módulo de tareas (código de la suite, no del estudiante)."""
    return list(ejecutor._importar_tareas(os.fspath(ruta_tareas)))


def ejecutar_entrega(ruta, tareas, tiempo_limite=TIEMPO_LIMITE, limite_salida=LIMITE_SALIDA, modo="definiciones"):
    """Ejecuta las `tareas` (ruta de un módulo con `TAREAS`) sobre la entrega en un proceso aparte.

    `tiempo_limite` (segundos) vale para cargar la entrega y para cada tarea; `limite_salida` (bytes)
    para lo que escribe por pantalla. Nunca lanza por culpa de la entrega: los fallos quedan en el
    `ResultadoEntrega` devuelto, con un mensaje para el estudiante.
    """
    inicio = time.monotonic()
    pendientes = nombres_de_tareas(tareas)
    try:
        codigo = leer_entrega(ruta, modo)
    except ErrorEntrega as error:
        return ResultadoEntrega(os.fspath(ruta), error=str(error), segundos=time.monotonic() - inicio)

    resultado = ResultadoEntrega(codigo.ruta, avisos=list(codigo.avisos), texto=codigo.texto)
    salidas = []
    while pendientes:
        corrida = _correr_hijo(codigo, tareas, pendientes, tiempo_limite, limite_salida, modo)
        salidas.append(corrida["salida"])
        resultado.tareas.update(corrida["tareas"])
        if corrida["error_carga"]:
            resultado.error = corrida["error_carga"]
            break
        if corrida["interrumpida"]:  # se colgó o murió en una tarea: se anota y se sigue con las demás
            resultado.tareas[corrida["interrumpida"]] = {"ok": False, "error": corrida["motivo"]}
        restantes = [nombre for nombre in pendientes if nombre not in resultado.tareas]
        if len(restantes) == len(pendientes):
            break
        pendientes = restantes
    resultado.salida = "\n".join(s for s in salidas if s)
    resultado.segundos = round(time.monotonic() - inicio, 3)
    return resultado


def _correr_hijo(codigo, tareas, pendientes, tiempo_limite, limite_salida, modo):
    """Un proceso hijo para las tareas `pendientes`; devuelve lo que terminó y, si no acabó, por qué."""
    with tempfile.TemporaryDirectory(prefix="entrega-") as carpeta:
        ruta_trabajo = os.path.join(carpeta, "trabajo.json")
        ruta_eventos = os.path.join(carpeta, "eventos.jsonl")
        ruta_salida = os.path.join(carpeta, "salida.txt")
        with open(ruta_trabajo, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "entrega": os.path.abspath(codigo.ruta),
                    "fragmentos": codigo.fragmentos,
                    "modo": modo,
                    "tareas": os.path.abspath(os.fspath(tareas)),
                    "pendientes": pendientes,
                    "resultados": ruta_eventos,
                    "rutas_python": [_RAIZ],
                },
                f,
            )
        open(ruta_eventos, "w").close()
        entorno = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        with open(ruta_salida, "wb") as salida:
            proceso = subprocess.Popen(
                [sys.executable, "-u", ejecutor.__file__, ruta_trabajo],
                cwd=carpeta,
                env=entorno,
                stdin=subprocess.DEVNULL,
                stdout=salida,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # para terminar también los procesos que lance la entrega
            )
            vigilancia = _vigilar(proceso, ruta_eventos, ruta_salida, tiempo_limite, limite_salida)
        vigilancia["salida"] = _leer_salida(ruta_salida)
        return vigilancia


def _vigilar(proceso, ruta_eventos, ruta_salida, tiempo_limite, limite_salida):
    eventos, pendiente, posicion = [], b"", 0
    fase, desde = "preparando", time.monotonic()
    motivo = None
    while True:
        terminado = proceso.poll() is not None
        with open(ruta_eventos, "rb") as f:
            f.seek(posicion)
            nuevo = f.read()
        posicion += len(nuevo)
        *lineas, pendiente = (pendiente + nuevo).split(b"\n")
        for linea in lineas:
            try:
                evento = json.loads(linea)
                fase = {"cargando": "cargando", "cargada": "cargada", "tarea": evento.get("nombre"), "fin": "fin"}.get(
                    evento["evento"], fase
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            eventos.append(evento)
            desde = time.monotonic()
        if terminado or fase == "fin":
            break
        limite = TIEMPO_PREPARACION if fase == "preparando" else tiempo_limite
        if time.monotonic() - desde > limite:
            motivo = "tiempo"
        elif os.path.getsize(ruta_salida) > limite_salida:
            motivo = "salida"
        if motivo:
            _terminar(proceso)
            break
        time.sleep(0.05)
    try:
        proceso.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _terminar(proceso)

    tareas = {e["nombre"]: {k: e[k] for k in ("ok", "valor", "error") if k in e}
              for e in eventos if e["evento"] == "resultado"}
    errores_carga = [e["mensaje"] for e in eventos if e["evento"] == "error_carga"]
    vigilancia = {"tareas": tareas, "error_carga": None, "interrumpida": None, "motivo": None}
    if errores_carga:
        vigilancia["error_carga"] = f"La entrega falló al cargarse: {errores_carga[0]}"
    elif fase == "fin" or fase in tareas:  # terminó, o murió entre dos tareas: se reintentan las que faltan
        pass
    elif fase in _FASES_CARGA:
        vigilancia["error_carga"] = _explicar(motivo, fase, tiempo_limite, limite_salida, proceso.returncode, ruta_salida)
    else:
        vigilancia["interrumpida"] = fase
        vigilancia["motivo"] = _explicar(motivo, fase, tiempo_limite, limite_salida, proceso.returncode, ruta_salida)
    return vigilancia


def _explicar(motivo, fase, tiempo_limite, limite_salida, codigo, ruta_salida):
    if fase == "preparando":
        cola = _leer_salida(ruta_salida, maximo=800)
        return f"Error interno de la calificación al preparar el proceso de la entrega (código {codigo}): {cola}"
    durante = {"cargando": "al cargarse", "cargada": "nada más cargarse"}.get(fase, f"en la comprobación «{fase}»")
    if motivo == "tiempo":
        pista = " (¿un bucle infinito o un entrenamiento en el nivel superior?)" if fase == "cargando" else (
            " (¿un bucle infinito?)")
        return f"La entrega no terminó en {_segundos(tiempo_limite)} {durante}{pista} y se detuvo."
    if motivo == "salida":
        return (
            f"La entrega escribió más de {_tamano(limite_salida)} por pantalla {durante} y se detuvo: "
            "quite los print dentro de bucles."
        )
    if codigo is not None and codigo < 0:
        try:
            nombre = signal.Signals(-codigo).name
        except ValueError:
            nombre = str(-codigo)
        causa = f"señal {nombre}" + (", ¿memoria agotada?" if -codigo == signal.SIGKILL else "")
    else:
        causa = f"código {codigo}"
    return f"La entrega terminó de forma inesperada {durante} ({causa})."


def _segundos(valor):
    return f"{valor:g} s"


def _tamano(octetos):
    return f"{octetos / 1e6:g} MB" if octetos >= 1e6 else f"{octetos / 1e3:g} kB"


def _terminar(proceso):
    try:
        os.killpg(proceso.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proceso.kill()
    proceso.wait()


def _leer_salida(ruta, maximo=4000):
    """Lo que la entrega escribió por pantalla: el principio y el final si es largo."""
    tamano = os.path.getsize(ruta)
    with open(ruta, "rb") as f:
        if tamano <= maximo:
            return f.read().decode("utf-8", "replace").strip()
        principio = f.read(maximo // 4).decode("utf-8", "replace")
        f.seek(tamano - 3 * maximo // 4)
        final = f.read().decode("utf-8", "replace")
    return f"{principio}\n[… {_tamano(tamano - maximo)} omitidos …]\n{final}".strip()
