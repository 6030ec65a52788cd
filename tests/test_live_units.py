"""The live-run pieces that need no gateway: verdict folding, rubric parsing, scrubbing, the budget, docs."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from live_fixtures import invoke
from mmaudit.live.budget import Budget, BudgetExhausted, Pricer, input_bound
from mmaudit.live.grading import Rubric, fold, inconsistent, parse_winner
from mmaudit.live.secrets import public_url, scrub

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("as_a", "as_b", "score"),
    [("A", "B", 1.0), ("B", "A", 0.0), ("A", "A", 0.5), ("B", "B", 0.5), ("tie", "tie", 0.5), ("A", "tie", 0.75),
     ("tie", "A", 0.25), (None, "B", None), ("A", None, None)],
)
def test_both_orders_fold_into_one_score(as_a, as_b, score):
    assert fold(as_a, as_b) == score


def test_same_position_twice_is_flagged_as_position_bias():
    assert inconsistent("A", "A") and inconsistent("B", "B")
    assert not inconsistent("A", "B") and not inconsistent("tie", "tie") and not inconsistent(None, None)


@pytest.mark.parametrize(
    ("reply", "winner"),
    [('{"winner": "A", "reason": "x"}', "A"), ('Sure! {"winner": "b"}', "B"), ('{"winner": "TIE"}', "tie"),
     ("A", "A"), ("I like both", None), ('{"winner": "C"}', None), ('{"winner": 1}', None), ("", None)],
)
def test_parse_winner(reply, winner):
    assert parse_winner(reply) == winner


def test_rubric_maps_its_scale_and_refuses_scores_off_it():
    rubric = Rubric(name="r", scale={"min": 1, "max": 5}, success_threshold=4, criteria="c")
    assert rubric.parse('{"score": 4}') == (0.75, True)
    assert rubric.parse('{"score": 1}') == (0.0, False)
    assert rubric.parse('{"score": 6}') == (None, None)
    assert rubric.parse('{"score": true}') == (None, None)
    assert rubric.parse("four") == (None, None)


def test_scrub_masks_configured_keys_and_credential_shapes(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "anthropic-secret-value-123")
    text = ("key anthropic-secret-value-123, header Bearer abc.def-ghi123, sk-proj-ABCDEFGH12345678, "
            'api_key="zzzz9999"')
    out = scrub(text)
    assert "anthropic-secret-value-123" not in out and "abc.def-ghi123" not in out
    assert "sk-proj-ABCDEFGH12345678" not in out and "zzzz9999" not in out
    assert public_url("https://user:pw@gw.example:8443/v1?key=s") == "https://gw.example:8443/v1"


def test_input_bound_is_bytes_plus_framing():
    messages = [{"role": "system", "content": "héllo"}, {"role": "user", "content": "abc"}]
    assert input_bound(messages) == 6 + 3 + 2 * 8 + 16


def test_budget_reserves_worst_cases_and_refuses_what_could_pass_it():
    budget = Budget(Decimal("1.00"))
    first = budget.reserve(Decimal("0.60"))
    with pytest.raises(BudgetExhausted):
        budget.reserve(Decimal("0.50"))  # 0.60 reserved + 0.50 > 1.00
    budget.settle(first, Decimal("0.10"), "candidate")
    budget.reserve(Decimal("0.50"))  # 0.10 spent + 0.50 fits
    assert budget.spent == Decimal("0.10") and budget.left() == Decimal("0.40")


def test_pricer_uses_mmaudit_prices_and_resolves_aliases():
    pricer = Pricer()
    try:
        assert pricer.resolve("openai/gpt-4o-mini") == pricer.resolve("gpt-4o-mini") == "gpt-4o-mini"
        # $0.15 / $0.60 per 1M tokens
        assert pricer.cost("gpt-4o-mini", 1000, 100) == Decimal("0.00015") + Decimal("0.00006")
        assert pricer.total([("gpt-4o-mini", 1000, 100), ("gpt-4o-mini", 0, 1000)]) == Decimal("0.00081")
    finally:
        pricer.close()


def test_docs_parse_and_name_only_options_the_commands_have():
    helps = "".join(invoke(*cmd, "--help").stdout for cmd in
                    (["evals", "run"], ["evals", "sample"], ["evals", "import"], ["evals", "hash"],
                     ["categorize", "label"], ["categorize", "train"], ["simulate"], ["ingest"]))
    for name in ("live.md", "evals.md"):
        tokens = MarkdownIt().enable("table").parse((DOCS / name).read_text(encoding="utf-8"))
        code = " ".join(t.content for t in tokens if t.type in ("fence", "inline"))
        for option in set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", code)) - {"--redact-text"}:
            assert option in helps, f"{name} mentions {option}, which none of its commands has"


def test_the_live_package_is_found_by_setuptools():
    """Without __init__.py, `packages.find` skips the directory and a wheel ships without it."""
    from setuptools import find_packages

    root = Path(__file__).resolve().parents[1]
    assert "mmaudit.live" in find_packages(str(root), include=["mmaudit*"])
