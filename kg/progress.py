"""A progress bar (articles, articles/s, ETA) on a terminal, nothing otherwise."""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["estimate_articles", "progress_reporter"]

_TEXT_EXT = (".txt", ".md", ".html", ".htm")


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    n = 0
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


def estimate_articles(paths: Iterable[str | Path]) -> int | None:
    """How many articles the paths hold (JSON lines counted by line); None when unknown."""
    total = 0
    try:
        for p in map(Path, paths):
            files = sorted(p.rglob("*")) if p.is_dir() else [p]
            for f in files:
                name = f.name.lower()
                if not f.is_file() or any(part.startswith(".") for part in f.parts[-1:]):
                    continue
                if name.endswith(_TEXT_EXT):
                    total += 1
                elif name.endswith((".jsonl", ".jsonl.gz")):
                    total += _count_lines(f)
    except OSError:
        return None
    return total or None


class _Quiet:
    """No progress bar: counting articles is all there is."""

    def __call__(self, _article: object) -> None:
        pass

    def stop(self) -> None:
        pass


class _Bar(_Quiet):
    """Redrawn as articles arrive (at most 10 times a second), not by a thread of its own: a
    thread would slow the parse in this process (:mod:`kg.threads`)."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task = bar, task
        self._drawn = 0.0

    def __call__(self, _article: object) -> None:
        self.bar.advance(self.task)
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            t = self.bar.tasks[0]
            rate = t.completed / t.elapsed if t.elapsed else 0.0
            self.bar.update(self.task, rate=f"{rate:.1f}", refresh=True)
            self._drawn = now

    def stop(self) -> None:
        """Take the bar off the terminal now (idempotent): the articles are all read."""
        self.bar.stop()


@contextmanager
def progress_reporter(paths: Iterable[str | Path], *, enabled: bool = True) -> Iterator[_Quiet]:
    """Yield a callback to call once per article (with a ``stop()`` to end the bar early); draws
    a rich progress bar when standard error is a terminal, on it."""
    if not enabled or not sys.stderr.isatty():
        yield _Quiet()
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    paths = list(paths)
    total = estimate_articles(paths)
    columns = [TextColumn("building"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} articles/s"), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        yield _Bar(bar, bar.add_task("build", total=total, rate="0.0"))
