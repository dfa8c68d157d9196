"""The token-tagging head: checks, layers and loss.

One definition for `ElectraTokenTagger` (token-id windows, the recipe's)
and `keras_electra.tasks.ElectraTokenClassifier` (keras-hub's task shape),
so both hold the same layers under the same names.
"""

import keras

IGNORED_LABEL = -1
"""Label of the positions the loss skips (special tokens, padding,
WordPieces after a word's first)."""


def check_tagging_head(num_labels, label_names=None):
    """Validates a tagging head's arguments; returns `label_names` as str.

    Raises:
        ValueError: one line naming the argument at fault.
    """
    if isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 2:
        raise ValueError(f"Tagging needs num_labels >= 2, got {num_labels!r}.")
    if label_names is None:
        return None
    label_names = [str(name) for name in label_names]
    if len(label_names) != num_labels:
        raise ValueError(
            f"label_names has {len(label_names)} names for {num_labels} labels."
        )
    return label_names


class TaggingHead:
    """Dropout and one dense layer on every position: `__call__(sequence)`
    -> logits `[batch, sequence_length, num_labels]`.

    Args:
        num_labels: int. Tags.
        dropout: float. Dropout on the sequence output.
        dtype: dtype policy of the head's layers.
    """

    def __init__(self, num_labels, dropout, dtype):
        self.dropout = keras.layers.Dropout(dropout, dtype=dtype, name="tagger_dropout")
        self.dense = keras.layers.Dense(num_labels, dtype=dtype, name="tag_logits")

    def __call__(self, sequence):
        return self.dense(self.dropout(sequence))


def tagging_loss():
    """Cross-entropy on logits over the labelled positions only."""
    return keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=IGNORED_LABEL
    )
