"""Where a run stands: the exact AUC, the context thresholds, a measurement
that leaves training untouched, the monitor's records, and fine-tuning's
warning for an encoder that has not left the plateau."""

import json

import keras
import numpy as np
import pytest
from keras import ops
from sklearn.metrics import roc_auc_score

from keras_electra import ElectraConfig
from keras_electra import ElectraPretrainer
from keras_electra import MaskedLMPretrainer
from keras_electra import RunDirectory
from keras_electra.finetune.loading import load_encoder
from keras_electra.finetune.seeds import SeedRuns
from keras_electra.pretrain import learning_stage as stage_lib
from keras_electra.pretrain.learning_stage import LearningStage

CONFIG = ElectraConfig.from_preset(
    "tiny", vocabulary_size=100, max_sequence_length=16, dropout=0.0
)


def _batches(make_batch, n=3):
    return [make_batch(vocabulary_size=100, seed=i) for i in range(n)]


def test_exact_auc_equals_scikit_learn_with_ties_and_left_out_tokens():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, (8, 50))
    scores = np.round(rng.normal(size=(8, 50)) + 0.4 * labels, 1)  # Many ties.
    weights = rng.integers(0, 2, (8, 50))
    keep = weights > 0
    assert stage_lib.exact_auc(labels, scores, weights) == pytest.approx(
        roc_auc_score(labels[keep], scores[keep]), abs=1e-12
    )
    assert np.isnan(stage_lib.exact_auc(np.ones(5), np.arange(5)))


@pytest.mark.parametrize(
    "stage, uses_context",
    [
        (LearningStage(4000, mlm_accuracy=0.197, disc_auc=0.529), False),
        (LearningStage(300, mlm_accuracy=0.05, disc_auc=0.70), False),
        (LearningStage(9000, mlm_accuracy=0.35, disc_auc=0.60), False),
        (LearningStage(9000, mlm_accuracy=0.35, disc_auc=0.70), True),
        (LearningStage(9000, mlm_accuracy=0.31), True),  # Masked-LM baseline.
        (LearningStage(9000, mlm_accuracy=0.25), False),
    ],
)
def test_a_run_uses_context_past_both_thresholds(stage, uses_context):
    assert stage.uses_context() is uses_context
    assert ("no context yet" in stage.describe()) is not uses_context
    assert LearningStage.from_record(stage.to_record()) == stage


def test_measuring_is_repeatable_and_leaves_the_sampling_stream_alone(make_batch):
    keras.utils.set_random_seed(0)
    pretrainer = ElectraPretrainer(CONFIG, seed=1)
    before = ops.convert_to_numpy(pretrainer.seed_generator.state)
    first = stage_lib.measure_learning_stage(pretrainer, _batches(make_batch), 7)
    second = stage_lib.measure_learning_stage(pretrainer, _batches(make_batch), 7)
    assert first == second
    assert first.step == 7 and 0.0 <= first.disc_auc <= 1.0
    np.testing.assert_array_equal(
        ops.convert_to_numpy(pretrainer.seed_generator.state), before
    )


def test_masked_lm_accuracy_equals_keras_metric_on_the_same_batches(make_batch):
    keras.utils.set_random_seed(0)
    model = MaskedLMPretrainer(CONFIG)
    model.compile(optimizer=keras.optimizers.AdamW(1e-2, epsilon=1e-6))
    batches = _batches(make_batch)
    data = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
    model.fit(x=data, batch_size=4, epochs=5, verbose=0, shuffle=False)
    stage = stage_lib.measure_learning_stage(model, batches, 15)
    logs = model.evaluate(x=data, batch_size=4, verbose=0, return_dict=True)
    assert stage.disc_auc is None
    assert stage.mlm_accuracy == pytest.approx(logs["mlm_accuracy"], abs=1e-6)
    assert stage.mlm_accuracy > 0.0  # Some right answers: the comparison counts them.


def test_monitor_records_every_save_and_keeps_earlier_steps(make_batch, tmp_path):
    path = tmp_path / "learning_stage.json"
    stage_lib.write_stages(path, {2: LearningStage(2, 0.01, 0.6)})
    keras.utils.set_random_seed(0)
    model = ElectraPretrainer(CONFIG, seed=1)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    batches = _batches(make_batch, 4)
    data = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
    monitor = stage_lib.LearningStageMonitor(batches[:2], str(path))
    history = model.fit(x=data, batch_size=4, epochs=2, verbose=0,
                        shuffle=False, callbacks=[monitor])
    record = json.loads(path.read_text())
    assert sorted(int(s) for s in record["steps"]) == [2, 4, 8]
    assert record["thresholds"] == {"disc_auc": 0.65, "mlm_accuracy": 0.3}
    assert history.history["stage_disc_auc"][-1] == pytest.approx(
        record["steps"]["8"]["disc_auc"]
    )
    assert monitor.latest.step == 8


def _finished_run(directory, stage):
    """A run directory with a saved discriminator and its measured stage."""
    directory.mkdir()
    run = RunDirectory(directory)
    pretrainer = ElectraPretrainer(CONFIG)
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(95)]
    ) + "\n")
    run.write_record({"settings": {"config": CONFIG.to_dict()}})
    run.save_discriminator(pretrainer.discriminator, str(vocab), {})
    stage_lib.write_stages(run.learning_stage_file, {8: stage})
    return run


@pytest.mark.parametrize("uses_context", [False, True])
def test_fine_tuning_warns_once_when_its_encoder_has_no_context_yet(
    uses_context, tmp_path, recwarn
):
    stage = LearningStage(8, mlm_accuracy=0.4 if uses_context else 0.2, disc_auc=0.7)
    run = _finished_run(tmp_path / "run", stage)
    assert load_encoder(run.path).learning_stage == stage
    SeedRuns(run.path, [1, 2], output_dir=str(tmp_path / "out"), sequence_length=16)
    warned = [w for w in recwarn if "no context yet" in str(w.message)]
    assert len(warned) == (0 if uses_context else 1)
