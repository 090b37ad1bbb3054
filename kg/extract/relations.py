"""Clauses and noun phrases → candidate relations between argument tokens.

:func:`clause_relations` maps one open :class:`~kg.extract.clauses.Clause` to ontology
predicates through the frames of ``ontology/lexicon/predicates.tsv`` (light verbs, particles,
prepositions, inverse and patient frames, object control, clausal complements), falling back to
an open relation named by the verb phrase. :func:`nominal_relations` reads relations that no
verb carries: noun frames with a possessor or apposition ("X's participation in Y", "X, an
advocate for Y"), role nouns with a name modifier ("Film director Jane Doe" → directed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Span, Token

from kg.extract.clauses import (COPULAS, Arg, Clause, agents_of, appositive_names, conjuncts, list_members, modality_of,
                                patients_of, preps_of)
from kg.extract.tree import children_of, head_of, lefts_of, of_lemma, subtree_of, token_at, tokens_of
from kg.lexicon import Frame, Lexicon
from kg.ontology import is_a

__all__ = ["Candidate", "clause_relations", "nominal_relations", "token_class", "RULE_CONFIDENCE", "OPEN_PENALTY"]

# Base confidence of each rule: how often the rule's output is right on news text. The final
# confidence multiplies in penalties for implicit arguments, list expansion and pronouns.
RULE_CONFIDENCE = {
    "active": 0.9,
    "passive": 0.9,
    "copula": 0.85,
    "participle-passive": 0.85,
    "participle-active": 0.8,
    "relative-clause": 0.8,
    "light-verb": 0.85,
    "object-control": 0.7,
    "clause-content": 0.6,
    "repaired-verb": 0.7,
    "noun-frame": 0.75,
    "noun-frame-self": 0.7,
    "role-noun": 0.75,
    "credit": 0.7,
    "possessive": 0.6,
    "possessive-work": 0.6,
    "role-in-work": 0.65,
    "part-at": 0.65,
}
OPEN_PENALTY = 0.6
VIA_PENALTY = {
    "members": 0.95,
    "conj": 0.97,
    "conj-subject": 0.85,
    "control": 0.85,
    "object-control": 0.85,
    "subject-control": 0.85,
    "participle": 0.9,
    "participle-acl": 0.9,
    "relcl": 0.9,
    "relcl-object": 0.75,
    "nested-prep": 0.8,
    "gerund": 0.9,
    "reattached": 0.85,
}


@dataclass(frozen=True)
class Candidate:
    """A relation between two argument tokens, before they are mapped to mentions."""

    subject: Token
    object: Token
    verb: str
    predicate: str | None
    rule: str
    confidence: float
    polarity: str
    modality: str


def _conf(rule: str, *args: Arg) -> float:
    c = RULE_CONFIDENCE.get(rule, 0.7)
    for a in args:
        c *= VIA_PENALTY.get(a.via, 1.0)
    return round(c, 4)


def _noun_preps(noun: Token) -> list[tuple[str, Arg]]:
    """Prepositional objects of a noun ("permission *for* X", "advocate *for* Y")."""
    out: list[tuple[str, Arg]] = []
    for c in children_of(noun):
        if c.dep_ == "prep":
            for g in children_of(c):
                if g.dep_ in ("pobj", "pcomp"):
                    for t in conjuncts(g):
                        members, keep = list_members(t)
                        if keep or not members:
                            out.append((c.lower_, Arg(t, "prep")))
                        out.extend((c.lower_, Arg(m, "members")) for m in members)
    return out


def _for_clause_subjects(verb: Token) -> list[tuple[str, Arg]]:
    """ "gave permission for his voice to be used": the subject of the for-to clause."""
    out: list[tuple[str, Arg]] = []
    for c in subtree_of(verb):
        if c.dep_ in ("advcl", "acl", "relcl", "ccomp") and any(
                m.dep_ == "mark" and m.lower_ == "for" for m in children_of(c)):
            for s in children_of(c):
                if s.dep_ in ("nsubj", "nsubjpass"):
                    out.extend(("for", Arg(t, "prep")) for t in conjuncts(s))
    return out


_STANCE_FOR = frozenset({"urges", "advocates", "supports", "recommends"})


def against(c: Candidate) -> Iterator[Candidate]:
    """Calling for protection *against* X is opposing X: "urged lawmakers to uphold copyright
    protections against AI use" → opposes AI use."""
    if c.predicate not in _STANCE_FOR:
        return
    for p in children_of(c.object):
        if p.dep_ == "prep" and p.lower_ == "against":
            for g in children_of(p):
                if g.dep_ == "pobj":
                    yield replace(c, object=g, predicate="opposes", verb=f"{c.verb} against", rule=f"{c.rule}+against",
                                  confidence=round(c.confidence * 0.85, 4))


