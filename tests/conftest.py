"""Shared fixtures: the trained spaCy pipeline, the shared seeds/gold folder, small builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.threads import single_threaded_blas

single_threaded_blas()  # as the kg command does (before numpy is imported): parses run faster

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def nlp():
    from kg.nlp import load_model

    return load_model()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "seeds").is_dir():
        if os.environ.get("CI") or os.environ.get("KG_REQUIRE_SHARED"):
            pytest.fail(f"{SHARED} is missing: CI must have ../shared beside the checkout")
        pytest.skip(f"{SHARED} not found beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def extract(nlp):
    """Extract one text; returns the ArticleExtraction."""
    from kg.extract import extract_article
    from kg.model import Article
    from kg.nlp import text_for_parsing

    def run(text: str, article_id: str = "t"):
        return extract_article(nlp(text_for_parsing(text)), Article(id=article_id, text=text))

    return run


@pytest.fixture(scope="session")
def triples(extract):
    """Extract a text and return its relations as readable (subject, predicate, object) triples.

    Subjects and objects are the texts of the root antecedent mention; open relations appear
    as ``"open:<verb phrase>"``; only asserted relations unless ``asserted=False``.
    """

    def run(text: str, asserted: bool = True) -> set[tuple[str, str, str]]:
        ex = extract(text)

        def name(i: int) -> str:
            m = ex.mentions[i]
            while m.antecedent is not None:
                m = ex.mentions[m.antecedent]
            return m.text

        return {
            (name(r.subject), r.predicate or f"open:{r.verb}", name(r.object))
            for r in ex.relations
            if r.asserted or not asserted
        }

    return run


# Browser fixtures (one headless Chromium for the whole session), see tests/browser.py.
from browser import chromium, open_page  # noqa: E402,F401
