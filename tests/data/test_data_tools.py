import importlib.util
from pathlib import Path

import pytest

import keras_electra.data as kd

REPO = Path(__file__).resolve().parents[2]

TOOLS = ("build_vocab", "prepare_pretraining_data", "benchmark_pipeline")


def _parser(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_parser()


@pytest.mark.parametrize("name", TOOLS)
def test_help_explains_every_flag(name, run_tool):
    parser = _parser(name)
    for action in parser._actions:
        assert action.help, f"{name}: {action.option_strings or action.dest} has no help"
    result = run_tool(name, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("prepare_pretraining_data", ["missing.txt", "--output-dir", "{tmp}/out"], "corpus file 'missing.txt' does not exist"),
        ("prepare_pretraining_data", ["x.txt", "--output-dir", "{tmp}/out", "--seq-len", "2"], "--seq-len must be at least 5"),
        ("build_vocab", ["{tmp}/empty.txt", "--output", "{tmp}/v.txt"], "has no text (empty or only blank lines)"),
        ("benchmark_pipeline", ["--corpus", "{tmp}/nope.txt"], "corpus file"),
    ],
)
def test_bad_input_gives_one_line_error_and_status_2(name, args, message, tmp_path, run_tool):
    (tmp_path / "empty.txt").write_text("\n\n")
    result = run_tool(name, *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_build_vocab_learns_a_valid_deterministic_vocab(tmp_path, small_corpus, run_tool):
    outputs = []
    for i in range(2):
        out = tmp_path / f"vocab{i}.txt"
        result = run_tool("build_vocab", small_corpus, "--output", out, "--vocab-size", 600, "--max-lines", 300)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    vocab = kd.load_vocab(tmp_path / "vocab0.txt")
    assert list(vocab.tokens[:5]) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert 300 < vocab.size <= 600
    tokenizer = kd.WordPieceTokenizer(vocab)
    ids = tokenizer.tokenize(["the house was quiet"]).flat_values.numpy()
    assert vocab.unk_id not in ids


def test_benchmark_prints_both_pipelines_and_their_ratio(tmp_path, small_corpus, run_tool):
    result = run_tool("benchmark_pipeline", "--corpus", small_corpus, "--batch-size", 16)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(l.startswith("keras_electra") and "seq/s" in l for l in lines)
    assert any(l.startswith("HF tokenizers") and "seq/s" in l for l in lines)
    ratio = float(lines[-1].split(":")[-1])
    assert ratio > 0


@pytest.mark.parametrize(
    "flags, lower_case, strip_accents",
    [
        ([], True, True),
        (["--no-lower-case"], False, False),
        (["--no-strip-accents"], True, False),
        (["--do-lower-case"], True, True),
        (["--do-lower-case", "--no-strip-accents"], True, False),
        (["--no-lower-case", "--do-strip-accents"], False, True),
        (["--lower-case", "--strip-accents"], True, True),
    ],
)
@pytest.mark.parametrize("name", ["build_vocab", "prepare_pretraining_data"])
def test_every_normalization_spelling_is_accepted(name, flags, lower_case, strip_accents):
    from keras_electra import TextNormalization
    from keras_electra.cli import normalization_from_args

    required = ["--output"] if name == "build_vocab" else ["--output-dir"]
    args = _parser(name).parse_args(["corpus.txt", *required, "out", *flags])
    assert normalization_from_args(args) == TextNormalization(lower_case, strip_accents)


@pytest.mark.parametrize("flag", ["--seq-len", "--max-seq-length", "--sequence-length"])
def test_prepare_takes_every_sequence_length_spelling(flag):
    args = _parser("prepare_pretraining_data").parse_args(
        ["corpus.txt", "--output-dir", "out", flag, "64"]
    )
    assert args.sequence_length == 64


def test_tools_import_the_shared_cli_not_the_tools_directory():
    for name in TOOLS + ("serving_client",):
        source = (REPO / "tools" / f"{name}.py").read_text()
        assert "from keras_electra import cli" in source, name
        assert "import _cli" not in source and "sys.path" not in source, name
