"""Where a pre-training run stands: does the encoder use context yet?

Early in pre-training both towers settle on the frequent-word (unigram)
solution: the generator predicts common words, its samples follow the
words' own frequencies, and the discriminator, which could only tell them
apart by looking at the neighbours, answers "original" everywhere (its AUC
near 0.5). A run has left that plateau when the discriminator's exact AUC
on the generator's own samples exceeds `CONTEXT_DISC_AUC` and the
generator's masked-LM accuracy exceeds `CONTEXT_MLM_ACCURACY` (the masked-LM
baseline: the accuracy alone). Encoders fine-tuned from that plateau
scored below random initialisation in this project's CPU comparisons (the
README's "Does pre-training pay off?").

`measure_learning_stage` measures a pretrainer on fixed batches with fixed
sampling noise, so two measurements differ only by the weights;
`LearningStageMonitor` does it at every save of a run and records it in
the run directory's `learning_stage.json` and TensorBoard
(`epoch_stage_disc_auc`, `epoch_stage_mlm_accuracy`); fine-tuning warns
when it starts from a run that has not left the plateau.

Example:
```python
stage = measure_learning_stage(pretrainer, batches, step=4000)
stage.uses_context()   # False on the plateau
print(stage.describe())
```
"""

import dataclasses
import json
import os

import keras
import numpy as np
from keras import ops

from keras_electra.models.electra_pretrainer import ElectraPretrainer
from keras_electra.pretrain.callbacks import optimizer_step

# Exact AUC of the discriminator on the generator's samples, and masked-LM
# accuracy of the generator (the kept 15% of slots give about 15 points
# for free), above which a run uses context.
CONTEXT_DISC_AUC = 0.65
CONTEXT_MLM_ACCURACY = 0.30

# What a measurement reads: this many batches of 32 sequences, drawn with
# the run's seed plus `SEED_OFFSET` (mask draws the run never trains on), and
# sampled with noise seeded by `SAMPLING_SEED`.
STAGE_BATCHES = 8
STAGE_BATCH_SIZE = 32
SEED_OFFSET = 7919
SAMPLING_SEED = 1


@dataclasses.dataclass(frozen=True)
class LearningStage:
    """One measurement of a pretrainer.

    Args:
        step: int. The optimizer step measured.
        mlm_accuracy: float. Masked-LM accuracy at the real mask slots.
        disc_auc: float or None. Exact ROC AUC of the replaced-token
            probabilities over real tokens; None for the masked-LM
            baseline.
    """

    step: int
    mlm_accuracy: float
    disc_auc: float = None

    def uses_context(self):
        """Whether both numbers are past the plateau's thresholds."""
        if self.mlm_accuracy <= CONTEXT_MLM_ACCURACY:
            return False
        return self.disc_auc is None or self.disc_auc > CONTEXT_DISC_AUC

    def describe(self):
        """One line: the numbers and what they mean."""
        numbers = f"generator masked-LM accuracy {self.mlm_accuracy:.1%}"
        thresholds = f"> {CONTEXT_MLM_ACCURACY:.0%}"
        if self.disc_auc is not None:
            numbers = (f"discriminator AUC {self.disc_auc:.3f} on the "
                       f"generator's samples, {numbers}")
            thresholds = f"> {CONTEXT_DISC_AUC:g} and {thresholds}"
        else:
            numbers = numbers.replace("generator ", "")
        verdict = (
            "the encoder uses context" if self.uses_context() else
            f"no context yet (needs {thresholds}): fine-tuned as it is, this "
            "encoder may score below random initialisation; re-drawing its "
            "top layer (reinit_top_layers=1) is what helped such encoders "
            "(docs/results/transfer_why.md)"
        )
        return f"step {self.step}: {numbers}; {verdict}"

    def to_record(self):
        return {**dataclasses.asdict(self), "uses_context": self.uses_context()}

    @classmethod
    def from_record(cls, record):
        return cls(**{f.name: record.get(f.name) for f in dataclasses.fields(cls)})


