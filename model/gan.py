"""The adversarial training step (Goodfellow et al. 2014; DCGAN paper Sec. 4) and its checkpointable state.

Why a `GradientTape` step inside `tf.function` rather than `train_step` under `Model.fit`: the run
loop checkpoints mid-epoch, resumes in the middle of an epoch with the same data order, and writes
pictures between epochs; an explicit loop says all of that plainly, and the compiled step is the
same graph either way.

Each step updates D once, then G once under the updated D (as the original code alternates them),
with binary cross-entropy on logits and the non-saturating generator loss -log D(G(z)) (paper Sec. 4 /
Goodfellow et al. 2014 Sec. 3). Real and fake batches go through D in separate calls: concatenated,
they would share one set of BatchNorm batch statistics, which is not what the paper trains.

`update="simultaneous"` takes both updates from one forward pass instead, as the TensorFlow DCGAN
tutorial does: one D pass fewer per step, and G's gradient comes from D before D's update
(simultaneous rather than alternating gradient descent; Mescheder et al. 2018, arXiv:1801.04406,
compare the two).

Several devices (`tf.distribute.MirroredStrategy`, or `MultiWorkerMirroredStrategy` across
machines) run the same step: each replica takes its slice of the global batch, every loss is
averaged over the global batch, and Keras' optimizers sum the replicas' gradients, so one
distributed step computes the update of one single-device step on the whole batch (exactly so
with `sync_batch_norm`, whose BatchNorm statistics are those of the global batch).
"""

from __future__ import annotations

import json
import os

import keras
import tensorflow as tf

from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator
from utils.errors import UsageError

STRATEGIES = ("default", "mirrored", "multiworker")
CLUSTERS = ("tf_config", "slurm")
TF_CONFIG_EXAMPLE = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:23450", "host2:23450"]}, '
                     '"task": {"type": "worker", "index": 0}}\' (index 1 on the second machine)')


def check_tf_config(text: str | None) -> dict:
    """TF_CONFIG's cluster and task, checked: one line naming the variable and an example for anything
    MultiWorkerMirroredStrategy would trip over (missing, not JSON, no worker list, a task not in it)."""
    def refuse(reason):
        raise UsageError(f"--strategy multiworker: {reason}; set it in every worker's environment, e.g. "
                         f"{TF_CONFIG_EXAMPLE}")

    if not text:
        refuse("TF_CONFIG is not set")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        refuse(f"TF_CONFIG is not JSON ({error.msg} at character {error.pos})")
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        refuse("TF_CONFIG has no \"cluster\" object")
    cluster, task = config["cluster"], config.get("task")
    if not all(isinstance(cluster.get(kind, []), list) for kind in cluster) or not (
            cluster.get("worker") or cluster.get("chief")):
        refuse("TF_CONFIG's cluster lists no \"worker\" (or \"chief\") addresses")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        refuse("TF_CONFIG has no \"task\" with a \"type\" and an \"index\"")
    members = cluster.get(task["type"])
    if not isinstance(members, list) or not isinstance(task["index"], int) or not 0 <= task["index"] < len(members):
        refuse(f"TF_CONFIG's task {task['type']} {task['index']} is not in its cluster ({json.dumps(cluster)})")
    return config


def cluster_resolver(cluster: str = "tf_config"):
    """The cluster of a multi-worker run: from TF_CONFIG (what Kubernetes' training operators and Vertex AI
    set), or from the Slurm job this process runs in."""
    if cluster == "tf_config":
        check_tf_config(os.environ.get("TF_CONFIG"))
        return tf.distribute.cluster_resolver.TFConfigClusterResolver()
    if cluster == "slurm":
        if "SLURM_JOB_ID" not in os.environ:
            raise UsageError("--cluster slurm: this process is not in a Slurm job (no SLURM_JOB_ID); start it with "
                             "srun inside an sbatch or salloc allocation, one task per worker")
        return tf.distribute.cluster_resolver.SlurmClusterResolver()
    raise UsageError(f"--cluster must be one of {', '.join(CLUSTERS)}, got {cluster!r}")


