"""`ElectraSpanPredictor` on every backend (no TensorFlow needed)."""

import keras
import numpy as np
import pytest

import keras_electra
from keras_electra.models.span_head import MASKED_LOGIT

pytestmark = pytest.mark.multi_backend


def tiny_encoder():
    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=60, max_sequence_length=16, dropout=0.0)
    return keras_electra.models.towers.discriminator_tower(config)


def batch():
    # [CLS] q q [SEP] c c c c [SEP] pad pad / [CLS] q [SEP] c c [SEP] pad ...
    token_ids = np.array([[1, 7, 8, 2, 9, 10, 11, 12, 2, 0, 0],
                          [1, 7, 2, 9, 10, 2, 0, 0, 0, 0, 0]], "int32")
    segment_ids = np.array([[0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0],
                            [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]], "int32")
    return {"token_ids": token_ids, "segment_ids": segment_ids,
            "padding_mask": (token_ids > 0).astype("int32")}


def test_only_cls_and_context_tokens_can_start_or_end_an_answer():
    keras.utils.set_random_seed(0)
    model = keras_electra.ElectraSpanPredictor(tiny_encoder(), answerability=True)
    outputs = {k: keras.ops.convert_to_numpy(v) for k, v in model(batch()).items()}
    allowed = np.zeros((2, 11), bool)
    allowed[0, [0, 4, 5, 6, 7]] = True
    allowed[1, [0, 3, 4]] = True
    for key in ("start_logits", "end_logits"):
        assert outputs[key].shape == (2, 11) and outputs[key].dtype == np.float32
        assert (outputs[key][~allowed] == MASKED_LOGIT).all()
        assert (np.abs(outputs[key][allowed]) < 100).all()
    assert outputs["no_answer_logit"].shape == (2,)


def test_config_round_trip_rebuilds_the_same_model():
    keras.utils.set_random_seed(1)
    model = keras_electra.ElectraSpanPredictor(tiny_encoder(), answerability=True)
    clone = keras_electra.ElectraSpanPredictor.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert clone.answerability and clone.get_config() == model.get_config()
    for key, value in model(batch()).items():
        np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(batch())[key]),
                                   keras.ops.convert_to_numpy(value), atol=1e-5)
    plain = keras_electra.ElectraSpanPredictor(tiny_encoder())
    assert set(plain(batch())) == {"start_logits", "end_logits"}


def test_saved_model_file_reloads_with_its_outputs(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras_electra.ElectraSpanPredictor(tiny_encoder(), answerability=True)
    path = tmp_path / "qa.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras_electra.ElectraSpanPredictor)
    expected = model(batch())
    for key, value in loaded(batch()).items():
        np.testing.assert_allclose(keras.ops.convert_to_numpy(value),
                                   keras.ops.convert_to_numpy(expected[key]), atol=1e-5)


def test_fitting_lowers_the_default_loss():
    keras.utils.set_random_seed(3)
    model = keras_electra.ElectraSpanPredictor(tiny_encoder(), answerability=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=False)
    labels = {"start_logits": np.array([5, 3], "int32"),
              "end_logits": np.array([6, 4], "int32"),
              "no_answer_logit": np.array([0.0, 1.0], "float32")}
    losses = model.fit(batch(), labels, epochs=4, verbose=0).history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_a_non_encoder_is_refused():
    with pytest.raises(ValueError, match="needs an ElectraEncoder"):
        keras_electra.ElectraSpanPredictor(keras.Sequential([keras.layers.Dense(2)]))
