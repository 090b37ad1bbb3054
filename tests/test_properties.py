"""Property tests: any Unicode text as a name, title or sentence gives valid RDF and safe HTML.

Generated :class:`~kg.model.KnowledgeGraph` records (articles, entities, evidence, facts whose
strings are arbitrary Unicode, lone surrogates, control characters, markup and RDF syntax
included) go through kg's real code:

* IRI minting (:mod:`kg.ontology`): every IRI is valid (RFC 3987 characters, accepted by
  Oxigraph's strict parser and by rdflib), deterministic, and distinct for distinct ids;
* literals (:func:`kg.rdf.clean_literal`): only what no RDF syntax can carry is removed;
* every export format (:func:`kg.export.serialize` of :func:`kg.rdf.to_dataset`) and the
  streaming Turtle/TriG writers (:mod:`kg.serialize`) parse back (rdflib) to an isomorphic
  graph (:func:`rdflib.compare.isomorphic`), graph by graph for the dataset formats;
* the HTML page (:func:`kg.render.render_html`) keeps its markup whatever the text: the same
  elements as a page of harmless text, the embedded JSON parses back to the input values,
  ``</script`` only in closing tags, and no markup-like input string appears verbatim.

Bugs found here were pinned by strict ``xfail`` tests at the end of the module and are fixed; the tests stay as regressions. Until they were
fixed the property tests steer around exactly the inputs they break (:func:`steer_clear`,
:func:`without_whole_decimals`), changing as little of each generated graph as possible.

Profiles
--------
``KG_HYPOTHESIS_PROFILE`` selects how many cases each property test runs: ``quick`` (the
default: 50 each, a few seconds) or ``long`` (2,000 each: more than 10,000 cases in all)::

    KG_HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.export import DATASET_FORMATS, RDF_FORMATS, serialize, union_graph
from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph
from kg.network import from_knowledge_graph, humanize, local_name
from kg.ontology import (
    CLASSES,
    KGR,
    PREDICATES,
    article_graph_iri,
    article_iri,
    entity_iri,
    evidence_iri,
    fact_iri,
    open_relation_iri,
    slugify,
)
from kg.rdf import (
    ArticleBlocks,
    CorpusBlocks,
    clean_literal,
    graph_blocks,
    graph_sections,
    predicate_iri,
    to_dataset,
    union_blocks,
    union_entity_blocks,
)
from kg.render import render_html
from kg.serialize import _block, article_trig_body, trig_chunks, trig_section_chunks, turtle_chunks, union_entity_chunks

# --------------------------------------------------------------------------- profiles

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("kg-quick", max_examples=50, deadline=None, suppress_health_check=_HEALTH)
# CI's profile: many examples, drawn from a fixed seed, so that a run is repeatable and a change
# is judged on the same inputs as its parent; "explore" draws fresh random inputs (run it by hand)
settings.register_profile("kg-long", max_examples=2000, deadline=None, suppress_health_check=_HEALTH,
                          derandomize=True)
settings.register_profile("kg-explore", max_examples=20000, deadline=None, suppress_health_check=_HEALTH)
PROFILE_NAME = os.environ.get("KG_HYPOTHESIS_PROFILE", "quick")
if PROFILE_NAME not in ("quick", "long", "explore"):
    raise RuntimeError(f"KG_HYPOTHESIS_PROFILE={PROFILE_NAME!r}: expected 'quick', 'long' or 'explore'")
#: Settings of every property test here (a decorator: the global hypothesis profile is untouched).
PROFILE = settings.get_profile(f"kg-{PROFILE_NAME}")

# --------------------------------------------------------------------------- strategies

#: Characters that break naive escaping: markup, RDF and JSON syntax, every kind of line
#: break, controls, invisible and bidi characters, non-characters, lone surrogates, astral.
NASTY_CHARS = (
    *'<>&"\'\\`{}|^%#?/:;@_.~ \t\n\r',
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\xa0", "\xad",
    "\u0301", "\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\u2028", "\u2029", "\u3000",
    "\ufeff", "\ufdd0", "\ufffd", "\ufffe", "\uffff", "\ud800", "\udbff", "\udc00", "\udfff",
    "\U0001f600", "\U000e0041", "\U0010ffff",
)
#: Whole strings with a meaning in one of the output syntaxes.
NASTY_STRINGS = (
    "", " ", "\n", "\r\n", "a\r\nb", "line one\nline two", "  \n  ", "</script>", "</SCRIPT >", "<!--", "-->",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]>", "<![CDATA[x]]>", "${title}", "$data",
    '"""', "'''", '\\"', "\\u0022", "@prefix x: <urn:x> .", "_:b0", "<urn:x>", "}", "GRAPH <urn:g> {",
    "javascript:alert(1)", "https://example.org/a b", "1E+2", "-0", "NaN", "e\u0301", "\u05e9\u05dc\u05d5\u05dd",
    "__proto__", "constructor", "\ud83d\ude00", "\ud800", "x\x85y", "x\u2028y",
)


