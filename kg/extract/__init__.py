"""Extraction: one parsed article (spaCy Doc) → mentions and relations (:class:`ArticleExtraction`).

Stages, each a module of its own:

1. :mod:`kg.extract.mentions` — names (NER with corrections, acronym definitions, names
   propagated through the document) and noun phrases that are relation arguments, typed by
   weighted evidence;
2. :mod:`kg.extract.clauses` — the open stage: predicates with agents, patients and
   prepositional objects, negation and modality (shared with the Open IE output);
3. :mod:`kg.extract.relations` — clauses and relational nouns → ontology predicates through
   the lexicon frames, or open relations;
4. :mod:`kg.extract.coref` — pronouns and definite descriptions → antecedents.

>>> from kg.nlp import load_model
>>> from kg.model import Article
>>> text = "The union signed the agreement."
>>> ex = extract_article(load_model()(text), Article(id="a", text=text))
>>> [(ex.mentions[r.subject].text, r.predicate, ex.mentions[r.object].text) for r in ex.relations]
[('union', 'signed', 'agreement')]
"""

from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Doc, Token

from kg.extract.clauses import clauses, conjuncts
from kg.extract.coref import PLURAL, leads_coordination, resolve_coreference
from kg.extract.mentions import MentionTable, span_text
from kg.extract.relations import OPEN_PENALTY, Candidate, clause_relations, nominal_relations, token_class
from kg.extract.relations import against as stance_against
from kg.extract.tree import children_of, of_lemma, parse_tree, sentences_of, token_at
from kg.cache import extractor_version
from kg.lexicon import Lexicon, load_lexicon
from kg.model import Article, ArticleExtraction, Mention, Relation, Sentence
from kg.ontology import domain_of, is_a, range_of

__all__ = ["extract_article", "extractor_version", "ARGUMENT_FACTOR"]

# How specific an argument is: a proper name is the most reliable argument, a description
# less so, a pronoun resolved by coreference least. Multiplied into a relation's confidence.
ARGUMENT_FACTOR = {"name": 1.0, "nominal": 0.9, "pronoun": 0.85}
W_RANGE = 2.0


def _is_quantity(doc: Doc, head: int, lex: Lexicon) -> bool:
    """A measure phrase ("2.3 million jobs", "30 percent of hours") denotes an amount, not an entity.

    Counted people or organisations ("represents 3,000 artists") stay entities.
    """
    tok = token_at(doc, head)
    if tok.like_num or tok.ent_type_ in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"):
        return True
    counted = any(c.dep_ in ("nummod", "quantmod") and c.like_num for c in children_of(tok))
    return counted and tok.lemma_.lower() in lex.measure_nouns


_AUTHORING_VERBS = frozenset("file issue publish release write sign send submit pen draft circulate".split())


def _through_groups(found: list[tuple[int, Candidate, int, int]], lex: Lexicon):
    """Joining a group or a campaign means sharing what it is said to do or feel.

    "X joined a chorus of creatives worried about Y": X is worried about Y too; "X signed on to
    campaigns advocating Z": X advocates Z.
    """
    for si, c, s, o in found:
        # "X filed a brief supporting Y", "X issued a statement criticising Y": X's document
        # speaks for X.
        through_document = c.verb.split()[0] in _AUTHORING_VERBS and (
            token_class(c.object, lex) in ("Document", "Letter", "Agreement"))
        if c.predicate not in ("joined", "signed") and not through_document:
            continue
        for si2, c2, s2, o2 in found:
            if si2 == si and s2 == o and c2 is not c and c2.predicate and c2.rule.startswith(("participle", "relative")):
                yield si, replace(c2, subject=c.subject, rule="group-membership",
                                  confidence=round(c2.confidence * 0.8, 4)), s, o2


def _possessed_work(c: Candidate, table: MentionTable, s: int, o: int) -> Candidate:
    """ "Doe's novel" — a person is known for their work; "Acme's film" was released by Acme."""
    owner = table.spans[o]
    if is_a(owner.cls, "Person"):
        return replace(c, subject=c.object, object=c.subject, predicate="knownFor", rule="possessive")
    return replace(c, rule="possessive")


