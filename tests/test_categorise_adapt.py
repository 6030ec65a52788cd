"""`mmaudit categorize adapt FILE`: complexity cut points fitted to a team's own labels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from mmaudit.categorise.adapt import fit_bias
from mmaudit.categorise.arrays import read_arrays
from mmaudit.cli import app

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "mmaudit" / "categorise" / "data"


def test_bias_recovers_the_label_shares_by_hand():
    """With equal decision values and a flat prior, the fitted biases are the log-odds of the
    labels: 30 lines of one level and 10 of another differ by log 3."""
    truth = np.array([0] * 30 + [1] * 10)
    bias = fit_bias(np.zeros((40, 2)), truth, prior_sd=1e3)
    assert math.isclose(bias[0] - bias[1], math.log(3), abs_tol=1e-4)


def test_the_prior_keeps_a_few_lines_from_moving_the_cut_points_far():
    few = fit_bias(np.zeros((4, 2)), np.array([0, 0, 0, 1]))
    many = fit_bias(np.zeros((400, 2)), np.array([0] * 300 + [1] * 100))
    assert 0 < few[0] - few[1] < many[0] - many[1] < math.log(3)


def test_adapting_to_dev_set_a_authors_convention(tmp_path: Path):
    """Dev set A's author calls *moderate* what the writers call *simple* (docs/categorisation.md):
    adapted to that author's labels, the model's complexity follows them on lines it did not fit
    on (cross-fitted), the task head is untouched, and re-running gives the same model."""
    out = tmp_path / "adapted.npz"
    db = ["--db", str(tmp_path / "audit.duckdb")]  # no model beside it: the bundled one is adapted
    done = runner.invoke(app, ["categorize", "adapt", str(DATA / "dev_set.jsonl"), *db, "--out", str(out), "-f", "json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    # dev A's 2 embedding, 1 audio and 4 image lines keep the rules' level: not fitted on
    assert data["source"] == "the bundled model" and data["lines"] == 236 and data["skipped"] == 7
    assert data["accuracy_after_cross_fitted"] > data["accuracy_before"] + 0.04
    levels = {row["level"]: row for row in data["levels"]}
    assert list(levels) == ["simple", "moderate", "complex"]
    assert levels["moderate"]["recall_after"] > levels["moderate"]["recall_before"]
    assert levels["moderate"]["bias"] > levels["simple"]["bias"]
    first = read_arrays(out)
    assert str(first["cx_adapted_set"]) == "dev_set.jsonl" and int(first["cx_adapted_n"]) == 236

    again = runner.invoke(app, ["categorize", "adapt", str(DATA / "dev_set.jsonl"), "--model-file", str(out),
                                "--out", str(out), "-f", "json"])
    assert again.exit_code == 0, again.output
    assert np.allclose(read_arrays(out)["cx_intercept"], first["cx_intercept"])  # idempotent

    evals = {}
    for model in (None, out):
        args = ["categorize", "eval", str(DATA / "dev_set_b.jsonl"), "-f", "json"]
        evals[model] = json.loads(runner.invoke(app, args + ([] if model is None else ["--model-file", str(model)])).stdout)
    assert evals[out]["mode"] == f"rules + model {out} (complexity adapted to dev_set.jsonl (236 lines))"
    assert evals[out]["task_accuracy"] == evals[None]["task_accuracy"]  # the task head is unchanged
    assert evals[out]["confusion"] == evals[None]["confusion"]
    assert evals[out]["complexity_confusion"] != evals[None]["complexity_confusion"]


def test_adapt_beside_the_database_is_what_ingest_uses(tmp_path: Path):
    db = tmp_path / "audit.duckdb"
    done = runner.invoke(app, ["categorize", "adapt", str(DATA / "dev_set.jsonl"), "--db", str(db), "-f", "markdown"])
    assert done.exit_code == 0, done.output
    assert "adapted model written to" in done.stdout and (tmp_path / "mmaudit.categoriser.npz").exists()
    assert "| Level | Labelled lines | Recall before | Recall after (cross-fitted) | Bias added |" in done.stdout
    assert "| **all levels (accuracy)** | **236** |" in done.stdout


def test_adapt_input_errors_exit_2(tmp_path: Path):
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({"user": f"question {i}?", "task": "qa", "complexity": "simple"}) + "\n"
                           for i in range(3)))
    capital = tmp_path / "capital.jsonl"
    capital.write_text("".join(json.dumps({"user": f"question {i}?", "task": "qa", "complexity": "Simple"}) + "\n"
                               for i in range(12)))
    legacy = tmp_path / "old.joblib"
    legacy.write_bytes(b"not a model")
    cases = [
        ([str(few), "--db", str(tmp_path / "x.duckdb")], "at least 10 lines with a complexity label"),
        ([str(capital), "--db", str(tmp_path / "x.duckdb")], "capital.jsonl:1: 'complexity' must be simple, moderate "
                                                             "or complex (or absent), found 'Simple' (did you mean 'simple'?)"),
        ([str(DATA / "dev_set.jsonl"), "--model-file", str(tmp_path / "missing.npz")], "model file not found"),
        ([str(DATA / "dev_set.jsonl"), "--model-file", str(legacy)], "only models in the arrays format"),
        ([str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "x.duckdb")], "nope.jsonl"),
    ]
    for args, message in cases:
        done = runner.invoke(app, ["categorize", "adapt", *args])
        assert done.exit_code == 2, (args, done.output)
        assert message in done.output, (args, done.output)
        assert "Traceback" not in done.output


def test_learning_curve_script_prints_the_gain_per_size(capsys):
    from mmaudit.categorise.data.adapt_curve import main

    main([str(DATA / "dev_set.jsonl"), "--sizes", "25", "--draws", "3"])
    out = capsys.readouterr().out
    assert out.startswith("dev_set.jsonl: 236 lines, complexity ")
    assert "fitted on   25 lines: +" in out  # dev A's author: every draw gains
