"""SPARQL over a built graph: ad-hoc queries, saved queries from ``ontology/queries/``, result formats.

Queries run on an rdflib Dataset (``default_union``, so patterns see every named graph).
Saved queries take parameters as initial bindings (``--param name="Jane Doe"``), never pasted
into the query text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from kg.errors import QueryError
from kg.ontology import QUERIES_DIR
from kg.rdf import PREFIXES

__all__ = [
    "saved_queries",
    "load_query_text",
    "run_query",
    "run_saved",
    "format_result",
    "parse_param",
    "RESULT_FORMATS",
]

RESULT_FORMATS = ("table", "csv", "tsv", "json")


def saved_queries() -> dict[str, Path]:
    """Saved query name → file (``ontology/queries/NAME.rq``)."""
    return {p.stem: p for p in sorted(QUERIES_DIR.glob("*.rq"))}


def load_query_text(query: str) -> str:
    """The SPARQL text for a saved query NAME, a ``.rq`` file path, or literal SPARQL."""
    saved = saved_queries()
    if query in saved:
        return saved[query].read_text(encoding="utf-8")
    if query.endswith((".rq", ".sparql")):
        path = Path(query)
        if not path.is_file():
            raise QueryError(f"{query}: no such query file")
        return path.read_text(encoding="utf-8")
    if not any(k in query.upper() for k in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        names = ", ".join(saved) or "none"
        raise QueryError(f"{query!r} is neither SPARQL, a .rq file nor a saved query (saved: {names})")
    return query


@cache
def _prepared(text: str):
    return prepareQuery(text, initNs={k: v for k, v in PREFIXES.items()})


def parse_param(value: str) -> URIRef | Literal:
    """A parameter value from the command line: ``<iri>``, a number, or a plain string."""
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    for cast in (int, float):
        try:
            return Literal(cast(value))
        except ValueError:
            pass
    return Literal(value)


def run_query(ds: Dataset | Graph, text: str, bindings: Mapping[str, object] | None = None) -> Result:
    """Run SPARQL ``text`` on ``ds`` with optional initial ``bindings`` (name → rdflib term)."""
    try:
        q = _prepared(text)
    except Exception as exc:  # pyparsing errors carry line/column in their message
        raise QueryError(f"SPARQL syntax error: {' '.join(str(exc).split())}") from exc
    init = {Variable(k): (v if isinstance(v, (URIRef, Literal)) else Literal(v)) for k, v in (bindings or {}).items()}
    try:
        return ds.query(q, initBindings=init)
    except Exception as exc:
        raise QueryError(f"query failed: {' '.join(str(exc).split())}") from exc


def run_saved(ds: Dataset | Graph, query_name: str, /, **bindings: object) -> Result:
    """Run the saved query ``query_name`` with keyword bindings (``name="Jane Doe"``)."""
    if query_name not in saved_queries():
        raise QueryError(f"no saved query {query_name!r} (saved: {', '.join(saved_queries())})")
    return run_query(ds, load_query_text(query_name), bindings)


def _cell(v: object) -> str:
    if v is None:
        return ""
    return str(v)


def format_result(result: Result | Iterable, fmt: str = "table") -> str:
    """SELECT rows as an aligned table, CSV, TSV or SPARQL JSON; ASK as true/false; graphs as Turtle."""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}: choose one of {', '.join(RESULT_FORMATS)}")
    if getattr(result, "type", None) == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.askAnswer)}) if fmt == "json" else str(bool(result.askAnswer)).lower()
    if getattr(result, "type", None) in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format="json-ld" if fmt == "json" else "turtle").decode("utf-8")
    if fmt == "json":
        return result.serialize(format="json").decode("utf-8")
    names = [str(v) for v in result.vars]
    rows = [[_cell(r[i]) for i in range(len(names))] for r in result]
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(names)
        w.writerows(rows)
        return buf.getvalue()
    widths = [min(60, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
