"""Running extraction in several processes, or as tasks on a Dask cluster.

Articles are cut into chunks; each chunk is parsed and extracted by a worker that loads the
spaCy model once; the extractions come back in input order. Only extraction runs remotely:
entity resolution always runs afterwards over the whole corpus, so serial, multi-process and
Dask builds give the same graph.

At most ``2 × workers`` chunks are in flight, so memory stays bounded however long the input.
While it waits for a chunk, the calling process can do work of its own (``idle``): a build
reads the articles it need not parse back from its cache meanwhile.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from kg.model import Article, ArticleExtraction
from kg.threads import SINGLE_THREAD_ENV

__all__ = ["extract_chunk", "chunked", "tapered", "parallel_extractions", "workers_started"]

CHUNK_SIZE = 16


def extract_chunk(articles: list[Article], model: str | None = None) -> tuple[list[ArticleExtraction], float, float]:
    """Parse and extract one chunk in this process: (extractions, parse seconds, extraction seconds)."""
    from kg.pipeline import Timings, extract_articles

    t = Timings()
    out = list(extract_articles(articles, model=model, timings=t))
    return out, t.parse, t.extract


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def tapered(items: Iterable[Any], size: int, parts: int) -> Iterator[list[Any]]:
    """Chunks of ``size`` items, smaller towards the end: the input is read up to
    ``(parts + 1) × size`` items ahead, and once its end is in sight each chunk takes a
    ``parts``-th of what is left (at least one item). With ``parts`` chunks in flight, the workers
    then run out of work at nearly the same time, instead of one parsing a last full chunk while
    the others wait.

    >>> [len(c) for c in tapered(range(40), 8, 2)]
    [8, 8, 8, 8, 4, 2, 1, 1]
    """
    items = iter(items)
    ahead: deque[Any] = deque()
    horizon = (parts + 1) * size
    ended = False
    while True:
        while not ended and len(ahead) < horizon:
            try:
                ahead.append(next(items))
            except StopIteration:
                ended = True
        if not ahead:
            return
        n = size if not ended else max(1, min(size, -(-len(ahead) // parts)))
        yield [ahead.popleft() for _ in range(min(n, len(ahead)))]


def _init_worker(parent: int, by_main_thread: bool) -> None:
    """Runs first in each spawned worker, before numpy or spaCy are imported. The worker stays
    a single-threaded process (a thread would slow its parse: :mod:`kg.threads`): BLAS
    libraries get one thread, and on Linux the kernel, not a watching thread, ends the worker
    when its parent dies."""
    import atexit

    os.environ.update(SINGLE_THREAD_ENV)
    # PR_SET_PDEATHSIG fires when the *thread* that started this process ends; only a pool
    # started by the main thread lives exactly as long as that thread (else: a watching thread).
    if not (by_main_thread and _kill_when_parent_dies()):
        threading.Thread(target=_exit_with_parent, args=(parent,), name="kg-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # gone before the signal was asked for
        os._exit(1)
    atexit.register(_exit_now)


def _kill_when_parent_dies() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends (prctl PR_SET_PDEATHSIG); whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _exit_now() -> None:
    """The last thing a worker does once the pool is shut down (its multiprocessing clean-up is
    done by then): end without freeing the loaded model object by object, which would keep the
    caller waiting for a fifth of a second."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_with_parent(parent: int) -> None:
    """End this worker once its parent is gone (killed, or ended without stopping its pool):
    an orphan would parse on for nothing, holding the parent's terminal or pipes open."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _load(model: str | None) -> None:
    """Load the model and the lexicon in a worker before its first chunk arrives."""
    from kg.lexicon import load_lexicon
    from kg.nlp import load_model

    load_model(model)
    load_lexicon()


def _windowed(submit: Callable[[list[Article]], Future], articles: Iterable[Article], window: int,
              chunk_size: int, idle: Callable[[], bool] | None = None) -> Iterator[tuple[list[Article], Future]]:
    """Submit chunks keeping at most ``window`` in flight; yield (chunk, future) in input order.
    Before a future is yielded that is not done yet, ``idle()`` is called until it is, or until
    ``idle()`` returns False (each call does one small step of other work and says whether
    there is more; after False it is not called again)."""
    pending: deque[tuple[list[Article], Any]] = deque()

    def next_done() -> tuple[list[Article], Any]:
        nonlocal idle
        chunk, future = pending.popleft()
        while idle is not None and not future.done():
            if not idle():
                idle = None
        return chunk, future

    for chunk in tapered(articles, chunk_size, window):
        pending.append((chunk, submit(chunk)))
        if len(pending) >= window:
            yield next_done()
    while pending:
        yield next_done()


def parallel_extractions(
    articles: Iterable[Article],
    *,
    workers: int = 2,
    dask_address: str | None = None,
    model: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_article: Callable[[Article], None] | None = None,
    timings: Any = None,
    idle: Callable[[], bool] | None = None,
    eager: bool = False,
) -> Generator[ArticleExtraction, None, None]:
    """Extractions of ``articles`` computed by ``workers`` processes or on the Dask cluster at
    ``dask_address`` ("tcp://host:8786", or a ``distributed.Client``), in input order.
    ``idle`` is called while waiting for them (see :func:`_windowed`).

    The workers load the model as soon as they start, while this process reads the articles of
    their first chunks. They start when the first article arrives or, ``eager``, at once (when
    reading up to the first article to parse may take a while and there probably is one: they
    are stopped if there is none), unless :func:`workers_started` started them earlier."""
    if dask_address is not None:
        yield from _dask(articles, dask_address, model=model, chunk_size=chunk_size, on_article=on_article,
                         timings=timings, idle=idle)
        return
    import itertools

    articles = iter(articles)
    first: Article | None = None
    pool = _started.pop((workers, model), None)  # started ahead (workers_started)
    if not eager and pool is None:
        first = next(articles, None)
        if first is None:
            return
    pool = pool or _start_pool(workers, model)
    try:
        if eager or first is None:  # the input is read while the workers load the model
            first = next(articles, None)
            if first is None:
                _stop(pool)
                return
        submit = lambda chunk: pool.submit(extract_chunk, chunk, model)  # noqa: E731
        for chunk, future in _windowed(submit, itertools.chain((first,), articles), 2 * workers, chunk_size, idle):
            yield from _collect(chunk, future.result(), on_article, timings)
    except BaseException:  # Ctrl-C, an error here or in a worker: no worker parses on
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _start_pool(workers: int, model: str | None) -> ProcessPoolExecutor:
    """``workers`` spawned processes, each loading the model at once."""
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker,
                               initargs=(os.getpid(), threading.current_thread() is threading.main_thread()))
    for _ in range(workers):
        pool.submit(_load, model)  # errors (a missing model) surface with the first chunk
    return pool


_started: dict[tuple[int, str | None], ProcessPoolExecutor] = {}


@contextmanager
def workers_started(workers: int, model: str | None = None) -> Iterator[None]:
    """Start ``workers`` extraction processes now, for the next :func:`parallel_extractions` in
    this process with the same ``workers`` and ``model`` (not on Dask): they load the model while
    the caller does other work first (``kg build`` starts them before it imports the rest of kg).
    Processes still not taken when the block ends are stopped.

    >>> with workers_started(1):                         # doctest: +SKIP
    ...     result = build(["new/"], store="out/store", parse_aside=True)
    """
    key = (workers, model)
    pool = _started[key] = _start_pool(workers, model)
    try:
        yield
    finally:
        if _started.get(key) is pool:
            del _started[key]
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` now: its workers are terminated (whatever they are doing), its thread and
    queues are ended before this returns (a process that then exits at once leaks nothing)."""
    running = list((getattr(pool, "_processes", None) or {}).values())  # (no public API in 3.11)
    for proc in running:
        proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _collect(chunk: list[Article], result: tuple[list[ArticleExtraction], float, float],
             on_article: Callable[[Article], None] | None, timings: Any) -> Iterator[ArticleExtraction]:
    extractions, parse, extract = result
    if timings is not None:
        timings.parse += parse
        timings.extract += extract
    for a, ex in zip(chunk, extractions):
        yield ex
        if on_article is not None:
            on_article(a)


def _dask(articles: Iterable[Article], address: Any, *, model: str | None, chunk_size: int,
          on_article: Callable[[Article], None] | None, timings: Any,
          idle: Callable[[], bool] | None = None) -> Iterator[ArticleExtraction]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        from kg.errors import KgError

        raise KgError("--dask needs the dask[distributed] package: pip install 'kg[dask]'") from exc
    own = not isinstance(address, Client)
    client = Client(address, timeout="30s") if own else address
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        submit = lambda chunk: client.submit(extract_chunk, chunk, model, pure=False)  # noqa: E731
        started = time.perf_counter()
        for chunk, future in _windowed(submit, articles, 2 * workers, chunk_size, idle):
            yield from _collect(chunk, future.result(), on_article, timings)
        if timings is not None and not timings.parse:
            timings.parse = time.perf_counter() - started
    finally:
        if own:
            client.close()
