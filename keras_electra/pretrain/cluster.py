"""`TF_CONFIG`, the cluster of a multi-worker TensorFlow run, checked.

`MultiWorkerMirroredStrategy` reads the cluster from the `TF_CONFIG`
environment variable. A mistake there (a typo in the JSON, an index past the
last worker) otherwise shows as a hang or a long gRPC traceback; here it is
one line, found before TensorFlow is imported. No TensorFlow or Keras import.
"""

import json
import os
import socket
import time

ROLES = ("chief", "worker")


def read_tf_config(environ=None):
    """The parsed `TF_CONFIG` of a multi-worker run.

    Args:
        environ: mapping or None for `os.environ`.

    Returns:
        dict with `cluster` (`{"chief": [...], "worker": [...]}`, each a
        list of `host:port` strings) and `task` (`{"type", "index"}`).

    Raises:
        ValueError: naming what is missing or wrong.
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG", "").strip()
    if not text:
        raise ValueError(
            "--distribute multi-worker needs TF_CONFIG, e.g. "
            '\'{"cluster": {"worker": ["host1:port", "host2:port"]}, '
            '"task": {"type": "worker", "index": 0}}\''
        )
    try:
        tf_config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from None
    if not isinstance(tf_config, dict):
        raise ValueError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    cluster = tf_config.get("cluster")
    if not isinstance(cluster, dict) or not any(cluster.get(r) for r in ROLES):
        raise ValueError(
            "TF_CONFIG has no cluster.worker list of host:port addresses"
        )
    for role, addresses in cluster.items():
        if role not in ROLES + ("evaluator", "ps"):
            raise ValueError(f"TF_CONFIG cluster has an unknown task type '{role}'")
        if role == "ps":
            raise ValueError(
                "TF_CONFIG names parameter servers (ps); multi-worker "
                "training is all-reduce: list only chief and worker tasks"
            )
        if not isinstance(addresses, list) or not all(
            is_address(a) for a in addresses
        ):
            raise ValueError(
                f"TF_CONFIG cluster.{role} must be a list of host:port "
                f"strings, got {json.dumps(addresses)}"
            )
    task = tf_config.get("task")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(
            'TF_CONFIG has no task {"type": ..., "index": ...} for this process'
        )
    role, index = task["type"], task["index"]
    if role not in cluster:
        raise ValueError(
            f"TF_CONFIG task type '{role}' is not in its cluster "
            f"({', '.join(sorted(cluster))})"
        )
    if not isinstance(index, int) or not 0 <= index < len(cluster[role]):
        raise ValueError(
            f"TF_CONFIG task index {index!r} is out of range for the "
            f"{len(cluster[role])} {role} task(s)"
        )
    return tf_config


def is_address(value):
    if not isinstance(value, str) or ":" not in value:
        return False
    host, _, port = value.rpartition(":")
    return bool(host) and port.isdigit()


def task_address(tf_config):
    """This process's `host:port` in the cluster."""
    task = tf_config["task"]
    return tf_config["cluster"][task["type"]][task["index"]]


def peer_addresses(tf_config):
    """The `host:port` of every other task in the cluster."""
    own = (tf_config["task"]["type"], tf_config["task"]["index"])
    return [
        address
        for role, addresses in tf_config["cluster"].items()
        for index, address in enumerate(addresses)
        if (role, index) != own
    ]


def wait_for_peers(tf_config, timeout_seconds, poll_seconds=0.2):
    """Returns once every other task of the cluster accepts a connection.

    TensorFlow's multi-worker start-up waits for every task without end,
    inside a call that cannot be interrupted; this rendezvous runs first,
    in Python, so a task that never comes up is a clear error. While it
    waits, this task listens on its own port (so peers see it), and closes
    it before TensorFlow's server takes the port over: a peer connecting
    then reaches that server instead, which counts the same.

    Args:
        tf_config: the dict `read_tf_config` returns.
        timeout_seconds: float.

    Raises:
        ValueError: when this task's port is taken, or a peer has not
            answered within `timeout_seconds` (naming those missing).
    """
    port = int(task_address(tf_config).rpartition(":")[2])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("", port))
    except OSError as e:
        listener.close()
        raise ValueError(
            f"TF_CONFIG gives this task port {port}, which is not free: {e.strerror}"
        ) from None
    listener.listen(64)
    missing = peer_addresses(tf_config)
    deadline = time.monotonic() + timeout_seconds
    try:
        while missing:
            missing = [a for a in missing if not _accepts(a, poll_seconds)]
            if missing and time.monotonic() > deadline:
                task = tf_config["task"]
                raise ValueError(
                    f"the TF_CONFIG cluster did not form within "
                    f"--cluster-timeout {timeout_seconds:g}s: {task['type']} "
                    f"{task['index']} cannot reach {', '.join(missing)}; start "
                    "the same command on every task, and check the addresses "
                    "and ports"
                )
            if missing:
                time.sleep(poll_seconds)
    finally:
        listener.close()


def _accepts(address, timeout):
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False
