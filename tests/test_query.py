"""Saved SPARQL queries and result formats on a small graph."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kg.errors import QueryError
from kg.query import format_result, load_query_text, parse_param, run_query, run_saved, saved_queries
from kg.rdf import to_dataset

from kgfixtures import sample_graph


@pytest.fixture(scope="module")
def ds():
    return to_dataset(sample_graph())


def test_required_saved_queries_exist():
    assert {"signatories", "arguments", "entity-facts", "class-counts"} <= set(saved_queries())


def test_signatories_with_evidence(ds):
    rows = [tuple(map(str, r)) for r in run_saved(ds, "signatories")]
    assert len(rows) == 1  # the negated pledge is a claim, not a fact
    signer, signer_label, doc, doc_label, conf, sentence, article = rows[0]
    assert (signer_label, doc_label, sentence) == ("Ana Lopez", "open letter", "Ana Lopez signed the open letter.")


def test_arguments(ds):
    assert [(str(r.whoLabel), str(r.whatLabel)) for r in run_saved(ds, "arguments")] == [("Acme", "fair use")]


def test_entity_facts_by_any_name(ds):
    by_alias = {(str(r.subjectLabel), str(r.predicate), str(r.objectLabel)) for r in run_saved(ds, "entity-facts", name=parse_param("lopez"))}
    assert by_alias == {("Ana Lopez", "signed", "open letter")}
    acme = {str(r.predicate) for r in run_saved(ds, "entity-facts", name=parse_param("Acme"))}
    assert acme == {"argues", "thank"}


def test_class_counts(ds):
    counts = {str(r["class"]): int(r.entities) for r in run_saved(ds, "class-counts")}
    assert counts["Company"] == 2 and counts["Letter"] == 2 and counts["Entity"] == 7 and counts["Person"] == 1


def test_confidence_filter(ds):
    strong = {str(r.subjectLabel) for r in run_saved(ds, "strongest-facts", minConfidence=parse_param("0.8"))}
    assert strong == {"Ana Lopez", "Screen Guild"}


def test_result_formats(ds):
    q = load_query_text("arguments")
    assert json.loads(format_result(run_query(ds, q), "json"))["results"]["bindings"][0]["whoLabel"]["value"] == "Acme"
    rows = list(csv.reader(io.StringIO(format_result(run_query(ds, q), "csv"))))
    assert rows[0][:2] == ["who", "whoLabel"] and rows[1][1] == "Acme"
    assert "\t" in format_result(run_query(ds, q), "tsv").splitlines()[0]
    assert format_result(run_query(ds, "ASK { ?s a kg:Fact }"), "table") == "true"
    assert "@prefix" in format_result(run_query(ds, "CONSTRUCT { ?s ?p ?o } WHERE { ?s a kg:Letter ; ?p ?o }"), "table")


def test_bad_queries_are_clear_errors(ds):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        run_query(ds, "SELECT ?x WHERE { ?x ")
    with pytest.raises(QueryError, match="neither SPARQL"):
        load_query_text("no-such-saved-query")
    with pytest.raises(QueryError, match="no such query file"):
        load_query_text("missing.rq")
