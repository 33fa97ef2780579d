#!/usr/bin/env python3
"""The reproduction table of the book's CNN chapters: our final train loss, train accuracy, test
accuracy and examples/s (from each run's summary.json) beside the numbers the book printed (from
the run's config, configs/NAME.toml, [book.reported]).

    scripts/reproduction_table.py RUN_DIR... > table.md

Each RUN_DIR is named after its config (runs/alexnet-zh for configs/alexnet-zh.toml), as
scripts/gpu-check.sh writes them. A run without summary.json (it did not finish) is listed as such.
"""
import json
import os
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRICS = [("train_loss", "loss", "{:.3f}"), ("train_acc", "train acc", "{:.3f}"), ("test_acc", "test acc", "{:.3f}"),
           ("examples_per_sec", "examples/s", "{:.0f}")]


def cell(value, fmt):
    return "-" if value is None else fmt.format(value)


def row(run_dir):
    name = os.path.basename(os.path.normpath(run_dir))
    config_file = os.path.join(ROOT, "configs", name + ".toml")
    if not os.path.exists(config_file):
        sys.exit(f"error: {run_dir}: a run folder must be named after its config, and {config_file} does not exist")
    with open(config_file, "rb") as f:
        config = tomllib.load(f)
    reported = config.get("book", {}).get("reported", {})
    edition, book = next(iter(reported.items()), ("-", {}))
    size = config.get("resize") or 28
    setting = f"{config['model']} | {size}x{size} | {config['batch_size']}, {config['lr']}, {config['epochs']}"
    summary_file = os.path.join(run_dir, "summary.json")
    if not os.path.exists(summary_file):
        return f"| {name} | {setting} | did not finish | | | | " + " | ".join(
            cell(book.get(key), fmt) for key, _, fmt in METRICS) + f" | {edition} | |"
    try:
        with open(summary_file) as f:
            summary = json.load(f)
    except (OSError, ValueError) as error:
        sys.exit(f"error: {summary_file}: not a readable summary.json ({error})")
    final = dict(summary.get("final", {}))
    final["examples_per_sec"] = summary.get("examples_per_sec")
    ours = " | ".join(cell(final.get(key), fmt) for key, _, fmt in METRICS)
    theirs = " | ".join(cell(book.get(key), fmt) for key, _, fmt in METRICS)
    speedup = "-"
    if final.get("examples_per_sec") and book.get("examples_per_sec"):
        speedup = f"{final['examples_per_sec'] / book['examples_per_sec']:.1f}x"
    epochs = summary.get("epochs")
    if epochs != config["epochs"]:
        name += f" ({epochs} of {config['epochs']} epochs)"
    return f"| {name} | {setting} | {ours} | {theirs} | {edition} | {speedup} |"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    header = ["config", "model", "input", "batch, lr, epochs"] + [f"ours: {label}" for _, label, _ in METRICS] + \
             [f"book: {label}" for _, label, _ in METRICS] + ["book edition (one V100)", "examples/s vs book"]
    rows = [row(run_dir) for run_dir in sys.argv[1:]]  # every run read before anything is printed
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
