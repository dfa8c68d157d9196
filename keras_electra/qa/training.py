"""Fine-tuning for SQuAD: one run (`finetune_qa`) and one run per seed with the
median reported (`finetune_qa_seeds`), as `keras_electra.finetune` does for GLUE.

Defaults are the original's SQuAD settings (`configure_finetuning.py`):
sequence length 512, doc stride 128, question length 64, n-best 20, answers
of at most 30 WordPieces, 2 epochs, batch 32, 10% warm-up, layer-wise
decay 0.8 and the encoder size's learning rate.
"""

import dataclasses
import math
import os

import numpy as np
import tensorflow as tf

from keras_electra.finetune.engine import DevScores
from keras_electra.finetune.engine import FineTuningConfig
from keras_electra.finetune.engine import start_run
from keras_electra.finetune.engine import train as train_model
from keras_electra.finetune.seeds import SeedRuns
from keras_electra.finetune.seeds import median_of
from keras_electra.models.electra_span_predictor import ElectraSpanPredictor
from keras_electra.qa import evaluation
from keras_electra.qa import postprocess
from keras_electra.qa.features import QAFeaturizer
from keras_electra.qa.features import build_features
from keras_electra.reporting import report

MODEL_FILE = "question_answerer.keras"
METRICS_1 = ("exact", "f1")
METRICS_2 = ("exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1",
             "best_exact", "best_exact_thresh", "best_f1", "best_f1_thresh")


@dataclasses.dataclass
class QAConfig(FineTuningConfig):
    """Hyper-parameters of a SQuAD run (`FineTuningConfig`'s, and these);
    `None` means the default.

    Args:
        version: `"1.1"` or `"2.0"` (adds the answerability head and the
            no-answer threshold).
        sequence_length, doc_stride, max_query_length: windowing
            (`QAFeaturizer`); defaults 512, 128, 64.
        epochs: defaults to 2.
        max_answer_length, n_best: post-processing; defaults 30, 20.
        no_answer_threshold: float. 2.0: answer "" above this no-answer
            score; the dev-tuned `best_f1_thresh` is reported besides.
        max_train_examples: int. Train on the first N questions.
    """

    version: str = "2.0"
    sequence_length: int = 512
    doc_stride: int = 128
    max_query_length: int = 64
    epochs: int = 2
    max_answer_length: int = 30
    n_best: int = 20
    no_answer_threshold: float = 0.0
    max_train_examples: int = None

    def resolved(self, encoder):
        """A copy with the encoder size's learning rate and decay filled in."""
        if str(self.version) not in ("1.1", "2.0"):
            raise ValueError(f"version must be '1.1' or '2.0', got {self.version!r}")
        return super().resolved(encoder, version=str(self.version))

    def featurizer(self, vocab):
        return QAFeaturizer(
            vocab, self.sequence_length, self.doc_stride, self.max_query_length,
            normalization=self.normalization,
        )


def features_dataset(features, answerability, batch_size, shuffle_seed=None):
    """An endless `tf.data.Dataset` of full `(inputs, labels)` batches.

    The windows are shuffled anew on every pass (with `shuffle_seed`) and
    repeated, and every batch has `batch_size` rows, so the train step is
    traced once; an epoch is `ceil(windows / batch_size)` steps.
    """
    dataset = tf.data.Dataset.from_tensor_slices(
        (features.inputs, features.labels(answerability))
    )
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(features), seed=shuffle_seed,
                                  reshuffle_each_iteration=True)
    return dataset.repeat().batch(batch_size, drop_remainder=True).prefetch(
        tf.data.AUTOTUNE)


def model_outputs(model, features, batch_size=64):
    """The model's outputs on every window, as numpy arrays."""
    if not len(features):
        keys = ["start_logits", "end_logits"] + (["no_answer_logit"] if model.answerability else [])
        return {k: np.zeros((0,) + ((features.token_to_context.shape[1],) if "logits" in k else ()))
                for k in keys}
    outputs = model.predict(features.inputs, batch_size=batch_size, verbose=0)
    return {k: np.asarray(v) for k, v in outputs.items()}


