"""kg.network.to_networkx on small hand-built knowledge graphs (no NLP model involved)."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, Dataset, Graph, URIRef

import kg.network
from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph
from kg.network import entity_class, humanize, local_name, term_label, to_networkx
from kg.ontology import KG, KGR, article_graph_iri, entity_iri
from kg.rdf import to_dataset


def ev(article: str, sentence: str, confidence: float, *, start: int = 0, rule: str = "svo") -> Evidence:
    return Evidence(article, sentence, start, start + len(sentence), rule, confidence, "verb", "s", "o")


ARTICLES = (
    Article("a1", "…", title="Actors sign letter", url="https://news.example/a1", date="2024-05-01"),
    Article("a2", "…", title="Studios answer", url="http://news.example/a2"),
    Article("a3", "…", title=None, url=None),
)
ENTITIES = (
    Entity("aspu-ifa", "ASPU-IFA", "LaborUnion", ("Allied Screen Performers Union", "ASPU"), 7, ("a1", "a2")),
    Entity("open-letter", "open letter", "Letter", (), 3, ("a1",)),
    Entity("studios", "Hollywood studios", "Company", ("the studios",), 4, ("a2",)),
    Entity("ai", "artificial intelligence", "Technology", (), 2, ("a3",)),
    Entity("loner", "Lonely Entity", "Person", (), 1, ("a3",)),
)
FACTS = (
    Fact("aspu-ifa", "signed", "signed", "open-letter",
         (ev("a1", "ASPU-IFA signed the open letter.", 0.7), ev("a2", "The guild signed it.", 0.6, start=40))),
    Fact("open-letter", "addressedTo", "addressed to", "studios", (ev("a1", "The letter is addressed to studios.", 0.9),)),
    Fact("studios", None, "push back on", "aspu-ifa", (ev("a2", "Studios push back on the guild.", 0.5),)),
    Fact("studios", "uses", "use", "ai", (ev("a3", "Studios may not use AI.", 0.8),), status="claim"),
    Fact("ai", "requires", "require", "loner", (ev("a3", "AI might require a loner.", 0.2),), status="candidate"),
)


def make_kg(*, entities=ENTITIES, facts=FACTS, articles=ARTICLES) -> KnowledgeGraph:
    return KnowledgeGraph(tuple(articles), tuple(entities), tuple(facts))


@pytest.fixture(scope="module")
def graph():
    return to_networkx(to_dataset(make_kg()))


def iri(key: str) -> str:
    return str(entity_iri(key))


# --------------------------------------------------------------------------- nodes


def test_one_node_per_entity_and_nothing_else(graph):
    assert graph.number_of_nodes() == len(ENTITIES)
    assert set(graph) == {iri(e.key) for e in ENTITIES}


def test_node_attributes(graph):
    union = graph.nodes[iri("aspu-ifa")]
    assert union["label"] == "ASPU-IFA"
    assert union["cls"] == "LaborUnion"
    assert union["alt_labels"] == ["ASPU", "Allied Screen Performers Union"]
    assert union["articles"] == ["a1", "a2"]
    assert union["mention_count"] == 7
    assert union["degree"] == 2  # signed (out), push back on (in)


def test_isolated_entity_is_kept_with_degree_zero(graph):
    assert graph.nodes[iri("loner")]["degree"] == 0  # its only fact is a candidate
    assert graph.nodes[iri("ai")]["degree"] == 0  # a claim and a candidate


def test_node_articles_include_evidence_articles(graph):
    # "studios" is mentioned in a2 only, but the addressedTo fact about it comes from a1.
    assert graph.nodes[iri("studios")]["articles"] == ["a1", "a2"]


def test_graph_articles_metadata(graph):
    assert graph.graph["articles"] == {
        "a1": {"title": "Actors sign letter", "url": "https://news.example/a1", "date": "2024-05-01"},
        "a2": {"title": "Studios answer", "url": "http://news.example/a2", "date": None},
        "a3": {"title": None, "url": None, "date": None},
    }


# --------------------------------------------------------------------------- edges


def test_edges_are_the_asserted_facts(graph):
    edges = {(s, o, k) for s, o, k in graph.edges(keys=True)}
    assert edges == {
        (iri("aspu-ifa"), iri("open-letter"), str(KG.signed)),
        (iri("open-letter"), iri("studios"), str(KG.addressedTo)),
        (iri("studios"), iri("aspu-ifa"), str(KGR["push-back-on"])),
    }


def test_claims_and_candidates_are_not_edges(graph):
    assert not graph.has_edge(iri("studios"), iri("ai"))
    assert not graph.has_edge(iri("ai"), iri("loner"))


def test_core_edge_attributes(graph):
    d = graph.edges[iri("open-letter"), iri("studios"), str(KG.addressedTo)]
    assert d["predicate"] == "addressedTo"
    assert d["label"] == "addressed to"
    assert d["open"] is False
    assert d["confidence"] == pytest.approx(0.9)
    assert isinstance(d["confidence"], float)
    assert d["support"] == 1 and isinstance(d["support"], int)
    assert d["articles"] == ["a1"]
    assert d["evidence"] == [{
        "sentence": "The letter is addressed to studios.", "article_id": "a1", "title": "Actors sign letter",
        "url": "https://news.example/a1", "confidence": 0.9, "rule": "svo",
    }]


def test_evidence_from_several_articles_most_confident_first(graph):
    d = graph.edges[iri("aspu-ifa"), iri("open-letter"), str(KG.signed)]
    assert d["support"] == 2
    assert d["articles"] == ["a1", "a2"]
    assert d["confidence"] == pytest.approx(1 - 0.3 * 0.4)  # noisy-OR over articles
    assert [e["sentence"] for e in d["evidence"]] == ["ASPU-IFA signed the open letter.", "The guild signed it."]
    assert [e["title"] for e in d["evidence"]] == ["Actors sign letter", "Studios answer"]


def test_open_relation_is_flagged_and_labelled(graph):
    d = graph.edges[iri("studios"), iri("aspu-ifa"), str(KGR["push-back-on"])]
    assert d["open"] is True
    assert d["predicate"] == "push-back-on"
    assert d["label"] == "push back on"


def test_plain_triple_without_fact_becomes_edge():
    ds = to_dataset(make_kg())
    ds.graph(article_graph_iri("a3")).add((entity_iri("ai"), KG.relatedTo, entity_iri("loner")))
    g = to_networkx(ds)
    d = g.edges[iri("ai"), iri("loner"), str(KG.relatedTo)]
    assert (d["confidence"], d["support"], d["articles"], d["evidence"]) == (1.0, 1, ["a3"], [])
    assert d["label"] == "related to"


def test_most_specific_class_wins():
    ds = to_dataset(make_kg())  # types are materialised: ASPU-IFA is also an Organization, Agent...
    assert any(ds.quads((entity_iri("aspu-ifa"), RDF.type, KG.Organization, None)))
    ds.graph(URIRef("urn:x")).add((entity_iri("loner"), RDF.type, KG.Actor))
    g = to_networkx(ds)
    assert g.nodes[iri("loner")]["cls"] == "Actor"  # Person and Actor: Actor is a subclass
    assert g.nodes[iri("aspu-ifa")]["cls"] == "LaborUnion"


def test_resources_typed_only_with_other_vocabularies_are_not_nodes():
    ds = to_dataset(make_kg())
    ds.graph(URIRef("urn:x")).add((URIRef("urn:thing"), RDF.type, URIRef("http://schema.org/Person")))
    assert to_networkx(ds).number_of_nodes() == len(ENTITIES)


# --------------------------------------------------------------------------- inputs, determinism


def test_reads_every_named_graph_without_default_union():
    src = to_dataset(make_kg())
    ds = Dataset(default_union=False)
    for s, p, o, g in src.quads((None, None, None, None)):
        ds.graph(g).add((s, p, o))
    g = to_networkx(ds)
    assert g.number_of_nodes() == len(ENTITIES) and g.number_of_edges() == 3


def test_flattened_graph_gives_the_same_entities_and_facts(graph):
    flat = Graph()
    for s, p, o, _ in to_dataset(make_kg()).quads((None, None, None, None)):
        flat.add((s, p, o))
    g = to_networkx(flat)
    assert list(g.nodes(data=True)) == list(graph.nodes(data=True))
    assert {(s, o, k) for s, o, k in g.edges(keys=True)} == {(s, o, k) for s, o, k in graph.edges(keys=True)}


def test_output_order_does_not_depend_on_input_order(graph):
    shuffled = make_kg(entities=reversed(ENTITIES), facts=reversed(FACTS), articles=reversed(ARTICLES))
    g = to_networkx(to_dataset(shuffled))
    assert list(g.nodes(data=True)) == list(graph.nodes(data=True))
    assert list(g.edges(keys=True, data=True)) == list(graph.edges(keys=True, data=True))
    assert list(g.graph["articles"]) == list(graph.graph["articles"])


def test_empty_dataset():
    g = to_networkx(Dataset())
    assert g.number_of_nodes() == 0 and g.graph["articles"] == {}


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(("name", "label"), [("addressedTo", "addressed to"), ("take-over", "take over"),
                                               ("memberOf", "member of"), ("usedBy_EU", "used by EU")])
def test_humanize(name, label):
    assert humanize(name) == label


def test_local_name_and_term_label():
    assert local_name(str(KG.memberOf)) == "memberOf"
    assert local_name("urn:x") == "urn:x"
    assert term_label(str(KG.LaborUnion)) == "Labor union"
    assert term_label("https://example.org/p/madeUpThing") == "made up thing"
    assert term_label(str(KG.signed), {str(KG.signed): "put name to"}) == "put name to"


def test_entity_class_ignores_non_entity_classes():
    assert entity_class(["Article", "Fact", "Evidence"]) is None
    assert entity_class(["Organization", "Company"]) == "Company"


def test_docstring_examples():
    assert doctest.testmod(kg.network, optionflags=doctest.ELLIPSIS).failed == 0


def test_from_knowledge_graph_equals_the_rdf_route():
    """The fast path (records → networkx) and the RDF path give the same graph, attributes included."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from kgfixtures import sample_graph

    from kg.network import from_knowledge_graph, to_networkx
    from kg.rdf import to_dataset

    for kg in (sample_graph(), sample_graph(poison=True)):
        fast, slow = from_knowledge_graph(kg), to_networkx(to_dataset(kg))
        assert list(fast.nodes(data=True)) == list(slow.nodes(data=True))
        assert list(fast.edges(keys=True, data=True)) == list(slow.edges(keys=True, data=True))
        assert fast.graph == slow.graph


@settings(max_examples=200, deadline=None)
@given(nodes=st.lists(st.lists(st.sampled_from("abcde"), max_size=3), min_size=1, max_size=6),
       edges=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.lists(st.sampled_from("cdefg"), max_size=3)),
                      max_size=12))
def test_degrees_and_articles_match_networkx_definitions(nodes, edges):
    """Each node's degree is networkx's (parallel edges each count, a self-loop twice) and its
    articles are its own plus those of every edge in or out of it, sorted."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for n, arts in enumerate(nodes):
        g.add_node(n, articles=arts)
    for k, (u, v, arts) in enumerate(edges):
        if u < len(nodes) and v < len(nodes):
            g.add_edge(u, v, key=k, articles=arts)
    expected = {n: (g.degree(n), sorted(set(g.nodes[n]["articles"]).union(
        *(d["articles"] for _, _, d in g.in_edges(n, data=True)),
        *(d["articles"] for _, _, d in g.out_edges(n, data=True))))) for n in g}
    kg.network._with_degrees_and_articles(g)
    assert {n: (g.nodes[n]["degree"], g.nodes[n]["articles"]) for n in g} == expected
