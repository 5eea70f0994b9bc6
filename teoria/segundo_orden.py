"""Optimizadores de segundo orden en NumPy: Newton, BFGS y L-BFGS (clase de Bariloche, «Optimizadores de 2 orden»).

- Newton: aproximación cuadrática de Taylor con el gradiente y la hessiana, y el paso que la minimiza,
  `w̃ = w0 - H⁻¹ ∇f(w0)`. «No existe la tasa de aprendizaje»; sobre una cuadrática llega al mínimo en un
  paso. Cuesta `O(N²)` guardar la hessiana y `O(N³)` invertirla. El paso puro no es monótono (en
  Rosenbrock `f` sube de 4,7 a 1.411 antes de llegar en 6 pasos) y va a cualquier punto con `∇f = 0`, también a
  un punto de silla; `newton-amortiguado` acorta el paso con una búsqueda de Armijo.
- BFGS (cuasi-Newton): no invierte la hessiana, aproxima su inversa `H` con los cambios de posición `s` y de
  gradiente `y`: `H ← (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ`, `ρ = 1 / yᵀs` (`O(N²)` por paso).
- L-BFGS: no guarda `H`; la aplica con los `memoria` últimos pares `(s, y)` (recursión de dos bucles,
  Nocedal y Wright, algoritmo 7.4), `O(memoria · N)` por paso.

BFGS y L-BFGS avanzan por la dirección `d = -H ∇f` con una búsqueda lineal que cumple las condiciones
fuertes de Wolfe (`busqueda_wolfe`, algoritmos 3.5 y 3.6 de Nocedal y Wright); `busqueda_armijo` es el
retroceso simple. Las funciones de prueba son las de `teoria.optimizadores`; `hessiana` les
añade la matriz hessiana (analítica o por diferencias finitas del gradiente). `referencia_scipy` ejecuta
`scipy.optimize.minimize` (`Newton-CG`, `BFGS`, `L-BFGS-B`) sobre la misma función, como referencia.

Cada método devuelve un `Resultado` cuyo `camino` es un array `(iteraciones + 1, 2)` como el de
`teoria.optimizadores.trayectoria`, y `trayectoria_segundo_orden` da solo ese array.
"""

from dataclasses import dataclass, field

import numpy as np

from datos.errores import ErrorParametro
from datos.validacion import (
    ENTERO_NO_NEGATIVO,
    ENTERO_POSITIVO,
    FRACCION_ABIERTA,
    NO_NEGATIVO,
    POSITIVO,
    Intervalo,
    Opciones,
    Real,
    comprobar,
    mensaje,
    validar_parametros,
)

METODOS = ("newton", "newton-amortiguado", "bfgs", "lbfgs")
# El método de `scipy.optimize.minimize` que sirve de referencia a cada uno.
METODOS_SCIPY = {"newton": "Newton-CG", "newton-amortiguado": "Newton-CG", "bfgs": "BFGS", "lbfgs": "L-BFGS-B"}


# --- Hessianas de las funciones de prueba ---


def _hessiana_silla(p):
    """`f = x² + y⁴/4 - y²/2`: `H = diag(2, 3y² - 1)` (indefinida cerca de la silla, |y| < 1/√3)."""
    return np.array([[2.0, 0.0], [0.0, 3 * p[1] ** 2 - 1.0]])


def _hessiana_rosenbrock(p):
    """`f = (1 - x)² + 100 (y - x²)²`."""
    x, y = p
    return np.array([[2.0 - 400.0 * (y - x**2) + 800.0 * x**2, -400.0 * x], [-400.0 * x, 200.0]])


def hessiana_numerica(gradiente, x, h=1e-5):
    """Hessiana por diferencias centradas del gradiente (simetrizada): `H[:, j] ≈ (∇f(x + h eⱼ) - ∇f(x - h eⱼ)) / 2h`."""
    x = np.asarray(x, dtype="float64")
    columnas = [(gradiente(x + h * e) - gradiente(x - h * e)) / (2 * h) for e in np.eye(x.size)]
    matriz = np.array(columnas).T
    return 0.5 * (matriz + matriz.T)


