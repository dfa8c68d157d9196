"""`ElectraTokenTagger`: a discriminator encoder with a per-token tag head."""

import keras

from keras_electra.models.task_model import ElectraTaskModel

IGNORED_LABEL = -1
"""Label of the positions the default loss skips (special tokens, padding,
WordPieces after a word's first)."""


@keras.saving.register_keras_serializable(package="keras_electra")
class ElectraTokenTagger(ElectraTaskModel):
    """An ELECTRA encoder fine-tuned for sequence labelling (chunking, NER).

    The head is the original's tagging head: dropout and one dense layer on
    every position of the encoder's sequence output, giving one logit per
    tag. A word is tagged from its first WordPiece; `compile()` defaults to
    sparse categorical cross-entropy that skips positions labelled
    `IGNORED_LABEL` (-1), averaged over the labelled positions, so only
    first pieces count.

    Inputs are the encoder's: a dict of int32 `token_ids`, `segment_ids` and
    `padding_mask` `[batch, sequence_length]` holding
    `[CLS] pieces... [SEP]` windows (see
    `keras_electra.tagging.WordWindower`).

    The tag names travel with the model (`label_names`, saved in its
    config).

    Args:
        encoder: `ElectraEncoder`. The pre-trained (or randomly initialised)
            discriminator.
        num_labels: int. Number of tags, at least 2.
        dropout: float. Dropout on the sequence output. Defaults to 0.1.
        label_names: sequence of str or None. The tags in id order.
        dtype: dtype policy of the head (the encoder keeps its own).

    Returns:
        Called on inputs, float logits `[batch, sequence_length,
        num_labels]`.

    Example:
    ```python
    encoder = keras.models.load_model("run/electra_discriminator.keras")
    tagger = keras_electra.ElectraTokenTagger(
        encoder, num_labels=3, label_names=["O", "B-NP", "I-NP"]
    )
    tagger.compile(optimizer=keras.optimizers.AdamW(1e-4))
    tagger.fit(windows, labels, epochs=3)  # labels -1 except first pieces
    logits = tagger.predict(windows)       # [windows, seq_len, 3]
    ```
    """

    def __init__(
        self,
        encoder,
        num_labels,
        dropout=0.1,
        label_names=None,
        dtype=None,
        **kwargs,
    ):
        self.check_encoder(encoder)
        if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"Tagging needs num_labels >= 2, got {num_labels!r}.")
        if label_names is not None:
            label_names = [str(name) for name in label_names]
            if len(label_names) != num_labels:
                raise ValueError(
                    f"label_names has {len(label_names)} names for {num_labels} labels."
                )
        # === Layers ===
        head_dtype = dtype if dtype is not None else encoder.dtype_policy
        dropout_layer = keras.layers.Dropout(
            dropout, dtype=head_dtype, name="tagger_dropout"
        )
        output_dense = keras.layers.Dense(
            num_labels, dtype=head_dtype, name="tag_logits"
        )

        # === Functional Model ===
        inputs = encoder.input
        sequence = encoder(inputs)
        outputs = output_dense(dropout_layer(sequence))
        kwargs.setdefault("name", "electra_token_tagger")
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.encoder = encoder
        self.output_dropout = dropout_layer
        self.output_dense = output_dense
        self.num_labels = num_labels
        self.dropout = dropout
        self.label_names = label_names

    def compile(self, optimizer="auto", loss="auto", metrics=None, **kwargs):
        """Configures training; `"auto"` picks the task's defaults.

        Args:
            optimizer: `"auto"` (AdamW, lr 1e-4, epsilon 1e-6) or any
                optimizer. The recipe passes
                `keras_electra.finetune.layerwise_adamw(...)`.
            loss: `"auto"`: sparse categorical cross-entropy on logits that
                ignores label `IGNORED_LABEL`, averaged over the labelled
                positions.
            metrics: passed to `keras.Model.compile` (none by default; span
                F1 is computed over words by `keras_electra.tagging`).
            **kwargs: passed to `keras.Model.compile`.
        """
        if optimizer == "auto":
            optimizer = self.default_optimizer()
        if loss == "auto":
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, ignore_class=IGNORED_LABEL
            )
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def head_config(self):
        return {
            "num_labels": self.num_labels,
            "dropout": self.dropout,
            "label_names": self.label_names,
        }
