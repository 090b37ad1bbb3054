"""kg.render: the offline HTML explorer.

The first part checks the file itself (escaping, self-containment, CSP, determinism, payload).
The second part (``browser`` + ``slow``) opens it in headless Chromium: the drawing, search,
filters, side panel, hover, large-graph loading, and that poisoned article text runs nothing.
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import html
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from browser import PageSession, node_point  # noqa: F401  (fixtures chromium/open_page come from conftest.py)
from hypothesis import given
from hypothesis import strategies as st

import kg.render
from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph
from kg.network import to_networkx
from kg.ontology import entity_iri
from kg.rdf import to_dataset
from kg.render import (
    build_payload,
    class_color,
    initial_nodes,
    inline_script,
    json_for_script,
    layout_positions,
    render_html,
    safe_url,
)

# --------------------------------------------------------------------------- sample data

ROOT = Path(__file__).resolve().parents[1]

PWN = "window.__pwned"
POISON = {
    "label": f'<img src=x onerror="{PWN}=\'label\'">Evil Corp',
    "alt": f"</script><script>{PWN}='alt'</script>",
    "title": f"<script>{PWN}='title'</script>Poisoned title",
    "title3": f"<img src=x onerror={PWN}='title3'>",
    "sentence": (f"They signed it <img src=x onerror=\"{PWN}='sentence'\"> </script><!-- <script>{PWN}='comment'"
                 "</script> \u2028 and \u2029 done & dusted."),
    "svg": f"Evil Corp <svg onload={PWN}='svg'> pwns the studios.",
    "verb": f"<b onmouseover=\"{PWN}='verb'\">pwn</b>",
    "cls": f"<img src=x onerror={PWN}='cls'>",
    "page_title": f"</title><script>{PWN}='page'</script>",
}
BAD_URLS = {"a2": f"javascript:{PWN}='url'", "a3": f"data:text/html,<script>{PWN}='data'</script>",
            "a4": f"JaVaScRiPt:{PWN}='mixed'"}


def ev(article: str, sentence: str, confidence: float) -> Evidence:
    return Evidence(article, sentence, 0, len(sentence), "svo", confidence, "verb", "s", "o")


def sample_kg() -> KnowledgeGraph:
    articles = (
        Article("a1", "…", title="Actors sign letter", url="https://news.example/a1", date="2024-05-01"),
        Article("a2", "…", title=POISON["title"], url=BAD_URLS["a2"]),
        Article("a3", "…", title=POISON["title3"], url=BAD_URLS["a3"]),
        Article("a4", "…", title="Mixed case", url=BAD_URLS["a4"]),
    )
    entities = (
        Entity("aspu-ifa", "ASPU-IFA", "LaborUnion", ("Allied Screen Performers Union",), 5, ("a1", "a2")),
        Entity("open-letter", "open letter", "Letter", (), 2, ("a1",)),
        Entity("studios", "Hollywood studios", "Company", (), 3, ("a1",)),
        Entity("evil", POISON["label"], "Company", (POISON["alt"],), 1, ("a3",)),
        Entity("ai", "artificial intelligence", "Technology", (), 1, ("a4",)),
    )
    facts = (
        Fact("aspu-ifa", "signed", "signed", "open-letter",
             (ev("a1", "ASPU-IFA signed the open letter.", 0.8), ev("a2", POISON["sentence"], 0.6))),
        Fact("open-letter", "addressedTo", "addressed to", "studios", (ev("a1", "The letter is addressed to studios.", 0.9),)),
        Fact("evil", None, POISON["verb"], "studios", (ev("a3", POISON["svg"], 0.4),)),
        Fact("studios", "opposes", "oppose", "aspu-ifa", (ev("a4", "Studios oppose the guild.", 0.3),)),
        Fact("ai", "uses", "use", "studios", (ev("a4", "AI might use studios.", 0.9),), status="claim"),
    )
    return KnowledgeGraph(articles, entities, facts)


ENTITY_COUNT = 5
FACT_COUNT = 4  # asserted facts; the claim is not drawn


def sample_graph(*, poisoned_class: bool = False) -> nx.MultiDiGraph:
    g = to_networkx(to_dataset(sample_kg()))
    if poisoned_class:  # render_html takes any graph: classes are untrusted too
        g.add_node("urn:poisoned-class", label="Odd one", cls=POISON["cls"], alt_labels=[], articles=[],
                   mention_count=0, degree=0)
    return g


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "graph.html"
    render_html(sample_graph(), path, title="Sample graph")
    return path


class _Tags(HTMLParser):
    """Start tags with attributes, and the text of each <script> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(html_text: str) -> _Tags:
    p = _Tags()
    p.feed(html_text)
    p.close()
    return p


