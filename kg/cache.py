"""What kg read from each article, kept between builds (incremental builds).

An :class:`ExtractionCache` is a SQLite file beside the RDF store holding one row per article:
its id, content hash, the extractor version and the :class:`~kg.model.ArticleExtraction` as
compressed JSON. A later build parses only articles whose id is new or whose content (or kg's
rules) changed; resolution then runs over every cached article, so entity merging stays
consistent across updates. SQLite transactions make every write all-or-nothing: a build killed
half-way leaves the cache as it was before, or with some articles fully added.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import asdict
from functools import cache
from pathlib import Path

from kg.errors import KgError
from kg.model import Article, ArticleExtraction, Mention, Relation, Sentence

__all__ = ["ExtractionCache", "extractor_version", "code_digest", "to_json", "from_json"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS extractions (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    version TEXT NOT NULL,
    data BLOB NOT NULL,
    raw TEXT
)
"""
# ``raw``: kg.ingest.raw_key of the input the article was cleaned from (NULL when not known;
# caches written before the column existed get it added, empty).


def to_json(ex: ArticleExtraction) -> bytes:
    """An extraction as compact, compressed JSON."""
    return zlib.compress(json.dumps(asdict(ex), separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6)


def from_json(data: bytes) -> ArticleExtraction:
    """The inverse of :func:`to_json`."""
    d = json.loads(zlib.decompress(data).decode("utf-8"))
    return ArticleExtraction(
        article=Article(**d["article"]),
        sentences=tuple(Sentence(**s) for s in d["sentences"]),
        mentions=tuple(Mention(**{**m, "aliases": tuple(m["aliases"])}) for m in d["mentions"]),
        relations=tuple(Relation(**r) for r in d["relations"]),
        extractor_version=d["extractor_version"],
    )


def code_digest(*modules: str) -> bytes | None:
    """SHA-256 of the named modules' source code, read through their loaders (so it works
    from a wheel or a zip too), or None when one has no source to read (a frozen install)."""
    import hashlib
    import importlib.util

    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        try:
            source = spec.loader.get_source(name) if spec and spec.loader else None  # type: ignore[attr-defined]
        except (OSError, ImportError, AttributeError):
            source = None
        if source is None:
            return None
        h.update(source.encode("utf-8", "surrogatepass"))
    return h.digest()


@cache
def extractor_version() -> str:
    """A digest of the extraction code (kg/extract/*.py) and rule data (the lexicons): cached
    extractions are reused only while it holds. Computed from the files, without importing the
    extractor (nor spaCy)."""
    import hashlib

    from kg.lexicon import LEXICON_DIR

    h = hashlib.sha256()
    here = Path(__file__).resolve().parent / "extract"
    for path in sorted(here.glob("*.py")) + sorted(LEXICON_DIR.glob("*")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class ExtractionCache:
    """Article extractions on disk, keyed by article id (``path`` is the SQLite file)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            if "raw" not in {row[1] for row in self._db.execute("PRAGMA table_info(extractions)")}:
                try:
                    self._db.execute("ALTER TABLE extractions ADD COLUMN raw TEXT")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise KgError(f"{self.path}: cannot open the extraction cache ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ExtractionCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fresh(self, article: Article, version: str) -> bool:
        """True when ``article`` (same id, same content) was extracted by this extractor version."""
        row = self._db.execute("SELECT hash, version FROM extractions WHERE id = ?", (article.id,)).fetchone()
        return row is not None and row[0] == article.content_hash and row[1] == version

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM extractions ORDER BY id")]

    def hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT id, hash FROM extractions"))

    def put(self, extractions: Iterable[ArticleExtraction], raw_keys: Mapping[str, str] | None = None) -> int:
        """Store extractions (replacing same ids) in one transaction; returns how many.
        ``raw_keys`` gives, by article id, the raw key of the input each was cleaned from."""
        raw_keys = raw_keys or {}
        rows = [(ex.article.id, ex.article.content_hash, ex.extractor_version, to_json(ex), raw_keys.get(ex.article.id))
                for ex in extractions]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO extractions (id, hash, version, data, raw) VALUES (?, ?, ?, ?, ?)",
                                 rows)
        return len(rows)

    def learn_raw(self, keys: Iterable[tuple[str, str, str]]) -> None:
        """Record (raw key, article id, content hash) triples for extractions stored without
        their raw key (only where the id still has that hash)."""
        with self._db:
            self._db.executemany("UPDATE extractions SET raw = ? WHERE id = ? AND hash = ?", list(keys))

    def cleaned(self, version: str) -> dict[str, str]:
        """Raw key → content hash, for the articles whose extraction is current (``version``)
        and whose raw input is known (see :class:`kg.ingest.CleanedBefore`)."""
        return dict(self._db.execute("SELECT raw, hash FROM extractions WHERE raw IS NOT NULL AND version = ?",
                                     (version,)))

    def remove(self, article_id: str) -> bool:
        with self._db:
            cur = self._db.execute("DELETE FROM extractions WHERE id = ?", (article_id,))
        return cur.rowcount > 0

    def clear(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM extractions")

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]

    def read_except(self, skip: Container[str], page: int = 64) -> Iterator[ArticleExtraction]:
        """Every cached extraction whose article id is not in ``skip`` when its row is read, in
        article-id order. Rows are read a page at a time, each page a query of its own, so the
        cache may be written to between two items (``skip`` may grow meanwhile)."""
        rows = self._db.execute("SELECT id, data FROM extractions ORDER BY id LIMIT ?", (page,)).fetchall()
        while rows:
            for aid, data in rows:
                if aid not in skip:
                    yield from_json(data)
            rows = self._db.execute("SELECT id, data FROM extractions WHERE id > ? ORDER BY id LIMIT ?",
                                    (rows[-1][0], page)).fetchall()

    def __iter__(self) -> Iterator[ArticleExtraction]:
        """Every cached extraction, in article-id order (streamed from disk)."""
        return self.read_except(())
