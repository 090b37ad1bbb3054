"""SHACL: builds conform; broken graphs are caught."""

from __future__ import annotations

from rdflib import RDFS, Literal

from kg.ontology import KG, entity_iri
from kg.rdf import to_dataset
from kg.validate import validate

from kgfixtures import sample_graph


def test_sample_graph_conforms():
    report = validate(to_dataset(sample_graph()))
    assert report.conforms, report.text


def test_missing_label_and_bad_confidence_are_violations():
    ds = to_dataset(sample_graph())
    g = next(g for g in ds.graphs() if (entity_iri("acme"), RDFS.label, None) in g)
    g.remove((entity_iri("acme"), RDFS.label, None))
    fact = next(ds.subjects(KG.confidence, None))
    for gg in ds.graphs():
        gg.remove((fact, KG.confidence, None))
    next(iter(ds.graphs())).add((fact, KG.confidence, Literal(1.7)))
    report = validate(ds)
    assert not report.conforms and report.violations >= 2