def embedded_data(html_text: str) -> dict:
    (data,) = [text for attrs, text in parse(html_text).scripts if attrs.get("id") == "kg-data"]
    return json.loads(data)


# --------------------------------------------------------------------------- escaping and URLs


@pytest.mark.parametrize("url", ["https://news.example/a?b=1&c=2#x", "http://news.example/", "HTTPS://NEWS.EXAMPLE/A"])
def test_safe_url_keeps_http_links(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "//evil.example/x", "/relative/path", "https://", "https:///path", "http:\\\\evil.example",
    "https://news.example/a b", "file:///etc/passwd", "", None, 42,
])
def test_safe_url_rejects_everything_else(url):
    assert safe_url(url) is None


def test_json_for_script_escapes_markup_and_line_separators():
    text = json_for_script({"k": "</script><!-- & \u2028\u2029 >"})
    assert not set(text) & set("<>&\u2028\u2029")
    assert json.loads(text) == {"k": "</script><!-- & \u2028\u2029 >"}


@given(st.recursive(st.text() | st.integers() | st.booleans() | st.none(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20))
def test_json_for_script_round_trips_anything(value):
    text = json_for_script(value)
    assert not set(text) & set("<>&\u2028\u2029")
    assert json.loads(text) == value


def test_json_for_script_refuses_nan():
    with pytest.raises(ValueError):
        json_for_script({"x": math.nan})


def test_inline_script_cannot_close_or_comment_the_element():
    js = inline_script('a = "</script>" + "</SCRIPT >" + "<!--";')
    assert "</script" not in js.lower() and "<!--" not in js


def test_every_entity_class_has_a_palette_colour():
    from kg.network import ENTITY_CLASSES
    from kg.render import _PALETTE

    assert ENTITY_CLASSES <= set(_PALETTE)
    assert len(set(_PALETTE.values())) == len(_PALETTE)


def test_class_color_is_stable_and_valid():
    assert class_color("Person") == "#4e79a7"
    odd = class_color(POISON["cls"])
    assert re.fullmatch(r"#[0-9a-f]{6}", odd) and odd == class_color(POISON["cls"])


# --------------------------------------------------------------------------- the file


def test_page_is_self_contained(page_file):
    tags = parse(page_file.read_text(encoding="utf-8"))
    names = [t for t, _ in tags.tags]
    assert names.count("script") == 3
    assert all("src" not in attrs for attrs, _ in tags.scripts)
    assert not {"link", "img", "iframe", "object", "embed", "base", "form", "video", "audio", "source"} & set(names)
    assert not [a for _, attrs in tags.tags for a in attrs if a.startswith("on")]  # no inline handlers
    text = page_file.read_text(encoding="utf-8")
    assert "@import" not in text and "url(http" not in text and "cdn." not in text.lower()


def test_csp_forbids_the_network_and_allows_only_our_scripts(page_file):
    text = page_file.read_text(encoding="utf-8")
    tags = parse(text)
    (csp,) = [a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    hashes = set(re.findall(r"'sha256-([^']+)'", csp))
    executable = [body for attrs, body in tags.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 2
    assert hashes == {base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in executable}


def test_untrusted_text_never_appears_unescaped(tmp_path):
    path = tmp_path / "poisoned.html"
    render_html(sample_graph(poisoned_class=True), path, title=POISON["page_title"])
    text = path.read_text(encoding="utf-8")
    for value in [*POISON.values(), *BAD_URLS.values()]:
        for fragment in re.findall(r"<[^ >]+", value):  # every tag-like fragment of the payloads
            assert fragment + PWN not in text
        assert value not in text
    assert text.count(html.escape(POISON["page_title"])) == 2  # <title> and <h1>, as text


def test_embedded_data_keeps_text_exactly_and_drops_unsafe_urls(tmp_path):
    path = tmp_path / "poisoned.html"
    render_html(sample_graph(poisoned_class=True), path)
    data = embedded_data(path.read_text(encoding="utf-8"))
    labels = {n["label"] for n in data["nodes"]}
    assert POISON["label"] in labels
    assert any(POISON["alt"] in n["names"] for n in data["nodes"])
    sentences = {ev[0] for e in data["edges"] for ev in e["ev"]}
    assert {POISON["sentence"], POISON["svg"]} <= sentences
    urls = {a["id"]: a["url"] for a in data["articles"]}
    assert urls == {"a1": "https://news.example/a1", "a2": None, "a3": None, "a4": None}
    assert POISON["verb"] in {p["label"] for p in data["predicates"]}
    assert POISON["cls"] in {c["name"] for c in data["classes"]}


def test_payload_describes_the_graph():
    g = sample_graph()
    payload, layout = build_payload(g)
    assert layout == "radial"  # the largest component has 4 entities
    assert payload["counts"] == {"nodes": ENTITY_COUNT, "edges": FACT_COUNT, "initialNodes": ENTITY_COUNT,
                                 "initialEdges": FACT_COUNT}
    assert payload["initial"] is None
    by_iri = {n["iri"]: n for n in payload["nodes"]}
    union = by_iri[str(entity_iri("aspu-ifa"))]
    assert (union["label"], union["names"], union["degree"]) == ("ASPU-IFA", ["Allied Screen Performers Union"], 2)
    classes = {c["group"]: c for c in payload["classes"]}
    assert classes[union["group"]]["name"] == "LaborUnion"
    assert set(payload["options"]["groups"]) == set(classes)
    signed = next(e for e in payload["edges"] if payload["predicates"][e["pred"]]["name"] == "signed")
    assert signed["support"] == 2 and [ev[2] for ev in signed["ev"]] == [0.8, 0.6]
    assert {c["name"]: c["label"] for c in payload["classes"]}["LaborUnion"] == "Labor union"
    assert payload["options"]["physics"] == {"enabled": False}
    opened = [p for p in payload["predicates"] if p["open"]]
    assert len(opened) == 1 and opened[0]["label"] == POISON["verb"]


def test_class_names_never_become_vis_group_keys():
    g = nx.MultiDiGraph()
    for i, cls in enumerate(["useDefaultGroups", "__proto__", "Person"]):
        g.add_node(f"urn:{i}", label=str(i), cls=cls)
    payload, _ = build_payload(g)
    assert set(payload["options"]["groups"]) == {"c0", "c1", "c2"}
    assert {c["name"] for c in payload["classes"]} == {"useDefaultGroups", "__proto__", "Person"}


def test_parallel_edges_are_curved_and_evidence_is_capped():
    g = nx.MultiDiGraph(articles={})
    g.add_node("urn:a", label="A", cls="Person")
    g.add_node("urn:b", label="B", cls="Person")
    evidence = [{"sentence": f"s{i}", "article_id": "x", "title": None, "url": None, "confidence": 0.5, "rule": "r"}
                for i in range(5)]
    g.add_edge("urn:a", "urn:b", key="urn:p", label="p", evidence=evidence)
    g.add_edge("urn:b", "urn:a", key="urn:q", label="q", evidence=[])
    payload, _ = build_payload(g, max_evidence=2)
    first, second = payload["edges"]
    assert (len(first["ev"]), first["more"]) == (2, 3)
    assert first["smooth"] != second["smooth"] and first["smooth"] and second["smooth"]


def test_render_is_byte_for_byte_deterministic(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    render_html(sample_graph(), a)
    render_html(sample_graph(), b)
    assert a.read_bytes() == b.read_bytes()
    big = nx.barabasi_albert_graph(400, 2, seed=3)  # particle-mesh layout
    g = nx.MultiDiGraph(articles={})
    g.add_nodes_from((str(v), {"label": f"n{v}", "cls": "Concept"}) for v in big)
    g.add_edges_from((str(u), str(v), "urn:p", {"label": "p"}) for u, v in big.edges())
    render_html(g, a)
    render_html(g, b)
    assert a.read_bytes() == b.read_bytes()


_RENDER_FRAGMENTED = """
import sys
import networkx as nx
from kg.render import render_html
g = nx.MultiDiGraph()
parts = [nx.star_graph(5), nx.path_graph(12), nx.random_labeled_tree(350, seed=1), nx.empty_graph(3)]
for i, part in enumerate(parts):  # radial, spring, particle-mesh and singleton components
    g.add_nodes_from((f"{i}-{v}", {"label": f"entity {i}-{v}"}) for v in part)
    g.add_edges_from((f"{i}-{u}", f"{i}-{v}", "urn:p") for u, v in part.edges())
render_html(g, sys.argv[1])
"""


@pytest.mark.slow
def test_bytes_do_not_depend_on_string_hashing(tmp_path):
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _RENDER_FRAGMENTED, str(out)], env=env, check=True, cwd=ROOT)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_write_is_atomic_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "graph.html"
    path.write_text("old")
    stats = render_html(sample_graph(), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]  # no temporary file left behind
    assert stats.bytes == path.stat().st_size
    assert (stats.nodes, stats.edges, stats.shown_nodes, stats.shown_edges) == (ENTITY_COUNT, FACT_COUNT, ENTITY_COUNT, FACT_COUNT)
    assert not stats.truncated and stats.layout == "radial"


def test_large_graph_opens_on_the_most_connected_nodes(tmp_path):
    g = nx.MultiDiGraph(articles={})
    for v in range(40):
        g.add_node(f"urn:n{v}", label=f"n{v}", cls="Person", mention_count=v)
    for v in range(1, 40):
        g.add_edge("urn:n0", f"urn:n{v}", key="urn:p")  # a star: n0 has degree 39
    for v in range(1, 11):
        g.add_edge(f"urn:n{v}", f"urn:n{v + 1}", key="urn:p")
    # n0 first (degree 39), then n2..n10 tie on degree 3 and more mentions win
    assert initial_nodes(g, 5) == ["urn:n0", "urn:n10", "urn:n9", "urn:n8", "urn:n7"]
    stats = render_html(g, tmp_path / "g.html", max_nodes=5)
    data = embedded_data((tmp_path / "g.html").read_text(encoding="utf-8"))
    assert stats.truncated and (stats.nodes, stats.shown_nodes) == (40, 5)
    assert len(data["nodes"]) == 40 and len(data["initial"]) == 5
    assert data["counts"]["initialEdges"] == stats.shown_edges == 4 + 3


def test_initial_nodes_ties_prefer_mentions():
    g = nx.path_graph(4, create_using=nx.MultiDiGraph)
    nx.set_node_attributes(g, {0: 1, 1: 1, 2: 9, 3: 1}, "mention_count")
    assert initial_nodes(g, 1) == [2]


def test_layouts_are_deterministic_and_spread_out():
    tiny = nx.star_graph(4)
    small = nx.path_graph(20)
    big = nx.barabasi_albert_graph(1000, 2, seed=1)
    for graph, name in [(tiny, "radial"), (small, "spring"), (big, "particle-mesh")]:
        pos, used = layout_positions(graph, seed=7)
        assert used == name and pos == layout_positions(graph, seed=7)[0]
        points = list(pos.values())
        assert all(math.isfinite(x) and math.isfinite(y) for x, y in points)
        assert len(set(points)) == len(points)  # no two nodes on top of each other
    assert layout_positions(nx.Graph()) == ({}, "none")


@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-3, 3), st.integers(10, 180)), min_size=2, max_size=9))
def test_label_clearance_is_the_quantile_of_the_scales_that_clear_each_node(points):
    """The scale that clears most labels, checked against a direct computation: for each node
    the largest scale its pairs need (coincident nodes need none), then numpy's quantile."""
    import numpy as np

    raw = np.array([(x, y) for x, y, _ in points], dtype=float)
    widths = np.array([w for _, _, w in points], dtype=float)
    needs = []
    for i in range(len(points)):
        need = 0.0
        for j in range(len(points)):
            dx, dy = abs(raw[i, 0] - raw[j, 0]), abs(raw[i, 1] - raw[j, 1])
            if i == j or (dx == 0 and dy == 0):
                continue
            across = ((widths[i] + widths[j]) / 2 + 8.0) / dx if dx else math.inf
            below = kg.render._LABEL_HEIGHT_PX / dy if dy else math.inf
            need = max(need, min(across, below))
        needs.append(need)
    assert kg.render._label_clearance(raw, widths) == pytest.approx(float(np.quantile(needs, 0.8)), rel=1e-12)


