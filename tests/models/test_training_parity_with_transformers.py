"""Twenty optimizer steps of ours equal twenty steps of an independent
trainer written on Hugging Face transformers and PyTorch.

The reference is `ElectraForMaskedLM` (generator) and
`ElectraForPreTraining` (discriminator) sharing one embeddings module (the
generator's output layer tied to it), trained with `torch.optim.AdamW`
(weight decay off LayerNorm and biases), `clip_grad_norm_` at 1.0 and a
`LambdaLR` warm-up + linear decay, on `mlm_loss + 50 * disc_loss`. Both
sides start from the same weights (ours converted with
`convert.pretrainer_to_canonical`, the `convert --to hf` mapping), see the
same batches with dropout 0, and the reference is fed the corrupted input
our step sampled (sampling itself is tested in test_electra_rules.py).

Where the two differ by definition the reference follows ours. Keras adds
epsilon to the uncorrected second-moment root, PyTorch to
the bias-corrected one, so the reference's epsilon at step t is
`1e-6 / sqrt(1 - beta2**t)`. transformers' word embeddings drop the
gradient of [PAD] lookups (`padding_idx`); the generator may sample [PAD]
into a real position, where ours, as the original, trains that row, so the
reference's `padding_idx` is unset. (`clip_grad_norm_` divides by
`norm + 1e-6`, Keras by `norm`: a relative 1e-6, left as it is.)

Asserted: every step's losses agree within 1e-5 relative, and every final
weight within 1e-5; on every Keras backend. The masked-LM baseline
(`MaskedLMPretrainer`) is checked the same way against
`ElectraForMaskedLM` at its sizes.
"""

import math

import keras
import numpy as np
import pytest
import torch
import transformers
from keras import ops

from keras_electra import ElectraConfig
from keras_electra import ElectraPretrainer
from keras_electra import optimization
from keras_electra.checkpoints import convert
from keras_electra.models.mlm_pretrainer import MaskedLMPretrainer

pytestmark = pytest.mark.multi_backend

STEPS = 20
PEAK_LEARNING_RATE = 1e-3
WARMUP_STEPS = 5
EPSILON = 1e-6
BETA_2 = 0.999
LOSS_TOLERANCE = 1e-5  # relative
WEIGHT_TOLERANCE = 1e-5  # absolute
VOCAB = 120

# A projected embedding (24 -> 32 and 24 -> 16) and a generator half the
# discriminator's width, so tying and both projections are exercised.
CONFIG = ElectraConfig(
    vocabulary_size=VOCAB, num_layers=2, hidden_dim=32, num_heads=2,
    intermediate_dim=64, embedding_dim=24, generator_hidden_dim=16,
    generator_num_heads=1, generator_intermediate_dim=32,
    max_sequence_length=32, dropout=0.0,
)


def _batch(make_batch, step):
    """A batch with padding, two segments and one padded mask slot."""
    batch = make_batch(
        batch_size=4, sequence_length=16, num_predictions=3,
        vocabulary_size=VOCAB, num_padding=3, seed=step,
    )
    batch["segment_ids"][:, 7:13] = 1
    return batch


def _keras_optimizer(model):
    schedule = optimization.LinearWarmupLinearDecay(
        PEAK_LEARNING_RATE, warmup_steps=WARMUP_STEPS, total_steps=STEPS
    )
    return optimization.electra_optimizer(
        schedule, model.trainable_variables, weight_decay=0.01, epsilon=EPSILON
    )


def _torch_model(cls, hf_config, state):
    model = cls(transformers.ElectraConfig(**hf_config, attn_implementation="eager"))
    missing, unexpected = model.load_state_dict(
        {name: torch.tensor(value) for name, value in state.items()}, strict=False
    )
    assert not unexpected
    assert all(name.endswith(("position_ids", "token_type_ids")) for name in missing), missing
    return model.train()


def _torch_optimizer(models):
    """AdamW over the models' distinct parameters; LayerNorm and biases
    undecayed; the schedule of `LinearWarmupLinearDecay`."""
    seen, decayed, undecayed = set(), [], []
    for model in models:
        for name, parameter in model.named_parameters():
            if id(parameter) in seen:
                continue
            seen.add(id(parameter))
            exempt = "LayerNorm" in name or name.endswith("bias")
            (undecayed if exempt else decayed).append(parameter)
    optimizer = torch.optim.AdamW(
        [{"params": decayed, "weight_decay": 0.01},
         {"params": undecayed, "weight_decay": 0.0}],
        lr=PEAK_LEARNING_RATE, betas=(0.9, BETA_2), eps=EPSILON,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: max(0.0, 1.0 - s / STEPS) * min(1.0, s / WARMUP_STEPS),
    )
    return optimizer, schedule, decayed + undecayed


def _torch_step(optimizer, schedule, parameters, loss, step):
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    for group in optimizer.param_groups:  # Keras' epsilon placement.
        group["eps"] = EPSILON / math.sqrt(1.0 - BETA_2 ** (step + 1))
    optimizer.step()
    schedule.step()


def _tensors(batch, *keys):
    return [torch.tensor(np.asarray(batch[k]), dtype=torch.long) for k in keys]


def _mlm_labels(batch):
    labels = np.full(batch["token_ids"].shape, -100, dtype="int64")
    for row, (positions, ids, weights) in enumerate(
        zip(batch["mask_positions"], batch["mask_ids"], batch["mask_weights"])
    ):
        for position, token, weight in zip(positions, ids, weights):
            if weight:
                labels[row, position] = token
    return torch.tensor(labels)


