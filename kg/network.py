"""rdflib Dataset → NetworkX graph: entities as nodes, asserted facts as edges.

This is the stage between :mod:`kg.rdf` and :mod:`kg.render`. It reads the RDF layout written by
:func:`kg.rdf.to_dataset` with triple patterns (rdflib's indexed lookups; no SPARQL engine
needed) and returns a :class:`networkx.MultiDiGraph`:

* **nodes** are the resources typed with a kg entity class (``kg:Entity`` or one of its
  subclasses in ``ontology/kg.ttl``); articles, facts, claims and evidence records are not nodes.
  The node key is the entity IRI (a string).
* **edges** are *asserted* facts: every ``kg:Fact`` resource whose subject and object are
  entities, plus every plain triple between two entities that no ``kg:Fact`` describes (such a
  triple is taken as stated by the data: confidence 1.0, support = the number of graphs holding
  it). ``kg:Claim`` resources (negated, hypothetical statements) are never edges. The edge key is
  the predicate IRI, so two entities can be linked by several predicates but not twice by one.
* ``graph.graph["articles"]`` maps article ids to ``{"title", "url", "date"}``.

Node attributes: ``label``, ``cls`` (local name of the most specific kg class), ``alt_labels``
(sorted), ``articles`` (sorted ids of the articles the entity is mentioned in or has evidence
in), ``mention_count`` and ``degree`` (number of incident edges, both directions).

Edge attributes: ``predicate`` (local name), ``label`` (the property's ``rdfs:label`` from the
data or the ontology, e.g. ``"addressed to"``), ``open`` (an open relation of the ``kgr:``
namespace), ``confidence`` (float), ``support`` (int), ``articles`` (sorted ids) and
``evidence``: a list of ``{"sentence", "article_id", "title", "url", "confidence", "rule"}``
dicts, most confident first.

Everything is inserted in a deterministic order (nodes by IRI, edges by subject, object,
predicate IRI), so equal datasets give equal graphs and byte-identical renderings.

Examples
--------
>>> from kg.model import Entity, Evidence, Fact, KnowledgeGraph
>>> from kg.rdf import to_dataset
>>> ev = Evidence("a1", "ASPU-IFA signed the letter.", 0, 28, "svo", 0.8, "signed", "ASPU-IFA", "letter")
>>> kg = KnowledgeGraph(
...     articles=(),
...     entities=(Entity("aspu", "ASPU-IFA", "LaborUnion"), Entity("letter", "open letter", "Letter")),
...     facts=(Fact("aspu", "signed", "signed", "letter", (ev,)),),
... )
>>> g = to_networkx(to_dataset(kg))
>>> [g.nodes[n]["label"] for n in g]
['ASPU-IFA', 'open letter']
>>> [(d["label"], d["confidence"], d["support"]) for _, _, d in g.edges(data=True)]
[('signed', 0.8, 1)]
"""

from __future__ import annotations

import math
from decimal import Decimal
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.model import KnowledgeGraph

import networkx as nx
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

from kg.ontology import CLASSES, KG, KGR, is_a, ontology_graph, superclasses
from kg.rdf import SCHEMA

__all__ = [
    "ENTITY_CLASSES",
    "KG_NS",
    "to_networkx",
    "from_knowledge_graph",
    "entity_class",
    "local_name",
    "humanize",
    "term_label",
]

ENTITY_CLASSES: frozenset[str] = frozenset(c for c in CLASSES if is_a(c, "Entity"))
"""Local names of the kg classes whose instances become nodes (``kg:Entity`` and subclasses)."""

KG_NS = str(KG._NS)
"""IRI prefix of the kg ontology's terms."""
_KGR_NS = str(KGR)
_ENTITY_CLASS_IRIS: dict[URIRef, str] = {KG[c]: c for c in ENTITY_CLASSES}
# Triples between two entities that are structure, not facts.
_NOT_FACTS: frozenset[URIRef] = frozenset({RDF.type, RDFS.seeAlso, RDFS.subClassOf})
_PLAIN_TRIPLE_CONFIDENCE = 1.0