def test_components_are_laid_out_apart_and_labels_clear():
    g = nx.Graph()
    g.add_nodes_from((v, {"label": f"a rather long entity name {v}"}) for v in range(12))
    g.add_edges_from([(0, 1), (0, 2), (0, 3), (4, 5), (6, 7), (7, 8)])  # a star, a pair, a path, 3 singletons
    pos, name = layout_positions(g)
    assert name == "radial"
    # labels are centred under nodes: two nodes on (about) the same row must be a label width apart
    for u in g:
        for v in g:
            (xu, yu), (xv, yv) = pos[u], pos[v]
            if u < v and abs(yu - yv) < 30:
                assert abs(xu - xv) >= 150, (u, v, pos[u], pos[v])
    star = [pos[v] for v in (0, 1, 2, 3)]
    others = [pos[v] for v in range(4, 12)]
    star_box = (min(x for x, _ in star), max(x for x, _ in star), min(y for _, y in star), max(y for _, y in star))
    assert not [p for p in others if star_box[0] <= p[0] <= star_box[1] and star_box[2] <= p[1] <= star_box[3]]


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        render_html(sample_graph(), tmp_path / "x.html", max_nodes=0)
    with pytest.raises(TypeError):
        render_html(nx.DiGraph(), tmp_path / "x.html")