def _emit(clause: Clause, subj: Arg, obj: Arg, frame: Frame | None, verb: str, rule: str, *, penalty: float = 1.0,
          polarity: str | None = None) -> Candidate | None:
    if subj.token.i == obj.token.i:
        return None
    s, o = (obj, subj) if frame is not None and frame.inverse else (subj, obj)
    conf = _conf(rule, subj, obj) * penalty * (1.0 if frame is not None else OPEN_PENALTY)
    return Candidate(
        subject=s.token, object=o.token, verb=verb, predicate=frame.predicate if frame else None,
        rule=rule if frame is not None else f"open-{rule}", confidence=round(conf, 4),
        polarity=polarity or clause.polarity, modality=clause.modality,
    )


def lexicon_class(tok: Token, lex: Lexicon) -> str | None:
    """The class the head-noun and role lexicons give a noun (with the word before it), or None."""
    prev = token_at(tok.doc, tok.i - 1).lemma_.lower() if tok.i > 0 else ""
    return lex.noun_class(tok.lemma_.lower(), prev, of_lemma(tok))


def token_class(tok: Token, lex: Lexicon) -> str | None:
    """The class a noun's own words suggest (head-noun lexicon, then NER), or None."""
    cls = lexicon_class(tok, lex)
    if cls is None and tok.ent_type_:
        cls = lex.ner_types.get(tok.ent_type_)
    return cls


def _is_agent_noun(tok: Token, lex: Lexicon) -> bool:
    cls = token_class(tok, lex)
    if cls is None and tok.ent_type_ in ("ORG", "PERSON", "NORP"):  # NORP: "Democrats", "Republicans"
        return True
    return cls is not None and (is_a(cls, "Person") or is_a(cls, "Organization"))


def _reattach(arg: Arg, predicate: str, role: str, lex: Lexicon) -> Arg:
    """Re-attach a participle clause to the nearest enclosing noun that fits the predicate.

    "the letter calling for a pause on AI development, signed by X": the parser hangs *signed*
    on *development*; *sign* wants a document, so the clause belongs to *letter*.
    """
    tok = arg.token
    if lex.fits(predicate, role, token_class(tok, lex), tok.pos_ == "PROPN"):
        return arg
    t = tok
    for _ in range(8):
        if head_of(t).i == t.i:
            break
        t = head_of(t)
        if t.pos_ in ("NOUN", "PROPN") and lex.fits(predicate, role, token_class(t, lex), t.pos_ == "PROPN"):
            return Arg(t, "reattached")
    return arg


# Claims and predictions are about events: the people in them are not what they argue or estimate.
_ABOUT_EVENTS = frozenset({"argues", "estimates"})


def _salient(verb: Token, lex: Lexicon, predicate: str) -> list[Arg]:
    """Arguments of a clausal complement worth a fact: its subject and its objects, also of
    coordinated complements ("argued that X ... and that Y ...").

    For an argument or a prediction, a person or an organisation taking part in the reported event
    is not what the claim is about: "alleges that Acme trained X on Y" argues nothing about
    Acme, "claimed the party pushed Doe to the left" nothing about Doe (but "recommended that
    Congress create X" does recommend to Congress)."""
    out: list[Arg] = []
    verbs = [verb] + [c for c in children_of(verb)
                      if c.dep_ == "conj" and any(g.dep_ == "mark" for g in children_of(c))]
    for v in verbs:
        out += [Arg(a.token, "clause") for a in agents_of(v)
                if predicate not in _ABOUT_EVENTS or not _is_agent_noun(a.token, lex)]
        # (an object done something to, that is: "pushed Doe"; a passive subject is the topic:
        # "argued that VoxForge was trained on licensed data" argues about VoxForge)
        out += [Arg(a.token, "clause") for a in patients_of(v)
                if predicate not in _ABOUT_EVENTS or a.token.dep_ != "dobj" or not _is_agent_noun(a.token, lex)]
        out += [Arg(a.token, "clause") for _, a in preps_of(v)]
        out += [Arg(c, "clause") for c in children_of(v) if c.dep_ == "attr"]
    return out


