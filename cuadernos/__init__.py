"""Cuadernos de Jupyter/Colab de las prácticas, generados desde `cuadernos/fuentes/*.py` (ver `generar.py`).

No forma parte del paquete instalado: se usa desde el checkout (`python -m cuadernos`).
"""
