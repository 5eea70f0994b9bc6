"""`ArgumentParser` en español: ayuda, uso y mensajes de error de argparse traducidos (lo usan `python -m
practicas`, `calificar` y `python -m datos.servicio`; las restricciones son las de `datos.validacion`).

argparse escribe sus propios textos en inglés («usage:», «options», «argument --epocas: invalid int
value»...). `ParserEspanol` cambia los títulos y el prefijo del uso, y traduce los mensajes de error
antes de mostrarlos; los subparsers heredan la clase, así que toda la línea de órdenes queda en español.
"""

import argparse
import re
import sys

from datos.validacion import describir

# (patrón de argparse, traducción): se aplican en orden sobre el mensaje ya formateado.
TRADUCCIONES = [
    (r"^argument (?P<arg>.+?): (?P<resto>.*)$", "argumento {arg}: {resto}"),
    (r"the following arguments are required: (?P<args>.*)", "faltan argumentos obligatorios: {args}"),
    (r"unrecognized arguments: (?P<args>.*)", "argumentos no reconocidos: {args}"),
    (
        r"invalid choice: (?P<valor>.*?) \(choose from (?P<opciones>.*)\)",
        "valor no válido: {valor} (elija entre {opciones})",
    ),
    (r"invalid int value: (?P<valor>.*)", "{valor} no es un número entero"),
    (r"invalid float value: (?P<valor>.*)", "{valor} no es un número"),
    (r"invalid (?P<tipo>\S+) value: (?P<valor>.*)", "valor no válido para {tipo}: {valor}"),
    (r"expected one argument", "falta su valor"),
    (r"expected at least one argument", "necesita al menos un valor"),
    (r"expected at most one argument", "admite como mucho un valor"),
    (r"expected (?P<n>\d+) arguments?", "necesita {n} valores"),
    (r"not allowed with argument (?P<arg>.*)", "no se puede usar junto con {arg}"),
    (r"one of the arguments (?P<args>.*) is required", "hace falta uno de los argumentos {args}"),
    (r"ambiguous option: (?P<opcion>.*) could match (?P<posibles>.*)", "opción ambigua: {opcion} puede ser {posibles}"),
    (r"ignored explicit argument (?P<valor>.*)", "sobra el valor {valor}"),
    (r"unknown parser (?P<nombre>.*) \(choices: (?P<opciones>.*)\)", "{nombre} no existe (elija entre {opciones})"),
]


def traducir(mensaje):
    """Traduce al español un mensaje de error de argparse (lo que no reconoce lo deja igual)."""
    for patron, plantilla in TRADUCCIONES:
        encontrado = re.search(patron, mensaje)
        if encontrado:
            partes = {k: traducir(v) if k == "resto" else v for k, v in encontrado.groupdict().items()}
            return mensaje[: encontrado.start()] + plantilla.format(**partes) + mensaje[encontrado.end() :]
    return mensaje


class FormatoEspanol(argparse.HelpFormatter):
    """Como el formato de argparse, con «uso:» en vez de «usage:»."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)


class ParserEspanol(argparse.ArgumentParser):
    """`argparse.ArgumentParser` con la ayuda y los errores en español."""

    def __init__(self, *args, add_help=True, **kwargs):
        kwargs.setdefault("formatter_class", FormatoEspanol)
        super().__init__(*args, add_help=False, **kwargs)
        # Títulos de los dos grupos que crea argparse («positional arguments», «options»).
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {traducir(message)}\n")


def tipo(*restricciones):
    """Tipo de argparse hecho con las restricciones de `datos.validacion` (las mismas que las funciones).

    `tipo(ENTERO_POSITIVO)` lee el texto como número y lo comprueba; el error usa la plantilla única
    («argumento --epocas: debe ser un entero mayor o igual que 1 y es '0'»).
    """

    def convertir(texto):
        valor = texto
        for leer in (int, float):
            try:
                valor = leer(texto)
                break
            except ValueError:
                pass
        for r in restricciones:
            if r.admite(valor):
                return r.convertir(valor)
        raise argparse.ArgumentTypeError(f"debe ser {describir(*restricciones)} y es '{texto}'")

    convertir.__name__ = describir(*restricciones)
    return convertir