def clause_relations(clause: Clause, lex: Lexicon) -> Iterator[Candidate]:
    """Relations stated by one clause (see module docstring for the frame kinds)."""
    lemma = clause.lemma
    verb_phrase = f"{lemma} {clause.particle}" if clause.particle else lemma
    agents, patients = clause.agents, clause.patients
    found = False
    used_patients: set[int] = set()

    # Light verbs: the object noun carries the meaning ("gave permission for X", "took part in Y").
    for pat in patients:
        noun = pat.token.lemma_.lower()
        if noun not in lex.light_nouns(lemma):
            continue
        objects = _noun_preps(pat.token) + list(clause.preps) + _for_clause_subjects(clause.verb)
        for prep, arg in objects:
            frame = lex.frame("VERB", lemma, noun, prep)
            if frame is None:
                continue
            for ag in agents:
                if (c := _emit(clause, ag, arg, frame, f"{verb_phrase} {noun} {prep}", "light-verb")):
                    found = True
                    if frame.predicate != "partneredWith":  # "signed a deal with Y": signed the deal too
                        used_patients.add(pat.token.i)
                    yield c
    # Phrasal verbs: the particle selects the frame ("take over X", "set up Y").
    direct = None
    if clause.particle:
        direct = lex.frame("VERB", lemma, None, clause.particle)
    if direct is None and not clause.particle:
        direct = lex.frame("VERB", lemma, None, None)
    rule = clause.rule if clause.rule != "copula" else "active"
    if direct is not None:
        if clause.rule == "participle-passive":
            patients = tuple(_reattach(p, direct.predicate, "object", lex) for p in patients)
        for ag in agents:
            for pat in patients:
                if pat.token.i in used_patients:
                    continue
                if (c := _emit(clause, ag, pat, direct, verb_phrase, rule)):
                    found = True
                    yield c
        # Object control: "urged lawmakers to uphold protections" → urges protections.
        if direct.xcomp and clause.xcomp is not None:
            for inner in patients_of(clause.xcomp):
                for ag in agents:
                    if (c := _emit(clause, ag, inner, direct, verb_phrase, "object-control")):
                        found = True
                        yield c
        # Clausal complements of argument verbs: "argued that such use falls under fair use"
        # (and "... and that Y": a second that-clause the parser hangs on the verb).
        complements = [clause.complement] if clause.complement is not None else []
        complements += [c for c in children_of(clause.verb) if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
                        and any(g.dep_ == "mark" and g.lower_ == "that" for g in children_of(c))]
        if direct.clause and complements:
            for inner in (a for comp in complements for a in _salient(comp, lex, direct.predicate)):
                for ag in agents:
                    if (c := _emit(clause, ag, inner, direct, verb_phrase, "clause-content")):
                        found = True
                        yield c
    # Clause-only frames: "told reporters that S" says something about S's entities.
    if direct is None and clause.complement is not None:
        frame = lex.frame("VERB", lemma, None, "that")
        if frame is not None:
            for inner in _salient(clause.complement, lex, frame.predicate):
                for ag in agents:
                    if (c := _emit(clause, ag, inner, frame, verb_phrase, "clause-content")):
                        found = True
                        yield c
    # Prepositional frames: "advocates for X", "addressed to Y", "worried about Z"; PPs the parser
    # attached too low count when they complete a frame ("worries along with many about X").
    for prep, arg in list(clause.preps) + list(clause.nested):
        # The preposition leads to the frame's noun: "took Acme to court" sued Acme.
        goal = lex.frame("VERB", lemma, arg.token.lemma_.lower(), prep)
        if goal is not None and goal.destination:
            for ag in agents:
                for pat in patients:
                    if (c := _emit(clause, ag, pat, goal, f"{verb_phrase} {prep} {goal.noun}", rule)):
                        found = True
                        yield c
            continue
        frame = None
        if clause.passive and clause.verb.tag_ == "VBN":
            # An adjectival participle: "worried about X", "known for Y", "addressed to Z".
            frame = lex.frame("ADJ", clause.verb.lower_, None, prep)
        if frame is None and clause.particle:
            frame = lex.frame("VERB", lemma, clause.particle, prep)
        frame = frame or lex.frame("VERB", lemma, None, prep)
        if frame is None:
            continue
        # A prepositional verb takes its object through the preposition: "called for a pause"
        # urges it, "called the election for X" (a direct object) does not.
        if frame.intransitive and clause.patients and not clause.passive:
            continue
        # Writing for a paper that S is an op-ed, not a job: "wrote for the Post that the bill was flawed".
        if frame.predicate == "worksFor" and clause.complement is not None:
            continue
        subjects = patients if (frame.patient or (clause.passive and frame.pos == "ADJ")) else agents
        if frame.pos == "ADJ" and not clause.passive:
            subjects = agents or patients
        # "known for playing C in W": the role and the work are what one is known for (not the playing).
        objects = [arg]
        if frame.predicate == "knownFor" and arg.token.tag_ == "VBG" and arg.token.lemma_.lower() in _CASTING_VERBS:
            # (a role is a name, a work no place: not "playing the guitar", "playing Hamlet in London")
            roles = [c for c in children_of(arg.token) if c.dep_ == "dobj" and c.pos_ == "PROPN"]
            works = [g for t in [arg.token] + roles for c in children_of(t)
                     if c.dep_ == "prep" and c.lower_ == "in" for g in children_of(c)
                     if g.dep_ == "pobj" and g.ent_type_ not in ("GPE", "LOC", "FAC")]
            works += [c for w in works for c in children_of(w) if c.dep_ == "appos"]
            objects = [Arg(t, "gerund-object") for t in roles + works] or objects
        for sb in subjects:
            for obj in objects:
                if (c := _emit(clause, sb, obj, frame, f"{verb_phrase} {prep}", rule)):
                    found = True
                    yield c
    # Copulas with a predicate noun or adjective: "X is a member of Y", "X became an advocate
    # for Y", "X is critical of Y".
    if lemma in COPULAS:
        for attr in clause.attrs:
            # "X is one of the members of Y": the of-object of a quantifier is the predicate noun.
            if attr.token.lower_ in ("one", "among", "part") or attr.token.pos_ == "NUM":
                inner = next((g for c in children_of(attr.token) if c.dep_ == "prep" and c.lower_ == "of"
                              for g in children_of(c) if g.dep_ == "pobj"), None)
                if inner is not None:
                    attr = Arg(inner, attr.via)
            pos = "ADJ" if attr.token.pos_ in ("ADJ", "VERB") else "NOUN"
            word = attr.token.lower_ if pos == "ADJ" else attr.token.lemma_.lower()
            for prep, arg in _noun_preps(attr.token) + list(preps_of(attr.token)):
                frame = lex.frame(pos, word, None, prep)
                if frame is None:
                    continue
                for ag in agents:
                    if (c := _emit(clause, ag, arg, frame, f"be {word} {prep}", "copula")):
                        found = True
                        yield c
    # Open relation: a verb the lexicon does not map keeps its verb phrase.
    if found or lemma in COPULAS or lemma in ("have", "do", "say", "tell", "make", "get", "go", "come", "take", "see", "know", "think"):
        return
    for ag in agents:
        if patients:
            for pat in patients:
                if (c := _emit(clause, ag, pat, None, verb_phrase, rule)):
                    yield c
        elif clause.preps:
            prep, arg = clause.preps[0]
            if (c := _emit(clause, ag, arg, None, f"{verb_phrase} {prep}", rule)):
                yield c


