"""A STAND-IN for running sampled prompts on candidate models: writes synthetic outcomes.

A team would run the prompts of `mmaudit evals sample` on each candidate model and grade the
answers. The bundled sample traffic is synthetic, so this script invents the grades instead:
each (prompt, model) is graded on 5 samples, correct with a probability set by the table below
(model, task, complexity, and a per-prompt difficulty shared by every model). Seeded, so reruns
are identical. The figures it leads to illustrate the workflow; they measure no real model.

Run: python sample_logs/make_sample_outcomes.py prompts.jsonl outcomes.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

# probability of a correct answer on a simple prompt of an ordinary task (illustrative, not measured)
BASE = {"gemini-2.0-flash": 0.86, "gpt-4o-mini": 0.88, "claude-3-5-haiku": 0.89, "gpt-4o": 0.94,
        "gpt-4o-2024-08-06": 0.94, "claude-3-5-sonnet": 0.95, "deepseek-r1": 0.95, "o1": 0.97}
COMPLEXITY = {"simple": 0.0, "moderate": -0.06, "complex": -0.2}
SMALL = {"gemini-2.0-flash", "gpt-4o-mini", "claude-3-5-haiku"}
HARD_TASKS = {"reasoning": -0.15, "code": -0.1}  # for the small models only
SAMPLES = 5


def outcomes(prompts: list[dict], seed: int = 20250601) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for p in prompts:
        difficulty = rng.uniform(-0.06, 0.06)
        for model, base in BASE.items():
            chance = base + COMPLEXITY.get(p["complexity"], 0.0) + difficulty
            if model in SMALL:
                chance += HARD_TASKS.get(p["task"], 0.0)
            chance = min(max(chance, 0.02), 0.99)
            for sample in range(SAMPLES):
                rows.append({"prompt_hash": p["prompt_hash"], "model": model, "sample": sample,
                             "score": rng.random() < chance, "grader": "synthetic-stand-in",
                             "eval_set": "sample-stand-in"})
    return rows


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        sys.exit(__doc__)
    prompts = [json.loads(line) for line in Path(argv[1]).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = outcomes([p for p in prompts if p.get("prompt_hash")])
    Path(argv[2]).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} synthetic outcomes for {len(prompts)} prompts to {argv[2]}")


if __name__ == "__main__":
    main(sys.argv)
