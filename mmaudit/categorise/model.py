"""Applying a trained categoriser: TF-IDF + a linear head for the task (and, format 3, the
complexity), with calibrated probabilities; training lives in `training.py`.

The model only sees what the rules see (scanned prompt text plus shape tokens, built by the same
SQL expression at training and inference time). `train` stores it as plain arrays beside the
database (`mmaudit.categoriser.npz`, see `arrays.py`): a few MB, no network, no pickle, and no
scikit-learn needed to apply it. Model files of earlier versions (`.joblib`, formats 1-4) still
load through scikit-learn; loading a joblib file executes pickle code, so only load those you
(or your team) trained.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from mmaudit.categorise.concepts import ConceptTagger
from mmaudit.categorise.sql import MODEL_READS_SQL, TAGGED_COMPLEXITY_SQL, model_text_sql, quote_table
from mmaudit.errors import InputError, MmauditError

MODEL_FILENAME = "mmaudit.categoriser.npz"
LEGACY_MODEL_FILENAME = "mmaudit.categoriser.joblib"  # written by versions before the arrays format
BUNDLED_MODEL_NAME = "data/categoriser.npz"
BATCH_ROWS = 8192
FORMAT_VERSION = 5  # 5: instruction words and crossed shape tokens (sql.model_text_sql); 4: concept tokens
# (concepts.py); 3: instruction-focused text, complexity head, temperature; 4, 3, 2 (stacking) and 1 still load


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
    """Where the model of a database lives: beside it (a model an earlier version trained there,
    `.joblib`, is still used while no `.npz` one exists)."""
    path = Path(db_path).with_name(MODEL_FILENAME)
    legacy = path.with_name(LEGACY_MODEL_FILENAME)
    return legacy if legacy.exists() and not path.exists() else path


class ModelBase:
    """What every categoriser model offers: `predict_all` over texts, and `apply` over a table.

    Subclasses set `labels`, `text_version` (which `model_text_sql` they read), `complexity`
    (truthy when they predict the complexity too) and implement `predict_all`."""

    labels: list[str]
    text_version: int
    complexity: Any = None
    concepts: ConceptTagger | None = None  # text version 4: appends concept tokens to the SQL text

    def prepare(self, texts: list[str]) -> list[str]:
        """The model texts of `model_text_sql`'s texts: with the concept tokens from version 4."""
        if self.text_version >= 4 and self.concepts is not None:
            return self.concepts.append(texts)
        return texts

    def predict_all(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Best label and its probability for each text: ONE feature matrix for the batch."""
        labels, conf, _ = self.predict_all(texts)
        return labels, conf

    def apply(self, con: duckdb.DuckDBPyConnection, table: str, min_confidence: float) -> None:
        """Overwrite rule-scored (not metadata/operation/tag) answers where the model is confident.

        Production traffic repeats its prompts (templates, shared system prompts), so the model
        sees each DISTINCT text once and the answers are joined back to every call that sent it.
        With a complexity head, every row the model sees also gets the model's complexity, unless
        a valid `tags['complexity']` is present (metadata wins, as in the rules).
        """
        _apply(self, con, table, min_confidence)


class TrainedModel(ModelBase):
    """A fitted pipeline plus the label set; applies itself to a calls table in batches.

    Format 3 adds two things on the same feature matrix: `complexity`, a second linear head
    that predicts the complexity level (the rules' level is one of its features), and
    `temperature`, the softmax temperature that calibrates the task probabilities (fitted on
    author- and family-held-out predictions at training time, see `training.fit_temperature`)."""

    def __init__(self, pipeline: Any, labels: list[str], text_version: int = FORMAT_VERSION,
                 complexity: Any = None, temperature: float = 1.0, concepts: ConceptTagger | None = None):
        self.pipeline = pipeline
        self.labels = labels
        self.text_version = text_version  # which `model_text_sql` the pipeline was trained on
        self.complexity = complexity
        self.temperature = temperature
        self.concepts = concepts
        if text_version >= 4 and concepts is None:
            raise InputError("a text-version-4 model needs its concept lexicon")
        self._fast = _fast_features(pipeline)

    def features(self, texts: list[str]) -> Any:
        """The TF-IDF matrix: `features.FastFeatures` (identical, several times faster) when the
        pipeline is the usual features + classifier pair, else scikit-learn's own transform."""
        if self._fast is None:
            return self.pipeline[:-1].transform(texts)
        return self._fast.transform(texts)

    def probabilities(self, x: Any) -> np.ndarray:
        """Task probabilities of a feature matrix, softmax(decision / temperature)."""
        lr = self.pipeline.steps[-1][1]
        if self.temperature == 1.0:
            return lr.predict_proba(x)
        z = lr.decision_function(x) / self.temperature
        if z.ndim == 1:  # two classes: one logit
            z = np.column_stack([-z, z]) / 2.0
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_all(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Task, its calibrated probability and (format 3) the complexity level of each text."""
        x = self.features(texts)
        proba = self.probabilities(x)
        best = proba.argmax(axis=1)
        cx = None if self.complexity is None else np.asarray(self.complexity.predict(x), dtype=object)
        return np.asarray(self.pipeline.classes_)[best], proba.max(axis=1), cx


def _apply(model: ModelBase, con: duckdb.DuckDBPyConnection, table: str, min_confidence: float) -> None:
    qt = quote_table(table)
    text = model_text_sql("t", model.text_version)
    # (the text built once in a subquery: pasted twice, its long expression was bound twice)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _model_inputs AS SELECT rid, md5(text) AS h, text, cx_meta FROM ("
        f"SELECT t.rowid AS rid, {text} AS text, {TAGGED_COMPLEXITY_SQL} AS cx_meta FROM {qt} AS t"
        f" WHERE {MODEL_READS_SQL})"
    )
    reader = con.sql(
        "SELECT h, any_value(text) AS text FROM _model_inputs GROUP BY h"
    ).to_arrow_reader(BATCH_ROWS)
    parts = []
    try:
        for batch in reader:
            labels, conf, cx = model.predict_all(model.prepare(batch.column("text").to_pylist()))
            keep = pa.array(conf >= min_confidence)
            parts.append(pa.table({"h": batch.column("h"), "task": labels, "conf": conf, "keep": keep,
                                   "cx": pa.nulls(len(labels), pa.string()) if cx is None else pa.array(cx, pa.string())}))
    finally:
        reader.close()  # an interrupted loop must not leave the result open for the cleanup queries
    if parts:
        con.register("_model_predictions", pa.concat_tables(parts))
        try:
            # Resolve the answer of each row first, then UPDATE by rowid alone: DuckDB runs an
            # UPDATE ... FROM over a two-table join about 6x slower than over one keyed table.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _model_answers AS SELECT i.rid, p.task, p.conf, p.keep,"
                " coalesce(i.cx_meta, p.cx) AS cx FROM _model_inputs AS i JOIN _model_predictions AS p ON p.h = i.h"
            )
        finally:
            con.unregister("_model_predictions")
        if model.complexity is None:
            con.execute(
                f"UPDATE {qt} AS u SET task = a.task, category_confidence = a.conf, category_source = 'model'"
                " FROM _model_answers AS a WHERE u.rowid = a.rid AND a.keep"
            )
        else:
            con.execute(
                f"UPDATE {qt} AS u SET task = CASE WHEN a.keep THEN a.task ELSE u.task END,"
                " category_confidence = CASE WHEN a.keep THEN a.conf ELSE u.category_confidence END,"
                " category_source = CASE WHEN a.keep THEN 'model' ELSE u.category_source END, complexity = a.cx"
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


def load_model(path: Path) -> ModelBase:
    """Load a model written by `train`: arrays (`.npz`, no pickle), or a `.joblib` file of an
    earlier version (a trusted local file: joblib unpickles)."""
    if Path(path).suffix == ".npz":
        from mmaudit.categorise.arrays import load_arrays

        return load_arrays(Path(path))
    joblib = _sklearn("joblib")
    try:
        blob = joblib.load(path)
    except FileNotFoundError:
        raise InputError(f"{path}: model file not found; run `mmaudit categorize train` first") from None
    if not isinstance(blob, dict) or blob.get("format") not in (1, 2, 3, 4, FORMAT_VERSION):
        raise InputError(f"{path}: not a categoriser model written by this version of mmaudit")
    lexicon = blob.get("concepts")
    return TrainedModel(blob["pipeline"], blob["labels"], text_version=blob["format"],
                        complexity=blob.get("complexity"), temperature=float(blob.get("temperature", 1.0)),
                        concepts=None if lexicon is None else ConceptTagger(lexicon))
