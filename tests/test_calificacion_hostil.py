"""Entregas hostiles en una clase con dos entregas correctas de control, cuyas notas deben quedar exactas.

Cada hostil intenta algo contra la clase o la calificación (matar al padre, borrar, inundar, falsificar,
leer o importar a un compañero, usar las soluciones del paquete, agotar la memoria, colgarse); la clase
siempre termina y cada ataque es la fila de su autor."""

import json
import os
import time

import pytest

from calificacion.__main__ import main
from calificacion.aislamiento import bwrap_disponible
from tests import entregas_p3
from utilidades.resultados import leer_csv

pytestmark = [
    pytest.mark.lento,  # una clase entera en bubblewrap
    pytest.mark.skipif(
        bwrap_disponible() is not None, reason=f"sin aislamiento con bubblewrap aquí: {bwrap_disponible()}"
    ),
]

MARCA = "MARCA-SECRETA-DEL-CONTROL"
LIMITE_TIEMPO = 20

BASENET_COMPILADA = """import keras
from keras import layers
model = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(6, 5, activation='relu'), layers.MaxPooling2D(2),
    layers.Conv2D(16, 5, activation='relu'), layers.MaxPooling2D(2), layers.Flatten(),
    layers.Dense(50, activation='relu'), layers.Dense(25, activation='softmax')])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
"""


def _config_basenet():
    import modelos

    return modelos.getBaseNet().to_json()


def _config_enorme():
    from keras import Input, Sequential, layers

    texto = Sequential([Input((10_000,)), layers.Dense(5)]).to_json()
    return texto.replace('"units": 5,', '"units": 200000,')  # 10.000 × 200.000 pesos: 8 GB


FORJADOR = """import hashlib, sys
enviar = next(getattr(b, n) for b in sys.meta_path for n in dir(b) if 'enviar' in n)
texto = CONFIG
suma = hashlib.sha256(texto.encode()).hexdigest()
enviar(tipo='config', suma=suma, texto=texto)
pila = [['forjador.py', 2, '<module>']]
compilacion = {'perdida': 'categorical_crossentropy', 'metricas': ['accuracy'], 'optimizador': 'Adam', 'tasa': 0.001}
normalizado = {'forma': [450, 32, 32, 3], 'filas': 450, 'media': 0.0, 'desviacion': 1.0}
test = {'forma': [100, 32, 32, 3], 'filas': 100, 'media': 1.17, 'desviacion': 0.9}
for origen, extra in [('compile', {}), ('fit', {'datos': {'x': normalizado, 'validacion': True, 'validation_split': 0.0}}),
                      ('evaluate', {'datos': {'x': test}})]:
    enviar(tipo='modelo', origen=origen, modelo=0, config=suma, lugar='forjador.py, línea 2', pila=pila,
           compilacion=compilacion, estado='ok', **extra)
"""


# un hijo (sin el gancho de auditoría del arnés) lee la memoria del arnés y busca la clave del canal
LECTOR_DE_MEMORIA = r"""import os, subprocess, sys
HIJO = '''import re, sys
pid = sys.argv[1]
try:
    memoria, claves = open('/proc/%s/mem' % pid, 'rb'), set()
    for linea in open('/proc/%s/maps' % pid).read().splitlines():
        (a, b), permisos = [int(x, 16) for x in linea.split()[0].split('-')], linea.split()[1]
        if 'r' in permisos and b - a < 2**26:
            try:
                memoria.seek(a)
                claves.update(re.findall(rb'[0-9a-f]{64}', memoria.read(b - a)))
            except OSError:
                pass
    print('CLAVES LEIDAS', len(claves))
except OSError as e:
    print('SIN ACCESO A LA MEMORIA', type(e).__name__)
'''
print(subprocess.run([sys.executable, '-c', HIJO, str(os.getpid())], capture_output=True, text=True).stdout)
"""


