"""Faster matching and lemmatisation, with identical output, for two spaCy components.

After its tagger and parser, ``en_core_web_sm`` runs an attribute ruler (tag → POS and
morphology, plus word-specific exceptions) and a rule lemmatizer. Timed component by component
on 300 Wikinews articles (three runs, as ``bench/pipes.py`` times them) they took 4.2–5.5 s
and 2.5–3.4 s of a 38–47 s parse:

- The ruler's ``Matcher`` tries every one of its 179 patterns at every token.
  :class:`IndexedRulerMatch` files each pattern under the exact values its first token requires
  (a LOWER, TAG, DEP, ... value) and, at a token, tries only the patterns filed under that
  token's values plus the few that require none. The ruler's own ``set_annotations`` applies
  the matches, so the attributes are written by spaCy's code, in spaCy's order.
- The lemmatizer's cache keeps only the answers that went through its suffix rules: base forms
  and parts of speech without rules are worked out again at every token, and each new word is
  looked up in word lists by scanning them. A rule or lookup lemma depends on nothing but the
  token's orth, POS and morphology (and the fixed tables), so :class:`LemmaCache` remembers
  every answer under that key, and works new ones out with the lists turned into sets.

:func:`install_fast_pipes` changes only the stock ``AttributeRuler`` whose patterns use exact
values, ``IN``, ``NOT_IN`` and ``REGEX`` on the attributes in ``_STRING_ATTRS``/``_FLAG_ATTRS``,
and the stock rule or lookup lemmatizer; anything else stays as spaCy made it.
``KG_FAST_PIPES=0`` in the environment turns both changes off.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from spacy.attrs import DEP, IS_ALPHA, IS_DIGIT, IS_PUNCT, IS_SPACE, LEMMA, LOWER, MORPH, NORM, ORTH, POS, TAG
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.lookups import Lookups
from spacy.strings import StringStore
from spacy.tokens import Doc, Token

__all__ = ["IndexedRulerMatch", "LemmaCache", "Unsupported", "compile_ruler", "fast_pipes_enabled", "install_fast_pipes"]

# Matcher keys compared by the hash of a string value, and the Doc column holding it.
_STRING_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "NORM": NORM, "TAG": TAG, "DEP": DEP}
# Matcher keys compared with a boolean.
_FLAG_ATTRS = {"IS_SPACE": IS_SPACE, "IS_PUNCT": IS_PUNCT, "IS_ALPHA": IS_ALPHA, "IS_DIGIT": IS_DIGIT}
# First-token keys a pattern may be filed under, most selective first.
_ANCHOR_ORDER = ("LOWER", "ORTH", "TEXT", "NORM", "TAG", "DEP")
_PURE_LEMMATIZERS = (Lemmatizer, EnglishLemmatizer)  # classes whose lemma depends on orth, POS, morph only
_PURE_MODES = ("rule", "lookup")
_MEMO_LIMIT = 50_000  # distinct token rows the ruler index remembers before it starts again
_LEMMA_LIMIT = 200_000  # distinct (orth, POS, morph) keys the lemma cache holds before it starts again


def fast_pipes_enabled() -> bool:
    """False when ``$KG_FAST_PIPES`` is ``0``, ``false`` or ``no``."""
    return os.environ.get("KG_FAST_PIPES", "1").strip().lower() not in ("0", "false", "no")


class Unsupported(ValueError):
    """A pattern uses a Matcher feature :func:`compile_ruler` does not reproduce."""


# One test on one token: (column, operator, operand). Operators: "eq" (a hash or flag value),
# "in"/"not_in" (a frozenset of hashes), "regex" (a compiled pattern searched in the string).
Check = tuple[int, str, object]


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """One ruler pattern: the rule's index (its precedence and match id) and per-token checks."""

    attr_id: int
    match_id: int
    tokens: tuple[tuple[Check, ...], ...]


