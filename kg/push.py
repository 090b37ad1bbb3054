"""Upload kg's dataset to another triple store (``kg push URL``).

Uses the `SPARQL 1.1 Graph Store HTTP Protocol <https://www.w3.org/TR/sparql11-http-rdf-update/>`_:
one ``PUT`` (replace) or ``POST`` (add) of N-Triples per named graph, to ``URL?graph=IRI``, so the
named graphs (one per article, plus the corpus graph) arrive as they are; the default graph goes
to ``URL?default``. Any GSP service works: Oxigraph (``http://host:7878/store``), Apache Jena
Fuseki (``http://host:3030/DATASET/data``), GraphDB (``.../repositories/ID/rdf-graphs/service``),
RDF4J, Virtuoso (``.../sparql-graph-crud-auth``), Stardog, Blazegraph.

Only the standard library is used (``http.client``, one keep-alive connection per push).

Examples
--------
>>> from kg.store import GraphStore
>>> with GraphStore("output/store", read_only=True) as store:          # doctest: +SKIP
...     print(push(store, "http://localhost:7878/store"))
pushed 352 graphs, 48113 triples to http://localhost:7878/store in 2.1 s
"""

from __future__ import annotations

import base64
import http.client
import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.errors import KgError
from kg.store import GraphStore, one_line, to_ox

__all__ = ["push", "PushReport", "PushError", "graph_url"]

Auth = tuple[str, str] | str | None


class PushError(KgError):
    """The upload failed: the message names the graph, the HTTP status and the server's reply."""


@dataclass(frozen=True)
class PushReport:
    """What :func:`push` sent."""

    url: str
    graphs: int
    triples: int
    bytes: int
    seconds: float
    method: str

    def __str__(self) -> str:
        return f"pushed {self.graphs} graphs, {self.triples} triples to {self.url} in {self.seconds:.1f} s"


def graph_url(url: str, graph: str | None) -> str:
    """The GSP URL of ``graph`` (``None``: the default graph) under the service ``url``.

    >>> graph_url("http://localhost:7878/store", "https://w3id.org/newskg/id/graph/corpus")
    'http://localhost:7878/store?graph=https%3A%2F%2Fw3id.org%2Fnewskg%2Fid%2Fgraph%2Fcorpus'
    >>> graph_url("http://h/ds/data?x=1", None)
    'http://h/ds/data?x=1&default'
    """
    param = "default" if graph is None else "graph=" + quote(graph, safe="")
    return url + ("&" if "?" in url else "?") + param


def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"not an http(s) URL: {url!r}")
    if parts.username is None:
        return url, None
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (unquote(parts.username), unquote(parts.password or ""))


def _auth_header(auth: Auth) -> str | None:
    """``Authorization`` value: Basic for (user, password); a string is used as it is.

    >>> _auth_header(("kg", "secret"))
    'Basic a2c6c2VjcmV0'
    >>> _auth_header("Bearer abc")
    'Bearer abc'
    """
    if auth is None:
        return None
    if isinstance(auth, str):
        return auth
    user, password = auth
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


