"""Open clauses from a dependency parse: who (agents) does what (verb) to whom (patients, PPs).

This is kg's open stage, shared by the news extractor (:mod:`kg.extract.relations`, which maps
clauses to ontology predicates) and the Open IE output (:mod:`kg.openie`). Each function is a
small generator over spaCy tokens; each branch is one linguistic rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from kg.extract.tree import children_of, head_of, lefts_of, sentences_of, subtree_of, token_at, tokens_of
from kg.lexicon import Lexicon

__all__ = [
    "Arg",
    "Clause",
    "clauses",
    "conjuncts",
    "list_members",
    "agents_of",
    "patients_of",
    "preps_of",
    "modality_of",
    "is_passive",
    "nested_preps_of",
    "is_adverbial_verb_modifier",
    "counted_group",
    "group_end",
]

SUBJ_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
OBJ_DEPS = frozenset({"dobj", "obj", "dative", "oprd"})
_QUANTIFIERS = frozenset("many most some all others both several few lot lots number majority one".split())
NOMINAL_POS = frozenset({"NOUN", "PROPN", "PRON", "ADJ", "NUM", "X"})
COPULAS = frozenset({"be", "become", "remain", "seem", "appear", "stay"})
REPORTING_DEPS = frozenset({"ccomp", "xcomp", "advcl", "conj"})
_CLEFT_SUBJECTS = frozenset("it this that these those what which who there".split())
_OBJECT_CONTROL_PREPS = frozenset("for from of with into against".split())
# Verb + preposition whose object is the subject of a following infinitive ("called on X to act").
_PP_CONTROL = frozenset({("call", "on"), ("call", "upon"), ("appeal", "to"), ("rely", "on"), ("count", "on"),
                         ("wait", "for"), ("press", "for"), ("push", "for"), ("arrange", "for")})


@dataclass(frozen=True)
class Arg:
    """An argument slot filled by one token (the head of a phrase) and how it was found."""

    token: Token
    via: str  # the rule: nsubj, agent, conj, relcl, acl, control, members, ...


@dataclass(frozen=True)
class Clause:
    """One predicate with its arguments, before mapping to the ontology.

    ``agents`` are the logical subjects (active subject, passive by-agent); ``patients`` the
    logical objects (direct object, passive subject); ``preps`` the prepositional objects as
    (preposition, argument) pairs. ``particle`` is a verb particle ("take *over*").
    """

    verb: Token
    lemma: str
    particle: str | None
    passive: bool
    agents: tuple[Arg, ...]
    patients: tuple[Arg, ...]
    preps: tuple[tuple[str, Arg], ...]
    nested: tuple[tuple[str, Arg], ...]  # PPs attached below the verb's own PPs (attachment repair)
    attrs: tuple[Arg, ...]
    complement: Token | None  # clausal complement ("argued *that* ...")
    xcomp: Token | None  # open complement ("urged X *to uphold* Y")
    polarity: str
    modality: str
    rule: str


def conjuncts(tok: Token) -> list[Token]:
    """The token and its coordinated siblings: "A, B and C" → [A, B, C]."""
    out = [tok]
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in children_of(t):
            if c.dep_ == "conj" and (c.pos_ in NOMINAL_POS or c.pos_ == tok.pos_):
                out.append(c)
                stack.append(c)
            # "the Dunmere Gazette, the Westmark Herald and eleven other titles": a list whose second
            # name the parser made an apposition of the first (it goes on with "and ...").
            elif c.dep_ == "appos" and c.pos_ == "PROPN" and t.pos_ == "PROPN" and any(
                    g.dep_ == "conj" for g in children_of(c)) and any(g.dep_ == "cc" for g in children_of(c)) \
                    and _right_after(t, c):
                out.append(c)
                stack.append(c)
    return sorted(set(out), key=lambda t: t.i)


def _right_after(t: Token, appos: Token) -> bool:
    """Whether ``appos`` follows the phrase of ``t`` with only a comma or a determiner between."""
    end = max((x.i for x in subtree_of(t) if x.i < appos.left_edge.i), default=t.i)
    return all(token_at(t.doc, k).is_punct or token_at(t.doc, k).dep_ == "det" for k in range(end + 1, appos.left_edge.i))


def list_members(tok: Token) -> tuple[list[Token], bool]:
    """Members named in a list attached to a general noun, and whether the noun stays.

    * "companies like A and B", "unions such as C": the members replace the general noun
      (they are what the sentence is about) → ([A, B], False);
    * "420 professionals including A and B": the members are a subset, both are kept → ([A, B], True).
    """
    for c in children_of(tok):
        if c.dep_ != "prep":
            continue
        word = c.lower_
        is_such_as = word == "as" and any(x.lower_ == "such" for x in lefts_of(c))
        if word in ("like", "including") or is_such_as:
            pobj = next((g for g in children_of(c) if g.dep_ == "pobj"), None)
            if pobj is not None:
                return conjuncts(pobj), word == "including"
    # "four performers: A, B and C" — names listed after a colon (the parser may hang them anywhere).
    doc = tok.doc
    end = max(t.i for t in subtree_of(tok)) if tok.pos_ == "NOUN" else tok.i
    if (tok.pos_ == "NOUN" and end + 2 < len(doc) and token_at(doc, end + 1).text == ":"
            and token_at(doc, end + 2).pos_ == "PROPN"):
        name = token_at(doc, end + 2)
        while name.dep_ in ("compound", "flat") and head_of(name).i != name.i and head_of(name).pos_ == "PROPN":
            name = head_of(name)
        return conjuncts(name), True
    # "300 writers signed the letter, among them A and B": names the parser hangs anywhere in
    # the sentence, with "among them" under the first, are members of the plural subject.
    if tok.dep_ in ("nsubj", "nsubjpass") and tok.tag_ == "NNS":
        for t in subtree_of(head_of(tok)):  # the subject's own clause, not a later one's
            if t.pos_ == "PROPN" and t.i > tok.i and any(
                    c.dep_ == "prep" and c.lower_ == "among" and any(g.lower_ in ("them", "those") for g in children_of(c))
                    for c in children_of(t)):
                return conjuncts(t), True
        # "..., among them the translator A, the narrator B and the poet C": "among them" under the
        # verb, the names after it however the parser hung them.
        verb = head_of(tok)
        among = next((c for c in children_of(verb) if c.dep_ == "prep" and c.lower_ == "among"
                      and any(g.lower_ in ("them", "those") for g in children_of(c))), None)
        if among is not None and among.i > tok.i:
            clause_end = max(t.i for t in subtree_of(verb)) + 1
            # (the list ends at the next verb or preposition: "..., among them A and B, according to C")
            end = next((k for k in range(among.i + 2, clause_end)
                        if token_at(doc, k).pos_ in ("VERB", "AUX", "ADP", "SCONJ")), clause_end)
            names = [token_at(doc, k) for k in range(among.i + 2, end)
                     if token_at(doc, k).pos_ == "PROPN" and token_at(doc, k).dep_ not in ("compound", "flat")]
            if names:
                return names, True
    for c in children_of(tok):  # "such companies as A and B" parses "such" as amod with "as" under it
        if c.lower_ == "such":
            for g in children_of(c):
                if g.lower_ == "as":
                    pobj = next((x for x in children_of(g) if x.dep_ == "pobj"), None)
                    if pobj is not None:
                        return conjuncts(pobj), False
    return [], True


_OBJECT_VIAS = frozenset({"dobj", "prep", "nested-prep", "attr", "acomp", "oprd"})


def _expand(tok: Token, via: str) -> list[Arg]:
    """An argument token → the arguments it stands for (conjuncts, list members).

    As an object, a general noun with examples stays beside them ("worried about tools like X"
    is about the tools and about X); as a subject the examples replace it ("companies like A
    and B argue" — A and B argue).
    """
    out: list[Arg] = []
    # "300 programmers, artists and designers": a counted group of bare plurals is one group.
    group = counted_group(tok)
    for t in ([tok] if group else conjuncts(tok)):
        members, keep = list_members(t)
        if keep or not members or via in _OBJECT_VIAS:
            out.append(Arg(t, via if t is tok else "conj"))
        out.extend(Arg(m, "members") for m in members)
        # "the novelists A, B and C, the poet D": a plural description stands for its first name
        # (a mention resolves it so); the names coordinated with that one are arguments too.
        if t.pos_ == "NOUN" and t.tag_ == "NNS":
            out.extend(Arg(n, "conj") for n in appositive_names(t)[1:])
        # "Three of the agency's photographers, A, B and C, joined": the number stands for the names.
        elif t.pos_ == "NUM" and (names := appositive_names(t)):
            out = [a for a in out if a.token.i != t.i] + [Arg(n, "conj") for n in names]
    return out


def appositive_names(tok: Token) -> list[Token]:
    """Names in apposition to a noun, with their conjuncts and the names of descriptions in
    apposition to them: "the novelists A, B and C, the poet D and the translator E" → A … E."""
    out: list[Token] = []
    for a in children_of(tok):
        if a.dep_ != "appos":
            continue
        if a.pos_ == "PROPN":
            for c in conjuncts(a):
                if c.pos_ == "PROPN" and c not in out:
                    out.append(c)
                    out.extend(n for n in appositive_names(c) if n not in out)
        elif a.pos_ == "NOUN":  # "..., the poet D": a description with a name of its own
            out.extend(n for n in appositive_names(a) if n not in out)
    return out


def group_end(tok: Token) -> int | None:
    """End (exclusive token index) of a counted group of coordinated bare plurals headed by ``tok``.

    "more than 300 programmers, artists and designers" is one group of 300 people, whatever the
    parser made of the commas. Read off the surface: the counted plural, then ", PLURAL"* and
    "and/or PLURAL".
    """
    doc = tok.doc
    if tok.pos_ == "NOUN" and tok.tag_ == "NN" and any(
            c.dep_ == "nummod" and c.lower_ not in ("1", "one") for c in children_of(tok)):
        # "40 book and music publishers", "6,500 staff and freelance photographers": a counted
        # singular shares the plural head coordinated right after it, with only its modifiers
        # between (not "6,500 staff and 300 volunteers", each counted).
        conj = next((c for c in children_of(tok) if c.dep_ == "conj" and c.tag_ == "NNS"), None)
        if conj is not None and tok.i + 2 <= conj.i and token_at(doc, tok.i + 1).lower_ in ("and", "or") and all(
                head_of(token_at(doc, k)).i == conj.i and token_at(doc, k).dep_ in ("amod", "compound")
                for k in range(tok.i + 2, conj.i)):
            return conj.i + 1
        return None
    if tok.pos_ != "NOUN" or tok.tag_ != "NNS":
        return None
    if not any(c.dep_ in ("nummod", "quantmod") or c.like_num for c in children_of(tok)):
        return None
    i, seen_cc = tok.i + 1, False
    end = None
    while i + 1 < len(doc):
        sep, nxt = token_at(doc, i), token_at(doc, i + 1)
        if sep.text == "," and nxt.tag_ == "NNS":
            i += 2
            end = i
        elif sep.text == "," and nxt.lower_ in ("and", "or") and i + 2 < len(doc) \
                and token_at(doc, i + 2).tag_ == "NNS":
            i += 3
            end, seen_cc = i, True
        elif sep.lower_ in ("and", "or") and nxt.tag_ == "NNS":
            i += 2
            end, seen_cc = i, True
        else:
            break
        if seen_cc:
            break
    return end if seen_cc else None


def counted_group(tok: Token) -> bool:
    """A number or quantifier modifying coordinated bare plural nouns counts them all together."""
    return group_end(tok) is not None


def is_passive(verb: Token) -> bool:
    """Passive voice: a passive subject or auxiliary, or a bare past participle modifying a noun."""
    if any(c.dep_ in ("nsubjpass", "auxpass", "csubjpass") for c in children_of(verb)):
        return True
    if verb.tag_ in ("VBN", "VBD") and verb.dep_ in ("acl", "advcl", "amod") and not any(
        c.dep_ in ("aux", "nsubj") for c in children_of(verb)
    ):
        return True
    # "sponsored by A and co-sponsored by B": a participle conjoined to a passive one, with a
    # by-agent of its own, is passive too.
    if verb.tag_ == "VBN" and verb.dep_ == "conj" and head_of(verb).i != verb.i and is_passive(head_of(verb)) and any(
        c.dep_ == "agent" for c in children_of(verb)
    ) and not any(c.dep_ in ("aux", "nsubj") for c in children_of(verb)):
        return True
    return False


def _relative_antecedent(verb: Token) -> list[Token]:
    """The noun a relative clause verb hangs off, expanded to its coordination.

    A relative clause on a predicate noun describes the copula's subject: "X is a company that
    makes Y", "X was the first ship to enter Z" (clefts and "there are ..." keep the noun).
    """
    head = head_of(verb)
    pred = head
    while pred.dep_ == "conj" and head_of(pred).pos_ in NOMINAL_POS:
        pred = head_of(pred)
    if pred.dep_ == "attr" and head_of(pred).lemma_.lower() in COPULAS:
        subj = [c for c in children_of(head_of(pred)) if c.dep_ == "nsubj" and c.lower_ not in _CLEFT_SUBJECTS]
        if subj:
            return conjuncts(subj[0])
    members, keep = list_members(head)
    base = conjuncts(head) if head.dep_ != "conj" else [head]
    return base if keep or not members else members


def _subject_control() -> frozenset[str]:
    from kg.lexicon import load_lexicon

    return load_lexicon().subject_control


def _finite_conjunct_of_infinitive(verb: Token) -> bool:
    """ "urges X to adopt Y and calls on Z": a finite verb cannot conjoin an infinitive, so a
    conjunct the parser hung on one really conjoins the infinitive's main verb."""
    head = head_of(verb)
    return verb.dep_ == "conj" and verb.tag_ in ("VBZ", "VBD", "VBP") and head.dep_ == "xcomp" and head.tag_ == "VB"


def _pp_controller(verb: Token) -> tuple[list[Arg], str] | None:
    """After "call on X", "wait for X" the prepositional object controls the infinitive that
    follows it directly: "called on the government to act" (the government acts)."""
    head, first = head_of(verb), verb.left_edge.i
    for p in children_of(head):
        if p.dep_ == "prep" and p.i < first and (head.lemma_.lower(), p.lower_) in _PP_CONTROL:
            pobj = next((g for g in children_of(p) if g.dep_ == "pobj" and g.right_edge.i + 1 == first), None)
            if pobj is not None:
                return _expand(pobj, "control"), "object-control"
    return None


def _controller(verb: Token) -> tuple[list[Arg], str] | None:
    """Implicit subject of a non-finite clause, from the clause it depends on.

    * conjoined verbs share the subject: "X signed and sent the letter";
    * object control: "urged lawmakers to act" (lawmakers act);
    * subject control: "wants to sign", "joined ..., warning that ..." (participle adverbials);
    * a participle modifying a noun: "agreements requiring consent" (agreements require).
    """
    head = head_of(verb)
    if head.i == verb.i:
        return None
    dep = verb.dep_
    if _finite_conjunct_of_infinitive(verb) and not is_passive(verb):
        # The parser's conjunct belongs to the main verb and shares its subject.
        agents = agents_of(head_of(head))
        return (agents, "conj") if agents else None
    if dep == "conj" and head.pos_ in ("VERB", "AUX"):
        if is_passive(head) and not is_passive(verb):
            pats = [Arg(t, "conj-subject") for t in _logical_patients_raw(head)]
            return (pats, "conj") if pats else None
        agents = agents_of(head)
        if is_passive(head) and is_passive(verb):
            return None  # handled by patients_of (shared passive subject)
        return (agents, "conj") if agents else None
    if dep == "xcomp" and head.pos_ == "ADJ" and head.dep_ == "acomp" and head_of(head).pos_ in ("VERB", "AUX"):
        # An adjective's infinitive takes the copula's subject: "X was able to reinforce Y".
        cop = head_of(head)
        agents = [Arg(t, "control") for t in _logical_patients_raw(cop)] if is_passive(cop) else agents_of(cop)
        return (agents, "subject-control") if agents else None
    if dep == "xcomp":
        pp = _pp_controller(verb)
        if pp is not None:
            return pp
        objs = [c for c in children_of(head) if c.dep_ in ("dobj", "dative")]
        # "used books to train X" is a purpose infinitive: the subject trains (lexicon control.tsv).
        if objs and head.lemma_.lower() not in _subject_control():
            return [a for o in objs for a in _expand(o, "control")], "object-control"
        agents = agents_of(head) if not is_passive(head) else [Arg(t, "control") for t in _logical_patients_raw(head)]
        return (agents, "subject-control") if agents else None
    if dep == "advcl" and verb.tag_ in ("VBG", "VBN") and not any(c.dep_ == "mark" for c in children_of(verb)):
        if is_passive(head) and verb.tag_ == "VBG" and any(c.dep_ == "agent" for c in children_of(head)) \
                and verb.i > 0 and not token_at(verb.doc, verb.i - 1).is_punct:
            # An active participle right after a passive's by-agent is the agent's doing: "were
            # produced by Acme using Vocalis" (Acme uses Vocalis; not "signed by X, calling for Y").
            agents = agents_of(head)
            return (agents, "participle") if agents else None
        if is_passive(head):
            pats = [Arg(t, "participle") for t in _logical_patients_raw(head)]
            return (pats, "participle") if pats else None
        agents = agents_of(head)
        return (agents, "participle") if agents else None
    if dep == "advcl" and verb.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in children_of(verb)) \
            and not any(c.dep_ == "mark" and c.lower_ not in ("in", "as") for c in children_of(verb)) \
            and head.pos_ in ("VERB", "AUX"):
        # A purpose infinitive shares the subject of its verb: "enrolled at X to study Y" (X studies Y);
        # after "call on X", "wait for X" that object controls: "called on the government to act";
        # after "from X" the "to" is a preposition the parser misread: "ranging from X to voice Y".
        if any(p.dep_ == "prep" and p.lower_ == "from" for p in children_of(head)):
            return None
        pp = _pp_controller(verb)
        if pp is not None:
            return pp
        agents = [Arg(t, "control") for t in _logical_patients_raw(head)] if is_passive(head) else agents_of(head)
        return (agents, "purpose") if agents else None
    if dep in ("acl", "amod") and verb.tag_ == "VBG":
        return _expand(head, "participle-acl"), "participle-acl"
    if dep == "relcl":
        return [Arg(t, "relcl") for t in _relative_antecedent(verb)], "relcl"
    if dep == "pcomp" and head.dep_ == "prep" and verb.tag_ in ("VBG", "VBN") and head_of(head).pos_ in ("VERB", "AUX"):
        # A gerund under a preposition of a verb takes that verb's subject: "before being appointed",
        # "was praised for signing"; after these prepositions an object controls: "barred X from
        # using", "accused X of building". A passive's "by V-ing" has the implicit agent as subject.
        main = head_of(head)
        objs = [c for c in children_of(main) if c.dep_ in ("dobj", "dative")]
        if objs and head.lower_ in _OBJECT_CONTROL_PREPS:
            return [a for o in objs for a in _expand(o, "control")], "object-control"
        if is_passive(main) and head.lower_ == "by":
            return None
        subj = [Arg(t, "control") for t in _logical_patients_raw(main)] if is_passive(main) else agents_of(main)
        return (subj, "subject-control") if subj else None
    return None


