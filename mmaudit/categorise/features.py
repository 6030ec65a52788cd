"""The bundled model's TF-IDF features, computed exactly as scikit-learn does but much faster.

Why: scikit-learn's `TfidfVectorizer.transform` analyses every document in pure Python: the
`char_wb` 2-4-gram analyser emits ~800 n-grams for a 300-character prompt and counts each one in a
dict, about 0.5 ms per text. On real traffic, where most prompts are distinct, that was ~90% of
categorisation time (~8 minutes per million distinct prompts).

How, without changing a single feature value:
- `char_wb` n-grams never cross a word (each whitespace-separated word is padded with spaces and
  cut on its own), so a document's counts are the sum of its words' counts. Each distinct word is
  analysed once (memoised as vocabulary indices) and a batch's documents are assembled with numpy.
- word 1-2-grams are looked up per document with the vectoriser's own token pattern.
- Counts become a CSR matrix with summed duplicates and sorted column indices, exactly what
  `CountVectorizer._count_vocab` returns; the fitted vectoriser's own `TfidfTransformer` then applies
  sublinear tf, idf and l2 norm, and `scipy.sparse.hstack` joins the parts as `FeatureUnion` does.
  The matrix is therefore identical (same indices, same float64 values, same order), and so are
  the probabilities. `tests/test_categorise_features.py` checks the identity.

Any vectoriser configuration this module does not reproduce (custom analyser, stop words, accents,
binary...) falls back to scikit-learn's own `transform`.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import sparse

WORD_MEMO_LIMIT = 2_000_000  # distinct words memoised for char_wb; then the memo starts afresh


def _plain(vec: Any) -> bool:
    """True when the vectoriser only lowercases and tokenises (what this module reproduces)."""
    return (
        type(vec).__name__ == "TfidfVectorizer"
        and vec.input == "content" and vec.lowercase and vec.preprocessor is None and vec.tokenizer is None
        and vec.strip_accents is None and vec.stop_words is None and not vec.binary
        and vec.dtype in (np.float64, float) and hasattr(vec, "vocabulary_") and hasattr(vec, "_tfidf")
    )


class _WordNgrams:
    """Word n-grams (token_pattern, ngram_range (1, 2)) of each document, looked up per document."""

    def __init__(self, vec: Any):
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.findall = re.compile(vec.token_pattern).findall
        self.bigrams = vec.ngram_range[1] == 2

    def ids(self, docs: Sequence[str]) -> tuple[list[int], list[int]]:
        """Flat vocabulary indices (-1 when out of vocabulary) and how many belong to each document."""
        get = self.vocabulary.get
        flat: list[int] = []
        lens: list[int] = []
        for doc in docs:
            toks = self.findall(doc)
            ids = [get(t, -1) for t in toks]
            if self.bigrams:
                ids += [get(a + " " + b, -1) for a, b in pairwise(toks)]
            flat += ids
            lens.append(len(ids))
        return flat, lens

    def counts(self, docs: Sequence[str], n_features: int) -> sparse.csr_matrix:
        flat, lens = self.ids(docs)
        return _count_matrix(np.asarray(flat, dtype=np.int64), np.asarray(lens, dtype=np.int64), n_features)


class _CharWbNgrams:
    """`char_wb` n-grams, memoised per distinct word: a document's counts are its words' counts."""

    def __init__(self, vec: Any):
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.min_n, self.max_n = vec.ngram_range
        self._reset()

    def _reset(self) -> None:
        self.word_id: dict[str, int] = {}
        self.ptr = array("q", [0])  # word id -> start of its indices in `feats`
        self.feats = array("q")

    def _add(self, word: str) -> int:
        """Analyse one new word as sklearn's `_char_wb_ngrams` does; store its in-vocabulary indices."""
        get = self.vocabulary.get
        w = " " + word + " "
        w_len = len(w)
        out = []
        for n in range(self.min_n, self.max_n + 1):
            offset = 0
            out.append(get(w[offset:offset + n], -1))
            while offset + n < w_len:
                offset += 1
                out.append(get(w[offset:offset + n], -1))
            if offset == 0:  # a short word counts once (sklearn's rule)
                break
        self.feats.extend([i for i in out if i >= 0])
        self.ptr.append(len(self.feats))
        wid = len(self.word_id)
        self.word_id[word] = wid
        return wid

    def word_ids(self, docs: Sequence[str]) -> tuple[list[int], list[int]]:
        """Memo ids of each document's words (whitespace-split, as sklearn after its \\s\\s+ squeeze)."""
        if len(self.word_id) > WORD_MEMO_LIMIT:
            self._reset()
        known = self.word_id
        add = self._add
        flat: list[int] = []
        lens: list[int] = []
        for doc in docs:
            words = doc.split()
            flat += [known[w] if w in known else add(w) for w in words]
            lens.append(len(words))
        return flat, lens

    def counts(self, docs: Sequence[str], n_features: int) -> sparse.csr_matrix:
        flat, lens = self.word_ids(docs)
        words = np.asarray(flat, dtype=np.int64)
        ptr = np.frombuffer(self.ptr, dtype=np.int64)
        feats = np.frombuffer(self.feats, dtype=np.int64)
        starts, per_word = ptr[words], ptr[words + 1] - ptr[words]
        total = int(per_word.sum())
        # Gather every word's indices in document order: position = start of word + rank inside it.
        first = np.cumsum(per_word) - per_word
        cols = feats[np.repeat(starts - first, per_word) + np.arange(total, dtype=np.int64)] if total else feats[:0]
        # n-grams per document = the sum over its words (cumulative sums at document ends)
        ends = np.concatenate([[0], np.cumsum(per_word)])[np.cumsum(np.asarray(lens, dtype=np.int64))]
        doc_lens = np.diff(np.concatenate([[0], ends]))
        del ptr, feats  # release the buffers so the memo arrays can grow again
        return _count_matrix(cols, doc_lens, n_features)


