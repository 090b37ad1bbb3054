"""KnowledgeGraph → rdflib Dataset, and the deterministic writers for Turtle and TriG.

Layout of the dataset (documented in the README, "Provenance model"):

* one named graph per article (:func:`kg.ontology.article_graph_iri`) holding the article's
  metadata, the plain triples it asserts (``<s> kg:signed <o>``), its :class:`kg:Evidence`
  records (sentence, offsets, rule, confidence) and ``kg:mentionedIn`` links;
* one corpus graph (:data:`CORPUS_GRAPH`) holding what depends on the whole corpus: entities
  (their class and its superclasses, ``rdfs:label``, ``skos:altLabel``), the ``kg:Fact`` / ``kg:Claim`` resources that
  describe each triple (``rdf:subject/predicate/object``, combined confidence, support count,
  ``kg:evidence`` links) and the declarations of open relations.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph
from kg.ontology import (
    ID,
    KG,
    KGR,
    article_graph_iri,
    article_iri,
    entity_iri,
    evidence_iri,
    fact_iri,
    open_relation_iri,
    superclasses,
)

__all__ = [
    "CORPUS_GRAPH",
    "SCHEMA",
    "PREFIXES",
    "predicate_iri",
    "to_dataset",
    "quads",
    "graph_blocks",
    "graph_sections",
    "CorpusBlocks",
    "ArticleBlocks",
    "article_block",
    "fact_node",
    "fact_status_class",
    "fact_evidence_iris",
    "decimal_literal",
    "union_blocks",
    "union_entity_blocks",
    "asserted_by_subject",
    "ENTITY_NS",
    "clean_literal",
    "bind_prefixes",
    "write_atomic",
]

SCHEMA = Namespace("http://schema.org/")
CORPUS_GRAPH = ID["graph/corpus"]
PREFIXES = {
    "kg": KG._NS,
    "kgr": KGR,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "schema": SCHEMA,
    "prov": Namespace("http://www.w3.org/ns/prov#"),
    "owl": Namespace("http://www.w3.org/2002/07/owl#"),
    "entity": ID["entity/"],
    "article": ID["article/"],
    "fact": ID["fact/"],
    "evidence": ID["evidence/"],
}

_BAD_CHARS = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_BAD_CHARS.update({0x7F: None, 0xFFFE: None, 0xFFFF: None})


class _Terms:
    """The ontology's terms as plain attributes (DefinedNamespace lookups are slow in hot loops)."""

    def __init__(self) -> None:
        for name in KG.__annotations__:
            setattr(self, name, KG[name])  # KG[...] raises for a term the ontology lacks


K = _Terms()
# Hot-loop constants (closed-namespace attribute lookups cost a Python call each).
_TYPE = RDF.type
_SUBJECT = RDF.subject
_PREDICATE = RDF.predicate
_OBJECT = RDF.object
_LABEL = RDFS.label
_ALT_LABEL = SKOS.altLabel
_SUBPROPERTY = RDFS.subPropertyOf
_STATUS_CLASS = {"fact": K.Fact, "claim": K.Claim, "candidate": K.Candidate}


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_literal(text: str) -> str:
    """Text safe to put in any RDF syntax: no control characters, no lone surrogates."""
    text = text.translate(_BAD_CHARS)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


def _lit(text: str, lang: str | None = None) -> Literal:
    return Literal(clean_literal(text), lang=lang)


@lru_cache(maxsize=4096)
def _dec(x: float) -> Literal:
    """An xsd:decimal with at most four places, always written with a point ("1.0", not "1"):
    Turtle writers print whole decimals that way, and the lexical form is part of the term."""
    d = Decimal(f"{x:.4f}").normalize()
    if d == d.to_integral_value():
        d = d.quantize(Decimal("0.1"))
    return Literal(d, datatype=XSD.decimal)


@lru_cache(maxsize=65536)
def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def predicate_iri(fact: Fact) -> URIRef:
    """The property a fact is asserted with: a core kg term, or an open relation."""
    return KG[fact.predicate] if fact.predicate else open_relation_iri(fact.verb)


def _article_triples(a: Article) -> Iterator[tuple]:
    node = article_iri(a.id)
    yield node, _TYPE, K.Article
    yield node, DCTERMS.identifier, _lit(a.id)
    if a.title:
        yield node, DCTERMS.title, _lit(a.title)
    if a.url:
        yield node, SCHEMA.url, Literal(clean_literal(a.url), datatype=XSD.anyURI)
    if a.date:
        yield node, DCTERMS.date, _lit(a.date)
    if a.author:
        yield node, DCTERMS.creator, _lit(a.author)
    if a.source:
        yield node, K.sourcePath, _lit(a.source)
    yield node, K.contentHash, _lit(a.content_hash)