def texts(*, surrogates: bool = True, max_size: int = 30) -> st.SearchStrategy[str]:
    """Arbitrary strings, biased towards the characters and strings that break escaping.

    Parameters
    ----------
    surrogates
        Include lone surrogates (Python strings can hold them: JSON ``\\ud800`` escapes).
    max_size
        Longest string of random code points.
    """
    chars = st.characters(codec=None, exclude_categories=()) if surrogates else st.characters(codec="utf-8")
    pieces = st.sampled_from([c for c in NASTY_CHARS if surrogates or not "\ud800" <= c <= "\udfff"])
    strings = st.sampled_from([s for s in NASTY_STRINGS if surrogates or not re.search("[\ud800-\udfff]", s)])
    return st.one_of(
        st.text(chars, max_size=max_size),
        st.lists(st.one_of(pieces, chars, strings), max_size=8).map("".join),
        strings,
    )


#: Every nasty character and string in one text: the explicit example of every property test.
NASTY_TEXT = "".join(NASTY_CHARS) + "|".join(NASTY_STRINGS)
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` without lone surrogates (a well-formed pair is two surrogates too)."""
    return _SURROGATE.sub("", text)


def nasty_graph(text: str) -> KnowledgeGraph:
    """A small KnowledgeGraph with ``text`` in every string field (ids, names, titles, URLs,
    sentences, verbs, rules), core and open relations, every status and confidences 0.25–0.75."""
    ids = (text, text + " 2", "")
    articles = tuple(Article(i, text, title=text, url=text, date=text, author=text, source=text) for i in ids)
    entities = (
        Entity(_resolver_key(text, set()), text, "Actor", (text, text[::-1]), 3, ids),
        Entity(without_surrogates(text) or "k", text[::-1], "LaborUnion", (), 1, ids[:1]),
        Entity("plain", "", "Company", (text,), 0, ()),
    )
    a, b, c = (e.key for e in entities)

    def ev(i: int, confidence: float, **kw) -> Evidence:
        return Evidence(ids[i % 3], text, i, i + len(text), text, confidence, text, text, text, **kw)

    facts = (
        Fact(a, None, text, b, (ev(0, 0.25), ev(1, 0.5))),
        Fact(b, "signed", "signed", c, (ev(2, 0.75),)),
        Fact(c, None, text[::-1], a, (ev(0, 0.5, polarity="negative"),), status="claim"),
        Fact(a, "sued", "sued", c, (ev(1, 0.3, modality="hypothetical"),), status="candidate"),
    )
    return KnowledgeGraph(articles, entities, facts)


def _resolver_key(label: str, used: set[str]) -> str:
    """An entity key as :mod:`kg.resolve` makes one: the label's slug, made unique."""
    base = slugify(label) or "entity"
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    return key


@st.composite
def knowledge_graphs(draw: st.DrawFn, *, surrogates: bool = True) -> KnowledgeGraph:
    """A small KnowledgeGraph whose every string is drawn from :func:`texts`.

    1–3 articles (all metadata), 2–4 entities of any ontology class (keys as the resolver
    makes them, or arbitrary strings: :func:`kg.ontology.entity_iri` quotes them), 1–4 facts
    with 1–3 evidence records, core predicates or open relations, any status. Facts are
    distinct by (subject, predicate IRI, object, status), as the resolver makes them.
    """
    text = texts(surrogates=surrogates)
    ids = draw(st.lists(text, min_size=1, max_size=3, unique=True))
    maybe = st.none() | text
    articles = tuple(
        Article(id=i, text=draw(text), title=draw(maybe), url=draw(maybe), date=draw(maybe), author=draw(maybe),
                source=draw(text))
        for i in ids)
    used: set[str] = set()
    entities = []
    for _ in range(draw(st.integers(2, 4))):
        label = draw(text)
        if draw(st.booleans()):
            key = _resolver_key(label, used)
        else:  # any key: entity_iri percent-encodes it (keys never hold lone surrogates)
            key = draw(texts(surrogates=False).filter(lambda k: k not in used))
            used.add(key)
        entities.append(Entity(key, label, draw(st.sampled_from(sorted(CLASSES))), tuple(draw(st.lists(text, max_size=2))),
                               draw(st.integers(0, 10**6)), tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)))))
    keys = [e.key for e in entities]
    facts: dict[tuple, Fact] = {}
    for _ in range(draw(st.integers(1, 4))):
        subject, obj = draw(st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True))
        predicate = draw(st.none() | st.sampled_from(sorted(PREDICATES)))
        verb = draw(text) if predicate is None else predicate
        evidence = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, 10**6))
            evidence.append(Evidence(
                draw(st.sampled_from(ids)), draw(text), start, start + draw(st.integers(0, 10**4)), draw(text),
                draw(st.floats(0.0, 1.0)), draw(text), draw(text), draw(text),
                draw(st.sampled_from(["positive", "negative"])),
                draw(st.sampled_from(["asserted", "hypothetical", "question", "prohibited", "reported"]))))
        fact = Fact(subject, predicate, verb, obj, tuple(evidence), draw(st.sampled_from(["fact", "claim", "candidate"])))
        facts.setdefault((subject, str(predicate_iri(fact)), obj, fact.status), fact)
    return KnowledgeGraph(articles, tuple(entities), tuple(facts.values()))


# --------------------------------------------------------------------------- checks

# RFC 3987: no spaces, no <>"{}|\^` and no control characters (C0, DEL, C1) anywhere in an IRI.
_IRI_FORBIDDEN = re.compile('[\x00-\x20<>"{}|\\\\^`\x7f-\x9f\ud800-\udfff]')


