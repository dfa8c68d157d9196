"""`MaskedLMPretrainer`: the BERT-style masked-LM baseline of ELECTRA.

The comparison the ELECTRA paper makes (Clark et al., 2020, Table 1's
BERT-Small; Table 5's "BERT"): one encoder of the discriminator's size
trained as a masked language model. Same embeddings, encoder layers,
initializers, optimizer and data pipeline as `ElectraPretrainer`, so a run
of each differs only in the objective.

Model-side code: Keras only, no TensorFlow import.
"""

import keras
from keras import ops

from keras_electra.layers.generator_head import electra_generator_head
from keras_electra.models.pretraining_ops import masked_lm_accuracy
from keras_electra.models.pretraining_ops import masked_lm_losses
from keras_electra.models.replicas import global_weighted_means
from keras_electra.models.replicas import scale_loss_for_replicas
from keras_electra.models.remat import check_remat_mode
from keras_electra.models.remat import rematerialize_pretrainer
from keras_electra.models.towers import ElectraConfigModel
from keras_electra.models.towers import as_electra_config
from keras_electra.models.towers import discriminator_tower
from keras_electra.models.towers import shared_embeddings

BATCH_KEYS = (
    "token_ids",
    "segment_ids",
    "padding_mask",
    "mask_positions",
    "mask_ids",
    "mask_weights",
)

# BERT's replacement rule for the selected tokens (the data pipeline's
# `mask_token_rate` / `random_token_rate`): 80% [MASK], 10% a random
# token, 10% kept. ELECTRA's is 85% / 0% / 15%.
BERT_MASK_TOKEN_RATE = 0.8
BERT_RANDOM_TOKEN_RATE = 0.1


@keras.saving.register_keras_serializable(package="keras_electra")
class MaskedLMPretrainer(ElectraConfigModel):
    """A masked language model of the discriminator's size (BERT's objective).

    One `ElectraEncoder` with the sizes of `config`'s discriminator
    (`num_layers`, `hidden_dim`, `num_heads`, `intermediate_dim`,
    `embedding_dim`; the `generator_*` fields and the loss weights are
    unused) and a masked-LM head at the masked positions only, tied to the
    encoder's token embedding (`electra_generator_head`: dense to the
    embedding width, gelu, LayerNorm, transposed token table plus a bias).
    It trains on the masked-LM cross-entropy over the real mask slots.

    The encoder is built under the name `discriminator` and is exposed as
    `.discriminator` (and `.encoder`), with the same variable paths as
    `ElectraPretrainer.discriminator`, so saving it, exporting it and
    fine-tuning from it work as for an ELECTRA run.

    Batches are the `ElectraPretrainer` format (`keras_electra.data`
    produces it); for BERT's masking build them with
    `mask_token_rate=0.8, random_token_rate=0.1` (`BERT_MASK_TOKEN_RATE`,
    `BERT_RANDOM_TOKEN_RATE`).

    Args:
        config: `ElectraConfig`, its dict, or a preset name.
        seed: int or None. Unused by the model (no sampling); kept for the
            same signature as `ElectraPretrainer`.
        dtype: dtype policy, e.g. `"mixed_bfloat16"`.
        remat: str. `"none"`, `"layers"` or `"full"`, as in
            `ElectraPretrainer`.

    Example:
    ```python
    model = keras_electra.MaskedLMPretrainer("tiny")
    model.compile(optimizer=keras.optimizers.AdamW(5e-4, epsilon=1e-6))
    dataset = keras_electra.data.pretraining_dataset(
        "corpus/*.txt", batch_size=32, mask_token_rate=0.8,
        random_token_rate=0.1, repeat=True)
    model.fit(dataset, steps_per_epoch=100)
    model.discriminator.save("encoder.keras")
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
        self.discriminator = discriminator_tower(config, self.embeddings, dtype)
        # float32, as ElectraPretrainer's generator head: the logits feed a
        # float32 loss and keras-hub's MaskedLMHead adds a float32 bias.
        self.mlm_head = electra_generator_head(
            self.embeddings.token_embedding,
            dtype="float32",
            name="mlm_head",
            activation=config.activation,
        )
        self.mlm_head.build((None, None, config.hidden_dim), (None, None))
        rematerialize_pretrainer(self, remat, heads=(self.mlm_head,))

        # === Metrics ===
        self.mlm_loss_tracker = keras.metrics.Mean(name="mlm_loss")
        self.mlm_accuracy = masked_lm_accuracy()

        # === Config ===
        self.config = config
        self.seed = seed
        self.remat = remat
        self.build()

    @property
    def encoder(self):
        """The trained encoder (the same object as `discriminator`)."""
        return self.discriminator

    def build(self, input_shape=None):
        # Every layer is built in `__init__`; batches may have any shape.
        self.built = True

    def call(self, inputs, training=False):
        """The masked-LM logits at the masked positions.

        Returns:
            A dict: `mlm_logits`, float32 `[batch, max_predictions,
            vocabulary_size]`.
        """
        missing = [key for key in BATCH_KEYS if key not in inputs]
        if missing:
            raise ValueError(
                "MaskedLMPretrainer batches need the keys "
                f"{', '.join(BATCH_KEYS)}; missing: {', '.join(missing)}."
            )
        sequence = self.discriminator(
            {
                key: ops.cast(inputs[key], "int32")
                for key in ("token_ids", "segment_ids", "padding_mask")
            },
            training=training,
        )
        logits = self.mlm_head(
            sequence, mask_positions=ops.cast(inputs["mask_positions"], "int32")
        )
        return {"mlm_logits": ops.cast(logits, "float32")}

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The masked-LM cross-entropy over real mask slots (+ layer losses).

        Averaged over the global batch: on N replicas each returns its share
        of the global mean (`replicas.global_weighted_means`).
        """
        mask_ids = x["mask_ids"]
        mask_weights = ops.cast(x["mask_weights"], "float32")
        mlm_logits = y_pred["mlm_logits"]
        (loss,), (mlm_loss,) = global_weighted_means(
            [(masked_lm_losses(mask_ids, mlm_logits), mask_weights)]
        )
        self.mlm_loss_tracker.update_state(mlm_loss)
        self.mlm_accuracy.update_state(
            mask_ids, mlm_logits, sample_weight=mask_weights
        )
        if self.losses:
            loss = loss + scale_loss_for_replicas(ops.sum(self.losses))
        return loss
