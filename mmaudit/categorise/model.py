"""Learning the task from labelled examples: TF-IDF + logistic regression (scikit-learn, optional).

The model only sees what the rules see (scanned prompt text plus shape tokens, built by the same
SQL expression at training and inference time). It is stored with joblib beside the database
(`mmaudit.categoriser.joblib`): a few hundred kB, no network, no large weights. Loading a joblib
file executes pickle code, so only load model files you (or your team) trained.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.categorise.dataset import load_examples
from mmaudit.categorise.rules import Rules, load_rules
from mmaudit.categorise.sql import model_text_sql, quote_table
from mmaudit.errors import InputError, MmauditError

MODEL_FILENAME = "mmaudit.categoriser.joblib"
BUNDLED_MODEL_NAME = "data/categoriser.joblib"
BATCH_ROWS = 8192
FORMAT_VERSION = 2  # 2: the model text includes the rules' answer (stacking); 1 still loads


class MissingExtraError(MmauditError):
    """scikit-learn (the `train` extra) is not installed."""


def _sklearn(module: str) -> Any:
    """Import a scikit-learn module lazily; the base install must not need it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            "training or using a categoriser model needs scikit-learn: pip install 'scikit-learn>=1.9,<1.10'"
        ) from None


def bundled_model_path() -> Path:
    """The model trained on `data/train_set.jsonl` and shipped with the package."""
    from importlib import resources

    return Path(str(resources.files("mmaudit.categorise").joinpath(BUNDLED_MODEL_NAME)))


def model_path_for(db_path: Path) -> Path:
    """Where the model of a database lives: beside it."""
    return Path(db_path).with_name(MODEL_FILENAME)


@dataclass
class TrainReport:
    """Cross-validated accuracy and the confusion matrix (rows: true label, columns: predicted)."""

    n: int
    folds: int
    cv_accuracy: float
    labels: list[str]
    confusion: list[list[int]]
    path: Path

    def render(self) -> str:
        width = max(len(x) for x in self.labels) + 1
        head = " " * width + "".join(f"{x[:6]:>7}" for x in self.labels)
        rows = [f"{lab:<{width}}" + "".join(f"{v:>7}" for v in row) for lab, row in zip(self.labels, self.confusion)]
        return "\n".join(
            [f"examples: {self.n}", f"{self.folds}-fold CV accuracy: {self.cv_accuracy:.1%}", head, *rows,
             f"model written to {self.path}"]
        )


class TrainedModel:
    """A fitted pipeline plus the label set; applies itself to a calls table in batches."""

    def __init__(self, pipeline: Any, labels: list[str], text_version: int = FORMAT_VERSION):
        self.pipeline = pipeline
        self.labels = labels
        self.text_version = text_version  # which `model_text_sql` the pipeline was trained on
        self._fast = _fast_features(pipeline)

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Best label and its probability for each text: ONE predict_proba call for the batch.

        The TF-IDF features come from `features.FastFeatures` (the identical matrix, several times
        faster) when the pipeline is the usual features + classifier pair."""
        if self._fast is None:
            proba = self.pipeline.predict_proba(texts)
        else:
            proba = self.pipeline.steps[-1][1].predict_proba(self._fast.transform(texts))
        best = proba.argmax(axis=1)
        return np.asarray(self.pipeline.classes_)[best], proba.max(axis=1)

    def apply(self, con: duckdb.DuckDBPyConnection, table: str, min_confidence: float) -> None:
        """Overwrite rule-scored (not metadata/operation/tag) answers where the model is confident.

        Production traffic repeats its prompts (templates, shared system prompts), so the model
        sees each DISTINCT text once and the answers are joined back to every call that sent it.
        """
        qt = quote_table(table)
        text = model_text_sql("t", self.text_version)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _model_inputs AS SELECT t.rowid AS rid, md5({text}) AS h,"
            f" {text} AS text FROM {qt} AS t WHERE t.category_source IN ('rules', 'default')"
        )
        reader = con.sql(
            "SELECT h, any_value(text) AS text FROM _model_inputs GROUP BY h"
        ).to_arrow_reader(BATCH_ROWS)
        parts = []
        try:
            for batch in reader:
                labels, conf = self.predict(batch.column("text").to_pylist())
                keep = conf >= min_confidence
                parts.append(pa.table({"h": batch.column("h").filter(pa.array(keep)), "task": labels[keep],
                                       "conf": conf[keep]}))
        finally:
            reader.close()  # an interrupted loop must not leave the result open for the cleanup queries
        if parts:
            con.register("_model_predictions", pa.concat_tables(parts))
            try:
                # Resolve the answer of each row first, then UPDATE by rowid alone: DuckDB runs an
                # UPDATE ... FROM over a two-table join about 6x slower than over one keyed table.
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE _model_answers AS SELECT i.rid, p.task, p.conf"
                    " FROM _model_inputs AS i JOIN _model_predictions AS p ON p.h = i.h"
                )
            finally:
                con.unregister("_model_predictions")
            con.execute(
                f"UPDATE {qt} AS u SET task = a.task, category_confidence = a.conf, category_source = 'model'"
                " FROM _model_answers AS a WHERE u.rowid = a.rid"
            )
        con.execute("DROP TABLE IF EXISTS _model_inputs")
        con.execute("DROP TABLE IF EXISTS _model_answers")


def _fast_features(pipeline: Any) -> Any:
    """`FastFeatures` for a two-step (FeatureUnion, classifier) pipeline, else None (sklearn path)."""
    steps = getattr(pipeline, "steps", None)
    if not steps or len(steps) != 2 or type(steps[0][1]).__name__ != "FeatureUnion":
        return None
    from mmaudit.categorise.features import FastFeatures

    fast = FastFeatures(steps[0][1])
    return fast if fast.exact else None


def _pipeline() -> Any:
    """Word 1-2-grams plus character 2-4-grams (robust to typos and non-English), then LR."""
    pipeline = _sklearn("sklearn.pipeline")
    text = _sklearn("sklearn.feature_extraction.text")
    linear = _sklearn("sklearn.linear_model")
    features = pipeline.FeatureUnion(
        [
            ("words", text.TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=20000)),
            ("chars", text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=30000)),
        ]
    )
    return pipeline.Pipeline([("features", features), ("lr", linear.LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced"))])


@dataclass
class Labelled:
    """Model texts with their labels, plus the optional `weight` and template `family` of each line."""

    texts: list[str]
    labels: list[str]
    weights: list[float]
    families: list[str | None]


def _line_extras(path: Path) -> tuple[list[float], list[str | None]]:
    """`weight` (default 1) and `family` of each non-empty line, in file order (as example_id)."""
    weights: list[float] = []
    families: list[str | None] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            weights.append(float(obj.get("weight", 1.0)))
            families.append(obj.get("family"))
    return weights, families


def labelled_texts(path: Path, rules: Rules | None = None) -> Labelled:
    """Model text and task label of each example, built by the same SQL as inference: the rules
    (default rules unless given) categorise the examples first, as `apply_categories` does before
    the model runs, so the model text carries the rules' answer."""
    from mmaudit.categorise.plan import build_plan

    rules = rules or load_rules()
    con = duckdb.connect()
    try:
        load_examples(con, path)
        plan = build_plan("examples", rules)
        try:
            for sql, params in plan.prepare:
                con.execute(sql, params)
            con.execute(*plan.update_task)
        finally:
            for sql in plan.cleanup:
                con.execute(sql)
        rows = con.execute(f"SELECT {model_text_sql('t')}, t.label_task FROM examples AS t ORDER BY example_id").fetchall()
    finally:
        con.close()
    weights, families = _line_extras(path)
    return Labelled([r[0] for r in rows], [r[1] for r in rows], weights, families)


