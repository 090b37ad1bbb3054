"""Tests of kg.store: the persistent Oxigraph store, its merge view, inference and exports.

Datasets are small and hand-made: kg.model records turned into quads by kg.rdf, or plain triples
in the kg namespace. Graphs are compared by isomorphism or as sets, never as text.
"""

from __future__ import annotations

import csv
import io
import json
import random
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from kg.errors import QueryError
from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph
from kg.ontology import ID, KG, KGR, QUERIES_DIR, article_graph_iri, entity_iri
from kg.rdf import CORPUS_GRAPH, graph_blocks, quads, to_dataset
from kg.serialize import trig_chunks
from kg.store import (
    INFERRED_GRAPH,
    META_GRAPH,
    GraphStore,
    QueryResult,
    QueryTimeoutError,
    StoreError,
    from_ox,
    one_line,
    quad_from_ox,
    quad_to_ox,
    to_ox,
)

# ----------------------------------------------------------------------------- fixtures

CLASSES = {
    "aspu-ifa": ("ASPU-IFA", "LaborUnion"),
    "openai": ("OpenAI", "Company"),
    "letter": ("open letter", "Letter"),
    "scarlett-johansson": ("Scarlett Johansson", "Actor"),
    "consent": ("consent", "LegalConcept"),
    "congress": ("Congress", "GovernmentBody"),
}


def make_kg(articles: dict[str, list[tuple]], *, text: str = "") -> KnowledgeGraph:
    """A KnowledgeGraph from {article id: [(subject key, predicate or None, object key[, status])]}.

    A fact with predicate None is an open relation named by the verb "team up with"; status
    "claim" makes a negated claim instead of an asserted fact.
    """
    arts = tuple(Article(id=a, text=f"Body of {a}. {text}", title=f"Title {a}") for a in sorted(articles))
    mentions: dict[str, set[str]] = {}
    evidence: dict[tuple, list[Evidence]] = {}
    status: dict[tuple, str] = {}
    for a, facts in articles.items():
        for i, (s, p, o, *rest) in enumerate(facts):
            claim = rest == ["claim"]
            mentions.setdefault(s, set()).add(a)
            mentions.setdefault(o, set()).add(a)
            ev = Evidence(a, f"{s} {p or 'team up with'} {o} (sentence {i} of {a}).", 10 * i, 10 * i + 9,
                          "svo", 0.8, p or "team up with", s, o, polarity="negative" if claim else "positive")
            evidence.setdefault((s, p, o), []).append(ev)
            status[(s, p, o)] = "claim" if claim else "fact"
    entities = tuple(
        Entity(key, CLASSES[key][0], CLASSES[key][1], mention_count=len(arts_), articles=tuple(sorted(arts_)))
        for key, arts_ in sorted(mentions.items())
    )
    facts = tuple(
        Fact(s, p, p or "team up with", o, tuple(evs), status=status[(s, p, o)])
        for (s, p, o), evs in sorted(evidence.items(), key=str)
    )
    return KnowledgeGraph(arts, entities, facts)


BASE = {
    "a1": [("aspu-ifa", "signed", "letter"), ("scarlett-johansson", "urges", "consent")],
    "a2": [("aspu-ifa", "signed", "letter"), ("openai", None, "aspu-ifa")],
    "a3": [("congress", "opposes", "openai")],
}


def nquads_set(data: bytes) -> set[str]:
    return {line.strip() for line in data.decode().splitlines() if line.strip()}


def state(store: GraphStore) -> dict[str, set]:
    """Everything in the Oxigraph store, per graph (default graph = merge view), as sets."""
    out: dict[str, set] = {}
    for q in store.store.quads_for_pattern(None, None, None, None):
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        out.setdefault(key, set()).add((q.subject, q.predicate, q.object))
    meta = out.pop(str(META_GRAPH), set())
    out["meta-digests"] = {t for t in meta if "digest" in t[1].value or "tripleCount" in t[1].value}
    return out


