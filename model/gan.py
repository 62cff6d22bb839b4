"""The adversarial training step (Goodfellow et al. 2014; DCGAN paper Sec. 4) and its checkpointable state.

Why a `GradientTape` step inside `tf.function` rather than `train_step` under `Model.fit`: the run
loop checkpoints mid-epoch, resumes in the middle of an epoch with the same data order, and writes
pictures between epochs; an explicit loop says all of that plainly, and the compiled step is the
same graph either way.

Each step updates D once, then G once (as the original code alternates them), with binary
cross-entropy on logits and the non-saturating generator loss -log D(G(z)) (paper Sec. 4 /
Goodfellow et al. 2014 Sec. 3). Real and fake batches go through D in separate calls: concatenated,
they would share one set of BatchNorm batch statistics, which is not what the paper trains.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator


def _cross_entropy(labels, logits):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


class DCGAN:
    """G, D, their Adam optimizers, the step/epoch counters and the latent random generator."""

    def __init__(self, config: DCGANConfig, jit_compile: bool = False):
        self.config = config
        self.generator = build_generator(config)
        self.discriminator = build_discriminator(config)
        # Sec. 4: Adam, lr 0.0002, beta_1 0.5; one optimizer per network.
        self.g_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1, name="g_adam")
        self.d_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1, name="d_adam")
        if config.precision == "mixed_float16":
            # float16 gradients underflow without loss scaling; each network gets its own dynamic scale.
            self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer, name="g_loss_scale")
            self.d_optimizer = keras.optimizers.LossScaleOptimizer(self.d_optimizer, name="d_loss_scale")
        # Built now so that a checkpoint restores their slots before the first step is traced.
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")   # completed epochs
        # The step at which the current epoch began: a resumed epoch skips (step - epoch_start) batches,
        # which stays right when a streamed epoch was shorter than planned (corrupt images skipped).
        self.epoch_start = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch_start")
        self.latent_rng = tf.random.Generator.from_seed(config.seed)
        # XLA fuses the step's small ops, which pays on GPUs; on CPUs it is often slower (see `dcgan.py bench --xla`).
        self.train_step = tf.function(self._train_step, reduce_retracing=True, jit_compile=jit_compile)

    def checkpoint(self) -> tf.train.Checkpoint:
        # Keras keeps the random state of layers such as Dropout outside the model's checkpointed
        # weights; saved explicitly, a resumed NOBN run draws the same dropout masks as an unbroken one.
        layer_rng = {f"{model.name}.{layer.name}": layer.seed_generator.state.value
                     for model in (self.generator, self.discriminator) for layer in model.layers
                     if getattr(layer, "seed_generator", None) is not None}
        return tf.train.Checkpoint(generator=self.generator, discriminator=self.discriminator,
                                   g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
                                   step=self.step, epoch=self.epoch, epoch_start=self.epoch_start,
                                   latent_rng=self.latent_rng, layer_rng=layer_rng)

    @staticmethod
    def _scaled(optimizer, loss):
        """The loss times the optimizer's loss scale (mixed_float16), or the loss itself."""
        return optimizer.scale_loss(loss) if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else loss

    def _train_step(self, real_images):
        """One D update and one G update on a batch of real images in [-1, 1]; returns the scalars to log."""
        batch_size = tf.shape(real_images)[0]
        latent = self.latent_rng.normal((batch_size, self.config.latent_dim))

        with tf.GradientTape() as tape:
            fake_images = self.generator(latent, training=True)
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss_real = _cross_entropy(tf.ones_like(real_logits), real_logits)
            d_loss_fake = _cross_entropy(tf.zeros_like(fake_logits), fake_logits)
            d_loss = d_loss_real + d_loss_fake
            scaled_d_loss = self._scaled(self.d_optimizer, d_loss)   # on the tape: the scale must be differentiated
        d_gradients = tape.gradient(scaled_d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_gradients, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:
            fake_logits_for_g = self.discriminator(self.generator(latent, training=True), training=True)
            g_loss = _cross_entropy(tf.ones_like(fake_logits_for_g), fake_logits_for_g)   # -log D(G(z))
            scaled_g_loss = self._scaled(self.g_optimizer, g_loss)
        g_gradients = tape.gradient(scaled_g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_gradients, self.generator.trainable_variables))

        self.step.assign_add(1)
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),    # D(x): near 1 when D wins
            "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits)),    # D(G(z)) before the G update
        }
