"""Pre-training on several JAX processes: `recipes/pretrain.py
--num-processes 2`, two processes on 127.0.0.1 joined by
`jax.distributed`, and the errors of their settings."""

import os
import subprocess
import sys
import time

import pytest
from pathlib import Path

from keras_electra.pretrain.jax_processes import read_jax_processes
from run_output import one_line_error
from two_process_runs import LAST
from two_process_runs import assert_identical_checkpoints
from two_process_runs import finish
from two_process_runs import free_ports
from two_process_runs import kill_after
from two_process_runs import matches_single_process

PRETRAIN = Path(__file__).resolve().parents[2] / "recipes" / "pretrain.py"
PRETRAIN_FLAGS = (
    "--seq-len", "64", "--batch-size", "8", "--steps", "8", "--save-every", "2",
    "--learning-rate", "1e-3", "--config", "dropout=0", "--no-demo",
    "--distribute", "data-parallel", "--cluster-timeout", "120",
    "--num-processes", "2",
)


def _start_process(args, cwd, env, index, port):
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(PRETRAIN), *map(str, args),
         "--coordinator-address", f"127.0.0.1:{port}", "--process-id", str(index)],
        cwd=cwd, env={**env, "KERAS_BACKEND": "jax", "TMPDIR": str(cwd)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory, recipe_env):
    """One 8-step run of two JAX processes: `(root, outputs)`."""
    root = tmp_path_factory.mktemp("two_jax_processes")
    args = (*PRETRAIN_FLAGS, "--model-dir", root / "run", "--export-dir", root / "export")
    (port,) = free_ports(1)
    outputs = finish([
        _start_process(args, root / f"host{i}", recipe_env, i, port) for i in (0, 1)
    ])
    return root, outputs


def test_two_jax_processes_train_what_one_process_trains_and_only_process_0_writes(
    two_process_run, recipe_env
):
    root, outputs = two_process_run
    run = root / "run"
    assert "2 replica(s)" in outputs[0][0]
    assert "this is process 1" in outputs[1][0]
    assert (run / "run.json").is_file() and (run / "electra_discriminator.keras").is_file()
    assert (root / "export" / "electra" / "1" / "saved_model.pb").is_file()
    assert sorted(os.listdir(run / "checkpoints"))[-1] == LAST
    assert os.listdir(root / "host1") == []

    matches_single_process(
        run / "checkpoints" / LAST, root, {**recipe_env, "KERAS_BACKEND": "jax"}
    )


def test_a_killed_process_and_a_restart_end_with_the_uninterrupted_weights(
    two_process_run, tmp_path, recipe_env
):
    args = (*PRETRAIN_FLAGS, "--model-dir", tmp_path / "run", "--export-dir", "")
    (port,) = free_ports(1)
    chief, other = [
        _start_process(args, tmp_path / f"host{i}", recipe_env, i, port) for i in (0, 1)
    ]
    kill_after(tmp_path / "run" / "checkpoints" / "step-00000002.weights.h5", other)
    stdout, stderr = chief.communicate(timeout=300)
    # Process 0's next collective fails; it ends at once, in one line.
    assert chief.returncode == 2, stdout[-2000:] + stderr[-3000:]
    assert stderr.strip().splitlines()[-1].startswith(
        "pretrain.py: error: the run lost a JAX process"
    )
    assert "Traceback" not in stderr
    assert not (tmp_path / "run" / "checkpoints" / LAST).exists()

    (port,) = free_ports(1)
    outputs = finish([
        _start_process(args, tmp_path / f"again{i}", recipe_env, i, port) for i in (0, 1)
    ])
    assert all("Resuming from step" in stdout for stdout, _ in outputs)
    assert_identical_checkpoints(
        tmp_path / "run" / "checkpoints" / LAST,
        two_process_run[0] / "run" / "checkpoints" / LAST,
    )


