"""Streaming, deterministic Turtle and TriG writers for kg's own graphs.

rdflib's serializers hold the whole graph in memory and take about a minute per million
triples; Oxigraph's are fast but their output order follows internal hashes. kg writes its
outputs straight from the resolved :class:`~kg.model.KnowledgeGraph`, block by block (a subject
with all its predicate-object pairs), in a fixed order: the same input gives the same bytes,
memory stays bounded by the graph model itself, and 10,000 articles write in seconds.
Output is checked against rdflib (parse, compare with :func:`rdflib.compare.isomorphic`) by
the tests.
"""

from __future__ import annotations

import re
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace
from functools import lru_cache
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

from rdflib import XSD, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.model import Entity, Evidence, Fact, KnowledgeGraph
from kg.ontology import KG, article_iri, entity_iri, evidence_iri, superclasses
from kg.rdf import (
    ENTITY_NS,
    PREFIXES,
    ArticleBlocks,
    Block,
    article_block,
    CorpusBlocks,
    Section,
    asserted_by_subject,
    clean_literal,
    decimal_literal,
    fact_evidence_iris,
    fact_status_class,
    graph_blocks,
    predicate_iri,
    union_blocks,
)

__all__ = ["term", "turtle_chunks", "trig_chunks", "trig_section", "trig_section_chunks", "corpus_trig_body",
           "article_trig_body",
           "union_entity_chunks", "turtle_from_trig", "trig_block_cut", "write_turtle", "write_trig"]

_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1])))  # longest namespace first
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?\Z")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\r\t\b\f]')
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


# Namespace → prefix. Every namespace ends with "/" or "#" and a local name holds neither, so the
# only namespace an IRI can have a prefixed name in is the IRI up to its last "/" or "#".
_PREFIX_OF: dict[str, str] = {}
for _p, _ns in _PREFIX_ORDER:
    _PREFIX_OF.setdefault(str(_ns), _p)
if not all(ns.endswith(("/", "#")) for ns in _PREFIX_OF):
    raise ValueError("kg.rdf.PREFIXES: every namespace must end with '/' or '#'")


@lru_cache(maxsize=200_000)
def _iri(value: str) -> str:
    cut = max(value.rfind("/"), value.rfind("#")) + 1
    prefix = _PREFIX_OF.get(value[:cut])
    if prefix is not None and _LOCAL.match(value, cut):  # the whole local name (\Z: not before a final newline)
        return f"{prefix}:{value[cut:]}"
    if _IRI_BAD.search(value):  # minted IRIs never need this; percent-encode anything else
        value = _IRI_BAD.sub(lambda m: "%{:02X}".format(ord(m.group(0))), value)
    return f"<{value}>"


def _string(value: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], value) + '"'


def term(t: object) -> str:
    """One RDF term in Turtle syntax (prefixed name when possible).

    >>> term(Literal(3))
    '3'
    >>> term(Literal('say "hi"'))
    '"say \\\\"hi\\\\""'
    """
    if type(t) is URIRef or isinstance(t, URIRef):
        return _uri(str(t))
    if isinstance(t, Literal):
        lex = str(t)
        if t.language:
            return f"{_string(lex)}@{t.language}"
        dt = t.datatype
        if dt is None or dt == _XSD_STRING:
            return _string(lex)
        if dt == _XSD_INTEGER:
            return str(int(t))
        if dt == _XSD_DECIMAL:
            return _decimal(lex)
        return f"{_string(lex)}^^{_iri(str(dt))}"
    raise TypeError(f"cannot write {t!r} as a Turtle term")


_XSD_STRING, _XSD_INTEGER, _XSD_DECIMAL = XSD.string, XSD.integer, XSD.decimal
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@lru_cache(maxsize=200_000)
def _uri(value: str) -> str:
    return "a" if value == _RDF_TYPE else _iri(value)


@lru_cache(maxsize=4096)
def _decimal(lex: str) -> str:
    text = format(Decimal(lex), "f")
    return text if "." in text else f"{text}.0"


def _block(subject: URIRef, pairs: list[tuple[URIRef, object]], indent: str = "") -> str:
    lines: list[str] = []
    by_pred: dict[URIRef, list[object]] = {}
    for p, o in pairs:
        by_pred.setdefault(p, []).append(o)
    preds = list(by_pred)
    for i, p in enumerate(preds):
        objs = ", ".join(term(o) for o in by_pred[p])
        end = " ." if i == len(preds) - 1 else " ;"
        head = f"{indent}{term(subject)} " if i == 0 else f"{indent}    "
        lines.append(f"{head}{term(p)} {objs}{end}")
    return "\n".join(lines) + "\n"


