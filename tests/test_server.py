"""Tests of kg.server: the read-only SPARQL endpoint, driven by SPARQLWrapper and raw HTTP.

One on-disk store and one server (ephemeral port, two worker processes, 1 s time limit, 50-row
cap) are shared by the module; a second server over an in-memory store checks CORS, graph.html
and the temporary copy.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.ontology import article_graph_iri
from kg.rdf import quads
from kg.server import make_server, negotiate
from kg.store import GraphStore

sys.path.insert(0, str(Path(__file__).resolve().parent))  # any pytest import mode
from test_store import BASE, make_kg  # noqa: E402

SRX = "{http://www.w3.org/2005/sparql-results#}"
SIGNED = "SELECT ?who ?doc WHERE { ?who kg:signed ?doc }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
MAX_ROWS = 50


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("endpoint") / "store"
    with GraphStore(path) as st:
        st.sync(quads(make_kg(BASE)))
    return path


@pytest.fixture(scope="module")
def server(store_dir):
    srv = make_server(store_dir, port=0, workers=2, timeout_s=1.0, max_rows=MAX_ROWS)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.close()


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory):
    html = tmp_path_factory.mktemp("html") / "graph.html"
    html.write_text("<!DOCTYPE html><title>graph</title>")
    with GraphStore() as st:
        st.sync(quads(make_kg(BASE)))
        srv = make_server(st, port=0, workers=1, cors=True, html_path=html, in_memory=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.close()


def request(srv, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one raw HTTP request."""
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def get(srv, query: str, accept: str | None = None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return request(srv, "GET", f"/sparql?{qs}", headers={"Accept": accept} if accept else {})


def count(srv) -> int:
    status, _, body = get(srv, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def wrapper(srv, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sw = SPARQLWrapper(srv.url + "sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == POST:
        sw.setMethod(POST)
    elif method == POSTDIRECTLY:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    return sw


# ----------------------------------------------------------------------------- SPARQLWrapper


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(server, method):
    data = wrapper(server, "PREFIX kg: <https://w3id.org/newskg/ontology#> " + SIGNED, JSON, method).query().convert()
    assert data["head"]["vars"] == ["who", "doc"]
    assert [b["who"]["value"].rsplit("/", 1)[1] for b in data["results"]["bindings"]] == ["aspu-ifa"]


def test_sparqlwrapper_select_xml_csv_tsv(server):
    doc = wrapper(server, SIGNED, XML).query().convert()  # xml.dom.minidom.Document
    assert [v.getAttribute("name") for v in doc.getElementsByTagName("variable")] == ["who", "doc"]
    rows = list(csv.reader(io.StringIO(wrapper(server, SIGNED, CSV).query().convert().decode())))
    assert rows[0] == ["who", "doc"] and len(rows) == 2
    tsv = wrapper(server, SIGNED, TSV).query().convert().decode().splitlines()
    assert tsv[0] == "?who\t?doc" and len(tsv) == 2


def test_sparqlwrapper_ask(server):
    assert wrapper(server, "ASK { ?s kg:signed ?o }", JSON).query().convert()["boolean"] is True
    doc = wrapper(server, "ASK { ?s kg:nothing ?o }", XML).query().convert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML, XML])
def test_sparqlwrapper_construct(server, fmt):
    q = "CONSTRUCT { ?s kg:signed ?o } WHERE { ?s kg:signed ?o }"
    g = wrapper(server, q, fmt).query().convert()
    if not isinstance(g, Graph):
        g = Graph().parse(data=g, format="turtle" if fmt in (TURTLE, N3) else "json-ld")
    assert len(g) == 1


def test_sparqlwrapper_reports_bad_query(server):
    with pytest.raises(QueryBadFormed, match="error at 1:"):
        wrapper(server, "SELECT ?x WHERE { ?x ?p }", JSON).query()


def test_sparqlwrapper_update_is_refused(server):
    before = count(server)
    sw = SPARQLWrapper(server.url + "sparql")
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
    with pytest.raises(urllib.error.HTTPError) as err:
        sw.query()
    assert err.value.code == 403
    assert count(server) == before


# ----------------------------------------------------------------------------- raw HTTP: formats


@pytest.mark.parametrize(
    "accept,ctype",
    [
        (None, "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
    ],
)
def test_select_formats(server, accept, ctype):
    status, headers, body = get(server, SIGNED, accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == ctype
    if ctype.endswith("json"):
        assert json.loads(body)["results"]["bindings"]
    elif ctype.endswith("xml"):
        root = ET.fromstring(body)
        assert len(root.find(f"{SRX}results").findall(f"{SRX}result")) == 1
    elif ctype == "text/csv":
        assert list(csv.reader(io.StringIO(body.decode())))[0] == ["who", "doc"]
    else:
        assert body.decode().splitlines()[0] == "?who\t?doc"


@pytest.mark.parametrize(
    "accept,ctype,rdflib_format",
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_and_describe_formats(server, accept, ctype, rdflib_format):
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o ; a kg:LaborUnion }"
    status, headers, body = get(server, q, accept)
    assert status == 200 and headers["content-type"].split(";")[0] == ctype
    g = Graph().parse(data=body, format=rdflib_format)
    assert len(g) == int(headers["x-kg-results"]) > 2
    status, headers, body = get(server, "DESCRIBE entity:aspu-ifa", accept)
    assert status == 200 and headers["content-type"].split(";")[0] == ctype
    assert len(Graph().parse(data=body, format=rdflib_format)) > 2


def test_ask_formats(server):
    status, _, body = get(server, "ASK { ?s kg:signed ?o }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, _, body = get(server, "ASK { ?s kg:signed ?o }", "application/sparql-results+xml")
    assert ET.fromstring(body).find(f"{SRX}boolean").text == "true"


def test_format_parameter_overrides_accept(server):
    status, headers, body = get(server, SIGNED, "application/sparql-results+json", format="csv")
    assert headers["content-type"].startswith("text/csv")
    status, headers, body = get(server, "CONSTRUCT WHERE { ?s kg:signed ?o }", None, format="ntriples")
    assert headers["content-type"].startswith("application/n-triples")
    # SPARQLWrapper sends format=xml for CONSTRUCT when it wants RDF/XML
    status, headers, body = get(server, "CONSTRUCT WHERE { ?s kg:signed ?o }", None, format="xml")
    assert headers["content-type"].startswith("application/rdf+xml")


def test_not_acceptable(server):
    status, _, body = get(server, SIGNED, "text/turtle")
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, _ = get(server, "CONSTRUCT WHERE { ?s kg:signed ?o }", "text/csv")
    assert status == 406


def test_post_forms(server):
    body = urllib.parse.urlencode({"query": SIGNED}).encode()
    status, headers, data = request(server, "POST", "/sparql", body,
                                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    assert status == 200 and data.decode().startswith("who,doc")
    status, _, data = request(server, "POST", "/sparql", SIGNED.encode(),
                              {"Content-Type": "application/sparql-query; charset=utf-8"})
    assert status == 200 and json.loads(data)["results"]["bindings"]


def test_dataset_parameters_and_infer(server):
    a3 = str(article_graph_iri("a3"))
    q = "SELECT ?s WHERE { ?s kg:opposes ?o }"
    assert json.loads(get(server, q, **{"default-graph-uri": a3})[2])["results"]["bindings"]
    a1 = str(article_graph_iri("a1"))
    assert not json.loads(get(server, q, **{"default-graph-uri": a1})[2])["results"]["bindings"]
    orgs = "SELECT ?x WHERE { ?x a <http://schema.org/Organization> }"
    assert len(json.loads(get(server, orgs)[2])["results"]["bindings"]) == 0
    assert len(json.loads(get(server, orgs, infer="true")[2])["results"]["bindings"]) == 3


# ----------------------------------------------------------------------------- raw HTTP: errors


def test_updates_are_refused_and_change_nothing(server):
    before = count(server)
    insert = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        ("POST", "/sparql", urllib.parse.urlencode({"update": insert}).encode(), form),
        ("POST", "/sparql", insert.encode(), {"Content-Type": "application/sparql-update"}),
        ("POST", "/update", urllib.parse.urlencode({"update": insert}).encode(), form),
        ("GET", "/sparql?" + urllib.parse.urlencode({"update": insert}), None, {}),
        ("POST", "/", urllib.parse.urlencode({"update": "DROP ALL"}).encode(), form),
        ("PUT", "/sparql?graph=urn:g", b"<urn:a> <urn:b> <urn:c> .", {"Content-Type": "application/n-triples"}),
        ("DELETE", "/sparql?default", None, {}),
    ]
    for method, path, body, headers in cases:
        status, _, text = request(server, method, path, body, headers)
        assert 400 <= status < 500, (method, path, status)
        assert b"Traceback" not in text
    # an update sent as a query is not a query: 400 from the parser
    status, _, text = get(server, insert)
    assert status == 400 and text.startswith(b"malformed query")
    status, _, _ = get(server, "DROP ALL")
    assert status == 400
    assert count(server) == before


def test_malformed_query_gives_400_with_parser_message(server):
    status, headers, body = get(server, "SELECT ?x WHERE { ?x ?p }")
    assert status == 400
    assert headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert text.startswith("malformed query: error at 1:") and text.count("\n") == 1


@pytest.mark.parametrize(
    "method,path,body,headers,status",
    [
        ("GET", "/sparql", None, {}, 400),
        ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400),
        ("POST", "/sparql", b"query=ASK{}", {"Content-Type": "text/plain"}, 415),
        ("POST", "/sparql", b"x" * (1 << 20 + 1), {"Content-Type": "application/sparql-query"}, 413),
        ("GET", "/nothing", None, {}, 404),
        ("GET", "/sparql?query=ASK%7B%7D&timeout=soon", None, {}, 400),
        ("GET", "/sparql?query=ASK%7B%7D", None, {"Host": "attacker.example"}, 403),
        ("POST", "/status", b"", {"Content-Type": "application/sparql-query"}, 405),
    ],
)
def test_client_errors(server, method, path, body, headers, status):
    got, _, text = request(server, method, path, body, headers)
    assert got == status, text
    assert b"Traceback" not in text and text.count(b"\n") == 1


def test_result_cap(server):
    status, headers, body = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    assert headers["x-kg-truncated"] == "true" and headers["x-kg-max-rows"] == str(MAX_ROWS)
    status, headers, body = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert len(body.decode().strip().splitlines()) == MAX_ROWS and headers["x-kg-truncated"] == "true"
    status, headers, _ = get(server, SIGNED)
    assert "x-kg-truncated" not in headers


@pytest.mark.slow
def test_timeout_stops_runaway_query_and_server_keeps_answering(server):
    results = {}

    def runaway():
        started = time.perf_counter()
        results["runaway"] = get(server, RUNAWAY)
        results["runaway_s"] = time.perf_counter() - started

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.2)
    # while the runaway query holds one worker, the other answers
    started = time.perf_counter()
    assert get(server, SIGNED)[0] == 200
    assert time.perf_counter() - started < 0.9
    t.join(10)
    status, headers, body = results["runaway"]
    assert status == 503 and b"time limit" in body
    assert results["runaway_s"] < 3.0
    # the killed worker is replaced: both workers answer again
    with ThreadPoolExecutor(4) as ex:
        assert all(s == 200 for s, _, _ in ex.map(lambda _: get(server, SIGNED), range(8)))
    # a client may ask for a shorter limit
    started = time.perf_counter()
    assert get(server, RUNAWAY, timeout="0.3")[0] == 503
    assert time.perf_counter() - started < 2.0
    assert json.loads(request(server, "GET", "/status")[2])["worker_restarts"] >= 2


def test_answer_cache(server, store_dir):
    q = "SELECT ?s WHERE { ?s kg:opposes ?o }"
    first = get(server, q, "text/csv")
    second = get(server, q, "text/csv")
    assert second[1]["x-kg-cache"] == "hit" and second[2] == first[2]
    assert get(server, q, "application/sparql-results+json")[1]["x-kg-cache"] == "miss"  # per format
    with GraphStore(store_dir) as writer:  # a rebuild: the cached answer is not used any more
        writer.sync(quads(make_kg({k: v for k, v in BASE.items() if k != "a3"})))
    try:
        status, headers, body = get(server, q, "text/csv")
        assert headers["x-kg-cache"] == "miss" and body.decode().splitlines() == ["s"]
    finally:
        with GraphStore(store_dir) as writer:
            writer.sync(quads(make_kg(BASE)))
    info = json.loads(request(server, "GET", "/status")[2])["cache"]
    assert info["hits"] >= 1 and info["misses"] >= 3


def test_concurrent_clients(server):
    with ThreadPoolExecutor(16) as ex:
        statuses = list(ex.map(lambda _: get(server, SIGNED)[0], range(64)))
    assert statuses == [200] * 64


def test_sees_a_rebuild_of_the_store(server, store_dir):
    q = "ASK { ?s kg:criticizes ?o }"
    assert json.loads(get(server, q)[2])["boolean"] is False
    changed = dict(BASE, a4=[("congress", "criticizes", "openai")])
    with GraphStore(store_dir) as writer:  # the server only holds read-only handles
        writer.sync(quads(make_kg(changed)))
    try:
        assert json.loads(get(server, q)[2])["boolean"] is True
    finally:
        with GraphStore(store_dir) as writer:
            writer.sync(quads(make_kg(BASE)))
    assert json.loads(get(server, q)[2])["boolean"] is False


# ----------------------------------------------------------------------------- pages


def test_query_page_and_status(server):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'nonce-" in headers["content-security-policy"]
    assert b"signatories" in body  # saved queries offered as examples
    assert b"{{" not in body
    status, headers, body = request(server, "GET", "/status")
    info = json.loads(body)
    assert info["graphs"] == 4 and info["triples"] > 0 and info["max_rows"] == MAX_ROWS
    assert request(server, "GET", "/graph.html")[0] == 404
    assert "access-control-allow-origin" not in headers  # CORS off by default


def test_query_on_root_path(server):
    status, _, body = request(server, "GET", "/?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert status == 200 and json.loads(body)["boolean"] is True


def test_memory_store_server_with_cors_and_graph_html(memory_server):
    status, headers, body = get(memory_server, SIGNED)
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = request(memory_server, "OPTIONS", "/sparql",
                                 headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["access-control-allow-methods"]
    status, headers, body = request(memory_server, "GET", "/graph.html")
    assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    assert memory_server._cleanup is not None and memory_server._cleanup.is_dir()
    assert json.loads(request(memory_server, "GET", "/status")[2])["in_memory"] is True


def test_close_removes_temporary_copy():
    with GraphStore() as st:
        st.sync(quads(make_kg(BASE)))
        srv = make_server(st, port=0, workers=1)
    tmp = srv._cleanup
    srv.close()
    assert not tmp.exists()


def test_negotiate():
    assert negotiate("application/sparql-results+json;q=0.1, text/csv") == ("csv", None)
    assert negotiate("text/*") == ("xml", "turtle")  # text/xml, text/turtle are first in server order
    assert negotiate("application/n-triples, */*;q=0.1") == ("json", "ntriples")
    assert negotiate("text/csv;q=0") == (None, None)
    assert negotiate(None, ["json", "text/tab-separated-values"]) == ("json", "jsonld")
    assert negotiate("text/csv", ["tsv", "text/tab-separated-values"]) == ("tsv", None)


def test_missing_store(tmp_path):
    from kg.store import StoreError

    with pytest.raises(StoreError, match="no store"):
        make_server(tmp_path / "none", port=0)
