"""Benchmark of the persistent store (:mod:`kg.store`) against rdflib's in-memory Dataset.

For each size the script generates a synthetic corpus with kg's own records and writer
(:mod:`kg.model` → :func:`kg.rdf.quads`: entities, ``kg:Fact`` / ``kg:Claim`` resources with
``kg:Evidence`` provenance, one named graph per article plus the corpus graph), then measures:

* ``load``: rdflib ``Dataset(default_union=True)`` filled graph by graph, against
  ``GraphStore(dir).sync(quads)`` on disk (which also writes the merge view, the RDFS
  entailments and the per-graph digests);
* ``sync``: a second build with 1 % new and 1 % edited articles (transactional path) and an
  unchanged rebuild (digests only);
* every saved query of ``ontology/queries/*.rq`` and a few of the benchmark's own (counts with inference,
  every fact about one entity), on both, with the result rows turned into rdflib terms on both
  sides (what ``kg query`` prints); ``engine`` is the store's time without that conversion (what
  the endpoint serialises). Row counts are compared.

Targets (the issue): on 1M triples every saved query ≥ 20× faster than rdflib and ≤ 100 ms.

Usage (from the repository root)::

    .venv/bin/python bench/store.py                    # 10k, 100k, 1M triples
    .venv/bin/python bench/store.py --sizes 10k,100k --repeat 5
    .venv/bin/python bench/store.py --sizes 1M --rdflib-repeat 1 --keep /tmp/kg-1m-store
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where bench/html.py would shadow the
# standard library's html package: use the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from rdflib import Dataset, Literal, URIRef, Variable  # noqa: E402
from rdflib.plugins.sparql import prepareQuery  # noqa: E402

from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph  # noqa: E402
from kg.ontology import CLASSES, QUERIES_DIR, ontology_graph  # noqa: E402
from kg.rdf import PREFIXES, bind_prefixes, quads  # noqa: E402
from kg.store import GraphStore, QueryTimeoutError  # noqa: E402

WORDS = """strike union studio contract actors writers guild consent likeness digital replica
voice model training data lawsuit court copyright fair use agreement letter petition boycott
streaming platform producers negotiation protections artificial intelligence regulation bill
senate hearing festival film series character director technology company research institute
report survey workers wages residuals pension health plan deal ratify vote members""".split()
FIRST = "Ana Ben Chloe Dev Emil Fatima Gus Hana Ivan Jun Kofi Lena Mateo Nora Omar Priya Quinn Rosa Sami Tara".split()
LAST = "Adams Baker Chen Diaz Evans Fischer Garcia Haddad Ito Jensen Khan Lopez Moreau Novak Okafor Patel".split()
# Fact predicates with a realistic skew (signatures and arguments dominate news about campaigns).
PRED_WEIGHTS = {"signed": 8, "argues": 8, "urges": 5, "supports": 5, "opposes": 5, "criticizes": 4,
                "warns": 3, "memberOf": 3, "worksFor": 3, "represents": 3, "sued": 2, "announced": 3}
OPEN_VERBS = ["team up with", "push back against", "reach out to", "call on", "side with"]

EXTRA_QUERIES = {
    # Counting over the whole graph with RDFS inference (store: materialised, rdflib: property path).
    "organizations-inferred": (
        """SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
             ?e a kg:Organization ; a ?class ; kg:mentionCount ?m . FILTER(STRSTARTS(STR(?class), STR(kg:))) }
           GROUP BY ?class ORDER BY DESC(?n)""",
        """SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
             ?e a/rdfs:subClassOf* kg:Organization ; a ?c ; kg:mentionCount ?m . ?c rdfs:subClassOf* ?class .
             FILTER(STRSTARTS(STR(?class), STR(kg:))) }
           GROUP BY ?class ORDER BY DESC(?n)""",
    ),
    "supports-inferred": (
        "SELECT DISTINCT ?s ?o WHERE { ?s kg:supports ?o }",
        "SELECT DISTINCT ?s ?o WHERE { ?s ?p ?o . ?p rdfs:subPropertyOf* kg:supports }",
    ),
    "one-entity-everything": (
        """SELECT ?p ?o ?sentence ?article WHERE {
             { ?f rdf:subject ?e } UNION { ?f rdf:object ?e }
             ?f rdf:predicate ?p ; rdf:object ?o ; kg:evidence ?ev .
             ?ev kg:sentence ?sentence ; kg:sourceArticle ?article }""",
        None,
    ),
}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "km" else text) * mult)


def synthetic_kg(n_articles: int, *, seed: int = 1, edited: frozenset[int] = frozenset(),
                 n_entities: int | None = None) -> KnowledgeGraph:
    """A corpus of ``n_articles`` articles shaped like kg's output.

    The same seed and ``n_entities`` give the same first articles whatever ``n_articles`` is, so
    a larger corpus is the smaller one plus new articles; ``edited`` articles get other text.
    """
    rng = random.Random(seed)
    n_entities = n_entities or max(20, int(n_articles * 2.5))
    classes = sorted(CLASSES - {"Entity", "Agent"})
    ents = []
    for i in range(n_entities):
        cls = rng.choice(classes)
        label = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" if cls in ("Person", "Actor", "Director", "Writer", "Politician")
                 else " ".join(rng.choice(WORDS).title() for _ in range(rng.randint(1, 3))))
        ents.append((f"e{i}-{label.lower().replace(' ', '-')}", label, cls))
    popular = [rng.paretovariate(1.2) for _ in ents]  # a few entities are in most articles
    preds = list(PRED_WEIGHTS) + [None]
    weights = list(PRED_WEIGHTS.values()) + [4]
    facts: dict[tuple, list[Evidence]] = {}
    status: dict[tuple, str] = {}
    mentions: dict[int, set[str]] = {}
    articles = []
    for a in range(n_articles):
        aid = f"https://news.example.org/{2020 + a % 5}/article-{a}"
        rng = random.Random(seed * 1_000_003 + a)  # the article's facts: independent of the others
        rng_a = random.Random((seed * 1_000_003 + a) * 2 + (a in edited))  # its wording
        body = " ".join(rng_a.choice(WORDS) for _ in range(rng_a.randint(200, 600)))
        articles.append(Article(id=aid, text=body, title=f"Story {a}: {rng_a.choice(WORDS)} {rng_a.choice(WORDS)}",
                                url=aid, date=f"{2020 + a % 5}-0{1 + a % 9}-1{a % 10}", author=rng_a.choice(LAST),
                                source=f"corpus/{a}.html"))
        for j in range(rng_a.randint(4, 9)):
            s, o = rng.choices(range(n_entities), weights=popular, k=2)
            if s == o:
                continue
            p = rng.choices(preds, weights=weights)[0]
            verb = p or rng.choice(OPEN_VERBS)
            key = (ents[s][0], p, verb, ents[o][0])
            sentence = f"{ents[s][1]} {verb} {ents[o][1]} " + " ".join(rng_a.choice(WORDS) for _ in range(rng_a.randint(8, 25))) + "."
            start_c = rng_a.randint(0, len(body) - 1)
            ev = Evidence(aid, sentence, start_c, start_c + len(sentence), rng.choice(["svo", "copula", "prep"]),
                          round(rng.uniform(0.5, 0.98), 2), verb, ents[s][1], ents[o][1],
                          modality="hypothetical" if rng.random() < 0.06 else "asserted")
            facts.setdefault(key, []).append(ev)
            status.setdefault(key, "claim" if ev.modality != "asserted" else "fact")
            mentions.setdefault(s, set()).add(aid)
            mentions.setdefault(o, set()).add(aid)
    entities = tuple(
        Entity(ents[i][0], ents[i][1], ents[i][2], alt_labels=(ents[i][1].upper(),) if i % 7 == 0 else (),
               mention_count=len(arts) * 2, articles=tuple(sorted(arts)))
        for i, arts in sorted(mentions.items())
    )
    fact_records = tuple(
        Fact(s, p, verb, o, tuple(evs), status=status[(s, p, verb, o)]) for (s, p, verb, o), evs in facts.items()
    )
    return KnowledgeGraph(tuple(articles), entities, fact_records)


def corpus_for(n_triples: int, seed: int = 1) -> tuple[int, list[tuple]]:
    """(articles, quads) for about ``n_triples`` distinct triples (within 5 %)."""
    n_articles = max(5, n_triples // 100)
    for _ in range(6):
        data = list(quads(synthetic_kg(n_articles, seed=seed)))
        distinct = len({q[:3] for q in data})
        if abs(distinct - n_triples) <= 0.05 * n_triples:
            break
        n_articles = max(5, round(n_articles * n_triples / distinct))
    return n_articles, data


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """(median seconds, last result) over ``repeat`` runs after one warm-up when repeat > 1."""
    times = []
    result = None
    for i in range(repeat + (1 if repeat > 1 else 0)):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        if repeat == 1 or i > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times), result


def timed_rdflib(ds: Dataset, query: object, init: dict, repeat: int, budget_s: float) -> tuple[float | None, int]:
    """Like :func:`timed` for an rdflib query, in a forked child killed after ``budget_s``
    (rdflib cannot be interrupted, and some queries take hours): (seconds or None, rows)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")  # the child shares the loaded Dataset
    parent, child = ctx.Pipe()

    def work() -> None:
        seconds, rows = timed(lambda: list(ds.query(query, initBindings=init)), repeat)
        child.send((seconds, len(rows)))

    proc = ctx.Process(target=work, daemon=True)
    proc.start()
    if parent.poll(budget_s):
        seconds, n = parent.recv()
        proc.join()
        return seconds, n
    proc.kill()
    proc.join()
    return None, -1


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def saved_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES_DIR.glob("*.rq"))}


