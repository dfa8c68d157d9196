"""What the tests read from `recipes/pretrain.py` runs: its summary line,
its TensorBoard scalars, its one-line errors."""

import glob
import json
import re


def scalars(log_dir):
    """{tag: {step: value}} of every TensorBoard event file under `log_dir`."""
    import tensorflow as tf

    tags = {}
    for path in sorted(glob.glob(f"{log_dir}/**/events.out.tfevents.*", recursive=True)):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor))
                tags.setdefault(value.tag, {})[event.step] = number
    return tags


def last_interval(stdout):
    """`(first_step, last_step, logs)` of the run's "Trained steps" line."""
    match = re.search(r"Trained steps (\d+)\.\.(\d+) .*last interval: (\{.*\})", stdout)
    assert match, stdout[-2000:]
    return int(match.group(1)), int(match.group(2)), json.loads(match.group(3))


def one_line_error(result, message):
    """Asserts `result` exited 2 with `message` in a one-line stderr."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