def assert_valid_iri(iri: str) -> None:
    """Fail unless ``iri`` is a valid absolute IRI for RFC 3987, Oxigraph and rdflib.

    :class:`pyoxigraph.NamedNode` raises ``ValueError`` on anything that is not a valid
    IRI (bad characters, bad percent-encoding, no scheme).
    """
    assert not _IRI_FORBIDDEN.search(iri), f"forbidden character in IRI {iri!r}"
    pyoxigraph.NamedNode(iri)
    assert rdflib.term._is_valid_uri(iri), iri


def assert_valid_literal(text: str) -> None:
    """Fail unless ``text`` is a lexical form every RDF syntax can carry (XML 1.0 characters)."""
    bad = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]", text)
    assert bad is None, f"character U+{ord(bad.group()):04X} in literal {text!r}"
    pyoxigraph.Literal(text)


def dataset_terms(ds: Dataset) -> tuple[set[str], list[Literal]]:
    """Every IRI (graph names included) and every literal of ``ds``."""
    iris: set[str] = set()
    literals: list[Literal] = []
    for quad in ds.quads((None, None, None, None)):
        for term in quad[:3]:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal):
                literals.append(term)
        graph = quad[3]
        iris.add(str(graph.identifier if isinstance(graph, Graph) else graph))
    return iris, literals


def named_graphs(ds: Dataset) -> dict[str, Graph]:
    """The non-empty named graphs of ``ds`` by IRI."""
    return {str(g.identifier): g for g in ds.graphs() if len(g) and isinstance(g.identifier, URIRef)
            and str(g.identifier) != "urn:x-rdflib:default"}


def assert_same_dataset(back: Dataset, ds: Dataset, what: str) -> None:
    """Fail unless ``back`` holds the same named graphs as ``ds``, each isomorphic."""
    mine, theirs = named_graphs(ds), named_graphs(back)
    assert set(theirs) == set(mine), f"{what}: graph names differ"
    for name, graph in mine.items():
        assert isomorphic(theirs[name], graph), f"{what}: graph {name} differs"