def evaluate_model(model, features, config, batch_size=64):
    """Predictions and SQuAD scores of `model` on `features`.

    Returns:
        `(predictions, scores)`: `{qid: Prediction}` at the configured
        threshold, and the `evaluation.evaluate` dict; for 2.0 it includes
        the best thresholds searched over the no-answer scores.
    """
    outputs = model_outputs(model, features, batch_size)
    predictions = postprocess.predict_answers(
        features, outputs, config.n_best, config.max_answer_length,
        config.version, config.no_answer_threshold,
    )
    examples = features.examples
    if config.version == "1.1":
        return predictions, evaluation.evaluate(
            examples, postprocess.answer_texts(predictions), "1.1")
    scores = evaluation.evaluate(
        examples, postprocess.best_span_texts(predictions), "2.0",
        no_answer_scores={q: p.no_answer_score for q, p in predictions.items()},
        no_answer_threshold=config.no_answer_threshold,
    )
    return predictions, scores


def finetune_qa(train, dev, encoder, vocab=None, config=None, seed=0, log_dir=None,
             evaluate_every_epoch=False, verbose=0, train_features=None,
             dev_features=None):
    """Fine-tunes `encoder` for extractive QA and scores it on `dev`.

    Args:
        train, dev: lists of `SquadExample`.
        encoder: `ElectraEncoder`, trained in place.
        vocab: `Vocab`, path or None.
        config: `QAConfig` or None.
        seed: int. Head initialization, dropout and shuffling.
        log_dir: str or None. TensorBoard logs (loss, dev scores).
        evaluate_every_epoch: bool. Score dev after every epoch.
        verbose: int. `fit` verbosity.
        train_features, dev_features: `QAFeatures` already built with the
            same settings (skips tokenizing again).

    Returns:
        `(model, result)`: the `ElectraSpanPredictor` and a dict with
        `scores`, `per_epoch`, `train_questions`, `train_windows`,
        `unrecoverable`, `steps`, `config`.
    """
    config = (config or QAConfig()).resolved(encoder)
    vocab = start_run(encoder, vocab, config, seed)
    if config.max_train_examples:
        train = train[: config.max_train_examples]
    featurizer = config.featurizer(vocab)
    if train_features is None:
        train_features = build_features(train, featurizer)
    if dev_features is None:
        dev_features = build_features(dev, featurizer)
    answerability = config.version == "2.0"
    if not len(train_features):
        raise ValueError("no training questions")
    if train_features.unrecoverable:  # No token covers the gold answer.
        keep_out = set(train_features.unrecoverable)
        rows = [r for r, i in enumerate(train_features.example_index)
                if train_features.examples[i].qid not in keep_out]
        train_features = train_features.select(rows)
    model = ElectraSpanPredictor(encoder, answerability=answerability)
    dev_scores = DevScores(
        lambda model: evaluate_model(model, dev_features, config)[1],
        logged=("exact", "f1", "best_f1"),
    )
    total_steps, scores = train_model(
        model,
        features_dataset(train_features, answerability, config.batch_size, shuffle_seed=seed),
        config, math.ceil(len(train_features) / config.batch_size), dev_scores,
        log_dir=log_dir, evaluate_every_epoch=evaluate_every_epoch, verbose=verbose,
    )
    return model, {
        "seed": seed,
        "scores": scores,
        "per_epoch": dev_scores.history,
        "train_questions": len(train),
        "train_windows": len(train_features),
        "unrecoverable": len(set(train_features.unrecoverable)),
        "steps": total_steps,
        "config": dataclasses.asdict(config),
    }