def _described(noun: Token) -> list[Arg]:
    """Who a relational noun is predicated of, when no verb says it.

    * possessor: "X's participation in Y" → X;
    * apposition: "X, an advocate for Y" → X;
    * a role noun as name modifier: "campaigner Jane Doe" → Jane Doe.
    """
    out: list[Arg] = []
    for c in children_of(noun):
        if c.dep_ == "poss":
            out.extend(Arg(t, "poss") for t in conjuncts(c))
    if noun.dep_ == "appos":
        out.append(Arg(head_of(noun), "appos"))
    if noun.dep_ == "compound" and head_of(noun).pos_ == "PROPN":
        out.append(Arg(head_of(noun), "role-compound"))
    if not out and noun.dep_ not in ("compound", "amod") and lex_role(noun):
        # A role noun heading its own phrase refers to the person: "the Foo actor" (→ coreference).
        out.append(Arg(noun, "self"))
    return out


def lex_role(noun: Token) -> bool:
    from kg.lexicon import load_lexicon

    return noun.lemma_.lower() in load_lexicon().role_types


def _possessive(tok: Token, lex: Lexicon) -> Iterator[Candidate]:
    """A named possessor of a document, work or product released it: "Acme's annual report".

    Also inside one name NER kept whole ("Acme's Index"). Pronoun possessors are skipped.
    """
    if tok.pos_ not in ("NOUN", "PROPN"):
        return
    # A common noun is a work only by the lexicon, not because NER says so ("his PhD"). A name
    # takes the class of the common noun before it, over what NER guessed: "its chatbot Lagos"
    # is a chatbot (whatever place NER took it for).
    if tok.pos_ == "PROPN":
        cls = next((c for m in children_of(tok) if m.dep_ in ("compound", "amod") and m.pos_ in ("NOUN", "ADJ")
                    and m.i < tok.i and (c := lex.head_types.get(m.lemma_.lower()))), None) or token_class(tok, lex)
    else:
        cls = lexicon_class(tok, lex)
    if cls is None or not any(is_a(cls, c) for c in ("Document", "CreativeWork", "Technology")):
        return
    conf = RULE_CONFIDENCE["possessive"]
    for c in children_of(tok):
        if c.dep_ != "poss":
            continue
        owner = c
        if c.lower_ == "whose":  # "Jane Doe, whose album X ..." → Jane Doe
            # ("whose plays include X" lists the works: they, not "whose plays", are hers)
            if tok.tag_ == "NNS" and tok.dep_ == "nsubj" and head_of(tok).lemma_.lower() in ("include", "comprise"):
                continue
            owner = whose_antecedent(c)
            if owner is None:
                continue
        elif c.pos_ != "PROPN" and c.lower_ not in ("his", "her", "their", "its") and not _definite_organisation(c, lex):
            continue
        owner_cls = token_class(owner, lex)
        person = owner.lower_ in ("his", "her") or (owner_cls is not None and is_a(owner_cls, "Person"))
        if is_a(cls, "Agreement"):
            # "her contract", "Acme's deal": a party to an agreement signed it.
            yield Candidate(owner, tok, "'s", "signed", "possessive", conf, "positive", "asserted")
        elif person and is_a(cls, "CreativeWork"):
            # "her album", "Doe's debut novel": a person is known for their work.
            yield Candidate(owner, tok, "'s", "knownFor", "possessive", conf, "positive", "asserted")
        elif not is_a(cls, "Document") and owner.ent_type_ in ("GPE", "LOC", "FAC"):
            # A city's transit system is its infrastructure, a state's racing tracks are in it: no
            # product or work a place released (its statements and reports are its government's).
            continue
        elif owner.pos_ == "PROPN" or owner.lower_ == "its" or c.lower_ == "whose" or _definite_organisation(owner, lex):
            # Whether the owner is a person is known only after coreference: decided then.
            rule = "possessive-work" if is_a(cls, "CreativeWork") else "possessive"
            yield Candidate(tok, owner, "'s", "releasedBy", rule, conf, "positive", "asserted")