def _check_selection(c: Candidate, table: MentionTable, s: int, o: int, lex: Lexicon) -> Candidate:
    """A relation whose arguments break the predicate's selectional restriction keeps only its verb.

    "played a key role in shaping the debate" is no playedRole: it becomes an open relation.
    """
    if c.predicate is None:
        return c
    ms, mo = table.spans[s], table.spans[o]
    # One argues a proposition, not a possession: "claimed responsibility for the attack".
    possession = c.predicate == "argues" and c.rule != "clause-content" and c.object.lemma_.lower() in lex.possession_nouns
    # the word that carries the relation: a verb's lemma ("call" of "call out"), a copula's
    # adjective or noun ("responsible" of "be responsible for")
    words = c.verb.split()
    verb = words[1] if words[0] == "be" and len(words) > 1 else words[0]
    doc = table.doc
    ok = lex.fits(c.predicate, "subject", ms.cls, ms.kind == "name", verb, _head_keys(token_at(doc, ms.head))) and lex.fits(
        c.predicate, "object", mo.cls, mo.kind == "name", verb, _head_keys(token_at(doc, mo.head)))
    if ok and not possession:
        return c
    opened = replace(c, predicate=None, rule=f"open-{c.rule}", confidence=round(c.confidence * OPEN_PENALTY, 4))
    # An open relation reads as written: "Acme makes cars", not the inverse frame's "cars make Acme".
    prep = words[1] if len(words) > 1 else None
    frame = lex.frame("VERB", words[0], None, prep) or lex.frame("NOUN", words[0], None, prep)
    if frame is not None and frame.inverse and frame.predicate == c.predicate:
        opened = replace(opened, subject=c.object, object=c.subject)
    return opened


def _head_keys(head: Token) -> tuple[str, ...]:
    """What a noun-kind restriction matches: the head's lemma, and with its of-complement
    ("condition of anonymity")."""
    lemma = head.lemma_.lower()
    of = of_lemma(head)
    return (lemma,) if of is None else (lemma, f"{lemma} of {of}")


def _type_by_predicate(c: Candidate, table: MentionTable, s: int, o: int) -> None:
    """RDFS domain and range as typing evidence: whoever directed is a person, whom one plays a character."""
    if c.predicate is None or c.polarity != "positive":
        return
    for idx, cls in ((s, domain_of(c.predicate)), (o, range_of(c.predicate))):
        m = table.spans[idx]
        if cls and cls not in ("Entity", "Agent") and m.kind == "name":
            m.vote(cls, W_RANGE, "predicate-range")