def make_strategy(name: str, cluster: str = "tf_config") -> tf.distribute.Strategy | None:
    """None for one device; MirroredStrategy for the GPUs (or CPUs) of this machine; MultiWorkerMirrored
    across the machines of `cluster` (TF_CONFIG, or Slurm).

    Call it before anything else in the process runs a TensorFlow op: collective ops can only be
    configured while the runtime is not yet initialised ("Collective ops must be configured at
    program startup"). A worker that dies is noticed by the strategy's health check of its peers, and
    the others stop with an error instead of waiting for it."""
    if name == "default":
        return None
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=cluster_resolver(cluster))
    raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")


def is_chief(strategy: tf.distribute.Strategy | None) -> bool:
    """Whether this process writes the run directory: always without a cluster; in a cluster, the task
    named "chief", or worker 0 when there is none (the TF multi-worker guide's convention)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def worker_count(strategy: tf.distribute.Strategy | None) -> int:
    """Processes in the run's cluster (1 without one)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return 1
    spec = resolver.cluster_spec()
    return sum(spec.num_tasks(job) for job in ("chief", "worker") if job in spec.jobs)


def _mean_cross_entropy(labels, logits, global_batch_size):
    """Cross-entropy summed over this replica's examples and divided by the global batch size."""
    per_example = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.reduce_sum(per_example) / tf.cast(global_batch_size, per_example.dtype)


