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


def test_page_started_early_gives_the_same_files(tmp_path: Path) -> None:
    reference = write_outputs(BuildResult(sample_graph()), tmp_path / "ref")
    graph = sample_graph()
    with pipeline.Outputs(tmp_path / "early") as outputs:
        outputs.start(graph)  # as build(on_resolved=...) does, before the store's sync
        paths = outputs.write(BuildResult(graph))
    for name, path in reference.items():
        assert paths[name].read_bytes() == path.read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "early").iterdir()) == ["graph.html", "graph.trig", "graph.ttl"]


def test_a_preloaded_page_is_the_same_page(tmp_path: Path) -> None:
    reference = write_outputs(BuildResult(sample_graph()), tmp_path / "ref")
    with pipeline.Outputs(tmp_path / "pre") as outputs:
        assert [outputs.preload(), outputs.preload()] == [True, False]  # two steps, then no more
        paths = outputs.write(BuildResult(sample_graph()))
    for name, path in reference.items():
        assert paths[name].read_bytes() == path.read_bytes(), name


def test_a_build_failing_after_the_page_started_leaves_nothing_staged(tmp_path: Path) -> None:
    write_outputs(BuildResult(sample_graph()), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(RuntimeError):
        with pipeline.Outputs(tmp_path) as outputs:
            outputs.start(sample_graph(poison=True))
            job = outputs._html
            raise RuntimeError("the store's sync failed")
    assert job.process is None or not job.process.is_alive()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_no_article_to_parse_loads_no_model(monkeypatch) -> None:
    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    import kg.nlp

    monkeypatch.setattr(kg.nlp, "load_model", no_model)
    timings = pipeline.Timings()
    assert list(pipeline.extract_articles(iter(()), timings=timings)) == []
    with pytest.raises(AssertionError, match="model was loaded"):
        list(pipeline.extract_articles([sample_graph().articles[0]]))


def test_staged_files_of_dead_runs_go_those_of_live_runs_stay(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    live = "1"  # init: always running
    names = [f".graph.ttl.staged-{dead}", f"..graph.html.staged-{dead}.abc123.tmp", f".graph.trig.staged-{live}",
             ".graph.ttl.staged"]
    for name in names:
        (tmp_path / name).write_text("x")
    write_outputs(BuildResult(sample_graph()), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".graph.trig.staged-{live}", "graph.html", "graph.trig",
                                                          "graph.ttl"]


def test_extraction_stream_spaces_collections_and_restores_the_settings(nlp) -> None:
    """While the stream runs, objects alive before it are frozen and young collections are
    spaced out; the caller's settings come back when it ends or is abandoned."""
    import gc

    from kg.model import Article

    articles = [Article(id=f"a{i}", text=f"The union signed agreement {i} with the studio.") for i in range(3)]
    before = gc.get_threshold()
    stream = pipeline.extract_articles(articles)
    next(stream)
    assert gc.get_threshold()[0] == 50_000 and gc.get_freeze_count() > 0
    assert len(list(stream)) == 2
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    stream = pipeline.extract_articles(articles)
    next(stream)
    stream.close()  # abandoned midway
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_collection_spacing_keeps_what_a_caller_froze() -> None:
    import gc

    kept = [object() for _ in range(3)]  # noqa: F841 (alive while frozen)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with pipeline.collection_spaced():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_overlapping_collection_spacing_restores_the_settings_when_the_last_block_ends() -> None:
    """Two streams consumed alternately (or Dask tasks in threads) end in any order."""
    import gc

    before = gc.get_threshold()
    a, b = pipeline.collection_spaced(), pipeline.collection_spaced()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)  # the first to enter leaves first
    assert gc.get_threshold()[0] == 50_000 and gc.get_freeze_count() > 0  # b still runs
    b.__exit__(None, None, None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
