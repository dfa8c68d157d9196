"""The model code runs under JAX and PyTorch with TensorFlow absent."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    # Make `import tensorflow` fail as on a machine without it.
    sys.modules["tensorflow"] = None
    sys.modules["tensorflow_text"] = None
    import numpy as np
    import keras
    import keras_electra

    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=50, max_sequence_length=16
    )
    model = keras_electra.ElectraPretrainer(config, seed=0)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    rng = np.random.default_rng(0)
    batch = {
        "token_ids": rng.integers(5, 50, (4, 16)).astype("int32"),
        "segment_ids": np.zeros((4, 16), "int32"),
        "padding_mask": np.ones((4, 16), "int32"),
        "mask_positions": np.tile(np.arange(1, 4, dtype="int32"), (4, 1)),
        "mask_ids": rng.integers(5, 50, (4, 3)).astype("int32"),
        "mask_weights": np.ones((4, 3), "float32"),
    }
    history = model.fit(x=batch, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    # The split steps and the shared write-back (keras_electra.mask_slots).
    from keras_electra.models.pretraining_ops import replace_at_positions
    logits = model.generate(batch)
    corrupted, labels = model.corrupt(batch, logits)
    assert model.discriminate(
        corrupted, batch["segment_ids"], batch["padding_mask"]
    ).shape == (4, 16)
    out = replace_at_positions(
        np.array([[1, 5, 6, 2]]), np.array([[1, 0]]), np.array([[9, 8]]),
        np.array([[1.0, 0.0]]),
    )
    assert keras.ops.convert_to_numpy(out).tolist() == [[1, 9, 6, 2]]

    # Fine-tuning's layer-wise AdamW needs no TensorFlow either.
    from keras_electra.layerwise_decay import layerwise_adamw
    from keras_electra.models.electra_classifier import ElectraClassifier
    classifier = ElectraClassifier(model.discriminator, num_classes=2)
    classifier.compile(optimizer=layerwise_adamw(classifier, 1e-3, 0.8, total_steps=2))
    inputs = {k: batch[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    classifier.fit(inputs, np.arange(4) % 2, batch_size=2, epochs=1, verbose=0)

    # The downstream task models too: token tagging and question answering.
    tagger = keras_electra.ElectraTokenTagger(
        model.discriminator, num_labels=3, label_names=["O", "B-NP", "I-NP"]
    )
    tagger.compile(optimizer=layerwise_adamw(tagger, 1e-3, 0.8, total_steps=2))
    tags = np.full((4, 16), -1, "int32")
    tags[:, 1:5] = 1
    tagger.fit(inputs, tags, batch_size=2, epochs=1, verbose=0)
    assert tagger.predict(inputs, verbose=0).shape == (4, 16, 3)
    answerer = keras_electra.ElectraSpanPredictor(
        model.discriminator, answerability=True
    )
    pair = dict(inputs, segment_ids=np.tile((np.arange(16) >= 6).astype("int32"), (4, 1)))
    spans = answerer(pair)
    assert tuple(spans["start_logits"].shape) == (4, 16)
    assert tuple(spans["no_answer_logit"].shape) == (4,)
    loaded = sys.modules.get("tensorflow")
    print("tensorflow module:", loaded)
    assert loaded is None, loaded
    print("OK", keras.backend.backend())
    """
)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_pretrainer_and_task_models_train_with_tensorflow_unavailable(backend):
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"OK {backend}" in result.stdout
