"""What a sentence-classification head reads from the encoder's output.

Kept free of Keras so that the recipes can check `--pooling` before their
slow imports.
"""

# "cls": the [CLS] position, the original's. "mean": the mean over the
# non-padding positions.
POOLINGS = ("cls", "mean")