# Records straight to text. These render exactly what _block renders for the blocks kg.rdf
# makes of the same records (the tests compare the two), without making rdflib terms.


@lru_cache(maxsize=65536)
def _decimal_text(x: float) -> str:
    """``term(decimal_literal(x))``: a confidence (few distinct values) as written."""
    return term(decimal_literal(x))


@lru_cache(maxsize=1024)
def _class_objects(cls: str) -> str:
    return ", ".join(_uri(str(KG[c])) for c in superclasses(cls))


# Predicates of entity and fact blocks, as term() writes them.
_PRED = SimpleNamespace(
    label=_uri(str(RDFS.label)), alt=_uri(str(SKOS.altLabel)), subject=_uri(str(RDF.subject)),
    predicate=_uri(str(RDF.predicate)), object=_uri(str(RDF.object)),
    **{name: _uri(str(KG[name])) for name in ("mentionCount", "mentionedIn", "confidence", "supportCount",
                                               "articleCount", "evidence")},
)


def _entity_text(e: Entity, indent: str) -> str:
    more, P = indent + "    ", _PRED
    text = (f"{indent}{_uri(str(entity_iri(e.key)))} a {_class_objects(e.cls)} ;\n"
            f"{more}{P.label} {_string(clean_literal(e.label))} ;\n")
    if e.alt_labels:
        text += f"{more}{P.alt} {', '.join(_string(clean_literal(a)) for a in e.alt_labels)} ;\n"
    return f"{text}{more}{P.mentionCount} {int(e.mention_count)} .\n"


def _fact_text(f: Fact, indent: str, nodes: tuple[URIRef, URIRef, URIRef, URIRef]) -> str:
    """``f``'s block; ``nodes`` is its :func:`fact_node` (made once per graph: CorpusBlocks.nodes)."""
    more, P = indent + "    ", _PRED
    node, s, p, o = nodes
    text = (f"{indent}{_uri(str(node))} a {_uri(str(fact_status_class(f)))} ;\n"
            f"{more}{P.subject} {_uri(str(s))} ;\n{more}{P.predicate} {_uri(str(p))} ;\n"
            f"{more}{P.object} {_uri(str(o))} ;\n{more}{P.confidence} {_decimal_text(f.confidence)} ;\n"
            f"{more}{P.supportCount} {int(f.support)} ;\n")
    evidence = fact_evidence_iris(node, f)
    last = f"{more}{P.articleCount} {int(f.article_count)}"
    if not evidence:
        return f"{text}{last} .\n"
    return f"{text}{last} ;\n{more}{P.evidence} {', '.join(_uri(str(e)) for e in evidence)} .\n"


def _union_entity_text(e: Entity, facts: list[Fact]) -> str:
    """The Turtle block of ``union_entity_blocks`` for ``e``: its corpus triples, its mentions
    and the asserted facts it is the subject of (objects grouped by predicate, as _block does)."""
    P = _PRED
    groups: dict[str, list[str]] = {"a": [_class_objects(e.cls)], P.label: [_string(clean_literal(e.label))]}
    if e.alt_labels:
        groups[P.alt] = [_string(clean_literal(a)) for a in e.alt_labels]
    groups[P.mentionCount] = [str(int(e.mention_count))]
    if e.articles:
        groups[P.mentionedIn] = [_uri(str(article_iri(a))) for a in e.articles]
    for f in facts:
        groups.setdefault(_uri(str(predicate_iri(f))), []).append(_uri(str(entity_iri(f.object))))
    subject = _uri(str(entity_iri(e.key)))
    lines = [f"{subject if i == 0 else '   '} {p} {', '.join(objs)}" for i, (p, objs) in enumerate(groups.items())]
    return " ;\n".join(lines) + " .\n"


def union_entity_chunks(kg: KnowledgeGraph) -> Iterator[str]:
    """``turtle_chunks(union_entity_blocks(kg))``, the same bytes, rendered from the records."""
    yield _prefix_lines()
    by_subject = asserted_by_subject(kg)
    for e in kg.entities:
        yield _union_entity_text(e, by_subject.get(e.key, ())) + "\n"


