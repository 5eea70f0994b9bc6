"""Arquitecturas modernas: bloques Inception y residuales, desvanecimiento del gradiente y conjuntos de modelos.

Práctica construida a partir de las clases «CNNs» (Inception, ResNet, convoluciones 1×1, desvanecimiento
del gradiente), «Aprendizaje de Máquinas: redes profundas» (GoogLeNet, ResNet, batch normalization) y
«Entrenamiento de redes neuronales» (Model Ensembles, instantáneas de Huang et al., 2017). Ejercicios:
`bloques`, `gradientes` y `conjuntos`; los resultados van a `resultados/arquitecturas-<ejercicio>`.
"""
