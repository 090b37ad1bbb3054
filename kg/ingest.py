"""Ingest: turn input paths into :class:`~kg.model.Article` records.

Path → bytes → text (decoded, normalised) → body text without site chrome → ``Article``.

Supported inputs are ``.txt``, ``.md``, ``.html``/``.htm``, ``.jsonl`` and ``.jsonl.gz`` (one JSON
object per line: ``{"id", "title", "text" | "html", "url", "date", "author"}``). Everything is
streamed: directories are walked lazily, JSON Lines files are read line by line, and one
article at a time is held in memory.

A bad file (or a bad JSON line) never stops a run: it becomes one :class:`~kg.model.Problem`
passed to ``on_problem``, and every good article still comes through. Recoverable oddities
(a file that is not UTF-8, a metadata field of the wrong type) are reported as
``Problem(..., fatal=False)`` and the article is kept.

Site chrome (breadcrumbs, login prompts, cookie and newsletter notices, share bars, related
links, photo credits, author boxes, comment forms...) is removed by a line classifier whose
patterns are data: ``ontology/boilerplate*.jsonl`` (see :func:`load_boilerplate_rules`). The
classifier combines those patterns with the structure of the page: where the body starts and
ends, which short lines sit next to chrome, and which line is the headline. The headline is
kept as the first paragraph of ``Article.text`` for every format, because it states facts.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import html as html_lib
import io
import json
import os
import re
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any, Literal

from kg.errors import IngestError, RuleError
from kg.model import Article, Problem

__all__ = [
    "SUPPORTED_SUFFIXES",
    "BOILERPLATE_DIR",
    "RULE_KINDS",
    "BoilerplateRule",
    "BoilerplateRules",
    "load_boilerplate_rules",
    "iter_articles",
    "read_article",
    "article_from_html",
    "article_from_markdown",
    "article_from_text",
    "ingest_version",
    "raw_key",
    "reusing_cleaned",
    "CleanedBefore",
    "clean_plain_text",
    "decode_bytes",
    "normalize_text",
    "markdown_to_text",
]

ProblemHandler = Callable[[Problem], None]

#: File name endings kg reads (matched case-insensitively).
SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")

#: Where ``boilerplate*.jsonl`` rule files live.
BOILERPLATE_DIR = Path(__file__).resolve().parent.parent / "ontology"

RuleKind = Literal["line", "weak", "block-start", "tail", "breadcrumb"]
#: What a boilerplate rule's match means (see :func:`load_boilerplate_rules`).
RULE_KINDS: tuple[str, ...] = ("line", "weak", "block-start", "tail", "breadcrumb")

_RULE_KEYS_REQUIRED = ("id", "pattern", "kind")
_RULE_KEYS_OPTIONAL = ("comment", "ignore_case", "max_words", "max_after_words", "drops_adjacent_name")

# Lines longer than this are never matched against rules: chrome is short, and this keeps the
# classifier linear on pathological input (one 5 MB line).
_MAX_RULE_LINE = 2000
_BINARY_SAMPLE = 65536


def _ignore(_: Problem) -> None:
    """Default problem handler: drop the problem."""


# ---------------------------------------------------------------------------------------------
# Boilerplate rules (data: ontology/boilerplate*.jsonl)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    """One pattern of the boilerplate classifier, as read from a rule file.

    ``pattern`` is searched (``re.search``) in one stripped line; ``max_words`` skips lines
    with more words; a named group ``author`` captures the article's author (bylines).
    """

    id: str
    kind: RuleKind
    pattern: re.Pattern[str]
    comment: str = ""
    max_words: int | None = None
    max_after_words: int | None = None
    drops_adjacent_name: bool = False
    origin: str = ""  # "file:line"


@dataclass(frozen=True, slots=True)
class BoilerplateRules:
    """A validated, ordered rule set: the first matching rule wins, ``weak`` rules are tried last.

    Examples
    --------
    >>> rules = load_boilerplate_rules()
    >>> rules.match("Share on Facebook")[0].kind
    'line'
    >>> rules.match("The council approved the plan on Tuesday.") is None
    True
    """

    rules: tuple[BoilerplateRule, ...]

    def match(self, line: str) -> tuple[BoilerplateRule, re.Match[str]] | None:
        """The first rule matching ``line`` (stripped) and its match, or ``None``."""
        if not line or len(line) > _MAX_RULE_LINE:
            return None
        words = len(line.split())
        for rule in self.rules:
            if rule.max_words is not None and words > rule.max_words:
                continue
            m = rule.pattern.search(line)
            if m is not None:
                return rule, m
        return None


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def _parse_rule(obj: Any, origin: str, seen: set[str]) -> BoilerplateRule:
    if not isinstance(obj, dict):
        raise RuleError(f"{origin}: expected a JSON object, got {type(obj).__name__}")
    for key in _RULE_KEYS_REQUIRED:
        if key not in obj:
            raise RuleError(f"{origin}: missing key {key!r}")
    unknown = sorted(set(obj) - set(_RULE_KEYS_REQUIRED) - set(_RULE_KEYS_OPTIONAL))
    if unknown:
        raise RuleError(f"{origin}: unknown key {unknown[0]!r} (allowed: "
                        f"{', '.join(_RULE_KEYS_REQUIRED + _RULE_KEYS_OPTIONAL)})")
    rule_id, pattern, kind = obj["id"], obj["pattern"], obj["kind"]
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleError(f"{origin}: 'id' must be a non-empty string")
    if rule_id in seen:
        raise RuleError(f"{origin}: duplicate rule id {rule_id!r}")
    if kind not in RULE_KINDS:
        raise RuleError(f"{origin}: rule {rule_id!r} has unknown kind {kind!r} (expected one of {', '.join(RULE_KINDS)})")
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{origin}: rule {rule_id!r}: 'pattern' must be a non-empty string")
    if _BACKREF.search(pattern):
        raise RuleError(f"{origin}: rule {rule_id!r}: back-references are not allowed in patterns")
    ignore_case = obj.get("ignore_case", True)
    if not isinstance(ignore_case, bool):
        raise RuleError(f"{origin}: rule {rule_id!r}: 'ignore_case' must be true or false")
    try:
        compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise RuleError(f"{origin}: rule {rule_id!r}: invalid regex ({exc})") from None
    bad_groups = set(compiled.groupindex) - {"author"}
    if bad_groups:
        raise RuleError(f"{origin}: rule {rule_id!r}: only the named group 'author' is allowed")
    limits: dict[str, int | None] = {}
    for key in ("max_words", "max_after_words"):
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise RuleError(f"{origin}: rule {rule_id!r}: {key!r} must be a positive integer")
        limits[key] = value
    drops = obj.get("drops_adjacent_name", False)
    if not isinstance(drops, bool):
        raise RuleError(f"{origin}: rule {rule_id!r}: 'drops_adjacent_name' must be true or false")
    comment = obj.get("comment", "")
    if not isinstance(comment, str):
        raise RuleError(f"{origin}: rule {rule_id!r}: 'comment' must be a string")
    seen.add(rule_id)
    return BoilerplateRule(rule_id, kind, compiled, comment, limits["max_words"], limits["max_after_words"],
                           drops, origin)


def _read_rule_file(path: Path, seen: set[str]) -> list[BoilerplateRule]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc})") from None
    rules = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        origin = f"{path}:{number}"
        try:
            obj = json.loads(raw)
        except ValueError as exc:
            raise RuleError(f"{origin}: invalid JSON ({getattr(exc, 'msg', exc)})") from None
        rules.append(_parse_rule(obj, origin, seen))
    return rules


def load_boilerplate_rules(paths: Iterable[str | Path] | str | Path | None = None) -> BoilerplateRules:
    """Load and validate boilerplate rules (cached per set of files).

    A rule file holds one JSON object per line::

        {"id": "social-share", "kind": "line", "pattern": "^share (on|via) \\\\w+$",
         "max_words": 12, "comment": "share bar buttons"}

    Keys: ``id`` (unique), ``pattern`` (Python regex searched in one stripped line,
    case-insensitive unless ``"ignore_case": false``; the named group ``author`` may capture
    a byline's author; no back-references), ``kind``, and optional ``max_words`` (skip longer
    lines), ``max_after_words`` (``tail`` only: at most this many body words may follow),
    ``drops_adjacent_name`` (a lone person-name line next to the match is chrome too),
    ``comment``. Blank lines and lines starting with ``//`` are ignored. Kinds:

    - ``line``: the line is chrome wherever it is.
    - ``weak``: chrome only before the body starts, after it ends, or in the same block (no
      blank line between) as other chrome; wording that an article could also use.
    - ``block-start``: a heading that starts a chrome block inside the page (``Related
      articles``): the line and the non-sentence lines under it, up to the next prose line.
    - ``tail``: starts trailing chrome (author box, comments): the line and everything after
      it, if it stands after the bulk of the body; otherwise like ``block-start``.
    - ``breadcrumb``: chrome whose last segment may repeat the headline (used to find it).

    Parameters
    ----------
    paths
        Rule files; default: every ``ontology/boilerplate*.jsonl`` in sorted order.

    Raises
    ------
    RuleError
        Naming the file and line of a malformed rule.

    Examples
    --------
    >>> rules = load_boilerplate_rules()
    >>> sorted({r.kind for r in rules.rules}) == sorted(RULE_KINDS)
    True
    """
    if paths is None:
        files = tuple(sorted(BOILERPLATE_DIR.glob("boilerplate*.jsonl")))
    elif isinstance(paths, (str, os.PathLike)):
        files = (Path(paths),)
    else:
        files = tuple(Path(p) for p in paths)
    return _load_rules_cached(tuple(str(f) for f in files))


@cache
def _load_rules_cached(files: tuple[str, ...]) -> BoilerplateRules:
    seen: set[str] = set()
    rules: list[BoilerplateRule] = []
    for name in files:
        rules.extend(_read_rule_file(Path(name), seen))
    rules.sort(key=lambda r: r.kind == "weak")  # stable: file order, weak rules last
    return BoilerplateRules(tuple(rules))


# ---------------------------------------------------------------------------------------------
# Decoding and normalisation
# ---------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 11, 12, 13} | {127}))


def _latin1_for_undefined(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Decode the five bytes cp1252 leaves undefined as Latin-1 (C1 controls, removed later)."""
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("kg-latin1", _latin1_for_undefined)


