"""Errors raised by the data pipeline."""


class DataError(ValueError):
    """A corpus, vocab or prepared dataset cannot be used as given.

    The message names the file (and line or token where known) and says what
    is wrong, so command-line tools can print it as a one-line error.

    Example:
    ```python
    try:
        keras_electra.data.load_vocab("missing.txt")
    except keras_electra.data.DataError as e:
        print(e)  # vocab file 'missing.txt' does not exist
    ```
    """