@pytest.fixture()
def kg_base() -> KnowledgeGraph:
    return make_kg(BASE)


@pytest.fixture()
def store(kg_base: KnowledgeGraph) -> GraphStore:
    with GraphStore() as st:
        st.sync(quads(kg_base))
        yield st


# ----------------------------------------------------------------------------- term conversion


@pytest.mark.parametrize(
    "term",
    [
        URIRef("https://w3id.org/newskg/id/entity/caf%C3%A9"),
        Literal("plain"),
        Literal("grève", lang="fr"),
        Literal("0.85", datatype=XSD.decimal),
        Literal("12", datatype=XSD.integer),
        Literal('quotes " and \\ and \n newline'),
        Literal("x", datatype=URIRef("https://example.org/dt")),
        BNode("b0"),
    ],
)
def test_term_round_trip(term):
    assert from_ox(to_ox(term)) == term


def test_quad_round_trip_and_default_graph():
    q = (URIRef("urn:s"), URIRef("urn:p"), Literal("o"), URIRef("urn:g"))
    assert quad_from_ox(quad_to_ox(q)) == q
    assert quad_to_ox((*q[:3], None)).graph_name == ox.DefaultGraph()
    assert quad_from_ox(quad_to_ox((*q[:3], None)))[3] is None


def test_invalid_iri_is_reported():
    with pytest.raises(ValueError, match="invalid IRI"):
        to_ox(URIRef("not an iri"))


def test_one_line():
    assert one_line("a\n  b\tc ") == "a b c"
    assert len(one_line("x" * 1000, limit=50)) == 50


# ----------------------------------------------------------------------------- sync and layout


def test_sync_round_trips_the_kg_dataset(store, kg_base):
    expected = to_dataset(kg_base)
    got = store.to_rdflib()
    assert {g.identifier for g in got.graphs() if len(g)} == {g.identifier for g in expected.graphs() if len(g)}
    for g in expected.graphs():
        if len(g):
            assert isomorphic(g, got.graph(g.identifier)), g.identifier
    assert set(store.graphs()) == {str(CORPUS_GRAPH), *(str(article_graph_iri(a)) for a in BASE)}


def test_merge_view_has_each_triple_once(store):
    # aspu-ifa signed the letter in a1 and in a2: two graphs, one triple in the merge.
    signed = store.query("SELECT ?who ?what WHERE { ?who kg:signed ?what }")
    assert len(signed) == 1
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count.rows[0][0]) == len(store) == len(to_dataset(make_kg(BASE)))


def test_queries_agree_with_rdflib(store, kg_base):
    ds = to_dataset(kg_base)
    queries = [
        "SELECT ?who ?doc WHERE { ?who kg:signed ?doc }",
        "SELECT ?f ?s ?o ?sentence WHERE { ?f a kg:Fact ; rdf:subject ?s ; rdf:object ?o ; kg:evidence ?e . "
        "?e kg:sentence ?sentence }",
        "SELECT ?cls (COUNT(?e) AS ?n) WHERE { ?e a ?cls ; kg:mentionCount ?m } GROUP BY ?cls",
        "SELECT ?g ?a WHERE { GRAPH ?g { ?a a kg:Article } }",
    ]
    for q in queries:
        ours = {tuple(r) for r in store.query(q).rows}
        theirs = {tuple(r) for r in ds.query(q, initNs={"kg": KG._NS, "rdf": RDF})}
        assert ours == theirs, q


