"""The networks (`dcgan`), their configuration with the paper's defaults (`config`) and the training step (`gan`).

May import only `model` itself and `utils.errors` (the user's-mistake error type, a module that imports
nothing), so that the networks can be reused anywhere.
"""
