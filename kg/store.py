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
>>> union = ID["entity/aspu-ifa"]
>>> with GraphStore() as store:  # in memory; GraphStore("out/store") persists
...     report = store.sync([(union, RDF.type, KG.LaborUnion, g), (union, RDFS.label, Literal("ASPU-IFA"), g)])
...     plain = store.query("SELECT ?x WHERE { ?x a kg:Organization }")
...     inferred = store.query("SELECT ?x WHERE { ?x a kg:Organization }", infer=True)
>>> len(plain), [str(row.x) for row in inferred]
(0, ['https://w3id.org/newskg/id/entity/aspu-ifa'])
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import re
import shutil
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
from kg.serialize import trig_block_cut

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
# A change of the data's schema (a new open relation) updates the inferences of the nodes it
# concerns; above this many nodes the inferred graph is recomputed instead.
_LOCAL_MAX = 100_000


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
    reused: int = 0
    """With :meth:`GraphStore.sync_sections`: graphs whose text was copied from the last sync's
    (same fingerprint) instead of being rendered again."""
    trig: str | None = None
    """With :meth:`GraphStore.sync_blocks`: the TriG file the store now holds (the bytes of
    ``trig_chunks(blocks)``; valid until the next write)."""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def __str__(self) -> str:
        return (
            f"{len(self.added)} graphs added, {len(self.replaced)} replaced, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.triples} triples (+{self.inferred} inferred) "
            f"[{self.mode}{f', {self.reused} graphs reused' if self.reused else ''}, {self.seconds:.2f} s]"
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


# ============================================================================ kg's TriG text
#
# The fast path for kg's own datasets (GraphStore.sync_blocks): the dataset is serialised once
# with kg.serialize's TriG writer (the exact bytes of graph.trig); each graph's digest is the
# SHA-256 of its section of that text; a fresh store is bulk-loaded from the text piece by piece
# (named graphs as TriG, the merge view as the same blocks read as Turtle) by Oxigraph's loader in
# a background thread while the rest is still being written; and the text is kept beside the
# store, so that the next sync finds what changed inside a graph by comparing subject blocks
# instead of reading the graph back from the database. Given graph by graph with fingerprints
# (GraphStore.sync_sections, kg.rdf.graph_sections), a graph whose records did not change since
# the last sync is not even rendered: its section is copied from the kept text.

_TEXT_NAME = "kg-dataset.trig"
"""File, in the store directory, holding the TriG text the store was last synced from."""
_PIECE_BYTES = 2 << 20  # bytes of text per bulk_load call: bounds the loader's memory
_FLUSH_BYTES = 1 << 20
_BLOCK_START = re.compile(rb"^    (?=[^ \n])", re.M)  # a subject block opens at a 4-space indent
_BLOCK_SPLIT = re.compile(rb"\n(?=    [^ \n])")  # the newline before one
# A changed graph without its previous text is diffed by reading it back from the database (slow:
# ~5 µs a triple, and Python memory); above this many triples the sync reloads in bulk instead.
_READ_DIFF_MAX = 200_000
_RDF_TYPE_S = str(RDF.type)


@dataclass
class _Section:
    """Where one graph's text lies in a :class:`_Text` (usually one range), its SHA-256 and the
    number of triples written in it."""

    ranges: list[list[int]]
    digest: str = ""
    triples: int = 0
    fingerprint: str | None = None  # of the records the section was written from (kg.rdf.graph_sections)


class _Text:
    """A dataset as :func:`kg.serialize.trig_chunks` writes it: prefix lines, then one section
    ``<graph> {\\n    <block>...}\\n`` per graph (sections separated by a blank line), indexed."""

    def __init__(self, path: Path, prefix_len: int, sections: dict[str, _Section]) -> None:
        self.path = Path(path)
        self.prefix_len = prefix_len
        self.sections = sections
        self._prefix: bytes | None = None
        self.reused = 0  # sections copied from an earlier text when this one was written

    @property
    def prefix(self) -> bytes:
        if self._prefix is None:
            self._prefix = self.read(0, self.prefix_len)
        return self._prefix

    def read(self, start: int, end: int) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start)
        if len(data) != end - start:
            raise OSError(f"{self.path} is shorter than its index says")
        return data

    def section(self, graph: str) -> bytes:
        return b"".join(self.read(a, b) for a, b in self.sections[graph].ranges)

    def body(self, graph: str) -> bytes:
        """The graph's subject blocks (valid Turtle after :attr:`prefix`)."""
        return b"".join(_section_body(self.read(a, b)) for a, b in self.sections[graph].ranges)

    def reusable(self, graph: str, fingerprint: str) -> tuple[bytes, str] | None:
        """The section of ``graph`` and its digest when it was written from records with this
        fingerprint (and its bytes still hash to the digest the index gives), else None."""
        s = self.sections.get(graph)
        if s is None or s.fingerprint != fingerprint or len(s.ranges) != 1:
            return None
        try:
            data = self.section(graph)
        except OSError:
            return None
        return (data, s.digest) if hashlib.sha256(data).hexdigest() == s.digest else None

    def holds(self, graph: str, digest: str) -> bool:
        """Whether this text has the section of ``graph`` whose digest is ``digest``."""
        if graph not in self.sections:
            return False
        try:
            return hashlib.sha256(self.section(graph)).hexdigest() == digest
        except OSError:
            return False

    @property
    def index_path(self) -> Path:
        return self.path.with_name(self.path.name + ".index.json")

    def save_index(self, path: Path) -> None:
        doc = {"prefix": self.prefix_len,
               "graphs": {g: [s.ranges, s.digest, s.triples, s.fingerprint] for g, s in self.sections.items()}}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> _Text | None:
        """The text at ``path`` with its saved index, or None (missing or unreadable). The index is
        only a hint: a section is used only when its bytes hash to the digest the store expects."""
        try:
            doc = json.loads(path.with_name(path.name + ".index.json").read_text(encoding="utf-8"))
            sections = {g: _Section([list(r) for r in ranges], digest, int(n), *rest[:1])
                        for g, (ranges, digest, n, *rest) in doc["graphs"].items()}
            if not path.is_file():
                return None
            return cls(path, int(doc["prefix"]), sections)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _section_body(section: bytes) -> bytes:
    head = section.find(b"{\n")
    if head < 0 or not section.endswith(b"}\n"):
        raise ValueError("not a kg TriG graph section")
    return section[head + 2 : -2]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _as_sections(blocks: Iterable[tuple[Any, tuple[Any, list]]]) -> Iterator[tuple[Any, None, Iterator]]:
    """(graph, block) items as :func:`kg.rdf.graph_sections` gives them, without fingerprints."""
    from itertools import groupby

    for g, run in groupby(blocks, key=lambda item: item[0]):
        yield g, None, (block for _, block in run)


