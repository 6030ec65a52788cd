"""`FastFeatures` must give scikit-learn's exact TF-IDF matrix (and so the same probabilities), and
the arrays form of a model (`arrays.py`, what ships) the same answers as its fitted pipeline."""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from mmaudit.categorise import features
from mmaudit.categorise.concepts import default_tagger
from mmaudit.categorise.features import FastFeatures
from mmaudit.categorise.model import TrainedModel
from mmaudit.categorise.training import fit_complexity, fit_pipeline, labelled_texts
from mmaudit.generate import TEMPLATES

EDGE_CASES = [
    "", " ", "a", "I", "x y", "ΣΟΦΙΑΣ ΟΔΟΣ", "naïve café  déjà-vu\u00a0ok", "tab\tsep\r\nlines\u2028more",
    "URL https://example.com/a?b=c&d=e#frag", "emoji 🙂🙂 and 日本語のテキスト", "ﬁle ligature ß STRASSE İstanbul",
    "repeat " * 300, "x" * 5000, "\x00nul\x1fsep\x1c", "zzrule_qa zzsrc_rules zzrconf4 zzout1",
]


@pytest.fixture(scope="module")
def model():
    """A model fitted as `train` fits the bundled one (same pipeline), on the hand-written examples."""
    from mmaudit.categorise.dataset import eval_set_path

    data = labelled_texts(eval_set_path().with_name("train_handwritten.jsonl"))
    pipeline = fit_pipeline(data.texts, data.labels, data.weights)
    head = fit_complexity(pipeline, data.texts, data.complexities, data.weights)
    return TrainedModel(pipeline, sorted(set(data.labels)), complexity=head, temperature=0.87,
                        concepts=default_tagger())


def _texts() -> list[str]:
    return list(_all_texts())