def fit_pipeline(texts: list[str], labels: list[str], weights: list[float] | None = None) -> Any:
    """A fitted pipeline (deterministic: liblinear-free lbfgs, no random state involved)."""
    pipe = _pipeline()
    return pipe.fit(texts, labels, lr__sample_weight=None if weights is None else np.asarray(weights, dtype=float))


def cv_splits(data: Labelled, folds: int) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """k-fold splits; when the lines carry a `family` (template), whole families are held out
    (GroupKFold), so the CV figure measures generalisation to unseen templates."""
    selection = _sklearn("sklearn.model_selection")
    labels = data.labels
    classes = sorted(set(labels))
    if any(f is not None for f in data.families):
        groups = [f if f is not None else f"line{i}" for i, f in enumerate(data.families)]
        k = max(2, min(folds, len(set(groups))))
        return k, list(selection.GroupKFold(n_splits=k).split(data.texts, labels, groups))
    smallest = min(labels.count(c) for c in classes)
    k = max(2, min(folds, smallest))
    cv = selection.StratifiedKFold(n_splits=k, shuffle=True, random_state=0) if smallest >= 2 else selection.KFold(k, shuffle=True, random_state=0)
    return k, list(cv.split(data.texts, labels))


def train(labelled_jsonl: Path, out: Path, folds: int = 5, rules: Rules | None = None) -> TrainReport:
    """Fit on all examples, report k-fold CV accuracy and confusion matrix, save to `out`.

    Optional per-line `weight` (sample weight) and `family` (template id: CV holds whole families
    out) are honoured. The model text includes the answer of `rules` (default rules if None)."""
    joblib = _sklearn("joblib")
    metrics = _sklearn("sklearn.metrics")
    data = labelled_texts(labelled_jsonl, rules)
    texts, labels = data.texts, data.labels
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(f"{labelled_jsonl}: need examples of at least two tasks")
    k, splits = cv_splits(data, folds)
    predicted = np.empty(len(labels), dtype=object)
    w = np.asarray(data.weights)
    for fit_idx, test_idx in splits:
        model = fit_pipeline([texts[i] for i in fit_idx], [labels[i] for i in fit_idx], list(w[fit_idx]))
        predicted[test_idx] = model.predict([texts[i] for i in test_idx])
    accuracy = float(np.mean(predicted == np.asarray(labels, dtype=object)))
    confusion = metrics.confusion_matrix(labels, list(predicted), labels=classes).tolist()
    fitted = fit_pipeline(texts, labels, data.weights)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sklearn = _sklearn("sklearn")
    joblib.dump({"format": FORMAT_VERSION, "pipeline": fitted, "labels": classes, "sklearn": sklearn.__version__},
                out, compress=3)
    return TrainReport(len(labels), k, accuracy, classes, confusion, out)


def load_model(path: Path) -> TrainedModel:
    """Load a model written by `train` (a trusted local file; joblib unpickles)."""
    joblib = _sklearn("joblib")
    try:
        blob = joblib.load(path)
    except FileNotFoundError:
        raise InputError(f"{path}: model file not found; run `mmaudit categorize train` first") from None
    if not isinstance(blob, dict) or blob.get("format") not in (1, FORMAT_VERSION):
        raise InputError(f"{path}: not a categoriser model written by this version of mmaudit")
    return TrainedModel(blob["pipeline"], blob["labels"], text_version=blob["format"])