def _count_matrix(cols: np.ndarray, lens: np.ndarray, n_features: int) -> sparse.csr_matrix:
    """Counts per (document, feature) as float64 CSR with summed duplicates and sorted indices,
    dropping out-of-vocabulary (-1) entries: what `CountVectorizer.transform` returns."""
    rows = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    keep = cols >= 0
    rows, cols = rows[keep], cols[keep]
    x = sparse.csr_matrix((np.ones(len(cols), dtype=np.float64), (rows, cols)), shape=(len(lens), n_features))
    x.sum_duplicates()
    x.sort_indices()
    if x.indices.dtype != np.int32 and x.nnz <= np.iinfo(np.int32).max:
        x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
    return x


class FastFeatures:
    """`FeatureUnion.transform` of the bundled model's word + char_wb TF-IDF vectorisers, exact."""

    def __init__(self, union: Any):
        self.union = union
        self.parts: list[tuple[Any, Any]] = []
        for _name, vec in union.transformer_list:
            self.parts.append((vec, self._counter(vec)))
        self.exact = union.transformer_weights is None and all(c is not None for _v, c in self.parts)

    @staticmethod
    def _counter(vec: Any) -> _WordNgrams | _CharWbNgrams | None:
        if not _plain(vec):
            return None
        if vec.analyzer == "word" and vec.ngram_range in ((1, 1), (1, 2)):
            return _WordNgrams(vec)
        if vec.analyzer == "char_wb" and vec.ngram_range[0] >= 1:
            return _CharWbNgrams(vec)
        return None

    def transform(self, texts: Sequence[str]) -> Any:
        """The union's feature matrix of `texts` (sklearn's own transform if not `exact`)."""
        if not self.exact:
            return self.union.transform(texts)
        lowered = [t.lower() for t in texts]
        blocks = []
        for vec, counter in self.parts:
            counts = counter.counts(lowered, len(vec.vocabulary_))
            blocks.append(vec._tfidf.transform(counts, copy=False))
        return sparse.hstack(blocks).tocsr()