def hostiles(clase, salida):
    """{nombre del archivo: código}; conocen las rutas de la clase y de la salida, como un atacante que las adivina."""
    control = str(clase / "control_a.py")
    return {
        "mata_padre.py": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\n",
        "borra.py": (
            "import os, shutil\n"
            f"for ruta in [os.getcwd(), '..', '/trabajo', {str(clase)!r}, {str(salida)!r}]:\n"
            "    shutil.rmtree(ruta, ignore_errors=True)\n"
            f"try:\n    os.remove({control!r})\nexcept OSError as e:\n    print('no se pudo borrar:', e)\n"
        ),
        "procesos.py": (
            "import os, time\nfor _ in range(200):\n    if os.fork() == 0:\n        time.sleep(600)\n        os._exit(0)\n"
        ),
        "reescribe.py": (
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(4)\n"
            f"    for ruta in [{str(salida / 'calificaciones.csv')!r}, 'calificaciones.csv']:\n"
            "        try:\n            open(ruta, 'w').write('estudiante,nota\\nreescribe,10\\n')\n"
            "        except OSError:\n            pass\n    os._exit(0)\n"
        ),
        "falsifica.py": (
            "import json, os, hashlib\n"
            "trabajo = json.load(open('/config/trabajo.json'))\n"
            "canal = trabajo['canal']\n"
            f"texto = {_config_basenet()!r}  # la configuración de una BaseNet, hecha fuera: sin construir nada\n"
            "suma = hashlib.sha256(texto.encode()).hexdigest()\n"
            "os.makedirs(os.path.join(canal, 'modelos'), exist_ok=True)\n"
            "open(os.path.join(canal, 'modelos', suma + '.json'), 'w').write(texto)\n"
            "evento = json.dumps({'tipo': 'modelo', 'origen': 'fit', 'modelo': 99, 'config': suma, 'compilacion': "
            "{'perdida': 'categorical_crossentropy', 'metricas': ['accuracy'], 'optimizador': 'Adam'}})\n"
            "with open(os.path.join(canal, 'eventos.jsonl'), 'a') as f:\n"
            "    f.write(json.dumps({'evento': evento, 'firma': '0' * 64}) + '\\n')\n"
            "    f.write(json.dumps({'nota': 10, 'score': 10}) + '\\n')\n"
            f"for ruta in ['results.json', {str(salida / 'falsifica' / 'results.json')!r}]:\n"
            "    try:\n        open(ruta, 'w').write(json.dumps({'score': 10}))\n    except OSError:\n        pass\n"
        ),
        # firma con la clave del arnés (la encuentra en su memoria) eventos que no son lo que el arnés escribe
        "canal_roto.py": (
            "import gc, json\n"
            "canal = next(o for o in gc.get_objects() if type(o).__name__ == 'Canal')\n"
            "canal.enviar(tipo='modelo', origen='fit')\n"
            "canal.enviar(tipo='modelo', origen='fit', modelo=[1], config=['no', 'hashable'])\n"
            "canal.enviar(tipo='modelo', origen='fit', modelo={'a': 1}, config='../../../etc/passwd')\n"
            "canal.enviar(tipo=['x'])\n"
            "texto = json.dumps([1, 2])\n"
            "canal._archivo.write(json.dumps({'evento': texto, 'firma': canal._firmar(texto)}) + '\\n')\n"
        ),
        # escribe (por pantalla y en un error) una nota falsa y HTML para que aparezcan en los informes
        "inyecta.py": (
            "print('```\\n\\n**Nota: 10 / 10**\\n\\n````\\n<h1>10</h1>')\n"
            "raise RuntimeError('x\\n\\n**Nota: 10 / 10**\\n\\n| inyecta | 10 |\\n<h1>10</h1>')\n"
        ),
        "soluciones.py": "from modelos import getBaseNet\nmodel = getBaseNet()\nmodel.compile(loss='categorical_crossentropy')\n",
        "companero.py": "import control_a\nmodel = control_a.model\n",
        "lee.py": (
            "import glob, os\n"
            f"for ruta in [{control!r}, *glob.glob({str(clase)!r} + '/*.py'), *glob.glob('/trabajo/../*/*.py')]:\n"
            "    try:\n        print('LEIDO:', open(ruta).read()[:300])\n"
            "    except OSError as e:\n        print('sin acceso:', type(e).__name__)\n"
        ),
        "memoria.py": "import numpy as np\nx = np.ones(8 * 1024**3 // 8)\nprint('RESERVADO', x.sum())\n",
        # la configuración que ve el calificador dice 2.000 millones de pesos: al reconstruirla se agotaría su memoria
        "modelo_enorme.py": BASENET_COMPILADA.replace(
            "model = ", "keras.Model.to_json = lambda self, **k: ENORME\nmodel = ", 1
        ).replace("import keras\n", f"import keras\nENORME = {_config_enorme()!r}\n", 1),
        # llena /tmp (un tmpfs: memoria que no cuenta como suya) y después el disco, archivo a archivo
        "disco.py": (
            "try:\n    for k in range(4):\n        with open(f'/tmp/grande_{k}', 'wb') as f:\n"
            "            for _ in range(20):\n                f.write(b'0' * 16 * 1024**2)\n"
            "except OSError as e:\n    print('SIN ESPACIO EN /tmp', e.errno)\n"
            "i = 0\nwhile True:\n    with open(f'relleno_{i}', 'wb') as f:\n        f.write(b'0' * 64 * 1024**2)\n"
            "    i += 1\n"
        ),
        "imprime.py": "import sys\nwhile True:\n    sys.stdout.write('x' * 10000 + '\\n')\n",
        "bucle.py": "import time\nwhile True:\n    time.sleep(0.5)\n",  # colgada sin gastar CPU
        # colgada en la función que llama la calificación; sin gastar CPU: un proceso que gira lo prueba test_aislamiento
        "bucle_funcion.py": BASENET_COMPILADA
        + "\nimport time\ndef getBaseNet():\n    while True:\n        time.sleep(0.5)\n",
        "cuaderno_roto.ipynb": '{"cells": [{"cell_type": "code", "source": ["import os"',
        "vacia.py": "",
        "latin1.py": (
            "# -*- coding: latin-1 -*-\n# Práctica 3: año 2019, diseño de la red\n" + BASENET_COMPILADA
        ).encode("latin-1"),
        # sin nada de Keras: encuentra la función que envía los eventos del arnés (en sys.meta_path) y envía, firmados,
        # un BaseNet construido fuera, su compilación, un entrenamiento normalizado con validación y el test normalizado
        "forjador.py": FORJADOR.replace("CONFIG", repr(_config_basenet())),
        # memoria que no es de ningún proceso: /dev/shm, después un memfd de 6 GB
        "memfd.py": (
            "import os\ntry:\n    for k in range(24):\n        with open(f'/dev/shm/relleno_{k}', 'wb') as f:\n"
            "            for _ in range(16):\n                f.write(b'1' * 16 * 1024**2)\n"
            "except OSError as e:\n    print('SIN ESPACIO EN /dev/shm', e.errno)\n"
            "def llenar():  # memfd de 256 MB (menos que el tamaño máximo de un archivo), hasta 6 GB\n"
            "    for k in range(24):\n        fd = os.memfd_create(f'relleno_{k}')\n        for _ in range(16):\n"
            "            os.write(fd, b'1' * 16 * 1024**2)\n    print('MEMFD ESCRITO')\nllenar()\n"
        ),
        # disco que no tiene nombre: un archivo borrado pero abierto, que sigue creciendo
        "borrado.py": (
            "import os\ndef llenar():  # archivos de 200 MB (menos que el tamaño máximo de un archivo) sin nombre\n"
            "    abiertos = []\n    for k in range(6):\n        f = open(f'oculto_{k}', 'wb')\n"
            "        os.unlink(f'oculto_{k}')\n        abiertos.append(f)\n        for _ in range(25):\n"
            "            f.write(b'1' * 8 * 1024**2)\n            f.flush()\n    print('BORRADO ESCRITO')\n"
            "    import time\n    time.sleep(5)\nllenar()\n"
        ),
        # se bifurca hasta el límite y se queda: sus compañeros que arrancan a la vez se califican igual
        "bifurca.py": (
            "import os, time\nhijos = 0\nwhile hijos < 5000:\n    try:\n        if os.fork() == 0:\n"
            "            time.sleep(30)\n            os._exit(0)\n        hijos += 1\n    except OSError:\n"
            "        break\nprint('HIJOS', hijos)\ntime.sleep(12)\n"
        ),
        "memoria_arnes.py": LECTOR_DE_MEMORIA,
        # un nombre que una hoja de cálculo tomaría por fórmula
        '=HYPERLINK("ejemplo.invalid?n=10";"10").py': BASENET_COMPILADA,
    }


