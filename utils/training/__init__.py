"""Running a training: the loop over epochs with its run directory and history (`trainer`), checkpoints and saved networks (`checkpoints`),
TensorBoard events (`summaries`).

May import utils.files, utils.data, model and utils.pictures.
"""
