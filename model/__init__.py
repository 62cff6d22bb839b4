"""The networks (`dcgan`), their configuration with the paper's defaults (`config`) and the training step (`gan`).

May import only `model` itself (never `utils`), so that the networks can be reused anywhere.
"""