def test_a_process_without_its_coordinator_ends_in_one_line_after_the_timeout(
    tmp_path, run_pretrain
):
    (port,) = free_ports(1)
    started = time.time()
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--cluster-timeout", "3", "--process-id", "1",
        "--coordinator-address", f"127.0.0.1:{port}", "--model-dir", tmp_path / "run",
        cwd=tmp_path, backend="jax", timeout=120,
    )
    one_line_error(result, f"JAX process 1 cannot reach the coordinator 127.0.0.1:{port} "
                           "within --cluster-timeout 3s")
    assert time.time() - started < 60
    assert not (tmp_path / "run").exists()


def test_a_coordinator_whose_peer_never_comes_names_it_in_one_line(tmp_path, run_pretrain):
    (port,) = free_ports(1)
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--cluster-timeout", "3", "--process-id", "0",
        "--coordinator-address", f"127.0.0.1:{port}", "--model-dir", tmp_path / "run",
        cwd=tmp_path, backend="jax", timeout=120,
    )
    one_line_error(result, "process(es) 1 never reached the coordinator")
    assert not (tmp_path / "run").exists()


def test_processes_started_with_different_counts_are_refused_in_one_line(
    tmp_path, recipe_env
):
    (port,) = free_ports(1)
    args = (*PRETRAIN_FLAGS, "--cluster-timeout", "60", "--model-dir", tmp_path / "run")
    coordinator = _start_process(args, tmp_path / "host0", recipe_env, 0, port)
    other = _start_process((*args, "--num-processes", "3"), tmp_path / "host1",
                           recipe_env, 1, port)
    message = "process 1 was started with --num-processes 3, process 0 with 2"
    for process in (coordinator, other):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 2, stdout[-2000:] + stderr[-3000:]
        assert stderr.strip().splitlines()[-1] == f"pretrain.py: error: {message}"
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "flags, environ, message",
    [
        ((None, 2, None), {}, "--num-processes 2 needs --process-id (this process, 0 to 1)"),
        ((None, 2, 0), {}, "--num-processes 2 needs --coordinator-address HOST:PORT"),
        (("10.0.0.1", 2, 0), {}, "--coordinator-address must be HOST:PORT, got '10.0.0.1'"),
        (("10.0.0.1:1234", 2, 2), {}, "--process-id 2 is out of range for 2 processes"),
        ((None, None, 1), {}, "--process-id needs --num-processes"),
        ((None, None, None), {"KERAS_DISTRIBUTION_NUM_PROCESSES": "two"},
         "KERAS_DISTRIBUTION_NUM_PROCESSES must be an integer, got 'two'"),
    ],
)
def test_unusable_process_settings_are_named(flags, environ, message):
    with pytest.raises(ValueError) as error:
        read_jax_processes(*flags, environ=environ)
    assert message in str(error.value)


def test_process_settings_come_from_flags_else_keras_environment_variables():
    environ = {
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": "10.0.0.1:1234,10.0.0.2:2345",
        "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
        "KERAS_DISTRIBUTION_PROCESS_ID": "1",
    }
    processes = read_jax_processes(environ=environ)
    assert (processes.coordinator_address, processes.num_processes,
            processes.process_id) == ("10.0.0.1:1234", 2, 1)
    assert read_jax_processes(process_id=0, environ=environ).process_id == 0
    assert read_jax_processes(environ={}) is None
    assert read_jax_processes(num_processes=1, environ={}) is None


def test_several_jax_processes_refuse_a_wall_clock_budget(tmp_path, run_pretrain):
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--max-minutes", "5", "--process-id", "0",
        "--coordinator-address", "127.0.0.1:1", "--model-dir", tmp_path / "run",
        cwd=tmp_path, backend="jax",
    )
    one_line_error(result, "--max-minutes cannot stop several workers at the same step")


def test_num_processes_under_tensorflow_points_to_multi_worker(tmp_path, run_pretrain):
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--process-id", "0", "--coordinator-address", "127.0.0.1:1",
        "--model-dir", tmp_path / "run", cwd=tmp_path, backend="tensorflow",
    )
    one_line_error(result, "--num-processes runs JAX on several processes")