def test_system_graphs_are_hidden(store):
    rows = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {str(r.g) for r in rows} == set(store.graphs())
    assert not store.query(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    assert b"store#" not in store.export("trig")
    assert str(INFERRED_GRAPH).encode() not in store.export("nquads")


def test_second_sync_without_changes_is_a_noop(store, kg_base):
    before = state(store)
    report = store.sync(quads(kg_base))
    assert report.mode == "noop" and not report.changed and report.unchanged == 4
    assert state(store) == before


def test_changed_article_replaces_only_its_graphs(store):
    changed = dict(BASE, a3=[("congress", "criticizes", "openai")])
    report = store.sync(quads(make_kg(changed)))
    assert report.mode == "transaction"
    assert set(report.replaced) == {str(article_graph_iri("a3")), str(CORPUS_GRAPH)}
    assert report.unchanged == 2 and not report.added and not report.removed
    assert not store.query("ASK { ?s kg:opposes ?o }")
    assert store.query("ASK { ?s kg:criticizes ?o }")


def test_removed_article_is_pruned_but_shared_triples_stay(store):
    report = store.sync(quads(make_kg({k: v for k, v in BASE.items() if k != "a1"})))
    assert report.removed == (str(article_graph_iri("a1")),)
    assert str(article_graph_iri("a1")) not in store.graphs()
    # a2 also says aspu-ifa signed the letter: the triple stays; a1's urges fact goes.
    assert store.query("ASK { ?s kg:signed ?o }")
    assert not store.query("ASK { ?s kg:urges ?o }")


def _random_corpus(rng: random.Random, open_relations: bool = True) -> dict[str, list[tuple]]:
    keys = list(CLASSES)
    preds = ["signed", "urges", "opposes", "supports", "memberOf"] + ([None] if open_relations else [])
    return {
        f"a{i}": [(rng.choice(keys), rng.choice(preds), rng.choice(keys)) for _ in range(rng.randint(1, 3))]
        for i in rng.sample(range(8), rng.randint(1, 6))
    }


@pytest.mark.parametrize("rules", [None, ("subclass", "subproperty", "domain", "range")])
@pytest.mark.parametrize("open_relations", [True, False])
def test_incremental_syncs_equal_a_fresh_build(rules, open_relations):
    """Invariant: whatever the sequence of syncs, the store equals one built from the last input
    (named graphs, merge view, inferred graph, digests). Without open relations no sync changes
    the schema, so the inferred graph is maintained node by node; with them, in full."""
    rng = random.Random(7)
    modes = set()
    with GraphStore(rules=rules) as incremental:
        for _ in range(10):
            kg = make_kg(_random_corpus(rng, open_relations))
            modes.add(incremental.sync(quads(kg)).mode)
            with GraphStore(rules=rules) as fresh:
                fresh.sync(quads(kg))
                assert state(incremental) == state(fresh)
            counted = (incremental._count(ox.DefaultGraph()), incremental._count(ox.NamedNode(str(INFERRED_GRAPH))))
            assert incremental._sizes() == counted  # the bookkeeping counts follow every write
    assert "transaction" in modes


def test_replace_graphs_and_remove_graph(store):
    g = ID["graph/extra"]
    x = ID["entity/x"]
    report = store.replace_graphs({g: [(x, RDF.type, KG.Company), (x, RDFS.label, Literal("X"))]})
    assert report.added == (str(g),)
    assert store.query("ASK { ?x a kg:Organization }", infer=True)
    assert store.replace_graphs({g: [(x, RDF.type, KG.Company), (x, RDFS.label, Literal("X"))]}).mode == "noop"
    store.replace_graphs({g: [(x, RDFS.label, Literal("Ex"))]})
    assert [str(r.l) for r in store.query("SELECT ?l WHERE { ?x rdfs:label ?l }", bindings={"x": x})] == ["Ex"]
    assert store.remove_graph(g) is True
    assert store.remove_graph(g) is False
    assert str(g) not in store.graphs()
    assert not store.query("ASK { ?x rdfs:label 'Ex' }")


def test_remove_article(store):
    assert store.remove_article("a3") is True
    assert str(article_graph_iri("a3")) not in store.graphs()
    assert "a3" not in store.article_hashes()


def test_article_hashes(store, kg_base):
    assert store.article_hashes() == {a.id: a.content_hash for a in kg_base.articles}


def test_system_graph_names_are_refused():
    with GraphStore() as st, pytest.raises(ValueError, match="manages itself"):
        st.sync([(ID["entity/x"], RDFS.label, Literal("x"), INFERRED_GRAPH)])


def test_default_graph_quads_are_refused():
    with GraphStore() as st, pytest.raises(ValueError, match="default graph"):
        st.sync([(ID["entity/x"], RDFS.label, Literal("x"), None)])


def test_blank_nodes_are_skolemised_and_read_back():
    b = BNode("n1")
    with GraphStore() as st:
        st.sync([(b, RDFS.label, Literal("anon"), ID["graph/b"]), (ID["entity/y"], RDFS.seeAlso, b, ID["graph/b"])])
        assert st.query("ASK { ?y rdfs:seeAlso ?b . ?b rdfs:label 'anon' }")
        assert (b, RDFS.label, Literal("anon")) in set(st.triples())
        assert st.sync([(b, RDFS.label, Literal("anon"), ID["graph/b"]),
                        (ID["entity/y"], RDFS.seeAlso, b, ID["graph/b"])]).mode == "noop"


def test_non_canonical_literals_do_not_break_sync():
    # Oxigraph stores "1.50"^^xsd:decimal as 1.5; rewriting the graph must still converge.
    g, x = ID["graph/n"], ID["entity/n"]
    with GraphStore() as st:
        st.sync([(x, KG.confidence, Literal("1.50", datatype=XSD.decimal), g)])
        st.sync([(x, KG.confidence, Literal("1.50", datatype=XSD.decimal), g), (x, RDFS.label, Literal("n"), g)])
        assert [str(r.c) for r in st.query("SELECT ?c WHERE { ?x kg:confidence ?c }")] == ["1.5"]
        st.sync([(x, RDFS.label, Literal("n"), g)])
        assert not st.query("ASK { ?x kg:confidence ?c }")


# ----------------------------------------------------------------------------- inference


def test_subclass_inference_only_with_infer():
    # Hand-made triples: kg.rdf may itself assert some superclasses, this test must not depend on it.
    g = ID["graph/h"]
    with GraphStore() as st:
        st.sync([(entity_iri("u"), RDF.type, KG.LaborUnion, g), (entity_iri("c"), RDF.type, KG.Company, g),
                 (entity_iri("p"), RDF.type, KG.Actor, g)])
        q = "SELECT ?x WHERE { ?x a kg:Organization }"
        assert len(st.query(q)) == 0
        assert {str(r.x) for r in st.query(q, infer=True)} == {str(entity_iri("u")), str(entity_iri("c"))}
        assert {str(r.x) for r in st.query("SELECT ?x WHERE { ?x a kg:Agent }", infer=True)} == {
            str(entity_iri(k)) for k in "ucp"}
        # external superclasses from the ontology too
        assert st.query("ASK { ?x a <http://schema.org/WorkersUnion> }", infer=True)
        assert not st.query("ASK { ?x a <http://schema.org/WorkersUnion> }")


def test_kg_dataset_gains_external_types(store):
    q = "SELECT ?x WHERE { ?x a <http://schema.org/Organization> }"
    assert len(store.query(q)) == 0
    assert {str(r.x) for r in store.query(q, infer=True)} == {
        str(entity_iri(k)) for k in ("aspu-ifa", "openai", "congress")}


def test_subproperty_inference_chain(store):
    # urges ⊑ advocates ⊑ supports ⊑ relatedTo
    for prop in ("advocates", "supports", "relatedTo"):
        q = f"SELECT ?s ?o WHERE {{ ?s kg:{prop} ?o }}"
        assert len(store.query(q)) == 0
        rows = store.query(q, infer=True).rows
        assert (entity_iri("scarlett-johansson"), entity_iri("consent")) in rows


def test_open_relations_are_related_to(store):
    rel = store.query("SELECT ?p WHERE { ?p a kg:OpenRelation }").rows[0][0]
    assert str(rel).startswith(str(KGR))
    assert store.query("ASK { ?s kg:relatedTo ?o . FILTER(?s = entity:openai) }", infer=True)


def test_entailed_triples_are_not_duplicated():
    # An asserted triple that is also entailed is counted once with infer=True.
    g = ID["graph/d"]
    x = ID["entity/d"]
    with GraphStore() as st:
        st.sync([(x, RDF.type, KG.LaborUnion, g), (x, RDF.type, KG.Organization, g)])
        n = st.query("SELECT (COUNT(*) AS ?n) WHERE { ?x a kg:Organization }", infer=True)
        assert int(n.rows[0][0]) == 1


def test_inferences_follow_removals(store):
    store.sync(quads(make_kg({"a3": BASE["a3"]})))
    assert not store.query("ASK { entity:aspu-ifa a kg:Organization }", infer=True)
    assert store.query("ASK { entity:congress a kg:Organization }", infer=True)


def test_ontology_is_visible_with_infer(store):
    assert store.query("ASK { kg:urges rdfs:subPropertyOf kg:relatedTo }", infer=True)  # transitive closure
    assert not store.query("ASK { kg:urges rdfs:subPropertyOf ?p }")


def test_domain_and_range_rules_are_opt_in(store):
    # kg:signed has rdfs:domain kg:Agent: with rdfs2, a letter that "signed" something becomes an
    # Agent, which is why the rule is off by default (extraction errors would spread).
    store.replace_graphs({ID["graph/odd"]: [(entity_iri("letter"), KG.signed, entity_iri("consent"))]})
    q = "ASK { entity:letter a kg:Agent }"
    assert not store.query(q, infer=True)
    store.materialize_inferences(["subclass", "subproperty", "domain", "range"])
    assert store.query(q, infer=True)
    assert store.query("ASK { entity:letter a <http://xmlns.com/foaf/0.1/Agent> }", infer=True)  # then rdfs9
    assert store.sync(quads(make_kg(BASE)), prune=False).mode == "noop"  # the store remembers its rules
    assert store.query(q, infer=True)
    store.materialize_inferences(["subclass", "subproperty"])
    assert not store.query(q, infer=True)


def test_from_clause_and_protocol_dataset(store):
    a3 = article_graph_iri("a3")
    q = f"SELECT ?s WHERE {{ ?s kg:opposes ?o }}"
    assert len(store.query(q, default_graph_uris=[str(a3)])) == 1
    assert len(store.query(q, default_graph_uris=[str(article_graph_iri("a1"))])) == 0
    assert len(store.query(f"SELECT ?s FROM <{a3}> WHERE {{ ?s kg:opposes ?o }}")) == 1
    # FROM replaces the dataset: infer=True has no effect there
    assert len(store.query(f"SELECT ?x FROM <{a3}> WHERE {{ ?x a kg:Organization }}", infer=True)) == 0


# ----------------------------------------------------------------------------- query API


def test_bindings_projected_and_not_projected(store):
    e = entity_iri("aspu-ifa")
    rows = store.query("SELECT ?e ?o WHERE { ?e kg:signed ?o }", bindings={"e": e}).rows
    assert rows == [(e, entity_iri("letter"))]
    # ?e is not projected: Oxigraph refuses to substitute it, a VALUES block is used instead
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?e ?p ?o }", bindings={"?e": e})
    total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?e ?p ?o }")
    assert 0 < int(n.rows[0][0]) < int(total.rows[0][0])