# Characters a reported bug of kg.export breaks in literals (see the xfail tests below):
# str.splitlines() splits on them in _sorted_lines (nt, nq) and trig() (trig); trig() also
# re-indents every line of a multi-line literal and empties whitespace-only lines.
_SPLITLINES_ONLY = re.compile("[\x85\u2028\u2029]")
_TRIG_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")


def map_strings(kg: KnowledgeGraph, fn) -> KnowledgeGraph:
    """``kg`` with ``fn`` applied to every string that becomes a literal (not to entity keys,
    which only ever appear percent-encoded in IRIs)."""
    def opt(value: str | None) -> str | None:
        return None if value is None else fn(value)

    articles = tuple(replace(a, id=fn(a.id), text=fn(a.text), title=opt(a.title), url=opt(a.url), date=opt(a.date),
                             author=opt(a.author), source=fn(a.source)) for a in kg.articles)
    entities = tuple(replace(e, label=fn(e.label), alt_labels=tuple(map(fn, e.alt_labels)),
                             articles=tuple(map(fn, e.articles))) for e in kg.entities)
    facts = tuple(replace(f, verb=fn(f.verb), evidence=tuple(
        replace(ev, article_id=fn(ev.article_id), sentence=fn(ev.sentence), rule=fn(ev.rule), verb=fn(ev.verb),
                subject_text=fn(ev.subject_text), object_text=fn(ev.object_text)) for ev in f.evidence))
        for f in kg.facts)
    return KnowledgeGraph(articles, entities, facts)


def steer_clear(kg: KnowledgeGraph, fmt: str) -> KnowledgeGraph:
    """``kg`` unchanged: the export bugs this used to steer around (line separators in N-Triples,
    multi-line literals and invented prefixes in TriG, whole-number decimals) are fixed, and the
    tests named after them below keep them fixed."""
    return kg


def xml_known_bug(ds: Dataset) -> bool:
    """True when an open relation IRI's last segment has no letter: RDF/XML cannot name that
    predicate (:func:`test_xml_export_of_an_open_relation_minted_from_a_digest_of_digits`)."""
    return any(str(p).startswith(str(KGR)) and not re.search("[A-Za-z_]", str(p)[len(str(KGR)):])
               for p in ds.predicates())


def without_whole_decimals(kg: KnowledgeGraph) -> KnowledgeGraph:
    """``kg`` with every confidence that would round to 0 or 1 (:func:`whole_decimals`) moved
    to 0.5, so that a test can steer around that bug without rejecting examples."""
    def fix(x: float) -> float:
        return 0.5 if Decimal(f"{x:.4f}") == Decimal(f"{x:.4f}").to_integral_value() else x

    facts = []
    for f in kg.facts:
        evidence = tuple(replace(e, confidence=fix(e.confidence)) for e in f.evidence)
        if whole_decimals(KnowledgeGraph((), (), (replace(f, evidence=evidence),))):  # noisy-OR rounding to 1
            evidence = tuple(replace(e, confidence=0.5) for e in evidence)
        facts.append(replace(f, evidence=evidence))
    return replace(kg, facts=tuple(facts))


def whole_decimals(kg: KnowledgeGraph) -> bool:
    """True when a confidence rounds to a whole number (0 or 1): :func:`kg.rdf.to_dataset`
    then gives it the lexical form ``"1"``, which every Turtle writer (kg's streaming one and
    rdflib's) writes as ``1.0``, a different RDF term (see
    :func:`test_turtle_writers_keep_whole_number_confidences`)."""
    values = [f.confidence for f in kg.facts] + [e.confidence for f in kg.facts for e in f.evidence]
    return any(Decimal(f"{x:.4f}") == Decimal(f"{x:.4f}").to_integral_value() for x in values)


# --------------------------------------------------------------------------- IRIs and literals


@PROFILE
@given(name=texts())
@example(name=NASTY_TEXT)
def test_slugify_gives_a_short_lowercase_ascii_slug(name: str) -> None:
    """Any name gives a slug of ``[a-z0-9]`` runs joined by single hyphens, at most 60 long."""
    slug = slugify(name)
    assert slug == "" or re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug
    assert len(slug) <= 60
    assert slugify(slug) == slug


