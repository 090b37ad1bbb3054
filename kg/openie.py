"""Open IE output of kg's open stage: (relation; arguments) tuples with a confidence.

The news extractor maps :func:`kg.extract.clauses.clauses` records to ontology predicates; this
module writes the same records as open tuples in the style of the CaRB benchmark (Bhardwaj et al.
2019): the relation carries auxiliaries, negation, particles and the first preposition ("was not
accepted as", "continue to reside in"), the first argument is the surface subject and the other
arguments are the object and the verb's n-ary complements (PPs, time phrases). Each rule is one
function; the confidence is a logistic model over features of the tuple (rule, how the subject was
found, argument shape, modality), with weights fitted on CaRB dev and kept as data in
``ontology/lexicon/openie_confidence.tsv`` (``bench/carb.py --fit`` refits them).

Tuple rules:

* verbal clauses (:func:`_clause_tuples`): one tuple per subject × object conjunct; light verbs
  put their noun into the relation ("took a quick interest in"); a catenative verb joins its
  infinitive ("continue to reside in", "were able to reinforce"); a clausal complement is the
  object ("indicated that | S"); conjoined verbs share auxiliaries ("was loved and exalted");
  participles modifying a noun read as passives ("industries backed by X" → "be backed by");
* appositions (:func:`_appositions`): "X , the chief economist" → (X; be; the chief economist),
  places "Monroe , Conn." → (Monroe; be in; Conn.);
* titles (:func:`_titles`): "keyboardist Philippe Saisse" → (Philippe Saisse; be; keyboardist);
* parenthetical reporting (:func:`_parentheticals`): "S1 , analysts added , S2" → (analysts; added; S1 S2).

Relations the sentence does not spell out (appositions, titles, participles) use the lemma "be":
no tense is stated. The clause-stage rules these tuples rest on (control, purpose infinitives,
relative pronouns, predicate-noun relatives) live in :mod:`kg.extract.clauses`, shared with the
news extractor.

>>> from kg.nlp import load_model
>>> doc = next(parse_tokenised(["The union signed the agreement in 2023 ."], load_model()))
>>> [(t.relation, t.arguments) for t in open_tuples(doc)]
[('signed', ('The union', 'the agreement', 'in 2023'))]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.errors import RuleError
from kg.extract.clauses import Arg, Clause, clauses
from kg.extract.tree import ParseTree, children_of, head_of, lefts_of, parse_tree, subtree_of, tokens_of
from kg.lexicon import LEXICON_DIR, Lexicon, load_lexicon, read_table

__all__ = ["OpenTuple", "open_tuples", "open_tuples_with_features", "openie_lines", "parse_tokenised", "PTB_CHARS",
           "CONFIDENCE_FILE"]

# Penn Treebank escapes in tokenised input → the characters the tagger was trained on. The output
# keeps the original tokens.
PTB_CHARS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
             "``": '"', "''": '"'}
CONFIDENCE_FILE = LEXICON_DIR / "openie_confidence.tsv"
_WORDS = "kg_openie_words"  # Doc.user_data key: the original tokens of a tokenised sentence
_SENTENCE = "kg_openie_sentence"  # Doc.user_data key: the sentence as given

AUX_DEPS = frozenset({"aux", "auxpass", "neg"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl"})
PREP_DEPS = frozenset({"prep", "agent"})
CONJ_DEPS = frozenset({"conj", "cc", "preconj"})
# Verbs whose object noun carries the meaning ("take part in", "make an offer on", "have concerns about").
LIGHT_VERBS = frozenset("have make take give do pay play hold draw cast keep".split())
# Verbs of saying that can interrupt the clause they report ("X , analysts added , Y").
REPORTING_VERBS = frozenset("say add tell note explain argue claim write report state announce warn insist".split())
# Words before a name that are forms of address, not roles.
HONORIFICS = frozenset("mr mrs ms mx dr prof sir dame lady lord st father rev messrs mme mlle".split())
# Adverbs that link clauses or ask questions rather than modify the predicate.
_LINKING_ADVERBS = frozenset("when where how why then so thus however".split())

Piece = Token | str  # a token of the sentence or a word the rule supplies ("be", "in")


@dataclass(frozen=True)
class OpenTuple:
    """One open relation: ``relation`` holds between ``arguments[0]`` and the other arguments."""

    relation: str
    arguments: tuple[str, ...]
    confidence: float
    rule: str


@dataclass
class _Draft:
    """A tuple under construction: token lists, the rule that built it, its confidence features."""

    rel: list[Piece]
    args: list[list[Piece]]
    rule: str
    feats: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------- input


def parse_tokenised(sentences: Iterable[str], nlp: Language, *, batch_size: int = 64) -> Iterator[Doc]:
    """Parse sentences given one per string, already tokenised (tokens split on whitespace).

    The pipeline runs on a Doc built from the given tokens, so the parse keeps the benchmark's
    tokenisation; each string is one sentence. PTB escapes (``-LRB-``, ````` ``) are shown to
    the tagger as the characters they stand for; output functions print the original tokens.
    """

    def docs() -> Iterator[Doc]:
        for sentence in sentences:
            words = sentence.split()
            if not words:
                continue
            doc = Doc(nlp.vocab, words=[PTB_CHARS.get(w, w) for w in words])
            doc.user_data[_WORDS] = words
            doc.user_data[_SENTENCE] = sentence.strip()
            for tok in tokens_of(doc)[1:]:
                tok.is_sent_start = False  # one line, one sentence
            yield doc

    yield from nlp.pipe(docs(), batch_size=batch_size)


def _word(tok: Token) -> str:
    words = tok.doc.user_data.get(_WORDS)
    return words[tok.i] if words else tok.text


def _text(pieces: Iterable[Piece]) -> str:
    """Supplied words first, then the tokens in sentence order."""
    pieces = list(pieces)
    words = [p for p in pieces if isinstance(p, str)]
    toks = sorted((p for p in pieces if not isinstance(p, str)), key=lambda t: t.i)
    return " ".join(words + [_word(t) for t in toks])


def _rel_text(pieces: list[Piece]) -> str:
    return " ".join(p if isinstance(p, str) else _word(p) for p in pieces)


# ---------------------------------------------------------------------------------------- phrases


def _trim(toks: list[Token]) -> list[Token]:
    """Without punctuation and coordinators at the edges."""
    while toks and (toks[0].is_punct or toks[0].dep_ == "cc"):
        toks.pop(0)
    while toks and (toks[-1].is_punct or toks[-1].dep_ == "cc"):
        toks.pop()
    return toks


def _phrase(tok: Token, *, split: bool = True, exclude: frozenset[int] = frozenset(), appos: bool = True) -> list[Token]:
    """The phrase headed by ``tok``: its subtree without relative clauses and ``exclude``.

    With ``split`` its coordinated siblings stay out ("A and B" → "A"), as the open stage gives
    every conjunct a tuple of its own; without ``appos`` an apposition stays out.
    """
    out: list[Token] = []
    stack = [(tok, True)]
    while stack:
        t, top = stack.pop()
        out.append(t)
        for c in children_of(t):
            if c.i in exclude or c.dep_ == "relcl":
                continue
            if top and ((split and c.dep_ in CONJ_DEPS) or (not appos and c.dep_ == "appos")):
                continue
            stack.append((c, False))
    return _trim(sorted(out, key=lambda t: t.i))


def _pp(prep: Token) -> list[Token]:
    """A prepositional phrase with its preposition, conjuncts kept: "from A and B"."""
    return _phrase(prep, split=False)


# ---------------------------------------------------------------------------------------- relations


def _relation(verb: Token) -> tuple[list[Piece], str | None]:
    """The relation phrase of a verb and the rule that widened it (or None).

    * auxiliaries, negation, particles and adverbs between subject and verb: "are also known";
    * a catenative verb and its infinitive make one relation: "continue to reside in";
    * so do a copula, its adjective and the adjective's infinitive: "were able to reinforce";
    * a conjoined verb without auxiliaries shares those of the first: "was loved and exalted".
    """
    own_aux = [c for c in children_of(verb) if c.dep_ in AUX_DEPS and c.i < verb.i]
    toks = [verb, *own_aux]
    subj_end = max((c.right_edge.i for c in children_of(verb) if c.dep_ in SUBJECT_DEPS), default=-1)
    for c in children_of(verb):
        if c.dep_ == "prt":
            toks.append(c)
        elif c.dep_ == "advmod" and c.i < verb.i and own_aux and any(a.i < c.i for a in own_aux):
            toks.append(c)  # "had also pioneered"
        elif c.dep_ == "advmod" and subj_end < c.i < verb.i and c.left_edge.i == c.i == c.right_edge.i \
                and c.lower_ not in _LINKING_ADVERBS:
            toks.append(c)  # "strictly maintain"
    head = head_of(verb)
    if verb.dep_ == "xcomp" and head.pos_ in ("VERB", "AUX") and not any(
            c.dep_ in ("dobj", "dative") for c in children_of(head)):
        return _relation(head)[0] + _own_relation(verb, toks), "catenative"
    if verb.dep_ == "xcomp" and head.pos_ == "ADJ" and head.dep_ == "acomp" and head_of(head).pos_ in ("VERB", "AUX"):
        return _relation(head_of(head))[0] + [head] + _own_relation(verb, toks), "adjective-catenative"
    if verb.dep_ == "conj" and not own_aux and verb.tag_ in ("VB", "VBN", "VBG") \
            and not any(c.dep_.startswith("nsubj") for c in children_of(verb)):
        toks += [c for c in children_of(head) if c.dep_ in ("aux", "auxpass") and c.i < head.i]
    return _own_relation(verb, toks), None


def _own_relation(verb: Token, toks: list[Token]) -> list[Piece]:
    pieces: list[Piece] = sorted(set(toks), key=lambda t: t.i)
    if verb.dep_ in ("acl", "amod") and verb.tag_ == "VBN" and not any(c.dep_ in AUX_DEPS for c in children_of(verb)):
        # A participle modifying a noun is a passive without its auxiliary: "industries backed by
        # X" → "be backed by" (no tense is stated).
        pieces = ["be", *pieces]
    return pieces


# ---------------------------------------------------------------------------------------- rules


def _clause_tuples(clause: Clause) -> Iterator[_Draft]:
    """Tuples of one verbal clause of the open stage (see the module docstring)."""
    verb = clause.verb
    if not verb.tag_.startswith(("VB", "MD")) and verb.pos_ not in ("AUX", "ADJ"):
        return  # a noun or adverb the parser made a clause head
    if clause.lemma == "be" and any(a.token.pos_ == "ADJ" and any(c.dep_ == "xcomp" for c in children_of(a.token))
                                    for a in clause.attrs):
        return  # "was able to control X" is the infinitive's tuple
    # The surface subject: a passive verb's subject is its logical object.
    subjects = list(clause.patients if clause.passive else clause.agents)
    if not subjects:
        return
    if clause.passive:
        # A passive keeps a second object: "was given a contract", "was named chairman".
        objects = [Arg(c, "dobj") for c in children_of(verb) if c.dep_ in ("dobj", "attr", "oprd")]
    else:
        objects = list(clause.patients) + list(clause.attrs)
    rel, widened = _relation(verb)
    preps = [c for c in children_of(verb) if c.dep_ in PREP_DEPS or (c.dep_ == "dative" and c.pos_ == "ADP")]
    obj_phrases: list[list[Piece]] = []
    obj_kind = "none"
    light_pp = _light_verb_pp(clause, objects)
    if light_pp is not None:
        # "took a quick interest in X": the noun and its preposition join the relation.
        noun = objects[0].token
        rel = rel + [t for t in _phrase(noun, split=False) if t.i < light_pp.i] + [light_pp]
        obj_phrases = [_trim(_pp(light_pp)[1:])]
        obj_kind = "light-verb"
    elif objects:
        obj_phrases = [_phrase(o.token) for o in objects]
        obj_kind = "attr" if clause.attrs and not clause.patients else "dobj"
    elif after := [p for p in preps if p.i > verb.i]:
        # No object: the first following preposition joins the relation ("taught at X").
        first = after[0]
        rel = rel + [first]
        obj_phrases = [_trim(_pp(first)[1:])]
        preps.remove(first)
        obj_kind = "pp"
    elif clause.complement is not None:
        # A clausal complement is the object; its "that" joins the relation ("indicated that S").
        comp = clause.complement
        mark = [c for c in children_of(comp) if c.dep_ == "mark" and c.i < comp.i]
        obj_phrases = [[t for t in _phrase(comp, split=False) if t not in mark]]
        rel = rel + mark[:1]
        obj_kind = "clause"
    extras = _complements(clause, preps, rel)
    verb_subtree = frozenset(t.i for t in subtree_of(verb))
    feats = {f"obj={obj_kind}": 1.0, f"modality={clause.modality}": 1.0}
    if clause.polarity == "negative":
        feats["negative"] = 1.0
    if widened:
        feats[f"relation={widened}"] = 1.0
    rule = clause.rule if obj_kind != "light-verb" else f"{clause.rule}+light-verb"
    if widened:
        rule = f"{rule}+{widened}"
    for subj in subjects:
        # A subject outside the clause (a relative clause's antecedent) leaves the clause out.
        inside = subj.token.i in verb_subtree
        s_toks = _phrase(subj.token, exclude=frozenset() if inside else verb_subtree)
        if not s_toks:
            continue
        for obj in obj_phrases or [None]:
            args = [s_toks] + ([obj] if obj else []) + extras
            if len(args) < 2:
                continue
            d = _Draft(rel, args, rule, dict(feats))
            d.feats[f"subj={subj.via}"] = 1.0
            if subj.token.i > verb.i:
                d.feats["subj_after_verb"] = 1.0
            _shape_features(d, verb)
            yield d


def _light_verb_pp(clause: Clause, objects: list[Arg]) -> Token | None:
    """The preposition after a light verb's object noun ("make an offer *on*"), if any."""
    if clause.passive or len(objects) != 1 or not clause.patients or clause.lemma not in LIGHT_VERBS:
        return None
    noun = objects[0].token
    return next((c for c in children_of(noun) if c.dep_ == "prep" and c.i > noun.i
                 and any(g.dep_ in ("pobj", "pcomp") for g in children_of(c))), None)


def _complements(clause: Clause, preps: list[Token], rel: list[Piece]) -> list[list[Piece]]:
    """The verb's further arguments, one each: PPs, a recipient, time and manner phrases."""
    verb = clause.verb
    out: list[list[Piece]] = [_pp(p) for p in preps]
    for c in children_of(verb):
        if c.dep_ == "dative" and c.pos_ != "ADP":
            out.append(_phrase(c, split=False))  # "offered *the workers* a raise"
        elif c.dep_ == "npadvmod" or (c.dep_ == "advmod" and c.i > verb.i):
            out.append(_phrase(c, split=False))  # "closed *last week*", "rose *sharply*"
        elif c.dep_ == "advmod" and c.i < verb.i and c not in rel and c.left_edge.i < c.i \
                and c.lower_ not in _LINKING_ADVERBS:
            out.append(_phrase(c, split=False))  # "*Several years later* the line was abandoned"
    if verb.dep_ == "relcl" and any(c.lower_ == "where" and c.dep_ == "advmod" for c in children_of(verb)):
        # "the territory , where they killed X": the relative clause happens in its antecedent.
        subtree = frozenset(t.i for t in subtree_of(verb))
        for _, arg in clause.preps:
            if arg.via == "relcl-where" and (ph := _phrase(arg.token, split=False, exclude=subtree)):
                out.append(["in", *ph])
    return [e for e in out if e]


def _appositions(sent: Span) -> Iterator[_Draft]:
    """An apposition says what its noun is: "X , the institute 's chief economist" → (X; be; ...).

    A place in apposition to a place locates it: "Monroe , Conn." → (Monroe; be in; Conn.).
    """
    for tok in tokens_of(sent):
        head = head_of(tok)
        if tok.dep_ != "appos" or head.pos_ not in ("NOUN", "PROPN") or tok.pos_ not in ("NOUN", "PROPN"):
            continue
        a1 = _phrase(head, exclude=frozenset(t.i for t in subtree_of(tok)), appos=False)
        a2 = _phrase(tok, split=False)
        if not a1 or not a2:
            continue
        place = head.ent_type_ in ("GPE", "LOC", "FAC") and tok.ent_type_ in ("GPE", "LOC")
        d = _Draft(["be", "in"] if place else ["be"], [a1, a2], "place-apposition" if place else "apposition")
        _shape_features(d, None)
        yield d


def _titles(sent: Span, lex: Lexicon) -> Iterator[_Draft]:
    """A role before a person's name: "keyboardist Philippe Saisse", "former Representative Sam Graves".

    The title needs a common noun or a role noun of the lexicon; honorifics ("Mr.") are no role.
    """
    roles = set(lex.role_types) | set(getattr(lex, "roles", {})) | {k.lower() for k in getattr(lex, "title_types", {})}
    for ent in sent.ents:
        if ent.label_ != "PERSON":
            continue
        title = [t for c in lefts_of(ent.root) if c.i < ent.start and c.dep_ in ("compound", "amod", "nmod")
                 for t in subtree_of(c)]
        title = [t for t in title if t.i < ent.start and t.pos_ in ("NOUN", "PROPN", "ADJ")
                 and t.lower_.rstrip(".") not in HONORIFICS]
        if not any((t.is_lower and t.pos_ == "NOUN") or t.lower_.rstrip(".") in roles for t in title):
            continue
        d = _Draft(["be"], [[t for t in ent if t.tag_ != "POS"], title], "title")
        _shape_features(d, None)
        yield d


def _parentheticals(sent: Span) -> Iterator[_Draft]:
    """A reporting clause inside what it reports: "The buyers , these analysts added , could be X"."""
    for tok in tokens_of(sent):
        if tok.dep_ != "parataxis" or tok.lemma_.lower() not in REPORTING_VERBS:
            continue
        subj = next((c for c in children_of(tok) if c.dep_ == "nsubj"), None)
        if subj is None:
            continue
        inner = frozenset(t.i for t in subtree_of(tok))
        content = _trim([t for t in subtree_of(head_of(tok)) if t.i not in inner])
        if content:
            d = _Draft(_relation(tok)[0], [_phrase(subj, split=False), content], "parenthetical-reporting")
            _shape_features(d, tok)
            yield d


# ---------------------------------------------------------------------------------------- confidence

_DEP_GROUP = {"ROOT": "root", "parataxis": "root", "conj": "conj", "ccomp": "ccomp", "xcomp": "xcomp",
              "advcl": "advcl", "relcl": "relcl", "acl": "acl", "amod": "acl", "pcomp": "pcomp"}


def _shape_features(d: _Draft, verb: Token | None) -> None:
    """Features of the tuple's shape: rule, clause type, argument lengths, pronouns, punctuation."""
    f = d.feats
    f[f"rule={d.rule.split('+')[0]}"] = 1.0
    if verb is not None:
        f[f"dep={_DEP_GROUP.get(verb.dep_, 'other')}"] = 1.0
    a1 = [t for t in d.args[0] if not isinstance(t, str)]
    toks = [t for a in d.args for t in a if not isinstance(t, str)]
    f["log_len_arg1"] = math.log1p(len(d.args[0]))
    f["log_len_rest"] = math.log1p(sum(len(a) for a in d.args[1:]))
    f["n_args"] = float(min(len(d.args), 5))
    f["log_len_rel"] = math.log1p(len(d.rel))
    if len(a1) == 1 and a1[0].pos_ == "PRON":
        f["subj_pron"] = 1.0
    if any(t.tag_.startswith("W") for t in a1):
        f["subj_wh"] = 1.0
    if any(t.pos_ in ("VERB", "AUX") and t.tag_ in ("VBD", "VBZ", "VBP") for t in toks):
        f["arg_finite_verb"] = 1.0
    if any(t.text in (",", ";", ":", "--") for t in toks):
        f["arg_punct"] = 1.0


def _sentence_features(drafts: list[_Draft], sent: Span) -> None:
    """Features of the tuple among the sentence's tuples: how many, how many share its verb."""
    def anchor(d: _Draft) -> int:
        return next((p.i for p in d.rel if not isinstance(p, str)), -1)

    per_anchor: dict[int, int] = {}
    for d in drafts:
        per_anchor[anchor(d)] = per_anchor.get(anchor(d), 0) + 1
    n_verbs = sum(1 for t in tokens_of(sent) if t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass"))
    for d in drafts:
        f = d.feats
        f["log_sent_len"] = math.log(len(sent))
        f["log_n_tuples"] = math.log(len(drafts))
        f["log_same_anchor"] = math.log(per_anchor[anchor(d)]) if anchor(d) >= 0 else 0.0
        f["log_n_verbs"] = math.log1p(n_verbs)
        f["coverage"] = len({t.i for a in d.args for t in a if not isinstance(t, str)}) / len(sent)


@cache
def _weights() -> dict[str, float]:
    if not CONFIDENCE_FILE.is_file():
        raise RuleError(f"{CONFIDENCE_FILE}: missing (run bench/carb.py --fit)")
    out = {}
    for lineno, row in read_table(CONFIDENCE_FILE, ("feature", "weight")):
        try:
            out[row["feature"]] = float(row["weight"])
        except ValueError:
            raise RuleError(f"{CONFIDENCE_FILE}:{lineno}: weight must be a number") from None
    return out


def _confidence(feats: dict[str, float]) -> float:
    """Logistic model: 1 / (1 + exp(-(bias + Σ weight × feature)))."""
    w = _weights()
    z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in feats.items())
    return 1.0 / (1.0 + math.exp(-z))


# ---------------------------------------------------------------------------------------- API


def _drafts(doc_or_span: Doc | Span, lex: Lexicon) -> Iterator[_Draft]:
    """Every tuple of every sentence once, with its features (the tuple rules in order)."""
    sents = doc_or_span.sents if isinstance(doc_or_span, Doc) else [doc_or_span]
    tree = ParseTree(doc_or_span if isinstance(doc_or_span, Doc) else doc_or_span.doc)
    for sent in sents:
        # The tables are used for one sentence at a time: no block stays open across a yield.
        with parse_tree(tree):
            found: list[_Draft] = []
            for clause in clauses(sent, lex):
                found.extend(_clause_tuples(clause))
            found.extend(_appositions(sent))
            found.extend(_titles(sent, lex))
            found.extend(_parentheticals(sent))
            seen: set[tuple[str, tuple[str, ...]]] = set()
            unique = []
            for d in found:
                key = (_rel_text(d.rel), tuple(_text(a) for a in d.args))
                if key not in seen:
                    seen.add(key)
                    unique.append(d)
            _sentence_features(unique, sent)
        yield from unique


def _record(d: _Draft) -> OpenTuple:
    return OpenTuple(_rel_text(d.rel), tuple(_text(a) for a in d.args), round(_confidence(d.feats), 4), d.rule)


def open_tuples(doc_or_span: Doc | Span, lexicon: Lexicon | None = None) -> Iterator[OpenTuple]:
    """Open (relation; arguments) tuples of a parsed Doc or sentence Span, in sentence order.

    Works on any parse (news text or :func:`parse_tokenised` output); arguments are token texts
    joined by spaces (the original tokens of tokenised input).
    """
    for d in _drafts(doc_or_span, lexicon or load_lexicon()):
        yield _record(d)


def open_tuples_with_features(doc_or_span: Doc | Span,
                              lexicon: Lexicon | None = None) -> Iterator[tuple[OpenTuple, dict[str, float]]]:
    """:func:`open_tuples` with the features behind each confidence (to refit the weights)."""
    for d in _drafts(doc_or_span, lexicon or load_lexicon()):
        yield _record(d), dict(d.feats)


def openie_lines(sentences: Iterable[str], nlp: Language | None = None) -> Iterator[str]:
    """CaRB "tabbed" lines for tokenised sentences: ``sentence TAB confidence TAB relation TAB arg1 ...``.

    ``sentences`` holds one sentence per string, tokens separated by spaces; blank ones are
    skipped. The sentence is written back as given (stripped).
    """
    if nlp is None:
        from kg.nlp import load_model

        nlp = load_model()
    lex = load_lexicon()
    for doc in parse_tokenised((s.strip() for s in sentences), nlp):
        sentence = doc.user_data[_SENTENCE]
        for t in open_tuples(doc, lex):
            yield "\t".join([sentence, f"{t.confidence:.4f}", t.relation, *t.arguments])
