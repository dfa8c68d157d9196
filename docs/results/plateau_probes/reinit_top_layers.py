"""Re-initialise the top transformer layers of a pre-trained encoder.

Issue 28, part 3: the discriminator's last layer is the one that collapses
(transfer_why.md section 3), and Zhang et al. (2021, "Revisiting
Few-sample BERT Fine-tuning") found that re-initialising a pre-trained
encoder's top layers before fine-tuning helps on small tasks. This writes a
copy of `--encoder` whose top `--layers` transformer layers hold fresh
weights drawn as a randomly initialised encoder of the same config draws
them (truncated normal 0.02, zero biases, unit LayerNorm scales); the
embeddings and lower layers keep their pre-trained values.

Usage:
    python docs/results/plateau_probes/reinit_top_layers.py \
        --encoder runs/transfer/phase2_step2000.keras --layers 1 --output reinit.keras
then `recipes/finetune_glue.py --init reinit.keras ...` (the recipes'
`--reinit-top-layers N` does the same for each seed). The rows of
transfer_why.md section 5 were made by this script's first version, which
drew the weights the same way before the library had
`reinitialize_top_layers`.
"""

import argparse


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", required=True, help="A discriminator .keras file.")
    parser.add_argument("--layers", type=int, default=1, help="Top layers to re-initialise.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the fresh weights.")
    parser.add_argument("--output", required=True, help="Where to write the .keras copy.")
    args = parser.parse_args()

    import keras

    import keras_electra  # noqa: F401  (registers the encoder class)
    from keras_electra.data import DataError
    from keras_electra.finetune.loading import reinitialize_top_layers

    encoder = keras.saving.load_model(args.encoder)
    keras.utils.set_random_seed(args.seed)
    try:
        reinitialize_top_layers(encoder, args.layers)
    except DataError as e:
        parser.error(str(e))
    encoder.save(args.output)
    print(f"wrote {args.output}: top {args.layers} of "
          f"{len(encoder.transformer_layers)} layers re-initialised")


if __name__ == "__main__":
    main()
