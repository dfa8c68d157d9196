"""Pre-training over several replicas: `MirroredStrategy` on two
logical CPUs (TensorFlow) and `keras.distribution.DataParallel` on two CPU
devices (JAX), in subprocesses."""

import json
import subprocess
import sys
from pathlib import Path

from run_output import last_interval
from run_output import one_line_error
from run_output import scalars

REPO = Path(__file__).resolve().parents[2]


def _run_on_two_replicas(config, cwd, env):
    """Runs `keras_electra.pretrain.pretrain(PretrainConfig(**config))` under
    MirroredStrategy over two logical CPUs (standing in for two GPUs; they
    must be set up before TensorFlow starts). A `ValueError` is printed as
    one line on stderr with exit status 2, as the recipe does."""
    script = f"""
import sys
from keras_electra import cli
with cli.quiet_stderr():
    import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
with cli.quiet_stderr():
    tf.constant(0)
from keras_electra.pretrain import PretrainConfig, pretrain

def main():
    strategy = tf.distribute.MirroredStrategy(["CPU:0", "CPU:1"])
    pretrain(PretrainConfig(**{config!r}), strategy=strategy)
    return 0

cli.run(main)
"""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )


def test_batch_not_divisible_by_replicas_is_refused(tmp_path, recipe_env):
    result = _run_on_two_replicas(
        dict(batch_size=9, model_dir=str(tmp_path / "run")), tmp_path, recipe_env
    )
    one_line_error(result, "is not divisible by the 2 replicas")


def test_trains_on_two_replicas(tmp_path, recipe_env):
    result = _run_on_two_replicas(
        dict(sequence_length=64, batch_size=8, steps=2, save_every=2,
             model_dir=str(tmp_path / "run"), export_dir=str(tmp_path / "export")),
        tmp_path, recipe_env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 replica(s)" in result.stdout
    assert last_interval(result.stdout)[:2] == (0, 2)


def test_trains_and_exports_with_weights_split_over_two_jax_devices(
    fast_flags, run_pretrain, tmp_path
):
    # FSDP: the data-parallel recipe path, with sharded variables to save
    # and export.
    two_devices = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    result = run_pretrain(
        *fast_flags, "--steps", "4", "--distribute", "fsdp", "--no-demo",
        "--model-dir", tmp_path / "run", "--export-dir", tmp_path / "export",
        cwd=tmp_path, backend="jax", env=two_devices,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 replica(s)" in result.stdout
    assert last_interval(result.stdout)[:2] == (0, 4)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["keras_backend"] == "jax"
    assert sorted(scalars(tmp_path / "run" / "logs")["epoch_disc_auc"]) == [0, 1]
    assert (tmp_path / "export" / "electra" / "1" / "saved_model.pb").is_file()

    result = run_pretrain(
        "--distribute", "mirrored", "--model-dir", tmp_path / "jax",
        cwd=tmp_path, backend="jax",
    )
    one_line_error(result, "--distribute mirrored is a tf.distribute strategy")
    result = run_pretrain("--model-dir", tmp_path / "torch", cwd=tmp_path, backend="torch")
    one_line_error(result, "needs the TensorFlow or JAX backend")
