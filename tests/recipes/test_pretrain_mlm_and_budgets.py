"""`recipes/pretrain.py --objective mlm`, the compute it records, and
`--max-train-flops`: stop, save, re-run as a no-op, raise to continue."""

import json

import pytest

from keras_electra import ElectraConfig
from keras_electra.finetune import load_encoder
from keras_electra.flops import train_flops_per_step
from run_output import last_interval
from run_output import scalars

VOCABULARY_SIZE = 30522  # The bundled vocab.


def _per_step(objective):
    config = ElectraConfig.from_preset("tiny", vocabulary_size=VOCABULARY_SIZE)
    return train_flops_per_step(config, 64, 8, mask_rate=0.15, objective=objective)


def test_electra_run_records_and_logs_its_training_flops(finished_run):
    model_dir = finished_run["model_dir"]
    per_step = _per_step("electra")
    compute = json.loads((model_dir / "run.json").read_text())["compute"]
    assert compute["step"] == 8 and compute["stopped_by"] == "steps"
    assert compute["train_flops"] == pytest.approx(8 * per_step)
    assert compute["train_seconds"] > 0
    final = json.loads((model_dir / "electra_run.json").read_text())
    assert final["compute"] == compute
    logged = scalars(model_dir / "logs")
    assert logged["epoch_train_flops"] == pytest.approx(
        {epoch: 2 * (epoch + 1) * per_step for epoch in range(4)})
    assert logged["epoch_train_flops_per_step"][0] == pytest.approx(per_step)
    assert f"{8 * per_step:.3g} train FLOPs in all" in finished_run["result"].stdout


def test_mlm_run_stops_on_its_flops_budget_reruns_as_a_no_op_and_continues(
    fast_flags, run_pretrain, tmp_path
):
    per_step = _per_step("mlm")
    model_dir, export_dir = tmp_path / "run", tmp_path / "export"
    args = [*fast_flags, "--objective", "mlm", "--model-dir", model_dir,
            "--export-dir", export_dir]
    budget = ["--max-train-flops", f"{2.5 * per_step:.6e}"]

    # Step 3 is the first to reach 2.5 steps' FLOPs (mid-epoch: save every 2).
    result = run_pretrain(*args, *budget, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.startswith("MLM baseline-tiny"), result.stdout[:300]
    first, last, logs = last_interval(result.stdout)
    assert (first, last) == (0, 3)
    assert set(logs) == {"loss", "mlm_accuracy"}
    assert "Stopped at step 3 of 8" in result.stdout
    assert "No replaced-token demo" in result.stdout
    record = json.loads((model_dir / "run.json").read_text())
    assert record["settings"]["objective"] == "mlm"
    assert record["settings"]["random_token_rate"] == 0.1
    assert record["compute"]["stopped_by"] == "max_train_flops"
    assert record["compute"]["train_flops"] == pytest.approx(3 * per_step)
    # Saved like a normal end: checkpoint, discriminator, export.
    assert (model_dir / "checkpoints" / "step-00000003.weights.h5").is_file()
    loaded = load_encoder(model_dir)
    assert loaded.encoder.name == "discriminator" and loaded.encoder.num_layers == 2
    assert (export_dir / "electra" / "1" / "saved_model.pb").is_file()
    logged = scalars(model_dir / "logs")
    assert sorted(logged["epoch_mlm_loss"]) == [0, 1]
    assert logged["epoch_train_flops"][1] == pytest.approx(3 * per_step)

    # The same command: nothing to train.
    result = run_pretrain(*args, *budget, "--no-demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "stopped at step 3 on its budget" in result.stdout
    assert "raise --max-train-flops to continue" in result.stdout
    assert "Trained steps" not in result.stdout

    # Without the budget it continues to --steps.
    result = run_pretrain(*args, "--no-demo", "--export-dir", "", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Resuming from step 3 of 8" in result.stdout
    assert last_interval(result.stdout)[:2] == (3, 8)
    compute = json.loads((model_dir / "run.json").read_text())["compute"]
    assert compute["stopped_by"] == "steps"
    assert compute["train_flops"] == pytest.approx(8 * per_step)
