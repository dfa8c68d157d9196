"""`read_tf1_checkpoint` against transformers' own TF1 ELECTRA reader.

The checkpoints are written here with the variable names of
google-research/electra and random values; transformers'
`load_tf_weights_in_electra` (the independent reader) loads them into
`ElectraForPreTraining` / `ElectraForMaskedLM`, and the canonical state from
`read_tf1_checkpoint` must equal that model's `state_dict()` tensor for
tensor, key for key, and give the same logits.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
import torch
from transformers import ElectraConfig
from transformers import ElectraForMaskedLM
from transformers import ElectraForPreTraining
from transformers.models.electra.modeling_electra import load_tf_weights_in_electra

from keras_electra.checkpoints.tf1 import read_tf1_checkpoint

VOCAB, EMBEDDING, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS = 100, 16, 32, 2, 2, 64, 40

LAYER_VARIABLES = [
    ("attention/self/query", "kernel"),
    ("attention/self/key", "kernel"),
    ("attention/self/value", "kernel"),
    ("attention/output/dense", "kernel"),
    ("attention/output/LayerNorm", "norm"),
    ("intermediate/dense", "intermediate"),
    ("output/dense", "output"),
    ("output/LayerNorm", "norm"),
]


def _tower(rng, scope, hidden, intermediate, embedding, embeddings_scope=None):
    """The variables `modeling.BertModel` creates under `scope`."""
    out = {}

    def add(name, *shape):
        out[name] = rng.normal(0, 0.5, shape).astype("float32")

    if embeddings_scope:
        add(f"{embeddings_scope}/word_embeddings", VOCAB, embedding)
        add(f"{embeddings_scope}/position_embeddings", POSITIONS, embedding)
        add(f"{embeddings_scope}/token_type_embeddings", 2, embedding)
        add(f"{embeddings_scope}/LayerNorm/gamma", embedding)
        add(f"{embeddings_scope}/LayerNorm/beta", embedding)
    if embedding != hidden:
        add(f"{scope}/embeddings_project/kernel", embedding, hidden)
        add(f"{scope}/embeddings_project/bias", hidden)
    for i in range(LAYERS):
        base = f"{scope}/encoder/layer_{i}"
        for name, kind in LAYER_VARIABLES:
            if kind == "norm":
                add(f"{base}/{name}/gamma", hidden)
                add(f"{base}/{name}/beta", hidden)
                continue
            fan_in, fan_out = {
                "kernel": (hidden, hidden),
                "intermediate": (hidden, intermediate),
                "output": (intermediate, hidden),
            }[kind]
            add(f"{base}/{name}/kernel", fan_in, fan_out)
            add(f"{base}/{name}/bias", fan_out)
    return out


def electra_variables(variant, seed=0):
    """A pre-training checkpoint's variables, by generator variant.

    * `untied_embeddings`: the generator tower has its own embeddings
      (`untied_generator_embeddings=True`), at its hidden size 16.
    * `shared_embeddings`: the default; the generator (hidden 16 = the
      embedding width) reads `electra/embeddings/*`.
    * `shared_projected`: shared embeddings with a generator of hidden 24,
      so the generator has its own `generator/embeddings_project`.
    * `tied_tower`: `untied_generator=False`; no `generator/` tower.
    """
    rng = np.random.default_rng(seed)
    variables = _tower(rng, "electra", HIDDEN, INTERMEDIATE, EMBEDDING, "electra/embeddings")
    gen_hidden = {"shared_projected": 24, "tied_tower": HIDDEN}.get(variant, 16)
    gen_embedding = EMBEDDING
    if variant == "untied_embeddings":
        gen_embedding = gen_hidden
        variables.update(
            _tower(rng, "generator", gen_hidden, 4 * gen_hidden, gen_embedding, "generator/embeddings")
        )
    elif variant != "tied_tower":
        variables.update(_tower(rng, "generator", gen_hidden, 4 * gen_hidden, gen_embedding))
    variables.update(
        {
            "generator_predictions/dense/kernel": rng.normal(0, 0.5, (gen_hidden, gen_embedding)),
            "generator_predictions/dense/bias": rng.normal(0, 0.5, (gen_embedding,)),
            "generator_predictions/LayerNorm/gamma": rng.normal(1, 0.5, (gen_embedding,)),
            "generator_predictions/LayerNorm/beta": rng.normal(0, 0.5, (gen_embedding,)),
            "generator_predictions/output_bias": rng.normal(0, 0.5, (VOCAB,)),
            "discriminator_predictions/dense/kernel": rng.normal(0, 0.5, (HIDDEN, HIDDEN)),
            "discriminator_predictions/dense/bias": rng.normal(0, 0.5, (HIDDEN,)),
            "discriminator_predictions/dense_1/kernel": rng.normal(0, 0.5, (HIDDEN, 1)),
            "discriminator_predictions/dense_1/bias": rng.normal(0, 0.5, (1,)),
        }
    )
    variables = {k: np.asarray(v, "float32") for k, v in variables.items()}
    # What a training run also saves: optimizer slots and the step counter.
    for name in ("electra/encoder/layer_0/output/dense/kernel", "generator_predictions/output_bias"):
        if name in variables:
            variables[name + "/adam_m"] = np.zeros_like(variables[name])
            variables[name + "/adam_v"] = np.zeros_like(variables[name])
    variables["global_step"] = np.array(1000, "int64")
    return variables, gen_hidden, gen_embedding


def write_tf1_checkpoint(directory, variables, step=1000):
    """Saves `variables` under their exact names, as a TF1 `Saver` does."""
    os.makedirs(directory, exist_ok=True)
    with tf.Graph().as_default():
        tf_vars = [tf.compat.v1.Variable(value, name=name) for name, value in variables.items()]
        assert [v.op.name for v in tf_vars] == list(variables)
        saver = tf.compat.v1.train.Saver(tf_vars)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            return saver.save(session, os.path.join(directory, "model.ckpt"), global_step=step)


def hf_config(hidden, embedding, heads, intermediate):
    return ElectraConfig(
        vocab_size=VOCAB,
        embedding_size=embedding,
        hidden_size=hidden,
        num_hidden_layers=LAYERS,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=POSITIONS,
        type_vocab_size=2,
    )


def hf_reference(cls, config, prefix, which):
    torch.manual_seed(0)
    model = cls(config).eval()
    load_tf_weights_in_electra(model, config, prefix, discriminator_or_generator=which)
    return model


def torch_inputs():
    rng = np.random.default_rng(1)
    ids = rng.integers(5, VOCAB, (3, 12))
    mask = np.ones((3, 12), "int64")
    mask[1, 8:] = 0
    mask[2, 5:] = 0
    ids[mask == 0] = 0
    segments = np.zeros((3, 12), "int64")
    segments[:, 6:] = 1
    return {
        "input_ids": torch.tensor(ids),
        "attention_mask": torch.tensor(mask),
        "token_type_ids": torch.tensor(segments),
    }


def assert_state_equals_model(state, model):
    expected = model.state_dict()
    assert sorted(state) == sorted(expected)
    for name, tensor in expected.items():
        assert state[name].shape == tuple(tensor.shape), name
        assert state[name].dtype == np.float32, name
        np.testing.assert_array_equal(state[name], tensor.numpy(), err_msg=name)


def assert_same_logits(cls, config, state, reference):
    model = cls(config).eval()
    model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    inputs = torch_inputs()
    with torch.no_grad():
        ours, theirs = model(**inputs).logits, reference(**inputs).logits
    diff = float((ours - theirs).abs().max())
    assert diff == 0.0, diff
    return diff


def assert_config_is_electra_config(produced, expected):
    """Every produced field is an `ElectraConfig` field with the same value."""
    as_dict = expected.to_dict()
    for key, value in produced.items():
        if key == "architectures":
            continue
        assert key in as_dict, key
        assert value == as_dict[key], (key, value, as_dict[key])
    rebuilt = ElectraConfig(**produced).to_dict()
    for key in ("vocab_size", "embedding_size", "hidden_size", "num_hidden_layers",
                "num_attention_heads", "intermediate_size", "hidden_act",
                "max_position_embeddings", "type_vocab_size", "layer_norm_eps"):
        assert rebuilt[key] == as_dict[key], key


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    out = {}
    for variant in ("untied_embeddings", "shared_embeddings", "shared_projected", "tied_tower"):
        variables, gen_hidden, gen_embedding = electra_variables(variant)
        directory = str(tmp_path_factory.mktemp(variant))
        out[variant] = (write_tf1_checkpoint(directory, variables), directory, variables,
                        gen_hidden, gen_embedding)
    return out


@pytest.mark.parametrize("variant", ["untied_embeddings", "shared_embeddings", "shared_projected"])
def test_matches_transformers_reader(checkpoints, variant):
    prefix, directory, variables, gen_hidden, gen_embedding = checkpoints[variant]
    result = read_tf1_checkpoint(directory, num_heads={"discriminator": HEADS})
    assert result["activation"] == "gelu"
    assert result["vocab"] is None

    disc_config, disc_state = result["discriminator"]
    expected_disc = hf_config(HIDDEN, EMBEDDING, HEADS, INTERMEDIATE)
    assert_config_is_electra_config(disc_config, expected_disc)
    assert disc_config["architectures"] == ["ElectraForPreTraining"]
    reference = hf_reference(ElectraForPreTraining, expected_disc, prefix, "discriminator")
    assert_state_equals_model(disc_state, reference)
    assert_same_logits(ElectraForPreTraining, expected_disc, disc_state, reference)

    gen_config, gen_state = result["generator"]
    # Heads default to max(1, hidden // 64) = 1 for the small generator.
    expected_gen = hf_config(gen_hidden, gen_embedding, 1, 4 * gen_hidden)
    assert_config_is_electra_config(gen_config, expected_gen)
    assert gen_config["architectures"] == ["ElectraForMaskedLM"]
    reference = hf_reference(ElectraForMaskedLM, expected_gen, prefix, "generator")
    assert_state_equals_model(gen_state, reference)
    assert_same_logits(ElectraForMaskedLM, expected_gen, gen_state, reference)

    # And against the raw variables: layout [in, out] -> [out, in].
    np.testing.assert_array_equal(
        disc_state["electra.encoder.layer.1.output.dense.weight"],
        variables["electra/encoder/layer_1/output/dense/kernel"].T,
    )
    embeddings = "generator" if variant == "untied_embeddings" else "electra"
    np.testing.assert_array_equal(
        gen_state["electra.embeddings.word_embeddings.weight"],
        variables[f"{embeddings}/embeddings/word_embeddings"],
    )
    np.testing.assert_array_equal(
        gen_state["generator_lm_head.weight"], gen_state["electra.embeddings.word_embeddings.weight"]
    )
    has_projection = "electra.embeddings_project.weight" in gen_state
    assert has_projection == (variant == "shared_projected")


def test_prefix_and_heads_forms(checkpoints):
    prefix, directory, *_ = checkpoints["shared_embeddings"]
    assert prefix.endswith("model.ckpt-1000")
    by_prefix = read_tf1_checkpoint(prefix, num_heads=2)
    by_index = read_tf1_checkpoint(prefix + ".index", num_heads=2)
    by_default = read_tf1_checkpoint(directory)
    for result in (by_prefix, by_index):
        assert result["discriminator"][0]["num_attention_heads"] == 2
        assert result["generator"][0]["num_attention_heads"] == 2
    # max(1, hidden // 64): 32 -> 1, 16 -> 1.
    assert by_default["discriminator"][0]["num_attention_heads"] == 1
    assert by_default["generator"][0]["num_attention_heads"] == 1
    for tower in ("discriminator", "generator"):
        a, b = by_prefix[tower][1], by_default[tower][1]
        assert sorted(a) == sorted(b)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match="does not divide"):
        read_tf1_checkpoint(prefix, num_heads=3)


def test_tied_generator_tower_reuses_the_discriminator(checkpoints):
    """`untied_generator=False`: the generator is the `electra/` tower."""
    prefix, _, variables, _, _ = checkpoints["tied_tower"]
    result = read_tf1_checkpoint(prefix, num_heads=HEADS)
    _, disc_state = result["discriminator"]
    gen_config, gen_state = result["generator"]
    expected_gen = hf_config(HIDDEN, EMBEDDING, HEADS, INTERMEDIATE)
    assert_config_is_electra_config(gen_config, expected_gen)
    model = ElectraForMaskedLM(expected_gen)
    assert sorted(gen_state) == sorted(model.state_dict())
    model.load_state_dict({k: torch.tensor(v) for k, v in gen_state.items()})
    for key, value in gen_state.items():
        if key.startswith("electra."):
            np.testing.assert_array_equal(value, disc_state[key])
    np.testing.assert_array_equal(
        gen_state["generator_predictions.dense.weight"],
        variables["generator_predictions/dense/kernel"].T,
    )
    np.testing.assert_array_equal(
        gen_state["generator_lm_head.bias"], variables["generator_predictions/output_bias"]
    )


def test_discriminator_only_checkpoint_has_no_generator(tmp_path):
    variables, _, _ = electra_variables("shared_embeddings")
    variables = {
        k: v for k, v in variables.items()
        if not k.startswith(("generator/", "generator_predictions/"))
    }
    prefix = write_tf1_checkpoint(str(tmp_path), variables)
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    result = read_tf1_checkpoint(prefix, num_heads=HEADS)
    assert result["generator"] is None
    assert result["vocab"] == str(tmp_path / "vocab.txt")
    expected = hf_config(HIDDEN, EMBEDDING, HEADS, INTERMEDIATE)
    reference = hf_reference(ElectraForPreTraining, expected, prefix, "discriminator")
    assert_state_equals_model(result["discriminator"][1], reference)


def test_missing_variable_is_named(tmp_path):
    variables, _, _ = electra_variables("shared_embeddings")
    del variables["electra/encoder/layer_1/output/dense/kernel"]
    prefix = write_tf1_checkpoint(str(tmp_path), variables)
    with pytest.raises(ValueError, match="lacks electra/encoder/layer_1/output/dense/kernel"):
        read_tf1_checkpoint(prefix)


def test_missing_generator_variable_is_named(tmp_path):
    variables, _, _ = electra_variables("shared_embeddings")
    del variables["generator/encoder/layer_0/attention/self/query/kernel"]
    prefix = write_tf1_checkpoint(str(tmp_path), variables)
    with pytest.raises(ValueError, match="lacks generator/encoder/layer_0/attention/self/query/kernel"):
        read_tf1_checkpoint(prefix)


def test_bert_checkpoint_is_refused(tmp_path):
    variables, _, _ = electra_variables("shared_embeddings")
    bert = {
        k.replace("electra/", "bert/"): v for k, v in variables.items() if k.startswith("electra/")
    }
    prefix = write_tf1_checkpoint(str(tmp_path), bert)
    with pytest.raises(ValueError, match="not an ELECTRA checkpoint") as info:
        read_tf1_checkpoint(prefix)
    assert "\n" not in str(info.value)
    assert "bert/" in str(info.value)
