"""Concept tokens: request words of many languages mapped to one language-independent token.

Why: the model learns mostly from English prompts. A Japanese 要約, a Russian переведи or an
Arabic لخص is a word it has seen a few times at best, so a prompt in another language was read
right far less often than an English one (74% against 88% in the writer-held-out CV). The lexicon
(`lexicon/*.yaml`, one file per language group, written from general knowledge of the languages
without seeing the training lines) maps such words to eleven concepts (`summarize`, `translate`,
`extract`, ...). Text version 4 appends one token per concept found in the request, `zzkq_<concept>`
for the user message and `zzks_<concept>` for the system prompt, so the weight that English data
teaches the token also reads every other language.

Matching, on the version-3 model text (whose tokens carry a `qq` or `ss` field prefix):
- a term is matched on the lower-cased words of its field; a term in a script written without
  spaces (Chinese, Japanese, Thai...) or in Korean anywhere in a word, any other at a word start (no letter
  before it), and it may end mid-word, so stems cover inflections (`перевед`, `zusammenfass`);
- a term of several words matches consecutive words of one field, the last one by its start;
  where several phrases start at the same word, the longest that matches counts ("how do you
  say" is translate, not also the question of "how do").

Each distinct word is matched once (memoised); the model stores its lexicon, so a model file
reads prompts the same way whatever lexicon the installed package has.

After the concept tokens come three shape tokens of the user message (`_shape_tokens`): how many
of its words carry a digit, how many lines it has, and whether it ends with a question mark.
Both kinds were adopted on the writer-held-out cross-validation (docs/categorisation.md).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mmaudit.config import read_yaml
from mmaudit.errors import ConfigError, InputError

Concept = Literal["summarize", "translate", "extract", "classify", "write", "code", "calculate", "decide",
                  "question", "chat", "media"]
LEXICON_DIR = Path(__file__).with_name("lexicon")
MEMO_LIMIT = 1_000_000  # distinct words memoised; then the memo starts afresh
# Scripts written without spaces between words, and Korean (whose particles and endings attach to
# the word): their terms match anywhere inside a word.
_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")
_FIELDS = {"qq": "q", "ss": "s"}


class LexiconFile(BaseModel):
    """One language group's file: concept -> language code -> terms."""

    model_config = ConfigDict(extra="forbid")
    group: str
    concepts: dict[Concept, dict[str, list[str]]]

    @field_validator("concepts")
    @classmethod
    def _terms(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        for concept, languages in value.items():
            for language, terms in languages.items():
                for term in terms:
                    if not str(term).strip():
                        raise ValueError(f"{concept}.{language}: empty term")
        return value


def read_lexicon(paths: Iterable[Path] | None = None) -> dict[str, tuple[str, ...]]:
    """term -> the concepts it signals, from the packaged lexicon files (or `paths`)."""
    lexicon: dict[str, set[str]] = {}
    for path in sorted(paths if paths is not None else LEXICON_DIR.glob("*.yaml")):
        try:  # (read_yaml: the packaged files on libyaml, ~10x faster than PyYAML's pure Python)
            parsed = LexiconFile.model_validate(read_yaml(path))
        except ConfigError as exc:
            raise InputError(f"{path}: not a valid lexicon file ({str(exc).removeprefix(f'{path}: ')})") from None
        except ValidationError as exc:
            raise InputError(f"{path}: not a valid lexicon file ({exc})") from None
        for concept, languages in parsed.concepts.items():
            for terms in languages.values():
                for term in terms:
                    key = " ".join(str(term).lower().split())
                    if len(key) >= 2:
                        lexicon.setdefault(key, set()).add(concept)
    return {term: tuple(sorted(concepts)) for term, concepts in sorted(lexicon.items())}


_FIRST_NO_SPACE_CHAR = "\u0e00"  # Thai, the first of those scripts in code point order


_NUMBER_BUCKETS = ("0", "1", "2", "3", "3", "5")  # words with a digit: 0, 1, 2, 3-4, 5+


class _DigitWords(dict):
    """word -> 1 when it is a user-message word (`qq...`) holding a digit, else 0; filled on first sight."""

    def __missing__(self, word: str) -> int:
        value = self[word] = int(word.startswith("qq") and any(ch.isdigit() for ch in word[2:]))
        return value


def _is_letter(ch: str) -> bool:
    """Letters and combining marks (a Devanagari vowel sign is part of its word)."""
    return ch.isalpha() or unicodedata.category(ch)[0] == "M"


def _word_starts(word: str) -> list[int]:
    """Where a term may start in a token: its start, and after every character that is no letter."""
    if word.isalpha():  # most words: one start (checked in C before the per-character loop)
        return [0]
    return [0] + [i + 1 for i, ch in enumerate(word[:-1]) if not _is_letter(ch)]


def _no_space(term: str) -> bool:
    return unicodedata.name(term[0], "").startswith(_NO_SPACE_SCRIPTS)


class _Terms:
    """Literal terms, and the longest of them that starts at a position of a string: what one
    regex of the terms as a trie (shared prefixes matched once, longest first) matches there, by
    walking the same trie as nested dicts. Why not that regex: compiling it for the packaged
    lexicon took 0.13-0.2 s of every process that categorises; the walk runs once per distinct
    word (memoised) and is as fast as the regex there."""

    def __init__(self, terms: Iterable[str]):
        self.trie: dict[str, dict] = {}
        for term in terms:
            node = self.trie
            for ch in term:
                node = node.setdefault(ch, {})
            node[""] = {}  # a term ends here

    def __bool__(self) -> bool:
        return bool(self.trie)

    def longest_at(self, text: str, start: int = 0) -> str | None:
        """The longest term that `text[start:]` begins with, if any."""
        node, end = self.trie, -1
        for i in range(start, len(text)):
            node = node.get(text[i])
            if node is None:
                break
            if "" in node:
                end = i + 1
        return text[start:end] if end > 0 else None

    def find_all(self, text: str) -> list[str]:
        """Terms found left to right without overlapping, the longest at each position (what
        `re.finditer` of the trie regex finds)."""
        found, pos = [], 0
        while pos < len(text):
            term = self.longest_at(text, pos)
            if term is None:
                pos += 1
            else:
                found.append(term)
                pos += len(term)
        return found


class ConceptTagger:
    """Appends concept and shape tokens to version-3 model texts (see the module docstring)."""

    def __init__(self, lexicon: dict[str, tuple[str, ...]]):
        self.lexicon = lexicon
        words = [t for t in lexicon if " " not in t]
        spaced = [t for t in words if not _no_space(t)]
        unspaced = [t for t in words if _no_space(t)]
        self._spaced = _Terms(spaced)
        self._unspaced = _Terms(unspaced)
        # Phrases by their first word as it appears in the text (with its field prefix): the rest of
        # each first word's phrases, as terms gathered when the first word is first seen.
        rests: dict[str, list[str]] = {}
        for term in lexicon:
            if " " in term:
                first, rest = term.split(" ", 1)
                rests.setdefault(first, []).append(rest)
        self._phrase_rests = {prefix + first: (first, tails) for first, tails in rests.items() for prefix in _FIELDS}
        self._phrase_spans = {word: max(t.count(" ") for t in tails) + 1 for word, (_f, tails) in self._phrase_rests.items()}
        self._phrase_terms: dict[str, _Terms] = {}
        self._memo_phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._memo: dict[str, tuple[str, ...]] = {}
        self._digits = _DigitWords()

    def _word_tokens(self, token: str) -> tuple[str, ...]:
        """The concept tokens of one lower-cased text token (`qq...` or `ss...`), memoised."""
        field = _FIELDS.get(token[:2])
        hits: set[str] = set()
        word = token[2:]
        if field is not None and word:
            if self._spaced:
                for start in _word_starts(word):
                    term = self._spaced.longest_at(word, start)
                    if term is not None:
                        hits.update(self.lexicon[term])
            if self._unspaced and max(word) >= _FIRST_NO_SPACE_CHAR:
                for term in self._unspaced.find_all(word):
                    hits.update(self.lexicon[term])
        found = tuple(f"zzk{field}_{c}" for c in sorted(hits))
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
            self._digits.clear()
        self._memo[token] = found
        return found

    def _phrase_matcher(self, first: str, tails: list[str]) -> _Terms:
        found = self._phrase_terms.get(first)
        if found is None:
            found = self._phrase_terms[first] = _Terms(tails)
        return found

    def _phrase_at(self, window: tuple[str, ...]) -> tuple[str, ...]:
        """Tokens of the longest phrase that starts `window` (its first word and the words after
        it, as many as the longest phrase of that first word spans), memoised per window."""
        found = self._memo_phrases.get(window)
        if found is None:
            first, tails = self._phrase_rests[window[0]]
            tails_of_first = self._phrase_matcher(first, tails)
            prefix = window[0][:2]
            rest = []
            for following in window[1:]:
                if not following.startswith(prefix):
                    break
                rest.append(following[2:])
            tail = tails_of_first.longest_at(" ".join(rest))
            found = tuple(f"zzk{_FIELDS[prefix]}_{c}" for c in self.lexicon[f"{first} {tail}"]) if tail else ()
            if len(self._memo_phrases) >= MEMO_LIMIT:
                self._memo_phrases.clear()
            self._memo_phrases[window] = found
        return found

    def tokens(self, text: str) -> str:
        """The concept tokens of one model text, sorted (`zzkq_...` before `zzks_...`), then the
        request's shape tokens (`_shape_tokens`)."""
        words = text.lower().split()
        found = list(map(self._memo.get, words))
        if None in found:
            found = [f if f is not None else self._word_tokens(w) for f, w in zip(found, words)]
        hits = set(itertools.chain.from_iterable(found))
        spans = self._phrase_spans
        for i, word in enumerate(words):
            span = spans.get(word)
            if span is not None:
                hits.update(self._phrase_at(tuple(words[i:i + 1 + span])))
        return " ".join([*sorted(hits), *self._shape_tokens(text, words)])

    def _shape_tokens(self, text: str, words: list[str]) -> list[str]:
        """How many of the user message's words carry a digit (`zzkn_0|1|2|3|5`: 0, 1, 2, 3-4, 5+),
        how many lines it has (`zzkl_1|2|4`: 1, 2-3, 4+) and, when its last word ends with a
        question mark, `zzkqm`. Why: a word problem (several numbers, then a short question) is
        reasoning and a one-line question is qa, the boundary the model confused most."""
        numbers = sum(map(self._digits.__getitem__, words))
        lines = text.count("\nqq")
        out = [f"zzkn_{_NUMBER_BUCKETS[min(numbers, 5)]}", f"zzkl_{'1' if lines <= 1 else '2' if lines <= 3 else '4'}"]
        last = next((w for w in reversed(words) if w.startswith("qq")), "")
        if last.endswith(("?", "？")):
            out.append("zzkqm")
        return out

    def append(self, texts: list[str]) -> list[str]:
        """Each text with its concept tokens and shape tokens appended (what a format-4 model reads)."""
        out = []
        for text in texts:
            extra = self.tokens(text)
            out.append(f"{text} {extra}" if extra else text)
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The lexicon as model-file arrays (terms, and their concepts space-joined)."""
        terms = list(self.lexicon)
        return {"concept_terms": np.array(terms, dtype=str),
                "concept_names": np.array([" ".join(self.lexicon[t]) for t in terms], dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ConceptTagger:
        terms = [str(t) for t in arrays["concept_terms"]]
        names = [tuple(str(n).split()) for n in arrays["concept_names"]]
        return cls(dict(zip(terms, names)))


def default_tagger() -> ConceptTagger:
    """A tagger over the packaged lexicon (what training uses for text version 4)."""
    return ConceptTagger(read_lexicon())