def _binary_reason(sample: bytes) -> str | None:
    """Why ``sample`` (the start of a file, BOM already handled) is not text, or ``None``."""
    if not sample:
        return None
    if b"\x00" in sample:
        return "binary file (NUL bytes), not text"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls >= 8 and controls / len(sample) > 0.05:
        return "binary file (control characters), not text"
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NUL bytes sit at every other position (ASCII-range UTF-16)."""
    half = len(sample) // 2
    if half < 2:
        return None
    nul_even = sample[0::2].count(0)
    nul_odd = sample[1::2].count(0)
    if nul_odd > 0.4 * half and nul_even < 0.02 * half:
        return "utf-16-le"
    if nul_even > 0.4 * half and nul_odd < 0.02 * half:
        return "utf-16-be"
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""", re.I)


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if m is None:
        return None
    name = m.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # Browsers read Latin-1 and ASCII declarations as windows-1252 (the WHATWG encoding spec).
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def decode_bytes(data: bytes, *, source: str = "<bytes>", html: bool = False) -> tuple[str, Problem | None]:
    """Decode the bytes of a text file.

    Order: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32), UTF-16 without BOM (NUL bytes at
    every other position), strict UTF-8, the charset an HTML/XML file declares, then
    cp1252 (Latin-1 for its five undefined bytes) with a warning.

    Returns
    -------
    (text, warning)
        ``warning`` is a non-fatal :class:`Problem` when the text was not UTF-8 and was read
        as cp1252, else ``None``.

    Raises
    ------
    IngestError
        For binary data (NUL bytes, many control characters).

    Examples
    --------
    >>> decode_bytes("café".encode("utf-16"))
    ('café', None)
    >>> text, warning = decode_bytes("café".encode("latin-1"), source="x.txt")
    >>> text, warning.fatal
    ('café', False)
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), None
            except UnicodeDecodeError as exc:
                raise IngestError(source, f"invalid {codec.upper()} text after its byte-order mark ({exc.reason} at byte {exc.start + len(bom)})") from None
    sample = data[:_BINARY_SAMPLE]
    if b"\x00" in sample:
        codec = _utf16_without_bom(sample)
        if codec is not None:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                text = ""
            if text and _binary_reason(text[:_BINARY_SAMPLE].encode("utf-8", "replace")) is None:
                return text, None
    reason = _binary_reason(sample)
    if reason is not None:
        raise IngestError(source, reason)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_bad = exc
    if html:
        declared = _declared_charset(data)
        if declared and declared not in ("utf-8", "cp1252"):
            try:
                return data.decode(declared), None
            except (UnicodeDecodeError, LookupError):
                pass
    text = data.decode("cp1252", errors="kg-latin1")
    bad = data[first_bad.start]
    return text, Problem(source, f"not valid UTF-8 (byte 0x{bad:02x} at offset {first_bad.start}); read as cp1252/Latin-1", fatal=False)


_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# zero-width space/non-joiner/joiner, word joiner, BOM (zero-width no-break space), soft hyphen
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]+")
# C0 controls except \t and \n, DEL, C1 controls; lone surrogates (from JSON escapes)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# whitespace runs other than newline that need rewriting: 2+ characters, or one that is not a
# plain space (tab, NBSP, thin space...). Single spaces are not matched, so re.sub does not
# build a fragment per word on large files.
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_LINE_EDGES = re.compile(r" \n ?|\n ")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Normalise text the same way for every input format.

    Newlines become ``\\n``; zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and soft
    hyphens are removed; control characters other than ``\\n`` and ``\\t`` are removed; runs of
    spaces and tabs (including no-break and other Unicode spaces) become one space; lines are
    stripped; paragraph breaks become exactly one blank line; the result is NFC. Right-to-left
    text and bidi marks (U+200E/F) are left intact.

    Examples
    --------
    >>> normalize_text("  Caf\\u0065\\u0301\\u200b  au\\tlait \\r\\n\\r\\n\\r\\n\\x07Fin ")
    'Café au lait\\n\\nFin'
    >>> normalize_text("שלום  עולם")
    'שלום עולם'
    """
    text = _NEWLINES.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    text = _SPACES.sub(" ", text)
    text = _LINE_EDGES.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


