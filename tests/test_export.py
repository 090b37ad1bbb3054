"""Every export format: RDF formats round-trip to isomorphic graphs; graph formats load."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest
import rdflib
from rdflib import Dataset
from rdflib.compare import isomorphic

from kg.errors import KgError
from kg.export import DATASET_FORMATS, FORMATS, RDF_FORMATS, serialize, union_graph
from kg.rdf import to_dataset

from kgfixtures import sample_graph


@pytest.fixture(scope="module")
def ds():
    return to_dataset(sample_graph(poison=True))


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_formats_round_trip(ds, fmt):
    data = serialize(ds, fmt)
    parser = {"ttl": "turtle", "nt": "nt", "xml": "xml", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]
    back = Dataset(default_union=True)
    back.parse(data=data, format=parser)
    assert isomorphic(union_graph(back), union_graph(ds))
    if fmt in DATASET_FORMATS:
        for g in ds.graphs():
            if len(g):
                assert isomorphic(back.graph(g.identifier), g), (fmt, g.identifier)


def test_graphml_and_gexf_load_with_networkx(ds):
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        g = reader(io.BytesIO(serialize(ds, fmt)))
        assert g.number_of_nodes() == 7, fmt
        assert g.number_of_edges() >= 3, fmt


def test_csv_has_one_row_per_evidence_of_each_fact(ds):
    rows = list(csv.DictReader(io.StringIO(serialize(ds, "csv").decode())))
    assert {r["predicate"].rsplit("#", 1)[-1] for r in rows} >= {"signed", "argues", "supports"}
    assert all(r["sentence"] for r in rows)


def test_unknown_format_is_a_clear_error(ds):
    with pytest.raises(KgError, match="unknown export format 'docx'"):
        serialize(ds, "docx")
    assert "docx" not in FORMATS
