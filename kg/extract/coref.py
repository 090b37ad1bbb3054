"""In-document coreference: pronouns and definite descriptions → their antecedent mention.

Rules, in order of preference for each anaphor:

* a personal pronoun (he, she, his, her) refers to the most recent person named in the same
  or one of the two previous sentences, preferring the subject of its clause;
* "it"/"its" refers to the most recent non-person mention of the previous or same sentence that
  was a clause subject (lower confidence);
* "they"/"them"/"their" refers to the most recent plural mention, organisation or coordination of
  names ("A, B and C ... They": all three, by way of the first) of the same or previous sentence;
* a definite description ("the actor", "the letter", "the union") refers to the most recent
  earlier mention, within five sentences, whose class is compatible with the description's
  class (or that has the same head noun), agreeing in number; the antecedent then also takes
  the description's more specific class ("the actor" makes a Person an Actor).

Names are linked by :class:`~kg.extract.mentions.MentionTable` (surnames, acronyms) already.
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.tokens import Doc

from kg.extract.mentions import W_ROLE, MentionSpan, MentionTable
from kg.extract.tree import children_of, head_of, sentences_of, token_at
from kg.ontology import is_a

__all__ = ["resolve_coreference", "leads_coordination", "PLURAL"]

MALE_FEMALE = frozenset("he him his himself she her hers herself".split())
NEUTER = frozenset("it its itself".split())
PLURAL = frozenset("they them their theirs themselves".split())
PERSON_WINDOW = 2
# NER types of names that are never a person (NER's ORG, PRODUCT or WORK_OF_ART sometimes are).
_NEVER_PERSONS = frozenset({"NORP", "EVENT", "LAW", "LANGUAGE", "GPE", "LOC", "FAC", "DATE", "TIME", "MONEY",
                            "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"})
W_PRONOUN = 1.2
DEFINITE_WINDOW = 5
_LOOK_BACK = max(PERSON_WINDOW, DEFINITE_WINDOW, 1)  # sentences ("it", "they": 1)
# Descriptions this general ("the people", "the organisation", "the issue") are not anaphors by class.
GENERAL_CLASSES = frozenset({"Entity", "Agent", "Person", "Organization", "Concept", "Document", "CreativeWork", "Event", "Place"})


def _plural(doc: Doc, m: MentionSpan) -> bool:
    """A plural description ("the actors"); a name is singular even when it looks plural ("Acme Studios")."""
    head = token_at(doc, m.head)
    if m.kind == "name":
        return False
    return head.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in children_of(head))


def leads_coordination(doc: Doc, m: MentionSpan) -> bool:
    """A person's or organisation's name that heads a coordination of names ("A" of "A, B and
    C"): with them, people who can be "they" (a list of places or songs is not)."""
    head = token_at(doc, m.head)
    return m.kind == "name" and is_a(m.cls, "Agent") and head.dep_ != "conj" and any(
        c.dep_ == "conj" and c.pos_ == "PROPN" for c in children_of(head))


def _in_group(doc: Doc, table: MentionTable, m: MentionSpan) -> bool:
    """A name coordinated after the first of a group of people ("C" of "A, B and C"): the group,
    by way of its first name, is the plural referent, not C alone."""
    t = token_at(doc, m.head)
    if m.kind != "name" or t.dep_ != "conj":
        return False
    while t.dep_ == "conj" and head_of(t).i != t.i:
        t = head_of(t)
    first = table.name_at(t.i)
    return first is not None and leads_coordination(doc, table.spans[first])


def _clause_subject(doc: Doc, table: MentionTable, m: MentionSpan) -> int | None:
    """The non-person subject of the clause a possessive pronoun sits in, if it comes before it."""
    t = token_at(doc, m.head)
    for _ in range(6):
        t = t.head
        if t.pos_ in ("VERB", "AUX"):
            break
    else:
        return None
    from kg.extract.clauses import agents_of

    subjects = [c for c in children_of(t) if c.dep_ in ("nsubj", "nsubjpass")] or [a.token for a in agents_of(t)]
    for c in subjects:
        if c.i < m.start:
            idx = table.for_token(c)
            if idx is not None:
                root = idx
                while table.spans[root].antecedent is not None:
                    root = table.spans[root].antecedent
                ante = table.spans[root]
                if (not is_a(ante.cls, "Person") or _weakly_typed(ante)) and (
                        table.spans[idx].kind != "pronoun" or table.spans[idx].antecedent is not None):
                    if is_a(ante.cls, "Person"):
                        ante.vote("Organization", W_PRONOUN, "pronoun-antecedent")  # "it" is no person
                    return idx
    return None


def _governing_subject(doc: Doc, table: MentionTable, m: MentionSpan) -> int | None:
    """The singular non-person subject of a clause above the pronoun's own clause, if it comes first."""
    t = token_at(doc, m.head)
    own = t.head
    for _ in range(8):
        if t.head.i == t.i:
            return None
        t = t.head
        if t.pos_ not in ("VERB", "AUX") or t.i == own.i:
            continue
        for c in children_of(t):
            if c.dep_ in ("nsubj", "nsubjpass") and c.i < m.start and c.pos_ != "PRON":
                idx = table.for_token(c)
                # "some part of it hit X": a subject that holds the pronoun is no antecedent.
                if idx is None or table.spans[idx].kind == "pronoun" or table.spans[idx].end > m.start:
                    return None
                root = table.spans[idx]
                while root.antecedent is not None:
                    root = table.spans[root.antecedent]
                if is_a(root.cls, "Person") or is_a(root.cls, "Place") or _plural(doc, table.spans[idx]):
                    return None
                return idx
        if t.dep_ in ("relcl", "acl", "ROOT"):
            return None
    return None


def _role_holder(doc: Doc, table: MentionTable, m: MentionSpan, before: list, sent_of: dict[int, int],
                 s_here: int) -> int | None:
    """For "its" before a role noun ("its president", "its chief executive"): the closest
    organisation in this or the previous sentence: a main clause's subject first ("The council
    represents 14 studios, including A and B. Its president"), else the closest one."""
    owned = head_of(token_at(doc, m.head))
    if owned.lemma_.lower() not in table.lex.roles and not any(
            f"{c.lemma_.lower()} {owned.lemma_.lower()}" in table.lex.roles for c in children_of(owned)):
        return None
    orgs = [(j, a) for j, a in before if s_here - sent_of[a.start] <= 1 and is_a(a.cls, "Organization")
            and not _plural(doc, a)]
    subjects = [(j, a) for j, a in orgs if token_at(doc, a.head).dep_ == "nsubj" and token_at(doc, a.head).head.dep_ == "ROOT"]
    return (subjects or orgs or [(None, None)])[0][0]


def _own_subjects(doc: Doc, table: MentionTable, m: MentionSpan) -> set[int]:
    """Mentions an object pronoun cannot refer to: the subjects of its own verb, or of the verb a
    participle or infinitive without a subject takes its subject from ("The guild wrote to Acme,
    asking it to ...": "it" is not the guild). A reflexive would be used for them."""
    t = token_at(doc, m.head)
    if t.dep_ not in ("dobj", "iobj", "dative"):
        return set()
    verb, out = t.head, set()
    for _ in range(3):
        subjects = [c for c in children_of(verb) if c.dep_ in ("nsubj", "nsubjpass")]
        for c in subjects + [g for c in subjects for g in children_of(c) if g.dep_ == "conj"]:
            if (idx := table.for_token(c)) is not None:
                out.add(idx)
        if subjects or verb.dep_ not in ("advcl", "xcomp", "acl", "conj") or verb.head.i == verb.i:
            break
        verb = verb.head
    return out


def _weakly_typed(m: MentionSpan) -> bool:
    """A name whose only type evidence is weak (NER's guess, or none), not a place."""
    return not is_a(m.cls, "Place") and max(m.votes.values(), default=0.0) <= 1.0


def _may_be_person(table: MentionTable, idx: int) -> bool:
    """A repeated name is what its first occurrence is: "its chatbot, Scribe ... Scribe" is no "she"."""
    root = table.spans[idx]
    seen = {idx}
    while root.antecedent is not None and root.antecedent not in seen:
        seen.add(root.antecedent)
        root = table.spans[root.antecedent]
    return is_a(root.cls, "Person") or _weakly_typed(root)


def _sent_index(doc: Doc) -> dict[int, int]:
    out: dict[int, int] = {}
    for k, s in enumerate(sentences_of(doc)):
        for i in range(s.start, s.end):
            out[i] = k
    return out


def resolve_coreference(table: MentionTable) -> None:
    """Set ``antecedent`` (and class votes) on anaphoric mentions of ``table`` in place."""
    doc = table.doc
    sent_of = _sent_index(doc)
    live = sorted(table.live(), key=lambda x: x[1].start)
    live_sentence = [sent_of[a.start] for _, a in live]  # non-decreasing
    for pos, (idx, m) in enumerate(live):
        if m.antecedent is not None or m.kind not in ("pronoun", "nominal"):
            continue
        head = token_at(doc, m.head)
        word = head.lower_
        s_here = sent_of[m.start]
        # The mentions before this one within the widest window, closest first (pronouns are
        # never antecedents); every rule below looks back at most _LOOK_BACK sentences.
        first = bisect_left(live_sentence, s_here - _LOOK_BACK, 0, pos)
        before = [(j, a) for j, a in reversed(live[first:pos]) if a.kind != "pronoun" and a.end <= m.start]
        if m.kind == "pronoun":
            if word in MALE_FEMALE:
                # Closest sentence first; in it a person, else a name NER missed or took for an
                # organisation (which then becomes a person); a subject before other mentions.
                # A nationality or group ("the Thai public", "Democrats"), an event ("the Korean
                # War"), a law, a place or a number is never "he" or "she".
                cands = [(j, a) for j, a in before if a.kind == "name" and s_here - sent_of[a.start] <= PERSON_WINDOW
                         and (is_a(a.cls, "Person") or _weakly_typed(a)) and _may_be_person(table, j)
                         and token_at(doc, a.head).ent_type_ not in _NEVER_PERSONS]
                cands.sort(key=lambda x: (s_here - sent_of[x[1].start], 0 if is_a(x[1].cls, "Person") else 1,
                                          0 if token_at(doc, x[1].head).dep_.startswith("nsubj") else 1, -x[1].start))
                if cands:
                    m.antecedent = cands[0][0]
                    ante = cands[0][1]
                    if not is_a(ante.cls, "Person"):
                        ante.vote("Person", W_PRONOUN, "pronoun-antecedent")
            elif word == "its" and head.dep_ == "poss" and (org := _role_holder(doc, table, m, before, sent_of, s_here)) is not None:
                # "Its president, X": what has a president is an organisation ("The suit was
                # welcomed by the union ... Its president": the union, not the suit).
                m.antecedent = org
            elif word in ("its", "their") and _clause_subject(doc, table, m) is not None:
                # "Acme trained its model": a possessive refers to its own clause's subject.
                m.antecedent = _clause_subject(doc, table, m)
            elif word in NEUTER and (gov := _governing_subject(doc, table, m)) is not None \
                    and gov not in _own_subjects(doc, table, m):
                # "Acme did not break the law when it used X": the subject of the clause that
                # governs the pronoun's own clause.
                m.antecedent = gov
            elif word in NEUTER:
                # "it": the subject of a main clause of this or the previous sentence.
                own = _own_subjects(doc, table, m)
                before = [(j, a) for j, a in before if j not in own]
                cands = [(j, a) for j, a in before if not is_a(a.cls, "Person") and not is_a(a.cls, "Place")
                         and s_here - sent_of[a.start] <= 1 and not _plural(doc, a)
                         and token_at(doc, a.head).dep_ in ("nsubj", "nsubjpass")
                         and token_at(doc, a.head).head.dep_ == "ROOT"]
                if not cands and own:
                    # An object pronoun whose clause's subject it cannot be: the closest name before it
                    # in its sentence ("wrote to Acme, asking it to ...").
                    cands = [(j, a) for j, a in before if a.kind == "name" and sent_of[a.start] == s_here
                             and not is_a(a.cls, "Person") and not is_a(a.cls, "Place") and not _plural(doc, a)]
                if not cands:
                    # Else the topic of the previous sentence: its first non-person name.
                    cands = [(j, a) for j, a in reversed(before) if a.kind == "name" and s_here - sent_of[a.start] == 1
                             and not is_a(a.cls, "Person") and not is_a(a.cls, "Place") and not _weakly_typed(a)]
                if cands:
                    m.antecedent = cands[0][0]
            elif word in PLURAL:
                cands = [(j, a) for j, a in before if s_here - sent_of[a.start] <= 1
                         and (_plural(doc, a) or is_a(a.cls, "Organization") or leads_coordination(doc, a))
                         and not _in_group(doc, table, a)]
                if cands:
                    m.antecedent = cands[0][0]
            continue
        det = next((c for c in children_of(head) if c.dep_ == "det"), None)
        if det is None or det.lower_ not in ("the", "this", "that", "these", "those"):
            continue
        if head.dep_ in ("attr", "oprd"):
            continue  # "Mubarak was the president of Egypt": said of the subject, no earlier referent
        role = head.lemma_.lower() in table.lex.role_types
        if m.end - m.start > 3 or (not role and any(token_at(doc, k).pos_ == "PROPN" for k in range(m.start, m.end))):
            continue  # a long or named description ("the US government") introduces something new
        _resolve_description(table, doc, m, before, sent_of[m.start], sent_of)


def _resolve_description(table: MentionTable, doc: Doc, m: MentionSpan, before: list, s_here: int,
                         sent_of: dict[int, int]) -> None:
    """Link a definite description to its antecedent (see module docstring).

    The same head noun wins ("the letter" → "an open letter", "the senator" → "Senator Doe");
    otherwise a mention whose class falls under the description's class, for specific classes
    only ("the union", "the studio", "the actor"), never for general ones like "the industry"
    (Organization) or "the people"; else a name of a more general class, which the role noun
    then makes more specific ("the actor" → Actor).
    """
    head = token_at(doc, m.head)
    lemma = head.lemma_.lower()
    lex = table.lex
    role_cls = lex.role_types.get(lemma)
    desc_cls = role_cls or lex.head_types.get(lemma)
    plural = _plural(doc, m)
    window = [(j, a) for j, a in before if s_here - sent_of[a.start] <= DEFINITE_WINDOW and _plural(doc, a) == plural]
    for j, a in window:
        # the same head noun, or a name titled with it ("President Doe ... the president")
        title = token_at(doc, a.start - 1) if a.kind == "name" and a.start > 0 else None
        if token_at(doc, a.head).lemma_.lower() == lemma or (
                title is not None and title.pos_ in ("NOUN", "PROPN") and title.lemma_.lower() == lemma):
            m.antecedent = j
            return
    if desc_cls is None or desc_cls in GENERAL_CLASSES:
        return
    # A mention of the description's class anywhere in the window ("President Doe ... on Twitter
    # ... the president": Doe) before a name of a more general class, which the description then
    # refines; a name typed only as some agent last.
    for j, a in window:
        if is_a(a.cls, desc_cls):
            m.antecedent = j
            return
    if role_cls is None:
        return
    for vague in (False, True):
        for j, a in window:
            if a.kind == "name" and is_a(role_cls, a.cls) and a.cls != "Entity" and (a.cls == "Agent") == vague:
                m.antecedent = j
                a.vote(role_cls, W_ROLE, "definite-description")
                return
