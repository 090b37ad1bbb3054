#!/usr/bin/env python3
"""Throughput of a full `kg build` against the bare spaCy pipeline, 1 vs N workers, peak memory.

Usage (from the project root, in the venv):

    python bench/throughput.py --articles 1000             # 1k articles
    python bench/throughput.py --articles 1000 10000       # also 10k, and the 1k→10k time ratio
    python bench/throughput.py --articles 300 --workers 1  # quick look
    python bench/throughput.py --articles 1000 --repeat 3  # three rounds: medians, ratios per round

Articles come from ../shared/corpora/wikinews/articles.jsonl.gz (2,768 Wikinews articles, CC BY
2.5); larger runs repeat the corpus with distinct ids. Each measurement runs in a fresh process so
its peak RSS is its own (``ru_maxrss`` of the process and its workers). Prints one line per run
and a summary with the targets of the scale issue:

* full build ≤ 1.15 × the bare parse time (same model, same articles, one process each).
  The bare parse runs the model as spaCy ships it; ``--bare-pipeline kg`` (or ``stock kg``)
  runs kg's pipeline instead, which adds a sentence-start component and makes the attribute
  ruler and lemmatizer faster with identical output (:mod:`kg.fastpipes`), in a process set up
  as the ``kg`` command sets up its own (one BLAS thread: :mod:`kg.threads`), so that the ratio
  counts only the extraction, resolution and writing kg adds;
  ``--bare-collection spaced`` runs the bare parse with the garbage-collector settings kg's
  extraction stream uses (:func:`kg.pipeline.collection_spaced`), so that the ratio counts only
  kg's own work, not what those settings do to spaCy (give both to see both). The speed of a
  shared VM drifts between the two runs, so the summary also divides the build by its own
  parse time (reading and cleaning the input included), measured in the same process;
* 2 workers ≥ 1.8 × faster than 1;
* peak RSS ≤ 1.5 GB at 10k articles;
* cost linear in the corpus (the 1k→10k time ratio should be close to 10).

With ``--repeat N`` every setting runs N times, in rounds (bare parse, 1 worker, 2 workers, then
again): ratios are taken within each round, whose runs are minutes apart, and the summary gives
their median and every round's value.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "wikinews" / "articles.jsonl.gz"

BARE = r"""
import contextlib, json, resource, sys, time
if sys.argv[3] == "kg":  # kg's process settings too (kg.threads), before numpy is imported
    from kg.threads import single_threaded_blas
    single_threaded_blas()
import spacy
from kg.nlp import load_model, model_name, text_for_parsing
from kg.pipeline import collection_spaced
if sys.argv[3] == "stock":  # the model as spaCy ships it
    nlp = spacy.load(model_name())
    nlp.max_length = max(nlp.max_length, 5_000_000)
else:  # kg's pipeline: its sentence-start component and its faster, output-identical components
    nlp = load_model()
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
t = time.perf_counter()
words = 0
with collection_spaced() if sys.argv[2] == "spaced" else contextlib.nullcontext():
    for doc in nlp.pipe((text_for_parsing(x) for x in texts), batch_size=32):
        words += sum(1 for tok in doc if not tok.is_space and not tok.is_punct)
secs = time.perf_counter() - t
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": secs, "words": words, "rss_mb": rss / 1024}))
"""

BUILD = r"""
import json, resource, sys, time, tempfile
from kg.threads import single_threaded_blas
single_threaded_blas()  # as the kg command does, before numpy is imported
from kg.pipeline import build, write_outputs
t = time.perf_counter()
result = build([sys.argv[1]], workers=int(sys.argv[2]))
with tempfile.TemporaryDirectory() as out:
    write_outputs(result, out)
secs = time.perf_counter() - t
tm = result.timings
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": secs, "articles": result.articles, "entities": result.entities, "facts": result.facts,
                  "parse": tm.parse, "extract": tm.extract, "resolve": tm.resolve, "write": tm.rdf,
                  "rss_mb": rss / 1024}))
"""


def corpus_file(n: int, directory: Path) -> Path:
    """A JSONL file of ``n`` Wikinews articles (the corpus repeated with distinct ids if needed)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        base = [json.loads(line) for line in fh]
    path = directory / f"wikinews-{n}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            rec = dict(base[i % len(base)])
            if i >= len(base):
                rec["id"] = f"{rec['id']}-copy{i // len(base)}"
            out.write(json.dumps(rec) + "\n")
    return path


def count_words(path: Path) -> int:
    """Words of the articles as the bare run counts them (tokenizer only: no parse needed)."""
    import spacy

    from kg.nlp import text_for_parsing

    tokenizer = spacy.blank("en").tokenizer
    with path.open(encoding="utf-8") as fh:
        return sum(sum(1 for t in tokenizer(text_for_parsing(json.loads(line)["text"])) if not t.is_space and not t.is_punct)
                   for line in fh)


