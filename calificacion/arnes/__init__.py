"""El arnés: lo que corre dentro del aislamiento, junto al código del estudiante (`python -m arnes`).

Solo usa la biblioteca estándar y lo que la entrega importa (NumPy, Keras…): dentro de bubblewrap no ve
el resto del paquete. Sus módulos, de abajo arriba:

- `datos_pequenos`: los datos pequeños con el formato de los de verdad (CIFAR-100, los pájaros); el
  calificador también los usa para escribirlos una vez por clase y para conocer sus estadísticas.
- `canal`: los eventos que salen hacia el calificador (JSON firmado por una tubería).
- `archivos`: las rutas que la entrega lee (Colab, Drive, relativas) se sirven con los datos pequeños.
- `ipython`: `get_ipython()` para las celdas de Colab (`!unzip`, `%%time`, `%cd`…).
- `keras2`: lo que Keras 3 y TensorFlow 2.16+ quitaron o cambiaron de Keras 2.2–2.4 y tf.keras 2.x.
- `observacion`: entrenar, evaluar y predecir abaratados y anotados.
- `vigilancia`: el gancho de auditoría que detecta a la entrega tocando el arnés.
- `ejecucion`: ejecuta la entrega instrucción a instrucción; `__main__`, el programa.
"""
