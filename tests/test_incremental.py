"""Incremental builds on the persistent store: the result always equals a fresh build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()

pytestmark = pytest.mark.slow


def _build(out: Path, *paths: Path, extra: tuple[str, ...] = ()) -> str:
    result = runner.invoke(app, ["build", *map(str, paths), "--out", str(out), "-q", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _split(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i, f in enumerate(sorted(EXAMPLES.iterdir())):
        shutil.copy(f, (a if i % 2 else b) / f.name)
    return a, b


def test_rebuild_parses_nothing_and_changes_nothing(tmp_path):
    out = tmp_path / "out"
    _build(out, EXAMPLES)
    first = (out / "graph.ttl").read_bytes()
    again = _build(out, EXAMPLES)
    assert "(0 parsed, 6 unchanged)" in again and "0 graphs added, 0 replaced, 0 removed" in again
    assert (out / "graph.ttl").read_bytes() == first


def test_adding_articles_equals_a_fresh_build(tmp_path):
    a, b = _split(tmp_path)
    inc, fresh = tmp_path / "inc", tmp_path / "fresh"
    _build(inc, a)
    output = _build(inc, b)
    assert "added" in output
    _build(fresh, a, b)
    assert (inc / "graph.ttl").read_bytes() == (fresh / "graph.ttl").read_bytes()
    assert (inc / "graph.trig").read_bytes() == (fresh / "graph.trig").read_bytes()


def test_changed_article_is_reparsed_and_replaced(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    out = tmp_path / "out"
    _build(out, src)
    story = src / "voice-cloning.txt"
    story.write_text(story.read_text() + "\n\nThe Guild of Voice Professionals sued Echovox on Friday.\n")
    output = _build(out, src)
    assert "(1 parsed, 5 unchanged)" in output and "0 graphs added" in output
    assert re.search(r"\b[12] replaced", output)  # the article's graph (and the corpus graph)
    fresh = tmp_path / "fresh"
    _build(fresh, src)
    assert (out / "graph.ttl").read_bytes() == (fresh / "graph.ttl").read_bytes()
    q = runner.invoke(app, ["query", "SELECT ?o WHERE { ?s kg:sued ?o . ?o rdfs:label 'Echovox' }", "--store", str(out / "store")])
    assert "entity/echovox" in q.output


def test_remove_equals_a_build_without_the_article(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    out = tmp_path / "out"
    _build(out, src)
    result = runner.invoke(app, ["remove", "voice-cloning", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (src / "voice-cloning.txt").unlink()
    fresh = tmp_path / "fresh"
    _build(fresh, src)
    assert (out / "graph.ttl").read_bytes() == (fresh / "graph.ttl").read_bytes()
    missing = runner.invoke(app, ["remove", "no-such-article", "--out", str(out)])
    assert missing.exit_code == 3 and "no article 'no-such-article'" in missing.output


def test_query_with_inference_on_the_store(tmp_path):
    out = tmp_path / "out"
    _build(out, EXAMPLES)
    q = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a <http://schema.org/Organization> }"
    plain = runner.invoke(app, ["query", q, "--store", str(out / "store"), "-f", "csv"])
    inferred = runner.invoke(app, ["query", q, "--store", str(out / "store"), "-f", "csv", "--infer"])
    assert plain.output.splitlines()[1] == "0"
    assert int(inferred.output.splitlines()[1]) > 5
    sub = runner.invoke(app, ["query", "SELECT ?s WHERE { ?s kg:supports ?o }", "--store", str(out / "store"),
                              "--infer", "-f", "csv"])
    direct = runner.invoke(app, ["query", "SELECT ?s WHERE { ?s kg:supports ?o }", "--store", str(out / "store"), "-f", "csv"])
    assert len(sub.output.splitlines()) > len(direct.output.splitlines())  # urges/advocates ⊑ supports


def test_fresh_flag_drops_earlier_articles(tmp_path):
    a, b = _split(tmp_path)
    out = tmp_path / "out"
    _build(out, a)
    _build(out, b, extra=("--fresh",))
    only_b = tmp_path / "only_b"
    _build(only_b, b)
    assert (out / "graph.ttl").read_bytes() == (only_b / "graph.ttl").read_bytes()


def test_rebuild_cleans_only_input_that_changed(tmp_path, monkeypatch):
    """Input an earlier build cleaned is not cleaned again (its stored hash stands in), yet the
    outputs are the bytes of a fresh build; an edited article is cleaned, and so is everything
    once the cleaning code or rules change (a new ingest version)."""
    import kg.ingest as ingest

    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    out = tmp_path / "out"
    _build(out, src)
    first = {name: (out / name).read_bytes() for name in ("graph.ttl", "graph.trig")}
    cleaned: list[int] = []
    real = ingest._classify
    monkeypatch.setattr(ingest, "_classify", lambda lines, *a, **k: cleaned.append(len(lines)) or real(lines, *a, **k))

    assert "(0 parsed, 6 unchanged)" in _build(out, src)
    assert cleaned == []
    assert {name: (out / name).read_bytes() for name in first} == first

    story = src / "voice-cloning.txt"
    story.write_text(story.read_text() + "\n\nThe Guild of Voice Professionals sued Echovox on Friday.\n")
    assert "(1 parsed, 5 unchanged)" in _build(out, src)
    assert len(cleaned) == 1
    fresh = tmp_path / "fresh"
    _build(fresh, src)
    assert (out / "graph.trig").read_bytes() == (fresh / "graph.trig").read_bytes()

    cleaned.clear()
    assert "(0 parsed, 6 unchanged)" in _build(out, src)  # the edited article's input is known now
    assert cleaned == []
    monkeypatch.setattr(ingest, "ingest_version", lambda: "another version")
    assert "(0 parsed, 6 unchanged)" in _build(out, src)  # cleaned again, to the same articles
    assert len(cleaned) == 6
    cleaned.clear()
    assert "(0 parsed, 6 unchanged)" in _build(out, src)  # and their keys under that version learned
    assert cleaned == []


def test_input_known_to_a_store_changed_by_another_process_stops_the_build(tmp_path, monkeypatch):
    """If the cache row behind a known input changes while a build reads (another kg process),
    the text-less stand-in is never extracted: the build stops with one line, files intact."""
    from kg.cache import ExtractionCache

    out = tmp_path / "out"
    _build(out, EXAMPLES)
    before = {name: (out / name).read_bytes() for name in ("graph.ttl", "graph.trig", "graph.html")}
    monkeypatch.setattr(ExtractionCache, "fresh", lambda self, article, version: False)  # every row "changed"
    result = runner.invoke(app, ["build", str(EXAMPLES), "--out", str(out), "-q"])
    assert result.exit_code != 0
    assert "changed while this build was reading it" in result.output
    assert {name: (out / name).read_bytes() for name in before} == before


def test_library_update_runs_in_a_script_without_a_main_guard(tmp_path):
    # kg build parses an update in a spawned worker (parse_aside); the library does not unless
    # asked, so a plain script (no `if __name__ == "__main__":`) can update a store.
    import subprocess
    import sys

    a, b = _split(tmp_path)
    script = tmp_path / "update.py"
    script.write_text(
        "import sys\n"
        "from kg.pipeline import build\n"
        "a, b, store = sys.argv[1:4]\n"
        "first = build([a], store=store)\n"
        "result = build([a, b], store=store)\n"
        "print(first.articles, result.articles, result.extracted, result.reused)\n"
    )
    proc = subprocess.run([sys.executable, str(script), str(a), str(b), str(tmp_path / "store")],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first, total, extracted, reused = map(int, proc.stdout.split())
    assert reused == first and extracted == total - first > 0


def test_an_update_does_the_idle_work_while_its_worker_parses(tmp_path):
    """With parse_aside, the build hands its wait for the worker (loading the model) to
    ``on_idle``, step by step until it says there is no more, before the graph is resolved;
    the graph is the one a build without it gives."""
    from kg.pipeline import build

    a, b = _split(tmp_path)
    build([a], store=tmp_path / "store")
    shutil.copytree(tmp_path / "store", tmp_path / "store2")
    events: list[str] = []

    def step() -> bool:
        events.append("idle")
        return events.count("idle") < 3

    result = build([a, b], store=tmp_path / "store", parse_aside=True, on_idle=step,
                   on_resolved=lambda graph: events.append("resolved"))
    assert events == ["idle", "idle", "idle", "resolved"]  # three steps, the last said "no more"
    plain = build([a, b], store=tmp_path / "store2")
    assert result.extracted == plain.extracted > 0
    assert result.graph == plain.graph
    assert result.sync.changed and result.sync.added == plain.sync.added


def test_a_parallel_build_does_the_idle_work_while_its_workers_parse(tmp_path):
    from kg.pipeline import build

    events: list[str] = []
    build([EXAMPLES], workers=2, on_idle=lambda: events.append("idle") or False,
          on_resolved=lambda graph: events.append("resolved"))
    assert events == ["idle", "resolved"]  # once: it said there was no more