# --------------------------------------------------------------------------- small pure helpers


def local_name(iri: str) -> str:
    """The last segment of an IRI: after ``#`` if there is one, else after the last ``/``.

    >>> local_name("https://w3id.org/newskg/ontology#addressedTo"), local_name("https://w3id.org/newskg/relation/take-over")
    ('addressedTo', 'take-over')
    """
    for sep in ("#", "/"):
        head, found, tail = iri.rpartition(sep)
        if found and tail:
            return tail
    return iri


def humanize(name: str) -> str:
    """A readable label from a property's local name (camelCase, kebab or snake case).

    >>> humanize("addressedTo"), humanize("take-over"), humanize("worksFor_US")
    ('addressed to', 'take over', 'works for US')
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", " ", name)
    words = re.split(r"[\s_\-]+", spaced)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words if w)


def entity_class(types: Iterable[str]) -> str | None:
    """The most specific entity class among ``types`` (kg local names), or None.

    The class with the longest chain of superclasses wins; ties go to the alphabetically first.

    >>> entity_class(["Person", "Actor", "Article"])
    'Actor'
    >>> entity_class(["Fact"]) is None
    True
    """
    candidates = [t for t in types if t in ENTITY_CLASSES]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-len(superclasses(c)), c))


@cache
def _ontology_labels() -> dict[str, str]:
    g = ontology_graph()
    out: dict[str, str] = {}
    for s, o in g.subject_objects(RDFS.label):
        if isinstance(s, URIRef) and isinstance(o, Literal):
            out.setdefault(str(s), str(o))
    return out


def term_label(iri: str, data_labels: Mapping[str, str] | None = None) -> str:
    """Human label of an ontology term or open relation: from the data, the ontology, or its local name.

    >>> term_label(str(KG.addressedTo)), term_label(str(KGR["take-over"]))
    ('addressed to', 'take over')
    """
    if data_labels and iri in data_labels:
        return data_labels[iri]
    return _ontology_labels().get(iri) or humanize(local_name(iri))


def _float(lit: Node | None, default: float) -> float:
    try:
        x = float(lit.toPython()) if isinstance(lit, Literal) else default
    except (TypeError, ValueError):
        return default
    return x if math.isfinite(x) else default


def _int(lit: Node | None, default: int) -> int:
    try:
        return int(lit.toPython()) if isinstance(lit, Literal) else default
    except (TypeError, ValueError):
        return default


def _pick_label(literals: Iterable[Node]) -> list[str]:
    """Literal texts, preferred first: English or untagged before other languages, then by text."""
    lits = [lit for lit in literals if isinstance(lit, Literal)]
    lits.sort(key=lambda lit: (lit.language not in (None, "en"), str(lit)))
    return [str(lit) for lit in lits]


# --------------------------------------------------------------------------- reading the RDF


def _graph_id(ctx: Any) -> str:
    return str(ctx.identifier if isinstance(ctx, Graph) else ctx)


def _quads(ds: Graph, pattern: tuple) -> Iterator[tuple[Node, Node, Node, str | None]]:
    """Triples matching ``pattern`` in every graph of ``ds``, with the graph's IRI (None for a Graph)."""
    if hasattr(ds, "quads"):
        for s, p, o, ctx in ds.quads((*pattern, None)):
            yield s, p, o, _graph_id(ctx) if ctx is not None else None
    else:  # pragma: no cover - every rdflib Graph has quads(); kept for duck-typed stores
        for s, p, o in ds.triples(pattern):
            yield s, p, o, None


