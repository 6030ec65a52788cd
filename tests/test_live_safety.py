"""Live runs send nothing they should not: redacted calls, unconfirmed runs, keys, unknown models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
from live_fixtures import KEY, SECRET_PROMPTS, gateway, invoke, logged, logged_template  # noqa: F401 (fixtures)
from test_live_run import query, run, sample


def secret_lines(db: Path) -> list[dict]:
    call_id, prompt_hash = query(db, "SELECT call_id, prompt_hash FROM calls WHERE text_redacted")[0]
    text = SECRET_PROMPTS[0][1]
    return [
        {"call_id": call_id, "user": text},  # by call_id, text supplied by the file
        {"prompt_hash": prompt_hash, "user": text},  # by prompt_hash
        {"call_id": "not-a-logged-id", "user": text},  # the text hashes to the redacted call's prompt
    ]


def test_redacted_calls_are_refused_whatever_the_file_says(logged, gateway, tmp_path):
    prompts = sample(logged, tmp_path)
    with open(prompts, "a") as fh:
        for line in secret_lines(logged):
            fh.write(json.dumps(line) + "\n")
    result = run(logged, prompts, "--yes", "--format", "json", models="gpt-4o-mini")
    assert result.exit_code == 0, result.output
    assert "refused: 3 stored with --redact-text" in result.stderr
    assert len(json.loads(result.stdout)["refused"]) == 3
    assert not any("Confidential" in json.dumps(r["messages"]) for r in gateway.sent())
    assert query(logged, "SELECT count(*) FROM evals")[0][0] == 5


def test_calls_stored_before_the_redaction_flag_count_as_redacted(logged, gateway, tmp_path):
    prompts = sample(logged, tmp_path)
    con = duckdb.connect(str(logged))
    con.execute(
        "UPDATE calls SET text_redacted = NULL WHERE user_prompt LIKE 'Reply%' OR system_prompt LIKE 'Reply%'"
    )
    con.close()
    result = run(logged, prompts, "--yes", models="gpt-4o-mini")
    assert result.exit_code == 0, result.output
    assert "refused: 1" in result.stderr
    assert not any("widgets" in json.dumps(r["messages"]) for r in gateway.sent())


def test_without_yes_and_without_a_terminal_nothing_is_sent_or_stored(logged, gateway, tmp_path):
    result = run(logged, sample(logged, tmp_path), models="gpt-4o-mini")
    assert result.exit_code == 1
    assert "nothing sent, nothing stored" in result.stderr
    assert "projected cost" in result.stderr and "worst case" in result.stderr
    assert gateway.sent() == []
    assert query(
        logged,
        "SELECT (SELECT count(*) FROM evals), (SELECT count(*) FROM eval_runs),"
        " (SELECT count(*) FROM live_requests)",
    ) == [(0, 0, 0)]


def test_no_api_key_in_the_database_or_the_output(logged, gateway, tmp_path):
    gateway.script["gpt-4o-mini"] += [("echo_auth", 401)]  # an error body quoting the Authorization header
    result = run(logged, sample(logged, tmp_path), "--yes", "--concurrency", "1", models="gpt-4o-mini")
    assert result.exit_code == 2, result.output
    assert "refused the credentials, nothing more was sent" in result.stderr
    assert len(gateway.sent()) == 1
    assert gateway.sent()[0]["authorization"] == f"Bearer {KEY}"  # the key did reach the gateway
    errors = query(logged, "SELECT error FROM live_requests WHERE status = 'stopped'")
    assert len(errors) == 1 and "auth" in errors[0][0] and "[redacted]" in errors[0][0]
    assert KEY not in result.stdout + result.stderr
    for path in logged.parent.glob("audit.duckdb*"):
        assert KEY.encode() not in path.read_bytes()


def test_unknown_model_is_refused_before_anything_is_sent(logged, gateway, tmp_path):
    result = run(logged, sample(logged, tmp_path), "--yes", models="gpt-4o-minny")
    assert result.exit_code == 2
    assert "no price" in result.stderr and "closest: gpt-4o-mini" in result.stderr
    assert gateway.sent() == []


def test_missing_live_extra_names_the_install_command(logged, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "litellm" else real(name, *a)
    )
    result = run(logged, sample(logged, tmp_path), "--yes", models="gpt-4o-mini")
    assert result.exit_code == 2
    assert "pip install 'mmaudit[live]'" in result.stderr


def test_the_core_cli_does_not_import_litellm():
    code = (
        "import sys; from mmaudit.cli import app; import mmaudit.cli.live_cmd, mmaudit.live.runner;"
        " print('litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_rubric_scores_map_the_declared_scale_and_reject_scores_outside_it(logged, gateway, tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(
        "name: helpful\nscale: {min: 1, max: 10}\nsuccess_threshold: 7\n"
        "criteria: Is the answer correct and complete?\n"
    )
    verdicts = iter(['{"score": 8}', '{"score": 11}', '{"score": 4}', '{"score": 10}', '{"score": 1}'])
    gateway.judge = lambda prompt: next(verdicts)
    result = run(
        logged,
        sample(logged, tmp_path),
        "--yes",
        "--rubric",
        str(rubric),
        "--concurrency",
        "1",
        "--format",
        "json",
        models="gpt-4o-mini",
    )
    assert result.exit_code == 0, result.output
    rows = sorted(
        query(logged, "SELECT score, success, grader FROM evals"), key=lambda r: (r[0] is None, r[0] or 0)
    )
    assert [(r[0], r[1]) for r in rows] == [
        (0.0, False),
        (3 / 9, False),
        (7 / 9, True),
        (1.0, True),
        (None, None),
    ]
    assert rows[0][2] == "rubric:helpful:gpt-4o"
    assert json.loads(result.stdout)["judge_failures"] == 1


def test_a_bad_rubric_file_names_the_key(logged, tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("name: x\nscale: {min: 5, max: 1}\nsuccess_threshold: 3\ncriteria: c\n")
    result = run(logged, sample(logged, tmp_path), "--yes", "--rubric", str(rubric), models="gpt-4o-mini")
    assert result.exit_code == 2
    assert "rubric.yaml" in result.stderr and "scale" in result.stderr


def test_two_names_for_one_model_are_refused(logged, gateway, tmp_path):
    result = run(logged, sample(logged, tmp_path), "--yes", models="gpt-4o-mini,openai/gpt-4o-mini")
    assert result.exit_code == 2
    assert "all resolve to gpt-4o-mini" in result.stderr
    assert gateway.sent() == []


def test_another_rubric_never_reuses_the_first_rubrics_verdicts(logged, gateway, tmp_path):
    prompts = sample(logged, tmp_path)
    for name, verdict in (("first", '{"score": 2}'), ("second", '{"score": 5}')):
        rubric = tmp_path / f"{name}.yaml"
        rubric.write_text(f"name: {name}\nscale: {{min: 1, max: 5}}\nsuccess_threshold: 4\ncriteria: c\n")
        gateway.judge = lambda prompt, v=verdict: v
        result = run(logged, prompts, "--yes", "--rubric", str(rubric), models="gpt-4o-mini")
        assert result.exit_code == 0, result.output
    rows = query(logged, "SELECT grader, min(score), max(score), count(*) FROM evals GROUP BY 1 ORDER BY 1")
    assert rows == [("rubric:first:gpt-4o", 0.25, 0.25, 5), ("rubric:second:gpt-4o", 1.0, 1.0, 5)]
    assert len(gateway.sent("candidate")) == 5  # the answers were reused, the verdicts were not


def test_on_a_terminal_the_run_asks_and_sends_only_after_yes(logged, gateway, tmp_path):
    import os
    import pty

    prompts = sample(logged, tmp_path)
    env = {**os.environ, "OPENAI_BASE_URL": gateway.url, "OPENAI_API_KEY": KEY}
    command = [sys.executable, "-m", "mmaudit", "evals", "run", "--sample", str(prompts), "--models", "gpt-4o-mini",
               "--db", str(logged), "--format", "json"]
    for answer, code, sent in (("n", 1, 0), ("y", 0, 5)):
        primary, secondary = pty.openpty()
        try:
            proc = subprocess.run(command, stdin=secondary, input=None, capture_output=True, text=True, env=env,
                                  timeout=120, preexec_fn=lambda: os.write(primary, f"{answer}\n".encode()))
        finally:
            os.close(primary)
            os.close(secondary)
        assert "Send 5 requests" in proc.stderr
        assert proc.returncode == code, proc.stderr
        assert len(gateway.sent("candidate")) == sent


def test_a_missing_database_is_an_input_error_and_is_not_created(tmp_path, gateway):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"call_id": "x", "user": "hi"}\n')
    result = run(tmp_path / "nope.duckdb", prompts, "--yes", models="gpt-4o-mini")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "nope.duckdb").exists() and gateway.sent() == []


def test_a_broken_sample_line_names_file_and_line(logged, gateway, tmp_path):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"call_id": "chatcmpl-000000", "user": "hi"}\n{"call_id": \n')
    result = run(logged, prompts, "--yes", models="gpt-4o-mini")
    assert result.exit_code == 2 and "p.jsonl:2: not valid JSON" in result.stderr
    no_id = tmp_path / "q.jsonl"
    no_id.write_text('{"user": "hi"}\n')
    result = run(logged, no_id, "--yes", models="gpt-4o-mini")
    assert result.exit_code == 2 and "q.jsonl:1: a sample line needs a 'call_id' or a 'prompt_hash'" in result.stderr
    assert gateway.sent() == []
