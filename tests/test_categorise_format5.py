"""Text version 5 (instruction words, crossed shape tokens) and material swaps (augment.py)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np

from mmaudit.categorise.augment import SWAP_WEIGHT, material_swaps, split_instruction
from mmaudit.categorise.sql import model_text_sql
from mmaudit.categorise.training import cv_splits, fit_side, labelled_texts, material_swap_texts

DOC_A = "Clause 4.2: the supplier delivers within ten working days of the order. " * 12
DOC_B = "Patch notes: fixed the crash on login, faster sync, new dark mode toggle. " * 12


def model_text(user: str, system: str | None, version: int, *, turns: int = 1, out: int | None = 10,
               task: str = "summarization") -> str:
    """One call's model text as `model_text_sql` builds it."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (user_prompt VARCHAR, system_prompt VARCHAR, n_messages INT, n_tools INT,"
                " response_format VARCHAR, has_image BOOLEAN, task VARCHAR, category_source VARCHAR,"
                " category_confidence DOUBLE, output_tokens INT, complexity VARCHAR)")
    con.execute("INSERT INTO t VALUES (?, ?, ?, 0, NULL, false, ?, 'rules', 0.5, ?, 'simple')",
                [user, system, turns, task, out])
    return con.execute(f"SELECT {model_text_sql('t', version)} FROM t").fetchone()[0]


def test_earlier_versions_read_as_before() -> None:
    """Format 2-4 model files still apply, so their texts must not move with version 5's SQL (the
    strings below are what the code before version 5 built; checked on every dev and eval line)."""
    args = ("Please translate this\nto French: good morning", "You help travellers.")
    assert model_text(*args, 4, out=12, task="translation") == (
        "ssYou sshelp sstravellers.\nqqPlease qqtranslate qqthis\nqqto qqFrench: qqgood qqmorning zzturns1"
        " zztools0 zzfmtnone zzrule_translation zzsrc_rules zzrconf2 zzout1 zzcx_simple zzulen0 zzslen1")
    assert model_text(*args, 2, out=12, task="translation") == (
        "You help travellers.\nPlease translate this\nto French: good morning zzturns1 zztools0 zzfmtnone"
        " zzrule_translation zzsrc_rules zzrconf2 zzout1")


def test_version_5_is_version_4_plus_crosses_and_the_end_words() -> None:
    user = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    v4 = model_text(user, "You are terse.", 4)
    v5 = model_text(user, "You are terse.", 5, out=200)
    # 106 chars of user text -> ulen bucket 1; 200 output tokens -> out bucket 3; one turn; a 14-char
    # system prompt -> slen bucket 1.
    assert v5.startswith(v4.replace("zzout1", "zzout3"))
    tail = v5[len(v4):].split()
    assert tail[:3] == ["zzx1_3", "zzxsummarization_1", "zzx1_1"]
    words = user.split()
    assert tail[3:] == ["ii" + w for w in words[:8] + words[-8:]]


def test_version_5_reads_the_ends_of_the_cut_message_only() -> None:
    user = "Summarise this for the board please.\n\n" + DOC_A + "\n\nKeep it to three bullets."
    text = model_text(user, None, 5)
    ii = [t for t in text.split() if t.startswith("ii")]
    assert ii[:8] == ["ii" + w for w in "Summarise this for the board please. Clause 4.2:".split()]
    assert ii[-5:] == ["iiKeep", "iiit", "iito", "iithree", "iibullets."]
    assert len(user) == 929 and " zzx2_1 " in text  # ulen bucket 2 (250-999 chars) x out bucket 1 (10-39 tokens)
    short = model_text("hi", None, 5, out=None)
    assert short.split()[-2:] == ["iihi", "iihi"] and " zzx0_na " in short


def test_split_instruction_finds_one_short_end() -> None:
    head = split_instruction("TL;DR please\n\n" + DOC_A)
    assert head is not None and head.where == "head" and head.instruction == "TL;DR please"
    tail = split_instruction(DOC_A + "\n\nwhat is the delivery deadline?")
    assert tail is not None and tail.where == "tail" and tail.material == DOC_A
    assert split_instruction(DOC_A) is None  # one paragraph
    assert split_instruction("short\n\n" + DOC_A + "\n\nalso short") is None  # both ends short
    assert split_instruction("TL;DR please\n\ntoo little material") is None


