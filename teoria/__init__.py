"""El material de las clases de teoría escrito en NumPy, para leerlo y compararlo con Keras.

Clases «Entrenamiento de redes neuronales» (Bariloche y Granada) y «Aprendizaje de Máquinas: redes
profundas». Cada módulo escribe en NumPy lo que hace Keras y dice con qué pieza de Keras coincide:

- `optimizadores`: SGD, momento, Nesterov, AdaGrad, RMSProp, Adam y Adadelta (`crear_optimizador`), las
  funciones de prueba de la clase y el SGD por mini-lotes de la regresión lineal;
- `activaciones`: las funciones de activación y sus derivadas (`ACTIVACIONES`, `zonas_saturadas`);
- `inicializacion`: los esquemas de inicialización y las activaciones por capa de un MLP profundo;
- `regularizacion`: penalizaciones L1, L2 y elastic net, `dropout_invertido` y `batch_norm` (la parada
  temprana de la clase, como callback de `trainModel`, es `utilidades.ParadaTemprana`);
- `regularizacion_extra`: dropout estándar frente a invertido, suavizado de etiquetas, estandarización de
  pesos, mini-lotes balanceados, las ganancias por peso de Hinton y tasas de aprendizaje por capa;
- `segundo_orden`: Newton, BFGS y L-BFGS con búsqueda de línea, y SciPy como referencia;
- `busqueda`: búsqueda de hiperparámetros en rejilla frente a aleatoria;
- `preprocesado`: centrado, PCA, blanqueo PCA y ZCA y reducción con SVD;
- `aumento`: aumentos de la clase (color de AlexNet, recorte y escala, ruido, deformación elástica);
- `convolucion`: convolución y correlación a mano, agrupamiento máximo y medio, tamaño de salida.

La API de entrenamiento del estudiante (`compileModel`, `trainModel`, `testModel`...) está en `utilidades`;
los programas de la tasa de aprendizaje, que son `LearningRateSchedule` de Keras, en `utilidades.tasas`.
"""
