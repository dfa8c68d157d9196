"""`ElectraPretrainer`: generator and discriminator trained as one model."""

import keras
from keras import ops

from keras_electra.config import ElectraConfig
from keras_electra.layers.discriminator_head import ElectraDiscriminatorHead
from keras_electra.layers.generator_head import electra_generator_head
from keras_electra.models.pretraining_ops import masked_lm_accuracy
from keras_electra.models.pretraining_ops import masked_lm_losses
from keras_electra.models.pretraining_ops import replace_at_positions
from keras_electra.models.pretraining_ops import replaced_token_detection_losses
from keras_electra.models.pretraining_ops import replaced_token_labels
from keras_electra.models.pretraining_ops import sample_tokens
from keras_electra.models.replicas import global_weighted_means
from keras_electra.models.replicas import scale_loss_for_replicas
from keras_electra.models.remat import check_remat_mode
from keras_electra.models.remat import rematerialize_pretrainer
from keras_electra.models.towers import ElectraConfigModel
from keras_electra.models.towers import as_electra_config
from keras_electra.models.towers import discriminator_tower
from keras_electra.models.towers import generator_tower
from keras_electra.models.towers import shared_embeddings

BATCH_KEYS = (
    "token_ids",
    "segment_ids",
    "padding_mask",
    "mask_positions",
    "mask_ids",
    "mask_weights",
)


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraPretrainer(ElectraConfigModel):
    """ELECTRA replaced-token detection: a generator and a discriminator.

    `call` composes steps 3 to 5 of the objective (all five are mapped in
    `keras_electra.data.masking`): `generate` runs the generator (a small
    masked LM) at the masked positions; `corrupt` samples one replacement
    per slot from it (Gumbel-max, float32, no gradient), writes the samples
    into the input and labels every token replaced or original (a sample
    equal to the original counts as original); `discriminate` scores every
    token. Both towers share the token, position and segment embeddings and
    the embedding LayerNorm, and train together on `mlm_weight * mlm_loss +
    disc_weight * disc_loss` with one optimizer, so `fit()` and
    `evaluate()` work unchanged on TensorFlow, JAX and PyTorch.

    Batches are dicts of fixed-shape tensors (as `keras_electra.data`
    produces): `token_ids` (already masked), `segment_ids`, `padding_mask`
    (`[batch, sequence_length]`), and `mask_positions`, `mask_ids` (the
    original tokens) and `mask_weights` (`[batch, max_predictions]`, 0 for
    padded slots).

    Args:
        config: `ElectraConfig`, its dict, or a preset name.
        seed: int or None. Seed of the sampling noise.
        dtype: dtype policy, e.g. `"mixed_bfloat16"`.
        remat: str. What recomputes its activations in the backward pass
            to save memory: `"none"`, `"layers"` (each transformer layer)
            or `"full"` (also the embeddings and heads); see
            `keras_electra.models.remat`. Losses and gradients are the
            same in every mode.

    Example:
    ```python
    pretrainer = keras_electra.ElectraPretrainer("tiny", seed=0)
    pretrainer.compile(optimizer=keras.optimizers.AdamW(5e-4, epsilon=1e-6))
    pretrainer.fit(dataset, steps_per_epoch=100)
    pretrainer.discriminator.save("discriminator.keras")
    ```
    """

    def __init__(
        self, config="small", seed=None, dtype=None, remat="none", **kwargs
    ):
        check_remat_mode(remat)
        super().__init__(dtype=dtype, **kwargs)
        config = as_electra_config(config)
        dtype = self.dtype_policy

        # === Layers ===
        self.embeddings = shared_embeddings(config, dtype)
        self.generator = generator_tower(config, self.embeddings, dtype)
        self.discriminator = discriminator_tower(config, self.embeddings, dtype)
        # The head runs at the masked positions only, in float32: its logits
        # feed float32 sampling and loss, and keras-hub's MaskedLMHead adds
        # its float32 bias without autocasting.
        self.generator_head = electra_generator_head(
            self.embeddings.token_embedding,
            dtype="float32",
            activation=config.activation,
        )
        self.discriminator_head = ElectraDiscriminatorHead(
            config.hidden_dim,
            activation=config.activation,
            dtype=dtype,
            name="discriminator_head",
        )
        self.generator_head.build(
            (None, None, config.generator_hidden_dim), (None, None)
        )
        self.discriminator_head.build((None, None, config.hidden_dim))
        rematerialize_pretrainer(
            self, remat, heads=(self.generator_head, self.discriminator_head)
        )
        self.seed_generator = keras.random.SeedGenerator(seed, name="sampling")

        # === Metrics ===
        self.mlm_loss_tracker = keras.metrics.Mean(name="mlm_loss")
        self.mlm_accuracy = masked_lm_accuracy()
        self.disc_loss_tracker = keras.metrics.Mean(name="disc_loss")
        self.disc_accuracy = keras.metrics.BinaryAccuracy(name="disc_accuracy")
        self.disc_precision = keras.metrics.Precision(name="disc_precision")
        self.disc_recall = keras.metrics.Recall(name="disc_recall")
        self.disc_auc = keras.metrics.AUC(name="disc_auc")
        self.replaced_fraction = keras.metrics.Mean(name="replaced_fraction")

        # === Config ===
        self.config = config
        self.seed = seed
        self.remat = remat
        self.build()

    def build(self, input_shape=None):
        # Every layer is built in `__init__`; batches may have any shape.
        self.built = True

    def call(self, inputs, training=False):
        """Runs one ELECTRA forward pass: generate, corrupt, discriminate.

        Returns:
            A dict: `mlm_logits` `[batch, max_predictions, vocab]`,
            `disc_logits` and `disc_labels` `[batch, sequence_length]`
            (float32), and `corrupted_ids`, the discriminator's input
            `[batch, sequence_length]`.
        """
        missing = [key for key in BATCH_KEYS if key not in inputs]
        if missing:
            raise ValueError(
                "ElectraPretrainer batches need the keys "
                f"{', '.join(BATCH_KEYS)}; missing: {', '.join(missing)}."
            )
        mlm_logits = self.generate(inputs, training=training)
        corrupted_ids, disc_labels = self.corrupt(inputs, mlm_logits)
        disc_logits = self.discriminate(
            corrupted_ids,
            inputs["segment_ids"],
            inputs["padding_mask"],
            training=training,
        )
        return {
            "mlm_logits": mlm_logits,
            "disc_logits": disc_logits,
            "disc_labels": disc_labels,
            "corrupted_ids": corrupted_ids,
        }

    def generate(self, inputs, training=False):
        """Step 3: the generator's masked-LM logits at the masked positions.

        Args:
            inputs: a batch dict (`token_ids`, `segment_ids`,
                `padding_mask`, `mask_positions`).
            training: bool. Whether dropout is on.

        Returns:
            float32 logits `[batch, max_predictions, vocabulary_size]`.
        """
        generator_sequence = self.generator(
            {
                "token_ids": ops.cast(inputs["token_ids"], "int32"),
                "segment_ids": ops.cast(inputs["segment_ids"], "int32"),
                "padding_mask": ops.cast(inputs["padding_mask"], "int32"),
            },
            training=training,
        )
        return self.generator_head(
            generator_sequence,
            mask_positions=ops.cast(inputs["mask_positions"], "int32"),
        )

    def corrupt(self, inputs, mlm_logits, seed_generator=None):
        """Step 4 and the labels of step 5: sample, write back, compare.

        Draws one token per used slot from `mlm_logits` (`seed_generator`,
        by default the model's, and `config.temperature`), writes the samples into
        the masked input and labels each token replaced (1.0) or original
        (0.0) against the input with the original tokens written back.

        Args:
            inputs: a batch dict (`token_ids`, `mask_positions`,
                `mask_ids`, `mask_weights`).
            mlm_logits: the output of `generate`.
            seed_generator: `keras.random.SeedGenerator` or None. Noise
                other than the training stream's (for measurements).

        Returns:
            `(corrupted_ids, disc_labels)`: int32 and float32 `[batch,
            sequence_length]`.
        """
        token_ids = ops.cast(inputs["token_ids"], "int32")
        positions = ops.cast(inputs["mask_positions"], "int32")
        weights = ops.convert_to_tensor(inputs["mask_weights"])
        sampled_ids = sample_tokens(
            mlm_logits, seed_generator or self.seed_generator, self.config.temperature
        )
        corrupted_ids = replace_at_positions(
            token_ids, positions, sampled_ids, weights
        )
        original_ids = replace_at_positions(
            token_ids, positions, inputs["mask_ids"], weights
        )
        return corrupted_ids, replaced_token_labels(corrupted_ids, original_ids)

    def discriminate(
        self, corrupted_ids, segment_ids, padding_mask, training=False
    ):
        """The discriminator of step 5: one replaced-token logit per token.

        Args:
            corrupted_ids: int tensor `[batch, sequence_length]`.
            segment_ids: int tensor `[batch, sequence_length]`.
            padding_mask: int tensor `[batch, sequence_length]`.
            training: bool. Whether dropout is on.

        Returns:
            float32 logits `[batch, sequence_length]`.
        """
        discriminator_sequence = self.discriminator(
            {
                "token_ids": ops.cast(corrupted_ids, "int32"),
                "segment_ids": ops.cast(segment_ids, "int32"),
                "padding_mask": ops.cast(padding_mask, "int32"),
            },
            training=training,
        )
        return ops.cast(self.discriminator_head(discriminator_sequence), "float32")

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """`mlm_weight * mlm_loss + disc_weight * disc_loss` (+ layer losses).

        The masked-LM loss averages over real mask slots, the discriminator
        loss over all real (non-padding) tokens, [CLS] and [SEP] included,
        both over the global batch: on N replicas each returns its share of
        the global means (`replicas.global_weighted_means`), so the summed
        gradients equal one device's on the whole batch.
        """
        mask_ids = x["mask_ids"]
        mask_weights = ops.cast(x["mask_weights"], "float32")
        padding_mask = ops.cast(x["padding_mask"], "float32")
        mlm_logits = ops.cast(y_pred["mlm_logits"], "float32")
        disc_logits = y_pred["disc_logits"]
        disc_labels = y_pred["disc_labels"]

        (mlm_share, disc_share), (mlm_loss, disc_loss) = global_weighted_means(
            [
                (masked_lm_losses(mask_ids, mlm_logits), mask_weights),
                (
                    replaced_token_detection_losses(disc_labels, disc_logits),
                    padding_mask,
                ),
            ]
        )
        loss = (
            self.config.mlm_weight * mlm_share
            + self.config.disc_weight * disc_share
        )
        if self.losses:
            loss = loss + scale_loss_for_replicas(ops.sum(self.losses))

        disc_probabilities = ops.sigmoid(disc_logits)
        self.mlm_loss_tracker.update_state(mlm_loss)
        self.mlm_accuracy.update_state(
            mask_ids, mlm_logits, sample_weight=mask_weights
        )
        self.disc_loss_tracker.update_state(disc_loss)
        for metric in (
            self.disc_accuracy,
            self.disc_precision,
            self.disc_recall,
            self.disc_auc,
        ):
            metric.update_state(
                disc_labels, disc_probabilities, sample_weight=padding_mask
            )
        self.replaced_fraction.update_state(
            disc_labels, sample_weight=padding_mask
        )
        return loss
