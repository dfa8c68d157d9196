"""`ComputeBudget`: FLOPs and seconds in the logs and run.json, and the
stop on a budget at an optimizer step."""

import keras
import numpy as np

from keras_electra import ElectraConfig
from keras_electra import MaskedLMPretrainer
from keras_electra import RunDirectory
from keras_electra.pretrain.callbacks import ComputeBudget


def _fit(budget, make_batch, epochs=3, steps_per_epoch=4):
    config = ElectraConfig.from_preset("tiny", vocabulary_size=100,
                                       max_sequence_length=16, dropout=0.0)
    model = MaskedLMPretrainer(config)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, epsilon=1e-6))
    batches = [make_batch(vocabulary_size=100, seed=i) for i in range(4)]
    data = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
    history = model.fit(x=data, batch_size=4, epochs=epochs, verbose=0,
                        callbacks=[budget], shuffle=False)
    return model, history


def test_stops_at_the_first_step_reaching_the_flops_budget(make_batch, tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.write_record({"settings": {}})
    budget = ComputeBudget(10.0, run, max_train_flops=25.0)
    model, history = _fit(budget, make_batch)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 3
    assert budget.stopped_by == "max_train_flops"
    assert history.history["train_flops"] == [30.0]
    assert history.history["train_flops_per_step"] == [10.0]
    compute = run.compute()
    assert compute["step"] == 3 and compute["train_flops"] == 30.0
    assert compute["stopped_by"] == "max_train_flops"
    assert compute["train_seconds"] > 0


def test_stops_after_the_first_step_past_the_time_budget(make_batch):
    budget = ComputeBudget(10.0, max_seconds=1e-9, start_seconds=60.0)
    model, history = _fit(budget, make_batch)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 1
    assert budget.stopped_by == "max_minutes"
    assert history.history["train_seconds"][0] > 60.0  # Summed over runs.


def test_without_a_budget_it_only_counts(make_batch):
    budget = ComputeBudget(7.0)
    _, history = _fit(budget, make_batch, epochs=2)
    assert budget.stopped_by is None
    assert history.history["train_flops"] == [28.0, 56.0]
    assert budget.reached(10**9, 10**9) is None