def _line(author: str | None, task: str, user: str, **extra: object) -> dict:
    return {"author": author, "task": task, "complexity": "moderate", "user": user, "weight": 2, "family": f"f-{task}", **extra}


def test_material_swaps_stay_within_an_author_and_take_another_tasks_material() -> None:
    objs = [
        _line("ann", "summarization", "TL;DR please\n\n" + DOC_A),
        _line("ann", "summarization", DOC_A + "\n\nsum it up"),  # same task as line 0: skipped as its partner
        _line("ann", "qa", DOC_B + "\n\nwhat changed for login?", system="You answer from the notes."),
        _line("bob", "code", "fix this\n\n" + DOC_B),  # bob has no line of another task: no swap
        _line(None, "qa", "what?\n\n" + DOC_A),  # no author: never swapped
    ]
    swaps = material_swaps(objs)
    assert [source for source, _copy in swaps] == [0, 1, 2]
    first = swaps[0][1]
    assert first["user"] == "TL;DR please\n\n" + DOC_B and first["task"] == "summarization"
    assert "complexity" not in first and first["weight"] == SWAP_WEIGHT * 2 and first["family"] == "f-summarization-swap"
    assert swaps[1][1]["user"] == DOC_B + "\n\nsum it up"
    third = swaps[2][1]  # keeps its system prompt and instruction, takes line 0's material (next of another task)
    assert third["user"] == DOC_A + "\n\nwhat changed for login?" and third["system"] == "You answer from the notes."
    assert material_swaps(objs) == swaps  # deterministic


def test_swaps_join_only_the_fit_side_of_their_source(tmp_path: Path) -> None:
    objs = [
        _line("ann", "summarization", "TL;DR please\n\n" + DOC_A),
        _line("ann", "qa", DOC_B + "\n\nwhat changed for login?"),
        _line("bob", "summarization", "gist?\n\n" + DOC_B),
        _line("bob", "extraction", DOC_A + "\n\nlist every deadline as JSON"),
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in objs) + "\n", encoding="utf-8")
    data = labelled_texts(path)
    swaps = material_swap_texts(objs)
    assert swaps is not None and list(swaps.sources) == [0, 1, 2, 3]
    _k, splits = cv_splits(data, 2)
    for fit_idx, test_idx in splits:
        fit = fit_side(data, swaps, fit_idx)
        fit_authors = {data.authors[i] for i in fit_idx}
        assert len(fit.texts) == 2 * len(fit_idx)  # each fit line and its own swap, nothing of the held-out writer
        assert set(fit.authors) == fit_authors and not fit_authors & {data.authors[i] for i in test_idx}
        assert fit.complexities[len(fit_idx):] == [None] * len(fit_idx)  # swaps never train the complexity head
        swapped = [t for t in fit.texts[len(fit_idx):]]
        assert all(t in swaps.data.texts for t in swapped)
    everything = fit_side(data, swaps, np.arange(4))
    assert everything.labels == data.labels + ["summarization", "qa", "summarization", "extraction"]


def test_training_keys_of_the_wrong_type_are_named_not_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mmaudit.cli import app

    cases = {"weight": ("heavy", "'weight' must be a number >= 0"), "author": (["ann"], "'author' must be a string")}
    for key, (bad, message) in cases.items():
        path = tmp_path / f"{key}.jsonl"
        good = _line("ann", "qa", "what is the deadline?")
        path.write_text(json.dumps(good) + "\n" + json.dumps({**good, key: bad}) + "\n", encoding="utf-8")
        result = CliRunner().invoke(app, ["categorize", "train", str(path), "--db", str(tmp_path / "x.duckdb")])
        assert result.exit_code == 2, result.output
        assert f"{path}:2: {message}" in result.output and "Traceback" not in result.output