def _definite_organisation(tok: Token, lex: Lexicon) -> bool:
    """"the company", "the studio": a definite description of an organisation, which coreference
    ties to its name ("Loopkit, the company's generator")."""
    cls = lexicon_class(tok, lex) if tok.pos_ == "NOUN" else None
    return cls is not None and is_a(cls, "Organization") and any(
        d.dep_ == "det" and d.lower_ in ("the", "this") for d in children_of(tok))


def _role_in_work(tok: Token, subjects: list[Arg], clause: Clause) -> Iterator[Candidate]:
    """ "known for his role as C in W": W is a work the person is known for."""
    as_obj = [g for c in children_of(tok) if c.dep_ == "prep" and c.lower_ == "as"
              for g in children_of(c) if g.dep_ == "pobj"]
    scopes = list(as_obj) + [tok]
    if tok.dep_ == "pobj" and head_of(head_of(tok)).pos_ == "VERB":
        scopes.append(head_of(head_of(tok)))
    for scope in scopes:
        for c in children_of(scope):
            if c.dep_ == "prep" and c.lower_ == "in":
                for w in children_of(c):
                    if w.dep_ == "pobj" and w.pos_ == "PROPN":
                        for sb in subjects:
                            yield Candidate(sb.token, w, "role in", "knownFor", "role-in-work",
                                            RULE_CONFIDENCE["role-in-work"], clause.polarity, clause.modality)
                        return


_CASTING_VERBS = frozenset({"play", "star", "voice", "portray", "cast", "feature", "perform"})


def _credit(tok: Token) -> Iterator[Candidate]:
    """Cast credits: "Jane Doe as Captain Foo (in Bar)" → Jane Doe played Captain Foo.

    Names joined by a slash ("A/B as C") all played the role.
    """
    if tok.pos_ != "PROPN" or tok.dep_ in ("compound", "flat"):
        return
    role = next((g for c in children_of(tok) if c.dep_ == "prep" and c.lower_ == "as"
                 for g in children_of(c) if g.dep_ == "pobj" and g.pos_ == "PROPN"), None)
    if role is None:
        return
    # "marketed by Novartis as Gleevec": an agent of a verb that is no casting names no actor.
    by = head_of(tok)
    if tok.dep_ == "pobj" and by.lower_ == "by" and head_of(by).lemma_.lower() not in _CASTING_VERBS:
        return
    actors = [tok] + [c for c in lefts_of(tok) if c.dep_ in ("nmod", "compound", "conj") and c.pos_ == "PROPN"
                      and c.i + 1 < len(tok.doc) and token_at(tok.doc, c.i + 1).text == "/"]
    for a in actors:
        yield Candidate(a, role, "as", "playedRole", "credit", RULE_CONFIDENCE["credit"], "positive", "asserted")