def finetune_qa_seeds(train, dev, init, *, seeds=(1,), config=None, output_dir,
                save_model=True, export_dir=None, verbose=0, command=None,
                sources=None, **encoder_options):
    """Fine-tunes a fresh copy of `init` once per seed; reports the median.

    Args:
        train, dev: lists of `SquadExample`.
        init: what `keras_electra.finetune.load_encoder` takes: `"random"`,
            a pre-training run directory or a `.keras` file.
        seeds: list of int.
        config: `QAConfig` or None.
        output_dir: str. Gets `results.json`, `vocab.txt` and `seed_N/`
            (`logs/` for TensorBoard, `question_answerer.keras`).
        save_model: bool. Save each seed's model.
        export_dir: str or None. Export the seed whose dev F1 is the median
            (the lower one for an even count) as a SavedModel there, with
            2.0's no-answer threshold set to its dev `best_f1_thresh`.
        verbose: int. `fit` verbosity.
        command: list of str or None. Recorded in the results.
        sources: dict or None. Where train/dev came from, recorded.
        **encoder_options: `SeedRuns`' `preset`, `config_overrides`,
            `vocab`, `lower_case`, `strip_accents` and
            `reinit_top_layers`.

    Returns:
        The dict written to `results.json`: `median` (EM, F1 and, for 2.0,
        HasAns/NoAns and the best-threshold scores), per-seed `runs`,
        settings.
    """
    config = config or QAConfig()
    runs = SeedRuns(init, seeds, output_dir=output_dir,
                    sequence_length=config.sequence_length, **encoder_options)
    vocab, normalization = runs.vocab, runs.normalization
    config = dataclasses.replace(config, normalization=normalization).resolved(
        runs.loaded.encoder)
    featurizer = config.featurizer(vocab)
    train_used = train[: config.max_train_examples] if config.max_train_examples else train
    train_features = build_features(train_used, featurizer)
    dev_features = build_features(dev, featurizer)
    report(f"squad {config.version}: {len(train_used)} train questions "
           f"({len(train_features)} windows) / {len(dev)} dev ({len(dev_features)} "
           f"windows); encoder {runs.loaded.source}; "
           f"seeds {','.join(map(str, runs.seeds))}")

    def train_one(seed, encoder, seed_dir):
        return finetune_qa(
            train_used, dev, encoder, vocab, config, seed=seed,
            log_dir=os.path.join(seed_dir, "logs"), evaluate_every_epoch=True,
            verbose=verbose, train_features=train_features, dev_features=dev_features,
        )

    results, models = [], []
    for result, model in runs.run(
        train_one, summary=lambda r: _summary(r["scores"]),
        model_file=MODEL_FILE if save_model else None,
    ):
        results.append(result)
        models.append(model if export_dir else None)
    metrics = METRICS_1 if config.version == "1.1" else METRICS_2
    metrics = [m for m in metrics if all(m in r["scores"] for r in results)]
    median = median_of(results, metrics, "scores")
    summary = {
        "task": f"squad{config.version}",
        "version": config.version,
        "metrics": metrics,
        "median": median,
        "runs": results,
        **runs.settings(),
        **featurizer.settings(),
        "max_answer_length": config.max_answer_length,
        "n_best": config.n_best,
        "sources": sources,
        "command": command,
    }
    if export_dir:
        from keras_electra.qa.export import export_question_answerer

        chosen = _median_run(results)
        threshold = config.no_answer_threshold
        if config.version == "2.0":
            threshold = results[chosen]["scores"]["best_f1_thresh"]
        path = export_question_answerer(
            models[chosen], export_dir, vocab=vocab,
            sequence_length=config.sequence_length, doc_stride=config.doc_stride,
            max_query_length=config.max_query_length,
            max_answer_length=config.max_answer_length, n_best=config.n_best,
            no_answer_threshold=threshold, normalization=normalization,
        )
        summary["export"] = {"path": path, "seed": results[chosen]["seed"],
                             "no_answer_threshold": threshold}
        report(f"exported seed {results[chosen]['seed']} to {path}")
    runs.write_results(summary, _summary(median))
    return summary


def _median_run(runs):
    f1s = [r["scores"]["f1"] for r in runs]
    target = sorted(f1s)[(len(f1s) - 1) // 2]
    return f1s.index(target)


def _summary(scores):
    keys = [k for k in ("exact", "f1", "best_exact", "best_f1") if k in scores]
    return ", ".join(f"{k} {scores[k]:.2f}" for k in keys)

