"""La estructura del paquete: dependencias en un solo sentido, importaciones perezosas y errores del paquete.

`practicas → utilidades → modelos → datos`: cada paquete importa solo los de su derecha. Lo que no necesita
TensorFlow (los errores de `datos`, `--help`, el escritor de resultados) no lo carga.
"""

import ast
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

import datos
import modelos
import practicas
import utilidades
from datos.errores import ErrorParametro
from modelos.calculadoras import tamano_salida
from practicas.__main__ import main
from practicas.registro import ayudas, ejercicios, practicas_disponibles
from utilidades.resultados import leer_json


def _en_otro_proceso(codigo, carpeta):
    """Ejecuta `codigo` en un Python nuevo (sin nada importado) y devuelve lo que imprime como JSON.

    Se ejecuta en `carpeta`, fuera del checkout: se importa el paquete instalado.
    """
    r = subprocess.run([sys.executable, "-c", codigo], cwd=carpeta, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


# paquete -> paquetes del proyecto que no puede importar (ni al cargarse ni dentro de una función)
PROHIBIDOS = {
    "datos": ["modelos", "utilidades", "practicas"],
    "modelos": ["utilidades", "practicas"],
    "utilidades": ["practicas", "calificacion", "teoria"],
    # el material de las clases en NumPy: se apoya en `datos` y `modelos` (validación, calculadoras), y lo usan
    # las prácticas y los cuadernos
    "teoria": ["utilidades", "practicas", "calificacion"],
    # la calificación es otro producto: usa los ayudantes (resultados, argumentos) y las referencias de `modelos`,
    # nunca los ejercicios
    "calificacion": ["practicas", "teoria"],
}


def _importaciones(archivo):
    """(línea, módulo) de cada `import` absoluto del archivo, también los perezosos dentro de funciones."""
    for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8"), filename=str(archivo))):
        if isinstance(nodo, ast.Import):
            yield from ((nodo.lineno, alias.name) for alias in nodo.names)
        elif isinstance(nodo, ast.ImportFrom) and nodo.level == 0:
            yield nodo.lineno, nodo.module


@pytest.mark.parametrize("paquete", sorted(PROHIBIDOS))
def test_dependencias_en_un_solo_sentido(paquete):
    carpeta = pathlib.Path(importlib.util.find_spec(paquete).submodule_search_locations[0])
    archivos = sorted(carpeta.rglob("*.py"))
    assert len(archivos) > 3
    indebidas = [
        f"{archivo.relative_to(carpeta.parent)}:{linea} importa {modulo}"
        for archivo in archivos
        for linea, modulo in _importaciones(archivo)
        if modulo.split(".")[0] in PROHIBIDOS[paquete]
    ]
    assert indebidas == []


MAXIMO_LINEAS = 80  # una función más larga se parte por las costuras que nombran sus comentarios


@pytest.mark.parametrize("paquete", sorted(PROHIBIDOS) + ["practicas"])
def test_ninguna_funcion_larga(paquete):
    carpeta = pathlib.Path(importlib.util.find_spec(paquete).submodule_search_locations[0])
    largas = [
        f"{archivo.relative_to(carpeta.parent)}:{nodo.lineno} {nodo.name} ({nodo.end_lineno - nodo.lineno + 1} líneas)"
        for archivo in sorted(carpeta.rglob("*.py"))
        for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8")))
        if isinstance(nodo, (ast.FunctionDef, ast.AsyncFunctionDef))
        and nodo.end_lineno - nodo.lineno + 1 > MAXIMO_LINEAS
    ]
    assert largas == []


def test_lo_ligero_no_importa_tensorflow(tmp_path):
    codigo = (
        "import json, sys\n"
        "import datos.errores, datos.cache, modelos, utilidades, utilidades.resultados, teoria\n"
        "import calificacion\n"
        "from datos import ErrorDatos, DatosNoDisponibles\n"
        "print(json.dumps([m for m in ('tensorflow', 'keras') if m in sys.modules]))\n"
    )
    assert _en_otro_proceso(codigo, tmp_path) == []


@pytest.mark.parametrize("orden", [["--help"], ["p3", "--help"], ["talleres", "--help"], ["p9"]])
def test_la_ayuda_no_importa_tensorflow_ni_los_ejercicios(orden, tmp_path):
    codigo = (
        "import json, runpy, sys\n"
        f"sys.argv = ['practicas', *{orden!r}]\n"
        "try:\n"
        "    runpy.run_module('practicas', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n"
        "    pass\n"
        "cargados = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'modelos')]\n"
        "cargados += [m for m in sys.modules if m.count('.') == 2 and m.startswith('practicas.')]\n"
        "print(json.dumps(sorted(cargados)))\n"
    )
    assert _en_otro_proceso(codigo, tmp_path) == []


def test_el_registro_lee_los_ejercicios_sin_importarlos():
    for practica in practicas_disponibles():
        leidas = ayudas(practica)
        assert leidas and leidas == {nombre: m.AYUDA for nombre, m in ejercicios(practica).items()}


@pytest.mark.parametrize("paquete", [datos, modelos, utilidades])
def test_los_nombres_exportados_se_cargan_al_usarlos(paquete):
    for nombre in paquete.__all__:
        valor = getattr(paquete, nombre)  # el objeto del submódulo que lo define, cargado al pedirlo
        modulo = importlib.import_module(f"{paquete.__name__}.{paquete._EXPORTADOS[nombre]}")
        assert valor is getattr(modulo, nombre), nombre
    assert set(paquete.__all__) <= set(dir(paquete))
    with pytest.raises(AttributeError):
        paquete.no_existe  # noqa: B018


def test_la_teoria_de_numpy_no_es_la_api_de_entrenamiento():
    for nombre in ("crear_optimizador", "dropout_invertido", "batch_norm"):
        assert nombre not in utilidades.__all__
    assert {"compileModel", "trainModel", "testModel", "ParadaTemprana"} <= set(utilidades.__all__)


def test_solo_los_errores_del_paquete_se_explican_en_una_linea(tmp_path, capsys):
    """`python -m practicas` explica en una línea `ErrorPracticas` y deja ver el traceback de lo demás."""
    salida = tmp_path / "sin-datos"
    orden = ["p3", "ejercicio1", "--datos", str(tmp_path / "no-existe.tar.gz"), "--salida", str(salida)]
    assert main([*orden, "--epocas", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("Error: ") and "no-existe.tar.gz" in error and "Traceback" not in error
    assert not salida.exists()  # la carpeta que solo tenía config.json se borra
    with pytest.raises(ErrorParametro, match="'W' debe ser un entero"):
        tamano_salida(0, 2)


@pytest.mark.parametrize(
    ("error", "explicado"),
    [(ErrorParametro("'x' debe ser ..."), True), (ValueError("de Keras"), False), (FileNotFoundError("x"), False)],
)
def test_un_error_ajeno_muestra_su_traceback(error, explicado, monkeypatch, capsys, tmp_path):
    import practicas.talleres.arquitecturas as ejercicio

    def fallar(args):
        raise error

    monkeypatch.setattr(ejercicio, "ejecutar", fallar)
    orden = ["talleres", "arquitecturas", "--salida", str(tmp_path / "s")]
    if explicado:
        assert main(orden) == 2 and capsys.readouterr().err == f"Error: {error}\n"
    else:
        with pytest.raises(type(error)):
            main(orden)


def test_config_anota_la_version_del_paquete(tmp_path, capsys):
    salida = tmp_path / "arq"
    assert main(["talleres", "arquitecturas", "--modelos", "lenet5", "--silencioso", "--salida", str(salida)]) == 0
    config = leer_json(salida / "config.json")
    assert config["version"] == practicas.__version__ and config["ejercicio"] == "talleres-arquitecturas"
    assert {"tensorflow", "keras", "numpy", "python"} <= set(config["entorno"])
