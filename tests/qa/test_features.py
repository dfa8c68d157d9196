"""Question + context windows: offsets back to the original text, doc
stride coverage, labels, edge inputs."""

import numpy as np
import pytest
import tensorflow as tf

from keras_electra.qa.evaluation import normalize_answer
from keras_electra.qa.features import QAFeaturizer
from keras_electra.qa.features import answer_token_span
from keras_electra.qa.features import build_features
from keras_electra.qa.features import char_offsets
from keras_electra.qa.features import max_context_mask
from keras_electra.qa.squad import Answer
from keras_electra.qa.squad import SquadExample



@pytest.fixture(scope="module")
def small():
    """Windows of 16 tokens, stride 4, questions of up to 4 tokens."""
    return QAFeaturizer(sequence_length=16, doc_stride=4, max_query_length=4)


@pytest.fixture(scope="module")
def context_offsets(sample, small):
    """Character offsets of every WordPiece of each distinct context."""
    contexts = sorted({example.context for example in sample})
    return dict(zip(contexts, small.context_offsets(contexts)))


def test_gold_token_spans_decode_back_to_the_gold_answers(sample, context_offsets):
    recovered, total = 0, 0
    for example in sample:
        starts, ends = context_offsets[example.context]
        for answer in example.answers:
            span = answer_token_span(starts, ends, answer)
            assert span is not None, (example.qid, answer)
            text = example.context[starts[span[0]]:ends[span[1]]]
            total += 1
            recovered += normalize_answer(text) == normalize_answer(answer.text)
    assert total == 152
    # The sample's answers are whole words, so every one decodes back.
    assert recovered == total, (recovered, total)


def test_offsets_are_characters_of_the_original_text(small):
    featurizer = small
    text = "Ünïcödé café — 東京 😀 ok"
    _, starts, ends = featurizer.tokenize_with_offsets(tf.constant(text))
    starts, ends = char_offsets(text, starts.numpy(), ends.numpy())
    pieces = [text[s:e] for s, e in zip(starts, ends)]
    assert pieces[0] == "Ünïcödé" and "café" in pieces and "ok" == pieces[-1]
    assert "東" in pieces and "京" in pieces  # CJK characters are split.


def test_every_answer_lies_whole_in_a_window_with_a_small_stride(sample):
    answerable = [e for e in sample if not e.is_impossible]
    featurizer = QAFeaturizer(sequence_length=64, doc_stride=16, max_query_length=16)
    features = build_features(answerable, featurizer)
    assert not features.unrecoverable
    labeled = np.zeros(len(answerable), bool)
    labeled[features.example_index[features.start_positions > 0]] = True
    # budget >= 64 - 3 - 16 = 45 tokens, stride 16: any answer of up to 30
    # WordPieces is inside some window; the sample's are all shorter.
    assert labeled.all(), [answerable[i].qid for i in np.nonzero(~labeled)[0]]
    assert np.bincount(features.example_index).max() > 5  # Long contexts split.
    for row in np.nonzero(features.start_positions)[0][:200]:
        example = answerable[features.example_index[row]]
        first = features.token_to_context[row, features.start_positions[row]]
        last = features.token_to_context[row, features.end_positions[row]]
        i = features.example_index[row]
        text = features.contexts[i][features.char_starts[i][first]:features.char_ends[i][last]]
        assert normalize_answer(example.answers[0].text) in normalize_answer(text) \
            or normalize_answer(text) in normalize_answer(example.answers[0].text)


def test_windows_pack_question_and_context_with_stride():
    featurizer = QAFeaturizer(sequence_length=16, doc_stride=4, max_query_length=3)
    context = " ".join(f"w{i}" for i in range(20))
    windows = {k: v.numpy() for k, v in featurizer.windows(
        tf.constant("one two three four five"), tf.constant(context)).items()}
    ids = windows["token_ids"]
    vocab = featurizer.vocab
    assert (ids[:, 0] == vocab.cls_id).all()
    assert (ids[:, 4] == vocab.sep_id).all()  # 3 question tokens kept.
    assert (windows["segment_ids"][:, :5] == 0).all()
    index = windows["token_to_context"]
    num_context = len(windows["context_starts"])
    budget = 16 - 3 - 3
    assert (windows["window_starts"] == np.arange(len(ids)) * 4).all()
    assert index[0, 5] == 0 and index[1, 5] == 4
    assert index[-1].max() == num_context - 1  # The last window reaches the end.
    assert (index >= 0).sum(axis=1).max() == budget
    mask = max_context_mask(index, num_context)
    assert (np.bincount(index[mask]) >= 1).all()  # Every token has a best window.


@pytest.mark.parametrize("question, context", [
    ("", ""), ("   ", "\t\n  "), ("who?", ""), ("", "Rollo."),
    ("emoji 😀?", "🚀🚀 😀 ok"),
])
def test_blank_and_empty_inputs_give_one_well_formed_window(small, question, context):
    featurizer = small
    windows = featurizer.windows(tf.constant(question), tf.constant(context))
    ids = windows["token_ids"].numpy()
    assert ids.shape[0] >= 1 and ids[0, 0] == featurizer.vocab.cls_id
    assert windows["padding_mask"].numpy()[0].sum() >= 3


def test_labels_point_at_the_answer_or_cls():
    context = "Rollo was a Viking who founded Normandy in 911 after a long siege."
    answerable = SquadExample("a", "t", "When?", context,
                              (Answer("911", context.index("911")),))
    impossible = SquadExample("b", "t", "Why?", context, (), True)
    featurizer = QAFeaturizer(sequence_length=12, doc_stride=2, max_query_length=2)
    features = build_features([answerable, impossible], featurizer)
    rows = features.example_index == 0
    tokens = features.inputs["token_ids"][rows]
    starts = features.start_positions[rows]
    hits = np.nonzero(starts)[0]
    assert len(hits) >= 1 and (starts == 0).any()  # Some windows miss it.
    vocab = featurizer.vocab.tokens
    assert vocab[tokens[hits[0], starts[hits[0]]]] == "911"
    assert (features.start_positions[~rows] == 0).all()
    assert (features.is_impossible[~rows] == 1).all()
    assert (features.is_impossible[rows] == 0).all()


def test_settings_that_cannot_give_exact_offsets_are_refused():
    from keras_electra.normalization import TextNormalization

    with pytest.raises(ValueError, match="lower_case == strip_accents"):
        QAFeaturizer(normalization=TextNormalization(lower_case=True, strip_accents=False))
    with pytest.raises(ValueError, match="no context token"):
        QAFeaturizer(sequence_length=20, max_query_length=17)
