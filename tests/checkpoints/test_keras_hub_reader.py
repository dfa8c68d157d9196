"""`read_keras_hub_preset`: a keras-hub ElectraBackbone preset, in HF names.

A small random `ElectraBackbone` is saved with `save_to_preset`, read back,
and its `state` loaded into a transformers `ElectraModel` with
`hidden_act="gelu_new"`; that model's sequence output must match the
keras-hub backbone's on a batch with padding and two segments.
"""

import json

import keras
import keras_hub
import numpy as np
import pytest
import torch
from transformers import ElectraConfig
from transformers import ElectraForPreTraining
from transformers import ElectraModel

from keras_electra.checkpoints.keras_hub import read_keras_hub_preset

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(95)]


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.ElectraBackbone(
        vocab_size=len(VOCAB),
        num_layers=2,
        num_heads=2,
        hidden_dim=32,
        embedding_dim=16,
        intermediate_dim=64,
        dropout=0.1,
        max_sequence_length=24,
    )
    # Every weight random and of unit-ish scale (LayerNorm too, so a swapped
    # gamma/beta shows; kernels big enough that the gelu flavour shows).
    rng = np.random.default_rng(0)
    for weight in backbone.weights:
        centre = 1.0 if weight.path.endswith("gamma") else 0.0
        weight.assign(rng.normal(centre, 0.2, weight.shape).astype("float32"))
    directory = tmp_path_factory.mktemp("electra_preset")
    backbone.save_to_preset(str(directory))
    keras_hub.models.ElectraTokenizer(vocabulary=VOCAB, lowercase=True).save_to_preset(
        str(directory)
    )
    return backbone, directory


def batch():
    rng = np.random.default_rng(0)
    token_ids = rng.integers(5, len(VOCAB), (3, 12)).astype("int32")
    padding_mask = np.ones((3, 12), "int32")
    padding_mask[1, 9:] = 0
    padding_mask[2, 5:] = 0
    token_ids[padding_mask == 0] = 0
    token_ids[:, 0] = 2
    segment_ids = np.zeros((3, 12), "int32")
    segment_ids[:, 6:] = 1
    segment_ids[padding_mask == 0] = 0
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask}


def test_sequence_output_matches_transformers(preset):
    backbone, directory = preset
    result = read_keras_hub_preset(directory)
    assert result["generator"] is None
    assert result["activation"] == "gelu_approximate"
    assert result["vocab"] == str(directory / "assets" / "tokenizer" / "vocabulary.txt")
    assert result["lowercase"] is True
    config, state = result["discriminator"]
    assert config["hidden_act"] == "gelu_new"
    assert config["num_attention_heads"] == 2
    assert config["embedding_size"] == 16 and config["hidden_size"] == 32
    assert config["max_position_embeddings"] == 24 and config["type_vocab_size"] == 2
    assert not any("pooler" in key or "pooled" in key for key in state)

    hf_config = ElectraConfig(**config)
    defaults = ElectraConfig().to_dict()
    assert set(config) - {"architectures"} <= set(defaults)
    # The keys of ElectraForPreTraining less its head: ElectraModel's.
    pretraining_keys = set(ElectraForPreTraining(hf_config).state_dict())
    head = {k for k in pretraining_keys if k.startswith("discriminator_predictions.")}
    assert set(state) == pretraining_keys - head

    model = ElectraModel(hf_config).eval()
    model.load_state_dict({k[len("electra."):]: torch.tensor(v) for k, v in state.items()})
    inputs = batch()
    expected = keras.ops.convert_to_numpy(backbone(inputs)["sequence_output"])
    with torch.no_grad():
        ours = model(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
        ).last_hidden_state.numpy()
    real = inputs["padding_mask"].astype(bool)
    diff = float(np.abs(ours - expected)[real].max())
    print("max abs diff (real tokens):", diff)
    assert diff <= 1e-4, diff
    # The padded positions too (both attend with the same mask).
    assert float(np.abs(ours - expected).max()) <= 1e-4

    # Exact gelu gives different outputs: the activation matters.
    exact = ElectraModel(ElectraConfig(**dict(config, hidden_act="gelu"))).eval()
    exact.load_state_dict(model.state_dict())
    with torch.no_grad():
        other = exact(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
        ).last_hidden_state.numpy()
    print("exact-gelu model max abs diff:", float(np.abs(other - expected)[real].max()))
    assert float(np.abs(other - expected)[real].max()) > 100 * diff


def test_preset_without_tokenizer(tmp_path):
    backbone = keras_hub.models.ElectraBackbone(
        vocab_size=30, num_layers=1, num_heads=1, hidden_dim=8, embedding_dim=8,
        intermediate_dim=16, max_sequence_length=10,
    )
    backbone.save_to_preset(str(tmp_path))
    result = read_keras_hub_preset(tmp_path)
    assert result["vocab"] is None and result["lowercase"] is None
    config, state = result["discriminator"]
    # embedding_dim == hidden_dim: no projection, as in transformers.
    assert "electra.embeddings_project.weight" not in state
    model = ElectraModel(ElectraConfig(**config))
    model.load_state_dict({k[len("electra."):]: torch.tensor(v) for k, v in state.items()})


def test_other_presets_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no config.json"):
        read_keras_hub_preset(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"class_name": "BertBackbone"}))
    with pytest.raises(ValueError, match="not an ElectraBackbone"):
        read_keras_hub_preset(tmp_path)