SAVED = sorted(QUERIES_DIR.glob("*.rq"))
PARAMS = {"name": Literal("ASPU-IFA"), "minConfidence": Literal(0.5), "minSupport": Literal(1)}


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_saved_queries_agree_with_rdflib(store, kg_base, path):
    """Each saved query gives the same rows on the store as kg.query's rdflib path, with and
    without its parameters (bound as rdflib initBindings there, substituted here)."""
    from kg.query import run_query

    text = path.read_text(encoding="utf-8")
    rich = make_kg(dict(BASE, a4=[("openai", "argues", "consent"), ("congress", "signed", "letter", "claim"),
                                  ("aspu-ifa", "argues", "consent")]))
    store.sync(quads(rich))
    ds = to_dataset(rich)

    def cells(rows):
        return sorted(tuple("" if c is None else str(c) for c in row) for row in rows)

    params = {k: v for k, v in PARAMS.items() if f"?{k}" in text}
    for bindings in ({}, params) if params else ({},):
        ours = cells(store.query(text, bindings=bindings).rows)
        theirs = cells(run_query(ds, text, bindings))
        assert ours == theirs, (path.stem, bindings)
        assert ours or path.stem not in ("arguments", "claims", "signatories", "class-counts")


def test_result_formats_parse(store):
    q = "SELECT ?who ?label WHERE { ?who kg:signed ?doc ; rdfs:label ?label }"
    res = store.query(q)
    data = json.loads(res.serialize("json"))
    assert data["head"]["vars"] == ["who", "label"]
    assert data["results"]["bindings"][0]["label"]["value"] == "ASPU-IFA"
    root = ET.fromstring(res.serialize("xml"))
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    rows = list(csv.reader(io.StringIO(res.serialize("csv").decode())))
    assert rows == [["who", "label"], [str(entity_iri("aspu-ifa")), "ASPU-IFA"]]
    tsv = res.serialize("tsv").decode().splitlines()
    assert tsv[0] == "?who\t?label" and '"ASPU-IFA"' in tsv[1]
    ask = store.query("ASK { ?s kg:signed ?o }")
    assert bool(ask) and list(ask) == [True]
    assert json.loads(ask.serialize())["boolean"] is True
    assert ET.fromstring(ask.serialize("xml")).find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


