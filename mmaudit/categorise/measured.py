"""How often the bundled categoriser's labels match an independent author's, as measured.

Why: `audit`'s headline ("simple or moderate calls on premium") is only as good as the levels it
counts, and those come from the bundled model for most calls. The output states how often that
model's level matched the level given by authors who wrote labelled sets apart from its training
data, next to the figure, so a reviewer reads a measured agreement rather than assuming the
levels are facts.

The figures live in `data/categoriser.measured.json` with the sha256 of the model they describe;
`python -m mmaudit.categorise.measured` re-measures and rewrites them, and a test re-measures them
on every run, so a retrained model cannot keep an old figure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

MEASURED_NAME = "data/categoriser.measured.json"
# The labelled sets written apart from the training data (docs/categorisation.md, "The sets").
MEASURED_SETS = ("dev_set.jsonl", "dev_set_b.jsonl", "eval_set.jsonl")


@dataclass(frozen=True)
class SetScore:
    set: str
    lines: int
    task_accuracy: float
    complexity_accuracy: float


@dataclass(frozen=True)
class Measured:
    """The bundled model's accuracy on each separately written labelled set."""

    model_sha256: str
    sets: tuple[SetScore, ...]

    def complexity_range(self) -> tuple[float, float]:
        values = [s.complexity_accuracy for s in self.sets]
        return min(values), max(values)

    def sentence(self) -> str:
        """One line for a report: what the levels are worth, and how to measure them on your calls."""
        low, high = self.complexity_range()
        sizes = ", ".join(f"{s.lines:,}" for s in self.sets)
        return (f"the bundled categoriser's complexity matched their authors' on {low:.1%}-{high:.1%} of the "
                f"calls in {len(self.sets)} labelled sets ({sizes} calls) written apart from its training data "
                "(docs/categorisation.md); label a sample of your calls and run "
                "`mmaudit categorize eval` to measure it on your traffic")


def measured_path() -> Path:
    return Path(str(resources.files("mmaudit.categorise").joinpath(MEASURED_NAME)))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_measured() -> Measured:
    data = json.loads(measured_path().read_text(encoding="utf-8"))
    return Measured(data["model_sha256"], tuple(SetScore(**s) for s in data["sets"]))


def measure() -> Measured:
    """Evaluate the bundled model on each set (seconds; needs only numpy)."""
    from mmaudit.categorise import default_model
    from mmaudit.categorise.dataset import eval_set_path
    from mmaudit.categorise.evaluate import evaluate
    from mmaudit.categorise.model import bundled_model_path
    from mmaudit.categorise.rules import load_rules

    rules, model = load_rules(), default_model()
    scores = []
    for name in MEASURED_SETS:
        report = evaluate(rules, model, eval_set_path().with_name(name))
        assert report.complexity_accuracy is not None, name  # every line of these sets carries a level
        scores.append(SetScore(name, report.n, round(report.task_accuracy, 4), round(report.complexity_accuracy, 4)))
    return Measured(file_sha256(bundled_model_path()), tuple(scores))


def main() -> None:
    measured = measure()
    payload = {"command": "python -m mmaudit.categorise.measured", "model": "categoriser.npz",
               "model_sha256": measured.model_sha256, "sets": [s.__dict__ for s in measured.sets]}
    measured_path().write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    for s in measured.sets:
        print(f"{s.set}: {s.lines} lines, task {s.task_accuracy:.1%}, complexity {s.complexity_accuracy:.1%}")


if __name__ == "__main__":
    main()
