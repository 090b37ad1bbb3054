"""kg.extract.tree: navigation from tables built once per Doc answers as spaCy does."""

from __future__ import annotations

import gzip
import json
import pytest

from kg.extract import tree
from kg.extract.tree import (
    ParseTree,
    children_of,
    head_of,
    lefts_of,
    parse_tree,
    rights_of,
    sentences_of,
    subtree_of,
    token_at,
    tokens_of,
)

TEXT = (
    "The union, which represents 160,000 performers, signed the agreement on Friday after "
    "months of talks. Its president said the studios had agreed to ask for consent before "
    "using digital replicas, and that members would vote on it. Critics called on lawmakers "
    "to act: \"Nobody asked us,\" one actor wrote."
)


@pytest.fixture(scope="module")
def news_docs(nlp, shared_dir):
    """Real news: the first 12 Wikinews articles, parsed."""
    from kg.nlp import text_for_parsing

    with gzip.open(shared_dir / "corpora" / "wikinews" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts = [json.loads(next(fh))["text"] for _ in range(12)]
    return [nlp(text_for_parsing(t)) for t in texts]


def _answers(doc) -> list:
    """Every navigation answer for ``doc``, as token indices (comparable across Token objects)."""
    idx = lambda toks: tuple(t.i for t in toks)  # noqa: E731
    out = [idx(tokens_of(doc)), tuple((s.start, s.end) for s in sentences_of(doc))]
    out += [idx(tokens_of(s)) for s in sentences_of(doc)]
    out += [idx(tokens_of(doc[a:b])) for a, b in ((0, 3), (2, 9), (5, 5), (len(doc) - 4, len(doc) + 10))]
    for t in tokens_of(doc):
        out.append((t.i, head_of(t).i, idx(children_of(t)), idx(lefts_of(t)), idx(rights_of(t)), idx(subtree_of(t))))
    n = len(doc)
    out += [token_at(doc, i).i for i in range(-n, n)]
    return out


def _spacy_answers(doc) -> list:
    """The same answers read from spaCy's own properties."""
    idx = lambda toks: tuple(t.i for t in toks)  # noqa: E731
    out = [idx(doc), tuple((s.start, s.end) for s in doc.sents)]
    out += [idx(s) for s in doc.sents]
    out += [idx(doc[a:b]) for a, b in ((0, 3), (2, 9), (5, 5), (len(doc) - 4, len(doc) + 10))]
    for t in doc:
        out.append((t.i, t.head.i, idx(t.children), idx(t.lefts), idx(t.rights), idx(t.subtree)))
    n = len(doc)
    out += [doc[i].i for i in range(-n, n)]
    return out


def test_tables_answer_as_spacy_does_on_real_news(news_docs, nlp):
    docs = [*news_docs, nlp(TEXT)]
    for doc in docs:
        expected = _spacy_answers(doc)
        with parse_tree(doc):
            assert _answers(doc) == expected
        assert _answers(doc) == expected  # outside: spaCy's own answers


def test_children_are_in_document_order_lefts_then_rights(nlp):
    doc = nlp(TEXT)
    with parse_tree(doc):
        for t in doc:
            kids = [c.i for c in children_of(t)]
            assert kids == sorted(kids)
            assert [c.i for c in lefts_of(t)] + [c.i for c in rights_of(t)] == kids
            assert all(head_of(c).i == t.i for c in children_of(t))
            assert t.i not in kids


def test_tokens_are_made_once_inside_the_block_only(nlp):
    doc = nlp(TEXT)
    with parse_tree(doc):
        first = token_at(doc, 3)
        assert token_at(doc, 3) is first
        assert tokens_of(doc)[3] is first
        root = next(t for t in tokens_of(doc) if t.dep_ == "ROOT")
        assert children_of(root) and all(head_of(c) is root for c in children_of(root))
    assert token_at(doc, 3) is not token_at(doc, 3)  # spaCy makes a new object each time


def test_a_token_of_another_doc_gets_spacys_answer(nlp):
    a, b = nlp("The studio signed the deal."), nlp("Actors and writers joined the strike in July.")
    with parse_tree(a):
        assert [c.i for c in children_of(b[1])] == [c.i for c in b[1].children]
        assert head_of(b[0]).i == b[0].head.i
        assert tokens_of(b) == tuple(b)
        assert token_at(b, -1).text == "."
        assert [s.text for s in sentences_of(b)] == [s.text for s in b.sents]


def test_blocks_nest_and_restore(nlp):
    a, b = nlp("The studio signed the deal."), nlp("The union agreed.")
    with parse_tree(a):
        outer = token_at(a, 1)
        with parse_tree(b):
            assert token_at(b, 1) is token_at(b, 1)
            assert token_at(a, 1) is not outer  # a's tables are not active in b's block
        assert token_at(a, 1) is outer
    assert tree._current.get() is None


def test_a_prebuilt_tree_is_reused(nlp):
    doc = nlp("The union signed it.")
    built = ParseTree(doc)
    with parse_tree(built):
        t = token_at(doc, 1)
    with parse_tree(built):
        assert token_at(doc, 1) is t


def test_index_errors_and_the_empty_doc(nlp):
    doc = nlp("The union signed it.")
    with parse_tree(doc):
        with pytest.raises(IndexError):
            token_at(doc, len(doc))
        with pytest.raises(IndexError):
            token_at(doc, -len(doc) - 1)
    empty = nlp("")
    with parse_tree(empty):
        assert tokens_of(empty) == ()
        assert sentences_of(empty) == ()


def test_block_is_left_when_the_body_raises(nlp):
    doc = nlp("The union signed it.")
    with pytest.raises(RuntimeError):
        with parse_tree(doc):
            raise RuntimeError("boom")
    assert tree._current.get() is None


def test_extraction_is_the_same_with_spacys_navigation(news_docs, monkeypatch):
    """The extractor's output does not depend on the tables: with them switched off (every
    lookup answered by spaCy) each article gives an equal extraction."""
    from kg.extract import extract_article
    from kg.lexicon import load_lexicon
    from kg.model import Article

    lex = load_lexicon()
    articles = [Article(id=f"w{i}", text=d.text) for i, d in enumerate(news_docs)]
    with_tables = [extract_article(d, a, lex) for d, a in zip(news_docs, articles)]

    class Off:
        def get(self):
            return None

        def set(self, value):
            return None

        def reset(self, token):
            return None

    monkeypatch.setattr(tree, "_current", Off())
    without = [extract_article(d, a, lex) for d, a in zip(news_docs, articles)]
    assert sum(len(x.relations) for x in without) > 20  # real extractions, not empty ones
    assert with_tables == without


def test_subtree_of_a_chain_thousands_deep(nlp):
    """A long list of conjuncts chains each item to the one before: no recursion limit."""
    from spacy.tokens import Doc

    n = 5000
    words = [f"w{i}" for i in range(n)]
    heads = [0] + list(range(n - 1))  # token i depends on token i - 1
    deps = ["ROOT"] + ["conj"] * (n - 1)
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps)
    with parse_tree(doc):
        got = [t.i for t in subtree_of(doc[0])]
    assert got == [t.i for t in doc[0].subtree] == list(range(n))


