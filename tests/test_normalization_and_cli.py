"""`TextNormalization` and the shared command-line helpers."""

import argparse
import subprocess
import sys

import pytest

from keras_electra import cli
from keras_electra import TextNormalization


def test_accent_stripping_follows_lower_casing_unless_named():
    assert TextNormalization() == TextNormalization(True, True)
    assert TextNormalization(False) == TextNormalization(False, False)
    assert TextNormalization(True, False).strip_accents is False
    assert TextNormalization.from_record({"lower_case": False}) == TextNormalization(False)
    assert TextNormalization.from_record({}) == TextNormalization()


@pytest.mark.parametrize("flags, expected", [
    ([], TextNormalization(True, True)),
    (["--no-lower-case"], TextNormalization(False, False)),
    (["--no-strip-accents"], TextNormalization(True, False)),
    (["--do-lower-case", "--do-strip-accents"], TextNormalization(True, True)),
    (["--no-lower-case", "--strip-accents"], TextNormalization(False, True)),
])
def test_every_spelling_of_the_normalization_flags(flags, expected):
    parser = argparse.ArgumentParser()
    cli.add_normalization_flags(parser)
    assert cli.normalization_from_args(parser.parse_args(flags)) == expected


def test_flags_override_a_recorded_normalization():
    parser = argparse.ArgumentParser()
    cli.add_normalization_flags(parser)
    recorded = TextNormalization(False)
    assert cli.normalization_from_args(parser.parse_args([]), recorded) == recorded
    assert cli.normalization_from_args(
        parser.parse_args(["--strip-accents"]), recorded) == TextNormalization(False, True)


def test_config_overrides_read_json_values():
    assert cli.parse_config_overrides(["dropout=0.0", "name=x"]) == {"dropout": 0.0, "name": "x"}
    with pytest.raises(ValueError, match="--config expects FIELD=VALUE, got 'dropout'"):
        cli.parse_config_overrides(["dropout"])


def test_a_usage_error_is_one_line_with_status_2_before_any_slow_import():
    result = subprocess.run(
        [sys.executable, "-m", "keras_electra", "score", "x", "--threshold", "2"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "keras-electra: error: --threshold must be in [0, 1], got 2.0"