@PROFILE
@given(text=texts(), other=texts(), key=texts(surrogates=False), start=st.integers(0, 10**9),
       length=st.integers(0, 10**6))
@example(text=NASTY_TEXT, other=NASTY_TEXT[::-1], key=without_surrogates(NASTY_TEXT), start=0, length=0)
def test_minted_iris_are_valid_deterministic_and_distinct(text: str, other: str, key: str, start: int,
                                                          length: int) -> None:
    """Every IRI kg mints from any string is valid; equal inputs give equal IRIs, distinct
    article ids distinct article IRIs."""
    minted = [article_iri(text), article_graph_iri(text), entity_iri(_resolver_key(text, set())), entity_iri(key),
              open_relation_iri(text)]
    fact = fact_iri(str(minted[2]), str(minted[4]), str(entity_iri(key)))
    minted += [fact, evidence_iri(fact, text, start, start + length, other)]
    for iri in minted:
        assert_valid_iri(str(iri))
    assert article_iri(text) == article_iri(str(text)) and open_relation_iri(text) == open_relation_iri(text)
    if text != other:
        assert article_iri(text) != article_iri(other)
        assert article_graph_iri(text) != article_graph_iri(other)
        assert evidence_iri(fact, text, start, start, "r") != evidence_iri(fact, other, start, start, "r")
    if key:
        assert entity_iri(key) != entity_iri(key + "x")


@PROFILE
@given(text=texts(max_size=60))
@example(text=NASTY_TEXT)
def test_clean_literal_removes_only_what_rdf_cannot_carry(text: str) -> None:
    """:func:`clean_literal` output is a valid lexical form; it keeps every other character
    (``\\t``, ``\\n``, ``\\r`` included), maps lone surrogates to U+FFFD and is idempotent."""
    cleaned = clean_literal(text)
    assert_valid_literal(cleaned)
    assert clean_literal(cleaned) == cleaned
    expected = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text
                       if not (ord(c) < 0x20 and c not in "\t\n\r") and c not in "\x7f\ufffe\uffff")
    assert cleaned == expected


# --------------------------------------------------------------------------- RDF round trips


@PROFILE
@given(kg=knowledge_graphs())
@example(kg=nasty_graph(NASTY_TEXT))
def test_every_rdf_export_format_round_trips_to_an_isomorphic_graph(kg: KnowledgeGraph) -> None:
    """``to_dataset`` → :func:`kg.export.serialize` (ttl nt xml nq trig jsonld) → rdflib parse
    gives the same graphs; every IRI and literal of the dataset is valid. (Each format gets
    the graph as :func:`steer_clear` leaves it for that format.)"""
    ds = to_dataset(kg)
    iris, literals = dataset_terms(ds)
    for iri in iris:
        assert_valid_iri(iri)
    for lit in literals:
        assert_valid_literal(str(lit))
    for fmt, parser in RDF_FORMATS.items():
        steered = steer_clear(kg, fmt)
        source = ds if steered is kg else to_dataset(steered)
        assert not xml_known_bug(source)  # every open relation's local name starts with a letter
        data = serialize(source, fmt)
        if fmt in DATASET_FORMATS:
            back = Dataset()
            back.parse(data=data, format=parser)
            assert_same_dataset(back, source, fmt)
        else:
            back = Graph().parse(data=data, format=parser)
            assert isomorphic(back, union_graph(source)), fmt


