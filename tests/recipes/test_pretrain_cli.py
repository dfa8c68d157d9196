"""`recipes/pretrain.py` end to end, in subprocesses (TensorFlow backend)."""

import dataclasses
import json
import re
import signal
import subprocess
import sys
import time

from pathlib import Path

import numpy as np
import pytest
from keras_electra.pretrain.config import PretrainConfig
from run_output import last_interval
from run_output import one_line_error
from run_output import scalars

REPO = Path(__file__).resolve().parents[2]
PRETRAIN = REPO / "recipes" / "pretrain.py"

METRICS = (
    "loss", "mlm_loss", "mlm_accuracy", "disc_loss", "disc_accuracy",
    "disc_precision", "disc_recall", "disc_auc", "replaced_fraction",
)


def test_help_names_a_flag_for_every_pretrain_config_field(run_pretrain):
    result = run_pretrain("--help")
    assert result.returncode == 0, result.stderr
    flags = {"model_overrides": "--config", "normalization": "--lower-case",
             "sequence_length": "--seq-len"}
    for field in dataclasses.fields(PretrainConfig):
        flag = flags.get(field.name, "--" + field.name.replace("_", "-"))
        assert re.search(rf"^  {flag}\b.*\S", result.stdout, re.M), flag
    assert "--strip-accents" in result.stdout and "--no-demo" in result.stdout


