"""Suites de calificación: un módulo de pruebas por práctica (`p3.py`) y sus tareas (`p3_tareas.py`)."""