def agents_of(verb: Token) -> list[Arg]:
    """Logical subjects of a verb: the active subject or the passive by-agent (with conjuncts)."""
    out: list[Arg] = []
    passive = is_passive(verb)
    for c in children_of(verb):
        if passive and c.dep_ == "agent":
            for g in children_of(c):
                if g.dep_ == "pobj":
                    out.extend(_expand(g, "agent"))
        elif not passive and c.dep_ in ("nsubj", "csubj"):
            if c.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                out.extend(Arg(t, "relcl") for t in _relative_antecedent(verb))
            elif not any(a.token.i < c.i < (group_end(a.token) or 0) for a in out):
                out.extend(_expand(c, "nsubj"))  # (a plural inside a counted group is not a subject of its own)
    if not out and passive:
        # "represented in negotiations by X": a by-phrase the parser hung on the verb's own PP.
        for c in children_of(verb):
            if c.dep_ == "prep":
                for g in children_of(c):
                    if g.dep_ == "pobj":
                        for by in children_of(g):
                            if by.dep_ == "prep" and by.lower_ == "by":
                                out.extend(a for p in children_of(by) if p.dep_ == "pobj" for a in _expand(p, "agent"))
    if not out and not passive and verb.tag_ == "VBZ":
        # A subject the parser took for a compound of its verb: "The contract bars AI from ...".
        left = next((c for c in children_of(verb) if c.dep_ == "compound" and c.pos_ in ("NOUN", "PROPN")
                     and c.i == verb.i - 1), None)
        if left is not None:
            out.extend(_expand(left, "nsubj"))
    if not out and not passive:
        ctrl = _controller(verb)
        if ctrl:
            out = ctrl[0]
    return out