def whose_antecedent(whose: Token) -> Token | None:
    """What "whose" refers to: the noun its relative clause modifies, or (when the parser did not
    build a relative clause) the phrase right before it: "the Society (SPBM), whose chair, ..."."""
    t = whose
    while t.dep_ != "relcl" and head_of(t).i != t.i:
        t = head_of(t)
    if t.dep_ == "relcl":
        return head_of(t)
    i = whose.i - 1
    while i >= 0 and token_at(whose.doc, i).is_punct:
        i -= 1
    if i >= 0 and token_at(whose.doc, i).pos_ in ("PROPN", "NOUN"):
        return token_at(whose.doc, i)
    return None


def _relative_clause_noun(verb: Token) -> Token:
    """The noun a relative clause's verb modifies, or the name that noun describes ("Acme, a
    group whose members ..." → Acme); the verb itself when it heads no relative clause."""
    if verb.dep_ != "relcl":
        return verb
    noun = head_of(verb)
    return head_of(noun) if noun.dep_ == "appos" and head_of(noun).pos_ == "PROPN" else noun


def _membership(tok: Token, lex: Lexicon) -> Iterator[Candidate]:
    """Members listed by their organisation: "whose members include X", "its members include X",
    "counts X among its members" → X memberOf the organisation; works listed by their author:
    "whose plays include X" → the author is known for X."""
    cls = lex.noun_class(tok.lemma_.lower())
    # (works only as "whose novels include X": "her favourite novels include X" are no works of hers)
    work = cls is not None and is_a(cls, "CreativeWork") and any(c.lower_ == "whose" for c in children_of(tok)) \
        and not any(c.dep_ == "amod" for c in children_of(tok))
    if tok.tag_ != "NNS" or not (tok.lemma_.lower() == "member" or work):
        return
    poss = next((c for c in children_of(tok) if c.dep_ == "poss"), None)
    if poss is None:
        return
    verb, members = head_of(tok), []
    if tok.dep_ == "nsubj" and verb.lemma_.lower() in ("include", "comprise", "be"):
        members = [t for c in children_of(verb) if c.dep_ in ("dobj", "attr") for t in conjuncts(c)]
    elif tok.dep_ == "pobj" and head_of(tok).lower_ == "among" and head_of(head_of(tok)).lemma_.lower() in (
            "count", "include", "number"):
        verb = head_of(head_of(tok))
        members = [t for c in children_of(verb) if c.dep_ == "dobj" for t in conjuncts(c)]
    if not members:
        return
    if poss.lower_ == "whose":
        org = whose_antecedent(poss)
    elif poss.lower_ in ("its", "their"):
        # the organisation is the clause's subject (a relative pronoun: what the clause modifies)
        subject = next((c for c in children_of(verb) if c.dep_ == "nsubj"), None)
        org = _relative_clause_noun(verb) if subject is not None and subject.lower_ in ("that", "which", "who") \
            else subject if subject is not None and subject.i != tok.i else poss
    else:
        org = poss
    if org is None:
        return
    if org.dep_ == "appos" and head_of(org).pos_ == "PROPN":
        org = head_of(org)
    polarity, modality = modality_of(verb, lex)
    for m in members:
        if work:
            yield Candidate(org, m, f"{tok.lemma_.lower()} include", "knownFor", "role-noun",
                            RULE_CONFIDENCE["role-noun"], polarity, modality)
        else:
            yield Candidate(m, org, "member of", "memberOf", "role-noun", RULE_CONFIDENCE["role-noun"], polarity, modality)


def _role_predicate(noun: Token, lex: Lexicon) -> str | None:
    """The person→organisation predicate of a role noun ("chief executive" → leads), if any."""
    lemma = noun.lemma_.lower()
    for mod in sorted((c for c in lefts_of(noun) if c.dep_ in ("amod", "compound")
                       and (c.pos_ != "PROPN" or noun.pos_ == "PROPN")),
                      key=lambda c: -c.i):
        key = f"{mod.lemma_.lower()} {lemma}"
        if key in lex.roles:
            return lex.roles[key]
    return lex.roles.get(lemma)


