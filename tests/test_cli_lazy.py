"""The root `mmaudit` group lists its commands without importing them (mmaudit/cli/lazy.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.cli.lazy import COMMANDS, load

runner = CliRunner()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_line_is_the_commands_own_help(name):
    command = load(name)
    own = command.short_help or (command.help or "").strip().split("\n\n")[0]
    assert " ".join(own.split()) == COMMANDS[name][1]


def test_help_lists_every_command_and_each_command_still_runs():
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for name, (_, line) in COMMANDS.items():
        assert name in listed.output and line[:40] in listed.output
    assert runner.invoke(app, ["formats", "--format", "json"]).exit_code == 0
    assert runner.invoke(app, ["evals", "run", "--help"]).exit_code == 0
    assert runner.invoke(app, ["categorize", "label", "--help"]).exit_code == 0


def test_help_imports_no_engine():
    code = ("import sys; from typer.main import get_command; from mmaudit.cli import app; "
            "cmd = get_command(app); cmd.main(['--help'], standalone_mode=False); "
            "heavy = sorted(m for m in ('duckdb', 'pyarrow', 'pandas', 'sklearn', 'pydantic') if m in sys.modules); "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