class _Index:
    """Objects of each property by subject, read with one indexed scan per property.

    A handful of scans over rdflib's predicate index, each turned into a dict of sorted,
    distinct objects, instead of one pattern lookup per resource and property.
    """

    def __init__(self, ds: Graph):
        self.ds = ds
        self._objects: dict[URIRef, dict[Node, tuple[Node, ...]]] = {}

    def _scan(self, p: URIRef) -> dict[Node, tuple[Node, ...]]:
        if p not in self._objects:
            found: dict[Node, set[Node]] = defaultdict(set)
            for s, _, o, _ in _quads(self.ds, (None, p, None)):
                found[s].add(o)
            self._objects[p] = {s: tuple(sorted(objs, key=str)) for s, objs in found.items()}
        return self._objects[p]

    def objects(self, s: Node, p: URIRef) -> tuple[Node, ...]:
        """Distinct objects of ``s p ?o`` in every graph, in a deterministic order."""
        return self._scan(p).get(s, ())

    def first(self, s: Node, p: URIRef) -> Node | None:
        objs = self._scan(p).get(s)
        return objs[0] if objs else None

    def types(self) -> dict[Node, tuple[Node, ...]]:
        """Every typed resource → its classes."""
        return self._scan(RDF.type)

    def graphs_stating(self, s: Node, p: URIRef, o: Node) -> set[str | None]:
        """Graphs holding the triple ``s p o``."""
        return {g for _, _, _, g in _quads(self.ds, (s, p, o))}


@dataclass
class _Articles:
    """Article metadata and the lookups from article IRIs and article graphs to article ids."""

    meta: dict[str, dict[str, str | None]] = field(default_factory=dict)
    by_iri: dict[str, str] = field(default_factory=dict)
    by_graph: dict[str, str] = field(default_factory=dict)


def _optional_text(node: Node | None) -> str | None:
    return str(node) if node is not None else None


def _read_articles(index: _Index) -> _Articles:
    out = _Articles()
    typed = [a for a, classes in index.types().items() if KG.Article in classes]
    for a in sorted(typed, key=str):
        ident = index.first(a, DCTERMS.identifier)
        aid = str(ident) if ident is not None else str(a)
        out.meta[aid] = {
            "title": _optional_text(index.first(a, DCTERMS.title)),
            "url": _optional_text(index.first(a, SCHEMA.url)),
            "date": _optional_text(index.first(a, DCTERMS.date)),
        }
        out.by_iri[str(a)] = aid
        for g in index.graphs_stating(a, RDF.type, KG.Article):
            if g is not None:
                out.by_graph[g] = aid
    out.meta = dict(sorted(out.meta.items()))
    return out


def _read_entities(index: _Index) -> dict[str, str]:
    """Entity IRI → most specific class local name."""
    found: dict[str, str] = {}
    for s, classes in index.types().items():
        if isinstance(s, URIRef):
            cls = entity_class(_ENTITY_CLASS_IRIS[c] for c in classes if c in _ENTITY_CLASS_IRIS)
            if cls is not None:
                found[str(s)] = cls
    return dict(sorted(found.items()))


def _entity_attrs(index: _Index, iri: str, cls: str, articles: _Articles) -> dict[str, Any]:
    node = URIRef(iri)
    labels = _pick_label(index.objects(node, RDFS.label))
    label = labels[0] if labels else humanize(local_name(iri))
    alts = {str(o) for o in index.objects(node, SKOS.altLabel)} | set(labels[1:])
    alts.discard(label)
    mentioned = {articles.by_iri.get(str(o), str(o)) for o in index.objects(node, KG.mentionedIn)}
    return {
        "label": label,
        "cls": cls,
        "alt_labels": sorted(alts),
        "articles": sorted(mentioned),
        "mention_count": max((_int(o, 0) for o in index.objects(node, KG.mentionCount)), default=0),
    }


