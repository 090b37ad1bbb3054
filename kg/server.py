"""A read-only SPARQL 1.1 Protocol endpoint over a kg store (``kg serve``).

Routes
------
``/sparql`` (also ``/query``)
    SPARQL 1.1 Protocol queries: ``GET ?query=...``, ``POST`` form-encoded (``query=...``) or
    ``POST`` with ``Content-Type: application/sparql-query``; ``default-graph-uri`` /
    ``named-graph-uri`` select the dataset. Extra parameters: ``infer=true`` adds the RDFS
    entailments (see :mod:`kg.store`), ``timeout=SECONDS`` lowers the time limit, ``format=``
    (or ``output=``) overrides the ``Accept`` header (``json``, ``xml``, ``csv``, ``tsv``,
    ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` or a media type).
``/``
    A small query page (or a query, when ``?query=`` is given).
``/graph.html``
    The interactive graph page of the build, when there is one.
``/status``
    JSON: store path, graphs, triples, limits.

Responses: SELECT / ASK as SPARQL JSON (default), XML, CSV or TSV; CONSTRUCT / DESCRIBE as
Turtle (default), N-Triples, JSON-LD or RDF/XML, chosen from ``Accept`` (q-values honoured; 406
when nothing offered is acceptable). Errors are one line of ``text/plain``, never a stack trace:
400 malformed query (the parser's message), 403 any update (``update=``,
``application/sparql-update``, ``/update``: the endpoint is read-only and its workers open the
store read-only), 404, 405, 406, 411, 413, 415, and 503 when a query overruns the time limit, all
workers stay busy, or the store is unavailable. Results beyond ``max_rows`` are cut and flagged
with ``X-KG-Truncated: true``.

Queries run in :class:`kg.store.QueryPool` worker processes, so a runaway query is stopped by
killing its worker while the other workers keep answering. Workers see a rebuild of the store
(they reopen it when its files change); answers are cached by query, options and store version
(``X-KG-Cache: hit``), and ``in_memory=True`` makes each worker query an in-memory copy. The server binds to 127.0.0.1 by
default and, while bound to a loopback address, only answers requests whose ``Host`` is a
loopback name (a guard against DNS rebinding). CORS is off unless ``cors=True`` (any web page
you visit could otherwise read your graph through your browser).

Examples
--------
>>> import json, tempfile, threading, urllib.parse, urllib.request
>>> from rdflib import Literal
>>> from rdflib.namespace import RDFS
>>> from kg.ontology import ID
>>> from kg.store import GraphStore
>>> folder = tempfile.mkdtemp()
>>> with GraphStore(folder) as store:
...     _ = store.sync([(ID["entity/x"], RDFS.label, Literal("X"), ID["graph/a"])])
>>> server = make_server(folder, port=0, workers=1)
>>> thread = threading.Thread(target=server.serve_forever, daemon=True); thread.start()
>>> url = server.url + "sparql?" + urllib.parse.urlencode({"query": "SELECT ?l WHERE { ?x rdfs:label ?l }"})
>>> json.load(urllib.request.urlopen(url))["results"]["bindings"]
[{'l': {'type': 'literal', 'value': 'X'}}]
>>> server.shutdown(); server.close()
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.errors import KgError, QueryError
from kg.ontology import QUERIES_DIR
from kg.store import (
    BusyError,
    GraphStore,
    QueryJob,
    QueryPool,
    QueryReply,
    QueryTimeoutError,
    StoreError,
    _directory_fingerprint,
    one_line,
)

__all__ = ["make_server", "serve", "SparqlServer", "ServerConfig", "negotiate", "main"]

log = logging.getLogger(__name__)
access_log = logging.getLogger(__name__ + ".access")

MAX_BODY = 1 << 20  # bytes of a POSTed query
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

# Offered media types per format, most preferred format first (server preference breaks ties).
_RESULT_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
_GRAPH_TYPES: dict[str, tuple[str, ...]] = {
    "turtle": ("text/turtle", "application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"),
    "ntriples": ("application/n-triples", "text/plain"),
    "jsonld": ("application/ld+json", "application/json"),
    "rdfxml": ("application/rdf+xml", "application/xml", "text/xml"),
}
# format= / output= values (as SPARQLWrapper and others send them), per query form.
_RESULT_NAMES = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv"}
_GRAPH_NAMES = {
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "ntriples": "ntriples", "nt": "ntriples",
    "n-triples": "ntriples", "json": "jsonld", "jsonld": "jsonld", "json-ld": "jsonld",
    "xml": "rdfxml", "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf": "rdfxml",
}


# ============================================================================ content negotiation


def _parse_accept(header: str | None) -> list[tuple[str, float]]:
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """q of ``media`` under the most specific matching range (RFC 9110 §12.5.1); -1: no match."""
    best, best_spec = -1.0, -1
    main = media.split("/")[0]
    for r, q in ranges:
        if r == media:
            spec = 2
        elif r == f"{main}/*":
            spec = 1
        elif r == "*/*":
            spec = 0
        else:
            continue
        if spec > best_spec:
            best, best_spec = q, spec
    return best


def _choose(offers: dict[str, tuple[str, ...]], ranges: list[tuple[str, float]]) -> str | None:
    if not ranges:
        return next(iter(offers))
    best, best_q = None, 0.0
    for name, types in offers.items():
        q = max(_quality(t, ranges) for t in types)
        if q > best_q:
            best, best_q = name, q
    return best


def negotiate(accept: str | None, formats: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """The result format for SELECT / ASK and the one for CONSTRUCT / DESCRIBE.

    ``formats`` are ``format=`` / ``output=`` values, which win when they name a format of that
    kind (a name or a media type); otherwise the ``Accept`` header decides. ``None`` means the
    client accepts nothing offered for that kind (406).

    >>> negotiate("application/sparql-results+xml")
    ('xml', None)
    >>> negotiate("text/csv;q=0.5, application/json")
    ('json', 'jsonld')
    >>> negotiate("*/*", ["csv"])
    ('csv', 'turtle')
    >>> negotiate(None)
    ('json', 'turtle')
    """
    ranges = _parse_accept(accept)
    picked: list[str | None] = []
    for offers, names in ((_RESULT_TYPES, _RESULT_NAMES), (_GRAPH_TYPES, _GRAPH_NAMES)):
        choice = None
        for value in formats:
            value = value.strip().lower()
            if value in names:
                choice = names[value]
            else:
                choice = next((n for n, types in offers.items() if value in types), None)
            if choice:
                break
        picked.append(choice or _choose(offers, ranges))
    return picked[0], picked[1]


# ============================================================================ the server


@dataclass(frozen=True)
class ServerConfig:
    """Limits and options of a :class:`SparqlServer`."""

    timeout_s: float = 10.0
    max_rows: int = 10_000
    cors: bool = False
    html_path: Path | None = None
    queries_dir: Path | None = QUERIES_DIR
    allowed_hosts: frozenset[str] = frozenset()
    cache_mb: float = 64.0


class _ResultCache:
    """Answers already sent, by store version: an LRU map bounded in bytes.

    The key starts with the fingerprint of the store directory (RocksDB's WAL and MANIFEST
    change on every commit), so a build makes every older entry unreachable; they then age out.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entry_max = max_bytes // 8
        self._data: OrderedDict[tuple, QueryReply] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> QueryReply | None:
        with self._lock:
            reply = self._data.get(key)
            if reply is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return reply

    def put(self, key: tuple, reply: QueryReply) -> None:
        size = len(reply.body) + 200
        if size > self.entry_max:
            return
        with self._lock:
            if key in self._data:
                return
            self._data[key] = reply
            self._bytes += size
            while self._bytes > self.max_bytes and self._data:
                _, old = self._data.popitem(last=False)
                self._bytes -= len(old.body) + 200


