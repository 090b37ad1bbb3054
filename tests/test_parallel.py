"""Parallel extraction (processes, Dask) gives the same graph as a serial build."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import Article
from kg.parallel import chunked, tapered
from kg.pipeline import build
from kg.rdf import union_blocks
from kg.serialize import turtle_chunks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.slow


def _ttl(result) -> str:
    return "".join(turtle_chunks(union_blocks(result.graph)))


@pytest.fixture(scope="module")
def serial():
    return _ttl(build([EXAMPLES]))


def test_chunked_keeps_order_and_remainder():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


@pytest.mark.parametrize("n", [0, 1, 7, 40, 100, 1000])
def test_tapered_chunks_shrink_towards_the_end_and_keep_every_item_in_order(n):
    chunks = list(tapered(range(n), 8, 4))
    assert [x for c in chunks for x in c] == list(range(n))
    sizes = [len(c) for c in chunks]
    assert all(1 <= s <= 8 for s in sizes)
    if n >= 5 * 8:  # long inputs: full chunks while the end is out of sight, then shrinking to one
        assert sizes[:(n - 5 * 8) // 8] == [8] * ((n - 5 * 8) // 8)
        assert sizes[-1] == 1
        assert sizes == sizes[:len(sizes) - len(chunks[-12:])] + sorted(sizes[-12:], reverse=True)


def test_tapered_reads_a_bounded_stretch_ahead():
    read = []

    def items():
        for i in range(10_000):
            read.append(i)
            yield i

    for chunk in tapered(items(), 8, 4):
        assert len(read) - (chunk[-1] + 1) <= 5 * 8  # never more than (parts + 1) × size ahead


def test_two_worker_processes_give_the_same_graph(serial):
    seen: list[Article] = []
    result = build([EXAMPLES], workers=2, on_article=seen.append)
    assert _ttl(result) == serial
    assert len(seen) == result.articles == 6
    assert result.timings.parse > 0


def test_dask_local_cluster_gives_the_same_graph(serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            result = build([EXAMPLES], dask_address=client)
            assert len(client.scheduler_info()["workers"]) == 2
    assert _ttl(result) == serial


class _SlowFuture:
    """Done after ``polls`` calls of done()."""

    def __init__(self, value, polls: int) -> None:
        self.value, self.polls = value, polls

    def done(self) -> bool:
        self.polls -= 1
        return self.polls < 0

    def result(self):
        return self.value


def test_windowed_does_idle_work_while_waiting_and_stops_when_there_is_none():
    from kg.parallel import _windowed

    steps: list[int] = []
    work = iter(range(5))

    def idle() -> bool:
        step = next(work, None)
        if step is None:
            return False
        steps.append(step)
        return True

    out = [(chunk, f.result()) for chunk, f in
           _windowed(lambda chunk: _SlowFuture(sum(chunk), polls=3), range(6), window=2, chunk_size=2, idle=idle)]
    assert out == [([0, 1], 1), ([2, 3], 5), ([4], 4), ([5], 5)]  # the last chunks taper
    assert steps == [0, 1, 2, 3, 4]  # three steps for the first chunk, then the rest; never after False
    calls = []
    assert [c for c, _ in _windowed(lambda chunk: _SlowFuture(0, polls=0), range(3), 2, 2,
                                    idle=lambda: calls.append(1) or True)] == [[0, 1], [2]]
    assert calls == []  # a future already done: no idle work


def test_eager_workers_are_stopped_when_nothing_is_to_be_parsed():
    import multiprocessing

    from kg.parallel import parallel_extractions

    before = set(multiprocessing.active_children())
    assert list(parallel_extractions(iter(()), workers=1, eager=True)) == []
    assert set(multiprocessing.active_children()) <= before


def test_workers_started_ahead_are_used_by_the_next_extraction_or_stopped():
    import multiprocessing

    import kg.parallel
    from kg.ingest import iter_articles
    from kg.parallel import parallel_extractions, workers_started

    articles = list(iter_articles([EXAMPLES]))[:2]
    before = set(multiprocessing.active_children())
    with workers_started(1):
        ahead = set(multiprocessing.active_children()) - before
        assert len(ahead) == 1  # spawned at once, before any article
        started = kg.parallel._started[(1, None)]
        assert list(parallel_extractions(iter(()), workers=2, eager=True)) == []  # other settings: not taken
        assert kg.parallel._started == {(1, None): started}
        extractions = list(parallel_extractions(iter(articles), workers=1))
        assert [ex.article.id for ex in extractions] == [a.id for a in articles]
        assert kg.parallel._started == {}  # taken by that extraction (and shut down by it)
    with workers_started(1):
        pass  # nothing took them
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.parametrize("started_by", ["main thread", "other thread"])
def test_workers_end_when_their_parent_is_killed(tmp_path, started_by):
    # A parent killed outright (SIGKILL, out of memory) cannot stop its workers, busy with a task
    # that would never end: they notice. Started by the main thread, the kernel ends them (prctl);
    # by another thread (that has ended since: they must not die with it), they watch.
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing, threading, time\n"
        "import kg.parallel\n"
        "def start():\n"
        "    global ahead\n"
        "    ahead = kg.parallel.workers_started(2)\n"
        "    ahead.__enter__()\n"
        "    for _ in range(2):\n"
        "        kg.parallel._started[(2, None)].submit(time.sleep, 3600)\n"
        "    time.sleep(2)\n"  # the workers have started (and asked for their signal) before this returns
        "if __name__ == '__main__':\n"
        + ("    start()\n" if started_by == "main thread" else
           "    t = threading.Thread(target=start)\n    t.start()\n    t.join()\n") +
        "    deadline = time.monotonic() + 60\n"  # (fewer workers after that: the test fails, not hangs)
        "    while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    time.sleep(1)\n"  # each worker has taken its sleep
        "    print(' '.join(str(p.pid) for p in multiprocessing.active_children()), flush=True)\n"
        "    time.sleep(3600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    workers: list[int] = []
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2

        def alive(pid: int) -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            with open(f"/proc/{pid}/stat") as fh:  # a zombie (ended, not yet reaped) is gone too
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"

        assert all(alive(p) for p in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)

        deadline = time.monotonic() + 20
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(p) for p in workers)
    finally:
        parent.kill()
        for pid in workers:  # (left over when the test fails)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_worker_process_runs_one_thread_only():
    # Once a process has had a second thread, glibc's malloc locks on every call and the parse
    # slows by 12-15 %: a worker has no watching thread and BLAS starts none (numpy loaded).
    import os

    import kg.parallel
    from kg.ingest import iter_articles
    from kg.parallel import extract_chunk, workers_started

    articles = list(iter_articles([EXAMPLES]))[:1]
    with workers_started(1):
        pool = kg.parallel._started[(1, None)]
        extractions, _, _ = pool.submit(extract_chunk, articles).result()
        assert [ex.article.id for ex in extractions] == [articles[0].id]
        assert len(pool.submit(os.listdir, "/proc/self/task").result()) == 1


def test_parallel_docstring_examples():
    import doctest

    import kg.parallel

    assert doctest.testmod(kg.parallel).failed == 0
