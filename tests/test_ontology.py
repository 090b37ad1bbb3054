"""The ontology, the closed namespace and the rule data agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kg.lexicon import load_lexicon
from kg.ontology import CLASSES, KG, PREDICATES, ONTOLOGY_FILE, SHAPES_FILE, is_a, ontology_graph, superclasses

ROOT = Path(__file__).resolve().parents[1]
NS = str(KG._NS)


def _defined_terms() -> set[str]:
    g = ontology_graph()
    return {str(s)[len(NS):] for s in g.subjects(RDF.type, None) if str(s).startswith(NS)}


def _namespace_terms() -> set[str]:
    return set(KG.__annotations__)


def test_every_namespace_term_is_defined_in_the_ontology():
    assert _namespace_terms() - _defined_terms() == set()


def test_every_ontology_term_is_in_the_closed_namespace():
    assert _defined_terms() - _namespace_terms() == set()


def test_unknown_term_is_an_error():
    with pytest.raises(AttributeError):
        KG.notATerm  # noqa: B018


def test_gold_core_vocabulary_is_present():
    core_classes = """Person Actor Director Writer Politician Organization Company LaborUnion GovernmentBody
    Publication ResearchOrganization Campaign Document Letter Agreement CreativeWork Film Character Concept
    LegalConcept Technology Event Place""".split()
    core_predicates = """signed argues secured urges joined advocates supports opposes criticizes warns addressedTo
    memberOf worksFor knownFor playedRole directed gavePermission bans uses recommends documents estimates
    requires sued represents founded leads partneredWith licensed releasedBy developedBy concernedAbout spokeAbout
    replicates produced""".split()
    assert set(core_classes) <= CLASSES <= _defined_terms()
    assert set(core_predicates) <= PREDICATES <= _defined_terms()


@pytest.mark.parametrize("term", sorted(_defined_terms()))
def test_every_term_has_label_and_comment(term):
    g = ontology_graph()
    assert g.value(KG[term], RDFS.label) is not None, term
    assert g.value(KG[term], RDFS.comment) is not None, term


def test_class_hierarchy():
    assert is_a("Actor", "Person") and is_a("LaborUnion", "Organization") and is_a("Letter", "Document")
    assert not is_a("Letter", "Person")
    for cls in CLASSES:
        assert "Entity" in superclasses(cls), cls


def test_predicates_sit_under_related_to():
    g = ontology_graph()
    for p in PREDICATES:
        ancestors = set(g.transitive_objects(KG[p], RDFS.subPropertyOf))
        assert KG.relatedTo in ancestors, p


def test_alignment_to_standard_vocabularies():
    g = ontology_graph()
    external = {str(o) for s, o in g.subject_objects(RDFS.subClassOf) if not str(o).startswith(NS)}
    assert any(x.startswith("http://schema.org/") for x in external)
    assert any(x.startswith("http://xmlns.com/foaf/") for x in external)
    assert any(x.startswith("http://www.w3.org/ns/prov#") for x in external)


def test_code_uses_only_ontology_terms():
    """Every `KG.term` / `KG["term"]` written in the package exists in the ontology."""
    used: set[str] = set()
    for path in (ROOT / "kg").rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"\bKG\.([A-Za-z][A-Za-z_]*)\b", text))
        used |= set(re.findall(r"\bK\.([A-Za-z][A-Za-z_]*)\b", text))  # kg.rdf's fast alias of KG
        used |= set(re.findall(r'\bKG\["([A-Za-z]+)"\]', text))
    assert used, "the scan found no uses at all"
    assert used - _defined_terms() == set()


def test_lexicons_use_only_ontology_terms():
    lex = load_lexicon()
    assert {f.predicate for f in lex.frames.values()} <= PREDICATES
    for table in (lex.head_types, lex.role_types, lex.suffix_types, lex.prefix_types, lex.word_types):
        assert set(table.values()) <= CLASSES
    assert {c for c in lex.ner_types.values() if c} <= CLASSES


def test_queries_use_only_ontology_terms():
    for q in (ROOT / "ontology" / "queries").glob("*.rq"):
        for term in re.findall(r"\bkg:([A-Za-z]+)\b", q.read_text()):
            assert term in _defined_terms(), (q.name, term)


def test_shapes_and_ontology_parse():
    assert len(Graph().parse(SHAPES_FILE)) > 20
    assert (URIRef(NS.rstrip("#")), RDF.type, OWL.Ontology) in Graph().parse(ONTOLOGY_FILE)
