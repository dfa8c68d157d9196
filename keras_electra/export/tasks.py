"""`export_task`: any keras-hub-shaped task as a TF Serving SavedModel.

One entry for the three tasks: the preprocessor already holds the vocab,
normalization and windowing of fine-tuning, so the export reads them from
it and the served model tokenizes exactly as the task did. The SavedModel
is the per-task one of the recipes (`export_classifier`, `export_tagger`,
`export_question_answerer`), so every command, runner and portable export
that takes those takes this.
"""

import json
import os

TASK_FILE = "task.json"
"""The file of a keras-hub preset that holds a task (not just a backbone)."""

TASK_CLASSES = (
    "ElectraTextClassifier",
    "ElectraTokenClassifier",
    "ElectraQuestionAnswerer",
)
DEFAULT_NAMES = {
    "ElectraTextClassifier": "classifier",
    "ElectraTokenClassifier": "tagger",
    "ElectraQuestionAnswerer": "squad",
}
"""The model name in `saved_models/` of each task, unless one is given."""


def holds_task(path):
    """Whether `path` is a preset directory with a saved task."""
    return os.path.isfile(os.path.join(path, TASK_FILE))


def saved_task_class(path):
    """The class name of the task in the preset directory `path`.

    Raises:
        ValueError: it holds no keras_electra task.
    """
    task_file = os.path.join(path, TASK_FILE)
    try:
        with open(task_file, encoding="utf-8") as f:
            name = json.load(f).get("class_name")
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read '{task_file}': {e}") from None
    if name not in TASK_CLASSES:
        raise ValueError(
            f"'{path}' holds a {name} task; keras_electra exports "
            f"{', '.join(TASK_CLASSES)}"
        )
    return name


def load_task(path):
    """The task saved in the preset directory `path` (`save_to_preset`'s)."""
    from keras_electra import tasks

    return getattr(tasks, saved_task_class(path)).from_preset(os.fspath(path))


def export_task(task, base_path, *, text_pair=False, version=None, **options):
    """Exports an `ElectraTextClassifier`, `ElectraTokenClassifier` or
    `ElectraQuestionAnswerer` with its preprocessor's settings.

    Args:
        task: one of the three tasks, with its preprocessor.
        base_path: str. The model's directory in the TF Serving layout; the
            export goes to a new numeric version directory in it.
        text_pair: bool. A classifier of sentence pairs: the text
            signatures take `text` and `text_pair`.
        version: int or None. The version number (default: next free).
        **options: the per-task exporter's other settings (e.g. a QA
            model's `no_answer_threshold`, `max_answer_length`).

    Returns:
        The version directory written.

    Example:
    ```python
    classifier = ElectraTextClassifier.from_preset("presets/sst2")
    export_task(classifier, "saved_models/sst2")   # 'saved_models/sst2/1'
    ```
    """
    from keras_electra.tasks import ElectraQuestionAnswerer
    from keras_electra.tasks import ElectraTextClassifier
    from keras_electra.tasks import ElectraTokenClassifier

    preprocessor = getattr(task, "preprocessor", None)
    if not isinstance(
        task, (ElectraTextClassifier, ElectraTokenClassifier, ElectraQuestionAnswerer)
    ):
        raise ValueError(
            "export_task expects an ElectraTextClassifier, ElectraTokenClassifier "
            f"or ElectraQuestionAnswerer, got {type(task).__name__}."
        )
    if preprocessor is None:
        raise ValueError(
            f"{type(task).__name__} has no preprocessor: its vocab and sequence "
            "length are unknown."
        )
    tokenizer = preprocessor.tokenizer
    common = dict(
        vocab=tokenizer.vocab,
        sequence_length=preprocessor.sequence_length,
        normalization=tokenizer.normalization,
        version=version,
        **options,
    )
    if isinstance(task, ElectraTextClassifier):
        from keras_electra.export.saved_model import export_classifier

        return export_classifier(task, base_path, text_pair=text_pair, **common)
    if text_pair:
        raise ValueError("text_pair applies to an ElectraTextClassifier only.")
    if isinstance(task, ElectraTokenClassifier):
        from keras_electra.tagging.export import export_tagger

        return export_tagger(task, base_path, stride=preprocessor.stride, **common)
    from keras_electra.qa.export import export_question_answerer

    return export_question_answerer(
        task,
        base_path,
        doc_stride=preprocessor.doc_stride,
        max_query_length=preprocessor.max_query_length,
        **common,
    )
