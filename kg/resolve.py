"""Entity resolution over the whole corpus: article mentions → entities, relations → facts.

Runs after extraction (serial or parallel), over every article's :class:`ArticleExtraction`, so
the result does not depend on how extraction was split across processes.

1. Within an article, mentions linked by coreference (``antecedent``) form a cluster.
2. Clusters are keyed: a named cluster by each of its normalised names (full name, acronym,
   long form); a description ("the letter", "agreements requiring consent") by article and
   text, because two articles' "open letter" are rarely the same letter; a general concept
   ("fair use", "copyright protections") by its normalised text across the corpus.
3. Clusters sharing a key merge when their classes are compatible (one subsumes the other).
   A surname alone joins a full name from another article only when exactly one person in
   the corpus has that surname, so two people sharing a surname stay apart.
4. Each entity gets the fullest name as label, other names as alternative labels, and the
   class with the strongest typing evidence; relations between entities become facts with all
   their evidence; negated or hypothetical relations become claims.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kg.model import Article, ArticleExtraction, Entity, Evidence, Fact, KnowledgeGraph, Mention
from kg.ontology import choose_class, is_a, slugify

__all__ = ["resolve", "Resolver", "normalise", "TYPE_RULE_WEIGHT", "SCOPED_CLASSES", "DEFAULT_MIN_CONFIDENCE"]

# How much a typing rule is trusted when mentions of one entity disagree.
TYPE_RULE_WEIGHT = {
    "lexicon-term": 3.0,
    "role-noun": 2.5,
    "title": 2.5,
    "apposition": 2.5,
    "hearst": 2.5,
    "definite-description": 2.5,
    "name-suffix": 2.0,
    "name-prefix": 2.0,
    "acronym-not-person": 2.0,
    "head-noun": 1.5,
    "name-word": 1.5,
    "work-of-role": 2.0,
    "predicate-range": 2.0,
    "acronym-definition": 1.0,
    "pronoun-antecedent": 1.2,
    "coordination": 1.5,
    "compound-term": 0.5,
    "proper-noun": 0.1,
    "default": 0.1,
}
# Descriptions of these classes denote one particular thing in one article.
SCOPED_CLASSES = ("Document", "CreativeWork", "Event", "Campaign", "Agent", "Character")
_ARTICLES = re.compile(r"^(the|a|an|this|that|these|those)\s+", re.I)


_WEIGHT_OF: dict[str, float] = {}  # rule name → weight, filled as rules are seen


def _rule_weight(rule: str) -> float:
    w = _WEIGHT_OF.get(rule)
    if w is None:
        w = _WEIGHT_OF[rule] = 1.0 if rule.startswith("ner") else TYPE_RULE_WEIGHT.get(rule, 1.0)
    return w


@lru_cache(maxsize=1 << 17)  # names repeat across mentions and articles
def normalise(text: str) -> str:
    """Matching key of a name: case, quotes, dashes, possessive 's and a leading article ignored.

    >>> normalise("The Screen Actors’ Guild")
    'screen actors guild'
    >>> normalise("Acme's")
    'acme'
    """
    s = unicodedata.normalize("NFKC", text).casefold()
    s = s.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s-]", " ", s)
    s = re.sub(r"[-\s]+", " ", s).strip()
    s = _ARTICLES.sub("", s)
    return s


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _concept_key(text: str) -> str:
    words = normalise(text).split()
    if words:
        words[-1] = _singular(words[-1])
    return " ".join(words)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class _Cluster:
    """Mentions of one entity within one article (then merged across articles)."""

    __slots__ = ("size", "non_pronouns", "article_ids", "votes", "counts", "names", "descriptions", "aliases",
                 "_cls", "_label")

    def __init__(self) -> None:
        # Plain dicts (not Counter/defaultdict): a large corpus has hundreds of thousands of these.
        self.size = 0  # mentions
        self.non_pronouns = 0
        self.article_ids: set[str] = set()
        self.votes: dict[str, float] = {}  # class → strongest rule weight
        self.counts: dict[str, int] = {}  # class → number of mentions voting for it
        self.names: dict[str, int] = {}
        self.descriptions: dict[str, int] = {}
        self.aliases: set[str] = set()
        self._cls: str | None = None  # cached class and label, forgotten by add() and merge()
        self._label: str | None = None

    def add(self, article_id: str, m: Mention) -> None:
        self._cls = self._label = None
        self.size += 1
        self.article_ids.add(article_id)
        if m.kind != "pronoun":
            self.non_pronouns += 1
            self.votes[m.cls] = max(self.votes.get(m.cls, 0.0), _rule_weight(m.type_rule))
            self.counts[m.cls] = self.counts.get(m.cls, 0) + 1
        if m.kind == "name":
            self.names[m.text] = self.names.get(m.text, 0) + 1
        elif m.kind == "nominal":
            self.descriptions[m.text] = self.descriptions.get(m.text, 0) + 1
        if m.aliases:
            self.aliases.update(m.aliases)

    def merge(self, other: "_Cluster") -> None:
        self._cls = self._label = None
        self.size += other.size
        self.non_pronouns += other.non_pronouns
        self.article_ids |= other.article_ids
        for c, w in other.votes.items():
            self.votes[c] = max(self.votes.get(c, 0.0), w)
        for table, more in ((self.counts, other.counts), (self.names, other.names),
                            (self.descriptions, other.descriptions)):
            for k, v in more.items():
                table[k] = table.get(k, 0) + v
        self.aliases |= other.aliases

    @property
    def is_named(self) -> bool:
        return bool(self.names)

    @property
    def cls(self) -> str:
        # The strongest rule wins; repeated evidence adds a little (three NER "place" tags
        # outvote one NER "organisation" tag, not a role noun).
        if self._cls is None:
            self._cls = choose_class({c: w + 0.1 * min(self.counts[c] - 1, 4) for c, w in self.votes.items()})
        return self._cls

    @property
    def label(self) -> str:
        if self._label is None:
            pool = self.names or self.descriptions
            # Fullest name first (most words), then most frequent, then alphabetical.
            self._label = min(pool, key=lambda t: (-len(t.split()), -pool[t], t))
        return self._label

    @property
    def alt_labels(self) -> tuple[str, ...]:
        label = self.label
        pool = set(self.names) | self.aliases
        if not self.is_named:
            pool |= set(self.descriptions)
        return tuple(sorted(a for a in pool if a != label))


_EMPTY = _Cluster()  # stands for every cluster merged into another


def _compatible(a: str, b: str) -> bool:
    return is_a(a, b) or is_a(b, a)


DEFAULT_MIN_CONFIDENCE = 0.5


def resolve(extractions: Iterable[ArticleExtraction], *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> KnowledgeGraph:
    """Resolve entities across articles and collect facts (see module docstring).

    Relations the articles assert become facts when their combined confidence reaches
    ``min_confidence``, candidates otherwise; unasserted ones (negated, hypothetical) claims.
    Of several extractions of one article id, the last one counts.
    """
    resolver = Resolver(min_confidence=min_confidence)
    for ex in extractions:
        resolver.add(ex)
    return resolver.graph()


@dataclass(frozen=True, slots=True)
class _ArticlePart:
    """What resolution needs of one article, computed when the article arrives (steps 1 and 2
    of the module docstring): its mentions and the cluster of each (clusters numbered within
    the article), the clusters' cross-article keys, and its relations as (subject cluster,
    object cluster, predicate, verb, asserted, evidence). The clusters themselves are made
    again by :meth:`Resolver.graph`: kept, they made the resolver hold 1.7 times as much."""

    article: Article
    mentions: tuple[Mention, ...]
    cluster_of: tuple[int, ...]
    clusters: int
    keys: tuple[int | str, ...]  # cluster, key, cluster, key, ...
    surname_only: tuple[int, ...]
    relations: tuple[tuple[int, int, str | None, str, bool, Evidence], ...]

    def make_clusters(self) -> list[_Cluster]:
        clusters = [_Cluster() for _ in range(self.clusters)]
        aid = self.article.id
        for m, ci in zip(self.mentions, self.cluster_of):
            clusters[ci].add(aid, m)
        return clusters


class Resolver:
    """:func:`resolve` as a stream: :meth:`add` articles' extractions as they come, in any order
    (a later extraction of an article id replaces the earlier one), then :meth:`graph`.

    The work of one article alone (coreference clusters, their keys, evidence records) is done
    in :meth:`add`, so that a build can do it while other articles are still being parsed; the
    corpus-wide part (merging, entity keys, facts) in :meth:`graph`, over the articles sorted by
    id: the graph depends neither on the order of :meth:`add` calls nor on how often
    :meth:`graph` is called.
    """

    def __init__(self, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.min_confidence = min_confidence
        self._parts: dict[str, _ArticlePart] = {}
        self._made: dict[str, list[_Cluster]] = {}  # clusters made ahead by prepare(), for graph()

    def __len__(self) -> int:
        return len(self._parts)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._parts

    def add(self, ex: ArticleExtraction) -> None:
        self._parts[ex.article.id] = _article_part(ex)
        self._made.pop(ex.article.id, None)

    def discard(self, article_id: str) -> None:
        self._parts.pop(article_id, None)
        self._made.pop(article_id, None)

    def prepare(self, articles: int = 100) -> bool:
        """Do some of :meth:`graph`'s work ahead, on the articles added so far: make the entity
        clusters of up to ``articles`` of them (and choose their classes). A build calls it
        while it waits for articles still being parsed. Returns whether there is more to do."""
        todo = [aid for aid in self._parts if aid not in self._made][:articles]
        for aid in todo:
            clusters = self._parts[aid].make_clusters()
            for c in clusters:
                if c.non_pronouns:
                    c.cls  # noqa: B018 - cached on the cluster
            self._made[aid] = clusters
        return len(self._made) < len(self._parts)

    def graph(self) -> KnowledgeGraph:
        ids = sorted(self._parts)
        # (the clusters made ahead are merged into one another now: they serve this call only)
        made, self._made = self._made, {}
        return _corpus_graph([self._parts[aid] for aid in ids], self.min_confidence, [made.get(aid) for aid in ids])


def _article_part(ex: ArticleExtraction) -> _ArticlePart:
    aid = ex.article.id
    roots = _coreference_roots(ex.mentions)
    clusters: list[_Cluster] = []
    local: dict[int, int] = {}
    of_mention: list[int] = []
    for mi, m in enumerate(ex.mentions):
        root = roots[mi]
        ci = local.get(root)
        if ci is None:
            ci = local[root] = len(clusters)
            clusters.append(_Cluster())
        clusters[ci].add(aid, m)
        of_mention.append(ci)

    # Keys for cross-article merging.
    keys: list[int | str] = []  # flat (cluster, key) pairs; keys interned: names recur across articles
    surname_only: list[int] = []
    for ci, c in enumerate(clusters):
        if not c.non_pronouns:
            continue
        cls = c.cls
        if c.is_named:
            names = {normalise(n) for n in c.names} | {normalise(a) for a in c.aliases}
            names.discard("")
            full = [n for n in names if len(n.split()) >= 2]
            if is_a(cls, "Person") and not full:
                surname_only.append(ci)
                continue
            for n in names:
                if is_a(cls, "Person") and len(n.split()) < 2:
                    continue  # a bare surname inside a full-name cluster is no key across articles
                keys += (ci, sys.intern(f"name:{n}"))
        elif any(is_a(cls, s) for s in SCOPED_CLASSES):
            keys += (ci, f"desc:{aid}:{_concept_key(c.label)}")
        else:
            keys += (ci, sys.intern(f"concept:{_concept_key(c.label)}"))

    sentences = {s.index: s for s in ex.sentences}
    relations = []
    for rel in ex.relations:
        s, o = of_mention[rel.subject], of_mention[rel.object]
        if s == o:
            continue  # one cluster: stays one entity whatever merges
        sent = sentences[rel.sentence]
        ev = Evidence(
            article_id=aid, sentence=sent.text, start=sent.start, end=sent.end, rule=rel.rule,
            confidence=rel.confidence, verb=rel.verb, subject_text=ex.mentions[rel.subject].text,
            object_text=ex.mentions[rel.object].text, polarity=rel.polarity, modality=rel.modality,
        )
        verb = rel.verb if rel.predicate is None else rel.predicate
        relations.append((s, o, rel.predicate, verb, rel.asserted, ev))
    return _ArticlePart(ex.article, ex.mentions, tuple(of_mention), len(clusters), tuple(keys), tuple(surname_only),
                        tuple(relations))


def _corpus_graph(parts: list[_ArticlePart], min_confidence: float,
                  made: list[list[_Cluster] | None] | None = None) -> KnowledgeGraph:
    """Steps 3 and 4 of the module docstring over ``parts`` (sorted by article id); ``made``
    has, for each part, its clusters if they were made already (:meth:`Resolver.prepare`)."""
    clusters: list[_Cluster] = []
    offsets: list[int] = []
    keys: dict[str, list[int]] = defaultdict(list)
    surname_only: list[int] = []
    for part, ready in zip(parts, made or [None] * len(parts)):
        off = len(clusters)
        offsets.append(off)
        clusters.extend(part.make_clusters() if ready is None else ready)
        pairs = part.keys
        for i in range(0, len(pairs), 2):
            keys[pairs[i + 1]].append(off + pairs[i])  # type: ignore[index,operator]
        surname_only.extend(off + ci for ci in part.surname_only)
    uf = _UnionFind()
    for ci in range(len(clusters)):
        uf.find(ci)
    for key in sorted(keys):
        members = keys[key]
        for other in members[1:]:
            a, b = uf.find(members[0]), uf.find(other)
            if a != b and _compatible(clusters[a].cls, clusters[b].cls):
                _union(clusters, uf, a, b)
    # Surnames: join the one person in the corpus with that surname, if exactly one.
    by_surname: dict[str, set[int]] = defaultdict(set)
    surname_set = set(surname_only)
    for ci, c in enumerate(clusters):
        if c.is_named and ci not in surname_set and is_a(c.cls, "Person"):
            for n in c.names:
                words = normalise(n).split()
                if len(words) >= 2:
                    by_surname[words[-1]].add(uf.find(ci))
    for ci in surname_only:
        surname = normalise(clusters[ci].label)
        owners = by_surname.get(surname, set())
        if len(owners) == 1:
            _union(clusters, uf, uf.find(next(iter(owners))), uf.find(ci))

    # Build entities.
    # A cluster of pronouns alone (no antecedent found) names nothing.
    roots = sorted({uf.find(ci) for ci in range(len(clusters)) if clusters[ci].size})
    roots = [r for r in roots if clusters[r].non_pronouns]
    entity_of_root: dict[int, str] = {}
    used_keys: set[str] = set()
    ent_records: dict[int, _Cluster] = {}
    for r in sorted(roots, key=lambda r: (clusters[r].label.casefold(), r)):
        ent_records[r] = clusters[r]
    # Facts (needed to know which nominal entities take part in facts).
    groups: dict[tuple[int, str | None, str, int, bool], list[Evidence]] = defaultdict(list)
    for part, off in zip(parts, offsets):
        for s_local, o_local, predicate, verb, asserted, ev in part.relations:
            s, o = uf.find(off + s_local), uf.find(off + o_local)
            if s == o or s not in ent_records or o not in ent_records:
                continue
            groups[(s, predicate, verb, o, asserted)].append(ev)
    in_facts = {k[0] for k in groups} | {k[3] for k in groups}
    entities: list[Entity] = []
    for r, c in ent_records.items():  # in (label, root) order, as filled above
        if not c.is_named and r not in in_facts:
            continue
        key = _unique_key(c, used_keys)
        entity_of_root[r] = key
        entities.append(
            Entity(
                key=key, label=c.label, cls=c.cls, alt_labels=c.alt_labels,
                mention_count=c.size, articles=tuple(sorted(c.article_ids)),
            )
        )
    facts: list[Fact] = []
    for (s, pred, verb, o, asserted), evs in groups.items():
        if s not in entity_of_root or o not in entity_of_root:
            continue
        evs = _one_per_sentence(evs)
        subject, obj, name = entity_of_root[s], entity_of_root[o], verb if pred is None else pred
        fact = Fact(subject, pred, name, obj, tuple(evs))
        if not asserted:
            fact = Fact(subject, pred, name, obj, fact.evidence, status="claim")
        elif fact.confidence < min_confidence:
            fact = Fact(subject, pred, name, obj, fact.evidence, status="candidate")
        facts.append(fact)
    facts.sort(key=lambda f: (f.subject, f.predicate or "", f.verb, f.object, f.status))
    entities.sort(key=lambda e: e.key)
    return KnowledgeGraph(articles=tuple(p.article for p in parts), entities=tuple(entities), facts=tuple(facts))


def _coreference_roots(mentions: tuple[Mention, ...]) -> list[int]:
    """For each mention, the root of its coreference cluster (union-find over ``antecedent``
    links, in mention order; a link outside the article is a node of its own)."""
    n = len(mentions)
    if all(m.antecedent is None for m in mentions):  # most articles' mentions: no link at all
        return list(range(n))
    uf = _UnionFind()
    for mi, m in enumerate(mentions):
        uf.find(mi)
        if m.antecedent is not None:
            uf.union(mi, m.antecedent)
    return [uf.find(mi) for mi in range(n)]


def _one_per_sentence(evs: list[Evidence]) -> list[Evidence]:
    """One evidence record per sentence: the most confident reading (support counts sentences)."""
    best: dict[tuple[str, int, int], Evidence] = {}
    for e in evs:
        key = (e.article_id, e.start, e.end)
        cur = best.get(key)
        if cur is None or (e.confidence, e.rule, e.verb, e.subject_text, e.object_text) > (
                cur.confidence, cur.rule, cur.verb, cur.subject_text, cur.object_text):
            best[key] = e
    return sorted(best.values(), key=lambda e: (e.article_id, e.start, e.rule))


def _union(clusters: list[_Cluster], uf: _UnionFind, a: int, b: int) -> None:
    ra, rb = uf.find(a), uf.find(b)
    if ra == rb:
        return
    uf.union(ra, rb)
    keep = uf.find(ra)
    gone = rb if keep == ra else ra
    clusters[keep].merge(clusters[gone])
    clusters[gone] = _EMPTY


def _unique_key(c: _Cluster, used: set[str]) -> str:
    """A deterministic, IRI-safe key: the slug of the label, disambiguated when taken."""
    base = slugify(c.label) or "entity"
    candidates = [base, f"{base}-{c.cls.lower()}"]
    if not c.is_named:
        candidates = [f"{base}-{slugify(min(c.article_ids))[:24]}"] + candidates
    for k in candidates:
        if k not in used:
            used.add(k)
            return k
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    used.add(f"{base}-{n}")
    return f"{base}-{n}"