def _logical_patients_raw(verb: Token) -> list[Token]:
    """Tokens of the logical object of a passive verb (passive subject or modified noun)."""
    out: list[Token] = []
    for c in children_of(verb):
        if c.dep_ in ("nsubjpass", "csubjpass"):
            if c.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                out.extend(_relative_antecedent(verb))
            else:
                out.extend(a.token for a in _expand(c, "nsubjpass"))
    if not out:
        if verb.dep_ in ("acl", "amod") and verb.tag_ in ("VBN", "VBD"):
            out.extend(a.token for a in _expand(head_of(verb), "acl"))
        elif verb.dep_ == "relcl":
            out.extend(_relative_antecedent(verb))
        elif verb.dep_ == "conj" and is_passive(head_of(verb)):
            out.extend(_logical_patients_raw(head_of(verb)))
        elif verb.dep_ == "conj" and head_of(verb).pos_ in ("VERB", "AUX"):
            # "The film stars X and is produced by Y": the active verb's subject is the patient.
            out.extend(a.token for a in agents_of(head_of(verb)))
        elif verb.dep_ == "advcl" and verb.tag_ == "VBN":
            head = head_of(verb)
            out.extend(a.token for a in agents_of(head)) if not is_passive(head) else out.extend(
                _logical_patients_raw(head)
            )
    return out


