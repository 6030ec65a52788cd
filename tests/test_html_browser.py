"""The HTML pages in a real browser (Debian's Chromium, headless, a 1280 px window): each renders,
its headline table comes before the charts and fits the window without a sideways scroll, no two
chart labels overlap and none leaves its chart; a
screenshot of each is kept (in MMAUDIT_SCREENSHOTS when set, else the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.render_html import Chart, nice_ticks, svg_chart, tick_label
from tests.browser import check_page, chromium

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

PAGES = {
    "audit": ["audit"],
    "report": ["report", "--compare", "previous", "--period", "2025-06", "--by", "model,tag:team", "--every", "week"],
    "simulate": ["simulate", *(a for n in ("single", "task-based", "cascade", "tiers")
                               for a in ("-p", str(ROOT / "policies" / f"{n}.yaml")))],
}


def test_axis_ticks_are_round_numbers() -> None:
    assert nice_ticks(23.7) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(0.37) == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert nice_ticks(87_527) == [0, 20_000, 40_000, 60_000, 80_000, 100_000]
    assert [tick_label(t, 0.1, "usd") for t in (0, 0.1, 0.2)] == ["$0.0", "$0.1", "$0.2"]
    assert tick_label(20_000, 20_000, "ms") == "20,000 ms" and tick_label(0.4, 0.2, "share") == "40%"


def test_long_category_labels_are_rotated_and_shortened_with_the_whole_text_kept() -> None:
    names = [f"a-rather-long-model-identifier-number-{i}" for i in range(12)]
    svg = svg_chart(Chart("Cost", "stacked_columns", names, {"x": [1.0] * 12}, "usd"))
    assert "rotate(-45" in svg and "…" in svg and f"<title>{names[0]}</title>" in svg


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if chromium() is None:
        pytest.skip("chromium not installed (apt-get install -y chromium): the browser check needs it")
    work = tmp_path_factory.mktemp("html")
    db = work / "sample.duckdb"
    done = runner.invoke(app, ["ingest", str(ROOT / "sample_logs"), "--db", str(db), "--no-model"])
    assert done.exit_code == 0, done.output
    out = {}
    for name, args in PAGES.items():
        out[name] = work / f"{name}.html"
        made = runner.invoke(app, [*args, "--db", str(db), "--format", "html", "--out", str(out[name])])
        assert made.exit_code == 0, made.output
    return out


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_headline_first_without_overlapping_labels(pages: dict[str, Path], name: str,
                                                                 tmp_path: Path) -> None:
    shots = Path(os.environ.get("MMAUDIT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    result = check_page(pages[name], shots / f"{name}.png")
    assert result["svgs"] >= 1 and result["texts"] > 10, result
    assert result["headline_first"], result
    assert result["headline_fits"], result["scrolling"]  # the headline table needs no sideways scroll at 1280 px
    assert result["overlaps"] == [], result["overlaps"][:5]
    assert result["outside"] == [], result["outside"][:5]
    assert Path(result["screenshot"]).stat().st_size > 10_000
    page = pages[name].read_text(encoding="utf-8")
    assert "<footer>" in page and "mmaudit</dt>" in page and "generated</dt>" in page and "database</dt>" in page
    if name == "simulate":
        assert "sha256" in page and "tiers.yaml" in page
