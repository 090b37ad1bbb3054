"""The indexed attribute ruler and the cached lemmatizer give exactly spaCy's output."""

from __future__ import annotations

import gzip
import itertools
import json

import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, ORTH, POS, SENT_START, SPACY, TAG
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from kg.fastpipes import LemmaCache, Unsupported, compile_ruler, install_fast_pipes
from kg.nlp import model_name, text_for_parsing

ALL_ATTRS = [ORTH, TAG, POS, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START, SPACY]

# Sentences that reach the ruler's word-specific rules: contractions, "there is", auxiliaries,
# pronoun case, determiners used as pronouns, "but" as an adverb, whitespace tokens.
TRICKY = [
    "I ain't gonna sign that, y'all know it.",
    "Let's go. C'mon, gotta see it!",
    "There is a letter and there were two lawsuits.\n\n  It is what it is.",
    "Do you have it? I did, and you didn't give it to me.",
    "That was all but certain; this is the one that they wanted, and those who asked got it.",
    "She's been told he'd have gone if they'd asked.",
    "The studios don't know whether the union will agree, though it might.",
]


@pytest.fixture(scope="module")
def stock():
    """spaCy's own pipeline (no kg swaps), with kg's sentence-start component."""
    nlp = spacy.load(model_name())
    nlp.add_pipe("kg_paragraph_boundaries", before="parser")
    return nlp


@pytest.fixture(scope="module")
def fast():
    nlp = spacy.load(model_name())
    nlp.add_pipe("kg_paragraph_boundaries", before="parser")
    swapped = install_fast_pipes(nlp)
    assert swapped == ("attribute_ruler", "lemmatizer")
    return nlp