def _role_organisations(noun: Token) -> list[Arg]:
    """Whose role it is: the possessor ("the guild's director"; "whose president" → the
    relative clause's antecedent), an of/at/for object ("writer at Acme"), or a name compounded
    to it ("Acme chief executive")."""
    out: list[Arg] = []
    for c in children_of(noun):
        if c.dep_ == "poss":
            if c.lower_ == "whose":
                ante = whose_antecedent(c)
                if ante is not None:
                    out.append(Arg(ante, "role-whose"))
            elif c.lower_ not in ("his", "her", "my", "your", "our"):
                out.append(Arg(c, "role-possessor"))
        elif c.dep_ == "prep" and c.lower_ in ("of", "at", "for", "with"):
            out.extend(Arg(t, "role-prep") for g in children_of(c) if g.dep_ == "pobj" for t in conjuncts(g))
        # (a place before the role names no organisation: "Texas member", "US-Canadian physicist";
        # nor does a word of a capitalised title: "Chief" of "Chief Executive")
        elif c.dep_ in ("compound", "nmod") and c.pos_ == "PROPN" and c.i < noun.i and c.ent_type_ not in (
                "GPE", "LOC", "NORP") and noun.pos_ != "PROPN":
            out.append(Arg(c, "role-compound"))
    # "the trade body of which Acme is a member": the relative clause's antecedent.
    verb = head_of(noun)
    if noun.dep_ == "attr" and verb.dep_ == "relcl" and any(
            c.dep_ == "prep" and c.lower_ == "of" and any(g.lower_ in ("which", "whom") for g in children_of(c))
            for c in children_of(verb)):
        out.append(Arg(_relative_clause_noun(verb), "role-whose"))
    return out


def _role_people(noun: Token) -> list[Arg]:
    """Who has the role: "Jane Doe, the director", "the director, Jane Doe", "director Jane Doe",
    "Jane Doe is the director"."""
    out: list[Arg] = []
    if noun.dep_ == "conj" and head_of(noun).pos_ in ("NOUN", "PROPN") and head_of(noun).dep_ == "appos":
        return _role_people(head_of(noun))  # "X, co-founder and chief executive of Y"
    if noun.dep_ == "appos":
        out.append(Arg(head_of(noun), "appos"))
    out.extend(Arg(c, "appos") for c in children_of(noun) if c.dep_ == "appos" and c.pos_ == "PRON")
    # "the agency's photographers, A, B and C"; "three of the agency's photographers, A, B and C"
    described = [noun]
    if noun.dep_ == "pobj" and head_of(noun).lower_ == "of" and head_of(head_of(noun)).pos_ == "NUM":
        described.append(head_of(head_of(noun)))
    out.extend(Arg(n, "appos") for d in described for n in appositive_names(d))
    if noun.dep_ == "compound" and head_of(noun).pos_ == "PROPN":
        out.append(Arg(head_of(noun), "role-compound"))
    if noun.dep_ == "attr" and head_of(noun).lemma_.lower() in COPULAS:
        out.extend(a for a in agents_of(head_of(noun)))
    # "The guild's president is the playwright Jane Doe": the role as subject, the person as attribute
    if noun.dep_ == "nsubj" and head_of(noun).lemma_.lower() in COPULAS:
        for attr in children_of(head_of(noun)):
            if attr.dep_ == "attr":
                out.extend(Arg(n, "attr") for n in ([attr] if attr.pos_ == "PROPN" else appositive_names(attr)))
    return out


def _roles(tok: Token, lex: Lexicon) -> Iterator[Candidate]:
    """Employment and leadership from role nouns (ontology/lexicon/roles.tsv)."""
    # (a capitalised role after a name is one too: "X, Director of the Archive", "co-founder and
    # Chief Executive of Y")
    if tok.pos_ != "NOUN" and not (tok.pos_ == "PROPN" and (tok.dep_ in ("appos", "conj") or (
            tok.dep_ == "nsubj" and head_of(tok).lemma_.lower() in COPULAS))):
        return
    predicate = _role_predicate(tok, lex)
    if predicate is None or any(c.lower_ in ("former", "formerly", "ex", "onetime", "one-time", "erstwhile")
                                for c in lefts_of(tok)):
        return  # "a former researcher at X" says nothing about now
    orgs = _role_organisations(tok)
    if not orgs and tok.dep_ == "conj" and head_of(tok).pos_ in ("NOUN", "PROPN"):
        orgs = _role_organisations(head_of(tok))  # "co-founder and chief executive of Y": of Y both
    # "the union's director of contracts": a department's head works for the organisation.
    department = [a for a in orgs if a.via == "role-prep" and a.token.pos_ == "NOUN"
                  and not is_a(token_class(a.token, lex) or "Concept", "Agent")]
    if department and len(department) < len(orgs):
        orgs = [a for a in orgs if a not in department]
        predicate = "worksFor" if predicate == "leads" else predicate
    if not orgs:
        return
    polarity, modality = ("positive", "asserted")
    if head_of(tok).pos_ in ("VERB", "AUX") and tok.dep_ == "attr":
        polarity, modality = modality_of(head_of(tok), lex)
    for person in _role_people(tok):
        for org in orgs:
            if person.token.i != org.token.i:
                yield Candidate(person.token, org.token, f"{tok.lemma_.lower()} of", predicate, "role-noun",
                                RULE_CONFIDENCE["role-noun"], polarity, modality)


