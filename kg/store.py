"""The persistent RDF store: kg's dataset in an on-disk Oxigraph database.

:class:`GraphStore` keeps the dataset of :mod:`kg.rdf` (one named graph per article plus the
corpus graph) in a `pyoxigraph <https://pyoxigraph.readthedocs.io>`_ store, updates it
incrementally, answers SPARQL and exports it.

Layout inside the Oxigraph database
-----------------------------------
* **user graphs**: the named graphs of the kg dataset, exactly as :func:`kg.rdf.quads` yields
  them (article graphs and :data:`kg.rdf.CORPUS_GRAPH`);
* **default graph**: the *merge* of all user graphs (each triple once), maintained by every
  write. Queries run on it, so ``SELECT ... { ?s kg:signed ?o }`` sees each triple once, as
  with rdflib's ``Dataset(default_union=True)`` (Oxigraph's own union mode would repeat a
  triple once per graph holding it and would include the system graphs);
* :data:`INFERRED_GRAPH`: RDFS entailments of the merge that are not already in it (types from
  ``rdfs:subClassOf``, triples from ``rdfs:subPropertyOf``, optionally ``rdfs:domain`` /
  ``rdfs:range``) plus the ontology (``ontology/kg.ttl``) itself. Queries include it only with
  ``infer=True``;
* :data:`META_GRAPH`: bookkeeping: a digest and triple count per user graph, the store state
  and the inference settings.

The two system graphs are hidden from ``GRAPH ?g`` and from exports. The directory is a plain
Oxigraph database: ``oxigraph serve-read-only --location DIR`` serves it too (its default graph
is the merge).

Writes are transactions (``Store.update``): a reader sees a graph's old content or its new
content, never a mix. The first load of an empty store and very large rewrites use Oxigraph's
bulk loader, which is not transactional; the store is marked *loading* meanwhile, and an
interrupted load is redone by the next :meth:`GraphStore.sync`.

Concurrency
-----------
One process may open a directory read-write (RocksDB takes a lock; a second writer gets a
:class:`StoreError`). Any number of processes may open it read-only
(``GraphStore(path, read_only=True)``), also while a writer has it open. A read-only handle is a
snapshot: :meth:`GraphStore.refresh` (called by the query workers before each query) reopens it
when the directory changed. A query that runs while a build compacts files may fail with an I/O
error; the query workers then reopen and retry once. pyoxigraph 0.5 has no "secondary" mode, so
this is the supported way to serve while building.

Query timeouts
--------------
A pyoxigraph query cannot be interrupted from another thread. :class:`QueryPool` therefore runs
queries in worker processes that open the store read-only; a query that overruns its time limit
is stopped by killing its worker, which is replaced. :meth:`GraphStore.query` uses such a worker
when given ``timeout_s``; :mod:`kg.server` uses a pool of them.

Examples
--------
>>> from rdflib import Literal, URIRef
>>> from kg.ontology import ID, KG
>>> from rdflib.namespace import RDF, RDFS
>>> g = ID["graph/example"]
>>> union = ID["entity/sag-aftra"]
>>> with GraphStore() as store:  # in memory; GraphStore("out/store") persists
...     report = store.sync([(union, RDF.type, KG.LaborUnion, g), (union, RDFS.label, Literal("SAG-AFTRA"), g)])
...     plain = store.query("SELECT ?x WHERE { ?x a kg:Organization }")
...     inferred = store.query("SELECT ?x WHERE { ?x a kg:Organization }", infer=True)
>>> len(plain), [str(row.x) for row in inferred]
(0, ['https://w3id.org/newskg/id/entity/sag-aftra'])
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import IO, Any, Literal as TLiteral

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.query import ResultRow
from rdflib.term import Variable

from kg.errors import KgError, QueryError
from kg.ontology import ID, ONTOLOGY_FILE, article_graph_iri
from kg.rdf import PREFIXES

__all__ = [
    "GraphStore",
    "QueryResult",
    "SyncReport",
    "QueryPool",
    "QueryJob",
    "QueryReply",
    "StoreError",
    "QueryTimeoutError",
    "BusyError",
    "INFERRED_GRAPH",
    "META_GRAPH",
    "SYSTEM_GRAPHS",
    "SKOLEM_PREFIX",
    "INFERENCE_RULES",
    "RESULT_FORMATS",
    "GRAPH_FORMATS",
    "DATASET_FORMATS",
    "to_ox",
    "from_ox",
    "quad_to_ox",
    "quad_from_ox",
    "one_line",
]

log = logging.getLogger(__name__)

INFERRED_GRAPH = ID["graph/inferred"]
"""Named graph of RDFS entailments and ontology axioms (queried only with ``infer=True``)."""
META_GRAPH = ID["graph/store-meta"]
"""Named graph of store bookkeeping (digests, state); never queried, never exported."""
SYSTEM_GRAPHS = frozenset({str(INFERRED_GRAPH), str(META_GRAPH)})
SKOLEM_PREFIX = str(ID["genid/"])
"""Blank nodes are stored as IRIs under this prefix (RDF 1.1 skolemisation) and read back as blank nodes."""

INFERENCE_RULES = ("subclass", "subproperty", "domain", "range")
"""RDFS rules :meth:`GraphStore.materialize_inferences` knows (rdfs9, rdfs7, rdfs2, rdfs3)."""
DEFAULT_RULES = ("subclass", "subproperty")

_META = "https://w3id.org/newskg/store#"
_M_DIGEST = f"<{_META}digest>"
_M_COUNT = f"<{_META}tripleCount>"
_M_STATE = f"<{_META}state>"
_M_RULES = f"<{_META}rules>"
_M_ONTOLOGY = f"<{_META}ontologyDigest>"
_M_VERSION = f"<{_META}formatVersion>"
_M_TRIPLES = f"<{_META}mergeCount>"
_M_INFERRED = f"<{_META}inferredCount>"
_FORMAT_VERSION = "1"
_STORE_NODE = f"<{_META}store>"

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = str(RDFS.subClassOf)
_SUBPROP = str(RDFS.subPropertyOf)
_DOMAIN = str(RDFS.domain)
_RANGE = str(RDFS.range)
_XSD_STRING = str(XSD.string)
_XSD_STRING_REF = URIRef(_XSD_STRING)  # XSD.string is a slow DefinedNamespace lookup
_SCHEMA_PREDICATES = frozenset({_SUBCLASS, _SUBPROP, _DOMAIN, _RANGE})
_DEFAULT = ox.DefaultGraph()
_INFERRED = ox.NamedNode(str(INFERRED_GRAPH))
_META_G = ox.NamedNode(str(META_GRAPH))

#: SELECT / ASK result formats: name → (media type, pyoxigraph format).
RESULT_FORMATS: dict[str, tuple[str, ox.QueryResultsFormat]] = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
#: CONSTRUCT / DESCRIBE and single-graph export formats: name → (media type, pyoxigraph format).
GRAPH_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
#: Whole-dataset export formats (named graphs preserved).
DATASET_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    "trig": ("application/trig", ox.RdfFormat.TRIG),
    "nquads": ("application/n-quads", ox.RdfFormat.N_QUADS),
}
_FORMAT_ALIASES = {
    "ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
    "rdf/xml": "rdfxml", "rdf": "rdfxml", "owl": "rdfxml", "nq": "nquads", "n-quads": "nquads",
    "srj": "json", "srx": "xml",
}
_PREFIXES = {name: str(ns) for name, ns in PREFIXES.items()}

# Above this many changed quads, and when they are more than half the store, sync() reloads
# everything with the bulk loader instead of one (much slower per quad) transaction.
_REBUILD_MIN_QUADS = 50_000


class StoreError(KgError):
    """The store cannot be opened, read or written (one line: path and cause)."""


class QueryTimeoutError(QueryError):
    """A query ran longer than its time limit and was stopped."""


class BusyError(KgError):
    """Every query worker stayed busy for longer than the caller was willing to wait."""


def one_line(exc: BaseException | str, limit: int = 400) -> str:
    """A single line for an error message: whitespace collapsed, at most ``limit`` characters.

    >>> one_line(SyntaxError("error at 1:3:\\n  expected one of ...  \\n"))
    'error at 1:3: expected one of ...'
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ============================================================================ term conversion


