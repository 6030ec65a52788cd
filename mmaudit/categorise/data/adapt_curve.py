"""How many labelled lines `categorize adapt` needs: a learning curve on the labelled sets here.

    python -m mmaudit.categorise.data.adapt_curve [--sizes 25 50 100] [--draws 20] [FILE ...]

For each file (default: dev sets A and B and the eval set) and each size N: draw N lines at
random (seeded, `--draws` times), fit the complexity biases on them (`adapt.fit_bias`, as
`categorize adapt` does) and score the model's complexity on the file's other lines, with and
without the biases. Only lines whose level the model decides count (as in `adapt`). Prints
the mean gain in points and the range over the draws. The bundled model is the one adapted;
nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from mmaudit.categorise.adapt import fit_bias, labelled_decisions
from mmaudit.categorise.arrays import load_arrays
from mmaudit.categorise.model import bundled_model_path
from mmaudit.errors import InputError

HERE = Path(__file__).resolve().parent
SETS = [HERE / "dev_set.jsonl", HERE / "dev_set_b.jsonl", HERE / "eval_set.jsonl"]


def gains(decision: np.ndarray, truth: np.ndarray, size: int, draws: int) -> list[float]:
    """Accuracy gained on the lines not drawn, one figure per seeded draw of `size` lines."""
    out = []
    for seed in range(draws):
        order = np.random.default_rng(seed).permutation(len(truth))
        fit, rest = order[:size], order[size:]
        bias = fit_bias(decision[fit], truth[fit])
        out.append(float(np.mean((decision[rest] + bias).argmax(axis=1) == truth[rest])
                         - np.mean(decision[rest].argmax(axis=1) == truth[rest])))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=SETS)
    parser.add_argument("--sizes", nargs="+", type=int, default=[25, 50, 100])
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args(argv)
    model = load_arrays(bundled_model_path())
    for path in args.files:
        decision, truth, _skipped = labelled_decisions(model, path)
        print(f"{path.name}: {len(truth)} lines, complexity {np.mean(decision.argmax(axis=1) == truth):.1%} unadapted")
        for size in (s for s in args.sizes if s < len(truth)):
            g = gains(decision, truth, size, args.draws)
            print(f"  fitted on {size:>4} lines: {100 * np.mean(g):+.1f} points on the rest "
                  f"(draws {100 * min(g):+.1f} to {100 * max(g):+.1f})")


if __name__ == "__main__":
    try:
        main()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
