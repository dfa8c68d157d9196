"""Hugging Face ELECTRA -> keras_electra gives the same numbers, and back.

Randomly initialised transformers `ElectraForPreTraining` and
`ElectraForMaskedLM` models (small configs, weights spread wider than
their initializer so every layer matters) are saved with `save_pretrained`
(safetensors), read with `read_hf_checkpoint` and converted; the
discriminator logits, the generator's masked-LM logits at the masked
positions and every hidden state must agree to 1e-4 in float32 on a batch
with padding and two segments. Runs on every Keras backend.
"""

import os

import keras
import numpy as np
import pytest
import torch
import transformers
from safetensors.numpy import load_file

from keras_electra import ElectraConfig
from keras_electra import ElectraPretrainer
from keras_electra.checkpoints import convert
from keras_electra.checkpoints import hf

pytestmark = pytest.mark.multi_backend

TOLERANCE = 1e-4
VOCAB = 90
POSITIONS = 24

# (name, discriminator sizes, generator sizes): hidden, heads, intermediate,
# layers; the embeddings are shared.
CASES = {
    # embedding_size != hidden_size, a narrower and shallower generator.
    "projected": (16, dict(hidden_size=32, num_attention_heads=4,
                           intermediate_size=48, num_hidden_layers=2),
                  dict(hidden_size=24, num_attention_heads=2,
                       intermediate_size=40, num_hidden_layers=1)),
    # embedding_size == hidden_size (no projection), generator as wide as
    # the discriminator (as in the released ELECTRA-Small).
    "unprojected": (32, dict(hidden_size=32, num_attention_heads=4,
                             intermediate_size=64, num_hidden_layers=2),
                    dict(hidden_size=32, num_attention_heads=4,
                         intermediate_size=64, num_hidden_layers=2)),
}


def _hf_config(embedding, sizes, hidden_act="gelu"):
    return transformers.ElectraConfig(
        vocab_size=VOCAB, embedding_size=embedding,
        max_position_embeddings=POSITIONS, hidden_act=hidden_act,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, **sizes,
    )


