"""The processes of a multi-process JAX run, checked, and their meeting.

`jax.distributed.initialize` joins the processes of one JAX program (one per
host, or per GPU): process 0 runs the coordinator at a `host:port` the
others connect to. Its failures are not Python errors: a process that cannot
reach the coordinator, or a coordinator whose peers never come, aborts with
a C++ stack trace after its timeout. Here the settings are checked and the
processes meet in Python first, so those mistakes are one line. No JAX,
TensorFlow or Keras import.

The settings come from flags or, as `keras.distribution.initialize` reads
them, from the environment: `KERAS_DISTRIBUTION_JOB_ADDRESSES` (the
coordinator's `host:port` first), `KERAS_DISTRIBUTION_NUM_PROCESSES` and
`KERAS_DISTRIBUTION_PROCESS_ID`.
"""

import dataclasses
import os
import socket
import time

from keras_electra.pretrain.cluster import is_address

ENVIRONMENT = {
    "coordinator_address": "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "num_processes": "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "process_id": "KERAS_DISTRIBUTION_PROCESS_ID",
}
FLAGS = {
    "coordinator_address": "--coordinator-address",
    "num_processes": "--num-processes",
    "process_id": "--process-id",
}


@dataclasses.dataclass(frozen=True)
class JaxProcesses:
    """This process's place in a multi-process JAX run.

    Attributes:
        coordinator_address: str. `host:port` of process 0's coordinator,
            reachable from every process.
        num_processes: int. Processes in the run (at least 2).
        process_id: int. This process, in `[0, num_processes)`; process 0
            is the coordinator and writes the run's outputs.
    """

    coordinator_address: str
    num_processes: int
    process_id: int

    @property
    def port(self):
        return int(self.coordinator_address.rpartition(":")[2])


def read_jax_processes(coordinator_address=None, num_processes=None,
                       process_id=None, environ=None):
    """The multi-process settings from the arguments, else the environment.

    Args:
        coordinator_address: str or None.
        num_processes: int or None.
        process_id: int or None.
        environ: mapping or None for `os.environ`.

    Returns:
        A `JaxProcesses`, or `None` for a single-process run (no settings,
        or one process).

    Raises:
        ValueError: naming the flag (or variable) that is missing or wrong.
    """
    environ = os.environ if environ is None else environ
    given = {"coordinator_address": coordinator_address,
             "num_processes": num_processes, "process_id": process_id}
    values, origin = {}, {}
    for key, value in given.items():
        if value is None and environ.get(ENVIRONMENT[key], "").strip():
            value, origin[key] = environ[ENVIRONMENT[key]].strip(), ENVIRONMENT[key]
        else:
            origin[key] = FLAGS[key]
        values[key] = value
    if values["coordinator_address"]:
        # Keras' variable lists every job; the coordinator is the first.
        values["coordinator_address"] = values["coordinator_address"].split(",")[0].strip()
    for key in ("num_processes", "process_id"):
        value = values[key]
        if isinstance(value, str):
            if not value.lstrip("-").isdigit():
                raise ValueError(f"{origin[key]} must be an integer, got {value!r}")
            values[key] = int(value)
    count, index, address = (values["num_processes"], values["process_id"],
                             values["coordinator_address"])
    if count is None or count == 1:
        if count is None and (index is not None or address):
            raise ValueError(
                f"{origin['process_id'] if index is not None else origin['coordinator_address']} "
                f"needs {FLAGS['num_processes']} (the number of JAX processes)"
            )
        return None
    if count < 1:
        raise ValueError(f"{origin['num_processes']} must be positive, got {count}")
    if index is None:
        raise ValueError(
            f"{origin['num_processes']} {count} needs {FLAGS['process_id']} "
            f"(this process, 0 to {count - 1})"
        )
    if not 0 <= index < count:
        raise ValueError(
            f"{origin['process_id']} {index} is out of range for "
            f"{count} processes (0 to {count - 1})"
        )
    if not address:
        raise ValueError(
            f"{origin['num_processes']} {count} needs {FLAGS['coordinator_address']} "
            "HOST:PORT (process 0's address, the same on every process)"
        )
    if not is_address(address):
        raise ValueError(
            f"{origin['coordinator_address']} must be HOST:PORT, got {address!r}"
        )
    return JaxProcesses(address, count, index)