def _entity_triples(e: Entity) -> Iterator[tuple]:
    node = entity_iri(e.key)
    # The class and its superclasses (RDFS entailment materialised: `?x a kg:Person` finds actors).
    for cls in superclasses(e.cls):
        yield node, _TYPE, KG[cls]
    yield node, _LABEL, _lit(e.label)
    for alt in e.alt_labels:
        yield node, _ALT_LABEL, _lit(alt)
    yield node, K.mentionCount, _int(e.mention_count)


def _evidence_triples(fact_node: URIRef, ev: Evidence) -> tuple[URIRef, list[tuple]]:
    node = evidence_iri(fact_node, ev.article_id, ev.start, ev.end, ev.rule)
    t = [
        (node, _TYPE, K.Evidence),
        (node, K.sentence, _lit(ev.sentence)),
        (node, K.startChar, _int(ev.start)),
        (node, K.endChar, _int(ev.end)),
        (node, K.sourceArticle, article_iri(ev.article_id)),
        (node, K.extractionRule, _lit(ev.rule)),
        (node, K.confidence, _dec(ev.confidence)),
        (node, K.verbPhrase, _lit(ev.verb)),
        (node, K.subjectText, _lit(ev.subject_text)),
        (node, K.objectText, _lit(ev.object_text)),
    ]
    if ev.polarity != "positive":
        t.append((node, K.polarity, _lit(ev.polarity)))
    if ev.modality != "asserted":
        t.append((node, K.modality, _lit(ev.modality)))
    return node, t


Block = tuple[URIRef, list[tuple[URIRef, object]]]  # a subject and its (predicate, object) pairs


def fact_node(f: Fact) -> tuple[URIRef, URIRef, URIRef, URIRef]:
    """The IRIs of a fact's resource (its status suffixed unless a plain fact), subject,
    predicate and object."""
    s, o = entity_iri(f.subject), entity_iri(f.object)
    p = predicate_iri(f)
    node = fact_iri(str(s), str(p), str(o))
    return (node if f.status == "fact" else URIRef(f"{node}-{f.status}")), s, p, o


def fact_status_class(f: Fact) -> URIRef:
    """kg:Fact, kg:Claim or kg:Candidate."""
    return _STATUS_CLASS[f.status]


def fact_evidence_iris(node: URIRef, f: Fact) -> list[URIRef]:
    """The IRIs of a fact's evidence records, in its evidence order."""
    return [evidence_iri(node, ev.article_id, ev.start, ev.end, ev.rule) for ev in f.evidence]


decimal_literal = _dec


def _fact_block(f: Fact) -> Block:
    node, s, p, o = fact_node(f)
    pairs: list[tuple[URIRef, object]] = [
        (_TYPE, fact_status_class(f)), (_SUBJECT, s), (_PREDICATE, p), (_OBJECT, o),
        (K.confidence, _dec(f.confidence)), (K.supportCount, _int(f.support)),
        (K.articleCount, _int(f.article_count)),
    ]
    pairs += [(K.evidence, iri) for iri in fact_evidence_iris(node, f)]
    return node, pairs


def _open_relation_blocks(kg: KnowledgeGraph) -> Iterator[Block]:
    seen = sorted({(predicate_iri(f), f.verb) for f in kg.facts if f.predicate is None})
    for p, verb in seen:
        yield p, [(_TYPE, K.OpenRelation), (_LABEL, _lit(verb)), (_SUBPROPERTY, K.relatedTo)]


def article_block(a: Article) -> Block:
    """The block of the article resource itself (identifier, title, URL, date, ...)."""
    return article_iri(a.id), [(p, o) for _, p, o in _article_triples(a)]


