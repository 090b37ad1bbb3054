"""Running extraction in several processes, or as tasks on a Dask cluster.

Articles are cut into chunks; each chunk is parsed and extracted by a worker that loads the
spaCy model once; the extractions come back in input order. Only extraction runs remotely:
entity resolution always runs afterwards over the whole corpus, so serial, multi-process and
Dask builds give the same graph.

At most ``2 × workers`` chunks are in flight, so memory stays bounded however long the input.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from kg.model import Article, ArticleExtraction

__all__ = ["extract_chunk", "chunked", "parallel_extractions", "SINGLE_THREAD_ENV"]

CHUNK_SIZE = 16
# One worker = one core: BLAS libraries must not start threads of their own.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "BLIS_NUM_THREADS": "1"}


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


def _init_worker() -> None:
    """Runs first in each spawned worker, before numpy or spaCy are imported."""
    os.environ.update(SINGLE_THREAD_ENV)


def _windowed(submit: Callable[[list[Article]], Future], articles: Iterable[Article], window: int,
              chunk_size: int) -> Iterator[tuple[list[Article], Future]]:
    """Submit chunks keeping at most ``window`` in flight; yield (chunk, future) in input order."""
    pending: deque[tuple[list[Article], Future]] = deque()
    for chunk in chunked(articles, chunk_size):
        pending.append((chunk, submit(chunk)))
        if len(pending) >= window:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def parallel_extractions(
    articles: Iterable[Article],
    *,
    workers: int = 2,
    dask_address: str | None = None,
    model: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_article: Callable[[Article], None] | None = None,
    timings: Any = None,
) -> Iterator[ArticleExtraction]:
    """Extractions of ``articles`` computed by ``workers`` processes or on the Dask cluster at
    ``dask_address`` ("tcp://host:8786", or a ``distributed.Client``), in input order."""
    if dask_address is not None:
        yield from _dask(articles, dask_address, model=model, chunk_size=chunk_size, on_article=on_article,
                         timings=timings)
        return
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker)
    try:
        submit = lambda chunk: pool.submit(extract_chunk, chunk, model)  # noqa: E731
        for chunk, future in _windowed(submit, articles, 2 * workers, chunk_size):
            yield from _collect(chunk, future.result(), on_article, timings)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
          on_article: Callable[[Article], None] | None, timings: Any) -> Iterator[ArticleExtraction]:
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
        for chunk, future in _windowed(submit, articles, 2 * workers, chunk_size):
            yield from _collect(chunk, future.result(), on_article, timings)
        if timings is not None and not timings.parse:
            timings.parse = time.perf_counter() - started
    finally:
        if own:
            client.close()
