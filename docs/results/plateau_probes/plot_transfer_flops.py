"""Plot SST-2 dev accuracy against pre-training FLOPs (issue 28, part 3).

Reads the rows of `transfer_flops.csv` (one per encoder point and
`--reinit-top-layers` setting: the three seeds, their median and mean) and
draws, for each objective, the median over seeds against the pre-training
FLOPs the encoder had seen, with the seeds as small markers; random
initialisation (0 FLOPs) is a horizontal band from its worst to its best
seed.

Usage:
    python docs/results/plateau_probes/plot_transfer_flops.py \
        --csv docs/results/transfer_flops.csv \
        --output docs/results/transfer_flops.png
"""

import argparse
import csv

OBJECTIVES = {"electra": ("ELECTRA", "tab:blue"), "mlm": ("masked LM", "tab:orange")}
LINE_STYLES = {"0": ("-", "o", "as pre-trained"), "1": ("--", "s", "top layer re-drawn")}


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def objective_of(encoder):
    """`electra` or `mlm` from an encoder label such as `mlm_p2_end`."""
    return encoder.split("_")[0]


def seeds(row):
    return [float(row[f"seed{i}"]) for i in (1, 2, 3)]


def plot(rows, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        if row["encoder"] == "random" and row["reinit_top_layers"] == "0":
            low, high = min(seeds(row)), max(seeds(row))
            axes.axhspan(low, high, color="0.85", zorder=0,
                         label="random init (seeds' range)")
            axes.axhline(float(row["median"]), color="0.5", lw=1, zorder=1)
            axes.plot([0], [float(row["median"])], "D", color="0.3",
                      label="random init (0 FLOPs), median")
    for objective, (name, colour) in OBJECTIVES.items():
        for reinit, (style, marker, meaning) in LINE_STYLES.items():
            points = sorted(
                (float(r["train_flops"]), r) for r in rows
                if objective_of(r["encoder"]) == objective
                and r["reinit_top_layers"] == reinit
            )
            if not points:
                continue
            flops = [f for f, _ in points]
            axes.plot(flops, [float(r["median"]) for _, r in points], style,
                      marker=marker, color=colour, label=f"{name}, {meaning}")
            for f, r in points:
                axes.scatter([f] * 3, seeds(r), s=8, color=colour, alpha=0.4)
    axes.set_xlim(left=-0.05 * max(float(r["train_flops"]) for r in rows))
    axes.set_xlabel("pre-training FLOPs (3 x forward matrix products)")
    axes.set_ylabel("SST-2 dev accuracy, % (median of 3 seeds)")
    axes.set_title("tiny (2 x 128) encoders fine-tuned on 4,000 SST-2 rows")
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(output, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", required=True, help="transfer_flops.csv")
    parser.add_argument("--output", required=True, help="the PNG to write")
    args = parser.parse_args()
    plot(read_rows(args.csv), args.output)


if __name__ == "__main__":
    main()
