"""The categoriser as plain arrays: what a trained model is, without scikit-learn or pickle.

Why: loading the joblib model imported scikit-learn (~1 s, most of it scipy.stats) and unpickled
its objects (~1 s more) in every ingest that saw a prompt, and a pickle runs code when loaded. A
fitted TF-IDF + linear model (logistic regression or `nblr.py`'s NB-LR) is only data: each vectoriser's vocabulary, idf and
settings, and the classifiers' coefficients. `to_arrays` takes them from the fitted objects once,
`np.savez_compressed` stores them (loaded with `allow_pickle=False`: no code runs), and
`ArrayModel` applies them with numpy and `scipy.sparse` in ~0.1 s of loading.

The features are `features.py`'s exact TF-IDF counts; this module applies sublinear tf, idf and
the l2 norm as `TfidfTransformer` does, and the decision values as the fitted head does, so
the probabilities equal scikit-learn's to rounding (tests/test_categorise_arrays.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from mmaudit.categorise.concepts import ConceptTagger
from mmaudit.categorise.features import _CharWbNgrams, _WordNgrams
from mmaudit.categorise.model import ModelBase
from mmaudit.errors import InputError

ARRAYS_FORMAT = 4  # the file layout of this module; the model text version is stored beside it


@dataclass(frozen=True)
class _Vectoriser:
    """The settings the counters in `features.py` read (a stand-in for a fitted TfidfVectorizer)."""

    analyzer: str
    ngram_range: tuple[int, int]
    token_pattern: str
    vocabulary_: dict[str, int]


def _part_arrays(prefix: str, vec: Any) -> dict[str, np.ndarray]:
    grams = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
    return {
        f"{prefix}_analyzer": np.array(vec.analyzer),
        f"{prefix}_ngram_range": np.array(vec.ngram_range, dtype=np.int64),
        f"{prefix}_token_pattern": np.array(vec.token_pattern),
        f"{prefix}_vocabulary": np.array([g for g, _ in grams]),
        f"{prefix}_idf": np.asarray(vec.idf_, dtype=np.float64),
        f"{prefix}_sublinear_tf": np.array(bool(vec.sublinear_tf)),
    }


def to_arrays(pipeline: Any, complexity: Any, temperature: float, text_version: int,
              concepts: ConceptTagger | None = None) -> dict[str, np.ndarray]:
    """A fitted (FeatureUnion of plain TF-IDF vectorisers, linear head) pipeline, its complexity
    head and (text version 4) its concept lexicon as arrays. Raises InputError for anything else
    (it could not be reproduced)."""
    from mmaudit.categorise.features import FastFeatures

    union, lr = pipeline.steps[0][1], pipeline.steps[-1][1]
    fast = FastFeatures(union)
    if not fast.exact or any(vec.norm != "l2" or not vec.use_idf for _, vec in union.transformer_list):
        raise InputError("this model's features cannot be stored as arrays (custom vectoriser settings)")
    out: dict[str, np.ndarray] = {
        "format": np.array(ARRAYS_FORMAT), "text_version": np.array(text_version),
        "parts": np.array(len(union.transformer_list)), "temperature": np.array(float(temperature)),
        "task_classes": np.asarray(lr.classes_).astype(str), "task_coef": lr.coef_, "task_intercept": lr.intercept_,
    }
    for i, (_name, vec) in enumerate(union.transformer_list):
        out.update(_part_arrays(f"part{i}", vec))
    if text_version >= 4:
        if concepts is None:
            raise InputError("a text-version-4 model is stored with its concept lexicon; none was given")
        out.update(concepts.to_arrays())
    if complexity is not None:
        out.update({"cx_classes": np.asarray(complexity.classes_).astype(str), "cx_coef": complexity.coef_,
                    "cx_intercept": complexity.intercept_})
    return out


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the model file (`.npz`); written whole to a temp file first, then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray, sublinear: bool) -> sparse.csr_matrix:
    """`TfidfTransformer.transform` with norm='l2': (1 + log tf) x idf, each row scaled to unit length."""
    data = counts.data
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= idf[counts.indices]
    lengths = np.diff(counts.indptr)
    filled = lengths > 0
    norms = np.ones(len(lengths))
    if len(data):  # sums of squares per non-empty row: reduceat over their starts (empty rows keep 1)
        norms[filled] = np.sqrt(np.add.reduceat(data * data, counts.indptr[:-1][filled]))
    norms[norms == 0.0] = 1.0
    data /= np.repeat(norms, lengths)
    return counts


class ArrayModel(ModelBase):
    """A categoriser loaded from arrays (see the module docstring); same answers as the pipeline."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.labels = [str(x) for x in arrays["task_classes"]]
        self.text_version = int(arrays["text_version"])
        self.temperature = float(arrays["temperature"])
        self.concepts = ConceptTagger.from_arrays(arrays) if "concept_terms" in arrays else None
        if self.text_version >= 4 and self.concepts is None:
            raise InputError("a text-version-4 model file must hold its concept lexicon")
        self._parts: list[tuple[Any, np.ndarray, bool, int]] = []  # counter, idf, sublinear tf, width
        for i in range(int(arrays["parts"])):
            vocab = arrays[f"part{i}_vocabulary"].tolist()
            vec = _Vectoriser(str(arrays[f"part{i}_analyzer"]), tuple(int(x) for x in arrays[f"part{i}_ngram_range"]),
                              str(arrays[f"part{i}_token_pattern"]), dict(zip(vocab, range(len(vocab)))))
            counter = _WordNgrams(vec) if vec.analyzer == "word" else _CharWbNgrams(vec)
            self._parts.append((counter, np.asarray(arrays[f"part{i}_idf"]), bool(arrays[f"part{i}_sublinear_tf"]),
                                len(vocab)))
        self._shared = self._share_split()
        self._has_cx = "cx_coef" in arrays
        # `categorize adapt` moved the complexity cut points to this labelled file's convention
        self.complexity_adapted_to = (f"{arrays['cx_adapted_set']} ({int(arrays['cx_adapted_n'])} lines)"
                                      if "cx_adapted_set" in arrays else None)
        # Per head: its classes, each part's coefficients (transposed, contiguous) and the intercepts.
        self._heads = [self._head(arrays, "task")] + ([self._head(arrays, "cx")] if self._has_cx else [])
        # All heads side by side: per part one (width x all heads' columns) matrix.
        self._coef_t = [np.ascontiguousarray(np.hstack([h[1][i] for h in self._heads])) for i in range(len(self._parts))]
        self._intercepts = np.concatenate([h[2] for h in self._heads])
        self._columns = np.cumsum([0] + [len(h[2]) for h in self._heads])

    def _share_split(self) -> tuple[int, int] | None:
        """(word part, char part) when the model is one of each: the char part's per-piece memo then
        also memoises each piece's word tokens, and the text is split and scanned once."""
        kinds = [type(counter) for counter, *_ in self._parts]
        if sorted(kinds, key=lambda k: k.__name__) != [_CharWbNgrams, _WordNgrams]:
            return None
        word, char = kinds.index(_WordNgrams), kinds.index(_CharWbNgrams)
        self._parts[char][0].words = self._parts[word][0]
        return word, char

    def _head(self, arrays: dict[str, np.ndarray], name: str) -> tuple[list[str], list[np.ndarray], np.ndarray]:
        coef = np.asarray(arrays[f"{name}_coef"], dtype=np.float64)
        bounds = np.cumsum([0] + [width for *_, width in self._parts])
        per_part = [np.ascontiguousarray(coef[:, a:b].T) for a, b in itertools.pairwise(bounds)]
        return [str(x) for x in arrays[f"{name}_classes"]], per_part, np.asarray(arrays[f"{name}_intercept"], dtype=np.float64)

    @property
    def complexity(self) -> bool | None:
        """True when the model has a complexity head, else None (what `apply_categories` asks)."""
        return True if self._has_cx else None

    def features(self, texts: list[str]) -> list[sparse.csr_matrix]:
        """The TF-IDF matrix of `texts`, one block per part (`FeatureUnion` would stack them side
        by side; the decision values are the sum of each block times its own coefficients)."""
        lowered = [t.lower() for t in texts]
        if self._shared is not None:
            word, char = self._shared
            char_counter, _idf, _sub, char_width = self._parts[char]
            counts = {char: char_counter.counts(lowered, char_width, canonical=False)}
            counts[word] = char_counter.word_counts(self._parts[word][3])
            return [_tfidf(counts[i], idf, sublinear) for i, (_c, idf, sublinear, _w) in enumerate(self._parts)]
        blocks = []
        for counter, idf, sublinear, width in self._parts:
            counts = counter.counts(lowered, width, canonical=False) if isinstance(counter, _CharWbNgrams) \
                else counter.counts(lowered, width)
            blocks.append(_tfidf(counts, idf, sublinear))
        return blocks

    def _decisions(self, blocks: list[sparse.csr_matrix]) -> list[np.ndarray]:
        """Decision values of each head (task, then complexity) as the fitted heads compute
        them: one sparse product per block for all heads' columns together."""
        z = self._intercepts.copy()
        for block, coef_t in zip(blocks, self._coef_t):
            z = z + np.asarray(block @ coef_t)
        out = []
        for start, stop in itertools.pairwise(self._columns):
            part = z[:, start:stop]
            out.append(np.column_stack([-part[:, 0], part[:, 0]]) / 2.0 if stop - start == 1 else part)
        return out

    def decision(self, texts: list[str]) -> np.ndarray:
        """Task decision values (before the temperature), columns in `labels` order."""
        return self._decisions(self.features(texts))[0]

    @property
    def complexity_levels(self) -> list[str]:
        """The complexity head's levels, in the column order of its decision values."""
        return list(self._heads[1][0]) if self._has_cx else []

    def complexity_decision(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """The complexity head's levels and decision values of `texts` (the level is their argmax);
        raises InputError when the model has no complexity head."""
        if not self._has_cx:
            raise InputError("this model has no complexity head (a format 1 or 2 model): train a new one")
        return self.complexity_levels, self._decisions(self.features(texts))[1]

    def predict_all(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        decisions = self._decisions(self.features(texts))
        z = decisions[0] / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        proba = e / e.sum(axis=1, keepdims=True)
        best = proba.argmax(axis=1)
        cx = None
        if self._has_cx:
            cx = np.asarray(self._heads[1][0], dtype=object)[decisions[1].argmax(axis=1)]
        return np.asarray(self.labels, dtype=object)[best], proba.max(axis=1), cx


def load_arrays(path: Path) -> ArrayModel:
    """Load a `.npz` model (no pickle: `allow_pickle=False`)."""
    return ArrayModel(read_arrays(path))


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a `.npz` model file, checked to be one this version writes."""
    try:
        with np.load(path, allow_pickle=False) as blob:
            arrays = {k: blob[k] for k in blob.files}
    except FileNotFoundError:
        raise InputError(f"{path}: model file not found; run `mmaudit categorize train` first") from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a categoriser model file ({exc})") from None
    if int(arrays.get("format", -1)) != ARRAYS_FORMAT:
        raise InputError(f"{path}: not a categoriser model written by this version of mmaudit")
    return arrays
