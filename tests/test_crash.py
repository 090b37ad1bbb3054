"""Crash safety: a build killed with SIGKILL at any point leaves the previous outputs and store
usable, and the next build gives exactly the graph an uninterrupted build gives."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rdflib

from kg.faults import CHECKPOINTS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.slow


def _sigint_as_at_a_terminal() -> None:
    """In the child before exec: Ctrl-C interrupts, as it does for a command typed at a terminal,
    even when this test run was started in the background (a shell's "&" ignores SIGINT, and an
    ignored signal stays ignored across exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kg(*args: str, env: dict | None = None, wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    cmd = [sys.executable, "-m", "kg", *args]
    full_env = {**os.environ, **(env or {})}
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=_sigint_as_at_a_terminal)
    return subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=600,
                          preexec_fn=_sigint_as_at_a_terminal)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_dir):
    """Two sets of articles: A (examples) and B (the seeds plus some Wikinews), and the
    uninterrupted build of A+B as the reference."""
    base = tmp_path_factory.mktemp("crash")
    a, b = base / "a", base / "b"
    shutil.copytree(EXAMPLES, a)
    shutil.copytree(shared_dir / "seeds", b)
    import gzip

    with gzip.open(shared_dir / "corpora" / "wikinews" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        (b / "wiki.jsonl").write_text("".join(next(fh) for _ in range(15)), encoding="utf-8")
    first = base / "first"
    assert _kg("build", str(a), "--out", str(first), "-q").returncode == 0
    ref = base / "ref"
    assert _kg("build", str(a), str(b), "--out", str(ref), "-q").returncode == 0
    return a, b, first, (ref / "graph.ttl").read_bytes()


def _copy_of_first_build(first: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of the first build's output folder, and the bytes of its three files."""
    out = tmp_path / "out"
    shutil.copytree(first, out)
    return out, {n: (out / n).read_bytes() for n in ("graph.ttl", "graph.trig", "graph.html")}


def _outputs_usable(out: Path) -> None:
    for name in ("graph.ttl", "graph.trig", "graph.html"):
        data = (out / name).read_bytes()
        assert data, name
        if name != "graph.html":
            rdflib.Dataset().parse(data=data, format="trig" if name.endswith("trig") else "turtle")
    q = _kg("query", "ASK { ?s ?p ?o }", "--store", str(out / "store"))
    assert q.returncode == 0 and "true" in q.stdout, q.stderr


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_killed_at_a_checkpoint(corpus, tmp_path, point):
    a, b, first, reference = corpus
    out, previous = _copy_of_first_build(first, tmp_path)
    crashed = _kg("build", str(a), str(b), "--out", str(out), "-q", env={"KG_CRASH_AT": point})
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    if point != "between-outputs":  # before the renames the previous outputs are untouched
        assert {n: (out / n).read_bytes() for n in previous} == previous
    _outputs_usable(out)
    again = _kg("build", str(a), str(b), "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert (out / "graph.ttl").read_bytes() == reference


@pytest.mark.parametrize("delay", [1.5, 4.0])
def test_killed_at_a_random_moment(corpus, tmp_path, delay):
    a, b, first, reference = corpus
    out = tmp_path / "out"
    shutil.copytree(first, out)
    proc = _kg("build", str(a), str(b), "--out", str(out), "-q", wait=False)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    _outputs_usable(out)
    again = _kg("build", str(a), str(b), "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert (out / "graph.ttl").read_bytes() == reference


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_interrupted_at_a_checkpoint_exits_130_and_keeps_the_previous_outputs(corpus, tmp_path, point):
    a, b, first, reference = corpus
    out, previous = _copy_of_first_build(first, tmp_path)
    stopped = _kg("build", str(a), str(b), "--out", str(out), "-q", env={"KG_INTERRUPT_AT": point})
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.strip().splitlines() == ["interrupted: previous outputs left intact"]
    assert {n: (out / n).read_bytes() for n in previous} == previous
    assert sorted(p.name for p in out.iterdir()) == ["graph.html", "graph.trig", "graph.ttl", "store"]
    _outputs_usable(out)
    again = _kg("build", str(a), str(b), "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert (out / "graph.ttl").read_bytes() == reference


def test_ctrl_c_during_parsing_exits_130_and_keeps_the_previous_outputs(corpus, tmp_path, shared_dir):
    import gzip

    a, b, first, reference = corpus
    out, previous = _copy_of_first_build(first, tmp_path)
    more = tmp_path / "more.jsonl"  # enough articles to be still parsing when Ctrl-C comes
    with gzip.open(shared_dir / "corpora" / "wikinews" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        more.write_text("".join(next(fh) for _ in range(400)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", str(a), str(more), "--out", str(out), "-q"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_sigint_as_at_a_terminal)
    time.sleep(10.0)  # imports and model loaded; 400 articles take about a minute to parse
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted: previous outputs left intact" in err
    assert {n: (out / n).read_bytes() for n in previous} == previous
    _outputs_usable(out)
