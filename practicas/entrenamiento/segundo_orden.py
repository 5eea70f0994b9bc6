"""Ejercicio `segundo-orden` (clase de Bariloche, «Optimizadores de 2 orden»).

Newton (el paso `w̃ = w0 - H⁻¹ ∇f(w0)` de la clase, puro y amortiguado), BFGS y L-BFGS escritos en NumPy
(`teoria.segundo_orden`) sobre las funciones de prueba de `optimizadores` (cuadrática mal
condicionada, punto de silla y Rosenbrock), dibujados sobre las curvas de nivel junto a dos de primer orden
(momento y Adam, con los hiperparámetros del ejercicio `optimizadores`), y comparados con
`scipy.optimize.minimize` (`Newton-CG`, `BFGS`, `L-BFGS-B`): mismo mínimo, iteraciones, evaluaciones y,
para BFGS, la inversa de la hessiana que ha aproximado frente a la verdadera.
"""

import os

import numpy as np

from datos.argumentos import tipo
from datos.validacion import ENTERO_POSITIVO, POSITIVO
from practicas.comun import iniciar
from practicas.entrenamiento._comun import imprimir_tabla, lista_de, opciones_sin_entrenar
from practicas.entrenamiento.optimizadores import HIPERPARAMETROS
from teoria.optimizadores import (
    FUNCIONES_PRUEBA,
    OPTIMIZADORES,
    crear_optimizador,
    cuadratica_mal_condicionada,
    trayectoria,
)
from teoria.segundo_orden import METODOS, METODOS_SCIPY, hessiana, minimizar, referencia_scipy
from utilidades.resultados import escribir_csv, escribir_json, guardar_figura

AYUDA = "Newton, BFGS y L-BFGS en NumPy sobre las funciones de prueba, frente a primer orden y scipy.optimize"

COLUMNAS = [
    "funcion",
    "metodo",
    "implementacion",
    "iteraciones",
    "evaluaciones_f",
    "evaluaciones_gradiente",
    "evaluaciones_hessiana",
    "convergio",
    "x",
    "y",
    "error_final",
    "distancia_al_minimo",
    "distancia_a_scipy",
    "error_inversa_hessiana",
]


def opciones(parser):
    parser.add_argument(
        "--funciones",
        type=lista_de(list(FUNCIONES_PRUEBA)),
        default=list(FUNCIONES_PRUEBA),
        help=f"funciones de prueba separadas por comas (por defecto todas: {','.join(FUNCIONES_PRUEBA)})",
    )
    parser.add_argument(
        "--metodos",
        type=lista_de(list(METODOS)),
        default=list(METODOS),
        help=f"métodos de segundo orden separados por comas (por defecto todos: {','.join(METODOS)})",
    )
    parser.add_argument(
        "--primer-orden",
        type=lista_de(list(OPTIMIZADORES)),
        default=["momento", "adam"],
        help="optimizadores de primer orden con que comparar, separados por comas (momento,adam)",
    )
    parser.add_argument(
        "--condicion", type=tipo(POSITIVO), default=50.0, help="número de condición K de la cuadrática (50)"
    )
    parser.add_argument(
        "--pasos", type=tipo(ENTERO_POSITIVO), default=200, help="iteraciones máximas de segundo orden (200)"
    )
    parser.add_argument(
        "--pasos-primer-orden", type=tipo(ENTERO_POSITIVO), default=150, help="pasos de los de primer orden (150)"
    )
    parser.add_argument("--memoria", type=tipo(ENTERO_POSITIVO), default=10, help="pares (s, y) que guarda L-BFGS (10)")
    parser.add_argument(
        "--tolerancia", type=tipo(POSITIVO), default=1e-8, help="se para cuando ‖∇f‖∞ ≤ tolerancia (1e-8)"
    )
    opciones_sin_entrenar(parser)


def _funcion(nombre, args):
    return cuadratica_mal_condicionada(args.condicion) if nombre == "cuadratica" else FUNCIONES_PRUEBA[nombre]()


