"""The README's commands run as written, in order, in a fresh directory that holds what a clone
holds (sample_logs/, policies/). `mmaudit` commands go through Typer's CliRunner (fast, same
code); other shell commands run in a shell; installs and the test suite itself are skipped.
Every table the README shows under a `--format markdown` command is that command's output: each
of its rows must be a line the command printed, so a figure cannot go stale when the code moves."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmaudit.cli import app

ROOT = Path(__file__).resolve().parents[1]
SKIP = ("python3 -m pip install", "python3 -m pytest", "python3 benchmarks/run.py", "python3 -m mmaudit.categorise",
        "python benchmarks/run.py", "python -m mmaudit.categorise")


def readme_commands(text: str) -> list[str]:
    """Commands of ```bash blocks (split at &&) and inline code that runs against sample.duckdb,
    in the order they appear."""
    return [c for _, c in _placed_commands(text)]


def _placed_commands(text: str) -> list[tuple[int, str]]:
    """(offset of the block or span, command) in README order; installs and the suite left out."""
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"```bash\n(.*?)```", text, re.S):
        for line in block.group(1).splitlines():
            found += [(block.start(), part.strip()) for part in line.split("&&") if part.strip()]
    for span in re.finditer(r"(?<!`)`([^`\n]+)`(?!`)", text):
        command = span.group(1).strip()
        if "sample.duckdb" in command and command.startswith(("mmaudit ", "python3 -c")):
            found.append((span.start(), command))
    found.sort(key=lambda item: item[0])
    return [(at, c) for at, c in found if not c.startswith(SKIP)]


def shown_tables(text: str) -> list[tuple[str, list[str]]]:
    """(command, the rows of a markdown table shown after it) for each table whose nearest
    command above is a `--format markdown` one (the last command of a block is the one shown)."""
    placed = _placed_commands(text)
    shown = []
    for table in re.finditer(r"(?m)^(?:\|.*\|\n)+", text):
        above = [c for at, c in placed if at < table.start()]
        if above and "--format markdown" in above[-1]:
            rows = [r for r in table.group(0).splitlines() if not re.fullmatch(r"[|\-: ]+", r)]
            shown.append((above[-1], rows))
    return shown


def test_readme_lists_the_commands_a_new_user_runs() -> None:
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert commands[0].startswith("mmaudit ingest sample_logs/")
    assert any(c.startswith("mmaudit simulate") and "--format markdown" in c for c in commands)
    assert not any(c.startswith("duckdb ") for c in commands)  # the DuckDB CLI is not installed by pip
    for command in commands:
        if command.startswith("mmaudit ") and command.split()[1] in ("calls", "simulate", "report", "audit"):
            assert "--db sample.duckdb" in command, command


def test_readme_commands_run_in_order_on_a_fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("sample_logs", "policies"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    printed: dict[str, list[str]] = {}
    for command in readme_commands(text):
        if command.startswith("mmaudit "):
            done = runner.invoke(app, shlex.split(command, comments=True)[1:])
            assert done.exit_code == 0, (command, done.output[-2000:])
            printed[command] = done.stdout.splitlines()
        else:
            env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            shell = subprocess.run(command.replace("python3 ", f"{sys.executable} ", 1), shell=True, cwd=tmp_path,
                                   capture_output=True, text=True, env=env, timeout=120)
            assert shell.returncode == 0, (command, shell.stderr[-2000:])
    tables = shown_tables(text)
    assert len(tables) >= 6, "the README's audit, report, simulate and quality tables are checked"
    for command, rows in tables:
        stale = [row for row in rows if row not in printed[command]]
        assert not stale, (command, stale)