def run_size(n_target: int, args: argparse.Namespace, workdir: Path) -> list[dict]:
    print(f"\n=== {n_target:,} triples (target) ===", flush=True)
    t = time.perf_counter()
    n_articles, data = corpus_for(n_target)
    distinct = len({q[:3] for q in data})
    print(f"generated {n_articles:,} articles: {len(data):,} quads, {distinct:,} distinct triples "
          f"in {time.perf_counter() - t:.1f} s", flush=True)

    # --- load
    t = time.perf_counter()
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    graphs: dict = {}
    for s, p, o, g in data:
        if g not in graphs:
            graphs[g] = ds.graph(g)
        graphs[g].add((s, p, o))
    rdflib_load = time.perf_counter() - t
    ds_rss = rss_mb()
    path = workdir / f"store-{n_target}"
    shutil.rmtree(path, ignore_errors=True)
    store = GraphStore(path)
    t = time.perf_counter()
    report = store.sync(data)
    store_load = time.perf_counter() - t
    size_mb = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    print(f"load   rdflib {rdflib_load:8.2f} s   store {store_load:8.2f} s   ×{rdflib_load / store_load:5.1f}   "
          f"({report.triples:,} triples + {report.inferred:,} inferred; store {size_mb:.0f} MB on disk; "
          f"peak RSS so far {ds_rss:.0f} MB)", flush=True)

    # --- incremental syncs
    t = time.perf_counter()
    noop = store.sync(data)
    noop_s = time.perf_counter() - t
    bump = max(1, n_articles // 100)
    edited = frozenset(range(0, n_articles, max(1, n_articles // bump)))
    changed = list(quads(synthetic_kg(n_articles + bump, seed=1, edited=edited, n_entities=max(20, int(n_articles * 2.5)))))
    t = time.perf_counter()
    inc = store.sync(changed)
    inc_s = time.perf_counter() - t
    print(f"sync   unchanged {noop_s:6.2f} s ({noop.mode})   +1% new & 1% edited articles {inc_s:6.2f} s "
          f"({inc.mode}: {len(inc.added)} added, {len(inc.replaced)} replaced)", flush=True)
    store.sync(data)  # back to the measured dataset

    # --- queries
    queries: dict[str, tuple[str, str | None, dict]] = {n: (q, q, {}) for n, q in saved_queries().items()}
    top = store.query("""SELECT ?label WHERE { ?e kg:mentionCount ?m ; rdfs:label ?label } ORDER BY DESC(?m) LIMIT 1""")
    label = str(top.rows[0][0])
    if "entity-facts" in queries:
        queries["entity-facts"] = (queries["entity-facts"][0], queries["entity-facts"][1], {"name": Literal(label)})
    top_e = store.query("SELECT ?e WHERE { ?e kg:mentionCount ?m } ORDER BY DESC(?m) LIMIT 1").rows[0][0]
    for name, (ours, theirs) in EXTRA_QUERIES.items():
        queries[name] = (ours, theirs or ours, {"e": top_e} if "?e" in ours and name.startswith("one-") else {})
    ns = {k: v for k, v in PREFIXES.items()}
    infer_names = {n for n in EXTRA_QUERIES if n.endswith("-inferred")}
    if infer_names:
        onto = ds.graph(URIRef("urn:kg:bench:ontology"))  # rdflib needs the hierarchy as data
        for triple in ontology_graph():
            onto.add(triple)
    rows = []
    big = n_target >= 1_000_000
    r_rep = args.rdflib_repeat if args.rdflib_repeat else (1 if big else min(3, args.repeat))
    for name, (ours, theirs, bindings) in queries.items():
        infer = name in infer_names
        try:  # first in a worker process with a time limit: some formulations take hours
            store.query(ours, infer=infer, bindings=bindings, timeout_s=args.store_budget)
        except QueryTimeoutError:
            print(f"query  {name:24} store > {args.store_budget:.0f} s: skipped", flush=True)
            rows.append({"size": n_target, "query": name, "rdflib_ms": float("nan"), "store_ms": float("inf"),
                         "engine_ms": float("inf"), "ratio": 0.0, "rows": -1, "same": True, "capped": False})
            continue
        e_time, _ = timed(lambda: store.query(ours, infer=infer, bindings=bindings), args.repeat)
        s_time, s_res = timed(lambda: store.query(ours, infer=infer, bindings=bindings).rows, args.repeat)
        prepared = prepareQuery(theirs, initNs=ns)
        init = {Variable(k): v for k, v in bindings.items()}
        r_time, r_rows = timed_rdflib(ds, prepared, init, r_rep, args.rdflib_budget)
        if r_time is None:  # over budget: the ratio is at least budget / store time
            r_time, r_text, same = args.rdflib_budget, f">{args.rdflib_budget:7.0f} s", True
        else:
            r_text, same = f"{r_time * 1e3:9.1f} ms", r_rows == len(s_res)
        rows.append({"size": n_target, "query": name, "rdflib_ms": r_time * 1e3, "store_ms": s_time * 1e3,
                     "engine_ms": e_time * 1e3, "ratio": r_time / s_time if s_time else float("inf"),
                     "rows": len(s_res), "same": same, "capped": r_text.startswith(">")})
        print(f"query  {name:24} rdflib {r_text}   store {s_time * 1e3:7.1f} ms "
              f"(engine {e_time * 1e3:7.1f})   ×{'≥' if r_text.startswith('>') else ' '}{r_time / s_time:7.1f}   "
              f"{len(s_res):6} rows{'' if same else f' (rdflib: {r_rows} rows!)'}", flush=True)
    store.close()
    if not args.keep:
        shutil.rmtree(path, ignore_errors=True)
    del ds, graphs, data
    gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated triple counts (10k, 1M, ...)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per store query (median)")
    parser.add_argument("--rdflib-repeat", type=int, default=0, help="runs per rdflib query (default 3, 1 at ≥1M)")
    parser.add_argument("--rdflib-budget", type=float, default=120.0,
                        help="seconds after which an rdflib query is stopped (reported as '> budget')")
    parser.add_argument("--store-budget", type=float, default=60.0,
                        help="seconds after which a store query is stopped and skipped")
    parser.add_argument("--keep", type=Path, default=None, help="keep the stores under this directory")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-store-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in args.sizes.split(","):
            results += run_size(parse_size(size), args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n=== summary: saved queries (target at ≥1M triples: ≥20× rdflib and ≤100 ms) ===")
    failed = False
    for r in results:
        check = ""
        if r["size"] >= 1_000_000 and not r["query"].endswith(("-inferred", "-everything")):
            ok = r["ratio"] >= 20 and r["store_ms"] <= 100
            failed |= not ok
            check = "  ok" if ok else "  MISSED"
        print(f"{r['size']:>9,}  {r['query']:24} ×{'≥' if r['capped'] else ' '}{r['ratio']:7.1f}  {r['store_ms']:7.1f} ms "
              f"(engine {r['engine_ms']:7.1f} ms)  {r['rows']:6} rows{check}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