def hessiana(funcion, x):
    """Matriz hessiana de una función de prueba (`FuncionPrueba`) en `x`.

    Analítica para las de la clase: la cuadrática `(x² + K y²)/2` tiene `H = diag(1, K)` (su gradiente es
    lineal y diagonal, así que `H = diag(∇f(1, 1))`), el punto de silla `diag(2, 3y² - 1)` y Rosenbrock
    `[[2 - 400 (y - 3x²), -400x], [-400x, 200]]`. Para otras, diferencias finitas del gradiente.
    """
    x = np.asarray(x, dtype="float64")
    if funcion.nombre == "cuadratica":
        return np.diag(funcion.gradiente(np.ones(2)))
    if funcion.nombre == "silla":
        return _hessiana_silla(x)
    if funcion.nombre == "rosenbrock":
        return _hessiana_rosenbrock(x)
    return hessiana_numerica(funcion.gradiente, x)


# --- Búsquedas lineales ---


class _Contador:
    """Envuelve `f` y `∇f` y cuenta cuántas veces se evalúan (como `nfev` y `njev` de SciPy)."""

    def __init__(self, funcion):
        self.funcion = funcion
        self.f_evaluaciones = 0
        self.gradiente_evaluaciones = 0
        self.hessiana_evaluaciones = 0

    def f(self, x):
        self.f_evaluaciones += 1
        return float(self.funcion.f(x))

    def gradiente(self, x):
        self.gradiente_evaluaciones += 1
        return np.asarray(self.funcion.gradiente(x), dtype="float64")

    def hessiana(self, x):
        self.hessiana_evaluaciones += 1
        return hessiana(self.funcion, x)


def _no_es_descenso(pendiente):
    return ErrorParametro(
        mensaje("d", "una dirección de descenso (∇fᵀd < 0)", es=f"una con ∇fᵀd = {pendiente:.3g} ≥ 0")
        + " La búsqueda lineal no puede bajar."
    )


@validar_parametros(reduccion=FRACCION_ABIERTA, c1=FRACCION_ABIERTA, max_pasos=ENTERO_NO_NEGATIVO)
def busqueda_armijo(f, x, d, f0, g0, alfa=1.0, reduccion=0.5, c1=1e-4, max_pasos=60):
    """Retroceso (backtracking): `α ← reduccion · α` hasta que `f(x + α d) ≤ f(x) + c1 α ∇fᵀd` (Armijo).

    `d` debe ser una dirección de descenso (`∇fᵀd < 0`). Devuelve α.
    """
    pendiente = float(np.dot(g0, d))
    if pendiente >= 0:
        raise _no_es_descenso(pendiente)
    for _ in range(max_pasos):
        if f(x + alfa * d) <= f0 + c1 * alfa * pendiente:
            return alfa
        alfa *= reduccion
    return alfa