def patients_of(verb: Token) -> list[Arg]:
    """Logical objects: direct objects (active) or the passive subject / modified noun (passive)."""
    if is_passive(verb):
        return [Arg(t, "passive-subject") for t in _logical_patients_raw(verb)]
    out: list[Arg] = []
    # After "..., among them" come members of the subject, not objects the parser made of them.
    among = next((c.i for c in children_of(verb) if c.dep_ == "prep" and c.lower_ == "among"
                  and any(g.lower_ in ("them", "those") for g in children_of(c))), len(verb.doc))
    for c in children_of(verb):
        if c.i > among:
            continue
        if c.dep_ in ("dobj", "obj") and verb.dep_ == "relcl" and c.lower_ in ("which", "that", "whom", "who"):
            # A relative pronoun object stands for the antecedent: "the match, which Keibler lost".
            out.extend(Arg(t, "relcl-object") for t in _relative_antecedent(verb))
        elif c.dep_ in ("dobj", "obj"):
            out.extend(_expand(c, "dobj"))
    if not out:
        # A gerund clause is the object: "suggested easing the rules", "banned using clones".
        for c in children_of(verb):
            if c.dep_ in ("xcomp", "ccomp") and c.tag_ == "VBG" and not any(
                    g.dep_.startswith("nsubj") for g in children_of(c)):
                out.append(Arg(c, "gerund"))
    if not out and verb.dep_ == "relcl" and not any(
            c.dep_ in ("nsubj",) and c.lower_ in ("who", "which", "that") for c in children_of(verb)):
        # "the movement it represents": the antecedent is the relative clause's object
        # (not in "X, whose president spoke": there the gap is in the subject).
        subjects = [c for c in children_of(verb) if c.dep_ == "nsubj"]
        if subjects and not any(t.lower_ == "whose" for c in subjects for t in subtree_of(c)):
            out.extend(Arg(t, "relcl-object") for t in _relative_antecedent(verb))
    return out


