"""Looking inside trained networks (paper Sec. 6): saliency, latent walks and arithmetic, filters, memorisation, run comparisons.

May import utils.files, utils.data, model, utils.pictures and utils.training; not utils.evaluation, never a front door.
"""
