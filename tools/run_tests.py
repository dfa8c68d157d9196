"""Runs the test suite on every Keras backend and prints one summary line.

The whole suite runs under the TensorFlow backend; the model tests
(`multi_backend`, i.e. `tests/models/`) run again under JAX and PyTorch.
Each run uses two pytest-xdist workers, each taking whole test files (many
tests wait on subprocesses, so two workers overlap that waiting). Extra
arguments go to every pytest run, e.g. `-x`, `-k saving` or `-n 0`.

Usage:
    python tools/run_tests.py [pytest args...]
"""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SLOWEST_SHOWN = 30
"""Each pass lists its slowest tests, to keep the suite's time in view."""

PASSES = (
    ("tensorflow", []),
    ("jax", ["-m", "multi_backend"]),
    ("torch", ["-m", "multi_backend"]),
)


def _counts(junit_xml):
    suite = ET.parse(junit_xml).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def _seconds_by_folder(junit_xml):
    """`{test folder: seconds}` of a pass (setup and teardown included),
    largest first: where the suite's time goes."""
    seconds = {}
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        folder = "/".join(case.get("classname", "").split(".")[:-1]) or "?"
        seconds[folder] = seconds.get(folder, 0.0) + float(case.get("time", 0))
    return dict(sorted(seconds.items(), key=lambda item: -item[1]))


def main(argv):
    totals = [0, 0, 0]
    failed_passes = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, args in PASSES:
            print(f"\n=== KERAS_BACKEND={backend} ===", flush=True)
            report = os.path.join(tmp, f"{backend}.xml")
            env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
            code = subprocess.call(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                 "-n", "2", "--dist", "loadfile", f"--durations={SLOWEST_SHOWN}",
                 f"--junitxml={report}", *args, *argv],
                env=env,
            )
            if os.path.exists(report):
                for i, n in enumerate(_counts(report)):
                    totals[i] += n
                by_folder = _seconds_by_folder(report)
                print(f"{backend} test time by folder (both workers' seconds): "
                      + ", ".join(f"{k} {v:.0f}" for k, v in by_folder.items()))
            # 5: nothing collected, e.g. a -k that matches no model test.
            if code not in (0, 5):
                failed_passes.append(backend)
    passed, failed, skipped = totals
    print(f"\ntotal: {passed} passed, {failed} failed, {skipped} skipped")
    if failed_passes:
        print(f"failing backends: {', '.join(failed_passes)}")
        return 1
    if passed == 0:
        print("no test ran")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
