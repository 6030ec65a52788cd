"""Training the categoriser model: labelled texts, the pipeline, family-held-out CV, calibration.

The model text of each example is built by the same SQL as inference (`sql.model_text_sql`) after
the rules have categorised the examples, so the features cannot drift apart. `train` fits:
- the task classifier: word 1-2-gram + char_wb 2-4-gram TF-IDF, then naive-Bayes-weighted logistic
  regression (`nblr.py`: it generalises better to unseen writers than plain logistic regression);
- a complexity classifier: a second NB-LR on the same feature matrix (so it costs one sparse
  product per batch at inference, not a second vectoriser);
- a softmax temperature for the task probabilities, fitted by minimising the (sample-weighted)
  log loss of out-of-fold decision values (each fold's model never saw the examples it scores, and the folds
  hold whole writers and template families out), so `category_confidence` reads as a probability of
  being right on prompts by people the model never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from mmaudit.categorise.augment import material_swaps
from mmaudit.categorise.concepts import ConceptTagger, default_tagger
from mmaudit.categorise.dataset import example_row, load_rows, read_labelled
from mmaudit.categorise.model import FORMAT_VERSION, MODEL_READS_SQL, TAGGED_COMPLEXITY_SQL, _sklearn
from mmaudit.categorise.rules import Rules, load_rules
from mmaudit.categorise.sql import model_text_sql
from mmaudit.errors import InputError

TASK_C = 10.0
COMPLEXITY_C = 3.0


@dataclass
class TrainReport:
    """Cross-validated accuracy and the confusion matrix (rows: true label, columns: predicted)."""

    n: int
    folds: int
    cv_accuracy: float
    labels: list[str]
    confusion: list[list[int]]
    path: Path
    temperature: float = 1.0
    cv_complexity_accuracy: float | None = None

    def render(self) -> str:
        width = max(len(x) for x in self.labels) + 1
        head = " " * width + "".join(f"{x[:6]:>7}" for x in self.labels)
        rows = [f"{lab:<{width}}" + "".join(f"{v:>7}" for v in row) for lab, row in zip(self.labels, self.confusion)]
        cx = "" if self.cv_complexity_accuracy is None else f", complexity {self.cv_complexity_accuracy:.1%}"
        return "\n".join(
            [f"examples: {self.n}", f"{self.folds}-fold CV accuracy: {self.cv_accuracy:.1%}{cx}",
             f"temperature: {self.temperature:.3f}", head, *rows, f"model written to {self.path}"]
        )


@dataclass
class Labelled:
    """Model texts with their labels, plus the optional complexity, `weight`, `family` and
    `author` of each line."""

    texts: list[str]
    labels: list[str]
    weights: list[float]
    families: list[str | None]
    complexities: list[str | None] | None = None
    authors: list[str | None] | None = None
    # whether the model decides the line in `apply_categories` (the rules' source is `rules` or
    # `default`, the line has text and no `tags` complexity): what `adapt` fits on
    model_decides: list[bool] | None = None


def labelled_texts(path: Path, rules: Rules | None = None, version: int = FORMAT_VERSION,
                   concepts: ConceptTagger | None = None) -> Labelled:
    """Model text, task and complexity label of each example of a labelled JSONL file, built by
    the same SQL as inference: the rules (default rules unless given) categorise the examples
    first, as `apply_categories` does before the model runs, so the model text carries the rules'
    answer. From text version 4 the concept tokens are appended (`concepts`, else the packaged
    lexicon), as `_apply` does."""
    return labelled_with_swaps(path, rules, version, concepts, swaps=False)[0]


def labelled_with_swaps(path: Path, rules: Rules | None = None, version: int = FORMAT_VERSION,
                        concepts: ConceptTagger | None = None, swaps: bool = True) -> tuple[Labelled, Swaps | None]:
    """`labelled_texts` of a file and, with `swaps`, its material swaps, from one parse."""
    found = [(number, _checked_extras(path, number, obj)) for number, obj in read_labelled(path)]
    objs = [obj for _number, obj in found]
    data = _labelled([example_row(obj, number) for number, obj in found], objs, rules, version, concepts)
    return data, (material_swap_texts(objs, rules, version, concepts) if swaps else None)


def _checked_extras(path: Path, number: int, obj: dict[str, Any]) -> dict[str, Any]:
    """`obj`, once its training-only keys are usable: `weight` a number >= 0, `family` and
    `author` strings (each may be absent or null); else an InputError naming file and line."""
    weight = obj.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
        raise InputError(f"{path}:{number}: 'weight' must be a number >= 0 (a sample weight), found {weight!r}")
    for key in ("family", "author"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputError(f"{path}:{number}: '{key}' must be a string, found {obj[key]!r}")
    return obj


def labelled_objects(objs: list[dict[str, Any]], rules: Rules | None = None, version: int = FORMAT_VERSION,
                     concepts: ConceptTagger | None = None) -> Labelled:
    """`labelled_texts` of labelled objects already in memory (e.g. `augment.material_swaps`)."""
    return _labelled([example_row(obj, index) for index, obj in enumerate(objs)], objs, rules, version, concepts)


def _labelled(rows: list[dict[str, Any]], objs: list[dict[str, Any]], rules: Rules | None, version: int,
              concepts: ConceptTagger | None) -> Labelled:
    from mmaudit.categorise.plan import build_plan

    rules = rules or load_rules()
    con = duckdb.connect()
    try:
        load_rows(con, rows)
        plan = build_plan("examples", rules)
        try:
            for sql, params in plan.prepare:
                con.execute(sql, params)
            con.execute(*plan.update_all)
        finally:
            for sql in plan.cleanup:
                con.execute(sql)
        decides = f"{MODEL_READS_SQL} AND {TAGGED_COMPLEXITY_SQL} IS NULL"
        found = con.execute(
            f"SELECT {model_text_sql('t', version)}, t.label_task, t.label_complexity, {decides}"
            " FROM examples AS t ORDER BY example_id"
        ).fetchall()
    finally:
        con.close()
    texts = [r[0] for r in found]
    if version >= 4:
        texts = (concepts or default_tagger()).append(texts)
    return Labelled(texts, [r[1] for r in found], [float(o.get("weight", 1.0)) for o in objs],
                    [o.get("family") for o in objs], [r[2] for r in found], [o.get("author") for o in objs],
                    [bool(r[3]) for r in found])


@dataclass
class Swaps:
    """Fit-side copies (`augment.material_swaps`) as model texts, with each copy's source line."""

    data: Labelled
    sources: np.ndarray