class _Connection:
    """A keep-alive HTTP(S) connection that reconnects once when the server closed it."""

    def __init__(self, url: str, timeout: float, context: ssl.SSLContext | None) -> None:
        parts = urlsplit(url)
        self.parts = parts
        self.timeout = timeout
        self.context = context
        self.conn: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        p = self.parts
        if p.scheme == "https":
            return http.client.HTTPSConnection(p.hostname, p.port, timeout=self.timeout,
                                               context=self.context or ssl.create_default_context())
        return http.client.HTTPConnection(p.hostname, p.port, timeout=self.timeout)

    def request(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str, bytes]:
        target = urlsplit(url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._open()
            try:
                self.conn.request(method, path, body=body, headers=dict(headers))
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, resp.reason, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _graphs_of(source: Any, include_default: bool | None) -> tuple[list[tuple[str | None, Callable[[], list]]], Callable[[], None]]:
    """[(graph IRI or None for the default graph, function returning its pyoxigraph triples)]."""
    if isinstance(source, (str, os.PathLike)):
        store = GraphStore(Path(source), read_only=True)
        graphs, _ = _graphs_of(store, include_default)
        return graphs, store.close
    if isinstance(source, GraphStore):
        st = source.store

        def read(name: Any) -> Callable[[], list]:
            return lambda: [q.triple for q in st.quads_for_pattern(None, None, None, name)]

        out: list[tuple[str | None, Callable[[], list]]] = [
            (g, read(ox.NamedNode(g))) for g in source.graphs()
        ]
        if include_default:  # the store's default graph is the merge of the named graphs
            out.insert(0, (None, read(ox.DefaultGraph())))
        return out, lambda: None
    if isinstance(source, Graph):  # rdflib Dataset / ConjunctiveGraph / Graph
        def convert(g: Graph) -> Callable[[], list]:
            return lambda: [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in g]

        if isinstance(source, Dataset):
            named = [g for g in source.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID]
            default = source.default_graph if hasattr(source, "default_graph") else source.graph(DATASET_DEFAULT_GRAPH_ID)
        else:
            named, default = [], source
        out = [(str(g.identifier), convert(g)) for g in sorted(named, key=lambda g: str(g.identifier)) if len(g)]
        if include_default or (include_default is None and len(default)):
            out.insert(0, (None, convert(default)))
        return out, lambda: None
    raise TypeError(f"cannot push a {type(source).__name__}: give a GraphStore, a store directory or an rdflib Dataset")


def push(
    source: GraphStore | Dataset | Graph | str | os.PathLike[str],
    url: str,
    *,
    auth: Auth = None,
    replace: bool = True,
    include_default: bool | None = None,
    timeout: float = 120.0,
    media_type: str = "application/n-triples",
    headers: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PushReport:
    """Upload every named graph of ``source`` to the Graph Store Protocol service at ``url``.

    Parameters
    ----------
    source
        A :class:`~kg.store.GraphStore`, a store directory, or an rdflib ``Dataset`` / ``Graph``.
    url
        The GSP service URL (``http://host:7878/store`` for Oxigraph, ``.../DATASET/data`` for
        Fuseki). ``user:password@`` in it is turned into Basic authentication.
    auth
        ``(user, password)`` for Basic authentication, or a full ``Authorization`` value
        (``"Bearer TOKEN"``).
    replace
        ``PUT`` each graph (replace what the server has under that name); ``False``: ``POST``
        (add to it).
    include_default
        Also send the default graph to ``URL?default``. ``None`` (default): only when it holds
        data of its own (an rdflib Dataset's default graph); a GraphStore's default graph is the
        merge of its named graphs and is sent only when ``True``.
    timeout
        Seconds to wait for each request.
    media_type
        ``Content-Type`` of the bodies, which are N-Triples; ``"text/turtle"`` for services that
        do not know N-Triples (N-Triples is valid Turtle).
    headers
        Extra HTTP headers.
    progress
        Called with (graphs sent, graphs in all) after each graph.

    Raises
    ------
    PushError
        One line: the graph, the HTTP status and the start of the server's answer, or why the
        server cannot be reached. Graphs sent before the error stay on the server.
    """
    started = time.perf_counter()
    url, url_auth = _split_credentials(url)
    authorization = _auth_header(auth if auth is not None else url_auth)
    graphs, release = _graphs_of(source, include_default)
    method = "PUT" if replace else "POST"
    base_headers = {"Content-Type": media_type, "Accept": "*/*", "User-Agent": "kg-push"}
    if authorization:
        base_headers["Authorization"] = authorization
    base_headers.update(headers or {})
    conn = _Connection(url, timeout, ssl_context)
    sent_triples = sent_bytes = 0
    try:
        for i, (name, read) in enumerate(graphs, 1):
            triples = read()
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
            target = graph_url(url, name)
            what = "the default graph" if name is None else f"graph <{name}>"
            try:
                status, reason, reply = conn.request(method, target, body, {**base_headers, "Content-Length": str(len(body))})
            except (OSError, http.client.HTTPException) as exc:
                raise PushError(f"cannot reach {url}: {one_line(exc)}") from None
            if status not in (200, 201, 204):
                excerpt = one_line(reply.decode("utf-8", "replace"), 200) if reply else "(empty reply)"
                raise PushError(f"{method} of {what} to {url} failed: HTTP {status} {reason}: {excerpt}")
            sent_triples += len(triples)
            sent_bytes += len(body)
            if progress is not None:
                progress(i, len(graphs))
    finally:
        conn.close()
        release()
    return PushReport(url, len(graphs), sent_triples, sent_bytes, time.perf_counter() - started, method)