@pytest.fixture(scope="module")
def clase_hostil(tmp_path_factory):
    clase, salida = tmp_path_factory.mktemp("clase_hostil"), tmp_path_factory.mktemp("salida_hostil")
    (clase / "control_a.py").write_text(f"# {MARCA}\n" + entregas_p3.CIFAR, encoding="utf-8")
    (clase / "control_b.py").write_text(entregas_p3.con_error("sin_activacion"), encoding="utf-8")
    with open(clase / "enorme.py", "wb") as f:  # 200 MB de «código» (disperso: no ocupa disco)
        f.truncate(200 * 1024**2)
    for nombre, codigo in hostiles(clase, salida).items():
        if isinstance(codigo, bytes):
            (clase / nombre).write_bytes(codigo)
        else:
            (clase / nombre).write_text(codigo, encoding="utf-8")
    inicio = time.monotonic()
    # Como lo lanza un profesor: `python -m calificacion clase_hostil0 ...` desde la carpeta que
    # contiene la clase (que así queda en su directorio actual y en la primera entrada de su sys.path).
    with pytest.MonkeyPatch.context() as parche:
        parche.chdir(clase.parent)
        parche.syspath_prepend(str(clase.parent))
        codigo = main(
            [
                clase.name,
                "--salida",
                str(salida),
                "--tiempo-limite",
                str(LIMITE_TIEMPO),
                "--memoria",
                "3",
                "--disco",
                "0.5",
                "--limite-salida",
                "1000000",
                "--procesos",
                "3",
            ]
        )
    segundos = time.monotonic() - inicio
    csv = (salida / "calificaciones.csv").read_bytes()
    return clase, salida, codigo, segundos, csv, {f["estudiante"]: f for f in leer_csv(salida / "calificaciones.csv")}


