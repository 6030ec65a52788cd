"""The bundled model's measured agreement (what `audit` quotes) is re-measured: a retrained model cannot keep an old figure."""

from __future__ import annotations

from mmaudit.categorise.measured import MEASURED_SETS, file_sha256, load_measured, measure
from mmaudit.categorise.model import bundled_model_path


def test_measured_figures_are_the_bundled_models():
    stored = load_measured()
    assert stored.model_sha256 == file_sha256(bundled_model_path()), (
        "the bundled model changed: re-measure with `python -m mmaudit.categorise.measured`")
    assert tuple(s.set for s in stored.sets) == MEASURED_SETS
    assert measure() == stored


def test_sentence_states_the_range_and_how_to_measure():
    stored = load_measured()
    low, high = stored.complexity_range()
    assert 0.5 < low <= high <= 1.0
    text = stored.sentence()
    assert f"{low:.1%}-{high:.1%}" in text and "mmaudit categorize eval" in text
