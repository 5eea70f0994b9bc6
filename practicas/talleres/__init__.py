"""Talleres de la clase de CNN: MNIST, perros y gatos, arquitecturas clásicas y características guardadas.

Ejercicios: `mnist` (la red del taller MNIST), `perros-gatos` (CNN desde cero y VGG16 con transfer
learning y ajuste fino), `arquitecturas` (LeNet-5, AlexNet, VGG-16 y las calculadoras de la clase) y
`caracteristicas` (pasar las imágenes una vez por VGG16, guardar sus características y entrenar una red
densa sobre ellas). Todos funcionan sin conexión; los resultados van a `resultados/talleres-<ejercicio>`.
"""
