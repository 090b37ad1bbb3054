#!/usr/bin/env python3
"""Adding one article to a store of N articles: the store's sync and the whole `kg build`.

Usage (from the project root, in the venv):

    python bench/incremental.py                 # N = 1000 Wikinews articles
    python bench/incremental.py --articles 300  # quicker look
    python bench/incremental.py --keep /tmp/kg-inc  # keep the base build to run again

Articles come from ../shared/corpora/wikinews/articles.jsonl.gz (CC BY 2.5). The script builds
a store of the first N articles once (parsing them all: about 100 s for 1,000 here), then, from a
copy of that base each time, runs `kg build` on N+1 articles as a user would (a fresh process:
start-up, model loading, reading the N+1 articles, parsing the new one, resolving all, syncing
the store, writing graph.ttl / graph.trig / graph.html) and prints

* the whole command's wall time;
* the store's sync (what the build prints: `[transaction, ... s]`) and how many article graphs
  were copied from the last sync's text instead of rendered;
* the same for `kg remove` of that article.

Target of the store issue: adding one article to a 1,000-article store ≤ 3 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "wikinews" / "articles.jsonl.gz"
_SYNC = re.compile(r"\[(\w+)(?:, (\d+) graphs reused)?, ([\d.]+) s\]")


def write_articles(n: int, path: Path) -> str:
    """The first ``n`` Wikinews articles to ``path``; the id of the last one."""
    last = ""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i == n:
                break
            out.write(line)
            last = json.loads(line)["id"]
    return last


def kg(*args: str) -> tuple[float, str]:
    """(wall seconds, stdout) of one `kg` command in a fresh process."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kg", *args, "-q"] if args[0] == "build" else
                          [sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 3):
        raise SystemExit(f"kg {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return seconds, proc.stdout


def sync_of(stdout: str) -> tuple[str, int, float]:
    m = _SYNC.search(stdout)
    if m is None:
        return "?", 0, float("nan")
    return m.group(1), int(m.group(2) or 0), float(m.group(3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1000, help="articles in the base store (N)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the add / remove (median)")
    ap.add_argument("--keep", type=Path, default=None, help="directory for the base build, kept and reused")
    args = ap.parse_args()
    if not CORPUS.is_file():
        raise SystemExit(f"{CORPUS} not found")
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-inc-"))
    base_dir = args.keep or tmp / "base"
    try:
        n = args.articles
        base_file, more_file = tmp / f"wikinews-{n}.jsonl", tmp / f"wikinews-{n + 1}.jsonl"
        write_articles(n, base_file)
        new_id = write_articles(n + 1, more_file)
        if not (base_dir / "store").is_dir():
            seconds, out = kg("build", str(base_file), "--out", str(base_dir))
            print(f"base: {n} articles built in {seconds:.1f} s ({out.splitlines()[0]})", flush=True)
        adds, add_syncs, removes = [], [], []
        for _ in range(args.repeat):
            work = tmp / "work"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base_dir, work)
            seconds, out = kg("build", str(more_file), "--out", str(work))
            mode, reused, sync = sync_of(out)
            adds.append(seconds)
            add_syncs.append(sync)
            print(f"add 1 article to {n}: kg build {seconds:.2f} s; store sync {sync:.2f} s ({mode}, "
                  f"{reused} article graphs reused)", flush=True)
            seconds, out = kg("remove", new_id, "--out", str(work))
            removes.append(seconds)
            print(f"remove it again:    kg remove {seconds:.2f} s", flush=True)
        print(f"\nmedian of {args.repeat}: add one article to {n}: whole kg build {statistics.median(adds):.2f} s, "
              f"store sync {statistics.median(add_syncs):.2f} s (target ≤ 3 s); "
              f"kg remove {statistics.median(removes):.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
