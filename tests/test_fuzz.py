"""The atheris fuzz targets (``fuzz/``): importable, their seeds and checks work, a short
coverage-guided run of each passes, and the crashes they found are pinned by strict xfails.

The short runs (``slow``) start each target as a script, exactly as ``fuzz/README.md`` says,
with a fixed libFuzzer seed so that a run is repeatable: ``fuzz_ingest.py`` for 2,000 runs and
``fuzz_extract.py`` (real spaCy model) for 300, about 30 s together.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

if importlib.util.find_spec("atheris") is None:
    # atheris is not among pyproject's test extras yet: skip, unless this is CI (as for ../shared)
    if os.environ.get("CI") or os.environ.get("KG_REQUIRE_FUZZ"):
        pytest.fail("atheris is missing: the fuzz targets must run in CI (pip install atheris)", pytrace=False)
    pytest.skip("the fuzz targets need atheris (pip install atheris)", allow_module_level=True)

# Imported before the fuzz targets: their atheris.instrument_imports() then leaves this
# process's kg modules as they are (instrumentation is for the fuzzing process only).
import kg.extract  # noqa: E402,F401
import kg.ingest  # noqa: E402,F401
import kg.nlp  # noqa: E402,F401
import kg.rdf  # noqa: E402,F401
import kg.resolve  # noqa: E402,F401
from kg.model import Article, Mention, Problem  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
REPRODUCERS = ROOT / "tests" / "data" / "hardening"


def load_target(name: str) -> ModuleType:
    """Import ``fuzz/<name>.py`` as a module (it is importable without starting the fuzzer)."""
    spec = importlib.util.spec_from_file_location(f"kg_fuzz_{name}", FUZZ / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fuzz_ingest() -> ModuleType:
    return load_target("fuzz_ingest")


@pytest.fixture(scope="module")
def fuzz_extract() -> ModuleType:
    return load_target("fuzz_extract")


def run_target(script: str, runs: int, tmp_path: Path, timeout: float) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``fuzz/<script>`` for ``runs`` inputs from its seeds; return the process and libFuzzer's final stats."""
    env = {k: v for k, v in os.environ.items() if k != "KG_FUZZ_STRICT"}
    corpus = tmp_path / "corpus"
    cmd = [sys.executable, str(FUZZ / script), f"-runs={runs}", "-seed=1", "-timeout=30", "-rss_limit_mb=3072",
           "-print_final_stats=1", f"-artifact_prefix={tmp_path}/", str(corpus)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    stats = {k: int(v) for k, v in re.findall(r"^stat::(\w+):\s+(\d+)", proc.stderr, re.MULTILINE)}
    print(f"{script}: {stats.get('number_of_executed_units')} runs, {stats.get('average_exec_per_sec')} runs/s, "
          f"corpus {len(list(corpus.iterdir())) if corpus.is_dir() else 0} inputs, peak RSS {stats.get('peak_rss_mb')} MB")
    return proc, stats


# --------------------------------------------------------------------------- ingest target


def test_ingest_target_passes_its_seeds_strictly(fuzz_ingest: ModuleType) -> None:
    """Every seed goes through every ingest entry point without breaking the contract (known
    bugs not excused)."""
    assert len(fuzz_ingest.SEEDS) >= 10
    for seed in fuzz_ingest.SEEDS:
        fuzz_ingest.run_one_input(seed)


def test_ingest_checks_catch_broken_articles_and_problems(fuzz_ingest: ModuleType) -> None:
    """The target's checks fail on what they are there to catch (so a silent pass means something)."""
    good = Article("a", "Title\n\nBody text.", title="Title")
    fuzz_ingest.check_article(good)
    for bad in (replace(good, text=""), replace(good, text="a\r\nb"), replace(good, text="a\x07b"),
                replace(good, text="Cafe\u0301"), replace(good, text="zero\u200bwidth"), replace(good, text=" x"),
                replace(good, text="a\n\n\nb"), replace(good, title="two\nlines"), replace(good, url=""),
                replace(good, text="lone \ud800")):
        with pytest.raises(AssertionError):
            fuzz_ingest.check_article(bad)
    fuzz_ingest.check_problem(Problem("/x/feed.jsonl:3", "invalid JSON"), Path("/x/feed.jsonl"))
    for bad, source in ((Problem("/x/a.txt", "two\nlines"), None), (Problem("/x/a.txt", " "), None),
                        (Problem("/x/b.txt", "empty file"), Path("/x/a.txt"))):
        with pytest.raises(AssertionError):
            fuzz_ingest.check_problem(bad, source)


def test_known_bug_matching_needs_type_message_and_frame(fuzz_ingest: ModuleType) -> None:
    """A fuzzing run excuses a reported crash only on an exact match (so it keeps looking for new ones)."""
    bug = fuzz_ingest.KnownBug("demo", ValueError, "must be XML compatible", "_drop")
    try:
        def _drop() -> None:
            raise ValueError("All strings must be XML compatible")
        _drop()
    except ValueError as exc:
        assert bug.matches(exc)
    assert not bug.matches(ValueError("must be XML compatible"))  # no frame of _drop
    assert not bug.matches(KeyError("must be XML compatible"))


@pytest.mark.parametrize("name", ["classify-weak-last-line", "html-fallback-control-character"])
def test_known_ingest_bug_reproducer_passes_strictly(fuzz_ingest: ModuleType, name: str) -> None:
    """The fuzzer's reproducers of two bugs (now fixed) go through every entry point."""
    fuzz_ingest.run_one_input((REPRODUCERS / f"{name}.bin").read_bytes())


@pytest.mark.slow
def test_fuzz_ingest_runs_2000_inputs_without_a_crash(tmp_path: Path) -> None:
    """``python fuzz/fuzz_ingest.py -runs=2000`` (fixed seed) exits 0."""
    proc, stats = run_target("fuzz_ingest.py", 2000, tmp_path, timeout=150)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert stats.get("number_of_executed_units", 0) >= 2000, proc.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))


