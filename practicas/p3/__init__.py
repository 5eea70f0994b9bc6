"""Práctica 3: redes neuronales convolucionales (BaseNet, BaseNet++, ResNet50 en pájaros)."""
