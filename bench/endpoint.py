"""Load test of the SPARQL endpoint (:mod:`kg.server`) on loopback.

Starts ``python -m kg.server`` in a subprocess over a store (a synthetic kg corpus built by
:mod:`bench.store`'s generator, or ``--store DIR``), then:

1. **load**: N client threads, each with its own keep-alive HTTP connection, send queries for T
   seconds (a mix of entity lookups, one-hop neighbourhoods, class counts and ASKs with random
   entities; ``--mix saved`` adds the saved queries of ``ontology/queries``). Prints requests,
   throughput, p50 / p90 / p99 / max latency and the error count (any non-200 answer or
   connection error).
2. **runaway**: a cartesian-product query the time limit must stop, sent while light queries keep
   running; prints how long the runaway took to be refused (503), the light queries' latency
   meanwhile, and checks that the server answers afterwards.

Usage (from the repository root)::

    .venv/bin/python bench/endpoint.py                              # 100 clients, 30 s, 100k triples
    .venv/bin/python bench/endpoint.py --clients 20 --duration 5 --size 10k
    .venv/bin/python bench/endpoint.py --store output/store --timeout 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/html.py shadows html
sys.path.insert(0, str(_HERE.parent))

from kg.ontology import QUERIES_DIR  # noqa: E402
from kg.store import GraphStore  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIGHT = [
    "SELECT ?label ?class WHERE {{ <{e}> rdfs:label ?label ; a ?class }}",
    "SELECT ?p ?o ?label WHERE {{ <{e}> ?p ?o . OPTIONAL {{ ?o rdfs:label ?label }} }} LIMIT 50",
    "SELECT ?f ?p ?o ?sentence WHERE {{ ?f rdf:subject <{e}> ; rdf:predicate ?p ; rdf:object ?o ; "
    "kg:evidence/kg:sentence ?sentence }} LIMIT 20",
    "ASK {{ <{e}> kg:mentionedIn ?article }}",
    "SELECT (COUNT(?x) AS ?n) WHERE {{ ?x a kg:Organization }}",
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def build_store(size: str, folder: Path) -> Path:
    from bench.store import corpus_for, parse_size

    n_articles, data = corpus_for(parse_size(size))
    path = folder / "store"
    with GraphStore(path) as st:
        report = st.sync(data)
    print(f"store: {n_articles} articles, {report.triples:,} triples (+{report.inferred:,} inferred) in {report.seconds:.1f} s")
    return path


def start_server(store: Path, port: int, args: argparse.Namespace) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "kg.server", str(store), "--port", str(port), "--timeout", str(args.timeout),
           "--max-rows", str(args.max_rows), "--cache-mb", str(args.cache_mb)]
    if args.in_memory:
        cmd.append("--in-memory")
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    proc = subprocess.Popen(cmd, cwd=_HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stdout.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/status")
            status = json.loads(conn.getresponse().read())
            conn.close()
            print(f"server: {status['workers']} workers, {status['triples']:,} triples, "
                  f"timeout {status['timeout_s']} s, max rows {status['max_rows']}, "
                  f"cache {'off' if status['cache'] is None else str(status['cache']['max_mb']) + ' MB'}, "
                  f"{'in memory' if status['in_memory'] else 'on disk'}")
            return proc
        except (OSError, ValueError):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


class Client(threading.Thread):
    def __init__(self, port: int, queries: list[str], stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.queries, self.stop = port, queries, stop
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.conn: http.client.HTTPConnection | None = None

    def ask(self, query: str) -> int:
        body = urllib.parse.urlencode({"query": query}).encode()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request("POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                           "Accept": "application/sparql-results+json"})
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return 0  # pragma: no cover

    def run(self) -> None:
        while not self.stop.is_set():
            query = self.rng.choice(self.queries)
            started = time.perf_counter()
            try:
                status = self.ask(query)
            except (OSError, http.client.HTTPException) as exc:
                self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
                continue
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.errors[str(status)] = self.errors.get(str(status), 0) + 1


def load(port: int, queries: list[str], clients: int, seconds: float, label: str) -> list[Client]:
    stop = threading.Event()
    workers = [Client(port, queries, stop, seed=i) for i in range(clients)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join(130)
    elapsed = time.perf_counter() - started
    report(workers, elapsed, label)
    return workers


def report(workers: list[Client], elapsed: float, label: str) -> None:
    lat = [x for w in workers for x in w.latencies]
    errors: dict[str, int] = {}
    for w in workers:
        for k, v in w.errors.items():
            errors[k] = errors.get(k, 0) + v
    n_err = sum(errors.values())
    print(f"{label}: {len(lat):,} answers in {elapsed:.1f} s ({len(lat) / elapsed:.0f}/s); latency "
          f"p50 {percentile(lat, 0.5) * 1e3:.1f} ms, p90 {percentile(lat, 0.9) * 1e3:.1f} ms, "
          f"p99 {percentile(lat, 0.99) * 1e3:.1f} ms, max {max(lat, default=0) * 1e3:.0f} ms; "
          f"errors {n_err}" + (f" {errors}" if errors else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--size", default="100k", help="synthetic store size when no --store (10k, 100k, 1M)")
    parser.add_argument("--store", type=Path, default=None, help="serve this store instead")
    parser.add_argument("--timeout", type=float, default=5.0, help="the server's query time limit (s)")
    parser.add_argument("--max-rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="server query workers (default: its own)")
    parser.add_argument("--mix", choices=("light", "saved"), default="light")
    parser.add_argument("--cache-mb", type=float, default=64.0, help="the server's answer cache (0: off)")
    parser.add_argument("--in-memory", action="store_true", help="the server's workers query a copy in memory")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="kg-bench-endpoint-")
    store = args.store or build_store(args.size, Path(tmp.name))
    with GraphStore(store, read_only=True) as st:
        entities = [str(r[0]) for r in st.query(
            "SELECT ?e WHERE { ?e kg:mentionCount ?m } ORDER BY DESC(?m) LIMIT 500").rows]
    queries = [q.format(e=e) for e in entities for q in LIGHT]
    if args.mix == "saved":
        queries += [p.read_text() for p in sorted(QUERIES_DIR.glob("*.rq"))] * len(entities)
    port = args.port
    if not port:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    proc = start_server(store, port, args)
    ok = True
    try:
        load(port, queries, min(10, args.clients), 2.0, "warm-up")
        workers = load(port, queries, args.clients, args.duration, f"load ({args.clients} clients, {args.mix} mix)")
        ok &= not any(w.errors for w in workers)

        # runaway query while 10 light clients keep going
        stop = threading.Event()
        light = [Client(port, queries, stop, seed=1000 + i) for i in range(10)]
        for w in light:
            w.start()
        runaway = Client(port, [RUNAWAY], threading.Event(), seed=0)
        started = time.perf_counter()
        status = runaway.ask(RUNAWAY)
        took = time.perf_counter() - started
        stop.set()
        for w in light:
            w.join(130)
        print(f"runaway: HTTP {status} after {took:.2f} s (time limit {args.timeout} s)")
        report(light, took, "  light queries meanwhile")
        ok &= status == 503 and took < args.timeout + 2
        after = Client(port, queries, threading.Event(), seed=1)
        statuses = [after.ask(q) for q in queries[:20]]
        print(f"after the runaway: {statuses.count(200)}/20 answered")
        ok &= statuses.count(200) == 20
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        tmp.cleanup()
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