# ---------------------------------------------------------------------------------------------
# The line classifier
# ---------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_NAME_PARTICLES = frozenset({"de", "da", "di", "du", "van", "von", "der", "den", "del", "la", "le", "bin", "al", "y", "dos"})
_NAME_TOKEN = re.compile(r"^[^\W\d_][\w'’.-]*$")
_BREADCRUMB_SPLIT = re.compile(r"\s*[»›>|]\s*|\s+[/:]\s+")


def _words(line: str) -> int:
    # Long lines are body text whatever their exact count; do not split megabytes.
    return 10_000 if len(line) > _MAX_RULE_LINE else len(line.split())


def _ends_sentence(line: str) -> bool:
    return _SENTENCE_END.search(line[-8:]) is not None


def _is_prose(line: str) -> bool:
    """A line that reads as article prose: a longish sentence (or a very long line)."""
    n = _words(line)
    return n >= 30 or (n >= 10 and _ends_sentence(line))


def _is_sentence(line: str) -> bool:
    """A line that ends a chrome block: a real sentence, not a link title or a label."""
    n = _words(line)
    return n >= 25 or (n >= 6 and _ends_sentence(line))


def _is_short_label(line: str, max_words: int = 6) -> bool:
    return _words(line) <= max_words and not _ends_sentence(line)


def _is_name_like(line: str) -> bool:
    """A lone person name: 1–4 capitalised tokens (particles allowed), no digits, no sentence."""
    if len(line) > 50:
        return False
    tokens = line.split()
    if not 1 <= len(tokens) <= 4:
        return False
    capitalised = 0
    for tok in tokens:
        if tok in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.match(tok) or not tok[0].isupper():
            return False
        capitalised += 1
    return capitalised >= 1 and not line.endswith((".", "!", "?", ":", ","))


_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_ROLE_WORD = re.compile(r"\b(?:correspondent|reporter|editor|writer|columnist|contributor|journalist|staff|critic|"
                        r"producer|analyst|photographer|desk|team|bureau|chief|senior|deputy)s?\b", re.I)


def _author_names(captured: str) -> str | None:
    """``Jane Doe, Staff Writer`` → ``Jane Doe``; ``A, B and C`` → ``A, B, C``."""
    names = [p for p in _AUTHOR_SPLIT.split(captured.strip()) if p and not _ROLE_WORD.search(p)]
    return ", ".join(names) or None


@dataclass(frozen=True, slots=True)
class _Cleaned:
    text: str
    title: str | None
    author: str | None


def _same_text(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"[\W_]+", " ", s.casefold()).strip()

    if not a or not b or len(a) > _MAX_RULE_LINE or len(b) > _MAX_RULE_LINE:
        return False  # headlines are short: never casefold a multi-megabyte line to compare it
    return key(a) == key(b)