def _token_checks(spec: dict, columns: dict[int, int], strings: StringStore) -> tuple[tuple[Check, ...], dict[str, list[int]]]:
    """The checks for one token spec, and the exact values it requires per key (for filing)."""
    checks: list[Check] = []
    required: dict[str, list[int]] = {}
    for raw_key, value in spec.items():
        key = str(raw_key).upper()
        if key in _STRING_ATTRS:
            col = columns.setdefault(_STRING_ATTRS[key], len(columns))
            if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
                h = strings.add(value) if isinstance(value, str) else value
                checks.append((col, "eq", h))
                required[key] = [h]
            elif isinstance(value, dict) and value and set(value) <= {"IN", "NOT_IN", "REGEX"}:
                for op, operand in value.items():
                    if op == "REGEX":
                        if not isinstance(operand, str):
                            raise Unsupported(f"REGEX operand {operand!r}")
                        checks.append((col, "regex", re.compile(operand)))
                        continue
                    if not isinstance(operand, (list, tuple)) or not all(isinstance(v, str) for v in operand):
                        raise Unsupported(f"{op} operand {operand!r}")
                    hashes = frozenset(strings.add(v) for v in operand)
                    checks.append((col, "in" if op == "IN" else "not_in", hashes))
                    if op == "IN":
                        required[key] = sorted(hashes)
            else:
                raise Unsupported(f"{key} value {value!r}")
        elif key in _FLAG_ATTRS and isinstance(value, bool):
            col = columns.setdefault(_FLAG_ATTRS[key], len(columns))
            checks.append((col, "eq", int(value)))
        else:
            raise Unsupported(f"key {raw_key!r} with value {value!r}")
    return tuple(checks), required


def _passes(checks: tuple[Check, ...], row: list[int], strings: StringStore) -> bool:
    for col, op, operand in checks:
        value = row[col]
        if op == "eq":
            if value != operand:
                return False
        elif op == "in":
            if value not in operand:  # type: ignore[operator]
                return False
        elif op == "not_in":
            if value in operand:  # type: ignore[operator]
                return False
        elif not operand.search(strings[value]):  # type: ignore[union-attr]
            return False
    return True


class IndexedRulerMatch:
    """``AttributeRuler.match`` without trying every pattern at every token.

    Calling it on a Doc returns what ``ruler.match(doc)`` returns: ``(attr_id, match_id, start,
    end)`` for each distinct match, sorted, so later rules take precedence when applied.
    """

    def __init__(self, columns: tuple[int, ...], anchors: dict[int, dict[int, list[CompiledPattern]]],
                 unanchored: list[CompiledPattern], strings: StringStore):
        self.columns = columns
        self._anchors = tuple((col, table) for col, table in anchors.items())
        self._unanchored = tuple(unanchored)
        self._strings = strings
        self._memo: dict[tuple[int, ...], tuple[tuple[tuple[int, int], ...], tuple[CompiledPattern, ...]]] = {}

    def _first_token_passes(self, row: tuple[int, ...]) -> tuple[tuple[tuple[int, int], ...], tuple[CompiledPattern, ...]]:
        """The patterns whose first token ``row`` satisfies (of those filed under its values):
        the one-token ones as (attr_id, match_id), the longer ones whole."""
        candidates = list(self._unanchored)
        for col, table in self._anchors:
            filed = table.get(row[col])
            if filed:
                candidates.extend(filed)
        passing = [p for p in candidates if _passes(p.tokens[0], row, self._strings)]
        return (tuple((p.attr_id, p.match_id) for p in passing if len(p.tokens) == 1),
                tuple(p for p in passing if len(p.tokens) > 1))

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        n = len(doc)
        if not n:
            return []
        rows = doc.to_array(list(self.columns)).reshape(n, -1).tolist()  # column values per token
        strings = self._strings
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        found: set[tuple[int, int, int, int]] = set()
        add = found.add
        for start, row in enumerate(rows):
            # Whether a token meets a pattern's first token depends on its column values alone,
            # and news repeats the same (word, tag, dependency) rows: each is worked out once.
            key = tuple(row)
            passing = memo.get(key)
            if passing is None:
                passing = memo[key] = self._first_token_passes(key)
            singles, longer = passing
            for attr_id, match_id in singles:
                add((attr_id, match_id, start, start + 1))
            for pattern in longer:
                end = start + len(pattern.tokens)
                if end <= n and all(_passes(checks, rows[start + k], strings)
                                    for k, checks in enumerate(pattern.tokens[1:], 1)):
                    add((pattern.attr_id, pattern.match_id, start, end))
        return sorted(found)


