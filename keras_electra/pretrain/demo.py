"""The replaced-token demo a pre-training run ends with."""

import numpy as np
from keras import ops

from keras_electra.reporting import report

# One word of a sentence in the style of the bundled novels swapped for one
# that does not fit. The default tiny run flags it; subtler swaps need
# longer training.
DEMO_SENTENCE = "mr. knightley was a sensible man ."
DEMO_SWAP = ("sensible", "purple")


def replaced_token_probabilities(pretrainer, tokenizer, text):
    """Runs the discriminator on `text`.

    Args:
        pretrainer: `ElectraPretrainer`.
        tokenizer: `keras_electra.data.WordPieceTokenizer`.
        text: str. One sentence.

    Returns:
        `(tokens, probabilities)`: the word pieces between [CLS] and [SEP]
        and, for each, the probability that it was replaced.
    """
    vocab = tokenizer.vocab
    ids = [int(i) for i in np.asarray(tokenizer.tokenize(text))]
    token_ids = np.array([[vocab.cls_id] + ids + [vocab.sep_id]], "int32")
    inputs = {
        "token_ids": token_ids,
        "segment_ids": np.zeros_like(token_ids),
        "padding_mask": np.ones_like(token_ids),
    }
    sequence = pretrainer.discriminator(inputs, training=False)
    logits = pretrainer.discriminator_head(sequence, training=False)
    probabilities = ops.convert_to_numpy(ops.sigmoid(ops.cast(logits, "float32")))[0]
    return [vocab.tokens[i] for i in ids], probabilities[1:-1]


def print_replaced_token_demo(pretrainer, tokenizer, sentence=DEMO_SENTENCE,
                              swap=DEMO_SWAP):
    """Prints each token's replaced probability for `sentence` with the word
    `swap[0]` replaced by `swap[1]`, and whether that word scores highest.

    Returns:
        bool: whether the swapped word got the highest probability.
    """
    original, replacement = swap
    words = sentence.split()
    corrupted = " ".join(replacement if w == original else w for w in words)
    tokens, probabilities = replaced_token_probabilities(pretrainer, tokenizer, corrupted)
    report(f"\nReplaced-token detection demo: '{original}' -> '{replacement}'")
    report(f"  {corrupted}")
    for token, probability in zip(tokens, probabilities):
        bar = "#" * int(round(probability * 20))
        mark = "  <- swapped" if token == replacement else ""
        report(f"  {token:>12s} {probability:6.3f} {bar}{mark}")
    best = tokens[int(np.argmax(probabilities))]
    found = best == replacement
    if found:
        report(f"The swapped word '{replacement}' scores highest.")
    else:
        report(f"The swapped word '{replacement}' does NOT score highest "
               f"('{best}' does); the model needs more training.")
    return found