def test_empty_graph_renders(tmp_path):
    stats = render_html(nx.MultiDiGraph(), tmp_path / "empty.html")
    assert (stats.nodes, stats.edges, stats.layout) == (0, 0, "none")


def test_docstring_examples():
    assert doctest.testmod(kg.render, optionflags=doctest.ELLIPSIS).failed == 0


# --------------------------------------------------------------------------- in the browser

_EDGE_MIDPOINT = """id => {
  const net = kgExplorer.network, e = kgExplorer.data.edges[id];
  const box = document.getElementById('kg-network').getBoundingClientRect();
  const a = net.canvasToDOM(net.getPosition(e.from)), b = net.canvasToDOM(net.getPosition(e.to));
  return {x: Math.round(box.left + (a.x + b.x) / 2), y: Math.round(box.top + (a.y + b.y) / 2)};
}"""


def node_id(session: PageSession, label: str) -> int:
    return session.page.evaluate("label => kgExplorer.data.nodes.find(n => n.label === label).id", label)


def edge_id(session: PageSession, predicate_label: str) -> int:
    return session.page.evaluate(
        "l => kgExplorer.data.edges.find(e => kgExplorer.data.predicates[e.pred].label === l).id", predicate_label)


def panel_text(session: PageSession) -> str:
    return session.page.locator("#kg-panel").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_page_draws_every_entity_offline(open_page, page_file):
    s = open_page(page_file)
    counts = s.page.evaluate("[kgExplorer.nodes.length, kgExplorer.edges.length, kgExplorer.nodeView.length,"
                             " kgExplorer.network.body.nodeIndices.length]")
    assert counts == [ENTITY_COUNT, FACT_COUNT, ENTITY_COUNT, ENTITY_COUNT]
    assert s.page.locator("#kg-legend button").count() == 4  # LaborUnion, Letter, Company, Technology
    assert s.page.locator("#kg-banner").is_hidden()
    assert "Showing 5 of 5 entities and 4 of 4 facts" in s.page.locator("#kg-summary").inner_text()
    s.assert_clean()
    assert s.requests == [page_file.resolve().as_uri()]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "csp-stripped"])