@lru_cache(maxsize=1 << 16)
def _named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def to_ox(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term equal to the rdflib term ``term`` (pyoxigraph terms pass through).

    Plain literals become ``xsd:string`` literals, as in RDF 1.1.

    >>> to_ox(URIRef("https://example.org/a"))
    <NamedNode value=https://example.org/a>
    >>> to_ox(Literal("grève", lang="fr")).language
    'fr'
    """
    kind = type(term)
    if kind is URIRef:  # the common case first, without isinstance chains
        try:
            return _named(str(term))
        except ValueError as exc:
            raise ValueError(f"invalid IRI <{term}>: {exc}") from None
    if kind is Literal and not term.language:
        dt = term.datatype
        if dt is None or dt == _XSD_STRING_REF:
            return ox.Literal(str(term))
        return ox.Literal(str(term), datatype=_named(str(dt)))
    if isinstance(term, URIRef):
        try:
            return _named(str(term))
        except ValueError as exc:
            raise ValueError(f"invalid IRI <{term}>: {exc}") from None
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        dt = term.datatype
        if dt is None or str(dt) == _XSD_STRING:
            return ox.Literal(str(term))
        return ox.Literal(str(term), datatype=_named(str(dt)))
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:
            return ox.BlankNode(hashlib.sha1(str(term).encode()).hexdigest())
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return term
    if isinstance(term, str):  # a bare string is an IRI, as for rdflib's graph names
        return _named(term)
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: Any) -> URIRef | BNode | Literal | None:
    """The rdflib term equal to a pyoxigraph term (skolem IRIs become blank nodes again).

    ``xsd:string`` literals become plain rdflib literals, so that they compare equal to what
    :mod:`kg.rdf` produces; the default graph becomes ``None``.

    >>> from_ox(ox.Literal("1.5", datatype=ox.NamedNode(str(XSD.decimal))))
    rdflib.term.Literal('1.5', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    """
    if isinstance(term, ox.NamedNode):
        value = term.value
        if value.startswith(SKOLEM_PREFIX):
            return BNode(value[len(SKOLEM_PREFIX):])
        return URIRef(value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    if isinstance(term, ox.Triple):
        raise ValueError("RDF-star triple terms have no rdflib equivalent")
    raise TypeError(f"not a pyoxigraph term: {term!r}")


def _graph_to_ox(g: Any) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    if g is None or isinstance(g, ox.DefaultGraph):
        return _DEFAULT
    if isinstance(g, Graph):
        g = g.identifier
    if g == DATASET_DEFAULT_GRAPH_ID:
        return _DEFAULT
    return to_ox(g)  # type: ignore[return-value]


def quad_to_ox(quad: tuple) -> ox.Quad:
    """An (s, p, o, graph) tuple of rdflib terms as a :class:`pyoxigraph.Quad`.

    >>> quad_to_ox((URIRef("urn:s"), URIRef("urn:p"), Literal("o"), URIRef("urn:g"))).graph_name
    <NamedNode value=urn:g>
    """
    s, p, o, g = quad
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), _graph_to_ox(g))


def quad_from_ox(quad: ox.Quad) -> tuple:
    """A :class:`pyoxigraph.Quad` as an (s, p, o, graph) tuple of rdflib terms (graph ``None``: default)."""
    return from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object), from_ox(quad.graph_name)


def _skolem(term: Any) -> Any:
    if isinstance(term, ox.BlankNode):
        return _named(SKOLEM_PREFIX + term.value)
    return term


_SCRATCH = ox.Store()
_SCRATCH_NODE = ox.NamedNode("urn:kg:scratch")
_SCRATCH_LOCK = threading.Lock()


@lru_cache(maxsize=1 << 16)
def _canonical(value: str, datatype: str) -> ox.Literal:
    """The literal as Oxigraph stores it: typed literals are kept by value, so their lexical
    form comes back canonical ("1.50"^^xsd:decimal -> "1.5"). Asked of Oxigraph itself."""
    lit = ox.Literal(value, datatype=_named(datatype))
    with _SCRATCH_LOCK:
        _SCRATCH.add(ox.Quad(_SCRATCH_NODE, _SCRATCH_NODE, lit))
        stored = next(iter(_SCRATCH.quads_for_pattern(_SCRATCH_NODE, _SCRATCH_NODE, None))).object
        _SCRATCH.remove(ox.Quad(_SCRATCH_NODE, _SCRATCH_NODE, stored))
    return stored


def _stored(term: Any) -> Any:
    """``term`` (pyoxigraph) exactly as the store will hold it: skolemised, canonical literals."""
    if isinstance(term, ox.Literal):
        if term.language:
            return term
        dt = term.datatype.value
        return term if dt == _XSD_STRING else _canonical(term.value, dt)
    if isinstance(term, ox.BlankNode):
        return _named(SKOLEM_PREFIX + term.value)
    return term


def _line(t: tuple) -> str:
    """N-Triples line (without the final dot) of a triple of pyoxigraph terms."""
    return f"{t[0]} {t[1]} {t[2]}"


# ============================================================================ query results


def _term_json(term: Any) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        }}
    raise TypeError(f"not a pyoxigraph term: {term!r}")


@dataclass
class QueryResult:
    """The result of a SPARQL query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT /
    DESCRIBE), capped at the caller's ``limit``.

    Iterating gives rdflib values, like ``rdflib.Graph.query``: :class:`rdflib.query.ResultRow`
    for SELECT (``row.name`` or ``row["name"]``), the boolean for ASK, (s, p, o) tuples for
    CONSTRUCT. :meth:`serialize` writes the standard formats; :meth:`to_json` gives the SPARQL 1.1
    JSON results document.

    Examples
    --------
    >>> with GraphStore() as store:
    ...     result = store.query('SELECT ?x WHERE { VALUES ?x { 1 2 3 } }', limit=2)
    >>> [int(row.x) for row in result], result.truncated, result.vars
    ([1, 2], True, ['x'])
    >>> result.to_json()["results"]["bindings"][0]["x"]["value"]
    '1'
    """

    kind: TLiteral["select", "ask", "graph"]
    vars: list[str] = field(default_factory=list)
    solutions: list[tuple] = field(default_factory=list)  # pyoxigraph terms (None: unbound)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False

    def __len__(self) -> int:
        if self.kind == "ask":
            return 1
        return len(self.solutions) if self.kind == "select" else len(self.triples)

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ask" else len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        if self.kind == "ask":
            yield bool(self.boolean)
        elif self.kind == "select":
            labels = [Variable(v) for v in self.vars]
            for sol in self.solutions:
                yield ResultRow({lab: from_ox(t) for lab, t in zip(labels, sol) if t is not None}, labels)
        else:
            for t in self.triples:
                yield from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)

    @property
    def type(self) -> str:
        """``"SELECT"``, ``"ASK"`` or ``"CONSTRUCT"`` (for code written against rdflib's ``Result``)."""
        return {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT"}[self.kind]

    @property
    def askAnswer(self) -> bool | None:  # noqa: N802 - rdflib's name
        """The ASK answer (rdflib ``Result`` compatible)."""
        return self.boolean

    @property
    def rows(self) -> list[tuple]:
        """SELECT solutions as tuples of rdflib terms (``None`` for unbound), in ``vars`` order."""
        return [tuple(None if t is None else from_ox(t) for t in sol) for sol in self.solutions]

    def bindings(self) -> list[dict[str, Any]]:
        """SELECT solutions as dicts from variable name to rdflib term (unbound names left out)."""
        return [{v: from_ox(t) for v, t in zip(self.vars, sol) if t is not None} for sol in self.solutions]

    def graph(self) -> Graph:
        """CONSTRUCT / DESCRIBE triples as an rdflib :class:`~rdflib.Graph`."""
        g = Graph()
        for t in self:
            g.add(t)
        return g

    def to_json(self) -> dict:
        """The SPARQL 1.1 Query Results JSON document (``{"head": ..., "results": ...}``)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        if self.kind != "select":
            raise ValueError("CONSTRUCT / DESCRIBE results are triples: use serialize('turtle')")
        bindings = [
            {v: _term_json(t) for v, t in zip(self.vars, sol) if t is not None} for sol in self.solutions
        ]
        return {"head": {"vars": list(self.vars)}, "results": {"bindings": bindings}}

    @property
    def default_format(self) -> str:
        return "turtle" if self.kind == "graph" else "json"

    def serialize(self, format: str | None = None, *, prefixes: Mapping[str, str] | None = None) -> bytes:
        """The result in ``format``: ``json``, ``xml``, ``csv`` or ``tsv`` for SELECT / ASK;
        ``turtle``, ``ntriples``, ``jsonld`` or ``rdfxml`` for CONSTRUCT / DESCRIBE.

        >>> with GraphStore() as store:
        ...     store.query('SELECT ?x WHERE { VALUES ?x { "a" } }').serialize("csv")
        b'x\\r\\na\\r\\n'
        """
        name = _FORMAT_ALIASES.get(format or self.default_format, format or self.default_format)
        if self.kind == "graph":
            if name not in GRAPH_FORMATS:
                raise ValueError(f"unknown graph format {format!r}: use one of {', '.join(GRAPH_FORMATS)}")
            return ox.serialize(
                self.triples, format=GRAPH_FORMATS[name][1],
                prefixes=dict(_PREFIXES if prefixes is None else prefixes),
            )
        if name not in RESULT_FORMATS:
            raise ValueError(f"unknown results format {format!r}: use one of {', '.join(RESULT_FORMATS)}")
        doc = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if name == "json":
            return doc
        # pyoxigraph writes XML / CSV / TSV correctly; it reads our (capped) JSON back to do so.
        parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=RESULT_FORMATS[name][1])

    @classmethod
    def from_ox(cls, result: Any, *, limit: int | None = None) -> QueryResult:
        """Collect a pyoxigraph query result, stopping after ``limit`` solutions or triples."""
        if isinstance(result, ox.QueryBoolean) or isinstance(result, bool):
            return cls("ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows: list[tuple] = []
            truncated = False
            for sol in result:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                rows.append(tuple(sol[i] for i in range(len(names))))
            return cls("select", vars=names, solutions=rows, truncated=truncated)
        triples: list[ox.Triple] = []
        truncated = False
        for t in result:
            if limit is not None and len(triples) >= limit:
                truncated = True
                break
            triples.append(t)
        return cls("graph", triples=triples, truncated=truncated)


# ============================================================================ query text helpers

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s{}()<>,;]*)?)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(sparql: str) -> Iterator[re.Match[str]]:
    for m in _TOKEN.finditer(sparql):
        if m.lastgroup not in ("comment",) and not m.group().isspace():
            yield m


@dataclass(frozen=True)
class _QueryShape:
    form: str | None  # SELECT / ASK / CONSTRUCT / DESCRIBE (None when not found)
    has_from: bool  # a FROM / FROM NAMED dataset clause
    uses_graphs: bool  # GRAPH or FROM NAMED: named graphs are looked at
    where_open: int | None  # offset just after the '{' opening the WHERE group


@lru_cache(maxsize=512)
def _shape(sparql: str) -> _QueryShape:
    """Keywords of a query that decide how it is run, read by a small lexer that skips strings,
    IRIs and comments (the parser proper is Oxigraph's)."""
    form = None
    has_from = uses_graphs = False
    where_open = None
    depth = 0
    template_done = False
    for m in _tokens(sparql):
        kind, text = m.lastgroup, m.group()
        if kind == "word":
            word = text.upper()
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
            elif word == "FROM" and depth == 0:
                has_from = True
            elif word in ("GRAPH", "NAMED"):
                uses_graphs = True
            elif word == "WHERE" and depth == 0 and form == "CONSTRUCT":
                template_done = True
        elif kind == "open":
            if depth == 0 and where_open is None and (form != "CONSTRUCT" or template_done):
                where_open = m.end()
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0 and form == "CONSTRUCT":
                template_done = True
    return _QueryShape(form, has_from, uses_graphs, where_open)


def _values_clause(bindings: Mapping[str, Any]) -> str:
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(_skolem(v)) for v in bindings.values())
    return f" VALUES ({names}) {{ ({values}) }} "


# ============================================================================ schema & inference


@dataclass
class _Schema:
    classes: dict[str, set[str]]  # class -> proper superclasses (transitive)
    props: dict[str, set[str]]  # property -> proper superproperties (transitive)
    domain: dict[str, set[str]]
    range: dict[str, set[str]]

    @staticmethod
    def closure(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
        parents: dict[str, set[str]] = {}
        for child, parent in edges:
            if child != parent:
                parents.setdefault(child, set()).add(parent)
        out: dict[str, set[str]] = {}
        for start in parents:
            seen: set[str] = set()
            stack = list(parents[start])
            while stack:
                node = stack.pop()
                if node not in seen:
                    seen.add(node)
                    stack.extend(parents.get(node, ()))
            seen.discard(start)
            out[start] = seen
        return out

    @classmethod
    def build(cls, triples: Iterable[tuple[str, str, str]]) -> _Schema:
        sub_c, sub_p, dom, rng = [], [], {}, {}
        for s, p, o in triples:
            if p == _SUBCLASS:
                sub_c.append((s, o))
            elif p == _SUBPROP:
                sub_p.append((s, o))
            elif p == _DOMAIN:
                dom.setdefault(s, set()).add(o)
            elif p == _RANGE:
                rng.setdefault(s, set()).add(o)
        return cls(cls.closure(sub_c), cls.closure(sub_p), dom, rng)


@cache
def _ontology(path: str, mtime_ns: int) -> tuple[tuple[tuple, ...], str]:
    """The ontology's triples (pyoxigraph terms) and its digest, parsed once per file version."""
    data = Path(path).read_bytes()
    triples = tuple(
        (_skolem(t.subject), t.predicate, _skolem(t.object))
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=Path(path).resolve().as_uri())
    )
    return triples, hashlib.sha256(data).hexdigest()


def _ontology_for(path: Path | None) -> tuple[tuple[tuple, ...], str]:
    if path is None:
        return (), "none"
    try:
        return _ontology(str(path), Path(path).stat().st_mtime_ns)
    except OSError as exc:
        raise StoreError(f"cannot read the ontology {path}: {exc.strerror or exc}") from None
    except SyntaxError as exc:
        raise StoreError(f"the ontology {path} is not valid Turtle: {one_line(exc)}") from None


# ============================================================================ the store


@dataclass(frozen=True)
class SyncReport:
    """What :meth:`GraphStore.sync` / :meth:`~GraphStore.replace_graphs` changed.

    ``added`` / ``replaced`` / ``removed`` are graph IRIs; ``triples`` counts the triples of the
    user graphs afterwards, ``inferred`` the triples of the inferred graph; ``mode`` is
    ``"noop"``, ``"transaction"`` or ``"bulk"``.
    """

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    triples: int = 0
    inferred: int = 0
    mode: str = "noop"
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def __str__(self) -> str:
        return (
            f"{len(self.added)} graphs added, {len(self.replaced)} replaced, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.triples} triples (+{self.inferred} inferred) "
            f"[{self.mode}, {self.seconds:.2f} s]"
        )


_ESCAPE = str.maketrans({"\\": "\\\\", "\n": "\\n", '"': '\\"'})


def _key(term: Any) -> str:
    """A string that identifies an RDF term, equal for equal rdflib and pyoxigraph terms; used for
    graph digests without converting terms first. (f-strings, because ``"<" + uriref`` would call
    rdflib's ``URIRef.__radd__`` and build a URIRef.)"""
    kind = type(term)
    if kind is URIRef:
        return f"<{term}"
    if kind is ox.NamedNode:
        return f"<{term.value}"
    if kind is Literal:
        text = str.translate(term, _ESCAPE)
        if term.language:
            return f'"{text}"@{term.language.lower()}'
        dt = term.datatype
        return f'"{text}"' if dt is None or dt == _XSD_STRING_REF else f'"{text}"^^{dt}'
    if kind is ox.Literal:
        text = term.value.translate(_ESCAPE)
        if term.language:
            return f'"{text}"@{term.language.lower()}'
        dt = term.datatype.value
        return f'"{text}"' if dt == _XSD_STRING else f'"{text}"^^{dt}'
    if kind is BNode:
        return f"_:{term}"
    if kind is ox.BlankNode:
        return f"_:{term.value}"
    return _key(from_ox(to_ox(term)))  # subclasses of rdflib terms


class _Input:
    """Quads to write, grouped by graph: raw terms, a digest per graph (computed from the raw
    terms), and pyoxigraph triples converted only for the graphs that are written."""

    def __init__(self) -> None:
        self.raw: dict[str, list[tuple]] = {}
        self._converted: dict[str, dict[tuple, None]] = {}

    def add_all(self, quads: Iterable[tuple]) -> _Input:
        current_key: Any = object()
        current: list | None = None
        for quad in quads:
            if isinstance(quad, ox.Quad):
                s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
            else:
                s, p, o, g = quad
            if g is not current_key:
                current_key = g
                current = self.raw.setdefault(self.graph_key(g), [])
            current.append((s, p, o))  # type: ignore[union-attr]
        return self

    @staticmethod
    def graph_key(g: Any) -> str:
        gname = _graph_to_ox(g)
        if isinstance(gname, ox.DefaultGraph):
            raise ValueError("the store holds named graphs only: got a quad in the default graph")
        key = _stored(gname).value
        if key in SYSTEM_GRAPHS:
            raise ValueError(f"<{key}> is a graph the store manages itself")
        return key

    def __contains__(self, g: object) -> bool:
        return g in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def digest(self, g: str) -> str:
        lines = {f"{_key(s)} {_key(p)} {_key(o)}" for s, p, o in self.raw[g]}
        return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogatepass")).hexdigest()

    def triples(self, g: str) -> dict[tuple, None]:
        """The graph's distinct triples as the store will hold them (pyoxigraph terms)."""
        out = self._converted.get(g)
        if out is None:
            out = {(_stored(to_ox(s)), to_ox(p), _stored(to_ox(o))): None for s, p, o in self.raw[g]}
            self._converted[g] = out
        return out


def _directory_fingerprint(path: Path) -> tuple:
    """Names, sizes and times of the files RocksDB changes on every commit or flush."""
    out = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                name = entry.name
                if name.endswith(".log") or name.startswith(("MANIFEST", "CURRENT")):
                    st = entry.stat()
                    out.append((name, st.st_size, st.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(out))


class GraphStore:
    """kg's dataset in an Oxigraph store, on disk (``path``) or in memory (``path=None``).

    Parameters
    ----------
    path
        Directory of the Oxigraph database; created when missing (unless ``read_only``).
    read_only
        Open without taking the writer lock: any number of read-only handles may coexist with
        one writer (see the module docs for what they see).
    ontology
        Turtle file whose ``rdfs:subClassOf`` / ``rdfs:subPropertyOf`` / ``rdfs:domain`` /
        ``rdfs:range`` axioms drive inference (default ``ontology/kg.ttl``); ``None`` for none.
    rules
        RDFS rules to materialise on writes, a subset of :data:`INFERENCE_RULES`. ``None`` keeps
        what the store was built with (default subclass + subproperty).
    in_memory
        With ``read_only``: query a copy of the store held in memory (2-4× faster queries; costs
        the time to copy, about 2 s per 100k triples, and the memory, several times the on-disk
        size). :meth:`refresh` copies again when the directory changed.

    Examples
    --------
    >>> import tempfile
    >>> from kg.ontology import ID, KG
    >>> from rdflib.namespace import RDF
    >>> folder = tempfile.mkdtemp()
    >>> with GraphStore.open(folder) as store:
    ...     _ = store.sync([(ID["entity/acme"], RDF.type, KG.Company, ID["graph/a"])])
    >>> with GraphStore.open(folder, read_only=True) as store:
    ...     bool(store.query("ASK { ?x a kg:Agent }", infer=True)), store.graphs()
    (True, ['https://w3id.org/newskg/id/graph/a'])
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        ontology: str | os.PathLike[str] | None = ONTOLOGY_FILE,
        rules: Iterable[str] | None = None,
        in_memory: bool = False,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        if in_memory and not (read_only and path is not None):
            raise ValueError("in_memory copies an on-disk store opened read_only=True")
        self.in_memory = in_memory
        self.ontology = Path(ontology) if ontology is not None else None
        if rules is not None:
            rules = tuple(sorted(set(rules)))
            unknown = set(rules) - set(INFERENCE_RULES)
            if unknown:
                raise ValueError(f"unknown inference rules {sorted(unknown)}: use {', '.join(INFERENCE_RULES)}")
        self._rules_wanted = rules
        self._pool: QueryPool | None = None
        self._lock = threading.RLock()
        self._store = self._open()
        self._load_state()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None, *, read_only: bool = False, **kwargs: Any) -> GraphStore:
        """Open (or create) the store at ``path``; see :class:`GraphStore`."""
        return cls(path, read_only=read_only, **kwargs)

    def _open(self) -> ox.Store:
        if self.path is None:
            if self.read_only:
                raise StoreError("an in-memory store cannot be opened read-only")
            return ox.Store()
        if self.read_only:
            if not (self.path / "CURRENT").is_file():
                raise StoreError(f"no store at {self.path}: build one first (kg build --store {self.path})")
            # Opening reads the MANIFEST then the files it lists; a writer compacting meanwhile can
            # delete one of them ("Corruption: ... No such file"). Reading again sees the new state.
            for attempt in range(6):
                fingerprint = _directory_fingerprint(self.path)
                try:
                    store = ox.Store.read_only(str(self.path))
                    break
                except (OSError, RuntimeError) as exc:
                    if attempt == 5:
                        raise StoreError(f"cannot open the store {self.path} read-only: {one_line(exc)}") from None
                    time.sleep(0.02 * 2**attempt)
            self._fingerprint = fingerprint
            if self.in_memory:
                copy = ox.Store()
                copy.bulk_load(input=store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
                return copy
            return store
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(self.path))
        except OSError as exc:
            msg = one_line(exc)
            if "lock" in msg.lower():
                raise StoreError(
                    f"the store {self.path} is already open for writing (a running kg build?); "
                    "read-only access works meanwhile"
                ) from None
            raise StoreError(f"cannot open the store {self.path}: {msg}") from None

    def _load_state(self) -> None:
        self._user_graphs: list[ox.NamedNode | ox.BlankNode] | None = None
        meta = self._meta_store_triples()
        self.state = meta.get(("store", "state"), "empty" if not meta else "unknown")
        self.rules: tuple[str, ...] = tuple(meta.get(("store", "rules"), " ".join(DEFAULT_RULES)).split())
        if self._rules_wanted is not None:
            self.rules = self._rules_wanted
        self._ontology_digest = meta.get(("store", "ontology"))
        self.foreign = not meta and self._has_data()

    def _has_data(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is not None

    def refresh(self) -> bool:
        """Reopen a read-only handle when the directory changed since it was opened.

        Returns True when it reopened. Read-write and in-memory stores always see their own writes.
        """
        if not self.read_only or self.path is None:
            return False
        if _directory_fingerprint(self.path) == self._fingerprint:
            return False
        with self._lock:
            self._store = self._open()
            self._load_state()
        return True

    def close(self) -> None:
        """Flush writes and release the store (and the query worker, if one was started)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        store = getattr(self, "_store", None)
        if store is not None and not self.read_only and self.path is not None:
            try:
                store.flush()
            except OSError:
                pass
        self._store = None  # type: ignore[assignment]

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        return f"<GraphStore {where}{' read-only' if self.read_only else ''}>"

    @property
    def store(self) -> ox.Store:
        """The underlying :class:`pyoxigraph.Store` (its default graph is the merge view)."""
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    # ------------------------------------------------------------------ reading

    def _meta_store_triples(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for q in self._store.quads_for_pattern(None, None, None, _META_G):
            subj = "store" if str(q.subject) == _STORE_NODE else q.subject.value
            pred = str(q.predicate)
            if pred == _M_STATE:
                out[(subj, "state")] = q.object.value
            elif pred == _M_RULES:
                out[(subj, "rules")] = q.object.value
            elif pred == _M_ONTOLOGY:
                out[(subj, "ontology")] = q.object.value
            elif pred == _M_DIGEST:
                out[(subj, "digest")] = q.object.value
            elif pred == _M_COUNT:
                out[(subj, "count")] = q.object.value
            elif pred == _M_VERSION:
                out[(subj, "version")] = q.object.value
            elif pred == _M_TRIPLES:
                out[(subj, "triples")] = q.object.value
            elif pred == _M_INFERRED:
                out[(subj, "inferred")] = q.object.value
        return out

    def _digests(self) -> dict[str, tuple[str, int]]:
        meta = self._meta_store_triples()
        return {
            g: (d, int(meta.get((g, "count"), 0)))
            for (g, key), d in meta.items()
            if key == "digest"
        }

    def graphs(self) -> list[str]:
        """IRIs of the user named graphs (articles and corpus), sorted."""
        return sorted(g.value for g in self._user_graph_nodes())

    def _user_graph_nodes(self) -> list[ox.NamedNode | ox.BlankNode]:
        if self._user_graphs is None:
            self._user_graphs = [g for g in self.store.named_graphs() if g.value not in SYSTEM_GRAPHS]
        return self._user_graphs

    def __len__(self) -> int:
        """Number of distinct triples in the dataset (the merge of the user graphs)."""
        return self._sizes()[0]

    def _sizes(self) -> tuple[int, int]:
        """(triples in the merge view, triples in the inferred graph), from the bookkeeping kept
        by every write (counted when it is missing, e.g. in a store kg did not build)."""
        meta = self._meta_store_triples()
        try:
            return int(meta[("store", "triples")]), int(meta[("store", "inferred")])
        except (KeyError, ValueError):
            return self._count(_DEFAULT), self._count(_INFERRED)

    def _count(self, graph: Any) -> int:
        res = self.store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph
        )
        return int(next(iter(res))[0].value)

    def stats(self) -> dict[str, Any]:
        """Sizes and state: user graphs, distinct triples, quads in user graphs, inferred triples."""
        digests = self._digests()
        return {
            "path": str(self.path) if self.path else None,
            "state": self.state,
            "graphs": len(self._user_graph_nodes()),
            "triples": self._sizes()[0],
            "quads": sum(c for _, c in digests.values()),
            "inferred": self._sizes()[1],
            "rules": list(self.rules),
        }

    def article_hashes(self) -> dict[str, str]:
        """``{article id: content hash}`` of every article in the store.

        Read from the articles' own ``dcterms:identifier`` and ``kg:contentHash`` triples; the
        pipeline compares them with :attr:`kg.model.Article.content_hash` to skip unchanged
        articles.

        >>> from kg.model import Article, KnowledgeGraph
        >>> from kg.rdf import quads
        >>> article = Article(id="a1", text="Hello.")
        >>> with GraphStore() as store:
        ...     _ = store.sync(quads(KnowledgeGraph((article,), (), ())))
        ...     store.article_hashes() == {"a1": article.content_hash}
        True
        """
        res = self.query(
            "SELECT ?id ?hash WHERE { ?a a kg:Article ; dcterms:identifier ?id ; kg:contentHash ?hash }"
        )
        return {str(row.id): str(row.hash) for row in res}

    def triples(self, graph: str | URIRef | None = None) -> Iterator[tuple]:
        """rdflib triples of one user graph, or of the merge when ``graph`` is None."""
        g = _DEFAULT if graph is None else _named(str(graph))
        for q in self.store.quads_for_pattern(None, None, None, g):
            yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)

    def _read_graph(self, graph: str) -> dict[tuple, None]:
        return {
            (q.subject, q.predicate, q.object): None
            for q in self.store.quads_for_pattern(None, None, None, _named(graph))
        }

    # ------------------------------------------------------------------ querying

    def query(
        self,
        sparql: str,
        *,
        infer: bool = False,
        timeout_s: float | None = None,
        limit: int | None = None,
        bindings: Mapping[str, Any] | None = None,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
    ) -> QueryResult:
        """Run a SPARQL 1.1 query on the dataset.

        Parameters
        ----------
        sparql
            The query. The prefixes of :data:`kg.rdf.PREFIXES` (``kg:``, ``rdfs:``, ...) are
            predeclared.
        infer
            Add the inferred graph (RDFS entailments and the ontology) to the default graph.
            Ignored when the query has its own ``FROM``.
        timeout_s
            Stop the query after this many seconds (:class:`QueryTimeoutError`). It then runs in
            a worker process, which needs an on-disk store.
        limit
            Return at most this many solutions / triples (``result.truncated`` tells).
        bindings
            Values for variables (rdflib or pyoxigraph terms), like rdflib's ``initBindings``.
        default_graph_uris, named_graph_uris
            The SPARQL protocol's dataset (replaces the store's; the merge view is not used).

        Raises
        ------
        QueryError
            Malformed query (the parser's message, one line) or an evaluation error.
        QueryTimeoutError
            The query ran longer than ``timeout_s``.

        Examples
        --------
        >>> from kg.ontology import ID, KG
        >>> from rdflib.namespace import RDF
        >>> with GraphStore() as store:
        ...     _ = store.sync([(ID["entity/guild"], RDF.type, KG.LaborUnion, ID["graph/a"])])
        ...     rows = store.query("SELECT ?c WHERE { ?x a ?c }", bindings={"x": ID["entity/guild"]})
        >>> [row.c.split("#")[1] for row in rows]
        ['LaborUnion']
        """
        job = QueryJob(
            sparql, infer=infer, limit=limit,
            bindings=tuple((k.lstrip("?$"), to_ox(v)) for k, v in (bindings or {}).items()),
            default_graph_uris=tuple(default_graph_uris), named_graph_uris=tuple(named_graph_uris),
            result_format="json", graph_format="ntriples",
        )
        if timeout_s is None:
            return self._run(job)
        if self.path is None:
            raise StoreError("a query timeout needs an on-disk store (queries run in a worker process)")
        with self._lock:
            if self._pool is None:
                self._pool = QueryPool(self.path, workers=1)
        return self._pool.run(job, timeout_s=timeout_s).result()

    def _run(self, job: QueryJob) -> QueryResult:
        if self.state == "loading":
            raise StoreError(f"the store {self.path} is incomplete (an interrupted build?): run kg build again")
        shape = _shape(job.sparql)
        kwargs: dict[str, Any] = {"prefixes": _PREFIXES}
        if job.default_graph_uris or job.named_graph_uris:
            kwargs["default_graph"] = [_named(u) for u in job.default_graph_uris]
            kwargs["named_graphs"] = [_named(u) for u in job.named_graph_uris]
        elif not shape.has_from:
            if job.infer:
                kwargs["default_graph"] = [_DEFAULT, _INFERRED]
            if shape.uses_graphs and not self.foreign:
                kwargs["named_graphs"] = self._user_graph_nodes()
        sparql = job.sparql
        if job.bindings:
            kwargs["substitutions"] = {ox.Variable(k): _skolem(v) for k, v in job.bindings}
        try:
            try:
                result = self.store.query(sparql, **kwargs)
            except RuntimeError as exc:
                # Oxigraph substitutes only projected variables; others become a VALUES block
                # opening the WHERE group (the same join rdflib's initBindings makes).
                if not job.bindings or "does not contains variable" not in str(exc) or shape.where_open is None:
                    raise
                del kwargs["substitutions"]
                at = shape.where_open
                sparql = sparql[:at] + _values_clause(dict(job.bindings)) + sparql[at:]
                result = self.store.query(sparql, **kwargs)
            return QueryResult.from_ox(result, limit=job.limit)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {one_line(exc)}") from None
        except RuntimeError as exc:
            raise QueryError(f"query failed: {one_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"cannot read the store {self.path}: {one_line(exc)}") from None

    # ------------------------------------------------------------------ writing

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the store {self.path} is open read-only")
        if self.foreign:
            raise StoreError(
                f"{self.path} holds an Oxigraph database kg did not build: use another --store directory"
            )

    def sync(self, quads: Iterable[tuple], *, prune: bool = True, rebuild: bool = False) -> SyncReport:
        """Make the store hold exactly the dataset ``quads``, rewriting only graphs that changed.

        Quads are grouped by graph; a digest of each graph is compared with the one stored at the
        last write; changed graphs get their new content (only the triples that differ are
        written) and, with ``prune``, graphs missing from ``quads`` are removed. The merge view
        and the inferred graph follow, in the same transaction.

        Parameters
        ----------
        quads
            (s, p, o, graph) tuples of rdflib or pyoxigraph terms, e.g. :func:`kg.rdf.quads`.
        prune
            Remove user graphs that ``quads`` does not mention.
        rebuild
            Clear the store and bulk-load everything (chosen automatically for a new store, or
            when the triples to change outnumber half the store).

        Examples
        --------
        >>> from rdflib import Literal
        >>> from kg.ontology import ID
        >>> from rdflib.namespace import RDFS
        >>> a, b = ID["graph/a"], ID["graph/b"]
        >>> with GraphStore() as store:
        ...     first = store.sync([(ID["entity/x"], RDFS.label, Literal("X"), a), (ID["entity/y"], RDFS.label, Literal("Y"), b)])
        ...     second = store.sync([(ID["entity/x"], RDFS.label, Literal("X"), a), (ID["entity/y"], RDFS.label, Literal("Why"), b)])
        >>> len(first.added), second.replaced, second.unchanged
        (2, ('https://w3id.org/newskg/id/graph/b',), 1)
        """
        started = time.perf_counter()
        self._check_writable()
        incoming = _Input().add_all(quads)
        with self._lock:
            stored = self._digests()
            wanted = {g: incoming.digest(g) for g in incoming}
            changed = [g for g, d in wanted.items() if stored.get(g, ("",))[0] != d]
            removed = []
            if prune:
                removed = sorted((set(stored) | {n.value for n in self._user_graph_nodes()}) - set(incoming.raw))
            if not incoming and not self._has_data():
                return SyncReport(mode="noop", seconds=time.perf_counter() - started)
            fresh = not self._user_graph_nodes() or self.state in ("loading", "empty")
            if fresh or (prune and rebuild):
                return self._bulk(incoming, wanted, stored, started)
            changes: dict[str, dict | None] = {g: incoming.triples(g) for g in changed}
            changes.update({g: None for g in removed})
            diffs = self._diffs(changes)
            delta = sum(len(d) + len(a) for d, a in diffs.values())
            total = sum(c for _, c in stored.values())
            if prune and delta > _REBUILD_MIN_QUADS and delta > total // 2:
                return self._bulk(incoming, wanted, stored, started)
            return self._transaction(changes, wanted, stored, len(incoming) - len(changed), started, diffs=diffs)

    def replace_graphs(self, graphs: Mapping[Any, Iterable[tuple] | None]) -> SyncReport:
        """Replace the content of each named graph given (``None`` or empty: remove it), in one
        transaction; other graphs are left alone.

        >>> from rdflib import Literal
        >>> from kg.ontology import ID
        >>> from rdflib.namespace import RDFS
        >>> with GraphStore() as store:
        ...     report = store.replace_graphs({ID["graph/a"]: [(ID["entity/x"], RDFS.label, Literal("X"))]})
        ...     store.graphs(), len(store)
        (['https://w3id.org/newskg/id/graph/a'], 1)
        """
        started = time.perf_counter()
        self._check_writable()
        incoming = _Input()
        names = []
        for g, triples in graphs.items():
            key = _Input.graph_key(g)
            names.append(key)
            incoming.add_all((*t, g) for t in (triples or ()))
        with self._lock:
            stored = self._digests()
            present = {n.value for n in self._user_graph_nodes()}
            wanted = {g: incoming.digest(g) for g in incoming}
            changes: dict[str, dict | None] = {}
            for g in names:
                if g in incoming:
                    if stored.get(g, ("",))[0] != wanted[g]:
                        changes[g] = incoming.triples(g)
                elif g in stored or g in present:
                    changes[g] = None
            return self._transaction(changes, wanted, stored, len(names) - len(changes), started)

    def remove_graph(self, graph: str | URIRef) -> bool:
        """Drop one named graph (and what only it contributed to the merge and the inferences).

        Returns False when the store had no such graph.
        """
        report = self.replace_graphs({URIRef(str(graph)): None})
        return bool(report.removed)

    def remove_article(self, article_id: str) -> bool:
        """Drop the named graph of article ``article_id`` (:func:`kg.ontology.article_graph_iri`).

        The corpus graph still describes the article's entities and facts until the pipeline
        rebuilds it and calls :meth:`sync`.
        """
        return self.remove_graph(article_graph_iri(article_id))

    def clear(self) -> None:
        """Remove everything, bookkeeping included."""
        self._check_writable()
        with self._lock:
            self.store.clear()
            self._load_state()

    def materialize_inferences(self, rules: Iterable[str] | None = None) -> int:
        """Recompute the inferred graph (optionally with other ``rules``); returns its size.

        Writes keep it up to date on their own (and recompute it when the ontology file
        changed); call this to switch rules, e.g. ``("subclass", "subproperty", "domain",
        "range")``; the store remembers them.
        """
        self._check_writable()
        if rules is not None:
            rules = tuple(sorted(set(rules)))
            unknown = set(rules) - set(INFERENCE_RULES)
            if unknown:
                raise ValueError(f"unknown inference rules {sorted(unknown)}: use {', '.join(INFERENCE_RULES)}")
            self.rules = rules
        started = time.perf_counter()
        with self._lock:
            stored = self._digests()
            report = self._transaction({}, {}, stored, len(stored), started, force_inference=True)
        return report.inferred

    # .................................................................. inference

    def _entailments(
        self, schema: _Schema, merge: Iterable[tuple], ontology: tuple[tuple, ...] = (), *, axioms: bool = True
    ) -> set[tuple]:
        """Everything the rules derive from the triples ``merge`` (not yet minus ``merge``), plus
        the ontology and the transitive closure of its hierarchy when ``axioms``."""
        rules = set(self.rules)
        out: set[tuple] = set()
        if axioms:
            out.update(self._axioms(schema, ontology))
        cls_sup, prop_sup = schema.classes, schema.props
        use_sc = "subclass" in rules
        use_sp = "subproperty" in rules
        use_dom = "domain" in rules and schema.domain
        use_rng = "range" in rules and schema.range
        rdf_type = _RDF_TYPE

        def types(node: Any, cls: str) -> None:
            out.add((node, rdf_type, _named(cls)))
            if use_sc:
                for sup in cls_sup.get(cls, ()):
                    out.add((node, rdf_type, _named(sup)))

        for s, p, o in merge:
            if p == rdf_type:
                if use_sc and isinstance(o, ox.NamedNode):
                    for sup in cls_sup.get(o.value, ()):
                        out.add((s, rdf_type, _named(sup)))
                continue
            pv = p.value
            if use_sp:
                for sup in prop_sup.get(pv, ()):
                    out.add((s, _named(sup), o))
            if use_dom or use_rng:
                for q in (pv, *prop_sup.get(pv, ())):
                    if use_dom:
                        for cls in schema.domain.get(q, ()):
                            types(s, cls)
                    if use_rng and not isinstance(o, ox.Literal):
                        for cls in schema.range.get(q, ()):
                            types(o, cls)
        return out

    @staticmethod
    def _axioms(schema: _Schema, ontology: tuple[tuple, ...]) -> set[tuple]:
        out = set(ontology)
        for sub, sups in schema.classes.items():  # rdfs11: subClassOf is transitive
            for sup in sups:
                out.add((_named(sub), _named(_SUBCLASS), _named(sup)))
        for sub, sups in schema.props.items():  # rdfs5: subPropertyOf is transitive
            for sup in sups:
                out.add((_named(sub), _named(_SUBPROP), _named(sup)))
        return out

    def _scanned(self, schema: _Schema) -> tuple[set[str], set[str]]:
        """Classes and predicates whose triples the rules read or derive."""
        classes = set(schema.classes) | {c for sups in schema.classes.values() for c in sups}
        preds = set(schema.props) | {q for sups in schema.props.values() for q in sups}
        if "domain" in self.rules or "range" in self.rules:
            keys = set(schema.domain) | set(schema.range)
            preds |= keys | {p for p, sups in schema.props.items() if sups & keys}
            for table in (schema.domain, schema.range):
                for targets in table.values():
                    for cls in targets:
                        classes.add(cls)
                        classes |= schema.classes.get(cls, set())
        return classes, preds

    def _relevant_merge(self, classes: set[str], predicates: set[str]) -> dict[tuple, None]:
        """Triples of the current merge view with a scanned class or predicate."""
        out: dict[tuple, None] = {}
        st = self.store
        for cls in classes:
            for q in st.quads_for_pattern(None, _RDF_TYPE, _named(cls), _DEFAULT):
                out[(q.subject, q.predicate, q.object)] = None
        for p in predicates:
            for q in st.quads_for_pattern(None, _named(p), None, _DEFAULT):
                out[(q.subject, q.predicate, q.object)] = None
        return out

    def _schema_for(self, data_schema: Iterable[tuple]) -> tuple[_Schema, tuple[tuple, ...], str]:
        ontology, digest = _ontology_for(self.ontology)
        triples = [(s.value, p.value, o.value) for s, p, o in ontology if isinstance(o, ox.NamedNode)]
        triples += [(s.value, p.value, o.value) for s, p, o in data_schema if isinstance(o, ox.NamedNode)]
        return _Schema.build(triples), ontology, digest

    def _schema_triples_in_merge(self) -> list[tuple]:
        out = []
        for p in _SCHEMA_PREDICATES:
            out += [(q.subject, q.predicate, q.object)
                    for q in self.store.quads_for_pattern(None, _named(p), None, _DEFAULT)]
        return out

    def _inference_delta_full(
        self, schema: _Schema, ontology: tuple[tuple, ...], merge_del: Mapping[tuple, None], merge_add: Mapping[tuple, None]
    ) -> tuple[list[tuple], list[tuple], int]:
        """(to delete from, to add to, size of) the inferred graph, recomputed from the whole
        merge view after the change: used when the schema, the ontology or the rules change."""
        st = self.store
        classes, predicates = self._scanned(schema)
        relevant = self._relevant_merge(classes, predicates)
        for t in merge_del:
            relevant.pop(t, None)
        relevant.update(merge_add)
        entailed = set()
        for t in self._entailments(schema, relevant, ontology):
            # `relevant` holds the part of the new merge view that derived triples can fall in;
            # the rest (ontology axioms and the like, a few hundred) is looked up one by one.
            if (t[1] == _RDF_TYPE and t[2].value in classes) or t[1].value in predicates:
                if t not in relevant:
                    entailed.add(t)
            elif t not in merge_add and not self._in_merge(t, merge_del):
                entailed.add(t)
        now = {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, None, _INFERRED)}
        return [t for t in now if t not in entailed], [t for t in entailed if t not in now], len(entailed)

    def _inference_delta_local(
        self, schema: _Schema, ontology: tuple[tuple, ...], merge_del: Mapping[tuple, None], merge_add: Mapping[tuple, None]
    ) -> tuple[list[tuple], list[tuple]]:
        """(to delete, to add) in the inferred graph, recomputed only for the nodes whose triples
        changed. Entailments are partitioned by subject: a node's depend on the triples it is the
        subject of (and, with rdfs:range, the object of)."""
        st = self.store
        use_range = "range" in self.rules and schema.range
        affected: set[Any] = set()
        for t in (*merge_del, *merge_add):
            affected.add(t[0])
            if use_range and not isinstance(t[2], ox.Literal):
                affected.add(t[2])
        axioms: dict[Any, set[tuple]] = {}
        for t in self._axioms(schema, ontology):
            axioms.setdefault(t[0], set()).add(t)
        inf_del: list[tuple] = []
        inf_add: list[tuple] = []
        for node in affected:
            as_subject = {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(node, None, None, _DEFAULT)}
            as_subject.difference_update(merge_del)
            as_subject.update(t for t in merge_add if t[0] == node)
            base = set(as_subject)
            if use_range:
                base.update((q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, node, _DEFAULT))
                base.difference_update(merge_del)
                base.update(t for t in merge_add if t[2] == node)
            derived = {t for t in self._entailments(schema, base, axioms=False) if t[0] == node}
            derived |= axioms.get(node, set())
            derived -= as_subject
            now = {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(node, None, None, _INFERRED)}
            inf_del += [t for t in now if t not in derived]
            inf_add += [t for t in derived if t not in now]
        return inf_del, inf_add

    # .................................................................. write paths

    def _meta_lines(
        self, digests: Mapping[str, tuple[str, int]], state: str, ontology_digest: str, triples: int, inferred: int
    ) -> list[str]:
        lines = [
            f"{_STORE_NODE} {_M_VERSION} {ox.Literal(_FORMAT_VERSION)}",
            f"{_STORE_NODE} {_M_STATE} {ox.Literal(state)}",
            f"{_STORE_NODE} {_M_RULES} {ox.Literal(' '.join(self.rules))}",
            f"{_STORE_NODE} {_M_ONTOLOGY} {ox.Literal(ontology_digest)}",
            f"{_STORE_NODE} {_M_TRIPLES} {ox.Literal(str(triples))}",
            f"{_STORE_NODE} {_M_INFERRED} {ox.Literal(str(inferred))}",
        ]
        for g, (d, n) in digests.items():
            lines.append(f"{_named(g)} {_M_DIGEST} {ox.Literal(d)}")
            lines.append(f"{_named(g)} {_M_COUNT} {ox.Literal(str(n))}")
        return lines

    def _diffs(self, changes: Mapping[str, dict | None]) -> dict[str, tuple[dict, dict]]:
        """graph -> (triples to delete, triples to insert) to give each changed graph its new content."""
        out = {}
        for g, new in changes.items():
            old = self._read_graph(g)
            new = new or {}
            out[g] = ({t: None for t in old if t not in new}, {t: None for t in new if t not in old})
        return out

    def _in_merge(self, t: tuple, merge_del: Mapping[tuple, None]) -> bool:
        """Whether the merge view, once ``merge_del`` is removed, holds ``t``."""
        if t in merge_del:
            return False
        return ox.Quad(t[0], t[1], t[2], _DEFAULT) in self.store

    def _transaction(
        self,
        changes: Mapping[str, dict | None],
        wanted: Mapping[str, str],
        stored: Mapping[str, tuple[str, int]],
        unchanged: int,
        started: float,
        *,
        force_inference: bool = False,
        diffs: Mapping[str, tuple[dict, dict]] | None = None,
    ) -> SyncReport:
        """Apply ``changes`` (graph -> new triples, None: remove) as one SPARQL Update, with the
        merge view, the inferred graph and the bookkeeping that follow from them."""
        ontology_digest = _ontology_for(self.ontology)[1]
        meta_now = self._meta_store_triples()
        settings_changed = (
            meta_now.get(("store", "rules")) != " ".join(self.rules)
            or meta_now.get(("store", "ontology")) != ontology_digest
        )
        if not changes and not settings_changed and not force_inference:
            triples, inferred = self._sizes()
            return SyncReport(unchanged=unchanged, triples=triples, inferred=inferred,
                              mode="noop", seconds=time.perf_counter() - started)
        st = self.store
        if diffs is None:
            diffs = self._diffs(changes)
        # --- merge view: a triple leaves it when no user graph holds it any more
        add_all: dict[tuple, None] = {}
        for _, added in diffs.values():
            add_all.update(added)
        merge_del: dict[tuple, None] = {}
        for g, (deleted, _) in diffs.items():
            for t in deleted:
                if t in add_all or t in merge_del:
                    continue
                holders = {
                    q.graph_name.value for q in st.quads_for_pattern(t[0], t[1], t[2], None)
                    if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in SYSTEM_GRAPHS
                }
                holders = {h for h in holders if not (h in diffs and t in diffs[h][0])}
                if not holders:
                    merge_del[t] = None
        merge_add = {t: None for t in add_all if ox.Quad(t[0], t[1], t[2], _DEFAULT) not in st}
        # --- inferred graph
        schema_delta = any(t[1].value in _SCHEMA_PREDICATES for t in (*merge_del, *merge_add))
        data_schema = [t for t in self._schema_triples_in_merge() if t not in merge_del]
        data_schema += [t for t in merge_add if t[1].value in _SCHEMA_PREDICATES]
        schema, ontology, _ = self._schema_for(data_schema)
        triples_before, inferred_before = self._sizes()
        if settings_changed or force_inference or schema_delta or meta_now.get(("store", "state")) != "ok":
            inf_del, inf_add, inferred = self._inference_delta_full(schema, ontology, merge_del, merge_add)
        else:
            inf_del, inf_add = self._inference_delta_local(schema, ontology, merge_del, merge_add)
            inferred = inferred_before - len(inf_del) + len(inf_add)
        triples = triples_before - len(merge_del) + len(merge_add)
        # --- bookkeeping
        digests = dict(stored)
        added, replaced, removed = [], [], []
        for g, new in changes.items():
            if new:
                (replaced if g in stored else added).append(g)
                digests[g] = (wanted[g], len(new))
            else:
                removed.append(g)
                digests.pop(g, None)
        old_meta = [_line((q.subject, q.predicate, q.object)) for q in st.quads_for_pattern(None, None, None, _META_G)]
        new_meta = self._meta_lines(digests, "ok", ontology_digest, triples, inferred)
        old_set, new_set = set(old_meta), set(new_meta)
        meta_del = [line for line in old_meta if line not in new_set]
        meta_add = [line for line in new_meta if line not in old_set]
        # --- one transaction
        deletes: list[str] = []
        inserts: list[str] = []

        def block(graph: Any, lines: Iterable[str]) -> str:
            body = " .\n".join(lines) + " ."
            return body if graph is None else f"GRAPH {graph} {{\n{body}\n}}"

        for g, (deleted, added_triples) in diffs.items():
            if deleted:
                deletes.append(block(_named(g), map(_line, deleted)))
            if added_triples:
                inserts.append(block(_named(g), map(_line, added_triples)))
        if merge_del:
            deletes.append(block(None, map(_line, merge_del)))
        if merge_add:
            inserts.append(block(None, map(_line, merge_add)))
        if inf_del:
            deletes.append(block(_INFERRED, map(_line, inf_del)))
        if inf_add:
            inserts.append(block(_INFERRED, map(_line, inf_add)))
        if meta_del:
            deletes.append(block(_META_G, meta_del))
        if meta_add:
            inserts.append(block(_META_G, meta_add))
        ops = []
        if deletes:
            ops.append("DELETE DATA {\n" + "\n".join(deletes) + "\n}")
        if inserts:
            ops.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
        ops += [f"DROP SILENT GRAPH {_named(g)}" for g in removed]
        self._write(" ;\n".join(ops))
        self.state = "ok"
        self._ontology_digest = ontology_digest
        self.foreign = False
        self._user_graphs = None
        return SyncReport(
            tuple(sorted(added)), tuple(sorted(replaced)), tuple(sorted(removed)), unchanged,
            triples=triples, inferred=inferred, mode="transaction", seconds=time.perf_counter() - started,
        )

    def _bulk(
        self,
        incoming: _Input,
        wanted: Mapping[str, str],
        stored: Mapping[str, tuple[str, int]],
        started: float,
    ) -> SyncReport:
        """Clear the store and load ``incoming`` with the bulk loader (not transactional: the
        store is marked *loading* until the end, and a later sync redoes an interrupted load)."""
        st = self.store
        ontology_digest = _ontology_for(self.ontology)[1]
        st.clear()
        st.update(f"INSERT DATA {{ GRAPH {_META_G} {{ {_STORE_NODE} {_M_STATE} \"loading\" }} }}")
        self.state = "loading"
        merge: dict[tuple, None] = {}
        for g in incoming:
            merge.update(incoming.triples(g))
        data_schema = [t for t in merge if t[1].value in _SCHEMA_PREDICATES]
        schema, ontology, _ = self._schema_for(data_schema)
        entailed = [t for t in self._entailments(schema, merge, ontology) if t not in merge]

        def chunks() -> Iterator[bytes]:
            buf: list[str] = []
            for g in incoming:
                gname = f" {_named(g)} .\n"
                buf.extend(_line(t) + gname for t in incoming.triples(g))
                if len(buf) > 50_000:
                    yield "".join(buf).encode("utf-8")
                    buf.clear()
            for batch, gname in ((merge, " .\n"), (entailed, f" {_INFERRED} .\n")):
                for t in batch:
                    buf.append(_line(t) + gname)
                    if len(buf) > 50_000:
                        yield "".join(buf).encode("utf-8")
                        buf.clear()
            yield "".join(buf).encode("utf-8")

        try:
            st.bulk_load(input=_ChunkReader(chunks()), format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"cannot load into the store {self.path}: {one_line(exc)}") from None
        digests = {g: (wanted[g], len(incoming.triples(g))) for g in incoming}
        meta = self._meta_lines(digests, "ok", ontology_digest, len(merge), len(entailed))
        self._write(
            f"DELETE DATA {{ GRAPH {_META_G} {{ {_STORE_NODE} {_M_STATE} \"loading\" }} }} ;\n"
            f"INSERT DATA {{ GRAPH {_META_G} {{\n" + " .\n".join(meta) + " .\n} }"
        )
        if self.path is not None:
            st.flush()
        self.state = "ok"
        self._ontology_digest = ontology_digest
        self.foreign = False
        self._user_graphs = None
        added = tuple(sorted(g for g in incoming if g not in stored))
        replaced = tuple(sorted(g for g in incoming if g in stored and stored[g][0] != wanted[g]))
        removed = tuple(sorted(g for g in stored if g not in incoming))
        unchanged = len(incoming) - len(added) - len(replaced)
        return SyncReport(added, replaced, removed, unchanged, triples=len(merge), inferred=len(entailed),
                          mode="bulk", seconds=time.perf_counter() - started)

    def _write(self, update: str) -> None:
        try:
            self.store.update(update)
        except OSError as exc:
            raise StoreError(f"cannot write the store {self.path}: {one_line(exc)}") from None
        except (SyntaxError, RuntimeError) as exc:  # a bug: the text is generated
            raise StoreError(f"internal error writing the store: {one_line(exc)}") from None

    # ------------------------------------------------------------------ export

    def export(
        self,
        format: str,
        out: str | os.PathLike[str] | IO[bytes] | None = None,
        *,
        inferred: bool = False,
        prefixes: Mapping[str, str] | None = None,
        sort: bool | None = None,
    ) -> bytes | None:
        """Serialise the dataset with pyoxigraph's writers.

        ``trig`` / ``nquads`` write the user named graphs (plus the inferred graph as a named
        graph when ``inferred``); ``turtle`` / ``ntriples`` / ``rdfxml`` / ``jsonld`` write the
        merge (plus the entailments when ``inferred``). ``out`` is a path (written atomically), a
        binary file, or None to return the bytes.

        The output is deterministic: an on-disk store is read in index order (the same content
        gives the same bytes, whatever the order it was written in); an in-memory store, which
        keeps insertion order, is sorted (``sort=None``: only then; ``True``: always).

        >>> from rdflib import Literal
        >>> from kg.ontology import ID
        >>> from rdflib.namespace import RDFS
        >>> with GraphStore() as store:
        ...     _ = store.sync([(ID["entity/x"], RDFS.label, Literal("X"), ID["graph/a"])])
        ...     print(store.export("nquads").decode().strip())
        <https://w3id.org/newskg/id/entity/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" <https://w3id.org/newskg/id/graph/a> .
        """
        name = _FORMAT_ALIASES.get(format.lower(), format.lower())
        pfx = dict(_PREFIXES if prefixes is None else prefixes)
        st = self.store
        ordered = self.path is None if sort is None else sort

        def read(g: Any) -> Iterable[ox.Quad]:
            quads = st.quads_for_pattern(None, None, None, g)
            if not ordered:
                return quads
            return sorted(quads, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))

        if name in DATASET_FORMATS:
            rdf_format = DATASET_FORMATS[name][1]
            graphs = [g for g in self._user_graph_nodes()]
            graphs.sort(key=lambda g: g.value)
            if inferred:
                graphs.append(_INFERRED)

            def items() -> Iterator[ox.Quad]:
                for g in graphs:
                    yield from read(g)
        elif name in GRAPH_FORMATS:
            rdf_format = GRAPH_FORMATS[name][1]

            def items() -> Iterator[ox.Triple]:  # type: ignore[misc]
                for g in (_DEFAULT, _INFERRED) if inferred else (_DEFAULT,):
                    for q in read(g):
                        yield q.triple
        else:
            known = ", ".join([*DATASET_FORMATS, *GRAPH_FORMATS])
            raise ValueError(f"unknown export format {format!r}: use one of {known}")
        kwargs: dict[str, Any] = {"format": rdf_format}
        if rdf_format not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            kwargs["prefixes"] = pfx
        if out is None:
            return ox.serialize(items(), **kwargs)
        if hasattr(out, "write"):
            ox.serialize(items(), out, **kwargs)
            return None
        path = Path(out)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                ox.serialize(items(), fh, **kwargs)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return None

    def to_rdflib(self, *, inferred: bool = False) -> Dataset:
        """The dataset as an rdflib ``Dataset(default_union=True)`` (user graphs; the inferred
        graph too, as a named graph, when ``inferred``)."""
        from kg.rdf import bind_prefixes

        ds = Dataset(default_union=True)
        bind_prefixes(ds)
        graphs = list(self._user_graph_nodes()) + ([_INFERRED] if inferred else [])
        for g in graphs:
            target = ds.graph(URIRef(g.value))
            for q in self.store.quads_for_pattern(None, None, None, g):
                target.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
        return ds

    def backup(self, target: str | os.PathLike[str]) -> GraphStore:
        """Copy the store to the new directory ``target`` (hard links for on-disk stores) and
        return it opened read-write."""
        target = Path(target)
        if self.path is not None:
            self.store.flush()
            try:
                self.store.backup(str(target))
            except OSError as exc:
                raise StoreError(f"cannot back up {self.path} to {target}: {one_line(exc)}") from None
            return GraphStore(target, ontology=self.ontology)
        copy = GraphStore(target, ontology=self.ontology)
        data = io.BytesIO()
        self.store.dump(data, format=ox.RdfFormat.N_QUADS)
        copy.store.bulk_load(input=data.getvalue(), format=ox.RdfFormat.N_QUADS)
        copy.store.flush()
        copy._load_state()
        return copy


class _ChunkReader(io.RawIOBase):
    """A binary file object reading from an iterator of byte chunks (for ``bulk_load``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not len(self._buf):
            try:
                self._buf = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]  # a view: no copy
        return n


# ============================================================================ worker processes


@dataclass(frozen=True)
class QueryJob:
    """A query to run in a worker: the text, options, and the formats wanted per query form
    (``None``: the caller accepts none of the formats for that form)."""

    sparql: str
    infer: bool = False
    limit: int | None = None
    bindings: tuple[tuple[str, Any], ...] = ()
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    result_format: str | None = "json"
    graph_format: str | None = "turtle"


@dataclass(frozen=True)
class QueryReply:
    """A serialised query result: ``kind`` (select / ask / graph), ``format`` name, ``body``,
    number of solutions or triples, and whether ``limit`` cut it short. ``format`` is None when
    the job accepted no format for this kind of query (HTTP 406)."""

    kind: str
    format: str | None
    body: bytes
    count: int
    truncated: bool

    @property
    def media_type(self) -> str:
        table = GRAPH_FORMATS if self.kind == "graph" else RESULT_FORMATS
        return table[self.format][0] if self.format else ""

    def result(self) -> QueryResult:
        """Parse the body back into a :class:`QueryResult`."""
        if self.format is None:
            raise QueryError("the query returned a result in no format the caller accepts")
        if self.kind == "graph":
            fmt = GRAPH_FORMATS[self.format][1]
            triples = [q.triple for q in ox.parse(self.body, format=fmt)]
            return QueryResult("graph", triples=triples, truncated=self.truncated)
        result = QueryResult.from_ox(ox.parse_query_results(self.body, format=RESULT_FORMATS[self.format][1]))
        result.truncated = self.truncated
        return result


def _serve_job(gs: GraphStore, job: QueryJob) -> QueryReply:
    result = gs._run(job)
    fmt = job.graph_format if result.kind == "graph" else job.result_format
    if fmt is None:
        return QueryReply(result.kind, None, b"", len(result), result.truncated)
    return QueryReply(result.kind, fmt, result.serialize(fmt), len(result), result.truncated)


def _worker_main(
    conn: multiprocessing.connection.Connection, path: str, ontology: str | None, in_memory: bool = False
) -> None:
    """Body of a query worker process: open the store read-only and answer jobs until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    try:
        gs = GraphStore(path, read_only=True, ontology=ontology, in_memory=in_memory)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("fatal", one_line(exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            try:
                gs.refresh()
                reply = _serve_job(gs, job)
            except StoreError:
                gs._store = gs._open()  # files moved under us by a concurrent build: reopen, retry once
                gs._load_state()
                reply = _serve_job(gs, job)
            conn.send(("ok", reply))
        except QueryError as exc:
            conn.send(("query", str(exc)))
        except KgError as exc:
            conn.send(("store", str(exc)))
        except Exception as exc:  # noqa: BLE001
            conn.send(("internal", f"{type(exc).__name__}: {one_line(exc)}"))


@dataclass
class _Worker:
    process: Any
    conn: multiprocessing.connection.Connection


_START_LOCK = threading.Lock()


class _MainHidden:
    """Start worker processes without making them re-import the caller's ``__main__``.

    multiprocessing's forkserver and spawn methods re-run the main script in each child (as
    ``__mp_main__``): that fails for ``python - < script`` and re-runs unguarded top-level code of
    a user's script. The workers only need :mod:`kg.store`, so ``__main__``'s file and spec are
    hidden while a child is started (``Process.start`` reads them synchronously).
    """

    def __enter__(self) -> None:
        import sys

        _START_LOCK.acquire()
        self.main = sys.modules.get("__main__")
        self.saved = {k: getattr(self.main, k) for k in ("__file__", "__spec__") if hasattr(self.main, k)}
        for k in self.saved:
            try:
                if k == "__spec__":
                    self.main.__spec__ = None  # type: ignore[union-attr]
                else:
                    delattr(self.main, k)
            except (AttributeError, TypeError):
                pass

    def __exit__(self, *exc: object) -> None:
        try:
            for k, v in self.saved.items():
                setattr(self.main, k, v)
        finally:
            _START_LOCK.release()


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: fork()s from a clean single-threaded process that has pyoxigraph and this module
    # imported (~20 ms per worker), without inheriting the parent's threads or its store handle.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["kg.store"])
    return ctx


class QueryPool:
    """Worker processes answering :class:`QueryJob` s on a read-only store, with hard timeouts.

    A query that runs past its time limit cannot be interrupted inside pyoxigraph, so its worker
    is killed (SIGKILL; safe: the handle is read-only) and a fresh one is started in the
    background. Workers reopen the store when its files change.

    Parameters
    ----------
    path
        Store directory.
    workers
        Number of processes (queries run in parallel up to this number).
    in_memory
        Each worker queries an in-memory copy of the store (see :class:`GraphStore`).

    Examples
    --------
    >>> import tempfile
    >>> from rdflib import Literal
    >>> from kg.ontology import ID
    >>> from rdflib.namespace import RDFS
    >>> folder = tempfile.mkdtemp()
    >>> with GraphStore(folder) as store:
    ...     _ = store.sync([(ID["entity/x"], RDFS.label, Literal("X"), ID["graph/a"])])
    >>> with QueryPool(folder, workers=1) as pool:
    ...     pool.run(QueryJob("SELECT ?l WHERE { ?x rdfs:label ?l }", result_format="csv"), timeout_s=5).body
    b'l\\r\\nX\\r\\n'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        workers: int = 2,
        ontology: str | os.PathLike[str] | None = ONTOLOGY_FILE,
        start_timeout_s: float = 120.0,
        in_memory: bool = False,
    ) -> None:
        self.path = str(path)
        self.in_memory = in_memory
        self.ontology = None if ontology is None else str(ontology)
        self.size = max(1, int(workers))
        self.start_timeout_s = start_timeout_s
        self._ctx = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[int] = set()
        self._workers: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0
        try:
            for _ in range(self.size):
                self._idle.put(self._spawn())
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(child, self.path, self.ontology, self.in_memory), daemon=True,
            name="kg-query-worker",
        )
        with _MainHidden():
            proc.start()
        child.close()
        if not parent.poll(self.start_timeout_s):
            proc.kill()
            raise StoreError(f"a query worker did not start within {self.start_timeout_s:.0f} s")
        try:
            msg = parent.recv()
        except EOFError:
            raise StoreError(f"a query worker for {self.path} exited at start (exit code {proc.exitcode})") from None
        if msg[0] != "ready":
            proc.join(1)
            raise StoreError(msg[1])
        worker = _Worker(proc, parent)
        with self._lock:
            self._workers[id(worker)] = worker
        return worker

    def _discard(self, worker: _Worker, *, replace: bool = True) -> None:
        with self._lock:
            self._workers.pop(id(worker), None)
        try:
            worker.process.kill()
        except Exception:  # noqa: BLE001
            pass
        worker.process.join(5)
        worker.conn.close()
        if replace and not self._closed:
            self.restarts += 1
            threading.Thread(target=self._respawn, daemon=True, name="kg-query-respawn").start()

    def _respawn(self) -> None:
        for attempt in range(3):
            if self._closed:
                return
            try:
                worker = self._spawn()
            except Exception as exc:  # noqa: BLE001
                log.warning("cannot restart a query worker (attempt %d): %s", attempt + 1, one_line(exc))
                time.sleep(0.5)
                continue
            if self._closed:
                self._discard(worker, replace=False)
            else:
                self._idle.put(worker)
            return

    def run(self, job: QueryJob, *, timeout_s: float, wait_s: float | None = None) -> QueryReply:
        """Run ``job`` in a free worker and return its reply.

        Raises
        ------
        BusyError
            No worker became free within ``wait_s`` (default: ``timeout_s``).
        QueryTimeoutError
            The query ran longer than ``timeout_s``; its worker was killed and is being replaced.
        QueryError, StoreError
            The query is malformed or failed, or the store cannot be read.
        """
        if self._closed:
            raise StoreError("the query pool is closed")
        try:
            worker = self._idle.get(timeout=timeout_s if wait_s is None else wait_s)
        except queue.Empty:
            raise BusyError(f"all {self.size} query workers are busy: try again later") from None
        try:
            worker.conn.send(job)
            msg = worker.conn.recv() if worker.conn.poll(timeout_s) else None
        except (EOFError, OSError):
            self._discard(worker)
            raise StoreError("the query worker died (out of memory?); it is being restarted") from None
        except BaseException:  # e.g. KeyboardInterrupt: the worker's state is unknown
            self._discard(worker)
            raise
        if msg is None:
            self._discard(worker)
            raise QueryTimeoutError(f"query stopped after the {timeout_s:g} s time limit")
        self._idle.put(worker)
        status, payload = msg
        if status == "ok":
            return payload
        if status == "query":
            raise QueryError(payload)
        if status == "store":
            raise StoreError(payload)
        raise StoreError(f"internal error in a query worker: {payload}")

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except Exception:  # noqa: BLE001
                pass
        deadline = time.monotonic() + 2
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
            worker.conn.close()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

