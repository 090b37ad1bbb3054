"""Benchmark of the HTML explorer: render synthetic graphs, open them in headless Chromium.

For each size the script builds a synthetic entity graph with the attributes of
:func:`kg.network.to_networkx` (scale-free, Barabási–Albert, ``m`` edges per new node, 1–3
evidence sentences per fact, one article per 20 entities), renders it with
:func:`kg.render.render_html`, opens the file in Debian's headless Chromium and measures:

* ``render``  — Python: layout + payload + HTML write (seconds);
* ``size``    — the HTML file (MB);
* ``drawn``   — from navigation start until vis-network's first ``afterDrawing``
  (``performance.mark("kg-ready")`` in the page);
* ``click``   — a real mouse click on the most connected node until the side panel shows it;
* ``hover``   — the pointer moved onto another node until its tooltip shows;
* ``ready``   — wall clock from ``page.goto`` until the click round trip is done, i.e. drawn
  *and* responsive. Targets on a 2-core machine: 1k nodes ≤ 2 s, 10k nodes ≤ 8 s.

Usage (from the repository root; ``python -m bench.html`` works too)::

    .venv/bin/python bench/html.py                       # 1k, 10k, 20k nodes, max_nodes=2000
    .venv/bin/python bench/html.py --sizes 1000 --repeat 3
    .venv/bin/python bench/html.py --max-nodes 20000     # draw everything (no truncation)

Knobs (all in :mod:`kg.render`):

``max_nodes`` (``render_html(max_nodes=...)``, default :data:`kg.render.DEFAULT_MAX_NODES` = 2000)
    Entities put in vis's DataSet when the page opens — the most connected ones. The rest are
    embedded and load on search or "expand". The main lever on first-paint time.
``max_evidence`` (default 20)
    Evidence sentences embedded per fact: the main lever on file size.
:data:`kg.render.SPRING_MAX_NODES` (300)
    Up to this size the layout is ``nx.spring_layout``; above, the FFT particle-mesh layout.
:data:`kg.render.LARGE_GRAPH` (1000)
    From this many loaded nodes on, edges are hidden while dragging or zooming.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and "html.py" would shadow the
# standard library's html package (which networkx imports): drop it, and add the repo root.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import networkx as nx  # noqa: E402

from kg.network import ENTITY_CLASSES, KG_NS  # noqa: E402
from kg.ontology import KGR, PREDICATES  # noqa: E402
from kg.render import DEFAULT_MAX_NODES, render_html  # noqa: E402

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "synthetic_graph", "Measurement", "measure", "main"]

CHROMIUM = Path("/usr/bin/chromium")
# Same flags as tests/browser.py: headless as root, no background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

_WORDS = ("union studio guild council letter agency strike court film writer actor pact bill labs "
          "network group alliance fund board times press media tech forum policy").split()
_OPEN_VERBS = ("take over", "walk out of", "team up with", "push back on", "side with", "pull out of")


def synthetic_graph(n: int, *, m: int = 2, seed: int = 0) -> nx.MultiDiGraph:
    """A scale-free entity graph with every attribute :func:`kg.network.to_networkx` sets.

    Parameters
    ----------
    n : int
        Number of entities.
    m : int
        Edges added per new node (Barabási–Albert), so about ``m * n`` facts.
    seed : int
        Seed for structure, names and evidence.
    """
    rng = random.Random(seed)
    base = nx.barabasi_albert_graph(n, m, seed=seed)
    classes = sorted(ENTITY_CLASSES)
    n_articles = max(1, n // 20)
    articles = {f"art-{i:05d}": {"title": f"Article {i}: the {rng.choice(_WORDS)} and the {rng.choice(_WORDS)}",
                                 "url": f"https://news.example/{i}", "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"}
                for i in range(n_articles)}
    ids = sorted(articles)
    g = nx.MultiDiGraph(articles=articles)
    for v in range(n):
        words = [rng.choice(_WORDS).title() for _ in range(rng.randint(1, 3))]
        g.add_node(f"https://w3id.org/newskg/id/entity/e{v}", label=" ".join(words) + f" {v}",
                   cls=rng.choice(classes), alt_labels=[f"E{v}"] if v % 3 == 0 else [],
                   articles=[], mention_count=rng.randint(1, 40))
    nodes = list(g)
    for u, v in sorted(base.edges()):
        s, o = (nodes[u], nodes[v]) if rng.random() < 0.5 else (nodes[v], nodes[u])
        if rng.random() < 0.1:
            verb = rng.choice(_OPEN_VERBS)
            iri, name, label, is_open = str(KGR[verb.replace(" ", "-")]), verb.replace(" ", "-"), verb, True
        else:
            name = rng.choice(sorted(PREDICATES))
            iri, label, is_open = KG_NS + name, name, False
        evidence = []
        for _ in range(rng.randint(1, 3)):
            aid = rng.choice(ids)
            evidence.append({"sentence": f"{g.nodes[s]['label']} {label} {g.nodes[o]['label']}, "
                                         f"according to a statement released on {articles[aid]['date']}.",
                             "article_id": aid, "title": articles[aid]["title"], "url": articles[aid]["url"],
                             "confidence": round(rng.uniform(0.3, 0.95), 2), "rule": "svo"})
        evidence.sort(key=lambda e: (-e["confidence"], e["article_id"], e["sentence"]))
        arts = sorted({e["article_id"] for e in evidence})
        g.add_edge(s, o, key=iri, predicate=name, label=label, open=is_open, support=len(evidence),
                   confidence=round(1 - statistics.fmean(1 - e["confidence"] for e in evidence) ** len(arts), 4),
                   articles=arts, evidence=evidence)
        for x in (s, o):
            g.nodes[x]["articles"] = sorted(set(g.nodes[x]["articles"]) | set(arts))
    for x in g:
        g.nodes[x]["degree"] = g.degree(x)
    return g


@dataclass(frozen=True, slots=True)
class Measurement:
    """One page load: seconds, except ``size_mb``."""

    nodes: int
    edges: int
    shown: int
    render: float
    size_mb: float
    drawn: float
    click: float
    hover: float
    ready: float


# The most connected visible nodes (up to `count`) with their page coordinates, rounded to whole pixels
# (input events carry integer coordinates) and kept only where the node, not an overlapping
# neighbour, is under the pointer one pixel around that point too.
_PICK_NODES = """count => {
  const net = kgExplorer.network, box = document.getElementById('kg-network').getBoundingClientRect();
  const ids = kgExplorer.nodeView.getIds();
  ids.sort((a, b) => kgExplorer.data.nodes[b].degree - kgExplorer.data.nodes[a].degree || a - b);
  const out = [];
  for (const id of ids) {
    const p = net.canvasToDOM(net.getPosition(id));
    const x = Math.round(p.x), y = Math.round(p.y);
    if (x < 40 || y < 80 || x > box.width - 40 || y > box.height - 40) continue;
    const around = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];
    if (!around.every(([dx, dy]) => net.getNodeAt({x: x + dx, y: y + dy}) === id)) continue;
    out.push({id: id, x: Math.round(box.left) + x, y: Math.round(box.top) + y});
    if (out.length === count) break;
  }
  return out;
}"""


def measure(browser, path: Path, *, render_seconds: float, timeout_ms: int = 120_000) -> Measurement:
    """Open ``path`` in a fresh page and time first drawing, a click and a hover."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("window.kgExplorer && window.kgExplorer.ready", timeout=timeout_ms)
        drawn = page.evaluate("performance.getEntriesByName('kg-ready')[0].startTime") / 1000
        (first,) = page.evaluate(_PICK_NODES, 1)
        t = time.perf_counter()
        page.mouse.click(first["x"], first["y"])
        page.wait_for_function("id => !document.getElementById('kg-panel').hidden && "
                               "document.querySelector('#kg-panel h2').textContent === kgExplorer.data.nodes[id].label",
                               arg=first["id"], timeout=timeout_ms)
        click = time.perf_counter() - t
        ready = time.perf_counter() - started
        # the side panel narrowed the drawing: pick the hover target afresh
        second = next(p for p in page.evaluate(_PICK_NODES, 2) if p["id"] != first["id"])
        page.mouse.move(0, 0)
        t = time.perf_counter()
        page.mouse.move(second["x"], second["y"])
        page.wait_for_function("id => !document.getElementById('kg-tooltip').hidden && document.querySelector("
                               "'#kg-tooltip .kg-tip-title').textContent === kgExplorer.data.nodes[id].label",
                               arg=second["id"], timeout=timeout_ms)
        hover = time.perf_counter() - t
        counts = page.evaluate("kgExplorer.data.counts")
    finally:
        context.close()
    return Measurement(nodes=counts["nodes"], edges=counts["edges"], shown=counts["initialNodes"],
                       render=render_seconds, size_mb=path.stat().st_size / 1e6,
                       drawn=drawn, click=click, hover=hover, ready=ready)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 20_000])
    parser.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES)
    parser.add_argument("--repeat", type=int, default=1, help="page loads per size (median is printed)")
    parser.add_argument("--out", type=Path, default=None, help="keep the HTML files in this directory")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: install Debian's chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    out = args.out or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    header = f"{'nodes':>7} {'edges':>7} {'shown':>6} {'render':>7} {'MB':>6} {'drawn':>6} {'click':>6} {'hover':>6} {'ready':>6}"
    print(f"max_nodes={args.max_nodes}, Chromium {CHROMIUM}, files in {out}")
    print(header)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for n in args.sizes:
                graph = synthetic_graph(n)
                t = time.perf_counter()
                path = out / f"bench-{n}.html"
                render_html(graph, path, max_nodes=args.max_nodes, title=f"bench {n}")
                render_seconds = time.perf_counter() - t
                runs = [measure(browser, path, render_seconds=render_seconds) for _ in range(args.repeat)]
                r = sorted(runs, key=lambda m: m.ready)[len(runs) // 2]
                print(f"{r.nodes:>7} {r.edges:>7} {r.shown:>6} {r.render:>6.2f}s {r.size_mb:>6.1f} {r.drawn:>5.2f}s "
                      f"{r.click:>5.2f}s {r.hover:>5.2f}s {r.ready:>5.2f}s", flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
