"""The library behind the notebooks and the CLI, one package per concern, imported in one direction only:

    data -> model -> pictures -> training -> evaluation | analysis -> front doors (dcgan.py, notebooks)

`utils.files` (durable writes) and `utils.startup` (importing TensorFlow without its C++ start-up lines;
it imports nothing of the project) sit below them all; `utils.notebook` is the notebooks' front door.
ARCHITECTURE.md has the map; tests/test_architecture.py keeps the direction.
"""