@validar_parametros(c1=FRACCION_ABIERTA, max_pasos=ENTERO_NO_NEGATIVO)
def busqueda_wolfe(f, gradiente, x, d, f0, g0, alfa=1.0, c1=1e-4, c2=0.9, max_pasos=30):
    """Búsqueda lineal con las condiciones fuertes de Wolfe (Nocedal y Wright, algoritmos 3.5 y 3.6).

    Busca α con `f(x + α d) ≤ f(x) + c1 α ∇fᵀd` (bajada suficiente) y `|∇f(x + α d)ᵀd| ≤ c2 |∇fᵀd|`
    (curvatura): la segunda garantiza `yᵀs > 0`, así que la inversa de BFGS sigue definida positiva. Dentro
    del intervalo (`zoom`) se toma el mínimo de la parábola que interpola `φ(α) = f(x + α d)`, exacto en una
    cuadrática. Devuelve `(α, f(x + α d), ∇f(x + α d))`.
    """
    pendiente0 = float(np.dot(g0, d))
    c2 = comprobar(c2, "c2", Intervalo(Real, c1, 1, cerrado="ninguno"))  # 0 < c1 < c2 < 1
    if pendiente0 >= 0:
        raise _no_es_descenso(pendiente0)

    def evaluar(a):
        punto = x + a * d
        valor, grad = f(punto), gradiente(punto)
        return valor, grad, float(np.dot(grad, d))

    def zoom(bajo, alto):
        # bajo = (α, φ, ∇f, φ') del extremo con menor φ que cumple Armijo; alto = (α, φ) del otro extremo
        a_bajo, f_bajo, g_bajo, p_bajo = bajo
        a_alto, f_alto = alto
        for _ in range(max_pasos):
            ancho = a_alto - a_bajo
            denominador = 2 * (f_alto - f_bajo - p_bajo * ancho)
            a = a_bajo - p_bajo * ancho**2 / denominador if denominador > 0 else a_bajo + 0.5 * ancho
            menor, mayor = sorted((a_bajo + 0.1 * ancho, a_alto - 0.1 * ancho))
            if not menor <= a <= mayor:  # salvaguarda: lejos de los extremos
                a = a_bajo + 0.5 * ancho
            f_a, g_a, p_a = evaluar(a)
            if f_a > f0 + c1 * a * pendiente0 or f_a >= f_bajo:
                a_alto, f_alto = a, f_a
            else:
                if abs(p_a) <= -c2 * pendiente0:
                    return a, f_a, g_a
                if p_a * (a_alto - a_bajo) >= 0:
                    a_alto, f_alto = a_bajo, f_bajo
                a_bajo, f_bajo, g_bajo, p_bajo = a, f_a, g_a, p_a
        return a_bajo, f_bajo, g_bajo

    anterior = (0.0, f0, np.asarray(g0, dtype="float64"), pendiente0)
    for i in range(max_pasos):
        f_a, g_a, p_a = evaluar(alfa)
        if f_a > f0 + c1 * alfa * pendiente0 or (i > 0 and f_a >= anterior[1]):
            return zoom(anterior, (alfa, f_a))
        if abs(p_a) <= -c2 * pendiente0:
            return alfa, f_a, g_a
        if p_a >= 0:
            return zoom((alfa, f_a, g_a, p_a), (anterior[0], anterior[1]))
        anterior = (alfa, f_a, g_a, p_a)
        alfa *= 2.0
    return anterior[0], anterior[1], anterior[2]


# --- Métodos ---


@dataclass
class Resultado:
    """Lo que devuelve cada método: el camino y cuánto ha costado llegar.

    `camino` tiene forma `(iteraciones + 1, 2)` (el punto de partida y uno por iteración); `convergio` dice
    si `‖∇f‖∞ ≤ tolerancia` antes de agotar los pasos. BFGS guarda su aproximación final de la inversa de
    la hessiana en `inversa_hessiana`.
    """

    metodo: str
    camino: np.ndarray
    iteraciones: int
    evaluaciones_f: int
    evaluaciones_gradiente: int
    evaluaciones_hessiana: int
    convergio: bool
    inversa_hessiana: np.ndarray = field(default=None, repr=False)

    @property
    def x(self):
        """El punto final."""
        return self.camino[-1]


def _resultado(metodo, camino, contador, convergio, inversa=None):
    return Resultado(
        metodo,
        np.array(camino),
        len(camino) - 1,
        contador.f_evaluaciones,
        contador.gradiente_evaluaciones,
        contador.hessiana_evaluaciones,
        bool(convergio),
        inversa,
    )


def _inicio(funcion, inicio):
    return np.array(funcion.inicio if inicio is None else inicio, dtype="float64")


@validar_parametros(pasos=ENTERO_NO_NEGATIVO, tolerancia=NO_NEGATIVO)
def newton(funcion, inicio=None, pasos=100, tolerancia=1e-8, amortiguado=False):
    """Método de Newton: `x ← x - H(x)⁻¹ ∇f(x)` (se resuelve `H d = -∇f`, sin invertir `H`).

    Es el paso de la clase, sin tasa de aprendizaje: en una cuadrática llega al mínimo en un paso. Con `H`
    indefinida (cerca de un punto de silla) el paso apunta a donde `∇f = 0`, sea mínimo o silla: Newton puro
    es atraído por los puntos de silla. Con `amortiguado=True` el paso se acorta con `busqueda_armijo` si es
    de descenso, y si no lo es se usa `-∇f`.
    """
    contador = _Contador(funcion)
    x = _inicio(funcion, inicio)
    camino, g = [x], contador.gradiente(x)
    convergio = bool(np.max(np.abs(g)) <= tolerancia)
    for _ in range(pasos):
        if convergio:
            break
        d = np.linalg.solve(contador.hessiana(x), -g)
        if amortiguado:
            if np.dot(g, d) >= 0:
                d = -g
            d = busqueda_armijo(contador.f, x, d, contador.f(x), g) * d
        x = x + d
        g = contador.gradiente(x)
        camino.append(x)
        convergio = bool(np.max(np.abs(g)) <= tolerancia)
    return _resultado("newton-amortiguado" if amortiguado else "newton", camino, contador, convergio)