@pytest.mark.parametrize("fmt,rdflib_fmt", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                                            ("rdfxml", "xml")])
def test_construct_formats_parse(store, fmt, rdflib_fmt):
    res = store.query("CONSTRUCT { ?s kg:signed ?o } WHERE { ?s kg:signed ?o }")
    assert res.kind == "graph" and len(res) == 1
    g = Graph().parse(data=res.serialize(fmt), format=rdflib_fmt)
    assert isomorphic(g, res.graph())


def test_limit_truncates(store):
    res = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", limit=5)
    assert len(res) == 5 and res.truncated
    res = store.query("SELECT ?s WHERE { ?s kg:signed ?o }", limit=5)
    assert len(res) == 1 and not res.truncated
    res = store.query("CONSTRUCT WHERE { ?s ?p ?o }", limit=3)
    assert len(res) == 3 and res.truncated


def test_rows_and_bindings(store):
    res = store.query("SELECT ?x ?missing WHERE { ?x kg:signed ?o OPTIONAL { ?x kg:nothing ?missing } }")
    assert res.rows == [(entity_iri("aspu-ifa"), None)]
    assert res.bindings() == [{"x": entity_iri("aspu-ifa")}]
    row = next(iter(res))
    assert row.x == entity_iri("aspu-ifa") and row["x"] == row[0]