def _write_text(
    sections: Iterable[tuple[Any, str | None, Iterable[tuple[Any, list]]]],
    path: Path,
    *,
    observe: Any = None,
    on_segments: Any = None,
    reuse: _Text | None = None,
) -> _Text:
    """Write ``sections`` (:func:`kg.rdf.graph_sections`) to ``path`` as kg's TriG and index it.

    ``observe(subject, pairs)`` sees every block. ``on_segments(segments)`` is told, each time a
    batch of text is on disk, which graph bodies it holds: ``(header, start, end, last)`` where
    ``header`` is the section's ``<graph> {`` line and ``last`` says the body ends at ``end``
    (a segment may end inside a block when not ``last``). The bytes are exactly
    ``trig_chunks(blocks)``'s. A section whose fingerprint matches the one ``reuse`` (the text
    written before) has for the same graph is copied from it instead of rendered (only when
    nobody observes the blocks)."""
    from kg.rdf import ArticleBlocks, CorpusBlocks
    from kg.serialize import trig_chunks, trig_section

    prefix = "".join(trig_chunks(())).encode("utf-8")
    out: dict[str, _Section] = {}
    hashes: dict[str, Any] = {}
    reused = 0  # sections copied from ``reuse``
    segments: list[tuple[bytes, int, int, bool]] = []
    buf: list[bytes] = [prefix]
    pos = len(prefix)
    written = 0
    header: bytes | None = None  # of the open section
    head = b""
    handed = 0  # how far the open section's body was handed to on_segments
    can_reuse = reuse is not None and observe is None and on_segments is None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        def flush() -> None:
            nonlocal written, handed
            _write_all(fd, b"".join(buf))
            buf.clear()
            written = pos
            if on_segments is not None:
                if header is not None and pos > handed:
                    segments.append((header, handed, pos, False))
                    handed = pos
                if segments:
                    on_segments(list(segments))
                    segments.clear()

        for g, fingerprint, run in sections:
            key = _Input.graph_key(g)
            old = reuse.reusable(key, fingerprint) if can_reuse and fingerprint and key not in out else None
            if old is not None:
                data, digest = old
                if pos > len(prefix):
                    buf.append(b"\n")
                    pos += 1
                buf.append(data)
                out[key] = _Section([[pos, pos + len(data)]], digest, reuse.sections[key].triples, fingerprint)
                reused += 1
                pos += len(data)
                if pos - written >= _FLUSH_BYTES:
                    flush()
                continue
            count = 0

            def items(run: Iterable = run, g: Any = g) -> Iterator:
                nonlocal count
                for block in run:
                    pairs = block[1]
                    count += len(pairs)
                    if observe is not None and pairs:
                        observe(block[0], pairs)
                    yield g, block

            if observe is None and isinstance(run, (CorpusBlocks, ArticleBlocks)):  # text straight from the records
                count = run.triples
                chunks = trig_section(g, run)
            else:
                chunks = trig_chunks(items())
                next(chunks)  # the prefix lines, written once
            if key in hashes:
                h = hashes[key]
            elif key in out:  # a graph given twice, copied the first time: hash both parts
                h = hashlib.sha256(reuse.section(key))  # type: ignore[union-attr]
            else:
                h = hashlib.sha256()
            start = None
            for chunk in chunks:
                if pos - written >= _FLUSH_BYTES and header is not None:
                    flush()  # before the chunk: a flushed part of a body never holds the closing "}"
                data = chunk.encode("utf-8")
                if start is None:
                    if pos > len(prefix):
                        buf.append(b"\n")
                        pos += 1
                    start = pos
                    head = b""
                if header is None:
                    head += data
                    at = head.find(b"{\n")
                    if at >= 0:
                        header = head[: at + 2]
                        handed = start + at + 2
                h.update(data)
                buf.append(data)
                pos += len(data)
            if start is None:
                continue  # a graph without triples is no graph
            if header is None or not data.endswith(b"}\n"):
                raise ValueError("kg.serialize.trig_chunks wrote an unexpected graph section")
            segments.append((header, handed, pos - 2, True))
            header = None
            hashes[key] = h
            if key in out:
                out[key].ranges.append([start, pos])
                out[key].triples += count
                out[key].fingerprint = None
            else:
                out[key] = _Section([[start, pos]], triples=count, fingerprint=fingerprint)
        flush()
        os.fsync(fd)
    finally:
        os.close(fd)
    for key, h in hashes.items():
        out[key].digest = h.hexdigest()
    text = _Text(path, len(prefix), out)
    text.reused = reused
    return text


