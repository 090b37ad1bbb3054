"""Coverage-guided fuzz target for kg's NLP and extraction on tiny texts, with the real model.

One input (bytes, read as UTF-8 with replacement, cut to :data:`MAX_CHARS` characters) is
normalised as ingest does (:func:`kg.ingest.normalize_text`), parsed by the trained spaCy
pipeline (:func:`kg.nlp.load_model`, through :func:`kg.nlp.text_for_parsing` exactly as the
build does) and extracted with :func:`kg.extract.extract_article`; the extraction is then
resolved (:func:`kg.resolve.resolve`) and turned into RDF quads (:func:`kg.rdf.quads`). When
the raw text differs from its normalised form, the raw text is extracted too (the library
API accepts any text).

The contract checked (anything else is a crash the fuzzer reports):

* nothing raises;
* every sentence's and mention's offsets lie inside the text (``0 <= start < end <= len``),
  a sentence's ``text`` is exactly its slice of the text, a mention's ``text`` is its slice
  (whitespace collapsed and quotes trimmed, :func:`kg.extract.mentions.span_text`);
* antecedents and relation arguments index existing mentions, antecedent chains end,
  relation sentences are among the extraction's sentences, confidences lie in [0, 1];
* evidence offsets of the resolved graph point at their sentence in the article text, and
  every IRI of the RDF is accepted by Oxigraph (:class:`pyoxigraph.NamedNode`).

Run it (see ``fuzz/README.md``)::

    python fuzz/fuzz_extract.py -atheris_runs=2000
    python fuzz/fuzz_extract.py -max_total_time=3600 my_extract_corpus/

The module is importable (the model loads on the first call of :func:`test_one_input`).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import atheris

# Fuzz the checkout this file lives in (a script's sys.path starts with its own directory).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from fuzz.scratch import scratch_dir  # noqa: E402

# Only kg's own modules are instrumented (spaCy's would slow every run for no guidance).
with atheris.instrument_imports(include=["kg"]):
    from kg.extract import extract_article
    from kg.extract.mentions import span_text
    from kg.ingest import normalize_text
    from kg.model import Article, ArticleExtraction
    from kg.nlp import load_model, text_for_parsing
    from kg.rdf import quads
    from kg.resolve import resolve

import pyoxigraph
from rdflib import URIRef

__all__ = ["MAX_CHARS", "SEEDS", "check_extraction", "check_graph", "test_one_input", "main"]

MAX_CHARS = 400
"""Longest text extracted per run: tiny texts keep the parse to a few milliseconds."""

#: Sentences that exercise the extraction rules (kept short; the fuzzer mutates them).
SEEDS: tuple[bytes, ...] = (
    b"The union signed the agreement.",
    b"Acme Corp. (AC) sued Globex on Monday. It said the studio had copied its scripts.",
    b"An open letter, signed by more than 300 musicians including Elena Vasquez, urged lawmakers to act.",
    b"Jane Doe, the actor, did not sign the pledge, but she could sue the studio.",
    b"Studio Bans Cloning\n\nThe guild argued that such use falls under fair use.",
    b"Director John Smith's film, produced by Initech, was praised by critics and the Writers Guild.",
    b"LOS ANGELES, March 4 (Reuters) - Companies like Acme and Globex joined the campaign.",
    "Caf\u00e9 M\u00fcller thanked \u00c9lodie \u2014 \u05e9\u05dc\u05d5\u05dd \u200b\u202e the mayor.".encode("utf-8"),
    b"Who sued whom?  \"Acme\"\t sued\r\n\"Globex\"!!",
)


@cache
def _nlp():
    return load_model()


def _check_span(start: int, end: int, size: int, what: str) -> None:
    assert isinstance(start, int) and isinstance(end, int), f"{what}: offsets are not integers"
    assert 0 <= start < end <= size, f"{what}: offsets {start}..{end} outside the text (length {size})"


def check_extraction(ex: ArticleExtraction, text: str) -> None:
    """Assert the offsets and indices of one extraction are consistent with ``text``.

    Parameters
    ----------
    ex
        What :func:`kg.extract.extract_article` returned for ``text``.
    text
        The article text the Doc was parsed from.

    Raises
    ------
    AssertionError
        Naming the first inconsistent sentence, mention or relation.
    """
    size = len(text)
    sentence_ids = set()
    for s in ex.sentences:
        _check_span(s.start, s.end, size, f"sentence {s.index}")
        assert s.text == text[s.start:s.end], f"sentence {s.index} text {s.text!r} is not its slice"
        sentence_ids.add(s.index)
    n = len(ex.mentions)
    for i, m in enumerate(ex.mentions):
        _check_span(m.start, m.end, size, f"mention {i} {m.text!r}")
        assert m.text in (span_text(text, m.start, m.end), text[m.start:m.end]), \
            f"mention {i} text {m.text!r} is not its slice {text[m.start:m.end]!r}"
        assert m.sentence >= 0, f"mention {i}: negative sentence index"
        seen = {i}
        ant = m.antecedent
        while ant is not None:
            assert 0 <= ant < n, f"mention {i}: antecedent {ant} out of range ({n} mentions)"
            assert ant not in seen, f"mention {i}: antecedent chain loops"
            seen.add(ant)
            ant = ex.mentions[ant].antecedent
    for r in ex.relations:
        assert 0 <= r.subject < n and 0 <= r.object < n, f"relation {r}: argument out of range ({n} mentions)"
        assert r.subject != r.object, f"relation {r}: subject is its object"
        assert r.sentence in sentence_ids, f"relation {r}: sentence {r.sentence} not kept"
        assert 0.0 <= r.confidence <= 1.0, f"relation {r}: confidence out of [0, 1]"


def check_graph(ex: ArticleExtraction, text: str) -> None:
    """Resolve one extraction and assert its evidence and IRIs are sound.

    Parameters
    ----------
    ex
        An extraction of ``text``.
    text
        The article text.

    Raises
    ------
    AssertionError
        When an evidence record's offsets do not select its sentence, or a confidence is
        outside [0, 1].
    ValueError
        From :class:`pyoxigraph.NamedNode` when an IRI is invalid.
    """
    kg = resolve([ex])
    for fact in kg.facts:
        assert 0.0 <= fact.confidence <= 1.0, f"fact confidence {fact.confidence} out of [0, 1]"
        for ev in fact.evidence:
            assert text[ev.start:ev.end] == ev.sentence, f"evidence {ev.start}..{ev.end} is not {ev.sentence!r}"
    for quad in quads(kg):
        for term in quad:
            if isinstance(term, URIRef):
                pyoxigraph.NamedNode(str(term))


def test_one_input(data: bytes) -> None:
    """Extract the text of one fuzz input and check the result.

    Parameters
    ----------
    data
        Arbitrary bytes; decoded as UTF-8 (invalid bytes replaced), at most
        :data:`MAX_CHARS` characters used.
    """
    raw = data.decode("utf-8", "replace")[:MAX_CHARS]
    nlp = _nlp()
    normalised = normalize_text(raw)
    for text in dict.fromkeys((normalised, raw)):  # both, once each when they are equal
        ex = extract_article(nlp(text_for_parsing(text)), Article(id="fuzz", text=text))
        check_extraction(ex, text)
        check_graph(ex, text)


def main(argv: list[str] | None = None) -> None:
    """Start the fuzzer; libFuzzer/atheris flags and corpus directories come from ``argv``.

    Without a corpus directory the seeds are written to a temporary one; an empty corpus
    directory given on the command line is filled with the seeds first. The model is loaded
    before fuzzing starts, so its load time is not counted against the first input.
    """
    argv = list(sys.argv if argv is None else argv)
    corpora = [Path(a) for a in argv[1:] if not a.startswith("-")]
    if not corpora:
        tmp = scratch_dir("extract-corpus")
        corpora = [tmp]
        argv.append(str(tmp))
    for corpus in corpora:
        corpus.mkdir(parents=True, exist_ok=True)
        if not any(corpus.iterdir()):
            for i, seed in enumerate(SEEDS):
                (corpus / f"seed-{i:02d}").write_bytes(seed)
    _nlp()
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