def test_poisoned_article_executes_nothing(open_page, tmp_path, csp):
    """Escaping alone must hold: the same checks run with the page's CSP removed."""
    path = tmp_path / "poisoned.html"
    render_html(sample_graph(poisoned_class=True), path, title=POISON["page_title"])
    if not csp:
        text = path.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
        assert stripped != text
        path.write_text(stripped, encoding="utf-8")
    s = open_page(path)
    page = s.page
    evil = node_id(s, POISON["label"])
    page.mouse.move(*node_point(page, evil))  # tooltip with the poisoned sentence
    page.wait_for_selector("#kg-tooltip:not([hidden])")
    page.mouse.click(*node_point(page, evil))  # side panel
    page.wait_for_selector("#kg-panel:not([hidden])")
    assert POISON["label"] in panel_text(s) and POISON["alt"] in panel_text(s) and POISON["svg"] in panel_text(s)
    for label in (POISON["verb"], "signed"):
        page.mouse.move(0, 0)
        page.mouse.move(**page.evaluate(_EDGE_MIDPOINT, edge_id(s, label)))
        page.wait_for_selector("#kg-tooltip:not([hidden])")
        page.mouse.click(**page.evaluate(_EDGE_MIDPOINT, edge_id(s, label)))
        page.wait_for_selector("#kg-panel:not([hidden])")
    assert POISON["sentence"] in panel_text(s).replace("\u2028", "\u2028")
    page.fill("#kg-search", "script")  # matches the poisoned alias
    page.press("#kg-search", "Enter")
    page.wait_for_function("id => kgExplorer.network.getSelectedNodes()[0] === id", arg=evil)
    page.select_option("#kg-article", index=2)
    page.click("#kg-legend button >> nth=-1")
    page.evaluate("id => kgExplorer.focusNode(id)", node_id(s, "ASPU-IFA"))  # cites a1 (safe) and a2 (javascript:)
    page.wait_for_timeout(150)
    assert page.evaluate(f"typeof {PWN}") == "undefined"
    hrefs = page.evaluate("Array.from(document.querySelectorAll('[href], [src]'), e => e.getAttribute('href') || e.getAttribute('src'))")
    assert hrefs == ["https://news.example/a1"] * len(hrefs) and hrefs
    names = page.evaluate("Array.from(document.querySelectorAll('*'), e => e.getAttributeNames()).flat()")
    assert not [n for n in names if n.startswith("on")]  # no event-handler attribute anywhere
    assert page.locator("img, svg, iframe, b").count() == 0  # no element from the payloads exists
    assert page.title() == POISON["page_title"]
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_search_focuses_and_selects_a_node(open_page, page_file):
    s = open_page(page_file)
    page = s.page
    page.fill("#kg-search", "screen performers")  # an alternative name, case-insensitive
    page.wait_for_selector("#kg-results button")
    assert page.locator("#kg-results button").first.inner_text().startswith("ASPU-IFA")
    page.press("#kg-search", "Enter")
    union = node_id(s, "ASPU-IFA")
    assert page.evaluate("kgExplorer.network.getSelectedNodes()") == [union]
    view, pos = page.evaluate("id => [kgExplorer.network.getViewPosition(), kgExplorer.network.getPosition(id)]", union)
    assert abs(view["x"] - pos["x"]) < 1 and abs(view["y"] - pos["y"]) < 1  # centred on it
    assert page.locator("#kg-panel h2").inner_text() == "ASPU-IFA"
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_legend_is_a_class_filter(open_page, page_file):
    s = open_page(page_file)
    page = s.page
    company = page.locator('#kg-legend button[data-class="Company"]')
    assert "Company" in company.inner_text() and "2" in company.inner_text()
    company.click()
    assert company.get_attribute("aria-pressed") == "false"
    assert page.evaluate("kgExplorer.nodeView.length") == ENTITY_COUNT - 2
    assert page.evaluate("kgExplorer.network.body.nodeIndices.length") == ENTITY_COUNT - 2
    # edges touching a hidden company go too: only "signed" remains
    assert page.evaluate("kgExplorer.edgeView.length") == 1
    company.click()
    assert page.evaluate("kgExplorer.nodeView.length") == ENTITY_COUNT
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_filters_by_confidence_support_predicate_and_article(open_page, page_file):
    s = open_page(page_file)
    page = s.page
    page.locator("#kg-confidence").fill("0.85")  # signed 0.92, addressed to 0.9, pwn 0.4, opposes 0.3
    assert page.evaluate("kgExplorer.edgeView.length") == 2
    assert page.locator("#kg-confidence-value").inner_text() == "0.85"
    page.click("#kg-reset")
    assert page.evaluate("kgExplorer.edgeView.length") == FACT_COUNT
    page.click("#kg-predicates-box summary")
    page.locator("#kg-predicates label", has_text="opposes").locator("input").uncheck()
    assert page.evaluate("kgExplorer.edgeView.length") == FACT_COUNT - 1
    page.click("#kg-reset")
    page.locator("#kg-support").fill("2")
    page.locator("#kg-support").dispatch_event("change")
    supported = sum(1 for *_, d in sample_graph().edges(data=True) if d["support"] >= 2)
    assert 0 < supported < FACT_COUNT and page.evaluate("kgExplorer.edgeView.length") == supported
    page.click("#kg-reset")
    assert page.locator("#kg-support").input_value() == "1"
    page.select_option("#kg-article", label="2024-05-01 — Actors sign letter")
    assert page.evaluate("kgExplorer.edgeView.length") == 2  # signed and addressed to cite a1
    assert page.evaluate("kgExplorer.nodeView.length") == 3
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_clicking_a_node_shows_its_evidence_and_safe_links(open_page, page_file):
    s = open_page(page_file)
    page = s.page
    page.mouse.click(*node_point(page, node_id(s, "ASPU-IFA")))
    page.wait_for_selector("#kg-panel:not([hidden])")
    text = panel_text(s)
    for expected in ("ASPU-IFA", "Labor union › Organization › Agent › Entity", "Allied Screen Performers Union",
                     "ASPU-IFA signed the open letter.", POISON["sentence"].split("<")[0].strip(),
                     "Actors sign letter", "Studios oppose the guild."):
        assert expected in text
    links = page.evaluate("Array.from(document.querySelectorAll('#kg-panel a'), a => [a.textContent, a.href, a.rel, a.target])")
    assert links and {tuple(x) for x in links} == {
        ("Actors sign letter", "https://news.example/a1", "noopener noreferrer nofollow", "_blank")}
    page.keyboard.press("Escape")
    assert page.locator("#kg-panel").is_hidden()
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_hover_highlights_the_neighbourhood(open_page, page_file):
    s = open_page(page_file)
    page = s.page
    letter = node_id(s, "open letter")
    page.mouse.move(*node_point(page, letter))
    page.wait_for_selector("#kg-tooltip:not([hidden])")
    assert "open letter" in page.locator("#kg-tooltip").inner_text()
    assert "The letter is addressed to studios." in page.locator("#kg-tooltip").inner_text()
    expected = sorted([letter, node_id(s, "ASPU-IFA"), node_id(s, "Hollywood studios")])
    assert page.evaluate("kgExplorer.highlightedNodes()") == expected
    page.mouse.move(1, 1)
    page.wait_for_selector("#kg-tooltip", state="hidden")
    assert page.evaluate("kgExplorer.highlightedNodes()") == []
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_large_graph_loads_more_on_expand_and_search(open_page, tmp_path):
    g = nx.MultiDiGraph(articles={})
    for v in range(60):
        g.add_node(f"urn:n{v}", label=f"Entity {v}", cls="Person" if v % 2 else "Company", alt_labels=[f"alias{v}x"])
    for v in range(1, 60):
        g.add_edge(f"urn:n{(v - 1) // 3}", f"urn:n{v}", key="urn:p", label="leads", confidence=0.5)  # a ternary tree
    path = tmp_path / "big.html"
    stats = render_html(g, path, max_nodes=10)
    s = open_page(path)
    page = s.page
    assert page.evaluate("kgExplorer.nodes.length") == stats.shown_nodes == 10
    banner = page.locator("#kg-banner").inner_text()
    assert "10 most connected of 60 entities" in banner
    loaded = page.evaluate("kgExplorer.nodes.getIds()")
    hub = loaded[0]
    page.evaluate("id => kgExplorer.focusNode(id)", hub)
    before = page.evaluate("kgExplorer.nodes.length")
    if page.locator("#kg-expand").count():
        page.click("#kg-expand")
        assert page.evaluate("kgExplorer.nodes.length") > before
    hidden = page.evaluate("Array.from({length: 60}, (_, i) => i).filter(i => kgExplorer.nodes.get(i) === null)")
    target = hidden[-1]
    page.fill("#kg-search", f"alias{target}x")
    page.press("#kg-search", "Enter")
    assert page.evaluate("id => kgExplorer.nodes.get(id) !== null", target)
    assert page.evaluate("kgExplorer.network.getSelectedNodes()") == [target]
    assert f"{page.evaluate('kgExplorer.nodes.length')} loaded" in page.locator("#kg-banner").inner_text()
    s.assert_clean()


@pytest.mark.browser
@pytest.mark.slow
def test_screenshot_is_not_blank(open_page, page_file, tmp_path):
    s = open_page(page_file)
    drawn = s.page.locator("#kg-network canvas").screenshot()
    size = s.page.evaluate("(() => { const c = document.querySelector('#kg-network canvas'); return [c.width, c.height]; })()")
    # the fraction of canvas pixels that are not background, read back from the canvas itself
    ink = s.page.evaluate("""(() => {
      const c = document.querySelector('#kg-network canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++;
      return n / (c.width * c.height);
    })()""")
    assert ink > 0.002
    try:
        from PIL import Image, ImageStat
    except ImportError:
        blank = tmp_path / "blank.html"
        blank.write_text(f'<!DOCTYPE html><body style="margin:0"><div style="width:{size[0]}px;height:{size[1]}px"></div>')
        empty = open_page(blank, ready=False).page.locator("div").screenshot()
        assert len(drawn) > 3 * len(empty), (len(drawn), len(empty))
    else:  # pragma: no cover - PIL is not a test dependency
        import io

        stat = ImageStat.Stat(Image.open(io.BytesIO(drawn)).convert("L"))
        assert stat.var[0] > 10
    s.assert_clean()
