"""Measuring trained networks: sample quality (FID, KID, domain classifier), the paper's SVM protocol (Sec. 5), speed (`bench`).

May import utils.files, utils.data, model, utils.pictures and utils.training; not utils.analysis, never a front door.
"""