def test_sentence_text_is_the_doc_text_between_its_offsets(news_docs):
    """What _question_tokens reads instead of Span.text."""
    for doc in news_docs:
        for s in doc.sents:
            assert doc.text[s.start_char:s.end_char] == s.text


def test_noun_rules_yield_nothing_for_tokens_nominal_relations_skips(news_docs):
    """nominal_relations calls _credit and _part_at only for names, _possessive and _roles for
    nouns and names, _membership for nouns; the rules themselves yield nothing for other tokens."""
    from kg.extract.relations import _credit, _membership, _part_at, _possessive, _roles
    from kg.lexicon import load_lexicon

    lex = load_lexicon()
    checked = 0
    for doc in news_docs:
        with parse_tree(doc):
            for t in doc:
                if t.pos_ != "PROPN":
                    assert list(_credit(t)) == [] and list(_part_at(t)) == []
                if t.pos_ not in ("NOUN", "PROPN"):
                    assert list(_possessive(t, lex)) == [] and list(_roles(t, lex)) == []
                    checked += 1
                if t.pos_ != "NOUN":
                    assert list(_membership(t, lex)) == []
    assert checked > 1000


def test_coreference_looks_back_far_enough(news_docs, monkeypatch):
    """Candidate antecedents come from the last _LOOK_BACK sentences only; looking back over
    the whole article gives the same extractions."""
    from kg.extract import coref, extract_article
    from kg.lexicon import load_lexicon
    from kg.model import Article

    lex = load_lexicon()
    articles = [Article(id=f"w{i}", text=d.text) for i, d in enumerate(news_docs)]
    windowed = [extract_article(d, a, lex) for d, a in zip(news_docs, articles)]
    monkeypatch.setattr(coref, "_LOOK_BACK", 10**9)
    whole = [extract_article(d, a, lex) for d, a in zip(news_docs, articles)]
    assert sum(1 for x in whole for m in x.mentions if m.antecedent is not None) > 20
    assert windowed == whole
