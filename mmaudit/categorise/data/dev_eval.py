"""The honest dev figure: rules + model on held-out WRITERS and TEMPLATE FAMILIES of the corpus.

    python mmaudit/categorise/data/dev_eval.py [--thresholds 0,0.3,0.5] [--folds 5]

The corpus (`train_set.jsonl`) records the writer of each writer's line (`author`) and the template
family of each generated example (`family`: generator and call site); other hand-written examples
are each their own family. GroupKFold holds whole writers and families out (`training.cv_splits`):
for each fold a model is trained on the other folds (same weights and features as the bundled
model) and the real `apply_categories` (rules, then the model at each `model.min_confidence`)
categorises the held-out fold. Reported: task and complexity accuracy over all folds, and over the
hand-written examples alone (the least templated, closest to production prompts). The evaluation set
is never read here: thresholds and features are chosen on these figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from mmaudit.categorise.concepts import default_tagger
from mmaudit.categorise.evaluate import evaluate
from mmaudit.categorise.model import TrainedModel
from mmaudit.categorise.rules import load_rules
from mmaudit.categorise.training import cv_splits, fit_complexity, fit_pipeline, labelled_texts

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=HERE / "train_set.jsonl")
    parser.add_argument("--thresholds", default="0,0.3,0.5,0.7")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    rules = load_rules()
    thresholds = [float(x) for x in args.thresholds.split(",")]
    lines = [line for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    concepts = default_tagger()
    data = labelled_texts(args.set, rules, concepts=concepts)
    hand = np.asarray([json.loads(line).get("family") is None for line in lines])
    k, splits = cv_splits(data, args.folds)
    modes = ["rules only"] + [f"rules + model, min_confidence {t:g}" for t in thresholds]
    task_ok = {m: np.zeros(len(lines), dtype=bool) for m in modes}
    cx_ok = {m: np.zeros(len(lines), dtype=bool) for m in modes}
    w = np.asarray(data.weights)
    with tempfile.TemporaryDirectory() as tmp:
        for fold, (fit_idx, dev_idx) in enumerate(splits):
            pipeline = fit_pipeline([data.texts[i] for i in fit_idx], [data.labels[i] for i in fit_idx], list(w[fit_idx]))
            fit_texts = [data.texts[i] for i in fit_idx]
            levels = [(data.complexities or [None] * len(lines))[i] for i in fit_idx]
            head = fit_complexity(pipeline, fit_texts, levels, list(w[fit_idx]))
            model = TrainedModel(pipeline, sorted(set(pipeline.classes_)), complexity=head, concepts=concepts)
            dev = Path(tmp) / f"dev{fold}.jsonl"
            dev.write_text("\n".join(lines[i] for i in dev_idx) + "\n", encoding="utf-8")
            for mode, threshold in zip(modes, [None, *thresholds]):
                r = rules if threshold is None else rules.model_copy(
                    update={"model": rules.model.model_copy(update={"min_confidence": threshold})})
                report = evaluate(r, None if threshold is None else model, dev)
                wrong = {line - 1 for line, _, _ in report.errors}  # example_id = line number in dev file
                wrong_cx = set(report.complexity_errors)
                for j, i in enumerate(dev_idx):
                    task_ok[mode][i] = j not in wrong
                    cx_ok[mode][i] = j not in wrong_cx
    print(f"{len(lines)} examples ({int(hand.sum())} hand-written), {k} folds, template families held out")
    print(f"{'mode':<40}{'task':>8}{'cx':>8}{'task(hw)':>10}{'cx(hw)':>8}")
    for m in modes:
        print(f"{m:<40}{task_ok[m].mean():>8.1%}{cx_ok[m].mean():>8.1%}{task_ok[m][hand].mean():>10.1%}{cx_ok[m][hand].mean():>8.1%}")


if __name__ == "__main__":
    main()
