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
    """Word 1-2-grams: one dict lookup per token (its id among the vocabulary's tokens), then the
    unigram and bigram indices of the whole batch are looked up with numpy."""

    def __init__(self, vec: Any):
        self.findall = re.compile(vec.token_pattern).findall
        self.token_id: dict[str, int] = {}
        grams = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
        for gram, _idx in grams:
            for tok in gram.split(" "):
                self.token_id.setdefault(tok, len(self.token_id))
        size = len(self.token_id)
        self.unigram = np.full(size + 1, -1, dtype=np.int64)  # last slot: unknown token (-1)
        keys, values = [], []
        for gram, idx in grams:
            toks = gram.split(" ")
            if len(toks) == 1:
                self.unigram[self.token_id[gram]] = idx
            else:
                keys.append(self.token_id[toks[0]] * size + self.token_id[toks[1]])
                values.append(idx)
        order = np.argsort(np.asarray(keys, dtype=np.int64))
        self.bigram_keys = np.asarray(keys, dtype=np.int64)[order]
        self.bigram_idx = np.asarray(values, dtype=np.int64)[order]
        self.bigrams = len(keys) > 0  # ngram_range (1, 2) with bigrams kept by max_features
        self.size = size

    def counts(self, docs: Sequence[str], n_features: int) -> sparse.csr_matrix:
        get = self.token_id.get
        flat: list[int] = []
        lens: list[int] = []
        for doc in docs:
            toks = self.findall(doc)
            flat += [get(t, -1) for t in toks]
            lens.append(len(toks))
        return self.counts_of_ids(np.asarray(flat, dtype=np.int64), np.asarray(lens, dtype=np.int64), n_features)

    def piece_ids(self, piece: str) -> list[int]:
        """Token ids of one whitespace-free piece of text. A document's tokens are its pieces'
        tokens in order: the token pattern never matches whitespace, and a piece's edges are word
        boundaries in the document exactly when they are at its start and end."""
        get = self.token_id.get
        return [get(t, -1) for t in self.findall(piece)]

    def counts_of_ids(self, tids: np.ndarray, n_toks: np.ndarray, n_features: int) -> sparse.csr_matrix:
        """Unigram and bigram counts from the token ids of each document (`n_toks` per document)."""
        rows = np.repeat(np.arange(len(n_toks), dtype=np.int64), n_toks)
        cols = [self.unigram[tids]]  # tid -1 reads the last slot: -1
        row_parts = [rows]
        if self.bigrams and len(tids) > 1:
            same_doc = rows[1:] == rows[:-1]
            a, b = tids[:-1][same_doc], tids[1:][same_doc]
            key = np.where((a >= 0) & (b >= 0), a * self.size + b, -1)
            pos = np.minimum(np.searchsorted(self.bigram_keys, key), len(self.bigram_keys) - 1)
            found = (key >= 0) & (self.bigram_keys[pos] == key)
            cols.append(np.where(found, self.bigram_idx[pos], -1))
            row_parts.append(rows[:-1][same_doc])
        return _count_matrix(np.concatenate(row_parts), np.concatenate(cols), len(n_toks), n_features)