def _fila(funcion, metodo, implementacion, camino, resultado=None, pasos=None):
    f_min = float(funcion.f(np.array(funcion.minimo)))
    final = camino[-1]
    fila = {
        "funcion": funcion.nombre,
        "metodo": metodo,
        "implementacion": implementacion,
        "iteraciones": resultado.iteraciones if resultado is not None else len(camino) - 1,
        "evaluaciones_f": resultado.evaluaciones_f if resultado is not None else 0,
        "evaluaciones_gradiente": resultado.evaluaciones_gradiente if resultado is not None else len(camino) - 1,
        "evaluaciones_hessiana": resultado.evaluaciones_hessiana if resultado is not None else 0,
        "convergio": resultado.convergio if resultado is not None else None,
        "x": float(final[0]),
        "y": float(final[1]),
        "error_final": float(funcion.f(final) - f_min),
        "distancia_al_minimo": float(np.linalg.norm(final - np.array(funcion.minimo))),
        "distancia_a_scipy": None,
        "error_inversa_hessiana": None,
    }
    if resultado is not None and resultado.inversa_hessiana is not None:
        verdadera = np.linalg.inv(hessiana(funcion, final))
        fila["error_inversa_hessiana"] = float(
            np.linalg.norm(resultado.inversa_hessiana - verdadera) / np.linalg.norm(verdadera)
        )
    return fila


def comparar(funcion, args):
    """Resultados de NumPy, caminos (NumPy, SciPy, primer orden) y filas del resumen de una función."""
    resultados, caminos, scipy_caminos, filas = {}, {}, {}, []
    de_scipy = {}
    for nombre_scipy in dict.fromkeys(METODOS_SCIPY[m] for m in args.metodos):
        resultado = referencia_scipy(nombre_scipy, funcion, pasos=args.pasos, tolerancia=args.tolerancia)
        de_scipy[nombre_scipy] = resultado
        scipy_caminos[nombre_scipy] = resultado.camino
    for metodo in args.metodos:
        opciones_metodo = {"memoria": args.memoria} if metodo == "lbfgs" else {}
        resultado = minimizar(metodo, funcion, pasos=args.pasos, tolerancia=args.tolerancia, **opciones_metodo)
        resultados[metodo], caminos[metodo] = resultado, resultado.camino
        fila = _fila(funcion, metodo, "numpy", resultado.camino, resultado)
        fila["distancia_a_scipy"] = float(np.linalg.norm(resultado.x - de_scipy[METODOS_SCIPY[metodo]].x))
        filas.append(fila)
    for nombre_scipy, resultado in de_scipy.items():
        filas.append(_fila(funcion, nombre_scipy, "scipy", resultado.camino, resultado))
    primer_orden = {}
    for nombre in args.primer_orden:
        optimizador = crear_optimizador(nombre, **HIPERPARAMETROS[funcion.nombre][nombre])
        camino = primer_orden[nombre] = trayectoria(optimizador, funcion, args.pasos_primer_orden)
        filas.append(_fila(funcion, nombre, "numpy (primer orden)", camino))
    return resultados, caminos, scipy_caminos, primer_orden, filas


def _curvas_de_nivel(eje, funcion):
    x0, x1, y0, y1 = funcion.limites
    malla = np.stack(np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300)), axis=-1)
    f_min = float(funcion.f(np.array(funcion.minimo)))
    eje.contour(
        malla[..., 0],
        malla[..., 1],
        np.log1p(funcion.f(malla) - f_min),
        levels=25,
        cmap="viridis",
        linewidths=0.7,
        alpha=0.6,
    )


def _figura_trayectorias(funcion, caminos, scipy_caminos, primer_orden):
    import matplotlib.pyplot as plt

    x0, x1, y0, y1 = funcion.limites
    figura, ejes = plt.subplots(1, 2, figsize=(16, 5))
    paneles = [
        ("Segundo orden en NumPy frente a primer orden", caminos, primer_orden),
        ("Referencia: scipy.optimize.minimize", scipy_caminos, {}),
    ]
    trazos = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]
    for eje, (titulo, principales, secundarios) in zip(ejes, paneles):
        _curvas_de_nivel(eje, funcion)
        for nombre, camino in secundarios.items():
            eje.plot(camino[:, 0], camino[:, 1], color="0.5", linewidth=1, alpha=0.7, label=f"{nombre} (1.er orden)")
        for k, (nombre, camino) in enumerate(principales.items()):
            linea, marcador = trazos[k % len(trazos)]
            eje.plot(
                camino[:, 0],
                camino[:, 1],
                linestyle=linea,
                marker=marcador,
                markersize=4,
                linewidth=2.2 - 0.4 * (k % 3),
                label=f"{nombre} ({len(camino) - 1} it.)",
            )
        eje.plot(*funcion.inicio, "ko", label="inicio")
        eje.plot(*funcion.minimo, "r*", markersize=12, label="mínimo")
        if funcion.nombre == "silla":  # ∇f = 0 también aquí: el paso de Newton puro acaba en ella
            eje.plot(0.0, 0.0, "kX", markersize=9, label="punto de silla")
        eje.set_xlim(x0, x1)
        eje.set_ylim(y0, y1)
        eje.set_xlabel("x₁")
        eje.set_ylabel("x₂")
        eje.set_title(titulo)
        eje.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figura.suptitle(funcion.titulo)
    figura.tight_layout()
    return figura


