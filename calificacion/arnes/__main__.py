"""`python -I -m arnes TRABAJO.json`: ver `principal`."""

from .principal import lanzar

if __name__ == "__main__":
    lanzar()
