"""`ElectraTextClassifier` on every backend: strings are preprocessed in
tf.data, the model runs on the backend under test."""

import keras
import numpy as np
import pytest

from keras_electra.models import ElectraEncoder
from keras_electra.tasks import ElectraTextClassifier
from keras_electra.tasks import ElectraTextClassifierPreprocessor
from keras_electra.tasks import ElectraTokenizer

pytestmark = pytest.mark.multi_backend

WORDS = ["a", "good", "bad", "film", "plot", "very", "the", "was"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]


def _classifier():
    keras.utils.set_random_seed(0)
    backbone = ElectraEncoder(
        vocabulary_size=len(VOCAB), num_layers=1, hidden_dim=16, num_heads=2,
        intermediate_dim=32, max_sequence_length=16,
    )
    preprocessor = ElectraTextClassifierPreprocessor(
        ElectraTokenizer(VOCAB), sequence_length=8
    )
    return ElectraTextClassifier(
        backbone, num_classes=2, preprocessor=preprocessor, label_names=["bad", "good"]
    )


def test_fits_and_predicts_strings_on_this_backend(tmp_path):
    classifier = _classifier()
    classifier.compile(learning_rate=1e-2)
    x = ["a good film", "a bad film", "the plot was good", "the plot was bad"] * 4
    y = [1, 0, 1, 0] * 4
    before = classifier.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    # 12 epochs (48 steps). At 6 the result hung on the dropout masks:
    # accuracy 1.0 from 2 of 5 initial seeds with Keras' masks, from none
    # with the hashed ones; at 12, from all 6 seeds tried (TensorFlow).
    classifier.fit(x, y, batch_size=4, epochs=12, verbose=0)
    after = classifier.evaluate(x, y, verbose=0, return_dict=True)
    assert after["loss"] < before and after["accuracy"] == 1.0, (before, after)
    labels = classifier.predict_labels(["a very good film", "a very bad plot"])
    assert [p["label"] for p in labels] == ["good", "bad"]

    classifier.save_to_preset(tmp_path / "preset")
    loaded = ElectraTextClassifier.from_preset(tmp_path / "preset")
    np.testing.assert_allclose(
        loaded.predict(x[:4], verbose=0), classifier.predict(x[:4], verbose=0),
        atol=1e-6,
    )