def _informe(salida, estudiante):
    return (salida / estudiante / "informe.md").read_text(encoding="utf-8")


def test_la_clase_termina_y_los_controles_quedan_exactos(clase_hostil):
    clase, _, codigo, _, _, filas = clase_hostil
    assert codigo == 0 and len(filas) == 28
    assert filas["control_a"]["nota"] == 7
    assert filas["control_b"]["nota"] == pytest.approx(6.57)
    assert (clase / "control_a.py").read_text(encoding="utf-8").startswith(f"# {MARCA}")  # nadie la borró


@pytest.mark.parametrize(
    "estudiante, nota",
    [
        ("mata_padre", 0),
        ("borra", 0),
        ("procesos", 0),
        ("reescribe", 0),
        ("falsifica", 0),
        ("soluciones", 0),
        ("companero", 0),
        ("lee", 0),
        ("memoria", 0),
        ("modelo_enorme", 0),
        ("canal_roto", 0),
        ("inyecta", 0),
        ("disco", 0),
        ("enorme", 0),
        ("imprime", 0),
        ("bucle", 0),
        ("cuaderno_roto", 0),
        ("vacia", 0),
        ("bucle_funcion", 3.5),  # lo observado antes de colgarse (BaseNet compilada) cuenta
        ("latin1", 3.5),
        ("forjador", 0),
        ("memfd", 0),
        ("borrado", 0),
        ("bifurca", 0),
        ("memoria_arnes", 0),
        ('=HYPERLINK("ejemplo.invalid?n=10";"10")', 3.5),
    ],
)
def test_cada_ataque_es_la_fila_de_su_autor(clase_hostil, estudiante, nota):
    filas = {f.lstrip("'"): fila for f, fila in clase_hostil[5].items()}
    assert filas[estudiante]["nota"] == nota


