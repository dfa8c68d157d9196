"""Reading CoNLL-style files: one token per line, blank lines between
sentences.

Each non-blank line holds whitespace-separated columns: the word first and
its label last (CoNLL-2000 chunking: `word POS chunk`; CoNLL-2003 NER:
`word POS chunk NER`). Lines starting with `-DOCSTART-` mark document
boundaries and are skipped. Labels must be span tags (`O`, `B-X`, `I-X`,
`E-X`, `S-X`; see `keras_electra.tagging.tags`).

Pure Python (no TensorFlow), so command lines can check their files before
the slow imports.
"""

import dataclasses
import os

from keras_electra.tagging import tags as tag_lib

DOCSTART = "-DOCSTART-"


@dataclasses.dataclass
class TaggedSentences:
    """Sentences as word lists with one tag per word.

    Args:
        words: list of list of str.
        tags: list of list of str, the same shape as `words`.
        source: str. Where they came from (for logs and `results.json`).
    """

    words: list
    tags: list
    source: str = ""

    def __post_init__(self):
        if len(self.words) != len(self.tags):
            raise ValueError(
                f"{len(self.words)} word sequences but {len(self.tags)} tag sequences"
            )
        for index, (words, tags) in enumerate(zip(self.words, self.tags)):
            if len(words) != len(tags):
                raise ValueError(
                    f"sentence {index} has {len(words)} words but {len(tags)} tags"
                )

    def __len__(self):
        return len(self.words)

    @property
    def num_words(self):
        """The number of words of all sentences together."""
        return sum(len(words) for words in self.words)

    def take(self, count):
        """The first `count` sentences (all of them for `None`)."""
        if count is None or count >= len(self):
            return self
        return TaggedSentences(
            self.words[:count], self.tags[:count], f"{self.source}[:{count}]"
        )

    def split(self, count):
        """`(all but the last count sentences, the last count sentences)`.

        Used to hold out a dev set from training data that has none
        (CoNLL-2000 comes as train and test only).
        """
        if not 0 < count < len(self):
            raise ValueError(
                f"cannot hold out {count} of {len(self)} sentences of "
                f"'{self.source}'"
            )
        cut = len(self) - count
        return (
            TaggedSentences(self.words[:cut], self.tags[:cut], f"{self.source}[:{cut}]"),
            TaggedSentences(self.words[cut:], self.tags[cut:], f"{self.source}[{cut}:]"),
        )


def read_conll(path, max_sentences=None):
    """Reads a CoNLL file into `TaggedSentences`.

    Args:
        path: str. A UTF-8 text file: one `word ... label` line per token,
            blank lines between sentences, `-DOCSTART-` lines skipped.
        max_sentences: int or None. Stop after this many sentences.

    Returns:
        `TaggedSentences` (words from the first column, tags from the last).

    Raises:
        ValueError: the file is missing or not UTF-8, a line has fewer than
            two columns or a label that is not a span tag, or the file holds
            no sentence; the message starts with `path:line:` where a line
            is at fault.

    Example:
    ```python
    train = read_conll("conll2000/train.txt")
    train.words[0][:3], train.tags[0][:3]
    # (['Confidence', 'in', 'the'], ['B-NP', 'B-PP', 'B-NP'])
    ```
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ValueError(f"cannot read '{path}': {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ValueError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[e.start]:02x} at offset "
            f"{e.start})"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]

    words, tags = [], []
    sentence_words, sentence_tags = [], []

    def end_sentence():
        if sentence_words:
            words.append(list(sentence_words))
            tags.append(list(sentence_tags))
            sentence_words.clear()
            sentence_tags.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        columns = line.split()
        if not columns:
            end_sentence()
            if max_sentences is not None and len(words) >= max_sentences:
                break
            continue
        if columns[0] == DOCSTART:
            end_sentence()
            continue
        if len(columns) < 2:
            raise ValueError(
                f"{path}:{number}: expected a word and a label separated by "
                f"whitespace, got one column {columns[0]!r}"
            )
        label = columns[-1]
        try:
            tag_lib.split_tag(label)
        except ValueError as e:
            raise ValueError(f"{path}:{number}: {e}") from None
        sentence_words.append(columns[0])
        sentence_tags.append(label)
    end_sentence()
    if max_sentences is not None:
        words, tags = words[:max_sentences], tags[:max_sentences]
    if not words:
        raise ValueError(f"{path}: no sentences (no 'word ... label' lines)")
    return TaggedSentences(words, tags, path)


def write_conll(path, words, gold, predicted):
    """Writes `word gold predicted` lines, blank lines between sentences
    (the layout conlleval-style scorers read)."""
    with open(path, "w", encoding="utf-8") as f:
        for sentence in zip(words, gold, predicted):
            for word, gold_tag, predicted_tag in zip(*sentence):
                f.write(f"{word} {gold_tag} {predicted_tag}\n")
            f.write("\n")