def _classify(lines: list[str], rules: BoilerplateRules, title_hint: str | None = None) -> _Cleaned:
    """Split the lines of normalised text into body paragraphs and chrome; find the headline.

    Takes the lines (not the text) so that callers can drop the text first: on a 100 MB
    input that saves a copy.

    Pattern rules mark chrome lines; structure does the rest. Body lines (prose no rule
    matched) delimit header / body / footer; ``tail`` and ``block-start`` rules grow into the
    lines they own. Then, repeated until nothing changes: ``weak`` matches become chrome in
    the same block as chrome, or outside the body next to chrome or the page edge; lone name
    lines next to chrome go; the headline is the line a breadcrumb (or ``title_hint``) names,
    else the first headline-shaped line before the body; short labels before it, short lines
    in the footer next to chrome, and short lines sandwiched between chrome go too.
    """
    n = len(lines)
    kinds: list[str | None] = [None] * n
    near_name = [False] * n
    author: str | None = None
    crumb: str | None = None
    tails: list[tuple[int, BoilerplateRule]] = []
    for i, line in enumerate(lines):
        hit = rules.match(line) if line else None
        if hit is None:
            continue
        rule, m = hit
        kinds[i] = rule.kind
        near_name[i] = rule.drops_adjacent_name
        if author is None and "author" in m.re.groupindex and m.group("author"):
            author = _author_names(m.group("author"))
        if rule.kind == "breadcrumb" and crumb is None:
            segments = [s for s in _BREADCRUMB_SPLIT.split(line) if s]
            if segments:
                crumb = segments[-1]
        elif rule.kind == "tail":
            tails.append((i, rule))

    # body lines: prose no rule matched; they delimit header / body / footer
    body = [i for i, line in enumerate(lines) if line and kinds[i] is None and _is_prose(line)]
    first_body = body[0] if body else n
    # cumulative prose words, to tell how much body text stands before / after a line
    cum = [0]
    for i in body:
        cum.append(cum[-1] + _words(lines[i]))

    def words_before(i: int) -> int:
        return cum[bisect_left(body, i)]

    def words_after(i: int) -> int:
        return cum[-1] - cum[bisect_right(body, i)]

    chrome = [k in ("line", "block-start", "tail", "breadcrumb") for k in kinds]

    # tail: this line and everything after it, once the bulk of the body is behind us
    for i, rule in tails:
        if i <= first_body:
            continue
        after = words_after(i)
        if after <= words_before(i) and (rule.max_after_words is None or after <= rule.max_after_words):
            for j in range(i, n):
                chrome[j] = True
            break
    # block-start (and tails that did not qualify): the heading and the link lines under it
    stop = -1
    for i in range(first_body + 1, n):
        if i > stop and kinds[i] in ("block-start", "tail") and chrome[i]:
            j = i + 1
            while j < n and not (lines[j] and kinds[j] in (None, "weak") and _is_sentence(lines[j])):
                chrome[j] = True
                j += 1
            stop = j

    prev_nb = [-1] * n  # previous non-blank line
    next_nb = [n] * n  # next non-blank line
    last = -1
    for i in range(n):
        prev_nb[i] = last
        if lines[i]:
            last = i
    last = n
    for i in range(n - 1, -1, -1):
        next_nb[i] = last
        if lines[i]:
            last = i
    hint = title_hint or crumb
    title_idx: int | None = None

    # Each structural pass can expose more chrome to the others (a weak line turning chrome
    # moves where the body starts, which moves the headline...): repeat to a fixed point.
    for _ in range(5):
        before = chrome.count(True)
        kept_body = [i for i in body if not chrome[i]]
        first_body = kept_body[0] if kept_body else n
        last_body = kept_body[-1] if kept_body else -1

        # weak: in the same block as chrome, or outside the body next to chrome or the page edge
        for order in (range(n), range(n - 1, -1, -1)):
            for i in order:
                if kinds[i] != "weak" or chrome[i]:
                    continue
                p, q = prev_nb[i], next_nb[i]
                same_block = (0 <= p == i - 1 and chrome[p]) or (q == i + 1 < n and chrome[q])
                edge = p < 0 or q >= n or chrome[p] or chrome[q]
                if same_block or ((i < first_body or i > last_body) and edge):
                    chrome[i] = True

        # lone name lines next to chrome (same block), or next to a credit / author line (any gap)
        for order in (range(n), range(n - 1, -1, -1)):
            for i in order:
                line = lines[i]
                if not line or chrome[i] or not _is_name_like(line) or (hint and _same_text(line, hint)):
                    continue
                for j in (prev_nb[i], next_nb[i]):
                    if 0 <= j < n and chrome[j] and (near_name[j] or abs(j - i) == 1):
                        chrome[i] = True
                        break

        # the headline: the one a breadcrumb (or the caller) names, else the first headline-shaped line
        title_idx = None
        candidates = [i for i in range(min(first_body, n)) if lines[i] and not chrome[i]][:15]
        if hint:
            title_idx = next((i for i in candidates if _same_text(lines[i], hint)), None)
            if title_idx is None and title_hint:
                title_idx = next((i for i in range(n) if lines[i] and not chrome[i] and _same_text(lines[i], title_hint)), None)
        if title_idx is None:
            shaped = [i for i in candidates if 2 <= _words(lines[i]) <= 40 and len(lines[i]) <= 300
                      and not lines[i].endswith((".", ":", ";", ","))]
            title_idx = next((i for i in shaped if not _is_name_like(lines[i])), shaped[0] if shaped else None)

        # short labels before the headline (kickers, section names, names)
        if title_idx is not None:
            for i in range(title_idx):
                if lines[i] and not chrome[i] and _is_short_label(lines[i]):
                    chrome[i] = True
        # footer: short lines next to chrome; elsewhere: short lines sandwiched between chrome
        for order in (range(n - 1, -1, -1), range(n)):
            for i in order:
                if not lines[i] or chrome[i] or i == title_idx or not _is_short_label(lines[i]):
                    continue
                p, q = prev_nb[i], next_nb[i]
                p_chrome = p >= 0 and chrome[p]
                q_chrome = q < n and chrome[q]
                if (i > last_body and (p_chrome or q_chrome)) or (p_chrome and (q_chrome or q >= n)):
                    chrome[i] = True
        if chrome.count(True) == before:
            break

    paragraphs: list[str] = []
    title: str | None = None
    if title_idx is not None:
        title = lines[title_idx]
        paragraphs.append(title)
    block: list[str] = []
    for i, line in enumerate(lines):
        if not line:
            if block:
                paragraphs.append("\n".join(block))
                block = []
        elif not chrome[i] and i != title_idx:
            block.append(line)
    if block:
        paragraphs.append("\n".join(block))
    return _Cleaned("\n\n".join(paragraphs), title, author)


def clean_plain_text(text: str, *, rules: BoilerplateRules | None = None) -> tuple[str, str | None]:
    """Remove site chrome from plain text and find its headline.

    The text is normalised (:func:`normalize_text`), then each line is classified by the
    boilerplate rules (:func:`load_boilerplate_rules`) and by its place in the page. The
    headline stays in the body, as its first paragraph, and is also returned as the title.

    Parameters
    ----------
    text
        A scraped page as plain text, one paragraph or item per line.
    rules
        The rule set; default :func:`load_boilerplate_rules`.

    Returns
    -------
    (body, title)
        ``body``: paragraphs separated by blank lines; ``title``: the headline or ``None``.

    Examples
    --------
    >>> page = "\\n".join([
    ...     "Home » Local » Ferry Service Resumes After Storm",
    ...     "Ferry Service Resumes After Storm",
    ...     "Share on Facebook",
    ...     "The island ferry sailed again on Monday after four days in port, the operator said.",
    ...     "Advertisement",
    ...     "Leave a Comment",
    ... ])
    >>> body, title = clean_plain_text(page)
    >>> title
    'Ferry Service Resumes After Storm'
    >>> print(body)
    Ferry Service Resumes After Storm
    <BLANKLINE>
    The island ferry sailed again on Monday after four days in port, the operator said.
    """
    cleaned = _classify(normalize_text(text).split("\n"), rules or load_boilerplate_rules())
    return cleaned.text, cleaned.title


def _with_headline(body: str, title: str | None) -> str:
    """``body`` starting with ``title`` as its own paragraph (unless one of the first three)."""
    if not title:
        return body
    start = 0
    for _ in range(3):
        end = body.find("\n\n", start)
        if _same_text(body[start:] if end < 0 else body[start:end], title):
            return body
        if end < 0:
            break
        start = end + 2
    return f"{title}\n\n{body}" if body else title