def _blocks(body: bytes) -> list[bytes]:
    """The subject blocks of a graph body, in order, each without its final newline (one split
    of the whole text: a tenth of a second for the corpus graph of 1,000 articles)."""
    pieces = _BLOCK_SPLIT.split(body[:-1] if body.endswith(b"\n") else body)
    if pieces and not _BLOCK_START.match(pieces[0]):  # text before the first block (or none)
        del pieces[0]
    return pieces


def _subject(block: bytes) -> bytes:
    return block[4 : block.find(b" ", 4)]


def _units(blocks: list[bytes]) -> dict[bytes, int]:
    """Subject token -> hash of the text of its block(s)."""
    units: dict[bytes, int] = {}
    for block in blocks:
        key, h = _subject(block), hash(block)
        prev = units.get(key)
        units[key] = h if prev is None else hash((prev, h))
    return units


def _blocks_of(blocks: list[bytes], keys: set[bytes]) -> bytes:
    """The text of the blocks whose subject token is in ``keys``."""
    return b"".join(block + b"\n" for block in blocks if _subject(block) in keys)


def _parse_stored(prefix: bytes, body: bytes) -> dict[tuple, None]:
    """The triples of Turtle ``body`` as the store holds them (canonical literals)."""
    if not body:
        return {}
    return {
        (_stored(t.subject), t.predicate, _stored(t.object)): None
        for t in ox.parse(prefix + body, format=ox.RdfFormat.TURTLE)
    }