class DCGAN:
    """G, D, their Adam optimizers, the step/epoch counters and the latent random generator."""

    def __init__(self, config: DCGANConfig, jit_compile: bool = False, strategy: tf.distribute.Strategy | None = None):
        self.config = config
        self.distributed = strategy is not None
        self.strategy = strategy or tf.distribute.get_strategy()
        if self.distributed and config.batch_size % self.strategy.num_replicas_in_sync:
            raise UsageError(f"--batch-size {config.batch_size} does not split evenly over "
                             f"{self.strategy.num_replicas_in_sync} replicas; choose a multiple of it")
        with self.strategy.scope():
            self.generator = build_generator(config)
            self.discriminator = build_discriminator(config)
            # Sec. 4: Adam, lr 0.0002, beta_1 0.5; one optimizer per network (with its own rate under TTUR).
            self.g_optimizer = keras.optimizers.Adam(config.g_learning_rate, beta_1=config.beta_1, name="g_adam")
            self.d_optimizer = keras.optimizers.Adam(config.d_learning_rate, beta_1=config.beta_1, name="d_adam")
            if config.precision == "mixed_float16":
                # float16 gradients underflow without loss scaling; each network gets its own dynamic scale.
                self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer, name="g_loss_scale")
                self.d_optimizer = keras.optimizers.LossScaleOptimizer(self.d_optimizer, name="d_loss_scale")
            # The averaged G (config.ema): a second generator that follows G's weights after every update.
            self.ema_generator = None
            if config.ema:
                self.ema_generator = build_generator(config)
                self.ema_generator.name = "generator_ema"
                self.ema_generator.set_weights(self.generator.get_weights())
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
        compile_options = dict(reduce_retracing=True, jit_compile=jit_compile)
        self.train_step = tf.function(self._train_step, **compile_options)
        # The loop around the steps stays outside XLA, which cannot compile reads from a dataset iterator;
        # with XLA it calls the compiled step, otherwise the step is traced into the loop's own graph.
        self._step_in_loop = self.train_step if jit_compile else self._train_step
        self.train_steps = tf.function(self._train_steps, reduce_retracing=True)
        self.update = tf.function(self._update, **compile_options)

    @property
    def steps_done(self) -> int:
        return int(self.step.numpy())   # .numpy(): a MirroredVariable has no __int__

    @property
    def epochs_done(self) -> int:
        return int(self.epoch.numpy())

    def distribute(self, dataset: tf.data.Dataset):
        """The dataset as the step wants it: split across replicas under a strategy, as it is otherwise.

        Across workers each takes its share of every global batch (sharding by data: every worker runs the
        same seeded shuffle and keeps its own elements), so an epoch is one pass over the data for the whole
        cluster and the workers' shards of a step are together the one-process batch. (Streams trained
        by several workers are split by file instead: `utils.training.trainer.epoch_batches`.)"""
        if not self.distributed:
            return dataset
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return self.strategy.experimental_distribute_dataset(dataset.with_options(options))

    def checkpoint(self) -> tf.train.Checkpoint:
        # Keras keeps the random state of layers such as Dropout outside the model's checkpointed
        # weights; saved explicitly, a resumed NOBN run draws the same dropout masks as an unbroken one.
        layer_rng = {f"{model.name}.{layer.name}": layer.seed_generator.state.value
                     for model in (self.generator, self.discriminator) for layer in model.layers
                     if getattr(layer, "seed_generator", None) is not None}
        extra = {"ema_generator": self.ema_generator} if self.ema_generator is not None else {}
        return tf.train.Checkpoint(generator=self.generator, discriminator=self.discriminator,
                                   g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
                                   step=self.step, epoch=self.epoch, epoch_start=self.epoch_start,
                                   latent_rng=self.latent_rng, layer_rng=layer_rng, **extra)

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator to draw samples from: the averaged one when the run has it, else G."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def _update_average(self):
        """The averaged G after G's t-th update: sum_s (1 - d) d^(t - s) G_s / (1 - d^t), an exponential moving
        average of G along its trajectory with no weight left on G's random start, as TensorFlow's
        `assign_moving_average(..., zero_debias=True)` and Adam's bias correction debias theirs (without it,
        0.999 ** 936 = 39% of the average is still the initial weights after 2 epochs of Fashion-MNIST).
        In place: ema <- d_t ema + (1 - d_t) G with d_t = d (1 - d^(t-1)) / (1 - d^t), so d_1 = 0 and d_t -> d.

        Every weight of G is averaged, BatchNorm's moving mean and variance included (as the authors' code,
        yasinyazici/EMA_GAN, averages all of G's variables), so the averaged G's statistics are the average
        of G's and no pass over data is needed before sampling from it."""
        decay = tf.constant(self.config.ema, tf.float32)
        updates = tf.cast(self.g_optimizer.iterations, tf.float32)   # t: G's updates so far, this one included
        step_decay = decay * (1.0 - tf.pow(decay, updates - 1.0)) / (1.0 - tf.pow(decay, updates))
        for average, current in zip(self.ema_generator.weights, self.generator.weights):
            average.assign(step_decay * average + (1.0 - step_decay) * tf.cast(current, average.dtype))

    def _real_targets(self, real_logits):
        """D's targets for real images: 1, or 1 - label_smoothing (one-sided: G's targets stay 1)."""
        return tf.fill(tf.shape(real_logits), tf.cast(1.0 - self.config.label_smoothing, real_logits.dtype))

    @staticmethod
    def _scaled(optimizer, loss):
        """The loss times the optimizer's loss scale (mixed_float16), or the loss itself."""
        return optimizer.scale_loss(loss) if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else loss

    def _train_step(self, real_images):
        """One D and one G update on a batch in [-1, 1] (distributed: a batch from `distribute`)."""
        values = self._update(real_images)
        self.step.assign_add(1)
        return values

    def _train_steps(self, iterator, max_steps):
        """Up to `max_steps` steps on batches from `iterator` in one compiled call (fewer if it runs out).

        Returns each logged value as a vector with one entry per step done. Where a step is as short as
        a call's overhead (small models on a GPU), several steps per call keep Python and the runtime's
        per-call work off most steps.
        """
        values = {key: tf.TensorArray(tf.float32, size=0, dynamic_size=True) for key in LOGGED}
        done = tf.constant(0)
        for _ in tf.range(max_steps):
            batch = iterator.get_next_as_optional()
            if not batch.has_value():
                break
            step_values = self._step_in_loop(batch.get_value())
            values = {key: values[key].write(done, tf.cast(step_values[key], tf.float32)) for key in LOGGED}
            done += 1
        return {key: values[key].stack() for key in LOGGED}

    def _update(self, real_images, latent=None):
        """One D and one G update; latent vectors are drawn from `latent_rng` unless given (tests give them).

        Under a strategy both arguments come split across replicas, each replica updates from its slice,
        and the replicas' shares of each logged mean are summed. Does not advance `step`.
        """
        def replica_update(images, local_latent=None):
            if local_latent is None:
                local_latent = self.latent_rng.normal((tf.shape(images)[0], self.config.latent_dim))
            global_batch = tf.shape(images)[0] * self.strategy.num_replicas_in_sync
            return self._replica_update(images, local_latent, global_batch)

        arguments = (real_images,) if latent is None else (real_images, latent)
        if not self.distributed:
            values = replica_update(*arguments)
        else:
            values = self.strategy.run(replica_update, args=arguments)
            values = {key: self.strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
                      for key, value in values.items()}
        if self.ema_generator is not None:
            # In cross-replica context: G's weights are the same on every replica after the update.
            self._update_average()
        return values

    def _replica_update(self, real_images, latent, global_batch_size):
        """This replica's update; every scalar it returns is this replica's share of the global mean."""
        if self.config.update == "simultaneous":
            return self._simultaneous_update(real_images, latent, global_batch_size)
        return self._alternating_update(real_images, latent, global_batch_size)

    def _alternating_update(self, real_images, latent, global_batch_size):
        """D then G on this replica's images.

        G's weights do not change during D's update, so G(z) is computed once: its tape is kept, and
        G's gradient is the gradient of G's loss under the updated D, passed back through that tape.
        """
        with tf.GradientTape() as generator_tape:
            fake_images = self.generator(latent, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss = (_mean_cross_entropy(self._real_targets(real_logits), real_logits, global_batch_size)
                      + _mean_cross_entropy(tf.zeros_like(fake_logits), fake_logits, global_batch_size))
            scaled_d_loss = self._scaled(self.d_optimizer, d_loss)   # on the tape: the scale must be differentiated
        d_gradients = tape.gradient(scaled_d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_gradients, self.discriminator.trainable_variables))

        with tf.GradientTape() as tape:
            tape.watch(fake_images)
            fake_logits_for_g = self.discriminator(fake_images, training=True)   # the updated D
            g_loss = _mean_cross_entropy(tf.ones_like(fake_logits_for_g), fake_logits_for_g,   # -log D(G(z))
                                         global_batch_size)
            scaled_g_loss = self._scaled(self.g_optimizer, g_loss)
        image_gradients = tape.gradient(scaled_g_loss, fake_images)
        g_gradients = generator_tape.gradient(fake_images, self.generator.trainable_variables,
                                              output_gradients=image_gradients)
        self.g_optimizer.apply_gradients(zip(g_gradients, self.generator.trainable_variables))

        return _logged(d_loss, g_loss, real_logits, fake_logits, global_batch_size)

    def _simultaneous_update(self, real_images, latent, global_batch_size):
        """D and G from the same forward pass: G's gradient comes from D as it was before D's update."""
        with tf.GradientTape() as generator_tape, tf.GradientTape() as tape:
            fake_images = self.generator(latent, training=True)
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            d_loss = (_mean_cross_entropy(self._real_targets(real_logits), real_logits, global_batch_size)
                      + _mean_cross_entropy(tf.zeros_like(fake_logits), fake_logits, global_batch_size))
            g_loss = _mean_cross_entropy(tf.ones_like(fake_logits), fake_logits, global_batch_size)
            scaled_d_loss = self._scaled(self.d_optimizer, d_loss)
            scaled_g_loss = self._scaled(self.g_optimizer, g_loss)
        d_gradients = tape.gradient(scaled_d_loss, self.discriminator.trainable_variables)
        g_gradients = generator_tape.gradient(scaled_g_loss, self.generator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_gradients, self.discriminator.trainable_variables))
        self.g_optimizer.apply_gradients(zip(g_gradients, self.generator.trainable_variables))
        return _logged(d_loss, g_loss, real_logits, fake_logits, global_batch_size)


LOGGED = ("d_loss", "g_loss", "d_real", "d_fake")


def _logged(d_loss, g_loss, real_logits, fake_logits, global_batch_size):
    """The step's logged values, each this replica's share of the global mean."""
    batch = tf.cast(global_batch_size, tf.float32)
    return {
        "d_loss": d_loss,
        "g_loss": g_loss,
        "d_real": tf.reduce_sum(tf.sigmoid(real_logits)) / batch,    # D(x): near 1 when D wins
        "d_fake": tf.reduce_sum(tf.sigmoid(fake_logits)) / batch,    # D(G(z)) before G's update
    }