def test_malformed_query_is_one_line(store):
    with pytest.raises(QueryError) as err:
        store.query("SELECT ?x WHERE { ?x ?p }")
    msg = str(err.value)
    assert msg.startswith("malformed query: error at 1:") and "\n" not in msg


def test_update_is_not_a_query(store):
    before = len(store)
    with pytest.raises(QueryError):
        store.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert len(store) == before


def test_query_result_from_ox_select_and_ask():
    st = ox.Store()
    assert QueryResult.from_ox(st.query("ASK { ?s ?p ?o }")).boolean is False
    res = QueryResult.from_ox(st.query("SELECT ?x WHERE { VALUES ?x { 1 2 } }"))
    assert res.vars == ["x"] and [int(r.x) for r in res] == [1, 2]


# ----------------------------------------------------------------------------- exports


def test_export_trig_preserves_named_graphs(store, kg_base, tmp_path):
    out = tmp_path / "graph.trig"
    store.export("trig", out)
    ds = Dataset()
    ds.parse(out, format="trig")
    expected = to_dataset(kg_base)
    for g in expected.graphs():
        if len(g):
            assert isomorphic(g, ds.graph(g.identifier))
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_turtle_is_the_merge(store, kg_base):
    g = Graph().parse(data=store.export("turtle"), format="turtle")
    merged = Graph()
    for t in to_dataset(kg_base).triples((None, None, None)):
        merged.add(t)
    assert isomorphic(g, merged)
    with_inferred = Graph().parse(data=store.export("turtle", inferred=True), format="turtle")
    assert len(with_inferred) > len(g)