def material_swap_texts(objs: list[dict[str, Any]], rules: Rules | None = None, version: int = FORMAT_VERSION,
                        concepts: ConceptTagger | None = None) -> Swaps | None:
    """The material swaps of labelled objects (None when no line can be swapped)."""
    swaps = material_swaps(objs)
    if not swaps:
        return None
    data = labelled_objects([copy for _source, copy in swaps], rules, version, concepts)
    return Swaps(data, np.asarray([source for source, _copy in swaps], dtype=np.int64))


def fit_side(data: Labelled, swaps: Swaps | None, fit_idx: np.ndarray) -> Labelled:
    """The lines a fit sees: `fit_idx` of `data`, plus the swaps whose source line is among them
    (a swap pairs lines of one author, so it never crosses a writer-held-out fold)."""
    pick = [int(i) for i in fit_idx]
    extra: list[int] = []
    if swaps is not None:
        extra = [int(j) for j in np.flatnonzero(np.isin(swaps.sources, fit_idx))]
    levels = data.complexities or [None] * len(data.labels)
    authors = data.authors or [None] * len(data.labels)
    s = swaps.data if swaps is not None else data
    swap_authors = s.authors or [None] * len(s.labels)
    return Labelled(
        [data.texts[i] for i in pick] + [s.texts[j] for j in extra],
        [data.labels[i] for i in pick] + [s.labels[j] for j in extra],
        [data.weights[i] for i in pick] + [s.weights[j] for j in extra],
        [data.families[i] for i in pick] + [s.families[j] for j in extra],
        [levels[i] for i in pick] + [None] * len(extra),
        [authors[i] for i in pick] + [swap_authors[j] for j in extra],
    )


def _pipeline() -> Any:
    """Word 1-2-grams plus character 2-4-grams (robust to typos and non-English), then NB-LR."""
    from mmaudit.categorise.nblr import NBLogisticRegression

    pipeline = _sklearn("sklearn.pipeline")
    text = _sklearn("sklearn.feature_extraction.text")
    features = pipeline.FeatureUnion(
        [
            ("words", text.TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=20000)),
            ("chars", text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, max_features=30000)),
        ]
    )
    return pipeline.Pipeline([("features", features), ("lr", NBLogisticRegression(C=TASK_C))])


def fit_pipeline(texts: list[str], labels: list[str], weights: list[float] | None = None) -> Any:
    """A fitted pipeline (deterministic: lbfgs, no random state involved)."""
    pipe = _pipeline()
    return pipe.fit(texts, labels, lr__sample_weight=None if weights is None else np.asarray(weights, dtype=float))


