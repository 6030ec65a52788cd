"""The composite action's script (.github/actions/mmaudit-gate/gate.sh) run locally: the base
branch's policy from git against the pull request's, gates, step summary and the PR comment
(dry run: written to a file, never posted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_gates import _db, _policy

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".github" / "actions" / "mmaudit-gate" / "gate.sh"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


def _run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # this venv's mmaudit
    return subprocess.run(["bash", str(SCRIPT)], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "MMAUDIT_DRY_RUN": "1",
                               "PR_NUMBER": "7", "GITHUB_REPOSITORY": "acme/llm", **env})


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_gate_script_compares_base_and_pr_policies_and_writes_the_comment(tmp_path: Path) -> None:
    db, prices = _db(tmp_path, _calls())
    repo = tmp_path / "repo"
    policy = _policy(repo / "policies" / "routing.yaml")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base policy")
    _git(repo, "checkout", "-q", "-b", "pr")
    doc = yaml.safe_load(policy.read_text())
    doc["routes"] = [{"when": {"task": ["classification"]}, "tier": "fast"}, {"default": "general"}]
    policy.write_text(yaml.safe_dump(doc))
    summary, out = tmp_path / "summary.md", tmp_path / "out"
    env = {"MMAUDIT_POLICY": "policies/routing.yaml", "MMAUDIT_BASE_REF": "main", "MMAUDIT_DB": str(db),
           "MMAUDIT_FAIL_IF": "savings_pct < 30\n\nquality_risk_calls > 5", "MMAUDIT_OUT_DIR": str(out),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
           "MMAUDIT_EXTRA_ARGS": f"--prices {prices}"}
    done = _run(repo, env)
    assert done.returncode == 0, done.stderr
    comment = json.loads((out / "comment.json").read_text())["body"]
    assert comment.startswith("## mmaudit policy gate: PASS")
    assert "- gate passed: savings_pct < 30: actual savings_pct = 45.0%" in comment
    assert "routing (base/routing.yaml)" in comment and "routing (policies/routing.yaml)" in comment
    assert "Δ Projected cost (USD)" in comment
    assert "**mmaudit simulate: PASS** (2 gates passed)" in summary.read_text()
    assert (tmp_path / "output.txt").read_text().strip() == "verdict=PASS"

    failing = _run(repo, {**env, "MMAUDIT_FAIL_IF": "savings_pct < 50"})
    assert failing.returncode == 1
    assert json.loads((out / "comment.json").read_text())["body"].startswith("## mmaudit policy gate: FAIL")

    empty = _run(repo, {**env, "MMAUDIT_PERIOD": "2024-Q1"})
    assert empty.returncode == 1 and "0 calls in 2024-Q1" in json.loads((out / "comment.json").read_text())["body"]


def _calls() -> list[dict]:
    from tests.test_simulate import call
    return [call(1, "classification", "simple"), call(2)]