def _spread(model, seed):
    """Re-draws every parameter wider than the initializer's 0.02, so a
    layout error anywhere shows in the outputs."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm.weight" in name:
                parameter.copy_(1.0 + 0.2 * noise)
            else:
                parameter.copy_(0.2 * noise)
    return model.eval()


def _hf_pair(case, hidden_act="gelu"):
    embedding, disc_sizes, gen_sizes = CASES[case]
    torch.manual_seed(0)
    disc = _spread(
        transformers.ElectraForPreTraining(_hf_config(embedding, disc_sizes, hidden_act)), 1
    )
    gen = _spread(
        transformers.ElectraForMaskedLM(_hf_config(embedding, gen_sizes, hidden_act)), 2
    )
    # A pair shares its embeddings (gen_lm_head is tied to the table).
    gen.electra.embeddings.load_state_dict(disc.electra.embeddings.state_dict())
    return disc, gen


def _batch():
    """Three rows, two segments, padding in two of them."""
    rng = np.random.default_rng(0)
    ids = rng.integers(5, VOCAB, (3, 12)).astype("int32")
    lengths = [12, 9, 6]
    mask = (np.arange(12)[None, :] < np.array(lengths)[:, None]).astype("int32")
    segments = np.zeros((3, 12), "int32")
    for row, length in enumerate(lengths):
        segments[row, length // 2:length] = 1
    ids[mask == 0] = 0
    positions = np.array([[1, 4, 7], [2, 3, 6], [1, 2, 4]], "int32")
    return ids, segments, mask, positions


def _hf_outputs(model, ids, segments, mask):
    with torch.no_grad():
        return model(
            input_ids=torch.tensor(ids, dtype=torch.long),
            token_type_ids=torch.tensor(segments, dtype=torch.long),
            attention_mask=torch.tensor(mask, dtype=torch.long),
            output_hidden_states=True,
        )


def layer_outputs(encoder, ids, segments, mask):
    """Every hidden state of `encoder`: the (projected) embeddings, then each
    transformer layer's output, as Hugging Face's `hidden_states`."""
    x = encoder.embeddings(ids, segments)
    if encoder.embeddings_projection is not None:
        x = encoder.embeddings_projection(x)
    outputs = [x]
    for layer in encoder.transformer_layers:
        x = layer(x, padding_mask=mask)
        outputs.append(x)
    return [keras.ops.convert_to_numpy(o) for o in outputs]


def _max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, "float32") - np.asarray(b, "float32"))))


def _report(name, diff):
    print(f"\nPARITY {keras.backend.backend()} {name}: max abs diff {diff:.3g}")
    assert diff <= TOLERANCE, f"{name}: {diff}"


def _save(model, directory):
    model.save_pretrained(directory, safe_serialization=True)
    return hf.read_hf_checkpoint(directory)


@pytest.mark.parametrize("case", sorted(CASES))
def test_converted_towers_match_transformers(case, tmp_path):
    disc, gen = _hf_pair(case)
    d_checkpoint = _save(disc, tmp_path / "disc")
    g_checkpoint = _save(gen, tmp_path / "gen")
    assert d_checkpoint["kind"] == "discriminator"
    assert g_checkpoint["kind"] == "generator"
    ids, segments, mask, positions = _batch()

    encoder = convert.encoder_from_canonical(*d_checkpoint["discriminator"])
    head = convert.discriminator_head_from_canonical(*d_checkpoint["discriminator"])
    expected = _hf_outputs(disc, ids, segments, mask)
    ours = layer_outputs(encoder, ids, segments, mask)
    assert len(ours) == len(expected.hidden_states)
    _report(f"{case} discriminator hidden states",
            max(_max_diff(a, b.numpy()) for a, b in zip(ours, expected.hidden_states)))
    sequence = encoder({"token_ids": ids, "segment_ids": segments, "padding_mask": mask})
    _report(f"{case} discriminator logits",
            _max_diff(keras.ops.convert_to_numpy(head(sequence)), expected.logits.numpy()))

    g_encoder, g_head = convert.generator_from_canonical(*g_checkpoint["generator"])
    expected = _hf_outputs(gen, ids, segments, mask)
    ours = layer_outputs(g_encoder, ids, segments, mask)
    _report(f"{case} generator hidden states",
            max(_max_diff(a, b.numpy()) for a, b in zip(ours, expected.hidden_states)))
    g_sequence = g_encoder({"token_ids": ids, "segment_ids": segments, "padding_mask": mask})
    logits = keras.ops.convert_to_numpy(g_head(g_sequence, mask_positions=positions))
    hf_logits = np.take_along_axis(expected.logits.numpy(), positions[..., None], axis=1)
    _report(f"{case} generator MLM logits", _max_diff(logits, hf_logits))


@pytest.mark.parametrize("case", sorted(CASES))
def test_converted_pretrainer_matches_transformers(case, tmp_path):
    disc, gen = _hf_pair(case)
    d_checkpoint = _save(disc, tmp_path / "disc")
    g_checkpoint = _save(gen, tmp_path / "gen")
    warnings = []
    pretrainer = convert.pretrainer_from_canonical(
        d_checkpoint["discriminator"], g_checkpoint["generator"], warn=warnings.append
    )
    assert warnings == []
    _, disc_sizes, gen_sizes = CASES[case]
    config = pretrainer.config
    # The generator's real sizes, from its checkpoint (not the 1/4 rule).
    assert config.generator_hidden_dim == gen_sizes["hidden_size"]
    assert config.generator_num_heads == gen_sizes["num_attention_heads"]
    assert config.generator_intermediate_dim == gen_sizes["intermediate_size"]
    assert config.generator_depth == gen_sizes["num_hidden_layers"]
    assert config.hidden_dim == disc_sizes["hidden_size"]

    ids, segments, mask, positions = _batch()
    logits = pretrainer.discriminate(ids, segments, mask)
    expected = _hf_outputs(disc, ids, segments, mask).logits.numpy()
    _report(f"{case} pretrainer discriminator logits",
            _max_diff(keras.ops.convert_to_numpy(logits), expected))
    mlm = pretrainer.generate(
        {"token_ids": ids, "segment_ids": segments, "padding_mask": mask,
         "mask_positions": positions}
    )
    expected = _hf_outputs(gen, ids, segments, mask).logits.numpy()
    expected = np.take_along_axis(expected, positions[..., None], axis=1)
    _report(f"{case} pretrainer generator MLM logits",
            _max_diff(keras.ops.convert_to_numpy(mlm), expected))


def test_tanh_gelu_config_converts_with_its_own_numerics(tmp_path):
    disc, _ = _hf_pair("projected", hidden_act="gelu_new")
    checkpoint = _save(disc, tmp_path / "disc")
    assert checkpoint["activation"] == "gelu_approximate"
    encoder = convert.encoder_from_canonical(*checkpoint["discriminator"])
    head = convert.discriminator_head_from_canonical(*checkpoint["discriminator"])
    assert encoder.activation == head.activation == "gelu_approximate"
    ids, segments, mask, _ = _batch()
    sequence = encoder({"token_ids": ids, "segment_ids": segments, "padding_mask": mask})
    expected = _hf_outputs(disc, ids, segments, mask).logits.numpy()
    ours = keras.ops.convert_to_numpy(head(sequence))
    _report("gelu_new discriminator logits", _max_diff(ours, expected))
    # With exact gelu the same weights miss the parity bar.
    exact = convert.encoder_from_canonical(*checkpoint["discriminator"], activation="gelu")
    exact_head = convert.discriminator_head_from_canonical(
        *checkpoint["discriminator"], activation="gelu"
    )
    sequence = exact({"token_ids": ids, "segment_ids": segments, "padding_mask": mask})
    assert _max_diff(keras.ops.convert_to_numpy(exact_head(sequence)), expected) > TOLERANCE


def test_hf_to_ours_to_hf_is_exact(tmp_path):
    disc, gen = _hf_pair("projected")
    disc.save_pretrained(tmp_path / "disc")
    gen.save_pretrained(tmp_path / "gen")
    pretrainer = convert.pretrainer_from_canonical(
        hf.read_hf_checkpoint(tmp_path / "disc")["discriminator"],
        hf.read_hf_checkpoint(tmp_path / "gen")["generator"],
    )
    towers = convert.pretrainer_to_canonical(pretrainer)
    for tower, kind in (("disc", "discriminator"), ("gen", "generator")):
        out = tmp_path / f"back_{tower}"
        hf.write_hf_directory(out, *towers[kind], kind=kind)
        original = load_file(tmp_path / tower / "model.safetensors")
        written = load_file(out / "model.safetensors")
        original = {k: v for k, v in original.items() if not k.endswith("position_ids")}
        assert sorted(written) == sorted(original)
        for name, value in original.items():
            assert np.array_equal(written[name], value), name
    # transformers loads what we wrote, with the same outputs.
    ids, segments, mask, _ = _batch()
    loaded = transformers.ElectraForPreTraining.from_pretrained(tmp_path / "back_disc").eval()
    assert np.array_equal(
        _hf_outputs(loaded, ids, segments, mask).logits.numpy(),
        _hf_outputs(disc, ids, segments, mask).logits.numpy(),
    )


def test_ours_to_hf_to_ours_is_exact(tmp_path):
    keras.utils.set_random_seed(3)
    config = ElectraConfig.from_preset(
        "tiny", vocabulary_size=VOCAB, max_sequence_length=POSITIONS,
        generator_hidden_dim=24, generator_num_heads=2,
        generator_intermediate_dim=40, generator_num_layers=1,
    )
    ours = ElectraPretrainer(config, seed=0)
    # Heads and LayerNorms start at constants: make them random too.
    rng = np.random.default_rng(1)
    for variable in ours.weights:
        if "seed" not in variable.path:
            variable.assign(rng.normal(0, 0.2, variable.shape).astype("float32"))
    towers = convert.pretrainer_to_canonical(ours)
    hf.write_hf_directory(tmp_path / "disc", *towers["discriminator"], kind="discriminator")
    hf.write_hf_directory(tmp_path / "gen", *towers["generator"], kind="generator")
    back = convert.pretrainer_from_canonical(
        hf.read_hf_checkpoint(tmp_path / "disc")["discriminator"],
        hf.read_hf_checkpoint(tmp_path / "gen")["generator"],
    )
    assert back.config == ours.config
    before = {v.path: keras.ops.convert_to_numpy(v) for v in ours.weights}
    after = {v.path: keras.ops.convert_to_numpy(v) for v in back.weights}
    assert sorted(before) == sorted(after)
    for path, value in before.items():
        assert np.array_equal(after[path], value), path

    # transformers gives our numbers on our weights.
    ids, segments, mask, positions = _batch()
    disc = transformers.ElectraForPreTraining.from_pretrained(tmp_path / "disc").eval()
    gen = transformers.ElectraForMaskedLM.from_pretrained(tmp_path / "gen").eval()
    _report("ours->hf discriminator logits", _max_diff(
        keras.ops.convert_to_numpy(ours.discriminate(ids, segments, mask)),
        _hf_outputs(disc, ids, segments, mask).logits.numpy(),
    ))
    mlm = ours.generate({"token_ids": ids, "segment_ids": segments,
                         "padding_mask": mask, "mask_positions": positions})
    expected = np.take_along_axis(
        _hf_outputs(gen, ids, segments, mask).logits.numpy(), positions[..., None], axis=1
    )
    _report("ours->hf generator MLM logits",
            _max_diff(keras.ops.convert_to_numpy(mlm), expected))


def test_bare_encoder_without_prefix_and_classifier_head_dropped(tmp_path):
    disc, _ = _hf_pair("projected")
    bare = transformers.ElectraModel(disc.config).eval()
    bare.load_state_dict(disc.electra.state_dict())
    checkpoint = _save(bare, tmp_path / "bare")
    assert checkpoint["kind"] == "encoder"
    _, state = checkpoint["discriminator"]
    assert all(k.startswith("electra.") for k in state)
    encoder = convert.encoder_from_canonical(*checkpoint["discriminator"])
    assert convert.discriminator_head_from_canonical(*checkpoint["discriminator"]) is None
    ids, segments, mask, _ = _batch()
    sequence = keras.ops.convert_to_numpy(
        encoder({"token_ids": ids, "segment_ids": segments, "padding_mask": mask})
    )
    _report("bare ElectraModel sequence output", _max_diff(
        sequence, _hf_outputs(bare, ids, segments, mask).last_hidden_state.numpy()
    ))

    classifier = transformers.ElectraForSequenceClassification(
        transformers.ElectraConfig(**{
            k: v for k, v in disc.config.to_dict().items()
            if k not in ("id2label", "label2id")
        }, num_labels=3)
    )
    classifier.electra.load_state_dict(disc.electra.state_dict())
    checkpoint = _save(classifier, tmp_path / "classifier")
    assert checkpoint["kind"] == "classifier"
    assert any("head (classifier.*) is dropped" in note for note in checkpoint["notes"])
    assert not any(k.startswith("classifier.") for k in checkpoint["discriminator"][1])
    convert.encoder_from_canonical(*checkpoint["discriminator"])