def run(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def spread(xs: list[float], fmt: str = "{:.2f}") -> str:
    """The runs' values, ``" (runs: a, b, c)"``, when there was more than one run."""
    return f" (runs: {', '.join(fmt.format(x) for x in xs)})" if len(xs) > 1 else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, nargs="+", default=[1000])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of runs (each round runs every setting once, one after the other); the "
                         "summary gives medians, and ratios taken within each round")
    ap.add_argument("--bare-seconds", type=float, default=None,
                    help="reuse a bare-parse time measured before (same articles) instead of measuring it")
    ap.add_argument("--bare-collection", nargs="+", choices=("default", "spaced"), default=["default"],
                    help="garbage-collector settings of the bare parse: Python's defaults, kg's, or both")
    ap.add_argument("--bare-pipeline", nargs="+", choices=("stock", "kg"), default=["stock"],
                    help="the bare parse runs the model as spaCy ships it (stock), kg's pipeline (kg), or both")
    args = ap.parse_args()
    if not CORPUS.is_file():
        raise SystemExit(f"{CORPUS} not found")
    totals: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.articles:
            path = corpus_file(n, Path(tmp))
            bares: dict[str, list[dict]] = {}
            runs: dict[int, list[dict]] = {}
            settings = [(p, g) for p in args.bare_pipeline for g in args.bare_collection]
            for round_ in range(args.repeat):
                tag = f"[{n} articles{f', round {round_ + 1}' if args.repeat > 1 else ''}]"
                for pipeline, gc_mode in settings if args.bare_seconds is None else [("given", "")]:
                    if args.bare_seconds is None:
                        bare = run(BARE, str(path), gc_mode, pipeline)
                        label = f"{pipeline} pipeline, {gc_mode} collection"
                    else:  # measured before: only the words are counted again (fast: tokenizer only)
                        if round_:
                            continue
                        bare = {"seconds": args.bare_seconds, "words": count_words(path), "rss_mb": float("nan")}
                        label = "time given with --bare-seconds"
                    bares.setdefault(label, []).append(bare)
                    print(f"{tag} bare spaCy parse ({label}): {bare['seconds']:.1f} s, "
                          f"{bare['words'] / bare['seconds']:,.0f} words/s, peak RSS {bare['rss_mb']:.0f} MB "
                          f"({bare['words']:,} words)", flush=True)
                words = bare["words"]
                for w in args.workers:
                    r = run(BUILD, str(path), str(w))
                    runs.setdefault(w, []).append(r)
                    print(f"{tag} kg build, {w} worker(s): {r['seconds']:.1f} s, "
                          f"{words / r['seconds']:,.0f} words/s, peak RSS {r['rss_mb']:.0f} MB; "
                          f"parse {r['parse']:.1f} s, extraction {r['extract']:.1f} s "
                          f"({r['extract'] / r['parse']:.1%} of parse), resolve {r['resolve']:.1f} s, "
                          f"write {r['write']:.1f} s; {r['entities']} entities, {r['facts']} facts", flush=True)
            summary = f"[{n} articles{f', median of {args.repeat} rounds' if args.repeat > 1 else ''}]"
            if 1 in runs:
                for label, bs in bares.items():
                    # within a round the two runs are minutes apart: the machine's speed drifts less
                    # (one bare time only when it was given with --bare-seconds)
                    ratios = [r["seconds"] / b["seconds"] for r, b in zip(runs[1], itertools.cycle(bs))]
                    print(f"{summary} full build / bare parse ({label}), 1 worker: "
                          f"{statistics.median(ratios):.2f}{spread(ratios)}  (target ≤ 1.15)")
                # Free of drift between the two processes (this machine's speed wanders by up to
                # 10 % over minutes): the build against its own parse time, reading included.
                own = [r["seconds"] / r["parse"] for r in runs[1]]
                print(f"{summary} full build / the build's own parse, 1 worker: {statistics.median(own):.2f}{spread(own)}")
                totals[n] = statistics.median([r["seconds"] for r in runs[1]])
            for w in runs:
                if w > 1 and 1 in runs:
                    speedups = [a["seconds"] / b["seconds"] for a, b in zip(runs[1], runs[w])]
                    print(f"{summary} {w} workers vs 1: {statistics.median(speedups):.2f}× faster{spread(speedups)}"
                          f"  (target ≥ 1.8 for 2)")
            peak = max(r["rss_mb"] for rs in runs.values() for r in rs)
            print(f"{summary} peak RSS of kg build: {peak:.0f} MB  (target ≤ 1536 MB at 10k)")
    ns = sorted(totals)
    for a, b in zip(ns, ns[1:]):
        print(f"time ratio {a}→{b} articles: {totals[b] / totals[a]:.2f} (linear: {b / a:.1f})")


if __name__ == "__main__":
    main()
