"""Concept tokens (text version 4): the lexicon, how terms match, and the model file keeping its lexicon."""

from __future__ import annotations

import duckdb
import pytest

from mmaudit.categorise.concepts import LEXICON_DIR, ConceptTagger, read_lexicon
from mmaudit.categorise.sql import model_text_sql
from mmaudit.errors import InputError

LEXICON = {
    "summarize": ("summarize",), "summar": ("summarize",), "zusammenfass": ("summarize",),
    "要約": ("summarize",), "перевед": ("translate",), "how do you say": ("translate",),
    "how much": ("calculate",), "what is": ("question",), "pros and cons": ("decide",),
    "email": ("write",), "لخص": ("summarize",),
}


def model_text(user: str, system: str | None = None) -> str:
    """The version-3 SQL model text of one call (what `_apply` hands the tagger)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (user_prompt VARCHAR, system_prompt VARCHAR, n_messages INT, n_tools INT,"
                " response_format VARCHAR, has_image BOOLEAN, task VARCHAR, category_source VARCHAR,"
                " category_confidence DOUBLE, output_tokens INT, complexity VARCHAR)")
    con.execute("INSERT INTO t VALUES (?, ?, 1, 0, NULL, false, 'chat', 'rules', 0.5, 10, 'simple')", [user, system])
    return con.execute(f"SELECT {model_text_sql('t', 4)} FROM t").fetchone()[0]


@pytest.fixture(scope="module")
def tagger() -> ConceptTagger:
    return ConceptTagger(LEXICON)


def concepts(tagger: ConceptTagger, text: str) -> str:
    """The concept tokens of a model text (without the shape tokens that always follow them)."""
    return " ".join(t for t in tagger.tokens(text).split() if t.startswith(("zzkq_", "zzks_")))


def test_user_and_system_words_give_their_own_tokens(tagger: ConceptTagger) -> None:
    text = model_text("Please summarize this memo.", system="You draft an email for the sales team.")
    assert concepts(tagger, text) == "zzkq_summarize zzks_write"


def test_stems_match_at_a_word_start_only(tagger: ConceptTagger) -> None:
    assert concepts(tagger, model_text("Переведите, пожалуйста")) == "zzkq_translate"  # stem of переведите
    assert concepts(tagger, model_text("Bitte (Zusammenfassung) schreiben")) == "zzkq_summarize"  # after "("
    assert concepts(tagger, model_text("the resummarized notes")) == ""  # "summar" inside a word: no
    assert concepts(tagger, model_text("my emails")) == "zzkq_write"


def test_scripts_without_spaces_match_inside_words(tagger: ConceptTagger) -> None:
    assert concepts(tagger, model_text("この記事を3行で要約してください")) == "zzkq_summarize"
    assert concepts(tagger, model_text("لخص النص التالي")) == "zzkq_summarize"  # Arabic: spaced, at a word start


def test_phrases_match_consecutive_words(tagger: ConceptTagger) -> None:
    assert concepts(tagger, model_text("How do you say thank you in Korean?")) == "zzkq_translate"
    assert concepts(tagger, model_text("list the pros and cons of renting")) == "zzkq_decide"
    assert concepts(tagger, model_text("how much is 12% of 80")) == "zzkq_calculate"
    assert concepts(tagger, model_text("how do we say no to this client")) == ""  # not the phrase


def test_a_phrase_does_not_span_user_and_system(tagger: ConceptTagger) -> None:
    # The system prompt ends with "how do", the user message starts "you say": not one phrase.
    assert concepts(tagger, model_text("you say it", system="Tell them how do")) == ""


def test_append_puts_concepts_then_shape_tokens_after_the_text(tagger: ConceptTagger) -> None:
    plain = model_text("ok")
    assert tagger.append([plain]) == [plain + " zzkn_0 zzkl_1"]
    assert tagger.append([model_text("what is DNS?")]) == [model_text("what is DNS?") + " zzkq_question zzkn_0 zzkl_1 zzkqm"]


def test_shape_tokens_count_numbers_lines_and_a_final_question_mark(tagger: ConceptTagger) -> None:
    def shape(user: str, system: str | None = None) -> list[str]:
        return [t for t in tagger.tokens(model_text(user, system)).split() if not t.startswith(("zzkq_", "zzks_"))]

    problem = "Tom has 3 apples and buys 12 more at $0.50 each.\nHe gives 2 away.\nHow many are left?"
    assert shape(problem) == ["zzkn_3", "zzkl_2", "zzkqm"]  # 3, 12, $0.50 and 2: four words with digits
    assert shape("1 2 3 4 5", system="Rule 7: answer in 2 lines?") == ["zzkn_5", "zzkl_1"]  # the system's do not count
    assert shape("a\nb\nc\nd") == ["zzkn_0", "zzkl_4"]
    assert shape("東京の人口は？") == ["zzkn_0", "zzkl_1", "zzkqm"]
    assert shape("is it 42? tell me") == ["zzkn_1", "zzkl_1"]  # the question mark must end the message



def test_arrays_round_trip_keeps_the_lexicon(tagger: ConceptTagger) -> None:
    again = ConceptTagger.from_arrays(tagger.to_arrays())
    assert again.lexicon == tagger.lexicon
    text = model_text("Summarize: how do you say it", system="email")
    assert again.tokens(text) == tagger.tokens(text)


def test_packaged_lexicon_covers_every_concept_in_many_languages() -> None:
    lexicon = read_lexicon()
    concepts = {c for names in lexicon.values() for c in names}
    assert concepts == {"summarize", "translate", "extract", "classify", "write", "code", "calculate", "decide",
                        "question", "chat", "media"}
    assert len(list(LEXICON_DIR.glob("*.yaml"))) >= 8
    assert len(lexicon) > 5000
    assert all(term == term.lower() and term.strip() == term for term in lexicon)


def test_a_broken_lexicon_file_is_named(tmp_path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("group: x\nconcepts:\n  summarise: {en: [sum up]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="x.yaml: not a valid lexicon file"):
        read_lexicon([bad])


def test_ingest_hands_the_model_its_concept_tokens(tmp_path, monkeypatch) -> None:
    """`apply_categories` gives a format-4-or-later model the SQL text with the concept tokens appended,
    built from the lexicon stored in the model file (not the packaged one)."""
    from mmaudit.categorise import apply_categories, default_model, load_rules
    from mmaudit.categorise.dataset import load_examples

    model = default_model()
    assert model is not None and model.text_version == 5 and model.concepts is not None
    seen: list[str] = []
    original = type(model).predict_all

    def spy(self, texts):
        seen.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(type(model), "predict_all", spy)
    monkeypatch.setattr(model, "concepts", ConceptTagger({"要約": ("summarize",), "перевед": ("translate",)}))
    path = tmp_path / "calls.jsonl"
    path.write_text('{"user": "この記事を要約してください", "task": "summarization"}\n'
                    '{"user": "Переведите на английский", "task": "translation"}\n', encoding="utf-8")
    con = duckdb.connect()
    load_examples(con, path)
    apply_categories(con, "examples", load_rules(), model)
    assert sorted(" ".join(t.split()[-3:]) for t in seen) == ["zzkq_summarize zzkn_0 zzkl_1",
                                                               "zzkq_translate zzkn_0 zzkl_1"]


def test_a_format_4_model_file_without_its_lexicon_is_refused(tmp_path) -> None:
    import numpy as np

    from mmaudit.categorise.arrays import load_arrays, save_arrays
    from mmaudit.categorise.model import BUNDLED_MODEL_NAME

    bundled = LEXICON_DIR.parent / BUNDLED_MODEL_NAME
    with np.load(bundled, allow_pickle=False) as blob:
        arrays = {k: blob[k] for k in blob.files if not k.startswith("concept_")}
    path = tmp_path / "m.npz"
    save_arrays(path, arrays)
    with pytest.raises(InputError, match="concept lexicon"):
        load_arrays(path)


def test_dev_lines_split_by_language() -> None:
    from mmaudit.categorise import default_model
    from mmaudit.categorise.data.by_language import is_english, split_accuracy
    from mmaudit.categorise.dataset import eval_set_path

    assert is_english({"user": "Can you summarize this for me?"})
    assert not is_english({"user": "¿Puedes resumir este artículo en tres frases?"})
    assert not is_english({"user": "この記事を要約して"})
    assert is_english({"messages": [{"role": "user", "content": "hola"}, {"role": "assistant", "content": "hi"},
                                    {"role": "user", "content": "what is the capital of Peru?"}]})
    split = split_accuracy(default_model(), eval_set_path().with_name("dev_set.jsonl"))
    assert sum(n for n, _ in split.values()) == 243 and all(0 < right <= n for n, right in split.values())


def test_term_lookup_finds_the_longest_term_at_each_position_as_the_definition_says():
    """`_Terms` (a trie walked in Python, no regex compiled) against the definition itself: at a
    position, the longest term the text starts with; along a word, leftmost, longest, no overlap."""
    import random

    from mmaudit.categorise.concepts import _Terms

    terms = list(read_lexicon())
    lookup = _Terms(terms)
    by_first: dict[str, list[str]] = {}  # the terms by first character, longest first
    for term in sorted(terms, key=len, reverse=True):
        by_first.setdefault(term[0], []).append(term)

    def longest(text: str, start: int) -> str | None:
        return next((t for t in by_first.get(text[start], []) if text.startswith(t, start)), None)

    def all_found(text: str) -> list[str]:
        found, pos = [], 0
        while pos < len(text):
            term = longest(text, pos)
            found.append(term) if term else None
            pos += len(term) if term else 1
        return found

    rnd = random.Random(3)
    texts = []
    for _ in range(300):  # terms cut short, run together, inflected and prefixed: the walk's edges
        pieces = [rnd.choice(terms) for _ in range(rnd.randint(1, 3))]
        pieces[0] = pieces[0][:rnd.randint(1, len(pieces[0]))] if rnd.random() < 0.3 else pieces[0]
        texts.append(rnd.choice(["", "x", "の"]) + "".join(pieces) + rnd.choice(["", "s", "ов", "-"]))
    for text in texts:
        assert [lookup.longest_at(text, i) for i in range(len(text))] == [longest(text, i) for i in range(len(text))], text
        assert lookup.find_all(text) == all_found(text), text
    assert any(lookup.longest_at(t, 0) not in (None, t) for t in texts)  # a shorter term inside a longer match was tried