def extract_article(doc: Doc, article: Article, lexicon: Lexicon | None = None) -> ArticleExtraction:
    """Mentions and relations of one article; ``doc`` must be parsed from text aligned with ``article.text``."""
    lex = lexicon or load_lexicon()
    with parse_tree(doc):
        table = MentionTable(doc, lex)
        found: list[tuple[int, Candidate, int, int]] = []
        for si, sent in enumerate(sentences_of(doc)):
            cands = [c for clause in clauses(sent, lex) for c in clause_relations(clause, lex)]
            cands += list(nominal_relations(sent, lex))
            # (candidate, the stance it was derived from, if any)
            pairs = [(c, None) for c in cands] + [(x, c) for c in cands for x in stance_against(c)]
            for c, base in pairs:
                s = table.for_token(c.subject)
                o = table.for_token(c.object)
                if s is None or o is None or s == o:
                    continue
                # Calling for protection against X opposes X itself, not the protection whose
                # mention X is part of ("strong protections against automated dubbing").
                if base is not None and o == table.for_token(base.object):
                    o = table.for_token_within(c.object, o)
                    if o is None or s == o:
                        continue
                # A role's organisation inside the role's own phrase ("two members of the committee,
                # A and B") is the organisation, not the phrase.
                if c.rule == "role-noun" and table.spans[o].head != c.object.i and table.spans[o].kind == "nominal":
                    o = table.for_token_within(c.object, o)
                    if o is None or s == o:
                        continue
                # Measure phrases are amounts ("supports 2.3 million jobs", "25 percent of the
                # money"), not entities — as objects or subjects.
                if any(table.spans[x].kind == "nominal" and _is_quantity(doc, table.spans[x].head, lex) for x in (s, o)):
                    continue
                found.append((si, c, s, o))
        found += list(_through_groups(found, lex))
        table.link_repeated_names()  # names first met while extracting ("its chatbot, Scribe ... Scribe")
        resolve_coreference(table)
        # "A, B and C filed suit. They accused Q": what "they" do, each of the names does.
        # (as sure as the pronoun it comes through)
        found = [(si, c if (s2, o2) == (s, o) else replace(c, confidence=round(c.confidence * ARGUMENT_FACTOR["pronoun"], 4)),
                  s2, o2) for si, c, s, o in found for s2 in _group(table, s) for o2 in _group(table, o)]
        # Selectional restrictions and domain/range typing look at what the arguments refer to.
        checked = []
        for si, c, s, o in found:
            root_o = table.spans[_root(table, o)]
            # What a clause says is only worth a fact about a named or known thing ("argued that the
            # deal falls under fair use" → fair use; not "... trained on publicly available data").
            # Nor about people or places a common noun describes ("officials stated that the
            # victims were ...", "police said she left the country"): the clause's participants
            # and settings, not what is argued (an event is: "claimed the election was rigged").
            if c.rule == "clause-content" and root_o.kind != "name" and (
                    root_o.type_rule in ("default", "compound-term")
                    or any(is_a(root_o.cls, k) for k in ("Person", "Place"))):
                continue
            # "the member of the House is a member of the House": a role noun with no antecedent says nothing.
            if c.rule == "noun-frame-self" and table.spans[_root(table, s)].kind != "name":
                continue
            if c.rule == "possessive-work":
                c = _possessed_work(c, table, _root(table, s), _root(table, o))
                if c.predicate == "knownFor":
                    s, o = o, s
            checked_c = _check_selection(c, table, _root(table, s), _root(table, o), lex)
            if checked_c.predicate is None and c.rule == "part-at":
                continue  # "X at Y" says nothing when X and Y are no organisations ("Jane Doe at the rally")
            if checked_c.subject is c.object and checked_c.object is c.subject:
                s, o = o, s
            c = checked_c
            _type_by_predicate(c, table, _root(table, s), _root(table, o))
            checked.append((si, c, s, o))
        return _assemble(doc, article, table, checked)


def _effective_kind(table: MentionTable, idx: int) -> str:
    """"name" when the mention or its antecedent is a name; a pronoun stays a pronoun."""
    m = table.spans[idx]
    if m.kind == "pronoun":
        return "pronoun"
    return "name" if table.spans[_root(table, idx)].kind == "name" else m.kind


def _group(table: MentionTable, idx: int) -> list[int]:
    """A plural pronoun resolved to the first of coordinated names stands for all of them."""
    m = table.spans[idx]
    if m.kind != "pronoun" or token_at(table.doc, m.head).lower_ not in PLURAL:
        return [idx]
    r = _root(table, idx)
    root = table.spans[r]
    if not leads_coordination(table.doc, root):
        return [idx]
    out = [idx]
    for t in conjuncts(token_at(table.doc, root.head))[1:]:
        j = table.name_at(t.i)
        # (a conjunct inside the first name's own mention, "Bill and Melinda Gates", is that name)
        if j is not None and j != r and j not in out and table.spans[j].kind == "name" and is_a(table.spans[j].cls, "Agent"):
            out.append(j)
    return out


def _root(table: MentionTable, idx: int) -> int:
    seen = set()
    while table.spans[idx].antecedent is not None and idx not in seen:
        seen.add(idx)
        idx = table.spans[idx].antecedent
    return idx


