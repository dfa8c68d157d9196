#!/usr/bin/env python
"""Measures where a pre-training run stands at each of its checkpoints.

For every kept `checkpoints/step-*.weights.h5` of a `recipes/pretrain.py`
run directory: the discriminator's exact AUC on the generator's own samples
and the generator's masked-LM accuracy (the masked-LM baseline: its
accuracy), on the same fixed batches a run measures itself on
(`keras_electra.pretrain.learning_stage`). Steps already measured are read
from `learning_stage.json`; the new ones are added to it.

Example:
    python tools/learning_stage.py runs/electra_tiny
"""

import os

from keras_electra import cli
from keras_electra.run_directory import RunDirectory


def build_parser():
    parser = cli.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Prints one line per checkpoint. Bad input prints a one-line "
        "error and exits with status 2.",
    )
    parser.add_argument("model_dir", help="a recipes/pretrain.py --model-dir")
    parser.add_argument(
        "--remeasure", action="store_true",
        help="measure every checkpoint again, even those already in "
        "learning_stage.json",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    run = RunDirectory(args.model_dir)
    record = run.read_record()
    if record is None or not isinstance(run.model_config(), dict):
        cli.fail(f"'{args.model_dir}' holds no pre-training run (no run.json "
                 "with a model config)")
    if not run.checkpoints():
        cli.fail(f"'{args.model_dir}' has no checkpoints/ to measure")
    vocab = run.vocab_path()
    if vocab is None:
        cli.fail(f"the vocab of '{args.model_dir}' is gone (neither "
                 f"{os.path.basename(run.vocab_file)} nor the recorded path)")
    keras, _ = cli.import_keras_and_tensorflow("the tf.data pipeline")
    from keras_electra import data
    from keras_electra.config import ElectraConfig
    from keras_electra.models.electra_pretrainer import ElectraPretrainer
    from keras_electra.models.mlm_pretrainer import MaskedLMPretrainer
    from keras_electra.pretrain import learning_stage as stage_lib

    settings = run.settings()
    config = ElectraConfig.from_dict(settings["config"])
    corpus = settings.get("corpus") or [data.DEFAULT_CORPUS]
    # tf.data's seeded ops also read the global seed, which the run had set.
    keras.utils.set_random_seed(settings["seed"])
    batches = stage_lib.stage_batches(
        data.as_source(corpus[0] if len(corpus) == 1 else corpus),
        data.load_vocab(vocab), settings["sequence_length"], settings["seed"],
        config, mask_rate=settings["mask_rate"],
        mask_token_rate=settings["mask_token_rate"],
        random_token_rate=settings["random_token_rate"],
        normalization=run.normalization(),
    )
    objective = settings.get("objective", "electra")
    pretrainer = (MaskedLMPretrainer if objective == "mlm" else ElectraPretrainer)(config)
    stages = {} if args.remeasure else stage_lib.read_stages(run.learning_stage_file)
    for checkpoint in run.checkpoints():
        step = run.checkpoint_step(checkpoint)
        if step not in stages:
            pretrainer.load_weights(checkpoint)
            stages[step] = stage_lib.measure_learning_stage(pretrainer, batches, step)
            stage_lib.write_stages(run.learning_stage_file, stages)
        print(stages[step].describe(), flush=True)
    return 0


if __name__ == "__main__":
    cli.run(main)