@pytest.fixture(scope="module")
def wikinews_texts(shared_dir):
    with gzip.open(shared_dir / "corpora" / "wikinews" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [text_for_parsing(json.loads(line)["text"]) for line in itertools.islice(fh, 40)]


def _annotations(doc: Doc):
    return doc.to_array(ALL_ATTRS), [t.lemma_ for t in doc], [str(t.morph) for t in doc]


def _same(a: Doc, b: Doc) -> bool:
    x, y = _annotations(a), _annotations(b)
    return numpy.array_equal(x[0], y[0]) and x[1:] == y[1:]


def test_install_keeps_spacys_components(stock, fast, tmp_path):
    """Same names, same component objects with their API; saved, the pipeline loads as spaCy's."""
    assert fast.pipe_names == stock.pipe_names
    assert type(fast.get_pipe("attribute_ruler")) is AttributeRuler
    assert fast.get_pipe("lemmatizer").mode == "rule"
    assert install_fast_pipes(fast) == ()  # installing twice changes nothing more
    fast.to_disk(tmp_path / "model")
    reloaded = spacy.load(tmp_path / "model")
    assert reloaded.pipe_names == fast.pipe_names
    assert "match" not in reloaded.get_pipe("attribute_ruler").__dict__
    for text in TRICKY[:3]:
        assert _same(reloaded(text), stock(text))


def test_pickled_pipeline_annotates_the_same(stock, fast):
    import pickle

    copy = pickle.loads(pickle.dumps(fast))
    for text in TRICKY[:3]:
        assert _same(copy(text), stock(text))


def test_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv("KG_FAST_PIPES", "0")
    nlp = spacy.load(model_name())
    assert install_fast_pipes(nlp) == ()
    assert "match" not in nlp.get_pipe("attribute_ruler").__dict__
    assert "pipe" not in nlp.get_pipe("lemmatizer").__dict__


def test_one_doc_and_many_docs_take_the_same_path_to_the_same_lemmas(stock, fast):
    """nlp(text) asks the cache token by token, nlp.pipe(texts) column by column."""
    for text in TRICKY:
        assert _same(fast(text), stock(text))
    assert all(_same(a, b) for a, b in zip(fast.pipe(TRICKY), stock.pipe(TRICKY)))


def test_lemmas_readable_after_a_memory_zone(fast):
    """Cached lemmas are strings, added to the StringStore again for each Doc, by either path."""
    text = "The zorblaxes were quoxing loudly."
    with fast.memory_zone():
        first = [t.lemma_ for t in fast(text)]
        assert [t.lemma_ for t in next(fast.pipe([text]))] == first
    assert "zorblaxe" in first
    assert [t.lemma_ for t in next(fast.pipe([text]))] == first
    assert [t.lemma_ for t in fast(text)] == first


def test_patterns_added_after_install_are_applied(fast):
    nlp = spacy.load(model_name())
    install_fast_pipes(nlp)
    ruler = nlp.get_pipe("attribute_ruler")
    ruler.add(patterns=[[{"LOWER": "zorblax"}]], attrs={"LEMMA": "zorb"})
    assert nlp("A zorblax sang.")[1].lemma_ == "zorb"
    ruler.add(patterns=[[{"LOWER": "quox", "OP": "+"}]], attrs={"LEMMA": "qx"})  # the index cannot
    assert [t.lemma_ for t in nlp("A zorblax met quox quox.")][1:5] == ["zorb", "meet", "qx", "qx"]


def test_tricky_sentences_annotated_as_spacy_does(stock, fast):
    for text in TRICKY:
        assert _same(stock(text), fast(text)), text


def test_ruler_matches_equal_spacy_matcher(stock):
    """Before the ruler runs, the index finds the same matches as spaCy's Matcher."""
    ruler = stock.get_pipe("attribute_ruler")
    indexed = compile_ruler(ruler)
    with stock.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        docs = list(stock.pipe(TRICKY))
    total = 0
    for doc in docs:
        expected = ruler.match(doc)
        assert indexed(doc) == expected
        total += len(expected)
    assert total > sum(len(d) for d in docs)  # exceptions matched on top of the tag rules


@pytest.mark.slow
def test_real_news_annotated_as_spacy_does(stock, fast, wikinews_texts):
    """40 Wikinews articles: every token attribute and the parse equal spaCy's own pipeline."""
    pairs = zip(stock.pipe(wikinews_texts), fast.pipe(wikinews_texts))
    different = [i for i, (a, b) in enumerate(pairs) if not _same(a, b)]
    assert different == []


def test_lemma_cache_answers_repeats_without_the_lemmatizer(stock):
    cache = LemmaCache(stock.get_pipe("lemmatizer"))
    calls = []
    original = cache._compute
    cache._compute = lambda tok: calls.append(tok.text) or original(tok)
    with stock.select_pipes(disable=["lemmatizer", "ner"]):
        first, second = stock("Writers signed letters."), stock("Writers signed letters.")
    cache.annotate(first)
    n_first = len(calls)
    cache.annotate(second)
    assert [t.lemma_ for t in second] == ["writer", "sign", "letter", "."]
    assert n_first == 4 and len(calls) == n_first
    assert cache.lemmatize(second[1]) == stock.get_pipe("lemmatizer").rule_lemmatize(second[1])
    assert len(calls) == n_first


def test_word_lists_become_sets_in_a_private_copy_only(stock):
    """The lemmatizer asks its 57,000-word lists through sets; the model keeps its lists."""
    lemmatizer = stock.get_pipe("lemmatizer")
    cache = LemmaCache(lemmatizer)
    private = cache._compute.__self__
    assert private is not lemmatizer
    assert all(isinstance(v, frozenset) for v in private.lookups.get_table("lemma_index").values())
    assert all(isinstance(v, list) for v in lemmatizer.lookups.get_table("lemma_index").values())
    with stock.select_pipes(disable=["lemmatizer", "ner"]):
        doc = stock("The unions were suing studios over cloned voices and stolen likenesses.")
    assert [cache._compute(t) for t in doc] == [lemmatizer.rule_lemmatize(t) for t in doc]


def test_lemma_set_by_the_ruler_is_kept(stock):
    """spaCy's lemmatizer leaves lemmas the ruler set ("ai" → "be"); so does the cache."""
    cache = LemmaCache(stock.get_pipe("lemmatizer"))
    with stock.select_pipes(disable=["lemmatizer", "ner"]):
        doc = stock("It ai n't over.")
    assert doc[1].lemma_ == "be"
    cache.annotate(doc)
    assert [t.lemma_ for t in doc][:3] == ["it", "be", "not"]


# --- hand-made rulers on hand-made Docs: the compiled index against spaCy's Matcher ---

TAGS = ["NN", "VB", "IN", "DT", "_SP"]
WORDS = ["a", "A", "b", "is", "Is", "'s", "na", " ", ",", "3"]
DEPS = ["nsubj", "dobj", "det", "dep", "ROOT"]

_spec_value = {
    "TAG": st.one_of(st.sampled_from(TAGS), st.fixed_dictionaries({"IN": st.lists(st.sampled_from(TAGS), min_size=1)}),
                     st.fixed_dictionaries({"NOT_IN": st.lists(st.sampled_from(TAGS + [""]), min_size=1)})),
    "LOWER": st.one_of(st.sampled_from(WORDS), st.fixed_dictionaries({"IN": st.lists(st.sampled_from(WORDS), min_size=1)}),
                       st.fixed_dictionaries({"REGEX": st.sampled_from(["^[ab]$", "s", "^'", "a|n"])})),
    "DEP": st.one_of(st.sampled_from(DEPS), st.fixed_dictionaries({"NOT_IN": st.lists(st.sampled_from(DEPS + [""]), min_size=1)})),
    "IS_SPACE": st.booleans(),
    "IS_PUNCT": st.booleans(),
    "IS_ALPHA": st.booleans(),
    "ORTH": st.sampled_from(WORDS + ["A", "Is"]),
    "TEXT": st.fixed_dictionaries({"NOT_IN": st.lists(st.sampled_from(WORDS + ["A"]), min_size=1)}),
    "NORM": st.one_of(st.sampled_from(["a", "is", "'s", "be"]), st.fixed_dictionaries({"IN": st.lists(st.sampled_from(["is", "a", "na"]), min_size=1)})),
}
token_spec = st.dictionaries(st.sampled_from(sorted(_spec_value)), st.just(None), max_size=4).flatmap(
    lambda keys: st.fixed_dictionaries({k: _spec_value[k] for k in keys}))
rule = st.tuples(st.lists(st.lists(token_spec, min_size=1, max_size=2), min_size=1, max_size=2), st.integers(-1, 0))
word_rows = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(TAGS), st.sampled_from(DEPS)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(rule, min_size=1, max_size=8), rows=word_rows, parsed=st.booleans())
def test_index_equals_matcher_on_random_rulers(rules, rows, parsed):
    nlp = spacy.blank("en")
    ruler = AttributeRuler(nlp.vocab)
    for patterns, index in rules:
        index = index if all(len(p) > 1 for p in patterns) else 0  # a valid token of every match
        ruler.add(patterns=patterns, attrs={"LEMMA": "x"}, index=index)
    words = [w for w, _, _ in rows]
    doc = Doc(nlp.vocab, words=words, tags=[t for _, t, _ in rows],
              deps=[d for _, _, d in rows] if parsed else None, heads=list(range(len(rows))) if parsed else None)
    assert compile_ruler(ruler)(doc) == ruler.match(doc)


@pytest.mark.parametrize("spec", [
    {"LOWER": "a", "OP": "+"},
    {"LENGTH": {">=": 3}},
    {"MORPH": {"IS_SUPERSET": ["Number=Sing"]}},
    {"LOWER": {"FUZZY": "union"}},
    {"_": {"flag": True}},
    {"IS_SPACE": "yes"},
])
def test_unsupported_patterns_keep_spacys_ruler(spec):
    nlp = spacy.load(model_name())
    nlp.get_pipe("attribute_ruler").add(patterns=[[spec]], attrs={"LEMMA": "x"})
    with pytest.raises(Unsupported):
        compile_ruler(nlp.get_pipe("attribute_ruler"))
    assert install_fast_pipes(nlp) == ("lemmatizer",)
    assert "match" not in nlp.get_pipe("attribute_ruler").__dict__