def _clean_str(value: str | None) -> str | None:
    if value is None:
        return None
    value = normalize_text(value).replace("\n", " ")
    return value or None


# ---------------------------------------------------------------------------------------------
# Cleaning done by an earlier build, reused
# ---------------------------------------------------------------------------------------------


@cache
def ingest_version() -> str:
    """A digest of what turns raw input into a cleaned article: this module's and kg.model's
    code (read through the module loader) and the default boilerplate rules."""
    from kg.cache import code_digest

    code = code_digest("kg.ingest", "kg.model")
    if code is None:  # nothing to read (a frozen install): never match an earlier build
        return os.urandom(16).hex()
    h = hashlib.sha256(code)
    # what else shapes the cleaned text: Unicode normalisation and the HTML extraction libraries
    h.update(f"{unicodedata.unidata_version} {_library_versions()}".encode())
    for rule in load_boilerplate_rules().rules:
        h.update(repr((rule.id, rule.kind, rule.pattern.pattern, rule.pattern.flags, rule.max_words,
                       rule.max_after_words, rule.drops_adjacent_name)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def _library_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("trafilatura", "lxml", "justext", "htmldate", "courlan"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=-")
    return " ".join(found)


def raw_key(text: str, *, id: str, title: str | None = None, url: str | None = None, date: str | None = None,
            author: str | None = None, kind: str = "text") -> str:
    """A digest of the input of :func:`article_from_text` (``kind="text"``) or
    :func:`article_from_html` (``"html"``) and of :func:`ingest_version`: equal keys give
    equal cleaned articles."""
    h = hashlib.blake2b(ingest_version().encode(), digest_size=20)
    for part in (kind, id, title, url, date, author, text):
        h.update(b"N" if part is None else b"S%d:" % len(part) + part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@dataclass
class CleanedBefore:
    """Input an earlier build cleaned: ``known`` maps a :func:`raw_key` to the content hash of
    the article cleaned from it (only articles whose extraction is still current). While
    :func:`reusing_cleaned` is active, :func:`article_from_text` returns, for such input, a
    text-less article with that hash instead of cleaning it again (the build only checks that
    it is unchanged), and records the key of every article it does clean in ``keys`` (article
    id → raw key) for the build to store."""

    known: Mapping[str, str]
    keys: dict[str, str] = field(default_factory=dict)


_CLEANED_BEFORE: ContextVar[CleanedBefore | None] = ContextVar("kg_cleaned_before", default=None)


def _cleaned_before(kind: str, raw: str, source: str, id: str, title: str | None, url: str | None, date: str | None,
                    author: str | None) -> tuple[Article | None, str | None]:
    """The text-less article an earlier build cleaned from this very input, if any, and the
    input's raw key (None when no build is reusing cleaning)."""
    before = _CLEANED_BEFORE.get()
    if before is None:
        return None, None
    key = raw_key(raw, id=id, title=title, url=url, date=date, author=author, kind=kind)
    digest = before.known.get(key)
    return (Article(id=id, text="", source=source, digest=digest) if digest is not None else None), key


def _cleaned_now(article: Article, key: str | None) -> Article:
    """Note the raw key of input just cleaned into ``article`` (only input that cleaned without
    error: a failed read never lends its key to a later article with the same id; the first
    article of an id keeps it, later duplicates are skipped by the build)."""
    before = _CLEANED_BEFORE.get()
    if before is not None and key is not None:
        before.keys.setdefault(article.id, key)
    return article


@contextmanager
def reusing_cleaned(known: Mapping[str, str]) -> Iterator[CleanedBefore]:
    """Reuse earlier cleaning in this context (see :class:`CleanedBefore`)."""
    state = CleanedBefore(known)
    token = _CLEANED_BEFORE.set(state)
    try:
        yield state
    finally:
        _CLEANED_BEFORE.reset(token)


def article_from_text(text: str, *, source: str, id: str, title: str | None = None, url: str | None = None,
                      date: str | None = None, author: str | None = None) -> Article:
    """An :class:`Article` from plain text (normalised and cleaned here).

    ``title`` (e.g. from a JSON record) wins over the detected headline, and is put first in
    the body if the text does not already start with it.

    Raises
    ------
    IngestError
        When no body text is left.

    Examples
    --------
    >>> a = article_from_text("Dam Repairs Finished\\n\\nThe dam reopened to traffic on Friday after two years of work.",
    ...                       source="x.txt", id="x")
    >>> a.title, a.text.splitlines()[0]
    ('Dam Repairs Finished', 'Dam Repairs Finished')
    """
    known, key = _cleaned_before("text", text, source, id, title, url, date, author)
    if known is not None:
        return known
    title = _clean_str(title)
    text = normalize_text(text)
    if not text:
        raise IngestError(source, "empty text")
    lines = text.split("\n")
    del text
    cleaned = _classify(lines, load_boilerplate_rules(), title)
    del lines
    body = cleaned.text
    if not body:
        raise IngestError(source, "no article text left after removing site boilerplate")
    title = title or cleaned.title
    return _cleaned_now(Article(id=id, text=_with_headline(body, title), title=title, url=_clean_str(url),
                                date=_clean_str(date), author=_clean_str(author) or cleaned.author, source=source), key)


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video",
    "audio", "head", "title", "nav", "footer", "aside", "form", "button", "select", "input", "textarea", "label",
    "dialog", "menu", "picture", "img", "link", "meta",
})
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "figure", "figcaption",
    "address", "hr", "center", "details", "summary", "caption", "body", "html",
    # trafilatura's output tree
    "head", "list", "item", "row", "quote", "code",
})
_BREAK_TAGS = frozenset({"br", "lb"})
_CELL_TAGS = frozenset({"td", "th", "cell"})
# class / id values of page furniture, used only by the lxml fallback
_CHROME_ATTR = re.compile(
    r"(?:^|[\s_-])(?:cookie|consent|gdpr|share|sharing|social|related|recommend|newsletter|subscribe|signup|"
    r"comment|comments|breadcrumbs?|advert|advertisement|ads?|promo|popup|modal|sidebar|footer|nav|"
    r"navbar|menu|masthead|paywall|login|signin)(?:$|[\s_-])", re.I)
_TAG_LIKE = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]{0,500})?/?>", re.S)
_ENTITY_LEFT = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{2,7}|#x[0-9A-Fa-f]{2,6});")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·:-]\s+")