def _part_at(tok: Token) -> Iterator[Candidate]:
    """"the Centre for Creative Economy Studies at Ashcombe University": a named body at a
    named organisation is part of it (selection.tsv keeps it to organisations)."""
    if tok.pos_ != "PROPN" or tok.dep_ in ("compound", "flat"):
        return
    for c in children_of(tok):
        if c.dep_ == "prep" and c.lower_ == "at":
            for g in children_of(c):
                if g.dep_ == "pobj" and g.pos_ == "PROPN":
                    yield Candidate(tok, g, "at", "memberOf", "part-at", RULE_CONFIDENCE["part-at"], "positive", "asserted")


def nominal_relations(sent: Span, lex: Lexicon) -> Iterator[Candidate]:
    """Relations carried by nouns (see module docstring)."""
    for tok in tokens_of(sent):
        pos = tok.pos_
        if pos == "PROPN":
            yield from _credit(tok)
            yield from _part_at(tok)
        elif pos != "NOUN":
            continue  # (each rule below needs a noun or a name)
        yield from _possessive(tok, lex)
        yield from _roles(tok, lex)
        if pos == "NOUN":
            yield from _membership(tok, lex)
        lemma = tok.lemma_.lower()
        if not lex.has_frames("NOUN", lemma):
            continue
        subjects = _described(tok)
        if not subjects:
            continue
        polarity, modality = ("positive", "asserted")
        if head_of(tok).pos_ in ("VERB", "AUX"):
            polarity, modality = modality_of(head_of(tok), lex)
        dummy = Clause(
            verb=tok, lemma=lemma, particle=None, passive=False, agents=tuple(subjects), patients=(), preps=(),
            nested=(), attrs=(), complement=None, xcomp=None, polarity=polarity, modality=modality, rule="noun-frame",
        )
        # Prepositional complement: "participation in the campaign", "advocate for protections".
        for prep, arg in _noun_preps(tok):
            frame = lex.frame("NOUN", lemma, None, prep)
            if frame is None:
                continue
            for sb in subjects:
                # A role noun standing for its person ("the union's member") counts only once
                # coreference has tied it to someone: marked for the extractor to check.
                rule = "noun-frame-self" if sb.via == "self" else "noun-frame"
                if (c := _emit(dummy, sb, arg, frame, f"{lemma} {prep}", rule)):
                    yield c
            if frame.predicate == "playedRole":
                yield from _role_in_work(tok, subjects, dummy)
        # Name modifier of a role noun: "the Foo director Jane Doe" ≈ "director of Foo".
        for mod in lefts_of(tok):
            if mod.dep_ in ("compound", "nmod") and mod.pos_ == "PROPN":
                frame = lex.frame("NOUN", lemma, None, "of") or lex.frame("NOUN", lemma, None, "in")
                if frame is None:
                    continue
                # A capitalised word of a title ("Managing Director", "Executive Producer") is no name.
                if f"{mod.lemma_.lower()} {lemma}" in lex.roles:
                    continue
                # A place before a role noun says where the person is from or works ("US voice
                # actor", "Hollywood actor"): no work they are known for, only what they lead or represent.
                if mod.ent_type_ in ("GPE", "LOC", "NORP") and frame.predicate not in ("leads", "represents"):
                    continue
                # A date before a role noun says when, not of what: "on Friday President Jane Doe".
                if mod.ent_type_ in ("DATE", "TIME"):
                    continue
                for sb in subjects:
                    if sb.via == "poss":
                        continue
                    if (c := _emit(dummy, sb, Arg(mod, "compound"), frame, f"{mod.text} {lemma}", "role-noun")):
                        yield c