def corpus_trig_body(blocks: CorpusBlocks) -> Iterator[str]:
    """The TriG text of the corpus graph's blocks (indented, no ``<graph> {`` lines), rendered
    from the records: ``_block`` of every block of ``blocks``, at a fraction of the cost."""
    for e in blocks.kg.entities:
        yield _entity_text(e, "    ")
    for f, nodes in zip(blocks.kg.facts, blocks.nodes):
        yield _fact_text(f, "    ", nodes)
    for subject, pairs in blocks.open_relation_blocks():
        yield _block(subject, pairs, indent="    ")


_EVIDENCE_PRED = SimpleNamespace(**{name: _uri(str(KG[name])) for name in (
    "sentence", "startChar", "endChar", "sourceArticle", "extractionRule", "confidence", "verbPhrase",
    "subjectText", "objectText", "polarity", "modality")})
_EVIDENCE_CLASS = _uri(str(KG.Evidence))


def _evidence_text(node: URIRef, ev: Evidence) -> str:
    """``_block`` of the evidence block kg.rdf makes of ``ev`` (one predicate per line)."""
    P, more = _EVIDENCE_PRED, "        "
    text = (f"    {_uri(str(evidence_iri(node, ev.article_id, ev.start, ev.end, ev.rule)))} a {_EVIDENCE_CLASS} ;\n"
            f"{more}{P.sentence} {_string(clean_literal(ev.sentence))} ;\n"
            f"{more}{P.startChar} {int(ev.start)} ;\n{more}{P.endChar} {int(ev.end)} ;\n"
            f"{more}{P.sourceArticle} {_uri(str(article_iri(ev.article_id)))} ;\n"
            f"{more}{P.extractionRule} {_string(clean_literal(ev.rule))} ;\n"
            f"{more}{P.confidence} {_decimal_text(ev.confidence)} ;\n"
            f"{more}{P.verbPhrase} {_string(clean_literal(ev.verb))} ;\n"
            f"{more}{P.subjectText} {_string(clean_literal(ev.subject_text))} ;\n"
            f"{more}{P.objectText} {_string(clean_literal(ev.object_text))}")
    if ev.polarity != "positive":
        text += f" ;\n{more}{P.polarity} {_string(clean_literal(ev.polarity))}"
    if ev.modality != "asserted":
        text += f" ;\n{more}{P.modality} {_string(clean_literal(ev.modality))}"
    return text + " .\n"


def article_trig_body(blocks: ArticleBlocks) -> Iterator[str]:
    """The TriG text of one article graph's blocks (indented, no ``<graph> {`` lines), rendered
    from its records: ``_block`` of every block of ``blocks``, without making rdflib terms."""
    a = blocks.article
    mentioned, asserted, evidence = blocks.parts
    yield _block(*article_block(a), indent="    ")  # the article itself: one block, a few terms
    art = str(article_iri(a.id))
    # Entity stubs: subjects sorted by IRI, their pairs by (predicate, object) IRI, as kg.rdf does.
    stubs: dict[str, list[tuple[str, str]]] = {}
    for key in mentioned:
        stubs.setdefault(str(entity_iri(key)), []).append((_MENTIONED_IN, art))
    for s, p, o in asserted:
        stubs.setdefault(str(s), []).append((str(p), str(o)))
    for s in sorted(stubs):
        lines = [f"{_uri(p)} {', '.join(_uri(o) for _, o in group)}"
                 for p, group in groupby(sorted(stubs[s]), key=itemgetter(0))]
        yield f"    {_uri(s)} " + " ;\n        ".join(lines) + " .\n"
    for node, ev in evidence:
        yield _evidence_text(node, ev)


_MENTIONED_IN = str(KG.mentionedIn)


def _section_body(blocks: Iterable[Block]) -> Iterator[str]:
    if isinstance(blocks, CorpusBlocks):
        return corpus_trig_body(blocks)
    if isinstance(blocks, ArticleBlocks):
        return article_trig_body(blocks)
    return (_block(subject, pairs, indent="    ") for subject, pairs in blocks if pairs)


