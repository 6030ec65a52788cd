"""`benchmarks/profile_ingest.py` (quoted by the README's performance section) keeps working."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mmaudit.generate import generate

ROOT = Path(__file__).resolve().parents[1]


def test_profile_splits_an_ingest_into_parts_that_add_up(tmp_path: Path):
    logs = tmp_path / "calls.jsonl"
    generate(logs, 40, seed=3, log_format="openai-chat", text_share=1.0)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "profile_ingest.py"), str(logs), "--top", "40"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    lines = done.stdout.splitlines()
    assert re.match(r"40 calls loaded in [\d.]+ s", lines[0]), lines[0]
    seconds = {what.split(":")[0].split(" (")[0]: float(sec) for sec, what in
               (re.match(r"\s*([\d.]+)\s+[\d.]+%\s+(.*)", line).groups() for line in lines[2:])}
    statements = [line for line in lines[2:] if "SQL: " in line]
    assert len(statements) == 40
    # a file this small is read in a batch (ingest/batching.py): its detection and staging are timed too
    assert any("from_json(line, $s" in line for line in statements)  # detection
    assert any("TEMP TABLE _staged AS SELECT" in line for line in statements)  # the format's projection
    assert "categoriser model" in seconds and seconds["categoriser model"] > 0
    total = float(re.search(r"in ([\d.]+) s", lines[0]).group(1))
    parts = seconds["all SQL statements"] + seconds["categoriser model"] + seconds["concept tokens"] + seconds["the rest"]
    assert abs(parts - total) < 0.03  # each printed to 0.01 s (the four parts and the total: at most 0.025 apart)