@PROFILE
@given(kg=knowledge_graphs())
@example(kg=nasty_graph(NASTY_TEXT))
def test_streaming_turtle_and_trig_round_trip_to_the_dataset(kg: KnowledgeGraph) -> None:
    """kg's streaming writers (what ``kg build`` writes) parse back, with rdflib and with
    Oxigraph's strict parser, to the graphs :func:`kg.rdf.to_dataset` builds."""
    kg = without_whole_decimals(kg)
    assert not whole_decimals(kg)
    ds = to_dataset(kg)
    ttl = "".join(turtle_chunks(union_blocks(kg)))
    trig = "".join(trig_chunks(graph_blocks(kg)))
    # the corpus graph written straight from the records is the same text, its count the same
    assert "".join(trig_section_chunks(graph_sections(kg, fingerprints=False))) == trig
    corpus, *articles = [blocks for _, _, blocks in graph_sections(kg, fingerprints=False)]
    assert isinstance(corpus, CorpusBlocks) and corpus.triples == sum(len(pairs) for _, pairs in corpus)
    # so are the article graphs, written straight from their records
    assert len(articles) == len(kg.articles)
    for blocks in articles:
        assert isinstance(blocks, ArticleBlocks) and blocks.triples == sum(len(pairs) for _, pairs in blocks)
        assert "".join(article_trig_body(blocks)) == "".join(_block(s, pairs, indent="    ") for s, pairs in blocks)
    assert "".join(union_entity_chunks(kg)) == "".join(turtle_chunks(union_entity_blocks(kg)))
    assert isomorphic(Graph().parse(data=ttl, format="turtle"), union_graph(ds))
    back = Dataset()
    back.parse(data=trig, format="trig")
    assert_same_dataset(back, ds, "streaming trig")
    # Oxigraph's parser is strict (W3C grammar): the text is valid syntax, not only rdflib-readable
    assert len(set(pyoxigraph.parse(ttl, format=pyoxigraph.RdfFormat.TURTLE))) == len(union_graph(ds))
    assert len(set(pyoxigraph.parse(trig, format=pyoxigraph.RdfFormat.TRIG))) == len(set(ds.quads()))


# --------------------------------------------------------------------------- HTML


