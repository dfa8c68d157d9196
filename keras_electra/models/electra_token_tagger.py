"""`ElectraTokenTagger`: a discriminator encoder with a per-token tag head."""

import keras

from keras_electra.models.tagging_head import TaggingHead
from keras_electra.models.tagging_head import check_tagging_head
from keras_electra.models.tagging_head import tagging_loss
from keras_electra.models.task_model import ElectraTaskModel


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
        label_names = check_tagging_head(num_labels, label_names)
        # === Layers ===
        head_dtype = dtype if dtype is not None else encoder.dtype_policy
        head = TaggingHead(num_labels, dropout, head_dtype)

        # === Functional Model ===
        outputs = head(encoder(encoder.input))
        self.build_functional(encoder, outputs, "electra_token_tagger", dtype, **kwargs)

        # === Config ===
        self.output_dropout = head.dropout
        self.output_dense = head.dense
        self.num_labels = num_labels
        self.dropout = dropout
        self.label_names = label_names

    def default_loss(self):
        """Sparse categorical cross-entropy on logits that ignores label
        `IGNORED_LABEL`, averaged over the labelled positions (span F1 is
        computed over words by `keras_electra.tagging`)."""
        return tagging_loss()

    def head_config(self):
        return {
            "num_labels": self.num_labels,
            "dropout": self.dropout,
            "label_names": self.label_names,
        }