def test_motivos_claros(clase_hostil):
    _, salida, _, _, _, filas = clase_hostil
    assert "usa las soluciones del paquete" in _informe(salida, "soluciones")
    assert f"no terminó en {LIMITE_TIEMPO} s" in filas["bucle"]["error"]
    assert f"no terminó en {LIMITE_TIEMPO} s" in filas["bucle_funcion"]["error"]
    assert "la llamada a getBaseNet" in filas["bucle_funcion"]["error"]
    assert "escribió más de 1 MB por pantalla" in filas["imprime"]["error"]
    assert "MemoryError" in _informe(salida, "memoria") and "RESERVADO" not in _informe(salida, "memoria")
    assert "No module named 'control_a'" in _informe(salida, "companero")
    assert "no es un JSON válido" in _informe(salida, "cuaderno_roto")
    assert "no tiene código que ejecutar" in filas["vacia"]["error"]
    # leer la configuración del arnés o recorrer sus objetos: se impide, se anota y la entrega se revisa a mano
    assert (
        "intentó tocar el arnés" in filas["falsifica"]["revisar"]
        and "/config/trabajo.json" in filas["falsifica"]["revisar"]
    )
    assert (
        "intentó tocar el arnés" in filas["canal_roto"]["revisar"]
        and "gc.get_objects" in filas["canal_roto"]["revisar"]
    )
    # el modelo de 2.000 millones de pesos se describe (sin reservarlos): no es ningún modelo de la práctica
    assert filas["modelo_enorme"]["error"] == "" and "configuraciones de modelos no se pudieron" not in _informe(
        salida, "modelo_enorme"
    )
    assert "escribió más de 0.5 GB (o más de 100.000 archivos) en disco" in filas["disco"]["error"]
    assert "SIN ESPACIO EN /tmp 28" in _informe(salida, "disco")  # ENOSPC: /tmp tiene el mismo límite
    assert "enorme.py tiene 200 MB de código (.py/.ipynb): más de los 100 MB" in filas["enorme"]["error"]
    assert MARCA not in _informe(salida, "lee") and "sin acceso: FileNotFoundError" in _informe(salida, "lee")


def test_lo_que_no_cabe_en_ningun_proceso_tambien_tiene_limite(clase_hostil):
    """Memoria y disco fuera de los procesos (/dev/shm, memfd, archivos borrados abiertos) y tareas: dentro del
    presupuesto de la entrega, que nada de lo que haga puede pasar ni gastar por otro."""
    _, salida, _, _, _, filas = clase_hostil
    memfd = _informe(salida, "memfd")
    assert "SIN ESPACIO EN /dev/shm 28" in memfd and "MEMFD ESCRITO" not in memfd  # /dev/shm tiene el tope del disco
    assert "memoria" in filas["memfd"]["error"]  # el memfd cuenta como su memoria
    assert "BORRADO ESCRITO" not in _informe(salida, "borrado") and "disco" in filas["borrado"]["error"]
    bifurca = _informe(salida, "bifurca")
    hijos = [int(linea.split()[1]) for linea in bifurca.splitlines() if linea.startswith("HIJOS")]
    assert (hijos and hijos[0] < 600) or "procesos" in filas["bifurca"]["error"]  # nunca más de su presupuesto


def test_el_forjador_sin_keras_no_puntua_y_se_revisa(clase_hostil):
    _, _, _, _, _, filas = clase_hostil
    assert filas["forjador"]["nota"] == 0
    assert "que el código no hace" in filas["forjador"]["revisar"]


def test_un_hijo_de_la_entrega_no_lee_la_memoria_del_arnes(clase_hostil):
    """Sin la clave del canal (en la memoria del arnés) no se puede firmar ninguna observación."""
    informe = _informe(clase_hostil[1], "memoria_arnes")
    assert "SIN ACCESO A LA MEMORIA PermissionError" in informe and "CLAVES LEIDAS" not in informe