def _keras_step(model, batch):
    model.reset_metrics()
    return model.train_on_batch(batch, return_dict=True)


def _assert_close(ours, theirs, what):
    """Asserts one loss agrees; returns the relative difference."""
    relative = abs(float(ours) - float(theirs)) / max(abs(float(theirs)), 1e-12)
    assert relative < LOSS_TOLERANCE, f"{what}: ours {ours}, reference {theirs}"
    return relative


def _assert_weights_equal(ours, reference_models):
    """`ours`: canonical `{name: array}` per tower; every tensor equals the
    reference model's of that name."""
    worst = 0.0
    for state, model in zip(ours, reference_models):
        theirs = model.state_dict()
        for name, value in state.items():
            diff = float(np.max(np.abs(value - theirs[name].detach().numpy())))
            worst = max(worst, diff)
            assert diff < WEIGHT_TOLERANCE, f"{name}: max |diff| {diff:.2e}"
    return worst


def test_electra_training_steps_equal_an_independent_transformers_trainer(make_batch):
    keras.utils.set_random_seed(0)
    ours = ElectraPretrainer(CONFIG, seed=3)
    ours.compile(optimizer=_keras_optimizer(ours))
    towers = convert.pretrainer_to_canonical(ours)
    disc = _torch_model(transformers.ElectraForPreTraining, *towers["discriminator"])
    gen = _torch_model(transformers.ElectraForMaskedLM, *towers["generator"])
    # One embeddings module for both towers, the generator's output tied to it.
    gen.electra.embeddings = disc.electra.embeddings
    gen.generator_lm_head.weight = disc.electra.embeddings.word_embeddings.weight
    # Ours, like the original, trains the [PAD] row where the generator
    # samples [PAD] into a real position; transformers' padding_idx would
    # zero that gradient.
    disc.electra.embeddings.word_embeddings.padding_idx = None
    optimizer, schedule, parameters = _torch_optimizer([disc, gen])
    assert len(parameters) == len(ours.trainable_variables)

    replaced = worst_loss = 0.0
    for step in range(STEPS):
        batch = _batch(make_batch, step)
        # The corruption our step will sample: same weights, same noise.
        state = ops.convert_to_numpy(ours.seed_generator.state)
        corrupted = ops.convert_to_numpy(ours(batch)["corrupted_ids"])
        ours.seed_generator.state.assign(state)
        logs = _keras_step(ours, batch)

        ids, segments, mask = _tensors(batch, "token_ids", "segment_ids", "padding_mask")
        original = ids.clone()
        labels = _mlm_labels(batch)
        original[labels != -100] = labels[labels != -100]
        corrupted = torch.tensor(corrupted, dtype=torch.long)
        disc_labels = (corrupted != original).long()
        replaced += float(disc_labels[mask == 1].float().mean())
        mlm_loss = gen(input_ids=ids, token_type_ids=segments,
                       attention_mask=mask, labels=labels).loss
        disc_loss = disc(input_ids=corrupted, token_type_ids=segments,
                         attention_mask=mask, labels=disc_labels).loss
        worst_loss = max(
            worst_loss,
            _assert_close(logs["mlm_loss"], mlm_loss.item(), f"step {step} mlm_loss"),
            _assert_close(logs["disc_loss"], disc_loss.item(), f"step {step} disc_loss"),
        )
        _torch_step(optimizer, schedule, parameters, mlm_loss + 50.0 * disc_loss, step)

    assert replaced / STEPS > 0.05  # The discriminator saw replacements.
    towers = convert.pretrainer_to_canonical(ours)
    worst = _assert_weights_equal(
        [towers["discriminator"][1], towers["generator"][1]], [disc, gen]
    )
    assert worst > 0.0  # Sanity: the weights are compared, not identical copies.
    print(f"\nELECTRA, {STEPS} steps: losses within {worst_loss:.1e} relative, "
          f"weights within {worst:.1e}")


def test_mlm_baseline_training_steps_equal_transformers_masked_lm(make_batch):
    keras.utils.set_random_seed(0)
    ours = MaskedLMPretrainer(CONFIG, seed=3)
    ours.compile(optimizer=_keras_optimizer(ours))
    hf_config, state = convert.generator_to_canonical(ours.discriminator, ours.mlm_head)
    reference = _torch_model(
        transformers.ElectraForMaskedLM, convert.hf_config_of(CONFIG), state
    )
    optimizer, schedule, parameters = _torch_optimizer([reference])
    assert len(parameters) == len(ours.trainable_variables)

    worst_loss = 0.0
    for step in range(STEPS):
        batch = _batch(make_batch, step)
        logs = _keras_step(ours, batch)
        ids, segments, mask = _tensors(batch, "token_ids", "segment_ids", "padding_mask")
        loss = reference(input_ids=ids, token_type_ids=segments,
                         attention_mask=mask, labels=_mlm_labels(batch)).loss
        worst_loss = max(worst_loss, _assert_close(
            logs["mlm_loss"], loss.item(), f"step {step} mlm_loss"))
        _torch_step(optimizer, schedule, parameters, loss, step)

    _, state = convert.generator_to_canonical(ours.discriminator, ours.mlm_head)
    worst = _assert_weights_equal([state], [reference])
    assert worst > 0.0
    print(f"\nMLM baseline, {STEPS} steps: losses within {worst_loss:.1e} "
          f"relative, weights within {worst:.1e}")