def _assemble(doc: Doc, article: Article, table: MentionTable, found: list[tuple[int, Candidate, int, int]]) -> ArticleExtraction:
    text = article.text
    sentences = tuple(_sentence(k, text, s.start_char, s.end_char) for k, s in enumerate(sentences_of(doc)))
    # Keep names, and nominals/pronouns that take part in a relation (with their antecedents).
    keep: set[int] = {idx for idx, m in table.live() if m.kind == "name"}
    relations_raw = []
    for si, c, s, o in found:
        ms, mo = table.spans[s], table.spans[o]
        # A pronoun nobody resolved is no entity.
        if (ms.kind == "pronoun" and ms.antecedent is None) or (mo.kind == "pronoun" and mo.antecedent is None):
            continue
        if _root(table, s) == _root(table, o):
            continue
        conf = c.confidence
        for idx in (s, o):
            kind = _effective_kind(table, idx)
            # Descriptions weaken only open relations ("the value of their work lies in ...");
            # a resolved pronoun weakens any relation.
            if kind == "pronoun" or c.predicate is None:
                conf *= ARGUMENT_FACTOR[kind]
        relations_raw.append((si, c, s, o, round(conf, 4)))
        for idx in (s, o):
            while idx is not None and idx not in keep:
                keep.add(idx)
                idx = table.spans[idx].antecedent
    order = sorted(keep, key=lambda i: (table.spans[i].start, table.spans[i].end, i))
    new_index = {old: new for new, old in enumerate(order)}
    mentions = []
    for old in order:
        m = table.spans[old]
        start_char = token_at(doc, m.start).idx
        end_char = token_at(doc, m.end - 1).idx + len(token_at(doc, m.end - 1).text)
        ant = m.antecedent
        while ant is not None and ant not in new_index:
            ant = table.spans[ant].antecedent
        mentions.append(
            Mention(
                text=span_text(text, start_char, end_char) or text[start_char:end_char],
                start=start_char,
                end=end_char,
                sentence=_sentence_of(sentences, start_char),
                cls=m.cls,
                kind=m.kind,  # type: ignore[arg-type]
                antecedent=new_index.get(ant) if ant is not None else None,
                aliases=tuple(m.aliases) + _core_alias(doc, text, m),
                type_rule=m.type_rule,
            )
        )
    seen: set[tuple] = set()
    relations = []
    for si, c, s, o, conf in relations_raw:
        key = (new_index[s], new_index[o], c.predicate, c.verb, si, c.polarity, c.modality)
        if key in seen:
            continue
        seen.add(key)
        relations.append(
            Relation(
                subject=new_index[s], object=new_index[o], verb=c.verb, predicate=c.predicate, sentence=si,
                rule=c.rule, confidence=conf, polarity=c.polarity, modality=c.modality,  # type: ignore[arg-type]
            )
        )
    # Keep only what later stages read: the sentences that evidence a relation, not the text.
    used = {r.sentence for r in relations}
    return ArticleExtraction(
        article=article.without_text(), sentences=tuple(s for s in sentences if s.index in used),
        mentions=tuple(mentions), relations=tuple(relations), extractor_version=extractor_version(),
    )


def _core_alias(doc: Doc, text: str, m) -> tuple[str, ...]:
    """A description's core without its trailing complements: "faces of famous streamers" → "faces"."""
    if m.kind != "nominal" or m.head >= m.end - 1 or m.head < m.start:
        return ()
    head = token_at(doc, m.head)
    core = span_text(text, token_at(doc, m.start).idx, head.idx + len(head.text))
    return (core,) if core and len(core.split()) >= 2 else ()


def _sentence(index: int, text: str, start: int, end: int) -> Sentence:
    """A sentence without the whitespace (paragraph breaks) around it."""
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    if lead == len(chunk):
        return Sentence(index, start, end, chunk)
    return Sentence(index, start + lead, end - trail, chunk.strip())


def _sentence_of(sentences: tuple[Sentence, ...], char: int) -> int:
    lo, hi = 0, len(sentences) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sentences[mid].start <= char:
            lo = mid
        else:
            hi = mid - 1
    return lo
