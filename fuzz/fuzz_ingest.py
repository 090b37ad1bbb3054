"""Coverage-guided fuzz target for kg's ingest: arbitrary bytes through every entry point.

One input (a byte string) is fed to

* the files kg reads: it is written as ``input.txt``, ``input.md``, ``input.html``,
  ``input.jsonl``, ``input.jsonl.gz`` (raw bytes: mostly "not gzip") and ``packed.jsonl.gz``
  (the bytes gzip-compressed) and read with :func:`kg.ingest.iter_articles` and
  :func:`kg.ingest.read_article` — decoding (BOMs, UTF-16 sniffing, declared charsets,
  cp1252), the binary-file check, the plain-text line classifier, Markdown, HTML (trafilatura
  and the lxml fallback), JSON Lines (line by line, gzip);
* the text-level entry points, with the bytes read as arbitrary code points (lone
  surrogates included, as JSON ``\\ud800`` escapes give): :func:`~kg.ingest.decode_bytes`,
  :func:`~kg.ingest.normalize_text`, :func:`~kg.ingest.clean_plain_text`,
  :func:`~kg.ingest.article_from_text`, :func:`~kg.ingest.article_from_markdown`,
  :func:`~kg.ingest.article_from_html`.

The contract checked (anything else is a crash the fuzzer reports):

* ``iter_articles`` never raises; the other entry points raise only
  :class:`kg.errors.KgError` (in practice :class:`~kg.errors.IngestError`);
* every :class:`~kg.model.Problem` is one line and names the input file;
* every :class:`~kg.model.Article` has normalised text (:func:`check_article`).

Bugs already reported (each with a strict ``xfail`` reproducer in ``tests/test_fuzz.py``) are
listed in :data:`KNOWN_BUGS` and not reported again, so that a run keeps looking for new
ones; ``KG_FUZZ_STRICT=1`` reports them too. Remove an entry when its bug is fixed.

Run it (see ``fuzz/README.md``)::

    python fuzz/fuzz_ingest.py -atheris_runs=100000            # seeds in a temporary corpus
    python fuzz/fuzz_ingest.py -max_total_time=3600 my_corpus/  # keep what it finds

The module is importable: :func:`test_one_input` runs one input without starting the fuzzer
(``tests/test_fuzz.py`` replays the seeds with it).
"""

from __future__ import annotations

import codecs
import gzip
import os
import sys
import traceback
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import atheris

# Fuzz the checkout this file lives in (a script's sys.path starts with its own directory).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from fuzz.scratch import scratch_dir  # noqa: E402

# Only kg's own modules are instrumented: coverage of kg's branches is what guides the search.
with atheris.instrument_imports(include=["kg"]):
    import kg.ingest as ingest
    from kg.errors import KgError
    from kg.model import Article, Problem

__all__ = ["SEEDS", "KNOWN_BUGS", "KnownBug", "check_article", "check_problem", "test_one_input", "run_one_input", "main"]


@dataclass(frozen=True)
class KnownBug:
    """A reported crash: an exception type, a piece of its message, and the kg function raising it."""

    name: str
    exception: type[BaseException]
    message: str
    function: str

    def matches(self, exc: BaseException) -> bool:
        """True when ``exc`` is this bug (type, message and a frame of ``function`` all match)."""
        if not isinstance(exc, self.exception) or self.message not in str(exc):
            return False
        return any(frame.name == self.function for frame in traceback.extract_tb(exc.__traceback__))


#: Crashes reported with a strict xfail test (tests/test_fuzz.py); see the module docstring.
KNOWN_BUGS: tuple[KnownBug, ...] = ()  # the two crashes found so far are fixed (reproducers in tests/data/hardening)