class _Page(HTMLParser):
    """Start/end tags (with attributes), the text of ``<title>`` and ``h1#kg-title``, and the
    text of each ``<script>`` element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple] = []
        self.scripts: list[tuple[dict, str]] = []
        self.texts: dict[str, str] = {}
        self._open: str | None = None
        self._attrs: dict = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(("start", tag, tuple(attrs)))
        self._attrs = dict(attrs)
        self._open = "title" if tag == "title" else "h1" if self._attrs.get("id") == "kg-title" else \
            "script" if tag == "script" else None
        if self._open:
            self.texts.setdefault(self._open, "")
            if tag == "script":
                self.scripts.append((self._attrs, ""))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("end", tag))
        self._open = None

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.append(("empty", tag, tuple(attrs)))

    def handle_comment(self, data: str) -> None:
        self.tags.append(("comment",))

    def handle_data(self, data: str) -> None:
        if self._open == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._open:
            self.texts[self._open] += data


def _render(kg: KnowledgeGraph, title: str, directory: Path) -> str:
    path = directory / "graph.html"
    render_html(from_knowledge_graph(kg), path, title=title)
    return path.read_bytes().decode("utf-8")


_BASELINE: dict[str, object] = {}


def _baseline() -> tuple[str, list[tuple]]:
    """A page of harmless text: its document and its tag sequence (the template's)."""
    if not _BASELINE:
        kg = KnowledgeGraph((Article("a", "t", title="T"),), (Entity("x", "X", "Person"), Entity("y", "Y", "Company")),
                            (Fact("x", None, "met", "y", (Evidence("a", "S.", 0, 2, "r", 0.5, "met", "X", "Y"),)),))
        with tempfile.TemporaryDirectory(prefix="kg-props-") as tmp:
            doc = _render(kg, "kg", Path(tmp))
        page = _Page()
        page.feed(doc)
        _BASELINE.update(doc=doc, tags=page.tags)
    return _BASELINE["doc"], _BASELINE["tags"]  # type: ignore[return-value]


_INPUT_PLACES = re.compile(r'(<title>)(.*?)(</title>)|(<h1 id="kg-title">)(.*?)(</h1>)'
                           r'|(<script type="application/json" id="kg-data">)(.*?)(</script>)', re.S)


def _skeleton(doc: str) -> tuple[str, list[str]]:
    """``doc`` with the contents of its three input-bearing elements cut out, and those contents."""
    cut: list[str] = []

    def hollow(m: re.Match) -> str:
        opening, content, closing = (g for g in m.groups() if g is not None)  # the alternative that matched
        cut.append(content)
        return opening + closing

    return _INPUT_PLACES.sub(hollow, doc, count=3), cut


@PROFILE
@given(kg=knowledge_graphs(surrogates=False), title=texts(surrogates=False))
@example(kg=nasty_graph(without_surrogates(NASTY_TEXT)), title=without_surrogates(NASTY_TEXT))
def test_html_page_shows_any_text_escaped(kg: KnowledgeGraph, title: str, tmp_path_factory) -> None:
    """Whatever the names, titles and sentences, :func:`kg.render.render_html` writes the
    same elements as for harmless text, shows the title as text, embeds JSON that parses back
    to the input values, and no markup-like input string appears in the page verbatim.

    (Lone surrogates are left to :func:`test_html_page_survives_lone_surrogates`: ingest
    replaces them before they can reach a page.)
    """
    baseline_doc, baseline_tags = _baseline()
    doc = _render(kg, title, tmp_path_factory.mktemp("page"))
    page = _Page()
    page.feed(doc)
    page.close()
    assert page.tags == baseline_tags, "the page's elements changed with its text"
    assert page.texts["title"] == title and page.texts["h1"] == title
    # </script only closes the three script elements; the data holds no <, > or & at all
    assert len(re.findall("</script", doc, re.IGNORECASE)) == len(page.scripts) == 3
    (data_attrs, data), *_ = page.scripts
    assert data_attrs == {"type": "application/json", "id": "kg-data"}
    assert not re.search("[<>&\u2028\u2029]", data)
    # input reaches the page only inside <title>, h1#kg-title and the JSON data: with those three
    # contents cut out, the page is the page of harmless text, byte for byte; the two texts hold
    # no raw "<" (every input "<" and "&" arrives escaped)
    skeleton, texts = _skeleton(doc)
    assert skeleton == _skeleton(baseline_doc)[0], "input text reached the page outside its three places"
    assert not any("<" in t for t in texts[:2]) and texts[2] == data

    payload = json.loads(data)
    assert payload["title"] == title
    nodes = {n["iri"]: n for n in payload["nodes"]}
    for e in kg.entities:
        node = nodes[str(entity_iri(e.key))]
        assert node["label"] == (e.label or node["iri"])
        assert node["names"] == sorted(set(e.alt_labels) - {e.label})
    rows = {r["id"]: r for r in payload["articles"]}
    for a in kg.articles:
        row = rows[a.id]
        assert (row["title"], row["date"]) == (a.title or None, a.date or None)
        assert row["url"] is None or (row["url"] == a.url and re.match("https?://", a.url, re.IGNORECASE))
    by_iri = {n["id"]: n["iri"] for n in payload["nodes"]}
    edges = {(by_iri[e["from"]], payload["predicates"][e["pred"]]["iri"], by_iri[e["to"]]): e for e in payload["edges"]}
    asserted = [f for f in kg.facts if f.asserted]
    assert len(edges) == len(asserted)
    for f in asserted:
        edge = edges[(str(entity_iri(f.subject)), str(predicate_iri(f)), str(entity_iri(f.object)))]
        assert sorted(ev[0] for ev in edge["ev"]) == sorted(ev.sentence for ev in f.evidence)
        assert sorted(ev[3] for ev in edge["ev"]) == sorted(ev.rule for ev in f.evidence)
        assert [payload["articles"][ev[1]]["id"] for ev in edge["ev"]] == \
               [ev.article_id for ev in sorted(f.evidence, key=lambda ev: (-round(ev.confidence, 4), ev.article_id,
                                                                             ev.start, ev.sentence, ev.rule))]
        if f.predicate is None:  # an open relation is labelled by its verb (by its IRI's name when empty)
            iri = predicate_iri(f)
            labels = {g.verb or humanize(local_name(str(iri))) for g in asserted if predicate_iri(g) == iri}
            assert payload["predicates"][edge["pred"]]["label"] in labels


def test_html_page_survives_lone_surrogates(tmp_path: Path) -> None:
    """A lone surrogate (possible in a hand-made KnowledgeGraph) does not stop the page; it
    is shown as a replacement character and the rest of the text is intact."""
    kg = KnowledgeGraph((Article("a", "t", title="T\ud800itle"),),
                        (Entity("x", "Ana\udfff Lopez", "Person"), Entity("y", "Y", "Company")),
                        (Fact("x", None, "met\ud800", "y", (Evidence("a", "S\ud800.", 0, 2, "r", 0.5, "met", "X", "Y"),)),))
    doc = _render(kg, "kg", tmp_path)
    page = _Page()
    page.feed(doc)
    payload = json.loads(page.scripts[0][1])
    labels = {n["iri"]: n["label"] for n in payload["nodes"]}
    assert re.fullmatch("Ana[?\ufffd] Lopez", labels[str(entity_iri("x"))])
    assert page.texts["title"] == "kg" and len(re.findall("</script", doc, re.IGNORECASE)) == 3
    assert re.fullmatch("S[?\ufffd].", payload["edges"][0]["ev"][0][0])


# --------------------------------------------------------------------------- bugs found (strict xfail)


def _one_fact_graph(text: str, verb: str = "thank", confidence: float = 0.5) -> KnowledgeGraph:
    """One article, two entities, one open-relation fact; ``text`` as title, label and sentence."""
    ev = Evidence("a1", text, 0, len(text), "open-active", confidence, verb, "Acme", "Globex")
    return KnowledgeGraph((Article("a1", text, title=text),),
                          (Entity("acme", text, "Company"), Entity("globex", "Globex", "Company")),
                          (Fact("acme", None, verb, "globex", (ev,)),))


@pytest.mark.parametrize("fmt", ["nt", "nq"])
@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_nt_and_nq_exports_keep_unicode_line_separators_in_literals(fmt: str, separator: str) -> None:
    """A title or sentence holding NEL, LINE or PARAGRAPH SEPARATOR (legal in an N-Triples
    literal; a JSON Lines ``"id"`` keeps it) survives the export."""
    ds = to_dataset(_one_fact_graph(f"Acme{separator}Corp"))
    back = Dataset()
    back.parse(data=serialize(ds, fmt), format=RDF_FORMATS[fmt])
    assert isomorphic(union_graph(back), union_graph(ds))


@pytest.mark.parametrize("text", ["line one\nline two", "a\r\nb", "para\n\n  \nend", "x\u2028y"])
def test_trig_export_keeps_multi_line_literals(text: str) -> None:
    """``kg export --format trig`` keeps a literal with line breaks exactly."""
    ds = to_dataset(_one_fact_graph(text))
    back = Dataset()
    back.parse(data=serialize(ds, "trig"), format="trig")
    assert_same_dataset(back, ds, "trig")


def test_xml_export_of_an_open_relation_minted_from_a_digest_of_digits() -> None:
    """Any open relation can be exported as RDF/XML: its IRI splits into a namespace and an
    NCName. The verb "\u4e59" is minted kgr:34583167 today; about 1 in 40 verbs without ASCII
    letters gets such an all-digit name."""
    verb = "\u4e59"
    ds = to_dataset(_one_fact_graph("Acme", verb=verb))
    back = Graph().parse(data=serialize(ds, "xml"), format="xml")
    assert isomorphic(back, union_graph(ds))


@pytest.mark.parametrize("writer", ["streaming", "export"])
@pytest.mark.parametrize("confidence", [1.0, 0.0, 0.99999])
def test_turtle_writers_keep_whole_number_confidences(writer: str, confidence: float) -> None:
    """A fact supported with confidence 1 (five articles at 0.9 give 0.99999 → 1.0) or 0 is
    the same RDF in Turtle (``graph.ttl`` as streamed, ``kg export --format ttl``) as in
    :func:`kg.rdf.to_dataset`."""
    kg = _one_fact_graph("Acme", confidence=confidence)
    ds = to_dataset(kg)
    ttl = "".join(turtle_chunks(union_blocks(kg))) if writer == "streaming" else serialize(ds, "ttl")
    assert isomorphic(Graph().parse(data=ttl, format="turtle"), union_graph(ds))


def test_trig_export_of_a_graph_with_another_vocabulary() -> None:
    """``kg export --format trig`` of a graph a user extended with their own vocabulary (links
    to another knowledge base) parses back."""
    ds = to_dataset(_one_fact_graph("Acme"))
    graph = next(g for g in ds.graphs() if len(g))
    graph.add((entity_iri("acme"), URIRef("http://www.wikidata.org/prop/direct/P31"),
               URIRef("http://www.wikidata.org/entity/Q4830453")))
    back = Dataset()
    back.parse(data=serialize(ds, "trig"), format="trig")
    assert_same_dataset(back, ds, "trig")
