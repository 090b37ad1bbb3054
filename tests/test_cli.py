"""The kg command: build, query, export; exit codes; bad input; atomic outputs; help texts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner

from kg.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
runner = CliRunner()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["build", str(EXAMPLES), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_build_writes_all_outputs_and_a_summary(built):
    out, output = built
    for name in ("graph.ttl", "graph.trig", "graph.html"):
        assert (out / name).stat().st_size > 1000, name
    assert "6 articles" in output and "entities" in output and "facts" in output
    assert f"HTML graph: {(out / 'graph.html').resolve()}" in output
    rdflib.Graph().parse(out / "graph.ttl")
    rdflib.Dataset().parse(out / "graph.trig", format="trig")


def test_examples_yield_the_facts_they_state(built):
    out, _ = built
    result = runner.invoke(app, ["query", "signatories", "--graph", str(out / "graph.trig"), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["results"]["bindings"]
    signers = {r["signerLabel"]["value"] for r in rows}
    assert {"Elena Vasquez", "Tomas Berg", "Amara Osei"} <= signers


def test_query_saved_with_param_and_csv(built):
    out, _ = built
    result = runner.invoke(app, ["query", "entity-facts", "-g", str(out / "graph.trig"), "-p", "name=Quillmind", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("subjectLabel,predicate,objectLabel")
    assert len(result.output.splitlines()) > 1


def test_query_list_and_bad_query(built):
    out, _ = built
    listed = runner.invoke(app, ["query", "--list"])
    assert "signatories" in listed.output and "class-counts" in listed.output
    bad = runner.invoke(app, ["query", "SELECT ?x WHERE {", "-g", str(out / "graph.trig")])
    assert bad.exit_code == 1 and "SPARQL syntax error" in bad.output


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld", "xml", "graphml", "gexf", "csv"])
def test_export_every_format(built, tmp_path, fmt):
    out, _ = built
    target = tmp_path / f"g.{fmt}"
    result = runner.invoke(app, ["export", "--format", fmt, "--graph", str(out / "graph.trig"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 100


def _bad_inputs(d: Path) -> Path:
    d.mkdir()
    shutil.copy(EXAMPLES / "voice-cloning.txt", d / "good.txt")
    (d / "empty.txt").write_text("")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00\xff" * 50)
    (d / "latin1.txt").write_bytes("Caf\xe9 owners sued the studio over the r\xe9sum\xe9 leak.".encode("latin-1"))
    (d / "broken.html").write_text("<html><body><p>The guild criticized the studio.<div><p>Unclosed")
    (d / "feed.jsonl").write_text('{"id": "x1", "text": "Acme sued Globex."}\n{not json}\n')
    return d


def test_bad_inputs_warn_and_partial_success_exit_code(tmp_path):
    d = _bad_inputs(tmp_path / "in")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(d), "--out", str(out), "-q"])
    assert result.exit_code == 3, result.output
    warnings = [ln for ln in result.output.splitlines() if ln.startswith("warning:")]
    assert any("empty.txt" in w for w in warnings)
    assert any("binary.txt" in w for w in warnings)
    assert any("feed.jsonl:2" in w for w in warnings)
    g = rdflib.Graph().parse(out / "graph.ttl")
    labels = {str(o) for o in g.objects(None, rdflib.RDFS.label)}
    assert {"Echovox", "Acme", "Globex"} <= labels  # good articles, incl. the good JSONL line, still built


def test_total_failure_keeps_previous_outputs(tmp_path, built):
    out = tmp_path / "out"
    shutil.copytree(built[0], out)

    def snapshot():
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
                if p.is_file() and "oxigraph" not in p.parts and not p.name.startswith("extractions.sqlite")}

    def store_count():
        r = runner.invoke(app, ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", str(out / "store"), "-f", "csv"])
        return r.output

    before, count = snapshot(), store_count()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    result = runner.invoke(app, ["build", str(bad), "--out", str(out), "-q"])
    assert result.exit_code == 1 and "no article could be read" in result.output
    assert snapshot() == before and store_count() == count


def test_same_input_gives_byte_identical_turtle(tmp_path, built):
    out2 = tmp_path / "again"
    assert runner.invoke(app, ["build", str(EXAMPLES), "--out", str(out2), "-q"]).exit_code == 0
    assert (out2 / "graph.ttl").read_bytes() == (built[0] / "graph.ttl").read_bytes()
    assert (out2 / "graph.trig").read_bytes() == (built[0] / "graph.trig").read_bytes()


def test_every_command_has_help_with_an_example():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"build", "query", "export"} <= set(names)
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, name


def test_python_dash_m_kg_runs():
    result = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "build" in result.stdout
