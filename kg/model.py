"""Typed, frozen records passed between kg's stages.

Path → :class:`Article` → spaCy Doc → :class:`Mention` / :class:`Relation` (one
:class:`ArticleExtraction` per article) → :class:`Entity` / :class:`Fact` (after corpus-wide
resolution, one :class:`KnowledgeGraph`) → rdflib Dataset → networkx graph → HTML.

All records are immutable and picklable, so they cross process boundaries (``--workers``,
Dask) and can be cached as JSON for incremental builds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Literal

__all__ = [
    "Article",
    "Sentence",
    "Mention",
    "Relation",
    "ArticleExtraction",
    "Entity",
    "Evidence",
    "Fact",
    "KnowledgeGraph",
    "Problem",
    "Polarity",
    "Modality",
    "MentionKind",
    "Status",
]

Polarity = Literal["positive", "negative"]
Status = Literal["fact", "claim", "candidate"]
Modality = Literal["asserted", "hypothetical", "question", "prohibited", "reported"]
MentionKind = Literal["name", "nominal", "pronoun"]


@dataclass(frozen=True, slots=True)
class Article:
    """One news article after ingest: cleaned body text plus metadata.

    ``text`` is the body only (boilerplate removed); evidence offsets refer to it.
    ``source`` names where it came from (a path, ``path:line`` for JSON lines).
    """

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    author: str | None = None
    source: str = ""
    digest: str = ""  # content hash kept when the text is dropped (see :meth:`without_text`)

    @property
    def content_hash(self) -> str:
        """SHA-256 over everything that changes what kg extracts from the article."""
        if self.digest:
            return self.digest
        h = hashlib.sha256()
        for part in (self.id, self.title or "", self.url or "", self.date or "", self.author or "", self.text):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()


    def without_text(self) -> "Article":
        """The same article without its text (its hash kept): what later stages need of it."""
        return replace(self, text="", digest=self.content_hash)


@dataclass(frozen=True, slots=True)
class Problem:
    """A file (or line) that could not be read as an article. ``message`` is one line."""

    source: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article: character span in ``Article.text`` and its text."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of an article that names or describes an entity.

    ``cls`` is an ontology class local name (``"Actor"``); ``kind`` tells a proper name from a
    common noun phrase or a pronoun; ``antecedent`` is the index (in the article's mention
    tuple) of the mention it refers back to, set by in-document coreference; ``aliases`` are
    other names the article gives it (acronym ↔ long form, parenthetical definitions).
    """

    text: str
    start: int
    end: int
    sentence: int
    cls: str
    kind: MentionKind = "name"
    antecedent: int | None = None
    aliases: tuple[str, ...] = ()
    type_rule: str = "ner"


@dataclass(frozen=True, slots=True)
class Relation:
    """One (subject, predicate, object) read from one sentence, before entity resolution.

    ``predicate`` is a core ontology predicate local name (``"signed"``) or, for verbs the
    lexicon does not map, ``None`` with the verb phrase in ``verb``.
    """

    subject: int
    object: int
    verb: str
    predicate: str | None
    sentence: int
    rule: str
    confidence: float
    polarity: Polarity = "positive"
    modality: Modality = "asserted"

    @property
    def asserted(self) -> bool:
        """True when the article states the relation as real (not negated, not hypothetical)."""
        return self.polarity == "positive" and self.modality in ("asserted", "reported")


@dataclass(frozen=True, slots=True)
class ArticleExtraction:
    """Everything kg read from one article."""

    article: Article
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]
    extractor_version: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """A resolved entity: one node of the graph, all its names, one ontology class."""

    key: str  # IRI-safe local identifier, deterministic
    label: str
    cls: str
    alt_labels: tuple[str, ...] = ()
    mention_count: int = 0
    articles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence of one article stating a fact."""

    article_id: str
    sentence: str
    start: int
    end: int
    rule: str
    confidence: float
    verb: str
    subject_text: str
    object_text: str
    polarity: Polarity = "positive"
    modality: Modality = "asserted"


@dataclass(frozen=True, slots=True)
class Fact:
    """A resolved triple between two entities with all the evidence for it.

    ``predicate`` is a core predicate local name, or ``None`` for an open relation named by
    ``verb``. ``status`` says what the graph does with it:

    * ``fact``: asserted as a plain triple (and described by a ``kg:Fact`` resource);
    * ``claim``: the articles mention it but do not assert it (negated, hypothetical,
      questioned, prohibited): a ``kg:Claim``, never a plain triple;
    * ``candidate``: asserted by the text but read with a confidence below the build's
      threshold: a ``kg:Candidate``, kept with its evidence, not a plain triple.
    """

    subject: str
    predicate: str | None
    verb: str
    object: str
    evidence: tuple[Evidence, ...]
    status: Status = "fact"

    @property
    def asserted(self) -> bool:
        return self.status == "fact"

    @property
    def support(self) -> int:
        return len(self.evidence)

    @property
    def article_count(self) -> int:
        return len({e.article_id for e in self.evidence})

    @property
    def confidence(self) -> float:
        """Noisy-OR over evidence confidences, counting one (the best) sentence per article.

        Several articles agreeing raise confidence; repeating a claim within one article does not.
        """
        best: dict[str, float] = {}
        for e in self.evidence:
            best[e.article_id] = max(best.get(e.article_id, 0.0), e.confidence)
        miss = 1.0
        for c in best.values():
            miss *= 1.0 - c
        return round(1.0 - miss, 4)


@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """The resolved corpus: articles, entities and facts, ready to become RDF."""

    articles: tuple[Article, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