class _Index:
    """What each article graph holds, by reference (no triples are materialised)."""

    def __init__(self, kg: KnowledgeGraph, nodes: list[tuple[URIRef, URIRef, URIRef, URIRef]] | None = None):
        self.evidence: dict[str, list[tuple[URIRef, Evidence]]] = {}
        self.asserted: dict[str, set[tuple[URIRef, URIRef, URIRef]]] = {}
        self.mentioned: dict[str, list[str]] = {}
        for f, (node, s, p, o) in zip(kg.facts, nodes if nodes is not None else map(fact_node, kg.facts)):
            for ev in f.evidence:
                self.evidence.setdefault(ev.article_id, []).append((node, ev))
                if f.asserted:
                    self.asserted.setdefault(ev.article_id, set()).add((s, p, o))
        for e in kg.entities:
            for aid in e.articles:
                self.mentioned.setdefault(aid, []).append(e.key)

    def article_parts(self, a: Article) -> tuple[list[str], list[tuple], list[tuple[URIRef, Evidence]]]:
        """What the graph of article ``a`` is made of: its entities' keys, its asserted triples
        and its evidence (with fact nodes), each in writing order."""
        asserted = sorted(self.asserted.get(a.id, ()))
        evidence = sorted(self.evidence.get(a.id, ()), key=lambda x: (x[1].start, x[1].rule, str(x[0])))
        return self.mentioned.get(a.id, []), asserted, evidence

    def article_blocks(self, a: Article, parts: tuple | None = None) -> Iterator[Block]:
        mentioned, asserted, evidence = parts if parts is not None else self.article_parts(a)
        art = article_iri(a.id)
        yield article_block(a)
        stubs: dict[URIRef, list[tuple[URIRef, object]]] = {}
        for key in mentioned:
            stubs.setdefault(entity_iri(key), []).append((K.mentionedIn, art))
        for s, p, o in asserted:
            stubs.setdefault(s, []).append((p, o))
        for s in sorted(stubs):
            yield s, sorted(stubs[s], key=lambda po: (str(po[0]), str(po[1])))
        for node, ev in evidence:
            ev_node, triples = _evidence_triples(node, ev)
            yield ev_node, [(p, o) for _, p, o in triples]


@lru_cache(maxsize=1)
def _writer_salt() -> bytes:
    """Digest of the code that turns records into triples and text: a fingerprint made by an
    older writer never matches one made by this one."""
    import hashlib
    import sys
    import unicodedata

    from kg.cache import code_digest

    code = code_digest("kg.model", "kg.ontology", "kg.rdf", "kg.serialize")
    if code is None:  # no source to read (a frozen install): never match an earlier text
        return os.urandom(16)
    return hashlib.sha256(f"{sys.version_info[:2]} {unicodedata.unidata_version}".encode() + code).digest()


def _fingerprint(*parts: object) -> str:
    """A deterministic digest of records (pickled without memo, so object identity and sharing
    do not change the bytes; kg's records hold no sets, whose order would)."""
    import hashlib
    import io
    import pickle

    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True
    pickler.dump((_writer_salt(), parts))
    return hashlib.blake2b(buf.getvalue(), digest_size=20).hexdigest()


_evidence_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Evidence)))