@pytest.mark.parametrize("on_disk", [False, True])
def test_export_is_deterministic(kg_base, tmp_path, on_disk):
    paths = (tmp_path / "one", tmp_path / "two") if on_disk else (None, None)
    with GraphStore(paths[0]) as one, GraphStore(paths[1]) as two:
        one.sync(quads(kg_base))
        two.sync(reversed(list(quads(kg_base))))
        for fmt in ("nquads", "trig", "turtle"):
            assert one.export(fmt) == two.export(fmt), fmt


def test_export_unknown_format(store):
    with pytest.raises(ValueError, match="unknown export format"):
        store.export("docx")


# ----------------------------------------------------------------------------- persistence


def test_persistence_and_read_only(tmp_path, kg_base):
    path = tmp_path / "store"
    with GraphStore(path) as st:
        st.sync(quads(kg_base))
        size = len(st)
    with GraphStore(path, read_only=True) as ro:
        assert len(ro) == size and ro.graphs()
        with pytest.raises(StoreError, match="read-only"):
            ro.sync(quads(kg_base))
    with GraphStore(path) as st:  # reopened read-write: nothing to do
        assert st.sync(quads(kg_base)).mode == "noop"


def test_read_only_handle_refreshes(tmp_path, kg_base):
    path = tmp_path / "store"
    with GraphStore(path) as writer:
        writer.sync(quads(kg_base))
        reader = GraphStore(path, read_only=True)
        writer.remove_article("a3")
        assert str(article_graph_iri("a3")) in reader.graphs()  # a snapshot...
        assert reader.refresh()  # ...until refreshed
        assert str(article_graph_iri("a3")) not in reader.graphs()
        reader.close()


def test_in_memory_replica(tmp_path, kg_base):
    path = tmp_path / "store"
    with GraphStore(path) as writer:
        writer.sync(quads(kg_base))
        replica = GraphStore(path, read_only=True, in_memory=True)
        assert state(replica) == state(writer)
        assert replica.query("ASK { ?s kg:signed ?o }")
        writer.remove_article("a1")
        writer.remove_article("a2")
        assert replica.refresh()  # copies again
        assert not replica.query("ASK { ?s kg:signed ?o }")
        replica.close()
    with pytest.raises(ValueError, match="read_only"):
        GraphStore(path, in_memory=True)


def test_second_writer_is_refused(tmp_path):
    path = tmp_path / "store"
    with GraphStore(path):
        with pytest.raises(StoreError, match="open for writing"):
            GraphStore(path)


