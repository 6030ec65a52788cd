"""The generator's prompt variety: mostly distinct texts plus a realistic share of exact repeats
(benchmarks must pay for categorising real, mostly unique prompts; issue #8)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from mmaudit.generate import SLOTS, TEMPLATES, generate


def _prompts(path: Path) -> list[str]:
    """System + user text of every call, as the prompt hash would key them."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        msgs = json.loads(line)["request"]["messages"]
        out.append("\n".join(m["content"] for m in msgs))
    return out


def test_every_template_fills_all_its_slots():
    rnd = random.Random(3)
    for template in TEMPLATES:
        assert set(template.slots) <= set(SLOTS)
        for _ in range(20):
            prompt = template.fill(rnd)
            assert "{" not in prompt.user, prompt.user
            assert (prompt.task, prompt.complexity) == (template.task, template.complexity)


def test_most_prompts_are_distinct_and_some_repeat_exactly(tmp_path):
    path = tmp_path / "g.jsonl"
    generate(path, 20_000, seed=11, log_format="openai-chat")
    prompts = _prompts(path)
    counts = Counter(prompts)
    unique_share = sum(1 for p in prompts if counts[p] == 1) / len(prompts)
    repeat_share = (len(prompts) - len(counts)) / len(prompts)
    assert unique_share >= 0.7
    assert 0.08 <= repeat_share <= 0.22


def test_same_seed_same_bytes_other_seed_other_prompts(tmp_path):
    a, b, c = (tmp_path / f"{n}.jsonl" for n in "abc")
    generate(a, 2000, seed=5, log_format="openai-chat")
    generate(b, 2000, seed=5, log_format="openai-chat")
    generate(c, 2000, seed=6, log_format="openai-chat")
    assert a.read_bytes() == b.read_bytes()
    assert _prompts(a) != _prompts(c)


def test_text_share_makes_the_rest_metadata_only_and_changes_nothing_else(tmp_path):
    full, part = tmp_path / "full.jsonl", tmp_path / "part.jsonl"
    generate(full, 2_000, seed=5, log_format="openai-chat")
    generate(part, 2_000, seed=5, log_format="openai-chat", text_share=0.3)
    a = [json.loads(x) for x in full.read_text(encoding="utf-8").splitlines()]
    b = [json.loads(x) for x in part.read_text(encoding="utf-8").splitlines()]
    with_text = sum("messages" in r["request"] for r in b)
    assert 0.25 * 2_000 < with_text < 0.35 * 2_000
    for x, y in zip(a, b, strict=True):
        assert x["timestamp"] == y["timestamp"] and x.get("response", {}).get("usage") == y.get("response", {}).get("usage")
        if "messages" not in y["request"]:
            assert all(c["message"]["content"] is None for c in y.get("response", {}).get("choices", []))
