"""Small hand-made knowledge graphs for tests of the RDF, query and export stages."""

from __future__ import annotations

from kg.model import Article, Entity, Evidence, Fact, KnowledgeGraph


def sample_graph(poison: bool = False) -> KnowledgeGraph:
    """Three articles, a signed letter, an argument, an open relation and a negated claim.

    With ``poison=True`` names, sentences, titles and URLs carry markup and script payloads.
    """
    evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">' if poison else ""
    url = "javascript:window.__pwned=3" if poison else "https://example.org/a1"
    a1 = Article("a1", f"Ana Lopez{evil} signed the open letter. Acme argued that training is fair use.",
                 title=f"Letter news{evil}", url=url, date="2025-01-02", source="a1.txt")
    a2 = Article("a2", "The guild backed the letter. Ana Lopez did not sign the pledge.", title="Guild", source="a2.txt")
    a3 = Article("a3 with spaces/and:odd#chars", "Acme thanked Globex.", source="feed.jsonl:3")
    ents = (
        Entity("ana-lopez", f"Ana Lopez{evil}", "Actor", ("Lopez",), 3, ("a1", "a2")),
        Entity("open-letter-a1", "open letter", "Letter", ("letter",), 2, ("a1", "a2")),
        Entity("acme", "Acme", "Company", (), 2, ("a1", "a3 with spaces/and:odd#chars")),
        Entity("fair-use", "fair use", "LegalConcept", (), 1, ("a1",)),
        Entity("guild", "Screen Guild", "LaborUnion", ("SG",), 1, ("a2",)),
        Entity("pledge-a2", "pledge", "Letter", (), 1, ("a2",)),
        Entity("globex", "Globex", "Company", (), 1, ("a3 with spaces/and:odd#chars",)),
    )
    s1 = a1.text.split(". ")[0] + "."
    facts = (
        Fact("ana-lopez", "signed", "signed", "open-letter-a1",
             (Evidence("a1", s1, 0, len(s1), "active", 0.9, "sign", f"Ana Lopez{evil}", "open letter"),)),
        Fact("acme", "argues", "argues", "fair-use",
             (Evidence("a1", "Acme argued that training is fair use.", len(s1) + 1, len(a1.text), "clause-content",
                       0.6, "argue", "Acme", "fair use"),)),
        Fact("guild", "supports", "supports", "open-letter-a1",
             (Evidence("a2", "The guild backed the letter.", 0, 28, "active", 0.9, "back", "guild", "letter"),)),
        Fact("acme", None, "thank", "globex",
             (Evidence("a3 with spaces/and:odd#chars", "Acme thanked Globex.", 0, 20, "open-active", 0.54, "thank",
                       "Acme", "Globex"),)),
        Fact("ana-lopez", "signed", "signed", "pledge-a2",
             (Evidence("a2", "Ana Lopez did not sign the pledge.", 29, 63, "active", 0.9, "sign", "Ana Lopez", "pledge",
                       polarity="negative"),), status="claim"),
    )
    return KnowledgeGraph((a1, a2, a3), ents, facts)
