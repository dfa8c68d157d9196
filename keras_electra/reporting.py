"""`report`: how the library tells its user what a long job is doing.

As Keras reports `fit`'s progress: printed (and flushed) while Keras'
interactive logging is on, its default; after
`keras.config.disable_interactive_logging()` (a batch job that collects
logs) each message goes to the `keras_electra` logger at INFO instead.
Warnings go through `warnings.warn`, so they can be filtered. The command
lines print their own output (answers, tags, scores) directly.
"""

import logging

LOGGER = logging.getLogger("keras_electra")


def report(message):
    """Prints `message`, or logs it while Keras' interactive logging is off."""
    import keras

    if keras.config.is_interactive_logging_enabled():
        print(message, flush=True)
    else:
        LOGGER.info(message)
