"""Parallel extraction (processes, Dask) gives the same graph as a serial build."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import Article
from kg.parallel import chunked
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