def _evidence(index: _Index, ev: Node, articles: _Articles) -> tuple[tuple, dict[str, Any]]:
    """One evidence record as a dict, with its deterministic sort key."""
    source = index.first(ev, KG.sourceArticle)
    aid = articles.by_iri.get(str(source), str(source)) if source is not None else ""
    meta = articles.meta.get(aid, {})
    record = {
        "sentence": _optional_text(index.first(ev, KG.sentence)) or "",
        "article_id": aid,
        "title": meta.get("title"),
        "url": meta.get("url"),
        "confidence": _float(index.first(ev, KG.confidence), 0.0),
        "rule": _optional_text(index.first(ev, KG.extractionRule)) or "",
    }
    start = _int(index.first(ev, KG.startChar), 0)
    key = (-record["confidence"], aid, start, record["sentence"], record["rule"], str(ev))
    return key, record


def _fact_edges(index: _Index, entities: Mapping[str, str], articles: _Articles) -> dict[tuple, dict]:
    """(subject, object, predicate) IRIs → edge attributes, for every kg:Fact between entities."""
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    facts = [f for f, classes in index.types().items() if KG.Fact in classes]
    for fact in sorted(facts, key=str):
        s, p, o = (index.first(fact, t) for t in (RDF.subject, RDF.predicate, RDF.object))
        if s is None or p is None or o is None or str(s) not in entities or str(o) not in entities:
            continue
        keyed = sorted(_evidence(index, ev, articles) for ev in index.objects(fact, KG.evidence))
        evidence = [record for _, record in keyed]
        key = (str(s), str(o), str(p))
        if key in edges and len(edges[key]["evidence"]) >= len(evidence):
            continue  # two Fact resources for one triple: keep the better-supported one
        best = max((e["confidence"] for e in evidence), default=0.0)
        edges[key] = {
            "confidence": _float(index.first(fact, KG.confidence), best),
            "support": _int(index.first(fact, KG.supportCount), len(evidence)),
            "articles": {e["article_id"] for e in evidence if e["article_id"]},
            "evidence": evidence,
        }
    return edges


def _plain_triples(ds: Graph, entities: Mapping[str, str]) -> dict[tuple[str, str, str], set[str | None]]:
    """(subject, object, predicate) IRIs → graphs holding the plain triple, between entities only."""
    out: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for iri in entities:
        for _, p, o, g in _quads(ds, (URIRef(iri), None, None)):
            if isinstance(o, URIRef) and str(o) in entities and p not in _NOT_FACTS:
                out[(iri, str(o), str(p))].add(g)
    return out


def _data_labels(index: _Index, predicates: Iterable[str]) -> dict[str, str]:
    out = {}
    for p in predicates:
        labels = _pick_label(index.objects(URIRef(p), RDFS.label))
        if labels:
            out[p] = labels[0]
    return out


# --------------------------------------------------------------------------- public API