def test_end_to_end_writes_checkpoints_logs_and_the_discriminator(finished_run):
    model_dir, export_dir = finished_run["model_dir"], finished_run["export_dir"]
    stdout = finished_run["result"].stdout
    assert last_interval(stdout)[:2] == (0, 8)

    record = json.loads((model_dir / "run.json").read_text())
    assert record["settings"]["sequence_length"] == 64
    assert record["settings"]["strip_accents"] is True
    assert record["settings"]["config"]["num_layers"] == 2
    assert json.loads((model_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 4
    checkpoints = sorted(p.name for p in (model_dir / "checkpoints").iterdir())
    assert checkpoints == [f"step-{s:08d}.weights.h5" for s in (4, 6, 8)]

    logged = scalars(model_dir / "logs")
    for name in METRICS + ("learning_rate", "steps_per_second", "sequences_per_second"):
        assert sorted(logged[f"epoch_{name}"]) == [0, 1, 2, 3], name
    # The learning rate decays linearly to 0 at step 8 (no warm-up: 8 // 10).
    assert logged["epoch_learning_rate"][3] == pytest.approx(0.0, abs=1e-9)
    assert logged["epoch_learning_rate"][1] == pytest.approx(1e-3 * 4 / 8)
    assert logged["epoch_sequences_per_second"][2] > 0

    assert (model_dir / "electra_discriminator.keras").is_file()
    assert (model_dir / "electra_vocab.txt").is_file()
    # The SavedModel for TF Serving, and the server's config listing it.
    assert (export_dir / "electra" / "1" / "saved_model.pb").is_file()
    assert "base_path: '/models/electra'" in (export_dir / "models.config").read_text()
    assert "Replaced-token detection demo" in stdout


def test_a_run_measures_where_it_stands_at_every_save_and_says_so(finished_run):
    model_dir = finished_run["model_dir"]
    record = json.loads((model_dir / "learning_stage.json").read_text())
    assert sorted(int(step) for step in record["steps"]) == [2, 4, 6, 8]
    last = record["steps"]["8"]
    assert 0.0 <= last["disc_auc"] <= 1.0 and last["uses_context"] is False
    logged = scalars(model_dir / "logs")
    assert sorted(logged["epoch_stage_disc_auc"]) == [0, 1, 2, 3]
    assert logged["epoch_stage_disc_auc"][3] == pytest.approx(last["disc_auc"], abs=1e-6)
    lines = [l for l in finished_run["result"].stdout.splitlines()
             if l.startswith("Learning stage at step 8:")]
    assert len(lines) == 1 and "no context yet" in lines[0], lines
    assert "a first phase at --seq-len 16" in finished_run["result"].stdout


def test_sigkill_then_rerun_resumes_from_the_saved_step(
    finished_run, fast_flags, run_pretrain, recipe_env, tmp_path
):
    # LAMB's state comes back through the same backup: tests/models/test_lamb.py.
    reference = finished_run
    model_dir = tmp_path / "run"
    args = [*fast_flags, "--model-dir", model_dir, "--export-dir", "", "--no-demo"]
    process = subprocess.Popen(
        [sys.executable, str(PRETRAIN), *map(str, args)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=recipe_env,
        cwd=tmp_path,
    )
    metadata = model_dir / "backup" / "training_metadata.json"
    deadline = time.time() + 240
    try:
        while time.time() < deadline and process.poll() is None:
            if metadata.exists() and json.loads(metadata.read_text() or "{}").get("epoch", 0) >= 1:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    saved_epoch = json.loads(metadata.read_text())["epoch"]
    assert 1 <= saved_epoch < 4

    result = run_pretrain(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = re.search(r"Resuming from step (\d+) of 8", result.stdout)
    assert resumed, result.stdout[-2000:]
    start = int(resumed.group(1))
    assert start == 2 * saved_epoch  # Not restarted at 0.
    assert "no random state for step" not in result.stdout
    first, last, logs = last_interval(result.stdout)
    assert (first, last) == (start, 8)
    assert json.loads(metadata.read_text())["epoch"] == 4
    # Same data, schedule and random streams: the resumed run ends exactly
    # where the uninterrupted one did.
    assert logs == last_interval(reference["result"].stdout)[2]
    steps_logged = scalars(model_dir / "logs")["epoch_loss"]
    assert sorted(steps_logged) == [0, 1, 2, 3]


def test_a_run_with_remat_trains_like_one_without_and_may_resume_without_it(
    finished_run, fast_flags, run_pretrain, tmp_path
):
    model_dir = tmp_path / "run"
    args = [*fast_flags, "--model-dir", model_dir, "--export-dir", "", "--no-demo"]
    result = run_pretrain(*args, "--remat", "layers", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((model_dir / "run.json").read_text())["settings"]["remat"] == "layers"
    # Recomputed activations, the same updates.
    assert last_interval(result.stdout)[2] == last_interval(finished_run["result"].stdout)[2]
    # Not a resume key: the memory setting may change between sessions.
    rerun = run_pretrain(*args, "--remat", "none", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "holds a run with" not in rerun.stdout + rerun.stderr


def test_rerunning_a_finished_run_trains_nothing(finished_run, fast_flags, run_pretrain):
    result = run_pretrain(
        *fast_flags, "--model-dir", finished_run["model_dir"],
        "--export-dir", finished_run["export_dir"], "--no-demo",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "is already at step 8 (--steps 8); nothing to train" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
        (["--mixed-precision", "fp8"], "argument --mixed-precision: invalid choice"),
        (["--steps", "0"], "--steps must be positive, got 0"),
        (["--batch-size", "8", "--grad-accum-steps", "3"], "--batch-size 8 is not divisible by --grad-accum-steps 3"),
        (["--config", "hidden=5"], "Unknown ElectraConfig field(s): hidden"),
        (["--corpus", "{tmp}/missing.txt"], "corpus file '{tmp}/missing.txt' does not exist"),
        (["--corpus", "{tmp}/control.txt"], "yields no sequences"),
        (["--seq-len", "1024"], "exceeds the model's max_sequence_length=512"),
        (["--distribute", "data-parallel"], "--distribute data-parallel is keras.distribution on JAX"),
        (["--distribute", "fsdp"], "--distribute fsdp is keras.distribution on JAX"),
        (["--distribute", "tpu", "--tpu", "local"], "no TPU found for --tpu local"),
        (["--optimizer", "sgd"], "argument --optimizer: invalid choice: 'sgd'"),
        (["--remat", "all"], "argument --remat: invalid choice: 'all'"),
        (["--optimizer", "lamb", "--learning-rate", "0"], "--learning-rate must be positive, got 0.0"),
    ],
)
def test_bad_input_gives_one_line_error_and_status_2(args, message, tmp_path, run_pretrain):
    (tmp_path / "control.txt").write_bytes(b"\x00\x01\n")
    args = [a.format(tmp=tmp_path) for a in args]
    result = run_pretrain(*args, "--model-dir", tmp_path / "run", cwd=tmp_path)
    one_line_error(result, message.format(tmp=tmp_path))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "hidden=5"], "Unknown ElectraConfig field(s): hidden"),
        (["--corpus", "{tmp}/missing.txt"], "corpus file '{tmp}/missing.txt' does not exist"),
        (["--vocab", "{tmp}/missing_vocab.txt"], "vocab file '{tmp}/missing_vocab.txt' does not exist"),
        (["--seq-len", "1024"], "exceeds the model's max_sequence_length=512"),
        (["--optimizer", "lamb", "--learning-rate", "-1"], "--learning-rate must be positive, got -1.0"),
        (["--init-from", "{tmp}/nowhere"], "--init-from '{tmp}/nowhere' holds no pre-training run with a checkpoint"),
    ],
)
def test_bad_files_and_model_flags_fail_before_tensorflow_is_imported(args, message, tmp_path):
    args = [a.format(tmp=tmp_path) for a in args]
    script = (
        "import sys; sys.modules['tensorflow'] = None; "  # Any TF import fails.
        f"sys.argv = ['pretrain.py', *{args!r}, '--model-dir', {str(tmp_path / 'run')!r}]; "
        f"exec(compile(open({str(PRETRAIN)!r}).read(), 'pretrain.py', 'exec'))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    one_line_error(result, message.format(tmp=tmp_path))
    assert not (tmp_path / "run").exists()


def test_an_incompatible_model_dir_is_refused_and_left_alone(
    finished_run, fast_flags, run_pretrain, tmp_path
):
    run_json = finished_run["model_dir"] / "run.json"
    before = run_json.read_bytes()
    args = list(fast_flags)
    args[args.index("--seq-len") + 1] = "32"
    result = run_pretrain(*args, "--model-dir", finished_run["model_dir"], cwd=tmp_path)
    one_line_error(result, "holds a run with --seq-len 64, not 32")
    result = run_pretrain(
        *fast_flags, "--config", "num_layers=3",
        "--model-dir", finished_run["model_dir"], cwd=tmp_path,
    )
    one_line_error(result, "holds a run with config num_layers=2, not 3")
    assert run_json.read_bytes() == before

    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    result = run_pretrain(*fast_flags, "--model-dir", tmp_path / "other", cwd=tmp_path)
    one_line_error(result, "is not empty and holds no run.json")


def test_init_from_starts_a_second_phase_from_another_runs_weights(
    finished_run, run_pretrain, tmp_path
):
    import keras

    import keras_electra.models  # noqa: F401  (registers the classes)

    first = finished_run["model_dir"]
    # A shorter sequence and a learning rate too small to move a weight.
    result = run_pretrain(
        "--seq-len", "32", "--batch-size", "8", "--steps", "2", "--save-every", "2",
        "--learning-rate", "1e-9", "--init-from", first, "--model-dir", tmp_path / "phase2",
        "--export-dir", "", "--no-demo", cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Initialised from {first}" in result.stdout
    started = keras.models.load_model(first / "electra_discriminator.keras", compile=False)
    second = keras.models.load_model(
        tmp_path / "phase2" / "electra_discriminator.keras", compile=False
    )
    for a, b in zip(started.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    record = json.loads((tmp_path / "phase2" / "run.json").read_text())
    assert record["pretrain_config"]["init_from"] == str(first)

    # Another model is refused before anything is written.
    result = run_pretrain(
        "--config", "num_layers=1", "--init-from", first,
        "--model-dir", tmp_path / "other", cwd=tmp_path,
    )
    one_line_error(result, "has model num_layers=2, this run 1")
    assert not (tmp_path / "other").exists()