def test_un_nombre_con_formula_es_texto_en_el_csv(clase_hostil):
    _, _, _, _, csv, _ = clase_hostil
    texto = csv.decode("utf-8")
    assert "'=HYPERLINK" in texto and "\n=HYPERLINK" not in texto and ",=HYPERLINK" not in texto


def test_lo_que_escribe_la_entrega_no_cambia_la_forma_de_los_informes(clase_hostil):
    """En Markdown renderizado: una sola nota en su informe, ninguna línea añadida al resumen, nada de HTML."""
    from markdown_it import MarkdownIt

    _, salida, _, _, _, _ = clase_hostil
    md = MarkdownIt("commonmark").enable("table")  # las tablas de GitHub, como en los informes
    informe = md.parse(_informe(salida, "inyecta"))
    assert "RuntimeError" in _informe(salida, "inyecta") and "Nota: 10 / 10" in _informe(salida, "inyecta")
    fuera_de_codigo = [t.content for t in informe if t.type == "inline"]
    assert [c for c in fuera_de_codigo if "Nota:" in c and not c.startswith("RuntimeError")] == ["**Nota: 0 / 10**"]
    assert not [t for t in informe if t.type.startswith("html")]  # dentro de un bloque de código, <h1> es texto
    resumen = md.parse((salida / "resumen.md").read_text(encoding="utf-8"))
    assert not [t for t in resumen if t.type.startswith("html")]
    assert sum(t.type == "table_open" for t in resumen) == 1  # solo la de las pruebas
    assert [t.content for t in resumen if t.type == "inline" and "Nota: 10" in t.content][0].startswith(
        "**inyecta**: RuntimeError: x ⏎ **Nota: 10 / 10**"
    )


def test_nada_cambia_despues_ni_queda_ningun_proceso(clase_hostil):
    _, salida, _, _, csv, _ = clase_hostil
    time.sleep(6)  # el proceso de fondo de «reescribe» habría escrito a los 4 s
    assert (salida / "calificaciones.csv").read_bytes() == csv
    assert json.loads((salida / "falsifica" / "results.json").read_text())["score"] == 0
    assert _procesos_de_entregas() == []


def _procesos_de_entregas():
    """Procesos vivos lanzados por una entrega (llevan PRACTICAS_ENTREGA=1 en su entorno)."""
    restos = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if b"PRACTICAS_ENTREGA=1" in f.read().split(b"\0"):
                    restos.append(pid)
        except OSError:
            continue
    return restos


def test_lanzada_desde_la_carpeta_de_la_clase_no_importa_sus_archivos(tmp_path):
    """`python -m calificacion .` dentro de la clase: el `numpy.py` de un estudiante no se ejecuta
    en el calificador (Python pone la carpeta de trabajo al principio de sys.path)."""
    import subprocess
    import sys

    marca = tmp_path / "ejecutado"
    clase = tmp_path / "clase"
    clase.mkdir()
    (clase / "numpy.py").write_text(f"open({str(marca)!r}, 'w').write('x')\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "calificacion", "--help"], cwd=clase, capture_output=True, text=True)
    assert r.returncode == 0 and "uso: calificar" in r.stdout, r.stderr
    assert not marca.exists()


def test_sin_bubblewrap_el_repliegue_tambien_protege_la_clase(tmp_path):
    clase, salida = tmp_path / "clase", tmp_path / "salida"
    clase.mkdir()
    (clase / "control.py").write_text(BASENET_COMPILADA, encoding="utf-8")
    codigos = hostiles(clase, salida)
    for nombre in ("mata_padre.py", "procesos.py"):
        (clase / nombre).write_text(codigos[nombre], encoding="utf-8")
    assert (
        main(
            [
                str(clase),
                "--salida",
                str(salida),
                "--sin-aislamiento",
                "--memoria",
                "3",
                "--tiempo-limite",
                str(LIMITE_TIEMPO),
            ]
        )
        == 0
    )
    filas = {f["estudiante"]: f["nota"] for f in leer_csv(salida / "calificaciones.csv")}
    assert filas == {"control": 3.5, "mata_padre": 0, "procesos": 0}
    assert _procesos_de_entregas() == []  # los 200 hijos de «procesos» también se recogieron
