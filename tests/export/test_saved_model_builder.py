"""`SavedModelBuilder`: the checks and the call order every exporter shares."""

import pytest


def _builder(base_path, sequence_length=32, version=None):
    import keras_electra
    from keras_electra.export.saved_model import SavedModelBuilder

    encoder = keras_electra.ElectraEncoder(
        vocabulary_size=30522, num_layers=1, hidden_dim=16, num_heads=1,
        intermediate_dim=32, max_sequence_length=32,
    )
    return SavedModelBuilder(
        "encoder", encoder, [encoder], base_path, vocab=None,
        sequence_length=sequence_length, version=version,
    )


def test_arguments_are_checked_before_anything_is_written(tmp_path):
    (tmp_path / "3").mkdir()
    with pytest.raises(FileExistsError, match="version 3 already exists"):
        _builder(tmp_path, version=3)
    with pytest.raises(ValueError, match="max_sequence_length=32"):
        _builder(tmp_path, sequence_length=33)
    assert [path.name for path in tmp_path.iterdir()] == ["3"]


def test_model_functions_come_before_the_text_processor(tmp_path):
    import tensorflow as tf

    builder = _builder(tmp_path)
    builder.track_text_processor(tf.Module())
    with pytest.raises(RuntimeError, match="'encode_token_ids' before"):
        builder.add_token_endpoint("encode_token_ids", lambda inputs: inputs)
