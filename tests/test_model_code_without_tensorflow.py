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
    loaded = sys.modules.get("tensorflow")
    print("tensorflow module:", loaded)
    assert loaded is None, loaded
    print("OK", keras.backend.backend())
    """
)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_pretrainer_trains_with_tensorflow_unavailable(backend):
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
