"""write_outputs: the three files together, the HTML page drawn beside the RDF files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import kg.pipeline as pipeline
from kg.errors import KgError
from kg.pipeline import BuildResult, write_outputs
from kgfixtures import sample_graph


def test_write_outputs_writes_parseable_rdf_and_the_page(tmp_path: Path) -> None:
    paths = write_outputs(BuildResult(sample_graph()), tmp_path)
    assert len(Graph().parse(paths["graph.ttl"], format="turtle")) > 0
    assert len(Dataset().parse(paths["graph.trig"], format="trig")) > 0
    assert "Ana Lopez" in paths["graph.html"].read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html", "graph.trig", "graph.ttl"]


def test_a_failed_page_fails_the_write_and_keeps_the_previous_outputs(tmp_path: Path, monkeypatch) -> None:
    write_outputs(BuildResult(sample_graph()), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(*args, **kwargs):
        raise ValueError("layout exploded\nsecond line")

    monkeypatch.setattr(pipeline, "_render_html", broken)  # the forked child inherits the patch
    with pytest.raises(KgError) as err:
        write_outputs(BuildResult(sample_graph(poison=True)), tmp_path)
    message = str(err.value)
    assert "graph.html" in message and "layout exploded" in message and "\n" not in message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing staged left
