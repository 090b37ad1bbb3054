"""NetworkX entity graph → one self-contained, offline, interactive HTML explorer.

:func:`render_html` writes a single file that needs nothing from the network: vis-network 9.1.2
(the build bundled with the pinned pyvis package) and kg's explorer script are inlined, the page
loads no fonts, images, stylesheets or scripts from anywhere, and a Content-Security-Policy
(``default-src 'none'``, scripts allowed by SHA-256 hash only) makes any injected markup inert.

The page offers search over every name of an entity, a legend that doubles as a class filter,
filters by relation, article and minimum confidence, node size by degree, neighbourhood
highlight on hover, and a side panel listing an entity's names, types and facts with their
evidence sentences and (http/https only) article links.

Why not pyvis's own template
----------------------------
pyvis 0.3.2 assigns node/edge ``title`` to ``innerHTML`` (XSS with article text), links Bootstrap
from a CDN even with ``cdn_resources="in_line"``, embeds JSON without escaping ``</script>``,
and ``Network.from_nx`` is quadratic. kg therefore only takes pyvis's bundled vis-network and
writes its own page: node and edge lists are built directly, escaped, and embedded once.

Scale
-----
* Positions are computed here, so the browser never runs physics. Each connected component is
  laid out on its own and the components are packed in rows: tiny ones as a hub and a ring,
  up to :data:`SPRING_MAX_NODES` nodes with ``nx.spring_layout``, larger ones with
  :func:`particle_mesh_layout`, a Fruchterman–Reingold layout whose repulsion is computed on a
  grid by FFT (O(n + g² log g) per iteration; 20k nodes in under a second).
* All nodes and edges are embedded as JSON, but only ``max_nodes`` of them — the most connected —
  are put in vis's DataSet at first. The page says so and lets the user search for any entity or
  expand a node's neighbours, which loads them at their precomputed positions.
* Hovering veils the canvas and redraws the neighbourhood on top (O(degree) per hover, no
  DataSet update: each one makes vis recompute the whole drawing). Large graphs hide edges while
  dragging and zooming.

Embedded data (``<script type="application/json" id="kg-data">``)
-------------------------------------------------------------------
``nodes``: ``{id, iri, label, group, x, y, size, names, articles, mentions, degree}``;
``edges``: ``{id, from, to, pred, conf, support, articles, ev, more?, smooth?}`` where ``ev`` is
a list of ``[sentence, article index, confidence, rule]`` (at most ``max_evidence``, ``more``
counts the rest); ``articles``: ``{id, title, url, date}`` (``url`` is null unless http/https);
``classes``: legend entries ``{name, group, label, color, ancestors, count}`` (``group`` is the
vis group key of the class's nodes); ``predicates``:
``{iri, name, label, open, count}``; ``initial``: ids loaded at start (null = all);
``counts``, ``config`` and vis ``options``. Integers in ``articles``/``pred``/``from``/``to``
index those tables.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from kg.network import KG_NS, humanize, term_label
from kg.ontology import CLASSES, superclasses
from kg.rdf import write_atomic

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_EVIDENCE",
    "RADIAL_MAX_NODES",
    "SPRING_MAX_NODES",
    "LARGE_GRAPH",
    "FACTS_PAGE",
    "RenderStats",
    "render_html",
    "render_page",
    "build_payload",
    "layout_positions",
    "particle_mesh_layout",
    "initial_nodes",
    "class_color",
    "safe_url",
    "json_for_script",
    "inline_script",
]

DEFAULT_MAX_NODES = 2000
"""Entities loaded into the drawing when the page opens; the rest load on search or expand."""
DEFAULT_MAX_EVIDENCE = 20
"""Evidence sentences embedded per fact (the most confident); the page counts the others."""
RADIAL_MAX_NODES = 8
"""Largest connected component drawn as a hub and a ring (no force layout)."""
SPRING_MAX_NODES = 300
"""Largest connected component laid out with ``nx.spring_layout`` (exact O(n²) forces)."""
LARGE_GRAPH = 1000
"""From this many loaded nodes on, edges are hidden while dragging or zooming."""
FACTS_PAGE = 50
"""Facts listed in the side panel before a "show more" button."""

_SPACING = 110.0  # pixels per node along the side of a component's layout square
_LABEL_MAX_PX = 180  # vis wraps node labels at this width (nodes.widthConstraint.maximum)
_CHAR_PX = 7.5  # average width of a 14 px label character
_LABEL_HEIGHT_PX = 40.0  # room below a node for its label
_COMPONENT_GAP_PX = 30.0
_VIS_JS = ("templates", "lib", "vis-9.1.2", "vis-network.min.js")

# Node colours: one hue per family of the ontology, shades within it; grey for the root.
_PALETTE: dict[str, str] = {
    "Entity": "#9aa0a6",
    "Agent": "#6a8fb8", "Person": "#4e79a7", "Actor": "#7eaad9", "Director": "#2d5a87",
    "Writer": "#a5c6ea", "Politician": "#1d4e8f",
    "Organization": "#f28e2b", "Company": "#d9721a", "LaborUnion": "#ffb062",
    "GovernmentBody": "#a85400", "ResearchOrganization": "#ffcf99",
    "Publication": "#e15759", "Campaign": "#ff9da7",
    "Document": "#59a14f", "Letter": "#8cd17d", "Agreement": "#2f7a2a",
    "CreativeWork": "#b07aa1", "Film": "#d7a8cc", "Character": "#8a5a9e",
    "Concept": "#76b7b2", "LegalConcept": "#3f8f8a", "Technology": "#a7dcd6",
    "Event": "#edc948", "Strike": "#c8a320", "Lawsuit": "#9c755f",
    "Place": "#b6a99f",
}


@dataclass(frozen=True, slots=True)
class RenderStats:
    """What :func:`render_html` wrote.

    ``shown_nodes``/``shown_edges`` are loaded into the drawing when the page opens; when the
    graph has more than ``max_nodes`` entities they are fewer than ``nodes``/``edges``.
    """

    path: Path
    nodes: int
    edges: int
    shown_nodes: int
    shown_edges: int
    bytes: int
    layout: str
    seconds: float

    @property
    def truncated(self) -> bool:
        """True when the page opens on a subset of the entities."""
        return self.shown_nodes < self.nodes


# --------------------------------------------------------------------------- escaping, URLs


_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_script(obj: Any) -> str:
    """Compact JSON that is safe as the text of an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and U+2028/U+2029 are written as ``\\uXXXX`` escapes, so no string in
    the data can close the element (``</script>``), open a comment or break a JS parser.
    NaN and infinities are refused.

    >>> json_for_script({"t": "</script><b>&"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # str.replace per character, not str.translate: the same result (no replacement holds a
    # replaced character), and faster on a large page's data.
    for char, escape in _SCRIPT_ESCAPES.items():
        if chr(char) in text:
            text = text.replace(chr(char), escape)
    return text


def inline_script(source: str) -> str:
    """JavaScript source made safe to inline: no ``</script`` and no ``<!--`` can end or alter
    the element. Both only occur inside string or regex literals, where ``<\\/`` means ``</``.

    >>> inline_script('x = "</script>" + "<!--"')
    'x = "<\\\\/script>" + "<\\\\!--"'
    """
    source = re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE)
    return source.replace("<!--", "<\\!--")


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host and no whitespace or control
    characters, else None. ``javascript:``, ``data:``, relative and malformed URLs never become
    links.

    >>> safe_url("https://example.com/a?b=1"), safe_url("javascript:alert(1)"), safe_url(" data:text/html,x")
    ('https://example.com/a?b=1', None, None)
    """
    if not isinstance(url, str) or not url or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _csp(scripts: Iterable[str]) -> str:
    """The page's Content-Security-Policy: nothing from the network, only our own scripts."""
    hashes = " ".join(_csp_hash(s) for s in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; form-action 'none'")


# --------------------------------------------------------------------------- colours, labels


def class_color(cls: str) -> str:
    """Hex colour of a class: the fixed palette for ontology classes, a stable hash-derived
    colour for anything else.

    >>> class_color("Person"), class_color("Person") == class_color("Person")
    ('#4e79a7', True)
    """
    if cls in _PALETTE:
        return _PALETTE[cls]
    h = int(hashlib.sha1(cls.encode("utf-8", "surrogatepass")).hexdigest()[:6], 16)
    hue, sat, light = h % 360, 45 + (h >> 9) % 20, 55 + (h >> 14) % 15
    return _hsl_to_hex(hue, sat / 100, light / 100)


def _hsl_to_hex(hue: float, s: float, li: float) -> str:
    c = (1 - abs(2 * li - 1)) * s
    x = c * (1 - abs((hue / 60) % 2 - 1))
    m = li - c / 2
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(hue // 60) % 6]
    return "#" + "".join(f"{round((v + m) * 255):02x}" for v in (r, g, b))


def _class_label(cls: str) -> str:
    return term_label(KG_NS + cls) if cls in CLASSES else humanize(cls)


def _class_ancestors(cls: str) -> list[str]:
    return [_class_label(c) for c in superclasses(cls)[1:]] if cls in CLASSES else []


def _node_size(degree: int) -> float:
    """Node radius in pixels, growing with the logarithm of the degree (8 → 60)."""
    return round(min(60.0, 8.0 + 5.0 * math.log2(1 + max(degree, 0))), 1)


# --------------------------------------------------------------------------- layout


def _cloud_in_cell(u: Any, grid: int) -> tuple[Any, Any]:
    """Grid cells and bilinear weights of points ``u`` given in grid units."""
    import numpy as np

    i = np.clip(np.floor(u).astype(np.int64), 0, grid - 2)
    f = u - i
    ix, iy, fx, fy = i[:, 0], i[:, 1], f[:, 0], f[:, 1]
    cells = np.stack([ix * grid + iy, (ix + 1) * grid + iy, ix * grid + iy + 1, (ix + 1) * grid + iy + 1], 1)
    weights = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], 1)
    return cells, weights


def particle_mesh_layout(
    n: int,
    sources: Sequence[int],
    targets: Sequence[int],
    *,
    iterations: int = 100,
    grid: int = 128,
    gravity: float = 0.3,
    seed: int = 0,
) -> Any:
    """Force-directed positions for ``n`` nodes in near-linear time.

    Fruchterman–Reingold forces (attraction d²/k along edges, repulsion k²/d between all pairs)
    where the all-pairs repulsion is computed particle-mesh style: node masses are spread on a
    ``grid`` × ``grid`` mesh (cloud-in-cell), convolved with the repulsion kernel by FFT, and
    interpolated back. Cost per iteration is O(n + m + g² log g). A linear pull towards the
    centre (``gravity`` × position) balances the repulsion of the whole cloud, which then settles
    at a radius of about √(n / gravity) — and keeps isolated nodes and small components from
    drifting off, which would also waste the grid's resolution on empty space.

    Parameters
    ----------
    n : int
        Number of nodes (0 … n-1).
    sources, targets : sequence of int
        Edge endpoints (direction and multiplicity are kept: parallel edges pull harder).
    iterations : int
        Cooling steps.
    grid : int
        Mesh resolution per side.
    gravity : float
        Strength of the pull towards the centre.
    seed : int
        Seed of the initial random placement; equal inputs give equal positions.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` float array, roughly unit spacing between neighbouring nodes.

    Examples
    --------
    >>> pos = particle_mesh_layout(4, [0, 1, 2], [1, 2, 3], seed=1)
    >>> pos.shape
    (4, 2)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    side = math.sqrt(max(n, 1))
    pos = (rng.random((n, 2)) - 0.5) * side
    if n < 2:
        return pos
    src = np.asarray(sources, dtype=np.int64)
    dst = np.asarray(targets, dtype=np.int64)
    pad = 2 * grid
    offsets = np.arange(pad, dtype=float)
    offsets = np.where(offsets < grid, offsets, offsets - pad)  # kernel offsets, FFT wrap-around order
    # The repulsion kernel d / r² over the mesh, in cell units (softened: no singularity inside a
    # cell), transformed once: at cell size h it is the same kernel divided by h.
    dx, dy = offsets[:, None], offsets[None, :]
    r2 = dx * dx + dy * dy + 0.25
    kernels = [np.fft.rfft2(np.broadcast_to(d / r2, (pad, pad))) for d in (dx, dy)]
    start = side / 8
    for it in range(iterations):
        temperature = start * (1 - it / iterations) + 0.02
        lo = pos.min(0)
        h = max(float((pos.max(0) - lo).max()), 1e-9) * 1.0001 / (grid - 1)
        cells, weights = _cloud_in_cell((pos - lo) / h, grid)
        mass = np.bincount(cells.ravel(), weights=weights.ravel(), minlength=grid * grid).reshape(grid, grid)
        mass_f = np.fft.rfft2(mass, s=(pad, pad))
        disp = np.empty((n, 2))
        for axis, kernel in enumerate(kernels):
            field = np.fft.irfft2(mass_f * kernel, s=(pad, pad))[:grid, :grid].ravel() / h
            disp[:, axis] = (field[cells] * weights).sum(1)
        delta = pos[src] - pos[dst]
        pull = delta * np.sqrt((delta * delta).sum(1))[:, None]
        for axis in range(2):
            disp[:, axis] += np.bincount(dst, weights=pull[:, axis], minlength=n)
            disp[:, axis] -= np.bincount(src, weights=pull[:, axis], minlength=n)
        disp -= gravity * pos
        length = np.sqrt((disp * disp).sum(1)) + 1e-12
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
    return pos


def _radial_layout(sub: nx.Graph, nodes: Sequence[Hashable]) -> Any:
    """A tiny component: its best-connected node in the centre, the others on a ring."""
    import numpy as np

    if len(nodes) == 1:
        return np.zeros((1, 2))
    hub = max(nodes, key=lambda v: (sub.degree(v), -nodes.index(v)))
    ring = [v for v in nodes if v != hub]
    if len(nodes) == 2 or sub.degree(hub) < len(ring):  # not a star: everyone on the ring
        hub, ring = None, list(nodes)
    angles = 2 * math.pi * np.arange(len(ring)) / len(ring) + math.pi  # first node on the left
    where = dict(zip(ring, np.stack([np.cos(angles), np.sin(angles)], 1)))
    return np.array([where[v] if v != hub else (0.0, 0.0) for v in nodes])


def _component_layout(graph: nx.Graph, nodes: Sequence[Hashable], order: Mapping[Hashable, int],
                      seed: int) -> tuple[Any, str]:
    """Positions of the connected component ``nodes`` of ``graph`` (unit scale, any extent) and the
    algorithm used."""
    import numpy as np

    if len(nodes) <= RADIAL_MAX_NODES:  # a whole component's degrees are its own: no copy of it needed
        return _radial_layout(graph, nodes), "radial"
    sub = _ordered_subgraph(graph, nodes, order)
    if len(nodes) <= SPRING_MAX_NODES:
        spring = nx.spring_layout(sub, seed=seed, iterations=50)
        return np.array([spring[v] for v in nodes], dtype=float), "spring"
    index = {v: i for i, v in enumerate(nodes)}
    src, dst = zip(*((index[u], index[v]) for u, v in sub.edges()))
    return particle_mesh_layout(len(nodes), src, dst, seed=seed), "particle-mesh"


def _label_clearance(raw: Any, widths: Any, *, quantile: float = 0.8) -> float:
    """Pixels per layout unit at which most nodes' labels clear every other label.

    Two labels (centred below their nodes) do not overlap once they are apart by half their
    widths summed horizontally or by a label's height vertically. For each node the scale that
    clears all its pairs is computed; the ``quantile`` of those is returned, so one pair of
    nearly coincident nodes cannot blow the layout up. O(n²): for small components only.
    """
    import numpy as np

    if len(raw) < 2:
        return 0.0
    gap = np.abs(raw[:, None, :] - raw[None, :, :])
    need = (widths[:, None] + widths[None, :]) / 2 + 8.0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.minimum(need / gap[..., 0], _LABEL_HEIGHT_PX / gap[..., 1])
    scale[~np.isfinite(scale)] = 0.0  # coincident nodes: no scale clears them
    np.fill_diagonal(scale, 0.0)
    # the quantile of the rows' maxima, interpolated linearly (np.quantile's default, at a
    # fraction of its cost on the many small components of a corpus)
    needs = np.sort(scale.max(1))
    at = quantile * (len(needs) - 1)
    low = math.floor(at)
    high = min(low + 1, len(needs) - 1)
    return float(needs[low] + (needs[high] - needs[low]) * (at - low))


def _to_pixels(raw: Any, widths: Any | None = None) -> Any:
    """Centre a component on its bounding box and scale it to ``_SPACING`` px × √n a side —
    or up to three times more when its labels need the room (``widths`` given)."""
    raw = raw - (raw.max(0) + raw.min(0)) / 2
    extent = float((raw.max(0) - raw.min(0)).max()) or 1.0
    scale = _SPACING * math.sqrt(len(raw)) / extent
    if widths is not None:
        scale = max(scale, min(_label_clearance(raw, widths), 3 * scale))
    return raw * scale


def _label_width(label: object) -> float:
    """Rough width in pixels of a node label (vis wraps labels at ``_LABEL_MAX_PX``)."""
    return min(_LABEL_MAX_PX, _CHAR_PX * len(str(label)) + 8.0)


def _pack(boxes: Sequence[tuple[float, float]], *, gap: float, aspect: float = 1.6) -> list[tuple[float, float]]:
    """Centres for boxes (width, height) placed in rows, left to right, in the given order.

    Shelf packing into rows about ``aspect`` times wider than the total is tall.

    >>> _pack([(10, 10), (4, 4), (4, 4)], gap=1)
    [(5.0, 5.0), (13.0, 2.0), (2.0, 13.0)]
    """
    area = sum((w + gap) * (h + gap) for w, h in boxes)
    row_width = max(max((w for w, _ in boxes), default=0.0), math.sqrt(area * aspect))
    centres, x, y, row_height = [], 0.0, 0.0, 0.0
    for w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        centres.append((x + w / 2, y + h / 2))
        x += w + gap
        row_height = max(row_height, h)
    return centres


def _ordered_subgraph(graph: nx.Graph, nodes: Sequence[Hashable], order: Mapping[Hashable, int]) -> nx.Graph:
    """A copy of ``graph`` restricted to ``nodes``, nodes and edges in ``order``.

    ``graph.subgraph(nodes)`` iterates a *set* of nodes when it is small, so its order (and any
    seeded layout of it) would change with Python's string hashing from one run to the next.
    """
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from(sorted((tuple(sorted((u, v), key=order.__getitem__)) for u, v in graph.edges(nodes)),
                              key=lambda e: (order[e[0]], order[e[1]])))
    return sub


def layout_positions(graph: nx.Graph, *, seed: int = 0) -> tuple[dict[Hashable, tuple[float, float]], str]:
    """Pixel positions for every node, and the name of the algorithm used on the largest component.

    Each connected component is laid out on its own — up to :data:`RADIAL_MAX_NODES` nodes a
    hub-and-ring layout, up to :data:`SPRING_MAX_NODES` ``nx.spring_layout``, above that
    :func:`particle_mesh_layout` — scaled to about ``_SPACING`` pixels per node along its side,
    and the components are packed in rows, largest first. (One force layout over a graph of many
    components squeezes each of them into a clump.) Coordinates are rounded to 0.1 px, so equal
    graphs give equal bytes.

    Examples
    --------
    >>> pos, name = layout_positions(nx.path_graph(20))
    >>> len(pos), name
    (20, 'spring')
    """
    import numpy as np

    order = {v: i for i, v in enumerate(graph)}
    if not order:
        return {}, "none"
    simple = nx.Graph()  # the nodes with an edge to another node
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    components = sorted((sorted(c, key=order.__getitem__) for c in nx.connected_components(simple)),
                        key=lambda c: (-len(c), order[c[0]]))
    # then every isolated entity (most components of a news corpus), in the graph's order
    components += [[v] for v in graph if v not in simple]
    placed, boxes, names = [], [], []
    for nodes in components:
        if len(nodes) == 1:  # an isolated entity: no layout to run
            placed.append([(0.0, 0.0)])
            boxes.append((_label_width(graph.nodes[nodes[0]].get("label", nodes[0])), _LABEL_HEIGHT_PX))
            names.append("radial")
            continue
        raw, name = _component_layout(simple, nodes, order, seed)
        widths = np.array([_label_width(graph.nodes[v].get("label", v)) for v in nodes])
        widest = float(widths.max())
        pixels = _to_pixels(raw, widths if len(nodes) <= SPRING_MAX_NODES else None)
        w, h = (float(d) for d in pixels.max(0) - pixels.min(0))
        placed.append(pixels.tolist())
        boxes.append((w + widest, h + _LABEL_HEIGHT_PX))  # labels stick out left/right and below
        names.append(name)
    centres = _pack(boxes, gap=_COMPONENT_GAP_PX)
    right = max(cx + w / 2 for (cx, _), (w, _) in zip(centres, boxes))
    bottom = max(cy + h / 2 for (_, cy), (_, h) in zip(centres, boxes))
    out: dict[Hashable, tuple[float, float]] = {}
    for nodes, pixels, (cx, cy) in zip(components, placed, centres):
        cy -= _LABEL_HEIGHT_PX / 2  # the box's lower margin holds the labels
        for v, (x, y) in zip(nodes, pixels):
            out[v] = (round(x + cx - right / 2, 1), round(y + cy - bottom / 2, 1))
    return {v: out[v] for v in graph}, names[0]


def initial_nodes(graph: nx.Graph, max_nodes: int) -> list[Hashable] | None:
    """The ``max_nodes`` most connected nodes (ties: more mentions, then label, then key), or
    None when the whole graph fits.

    >>> initial_nodes(nx.star_graph(3), 1), initial_nodes(nx.star_graph(3), 10) is None
    ([0], True)
    """
    if graph.number_of_nodes() <= max_nodes:
        return None
    degree = dict(graph.degree())
    ranked = sorted(
        graph.nodes(data=True),
        key=lambda nd: (-degree[nd[0]], -int(nd[1].get("mention_count", 0)), str(nd[1].get("label", "")), str(nd[0])),
    )
    return [v for v, _ in ranked[:max_nodes]]


# --------------------------------------------------------------------------- payload


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _finite(value: object, default: float = 0.0) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return round(x, 4) if math.isfinite(x) else default


class _ArticleTable:
    """Article ids → indices into the embedded article list (metadata first, then as met)."""

    def __init__(self, meta: Mapping[str, Mapping[str, Any]]):
        self.rows: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        for aid in sorted(meta):
            self.add(aid, meta[aid])

    def add(self, aid: str, meta: Mapping[str, Any] | None = None) -> int:
        if aid not in self.index:
            meta = meta or {}
            self.index[aid] = len(self.rows)
            self.rows.append({
                "id": aid,
                "title": _text(meta.get("title")) or None,
                "url": safe_url(meta.get("url")),
                "date": _text(meta.get("date")) or None,
            })
        return self.index[aid]


def _vis_options(*, large: bool, groups: Mapping[str, str], seed: int) -> dict[str, Any]:
    """vis-network options; ``groups`` maps vis group keys to colours."""
    styles = {}
    for group, color in groups.items():
        styles[group] = {"color": {"background": color, "border": "#4b5563",
                                 "highlight": {"background": color, "border": "#111827"},
                                 "hover": {"background": color, "border": "#111827"}}}
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "interaction": {"hover": True, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
                        "navigationButtons": False, "keyboard": False},
        "nodes": {"shape": "dot", "borderWidth": 1, "borderWidthSelected": 3,
                  # multi=False: labels are plain text, vis must never read <b>/<i> markup in them
                  "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff",
                           "multi": False},
                  "widthConstraint": {"maximum": _LABEL_MAX_PX}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False, "width": 1,
                  "selectionWidth": 2, "hoverWidth": 1,
                  "color": {"color": "#a3aab4", "highlight": "#1f2937", "hover": "#374151"},
                  "font": {"size": 10, "color": "#4b5563", "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle",
                           "multi": False}},
        "groups": styles,
    }


def _curvatures(pairs: Sequence[tuple[int, int]]) -> list[float | None]:
    """Roundness for edges sharing their two endpoints (either direction), None for lone edges."""
    totals = Counter(tuple(sorted(p)) for p in pairs)
    seen: Counter = Counter()
    out: list[float | None] = []
    for p in pairs:
        key = tuple(sorted(p))
        seen[key] += 1
        out.append(round(0.15 * seen[key], 2) if totals[key] > 1 else None)
    return out


def _class_table(graph: nx.Graph) -> tuple[list[dict[str, Any]], dict[Hashable, str]]:
    """Legend entries (most frequent class first) and each node's vis group key.

    Group keys are the classes' positions in the legend, never class names: vis gives some keys
    a meaning of its own (``useDefaultGroups``), and ``__proto__`` must not become one.
    """
    node_class = {v: _text(d.get("cls")) or "Entity" for v, d in graph.nodes(data=True)}
    counts = sorted(Counter(node_class.values()).items(), key=lambda ck: (-ck[1], ck[0]))
    classes = [{"name": c, "group": f"c{i}", "label": _class_label(c), "color": class_color(c),
                "ancestors": _class_ancestors(c), "count": k} for i, (c, k) in enumerate(counts)]
    group_of = {c["name"]: c["group"] for c in classes}
    return classes, {v: group_of[c] for v, c in node_class.items()}


def _predicate_table(edges: Sequence[tuple[Any, Any, Any, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One entry per predicate IRI (edge key), most used first."""
    table: dict[str, dict[str, Any]] = {}
    for _, _, key, d in edges:
        iri = _text(key)
        if iri not in table:
            name = _text(d.get("predicate")) or iri
            table[iri] = {"iri": iri, "name": name, "label": _text(d.get("label")) or humanize(name),
                          "open": bool(d.get("open", False)), "count": 0}
        table[iri]["count"] += 1
    return sorted(table.values(), key=lambda p: (-p["count"], p["label"], p["iri"]))


def _node_record(v: Hashable, d: Mapping[str, Any], *, node_id: int, group: str, degree: int,
                 position: tuple[float, float], articles: _ArticleTable) -> dict[str, Any]:
    return {
        "id": node_id,
        "iri": _text(v),
        "label": _text(d.get("label", v)) or _text(v),
        "group": group,
        "x": position[0],
        "y": position[1],
        "size": _node_size(degree),
        "names": [_text(a) for a in d.get("alt_labels", ())],
        "articles": sorted(articles.add(_text(a)) for a in d.get("articles", ())),
        "mentions": int(d.get("mention_count", 0) or 0),
        "degree": degree,
    }


def _edge_record(d: Mapping[str, Any], *, edge_id: int, ends: tuple[int, int], pred: int, curve: float | None,
                 articles: _ArticleTable, max_evidence: int) -> dict[str, Any]:
    evidence = list(d.get("evidence", ()))
    edge: dict[str, Any] = {
        "id": edge_id,
        "from": ends[0],
        "to": ends[1],
        "pred": pred,
        "conf": _finite(d.get("confidence"), 0.0),
        "support": int(d.get("support", len(evidence)) or 0),
        "articles": sorted(articles.add(_text(a)) for a in d.get("articles", ())),
        "ev": [[_text(ev.get("sentence")),
                articles.add(_text(ev.get("article_id")), {"title": ev.get("title"), "url": ev.get("url")}),
                _finite(ev.get("confidence"), 0.0),
                _text(ev.get("rule"))] for ev in evidence[:max_evidence]],
    }
    if len(evidence) > max_evidence:
        edge["more"] = len(evidence) - max_evidence
    if curve is not None:
        edge["smooth"] = curve
    return edge


def build_payload(
    graph: nx.MultiDiGraph,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str = "kg",
    seed: int = 0,
    max_evidence: int = DEFAULT_MAX_EVIDENCE,
) -> tuple[dict[str, Any], str]:
    """Everything the page embeds, as plain JSON-able data, and the layout name.

    See the module docstring for the schema. Node ids are positions in ``graph``'s node order,
    edge ids positions in its edge order; nothing depends on dict or set iteration order.
    """
    if not graph.is_multigraph():
        raise TypeError("render_html needs a MultiDiGraph keyed by predicate IRI (see kg.network.to_networkx)")
    articles = _ArticleTable(graph.graph.get("articles") or {})
    positions, layout_name = layout_positions(graph, seed=seed)
    classes, group_of = _class_table(graph)
    node_ids = {v: i for i, v in enumerate(graph)}
    degree = dict(graph.degree())
    nodes = [_node_record(v, d, node_id=node_ids[v], group=group_of[v], degree=degree[v], position=positions[v],
                          articles=articles)
             for v, d in graph.nodes(data=True)]

    raw_edges = list(graph.edges(keys=True, data=True))
    predicates = _predicate_table(raw_edges)
    pred_index = {p["iri"]: i for i, p in enumerate(predicates)}
    ends = [(node_ids[s], node_ids[o]) for s, o, _, _ in raw_edges]
    edges = [_edge_record(d, edge_id=i, ends=ends[i], pred=pred_index[_text(key)], curve=curve, articles=articles,
                          max_evidence=max_evidence)
             for i, ((_, _, key, d), curve) in enumerate(zip(raw_edges, _curvatures(ends)))]

    first = initial_nodes(graph, max_nodes)
    initial = None if first is None else sorted(node_ids[v] for v in first)
    loaded = set(range(len(nodes))) if initial is None else set(initial)
    shown_edges = sum(1 for a, b in ends if a in loaded and b in loaded)
    payload = {
        "version": 1,
        "title": title,
        "counts": {"nodes": len(nodes), "edges": len(edges), "initialNodes": len(loaded), "initialEdges": shown_edges},
        "config": {"factsPage": FACTS_PAGE},
        "options": _vis_options(large=len(loaded) >= LARGE_GRAPH, groups={c["group"]: c["color"] for c in classes},
                                seed=seed),
        "classes": classes,
        "predicates": predicates,
        "articles": articles.rows,
        "initial": initial,
        "nodes": nodes,
        "edges": edges,
    }
    return payload, layout_name


# --------------------------------------------------------------------------- page


def _static(name: str) -> str:
    return resources.files("kg").joinpath("static", name).read_text(encoding="utf-8")


@cache
def _vis_network_js() -> str:
    """vis-network 9.1.2 as bundled with the installed pyvis (never fetched from the network)."""
    try:
        path = resources.files("pyvis").joinpath(*_VIS_JS)
        return path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as err:  # pragma: no cover - pyvis is pinned
        raise RuntimeError(f"vis-network not found in the installed pyvis package ({'/'.join(_VIS_JS)}): {err}") from err


@cache
def _page_parts() -> tuple[Template, dict[str, str]]:
    """The page's template and its fixed parts: the inlined scripts, the CSS and the policy that
    allows exactly those scripts (read and escaped once per process)."""
    vis = inline_script(_vis_network_js())
    app = inline_script(_static("explorer.js"))
    parts = {"csp": html.escape(_csp([vis, app]), quote=True), "css": _static("explorer.css"), "vis": vis, "app": app}
    return Template(_static("explorer.html")), parts


def render_page(payload: Mapping[str, Any], *, title: str = "kg") -> str:
    """The HTML document for ``payload``: inlined CSS, data, vis-network and explorer script."""
    template, parts = _page_parts()
    return template.substitute(parts, title=html.escape(title, quote=True), data=json_for_script(payload))


def preload() -> None:
    """Load ahead of time what drawing a page needs besides the graph: the layout's numerical
    modules and the page's fixed parts. A build calls it while it waits for its workers, so that
    the page, drawn in a forked process once the graph is resolved, starts with them loaded."""
    import numpy.fft  # noqa: F401 - the layout's (imported on first use otherwise)

    _page_parts()


def render_html(
    graph: nx.MultiDiGraph,
    path: Path,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str = "kg",
    seed: int = 0,
    max_evidence: int = DEFAULT_MAX_EVIDENCE,
) -> RenderStats:
    """Write ``graph`` as one self-contained interactive HTML file.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An entity graph as returned by :func:`kg.network.to_networkx`. Every text in it is
        treated as untrusted.
    path : Path
        Output file; written atomically (a temporary file renamed over it).
    max_nodes : int
        Entities drawn when the page opens (the most connected); the others stay embedded and
        load on search or "expand". Keep it near 2000 for a quick first paint.
    title : str
        Page title and heading.
    seed : int
        Layout seed: the same graph and seed give the same bytes.
    max_evidence : int
        Evidence sentences embedded per fact, most confident first.

    Returns
    -------
    RenderStats
        Counts of embedded and initially drawn nodes and edges, file size, layout used.

    Examples
    --------
    >>> import tempfile
    >>> g = nx.MultiDiGraph(articles={})
    >>> g.add_node("urn:a", label="A", cls="Person")
    >>> stats = render_html(g, Path(tempfile.mkdtemp()) / "g.html")
    >>> stats.nodes, stats.shown_nodes, stats.truncated
    (1, 1, False)
    """
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    if max_evidence < 0:
        raise ValueError(f"max_evidence must not be negative, got {max_evidence}")
    started = time.perf_counter()
    payload, layout_name = build_payload(graph, max_nodes=max_nodes, title=title, seed=seed, max_evidence=max_evidence)
    document = render_page(payload, title=title).encode("utf-8", "replace")
    path = Path(path)
    write_atomic(path, [document])
    counts = payload["counts"]
    return RenderStats(
        path=path,
        nodes=counts["nodes"],
        edges=counts["edges"],
        shown_nodes=counts["initialNodes"],
        shown_edges=counts["initialEdges"],
        bytes=len(document),
        layout=layout_name,
        seconds=round(time.perf_counter() - started, 3),
    )