def _figura_convergencia(funciones, todos):
    import matplotlib.pyplot as plt

    figura, ejes = plt.subplots(1, len(funciones), figsize=(5.5 * len(funciones), 4), squeeze=False)
    for eje, funcion in zip(ejes[0], funciones):
        f_min = float(funcion.f(np.array(funcion.minimo)))
        caminos, scipy_caminos, primer_orden = todos[funcion.nombre]
        for grupo, estilo in ((caminos, "-"), (scipy_caminos, "--"), (primer_orden, ":")):
            for nombre, camino in grupo.items():
                eje.semilogy(np.maximum(funcion.f(camino) - f_min, 1e-16), estilo, label=nombre)
        eje.set_xscale("symlog", linthresh=10)
        eje.set_title(funcion.titulo)
        eje.set_xlabel("Iteración")
        eje.set_ylabel("f(x) - f(mínimo)")
        eje.grid(alpha=0.3)
        eje.legend(fontsize=7)
    figura.tight_layout()
    return figura


def ejecutar(args):
    carpeta = iniciar(args, "entrenamiento-segundo-orden")
    funciones = [_funcion(n, args) for n in args.funciones]
    todos, resumen, puntos, inversas = {}, [], [], {}
    for funcion in funciones:
        de_numpy, caminos, scipy_caminos, primer_orden, filas = comparar(funcion, args)
        todos[funcion.nombre] = (caminos, scipy_caminos, primer_orden)
        resumen += filas
        guardar_figura(
            _figura_trayectorias(funcion, caminos, scipy_caminos, primer_orden),
            os.path.join(carpeta, f"trayectorias-{funcion.nombre}.png"),
        )
        for implementacion, grupo in (("numpy", caminos), ("scipy", scipy_caminos), ("primer orden", primer_orden)):
            for nombre, camino in grupo.items():
                puntos += [
                    {
                        "funcion": funcion.nombre,
                        "metodo": nombre,
                        "implementacion": implementacion,
                        "paso": k,
                        "x": p[0],
                        "y": p[1],
                        "f": float(funcion.f(p)),
                    }
                    for k, p in enumerate(camino)
                ]
        if "bfgs" in de_numpy:  # la inversa aproximada por BFGS en su punto final frente a la verdadera
            final = de_numpy["bfgs"].x
            inversas[funcion.nombre] = {
                "punto": final,
                "bfgs": de_numpy["bfgs"].inversa_hessiana,
                "verdadera": np.linalg.inv(hessiana(funcion, final)),
            }
    guardar_figura(_figura_convergencia(funciones, todos), os.path.join(carpeta, "convergencia.png"))
    escribir_csv(os.path.join(carpeta, "resumen.csv"), resumen, COLUMNAS)
    escribir_csv(os.path.join(carpeta, "trayectorias.csv"), puntos)
    resultados = {"resumen": resumen, "inversas_hessiana": inversas, "tolerancia": args.tolerancia}
    escribir_json(os.path.join(carpeta, "resultados.json"), resultados)
    imprimir_tabla(
        [
            {**f, "distancia_a_scipy": "" if f["distancia_a_scipy"] is None else f"{f['distancia_a_scipy']:.1e}"}
            for f in resumen
        ],
        f"Segundo orden frente a scipy.optimize y a primer orden (‖∇f‖∞ ≤ {args.tolerancia:g})",
        [
            ("funcion", "Función", "s"),
            ("metodo", "Método", "s"),
            ("implementacion", "Implementación", "s"),
            ("iteraciones", "Iter.", "d"),
            ("evaluaciones_gradiente", "Eval. ∇f", "d"),
            ("error_final", "f - f*", ".2e"),
            ("distancia_a_scipy", "‖x - x_SciPy‖", "s"),
        ],
    )
    print(f"\nResultados en: {os.path.abspath(carpeta)}")
    return resultados