class _Loader:
    """Oxigraph's bulk loader fed with kg's TriG text in a background thread, piece by piece (a
    piece is about :data:`_PIECE_BYTES` of text, which bounds the loader's memory): the graph
    bodies as TriG into their named graphs and as Turtle into the default graph (the merge view;
    the store keeps each triple once), and Turtle lines into the inferred graph. ``bulk_load``
    releases the GIL, so the loading overlaps the writing."""

    def __init__(self, store: ox.Store, prefix: bytes, text: Path, spool: Path | None = None, *,
                 threaded: bool = True) -> None:
        self.store = store
        self.prefix = prefix
        self.paths = {"text": text, "spool": spool}
        self.error: BaseException | None = None
        self._fds: dict[str, int] = {}  # opened on first use: the writer creates the files
        self._carry = b""
        self._named: list[bytes] = []
        self._merged: list[bytes] = []
        self._size = 0
        self._inferred: list[bytes] = []
        self._inf_size = 0
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue()  # items are offsets: the text itself is read back from disk
            self._thread = threading.Thread(target=self._run, name="kg-store-loader", daemon=True)
            self._thread.start()

    # -- called by the writer
    def segments(self, segments: list[tuple[bytes, int, int, bool]]) -> None:
        self._submit(("text", segments))

    def inferred(self, start: int, end: int) -> None:
        self._submit(("spool", start, end))

    def _submit(self, item: tuple) -> None:
        if self._queue is None:
            if self.error is None:
                self._do(item)
        else:
            self._queue.put(item)

    def close(self) -> None:
        """Load what is left, wait for the thread and re-raise its error."""
        try:
            if self._queue is not None:
                self._queue.put(None)
                self._thread.join()  # type: ignore[union-attr]
            elif self.error is None:
                self._finish()
        finally:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop without loading the rest (the writer failed); errors are dropped."""
        self.error = self.error or StoreError("loading aborted")
        try:
            self.close()
        except BaseException:  # noqa: BLE001
            pass

    # -- the loading thread
    def _run(self) -> None:
        while True:
            item = self._queue.get()  # type: ignore[union-attr]
            if item is None:
                break
            if self.error is None:
                try:
                    self._do(item)
                except BaseException as exc:  # noqa: BLE001 - re-raised by close()
                    self.error = exc
        if self.error is None:
            try:
                self._finish()
            except BaseException as exc:  # noqa: BLE001
                self.error = exc

    def _read(self, which: str, start: int, end: int) -> bytes:
        fd = self._fds.get(which)
        if fd is None:
            fd = self._fds[which] = os.open(self.paths[which], os.O_RDONLY)
        data = os.pread(fd, end - start, start)
        if len(data) != end - start:
            raise OSError(f"{self.paths[which]}: short read")
        return data

    def _do(self, item: tuple) -> None:
        if item[0] == "spool":
            data = self._read("spool", item[1], item[2])
            self._inferred.append(data)
            self._inf_size += len(data)
            if self._inf_size >= _PIECE_BYTES:
                self._flush_inferred()
            return
        for header, start, end, last in item[1]:
            pos = start
            while pos < end or (last and self._carry):
                step = min(end, pos + _PIECE_BYTES)
                data = self._carry + self._read("text", pos, step)
                pos = step
                if pos < end or not last:
                    at = trig_block_cut(data)
                    data, self._carry = data[:at], data[at:]
                else:
                    self._carry = b""
                if data:
                    self._named.append(header + data + b"}\n")
                    self._merged.append(data)
                    self._size += len(data)
                    if self._size >= _PIECE_BYTES:
                        self._flush()

    def _finish(self) -> None:
        if self._carry:
            raise ValueError("kg TriG text ended inside a graph")
        self._flush()
        self._flush_inferred()

    def _flush(self) -> None:
        if self._named:
            named, merged = b"".join(self._named), b"".join(self._merged)
            self._named.clear()
            self._merged.clear()
            self._size = 0
            self.store.bulk_load(input=self.prefix + named, format=ox.RdfFormat.TRIG)
            self.store.bulk_load(input=self.prefix + merged, format=ox.RdfFormat.TURTLE, to_graph=_DEFAULT)

    def _flush_inferred(self) -> None:
        if self._inferred:
            data = b"".join(self._inferred)
            self._inferred.clear()
            self._inf_size = 0
            self.store.bulk_load(input=self.prefix + data, format=ox.RdfFormat.TURTLE, to_graph=_INFERRED)


class _Spool:
    """Append-only temporary file for the inference candidates; each write is handed to the loader."""

    def __init__(self, path: Path, loader: _Loader) -> None:
        self.path = path
        self.loader = loader
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.pos = 0

    def write(self, data: bytes) -> None:
        _write_all(self.fd, data)
        self.loader.inferred(self.pos, self.pos + len(data))
        self.pos += len(data)

    def close(self) -> None:
        os.close(self.fd)


class _StreamInference:
    """The subclass / subproperty entailments of a dataset, computed block by block while it is
    serialised (fresh loads), as Turtle lines for the inferred graph.

    A candidate already in the merge view must not be in the inferred graph. Within a block that
    is checked directly; across blocks, kg's data keeps all of a subject's types in one block, so
    only subjects typed in several blocks (few, or none) and the triples with a predicate that is
    some property's superproperty (few) are reconciled against the store after the load
    (:meth:`corrections`). Schema triples in the data (open relations: ``kgr:x rdfs:subPropertyOf
    kg:relatedTo``) extend the hierarchy as they come; one that changes the hierarchy of a term
    already used makes the result ``dirty`` (the caller then recomputes from the store).
    """

    def __init__(self, schema: _Schema, emit: Any, *, subclass: bool = True, subproperty: bool = True) -> None:
        from kg.serialize import term

        self._term = term
        self._emit = emit
        self._use_sc = subclass
        self._use_sp = subproperty
        self.classes = {c: set(s) for c, s in schema.classes.items()}
        self.props = {p: set(s) for p, s in schema.props.items()}
        self._subs: dict[str, dict[str, set[str]]] = {_SUBCLASS: {}, _SUBPROP: {}}
        for pred, table in ((_SUBCLASS, self.classes), (_SUBPROP, self.props)):
            for x, sups in table.items():
                for y in sups:
                    self._subs[pred].setdefault(y, set()).add(x)
        self.targets = set().union(*self.props.values()) if self.props else set()
        self.dirty = _RDF_TYPE_S in self.targets
        self.used_classes: set[str] = set()
        self.used_props: set[str] = set()
        self.present: dict[tuple[str, str, str], Any] = {}  # merge triples with a target predicate
        self.candidates: set[int] = set()  # hashes of the property candidates written
        self.typed: set[int] = set()
        self.multi: set[str] = set()
        self.schema_triples: list[tuple[str, str, str]] = []
        self._rendered: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._lines: list[str] = []
        self._watch = set(_SCHEMA_PREDICATES) | self.targets | (set(self.props) if subproperty else set())

    def _render(self, table: str, x: str) -> list[tuple[str, str]]:
        sups = (self.classes if table == _SUBCLASS else self.props).get(x, ())
        out = [(y, self._term(URIRef(y))) for y in sorted(sups)]
        self._rendered[(table, x)] = out
        return out

    def _edge(self, a: str, pred: str, b: str) -> None:
        self.schema_triples.append((a, pred, b))
        if pred not in (_SUBCLASS, _SUBPROP) or a == b:
            return
        table = self.classes if pred == _SUBCLASS else self.props
        used = self.used_classes if pred == _SUBCLASS else self.used_props
        subs = self._subs[pred]
        add = {b} | table.get(b, set())
        for x in {a} | subs.get(a, set()):
            new = add - table.get(x, set()) - {x}
            if not new:
                continue
            if x in used:
                self.dirty = True  # blocks already written used the old hierarchy
            table.setdefault(x, set()).update(new)
            self._rendered.pop((pred, x), None)
            if pred == _SUBPROP and self._use_sp:
                self._watch.add(x)
            for y in new:
                subs.setdefault(y, set()).add(x)
                if pred == _SUBPROP and y not in self.targets:
                    if y in self.used_props or y == _RDF_TYPE_S:
                        self.dirty = True
                    self.targets.add(y)
                    self._watch.add(y)

    def block(self, subject: Any, pairs: list) -> None:
        ss = str(subject)
        ts = None
        types: set[str] | None = None
        watch, used = self._watch, self.used_props
        for p, o in pairs:
            ps = str(p)  # (rdflib compares a URIRef with a str in Python: str keys are faster)
            if ps == _RDF_TYPE_S:
                if type(o) is URIRef:
                    if types is None:
                        types = set()
                    types.add(str(o))
                continue
            used.add(ps)
            if ps in watch:
                if ts is None:
                    ts = self._term(subject)
                self._watched(ss, ts, ps, o)
        if types and self._use_sc:
            h = hash(ss)
            if h in self.typed:
                self.multi.add(ss)
            else:
                self.typed.add(h)
            self.used_classes.update(types)
            done: set[str] = set()
            lines = self._lines
            for c in types:
                if c not in self.classes:
                    continue
                for sup, tsup in self._rendered.get((_SUBCLASS, c)) or self._render(_SUBCLASS, c):
                    if sup not in types and sup not in done:
                        done.add(sup)
                        if ts is None:
                            ts = self._term(subject)
                        lines.append(f"{ts} a {tsup} .\n")
        if len(self._lines) >= 8192:
            self.flush()

    def _watched(self, ss: str, ts: str, ps: str, o: Any) -> None:
        """A pair whose predicate is a schema predicate, has superproperties or is one."""
        if ps in _SCHEMA_PREDICATES and type(o) is URIRef:
            self._edge(ss, ps, str(o))
        sups = self.props.get(ps) if self._use_sp else None
        okey = _key(o)
        if ps in self.targets:
            self.present[(ss, ps, okey)] = o
        if sups:
            to = None
            for sup, tsup in self._rendered.get((_SUBPROP, ps)) or self._render(_SUBPROP, ps):
                k = (ss, sup, okey)
                if k in self.present:
                    continue
                self.candidates.add(hash(k))
                if to is None:
                    to = self._term(o)
                self._lines.append(f"{ts} {tsup} {to} .\n")

    def flush(self) -> None:
        if self._lines:
            self._emit("".join(self._lines).encode("utf-8"))
            self._lines.clear()

    def data_schema(self) -> list[tuple]:
        return [(_named(s), _named(p), _named(o)) for s, p, o in self.schema_triples]

    def corrections(self, st: ox.Store) -> list[tuple]:
        """Candidates written to the inferred graph that the merge view holds after all."""
        out = []
        for (s, p, okey), o in self.present.items():
            if hash((s, p, okey)) in self.candidates:
                out.append((_named(s), _named(p), _stored(to_ox(o))))
        for s in self.multi:
            node = _named(s)
            for q in st.quads_for_pattern(node, _RDF_TYPE, None, _INFERRED):
                if ox.Quad(node, _RDF_TYPE, q.object, _DEFAULT) in st:
                    out.append((node, _RDF_TYPE, q.object))
        return out


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
        self._memory_dir: Path | None = None  # an in-memory store keeps its synced text here
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
        if getattr(self, "_memory_dir", None) is not None:
            shutil.rmtree(self._memory_dir, ignore_errors=True)
            self._memory_dir = None

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
            counts = {g: len(new) if new else None for g, new in changes.items()}
            return self._transaction(counts, wanted, stored, len(incoming) - len(changed), started, diffs=diffs)

    def sync_blocks(
        self, blocks: Iterable[tuple[Any, tuple[Any, list]]], *, prune: bool = True, rebuild: bool = False
    ) -> SyncReport:
        """:meth:`sync` for kg's own datasets, given as :func:`kg.rdf.graph_blocks` yields them.

        The dataset is written once as TriG (the bytes of ``trig_chunks(blocks)``, i.e. kg's
        ``graph.trig``; ``report.trig`` names the file) and everything is read from that text:

        * a graph's digest is the SHA-256 of its section of the text;
        * a fresh store (or a rebuild, or a change of the ontology or the rules) is bulk-loaded
          from the text by Oxigraph's loader in a background thread while the text is still being
          written, in pieces of a few MB (bounded memory); the subclass / subproperty entailments
          are computed block by block on the way;
        * otherwise the store keeps the text it was last synced from (:data:`_TEXT_NAME`, in its
          directory), and a changed graph is diffed subject block by subject block against it:
          only the blocks that differ are parsed, and the change is one transaction as with
          :meth:`sync`. Without that text (or when it does not match the store) a graph is read
          back from the database, or, when that would be large, the store is reloaded in bulk.

        Blank nodes are not supported (kg's writer never makes them). Digests differ from those
        of :meth:`sync`: a store synced both ways rewrites graphs when it switches.

        Examples
        --------
        >>> from kg.model import Article, KnowledgeGraph
        >>> from kg.rdf import graph_blocks
        >>> kg = KnowledgeGraph((Article(id="a1", text="Hello.", title="Hi"),), (), ())
        >>> with GraphStore() as store:
        ...     first = store.sync_blocks(graph_blocks(kg))
        ...     again = store.sync_blocks(graph_blocks(kg))
        ...     titles = [str(r.t) for r in store.query("SELECT ?t WHERE { ?a dcterms:title ?t }")]
        >>> first.mode, again.mode, titles
        ('bulk', 'noop', ['Hi'])
        """
        return self.sync_sections(_as_sections(blocks), prune=prune, rebuild=rebuild)

    def sync_sections(
        self, sections: Iterable[tuple[Any, str | None, Iterable[tuple[Any, list]]]], *, prune: bool = True,
        rebuild: bool = False,
    ) -> SyncReport:
        """:meth:`sync_blocks` for the dataset given graph by graph as :func:`kg.rdf.graph_sections`
        yields it. An incremental sync copies the text of a graph whose fingerprint is the one it
        had at the last sync from the text the store keeps, instead of rendering its blocks: with
        one new article among thousands, only that article's graph and the corpus graph are
        written afresh.

        Examples
        --------
        >>> from kg.model import Article, KnowledgeGraph
        >>> from kg.rdf import graph_sections
        >>> a1, a2 = Article(id="a1", text="Hello.", title="Hi"), Article(id="a2", text="Bye.", title="Bye")
        >>> with GraphStore() as store:
        ...     first = store.sync_sections(graph_sections(KnowledgeGraph((a1,), (), ())))
        ...     second = store.sync_sections(graph_sections(KnowledgeGraph((a1, a2), (), ())))
        ...     titles = sorted(str(r.t) for r in store.query("SELECT ?t WHERE { ?a dcterms:title ?t }"))
        >>> len(second.added), second.unchanged, second.reused, titles
        (1, 1, 1, ['Bye', 'Hi'])
        """
        started = time.perf_counter()
        self._check_writable()
        with self._lock:
            folder = self._text_dir()
            for stale in folder.glob(f"{_TEXT_NAME}.*.new"):  # from a run that was killed
                stale.unlink(missing_ok=True)
            new_path = folder / f"{_TEXT_NAME}.{os.getpid()}.{threading.get_ident()}.new"
            try:
                return self._sync_text(sections, new_path, prune, rebuild, started)
            except OSError as exc:
                raise StoreError(f"cannot write the store {self.path or 'in memory'}: {one_line(exc)}") from None
            finally:
                new_path.unlink(missing_ok=True)

    def _text_dir(self) -> Path:
        if self.path is not None:
            return self.path
        if self._memory_dir is None:
            self._memory_dir = Path(tempfile.mkdtemp(prefix="kg-store-"))
        return self._memory_dir

    def _text_file(self) -> Path:
        return self._text_dir() / _TEXT_NAME

    def _sync_text(self, sections: Iterable, new_path: Path, prune: bool, rebuild: bool, started: float) -> SyncReport:
        ontology_digest = _ontology_for(self.ontology)[1]
        meta = self._meta_store_triples()
        stored = {g: (d, int(meta.get((g, "count"), 0))) for (g, key), d in meta.items() if key == "digest"}
        settings_changed = (meta.get(("store", "rules")) != " ".join(self.rules)
                            or meta.get(("store", "ontology")) != ontology_digest)
        old = _Text.load(self._text_file())
        total = sum(c for _, c in stored.values())
        fresh = not self._user_graph_nodes() or self.state in ("loading", "empty")
        if fresh or (prune and (rebuild or settings_changed or (old is None and total > _READ_DIFF_MAX))):
            return self._bulk_text(sections, new_path, stored, started, ontology_digest)
        text = _write_text(sections, new_path, reuse=old)
        wanted = {g: s.digest for g, s in text.sections.items()}
        changed = [g for g in text.sections if stored.get(g, ("",))[0] != wanted[g]]
        present = {n.value for n in self._user_graph_nodes()}
        removed = sorted((set(stored) | present) - set(text.sections)) if prune else []
        counts: dict[str, int | None] = {}
        diffs: dict[str, tuple[dict, dict]] = {}
        delta = 0
        for g in removed:
            diffs[g] = (self._read_graph(g), {})
            counts[g] = None
            delta += len(diffs[g][0])
        for g in changed:
            diff = self._text_diff(g, text, old, stored, present)
            if diff is None and prune:
                return self._reload_text(text, stored, started, ontology_digest)
            if diff is None:
                diff = self._read_diff(g, text)
            diffs[g] = diff
            counts[g] = text.sections[g].triples
            delta += len(diff[0]) + len(diff[1])
            if prune and delta > _REBUILD_MIN_QUADS and delta > total // 2:
                return self._reload_text(text, stored, started, ontology_digest)
        report = self._transaction(counts, wanted, stored, len(text.sections) - len(changed), started, diffs=diffs)
        self._install_text(text)
        return dataclasses.replace(report, trig=str(text.path), reused=text.reused,
                                   seconds=time.perf_counter() - started)

    def _text_diff(
        self, g: str, text: _Text, old: _Text | None, stored: Mapping[str, tuple[str, int]], present: set[str]
    ) -> tuple[dict, dict] | None:
        """(to delete, to insert) in graph ``g`` to give it its content in ``text``; None when
        that would mean reading a large graph back from the database."""
        if g in stored and old is not None and old.holds(g, stored[g][0]):
            old_blocks, new_blocks = _blocks(old.body(g)), _blocks(text.body(g))
            before_units, after_units = _units(old_blocks), _units(new_blocks)
            keys = {k for k, h in after_units.items() if before_units.get(k) != h}
            keys.update(k for k in before_units if k not in after_units)
            del before_units, after_units
            before = _parse_stored(old.prefix, _blocks_of(old_blocks, keys))
            after = _parse_stored(text.prefix, _blocks_of(new_blocks, keys))
        elif g not in stored and g not in present:
            before, after = {}, _parse_stored(text.prefix, text.body(g))
        elif stored.get(g, ("", 0))[1] > _READ_DIFF_MAX:
            return None
        else:
            return self._read_diff(g, text)
        return {t: None for t in before if t not in after}, {t: None for t in after if t not in before}

    def _read_diff(self, g: str, text: _Text) -> tuple[dict, dict]:
        before = self._read_graph(g)
        after = _parse_stored(text.prefix, text.body(g))
        return {t: None for t in before if t not in after}, {t: None for t in after if t not in before}

    def _install_text(self, text: _Text) -> None:
        """Keep ``text`` as the text the store holds (after the write that made it so)."""
        dest = self._text_file()
        if text.path != dest:
            os.replace(text.path, dest)
            text.path = dest
        text.save_index(text.index_path)

    def _mark_loaded(self, ontology_digest: str) -> None:
        """After a bulk load: flush to disk, compact, and take the store's state as written.

        A bulk load leaves many small files at RocksDB's top level; left alone, RocksDB merges
        them at the next open that writes, in a background thread competing with that update's
        own work (1,000 articles: 1.4 s of CPU; adding one article took 0.7–0.9 s longer on this
        2-core machine). Compacting here, once, costs about as much (1.3–1.6 s at 1,000
        articles) and also leaves queries fewer files to read."""
        if self.path is not None:
            self.store.flush()
            self.store.optimize()
        self.state = "ok"
        self._ontology_digest = ontology_digest
        self.foreign = False
        self._user_graphs = None

    def _start_bulk(self) -> None:
        st = self.store
        st.clear()
        st.update(f"INSERT DATA {{ GRAPH {_META_G} {{ {_STORE_NODE} {_M_STATE} \"loading\" }} }}")
        self.state = "loading"
        self._user_graphs = None

    def _bulk_text(
        self, sections: Iterable, new_path: Path, stored: Mapping[str, tuple[str, int]], started: float,
        ontology_digest: str,
    ) -> SyncReport:
        """Clear the store and load ``sections`` while they are written (see :meth:`sync_blocks`)."""
        from kg.serialize import trig_chunks

        st = self.store
        self._start_bulk()
        schema, _, _ = self._schema_for([])  # the ontology's; the data's own schema comes with the blocks
        rules = set(self.rules)
        spool_path = new_path.with_name(new_path.name[: -len(".new")] + ".inferred.new")
        loader = _Loader(st, "".join(trig_chunks(())).encode("utf-8"), new_path, spool_path)
        inference = spool = None
        try:
            if rules <= {"subclass", "subproperty"}:
                spool = _Spool(spool_path, loader)
                inference = _StreamInference(schema, spool.write, subclass="subclass" in rules,
                                             subproperty="subproperty" in rules)
            text = _write_text(sections, new_path, observe=None if inference is None else inference.block,
                               on_segments=loader.segments)
            if inference is not None:
                inference.flush()
        except BaseException:
            loader.abort()
            raise
        finally:
            if spool is not None:
                spool.close()
        try:
            loader.close()
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load into the store {self.path}: {one_line(exc)}") from None
        finally:
            spool_path.unlink(missing_ok=True)
        if inference is None or inference.dirty:
            return self._reload_text(text, stored, started, ontology_digest)
        schema, ontology, _ = self._schema_for(inference.data_schema())
        fix_del = list({t: None for t in inference.corrections(st) if ox.Quad(*t, _INFERRED) in st})
        fix_add = [t for t in self._axioms(schema, ontology)
                   if ox.Quad(*t, _DEFAULT) not in st and ox.Quad(*t, _INFERRED) not in st]
        inferred = self._count(_INFERRED) - len(fix_del) + len(fix_add)
        return self._finish_bulk(text, stored, started, ontology_digest, inferred, fix_del, fix_add)

    def _reload_text(
        self, text: _Text, stored: Mapping[str, tuple[str, int]], started: float, ontology_digest: str
    ) -> SyncReport:
        """Clear the store and bulk-load ``text`` (already written), inferences from the store."""
        st = self.store
        self._start_bulk()
        loader = _Loader(st, text.prefix, text.path, threaded=False)
        try:
            for start, end in sorted(r for s in text.sections.values() for r in s.ranges):
                head = text.read(start, min(end, start + 4096))
                header = head[: head.index(b"{\n") + 2]
                loader.segments([(header, start + len(header), end - 2, True)])
            loader.close()
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load into the store {self.path}: {one_line(exc)}") from None
        schema, ontology, _ = self._schema_for(self._schema_triples_in_merge())
        inferred = self._scan_inference(schema, ontology)
        return self._finish_bulk(text, stored, started, ontology_digest, inferred, [], [])

    def _finish_bulk(
        self, text: _Text, stored: Mapping[str, tuple[str, int]], started: float, ontology_digest: str,
        inferred: int, fix_del: list[tuple], fix_add: list[tuple],
    ) -> SyncReport:
        st = self.store
        triples = self._count(_DEFAULT)
        digests = {g: (s.digest, s.triples) for g, s in text.sections.items()}
        meta = self._meta_lines(digests, "ok", ontology_digest, triples, inferred)
        ops = [f"DELETE DATA {{ GRAPH {_META_G} {{ {_STORE_NODE} {_M_STATE} \"loading\" }} }}"]
        if fix_del:
            ops.append(f"DELETE DATA {{ GRAPH {_INFERRED} {{\n" + " .\n".join(map(_line, fix_del)) + " .\n} }")
        lines = [f"GRAPH {_META_G} {{\n" + " .\n".join(meta) + " .\n}"]
        if fix_add:
            lines.append(f"GRAPH {_INFERRED} {{\n" + " .\n".join(map(_line, fix_add)) + " .\n}")
        ops.append("INSERT DATA {\n" + "\n".join(lines) + "\n}")
        self._write(" ;\n".join(ops))
        self._mark_loaded(ontology_digest)
        self._install_text(text)
        wanted = {g: s.digest for g, s in text.sections.items()}
        added = tuple(sorted(g for g in wanted if g not in stored))
        replaced = tuple(sorted(g for g in wanted if g in stored and stored[g][0] != wanted[g]))
        removed = tuple(sorted(g for g in stored if g not in wanted))
        unchanged = len(wanted) - len(added) - len(replaced)
        return SyncReport(added, replaced, removed, unchanged, triples=triples, inferred=inferred, mode="bulk",
                          seconds=time.perf_counter() - started, trig=str(text.path))

    def _scan_inference(self, schema: _Schema, ontology: tuple[tuple, ...]) -> int:
        """Fill the empty inferred graph from the merge view rule by rule (streamed: for each class
        or property the rules read, its triples are scanned and what they entail, minus the merge,
        is bulk-loaded). Returns the size of the inferred graph."""
        st = self.store
        rules = set(self.rules)
        use_sc, use_sp = "subclass" in rules, "subproperty" in rules
        use_dom = "domain" in rules and bool(schema.domain)
        use_rng = "range" in rules and bool(schema.range)
        with tempfile.TemporaryFile() as spool:
            def emit(t: tuple) -> None:
                if ox.Quad(t[0], t[1], t[2], _DEFAULT) not in st:
                    spool.write(f"{_line(t)} .\n".encode("utf-8"))

            if use_sc:
                for cls, sups in schema.classes.items():
                    targets = [_named(c) for c in sups]
                    for q in st.quads_for_pattern(None, _RDF_TYPE, _named(cls), _DEFAULT):
                        for c in targets:
                            emit((q.subject, _RDF_TYPE, c))
            classes, predicates = self._scanned(schema)
            for p in predicates:
                sups = [_named(x) for x in schema.props.get(p, ())] if use_sp else []
                doms: set[str] = set()
                rngs: set[str] = set()
                for q in (p, *schema.props.get(p, ())):
                    for table, out in ((schema.domain if use_dom else {}, doms), (schema.range if use_rng else {}, rngs)):
                        for cls in table.get(q, ()):
                            out.add(cls)
                            if use_sc:
                                out.update(schema.classes.get(cls, ()))
                if not (sups or doms or rngs):
                    continue
                dom_nodes, rng_nodes = [_named(c) for c in doms], [_named(c) for c in rngs]
                for q in st.quads_for_pattern(None, _named(p), None, _DEFAULT):
                    for sup in sups:
                        emit((q.subject, sup, q.object))
                    for c in dom_nodes:
                        emit((q.subject, _RDF_TYPE, c))
                    if rng_nodes and not isinstance(q.object, ox.Literal):
                        for c in rng_nodes:
                            emit((q.object, _RDF_TYPE, c))
            for t in self._axioms(schema, ontology):
                emit(t)
            spool.seek(0)
            while True:
                lines = spool.readlines(_PIECE_BYTES)
                if not lines:
                    break
                st.bulk_load(input=b"".join(lines), format=ox.RdfFormat.N_TRIPLES, to_graph=_INFERRED)
        return self._count(_INFERRED)

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
            counts = {g: len(new) if new else None for g, new in changes.items()}
            return self._transaction(counts, wanted, stored, len(names) - len(changes), started,
                                     diffs=self._diffs(changes))

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
            text = self._text_file()
            for leftover in (text, text.with_name(text.name + ".index.json")):
                leftover.unlink(missing_ok=True)
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
            report = self._transaction({}, {}, stored, len(stored), started, force_inference=True, diffs={})
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

    def _schema_affected(self, old: _Schema, new: _Schema) -> set | None:
        """Nodes whose entailments a change of the data's own schema changes (beyond the subjects
        of the changed triples): the classes and properties whose superclasses / superproperties
        changed, and what uses them; None when that is too much (or domain / range rules are on
        and their tables changed): the caller then recomputes everything."""
        props = {p for p in set(old.props) | set(new.props) if old.props.get(p, set()) != new.props.get(p, set())}
        classes = {c for c in set(old.classes) | set(new.classes)
                   if old.classes.get(c, set()) != new.classes.get(c, set())}
        rules = set(self.rules)
        if rules & {"domain", "range"} and (classes or old.domain != new.domain or old.range != new.range):
            return None
        use_range = "range" in rules
        nodes: set = {_named(x) for x in props | classes}
        st = self.store
        for p in props:
            for q in st.quads_for_pattern(None, _named(p), None, _DEFAULT):
                nodes.add(q.subject)
                if use_range and not isinstance(q.object, ox.Literal):
                    nodes.add(q.object)
                if len(nodes) > _LOCAL_MAX:
                    return None
        for c in classes:
            for q in st.quads_for_pattern(None, _RDF_TYPE, _named(c), _DEFAULT):
                nodes.add(q.subject)
                if len(nodes) > _LOCAL_MAX:
                    return None
        return nodes

    def _inference_delta_local(
        self, schema: _Schema, ontology: tuple[tuple, ...], merge_del: Mapping[tuple, None],
        merge_add: Mapping[tuple, None], extra: Iterable[Any] = (),
    ) -> tuple[list[tuple], list[tuple]]:
        """(to delete, to add) in the inferred graph, recomputed only for the nodes whose triples
        changed. Entailments are partitioned by subject: a node's depend on the triples it is the
        subject of (and, with rdfs:range, the object of)."""
        st = self.store
        use_range = "range" in self.rules and schema.range
        affected: set[Any] = set(extra)
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
        changes: Mapping[str, int | None],
        wanted: Mapping[str, str],
        stored: Mapping[str, tuple[str, int]],
        unchanged: int,
        started: float,
        *,
        diffs: Mapping[str, tuple[dict, dict]],
        force_inference: bool = False,
    ) -> SyncReport:
        """Apply ``diffs`` (graph -> (triples to delete, triples to insert)) as one SPARQL Update,
        with the merge view, the inferred graph and the bookkeeping that follow from them.
        ``changes`` gives each changed graph's new number of triples (None: the graph goes)."""
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
        data_before = self._schema_triples_in_merge()
        data_schema = [t for t in data_before if t not in merge_del]
        data_schema += [t for t in merge_add if t[1].value in _SCHEMA_PREDICATES]
        schema, ontology, _ = self._schema_for(data_schema)
        triples_before, inferred_before = self._sizes()
        full = settings_changed or force_inference or meta_now.get(("store", "state")) != "ok"
        extra: set | None = set()
        if schema_delta and not full:  # e.g. a new open relation: kgr:x rdfs:subPropertyOf kg:relatedTo
            extra = self._schema_affected(self._schema_for(data_before)[0], schema)
            full = extra is None
        if full:
            inf_del, inf_add, inferred = self._inference_delta_full(schema, ontology, merge_del, merge_add)
        else:
            inf_del, inf_add = self._inference_delta_local(schema, ontology, merge_del, merge_add, extra or set())
            inferred = inferred_before - len(inf_del) + len(inf_add)
        triples = triples_before - len(merge_del) + len(merge_add)
        # --- bookkeeping
        digests = dict(stored)
        added, replaced, removed = [], [], []
        for g, new in changes.items():
            if new:
                (replaced if g in stored else added).append(g)
                digests[g] = (wanted[g], new)
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
        self._mark_loaded(ontology_digest)
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

