"""KnowledgeGraph → RDF: layout, provenance, IRIs, determinism, round trips."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.compare import isomorphic

from kg.export import serialize, union_graph
from kg.ontology import KG, article_graph_iri, entity_iri
from kg.rdf import CORPUS_GRAPH, PREFIXES, clean_literal, to_dataset, write_atomic

_PREFIX_LINES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())

from kgfixtures import sample_graph


def test_one_named_graph_per_article_plus_the_corpus_graph():
    ds = to_dataset(sample_graph())
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert names == {CORPUS_GRAPH} | {article_graph_iri(a) for a in ("a1", "a2", "a3 with spaces/and:odd#chars")}


def test_fact_is_a_plain_triple_in_its_article_graph_with_provenance():
    ds = to_dataset(sample_graph())
    s, o = entity_iri("ana-lopez"), entity_iri("open-letter-a1")
    assert (s, KG.signed, o) in ds.graph(article_graph_iri("a1"))
    rows = list(ds.query("""
        SELECT ?sentence ?start ?end ?rule ?conf ?title WHERE {
          ?f a kg:Fact ; rdf:subject ?s ; rdf:predicate kg:signed ; rdf:object ?o ; kg:evidence ?e .
          ?e kg:sentence ?sentence ; kg:startChar ?start ; kg:endChar ?end ; kg:extractionRule ?rule ;
             kg:confidence ?conf ; kg:sourceArticle ?a . ?a dcterms:title ?title }""",
        initNs={"kg": KG._NS, "rdf": RDF, "dcterms": rdflib.namespace.DCTERMS}, initBindings={"s": s, "o": o}))
    assert len(rows) == 1
    sentence, start, end, rule, conf, title = rows[0]
    assert str(sentence) == "Ana Lopez signed the open letter." and (int(start), int(end)) == (0, 33)
    assert str(rule) == "active" and float(conf) == 0.9 and str(title) == "Letter news"


def test_claims_are_never_plain_triples():
    ds = to_dataset(sample_graph())
    assert (entity_iri("ana-lopez"), KG.signed, entity_iri("pledge-a2")) not in union_graph(ds)
    claims = list(ds.subjects(RDF.type, KG.Claim))
    assert len(claims) == 1


def test_open_relations_live_in_their_own_namespace():
    ds = to_dataset(sample_graph())
    preds = {p for s, p, o in union_graph(ds) if s == entity_iri("acme") and o == entity_iri("globex")}
    assert len(preds) == 1
    p = preds.pop()
    assert str(p).startswith("https://w3id.org/newskg/relation/") and not str(p).startswith(str(KG._NS))
    assert (p, RDF.type, KG.OpenRelation) in union_graph(ds)
    assert (p, RDFS.label, Literal("thank")) in union_graph(ds)


def test_entities_carry_class_superclasses_and_all_names():
    g = union_graph(to_dataset(sample_graph()))
    ana = entity_iri("ana-lopez")
    assert {KG.Actor, KG.Person, KG.Agent, KG.Entity} <= set(g.objects(ana, RDF.type))
    assert g.value(ana, RDFS.label) == Literal("Ana Lopez")
    assert Literal("Lopez") in set(g.objects(ana, rdflib.namespace.SKOS.altLabel))


def test_minted_iris_are_valid_for_any_name():
    ds = to_dataset(sample_graph())
    for term in union_graph(ds).all_nodes():
        if isinstance(term, URIRef):
            assert not any(c in str(term) for c in ' <>"{}|\\^`'), term
    data = serialize(ds, "nt")
    assert isomorphic(rdflib.Graph().parse(data=data, format="nt"), union_graph(ds))


def test_clean_literal_drops_control_characters_and_lone_surrogates():
    assert clean_literal("a\x00b\x07c\nd") == "abc\nd"
    assert "\ud800" not in clean_literal("x\ud800y")


def test_turtle_is_byte_identical_across_processes(tmp_path):
    code = ("import sys; sys.path.insert(0, 'tests'); from kgfixtures import sample_graph; "
            "from kg.rdf import to_dataset; from kg.export import serialize; "
            "sys.stdout.buffer.write(serialize(to_dataset(sample_graph()), sys.argv[1]))")
    root = os.path.dirname(os.path.dirname(__file__))
    for fmt in ("ttl", "trig", "nq"):
        outs = {subprocess.run([sys.executable, "-c", code, fmt], cwd=root, capture_output=True, check=True,
                               env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
        assert len(outs) == 1, fmt


def test_write_atomic_replaces_whole_file_or_nothing(tmp_path):
    path = tmp_path / "graph.ttl"
    write_atomic(path, ["old"])

    def boom():
        yield "new partial"
        raise RuntimeError("disk full")

    try:
        write_atomic(path, boom())
    except RuntimeError:
        pass
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_streaming_writers_match_the_rdflib_dataset():
    import io

    from kg.rdf import graph_blocks, union_blocks
    from kg.serialize import trig_chunks, turtle_chunks

    for kg in (sample_graph(), sample_graph(poison=True)):
        ds = to_dataset(kg)
        ttl = "".join(turtle_chunks(union_blocks(kg)))
        assert isomorphic(rdflib.Graph().parse(data=ttl, format="turtle"), union_graph(ds))
        back = rdflib.Dataset()
        back.parse(data="".join(trig_chunks(graph_blocks(kg))), format="trig")
        named = {g.identifier for g in ds.graphs() if len(g)}
        assert named == {g.identifier for g in back.graphs() if len(g)}
        for name in named:
            assert isomorphic(back.graph(name), ds.graph(name)), name


def test_turtle_terms_escape_everything_untrusted():
    from kg.serialize import term

    nasty = Literal('line\nbreak "quoted" back\\slash\ttab')
    parsed = rdflib.Graph().parse(data=f"<urn:s> <urn:p> {term(nasty)} .", format="turtle")
    assert next(iter(parsed.objects())) == nasty
    assert term(URIRef("urn:x y")) == "<urn:x%20y>"


@pytest.mark.parametrize("iri, written", [
    ("https://w3id.org/newskg/id/entity/ana-lopez", "entity:ana-lopez"),
    ("https://w3id.org/newskg/id/entity/a.b_c", "entity:a.b_c"),
    ("https://w3id.org/newskg/id/entity/ends.", "<https://w3id.org/newskg/id/entity/ends.>"),  # no final "."
    ("https://w3id.org/newskg/id/entity/a/b", "<https://w3id.org/newskg/id/entity/a/b>"),  # no "/" in a local name
    ("https://w3id.org/newskg/id/entity/", "<https://w3id.org/newskg/id/entity/>"),  # no empty local name
    ("https://w3id.org/newskg/id/graph/x", "<https://w3id.org/newskg/id/graph/x>"),  # no prefix for graphs
    ("http://www.w3.org/2000/01/rdf-schema#label", "rdfs:label"),
    ("http://www.w3.org/2000/01/rdf-schema#a#b", "<http://www.w3.org/2000/01/rdf-schema#a#b>"),
    ("http://schema.org/Person", "schema:Person"),
    ("https://schema.org/Person", "<https://schema.org/Person>"),
])
def test_iris_are_prefixed_exactly_when_the_rest_is_a_local_name(iri, written):
    from kg.serialize import term

    assert term(URIRef(iri)) == written
    parsed = rdflib.Graph().parse(data=f"{_PREFIX_LINES}<urn:s> <urn:p> {written} .", format="turtle")
    assert next(iter(parsed.objects())) == URIRef(iri)


def _odd_graph():
    """sample_graph plus an entity whose IRI cannot be a prefixed name (written <...>) and
    evidence whose sentence spans lines and carries quotes."""
    import dataclasses

    from kg.model import Entity, Evidence, Fact

    kg = sample_graph(poison=True)
    odd = Entity("café-ünïon", "Café Ünïon", "LaborUnion", ("CU",), 1, ("a2",))
    sentence = 'The "Café Ünïon"\nbacked\tthe letter.\r\n'
    fact = Fact("café-ünïon", "supports", "supports", "open-letter-a1",
                (Evidence("a2", sentence, 3, 40, "active", 0.8, "back", "Café Ünïon", "letter"),))
    return dataclasses.replace(kg, entities=kg.entities + (odd,), facts=kg.facts + (fact,))


def test_turtle_from_trig_is_the_rendered_turtle(tmp_path):
    from kg.rdf import graph_blocks, union_blocks
    from kg.serialize import trig_chunks, turtle_chunks, turtle_from_trig

    for kg in (sample_graph(), _odd_graph()):
        trig = tmp_path / "g.trig"
        trig.write_text("".join(trig_chunks(graph_blocks(kg))), encoding="utf-8")
        expected = "".join(turtle_chunks(union_blocks(kg))).encode("utf-8")
        if kg.entities[-1].key == "café-ünïon":  # the stub of this entity is written as a full IRI
            assert b"<https://w3id.org/newskg/id/entity/caf%C3%A9" in expected
        for piece in (1 << 22, 64, 7):  # blocks cut across the pieces the text is read in
            got = b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in turtle_from_trig(kg, trig, piece=piece))
            assert got == expected, piece


def test_graph_sections_fingerprints_follow_the_records():
    import dataclasses

    from kg.rdf import graph_blocks, graph_sections

    kg = sample_graph()
    first = {g: f for g, f, _ in graph_sections(kg)}
    assert first[CORPUS_GRAPH] is None and all(f for g, f in first.items() if g != CORPUS_GRAPH)
    # The sections hold the same blocks as graph_blocks.
    flat = [(g, b) for g, _, blocks in graph_sections(kg) for b in blocks]
    assert flat == list(graph_blocks(kg))
    # Another title for a2 changes a2's fingerprint only; dropping the article text changes none.
    a1, a2, a3 = kg.articles
    retitled = dataclasses.replace(kg, articles=(a1.without_text(), dataclasses.replace(a2, title="Other"), a3))
    second = {g: f for g, f, _ in graph_sections(retitled)}
    changed = {g for g in first if first[g] != second[g]}
    assert changed == {article_graph_iri("a2")}
    # An evidence sentence that changes changes its article's fingerprint.
    f0 = kg.facts[0]
    ev = dataclasses.replace(f0.evidence[0], sentence="Another sentence.")
    edited = dataclasses.replace(kg, facts=(dataclasses.replace(f0, evidence=(ev,)),) + kg.facts[1:])
    third = {g: f for g, f, _ in graph_sections(edited)}
    assert {g for g in first if first[g] != third[g]} == {article_graph_iri("a1")}


def test_fingerprints_are_the_same_in_every_process():
    code = ("import sys; sys.path.insert(0, 'tests'); from test_rdf import _odd_graph; "
            "from kg.rdf import graph_sections; print([f for _, f, _ in graph_sections(_odd_graph())])")
    root = os.path.dirname(os.path.dirname(__file__))
    outs = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, check=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(outs) == 1 and "None" in outs.pop()


def test_section_writer_joins_consecutive_sections_of_one_graph_like_trig_chunks():
    """Two articles with one id (a hand-built graph) give two sections of one graph:
    trig_section_chunks writes them in one ``{ }``, as trig_chunks does."""
    from kg.model import Article, KnowledgeGraph
    from kg.rdf import graph_blocks, graph_sections
    from kg.serialize import trig_chunks, trig_section_chunks

    kg = KnowledgeGraph((Article("a", "t", title="One"), Article("a", "u", title="Two")), (), ())
    text = "".join(trig_section_chunks(graph_sections(kg, fingerprints=False)))
    assert text == "".join(trig_chunks(graph_blocks(kg)))
    assert text.count(" {\n") == 1
