"""Preprocesado de las entradas (centrar, PCA, blanqueo), aumento de datos, convolución y pooling.

Clases «Entrenamiento de redes neuronales» (Granada: preprocesamiento, PCA y blanqueo; Bariloche: aumento
de datos), «Aprendizaje de Máquinas: redes profundas» (convolución y correlación cruzada) y «CNNs» (stride,
padding, pooling, aumento offline y online): cada ejercicio escribe en NumPy lo que hacen scikit-learn y
Keras y lo comprueba contra ellos.
"""