def _tree_text(root: Any) -> str:
    """Text of an lxml tree with blank lines between block elements and ``\\n`` for ``<br>``.

    Iterative (``iterwalk``), so arbitrarily deep broken markup cannot exhaust the stack.
    """
    from lxml import etree

    out: list[str] = []
    cells = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
                cells = 0
            elif tag in _CELL_TAGS:
                if cells:
                    out.append("; ")
                cells += 1
            if isinstance(el.tag, str) and el.text:
                out.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
            elif tag in _BREAK_TAGS:
                out.append("\n")
            if el.tail and el is not root:
                out.append(el.tail)
    return "".join(out)


def _strip_markup_left(text: str) -> str:
    """Remove tag-like strings and decode entities left over in extracted text (double escaping)."""
    if "<" in text:
        text = _TAG_LIKE.sub(" ", text)
    if "&" in text and _ENTITY_LEFT.search(text):
        text = html_lib.unescape(text)
        if "<" in text:
            text = _TAG_LIKE.sub(" ", text)
    return text


def _fallback_html(html: str) -> tuple[str, dict[str, str | None]]:
    """Text and metadata by plain lxml, for pages trafilatura returns nothing for."""
    import lxml.html
    from lxml import etree

    # lxml refuses control characters (and lone surrogates) in text: normalise them first.
    html = _CONTROLS.sub("", _NEWLINES.sub("\n", html))
    if _SURROGATES.search(html):
        html = _SURROGATES.sub("\ufffd", html)
    meta: dict[str, str | None] = {"title": None, "author": None, "date": None, "url": None}
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return _regex_html_text(html), meta

    def first(xpath: str) -> str | None:
        for value in root.xpath(xpath):
            value = (value if isinstance(value, str) else value.text_content()).strip()
            if value:
                return value
        return None

    meta["title"] = first("//meta[@property='og:title']/@content") or first("//h1") or first("//title")
    meta["author"] = first("//meta[@name='author']/@content")
    meta["date"] = first("//meta[@property='article:published_time']/@content") or first("//time/@datetime")
    meta["url"] = first("//link[@rel='canonical']/@href") or first("//meta[@property='og:url']/@content")

    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    total = len(root.text_content())
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in ("html", "body"):
            continue
        if tag in _DROP_TAGS:
            _drop(el)
            continue
        attrs = f"{el.get('class', '')} {el.get('id', '')}".strip()
        if attrs and _CHROME_ATTR.search(attrs) and len(el.text_content()) < 0.5 * total:
            _drop(el)
    text = _tree_text(root)
    if not text.strip():  # markup libxml2 gives up on (e.g. nesting deeper than 256 levels)
        text = _regex_html_text(html)
    return text, meta


_INVISIBLE_ELEMENTS = re.compile(r"<(script|style|noscript|template|svg|head)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)


def _regex_html_text(html: str) -> str:
    """Last resort for hopeless markup: drop invisible elements and tags, decode entities."""
    text = _TAG_LIKE.sub("\n", _INVISIBLE_ELEMENTS.sub(" ", html))
    return html_lib.unescape(text)


def _drop(el: Any) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _trafilatura(html: str, url: str | None) -> tuple[str, dict[str, str | None]] | None:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                          include_tables=True, include_images=False, include_links=False)
    except Exception:  # noqa: BLE001 - a third-party parser failing on odd input: use the fallback
        return None
    if doc is None or getattr(doc, "body", None) is None:
        return None
    text = _tree_text(doc.body)
    if not text.strip():
        return None
    return text, {"title": _strip_site_name(doc.title, doc.sitename), "author": doc.author, "date": doc.date,
                  "url": doc.url}


