"""Task accuracy on the dev sets split into English and other-language lines (aggregate only).

    python -m mmaudit.categorise.data.by_language [MODEL.npz ...]   # default: the bundled model

Why: the concept tokens (`concepts.py`) were adopted for what they did to held-out writers'
non-English prompts; this says whether the dev sets' own non-English lines moved. A line counts
as English when at least 8% of the words of its last user message and system prompt are common
English stop words (a heuristic: Latin-script languages such as Spanish fall on the other side).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb

from mmaudit.categorise import apply_categories, default_model, load_rules
from mmaudit.categorise.dataset import eval_set_path, load_examples
from mmaudit.categorise.model import load_model
from mmaudit.jsonl import json_objects

STOP_WORDS = frozenset(["the", "and", "is", "to", "of", "a", "in", "for", "you", "this", "that", "with", "it", "my",
                        "me", "i", "are", "be", "on", "can", "what", "how", "please", "your", "an", "as", "do"])
SETS = ("dev_set.jsonl", "dev_set_b.jsonl")


def is_english(obj: dict) -> bool:
    messages = obj.get("messages") or [{"role": "user", "content": obj.get("user", "")}]
    users = [m.get("content") for m in messages if m.get("role") == "user" and isinstance(m.get("content"), str)]
    words = re.findall(r"[^\W\d_]+", f"{users[-1] if users else ''} {obj.get('system') or ''}".lower())
    return bool(words) and sum(w in STOP_WORDS for w in words) / len(words) >= 0.08


def split_accuracy(model: object, path: Path) -> dict[str, tuple[int, int]]:
    """{'en' | 'other': (lines, right)} for one labelled file."""
    objs = [obj for _number, obj in json_objects(path)]
    con = duckdb.connect()
    load_examples(con, path)
    apply_categories(con, "examples", load_rules(), model)
    got = [r[0] for r in con.execute("SELECT task FROM examples ORDER BY example_id").fetchall()]
    out: dict[str, tuple[int, int]] = {"en": (0, 0), "other": (0, 0)}
    for obj, task in zip(objs, got):
        key = "en" if is_english(obj) else "other"
        n, right = out[key]
        out[key] = (n + 1, right + (task == obj["task"]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path, help="model files (default: the bundled model)")
    args = parser.parse_args(argv)
    models = [(str(p), load_model(p)) for p in args.models] or [("bundled", default_model())]
    for name, model in models:
        for set_name in SETS:
            for key, (n, right) in split_accuracy(model, eval_set_path().with_name(set_name)).items():
                print(f"{name}  {set_name:16} {key:6} {n:4} lines  task {right / n:.1%}")


if __name__ == "__main__":
    main()
