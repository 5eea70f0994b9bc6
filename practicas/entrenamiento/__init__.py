"""Entrenamiento de redes: optimizadores (de primer y segundo orden), tasas, inicialización, activaciones y regularización.

Práctica construida a partir de las clases «Entrenamiento de redes neuronales» (Bariloche y Granada) y
«Aprendizaje de Máquinas: redes profundas»: cada ejercicio escribe en NumPy lo que hace Keras y lo
comprueba contra Keras.
"""