def trig_section(graph: URIRef, blocks: Iterable[Block]) -> Iterator[str]:
    """One graph of ``trig_chunks``' text: its ``<graph> {`` line, its blocks, its ``}`` line
    (nothing for a graph without triples). The corpus graph (:class:`kg.rdf.CorpusBlocks`) is
    rendered from its records."""
    opened = False
    for text in _section_body(blocks):
        if not opened:
            yield f"{term(graph)} {{\n"
            opened = True
        yield text
    if opened:
        yield "}\n"


def trig_section_chunks(sections: Iterable[Section]) -> Iterator[str]:
    """``trig_chunks`` of the sections' blocks (:func:`kg.rdf.graph_sections`): the same bytes
    (consecutive sections of one graph share its ``{ }``), the corpus graph rendered from its
    records."""
    yield _prefix_lines()
    current = None
    for graph, _, blocks in sections:
        for text in _section_body(blocks):
            if graph != current:
                if current is not None:
                    yield "}\n\n"
                yield f"{term(graph)} {{\n"
                current = graph
            yield text
    if current is not None:
        yield "}\n"


def _prefix_lines() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items())) + "\n"


def turtle_chunks(blocks: Iterable[Block]) -> Iterator[str]:
    """Turtle text, one chunk per subject block."""
    yield _prefix_lines()
    for subject, pairs in blocks:
        if pairs:
            yield _block(subject, pairs) + "\n"


def trig_chunks(blocks: Iterable[tuple[URIRef, Block]]) -> Iterator[str]:
    """TriG text: consecutive blocks of the same graph go in one ``<graph> { ... }``."""
    yield _prefix_lines()
    current = None
    for graph, (subject, pairs) in blocks:
        if not pairs:
            continue
        if graph != current:
            if current is not None:
                yield "}\n\n"
            yield f"{term(graph)} {{\n"
            current = graph
        yield _block(subject, pairs, indent="    ")
    if current is not None:
        yield "}\n"


def write_turtle(kg: KnowledgeGraph, fh: IO[str]) -> None:
    for chunk in turtle_chunks(union_blocks(kg)):
        fh.write(chunk)


def write_trig(kg: KnowledgeGraph, fh: IO[str]) -> None:
    for chunk in trig_chunks(graph_blocks(kg)):
        fh.write(chunk)


# A subject block of kg's TriG: its first line at a 4-space indent, its other lines at 8 (literals
# never hold a raw line break: term() escapes them).
_TRIG_BLOCK = re.compile(rb"^    (?! )([^\n]*\n(?:        [^\n]*\n)*)", re.M)
# How an entity IRI starts when term() writes it: a prefix whose namespace lies inside the
# entities' namespace, or the full IRI in angle brackets.
_ENTITY_TOKENS = tuple(f"{p}:".encode() for p, ns in PREFIXES.items() if str(ns).startswith(ENTITY_NS)) + (
    b"<" + ENTITY_NS.encode(),)


def trig_block_cut(data: bytes) -> int:
    """Offset in ``data`` (a piece of kg's TriG text) of the last subject block that starts
    after offset 0, or 0: what comes before it holds whole blocks only."""
    i = len(data)
    while True:
        i = data.rfind(b"\n    ", 0, i)
        if i < 0:
            return 0
        nxt = data[i + 5 : i + 6]
        if nxt and nxt not in (b" ", b"\n"):
            return i + 1


def _trig_to_turtle_blocks(data: bytes) -> bytes:
    out = []
    for m in _TRIG_BLOCK.finditer(data):
        block = m.group(1)
        if not block.startswith(_ENTITY_TOKENS):
            out.append(block.replace(b"\n        ", b"\n    "))
            out.append(b"\n")
    return b"".join(out)


def turtle_from_trig(kg: KnowledgeGraph, trig: str | Path, *, piece: int = 1 << 22) -> Iterator[str | bytes]:
    """The chunks of ``turtle_chunks(union_blocks(kg))`` (the same bytes), given ``trig``, a file
    holding ``trig_chunks(graph_blocks(kg))``: only the entities' blocks are rendered; every other
    block is the TriG's, read in pieces of about ``piece`` bytes and unindented."""
    yield from union_entity_chunks(kg)
    carry = b""
    with open(trig, "rb") as fh:
        while True:
            data = fh.read(piece)
            if not data:
                break
            data = carry + data
            cut = trig_block_cut(data)  # the last block may continue in the next piece
            carry = data[cut:]
            if cut:
                yield _trig_to_turtle_blocks(data[:cut])
    if carry:
        yield _trig_to_turtle_blocks(carry)