def preps_of(verb: Token) -> list[tuple[str, Arg]]:
    """Prepositional objects of a verb ("argued *for* X", "addressed *to* Y"), with conjuncts.

    A relative clause introduced by "where" says "in" its antecedent: "Hollywood, where AI is
    used" ≈ "AI is used in Hollywood".
    """
    out: list[tuple[str, Arg]] = []
    if verb.dep_ == "relcl" and any(c.lower_ == "where" and c.dep_ == "advmod" for c in children_of(verb)):
        out.extend(("in", Arg(t, "relcl-where")) for t in _relative_antecedent(verb))
    for c in children_of(verb):
        if c.dep_ == "prep" or (c.dep_ == "agent" and not is_passive(verb)):
            for g in children_of(c):
                if g.dep_ in ("pobj", "pcomp"):
                    out.extend((c.lower_, a) for a in _expand(g, "prep"))
        elif c.dep_ == "dative" and c.pos_ == "ADP":
            for g in children_of(c):
                if g.dep_ == "pobj":
                    out.extend((c.lower_, a) for a in _expand(g, "prep"))
    return out


def nested_preps_of(verb: Token) -> list[tuple[str, Arg]]:
    """Prepositions the parser attached one level too low: "worries along with many *about* X"."""
    out: list[tuple[str, Arg]] = []
    for c in children_of(verb):
        if c.dep_ != "prep":
            continue
        for g in subtree_of(c):
            # only through a PP whose object carries no content of its own ("along with many")
            if g.dep_ == "prep" and g.i != c.i and head_of(g).dep_ == "pobj" and (
                head_of(g).pos_ in ("PRON", "ADJ", "NUM", "DET") or head_of(g).lemma_.lower() in _QUANTIFIERS
            ):
                for obj in children_of(g):
                    if obj.dep_ in ("pobj", "pcomp"):
                        out.extend((g.lower_, a) for a in _expand(obj, "nested-prep"))
    return out