#: Starting points for the search: one of each kind of input kg meets.
SEEDS: tuple[bytes, ...] = (
    b"",
    b"Bridge Opens\n\nThe new bridge opened to cars on Sunday morning, the council said.\n",
    "Home \u00bb Local \u00bb Ferry Returns\nFerry Returns\nShare on Facebook\nThe island ferry sailed again on "
    "Monday after four days in port, the operator said.\nAdvertisement\nLeave a Comment\n".encode("utf-8"),
    b"---\ntitle: Pier Reopens\ndate: 2024-05-01\n---\n# Pier Reopens\n\nThe *pier* [reopened](http://x.example) "
    b"today.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    b"<html><head><title>Lighthouse Sold | Daily</title><meta charset='iso-8859-1'></head><body><nav>Home</nav>"
    b"<h1>Lighthouse Sold</h1><p>The old lighthouse was sold at auction for \xa3300,000 on Saturday.</p>"
    b"<script>var x = '</p>';</script></body></html>",
    b'{"id": "a1", "title": "T", "text": "The union signed the agreement on Friday.", "url": "https://x.org"}\n'
    b'{bad json\n[1, 2]\n{"id": 3, "html": "<p>Acme sued Globex over the patent last week.</p>"}\n'
    b'{"text": "\\ud800 lone surrogate and \\u200b zero width"}\n',
    codecs.BOM_UTF16_LE + "Na\u00efve Plan\n\nThe plan was approved.".encode("utf-16-le"),
    codecs.BOM_UTF8 + "\u05e9\u05dc\u05d5\u05dd \u200f\u202eevil\u202c text\r\nwith CRLF\r\n".encode("utf-8"),
    "Caf\u00e9 au lait\n\nLe caf\u00e9 a rouvert lundi.".encode("latin-1"),
    b"<div>" * 300 + b"<p>Deep text inside many divs.</p>",
    bytes(range(256)),
)


# Input files are rewritten for every run: keep them in memory (tmpfs) when the system has one.
_SHM = Path("/dev/shm")
_WORK = scratch_dir("ingest", _SHM if _SHM.is_dir() and os.access(_SHM, os.W_OK) else None)
_FILES = ("input.txt", "input.md", "input.html", "input.jsonl", "input.jsonl.gz")
_CONTROL = {chr(c) for c in range(0x20) if c != 0x0A} | {chr(c) for c in range(0x7F, 0xA0)}
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _check_line(value: str | None, what: str) -> None:
    if value is None:
        return
    assert value, f"{what} is an empty string (should be None)"
    assert "\n" not in value and "\r" not in value, f"{what} spans lines: {value!r}"
    _check_chars(value, what)


def _check_chars(value: str, what: str) -> None:
    bad = next((c for c in value if c in _CONTROL or c in _INVISIBLE or "\ud800" <= c <= "\udfff"), None)
    assert bad is None, f"{what} keeps character U+{ord(bad or ' '):04X}: {value[:200]!r}"
    assert unicodedata.is_normalized("NFC", value), f"{what} is not NFC: {value[:200]!r}"


def check_article(article: Article) -> None:
    """Assert what :func:`kg.ingest.normalize_text` promises holds for an ingested article.

    Parameters
    ----------
    article
        An article returned by any ingest entry point.

    Raises
    ------
    AssertionError
        When the body is empty or unstripped, keeps a control, zero-width or lone-surrogate
        character or ``\\r``, is not NFC, has more than one blank line between paragraphs, or
        when a metadata field (title, url, date, author) is empty or spans lines.
    """
    text = article.text
    assert isinstance(text, str) and text, "article with an empty body"
    assert text == text.strip(), f"body not stripped: {text[:80]!r}...{text[-80:]!r}"
    assert "\n\n\n" not in text, "more than one blank line between paragraphs"
    _check_chars(text, "body")
    for line in text.split("\n"):
        assert line == line.strip(" "), f"line not stripped: {line[:200]!r}"
    for field in ("title", "url", "date", "author"):
        _check_line(getattr(article, field), field)
    assert article.id, "article without an id"