def compile_ruler(ruler: AttributeRuler) -> IndexedRulerMatch:
    """Compile ``ruler``'s patterns; :class:`Unsupported` if one uses another Matcher feature."""
    strings = ruler.vocab.strings
    columns: dict[int, int] = {}  # Doc attribute → column index in the rows handed to the checks
    anchors: dict[int, dict[int, list[CompiledPattern]]] = {}
    unanchored: list[CompiledPattern] = []
    for attr_id, entry in enumerate(ruler.patterns):
        match_id = strings.add(str(attr_id))  # the key AttributeRuler.add gives the rule
        for pattern in entry["patterns"]:
            if not pattern or not all(isinstance(spec, dict) for spec in pattern):
                raise Unsupported(f"pattern {pattern!r}")
            token_checks = []
            first_required: dict[str, list[int]] = {}
            for k, spec in enumerate(pattern):
                checks, required = _token_checks(spec, columns, strings)
                token_checks.append(checks)
                if k == 0:
                    first_required = required
            cp = CompiledPattern(attr_id, match_id, tuple(token_checks))
            anchor = next((key for key in _ANCHOR_ORDER if key in first_required), None)
            if anchor is None:
                unanchored.append(cp)
                continue
            table = anchors.setdefault(columns[_STRING_ATTRS[anchor]], {})
            for value in first_required[anchor]:
                table.setdefault(value, []).append(cp)
    if not columns:
        columns[TAG] = 0
    return IndexedRulerMatch(tuple(sorted(columns, key=columns.__getitem__)), anchors, unanchored, strings)


class _RulerMatch:
    """Installed as a ruler's ``match``: the index while the patterns are those it was built
    from; spaCy's Matcher again if patterns are added later that the index cannot reproduce."""

    def __init__(self, ruler: AttributeRuler, index: IndexedRulerMatch):
        self.ruler = ruler
        self.index: IndexedRulerMatch | None = index
        self._built_for = _ruler_state(ruler)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        if _ruler_state(self.ruler) != self._built_for:  # patterns added or cleared since
            self._built_for = _ruler_state(self.ruler)
            try:
                self.index = compile_ruler(self.ruler)
            except Unsupported:
                self.index = None
        if self.index is None:
            return AttributeRuler.match(self.ruler, doc)
        return self.index(doc)


def _ruler_state(ruler: AttributeRuler) -> tuple[int, int]:
    # add() appends to attrs, clear() makes a new Matcher; the ruler has no other way to change.
    return id(ruler.matcher), len(ruler.attrs)