def _strip_site_name(title: str | None, site: str | None) -> str | None:
    """``Headline | Site`` or ``Site - Headline`` → ``Headline``."""
    if not title or not site:
        return title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        if _same_text(parts[-1], site):
            return title[: title.rfind(parts[-1])].rstrip(" |–—·:-") or title
        if _same_text(parts[0], site):
            return title[len(parts[0]):].lstrip(" |–—·:-") or title
    return title


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def article_from_html(html: str, *, source: str, id: str | None = None, url: str | None = None,
                      date: str | None = None, title: str | None = None, author: str | None = None) -> Article:
    """Extract the article of an HTML page with trafilatura (title, author, date metadata).

    Scripts, styles and markup never reach ``Article.text``. If trafilatura finds nothing
    (a small or broken page) the text of the page's block elements is used instead, without
    navigation, forms, asides, footers and elements whose class/id names page furniture.
    Either way the text then goes through the boilerplate classifier, and the headline is
    kept as the first paragraph. Keyword arguments that are given win over page metadata.

    Raises
    ------
    IngestError
        ``no article text found in HTML`` when the page has no text at all.

    Examples
    --------
    >>> page = ("<html><head><title>Lighthouse Sold</title><script>var x = 1;</script></head>"
    ...         "<body><nav>Home | News</nav><h1>Lighthouse Sold</h1>"
    ...         "<p>The old lighthouse was sold at auction for 300,000 pounds on Saturday.</p></body></html>")
    >>> a = article_from_html(page, source="page.html")
    >>> a.title, a.text
    ('Lighthouse Sold', 'Lighthouse Sold\\n\\nThe old lighthouse was sold at auction for 300,000 pounds on Saturday.')
    """
    id = id if id is not None else _stem(Path(source))
    known, key = _cleaned_before("html", html, source, id, title, url, date, author)
    if known is not None:
        return known
    html = _XML_DECL.sub("", html, count=1)
    if not html.strip():
        raise IngestError(source, "no article text found in HTML")
    extracted = _trafilatura(html, url)
    if extracted is None:
        extracted = _fallback_html(html)
    text, meta = extracted
    del extracted
    text = normalize_text(_strip_markup_left(text))
    title = _clean_str(title) or _clean_str(_strip_markup_left(meta.get("title") or ""))
    if not text:
        raise IngestError(source, "no article text found in HTML")
    cleaned = _classify(text.split("\n"), load_boilerplate_rules(), title)
    if not cleaned.text:
        raise IngestError(source, "no article text found in HTML (only site boilerplate)")
    if title and cleaned.title and not _same_text(title, cleaned.title) and cleaned.title.casefold() in title.casefold():
        title = cleaned.title  # metadata title with a site name around the headline the page shows
    title = title or cleaned.title
    return _cleaned_now(Article(
        id=id,
        text=_with_headline(cleaned.text, title),
        title=title,
        url=_clean_str(url) or _clean_str(meta.get("url")),
        date=_clean_str(date) or _clean_str(meta.get("date")),
        author=_clean_str(author) or _clean_str(meta.get("author")) or cleaned.author,
        source=source,
    ), key)


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A(?:---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)|\+\+\+[ \t]*\n(?P<toml>.*?)\n\+\+\+)[ \t]*(?:\n|\Z)", re.S)
_FM_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*[:=]\s*(?P<value>.*?)\s*$")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    m = _FRONT_MATTER.match(text)
    if m is None:
        return {}, text
    meta: dict[str, str] = {}
    for line in (m.group("yaml") or m.group("toml") or "").split("\n"):
        fm = _FM_LINE.match(line)
        if fm is None:
            continue
        value = fm.group("value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value and not value.startswith(("[", "{", "|", ">")):
            meta.setdefault(fm.group("key").lower(), value)
    return meta, text[m.end():]


def markdown_to_text(markdown: str) -> tuple[str, dict[str, str]]:
    """Plain text of a Markdown document, and its front matter.

    Headings, emphasis, code and quote markers go; link text stays without its URL; images
    and raw HTML tags are dropped; table rows become ``cell; cell``. A leading ``---`` YAML
    (or ``+++`` TOML) block is read as ``key: value`` metadata; the first level-1 heading
    is returned as ``meta["h1"]``.

    Examples
    --------
    >>> text, meta = markdown_to_text("---\\ntitle: Pier Reopens\\n---\\n# Pier Reopens\\n\\n"
    ...                               "The *pier* [reopened](http://x.example) today. ![a](b.png)")
    >>> meta["title"], text
    ('Pier Reopens', 'Pier Reopens\\n\\nThe pier reopened today.')
    """
    from markdown_it import MarkdownIt

    meta, body = _front_matter(markdown)
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    paragraphs: list[str] = []
    row: list[str] | None = None
    heading_level = 0
    for tok in md.parse(body):
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = 0
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            if any(row):
                paragraphs.append("; ".join(row))
            row = None
        elif tok.type == "inline":
            text = _inline_text(tok.children or [])
            if row is not None:
                row.append(text.strip())
            elif text.strip():
                if heading_level == 1 and "h1" not in meta:
                    meta["h1"] = text.strip()
                paragraphs.append(text)
        elif tok.type in ("fence", "code_block"):
            paragraphs.append(tok.content)
        elif tok.type == "html_block":
            paragraphs.append(_fallback_html(tok.content)[0])
    return normalize_text("\n\n".join(paragraphs)), meta


def _inline_text(children: list[Any]) -> str:
    # link_open/close, em/strong markers, images and inline HTML tags carry no text of their own
    out: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
    return "".join(out)


def article_from_markdown(markdown: str, *, source: str, id: str | None = None) -> Article:
    """An :class:`Article` from a Markdown document (front matter: title, date, url, author).

    Examples
    --------
    >>> a = article_from_markdown("---\\ndate: 2024-05-01\\n---\\n# Canal Drained\\n\\n"
    ...                           "Workers drained the canal on **Monday** to repair a lock gate.", source="c.md")
    >>> a.title, a.date, a.text.split("\\n\\n")[1]
    ('Canal Drained', '2024-05-01', 'Workers drained the canal on Monday to repair a lock gate.')
    """
    text, meta = markdown_to_text(markdown)
    if not text:
        raise IngestError(source, "no text in Markdown file")
    return article_from_text(
        text, source=source, id=id if id is not None else _stem(Path(source)),
        title=meta.get("title") or meta.get("h1"), url=meta.get("url") or meta.get("link"),
        date=meta.get("date") or meta.get("published"), author=meta.get("author"),
    )


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return path.suffix.lower()


def _stem(path: Path) -> str:
    suffix = _suffix(path)
    name = path.name
    if suffix and name.lower().endswith(suffix):
        name = name[: -len(suffix)]
    return name or path.name


def _read_text_file(path: Path, source: str, report: ProblemHandler, *, html: bool = False) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(source, "empty file")
    text, warning = decode_bytes(data, source=source, html=html)
    del data
    if warning is not None:
        report(warning)
    if not text.strip():
        raise IngestError(source, "empty file")
    return text


def _read_single(path: Path, source: str, report: ProblemHandler) -> Article:
    suffix = _suffix(path)
    if suffix in (".html", ".htm"):
        return article_from_html(_read_text_file(path, source, report, html=True), source=source, id=_stem(path))
    if suffix == ".md":
        return article_from_markdown(_read_text_file(path, source, report), source=source, id=_stem(path))
    # no local name for the text: article_from_text can then free it once normalised
    return article_from_text(_read_text_file(path, source, report), source=source, id=_stem(path))


def _scalar(record: dict[str, Any], key: str, source: str, report: ProblemHandler) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    report(Problem(source, f'"{key}" is not a string ({type(value).__name__}); ignored', fatal=False))
    return None


def _article_from_record(record: Any, source: str, default_id: str, report: ProblemHandler) -> Article:
    if not isinstance(record, dict):
        raise IngestError(source, f"expected a JSON object, got {type(record).__name__}")
    article_id = _scalar(record, "id", source, report)
    article_id = article_id.strip() if article_id and article_id.strip() else default_id
    meta = {k: _scalar(record, k, source, report) for k in ("title", "url", "date", "author")}
    for key in ("text", "html"):
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise IngestError(source, f'"{key}" is not a string ({type(value).__name__})')
        if not value.strip():
            continue
        if key == "text":
            return article_from_text(value, source=source, id=article_id, **meta)
        return article_from_html(value, source=source, id=article_id, **meta)
    if "text" in record or "html" in record:
        raise IngestError(source, 'empty "text" / "html" field')
    raise IngestError(source, 'no "text" or "html" field')


def _split_lines(first: bytes, rest: IO[bytes]) -> Iterator[bytes]:
    """Lines (without ``\\n``) of a stream whose first line (or its first 64 KB) was already read."""
    partial = b""
    if first.endswith(b"\n"):
        yield first[:-1]
    else:
        partial = first
    for line in rest:
        if partial:
            line, partial = partial + line, b""
        yield line[:-1] if line.endswith(b"\n") else line
    if partial:
        yield partial


def _iter_jsonl(path: Path, source: str, report: ProblemHandler) -> Iterator[Article]:
    stem = _stem(path)
    gz = _suffix(path) == ".jsonl.gz"
    number = 0
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as raw:
            # sniff the first line only (bounded), so a damaged .gz still yields what precedes the damage
            first = raw.readline(_BINARY_SAMPLE)
            lines: Iterable[bytes | str]
            codec = next((c for bom, c in _BOMS if first.startswith(bom) and c != "utf-8"), None)
            if codec is not None:  # UTF-16/32 JSON Lines: decode the stream as a whole
                raw.seek(0)
                lines = io.TextIOWrapper(raw, encoding=codec.replace("-le", "").replace("-be", ""))
            else:
                reason = _binary_reason(first)
                if reason is not None:
                    report(Problem(source, reason))
                    return
                lines = _split_lines(first, raw)
            warned = False
            content = False
            for number, line in enumerate(lines, 1):
                line_source = f"{source}:{number}"
                if isinstance(line, bytes):
                    try:
                        text = line.decode("utf-8")
                    except UnicodeDecodeError:
                        text = line.decode("cp1252", errors="kg-latin1")
                        if not warned:
                            report(Problem(line_source, "not valid UTF-8; read as cp1252/Latin-1 (reported once per file)", fatal=False))
                            warned = True
                else:
                    text = line
                if number == 1:
                    text = text.lstrip("\ufeff")
                if not text.strip():
                    continue
                content = True
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    report(Problem(line_source, f"invalid JSON ({exc.msg} at column {exc.colno})"))
                    continue
                except RecursionError:
                    report(Problem(line_source, "invalid JSON (nested too deeply)"))
                    continue
                try:
                    article = _article_from_record(record, line_source, f"{stem}#{number}", report)
                except IngestError as exc:
                    report(Problem(exc.source, exc.problem))
                    continue
                yield article
            if not content:
                report(Problem(source, "empty file"))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        where = f" after line {number}" if number else ""
        report(Problem(source, f"corrupt gzip data{where} ({exc})"))
    except UnicodeDecodeError as exc:
        report(Problem(source, f"invalid text after line {number} ({exc.reason})"))
    except OSError as exc:
        report(Problem(source, f"cannot read file ({exc.strerror or exc})"))


def _articles_from_file(path: Path, report: ProblemHandler) -> Iterator[Article]:
    source = str(path)
    if _suffix(path) in (".jsonl", ".jsonl.gz"):
        yield from _iter_jsonl(path, source, report)
        return
    try:
        article = _read_single(path, source, report)
    except IngestError as exc:
        report(Problem(exc.source, exc.problem))
        return
    except OSError as exc:
        report(Problem(source, f"cannot read file ({exc.strerror or exc})"))
        return
    yield article


def _walk(directory: Path, report: ProblemHandler, seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Supported files under ``directory``, depth first, names sorted, hidden entries skipped."""
    try:
        st = directory.stat()
        key = (st.st_dev, st.st_ino)
        if key in seen:  # a symlink loop
            return
        seen.add(key)
        with os.scandir(directory) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        report(Problem(str(directory), f"cannot list directory ({exc.strerror or exc})"))
        return
    for entry in entries:
        path = directory / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, report, seen)
        elif _suffix(path) in SUPPORTED_SUFFIXES:
            yield path


def _unsupported(path: Path) -> str:
    """Why an explicitly named file of another type is skipped (binary data said as such)."""
    try:
        with open(path, "rb") as f:
            reason = _binary_reason(f.read(_BINARY_SAMPLE))
    except OSError:
        reason = None
    if reason is not None:
        return reason
    suffix = _suffix(path)
    kind = f"'{suffix}'" if suffix else "(no extension)"
    return f"unsupported file type {kind} (supported: {', '.join(SUPPORTED_SUFFIXES)})"


def iter_articles(paths: Iterable[str | Path] | str | Path, *,
                  on_problem: Callable[[Problem], None] | None = None) -> Iterator[Article]:
    """Stream the articles of files and directories.

    Directories are walked recursively (entries sorted by name, hidden ones skipped, files
    of other types skipped silently). A file named explicitly with an unsupported type is
    reported. Each bad file or JSON line becomes one :class:`Problem` for ``on_problem``
    (default: ignored) and is skipped; good articles always still come through.

    Parameters
    ----------
    paths
        Files or directories (a single path is accepted too).
    on_problem
        Called with each :class:`Problem`; ``fatal=False`` ones are warnings about an article
        that was still read.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     d = Path(tmp)
    ...     _ = (d / "a.txt").write_text("Bridge Opens\\n\\nThe new bridge opened to cars on Sunday morning.")
    ...     _ = (d / "b.txt").write_text("")
    ...     problems = []
    ...     ids = [a.id for a in iter_articles([d], on_problem=problems.append)]
    ...     messages = [str(p).replace(str(d), "DIR") for p in problems]
    >>> ids, messages
    (['a'], ['DIR/b.txt: empty file'])
    """
    report = on_problem or _ignore
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            for file in _walk(path, report, set()):
                yield from _articles_from_file(file, report)
        elif path.is_file():
            if _suffix(path) not in SUPPORTED_SUFFIXES:
                report(Problem(str(path), _unsupported(path)))
                continue
            yield from _articles_from_file(path, report)
        elif path.exists():
            report(Problem(str(path), "not a regular file"))
        else:
            report(Problem(str(path), "no such file or directory"))


def read_article(path: str | Path, *, on_problem: Callable[[Problem], None] | None = None) -> Article:
    """Read one article file (``.txt``, ``.md``, ``.html``; or a one-record JSON Lines file).

    Raises
    ------
    IngestError
        For a missing, empty, binary, unsupported or article-less file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     f = Path(tmp) / "note.txt"
    ...     _ = f.write_bytes("Fête du village\\n\\nLa fête a réuni 2 000 personnes samedi.".encode("utf-8"))
    ...     read_article(f).title
    'Fête du village'
    """
    path = Path(path)
    source = str(path)
    report = on_problem or _ignore
    if not path.exists():
        raise IngestError(source, "no such file or directory")
    if not path.is_file():
        raise IngestError(source, "not a regular file")
    suffix = _suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(source, _unsupported(path))
    if suffix in (".jsonl", ".jsonl.gz"):
        problems: list[Problem] = []

        def collect(p: Problem) -> None:
            if p.fatal:
                problems.append(p)
            report(p)

        found: Article | None = None
        for count, article in enumerate(_iter_jsonl(path, source, collect), 1):
            if count > 1:
                raise IngestError(source, "holds more than one article; use iter_articles()")
            found = article
        if found is None:
            raise IngestError(source, problems[0].message if problems else "no articles")
        return found
    try:
        return _read_single(path, source, report)
    except OSError as exc:
        raise IngestError(source, f"cannot read file ({exc.strerror or exc})") from None