def check_problem(problem: Problem, source: Path | None = None) -> None:
    """Assert a reported problem is one line and names its file.

    Parameters
    ----------
    problem
        A problem passed to ``on_problem``.
    source
        The file it must name (its ``source`` is the path, or ``path:line``).
    """
    text = str(problem)
    assert "\n" not in text and "\r" not in text, f"problem message spans lines: {text!r}"
    assert problem.message.strip(), f"problem without a message: {text!r}"
    if source is not None:
        assert problem.source == str(source) or problem.source.startswith(f"{source}:"), \
            f"problem does not name {source}: {text!r}"


def _files(data: bytes) -> list[Path]:
    paths = []
    for name in _FILES:
        path = _WORK / name
        path.write_bytes(data)
        paths.append(path)
    packed = _WORK / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
    paths.append(packed)
    return paths


def test_one_input(data: bytes) -> None:
    """Run one fuzz input through every entry point; known bugs pass unless ``KG_FUZZ_STRICT=1``.

    Parameters
    ----------
    data
        Arbitrary bytes.
    """
    try:
        run_one_input(data)
    except Exception as exc:
        if os.environ.get("KG_FUZZ_STRICT") != "1" and any(bug.matches(exc) for bug in KNOWN_BUGS):
            return
        raise


def run_one_input(data: bytes) -> None:
    """Run one fuzz input through every ingest entry point and check the contract.

    Parameters
    ----------
    data
        Arbitrary bytes.

    Raises
    ------
    AssertionError
        When an article or a problem breaks the contract (see the module docstring).
    Exception
        Any exception other than :class:`kg.errors.KgError` escaping an entry point.
    """
    # files: every reader, through the public streaming API and the one-file API
    for path in _files(data):
        for article in ingest.iter_articles([path], on_problem=lambda p, s=path: check_problem(p, s)):
            check_article(article)
        if path.name.endswith((".jsonl", ".jsonl.gz")):  # read_article's own path (exactly one record)
            try:
                check_article(ingest.read_article(path, on_problem=lambda p, s=path: check_problem(p, s)))
            except KgError as exc:
                assert "\n" not in str(exc), f"error message spans lines: {exc}"

    # text-level entry points on arbitrary code points
    fdp = atheris.FuzzedDataProvider(data)
    as_html = fdp.ConsumeBool()
    text = fdp.ConsumeUnicode(len(data))
    try:
        decoded, warning = ingest.decode_bytes(data, source="bytes", html=as_html)
        assert isinstance(decoded, str)
        if warning is not None:
            check_problem(warning)
    except KgError:
        pass
    normalised = ingest.normalize_text(text)
    assert ingest.normalize_text(normalised) == normalised, "normalize_text is not idempotent"
    if normalised:
        _check_chars(normalised.replace("\n", " "), "normalised text")
    body, title = ingest.clean_plain_text(text)
    _check_line(title, "detected headline")
    for make in (ingest.article_from_text, ingest.article_from_markdown, ingest.article_from_html):
        try:
            check_article(make(text, source="fuzz.txt", id="fuzz"))
        except KgError as exc:
            assert "\n" not in str(exc), f"error message spans lines: {exc}"


def main(argv: list[str] | None = None) -> None:
    """Start the fuzzer; libFuzzer/atheris flags and corpus directories come from ``argv``.

    Without a corpus directory the seeds are written to a temporary one; an empty corpus
    directory given on the command line is filled with the seeds first.
    """
    argv = list(sys.argv if argv is None else argv)
    corpora = [Path(a) for a in argv[1:] if not a.startswith("-")]
    if not corpora:
        tmp = scratch_dir("ingest-corpus")
        corpora = [tmp]
        argv.append(str(tmp))
    for corpus in corpora:
        corpus.mkdir(parents=True, exist_ok=True)
        if not any(corpus.iterdir()):
            for i, seed in enumerate(SEEDS):
                (corpus / f"seed-{i:02d}").write_bytes(seed)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
