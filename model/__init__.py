"""The networks (`dcgan`), their configuration with the paper's defaults (`config`), the training step (`gan`)
and the BatchNorm statistics of real images that inference-mode analyses use (`batchnorm`).

May import only `model` itself and `utils.errors` (the user's-mistake error type, a module that imports
nothing), so that the networks can be reused anywhere.
"""
