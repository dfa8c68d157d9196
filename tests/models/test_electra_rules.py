"""The rules of ELECTRA's replaced-token detection, one test each."""

import keras
import numpy as np

from keras_electra import ElectraPretrainer
from keras_electra.mask_slots import write_at_positions
from keras_electra.models.pretraining_ops import replace_at_positions
from keras_electra.models.pretraining_ops import replaced_token_detection_loss
from keras_electra.models.pretraining_ops import masked_lm_accuracy
from keras_electra.models.pretraining_ops import masked_lm_loss


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _force_generator_to_sample(pretrainer, token_id):
    """Makes the generator put (almost) all its probability on `token_id`."""
    bias = np.zeros(pretrainer.config.vocabulary_size, "float32")
    bias[token_id] = 1e4
    pretrainer.generator_head._bias.assign(bias)


def test_generator_and_discriminator_hold_the_same_embedding_variables(
    tiny_config,
):
    # Embeddings narrower than both towers, as in ELECTRA-Small.
    pretrainer = ElectraPretrainer(tiny_config.replace(embedding_dim=64), seed=0)
    generator, discriminator = pretrainer.generator, pretrainer.discriminator
    assert generator.embeddings is discriminator.embeddings
    shared = generator.embeddings.weights
    # token, position, segment tables + LayerNorm gamma and beta.
    assert len(shared) == 5
    disc_ids = {id(v) for v in discriminator.weights}
    assert all(id(v) in disc_ids for v in shared)
    # The generator head's output projection is the same token table.
    head_table = pretrainer.generator_head.token_embedding.embeddings
    assert head_table is generator.embeddings.token_embedding.embeddings
    # Each tower keeps its own embedding projection.
    assert generator.embeddings_projection.kernel.shape == (64, 32)
    assert discriminator.embeddings_projection.kernel.shape == (64, 128)
    # No variable is counted twice by the optimizer.
    ids = [id(v) for v in pretrainer.trainable_variables]
    assert len(ids) == len(set(ids))


def test_discriminator_loss_sends_no_gradient_into_generator_weights(
    tiny_config, make_batch, gradients
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)

    def disc_loss(outputs):
        return replaced_token_detection_loss(
            outputs["disc_labels"], outputs["disc_logits"], batch["padding_mask"]
        )

    def mlm_loss(outputs):
        return masked_lm_loss(
            batch["mask_ids"], outputs["mlm_logits"], batch["mask_weights"]
        )

    generator_only = [
        v.path
        for v in pretrainer.trainable_variables
        if v.path.startswith(("generator/", "generator_head/"))
    ]
    assert len(generator_only) > 10
    from_disc = gradients(pretrainer, batch, disc_loss)
    assert all(not from_disc[path].any() for path in generator_only)
    # The discriminator loss does train the discriminator and the shared
    # embeddings, and the MLM loss does train the generator.
    assert from_disc["discriminator_head/logit/kernel"].any()
    assert from_disc["embeddings/token_embedding/embeddings"].any()
    from_mlm = gradients(pretrainer, batch, mlm_loss)
    assert all(from_mlm[path].any() for path in generator_only)


def test_sampled_token_equal_to_the_original_is_labelled_original(
    tiny_config, make_batch
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    # Every masked original becomes token 7, and the generator samples 7.
    batch["mask_ids"] = np.where(batch["mask_weights"] > 0, 7, 0).astype("int32")
    _force_generator_to_sample(pretrainer, 7)
    outputs = pretrainer(batch)
    corrupted = _numpy(outputs["corrupted_ids"])
    rows, slots = np.nonzero(batch["mask_weights"])
    positions = batch["mask_positions"][rows, slots]
    assert (corrupted[rows, positions] == 7).all()
    assert not _numpy(outputs["disc_labels"]).any()
    # With any other original the same samples count as replaced.
    batch["mask_ids"] = np.where(batch["mask_weights"] > 0, 8, 0).astype("int32")
    labels = _numpy(pretrainer(batch)["disc_labels"])
    assert labels[rows, positions].all()
    assert labels.sum() == len(rows)


def test_padding_never_enters_the_discriminator_loss(tiny_config, make_batch):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size)
    padding = batch["padding_mask"] == 0
    assert padding.any()
    outputs = pretrainer(batch)
    labels, logits = outputs["disc_labels"], _numpy(outputs["disc_logits"])
    loss = replaced_token_detection_loss(labels, logits, batch["padding_mask"])
    # Any logit and label at a padded position leave the loss unchanged.
    noisy_logits = np.where(padding, 50.0, logits).astype("float32")
    noisy_labels = np.where(padding, 1.0, _numpy(labels)).astype("float32")
    noisy = replaced_token_detection_loss(
        noisy_labels, noisy_logits, batch["padding_mask"]
    )
    np.testing.assert_allclose(_numpy(noisy), _numpy(loss), rtol=1e-6)
    # Nor do the token ids under the padding change the real tokens' logits.
    state = _numpy(pretrainer.seed_generator.state)
    other = dict(batch, token_ids=np.where(padding, 55, batch["token_ids"]))
    pretrainer.seed_generator.state.assign(state)
    first = _numpy(pretrainer(batch)["disc_logits"])
    pretrainer.seed_generator.state.assign(state)
    second = _numpy(pretrainer(other)["disc_logits"])
    np.testing.assert_allclose(first[~padding], second[~padding], atol=1e-5)