def fit_complexity(pipeline: Any, texts: list[str], levels: list[str | None], weights: list[float]) -> Any:
    """NB-LR for the complexity level on the pipeline's own feature matrix (lines without a
    complexity label are left out); None when fewer than two levels are present."""
    from mmaudit.categorise.nblr import NBLogisticRegression

    keep = [i for i, c in enumerate(levels) if c]
    if len({levels[i] for i in keep}) < 2:
        return None
    x = pipeline[:-1].transform([texts[i] for i in keep])
    lr = NBLogisticRegression(C=COMPLEXITY_C)
    return lr.fit(x, [levels[i] for i in keep], sample_weight=np.asarray([weights[i] for i in keep], dtype=float))


def fit_temperature(decision: np.ndarray, truth: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The softmax temperature T minimising the log loss of softmax(decision / T) on out-of-fold
    decision values (rows: examples, columns: classes; truth = column index of the label),
    each example counted with its sample weight (the fit's weights: hand-written prompts count
    more than generated ones there, so they do here too)."""
    optimize = _sklearn("scipy.optimize")
    w = np.ones(len(truth)) if weights is None else np.asarray(weights, dtype=float)

    def loss(t: float) -> float:
        z = decision / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-(w * log_p[np.arange(len(truth)), truth]).sum() / w.sum())

    return float(optimize.minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)


def cv_splits(data: Labelled, folds: int) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """k-fold splits; when the lines carry an `author` or a `family` (template), whole authors and
    families are held out (GroupKFold; a line's author wins over its family), so the CV figure
    measures generalisation to people and templates the fold's model never saw. Holding whole
    authors out is what chose the task head (NB-LR over plain logistic regression) and what fits
    the temperature: the dev sets and real traffic are written by other people."""
    selection = _sklearn("sklearn.model_selection")
    labels = data.labels
    classes = sorted(set(labels))
    authors = data.authors or [None] * len(labels)
    if any(f is not None for f in data.families) or any(a is not None for a in authors):
        groups = [f"author:{a}" if a is not None else f if f is not None else f"line{i}"
                  for i, (a, f) in enumerate(zip(authors, data.families))]
        k = max(2, min(folds, len(set(groups))))
        return k, list(selection.GroupKFold(n_splits=k).split(data.texts, labels, groups))
    smallest = min(labels.count(c) for c in classes)
    k = max(2, min(folds, smallest))
    cv = selection.StratifiedKFold(n_splits=k, shuffle=True, random_state=0) if smallest >= 2 else selection.KFold(k, shuffle=True, random_state=0)
    return k, list(cv.split(data.texts, labels))


def _decision(pipeline: Any, texts: list[str], classes: list[str]) -> np.ndarray:
    """Decision values of `texts` in the column order of `classes` (a fold may miss a class:
    its column is then -inf-like, so it never wins and adds nothing to the softmax)."""
    z = pipeline.decision_function(texts)
    own = list(pipeline.classes_)
    if z.ndim == 1:
        z = np.column_stack([-z, z]) / 2.0
    out = np.full((len(texts), len(classes)), -1e4)
    for j, c in enumerate(own):
        out[:, classes.index(c)] = z[:, j]
    return out


def train(labelled_jsonl: Path, out: Path, folds: int = 5, rules: Rules | None = None) -> TrainReport:
    """Fit on all examples, report k-fold CV accuracy and confusion matrix, save to `out`.

    Optional per-line `weight` (sample weight), `family` (template id) and `author` (writer: the CV
    holds whole authors, else whole families, out) are honoured. Lines with an `author` also give
    material swaps (`augment.py`), added to each fit on the side of their source line and never
    scored. The model text includes the answer of `rules` (default rules if None). The out-of-fold
    decision values of the CV also fit the temperature of the task probabilities."""
    metrics = _sklearn("sklearn.metrics")
    concepts = default_tagger()
    data, swaps = labelled_with_swaps(labelled_jsonl, rules, concepts=concepts)
    texts, labels = data.texts, data.labels
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise InputError(f"{labelled_jsonl}: need examples of at least two tasks")
    k, splits = cv_splits(data, folds)
    decision = np.zeros((len(labels), len(classes)))
    cx_pred = np.empty(len(labels), dtype=object)
    w = np.asarray(data.weights)
    levels = data.complexities or [None] * len(labels)
    for fit_idx, test_idx in splits:
        fit = fit_side(data, swaps, fit_idx)
        fold = fit_pipeline(fit.texts, fit.labels, fit.weights)
        decision[test_idx] = _decision(fold, [texts[i] for i in test_idx], classes)
        head = fit_complexity(fold, fit.texts, fit.complexities or [None] * len(fit.texts), fit.weights)
        if head is not None:
            cx_pred[test_idx] = head.predict(fold[:-1].transform([texts[i] for i in test_idx]))
    truth = np.asarray([classes.index(x) for x in labels])
    predicted = np.asarray(classes, dtype=object)[decision.argmax(axis=1)]
    accuracy = float(np.mean(predicted == np.asarray(labels, dtype=object)))
    labelled_cx = [i for i, c in enumerate(levels) if c]
    cx_accuracy = float(np.mean([cx_pred[i] == levels[i] for i in labelled_cx])) if labelled_cx else None
    confusion = metrics.confusion_matrix(labels, list(predicted), labels=classes).tolist()
    temperature = fit_temperature(decision, truth, w)
    everything = fit_side(data, swaps, np.arange(len(labels)))
    fitted = fit_pipeline(everything.texts, everything.labels, everything.weights)
    complexity = fit_complexity(fitted, everything.texts, everything.complexities or [None] * len(everything.texts), everything.weights)
    save_model(Path(out), fitted, classes, complexity, temperature, concepts)
    return TrainReport(len(labels), k, accuracy, classes, confusion, out, temperature, cx_accuracy)


def save_model(out: Path, fitted: Any, classes: list[str], complexity: Any, temperature: float,
               concepts: ConceptTagger) -> None:
    """Write the model: arrays for a `.npz` path (what `train` writes by default; see arrays.py),
    else a joblib pickle (the format of earlier versions)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npz":
        from mmaudit.categorise.arrays import save_arrays, to_arrays

        save_arrays(out, to_arrays(fitted, complexity, temperature, FORMAT_VERSION, concepts))
        return
    joblib = _sklearn("joblib")
    sklearn = _sklearn("sklearn")
    joblib.dump({"format": FORMAT_VERSION, "pipeline": fitted, "labels": classes, "sklearn": sklearn.__version__,
                 "complexity": complexity, "temperature": temperature, "concepts": concepts.lexicon}, out, compress=3)


def calibrate(model_path: Path, labelled_jsonl: Path, rules: Rules | None = None) -> float:
    """Refit the temperature of a trained model on a separate labelled calibration set (one the
    model was not fitted on) and store it in the model file; returns the temperature.

    Only examples whose label the model knows count (embedding/vision rows are decided by the
    operation, never by the model)."""
    if Path(model_path).suffix == ".npz":
        return _calibrate_arrays(Path(model_path), labelled_jsonl, rules)
    joblib = _sklearn("joblib")
    blob = joblib.load(model_path)
    lexicon = blob.get("concepts")
    data = labelled_texts(labelled_jsonl, rules, version=blob["format"],
                          concepts=None if lexicon is None else ConceptTagger(lexicon))
    classes = list(blob["pipeline"].classes_)
    keep = _known(data, classes, labelled_jsonl)
    decision = _decision(blob["pipeline"], [data.texts[i] for i in keep], classes)
    truth = np.asarray([classes.index(data.labels[i]) for i in keep])
    blob["temperature"] = fit_temperature(decision, truth)
    blob["calibration"] = {"set": Path(labelled_jsonl).name, "n": len(keep)}
    joblib.dump(blob, model_path, compress=3)
    return float(blob["temperature"])


def _known(data: Labelled, classes: list[str], path: Path) -> list[int]:
    keep = [i for i, lab in enumerate(data.labels) if lab in classes]
    if not keep:
        raise InputError(f"{path}: no example carries a task the model knows")
    return keep


def _calibrate_arrays(model_path: Path, labelled_jsonl: Path, rules: Rules | None) -> float:
    from mmaudit.categorise.arrays import ArrayModel, read_arrays, save_arrays

    arrays = read_arrays(model_path)
    model = ArrayModel(arrays)
    data = labelled_texts(labelled_jsonl, rules, version=model.text_version, concepts=model.concepts)
    keep = _known(data, model.labels, labelled_jsonl)
    decision = model.decision([data.texts[i] for i in keep])
    truth = np.asarray([model.labels.index(data.labels[i]) for i in keep])
    arrays["temperature"] = np.array(fit_temperature(decision, truth))
    arrays["calibration_set"], arrays["calibration_n"] = np.array(Path(labelled_jsonl).name), np.array(len(keep))
    save_arrays(model_path, arrays)
    return float(arrays["temperature"])
