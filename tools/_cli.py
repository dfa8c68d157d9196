"""Shared command-line plumbing of the tools: quiet imports, one-line errors."""

import argparse
import contextlib
import os
import sys

# Runnable from a checkout without installing the package.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ArgumentParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose usage errors are one line."""

    def error(self, message):
        fail(message, self.prog)


def fail(message, prog=None):
    """Prints `prog: error: message` on stderr and exits with status 2."""
    prog = prog or os.path.basename(sys.argv[0])
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)


@contextlib.contextmanager
def quiet_stderr():
    """Silences TensorFlow's start-up logging (C++ writes to fd 2)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def import_keras_and_tensorflow(needs, backends=("tensorflow",)):
    """Imports Keras and TensorFlow quietly; Keras must run on `backends`.

    Args:
        needs: str. What the caller uses TensorFlow for, named in the error.
        backends: tuple of str. The Keras backends the caller runs on
            (TensorFlow is imported for tf.data either way).

    Returns:
        `(keras, tf)`. Exits with a one-line error when `KERAS_BACKEND`
        names another backend.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with quiet_stderr():
        import keras
        import tensorflow as tf

        tf.constant(0)  # Device discovery logs here, still silenced.
    if keras.backend.backend() not in backends:
        names = " or ".join(BACKEND_NAMES[b] for b in backends)
        fail(
            f"needs the {names} backend ({needs}); KERAS_BACKEND is "
            f"'{keras.backend.backend()}'"
        )
    return keras, tf


def import_data():
    """Imports `keras_electra.data` without TensorFlow's start-up noise."""
    with quiet_stderr():
        import tensorflow as tf
        import keras_electra.data as data

        tf.constant(0)  # Device discovery logs here, still silenced.
    return data


def run(main):
    """Runs `main()`; bad input becomes a one-line error and exit status 2."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail("interrupted")
    except (ValueError, OSError) as e:  # DataError is a ValueError.
        fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
