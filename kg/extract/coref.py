"""In-document coreference: pronouns and definite descriptions → their antecedent mention.

Rules, in order of preference for each anaphor:

* a personal pronoun (he, she, his, her) refers to the most recent person named in the same
  or one of the two previous sentences, preferring the subject of its clause;
* "it"/"its" refers to the most recent non-person mention of the previous or same sentence that
  was a clause subject (lower confidence);
* "they"/"them"/"their" refers to the most recent plural mention or organisation of the same or
  previous sentence;
* a definite description ("the actor", "the letter", "the union") refers to the most recent
  earlier mention, within five sentences, whose class is compatible with the description's
  class (or that has the same head noun), agreeing in number; the antecedent then also takes
  the description's more specific class ("the actor" makes a Person an Actor).

Names are linked by :class:`~kg.extract.mentions.MentionTable` (surnames, acronyms) already.
"""

from __future__ import annotations

from spacy.tokens import Doc

from kg.extract.mentions import W_ROLE, MentionSpan, MentionTable
from kg.ontology import is_a

__all__ = ["resolve_coreference"]

MALE_FEMALE = frozenset("he him his himself she her hers herself".split())
NEUTER = frozenset("it its itself".split())
PLURAL = frozenset("they them their theirs themselves".split())
PERSON_WINDOW = 2
UNTYPED = frozenset({"proper-noun", "default"})
W_PRONOUN = 1.2
DEFINITE_WINDOW = 5


def _plural(doc: Doc, m: MentionSpan) -> bool:
    head = doc[m.head]
    return head.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in head.children)


def _sent_index(doc: Doc) -> dict[int, int]:
    out: dict[int, int] = {}
    for k, s in enumerate(doc.sents):
        for t in s:
            out[t.i] = k
    return out


def resolve_coreference(table: MentionTable) -> None:
    """Set ``antecedent`` (and class votes) on anaphoric mentions of ``table`` in place."""
    doc = table.doc
    sent_of = _sent_index(doc)
    live = sorted(table.live(), key=lambda x: x[1].start)
    for pos, (idx, m) in enumerate(live):
        if m.antecedent is not None:
            continue
        head = doc[m.head]
        word = head.lower_
        s_here = sent_of[m.start]
        before = [(j, a) for j, a in reversed(live[:pos]) if a.kind != "pronoun" and a.end <= m.start]
        if m.kind == "pronoun":
            if word in MALE_FEMALE:
                # An untyped name ("Ana Lopez" that NER missed) can be the antecedent too, and
                # then becomes a person.
                cands = [(j, a) for j, a in before if a.kind == "name"
                         and (is_a(a.cls, "Person") or a.type_rule in UNTYPED)
                         and s_here - sent_of[a.start] <= PERSON_WINDOW]
                # Prefer the most recent subject in the closest sentence.
                cands.sort(key=lambda x: (s_here - sent_of[x[1].start], 0 if doc[x[1].head].dep_.startswith("nsubj") else 1,
                                          -x[1].start))
                if cands:
                    m.antecedent = cands[0][0]
                    ante = cands[0][1]
                    if not is_a(ante.cls, "Person"):
                        ante.vote("Person", W_PRONOUN, "pronoun-antecedent")
            elif word in NEUTER:
                cands = [(j, a) for j, a in before if not is_a(a.cls, "Person") and not is_a(a.cls, "Place")
                         and s_here - sent_of[a.start] <= 1 and not _plural(doc, a)
                         and doc[a.head].dep_ in ("nsubj", "nsubjpass")]
                if cands:
                    m.antecedent = cands[0][0]
            elif word in PLURAL:
                cands = [(j, a) for j, a in before if s_here - sent_of[a.start] <= 1
                         and (_plural(doc, a) or is_a(a.cls, "Organization"))]
                if cands:
                    m.antecedent = cands[0][0]
            continue
        if m.kind != "nominal":
            continue
        det = next((c for c in head.children if c.dep_ == "det"), None)
        if det is None or det.lower_ not in ("the", "this", "that", "these", "those"):
            continue
        if m.end - m.start > 3:  # a long description introduces something new
            continue
        lemma = head.lemma_.lower()
        desc_cls = table.lex.role_types.get(lemma) or table.lex.head_types.get(lemma)
        plural = _plural(doc, m)
        for j, a in before:
            if s_here - sent_of[a.start] > DEFINITE_WINDOW:
                break
            if _plural(doc, a) != plural:
                continue
            same_head = doc[a.head].lemma_.lower() == lemma
            # "the letter" → a Letter; "the actor" → a person name (which becomes an Actor).
            compatible = desc_cls is not None and (
                is_a(a.cls, desc_cls) or (is_a(desc_cls, a.cls) and a.kind == "name"))
            if same_head or compatible:
                m.antecedent = j
                if desc_cls and is_a(desc_cls, a.cls) and desc_cls != a.cls:
                    a.vote(desc_cls, W_ROLE, "definite-description")
                break