@functools.cache
def _all_texts() -> tuple[str, ...]:
    """Every model text of the eval set, every fifth of the training set (each writer's styles,
    at a fifth of the cost of sklearn's transform), generated prompts and edge cases (built once:
    the rules run over 25k lines to make them)."""
    from mmaudit.categorise.dataset import eval_set_path

    rnd = random.Random(0)
    generated = [f"{p.system or ''}\n{p.user} zzturns1 zzfmt" for t in TEMPLATES for p in [t.fill(rnd)] * 3]
    # every fifth line of the training set labelled on its own: each example's text depends on that
    # example alone, so these are the texts every fifth of the whole file's would be (2.7 s, not 9.7 s)
    lines = eval_set_path().with_name("train_set.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as folder:
        fifth = Path(folder) / "train_fifth.jsonl"
        fifth.write_text("".join(lines[::5]), encoding="utf-8")
        corpus = labelled_texts(eval_set_path()).texts + labelled_texts(fifth).texts
    return tuple(corpus + generated + EDGE_CASES)


def _assert_same(a, b) -> None:
    assert type(a) is type(b) and a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert a.indices.dtype == b.indices.dtype and a.data.dtype == b.data.dtype
    assert np.array_equal(a.data, b.data)  # bit-identical floats, not merely close


@pytest.fixture(scope="module")
def sklearn_features(model):
    """scikit-learn's own feature matrix of every `_texts()` row (its transform reads each row on
    its own, so a batch's matrix is these rows); made once, it is the slow part of these tests."""
    return model.pipeline[:-1].transform(_texts())


def test_fast_features_equal_sklearn_bit_for_bit(model, sklearn_features):
    union = model.pipeline.steps[0][1]
    fast = FastFeatures(union)
    assert fast.exact
    texts = _texts()
    for start in range(0, len(texts), 700):  # several batches: the word memo carries over
        _assert_same(fast.transform(texts[start:start + 700]), sklearn_features[start:start + 700])


def test_probabilities_unchanged(model, sklearn_features):
    texts = _texts()
    expected = model.probabilities(sklearn_features)  # scikit-learn's own features
    labels, conf = model.predict(texts)
    assert np.array_equal(conf, expected.max(axis=1))
    assert list(labels) == list(np.asarray(model.pipeline.classes_)[expected.argmax(axis=1)])


def test_temperature_scales_the_logits_and_keeps_the_best_label(model):
    x = model.pipeline[:-1].transform(_texts()[:200])
    lr = model.pipeline.steps[-1][1]
    assert model.temperature != 1.0
    scaled = model.probabilities(x)
    z = lr.decision_function(x) / model.temperature
    by_hand = np.exp(z - z.max(axis=1, keepdims=True))
    by_hand /= by_hand.sum(axis=1, keepdims=True)
    assert np.allclose(scaled, by_hand) and np.allclose(scaled.sum(axis=1), 1.0)
    assert np.array_equal(scaled.argmax(axis=1), lr.predict_proba(x).argmax(axis=1))


def test_memo_reset_keeps_results(model, monkeypatch):
    monkeypatch.setattr(features, "WORD_MEMO_LIMIT", 5)
    union = model.pipeline.steps[0][1]
    fast = FastFeatures(union)
    texts = EDGE_CASES * 3
    for start in range(0, len(texts), 4):
        batch = texts[start:start + 4]
        _assert_same(fast.transform(batch), union.transform(batch))


def test_unsupported_vectoriser_falls_back(model):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    texts = ["alpha beta", "Gamma delta gamma"]
    union = FeatureUnion([("w", TfidfVectorizer(stop_words=["beta"])), ("c", TfidfVectorizer(analyzer="char"))]).fit(texts)
    fast = FastFeatures(union)
    assert not fast.exact
    _assert_same(fast.transform(texts), union.transform(texts))


def test_arrays_model_gives_the_pipelines_answers(model, tmp_path):
    from mmaudit.categorise.arrays import load_arrays, save_arrays, to_arrays

    path = tmp_path / "m.npz"
    save_arrays(path, to_arrays(model.pipeline, model.complexity, model.temperature, model.text_version, model.concepts))
    arrays = load_arrays(path)
    texts = _texts()
    want_labels, want_conf, want_cx = model.predict_all(texts)
    labels, conf, cx = arrays.predict_all(texts)
    assert list(labels) == list(want_labels) and list(cx) == list(want_cx)
    assert np.allclose(conf, want_conf, rtol=0, atol=1e-12)
    assert arrays.labels == model.labels and arrays.text_version == model.text_version


def test_bundled_model_loads_without_scikit_learn():
    """The shipped model is arrays: applying it imports neither scikit-learn nor pickle code."""
    import subprocess
    import sys

    text = ("ss\\nqqtranslate qqto qqFrench: qqhello zzturns1 zztools0 zzfmtnone zzrule_translation zzsrc_rules"
            " zzrconf3 zzoutna zzcx_simple zzulen0 zzslen0")  # a model text as `model_text_sql` builds it
    code = ("import sys; from mmaudit.categorise import default_model; m = default_model(); "
            f"print(m is not None, m.predict(m.prepare(['{text}']))[0][0], 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "translation", "False"]


def test_arrays_model_same_answers_in_small_batches_and_after_memo_resets(model, tmp_path, monkeypatch):
    """The shared per-piece memo (char n-grams and word tokens) carries over between batches and
    starts afresh past WORD_MEMO_LIMIT without changing an answer."""
    from mmaudit.categorise.arrays import load_arrays, save_arrays, to_arrays

    path = tmp_path / "m.npz"
    save_arrays(path, to_arrays(model.pipeline, model.complexity, model.temperature, model.text_version, model.concepts))
    texts = _texts()[:300] + EDGE_CASES
    whole = load_arrays(path).predict_all(texts)
    monkeypatch.setattr(features, "WORD_MEMO_LIMIT", 50)
    arrays = load_arrays(path)
    parts = [arrays.predict_all(texts[i:i + 7]) for i in range(0, len(texts), 7)]
    assert list(np.concatenate([p[0] for p in parts])) == list(whole[0])
    assert list(np.concatenate([p[2] for p in parts])) == list(whole[2])
    assert np.allclose(np.concatenate([p[1] for p in parts]), whole[1], rtol=0, atol=1e-12)
