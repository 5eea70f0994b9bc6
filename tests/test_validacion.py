"""El validador único (`datos.validacion`) y la familia de errores (`datos.errores`)."""

import math

import numpy as np
import pytest

from datos.argumentos import ParserEspanol, tipo
from datos.errores import DatosNoDisponibles, ErrorDatos, ErrorParametro, ErrorPracticas
from datos.validacion import (
    ENTERO_POSITIVO,
    FRACCION,
    NO_NEGATIVO,
    POSITIVO,
    TAMANO_IMAGEN,
    Integral,
    Intervalo,
    Opciones,
    Par,
    Real,
    comprobar,
    validar_etiquetas,
    validar_imagenes,
    validar_parametros,
)


def test_la_familia_de_errores_hereda_las_excepciones_estandar():
    assert issubclass(ErrorParametro, ValueError) and issubclass(ErrorParametro, TypeError)
    assert issubclass(ErrorDatos, ValueError) and issubclass(DatosNoDisponibles, FileNotFoundError)
    for clase in (ErrorParametro, ErrorDatos, DatosNoDisponibles):
        assert issubclass(clase, ErrorPracticas)


@pytest.mark.parametrize(
    ("restriccion", "admitidos", "rechazados", "descripcion"),
    [
        (POSITIVO, [1e-9, 3, np.float32(0.5)], [0, -1, math.nan, math.inf, "1", True, None], "un número mayor que 0"),
        (NO_NEGATIVO, [0, 2.5], [-1e-9, math.nan], "un número mayor o igual que 0"),
        (FRACCION, [0, 0.999], [1, -0.1], "un número en [0, 1)"),
        (ENTERO_POSITIVO, [1, np.int64(7), 224.0], [0, 1.5, "3", False], "un entero mayor o igual que 1"),
        (Intervalo(Real, None, 0, cerrado="ninguno"), [-3], [0], "un número menor que 0"),
        (Opciones("l1", "l2"), ["l1"], ["L1", 1, None], "uno de 'l1', 'l2'"),
        (Par(NO_NEGATIVO), [(0, 1), [2, 2]], [(1, 0), (1,), (0, -1), "ab"], "un par (mínimo, máximo)"),
        (TAMANO_IMAGEN, [32, (24, 48)], [0, (32,), (32, 0), 1.5], "un entero positivo (imagen cuadrada)"),
    ],
)
def test_restricciones_y_una_sola_plantilla(restriccion, admitidos, rechazados, descripcion):
    for valor in admitidos:
        comprobar(valor, "arg", restriccion)
    for valor in rechazados:
        with pytest.raises(ErrorParametro) as error:
            comprobar(valor, "arg", restriccion)
        assert str(error.value).startswith(f"'arg' debe ser {descripcion}")
        assert str(error.value).endswith(f" y es {valor!r}.")


def test_conversion_y_alternativas():
    assert comprobar(224.0, "W", ENTERO_POSITIVO) == 224 and isinstance(comprobar(224.0, "W", ENTERO_POSITIVO), int)
    assert isinstance(comprobar(np.float32(0.5), "tasa", POSITIVO), float)
    assert comprobar(32, "tamano", TAMANO_IMAGEN) == (32, 32)
    assert comprobar(None, "semilla", Intervalo(Integral, 0, None), None) is None
    with pytest.raises(ErrorParametro, match=r"^'semilla' debe ser un entero mayor o igual que 0 o None y es -1\.$"):
        comprobar(-1, "semilla", Intervalo(Integral, 0, None), None)


def test_el_decorador_comprueba_y_convierte_por_nombre_y_por_posicion():
    @validar_parametros(lam=NO_NEGATIVO, pasos=ENTERO_POSITIVO)
    def penalizar(pesos, lam, pasos=1):
        return lam, pasos

    assert penalizar([1.0], 2, pasos=3.0) == (2.0, 3)
    assert penalizar([1.0], lam=0) == (0.0, 1)
    with pytest.raises(ErrorParametro, match=r"'lam' debe ser un número mayor o igual que 0 y es -1\."):
        penalizar([1.0], -1)
    with pytest.raises(TypeError, match="no tiene los argumentos"):
        validar_parametros(no_existe=POSITIVO)(penalizar)


def test_las_opciones_de_la_linea_de_ordenes_usan_las_mismas_restricciones(capsys):
    parser = ParserEspanol(prog="p")
    parser.add_argument("--epocas", type=tipo(ENTERO_POSITIVO))
    parser.add_argument("--dropout", type=tipo(FRACCION))
    args = parser.parse_args(["--epocas", "3", "--dropout", "0.25"])
    assert (args.epocas, args.dropout) == (3, 0.25)
    for orden, esperado in [
        (["--epocas", "0"], "argumento --epocas: debe ser un entero mayor o igual que 1 y es '0'"),
        (["--dropout", "uno"], "argumento --dropout: debe ser un número en [0, 1) y es 'uno'"),
    ]:
        with pytest.raises(SystemExit):
            parser.parse_args(orden)
        assert esperado in capsys.readouterr().err


def test_formas_de_imagenes_y_etiquetas():
    x = np.zeros((2, 4, 4, 3))
    valida = validar_imagenes(x.tolist(), "train_x", canales=3)  # una lista anidada: la devuelve como array
    assert isinstance(valida, np.ndarray) and valida.shape == (2, 4, 4, 3)
    assert validar_imagenes(x, "train_x", canales=3) is x  # un array válido, tal cual (sin copia)
    with pytest.raises(ErrorParametro, match=r"'train_x' debe ser un lote de imágenes .* y es de forma \(4, 4, 3\)"):
        validar_imagenes(x[0], "train_x")
    with pytest.raises(ErrorParametro, match="1 canales"):
        validar_imagenes(x, "x", canales=1)
    with pytest.raises(ErrorParametro, match="al menos una imagen"):
        validar_imagenes(x[:0], "x")
    with pytest.raises(ErrorParametro, match="to_categorical"):
        validar_etiquetas(np.zeros(2), 2)
    with pytest.raises(ErrorParametro, match="con 3 etiquetas"):
        validar_etiquetas(np.zeros((2, 5)), 3)
