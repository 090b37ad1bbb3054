"""The dependency tree of one parsed Doc, each spaCy Token made once.

spaCy makes a new :class:`~spacy.tokens.Token` object every time a token is reached:
``doc[i]``, ``tok.head``, ``tok.children``, iterating a Doc or a Span. The extraction rules
reach tokens millions of times per thousand articles (6.7 million Token objects for 300
Wikinews articles; under 1.2 million with these tables, and extraction about 9 % faster).
Inside ``with parse_tree(doc):`` the functions below read
tokens, heads and children from tables built once for that Doc. Outside it, or for a token of
another Doc, they ask spaCy, so every rule works on any token; the answers are the same either
way (``tests/test_tree.py`` checks them against spaCy on parsed news).

A Doc must not be retokenized inside ``parse_tree`` (extraction never changes its Doc).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy
from spacy.tokens import Doc, Span, Token

__all__ = ["ParseTree", "parse_tree", "sentences_of", "tokens_of", "token_at", "head_of", "children_of",
           "lefts_of", "rights_of", "subtree_of"]


class ParseTree:
    """Tokens of one Doc with their heads; children are grouped when first asked for."""

    __slots__ = ("doc", "tokens", "heads", "_order", "_bounds", "_children", "_sentences")

    def __init__(self, doc: Doc):
        n = len(doc)
        tokens = tuple(doc)
        # HEAD is the head's offset from the token, stored unsigned: two's complement for
        # heads to the left. A token without a head has offset 0 (spaCy's head is itself).
        head_index = numpy.arange(n, dtype="int64") + doc.to_array("HEAD").astype("int64")
        # Token indices grouped by head, in document order within a group (a stable sort):
        # the children of token h are _order[_bounds[h]:_bounds[h + 1]] without h itself.
        order = numpy.argsort(head_index, kind="stable")
        self.doc = doc
        self.tokens = tokens
        self.heads = [tokens[h] for h in head_index.tolist()]
        self._order = order.tolist()
        self._bounds = numpy.searchsorted(head_index[order], numpy.arange(n + 1)).tolist()
        self._children: list[tuple[Token, ...] | None] = [None] * n
        self._sentences: tuple[Span, ...] | None = None

    def children(self, i: int) -> tuple[Token, ...]:
        got = self._children[i]
        if got is None:
            tokens = self.tokens
            got = self._children[i] = tuple([tokens[j] for j in self._order[self._bounds[i]:self._bounds[i + 1]] if j != i])
        return got


_current: ContextVar[ParseTree | None] = ContextVar("kg_parse_tree", default=None)


@contextmanager
def parse_tree(doc: Doc | ParseTree) -> Iterator[None]:
    """Within this block, navigation in the Doc uses tables built once (pass a
    :class:`ParseTree` to reuse them across blocks). Blocks nest."""
    reset = _current.set(doc if isinstance(doc, ParseTree) else ParseTree(doc))
    try:
        yield
    finally:
        _current.reset(reset)


def sentences_of(doc: Doc) -> tuple[Span, ...]:
    """``tuple(doc.sents)``, made once per Doc inside :func:`parse_tree`."""
    tree = _current.get()
    if tree is not None and tree.doc is doc:
        if tree._sentences is None:
            tree._sentences = tuple(doc.sents)
        return tree._sentences
    return tuple(doc.sents)


def tokens_of(doc_or_span: Doc | Span) -> tuple[Token, ...]:
    """The tokens of a Doc or Span, in order (``tuple(doc_or_span)``)."""
    tree = _current.get()
    if isinstance(doc_or_span, Span):
        if tree is not None and tree.doc is doc_or_span.doc:
            return tree.tokens[doc_or_span.start:doc_or_span.end]
    elif tree is not None and tree.doc is doc_or_span:
        return tree.tokens
    return tuple(doc_or_span)


def token_at(doc: Doc, i: int) -> Token:
    """``doc[i]`` for an integer ``i`` (negative counts from the end; IndexError out of range)."""
    tree = _current.get()
    if tree is not None and tree.doc is doc:
        return tree.tokens[i]
    return doc[i]


def head_of(tok: Token) -> Token:
    """``tok.head``: the syntactic head (the token itself for a root)."""
    tree = _current.get()
    if tree is not None and tree.doc is tok.doc:
        return tree.heads[tok.i]
    return tok.head


def children_of(tok: Token) -> tuple[Token, ...]:
    """``tuple(tok.children)``: the syntactic dependents, in document order."""
    tree = _current.get()
    if tree is not None and tree.doc is tok.doc:
        return tree.children(tok.i)
    return tuple(tok.children)


def lefts_of(tok: Token) -> tuple[Token, ...]:
    """``tuple(tok.lefts)``: the dependents before the token."""
    tree = _current.get()
    if tree is not None and tree.doc is tok.doc:
        i = tok.i
        return tuple([c for c in tree.children(i) if c.i < i])
    return tuple(tok.lefts)


def rights_of(tok: Token) -> tuple[Token, ...]:
    """``tuple(tok.rights)``: the dependents after the token."""
    tree = _current.get()
    if tree is not None and tree.doc is tok.doc:
        i = tok.i
        return tuple([c for c in tree.children(i) if c.i > i])
    return tuple(tok.rights)


def subtree_of(tok: Token) -> list[Token]:
    """``list(tok.subtree)``: the token and its descendants, in spaCy's order (each left
    child's subtree, the token, each right child's subtree). Iterative: a chain of thousands
    of dependents (a long list of conjuncts) is no problem."""
    tree = _current.get()
    if tree is None or tree.doc is not tok.doc:
        return list(tok.subtree)
    out: list[Token] = []
    # A stack of (token, expanded): an unexpanded token is replaced by its left subtrees, itself
    # (expanded, to be emitted) and its right subtrees, pushed in reverse.
    stack: list[tuple[Token, bool]] = [(tok, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            out.append(t)
            continue
        i = t.i
        kids = tree.children(i)
        stack.extend((c, False) for c in reversed(kids) if c.i > i)
        stack.append((t, True))
        stack.extend((c, False) for c in reversed(kids) if c.i < i)
    return out


def of_lemma(tok: Token) -> str | None:
    """The lemma of a noun's of-complement ("emergency" of "state of emergency"), or None."""
    return next((g.lemma_.lower() for c in children_of(tok) if c.dep_ == "prep" and c.lower_ == "of"
                 for g in children_of(c) if g.dep_ == "pobj"), None)
