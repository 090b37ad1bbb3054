"""The progress bar of long builds: its article count, and how it draws."""

from __future__ import annotations

import gzip
import io
import sys
import threading
import time

from kg.progress import estimate_articles, progress_reporter


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_estimate_articles_counts_text_files_and_json_lines(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.html").write_text("<p>two</p>")
    (tmp_path / "c.jsonl").write_text('{"text": "x"}\n' * 3)
    with gzip.open(tmp_path / "d.jsonl.gz", "wt") as fh:
        fh.write('{"text": "y"}\n' * 2)
    (tmp_path / ".hidden.txt").write_text("skipped")
    (tmp_path / "notes.csv").write_text("a,b\n")
    assert estimate_articles([tmp_path]) == 7
    assert estimate_articles([tmp_path / "c.jsonl", tmp_path / "a.txt"]) == 4
    assert estimate_articles([tmp_path / "notes.csv"]) is None  # nothing it can count
    assert estimate_articles([tmp_path / "missing"]) is None


def test_bar_draws_on_a_terminal_as_articles_arrive_without_a_thread(tmp_path, monkeypatch):
    # A redrawing thread would slow a parse in this process for good (kg.threads).
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("text")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    threads = threading.active_count()
    with progress_reporter([tmp_path]) as advance:
        assert threading.active_count() == threads
        for _ in range(3):
            time.sleep(0.11)  # (drawn at most ten times a second)
            advance(None)
        drawn = terminal.getvalue()
        advance.stop()
    assert "building" in drawn and "3/3" in drawn and "articles/s" in drawn


def test_no_bar_when_standard_error_is_no_terminal_or_it_is_turned_off(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("text")
    for stream, enabled in ((io.StringIO(), True), (_Terminal(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        with progress_reporter([tmp_path], enabled=enabled) as advance:
            advance(None)
            advance.stop()
        assert stream.getvalue() == ""
