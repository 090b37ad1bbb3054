/* kg explorer: search, filters, legend, neighbourhood highlight and evidence panel over vis-network.
 *
 * Data comes from the inline JSON block #kg-data written by kg/render.py (schema in its module
 * docstring). Everything in it is untrusted text from news articles: this file builds the UI with
 * createElement/textContent only, never innerHTML, and turns a URL into a link only when it parses
 * as http(s). vis-network draws labels on a canvas; node/edge `title` (which vis would put in the
 * DOM) is never set.
 *
 * window.kgExplorer exposes the network, its DataSets and a few actions for tests and power users.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var FACTS_PAGE = data.config.factsPage;     // facts listed in the panel before "show more"
  var TOOLTIP_EVIDENCE = 2;                   // evidence sentences in a hover tooltip
  var NUMBER = new Intl.NumberFormat("en");

  // ------------------------------------------------------------------ indexes over the payload

  var nodeById = new Map();
  data.nodes.forEach(function (n) { nodeById.set(n.id, n); });
  var edgeById = new Map();
  var incident = new Map();                   // node id -> edge ids (both directions)
  data.nodes.forEach(function (n) { incident.set(n.id, []); });
  data.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    incident.get(e.from).push(e.id);
    if (e.to !== e.from) incident.get(e.to).push(e.id);
  });
  var classByGroup = new Map();              // vis group key -> legend entry
  data.classes.forEach(function (c) { classByGroup.set(c.group, c); });
  var searchIndex = null;                     // built on first search

  // ------------------------------------------------------------------ DOM helpers (no innerHTML)

  function $(id) { return document.getElementById(id); }

  /** Element with attributes/properties and children (strings become text nodes). */
  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === null || v === undefined) return;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
        else if (k === "style") Object.keys(v).forEach(function (s) { el.style[s] = v[s]; });
        else el.setAttribute(k, v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  /** The URL if it is an absolute http(s) URL, else null (javascript:, data:, relative...). */
  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      var u = new URL(url);
      return (u.protocol === "http:" || u.protocol === "https:") && u.host ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function fmtConf(c) { return (Math.round(c * 100) / 100).toFixed(2); }
  function plural(n, one, many) { return NUMBER.format(n) + " " + (n === 1 ? one : many); }
  function predicateOf(e) { return data.predicates[e.pred]; }
  function classOf(n) { return classByGroup.get(n.group); }

  /** Article citation: title (a link only for a safe URL, and only if `linked`), date. */
  function citation(articleIndex, extra, linked) {
    var a = data.articles[articleIndex];
    var cite = h("cite");
    if (!a) return cite;
    var name = a.title || a.id;
    var url = linked === false ? null : safeUrl(a.url);
    cite.appendChild(url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", text: name }) : h("span", { text: name }));
    if (a.date) cite.appendChild(document.createTextNode(" · " + a.date));
    if (extra) cite.appendChild(document.createTextNode(" · " + extra));
    return cite;
  }

  // ------------------------------------------------------------------ vis data and filters

  var state = {
    hiddenClasses: new Set(),                 // vis group keys
    hiddenPredicates: new Set(),
    article: -1,
    minConfidence: 0,
    minSupport: 1,
    loaded: new Set(data.initial === null ? data.nodes.map(function (n) { return n.id; }) : data.initial),
  };

  function nodePasses(n) {
    if (state.hiddenClasses.has(n.group)) return false;
    return state.article < 0 || n.articles.indexOf(state.article) >= 0;
  }

  function edgePasses(e) {
    if (state.hiddenPredicates.has(e.pred) || e.conf < state.minConfidence || e.support < state.minSupport) return false;
    if (state.article >= 0 && e.articles.indexOf(state.article) < 0) return false;
    return nodePasses(nodeById.get(e.from)) && nodePasses(nodeById.get(e.to));
  }

  function visEdge(e) {
    var item = { id: e.id, from: e.from, to: e.to, label: predicateOf(e).label };
    if (e.smooth) item.smooth = { enabled: true, type: "curvedCW", roundness: e.smooth };
    if (predicateOf(e).open) item.dashes = true;
    return item;
  }

  function loadedEdges(nodeIds) {
    var out = [];
    var seen = new Set();
    nodeIds.forEach(function (id) {
      incident.get(id).forEach(function (eid) {
        if (seen.has(eid)) return;
        var e = edgeById.get(eid);
        if (state.loaded.has(e.from) && state.loaded.has(e.to)) { seen.add(eid); out.push(visEdge(e)); }
      });
    });
    return out;
  }

  var nodes = new vis.DataSet(data.nodes.filter(function (n) { return state.loaded.has(n.id); }));
  var edges = new vis.DataSet(loadedEdges(Array.from(state.loaded)));
  var nodeView = new vis.DataView(nodes, { filter: function (item) { return nodePasses(nodeById.get(item.id)); } });
  var edgeView = new vis.DataView(edges, { filter: function (item) { return edgePasses(edgeById.get(item.id)); } });
  var container = $("kg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, data.options);

  /** Add nodes (ids) that are not loaded yet, with the edges that now connect loaded nodes. */
  function load(ids) {
    var fresh = ids.filter(function (id) { return nodeById.has(id) && !state.loaded.has(id); });
    if (!fresh.length) return 0;
    fresh.forEach(function (id) { state.loaded.add(id); });
    nodes.add(fresh.map(function (id) { return nodeById.get(id); }));
    edges.add(loadedEdges(fresh).filter(function (e) { return !edges.get(e.id); }));
    updateStatus();
    return fresh.length;
  }

  function hiddenNeighbours(id) {
    var out = new Set();
    incident.get(id).forEach(function (eid) {
      var e = edgeById.get(eid);
      var other = e.from === id ? e.to : e.from;
      if (!state.loaded.has(other)) out.add(other);
    });
    return Array.from(out);
  }

  /** Load a node's hidden neighbours and frame the neighbourhood (they may be far away). */
  function expand(id) {
    var fresh = hiddenNeighbours(id);
    var added = load(fresh);
    if (added) {
      var shown = [id].concat(fresh).filter(function (n) { return nodeView.get(n) !== null; });
      network.fit({ nodes: shown, maxZoomLevel: 1.2, animation: false });
    }
    if (network.getSelectedNodes().indexOf(id) >= 0) showNode(id);
    return added;
  }

  function refresh() {
    clearHighlight();
    nodeView.refresh();
    edgeView.refresh();
    updateStatus();
  }

  // ------------------------------------------------------------------ status line and banner

  function updateStatus() {
    $("kg-summary").textContent =
      "Showing " + NUMBER.format(nodeView.length) + " of " + plural(data.counts.nodes, "entity", "entities") +
      " and " + NUMBER.format(edgeView.length) + " of " + plural(data.counts.edges, "fact", "facts") + ".";
    var banner = $("kg-banner");
    if (state.loaded.size < data.counts.nodes) {
      banner.hidden = false;
      banner.textContent =
        "Large graph: opened on the " + NUMBER.format(data.counts.initialNodes) + " most connected of " +
        plural(data.counts.nodes, "entity", "entities") + " (" + NUMBER.format(state.loaded.size) +
        " loaded). Search, or select a node and expand its neighbours, to see more.";
    } else {
      banner.hidden = true;
    }
  }

  // ------------------------------------------------------------------ hover: tooltip and highlight

  var tooltip = $("kg-tooltip");
  var highlighted = null;                     // {nodes: [...], edges: [...]} drawn over a veil

  function neighbourhood(id) {
    var keep = new Set([id]);
    var through = [];
    incident.get(id).forEach(function (eid) {
      if (edgeView.get(eid) === null) return;  // not loaded or filtered out
      var e = edgeById.get(eid);
      keep.add(e.from); keep.add(e.to); through.push(eid);
    });
    return { nodes: Array.from(keep).filter(function (n) { return nodeView.get(n) !== null; }), edges: through };
  }

  /* Hover highlight without touching the DataSets (every DataSet event makes vis recompute the
   * whole graph, ~70 ms at 2000 nodes): after vis has drawn, veil the canvas in translucent white
   * and draw the neighbourhood again on top, with vis's own node and edge painters. */
  function highlight(id) { highlighted = neighbourhood(id); }

  function clearHighlight() { highlighted = null; }

  function drawHighlight(ctx) {
    var body = network.body;
    if (!highlighted || !body || !body.nodes) return;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "rgba(255, 255, 255, 0.78)";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
    var edgesToDraw = highlighted.edges.map(function (eid) { return body.edges[eid]; })
      .filter(function (e) { return e && e.connected && typeof e.draw === "function"; });
    edgesToDraw.forEach(function (e) { e.draw(ctx); });
    edgesToDraw.forEach(function (e) { e.drawArrows(ctx); });
    var labels = [];
    highlighted.nodes.forEach(function (nid) {
      var n = body.nodes[nid];
      if (!n || typeof n.draw !== "function") return;
      var drawn = n.draw(ctx);
      if (drawn && drawn.drawExternalLabel) labels.push(drawn.drawExternalLabel);
    });
    labels.forEach(function (draw) { draw(); });
  }

  function evidenceQuote(ev) {                 // tooltips ignore the pointer: no links in them
    return h("blockquote", null, ev[0], citation(ev[1], null, false));
  }

  function placeTooltip(pointer) {
    var box = container.getBoundingClientRect();
    tooltip.hidden = false;
    var x = Math.min(pointer.DOM.x + 14, box.width - tooltip.offsetWidth - 8);
    var y = pointer.DOM.y + 14;
    if (y + tooltip.offsetHeight > box.height - 8) y = Math.max(8, pointer.DOM.y - tooltip.offsetHeight - 14);
    tooltip.style.left = Math.max(8, x) + "px";
    tooltip.style.top = y + "px";
  }

  function nodeTooltip(id, pointer) {
    var n = nodeById.get(id);
    var cls = classOf(n);
    var facts = incident.get(id).map(function (eid) { return edgeById.get(eid); })
      .sort(function (a, b) { return b.conf - a.conf || a.id - b.id; });
    clear(tooltip).appendChild(h("div", { class: "kg-tip-title", text: n.label }));
    tooltip.appendChild(h("div", { class: "kg-tip-meta", text: (cls ? cls.label : "") + " · " +
      plural(facts.length, "fact", "facts") + " · " + plural(n.articles.length, "article", "articles") }));
    var shown = 0;
    for (var i = 0; i < facts.length && shown < TOOLTIP_EVIDENCE; i++) {
      if (facts[i].ev.length) { tooltip.appendChild(evidenceQuote(facts[i].ev[0])); shown++; }
    }
    placeTooltip(pointer);
  }

  function edgeTooltip(id, pointer) {
    var e = edgeById.get(id);
    clear(tooltip).appendChild(h("div", { class: "kg-tip-title",
      text: nodeById.get(e.from).label + " — " + predicateOf(e).label + " → " + nodeById.get(e.to).label }));
    tooltip.appendChild(h("div", { class: "kg-tip-meta", text: "confidence " + fmtConf(e.conf) + " · " +
      plural(e.support, "sentence", "sentences") + " · " + plural(e.articles.length, "article", "articles") }));
    e.ev.slice(0, TOOLTIP_EVIDENCE).forEach(function (ev) { tooltip.appendChild(evidenceQuote(ev)); });
    placeTooltip(pointer);
  }

  function hideTooltip() { tooltip.hidden = true; }

  // ------------------------------------------------------------------ side panel

  var panel = $("kg-panel");

  /** Show or hide the panel; the drawing area changes width, so resize the canvas now. */
  function setPanelOpen(open) {
    if (panel.hidden === !open) return;
    panel.hidden = !open;
    network.setSize();                        // keeps the view's centre
    network.redraw();
  }

  function closePanel() {
    setPanelOpen(false);
    clear(panel);
    network.unselectAll();
  }

  function panelHeader(title) {
    return h("header", null, h("h2", { text: title }),
      h("button", { type: "button", class: "kg-close", "aria-label": "Close details", title: "Close", onclick: closePanel }, "×"));
  }

  function entityButton(id) {
    return h("button", { type: "button", class: "kg-entity", onclick: function () { focusNode(id); } }, nodeById.get(id).label);
  }

  function evidenceList(e) {
    var list = h("ul", { class: "kg-evidence" });
    e.ev.forEach(function (ev) {
      list.appendChild(h("li", null, h("blockquote", null, ev[0], citation(ev[1], "confidence " + fmtConf(ev[2]) + (ev[3] ? " · " + ev[3] : "")))));
    });
    if (e.more) list.appendChild(h("li", { class: "kg-more", text: "… and " + plural(e.more, "more sentence", "more sentences") + " not embedded in this page." }));
    return list;
  }

  function factItem(e) {
    var p = predicateOf(e);
    return h("li", { class: "kg-fact", "data-edge": String(e.id) },
      h("div", { class: "kg-fact-head" },
        entityButton(e.from),
        h("span", { class: "kg-predicate" + (p.open ? " kg-open" : ""), text: p.label }),
        entityButton(e.to),
        h("span", { class: "kg-badge", title: "confidence", text: fmtConf(e.conf) }),
        h("span", { class: "kg-badge", text: plural(e.articles.length, "article", "articles") })),
      evidenceList(e));
  }

  function factList(edgeIds) {
    var list = h("ol", { class: "kg-facts" });
    var sorted = edgeIds.map(function (id) { return edgeById.get(id); })
      .sort(function (a, b) { return b.conf - a.conf || a.id - b.id; });
    function page(from) {
      sorted.slice(from, from + FACTS_PAGE).forEach(function (e) { list.appendChild(factItem(e)); });
      if (from + FACTS_PAGE < sorted.length) {
        var rest = sorted.length - from - FACTS_PAGE;
        var more = h("li", { class: "kg-more" }, h("button", { type: "button", class: "kg-button", onclick: function () {
          list.removeChild(more); page(from + FACTS_PAGE);
        } }, "Show " + plural(rest, "more fact", "more facts")));
        list.appendChild(more);
      }
    }
    page(0);
    return list;
  }

  function showNode(id) {
    var n = nodeById.get(id);
    var cls = classOf(n);
    clear(panel);
    panel.appendChild(panelHeader(n.label));
    var types = cls ? [cls.label].concat(cls.ancestors) : [];
    panel.appendChild(h("p", { class: "kg-types", text: types.join(" › ") }));
    if (n.names.length) {
      panel.appendChild(h("h3", { text: "Also known as" }));
      var names = h("ul", { class: "kg-names" });
      n.names.forEach(function (name) { names.appendChild(h("li", { text: name })); });
      panel.appendChild(names);
    }
    panel.appendChild(h("p", { class: "kg-types", text: plural(n.mentions, "mention", "mentions") + " · " +
      plural(n.degree, "fact", "facts") + " · " + plural(n.articles.length, "article", "articles") }));
    var hidden = hiddenNeighbours(id);
    if (hidden.length) {
      panel.appendChild(h("button", { type: "button", class: "kg-button", id: "kg-expand", onclick: function () { expand(id); } },
        "Expand " + plural(hidden.length, "hidden neighbour", "hidden neighbours")));
    }
    panel.appendChild(h("h3", { text: "Facts" }));
    panel.appendChild(factList(incident.get(id)));
    if (n.articles.length) {
      panel.appendChild(h("h3", { text: "Articles" }));
      var arts = h("ul", { class: "kg-evidence" });
      n.articles.forEach(function (a) { arts.appendChild(h("li", null, citation(a))); });
      panel.appendChild(arts);
    }
    setPanelOpen(true);
    panel.scrollTop = 0;
  }

  function showEdge(id) {
    var e = edgeById.get(id);
    clear(panel);
    panel.appendChild(panelHeader(predicateOf(e).label));
    panel.appendChild(h("p", { class: "kg-types", text: (predicateOf(e).open ? "Open relation" : "Relation") +
      " · confidence " + fmtConf(e.conf) + " · " + plural(e.support, "sentence", "sentences") }));
    var list = h("ol", { class: "kg-facts" });
    list.appendChild(factItem(e));
    panel.appendChild(list);
    setPanelOpen(true);
    panel.scrollTop = 0;
  }

  // ------------------------------------------------------------------ focusing, search

  /** Make a node visible (loading it, clearing filters that hide it), select and centre it. */
  function focusNode(id) {
    if (typeof id === "string") {
      var byIri = data.nodes.find(function (n) { return n.iri === id; });
      if (!byIri) return false;
      id = byIri.id;
    }
    var n = nodeById.get(id);
    if (!n) return false;
    load([id]);
    if (!nodePasses(n)) {
      state.hiddenClasses.delete(n.group);
      state.article = -1;
      $("kg-article").value = "-1";
      syncLegend();
      refresh();
    }
    network.selectNodes([id]);
    showNode(id);                             // first: the panel narrows the drawing
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    return true;
  }

  function buildSearchIndex() {
    return data.nodes.map(function (n) {
      return { id: n.id, keys: [n.label].concat(n.names).map(function (s) { return s.toLocaleLowerCase(); }) };
    });
  }

  /** Node ids whose names match `query`, best first: exact, prefix, word prefix, substring. */
  function search(query, limit) {
    var q = query.trim().toLocaleLowerCase();
    if (!q) return [];
    searchIndex = searchIndex || buildSearchIndex();
    var hits = [];
    searchIndex.forEach(function (entry) {
      var best = 4;
      entry.keys.forEach(function (k) {
        var at = k.indexOf(q);
        if (at < 0) return;
        var score = k === q ? 0 : at === 0 ? 1 : /[\s\-(]/.test(k.charAt(at - 1)) ? 2 : 3;
        if (score < best) best = score;
      });
      if (best < 4) hits.push({ id: entry.id, score: best });
    });
    hits.sort(function (a, b) {
      var na = nodeById.get(a.id), nb = nodeById.get(b.id);
      return a.score - b.score || nb.degree - na.degree || (na.label < nb.label ? -1 : na.label > nb.label ? 1 : a.id - b.id);
    });
    return hits.slice(0, limit).map(function (x) { return x.id; });
  }

  function showResults(ids, query) {
    var list = clear($("kg-results"));
    if (!query.trim()) return;
    if (!ids.length) { list.appendChild(h("li", { class: "kg-empty", text: "No entity matches." })); return; }
    ids.forEach(function (id) {
      var n = nodeById.get(id);
      var cls = classOf(n);
      list.appendChild(h("li", null, h("button", { type: "button", "data-node": String(id), onclick: function () { focusNode(id); } },
        n.label, h("span", { class: "kg-result-class", text: cls ? cls.label : "" }))));
    });
  }

  // ------------------------------------------------------------------ sidebar controls

  function syncLegend() {
    Array.prototype.forEach.call($("kg-legend").querySelectorAll("button[data-group]"), function (b) {
      b.setAttribute("aria-pressed", String(!state.hiddenClasses.has(b.getAttribute("data-group"))));
    });
  }

  function buildLegend() {
    var legend = $("kg-legend");
    data.classes.forEach(function (c) {
      legend.appendChild(h("li", null, h("button", {
        type: "button", "data-class": c.name, "data-group": c.group, "aria-pressed": "true", title: "Show or hide " + c.label,
        onclick: function () {
          if (state.hiddenClasses.has(c.group)) state.hiddenClasses.delete(c.group); else state.hiddenClasses.add(c.group);
          syncLegend(); refresh();
        } }, h("span", { class: "kg-swatch", style: { backgroundColor: c.color } }), c.label,
        h("span", { class: "kg-count", text: NUMBER.format(c.count) }))));
    });
    $("kg-classes-all").addEventListener("click", function () { state.hiddenClasses.clear(); syncLegend(); refresh(); });
    $("kg-classes-none").addEventListener("click", function () {
      data.classes.forEach(function (c) { state.hiddenClasses.add(c.group); }); syncLegend(); refresh();
    });
  }

  function buildPredicateFilter() {
    var list = $("kg-predicates");
    data.predicates.forEach(function (p, i) {
      var box = h("input", { type: "checkbox", value: String(i), onchange: function () {
        if (box.checked) state.hiddenPredicates.delete(i); else state.hiddenPredicates.add(i);
        refresh();
      } });
      box.checked = true;
      list.appendChild(h("li", null, h("label", { class: p.open ? "kg-open" : null }, box, p.label,
        h("span", { class: "kg-count", text: NUMBER.format(p.count) }))));
    });
  }

  function buildArticleFilter() {
    var select = $("kg-article");
    select.appendChild(h("option", { value: "-1", text: "All articles (" + NUMBER.format(data.articles.length) + ")" }));
    data.articles.forEach(function (a, i) {
      select.appendChild(h("option", { value: String(i), text: (a.date ? a.date + " — " : "") + (a.title || a.id) }));
    });
    select.addEventListener("change", function () { state.article = Number(select.value); refresh(); });
  }

  /* Each refresh makes vis recompute the drawing (~0.1 s at 2000 nodes): while the slider is
   * dragged only the number follows it live, the graph catches up when the value rests. */
  function buildConfidenceFilter() {
    var range = $("kg-confidence");
    var timer = null;
    function apply() {
      clearTimeout(timer);
      if (state.minConfidence === Number(range.value)) return;
      state.minConfidence = Number(range.value);
      refresh();
    }
    range.addEventListener("input", function () {
      $("kg-confidence-value").textContent = fmtConf(Number(range.value));
      clearTimeout(timer);
      timer = setTimeout(apply, 150);
    });
    range.addEventListener("change", apply);
  }

  /* Minimum support: how many sentences must state a fact for it to be drawn. */
  function buildSupportFilter() {
    var input = $("kg-support");
    input.addEventListener("change", function () {
      var value = Math.max(1, Math.floor(Number(input.value) || 1));
      input.value = String(value);
      if (state.minSupport === value) return;
      state.minSupport = value;
      refresh();
    });
  }

  function resetFilters() {
    state.hiddenClasses.clear(); state.hiddenPredicates.clear(); state.article = -1; state.minConfidence = 0;
    state.minSupport = 1;
    $("kg-support").value = "1";
    $("kg-article").value = "-1";
    $("kg-confidence").value = "0";
    $("kg-confidence-value").textContent = fmtConf(0);
    Array.prototype.forEach.call($("kg-predicates").querySelectorAll("input"), function (b) { b.checked = true; });
    syncLegend(); refresh();
  }

  function buildSearch() {
    var input = $("kg-search");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { showResults(search(input.value, 10), input.value); }, 120);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      clearTimeout(timer);
      var ids = search(input.value, 10);
      showResults(ids, input.value);
      if (ids.length) focusNode(ids[0]);
    });
  }

  // ------------------------------------------------------------------ wiring

  buildLegend();
  buildPredicateFilter();
  buildArticleFilter();
  buildConfidenceFilter();
  buildSupportFilter();
  buildSearch();
  $("kg-reset").addEventListener("click", resetFilters);
  $("kg-fit").addEventListener("click", function () { network.fit({ animation: false }); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { closePanel(); hideTooltip(); }
    else if (ev.key === "/" && document.activeElement === document.body) { ev.preventDefault(); $("kg-search").focus(); }
  });

  network.on("afterDrawing", drawHighlight);
  network.on("hoverNode", function (p) { highlight(p.node); nodeTooltip(p.node, p.pointer); });
  network.on("blurNode", function () { clearHighlight(); hideTooltip(); });
  network.on("hoverEdge", function (p) { edgeTooltip(p.edge, p.pointer); });
  network.on("blurEdge", hideTooltip);
  container.addEventListener("mouseleave", function () {  // vis only blurs on a move inside the canvas
    if (!highlighted && tooltip.hidden) return;
    clearHighlight(); hideTooltip(); network.redraw();
  });
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);
  network.on("click", function (p) {
    hideTooltip();
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
    else closePanel();
  });

  var api = {
    network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, data: data,
    focusNode: focusNode, expand: expand, search: search, ready: false,
    /** Node ids drawn over the veil while a node is hovered (empty otherwise). */
    highlightedNodes: function () { return highlighted ? highlighted.nodes.slice().sort(function (a, b) { return a - b; }) : []; },
  };
  window.kgExplorer = api;
  network.once("afterDrawing", function () {
    api.ready = true;
    document.documentElement.setAttribute("data-kg-ready", "true");
    if (window.performance && performance.mark) performance.mark("kg-ready");
  });
  updateStatus();
  network.fit({ animation: false });
})();
