"""The extraction cache behind incremental builds."""

from __future__ import annotations

from dataclasses import replace

from kg.cache import ExtractionCache, from_json, to_json
from kg.model import Article, ArticleExtraction, Mention, Relation, Sentence


def _ex(aid: str, text: str = "Acme sued Globex.", version: str = "v1") -> ArticleExtraction:
    return ArticleExtraction(
        article=Article(aid, text, title="T", url="https://x.example/a", source="a.txt").without_text(),
        sentences=(Sentence(0, 0, len(text), text),),
        mentions=(Mention("Acme", 0, 4, 0, "Company", "name", None, ("ACME",), "ner"),
                  Mention("Globex", 10, 16, 0, "Company", "name", 0, (), "ner")),
        relations=(Relation(0, 1, "sue", "sued", 0, "active", 0.9),),
        extractor_version=version,
    )


def test_round_trip_is_exact():
    ex = _ex("a1")
    assert from_json(to_json(ex)) == ex


def test_fresh_only_for_same_content_and_version(tmp_path):
    with ExtractionCache(tmp_path / "c.sqlite") as cache:
        ex = _ex("a1")
        cache.put([ex])
        same = Article("a1", "Acme sued Globex.", title="T", url="https://x.example/a", source="a.txt")
        assert cache.fresh(same, "v1")
        assert not cache.fresh(replace(same, text="Acme sued Initech."), "v1")
        assert not cache.fresh(same, "v2")
        assert not cache.fresh(replace(same, id="a2"), "v1")


def test_replace_remove_and_iterate_in_id_order(tmp_path):
    path = tmp_path / "c.sqlite"
    with ExtractionCache(path) as cache:
        cache.put([_ex("b"), _ex("a")])
        cache.put([_ex("a", "Acme sued Initech.")])
        assert cache.ids() == ["a", "b"] and len(cache) == 2
        assert [e.article.id for e in cache] == ["a", "b"]
        assert cache.remove("b") and not cache.remove("b")
    with ExtractionCache(path) as again:  # persisted
        assert again.ids() == ["a"]
        assert next(iter(again)).article.digest == _ex("a", "Acme sued Initech.").article.digest


def test_cache_of_an_older_kg_gains_the_raw_column_and_keeps_its_rows(tmp_path):
    """A cache written before raw keys existed opens, keeps its extractions, knows no raw input;
    raw keys stored later come back only for extractions of the current version."""
    import sqlite3

    path = tmp_path / "extractions.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE extractions (id TEXT PRIMARY KEY, hash TEXT NOT NULL, version TEXT NOT NULL, "
                "data BLOB NOT NULL)")
    a = _ex("a")
    old.execute("INSERT INTO extractions VALUES (?, ?, ?, ?)", ("a", a.article.content_hash, "v1", to_json(a)))
    old.commit()
    old.close()
    with ExtractionCache(path) as cache:
        assert [ex.article.id for ex in cache] == ["a"] and cache.fresh(a.article, "v1")
        assert cache.cleaned("v1") == {}
        b, c = _ex("b", "Globex hired Initech."), _ex("c", "Initech sued Acme.", version="v0")
        cache.put([b, c], raw_keys={"b": "raw-b", "c": "raw-c"})
        assert cache.cleaned("v1") == {"raw-b": b.article.content_hash}
        assert cache.cleaned("v0") == {"raw-c": c.article.content_hash}