def test_missing_store_read_only(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        GraphStore(tmp_path / "nothing", read_only=True)


def test_foreign_oxigraph_store_is_not_overwritten(tmp_path):
    path = tmp_path / "foreign"
    raw = ox.Store(str(path))
    raw.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c")))
    del raw
    with GraphStore(path) as st:
        assert st.foreign
        assert len(st.query("SELECT * WHERE { ?s ?p ?o }")) == 1  # readable
        with pytest.raises(StoreError, match="did not build"):
            st.sync([])


def test_interrupted_bulk_load_is_redone(tmp_path, kg_base):
    path = tmp_path / "store"
    with GraphStore(path) as st:
        st.sync(quads(kg_base))
        # simulate a crash in the middle of a bulk load
        st.store.update(f'DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ ?s <https://w3id.org/newskg/store#state> ?o }} }} ;'
                        f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <https://w3id.org/newskg/store#store> '
                        f'<https://w3id.org/newskg/store#state> "loading" }} }}')
    with GraphStore(path) as st:
        assert st.state == "loading"
        with pytest.raises(StoreError, match="incomplete"):
            st.query("ASK { ?s ?p ?o }")
        report = st.sync(quads(kg_base))
        assert report.mode == "bulk" and st.state == "ok"
        with GraphStore() as fresh:
            fresh.sync(quads(kg_base))
            assert state(st) == state(fresh)


def test_backup_of_memory_store(store, tmp_path):
    copy = store.backup(tmp_path / "copy")
    try:
        assert state(copy) == state(store)
        assert copy.sync(quads(make_kg(BASE))).mode == "noop"
    finally:
        copy.close()


@pytest.mark.slow
def test_query_timeout_stops_a_runaway_query(tmp_path, kg_base):
    with GraphStore(tmp_path / "store") as st:
        st.sync(quads(kg_base))
        with pytest.raises(QueryTimeoutError, match="time limit"):
            st.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", timeout_s=0.5)
        # the worker was replaced: the next query with a timeout works
        assert st.query("ASK { ?s kg:signed ?o }", timeout_s=10)
        rows = st.query("SELECT ?x WHERE { ?x a kg:Organization }", infer=True, timeout_s=10)
        assert len(rows) == 3


def test_timeout_needs_a_disk_store(store):
    with pytest.raises(StoreError, match="on-disk"):
        store.query("ASK { ?s ?p ?o }", timeout_s=1)


def test_sync_sections_reuses_unchanged_graphs_and_equals_a_fresh_build(tmp_path):
    """An incremental sync copies the text of graphs whose records did not change (same
    fingerprint) and still leaves the store as a fresh build of the same input would."""
    from kg.rdf import graph_sections

    rng = random.Random(11)
    corpus = _random_corpus(rng)
    reused = []
    with GraphStore(tmp_path / "inc") as incremental:
        incremental.sync_sections(graph_sections(make_kg(corpus)))
        for i in range(6):
            corpus = dict(corpus)
            corpus[f"new{i}"] = [(rng.choice(list(CLASSES)), "signed", rng.choice(list(CLASSES)))]
            edited = rng.choice(sorted(k for k in corpus if k != f"new{i}"))  # and an earlier one changes
            corpus[edited] = corpus[edited] + [(rng.choice(list(CLASSES)), "opposes", rng.choice(list(CLASSES)))]
            kg = make_kg(corpus)
            report = incremental.sync_sections(graph_sections(kg))
            reused.append(report.reused)
            assert report.reused <= len(corpus) - 2  # the new and the edited article's graphs are written
            with GraphStore() as fresh:
                fresh.sync_sections(graph_sections(kg))
                assert state(incremental) == state(fresh)
            text = tmp_path / "inc" / "kg-dataset.trig"
            assert text.read_bytes() == "".join(trig_chunks(graph_blocks(kg))).encode("utf-8")
    assert max(reused) > 0


def test_sync_sections_does_not_reuse_a_damaged_text(tmp_path):
    from kg.rdf import graph_sections

    kg = make_kg(BASE)
    with GraphStore(tmp_path / "s") as store:
        store.sync_sections(graph_sections(kg))
        text = tmp_path / "s" / "kg-dataset.trig"
        data = text.read_bytes()
        # Damage one article's section in place (same length, so the index still points at it).
        at = data.index(b"kg:Article") + 3
        text.write_bytes(data[:at] + b"X" + data[at + 1:])
        changed = make_kg(dict(BASE, a3=[("congress", "criticizes", "openai")]))
        report = store.sync_sections(graph_sections(changed))
        assert report.mode == "transaction"
        assert text.read_bytes() == "".join(trig_chunks(graph_blocks(changed))).encode("utf-8")
        with GraphStore() as fresh:
            fresh.sync_sections(graph_sections(changed))
            assert state(store) == state(fresh)
