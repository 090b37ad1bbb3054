"""Entity mentions in a parsed Doc: where names and argument noun phrases are, and their classes.

:class:`MentionTable` collects mention spans for one Doc. Proper names come first (NER with
rule-based corrections, acronym definitions, names propagated through the document); noun
phrases that are arguments of relations are added on demand by :meth:`MentionTable.for_token`.
Typing combines weighted votes from NER, the lexicon (head nouns, name suffixes, role nouns),
appositions and Hearst lists; the strongest vote wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.extract.tree import (children_of, head_of, lefts_of, of_lemma, rights_of, sentences_of, subtree_of, token_at,
                             tokens_of)
from kg.lexicon import Lexicon
from kg.ontology import choose_class, is_a

__all__ = ["MentionSpan", "MentionTable", "PRONOUNS", "RELATIVE_PRONOUNS", "span_text"]

# Closed-class words (grammar, not domain data).
PRONOUNS = frozenset(
    "he him his himself she her hers herself it its itself they them their theirs themselves".split()
)
PERSONAL = frozenset("he him his himself she her hers herself".split())
RELATIVE_PRONOUNS = frozenset("who whom whose which that".split())
DEMONSTRATIVES = frozenset("this that these those".split())
# Words never worth a node on their own.
EMPTY_HEADS = frozenset(
    """i me my we us our you your one ones thing things something anything everything nothing way ways
    time times lot lots part kind sort bit other others someone anyone everyone people here there
    what whatever which who whom whose this that these those such same all both each either
    year years day days week weeks month months example instance fact addition contrast turn particular
    general course case end result""".split()
)
LEFT_NP_DEPS = frozenset({"amod", "compound", "nmod", "nummod", "quantmod", "poss", "advmod", "npadvmod"})
KEEP_PP = frozenset({"of", "for", "on", "against", "about", "in", "to", "over", "from", "with", "between"})
QUOTES = "\"'“”‘’«»`´"
MAX_NP_TOKENS = 10
_WHEN = frozenset({"DATE", "TIME"})  # NER's entity types of times


def _date_before_name(toks: Sequence[Token], k: int) -> bool:
    """Token ``k`` ends a date or time NER found right before a name: when, not part of the name
    ("On Tuesday Acme chairman Jane Doe resigned"). A date that NER extends over the next word
    starts a title ("the chat show Friday Night with Jane Doe": Friday DATE, Night TIME), and one
    after a name is part of it ("Black Friday")."""
    return toks[k].ent_type_ in _WHEN and k + 1 < len(toks) and toks[k + 1].ent_type_ not in _WHEN


def _in_compound_of(tok: Token, head: Token) -> bool:
    """``tok`` is part of a chain of noun modifiers that ends at ``head`` ("language" in
    "large language model tools")."""
    while tok.i != head.i and tok.dep_ in ("compound", "amod", "nmod"):
        tok = head_of(tok)
    return tok.i == head.i


# Weights of typing evidence: a stronger rule overrides a weaker one.
W_NER = 1.0
W_HEAD = 1.5
W_SUFFIX = 2.0
W_ROLE = 2.5
W_HEARST = 2.5
W_LEXICON_TERM = 3.0


def span_text(doc_text: str, start: int, end: int) -> str:
    """Mention surface text: whitespace collapsed, surrounding quotes and punctuation trimmed."""
    text = " ".join(doc_text[start:end].split())
    return text.strip(QUOTES + " ,;:").strip()


@dataclass
class MentionSpan:
    """A mutable mention under construction (token offsets into the Doc)."""

    start: int
    end: int  # exclusive token index
    kind: str  # name | nominal | pronoun
    head: int  # token index of the syntactic head
    votes: dict[str, float] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    antecedent: int | None = None
    text_override: str | None = None

    def vote(self, cls: str, weight: float, rule: str) -> None:
        """Add typing evidence ``cls`` with ``weight``; keeps the strongest rule per class."""
        if weight > self.votes.get(cls, 0.0):
            self.votes[cls] = weight
            self.rules[cls] = rule

    @property
    def cls(self) -> str:
        return choose_class(self.votes) if self.votes else "Concept"

    @property
    def type_rule(self) -> str:
        return self.rules.get(self.cls, "default")


def _is_acronym(text: str) -> bool:
    letters = re.sub(r"[-&./]", "", text)
    return len(letters) >= 2 and letters.isupper() and letters.isalnum()


class MentionTable:
    """The mentions of one Doc, with token → mention lookup."""

    def __init__(self, doc: Doc, lexicon: Lexicon):
        self.doc = doc
        self.lex = lexicon
        self.spans: list[MentionSpan] = []
        self.by_token: dict[int, int] = {}
        self._nominal_cache: dict[int, int | None] = {}
        self._within_cache: dict[tuple[int, int], int | None] = {}
        self._add_ner_names()
        self._add_acronym_definitions()
        self._add_capitalised_runs()
        self._add_coordinated_titles()
        self._propagate_names()
        self._add_proper_noun_runs()
        self._add_personal_pronouns()
        self._type_by_context()

    # ------------------------------------------------------------------ registration

    def _add(self, span: MentionSpan) -> int:
        # Whitespace the parser kept at an edge (a blanked dateline, a paragraph break) is no
        # part of a mention: its text is cut from the article by character offsets.
        while span.end - 1 > span.start and token_at(self.doc, span.end - 1).is_space:
            span.end -= 1
        while span.start < span.end - 1 and token_at(self.doc, span.start).is_space:
            span.start += 1
        idx = len(self.spans)
        self.spans.append(span)
        for i in range(span.start, span.end):
            self.by_token.setdefault(i, idx)
        return idx

    def _free(self, start: int, end: int) -> bool:
        return all(i not in self.by_token for i in range(start, end))

    # ------------------------------------------------------------------ names

    def _trim(self, span: Span) -> tuple[int, int]:
        """Token range of a name without a leading determiner or trailing possessive/punctuation."""
        start, end = span.start, span.end
        doc = self.doc
        toks = tokens_of(doc)
        while start < end and (toks[start].lower_ in ("the", "a", "an") or toks[start].is_punct
                               or toks[start].tag_ == "POS" or toks[start].text in ("'s", "’s")):
            start += 1
        while end > start and (toks[end - 1].tag_ == "POS" or toks[end - 1].is_punct or toks[end - 1].text in "/\\|"):
            end -= 1
        return start, end

    def _name_class_votes(self, m: MentionSpan, label: str | None) -> None:
        """Type a proper name from NER and from the words of the name itself."""
        doc, lex = self.doc, self.lex
        words = [t.text for t in tokens_of(doc)[m.start:m.end]]
        text = " ".join(words)
        if label is not None:
            cls = lex.ner_types.get(label)
            if cls:
                m.vote(cls, W_NER, f"ner:{label}")
        # A name that is a known common term ("AI" tagged as a place) takes the lexicon's class.
        if (m.end - m.start) <= 3:
            # Also the words' lemmas run together: "Deep Fakes" → "deepfake".
            joined = "".join(t.lemma_.lower() for t in tokens_of(doc)[m.start:m.end])
            term_cls = lex.head_types.get(text.lower()) or lex.head_types.get(joined)
            if term_cls:
                m.vote(term_cls, W_LEXICON_TERM, "lexicon-term")
        # A common noun right before a name says what it names, whatever NER guessed: "its
        # chatbot Vela", "the film Titanic" (role nouns and titles type people elsewhere).
        if m.start > 0:
            before = token_at(doc, m.start - 1)
            kind = lex.head_types.get(before.lemma_.lower())
            name_head = token_at(doc, m.head)
            # (Also when the parser split the phrase into two subjects or objects of one verb:
            # "UK-based charity Reprieve condemned ...".)
            attached = head_of(before).i == m.head and before.dep_ == "compound" or (
                before.dep_ == name_head.dep_ and before.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj")
                and head_of(before).i == head_of(name_head).i and before.tag_ == "NN")
            if kind and before.pos_ == "NOUN" and attached and before.lemma_.lower() not in lex.role_types:
                m.vote(kind, W_HEAD, "type-noun-before")
        # An all-capitals acronym tagged as a person is an organisation ("NASA", "ACLU").
        if label == "PERSON" and _is_acronym(text.replace(" ", "")):
            m.vote("Organization", W_SUFFIX, "acronym-not-person")
        # Nor is a name numbered like a version or a model ("Stella 4", "Boeing 747"): a product.
        if label == "PERSON" and len(words) > 1 and words[-1].isdigit():
            m.vote("Technology", W_SUFFIX, "numbered-not-person")
        person = label == "PERSON"
        # Name-internal cues: "… Guild" → LaborUnion, "… Inc." → Company, "University of …".
        for n in (3, 2, 1):
            suffix = " ".join(words[-n:])
            if len(words) > n and suffix in lex.suffix_types:
                cls = lex.suffix_types[suffix]
                # A name NER calls a person keeps that unless the suffix names an organisation
                # or a technology ("Globex Studios", "Rocky Linux"); "Jane Post" stays a person.
                if not person or is_a(cls, "Organization") or is_a(cls, "Technology"):
                    m.vote(cls, W_SUFFIX, "name-suffix")
                break
        if person:
            return
        for n in (2, 1):
            if len(words) > n and " ".join(words[:n]) in lex.prefix_types:
                m.vote(lex.prefix_types[" ".join(words[:n])], W_SUFFIX, "name-prefix")
                break
        for w in words:
            if w in lex.word_types:
                m.vote(lex.word_types[w], W_HEAD, "name-word")

    def _add_ner_names(self) -> None:
        ents = [e for e in self.doc.ents if not (self.lex.ner_types.get(e.label_) is None and e.label_ in self.lex.ner_types)]
        known = {e.text for e in ents}
        for ent in ents:
            for part in _split_coordination(ent, known - {ent.text}):
                for piece in _split_possessive(part):
                    self._add_ner_span(piece, ent.label_)

    def _add_ner_span(self, ent: Span, label: str) -> None:
        toks = tokens_of(self.doc)
        start, end = self._trim(ent)
        # A generational suffix after a comma is part of the person's name ("Clay Grant, Jr.").
        if label == "PERSON" and end + 1 < len(toks) and toks[end].text == "," and toks[end + 1].text in GENERATIONAL:
            end += 2
        if start >= end or not self._free(start, end):
            return
        if end - start == 1 and toks[start].text in self.lex.not_entities:
            return
        head = self.doc[start:end].root.i
        # Proper nouns compounded to the name's head belong to it ("Captain" + "Vega").
        while start > 0 and toks[start - 1].pos_ == "PROPN" and toks[start - 1].dep_ == "compound" \
                and toks[start - 1].head.i == head and start - 1 not in self.by_token \
                and toks[start - 1].text[:1].isalpha():
            start -= 1
        start, title_cls = self._strip_titles(start, end, person=label == "PERSON")
        if start >= end or not any(toks[k].text[:1].isalnum() for k in range(start, end)):
            return
        start = self._known_term_start(start, end)
        m = MentionSpan(start, end, "name", head)
        self._name_class_votes(m, label)
        if title_cls:
            m.vote(title_cls, W_ROLE, "title")
        self._add(m)

    def _known_term_start(self, start: int, end: int) -> int:
        """A lowercase word before a short name that makes a term the lexicon knows belongs to it:
        "generative AI" (not "AI" alone)."""
        toks = tokens_of(self.doc)
        if start > 0 and end - start <= 2 and (start - 1) not in self.by_token and toks[start - 1].is_lower:
            term = " ".join(t.lower_ for t in toks[start - 1:end])
            if term in self.lex.head_types:
                return start - 1
        return start

    def _strip_titles(self, start: int, end: int, person: bool = False) -> tuple[int, str | None]:
        """Honorifics ("Sen.", "Dr.") are not part of a name; they tell its class. In a name NER
        took for a person, a leading role noun is a title too ("CEO Jane Doe")."""
        doc, cls = self.doc, None
        toks = tokens_of(doc)
        while start < end - 1:
            word = toks[start].text.rstrip(".")
            lemma = toks[start].lemma_.lower()
            if word in self.lex.title_types:
                cls = self.lex.title_types[word]
                start += 1
                while start < end - 1 and toks[start].text == ".":
                    start += 1
            elif person and (lemma in self.lex.role_types or lemma in self.lex.roles) \
                    and toks[start + 1].text[:1].isupper():
                cls = self.lex.role_types.get(lemma, "Person")  # "CEO Jane Doe", "Director Jane Doe"
                start += 1
            else:
                break
        return start, cls

    def _add_acronym_definitions(self) -> None:
        """"Long Form Name (LFN)": the long form is one mention and the acronym its alias.

        Schwartz & Hearst (2003): the acronym's letters are matched right to left against the
        initials and letters of the words before the parenthesis.
        """
        doc = self.doc
        for tok in tokens_of(doc):
            if tok.text != "(" or tok.i < 2:
                continue
            close = next((t.i for t in tokens_of(doc)[tok.i + 1: tok.i + 6] if t.text == ")"), None)
            if close is None:
                continue
            acro = "".join(t.text for t in tokens_of(doc)[tok.i + 1: close])
            if not _is_acronym(acro):
                continue
            start = _long_form_start(doc, tok.i, acro)
            if start is None:
                continue
            # Replace the NER fragments inside the long form by one mention.
            fragments = {self.by_token[i] for i in range(start, close + 1) if i in self.by_token}
            label_votes: dict[str, float] = {}
            for f in fragments:
                for cls, w in self.spans[f].votes.items():
                    label_votes[cls] = max(label_votes.get(cls, 0.0), w)
            for i in range(start, close + 1):
                self.by_token.pop(i, None)
            for f in fragments:
                self.spans[f].start = self.spans[f].end = -1  # retired
            s0 = start
            while token_at(doc, s0).lower_ in ("the", "a", "an"):
                s0 += 1
            m = MentionSpan(s0, tok.i, "name", doc[s0:tok.i].root.i, aliases=[acro])
            for cls, w in label_votes.items():
                if cls != "Person":
                    m.vote(cls, w, "ner")
            self._name_class_votes(m, None)
            if not m.votes:
                m.vote("Organization", W_NER, "acronym-definition")
            idx = self._add(m)
            for i in range(tok.i, close + 1):  # "(LFN)" refers to the same mention
                self.by_token[i] = idx

    def _propagate_names(self) -> None:
        """Other occurrences of a known name are the same entity.

        A person's surname alone ("Doe" after "Jane Doe") and an acronym defined in the text are
        matched even where NER missed them; the new mention links to the full-name mention.
        """
        doc = self.doc
        patterns = self.link_repeated_names()
        # Scan once: patterns indexed by their first word, longest first.
        by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for key, target in patterns.items():
            by_first.setdefault(key[0], []).append((key, target))
        for cands in by_first.values():
            cands.sort(key=lambda kt: -len(kt[0]))
        words = [t.text for t in tokens_of(doc)]
        i = 0
        while i < len(words):
            step = 1
            for key, target in by_first.get(words[i], ()):
                n = len(key)
                if tuple(words[i:i + n]) == key and self._free(i, i + n):
                    src = self.spans[target]
                    m = MentionSpan(i, i + n, "name", doc[i:i + n].root.i, antecedent=target)
                    for cls, w in src.votes.items():
                        m.vote(cls, w, src.rules.get(cls, "propagated"))
                    self._add(m)
                    step = n
                    break
            i += step

    def link_repeated_names(self) -> dict[tuple[str, ...], int]:
        """Link each later occurrence of a known name (or its short form) to the first one.

        Run when the table is built and again after extraction, which creates mentions for names
        NER missed ("the novelists Jane Ashby-Kerr ... Ashby-Kerr said"). Returns the patterns:
        word tuples → the mention that owns them.
        """
        doc = self.doc
        patterns: dict[tuple[str, ...], int] = {}
        for idx, m in sorted(self.live(), key=lambda x: x[1].start):  # the first occurrence owns a name
            if m.kind != "name" or m.antecedent is not None:
                continue
            words = tuple(t.text for t in tokens_of(doc)[m.start:m.end])
            patterns.setdefault(words, idx)
            for a in m.aliases:
                patterns.setdefault(tuple(t.text for t in _tokenizer_of(doc)(a)), idx)
            # A person's surname; also of a name with no type yet ("Jane Q. Doe" NER missed),
            # unless its last word marks an organisation ("... Collective") or the name holds a
            # lowercase word: "Greece" of "Communist Party of Greece" is a name of its own.
            untyped = m.cls in ("Entity", "Concept") and words[-1] not in self.lex.suffix_types \
                and all(w[:1].isupper() or not w[:1].isalpha() for w in words)
            surname = _surname(doc, m.start, m.end)
            if (is_a(m.cls, "Person") or untyped) and len(words) > len(surname) and words[-1][:1].isupper() \
                    and len("".join(surname)) > 2:
                patterns.setdefault(surname, idx)
            # A company's name without its corporate suffix: "Acme" after "Acme Labs" / "Acme Inc.".
            short = self._without_company_suffix(m, words)
            if short:
                patterns.setdefault(short, idx)
        # Names found again ("WGA" after "Writers Guild of America (WGA)") link to the first.
        for idx, m in list(self.live()):
            if m.kind != "name" or m.antecedent is not None:
                continue
            target = patterns.get(tuple(t.text for t in tokens_of(doc)[m.start:m.end]))
            if target is not None and target != idx and self.spans[target].start < m.start:
                m.antecedent = target  # keeps its own NER evidence; the entity sums the votes
        return patterns

    def _without_company_suffix(self, m: MentionSpan, words: tuple[str, ...]) -> tuple[str, ...] | None:
        """The distinctive part of a company name ("Acme" of "Acme Labs"), if it is distinctive:
        proper nouns, not itself a suffix or a common type noun ("Digital Media", "Music Group")."""
        lex = self.lex
        if len(words) < 2 or lex.suffix_types.get(words[-1]) != "Company" or not is_a(m.cls, "Organization"):
            return None
        rest = words[:-1]
        toks = self.doc[m.start:m.end - 1]
        if not all(t.pos_ == "PROPN" and t.text[:1].isupper() and t.text not in lex.suffix_types
                   and t.lower_ not in lex.head_types and t.lower_ not in lex.role_types and not t.is_stop for t in toks):
            return None
        return rest if len("".join(rest)) > 2 else None

    def _add_capitalised_runs(self) -> None:
        """Names the tagger split: a run of capitalised words inside a sentence is one name even
        when some words are tagged as verbs or pronouns ("Not Your Dataset", "the Drawn Together
        Collective"). Role nouns and titles at its start stay out ("chief executive Jane Doe");
        a run holding two known names is left alone ("Acme CEO Jane Doe")."""
        doc, lex = self.doc, self.lex
        toks = tokens_of(doc)
        for sent in sentences_of(doc):
            # A sentence's first word is capitalised anyway: it starts a run only if tagged a name.
            i = sent.start if toks[sent.start].pos_ == "PROPN" else sent.start + 1
            while i < sent.end:
                if not _capitalised(toks[i]):
                    i += 1
                    continue
                j = i
                while j < sent.end and (_capitalised(toks[j]) or (
                        toks[j].text in ("-", "–") and not toks[j - 1].whitespace_ and not toks[j].whitespace_
                        and j + 1 < sent.end and _capitalised(toks[j + 1])) or (
                        _plural_possessive_in_name(toks, j) and j + 1 < sent.end) or (
                        # "Songs for the Harbour", "Department of the Interior" (not into a name of
                        # its own: "Dan Ortiz of the Austin Fire Department", "an Emmy for the HBO series")
                        toks[j].lower_ in ("of", "for") and j + 2 < sent.end and toks[j + 1].lower_ == "the"
                        and _capitalised(toks[j + 2]) and (j + 2) not in self.by_token) or (
                        toks[j].lower_ == "the" and toks[j - 1].lower_ in ("of", "for") and j > i + 1
                        and j + 1 < sent.end and _capitalised(toks[j + 1])) or (
                        toks[j].lower_ in _NAME_JOINERS and j + 1 < sent.end and _capitalised(toks[j + 1])
                        # "Acme and Globex" are two names when the parser coordinates them
                        and not (toks[j].lower_ == "and" and toks[j + 1].dep_ == "conj"))):
                    j += 1
                start, title_cls = i, None
                while start + 1 < j and _date_before_name(toks, start):
                    start += 1
                while start < j:
                    if (roles := _leading_role(toks, start, j, lex)) or toks[start].text.rstrip(".") in lex.title_types \
                            or toks[start].lower_ == "the":
                        title_cls = lex.title_types.get(toks[start].text.rstrip("."), title_cls)
                        start += roles or 1
                    elif toks[start].ent_type_ in ("NORP", "GPE") and _leading_role(toks, start + 1, j, lex):
                        start += 1  # a nationality before a title: "Norwegian MP Jane Doe"
                    else:
                        break
                if start > i and start < j and toks[start].lower_ in ("of", "for"):
                    # A title with its complement: "Director of National Intelligence Jane Doe",
                    # "a Member of Parliament", "Minister for Jobs": the complement is a name of its own, and so is
                    # the person named after it.
                    start += 1
                    if start + 1 < j and toks[start].lower_ == "the":  # "President of the United States"
                        start += 1
                    person = next((k for k in range(start + 1, j) if (x := self.name_at(k)) is not None
                                   and self.spans[x].start == k and is_a(self.spans[x].cls, "Person")), None)
                    if person is None:  # else where the parser ends the complement ("of State | Jane Doe")
                        pobj = next((c for c in children_of(toks[start - 1]) if c.dep_ == "pobj"), None)
                        if pobj is not None and start <= pobj.i and pobj.right_edge.i + 1 < j:
                            person = pobj.right_edge.i + 1
                            self._claim_run(person, j)
                    if person is not None:
                        self._claim_run(start, person)
                        i = j
                        continue
                self._claim_run(start, j, title_cls)
                i = j

    def _add_coordinated_titles(self) -> None:
        """ "her previous film, Ash and Orchard": one work cannot be two, so the coordinated
        naming apposition of a singular work noun is a single title (replacing its parts)."""
        doc, lex = self.doc, self.lex
        for noun in tokens_of(doc):
            cls = lex.head_types.get(noun.lemma_.lower())
            if noun.tag_ != "NN" or cls is None or not is_a(cls, "CreativeWork"):
                continue
            named = next((c for c in rights_of(noun) if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
            if named is None or any(t.text not in ",\"“'‘" for t in tokens_of(doc)[noun.i + 1:named.left_edge.i]):
                continue
            conj = next((c for c in children_of(named) if c.dep_ == "conj" and c.pos_ == "PROPN"), None)
            if conj is None or not any(c.dep_ == "cc" and c.lower_ == "and" for c in children_of(named)):
                continue
            start, end = named.left_edge.i, conj.right_edge.i + 1
            if any(token_at(doc, k).is_punct for k in range(start, end)) or not all(
                    token_at(doc, k).text[:1].isupper() or token_at(doc, k).lower_ == "and" for k in range(start, end)):
                continue
            inside = {self.by_token[k] for k in range(start, end) if k in self.by_token}
            if any(self.spans[x].kind != "name" or self.spans[x].start < start or self.spans[x].end > end
                   for x in inside):
                continue
            for x in inside:
                self.spans[x].start = self.spans[x].end = -1  # retired: the title replaces its parts
            for k in range(start, end):
                self.by_token.pop(k, None)
            m = MentionSpan(start, end, "name", named.i)
            m.vote(cls, W_HEAD, "apposition")
            self._add(m)

    def _claim_run(self, start: int, end: int, title_cls: str | None = None) -> None:
        if end - start < 2:
            return
        inside = {self.by_token[k] for k in range(start, end) if k in self.by_token}
        inside = {x for x in inside if self.spans[x].start >= 0}
        if len(inside) > 1:
            return
        if inside:
            old = self.spans[next(iter(inside))]
            if old.start < start or old.end > end or old.kind != "name" or (old.start, old.end) == (start, end):
                return
            old.start = old.end = -1  # retired: the run replaces it
            for k in range(start, end):
                self.by_token.pop(k, None)
        m = MentionSpan(start, end, "name", self.doc[start:end].root.i)
        self._name_class_votes(m, None)
        if title_cls:  # "Detective Superintendent Jane Doe"
            m.vote(title_cls, W_ROLE, "title")
        if inside:
            # The run keeps what was known of the name inside it: "Nobel Laureate Jane Doe" is a person.
            for cls, weight in old.votes.items():
                m.vote(cls, weight, old.rules[cls])
        if not m.votes:
            m.vote("Entity", 0.1, "proper-noun")
        self._add(m)

    def _add_personal_pronouns(self) -> None:
        """He/she pronouns take part in coreference even outside relations (they type their antecedent)."""
        for tok in tokens_of(self.doc):
            if tok.pos_ == "PRON" and tok.lower_ in PERSONAL and tok.i not in self.by_token:
                self._nominal_cache[tok.i] = self._add(MentionSpan(tok.i, tok.i + 1, "pronoun", tok.i))

    def _add_proper_noun_runs(self) -> None:
        """Proper names NER missed: every run of proper nouns not yet in a mention."""
        toks = tokens_of(self.doc)
        for tok in toks:
            if tok.pos_ == "PROPN" and tok.i not in self.by_token and tok.text[:1].isupper() \
                    and not _date_before_name(toks, tok.i):
                self._proper_name(tok)

    # ------------------------------------------------------------------ typing from context

    def _type_by_context(self) -> None:
        """Role nouns and Hearst lists type the names they describe.

        * "director Jane Doe", "the actor Jane Doe": a role noun compound to a name.
        * "Jane Doe, the actor", "Jane Doe, a director of films": apposition.
        * "companies like A and B", "unions such as C", "studios including D": Hearst lists.
        """
        doc, lex = self.doc, self.lex
        toks = tokens_of(doc)
        for idx, m in enumerate(self.spans):
            if m.start < 0 or m.kind != "name":
                continue
            head = token_at(doc, m.head)
            # A role noun right before the name or compounded to it: "director Jane Doe",
            # "the actor Jane Doe" (not a word of the name itself: "Star Wars").
            for t in tokens_of(doc)[max(0, m.start - 3): m.start]:
                if t.i == m.start - 1 or (t.dep_ == "compound" and m.start <= t.head.i < m.end):
                    cls = lex.role_types.get(t.lemma_.lower())
                    if cls and (cls != "Person" or not m.votes):
                        m.vote(cls, W_ROLE, "role-noun")
            # Apposition: "Jane Doe, the actor" (not one of a later name the parser hung here:
            # "X, a role in Foo, the period drama" describes Foo).
            for child in children_of(head):
                if child.dep_ == "appos" and child.i not in range(m.start, m.end) and not any(
                        self.name_at(k) is not None and toks[k - 1].text != "("  # (an acronym in brackets is the name's)
                        for k in range(m.end, child.left_edge.i)):
                    if cls := _description_class(child, lex):
                        m.vote(cls, W_ROLE, "apposition")
            if head.dep_ == "appos" and _colon_list_noun(head) is None:  # (a colon list: Hearst, below)
                described = head.head
            else:
                # An apposition the parser attached elsewhere: "made with Nimbus 4, the image
                # generator developed by Acme" (the noun parsed as a clause of "said").
                described = _unparsed_apposition(doc, m.start, m.end)
            if described is not None and (cls := _description_class(described, lex)):
                m.vote(cls, W_ROLE, "apposition")
            # A name modifying an actor or director is a work: "the Foo actor", "Bar director Jane".
            if head.dep_ in ("compound", "nmod") and token_at(doc, head.head.i).pos_ == "NOUN":
                role = lex.role_types.get(head.head.lemma_.lower())
                if role in ("Actor", "Director", "Writer") and not any(
                    c in m.votes for c in ("Place", "Person")
                ):
                    m.vote("CreativeWork", W_SUFFIX, "work-of-role")
            # Coordinated names are alike: in "A, B and C" a name NER typed weakly (or not at
            # all) takes the class the others share.
            if max(m.votes.values(), default=0.0) <= W_NER:
                peers = [self.name_at(t.i) for t in _coordinated(head)]
                classes = [self.spans[p].cls for p in peers if p is not None and p != idx]
                if len(classes) >= 2 and len(set(classes)) == 1 and classes[0] not in m.votes:
                    m.vote(classes[0], W_NER + 0.5, "coordination")
            # Hearst: "companies like A and B" — the list member takes the class of the head noun.
            member_of = _hearst_head(head)
            if member_of is not None:
                cls = lex.head_types.get(member_of.lemma_.lower()) or lex.role_types.get(member_of.lemma_.lower())
                if cls:
                    m.vote(cls, W_HEARST, "hearst")

    # ------------------------------------------------------------------ lookup

    def name_at(self, i: int) -> int | None:
        idx = self.by_token.get(i)
        if idx is not None and self.spans[idx].start >= 0:
            return idx
        return None

    def for_token(self, tok: Token) -> int | None:
        """The mention an argument head token refers to, creating a noun-phrase mention if needed.

        Returns ``None`` for tokens that are no entity (numbers, empty words like "thing").
        """
        if tok.i in self._nominal_cache:
            return self._nominal_cache[tok.i]
        result = self._resolve_token(tok, depth=0)
        self._nominal_cache[tok.i] = result
        return result

    def for_token_within(self, tok: Token, outer: int) -> int | None:
        """The mention ``tok`` refers to by itself, when it lies inside the longer mention
        ``outer`` ("strong protections against *automated dubbing*": the dubbing, not the
        protections); ``for_token`` gives ``outer`` for every token it covers. Cached apart:
        ``for_token`` keeps answering ``outer`` for ``tok``; asked twice, this answers the same mention."""
        key = (tok.i, outer)
        if key not in self._within_cache:
            self._within_cache[key] = self._resolve_token(tok, depth=0, outside=outer)
        return self._within_cache[key]

    def _resolve_token(self, tok: Token, depth: int, outside: int | None = None) -> int | None:
        doc, lex = self.doc, self.lex
        if depth > 4:
            return None
        idx = self.name_at(tok.i)
        if idx is not None and idx != outside:
            return idx
        lower = tok.lower_
        lemma = tok.lemma_.lower()
        # Personal pronouns become pronoun mentions resolved by coreference later.
        if tok.pos_ == "PRON" and lower in PRONOUNS:
            return self._add(MentionSpan(tok.i, tok.i + 1, "pronoun", tok.i))
        if tok.pos_ in ("PRON", "DET") or lower in EMPTY_HEADS or tok.like_num:
            # "many of the actors", "one of the studios": the of-complement is the referent.
            pobj = _of_object(tok)
            return self._resolve_token(pobj, depth + 1, outside) if pobj is not None else None
        if _mistagged_name(tok):
            return self._proper_name(tok)
        if tok.pos_ not in ("NOUN", "PROPN", "VERB", "ADJ", "X"):
            return None
        # Transparent heads: "the use of AI", "AI use", "the perils of the technology".
        if lemma in lex.transparent and tok.pos_ == "NOUN":
            inner = _name_compound(tok, self) or _of_object(tok)
            if inner is not None:
                return self._resolve_token(inner, depth + 1, outside)
        # Source heads: "a direct threat from AI companies" is about the companies.
        if lemma in lex.source_nouns and tok.pos_ == "NOUN":
            inner = _of_object(tok, preps=("from",))
            if inner is not None:
                return self._resolve_token(inner, depth + 1, outside)
        # Group heads: "a chorus of creatives", "a number of studios".
        if lemma in lex.group_nouns and tok.pos_ == "NOUN":
            inner = _of_object(tok)
            if inner is not None:
                return self._resolve_token(inner, depth + 1, outside)
        if tok.pos_ == "NOUN":
            # Naming apposition: "the research firm Acme Insights", "its chatbot, Scribe" — the
            # name is the referent.
            named = next((c for c in rights_of(tok) if c.dep_ == "appos" and c.pos_ == "PROPN"
                          and c.left_edge.i - tok.i <= 2 and all(t.text in ",\"“'‘" for t in tok.doc[tok.i + 1:c.left_edge.i])),
                         None)
            if named is None and any(c.dep_ in ("det", "poss") for c in children_of(tok)) and (
                    lemma in lex.head_types or lemma in lex.role_types):
                # "whose thriller The Salt Road", "the studio Acme Films": a name right after
                # a determined type noun names it, whatever the parse says.
                k = tok.i + 1
                while k < len(tok.doc) and (
                        token_at(tok.doc, k).text in ("\"", "“", "'", "‘", "The", "A", "and", ",")
                        or token_at(tok.doc, k).lemma_.lower() in lex.role_types):
                    k += 1  # "the actor and campaigner Jane Doe"
                follow = self.name_at(k) if k < len(tok.doc) else None
                # (not across a comma to the next clause's subject: "according to Amnesty's
                # report, China executed ..." is no report named China)
                comma = any(token_at(tok.doc, j).text == "," for j in range(tok.i + 1, k))
                if follow is not None and self.spans[follow].start == k and not (
                        comma and token_at(tok.doc, self.spans[follow].head).dep_ in ("nsubj", "nsubjpass")):
                    return follow
            if named is not None:
                return self._resolve_token(named, depth + 1, outside)
            # Naming participle: "a non-profit called the Open Image Project" — the name.
            for c in children_of(tok):
                if c.dep_ == "acl" and c.lemma_.lower() in ("call", "name", "dub", "know"):
                    named = next((g for g in children_of(c)
                                  if g.dep_ in ("oprd", "attr", "dobj") and g.pos_ == "PROPN"), None)
                    if named is not None:
                        return self._resolve_token(named, depth + 1, outside)
            # Descriptive apposition: "Acme, a firm that ..." — the description is the name
            # right before it (whatever the parser attached it to).
            if tok.dep_ == "appos":
                left = tok.left_edge.i - 1
                if left > 0 and token_at(tok.doc, left).text == ",":
                    prev = self.name_at(left - 1)
                    if prev is not None:
                        return prev
                if tok.head.pos_ == "PROPN" and tok.head.i < tok.i:
                    return self._resolve_token(tok.head, depth + 1, outside)
        if tok.pos_ == "PROPN":
            # (a capitalised role noun alone is no name: a description, as "the director" is)
            return self._proper_name(tok) or (self._noun_phrase(tok) if lemma in lex.role_types else None)
        if tok.pos_ == "VERB" and tok.tag_ != "VBG":
            return None
        if tok.pos_ == "ADJ" and tok.dep_ not in ("pobj", "dobj", "nsubj", "nsubjpass", "attr", "conj"):
            return None
        return self._noun_phrase(tok)

    def _proper_name(self, tok: Token) -> int | None:
        """A proper noun NER missed: the contiguous run of proper nouns around it."""
        doc = self.doc
        toks = tokens_of(doc)
        start = end = tok.i
        while start > 0 and toks[start - 1].pos_ == "PROPN" and start - 1 not in self.by_token \
                and not _date_before_name(toks, start - 1):
            start -= 1
        while end + 1 < len(doc) and toks[end + 1].pos_ == "PROPN" and end + 1 not in self.by_token:
            end += 1
        # A version number belongs to a product's name: "Lumen 2", "Model 3".
        if end + 1 < len(doc) and toks[end + 1].like_num and toks[end + 1].head.i == end \
                and end + 1 not in self.by_token and len(toks[end + 1].text) <= 4:
            end += 1
        if toks[start].lower_ in ("the",):
            start += 1
        while start < end and not toks[start].text[:1].isalnum():
            start += 1
        if start > end or not any(toks[k].text[:1].isalnum() for k in range(start, end + 1)):
            return None
        if start == end and (toks[start].text in self.lex.not_entities
                             or toks[start].text.rstrip(".") in self.lex.title_types
                             # a capitalised role noun alone ("a Member of Parliament", "the
                             # Director") describes someone: a noun phrase, not a name
                             or toks[start].lemma_.lower() in self.lex.role_types):
            return None
        words = end + 1 - start
        if (words > 1 and (_leading_role(toks, start, end + 1, self.lex) == words or (
                toks[start].ent_type_ in ("NORP", "GPE") and _leading_role(toks, start + 1, end + 1, self.lex) == words - 1))
                or (words == 1 and _leading_role(toks, start, min(start + 2, len(toks)), self.lex) == 2)):
            return None  # so is a title of two words, or a nationality's: "the Prime Minister", "a Norwegian MP", "Prime minister"
        if all(toks[k].text.rstrip(".") in self.lex.title_types for k in range(start, end + 1)):
            return None  # titles alone ("Detective Superintendent", the name after it already known)
        start, title_cls = self._strip_titles(start, end + 1)
        if not any(toks[k].text[:1].isalnum() for k in range(start, end + 1)):
            return None
        start = self._known_term_start(start, end + 1)
        m = MentionSpan(start, end + 1, "name", tok.i)
        if title_cls:
            m.vote(title_cls, W_ROLE, "title")
        self._name_class_votes(m, None)
        head = toks[tok.i]
        member_of = _hearst_head(head)
        if member_of is not None:
            cls = self.lex.head_types.get(member_of.lemma_.lower()) or self.lex.role_types.get(member_of.lemma_.lower())
            if cls:
                m.vote(cls, W_HEARST, "hearst")
        if not m.votes:
            m.vote("Entity", 0.1, "proper-noun")
        return self._add(m)

    def _noun_phrase(self, head: Token) -> int | None:
        """A common-noun (or gerund) phrase headed by ``head``, typed by its head noun."""
        doc, lex = self.doc, self.lex
        # A time or date ("last week", "at 10:20 UTC") is when, not what.
        if head.ent_type_ in _WHEN or head.text in lex.not_entities:
            return None
        # A noun frozen in a preposition names nothing ("in order to", "in line with"; not "in the line").
        if (head.dep_ == "pobj" and f"{head.head.lower_} {head.lemma_.lower()}" in lex.noun_kinds.get("fixed", ())
                and not any(c.dep_ in ("det", "poss", "amod") for c in children_of(head))):
            return None
        start, end = _np_bounds(head, self)
        if start is None:
            return None
        toks = doc[start:end]
        words = [t for t in toks if not t.is_punct or t.text in "-–&"]
        if not words or all(t.lower_ in EMPTY_HEADS or t.is_stop for t in words):
            return None
        lemma = head.lemma_.lower()
        if end - start == 1 and head.i == start:
            # A bare anaphoric or transparent noun ("such use", "this argument", "the issue") names nothing new.
            if lemma in lex.transparent or any(
                c.dep_ in ("det", "amod") and c.lower_ in DEMONSTRATIVES | {"such"} for c in children_of(head)
            ):
                return None
        m = MentionSpan(start, end, "nominal", head.i)
        last = token_at(doc, end - 1)
        if head.tag_ == "NN" and last.dep_ == "conj" and head_of(last).i == head.i and last.tag_ == "NNS":
            head, lemma = last, last.lemma_.lower()  # "40 book and music publishers" are publishers
        prev = token_at(doc, head.i - 1).lemma_.lower() if head.i > start else ""
        cls = lex.noun_class(lemma, prev, of_lemma(head))
        if cls is None and head.tag_ == "VBG":
            cls = "Concept"
        # A name used as modifier of a type noun names the thing: "the Foo campaign" is a Campaign.
        if cls:
            m.vote(cls, W_HEAD, "head-noun")
        # Terms the lexicon knows anywhere in the head's compound: "generative AI tools" →
        # Technology (not inside a complement: "the deaths of three service members").
        if cls is None:
            for t in toks:
                c = lex.head_types.get(t.lemma_.lower())
                if c == "Technology" and t.dep_ == "compound" and _in_compound_of(t, head):
                    m.vote(c, 0.5, "compound-term")
        return self._add(m)

    # ------------------------------------------------------------------ output

    def live(self) -> Iterator[tuple[int, MentionSpan]]:
        for idx, m in enumerate(self.spans):
            if m.start >= 0:
                yield idx, m


_TOKENIZERS: dict[int, object] = {}


def _tokenizer_of(doc: Doc):
    """A tokenizer consistent with the Doc's vocab (cached per vocab)."""
    key = id(doc.vocab)
    tok = _TOKENIZERS.get(key)
    if tok is None:
        from spacy.lang.en import English

        tok = English(vocab=doc.vocab).tokenizer
        _TOKENIZERS[key] = tok
    return tok


def _plural_possessive_in_name(toks: Sequence[Token], j: int) -> bool:
    """A plural possessive apostrophe inside a name: "Writers' Guild", "Publishers’ Rights Forum"
    (a common noun's plural; not a name's: "the Democrats' House majority", "the Beatles' Abbey Road")."""
    return (toks[j].text in ("'", "’") and j > 0 and toks[j - 1].text.endswith("s") and not toks[j - 1].whitespace_
            and toks[j - 1].text[:1].isupper() and j + 1 < len(toks) and _capitalised(toks[j + 1])
            and _common_plural_owner(toks[j - 1], toks[j + 1]))


def _common_plural_owner(tok: Token, after: Token) -> bool:
    """A plural of a noun the lexicon knows ("Writers", "Publishers"), or a plural before a
    union's or an association's last word ("Farmers' Union", "Playwrights' Guild")."""
    from kg.lexicon import load_lexicon

    lex = load_lexicon()
    singular = tok.lower_[:-1]
    suffix = lex.suffix_types.get(after.text)
    return (tok.ent_type_ in ("", "ORG") and (singular in lex.role_types or singular in lex.head_types)) or (
        suffix is not None and is_a(suffix, "Organization") and not is_a(suffix, "Company")
        and not is_a(suffix, "GovernmentBody"))


def _split_possessive(ent: Span) -> list[Span]:
    """ "Acme's Annual Report" as one NER span → the owner "Acme" and the thing "Annual Report"
    (not "Writers' Guild": a plural possessive inside a name)."""
    toks = tokens_of(ent.doc)
    for tok in tokens_of(ent)[1:-1]:
        if (tok.tag_ == "POS" or tok.text in ("'s", "’s")) and not _plural_possessive_in_name(toks, tok.i):
            return [ent.doc[ent.start: tok.i], ent.doc[tok.i + 1: ent.end]]
    return [ent]


def _split_coordination(ent: Span, known: set[str] = frozenset()) -> list[Span]:
    """NER spans that join coordinated names ("Equity and Solidarnosc") → one span per name.

    Split where the parse coordinates two parts at the top of the span (the first part's head
    lies outside it), so "Federation of Television and Radio Artists" stays whole; or where one
    side of "and"/"&" is a name the document uses on its own elsewhere ("Jane Doe & Acme").
    """
    doc = ent.doc
    for tok in tokens_of(ent):
        if tok.lower_ in ("and", "&") and ent.start < tok.i < ent.end - 1:
            left, right = doc[ent.start: tok.i], doc[tok.i + 1: ent.end]
            if left.text in known or right.text in known:
                return [left, *_split_coordination(right, known)]
    for tok in tokens_of(ent):
        if tok.dep_ == "conj" and tok.head.i in range(ent.start, ent.end) and not (ent.start <= tok.head.head.i < ent.end):
            cc = next((t for t in tokens_of(doc)[tok.head.i + 1: tok.i]
                       if t.dep_ == "cc" and t.lower_ in ("and", "or")), None)
            if cc is None:
                continue
            left = doc[ent.start: cc.i]
            right = doc[cc.i + 1: ent.end]
            if len(left) and len(right) and left[-1].text != "," and right[0].is_title:
                return [left, *_split_coordination(right, known)]
    return [ent]


def _long_form_start(doc: Doc, paren: int, acro: str) -> int | None:
    """Start token of the long form that ``acro`` abbreviates, ending right before ``paren``.

    Each acronym letter must match, right to left, a letter of the preceding words, the first
    letter of the acronym matching a word-initial letter. At most len(acro) + 5 words are used.
    """
    letters = [c.lower() for c in acro if c.isalnum()]
    window_start = max(0, paren - (len(letters) + 5))
    words = [t for t in tokens_of(doc)[window_start:paren]]
    # Build a character string with word-start markers, then match backwards.
    chars: list[tuple[str, int, bool]] = []  # (char, token index, is word-initial)
    for t in words:
        for k, c in enumerate(t.text):
            if c.isalnum():
                chars.append((c.lower(), t.i, k == 0))
    li = len(letters) - 1
    ci = len(chars) - 1
    while li >= 0:
        want = letters[li]
        while ci >= 0 and (chars[ci][0] != want or (li == 0 and not chars[ci][2])):
            ci -= 1
        if ci < 0:
            return None
        li -= 1
        ci -= 1
    start = chars[ci + 1][1]
    # The long form must be mostly capitalised words (a name, not a description).
    span = doc[start:paren]
    caps = sum(1 for t in span if t.is_title or t.is_upper)
    content = sum(1 for t in span if t.is_alpha and not t.is_stop)
    if content == 0 or caps < max(1, content - 1):
        return None
    return start


def _of_object(tok: Token, preps: tuple[str, ...] = ("of",)) -> Token | None:
    for child in children_of(tok):
        if child.dep_ == "prep" and child.lower_ in preps:
            for g in children_of(child):
                if g.dep_ in ("pobj", "pcomp"):
                    return g
    return None


def _name_compound(tok: Token, table: MentionTable) -> Token | None:
    """A compound modifier that is a name or a known term ("AI use" → "AI")."""
    for child in lefts_of(tok):
        if child.dep_ in ("compound", "nmod", "amod") and (
            table.name_at(child.i) is not None or child.pos_ == "PROPN"
            or child.lemma_.lower() in table.lex.head_types
        ):
            return child
    return None


GENERATIONAL = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
_NAME_JOINERS = frozenset({"of", "and", "&", "for", "the", "de", "la", "von", "van"})


def _surname(doc: Doc, start: int, end: int) -> tuple[str, ...]:
    """The last word of a name as tokens, hyphenated parts included ("Ashby-Kerr"); a
    generational suffix is no surname ("Grant" of "Clay Grant, Jr.")."""
    toks = tokens_of(doc)
    while end - 1 > start and (toks[end - 1].text in GENERATIONAL or toks[end - 1].text == ","):
        end -= 1
    k = end - 1
    while k - 2 >= start and toks[k - 1].text in ("-", "–") and not toks[k - 2].whitespace_ \
            and not toks[k - 1].whitespace_:
        k -= 2
    return tuple(t.text for t in toks[k:end])


def _mistagged_name(tok: Token) -> bool:
    """A product-like name the tagger took for punctuation or a number ("OpenCanvas-5B")."""
    text = tok.text
    return (tok.pos_ in ("PUNCT", "SYM", "X", "NUM") and not tok.is_punct and text[:1].isupper()
            and sum(c.isalpha() for c in text) >= 2)


def _capitalised(tok: Token) -> bool:
    """A word written with a capital that may belong to a name (not a number, not "I")."""
    text = tok.text
    return (text[:1].isupper() and any(c.isalpha() for c in text) and text != "I" and not tok.is_punct
            and tok.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"))


def _coordinated(tok: Token) -> list[Token]:
    """All conjuncts of the coordination ``tok`` belongs to (including itself)."""
    first = tok
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    out, stack = [first], [first]
    while stack:
        for c in children_of(stack.pop()):
            if c.dep_ == "conj":
                out.append(c)
                stack.append(c)
    return out


def _leading_role(toks: list[Token], start: int, end: int, lex: Lexicon) -> int:
    """How many words at ``start`` (before ``end``) make a role noun: 2 for "Prime Minister",
    "Chief Executive", 1 for "Director", 0 for none."""
    def is_role(words: str) -> bool:
        return words in lex.role_types or words in lex.roles

    if start + 1 < end and is_role(f"{toks[start].lemma_.lower()} {toks[start + 1].lemma_.lower()}"):
        return 2
    return 1 if start < end and is_role(toks[start].lemma_.lower()) else 0


def _description_class(noun: Token, lex: Lexicon) -> str | None:
    """The class a describing noun gives the name it describes: a role ("the actor"), or for a
    common noun its head type ("the studio")."""
    lemma = noun.lemma_.lower()
    return lex.role_types.get(lemma) or (lex.head_types.get(lemma) if noun.pos_ == "NOUN" else None)


def _unparsed_apposition(doc: Doc, start: int, end: int) -> Token | None:
    """The noun of ", the/a NOUN" right after the name ``start``–``end``, when the parser made it
    no apposition of that name (none at all, or one of a word further back): a common noun, the
    words before it its own modifiers, that is nobody's subject or possessor ("Acme, the company
    said"; "X, the company's chief") and no list's member ("A, the B and C")."""
    toks = tokens_of(doc)
    if end + 2 >= len(toks) or toks[end].text != "," or toks[end + 1].lower_ not in ("the", "a", "an"):
        return None
    noun = head_of(toks[end + 1])
    if (noun.pos_ != "NOUN" or noun.i <= end + 1 or noun.dep_ in ("nsubj", "nsubjpass", "conj", "poss", "compound")
            or (noun.dep_ == "appos" and head_of(noun).i in range(start, end))  # an apposition, seen already
            or any(c.dep_ in ("cc", "conj") for c in children_of(noun))  # a list: "A, the B and C"
            or any(head_of(t).i not in range(end + 1, noun.i + 1) for t in toks[end + 1:noun.i])):
        return None
    return noun


def _colon_list_noun(first: Token) -> Token | None:
    """The plural noun a colon list starts after, for the list's first member: "four performers:
    A, B and C" (the parser may attach the list anywhere)."""
    i = first.left_edge.i
    if i < 2:
        return None
    colon, noun = token_at(first.doc, i - 1), token_at(first.doc, i - 2)
    return noun if colon.text == ":" and noun.pos_ == "NOUN" and noun.tag_ == "NNS" else None


def _hearst_head(tok: Token) -> Token | None:
    """The general noun of a Hearst list the token belongs to, if any.

    "companies like A and B", "unions such as C", "studios, including D": returns the head
    noun ("companies") for A, B, C and D.
    """
    t = tok
    # (to the list's first member: the parser may make later ones appositions of earlier names)
    while (t.dep_ == "conj" or (t.dep_ == "appos" and t.head.pos_ == "PROPN")) and t.head != t:
        t = t.head
    listed = _colon_list_noun(t)
    if listed is not None:
        return listed
    if t.dep_ != "pobj":
        return None
    prep = t.head
    if prep.lower_ in ("like", "including") or (
            prep.lower_ == "as" and any(c.lower_ == "such" for c in lefts_of(prep))):
        noun = prep.head
        if noun.lower_ == "such" and noun.head.pos_ == "NOUN":
            noun = noun.head
        # The parser may hang the list on a noun further left ("the implications of AI tools
        # like X"); the plural noun right before the preposition is the general term then.
        before = token_at(prep.doc, prep.i - 1) if prep.i > 0 else None
        if before is not None and before.pos_ == "NOUN" and before.tag_ == "NNS" and before.i != noun.i:
            return before
        if noun.pos_ == "NOUN" and noun.tag_ in ("NNS", "NN"):
            return noun
    return None


def _np_bounds(head: Token, table: MentionTable) -> tuple[int | None, int]:
    """Token range of the noun phrase headed by ``head``: left modifiers, head, short PPs.

    Determiners and pronoun possessors are dropped; relative clauses, appositions, conjuncts
    and participle clauses are not part of the phrase; prepositional phrases are kept while the
    phrase stays short ("protections for artists in the age of AI").
    """
    doc = head.doc
    left = head.i
    for k in range(head.i - 1, head.left_edge.i - 1, -1):
        if not _modifies(token_at(doc, k), head):
            break
        left = k
    # Strip determiners / possessive pronouns / punctuation at the left edge.
    while left < head.i and (
        token_at(doc, left).dep_ in ("det", "predet", "preconj")
        or token_at(doc, left).tag_ in ("PRP$", "DT", "POS", "WDT")
        or token_at(doc, left).is_punct or token_at(doc, left).lower_ in ("such", "own")
    ):
        left += 1
    right = head.i + 1
    from kg.extract.clauses import group_end

    end = group_end(head)
    if end is not None:  # "more than 300 programmers, artists and designers"
        return left, end
    if head.tag_ == "VBG":
        # Gerund phrase: the verb with its object ("easing copyright restrictions").
        for child in rights_of(head):
            if child.dep_ in ("dobj", "prt", "attr"):
                # (the object's own phrase, without an apposition or clause about it: "using
                # Pictavo, an image generator developed by X" is "using Pictavo")
                end = _np_bounds(child, table)[1] if child.pos_ in ("NOUN", "PROPN") else None
                right = max(right, end if end is not None else max(t.i for t in subtree_of(child)) + 1)
                break
        return left, _trim_right(doc, left, right)
    # The charge is not part of the accused: "accused the company of theft" → "company".
    # (Unless the verb has an "of"-phrase of its own: "accused the alliance of gunmen of a plot".)
    verb = head_of(head)
    charged = head.dep_ == "dobj" and table.lex.charges(verb.lemma_.lower()) and not any(
        c.dep_ == "prep" and c.lower_ == "of" for c in children_of(verb))
    for child in rights_of(head):
        if child.dep_ == "prep" and child.lower_ == "of" and charged:
            break
        if child.dep_ == "prep" and child.lower_ in KEEP_PP:
            sub_right = max(t.i for t in subtree_of(child)) + 1
            if _contains_clause(child) or sub_right - left > MAX_NP_TOKENS:
                if child.lower_ == "of":
                    inner = _pp_core_end(child)
                    if inner and inner - left <= MAX_NP_TOKENS:
                        right = inner
                break
            right = sub_right
            if child.lower_ != "of":
                break
        elif child.dep_ in ("prep", "relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "prt"):
            break
        elif child.dep_ in ("compound", "amod", "nummod") and child.i == right:
            right = max(t.i for t in subtree_of(child)) + 1
    # A recipient is not part of what is given: "licensed its backlist of 1,100 titles to Acme"
    # (the verb's "to" frame takes it, wherever the parser hung it).
    if head.dep_ == "dobj" and table.lex.frame("VERB", verb.lemma_.lower(), None, "to") is not None:
        right = next((k for k in range(head.i + 1, right) if token_at(doc, k).lower_ == "to"
                      and token_at(doc, k).dep_ == "prep"), right)
    return left, _trim_right(doc, left, right)


def _modifies(tok: Token, head: Token) -> bool:
    """True when ``tok`` hangs off ``head`` through noun-phrase-internal relations only.

    Possessive pronouns ("his contract") are excluded; named possessors ("Acme's letter") stay.
    """
    from kg.extract.clauses import is_adverbial_verb_modifier

    t = tok
    while t.i != head.i:
        if is_adverbial_verb_modifier(t):
            return False
        # (a particle only inside a hyphenated modifier: "an opt-out system", "a built-in tool")
        hyphenated = t.dep_ == "prt" and t.i > 0 and token_at(t.doc, t.i - 1).text in ("-", "–")
        if t.dep_ not in LEFT_NP_DEPS and t.dep_ not in ("det", "punct", "case", "cc", "conj", "hyph", "prep", "pobj") \
                and not hyphenated:
            return False
        if t.dep_ == "poss" and t.tag_ == "PRP$":
            return False
        if t.dep_ == "advmod" and t.head.i == head.i:
            return False
        if t.head.i == t.i:
            return False
        t = t.head
    return True


def _contains_clause(tok: Token) -> bool:
    return any(t.dep_ in ("relcl", "acl", "advcl", "ccomp", "xcomp") or t.is_punct and t.text in ",;"
               for t in subtree_of(tok))


def _pp_core_end(prep: Token) -> int | None:
    """End of the PP without clauses hanging off its object."""
    pobj = next((c for c in children_of(prep) if c.dep_ == "pobj"), None)
    if pobj is None:
        return None
    return pobj.i + 1


def _trim_right(doc: Doc, left: int, right: int) -> int:
    while right > left + 1 and (token_at(doc, right - 1).is_punct
                                or token_at(doc, right - 1).dep_ in ("cc", "prep", "det")):
        right -= 1
    return right
