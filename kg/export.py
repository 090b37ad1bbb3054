"""Export a built graph to every common format: RDF syntaxes, graph-tool formats and a CSV of facts.

RDF formats with named graphs (TriG, N-Quads, JSON-LD) keep the dataset's graphs; the
triple-only formats (Turtle, N-Triples, RDF/XML) carry the union of all graphs. Output is
deterministic: the same dataset gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import networkx as nx
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.errors import KgError
from kg.rdf import bind_prefixes

__all__ = ["FORMATS", "RDF_FORMATS", "DATASET_FORMATS", "serialize", "union_graph", "facts_csv"]

# kg format name → rdflib serializer name (and whether it keeps named graphs)
RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "xml": "xml", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}
DATASET_FORMATS = frozenset({"nq", "trig", "jsonld"})
FORMATS = (*RDF_FORMATS, "graphml", "gexf", "csv")
EXTENSIONS = {"ttl": "ttl", "nt": "nt", "xml": "rdf", "nq": "nq", "trig": "trig", "jsonld": "jsonld",
              "graphml": "graphml", "gexf": "gexf", "csv": "csv"}


def union_graph(ds: Dataset | Graph) -> Graph:
    """All triples of every graph of ``ds`` in one Graph (prefixes kept)."""
    if not isinstance(ds, Dataset):
        return ds
    g = bind_prefixes(Graph())
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _sorted_lines(data: str) -> str:
    """Line-based formats (N-Triples, N-Quads) in sorted order, so output is deterministic."""
    lines = sorted(line for line in data.split("\n") if line.strip())  # not splitlines(): U+2028 is data
    return "\n".join(lines) + ("\n" if lines else "")


def _flat_network(ds: Dataset | Graph) -> nx.MultiDiGraph:
    """The entity network with list attributes joined, as GraphML/GEXF need scalar attributes."""
    from kg.network import to_networkx

    g = to_networkx(ds)
    flat = nx.MultiDiGraph()
    for n, data in g.nodes(data=True):
        flat.add_node(n, **{k: _scalar(v) for k, v in data.items() if _scalar(v) is not None})
    for u, v, k, data in g.edges(keys=True, data=True):
        attrs = {a: _scalar(x) for a, x in data.items() if a != "evidence" and _scalar(x) is not None}
        if data.get("evidence"):
            attrs["evidence"] = " | ".join(e["sentence"] for e in data["evidence"])
        flat.add_edge(u, v, key=k, **attrs)
    return flat


def _scalar(v: object) -> object:
    if isinstance(v, (list, tuple, set)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    return None if v is None else str(v)


def facts_csv(ds: Dataset | Graph) -> str:
    """One CSV row per piece of evidence of each asserted fact."""
    from kg.query import run_saved

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["subject", "subject_label", "predicate", "object", "object_label", "confidence", "support",
                "article", "sentence"])
    for row in run_saved(ds, "facts-with-evidence"):
        w.writerow(["" if x is None else str(x) for x in row])
    return buf.getvalue()


def trig(ds: Dataset) -> str:
    """TriG with named graphs in sorted order (rdflib's own order follows hashing, not content).

    Each graph is serialised by rdflib's Turtle writer with one shared namespace manager; its
    body goes verbatim (multi-line literals untouched) inside ``<g> { ... }`` and every prefix any
    graph used is declared once at the top.
    """
    manager = bind_prefixes(Graph()).namespace_manager
    prefixes: set[str] = set()
    bodies: list[str] = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        body = Graph(namespace_manager=manager)
        for t in g:
            body.add(t)
        lines = body.serialize(format="turtle").split("\n")
        k = 0
        while k < len(lines) and (lines[k].startswith("@prefix") or not lines[k].strip()):
            if lines[k].startswith("@prefix"):
                prefixes.add(lines[k])
            k += 1
        name = "" if g.identifier == DATASET_DEFAULT_GRAPH_ID else f"<{g.identifier}> "
        bodies.append(f"{name}{{\n" + "\n".join(lines[k:]).rstrip("\n") + "\n}\n")
    return "".join(line + "\n" for line in sorted(prefixes)) + "\n" + "\n".join(bodies)


def serialize(ds: Dataset | Graph, fmt: str) -> bytes:
    """``ds`` in format ``fmt`` (one of :data:`FORMATS`) as bytes."""
    if fmt not in FORMATS:
        raise KgError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt in RDF_FORMATS:
        target = ds if fmt in DATASET_FORMATS else union_graph(ds)
        if fmt in DATASET_FORMATS and not isinstance(ds, Dataset):
            raise KgError(f"format {fmt!r} needs a dataset")
        if fmt == "trig":
            return trig(ds).encode("utf-8")
        data = target.serialize(format=RDF_FORMATS[fmt], **({"sort_keys": True, "indent": 1} if fmt == "jsonld" else {}))
        if fmt in ("nt", "nq"):
            data = _sorted_lines(data)
        return data.encode("utf-8")
    writers: dict[str, Callable[[nx.MultiDiGraph, io.BytesIO], None]] = {
        "graphml": lambda g, b: nx.write_graphml(g, b),
        "gexf": lambda g, b: nx.write_gexf(g, b),
    }
    if fmt == "csv":
        return facts_csv(ds).encode("utf-8")
    buf = io.BytesIO()
    writers[fmt](_flat_network(ds), buf)
    return buf.getvalue()
