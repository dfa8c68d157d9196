"""What a TPU needs of pre-training, checked on the CPU: an input pipeline
from prepared shards with no Python in it, static shapes, and a train step
that XLA compiles whole."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_electra
import keras_electra.data as kd

PYTHON_OPS = {"PyFunc", "EagerPyFunc", "PyFuncStateless", "GeneratorDataset"}


def _ops_of(dataset):
    graph = tf.compat.v1.GraphDef.FromString(
        dataset._as_serialized_graph().numpy()
    )
    ops = {node.op for node in graph.node}
    for function in graph.library.function:
        ops |= {node.op for node in function.node_def}
    return ops


@pytest.fixture(scope="module")
def prepared_batches(tmp_path_factory, small_corpus, vocab):
    out = tmp_path_factory.mktemp("prepared")
    kd.prepare_pretraining_data([small_corpus], out, vocab, sequence_length=64)
    return kd.pretraining_dataset(
        out, vocab, sequence_length=64, batch_size=4, seed=0, repeat=True
    )


def test_prepared_shard_pipeline_runs_no_python(prepared_batches, small_corpus, vocab):
    ops = _ops_of(prepared_batches)
    assert "TFRecordDataset" in ops and not ops & PYTHON_OPS, sorted(ops)
    # The check sees Python where there is some: packing raw text does.
    from_text = kd.pretraining_dataset(
        small_corpus, vocab, sequence_length=64, batch_size=4, seed=0
    )
    assert _ops_of(from_text) & PYTHON_OPS


def test_prepared_shard_batches_have_fully_static_shapes(prepared_batches):
    for name, spec in prepared_batches.element_spec.items():
        assert spec.shape.is_fully_defined(), (name, spec.shape)
    batch = next(iter(prepared_batches))
    assert batch["token_ids"].shape == (4, 64)
    assert batch["mask_positions"].shape == (4, kd.max_predictions_for(64, 0.15))


def test_the_whole_train_step_compiles_with_xla(prepared_batches, vocab):
    config = keras_electra.ElectraConfig.from_preset(
        "tiny", vocabulary_size=vocab.size, max_sequence_length=64
    )
    pretrainer = keras_electra.ElectraPretrainer(config, seed=0)
    pretrainer.compile(optimizer=keras.optimizers.AdamW(1e-3), jit_compile=True)
    batch = next(iter(prepared_batches))
    step = tf.function(pretrainer.train_step, jit_compile=True)
    # Lowering to HLO fails on any op XLA cannot compile (a TPU's test).
    hlo = step.experimental_get_compiler_ir(batch)(stage="hlo")
    assert "ENTRY" in hlo
    logs = step(batch)
    assert np.isfinite(float(logs["loss"]))