class _CharWbNgrams:
    """`char_wb` n-grams, memoised per distinct word: a document's counts are its words' counts."""

    def __init__(self, vec: Any, words: _WordNgrams | None = None):
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.min_n, self.max_n = vec.ngram_range
        self.words = words  # when set, each piece's word-token ids are memoised too (`word_counts`)
        self._reset()

    def _reset(self) -> None:
        self.word_id: dict[str, int] = {}
        self.ptr = array("q", [0])  # word id -> start of its indices in `feats`
        self.feats = array("q")
        self.tok_ptr = array("q", [0])  # word id -> start of its word-token ids in `toks`
        self.toks = array("q")
        self._last: tuple[list[int], list[int]] | None = None

    def _add(self, word: str) -> int:
        """Analyse one new word as sklearn's `_char_wb_ngrams` does; store its in-vocabulary indices."""
        w = " " + word + " "
        w_len = len(w)
        grams: list[str] = []
        for n in range(self.min_n, self.max_n + 1):
            if w_len <= n:  # a short word counts once, and no longer n-gram follows (sklearn's rule)
                grams.append(w)
                break
            grams += [w[i:i + n] for i in range(w_len - n + 1)]
        self.feats.extend([i for i in map(self.vocabulary.get, grams) if i is not None])
        self.ptr.append(len(self.feats))
        if self.words is not None:
            self.toks.extend(self.words.piece_ids(word))
            self.tok_ptr.append(len(self.toks))
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
        self._last = (flat, lens)
        return flat, lens

    def word_counts(self, n_features: int) -> sparse.csr_matrix:
        """The word part's counts of the documents `counts` just read, from the memoised tokens of
        their pieces (no second pass over the text). Needs `words` at construction."""
        if self.words is None or self._last is None:
            raise ValueError("word_counts needs a word counter at construction and a `counts` call first")
        flat, lens = self._last
        pieces = np.asarray(flat, dtype=np.int64)
        tok_ptr = np.frombuffer(self.tok_ptr, dtype=np.int64)
        toks = np.frombuffer(self.toks, dtype=np.int64)
        starts, per_piece = tok_ptr[pieces], tok_ptr[pieces + 1] - tok_ptr[pieces]
        total = int(per_piece.sum())
        first = np.cumsum(per_piece) - per_piece
        # fancy indexing copies: nothing keeps the memo buffers exported, so they can grow again
        tids = toks[np.repeat(starts - first, per_piece) + np.arange(total, dtype=np.int64)] if total else toks[:0].copy()
        piece_doc = np.repeat(np.arange(len(lens), dtype=np.int64), np.asarray(lens, dtype=np.int64))
        n_toks = np.bincount(piece_doc, weights=per_piece, minlength=len(lens)).astype(np.int64)
        del tok_ptr, toks
        return self.words.counts_of_ids(tids, n_toks, n_features)

    def counts(self, docs: Sequence[str], n_features: int, canonical: bool = True) -> sparse.csr_matrix:
        """Documents x words (how often each memoised word occurs) times words x n-grams (each
        word's n-gram counts): scipy's sparse product sums the counts in C without a sort. Counts
        are whole numbers, so the sums are exact in any order; with `canonical`, sorting each
        row's columns then gives the very matrix `CountVectorizer` returns. Without it (about twice
        as fast) the rows hold the same counts in another order, which only changes the rounding of
        sums over a row (~1e-16)."""
        flat, lens = self.word_ids(docs)
        doc_ptr = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(np.asarray(lens, dtype=np.int64), out=doc_ptr[1:])
        n_words = len(self.word_id)
        words = np.asarray(flat, dtype=np.int64)
        doc_words = sparse.csr_matrix((np.ones(len(words)), words, doc_ptr), shape=(len(lens), n_words))
        ptr = np.frombuffer(self.ptr, dtype=np.int64)
        feats = np.frombuffer(self.feats, dtype=np.int64)
        word_grams = sparse.csr_matrix((np.ones(len(feats)), feats, ptr), shape=(n_words, n_features))
        counts = (doc_words @ word_grams).tocsr()
        del ptr, feats, word_grams  # release the buffers so the memo arrays can grow again
        if canonical:  # the product has no duplicate or zero entries; only the order differs
            counts.sort_indices()
        index_type = np.int32 if counts.nnz < np.iinfo(np.int32).max else np.int64
        return sparse.csr_matrix((counts.data, counts.indices.astype(index_type), counts.indptr.astype(index_type)),
                                 shape=counts.shape)


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_docs: int, n_features: int) -> sparse.csr_matrix:
    """Counts per (document, feature) as float64 CSR with sorted column indices, out-of-vocabulary
    (-1) entries dropped: what `CountVectorizer.transform` returns. One sort of row-major keys
    (int32 when they fit: numpy's SIMD sort) instead of scipy's per-row sort of COO duplicates."""
    keep = cols >= 0
    key_type = np.int32 if n_docs * n_features < np.iinfo(np.int32).max else np.int64
    keys = (rows[keep] * n_features + cols[keep]).astype(key_type)
    keys.sort()
    if len(keys):
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(starts, len(keys))).astype(np.float64)
        unique = keys[starts].astype(np.int64)
    else:
        counts, unique = np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64)
    index_type = np.int32 if len(unique) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n_docs + 1, dtype=index_type)
    np.cumsum(np.bincount(unique // n_features, minlength=n_docs), out=indptr[1:])
    return sparse.csr_matrix((counts, (unique % n_features).astype(index_type), indptr), shape=(n_docs, n_features))


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