def test_padded_mask_slots_never_overwrite_a_real_token(
    tiny_config, make_batch
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size, padded_slots=2)
    # Padded slots point at position 0 ([CLS]); the generator samples 9
    # everywhere, so a leaking slot would write 9 over [CLS].
    _force_generator_to_sample(pretrainer, 9)
    corrupted = _numpy(pretrainer(batch)["corrupted_ids"])
    np.testing.assert_array_equal(corrupted[:, 0], batch["token_ids"][:, 0])
    changed = corrupted != batch["token_ids"]
    assert changed.sum() == (batch["mask_weights"] > 0).sum()


def test_the_one_write_back_never_overwrites_a_token_from_a_padded_slot():
    # The model's write-back: `keras_electra.mask_slots.write_at_positions`
    # over keras.ops (the data pipeline's TensorFlow path is tested in
    # tests/data/test_masking.py).
    ids = np.array([[1, 5, 6, 2], [1, 5, 6, 2]], "int32")
    positions = np.array([[1, 0, 2], [2, 2, 0]], "int32")
    values = np.array([[40, 77, 41], [41, 99, 98]], "int32")
    weights = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], "float32")
    expected = [[1, 40, 6, 2], [1, 5, 41, 2]]
    out = replace_at_positions(ids, positions, values, weights)
    assert keras.backend.standardize_dtype(out.dtype) == "int32"
    np.testing.assert_array_equal(_numpy(out), expected)
    # `replace_at_positions` is that one definition, bound to keras.ops.
    direct = write_at_positions(ids, positions, values, weights, keras.ops)
    np.testing.assert_array_equal(_numpy(direct), expected)
    # Every used slot writes, whatever the other slots hold.
    all_used = replace_at_positions(
        ids[:1], positions[:1], values[:1], np.ones((1, 3), "float32")
    )
    np.testing.assert_array_equal(_numpy(all_used), [[77, 40, 41, 2]])


def test_split_pretrainer_methods_compose_to_call(tiny_config, make_batch):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(vocabulary_size=tiny_config.vocabulary_size, padded_slots=1)
    state = _numpy(pretrainer.seed_generator.state)
    outputs = {k: _numpy(v) for k, v in pretrainer(batch).items()}

    pretrainer.seed_generator.state.assign(state)
    mlm_logits = pretrainer.generate(batch)
    corrupted_ids, disc_labels = pretrainer.corrupt(batch, mlm_logits)
    disc_logits = pretrainer.discriminate(
        corrupted_ids, batch["segment_ids"], batch["padding_mask"]
    )
    composed = {
        "mlm_logits": mlm_logits,
        "corrupted_ids": corrupted_ids,
        "disc_labels": disc_labels,
        "disc_logits": disc_logits,
    }
    assert composed.keys() == outputs.keys()
    for key, value in composed.items():
        # Same ops and the same random draw: bit for bit.
        np.testing.assert_array_equal(_numpy(value), outputs[key], err_msg=key)
    vocabulary_size = tiny_config.vocabulary_size
    assert outputs["mlm_logits"].shape == (4, 3, vocabulary_size)
    assert outputs["disc_logits"].shape == outputs["corrupted_ids"].shape == (4, 16)
    for key in ("mlm_logits", "disc_logits", "disc_labels"):
        assert outputs[key].dtype == np.float32, key
    # The labels are exactly "differs from the original input".
    original = batch["token_ids"].copy()
    rows, slots = np.nonzero(batch["mask_weights"])
    original[rows, batch["mask_positions"][rows, slots]] = batch["mask_ids"][rows, slots]
    np.testing.assert_array_equal(
        outputs["disc_labels"], outputs["corrupted_ids"] != original
    )
    # Each step draws from the model's seed generator only in `corrupt`.
    pretrainer.seed_generator.state.assign(state)
    pretrainer.generate(batch)
    pretrainer.discriminate(
        batch["token_ids"], batch["segment_ids"], batch["padding_mask"]
    )
    np.testing.assert_array_equal(_numpy(pretrainer.seed_generator.state), state)


def test_generator_head_runs_at_the_masked_positions_only(
    tiny_config, make_batch
):
    pretrainer = ElectraPretrainer(tiny_config, seed=0)
    batch = make_batch(
        batch_size=2, num_predictions=3, vocabulary_size=tiny_config.vocabulary_size
    )
    mlm_logits = _numpy(pretrainer(batch)["mlm_logits"])
    assert mlm_logits.shape == (2, 3, tiny_config.vocabulary_size)
    sequence = pretrainer.generator(
        {k: batch[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    )
    # The head's logits at slot j are the head applied to position j alone.
    for row in range(2):
        for slot in range(3):
            position = batch["mask_positions"][row, slot]
            single = pretrainer.generator_head(
                sequence[row : row + 1, position : position + 1],
                mask_positions=np.zeros((1, 1), "int32"),
            )
            np.testing.assert_allclose(
                mlm_logits[row, slot], _numpy(single)[0, 0], atol=1e-4
            )


def test_mlm_accuracy_counts_the_slots_whose_argmax_is_the_original_token():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 6, 50)).astype("float32")
    mask_ids = rng.integers(0, 50, (4, 6)).astype("int32")
    mask_ids[:, :3] = logits[:, :3].argmax(-1)  # half of the slots right
    weights = np.ones((4, 6), "float32")
    weights[0, :] = 0.0  # a row of padded slots counts for nothing
    expected = ((logits.argmax(-1) == mask_ids) * weights).sum() / weights.sum()
    accuracy = masked_lm_accuracy()
    accuracy.update_state(mask_ids, logits, sample_weight=weights)
    np.testing.assert_allclose(float(accuracy.result()), expected, rtol=1e-6)
    assert 0.5 <= expected < 0.6