# --------------------------------------------------------------------------- extraction target


@pytest.mark.slow
def test_extract_target_passes_its_seeds_and_its_checks_catch_bad_offsets(fuzz_extract: ModuleType) -> None:
    """Every seed extracts cleanly with the real model; the checks fail on offsets outside the
    text, a mention text that is not its slice, and a dangling antecedent."""
    for seed in fuzz_extract.SEEDS:
        fuzz_extract.test_one_input(seed)
    from kg.extract import extract_article
    from kg.nlp import load_model, text_for_parsing

    text = "The union signed the agreement. It was praised by Acme Corp."
    ex = extract_article(load_model()(text_for_parsing(text)), Article(id="t", text=text))
    fuzz_extract.check_extraction(ex, text)
    assert ex.mentions and ex.relations
    first = ex.mentions[0]
    for bad in (replace(first, end=len(text) + 1), replace(first, start=-1), replace(first, start=first.end),
                replace(first, text="nothing like it"), replace(first, antecedent=len(ex.mentions))):
        with pytest.raises(AssertionError):
            fuzz_extract.check_extraction(replace(ex, mentions=(bad, *ex.mentions[1:])), text)
    with pytest.raises(AssertionError):
        fuzz_extract.check_extraction(replace(ex, relations=(replace(ex.relations[0], object=99),)), text)
    assert isinstance(first, Mention)


@pytest.mark.slow
def test_fuzz_extract_runs_300_inputs_without_a_crash(tmp_path: Path) -> None:
    """``python fuzz/fuzz_extract.py -runs=300`` (fixed seed, real model) exits 0."""
    proc, stats = run_target("fuzz_extract.py", 300, tmp_path, timeout=150)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert stats.get("number_of_executed_units", 0) >= 300, proc.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))
