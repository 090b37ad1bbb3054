"""Tests of kg.push against a real Oxigraph server (the `oxigraph` PyPI package's executable).

The server runs on a free loopback port with a temporary directory; data pushed over the Graph
Store Protocol is read back with SPARQL (SPARQLWrapper) and as N-Quads.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.ontology import ID, article_graph_iri
from kg.push import PushError, _auth_header, _split_credentials, graph_url, push
from kg.rdf import CORPUS_GRAPH, quads
from kg.store import GraphStore

sys.path.insert(0, str(Path(__file__).resolve().parent))  # any pytest import mode
from test_store import BASE, make_kg  # noqa: E402


def oxigraph_executable() -> str | None:
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        found = shutil.which("oxigraph", path=str(folder))
        if found:
            return found
    return shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """Base URL of a fresh Oxigraph server (read-write, in a temp dir), stopped at teardown."""
    exe = oxigraph_executable()
    if exe is None:
        pytest.skip("the oxigraph server executable is not installed (pip install oxigraph)")
    port = free_port()
    data = tmp_path_factory.mktemp("oxigraph")
    log = open(data.parent / "oxigraph.log", "wb")
    proc = subprocess.Popen([exe, "serve", "--location", str(data), "--bind", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"oxigraph exited with {proc.returncode}: {(data.parent / 'oxigraph.log').read_text()[-500:]}")
            try:
                with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("oxigraph did not become ready within 30 s")
            time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def clear(base: str) -> None:
    req = urllib.request.Request(f"{base}/update", data=b"update=CLEAR%20ALL", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    urllib.request.urlopen(req, timeout=10).read()


def select(base: str, query: str) -> list[dict]:
    sw = SPARQLWrapper(f"{base}/query")
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    return sw.query().convert()["results"]["bindings"]


def remote_counts(base: str) -> dict[str, int]:
    rows = select(base, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def remote_nquads(base: str) -> set[str]:
    req = urllib.request.Request(f"{base}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return {line.strip() for line in resp.read().decode().splitlines() if line.strip()}


@pytest.fixture()
def store():
    with GraphStore() as st:
        st.sync(quads(make_kg(BASE)))
        yield st


@pytest.fixture()
def remote(oxigraph):
    clear(oxigraph)
    return oxigraph


def local_counts(st: GraphStore) -> dict[str, int]:
    rows = st.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(r.g): int(r.n) for r in rows}


# ----------------------------------------------------------------------------- against Oxigraph


def test_push_preserves_named_graphs(store, remote):
    report = push(store, f"{remote}/store")
    assert report.graphs == 4 and report.method == "PUT"
    assert remote_counts(remote) == local_counts(store)
    assert report.triples == sum(local_counts(store).values())
    # the whole dataset, quad for quad (kg mints IRIs, no blank nodes: sets compare exactly)
    local = {line for line in store.export("nquads").decode().splitlines() if line}
    assert remote_nquads(remote) == local
    # nothing in the remote default graph unless asked for
    assert select(remote, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"] == "0"


def test_push_again_replaces_graphs(store, remote):
    push(store, f"{remote}/store")
    push(store, f"{remote}/store")
    assert remote_counts(remote) == local_counts(store)  # PUT: no duplicates, no leftovers
    changed = dict(BASE, a3=[("congress", "criticizes", "openai")])
    store.sync(quads(make_kg(changed)))
    push(store, f"{remote}/store")
    a3 = str(article_graph_iri("a3"))
    rows = select(remote, f"SELECT ?p WHERE {{ GRAPH <{a3}> {{ ?s ?p ?o . FILTER(isIRI(?o) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }} }}")
    predicates = {r["p"]["value"].rsplit("#", 1)[-1] for r in rows}
    assert "criticizes" in predicates and "opposes" not in predicates


def test_post_adds_instead_of_replacing(store, remote):
    g = ID["graph/extra"]
    x = ID["entity/x"]
    store.replace_graphs({g: [(x, RDFS.label, Literal("one"))]})
    push(store, f"{remote}/store")
    store.replace_graphs({g: [(x, RDFS.label, Literal("two"))]})
    report = push(store, f"{remote}/store", replace=False)
    assert report.method == "POST"
    labels = {r["l"]["value"] for r in select(remote, f"SELECT ?l WHERE {{ GRAPH <{g}> {{ ?x ?p ?l }} }}")}
    assert labels == {"one", "two"}


def test_push_merge_as_default_graph(store, remote):
    push(store, f"{remote}/store", include_default=True)
    n = int(select(remote, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"])
    assert n == len(store)
    assert len(select(remote, "SELECT ?who WHERE { ?who kg:signed ?doc }".replace(
        "kg:signed", "<https://w3id.org/newskg/ontology#signed>"))) == 1


def test_push_rdflib_dataset_and_store_directory(remote, tmp_path):
    ds = Dataset()
    ds.graph(URIRef("urn:kg:test:g1")).add((URIRef("urn:a"), RDFS.label, Literal("in g1")))
    ds.default_graph.add((URIRef("urn:a"), RDFS.label, Literal("in default")))
    report = push(ds, f"{remote}/store")
    assert report.graphs == 2
    assert remote_counts(remote) == {"urn:kg:test:g1": 1}
    assert select(remote, "SELECT ?l WHERE { ?s ?p ?l }")[0]["l"]["value"] == "in default"
    clear(remote)
    path = tmp_path / "store"
    with GraphStore(path) as st:
        st.sync(quads(make_kg(BASE)))
        expected = local_counts(st)
    push(path, f"{remote}/store")
    assert remote_counts(remote) == expected


def test_http_error_is_one_line(store, remote):
    with pytest.raises(PushError) as err:
        push(store, f"{remote}/no-such-service")
    msg = str(err.value)
    assert "HTTP 404" in msg and "\n" not in msg and "graph <" in msg


def test_unreachable_server(store):
    with pytest.raises(PushError, match="cannot reach"):
        push(store, f"http://127.0.0.1:{free_port()}/store", timeout=2)


def test_progress_callback(store, remote):
    seen = []
    push(store, f"{remote}/store", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


# ----------------------------------------------------------------------------- units


def test_graph_url_and_credentials():
    assert graph_url("http://h/store", str(CORPUS_GRAPH)).endswith("graph=https%3A%2F%2Fw3id.org%2Fnewskg%2Fid%2Fgraph%2Fcorpus")
    assert graph_url("http://h/store", None) == "http://h/store?default"
    url, creds = _split_credentials("https://kg:s%3Acret@example.org:8443/ds/data")
    assert url == "https://example.org:8443/ds/data" and creds == ("kg", "s:cret")
    assert _auth_header(creds) == "Basic a2c6czpjcmV0"
    with pytest.raises(PushError, match="not an http"):
        _split_credentials("ftp://example.org/x")


def test_authorization_header_is_sent(store):
    seen: list[tuple[str, str, str | None]] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        push(store, f"http://kg:pw@127.0.0.1:{srv.server_address[1]}/gsp")
        push(store, f"http://127.0.0.1:{srv.server_address[1]}/gsp", auth="Bearer t0k")
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(seen) == 8
    assert {a for _, _, a in seen} == {_auth_header(("kg", "pw")), "Bearer t0k"}
    assert all(path.startswith("/gsp?graph=https%3A%2F%2F") for _, path, _ in seen)


def test_bad_source():
    with pytest.raises(TypeError, match="cannot push"):
        push(json, "http://127.0.0.1:1/store")