class LemmaCache:
    """Every lemma a rule or lookup lemmatizer gave, by the token's (orth, POS, morphology).

    Installed on the lemmatizer itself (:func:`install_fast_pipes`): as its ``lemmatize``, so
    that ``nlp(text)`` asks the cache token by token, and as its ``pipe``, so that
    ``nlp.pipe(texts)`` reads and writes each Doc's lemmas as whole columns.
    """

    def __init__(self, lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer
        self._forms: dict[tuple[int, int, int], list[str]] = {}
        self._tables = lemmatizer.lookups
        self._compute = _lemmatize_with_index_sets(lemmatizer)

    def _current(self) -> dict[tuple[int, int, int], list[str]]:
        if self.lemmatizer.lookups is not self._tables or len(self._forms) > _LEMMA_LIMIT:
            # new tables (the lemmatizer was initialised again), or the cache is full
            self._tables = self.lemmatizer.lookups
            self._compute = _lemmatize_with_index_sets(self.lemmatizer)
            self._forms = {}
        return self._forms

    def _forms_of(self, forms: dict[tuple[int, int, int], list[str]], key: tuple[int, int, int],
                  token: Token) -> list[str]:
        found = forms.get(key)
        if found is None:
            found = forms[key] = self._compute(token)
        return found

    def lemmatize(self, token: Token) -> list[str]:
        """What ``lemmatizer.lemmatize(token)`` returns."""
        return list(self._forms_of(self._current(), (token.orth, token.pos, token.morph.key), token))

    def annotate(self, doc: Doc) -> Doc:
        """What ``lemmatizer(doc)`` does, a column at a time."""
        lemmatizer = self.lemmatizer
        if not lemmatizer._validated:
            lemmatizer._validate_tables(Errors.E1004)
        if not len(doc):
            return doc
        forms = self._current()
        columns = doc.to_array([ORTH, POS, MORPH, LEMMA])
        overwrite = lemmatizer.overwrite
        strings = doc.vocab.strings
        hashes: dict[str, int] = {}  # each lemma string added to this Doc's StringStore once
        out = columns[:, 3].copy()
        for i, (orth, pos, morph, lemma) in enumerate(columns.tolist()):
            if lemma and not overwrite:
                continue  # set before (by the attribute ruler): spaCy's lemmatizer leaves it too
            found = self._forms_of(forms, (orth, pos, morph), doc[i])
            value = hashes.get(found[0])
            if value is None:
                value = hashes[found[0]] = strings.add(found[0])
            out[i] = value
        doc.from_array([LEMMA], out.reshape(-1, 1))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """``lemmatizer.pipe``: :meth:`annotate` each Doc, errors to the component's handler."""
        error_handler = self.lemmatizer.get_error_handler()
        for doc in stream:
            try:
                yield self.annotate(doc)
            except Exception as e:
                error_handler(self.lemmatizer.name, self.lemmatizer, [doc], e)


def _lemmatize_with_index_sets(lemmatizer: Lemmatizer) -> Callable[[Token], list[str]]:
    """``lemmatizer.lemmatize`` as spaCy made it, asking its word lists through sets.

    spaCy's rule lemmatizer checks each candidate form against the ``lemma_index`` table, which
    holds lists (57,528 nouns in en_core_web_sm): a scan per check, about 0.1 ms per new word.
    A private copy of the lemmatizer gets the same tables with those lists as frozensets; the
    membership answers, and so the lemmas, are unchanged, and the model itself is untouched.
    """
    method = getattr(lemmatizer, f"{lemmatizer.mode}_lemmatize")
    if lemmatizer.mode != "rule" or not lemmatizer.lookups.has_table("lemma_index"):
        return method
    lookups = Lookups()
    for name in lemmatizer.lookups.tables:
        table = lemmatizer.lookups.get_table(name)
        lookups.add_table(name, {k: frozenset(v) for k, v in table.items()} if name == "lemma_index" else dict(table.items()))
    private = copy.copy(lemmatizer)
    private.lookups = lookups
    private.cache = {}
    return private.rule_lemmatize


def install_fast_pipes(nlp: Language) -> tuple[str, ...]:
    """Make the attribute ruler and lemmatizer faster where that keeps spaCy's output.

    The components stay in the pipeline, with their names, settings and data (``to_disk``,
    ``evaluate`` and pickling see spaCy's own components); only instance attributes spaCy calls
    are replaced: the ruler's ``match``, the lemmatizer's ``lemmatize`` and ``pipe``. Returns the
    names of the components changed.
    """
    changed: list[str] = []
    if not fast_pipes_enabled():
        return ()
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        if type(ruler) is AttributeRuler and not isinstance(ruler.__dict__.get("match"), _RulerMatch):
            try:
                index = compile_ruler(ruler)
            except Unsupported:
                pass  # a pattern beyond what the index reproduces: spaCy's matcher stays
            else:
                ruler.match = _RulerMatch(ruler, index)
                changed.append("attribute_ruler")
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if type(lemmatizer) in _PURE_LEMMATIZERS and lemmatizer.mode in _PURE_MODES and "pipe" not in lemmatizer.__dict__:
            cache = LemmaCache(lemmatizer)
            lemmatizer.lemmatize = cache.lemmatize
            lemmatizer.pipe = cache.pipe
            changed.append("lemmatizer")
    return tuple(changed)
