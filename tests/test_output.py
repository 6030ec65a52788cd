"""What a reviewer pastes: every command's tables at 80, 100 and 120 columns and in `--out`,
markdown checked with a real CommonMark/GFM parser, CSV that holds numbers.

One database of the bundled sample logs serves every test (ingested once, rules only).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from mmaudit.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

COMMANDS: dict[str, list[str]] = {
    "calls": ["calls"],
    "audit": ["audit", "--period", "2025-Q2"],
    "report": ["report", "--period", "2025-06", "--compare", "previous", "--by", "model,tier"],
    # four label columns and weeks: a part's labels left no room for its widest figure column
    "report-wide": ["report", "--period", "2025-05", "--by", "provider,model,operation,status", "--every", "week"],
    "simulate-one": ["simulate", "-p", str(ROOT / "policies" / "tiers.yaml")],
    "simulate-four": ["simulate", *(a for n in ("single", "task-based", "cascade", "tiers")
                                    for a in ("-p", str(ROOT / "policies" / f"{n}.yaml")))],
}
WIDTHS = (60, 80, 100, 120)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    done = runner.invoke(app, ["ingest", str(ROOT / "sample_logs"), "--db", str(db), "--no-model", "--format", "json"])
    assert done.exit_code == 0, done.output
    return db


_SEEN: dict[tuple[str, ...], Any] = {}


def run(args: list[str], db: Path, width: int = 160) -> Any:
    """The command's result (each distinct command and width is run once per session)."""
    key = (str(db), str(width), *args)
    if key not in _SEEN or "--out" in args:
        result = runner.invoke(app, [*args, "--db", str(db)], env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
        _SEEN[key] = result
    return _SEEN[key]


def numbers_in(text: str) -> list[tuple[float, int]]:
    """Every number printed, with its decimals ($, thousands separators and signs read)."""
    out = []
    for token in _NUMBER.findall(text):
        clean = token.replace("$", "").replace(",", "")
        decimals = len(clean.split(".")[1]) if "." in clean else 0
        out.append((float(clean), decimals))
    return out


def shown(value: float, printed: list[tuple[float, int]]) -> bool:
    """`value` (or it as a percentage) is printed whole, to the precision it was printed with."""
    for candidate in (value, value * 100):
        for number, decimals in printed:
            if abs(abs(number) - abs(candidate)) <= 0.5 * 10 ** -decimals + 1e-9:
                return True
    return False


def json_numbers(data: Any, skip: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
    """(key path, number) for every numeric leaf, lists and dicts walked."""
    out: list[tuple[str, float]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in skip:
                    walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif isinstance(node, int | float) and not isinstance(node, bool):
            out.append((path, float(node)))

    walk(data, "")
    return out


def csv_tables(text: str) -> list[list[dict[str, str]]]:
    tables, current = [], []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("# ")]
        if lines:
            current = list(csv.DictReader(io.StringIO("\n".join(lines))))
            tables.append(current)
    return tables


# JSON parts that are chart data or per-day detail, not table figures
CHART_ONLY = frozenset({"spend_by_month_and_tier", "availability_by_day", "weekly", "by_day", "period",
                        "start", "end_exclusive", "first_call", "last_call"})


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_json_figure_is_printed_whole_at_every_width(sample_db: Path, name: str, tmp_path: Path) -> None:
    args = COMMANDS[name]
    data = json.loads(run([*args, "--format", "json"], sample_db).stdout)
    csv_text = run([*args, "--format", "csv"], sample_db).stdout
    in_tables = {k for table in csv_tables(csv_text) for row in table for k in row}
    # report's JSON also carries chart series; what its tables show is what its CSV holds
    expected = [(p, v) for p, v in json_numbers(data, CHART_ONLY)
                if name != "report" or p.rsplit(".", 1)[-1].split("[")[0] in in_tables]
    assert len(expected) > 10
    out = tmp_path / "out.txt"
    run([*args, "--out", str(out)], sample_db)
    texts = {width: run(args, sample_db, width).stdout for width in WIDTHS}
    texts["--out"] = out.read_text(encoding="utf-8")
    for width, text in texts.items():
        printed = numbers_in(text)
        missing = [(p, v) for p, v in expected if not shown(v, printed)]
        assert not missing, (name, width, missing[:5])
        lines = text.splitlines()
        assert all(line == line.rstrip() for line in lines), "trailing padding"
        if isinstance(width, int):
            assert max(len(line) for line in lines) <= width, (name, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_table_part_keeps_its_label_column(sample_db: Path, width: int) -> None:
    text = run(COMMANDS["simulate-four"], sample_db, width).stdout + run(COMMANDS["calls"], sample_db, width).stdout
    lines = text.splitlines()
    parts = [i for i, line in enumerate(lines) if re.search(r"\(part \d+ of \d+\)$", line)]
    assert parts or width == 120
    first_label: dict[str, str] = {}
    known = {"Usage by model": "Provider", "All figures": "Figure", "Routing simulation": "Policy"}
    for i in parts:
        base = lines[i].rsplit(" (part ", 1)[0]
        rule = next(j for j in range(i, len(lines)) if "━" in lines[j])
        # the first column's header: its words at the left edge of the header lines (it may wrap)
        label = " ".join(m.group(1) for line in lines[i + 1:rule] if (m := re.match(r"^  (\S+(?: \S+)*)", line)))
        first_label.setdefault(base, label)
        assert label == first_label[base], (lines[i], label, first_label[base])
        expected = next((v for k, v in known.items() if base.startswith(k)), None)
        assert expected is None or label.startswith(expected), (lines[i], label)


def test_out_writes_what_a_wide_pipe_gets(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls.txt"
    run(["calls", "--out", str(out)], sample_db)
    piped = runner.invoke(app, ["calls", "--db", str(sample_db)], env={"COLUMNS": None}).stdout
    assert out.read_text(encoding="utf-8") == piped
    assert "$417" not in piped  # the sample has no such figure: guard against the cropped `$41`


def test_money_has_one_format_per_column(sample_db: Path) -> None:
    text = run(["calls"], sample_db, 160).stdout
    decimals = {len(m.split(".")[1]) for m in re.findall(r"\$[\d,]+\.\d+", text)}
    assert len(decimals) == 1 and decimals.pop() >= 4  # the cheapest model costs a fraction of a cent


@pytest.mark.parametrize(("amount", "shown"), [("0.0115", "$0.012"), ("0.05", "$0.050"), ("0.099", "$0.099"),
                                               ("0.1", "$0.10"), ("25.5", "$25.50"), ("0.008094", "$0.0081")])
def test_an_amount_shows_two_significant_digits(amount: str, shown: str) -> None:
    """docs/report.md: two significant digits of the smallest amount; $0.0115 was shown as `$0.01`."""
    from decimal import Decimal

    from mmaudit.render import format_value

    assert format_value(Decimal(amount), "usd") == shown


def test_csv_money_is_exact_so_rows_add_up_to_their_total() -> None:
    """docs: CSV holds raw numbers. Rounded to 6 places (half to even), 4 rows of $0.0000045 read
    0.000004 each beside a Total of 0.000018."""
    from decimal import Decimal

    from mmaudit.render import Column, Report, Table, csv_text

    rows = [{"day": f"2025-06-0{i}", "cost_usd": Decimal("0.0000045")} for i in range(2, 6)]
    table = Table("Spend", [Column("day", "Day"), Column("cost_usd", "Cost", "usd")], rows,
                  {"day": "Total", "cost_usd": Decimal("0.000018")})
    parsed = list(csv.reader(io.StringIO(csv_text(Report([table], {})))))
    assert parsed[1:] == [[r["day"], "0.0000045"] for r in rows] + [["Total", "0.000018"]]
    assert sum(Decimal(r[1]) for r in parsed[1:-1]) == Decimal(parsed[-1][1])


def _list_items_are_not_empty(md: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            assert tokens[i + 1].type == "paragraph_open", f"empty list item near line {token.map}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_markdown_parses_into_tables_and_real_list_items(sample_db: Path, name: str) -> None:
    md = run([*COMMANDS[name], "--format", "markdown"], sample_db).stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    titles = [line for line in md.splitlines() if line.startswith("### ")]
    tables = [t for t in tokens if t.type == "table_open"]
    empty = md.count("_No rows._")
    assert titles and len(tables) + empty == len(titles), (len(tables), empty, len(titles))
    _list_items_are_not_empty(md)
    assert "-   -" not in md


@pytest.mark.parametrize("name", list(COMMANDS))
def test_csv_holds_numbers_not_display_strings(sample_db: Path, name: str) -> None:
    text = run([*COMMANDS[name], "--format", "csv"], sample_db).stdout
    display = re.compile(r"^\$|%$|^-?\d{1,3}(,\d{3})+(\.\d+)?$| ms$| pts$")
    for table in csv_tables(text):
        for row in table:
            for key, value in row.items():
                assert not display.search(value or ""), (name, key, value)
    for line in text.splitlines():
        assert not line.startswith('"#'), line  # a title is a comment line, never a quoted cell


def test_csv_numbers_say_their_unit(sample_db: Path) -> None:
    """A share is a fraction (0.111) and its difference percentage points (11.1): one key for both
    read as one unit, so Δ keys end in _pts and "All figures" rows carry key, unit and delta_unit."""
    text = run([*COMMANDS["simulate-four"], "--format", "csv"], sample_db).stdout
    comparison, differences, figures = csv_tables(text)[:3]
    cascade = next(r for r in comparison if r["label"] == "cascade")
    delta = next(r for r in differences if r["label"] == "cascade")
    assert "escalation_rate" not in delta and "savings_pct" not in delta
    assert float(delta["escalation_rate_pts"]) == pytest.approx(float(cascade["escalation_rate"]) * 100)
    row = next(r for r in figures if r["key"] == "escalation_rate")
    assert (row["unit"], row["delta_unit"]) == ("fraction", "pts")
    assert float(row["d2"]) == pytest.approx(float(row["p2"]) * 100 - float(row["p0"]) * 100)
    assert next(r for r in figures if r["key"] == "projected_cost_usd")["unit"] == "usd"
    assert "# p0 = single-gpt-4o; p1 = task-based; p2 = cascade; p3 = three-tiers; d1 = Δ task-based vs single-gpt-4o" in text
    kpis = csv_tables(run([*COMMANDS["audit"], "--format", "csv"], sample_db).stdout)[0]
    assert {(r["key"], r["unit"]) for r in kpis} >= {("cost_usd", "usd"), ("premium_simple_or_moderate_call_share", "fraction")}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_part_is_wider_than_the_terminal_nor_a_figure_column_narrower_than_its_figures(
        sample_db: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Handed a part wider than the terminal, Rich squeezed every column and folded numbers
    (`2,289,54` then `8` at 80 columns): each part fit() makes must fit, figures whole."""
    from mmaudit import render_terminal
    from mmaudit.render import column_cells, is_number

    made: list[tuple[int, Any, list[int] | None]] = []
    real_fit = render_terminal.fit

    def recording(table: Any, width: int) -> Any:
        parts, legend = real_fit(table, width)
        made.extend((width, part, widths) for part, widths in parts)
        return parts, legend

    monkeypatch.setattr(render_terminal, "fit", recording)
    for width in (40, 60, 80):
        result = runner.invoke(app, [*COMMANDS[name], "--db", str(sample_db)], env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
    assert made
    for width, part, widths in made:
        if widths is None:
            continue
        assert sum(widths) + render_terminal.extra_width(len(widths)) <= width, (name, width, part.title, widths)
        for col, w in zip(part.columns, widths):
            if is_number(col):
                assert w >= max(len(c) for c in column_cells(part, col)), (name, width, part.title, col.header)


def test_every_part_of_a_split_table_repeats_the_labels_that_tell_its_rows_apart(sample_db: Path) -> None:
    # at 60 columns the audit breakdown (task x complexity x model) is split: a part showing only
    # task and complexity left two `classification simple` costs that could not be told apart
    text = run(COMMANDS["audit"], sample_db, 60).stdout
    headers = [line for line in text.splitlines() if line.strip().startswith("Task")]
    parts = text.count("Calls, tokens and cost by task x complexity x model (part")
    assert parts > 1 and len([h for h in headers if "Model" in h]) >= parts, headers


def test_long_identifiers_are_shortened_with_a_legend_not_folded(sample_db: Path) -> None:
    text = run(["calls"], sample_db, 80).stdout
    assert "Shortened labels:" in text
    legend = dict(line.split(" ", 1) for line in text.splitlines() if re.match(r"^\[\d+\] ", line))
    assert "us.anthropic.claude-3-7-sonnet-20250219-v1:0" in legend.values()
    for tag, full in legend.items():
        cell = next(line for line in text.splitlines() if line.rstrip().find(tag) > 0 and not line.startswith("["))
        assert full[:10] in cell  # the shortened cell starts like the full label
    above = text.split("Shortened labels:")[0].splitlines()
    assert not any(line.strip().endswith("-v1:0") and len(line.split()) == 1 for line in above)  # no folded tail


def test_two_long_label_columns_share_the_spare_width():
    from mmaudit.render_terminal import Span, _widths

    # a short label gets all it needs; two long ones split the rest evenly
    spans = [Span(22, 10), Span(120, 10), Span(2000, 10)]
    widths = _widths(spans, 120, [False, False, False])
    assert widths is not None and widths[0] == 22 and abs(widths[1] - widths[2]) <= 1
    assert sum(widths) == 120 - (2 + 2 + 2 * 3)


@pytest.mark.parametrize("width", (100, 160))
def test_price_tables_repeat_only_their_labels_and_print_rates_whole(width: int) -> None:
    """Rates are figures: right-aligned, never wrapped, never repeated as if they were labels
    (each part of `prices show` once repeated Input, Cached and both cache writes, and `prices
    list` at 160 columns came out in 20 parts of one rate each)."""
    from decimal import Decimal

    from mmaudit.render import Column, format_value, is_number

    assert format_value(Decimal("0.018750"), "exact") == "0.01875" and is_number(Column("input", "Input", "exact"))
    shown = runner.invoke(app, ["prices", "show", "claude-sonnet-4-5"], env={"COLUMNS": str(width)})
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    headers = ["\n".join(lines[i + 1:next(j for j in range(i, len(lines)) if "━" in lines[j])])
               for i, line in enumerate(lines) if line.startswith("claude-sonnet-4-5: dated rates")]
    assert headers and sum("Input" in h for h in headers) == 1 and sum("Output" in h for h in headers) == 1
    assert all("Tier" in h for h in headers)  # the label column stays in every part
    data = json.loads(runner.invoke(app, ["prices", "show", "claude-sonnet-4-5", "-f", "json"]).stdout)
    for rate in {format(Decimal(str(r["output"])).normalize(), "f") for r in data["history"] if r["output"]}:
        assert re.search(rf"(?<![\d.]){re.escape(rate)}(?![\d.])", shown.stdout), rate


def test_ci_gate_rows_hold_the_figure_and_the_limit_as_numbers_in_one_unit(sample_db: Path) -> None:
    args = ["audit", "--period", "2025-Q2", "--fail-if-premium-share", "20%", "--db", str(sample_db)]
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    assert csv_out.exit_code == 1
    [gate] = next(t for t in csv_tables(csv_out.stdout) if "fails_if" in t[0])
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    [verdict] = data["gates"]
    # was `45.4%` beside `fails if > 0.2`: a display string next to the limit as typed
    assert (float(gate["actual"]), gate["fails_if"], float(gate["limit"]), gate["unit"]) == \
        (pytest.approx(verdict["actual"]), ">", 0.2, "fraction")
    table = runner.invoke(app, args, env={"COLUMNS": "160"}).stdout
    row = next(line for line in table.splitlines() if "premium_simple_or_moderate_call_share" in line)
    assert row.split()[-2:] == [">", "20.0%"]
