"""The persistent state of kg builds: the RDF store and the extraction cache, in one directory.

::

    STORE_DIR/
        oxigraph/              the dataset in an Oxigraph database (kg.store.GraphStore)
        extractions.sqlite     what kg read from each article (kg.cache.ExtractionCache)

``kg build`` keeps it under the output directory (``output/store``) unless ``--store`` says
otherwise; ``kg query``, ``kg serve``, ``kg push`` and ``kg remove`` use it.
"""

from __future__ import annotations

from pathlib import Path

from kg.cache import ExtractionCache
from kg.errors import KgError

__all__ = ["Workspace", "default_store_dir"]

GRAPH_DIR = "oxigraph"
CACHE_FILE = "extractions.sqlite"


def default_store_dir(out_dir: str | Path) -> Path:
    return Path(out_dir) / "store"


class Workspace:
    """The store directory; opens its parts lazily (the RDF store takes a write lock)."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.exists():
            raise KgError(f"{self.path}: no kg store here (run `kg build ... --store {self.path}` first)")
        self._cache: ExtractionCache | None = None
        self._graph = None

    def exists(self) -> bool:
        return (self.path / GRAPH_DIR).is_dir() or (self.path / CACHE_FILE).is_file()

    @property
    def cache(self) -> ExtractionCache:
        if self._cache is None:
            self._cache = ExtractionCache(self.path / CACHE_FILE)
        return self._cache

    @property
    def graph(self):
        """The :class:`kg.store.GraphStore` (read-only handles may be opened by many processes)."""
        if self._graph is None:
            from kg.store import GraphStore, StoreError

            try:
                self._graph = GraphStore(self.path / GRAPH_DIR, read_only=self.read_only)
            except StoreError as exc:
                raise KgError(f"{self.path / GRAPH_DIR}: {exc}") from exc
        return self._graph

    @property
    def graph_dir(self) -> Path:
        return self.path / GRAPH_DIR

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self._graph is not None:
            self._graph.close()
            self._graph = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
