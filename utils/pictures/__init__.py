"""Drawing: sample grids and the progress GIF (`images`), loss plots (`plots`), latent batches and G's samples (`samples`).

May import utils.files, utils.data and model.
"""
