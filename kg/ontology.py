"""The kg ontology: closed namespaces, IRIs minted for resources, and the class hierarchy.

``KG`` is a closed :class:`rdflib.namespace.DefinedNamespace`: using a term the ontology
does not define raises at import or call time, and ``tests/test_ontology.py`` checks that
every term listed here is defined in ``ontology/kg.ttl`` (and the other way round).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import quote

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS, DefinedNamespace

__all__ = [
    "KG",
    "KGR",
    "ID",
    "ONTOLOGY_DIR",
    "ONTOLOGY_FILE",
    "SHAPES_FILE",
    "QUERIES_DIR",
    "CLASSES",
    "PREDICATES",
    "ontology_graph",
    "superclasses",
    "is_a",
    "choose_class",
    "domain_of",
    "range_of",
    "slugify",
    "entity_iri",
    "article_iri",
    "article_graph_iri",
    "fact_iri",
    "evidence_iri",
    "open_relation_iri",
]

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
QUERIES_DIR = ONTOLOGY_DIR / "queries"

BASE = "https://w3id.org/newskg/"


class KG(DefinedNamespace):
    """Terms of ontology/kg.ttl."""

    _fail = True
    _NS = Namespace(BASE + "ontology#")

    # classes: entities
    Entity: URIRef
    Agent: URIRef
    Person: URIRef
    Actor: URIRef
    Director: URIRef
    Writer: URIRef
    Politician: URIRef
    Organization: URIRef
    Company: URIRef
    LaborUnion: URIRef
    GovernmentBody: URIRef
    ResearchOrganization: URIRef
    Publication: URIRef
    Campaign: URIRef
    Document: URIRef
    Letter: URIRef
    Agreement: URIRef
    CreativeWork: URIRef
    Film: URIRef
    Character: URIRef
    Concept: URIRef
    LegalConcept: URIRef
    Technology: URIRef
    Event: URIRef
    Strike: URIRef
    Lawsuit: URIRef
    Place: URIRef
    # classes: provenance
    Article: URIRef
    Fact: URIRef
    Claim: URIRef
    Candidate: URIRef
    Evidence: URIRef
    OpenRelation: URIRef
    # fact predicates
    relatedTo: URIRef
    signed: URIRef
    argues: URIRef
    secured: URIRef
    urges: URIRef
    joined: URIRef
    advocates: URIRef
    supports: URIRef
    opposes: URIRef
    criticizes: URIRef
    warns: URIRef
    addressedTo: URIRef
    memberOf: URIRef
    worksFor: URIRef
    knownFor: URIRef
    playedRole: URIRef
    directed: URIRef
    gavePermission: URIRef
    bans: URIRef
    uses: URIRef
    recommends: URIRef
    documents: URIRef
    estimates: URIRef
    requires: URIRef
    sued: URIRef
    represents: URIRef
    founded: URIRef
    leads: URIRef
    partneredWith: URIRef
    licensed: URIRef
    releasedBy: URIRef
    developedBy: URIRef
    concernedAbout: URIRef
    spokeAbout: URIRef
    replicates: URIRef
    produced: URIRef
    acquired: URIRef
    invested: URIRef
    announced: URIRef
    locatedIn: URIRef
    # provenance properties
    evidence: URIRef
    sentence: URIRef
    startChar: URIRef
    endChar: URIRef
    sourceArticle: URIRef
    extractionRule: URIRef
    confidence: URIRef
    supportCount: URIRef
    articleCount: URIRef
    verbPhrase: URIRef
    subjectText: URIRef
    objectText: URIRef
    polarity: URIRef
    modality: URIRef
    mentionedIn: URIRef
    mentionCount: URIRef
    contentHash: URIRef
    sourcePath: URIRef


KGR = Namespace(BASE + "relation/")  # open relations: verbs the lexicon does not map
ID = Namespace(BASE + "id/")  # minted resources: entities, articles, facts, evidence

CLASSES: frozenset[str] = frozenset(
    """Entity Agent Person Actor Director Writer Politician Organization Company LaborUnion
    GovernmentBody ResearchOrganization Publication Campaign Document Letter Agreement CreativeWork
    Film Character Concept LegalConcept Technology Event Strike Lawsuit Place""".split()
)
PREDICATES: frozenset[str] = frozenset(
    """signed argues secured urges joined advocates supports opposes criticizes warns addressedTo
    memberOf worksFor knownFor playedRole directed gavePermission bans uses recommends documents
    estimates requires sued represents founded leads partneredWith licensed releasedBy developedBy
    concernedAbout spokeAbout replicates produced acquired invested announced locatedIn""".split()
)


@cache
def ontology_graph() -> Graph:
    """The ontology as an rdflib Graph (parsed once)."""
    g = Graph()
    g.parse(ONTOLOGY_FILE, format="turtle")
    return g


@cache
def _parents() -> dict[str, tuple[str, ...]]:
    g = ontology_graph()
    ns = str(KG._NS)
    out: dict[str, list[str]] = {}
    for s, o in g.subject_objects(RDFS.subClassOf):
        if str(s).startswith(ns) and str(o).startswith(ns):
            out.setdefault(str(s)[len(ns):], []).append(str(o)[len(ns):])
    return {k: tuple(sorted(v)) for k, v in out.items()}


@cache
def _declared(prop: URIRef) -> dict[str, str]:
    g = ontology_graph()
    ns = str(KG._NS)
    out: dict[str, str] = {}
    for s, o in g.subject_objects(prop):
        if str(s).startswith(ns) and str(o).startswith(ns):
            out[str(s)[len(ns):]] = str(o)[len(ns):]
    return out


@cache
def domain_of(predicate: str) -> str | None:
    """The rdfs:domain class of a kg predicate (local names), if declared.

    >>> domain_of("directed")
    'Person'
    """
    return _declared(RDFS.domain).get(predicate)


@cache
def range_of(predicate: str) -> str | None:
    """The rdfs:range class of a kg predicate (local names), if declared.

    >>> range_of("playedRole")
    'Character'
    """
    return _declared(RDFS.range).get(predicate)


@cache
def superclasses(cls: str) -> tuple[str, ...]:
    """``cls`` and all its kg superclasses, most specific first.

    >>> superclasses("Actor")
    ('Actor', 'Person', 'Agent', 'Entity')
    """
    seen: list[str] = [cls]
    frontier = [cls]
    while frontier:
        nxt = []
        for c in frontier:
            for p in _parents().get(c, ()):
                if p not in seen:
                    seen.append(p)
                    nxt.append(p)
        frontier = nxt
    return tuple(seen)


@cache
def is_a(cls: str, ancestor: str) -> bool:
    """True when ``cls`` equals ``ancestor`` or is one of its subclasses.

    >>> is_a("LaborUnion", "Organization"), is_a("Letter", "Person")
    (True, False)
    """
    return ancestor in superclasses(cls)


def choose_class(scores: dict[str, float], margin: float = 0.5) -> str:
    """The class typing evidence supports best: the highest score, or a subclass of it scoring
    within ``margin`` ("Guild" naming a LaborUnion refines an Organization).

    >>> choose_class({"Organization": 2.0, "LaborUnion": 1.5, "Person": 1.0})
    'LaborUnion'
    """
    if not scores:
        return "Entity"
    if len(scores) == 1:  # the common case: every mention voted for one class
        return next(iter(scores))
    best = max(scores.values())
    strong = sorted((c for c, w in scores.items() if w >= best - margin), key=lambda c: (-scores[c], c))
    top = strong[0]
    for c in strong[1:]:
        if is_a(c, top):
            top = c
    return top


_SLUG_MAX = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def slugify(name: str) -> str:
    """A lowercase ASCII slug for ``name`` (may be empty when nothing is ASCII-foldable).

    >>> slugify("Allied Screen Performers Union – International Federation")
    'allied-screen-performers-union-international-federation'
    >>> slugify("Café Müller")
    'cafe-muller'
    """
    if name.isascii():  # (what the folding below leaves an ASCII name: the name)
        folded = name.lower()
    else:
        folded = unicodedata.normalize("NFKD", name)
        folded = "".join(c for c in folded if not unicodedata.combining(c))
        folded = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_SLUG.sub("-", folded).strip("-")
    if len(slug) > _SLUG_MAX:
        slug = slug[:_SLUG_MAX].rsplit("-", 1)[0] or slug[:_SLUG_MAX]
    return slug


def _digest(*parts: str, n: int = 10) -> str:
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:n]


@lru_cache(maxsize=100_000)
def entity_iri(key: str) -> URIRef:
    """IRI of an entity from its resolver key (already slug-safe; quoted defensively)."""
    return ID[f"entity/{quote(key, safe='-._~')}"]


@lru_cache(maxsize=100_000)
def article_iri(article_id: str) -> URIRef:
    """IRI of an article. Any id (URLs, unicode, spaces) gives a valid IRI."""
    slug = slugify(article_id)
    return ID[f"article/{slug + '-' if slug else ''}{_digest(article_id)}"]


@lru_cache(maxsize=100_000)
def article_graph_iri(article_id: str) -> URIRef:
    """IRI of the named graph holding one article's facts and evidence."""
    slug = slugify(article_id)
    return ID[f"graph/{slug + '-' if slug else ''}{_digest(article_id)}"]


def fact_iri(subject: str, predicate: str, obj: str) -> URIRef:
    return ID[f"fact/{_digest(subject, predicate, obj, n=16)}"]


def evidence_iri(fact: URIRef, article_id: str, start: int, end: int, rule: str) -> URIRef:
    return ID[f"evidence/{_digest(str(fact), article_id, str(start), str(end), rule, n=16)}"]


@lru_cache(maxsize=100_000)
def open_relation_iri(verb: str) -> URIRef:
    """IRI of an open relation named by a verb phrase ("take over" → kgr:take-over)."""
    slug = slugify(verb)
    if not slug or slug != verb.lower().replace(" ", "-") or not re.search("[a-z]", slug):
        # A digest keeps distinct verbs apart; the "r-" start keeps the local name a valid
        # XML name (RDF/XML export) even when nothing of the verb is ASCII.
        slug = f"{slug if re.search('[a-z]', slug) else 'r'}-{_digest(verb, n=8)}"
    return KGR[slug]
