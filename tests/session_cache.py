"""`build_once`: a session fixture's directory, built once across
pytest-xdist workers."""

import fcntl
import os
import shutil


def build_once(tmp_path_factory, name, build):
    """A directory that `build(directory)` fills once per test session.

    Under pytest-xdist (`tools/run_tests.py` runs two workers) a session
    fixture runs once per worker; the first worker to get here builds
    `name` in the directory the workers share and the others wait for it
    and reuse it.

    Returns:
        The built `pathlib.Path`.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        directory = tmp_path_factory.mktemp(name)
        build(directory)
        return directory
    shared = tmp_path_factory.getbasetemp().parent
    directory = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # Released when the file closes.
        if not (directory / ".built").exists():
            shutil.rmtree(directory, ignore_errors=True)  # A failed build.
            directory.mkdir()
            build(directory)
            (directory / ".built").touch()
    return directory
