"""Hostile config files (policies, categorisation rules, price tables), generated in code: each
is rejected with exit 2 naming the file and key path, or handled safely; `calls` stays intact."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit.cli import app

REPO = Path(__file__).resolve().parents[1]
POLICY = (REPO / "policies" / "tiers.yaml").read_text(encoding="utf-8")
EVIL = "'; DROP TABLE calls; --"
OR_TRUE = "tags.x' OR 1=1"
PRICE = """\
effective_from: 2025-01-01
source: test
currency: USD
models:
  house-model:
    provider: openai
    aliases: [house-model-alias]
    input: 1
    output: 2
"""
runner = CliRunner()


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" document that stays under the alias cap (levels * width < 100)."""
    lines = ['l0: &l0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database with a few calls, and a log to re-ingest with hostile rules or prices."""
    root = tmp_path_factory.mktemp("config")
    log = root / "calls.jsonl"
    records = [{"call_id": f"c{i}", "ts": "2025-05-01T10:00:00Z", "model": "gpt-4o-mini", "status": "ok",
                "input_tokens": 100 + i, "output_tokens": 10, "user_prompt": "Write a function in python",
                "tags": {"data_class": "restricted" if i % 2 else "public", "team": "a"}} for i in range(6)]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    db = root / "seed.duckdb"
    assert runner.invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    return db, log


def snapshot(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
        calls = con.execute("SELECT call_id, input_tokens, cost_usd, task FROM calls ORDER BY call_id").fetchall()
        return tables + calls
    finally:
        con.close()


def run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def command(kind: str, config: Path, db: Path, log: Path) -> list[str]:
    """How each kind of config reaches mmaudit."""
    return {
        "policy": ["simulate", "--policy", str(config), "--db", str(db), "--format", "json"],
        "rules": ["ingest", str(log), "--rules", str(config), "--db", str(db), "--format", "json"],
        "prices": ["ingest", str(log), "--prices", str(config), "--db", str(db), "--format", "json"],
    }[kind]


REJECTED = [
    # (id, kind, text, what the message must contain)
    ("python-tag", "policy", "!!python/object/apply:os.system ['echo pwned']\n", "could not determine a constructor"),
    ("python-tag-rules", "rules", "tasks: !!python/object/new:os.system ['echo pwned']\n",
     "could not determine a constructor"),
    ("python-tag-prices", "prices", "!!python/name:os.system\n", "could not determine a constructor"),
    ("bomb-policy", "policy", bomb(), "anchor expansion refused"),
    ("bomb-rules", "rules", bomb(), "anchor expansion refused"),
    ("bomb-prices", "prices", bomb(), "anchor expansion refused"),
    ("many-aliases", "policy", "a: &a x\nb: [" + ", ".join(["*a"] * 150) + "]\n", "more than 100 YAML aliases"),
    ("recursive-anchor", "policy", "a: &a [*a]\n", "anchor"),
    ("duplicate-key", "policy", POLICY.replace("version: 1", "version: 1\nversion: 1"), "duplicate key 'version'"),
    ("sql-tier-name", "policy", POLICY.replace("fast:    {models", f'"{EVIL}":    {{models'), "tiers"),
    ("sql-tag-name", "policy", POLICY.replace("tags.data_class: [restricted]", f'"{OR_TRUE}": [a]'), "routes.0.when"),
    ("sql-route-model", "policy", POLICY.replace("model: llama-3.1-70b-selfhosted", f'model: "{EVIL}"'), "routes.0"),
    ("sql-policy-name", "policy", POLICY.replace("name: three-tiers", f'name: "{EVIL}"'), "name:"),
    ("sql-escalate-task", "policy", POLICY.replace("reasoning: 0.5", f'"{EVIL}": 0.5'), "escalate_rate task"),
    ("huge-latency", "policy", POLICY.replace("max_latency_ms: 500", "max_latency_ms: 1e308"),
     "tiers.fast.max_latency_ms"),
    ("huge-outage", "policy", POLICY.replace("hours: 12", "hours: 1e308"), "failover.outages.0.hours"),
    ("duplicate-fallback", "policy", POLICY.replace("[gpt-4o-mini, claude-3-5-haiku]", "[gpt-4o-mini, gpt-4o-mini]"),
     "tiers.fast.models"),
    ("cyclic-cascade", "policy", POLICY.replace("to: general", "to: fast"), "cascade"),
    ("long-name", "policy", POLICY.replace("name: three-tiers", "name: " + "a" * 1_000_000), "name:"),
    ("long-match", "policy", POLICY.replace("[restricted]", "[" + "x" * 100_000 + "]"), "at most 500 characters"),
    ("many-values", "policy", POLICY.replace("[restricted]", "[" + ",".join(f"v{i}" for i in range(100_000)) + "]"),
     "at most 1000 items"),
    ("markup-name", "policy", POLICY.replace("name: three-tiers", 'name: "[/x] [bold]"'), "[/x] [bold]"),
    ("price-1e308", "prices", PRICE.replace("input: 1", "input: 1e308"), "models.house-model.input"),
    ("price-10e100", "prices", PRICE.replace("input: 1", "input: " + "1" + "0" * 100), "models.house-model.input"),
    ("price-nan", "prices", PRICE.replace("input: 1", "input: .nan"), "models.house-model.input"),
    ("price-negative", "prices", PRICE.replace("input: 1", "input: -1"), "models.house-model.input"),
    ("price-context-10e100", "prices", PRICE + "    context_window: 1" + "0" * 100 + "\n",
     "models.house-model.context_window"),
    ("price-threshold-10e100", "prices",
     PRICE + "    long_context: {threshold: 1" + "0" * 100 + ", input: 1, output: 1}\n",
     "models.house-model.long_context.threshold"),
    ("price-sql-key", "prices", PRICE.replace("house-model:", f'"{EVIL}":'), "models."),
    ("price-long-provider", "prices", PRICE.replace("provider: openai", "provider: " + "p" * 1_000_000),
     "models.house-model.provider"),
    ("price-steals-alias", "prices", PRICE.replace("[house-model-alias]", "[gpt-4o-mini]"),
     "models.house-model.aliases"),
    # an impossible unquoted date is built by PyYAML's datetime(...): a ValueError, once a traceback
    ("impossible-outage-day", "policy", POLICY.replace("2025-06-10T00:00:00Z", "2025-02-30T00:00:00Z"),
     "'2025-02-30T00:00:00Z' is not a valid date or time: day is out of range for month"),
    ("impossible-outage-hour", "policy", POLICY.replace("2025-06-10T00:00:00Z", "2025-06-10T25:00:00Z"),
     "line "),
    ("impossible-price-month", "prices", PRICE.replace("2025-01-01", "2025-13-01"),
     "'2025-13-01' is not a valid date or time: month must be in 1..12"),
    ("price-ends-before-it-starts", "prices", PRICE.replace("2025-01-01", "2025-01-01\neffective_to: 2024-06-01"),
     "effective_to: Value error, must be after effective_from (2025-01-01)"),
    ("rules-sql-task", "rules", f'tasks:\n  "{EVIL}":\n    cues: []\n', "tasks"),
    ("rules-nan-weight", "rules", "tasks:\n  code:\n    cues:\n      - {keywords: [def], weight: .nan}\n",
     "tasks.code.cues.0.weight"),
    ("rules-bad-regex", "rules", "tasks:\n  code:\n    cues:\n      - {pattern: '(unclosed'}\n",
     "tasks.code.cues.0.pattern"),
    ("rules-huge-keyword", "rules", "tasks:\n  code:\n    cues:\n      - keywords: [" + "k" * 1_000_000 + "]\n",
     "tasks.code.cues.0.keywords"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_hostile_config_is_rejected_with_file_and_key_path(seeded, tmp_path, kind, text, expected):
    db, log = seeded
    before = snapshot(db)
    config = write(tmp_path, "hostile.yaml", text)
    started = time.monotonic()
    code, output = run(command(kind, config, db, log))
    assert code == 2, output
    flat = " ".join(output.split())
    assert str(config) in flat or config.name in flat
    assert expected in flat
    assert len(output) < 20_000  # a huge value is never printed whole
    assert time.monotonic() - started < 30  # and never expanded
    assert snapshot(db) == before


SAFE = [
    # (id, kind, text): SQL-looking text that is only ever data (bound parameters, escaped literals)
    ("sql-route-values", "policy", POLICY.replace("[restricted]", f'["{EVIL}", "x\' OR 1=1 --"]')),
    ("sql-outage-provider", "policy", POLICY.replace("provider: openai,", f'provider: "{EVIL}",')),
    ("sql-alias", "prices", PRICE.replace("[house-model-alias]", f'["{EVIL}", "x\' OR 1=1 --"]')),
    ("sql-provider", "prices", PRICE.replace("provider: openai", f'provider: "{EVIL}"')),
    ("sql-keywords", "rules", f'tasks:\n  code:\n    cues:\n      - keywords: ["{EVIL}", "x\' OR 1=1"]\n'),
    ("sql-pattern", "rules", "tasks:\n  code:\n    cues:\n      - pattern: \"'; DROP TABLE calls; --\"\n"),
    ("sql-tag-mapping", "rules", f'tag_mappings:\n  - {{tag: "{EVIL}", pattern: "x", task: code}}\n'),
    ("redos-pattern", "rules", "tasks:\n  code:\n    cues:\n      - pattern: '(a+)+$'\n"),
    ("huge-weight", "rules", "tasks:\n  code:\n    cues:\n      - {keywords: [def], weight: 1e308}\n"),
]


@pytest.mark.parametrize(("kind", "text"), [c[1:] for c in SAFE], ids=[c[0] for c in SAFE])
def test_sql_looking_values_are_only_data(seeded, tmp_path, kind, text):
    db, log = seeded
    before = snapshot(db)
    code, output = run(command(kind, write(tmp_path, "odd.yaml", text), db, log))
    assert code == 0, output
    assert snapshot(db) == before  # re-ingest adds nothing, simulate writes nothing, no table dropped


def test_sql_route_value_matches_literally(seeded, tmp_path):
    """A route whose value is an injection attempt matches no call, so every call takes the default."""
    db, _ = seeded
    policy = """version: 1
name: literal
tiers:
  cheap: {models: [gpt-4o-mini]}
  dear: {models: [gpt-4o]}
routes:
  - when: {"tags.data_class": ["x' OR 1=1 --", "'; DROP TABLE calls; --"]}
    tier: dear
  - default: cheap
"""
    code, output = run(["simulate", "--policy", str(write(tmp_path, "p.yaml", policy)), "--db", str(db), "--format", "json"])
    assert code == 0
    tiers = {t["name"]: t["calls"] for t in json.loads(output)["tiers"]}
    assert tiers.get("dear", 0) == 0 and tiers["cheap"] == 6


def test_config_errors_do_not_create_the_database(seeded, tmp_path):
    _, log = seeded
    db = tmp_path / "never.duckdb"
    code, _ = run(["ingest", str(log), "--prices", str(write(tmp_path, "bad.yaml", bomb())), "--db", str(db)])
    assert code == 2 and not db.exists()


def test_guards_allow_ordinary_anchor_use(tmp_path):
    """The guards do not refuse normal YAML: bundled tables share lists through anchors."""
    text = PRICE + """    data_classes: &dc [public, internal]
  other-model:
    provider: openai
    input: 1
    output: 2
    data_classes: *dc
"""
    code, output = run(["prices", "validate", str(write(tmp_path, "ok.yaml", text))])
    assert code == 0, output


def test_bundled_yaml_reads_the_same_with_the_fast_loader_and_the_guarded_one():
    """Bundled files use libyaml's CSafeLoader (speed); they must pass the guards users' files
    pass (no duplicate key, no anchor bomb) and give the very same data."""
    import yaml

    from mmaudit.config import _PACKAGE_DIR, _GuardedCLoader, _GuardedLoader, is_bundled, read_yaml

    files = sorted(_PACKAGE_DIR.rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        assert is_bundled(path)
        text = path.read_text(encoding="utf-8")
        guarded = yaml.load(text, Loader=_GuardedLoader)  # noqa: S506
        assert read_yaml(path) == guarded == yaml.load(text, Loader=_GuardedCLoader), path  # noqa: S506



@pytest.mark.parametrize("loader", ["_GuardedLoader", "_GuardedCLoader"], ids=["pure-python", "libyaml"])
@pytest.mark.parametrize(("text", "needle"), [
    (bomb(), "anchor expansion refused"),
    ("a: &a x\nb: [" + ", ".join(["*a"] * 150) + "]\n", "more than 100 YAML aliases"),
    ("a: &a [*a]\n", "refers to itself"),
    ("a: 1\nb: {c: 1, c: 2}\n", "duplicate key 'c'"),
], ids=["bomb", "many-aliases", "recursive", "duplicate-key"])
def test_both_guarded_loaders_refuse_the_same_documents(loader, text, needle):
    """Users' files are read on libyaml's parser when PyYAML has it, else in pure Python: the
    guards are the same either way."""
    import yaml

    from mmaudit import config

    chosen = getattr(config, loader)
    if loader == "_GuardedCLoader" and not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML was built without libyaml: users' files are read by the pure-Python loader")
    with pytest.raises(yaml.YAMLError, match=needle):
        yaml.load(text, Loader=chosen)  # noqa: S506


def test_a_syntax_error_shows_its_line_with_a_caret(tmp_path):
    """Users' files are parsed by libyaml, whose errors carry a line and column but not the text:
    the message still quotes the line and points at the column, as PyYAML's own parser does."""
    from mmaudit.config import ConfigError, read_yaml

    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\ntiers:\n  a: {models: [gpt-4o, gpt-4o-mini}\n")
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    lines = str(err.value).splitlines()
    assert lines[0].startswith(f"{path}: not valid YAML:") and "line 3, column" in str(err.value)
    quoted = lines.index("      a: {models: [gpt-4o, gpt-4o-mini}")
    assert lines[quoted + 1].index("^") > 0

def test_a_users_file_is_read_with_the_guarded_loader(tmp_path):
    from mmaudit.config import ConfigError, is_bundled, read_yaml

    path = tmp_path / "rules.yaml"
    path.write_text("a: 1\na: 2\n")
    assert not is_bundled(path)
    with pytest.raises(ConfigError, match="duplicate key 'a'"):
        read_yaml(path)