def meet_at_coordinator(processes, timeout_seconds, poll_seconds=0.2):
    """Returns once every process of the run has reached the coordinator.

    Process 0 listens on the coordinator's port until every other process
    has said who it is, then answers them all and closes the port for
    `jax.distributed.initialize` to take over (the others' JAX clients retry
    until it does). The others connect until process 0 answers.

    Args:
        processes: `JaxProcesses`.
        timeout_seconds: float.

    Raises:
        ValueError: when the port is taken, the processes disagree on their
            number or ids, or they have not all met within
            `timeout_seconds` (naming who is missing).
    """
    deadline = time.monotonic() + timeout_seconds
    if processes.process_id == 0:
        _gather(processes, deadline, timeout_seconds)
    else:
        _join(processes, deadline, timeout_seconds, poll_seconds)


def _gather(processes, deadline, timeout_seconds):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("", processes.port))
    except OSError as e:
        listener.close()
        raise ValueError(
            f"{FLAGS['coordinator_address']} {processes.coordinator_address}: "
            f"port {processes.port} is not free on process 0: {e.strerror}"
        ) from None
    listener.listen(64)
    joined = {}
    try:
        while len(joined) < processes.num_processes - 1:
            listener.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                connection, _ = listener.accept()
            except (socket.timeout, TimeoutError):
                missing = sorted(set(range(1, processes.num_processes)) - set(joined))
                raise ValueError(
                    f"the {processes.num_processes} JAX processes did not meet "
                    f"within --cluster-timeout {timeout_seconds:g}s: process(es) "
                    f"{', '.join(map(str, missing))} never reached the coordinator "
                    f"{processes.coordinator_address}; start the same command on "
                    "every process with its own --process-id"
                ) from None
            index, problem = _read_greeting(connection, processes, joined)
            if problem:
                _send(connection, f"refused {problem}")
                connection.close()
                raise ValueError(problem)
            joined[index] = connection
        for connection in joined.values():
            _send(connection, "go")
    finally:
        for connection in joined.values():
            connection.close()
        listener.close()


def _read_greeting(connection, processes, joined):
    """`(process id, problem or None)` of a process that connected."""
    connection.settimeout(10)
    try:
        words = connection.recv(64).decode().split()
        index, count = int(words[0]), int(words[1])
    except (OSError, ValueError, IndexError):
        return None, "a process sent the coordinator something it cannot read"
    if count != processes.num_processes:
        return index, (f"process {index} was started with --num-processes "
                       f"{count}, process 0 with {processes.num_processes}")
    if index in joined or index == 0:
        return index, f"two processes were started with --process-id {index}"
    return index, None


def _join(processes, deadline, timeout_seconds, poll_seconds):
    host, _, port = processes.coordinator_address.rpartition(":")
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ValueError(
                f"JAX process {processes.process_id} cannot reach the coordinator "
                f"{processes.coordinator_address} within --cluster-timeout "
                f"{timeout_seconds:g}s; start process 0 with the same command, "
                "and check the address and port"
            )
        try:
            connection = socket.create_connection((host, int(port)), timeout=poll_seconds)
        except OSError:
            time.sleep(poll_seconds)
            continue
        with connection:
            try:
                _send(connection, f"{processes.process_id} {processes.num_processes}")
                connection.settimeout(max(0.01, deadline - time.monotonic()))
                answer = connection.recv(256).decode().strip()
            except OSError:
                answer = ""
        if answer == "go":
            return
        if answer.startswith("refused "):
            raise ValueError(answer[len("refused "):])
        # The coordinator's port answered but not with our meeting (JAX's
        # own service from an earlier meeting, or it went away): retry.
        time.sleep(poll_seconds)


def _send(connection, text):
    connection.sendall((text + "\n").encode())
