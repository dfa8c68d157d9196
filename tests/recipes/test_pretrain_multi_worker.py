"""Pre-training on several machines: `recipes/pretrain.py --distribute
multi-worker`, two TensorFlow worker processes on 127.0.0.1 with
`TF_CONFIG`, and its cluster errors."""

import json
import os
import subprocess
import sys
import time

import pytest
from pathlib import Path

from keras_electra.pretrain.cluster import read_tf_config
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
    "--distribute", "multi-worker", "--cluster-timeout", "120",
)



def _tf_config(ports, index):
    return json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": index},
    })


def _start_worker(pretrain, args, cwd, env, tf_config):
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(pretrain), *map(str, args)],
        cwd=cwd, env={**env, "TF_CONFIG": tf_config, "TMPDIR": str(cwd)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _start_cluster(tmp_path, recipe_env, ports, export=True):
    export_dir = tmp_path / "export" if export else ""
    args = (*PRETRAIN_FLAGS, "--model-dir", tmp_path / "run", "--export-dir", export_dir)
    return [
        _start_worker(PRETRAIN, args, tmp_path / f"host{i}", recipe_env,
                      _tf_config(ports, i))
        for i in (0, 1)
    ]


@pytest.fixture(scope="module")
def two_worker_run(tmp_path_factory, recipe_env):
    """One uninterrupted 8-step run of two workers: `(root, outputs)`."""
    root = tmp_path_factory.mktemp("two_workers")
    outputs = finish(_start_cluster(root, recipe_env, free_ports(2)))
    return root, outputs


def test_two_workers_train_what_one_process_trains_and_only_the_chief_writes(
    two_worker_run, recipe_env
):
    root, outputs = two_worker_run
    run = root / "run"
    assert "2 replica(s)" in outputs[0][0]
    assert "this is worker 1" in outputs[1][0]
    # The chief wrote the run and the export; the worker wrote nothing,
    # neither in its working directory nor in its temporary directory.
    assert (run / "run.json").is_file() and (run / "electra_discriminator.keras").is_file()
    assert (root / "export" / "electra" / "1" / "saved_model.pb").is_file()
    assert sorted(os.listdir(run / "checkpoints"))[-1] == LAST
    assert os.listdir(root / "host1") == []

    matches_single_process(run / "checkpoints" / LAST, root, recipe_env)


def test_a_killed_worker_and_a_restart_end_with_the_uninterrupted_weights(
    two_worker_run, tmp_path, recipe_env
):
    from run_output import scalars

    ports = free_ports(2)
    chief, worker = _start_cluster(tmp_path, recipe_env, ports, export=False)
    kill_after(tmp_path / "run" / "checkpoints" / "step-00000002.weights.h5", worker)
    stdout, stderr = chief.communicate(timeout=300)
    # The chief stops on its next exchange, in one line that says what to do.
    assert chief.returncode == 2, stdout[-2000:] + stderr[-3000:]
    assert stderr.strip().splitlines()[-1].startswith("pretrain.py: error: the cluster lost a task")
    assert "Traceback" not in stderr
    assert not (tmp_path / "run" / "checkpoints" / LAST).exists()

    outputs = finish(_start_cluster(tmp_path, recipe_env, ports, export=False))
    assert "Resuming from step" in outputs[0][0] and "Resuming from step" in outputs[1][0]
    assert_identical_checkpoints(
        tmp_path / "run" / "checkpoints" / LAST,
        two_worker_run[0] / "run" / "checkpoints" / LAST,
    )
    # Every TensorBoard point once, none lost: one per saved interval.
    for tag in ("epoch_loss", "epoch_disc_auc"):
        assert sorted(scalars(tmp_path / "run" / "logs")[tag]) == [0, 1, 2, 3]
    assert sorted(_event_steps(tmp_path / "run" / "logs", "epoch_loss")) == [0, 1, 2, 3]


def _event_steps(log_dir, tag):
    """Every step `tag` was written at, repeats included."""
    import glob

    import tensorflow as tf

    steps = []
    for path in glob.glob(f"{log_dir}/**/events.out.tfevents.*", recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            steps += [event.step for value in event.summary.value if value.tag == tag]
    return steps


@pytest.mark.parametrize(
    "tf_config, message",
    [
        (None, "--distribute multi-worker needs TF_CONFIG"),
        ('{"cluster": {"worker": ["a:1"]', "TF_CONFIG is not valid JSON"),
        ('{"cluster": {}, "task": {"type": "worker", "index": 0}}',
         "TF_CONFIG has no cluster.worker list"),
        ('{"cluster": {"worker": ["a:1", "b"]}, "task": {"type": "worker", "index": 0}}',
         'cluster.worker must be a list of host:port strings, got ["a:1", "b"]'),
        ('{"cluster": {"worker": ["a:1"]}}', "TF_CONFIG has no task"),
        ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
         "TF_CONFIG task index 2 is out of range for the 2 worker task(s)"),
        ('{"cluster": {"worker": ["a:1"], "ps": ["c:3"]}, "task": {"type": "worker", "index": 0}}',
         "TF_CONFIG names parameter servers (ps)"),
    ],
)
def test_a_malformed_tf_config_is_named(tf_config, message):
    environ = {} if tf_config is None else {"TF_CONFIG": tf_config}
    with pytest.raises(ValueError) as error:
        read_tf_config(environ)
    assert message in str(error.value)


def test_a_malformed_tf_config_fails_the_recipe_in_one_line_before_tensorflow(
    tmp_path, run_pretrain
):
    started = time.time()
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--model-dir", tmp_path / "run", cwd=tmp_path,
        env={"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {}}'},
    )
    one_line_error(result, "TF_CONFIG has no task")
    assert time.time() - started < 20  # No TensorFlow start-up, no hang.
    assert not (tmp_path / "run").exists()


def test_a_worker_that_never_joins_ends_the_run_in_one_line_after_the_timeout(
    tmp_path, run_pretrain
):
    lone, absent = free_ports(2)
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--cluster-timeout", "5", "--model-dir", tmp_path / "run",
        cwd=tmp_path, timeout=120,
        env={"TF_CONFIG": _tf_config([lone, absent], 0)},
    )
    one_line_error(result, "did not form within --cluster-timeout 5s")
    assert f"127.0.0.1:{absent}" in result.stderr
    assert not (tmp_path / "run").exists()


def test_multi_worker_refuses_a_wall_clock_budget(tmp_path, run_pretrain):
    result = run_pretrain(
        *PRETRAIN_FLAGS, "--max-minutes", "5", "--model-dir", tmp_path / "run",
        cwd=tmp_path,
    )
    one_line_error(result, "--max-minutes cannot stop several workers at the same step")
