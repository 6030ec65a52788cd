"""Learning the task from labelled examples: TF-IDF + logistic regression (scikit-learn, optional).

The model only sees what the rules see (scanned prompt text plus shape tokens, built by the same
SQL expression at training and inference time). It is stored with joblib beside the database
(`mmaudit.categoriser.joblib`): a few hundred kB, no network, no large weights. Loading a joblib
file executes pickle code, so only load model files you (or your team) trained.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.categorise.dataset import load_examples
from mmaudit.categorise.sql import model_text_sql, quote_table
from mmaudit.errors import InputError, MmauditError

MODEL_FILENAME = "mmaudit.categoriser.joblib"
BUNDLED_MODEL_NAME = "data/categoriser.joblib"
BATCH_ROWS = 8192
FORMAT_VERSION = 1


class MissingExtraError(MmauditError):
    """scikit-learn (the `train` extra) is not installed."""


def _sklearn(module: str) -> Any:
    """Import a scikit-learn module lazily; the base install must not need it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            "training or using a categoriser model needs scikit-learn: pip install 'mmaudit[train]'"
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

    def __init__(self, pipeline: Any, labels: list[str]):
        self.pipeline = pipeline
        self.labels = labels

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Best label and its probability for each text: ONE predict_proba call for the batch."""
        proba = self.pipeline.predict_proba(texts)
        best = proba.argmax(axis=1)
        return np.asarray(self.pipeline.classes_)[best], proba.max(axis=1)

    def apply(self, con: duckdb.DuckDBPyConnection, table: str, min_confidence: float) -> None:
        """Overwrite rule-scored (not metadata/operation/tag) answers where the model is confident.

        Production traffic repeats its prompts (templates, shared system prompts), so the model
        sees each DISTINCT text once and the answers are joined back to every call that sent it.
        """
        qt = quote_table(table)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _model_inputs AS SELECT t.rowid AS rid, md5({model_text_sql('t')}) AS h,"
            f" {model_text_sql('t')} AS text FROM {qt} AS t WHERE t.category_source IN ('rules', 'default')"
        )
        reader = con.sql(
            "SELECT h, any_value(text) AS text FROM _model_inputs GROUP BY h"
        ).to_arrow_reader(BATCH_ROWS)
        parts = []
        for batch in reader:
            labels, conf = self.predict(batch.column("text").to_pylist())
            keep = conf >= min_confidence
            parts.append(pa.table({"h": batch.column("h").filter(pa.array(keep)), "task": labels[keep], "conf": conf[keep]}))
        if parts:
            con.register("_model_predictions", pa.concat_tables(parts))
            try:
                con.execute(
                    f"UPDATE {qt} AS u SET task = p.task, category_confidence = p.conf, category_source = 'model'"
                    " FROM _model_inputs AS i JOIN _model_predictions AS p ON p.h = i.h WHERE u.rowid = i.rid"
                )
            finally:
                con.unregister("_model_predictions")
        con.execute("DROP TABLE IF EXISTS _model_inputs")


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


def labelled_texts(path: Path) -> tuple[list[str], list[str]]:
    """(model text, task label) for each example, built by the same SQL as inference."""
    con = duckdb.connect()
    try:
        load_examples(con, path)
        rows = con.execute(f"SELECT {model_text_sql('t')}, t.label_task FROM examples AS t ORDER BY example_id").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows], [r[1] for r in rows]


def train(labelled_jsonl: Path, out: Path, folds: int = 5) -> TrainReport:
    """Fit on all examples, report k-fold CV accuracy and confusion matrix, save to `out`."""
    joblib = _sklearn("joblib")
    selection = _sklearn("sklearn.model_selection")
    metrics = _sklearn("sklearn.metrics")
    texts, labels = labelled_texts(labelled_jsonl)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(f"{labelled_jsonl}: need examples of at least two tasks")
    smallest = min(labels.count(c) for c in classes)
    k = max(2, min(folds, smallest))
    cv = selection.StratifiedKFold(n_splits=k, shuffle=True, random_state=0) if smallest >= 2 else selection.KFold(k, shuffle=True, random_state=0)
    predicted = selection.cross_val_predict(_pipeline(), texts, labels, cv=cv)
    accuracy = float(np.mean(np.asarray(predicted) == np.asarray(labels)))
    confusion = metrics.confusion_matrix(labels, predicted, labels=classes).tolist()
    fitted = _pipeline().fit(texts, labels)
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
    if not isinstance(blob, dict) or blob.get("format") != FORMAT_VERSION:
        raise InputError(f"{path}: not a categoriser model written by this version of mmaudit")
    return TrainedModel(blob["pipeline"], blob["labels"])