class _HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server answering SPARQL from a :class:`~kg.store.QueryPool`.

    Use :func:`make_server` to create one; ``serve_forever()`` runs it, ``shutdown()`` stops the
    loop (from another thread) and :meth:`close` releases the socket, the workers and any
    temporary copy of an in-memory store. ``url`` is the base URL (``http://127.0.0.1:7878/``).
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        store_path: Path,
        config: ServerConfig,
        *,
        workers: int,
        cleanup: Path | None = None,
        in_memory: bool = False,
    ) -> None:
        self.config = config
        self.store_path = store_path
        self._cleanup = cleanup
        self.cache = _ResultCache(int(config.cache_mb * 1024 * 1024)) if config.cache_mb > 0 else None
        self._status_store = GraphStore(store_path, read_only=True)  # fails first if there is no store
        self._status_lock = threading.Lock()
        try:
            self.pool = QueryPool(store_path, workers=workers, in_memory=in_memory)
            try:
                super().__init__(address, _Handler)
            except BaseException:
                self.pool.close()
                raise
        except BaseException:
            self._status_store.close()
            raise
        host = self.server_address[0]
        self.loopback = _is_loopback(host)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.server_address[1]}/"
        self._page = _load_page(config)

    def status(self) -> dict[str, Any]:
        with self._status_lock:
            st = self._status_store
            st.refresh()
            return {
                "store": str(self.store_path),
                "state": st.state,
                "graphs": len(st.graphs()),
                "triples": len(st),
                "inference_rules": list(st.rules),
                "timeout_s": self.config.timeout_s,
                "max_rows": self.config.max_rows,
                "workers": self.pool.size,
                "in_memory": self.pool.in_memory,
                "worker_restarts": self.pool.restarts,
                "cache": None if self.cache is None else {
                    "hits": self.cache.hits, "misses": self.cache.misses, "max_mb": self.config.cache_mb},
            }

    def close(self) -> None:
        """Stop the workers, close the socket, delete a temporary store copy."""
        try:
            self.server_close()
        finally:
            self.pool.close()
            self._status_store.close()
            if self._cleanup is not None:
                shutil.rmtree(self._cleanup, ignore_errors=True)

    def __enter__(self) -> SparqlServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _load_page(config: ServerConfig) -> str:
    try:
        template = resources.files("kg").joinpath("static", "query.html").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):  # pragma: no cover - packaging problem
        template = "<!DOCTYPE html><title>kg SPARQL</title><p>POST queries to /sparql.</p>"
    examples: dict[str, str] = {}
    if config.queries_dir is not None and Path(config.queries_dir).is_dir():
        for path in sorted(Path(config.queries_dir).glob("*.rq")):
            try:
                examples[path.stem] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    data = json.dumps(examples, ensure_ascii=False).replace("</", "<\\/")
    graph_link = "true" if config.html_path is not None else "false"
    return template.replace("{{EXAMPLES}}", data).replace("{{GRAPH_LINK}}", graph_link)


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    server_version = "kg-sparql"
    sys_version = ""

    # --------------------------------------------------------------------- dispatch

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._dispatch("OPTIONS")

    def _refuse_method(self) -> None:
        self._dispatch(self.command)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = _refuse_method  # noqa: N815

    def _dispatch(self, method: str) -> None:
        self._body_read = False
        try:
            self._check_host()
            url = urlsplit(self.path)
            route = url.path.rstrip("/") or "/"
            if method == "OPTIONS":
                return self._options()
            if method not in ("GET", "POST"):
                raise _HttpError(405, f"method {method} not allowed: this endpoint is read-only",
                                 {"Allow": "GET, POST, OPTIONS"})
            if route in ("/sparql", "/query"):
                return self._sparql(method, url.query)
            if route == "/":
                if method == "POST" or "query" in parse_qs(url.query) or "update" in parse_qs(url.query):
                    return self._sparql(method, url.query)
                return self._page()
            if route == "/update":
                raise _HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            if method != "GET":
                raise _HttpError(405, f"{route} accepts GET only", {"Allow": "GET"})
            if route == "/status":
                return self._send(200, json.dumps(self.server.status(), indent=1).encode(), "application/json")
            if route == "/favicon.ico":
                return self._send(204, b"", None)
            if route == "/graph.html" and self.server.config.html_path is not None:
                return self._graph_html()
            raise _HttpError(404, f"no such page: {route} (queries go to /sparql)")
        except _HttpError as err:
            if not self._body_read and self.headers.get("Content-Length", "0").strip() not in ("", "0"):
                self.close_connection = True  # an unread body would be taken for the next request
            self._send_error(err.status, err.message, err.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - never a stack trace to the client
            log.exception("internal error answering %s %s", method, self.path[:200])
            self.close_connection = True
            self._send_error(500, "internal server error (details in the server log)")

    def _check_host(self) -> None:
        if not self.server.loopback:
            return
        host = (self.headers.get("Host") or "").strip().lower()
        if not host:  # HTTP/1.0 clients may omit it
            return
        if host.startswith("["):
            name = host[: host.find("]") + 1]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if name in LOOPBACK_NAMES or name in self.server.config.allowed_hosts:
            return
        raise _HttpError(403, f"Host {host!r} not allowed: this endpoint only answers loopback names")

    # --------------------------------------------------------------------- SPARQL protocol

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise _HttpError(411, "chunked request bodies are not supported: send Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            raise _HttpError(411, "POST needs a Content-Length header")
        try:
            n = int(length)
        except ValueError:
            raise _HttpError(400, f"bad Content-Length {length!r}") from None
        self._body_read = True
        if n > MAX_BODY:
            self.close_connection = True
            if n <= 16 * MAX_BODY:  # read it, so that the client gets the answer instead of a reset
                while n > 0:
                    chunk = self.rfile.read(min(n, 1 << 16))
                    if not chunk:
                        break
                    n -= len(chunk)
            raise _HttpError(413, f"request body of {length} bytes is over the {MAX_BODY} byte limit")
        return self.rfile.read(n) if n > 0 else b""

    def _params(self, method: str, query_string: str) -> dict[str, list[str]]:
        params = parse_qs(query_string, keep_blank_values=True)
        if method == "POST":
            ctype = self.headers.get_content_type()
            body = self._read_body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise _HttpError(400, "the request body is not UTF-8") from None
            if ctype == "application/x-www-form-urlencoded":
                for k, v in parse_qs(text, keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            elif ctype == "application/sparql-query":
                if "query" in params:
                    raise _HttpError(400, "give the query either in the body or in the URL, not both")
                params["query"] = [text]
            elif ctype == "application/sparql-update":
                raise _HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            else:
                raise _HttpError(
                    415,
                    f"unsupported Content-Type {ctype!r}: use application/sparql-query or "
                    "application/x-www-form-urlencoded",
                )
        return params

    def _sparql(self, method: str, query_string: str) -> None:
        params = self._params(method, query_string)
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise _HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            raise _HttpError(400, "give exactly one non-empty 'query' parameter" if queries else "missing 'query' parameter")
        cfg = self.server.config
        timeout_s = cfg.timeout_s
        if params.get("timeout"):
            try:
                asked = float(params["timeout"][0])
            except ValueError:
                raise _HttpError(400, f"bad timeout {params['timeout'][0]!r}: give seconds") from None
            if asked > 0:
                timeout_s = min(timeout_s, asked)
        result_fmt, graph_fmt = negotiate(self.headers.get("Accept"), params.get("format", []) + params.get("output", []))
        infer = (params.get("infer") or ["false"])[0].strip().lower() in ("1", "true", "yes", "on")
        job = QueryJob(
            queries[0], infer=infer, limit=cfg.max_rows,
            default_graph_uris=tuple(params.get("default-graph-uri", [])),
            named_graph_uris=tuple(params.get("named-graph-uri", [])),
            result_format=result_fmt, graph_format=graph_fmt,
        )
        cache = self.server.cache
        key = (_directory_fingerprint(self.server.store_path), job) if cache is not None else None
        reply = cache.get(key) if cache is not None else None
        hit = reply is not None
        try:
            if reply is None:
                reply = self.server.pool.run(job, timeout_s=timeout_s)
                if cache is not None and reply.format is not None:
                    cache.put(key, reply)  # type: ignore[arg-type]
        except QueryTimeoutError as exc:
            raise _HttpError(503, str(exc)) from None
        except BusyError as exc:
            raise _HttpError(503, str(exc), {"Retry-After": "1"}) from None
        except QueryError as exc:
            raise _HttpError(400, str(exc)) from None
        except StoreError as exc:
            raise _HttpError(503, str(exc), {"Retry-After": "5"}) from None
        if reply.format is None:
            offered = _GRAPH_TYPES if reply.kind == "graph" else _RESULT_TYPES
            kinds = "an RDF graph" if reply.kind == "graph" else "SPARQL results"
            types = ", ".join(t for ts in offered.values() for t in ts[:1])
            raise _HttpError(406, f"this query returns {kinds}; acceptable types are {types}")
        headers = {"Vary": "Accept", "Cache-Control": "no-store", "X-KG-Results": str(reply.count)}
        if cache is not None:
            headers["X-KG-Cache"] = "hit" if hit else "miss"
        if reply.truncated:
            headers["X-KG-Truncated"] = "true"
            headers["X-KG-Max-Rows"] = str(cfg.max_rows)
        self._send(200, reply.body, reply.media_type, headers)

    # --------------------------------------------------------------------- pages

    def _options(self) -> None:
        headers = {"Allow": "GET, POST, OPTIONS"}
        if self.server.config.cors:
            headers.update({
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Accept, Content-Type",
                "Access-Control-Max-Age": "600",
            })
        self._send(204, b"", None, headers)

    def _page(self) -> None:
        nonce = secrets.token_urlsafe(12)
        body = self.server._page.replace("{{NONCE}}", nonce).encode("utf-8")
        csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        self._send(200, body, "text/html", {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"})

    def _graph_html(self) -> None:
        path = self.server.config.html_path
        try:
            body = Path(path).read_bytes()  # type: ignore[arg-type]
        except OSError:
            raise _HttpError(404, "graph.html is not built yet (run kg build)") from None
        self._send(200, body, "text/html")

    # --------------------------------------------------------------------- responses

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            textual = ctype.startswith("text/") or ctype.endswith(("json", "xml", "n-triples", "turtle"))
            self.send_header("Content-Type", f"{ctype}; charset=utf-8" if textual else ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.server.config.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "X-KG-Truncated, X-KG-Max-Rows, X-KG-Results")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        text = one_line(message, 2000)
        self._send(status, (text + "\n").encode("utf-8"), "text/plain", headers)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        access_log.info("%s %s", self.address_string(), format % args)


# ============================================================================ entry points


def make_server(
    store: GraphStore | str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout_s: float = 10.0,
    max_rows: int = 10_000,
    workers: int | None = None,
    html_path: str | os.PathLike[str] | None = None,
    cors: bool = False,
    allowed_hosts: Iterable[str] = (),
    queries_dir: str | os.PathLike[str] | None = QUERIES_DIR,
    in_memory: bool = False,
    cache_mb: float = 64.0,
) -> SparqlServer:
    """Create (bind, start the workers of) a SPARQL endpoint; ``serve_forever()`` runs it.

    Parameters
    ----------
    store
        A store directory or an open :class:`~kg.store.GraphStore` (an in-memory one is copied
        to a temporary directory, deleted by :meth:`SparqlServer.close`).
    host, port
        Address to bind; ``port=0`` picks a free port (see ``server.url``).
    timeout_s
        Longest time a query may run (clients may ask for less with ``timeout=``).
    max_rows
        Most solutions / triples returned; longer results are cut (``X-KG-Truncated``).
    workers
        Query worker processes (default: the number of CPUs, at least 2).
    html_path
        A ``graph.html`` to serve at ``/graph.html``.
    cors
        Send ``Access-Control-Allow-Origin: *``.
    allowed_hosts
        Extra ``Host`` names to answer while bound to loopback (e.g. a reverse proxy's).
    queries_dir
        Saved ``.rq`` queries offered as examples on the query page.
    in_memory
        Each worker queries an in-memory copy of the store: 2-4× faster, but each worker holds
        the whole dataset in RAM and takes ~2 s per 100k triples to start (and to reload after
        a build).
    cache_mb
        Memory for answers already given (keyed by query, options and the store's version on
        disk, so a rebuild invalidates them); 0 disables the cache.

    Raises
    ------
    StoreError
        No store at the path, or it cannot be opened.
    OSError
        The address is in use.
    """
    cleanup: Path | None = None
    if isinstance(store, GraphStore):
        if store.path is None:
            cleanup = Path(tempfile.mkdtemp(prefix="kg-serve-"))
            store.backup(cleanup / "store").close()
            path = cleanup / "store"
        else:
            if not store.read_only:
                store.store.flush()
            path = store.path
    else:
        path = Path(store)
    if timeout_s <= 0 or max_rows <= 0:
        raise ValueError("timeout_s and max_rows must be positive")
    config = ServerConfig(
        timeout_s=float(timeout_s), max_rows=int(max_rows), cors=cors,
        html_path=Path(html_path) if html_path is not None else None,
        queries_dir=Path(queries_dir) if queries_dir is not None else None,
        allowed_hosts=frozenset(h.lower() for h in allowed_hosts), cache_mb=float(cache_mb),
    )
    try:
        return SparqlServer(
            (host, port), path, config, workers=workers or max(2, os.cpu_count() or 1), cleanup=cleanup,
            in_memory=in_memory,
        )
    except BaseException:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise


def serve(store: GraphStore | str | os.PathLike[str], *, echo: Any = print, **kwargs: Any) -> None:
    """Run an endpoint until interrupted (Ctrl-C); ``kwargs`` as for :func:`make_server`.

    Example: ``serve("output/store", port=7878, html_path="output/graph.html")``
    """
    server = make_server(store, **kwargs)
    try:
        echo(f"SPARQL endpoint: {server.url}sparql   query page: {server.url}   (Ctrl-C stops)")
        if not server.loopback:
            echo(f"warning: listening on {server.server_address[0]}: anyone who can reach this address can query")
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kg.server STORE_DIR [--port N] ...`` (the ``kg serve`` command is the same)."""
    parser = argparse.ArgumentParser(prog="python -m kg.server", description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path, help="store directory (kg build --store DIR)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7878)
    parser.add_argument("--timeout", type=float, default=10.0, help="query time limit in seconds")
    parser.add_argument("--max-rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--html", type=Path, default=None, help="graph.html to serve")
    parser.add_argument("--cors", action="store_true")
    parser.add_argument("--in-memory", action="store_true", help="workers query an in-memory copy (faster, more RAM)")
    parser.add_argument("--cache-mb", type=float, default=64.0, help="answer cache size (0: off)")
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.access_log else logging.WARNING, format="%(message)s")
    try:
        serve(args.store, host=args.host, port=args.port, timeout_s=args.timeout, max_rows=args.max_rows,
              workers=args.workers, html_path=args.html, cors=args.cors, in_memory=args.in_memory,
              cache_mb=args.cache_mb)
    except (KgError, OSError, ValueError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
