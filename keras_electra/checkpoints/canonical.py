"""The canonical form of a checkpoint, shared by every reader and writer.

A tower is `(hf_config, state)`: `hf_config` is what a transformers
`ElectraConfig.to_dict()` holds, `state` the tensors of a transformers
`ElectraForPreTraining` (discriminator) or `ElectraForMaskedLM`
(generator) state dict, by name, in torch layout. The Hugging Face, TF1
and keras-hub readers produce it and `convert` maps it to and from Keras
variables, so each format is one mapping to this form.
"""

# The `ElectraConfig` entries every ELECTRA checkpoint shares (the original
# code's and Hugging Face's defaults), besides its sizes and activation.
HF_CONFIG_DEFAULTS = {
    "model_type": "electra",
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "summary_type": "first",
    "summary_use_proj": True,
    "summary_activation": "gelu",
    "summary_last_dropout": 0.1,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "classifier_dropout": None,
    "tie_word_embeddings": True,
}


def hf_config(**fields):
    """`HF_CONFIG_DEFAULTS` with `fields` (sizes, `hidden_act`, dropout,
    `architectures`, ...) added."""
    return {**HF_CONFIG_DEFAULTS, **fields}