_PRESUPPOSED = frozenset("when after before because since as although though while once".split())
_REPORTING = frozenset("say tell announce state confirm add pledge promise vow insist".split())


def _describes_content(t: Token) -> bool:
    """ "would" that is not hypothetical: reported intent ("said it would ban X") or what a
    proposal says ("the bill would require Y")."""
    if t.dep_ == "ccomp" and head_of(t).lemma_.lower() in _REPORTING:
        return True
    from kg.lexicon import load_lexicon

    heads = load_lexicon().head_types
    for c in children_of(t):
        if c.dep_ in ("nsubj", "nsubjpass"):
            cls = heads.get(c.lemma_.lower())
            if cls in ("Document", "Agreement", "Letter", "LegalConcept"):
                return True
    return False


def _own_markers(t: Token, m: dict[str, dict[str, str]]) -> tuple[bool, str | None]:
    """Negation and modality marked on one verb: (negated, modality or None)."""
    negated, modality = False, None
    for c in children_of(t):
        word, lemma = c.lower_, c.lemma_.lower()
        if c.dep_ == "neg" or (c.dep_ == "advmod" and word in m["negation"]):
            negated = True
        elif c.dep_ == "aux" and word == "would" and _describes_content(t):
            modality = modality or "reported"
        elif c.dep_ == "aux" and (word in m["modal"] or lemma in m["modal"]):
            modality = "hypothetical"
        elif c.dep_ == "advmod" and word in m["hedge"]:
            modality = m["hedge"][word] if modality is None else modality
        elif c.dep_ == "mark" and word in m["condition"]:
            modality = "hypothetical"
        elif c.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("if", "unless") for g in children_of(c)):
            modality = "hypothetical"  # "If X happens, Y will sign": the main clause is conditional
    return negated, modality