def exact_auc(labels, scores, weights=None):
    """The ROC AUC of `scores` for binary `labels`, exactly (no thresholds).

    The Mann-Whitney statistic: the probability that a positive scores above
    a negative, ties counting one half.

    Args:
        labels: array of 0/1.
        scores: array of the same shape.
        weights: array of 0/1 or None. Entries with weight 0 are left out.

    Returns:
        float, or NaN when one class is absent.
    """
    labels = np.asarray(labels, dtype=bool).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if weights is not None:
        keep = np.asarray(weights).ravel() > 0
        labels, scores = labels[keep], scores[keep]
    positives = int(labels.sum())
    negatives = labels.size - positives
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # Average 1-based ranks over runs of tied scores.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], scores.size]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    rank_sum = ranks[labels].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def stage_batches(source, vocab, sequence_length, seed, config, mask_rate=0.15,
                  mask_token_rate=0.85, random_token_rate=0.0, normalization=None,
                  num_batches=STAGE_BATCHES):
    """The fixed batches a run's stage is measured on, as NumPy dicts.

    Masked by the run's own rule with a seed the run never draws
    (`seed + SEED_OFFSET`). Uses the `tf.data` pipeline.
    """
    from keras_electra import data

    dataset = data.pretraining_dataset(
        source, vocab, sequence_length, STAGE_BATCH_SIZE, mask_rate=mask_rate,
        mask_token_rate=mask_token_rate, random_token_rate=random_token_rate,
        normalization=normalization, seed=seed + SEED_OFFSET, repeat=True,
        config=config,
    )
    return [
        {key: value.numpy() for key, value in batch.items()}
        for batch in dataset.take(num_batches)
    ]


def measure_learning_stage(pretrainer, batches, step):
    """Measures `pretrainer` (ELECTRA or the masked-LM baseline) on `batches`.

    Runs without dropout and with its own sampling noise: the pretrainer's
    random streams, and so a run that is measured, are left untouched.

    Args:
        pretrainer: `ElectraPretrainer` or `MaskedLMPretrainer`.
        batches: list of batch dicts (`stage_batches`).
        step: int. The optimizer step, for the record.

    Returns:
        `LearningStage`.
    """
    electra = isinstance(pretrainer, ElectraPretrainer)
    sampling = keras.random.SeedGenerator(SAMPLING_SEED) if electra else None
    correct = slots = 0.0
    labels, scores, real = [], [], []
    for batch in batches:
        weights = batch["mask_weights"].astype("float32")
        if electra:
            logits = pretrainer.generate(batch)
            corrupted, disc_labels = pretrainer.corrupt(batch, logits, sampling)
            disc_logits = pretrainer.discriminate(
                corrupted, batch["segment_ids"], batch["padding_mask"]
            )
            labels.append(ops.convert_to_numpy(disc_labels))
            scores.append(ops.convert_to_numpy(disc_logits))
            real.append(batch["padding_mask"])
        else:
            logits = pretrainer(batch)["mlm_logits"]
        predicted = ops.convert_to_numpy(ops.argmax(logits, axis=-1))
        correct += float(((predicted == batch["mask_ids"]) * weights).sum())
        slots += float(weights.sum())
    disc_auc = None
    if electra:
        disc_auc = exact_auc(
            np.concatenate(labels), np.concatenate(scores), np.concatenate(real)
        )
    return LearningStage(
        step=int(step), mlm_accuracy=correct / max(slots, 1.0), disc_auc=disc_auc
    )


def read_stages(path):
    """`{step: LearningStage}` from a run's `learning_stage.json` ({} if
    absent or unreadable)."""
    try:
        with open(path, encoding="utf-8") as f:
            steps = json.load(f).get("steps", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {int(step): LearningStage.from_record(r) for step, r in steps.items()}


def write_stages(path, stages):
    """Writes `{step: LearningStage}` to `path` atomically."""
    record = {
        "thresholds": {"disc_auc": CONTEXT_DISC_AUC,
                       "mlm_accuracy": CONTEXT_MLM_ACCURACY},
        "steps": {str(step): stages[step].to_record() for step in sorted(stages)},
    }
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    os.replace(temporary, path)


class LearningStageMonitor(keras.callbacks.Callback):
    """Measures the run's learning stage at every `fit` epoch end (save).

    Adds `stage_mlm_accuracy` (and `stage_disc_auc`) to the epoch's logs,
    so a `TensorBoardScalars` placed after it plots them, and keeps every
    measurement in `path` (`learning_stage.json`), resumed runs included.

    Args:
        batches: list of batch dicts (`stage_batches`).
        path: str or None. The file to keep the measurements in.
    """

    def __init__(self, batches, path=None):
        super().__init__()
        self.batches = batches
        self.path = path
        self.stages = read_stages(path) if path else {}

    @property
    def latest(self):
        """The newest `LearningStage`, or None."""
        return self.stages[max(self.stages)] if self.stages else None

    def on_epoch_end(self, epoch, logs=None):
        step = optimizer_step(self.model)
        stage = measure_learning_stage(self.model, self.batches, step)
        self.stages[step] = stage
        if self.path:
            write_stages(self.path, self.stages)
        if logs is not None:
            logs["stage_mlm_accuracy"] = stage.mlm_accuracy
            if stage.disc_auc is not None:
                logs["stage_disc_auc"] = stage.disc_auc