def _primer_alfa(g):
    """Primer paso sin curvatura conocida: como mucho 1, y que no mueva más de una unidad (`1/‖∇f‖`)."""
    return min(1.0, 1.0 / float(np.linalg.norm(g)))


@validar_parametros(pasos=ENTERO_NO_NEGATIVO, tolerancia=NO_NEGATIVO)
def bfgs(funcion, inicio=None, pasos=100, tolerancia=1e-8, inversa_inicial=None, c1=1e-4, c2=0.9):
    """BFGS: `d = -H ∇f`, búsqueda de Wolfe, y `H ← (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ` con `ρ = 1/yᵀs`.

    `H` empieza en la identidad (o en `inversa_inicial`), como en `scipy.optimize.minimize(method="BFGS")`.
    Cada actualización cumple la ecuación secante `H y = s`: en una cuadrática `y = A s`, y `H` se acerca a
    `A⁻¹`. El `Resultado` guarda la `H` final en `inversa_hessiana`.
    """
    contador = _Contador(funcion)
    x = _inicio(funcion, inicio)
    n = x.size
    h = np.eye(n) if inversa_inicial is None else np.array(inversa_inicial, dtype="float64")
    valor, g = contador.f(x), contador.gradiente(x)
    camino = [x]
    convergio = bool(np.max(np.abs(g)) <= tolerancia)
    for k in range(pasos):
        if convergio:
            break
        d = -h @ g
        alfa0 = _primer_alfa(g) if k == 0 and inversa_inicial is None else 1.0
        alfa, valor_nuevo, g_nuevo = busqueda_wolfe(contador.f, contador.gradiente, x, d, valor, g, alfa0, c1, c2)
        s, y = alfa * d, g_nuevo - g
        sy = float(np.dot(s, y))
        if sy > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):  # Wolfe lo garantiza; por si se agota la búsqueda
            rho = 1.0 / sy
            izquierda = np.eye(n) - rho * np.outer(s, y)
            h = izquierda @ h @ izquierda.T + rho * np.outer(s, s)
        x, valor, g = x + s, valor_nuevo, g_nuevo
        camino.append(x)
        convergio = bool(np.max(np.abs(g)) <= tolerancia)
    return _resultado("bfgs", camino, contador, convergio, inversa=h)


def direccion_lbfgs(g, pares):
    """Recursión de dos bucles: `-H ∇f` con la inversa implícita de los pares `(s, y)` (del más antiguo al último).

    `H0 = γ I` con `γ = sᵀy / yᵀy` del último par (Nocedal y Wright, 7.20); sin pares, `-∇f`.
    """
    q = np.array(g, dtype="float64")
    alfas = []
    for s, y in reversed(pares):
        alfa = np.dot(s, q) / np.dot(y, s)
        q -= alfa * y
        alfas.append(alfa)
    if pares:
        s, y = pares[-1]
        q *= np.dot(s, y) / np.dot(y, y)
    for (s, y), alfa in zip(pares, reversed(alfas)):
        beta = np.dot(y, q) / np.dot(y, s)
        q += s * (alfa - beta)
    return -q