def _question_tokens(doc: Doc) -> frozenset[int]:
    """Indices of the tokens of the document's direct questions (sentences ending in "?"),
    computed once per document."""
    got = doc.user_data.get(_QUESTION_KEY)
    if got is None:
        text = doc.text
        got = frozenset(i for s in sentences_of(doc)
                        if text[s.start_char:s.end_char].rstrip().rstrip("\"'”’)").endswith("?")
                        for i in range(s.start, s.end))
        doc.user_data[_QUESTION_KEY] = got
    return got


_QUESTION_KEY = "kg_question_tokens"


def modality_of(verb: Token, lex: Lexicon) -> tuple[str, str]:
    """(polarity, modality) of the clause headed by ``verb``.

    * negation: "did not sign", "never signed", "refused to sign" → negative;
    * modal auxiliaries and hedges: "could sue", "likely done" → hypothetical ("can" is not);
    * conditions: "if they sign", "unless" → hypothetical; direct questions → question;
    * prohibition: "bans the studio from using X" → the using is prohibited;
    * "without asking" → negative;
    * embedding: a clause inherits from the verb it depends on — shared auxiliaries of
      conjoined verbs; open complements of negated, modal or non-factive verbs ("wants to
      sign", "urged lawmakers to uphold": the inner clause is not asserted); clausal complements
      of reporting verbs are reported (asserted), of negated or non-factive ones hypothetical.
      Relative and participle clauses stand on their own.
    """
    m = lex.modality
    polarity, modality = "positive", "asserted"

    def weaken(new: str) -> None:
        nonlocal modality
        order = ("asserted", "reported", "hypothetical", "question", "prohibited")
        if order.index(new) > order.index(modality):
            modality = new

    if verb.i in _question_tokens(verb.doc):
        weaken("question")
    negated, own = _own_markers(verb, m)
    # "None of its members used AI", "No studio signed": a negative subject negates the clause.
    for c in children_of(verb):
        if c.dep_ in ("nsubj", "nsubjpass") and (c.lower_ in m["negation"] or any(
                g.dep_ == "det" and g.lower_ == "no" for g in children_of(c))):
            negated = True
    if negated:
        polarity = "negative"
    if own:
        weaken(own)
    t = verb
    for _ in range(8):
        head = head_of(t)
        if head.i == t.i or t.dep_ in ("relcl", "acl", "amod", "appos"):
            break
        if _finite_conjunct_of_infinitive(t):
            head = head_of(head)  # "urges X to adopt Y and calls on Z": "calls" conjoins "urges"
        if t.dep_ == "pcomp" and head.pos_ == "ADP":
            if head.lower_ in m["negative-prep"]:
                polarity = "negative"
            if head.lower_ == "from" and head_of(head).lemma_.lower() in m["prohibition"]:
                weaken("prohibited")
            if t.tag_ == "VBG" and m["nonfactive"].get(head_of(head).lemma_.lower()) == "reported":
                weaken("reported")  # "accused X of building Y": an allegation
            t = head_of(head)
            continue
        if t.dep_ == "xcomp" and head.pos_ == "ADJ" and head.dep_ == "acomp" and head_of(head).pos_ in ("VERB", "AUX"):
            # "was able / likely / unable to sign": an adjective's complement is not asserted.
            adj = head.lemma_.lower()
            a_neg, _ = _own_markers(head, m)
            c_neg, c_mod = _own_markers(head_of(head), m)
            if a_neg or c_neg or adj in m["negation"] or m["nonfactive"].get(adj) == "negative":
                polarity = "negative"
            weaken("hypothetical")
            if c_mod:
                weaken(c_mod)
            t = head_of(head)
            continue
        if head.pos_ not in ("VERB", "AUX"):
            break
        h_neg, h_mod = _own_markers(head, m)
        lemma = head.lemma_.lower()
        if t.dep_ == "conj":
            shares = not any(c.dep_ in ("aux", "nsubj", "nsubjpass", "neg") for c in children_of(t))
            if shares:
                polarity = "negative" if h_neg else polarity
                if h_mod:
                    weaken(h_mod)
            else:
                break
        elif t.dep_ == "xcomp":
            if h_neg or lemma in m["negation"] or m["nonfactive"].get(lemma) == "negative":
                polarity = "negative"
            elif lemma in m["nonfactive"]:
                weaken("hypothetical")
            if h_mod:
                weaken(h_mod)
        elif t.dep_ == "ccomp":
            if h_neg or h_mod or lemma in m["nonfactive"] or lemma in m["negation"]:
                weaken("hypothetical")
            else:
                weaken("reported")
        elif t.dep_ == "advcl":
            if h_mod:
                weaken(h_mod)
            if t.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in children_of(t)) \
                    and lemma not in _subject_control():
                # A purpose ("sued to stop the release", "called on X to require Y") is a goal,
                # not a fact; what a thing was used or bought for did happen ("used X to train Y").
                weaken("hypothetical")
            # "did not violate the law when it used X": a temporal or causal clause is presupposed,
            # true whatever the negation says; a purpose ("did not sign to protect X") is not.
            if h_neg and not any(c.dep_ in ("mark", "advmod") and c.lower_ in _PRESUPPOSED for c in children_of(t)):
                weaken("hypothetical")
        else:
            break
        t = head
    return polarity, modality