def _with_degrees_and_articles(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Each node's degree, and its articles extended by those its facts' evidence comes from."""
    # One pass over the edges (networkx's per-node edge views cost more than the work itself).
    nodes = graph.nodes
    seen = {n: set(attrs["articles"]) for n, attrs in nodes.items()}
    degree = dict.fromkeys(nodes, 0)
    for u, v, d in graph.edges(data=True):
        seen[u].update(d["articles"])
        seen[v].update(d["articles"])
        degree[u] += 1  # a self-loop counts twice, as in graph.degree
        degree[v] += 1
    for n, attrs in nodes.items():
        attrs["articles"] = sorted(seen[n])
        attrs["degree"] = degree[n]
    return graph


def to_networkx(ds: Graph) -> nx.MultiDiGraph:
    """The entity graph of a kg dataset.

    Parameters
    ----------
    ds : rdflib.Dataset or rdflib.Graph
        A dataset as written by :func:`kg.rdf.to_dataset` (named graphs are all read, whatever
        ``default_union`` says), or the same triples flattened into one graph.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by entity IRI, edges keyed by predicate IRI; see the module docstring for
        the attributes. Nodes and edges are inserted in a deterministic order.

    Examples
    --------
    >>> from rdflib import Dataset
    >>> to_networkx(Dataset()).number_of_nodes()
    0
    """
    index = _Index(ds)
    articles = _read_articles(index)
    entities = _read_entities(index)
    facts = _fact_edges(index, entities, articles)
    plain = _plain_triples(ds, entities)
    labels = _data_labels(index, sorted({p for _, _, p in facts} | {p for _, _, p in plain}))

    graph = nx.MultiDiGraph(articles=articles.meta)
    for iri, cls in entities.items():
        graph.add_node(iri, **_entity_attrs(index, iri, cls, articles))

    for key in sorted(facts.keys() | plain.keys()):
        s, o, p = key
        graphs = plain.get(key, set())
        from_graphs = {articles.by_graph[g] for g in graphs if g in articles.by_graph}
        attrs = facts.get(key) or {
            "confidence": _PLAIN_TRIPLE_CONFIDENCE,
            "support": max(len(graphs), 1),
            "articles": set(),
            "evidence": [],
        }
        graph.add_edge(
            s,
            o,
            key=p,
            predicate=local_name(p),
            label=term_label(p, labels),
            open=p.startswith(_KGR_NS),
            confidence=attrs["confidence"],
            support=attrs["support"],
            articles=sorted(attrs["articles"] | from_graphs),
            evidence=attrs["evidence"],
        )

    return _with_degrees_and_articles(graph)


def _rounded(x: float) -> float:
    """A confidence as the RDF carries it (xsd:decimal, four places)."""
    return float(Decimal(f"{x:.4f}"))


def from_knowledge_graph(kg: "KnowledgeGraph") -> nx.MultiDiGraph:
    """The same entity graph as ``to_networkx(kg.rdf.to_dataset(kg))``, built straight from the
    resolved records: no RDF round trip, so it stays fast for large corpora.

    Examples
    --------
    >>> from kg.model import KnowledgeGraph
    >>> from_knowledge_graph(KnowledgeGraph((), (), ())).number_of_nodes()
    0
    """
    from kg.ontology import entity_iri, evidence_iri
    from kg.rdf import fact_node

    meta = {
        a.id: {"title": a.title, "url": a.url, "date": a.date} for a in sorted(kg.articles, key=lambda a: a.id)
    }
    graph = nx.MultiDiGraph(articles=meta)
    for e in sorted(kg.entities, key=lambda e: str(entity_iri(e.key))):
        graph.add_node(
            str(entity_iri(e.key)), label=e.label, cls=e.cls, alt_labels=sorted(set(e.alt_labels) - {e.label}),
            articles=sorted(e.articles), mention_count=e.mention_count,
        )
    edges = []
    for f in kg.facts:
        if not f.asserted:
            continue
        node, s, p, o = fact_node(f)
        keyed = []
        for ev in f.evidence:
            m = meta.get(ev.article_id, {})
            record = {"sentence": ev.sentence, "article_id": ev.article_id, "title": m.get("title"),
                      "url": m.get("url"), "confidence": _rounded(ev.confidence), "rule": ev.rule}
            ev_iri = evidence_iri(node, ev.article_id, ev.start, ev.end, ev.rule)
            keyed.append(((-record["confidence"], ev.article_id, ev.start, ev.sentence, ev.rule, str(ev_iri)), record))
        keyed.sort()
        label = f.verb if f.predicate is None else term_label(str(p))
        edges.append(((str(s), str(o), str(p)), label, f, [r for _, r in keyed]))
    for (s, o, p), label, f, evidence in sorted(edges, key=lambda x: x[0]):
        graph.add_edge(
            s, o, key=p, predicate=local_name(p), label=label, open=p.startswith(_KGR_NS),
            confidence=_rounded(f.confidence), support=f.support,
            articles=sorted({e["article_id"] for e in evidence}), evidence=evidence,
        )
    return _with_degrees_and_articles(graph)