@validar_parametros(pasos=ENTERO_NO_NEGATIVO, tolerancia=NO_NEGATIVO, memoria=ENTERO_POSITIVO)
def lbfgs(funcion, inicio=None, pasos=100, tolerancia=1e-8, memoria=10, c1=1e-4, c2=0.9):
    """L-BFGS: como BFGS, pero sin guardar `H`: solo los `memoria` últimos pares `(s, y)` (`direccion_lbfgs`)."""
    contador = _Contador(funcion)
    x = _inicio(funcion, inicio)
    valor, g = contador.f(x), contador.gradiente(x)
    camino, pares = [x], []
    convergio = bool(np.max(np.abs(g)) <= tolerancia)
    for _ in range(pasos):
        if convergio:
            break
        d = direccion_lbfgs(g, pares)
        alfa0 = 1.0 if pares else _primer_alfa(g)
        alfa, valor_nuevo, g_nuevo = busqueda_wolfe(contador.f, contador.gradiente, x, d, valor, g, alfa0, c1, c2)
        s, y = alfa * d, g_nuevo - g
        if np.dot(s, y) > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            pares = (pares + [(s, y)])[-memoria:]
        x, valor, g = x + s, valor_nuevo, g_nuevo
        camino.append(x)
        convergio = bool(np.max(np.abs(g)) <= tolerancia)
    return _resultado("lbfgs", camino, contador, convergio)


@validar_parametros(metodo=Opciones(*METODOS))
def minimizar(metodo, funcion, **opciones):
    """Ejecuta un método de `METODOS` por su nombre (`newton-amortiguado` es `newton(amortiguado=True)`)."""
    if metodo == "newton-amortiguado":
        return newton(funcion, amortiguado=True, **opciones)
    return {"newton": newton, "bfgs": bfgs, "lbfgs": lbfgs}[metodo](funcion, **opciones)


def trayectoria_segundo_orden(metodo, funcion, pasos=100, inicio=None, **opciones):
    """Como `teoria.optimizadores.trayectoria`: los puntos visitados, array `(iteraciones + 1, 2)`."""
    return minimizar(metodo, funcion, pasos=pasos, inicio=inicio, **opciones).camino


@validar_parametros(
    metodo_scipy=Opciones(*dict.fromkeys(METODOS_SCIPY.values())), pasos=ENTERO_NO_NEGATIVO, tolerancia=POSITIVO
)
def referencia_scipy(metodo_scipy, funcion, inicio=None, pasos=200, tolerancia=1e-8):
    """`scipy.optimize.minimize(method=metodo_scipy)` (`Newton-CG`, `BFGS` o `L-BFGS-B`) con la misma tolerancia.

    Newton-CG recibe la misma hessiana (`hessiana`) y resuelve `H d = -∇f` con gradientes conjugados
    truncados y una búsqueda lineal; L-BFGS-B, sin cotas, es L-BFGS con 10 pares. Devuelve un `Resultado`
    con el camino que anota el callback y los contadores de SciPy (`nit`, `nfev`, `njev`, `nhev`).
    """
    from scipy.optimize import minimize

    opciones = {
        "Newton-CG": {"xtol": tolerancia * 1e-2, "maxiter": pasos},
        "BFGS": {"gtol": tolerancia, "maxiter": pasos},
        "L-BFGS-B": {"gtol": tolerancia, "ftol": 1e-15, "maxiter": pasos},
    }
    x0 = _inicio(funcion, inicio)
    camino = [x0]
    resultado = minimize(
        lambda x: float(funcion.f(x)),
        x0,
        jac=lambda x: np.asarray(funcion.gradiente(x), dtype="float64"),
        hess=(lambda x: hessiana(funcion, x)) if metodo_scipy == "Newton-CG" else None,
        method=metodo_scipy,
        callback=lambda xk: camino.append(np.array(xk, dtype="float64")),
        options=opciones[metodo_scipy],
    )
    if np.any(camino[-1] != resultado.x):
        camino.append(np.array(resultado.x, dtype="float64"))
    g = np.asarray(funcion.gradiente(resultado.x))
    return Resultado(
        metodo_scipy,
        np.array(camino),
        int(resultado.nit),
        int(getattr(resultado, "nfev", 0)),
        int(getattr(resultado, "njev", 0)),
        int(getattr(resultado, "nhev", 0)),
        bool(np.max(np.abs(g)) <= max(tolerancia, 1e-6)),
        np.asarray(resultado.hess_inv) if metodo_scipy == "BFGS" else None,
    )