def _particle(verb: Token) -> str | None:
    for c in children_of(verb):
        if c.dep_ == "prt":
            return c.lower_
    return None


def is_adverbial_verb_modifier(tok: Token) -> bool:
    """A past verb form tagged as an adjective that has an adverb of its own ("ultimately secured")."""
    return tok.dep_ == "amod" and tok.tag_ in ("VBD", "VBN") and any(c.dep_ == "advmod" for c in children_of(tok))


def _verb_misparsed_as_modifier(tok: Token, lex: Lexicon) -> Clause | None:
    """A finite verb the parser took for an adjective after a long appositive subject.

    "The Guild of X (GX) ultimately secured agreements ..." is sometimes parsed with *secured*
    as an adjective of *agreements* and *agreements* as an apposition of the subject. A past
    verb form with an adverb of its own, modifying an apposition, is read back as the clause
    "subject – verb – noun".
    """
    if tok.dep_ != "amod" or tok.tag_ not in ("VBD", "VBN") or not lex.has_frames("VERB", tok.lemma_.lower()):
        return None
    noun = head_of(tok)
    if not is_adverbial_verb_modifier(tok):
        return None
    if noun.dep_ == "appos":
        subject = head_of(noun)
    else:
        names = [c for c in lefts_of(noun)
                 if c.dep_ in ("nmod", "compound", "poss") and c.pos_ == "PROPN" and c.i < tok.i]
        if not names:
            return None
        subject = names[-1]
    anchor = head_of(noun) if noun.dep_ == "appos" else noun
    polarity, modality = modality_of(anchor, lex) if anchor.pos_ in ("VERB", "AUX") else ("positive", "asserted")
    return Clause(
        verb=tok, lemma=tok.lemma_.lower(), particle=None, passive=False,
        agents=tuple(_expand(subject, "repaired")), patients=tuple(_expand(noun, "repaired")), preps=(),
        nested=(), attrs=(), complement=None, xcomp=None, polarity=polarity, modality=modality, rule="repaired-verb",
    )


def clauses(sent: Span, lex: Lexicon) -> Iterator[Clause]:
    """Every verbal or copular predicate of the sentence as a :class:`Clause`."""
    for tok in tokens_of(sent):
        is_verb = tok.pos_ == "VERB" or (tok.pos_ == "AUX" and tok.dep_ in ("ROOT", "conj", "ccomp", "relcl", "advcl", "xcomp"))
        # A participle tagged as an adjective is still a passive verb when it has a passive subject or
        # auxiliary: "Staff were only informed of the decision".
        is_verb = is_verb or (tok.pos_ == "ADJ" and any(c.dep_ in ("nsubjpass", "auxpass") for c in children_of(tok)))
        if not is_verb:
            continue
        lemma = tok.lemma_.lower()
        repaired = _verb_misparsed_as_modifier(tok, lex)
        if repaired is not None:
            yield repaired
            continue
        if tok.dep_ == "amod":
            continue
        passive = is_passive(tok)
        agents = agents_of(tok)
        patients = patients_of(tok)
        preps = preps_of(tok)
        attrs = [a for c in children_of(tok) if c.dep_ in ("attr", "acomp", "oprd") for a in _expand(c, c.dep_)]
        complement = next((c for c in children_of(tok) if c.dep_ == "ccomp"), None)
        xcomp = next((c for c in children_of(tok) if c.dep_ == "xcomp"), None)
        if not (agents or patients or preps or attrs):
            continue
        polarity, modality = modality_of(tok, lex)
        if tok.dep_ == "acl" and tok.tag_ in ("VBN", "VBD"):
            rule = "participle-passive"
        elif tok.dep_ in ("acl", "amod") and tok.tag_ == "VBG":
            rule = "participle-active"
        elif tok.dep_ == "relcl":
            rule = "relative-clause"
        elif passive:
            rule = "passive"
        elif lemma in COPULAS:
            rule = "copula"
        else:
            rule = "active"
        yield Clause(
            verb=tok, lemma=lemma, particle=_particle(tok), passive=passive,
            agents=tuple(agents), patients=tuple(patients), preps=tuple(preps),
            nested=tuple(nested_preps_of(tok)), attrs=tuple(attrs),
            complement=complement, xcomp=xcomp, polarity=polarity, modality=modality, rule=rule,
        )