class CorpusBlocks:
    """The corpus graph's blocks: the entities, the facts (with claims and candidates) and the
    open relations, in writing order. Iterating gives :data:`Block` tuples of rdflib terms; a
    writer that only needs the text may instead render the entities and facts of :attr:`kg`
    from the records (:func:`kg.serialize.corpus_trig_body` does, byte for byte the same)."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._nodes: list[tuple[URIRef, URIRef, URIRef, URIRef]] | None = None

    @property
    def nodes(self) -> list[tuple[URIRef, URIRef, URIRef, URIRef]]:
        """:func:`fact_node` of each fact of :attr:`kg`, in order (made once: the article
        graphs' evidence needs them too)."""
        if self._nodes is None:
            self._nodes = [fact_node(f) for f in self.kg.facts]
        return self._nodes

    def __iter__(self) -> Iterator[Block]:
        for e in self.kg.entities:
            yield entity_iri(e.key), [(p, o) for _, p, o in _entity_triples(e)]
        for f in self.kg.facts:
            yield _fact_block(f)
        yield from self.open_relation_blocks()

    def open_relation_blocks(self) -> Iterator[Block]:
        return _open_relation_blocks(self.kg)

    @property
    def triples(self) -> int:
        """How many triples the blocks hold (without making them)."""
        n = sum(len(superclasses(e.cls)) + len(e.alt_labels) + 2 for e in self.kg.entities)
        n += sum(7 + len(f.evidence) for f in self.kg.facts)
        return n + 3 * len({(predicate_iri(f), f.verb) for f in self.kg.facts if f.predicate is None})


class ArticleBlocks:
    """One article graph's blocks (:meth:`_Index.article_blocks`): the article, its entities'
    stubs (mentions and asserted triples), its evidence. Iterating gives :data:`Block` tuples of
    rdflib terms; a writer that only needs the text may render :attr:`parts` instead
    (:func:`kg.serialize.article_trig_body` does, byte for byte the same)."""

    __slots__ = ("index", "article", "parts")

    def __init__(self, index: _Index, article: Article, parts: tuple) -> None:
        self.index, self.article, self.parts = index, article, parts

    def __iter__(self) -> Iterator[Block]:
        return self.index.article_blocks(self.article, self.parts)

    @property
    def triples(self) -> int:
        """How many (predicate, object) pairs the blocks hold (without making them)."""
        a = self.article
        mentioned, asserted, evidence = self.parts
        n = 3 + sum(1 for v in (a.title, a.url, a.date, a.author, a.source) if v)
        n += len(mentioned) + len(asserted)
        return n + sum(10 + (ev.polarity != "positive") + (ev.modality != "asserted") for _, ev in evidence)


Section = tuple[URIRef, "str | None", Iterable[Block]]  # graph, fingerprint of its content, its blocks


def graph_sections(kg: KnowledgeGraph, *, fingerprints: bool = True) -> Iterator[Section]:
    """The dataset graph by graph, as :func:`graph_blocks` orders it: (graph IRI, fingerprint,
    subject blocks). Equal fingerprints mean equal blocks (the fingerprint digests the records a
    graph is written from, and the writer's code), so a writer may reuse the text it wrote for a
    graph before instead of rendering the blocks again; the corpus graph has none (it changes
    with every article; ``fingerprints=False`` skips computing them). The blocks are produced
    lazily."""

    corpus = CorpusBlocks(kg)
    yield CORPUS_GRAPH, None, corpus
    index = _Index(kg, corpus.nodes)
    for a in sorted(kg.articles, key=lambda a: str(article_graph_iri(a.id))):
        parts = index.article_parts(a)
        # The article's text is not written (only its hash), and may or may not be loaded.
        fingerprint = None
        if fingerprints:
            head = (a.id, a.title, a.url, a.date, a.author, a.source, a.content_hash)
            mentioned, asserted, evidence = parts
            fingerprint = _fingerprint(head, mentioned, asserted, [(str(n), _evidence_fields(ev)) for n, ev in evidence])
        yield article_graph_iri(a.id), fingerprint, ArticleBlocks(index, a, parts)


def graph_blocks(kg: KnowledgeGraph) -> Iterator[tuple[URIRef, Block]]:
    """Every (graph, subject block) of the dataset, graph by graph, in a deterministic order.

    The corpus graph comes first (entities, facts, open relations), then one graph per article
    (sorted by graph IRI): the article, its entities' mentions and asserted triples, its evidence.
    """
    for g, _, blocks in graph_sections(kg, fingerprints=False):
        for block in blocks:
            yield g, block


def asserted_by_subject(kg: KnowledgeGraph) -> dict[str, list[Fact]]:
    """Entity key → the asserted facts it is the subject of, in the graph's fact order."""
    by_subject: dict[str, list[Fact]] = {}
    for f in kg.facts:
        if f.asserted:
            by_subject.setdefault(f.subject, []).append(f)
    return by_subject


def union_entity_blocks(kg: KnowledgeGraph) -> Iterator[Block]:
    """The entities' blocks of :func:`union_blocks`: each entity with its mentions and the
    triples it is the subject of."""
    by_subject = asserted_by_subject(kg)
    for e in kg.entities:
        pairs = [(p, o) for _, p, o in _entity_triples(e)]
        pairs += [(K.mentionedIn, article_iri(aid)) for aid in e.articles]
        for f in by_subject.get(e.key, ()):
            pairs.append((predicate_iri(f), entity_iri(f.object)))
        yield entity_iri(e.key), pairs


ENTITY_NS = str(ID["entity/"])


def union_blocks(kg: KnowledgeGraph) -> Iterator[Block]:
    """The same triples as :func:`graph_blocks`, each subject once, for one-graph formats: the
    entities (:func:`union_entity_blocks`), then every other block of :func:`graph_blocks` in
    its order (the entity stubs of the article graphs are in the entities' blocks already)."""
    yield from union_entity_blocks(kg)
    for f in kg.facts:
        yield _fact_block(f)
    yield from _open_relation_blocks(kg)
    index = _Index(kg)
    for a in sorted(kg.articles, key=lambda a: str(article_graph_iri(a.id))):
        for s, pairs in index.article_blocks(a):
            if not str(s).startswith(ENTITY_NS):
                yield s, pairs


def quads(kg: KnowledgeGraph) -> Iterator[tuple]:
    """Every quad of the dataset for ``kg``, as (s, p, o, graph IRI) tuples."""
    for g, (s, pairs) in graph_blocks(kg):
        for p, o in pairs:
            yield s, p, o, g


def bind_prefixes(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    return g


def to_dataset(kg: KnowledgeGraph) -> Dataset:
    """The knowledge graph as an rdflib Dataset (``default_union`` so SPARQL sees every graph)."""
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    graphs: dict[URIRef, Graph] = {}
    for s, p, o, g in quads(kg):
        if g not in graphs:
            graphs[g] = ds.graph(g)
        graphs[g].add((s, p, o))
    return ds


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, chunks: Iterable[str | bytes]) -> None:
    """Write ``chunks`` to ``path`` so that readers see the old file or the complete new one.

    Data goes to a temporary file in the same directory, is fsynced, then renamed over ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
