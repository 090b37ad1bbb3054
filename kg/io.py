"""Reading built graphs back: any RDF file rdflib can parse, as a Dataset."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset
from rdflib.util import guess_format

from kg.errors import KgError
from kg.rdf import bind_prefixes

__all__ = ["load_dataset"]


def load_dataset(path: str | Path) -> Dataset:
    """Parse ``path`` (TriG, N-Quads, Turtle, N-Triples, JSON-LD, RDF/XML) into a Dataset.

    Raises :class:`KgError` with the file name and the parser's message on failure.
    """
    path = Path(path)
    if not path.is_file():
        raise KgError(f"{path}: no such graph file")
    fmt = guess_format(str(path)) or "turtle"
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    try:
        ds.parse(path, format=fmt)
    except Exception as exc:
        raise KgError(f"{path}: cannot parse as {fmt}: {' '.join(str(exc).split())[:300]}") from exc
    return ds
