"""Tests for kg.ingest: formats, bad input, normalisation, the boilerplate classifier.

Fixtures are small synthetic pages written for these tests (tests/data/ingest/); most files are
built in ``tmp_path`` so each test shows the bytes it feeds in. The seed/gold test reads the
shared seed articles and their hand-made gold boilerplate lines (skipped when absent).
"""

from __future__ import annotations

import codecs
import doctest
import gzip
import json
import time
from pathlib import Path

import pytest

import kg.ingest
from kg.errors import IngestError, RuleError
from kg.ingest import (
    article_from_html,
    clean_plain_text,
    decode_bytes,
    iter_articles,
    load_boilerplate_rules,
    markdown_to_text,
    normalize_text,
    read_article,
)
from kg.model import Article, Problem

DATA = Path(__file__).parent / "data" / "ingest"
PAGES = sorted((DATA / "pages").glob("*.txt"))
SHARED = Path(__file__).parents[1].parent / "shared"

BODY = "The river ferry resumed service on Monday after a four-day closure caused by high water, the operator said."


def collect(paths) -> tuple[list[Article], list[Problem]]:
    problems: list[Problem] = []
    articles = list(iter_articles(paths, on_problem=problems.append))
    return articles, problems


def lines_of(text: str) -> set[str]:
    return {line for line in text.split("\n") if line}


# --- formats -----------------------------------------------------------------------------------


def test_txt_file_gives_article_with_stem_id_and_headline(tmp_path: Path) -> None:
    f = tmp_path / "ferry-story.txt"
    f.write_text(f"Ferry Service Resumes\n\n{BODY}\n", encoding="utf-8")
    a = read_article(f)
    assert a.id == "ferry-story"
    assert a.source == str(f)
    assert a.title == "Ferry Service Resumes"
    assert a.text == f"Ferry Service Resumes\n\n{BODY}"


def test_markdown_syntax_is_stripped_and_front_matter_read(tmp_path: Path) -> None:
    f = tmp_path / "canal.md"
    f.write_text(
        "---\ntitle: \"Canal Lock Repaired\"\ndate: 2024-05-01\nurl: https://news.example/canal\n---\n"
        "# Canal Lock Repaired\n\n"
        "Workers **finished** repairs to the _old_ lock on [the canal](https://maps.example/canal) on Friday.\n\n"
        "![a crane lifting the gate](crane.jpg)\n\n"
        "## Costs\n\n"
        "- The work cost `2 million` euros.\n"
        "- It took *nine* weeks.\n",
        encoding="utf-8",
    )
    a = read_article(f)
    assert (a.id, a.title, a.date, a.url) == ("canal", "Canal Lock Repaired", "2024-05-01", "https://news.example/canal")
    paragraphs = a.text.split("\n\n")
    assert paragraphs[0] == "Canal Lock Repaired"
    assert "Workers finished repairs to the old lock on the canal on Friday." in paragraphs
    assert "The work cost 2 million euros." in paragraphs
    for leftover in ("#", "**", "_old_", "](", "https://", "crane", "`", "---", "*nine*"):
        assert leftover not in a.text


def test_markdown_without_front_matter_takes_title_from_first_heading() -> None:
    text, meta = markdown_to_text("Intro line\n\n# Main Heading\n\nBody text here.")
    assert meta == {"h1": "Main Heading"}
    assert text == "Intro line\n\nMain Heading\n\nBody text here."


def test_html_page_keeps_body_drops_chrome_and_reads_metadata() -> None:
    a = read_article(DATA / "page.html")
    assert a.id == "page"
    assert a.title == "Harbour Council Approves Tidal Barrier"  # site name stripped from <title>
    assert a.author == "Priya Okonkwo-Lind"
    assert a.date == "2023-03-14"
    assert a.url == "https://courier.example/news/tidal-barrier"
    paragraphs = a.text.split("\n\n")
    assert paragraphs[0] == a.title
    assert len(paragraphs) == 5
    assert paragraphs[1].startswith("The harbour council voted on Tuesday")
    assert paragraphs[-1].startswith("The council's leader")
    for chrome in ("cookies", "Share on", "Related articles", "Bridge closure", "Ferry timetable", "©",
                   "Privacy Policy", "Home", "Weather", "MUST-NOT-LEAK", "trackingId", "font-family", "By Priya"):
        assert chrome not in a.text
    assert "<" not in a.text and ">" not in a.text


def test_html_arguments_win_over_page_metadata() -> None:
    page = (DATA / "page.html").read_text(encoding="utf-8")
    a = article_from_html(page, source="feed.jsonl:3", id="x1", url="https://other.example/", date="2020-01-02",
                          title="Barrier Approved")
    assert (a.id, a.url, a.date, a.title, a.source) == ("x1", "https://other.example/", "2020-01-02",
                                                        "Barrier Approved", "feed.jsonl:3")
    assert a.text.split("\n\n")[0] == "Barrier Approved"  # the given headline leads the body


def test_small_html_page_falls_back_when_extractor_finds_nothing() -> None:
    a = article_from_html("<html><body><div>Tiny <i>page</i> about the harbour.</div>"
                          "<script>var hidden = 1;</script><style>div{}</style></body></html>", source="tiny.html")
    assert a.text == "Tiny page about the harbour."


def test_escaped_markup_in_html_text_does_not_leak() -> None:
    a = article_from_html("<html><body><p>The mayor said &lt;b&gt;yes&lt;/b&gt; to the plan on Monday.</p></body></html>",
                          source="e.html")
    assert "<" not in a.text and "yes" in a.text


def jsonl_records() -> list[dict]:
    return [
        {"id": "a1", "title": "Ferry Service Resumes", "text": BODY, "url": "https://x.example/1",
         "date": "2024-02-03", "author": "Rhiannon Vale", "section": "ignored"},
        {"id": 42, "title": "Lighthouse Sold", "html": "<html><body><h1>Lighthouse Sold</h1><p>The old lighthouse "
                                                       "was sold at auction for 300,000 pounds on Saturday.</p></body></html>"},
        {"title": "No Id Here", "text": "A record without an id still becomes an article with a stem-based id."},
    ]


def test_jsonl_records_become_articles(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in jsonl_records()) + "\n", encoding="utf-8")
    articles, problems = collect([f])
    assert problems == []
    assert [a.id for a in articles] == ["a1", "42", "feed#3"]
    assert [a.source for a in articles] == [f"{f}:1", f"{f}:2", f"{f}:3"]
    first = articles[0]
    assert (first.title, first.url, first.date, first.author) == ("Ferry Service Resumes", "https://x.example/1",
                                                                  "2024-02-03", "Rhiannon Vale")
    assert first.text == f"Ferry Service Resumes\n\n{BODY}"  # the headline leads the body
    assert articles[1].text == "Lighthouse Sold\n\nThe old lighthouse was sold at auction for 300,000 pounds on Saturday."
    assert articles[2].author is None


def test_jsonl_gz_gives_the_same_articles(tmp_path: Path) -> None:
    payload = ("\n".join(json.dumps(r) for r in jsonl_records()) + "\n").encode("utf-8")
    plain, packed = tmp_path / "feed.jsonl", tmp_path / "feed.jsonl.gz"
    plain.write_bytes(payload)
    packed.write_bytes(gzip.compress(payload))
    a, _ = collect([plain])
    b, problems = collect([packed])
    assert problems == []
    assert [x.content_hash for x in a] == [x.content_hash for x in b]  # id "feed#3" from the .jsonl.gz stem too


def test_directory_is_recursed_in_sorted_order_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    for rel in ["b.txt", "a/z.md", "a/c.txt", "a/sub/d.html", "c.htm", ".hidden.txt", ".git/e.txt", "notes.pdf",
                "a/image.png", "B2.TXT"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith((".html", ".htm")):
            path.write_text(f"<html><body><p>{BODY}</p></body></html>", encoding="utf-8")
        else:
            path.write_text(BODY, encoding="utf-8")
    articles, problems = collect([tmp_path])
    assert problems == []
    assert [Path(a.source).relative_to(tmp_path).as_posix() for a in articles] == [
        "B2.TXT", "a/c.txt", "a/sub/d.html", "a/z.md", "b.txt", "c.htm"]


def test_explicit_paths_are_read_in_the_given_order_and_bad_ones_reported(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "two.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7 not really")
    articles, problems = collect([tmp_path / "two.txt", tmp_path / "report.pdf", tmp_path / "missing.txt",
                                  str(tmp_path / "one.txt")])
    assert [a.id for a in articles] == ["two", "one"]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'report.pdf'}: unsupported file type '.pdf' (supported: .txt, .md, .html, .htm, .jsonl, .jsonl.gz)",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]


def test_iter_articles_streams_lazily(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(BODY, encoding="utf-8")
    problems: list[Problem] = []
    stream = iter_articles([tmp_path], on_problem=problems.append)
    assert next(stream).id == "a"
    (tmp_path / "b.txt").unlink()  # not read yet: the stream must notice, not have it in memory
    assert list(stream) == []
    assert [p.source for p in problems] == [str(tmp_path / "b.txt")]


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b" \n\t\n  \n", "empty file"),
        ("nul.txt", b"Harbour news\x00\x00\x01\x02\x00binary", "binary file (NUL bytes), not text"),
        ("ctrl.txt", bytes(range(1, 9)) * 200, "binary file (control characters), not text"),
        ("scripts.html", b"<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>",
         "no article text found in HTML"),
        ("chrome.txt", b"Share on Facebook\nAdvertisement\nLeave a comment\n", "no article text left after removing site boilerplate"),
        ("empty.jsonl", b"", "empty file"),
        ("blank.jsonl", b"\n  \n\n", "empty file"),
        ("nul.jsonl", b'{"text": "a"}\x00\x00\x01\n{"text": "b"}\n', "binary file (NUL bytes), not text"),
    ],
)
def test_bad_file_gives_one_problem_naming_it_and_good_files_still_come(tmp_path: Path, name: str, data: bytes,
                                                                         message: str) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_good.txt").write_text(BODY, encoding="utf-8")
    articles, problems = collect([tmp_path])
    assert [a.id for a in articles] == ["zz_good"]
    assert [str(p) for p in problems] == [f"{tmp_path / name}: {message}"]
    assert problems[0].fatal
    with pytest.raises(IngestError, match=message.split(" (")[0]):
        read_article(tmp_path / name)


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Le café du port a rouvert lundi après des travaux, a déclaré la mairie à la presse.".encode("latin-1"))
    articles, problems = collect([f])
    assert articles[0].text == "Le café du port a rouvert lundi après des travaux, a déclaré la mairie à la presse."
    assert len(problems) == 1 and not problems[0].fatal
    assert problems[0].source == str(f) and "not valid UTF-8" in problems[0].message


def test_cp1252_punctuation_is_decoded(tmp_path: Path) -> None:
    f = tmp_path / "quotes.txt"
    f.write_bytes("The mayor said \u201cwe will rebuild\u201d \u2013 and the council agreed on Monday.".encode("cp1252"))
    assert "\u201cwe will rebuild\u201d \u2013" in read_article(f).text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-8", "utf-32-le"])
def test_byte_order_marks_are_honoured(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-8": codecs.BOM_UTF8,
           "utf-32-le": codecs.BOM_UTF32_LE}[codec]
    f = tmp_path / "bom.txt"
    f.write_bytes(bom + f"Zürich Tram Line Opens\n\n{BODY}".encode(codec))
    articles, problems = collect([f])
    assert problems == []
    assert articles[0].text == f"Zürich Tram Line Opens\n\n{BODY}"


def test_utf16_jsonl_with_bom_is_read(tmp_path: Path) -> None:
    f = tmp_path / "wide.jsonl"
    f.write_bytes(codecs.BOM_UTF16_LE + (json.dumps({"id": "w", "text": f"Zürich. {BODY}"}, ensure_ascii=False)
                                         + "\n").encode("utf-16-le"))
    articles, problems = collect([f])
    assert problems == [] and articles[0].text == f"Zürich. {BODY}"


def test_explicitly_named_binary_file_of_another_type_is_called_binary(tmp_path: Path) -> None:
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x7fELF\x02\x01\x00\x00\x00")
    _, problems = collect([f])
    assert [str(p) for p in problems] == [f"{f}: binary file (NUL bytes), not text"]


def test_utf16_without_bom_is_detected() -> None:
    text, warning = decode_bytes(f"Plain words. {BODY}".encode("utf-16-le"))
    assert (text, warning) == (f"Plain words. {BODY}", None)


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    f = tmp_path / "koi.html"
    f.write_bytes('<html><head><meta charset="koi8-r"></head><body><p>Паром снова ходит по реке с понедельника, '
                  'сообщил оператор.</p></body></html>'.encode("koi8-r"))
    articles, problems = collect([f])
    assert problems == []
    assert articles[0].text == "Паром снова ходит по реке с понедельника, сообщил оператор."


def test_broken_html_still_gives_its_text(tmp_path: Path) -> None:
    f = tmp_path / "broken.html"
    f.write_text("<html><body><p>The harbour wall <b>collapsed overnight <div>after the storm, officials said"
                 "<p>No one was hurt</td></table>", encoding="utf-8")
    a = read_article(f)
    assert "The harbour wall collapsed overnight" in a.text
    assert "after the storm, officials said" in a.text and "No one was hurt" in a.text
    assert "<" not in a.text


def test_deeply_nested_html_still_gives_its_text() -> None:
    a = article_from_html("<div>" * 3000 + "Deep text survives." + "</div>" * 5, source="deep.html")
    assert a.text == "Deep text survives."


def test_jsonl_bad_lines_are_reported_one_each_and_good_lines_come(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": BODY}),
        '{"id": "broken", "text": "missing comma" "title": "x"}',
        json.dumps({"id": "ok2", "text": BODY}),
        "",
        json.dumps({"id": "nobody", "title": "Only a title"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "badtype", "text": 17}),
        json.dumps({"id": "ok3", "text": BODY, "title": ["wrong", "type"]}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    column = lines[1].index('"title"') + 1  # where the missing comma should be
    articles, problems = collect([f])
    assert [a.id for a in articles] == ["ok1", "ok2", "ok3"]
    assert articles[2].title is None
    assert [(p.source, p.message, p.fatal) for p in problems] == [
        (f"{f}:2", f"invalid JSON (Expecting ',' delimiter at column {column})", True),
        (f"{f}:5", 'no "text" or "html" field', True),
        (f"{f}:6", "expected a JSON object, got list", True),
        (f"{f}:7", '"text" is not a string (int)', True),
        (f"{f}:8", '"title" is not a string (list); ignored', False),
    ]


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    payload = "".join(json.dumps({"id": f"n{i}", "text": f"{BODY} Number {i}."}) + "\n" for i in range(400)).encode()
    f = tmp_path / "feed.jsonl.gz"
    f.write_bytes(gzip.compress(payload)[:-200])
    articles, problems = collect([f])
    assert 0 < len(articles) < 400
    assert [a.id for a in articles] == [f"n{i}" for i in range(len(articles))]
    assert len(problems) == 1 and problems[0].source == str(f) and "corrupt gzip data" in problems[0].message


def test_not_gzip_data_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl.gz"
    f.write_text(json.dumps({"text": BODY}), encoding="utf-8")
    _, problems = collect([f])
    assert len(problems) == 1 and "corrupt gzip data" in problems[0].message


def test_jsonl_latin1_lines_warn_once(tmp_path: Path) -> None:
    f = tmp_path / "old.jsonl"
    f.write_bytes(b"\n".join(json.dumps({"id": f"r{i}", "text": "Caf\u00e9 owners met the mayor on Monday to discuss the "
                                                               "new parking rules."}, ensure_ascii=False).encode("latin-1")
                             for i in range(3)))
    articles, problems = collect([f])
    assert [a.id for a in articles] == ["r0", "r1", "r2"] and "Café" in articles[0].text
    assert [(p.source, p.fatal) for p in problems] == [(f"{f}:1", False)]


def test_read_article_on_jsonl_wants_exactly_one_record(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text(json.dumps({"id": "solo", "text": BODY}), encoding="utf-8")
    two.write_text(json.dumps({"text": BODY}) + "\n" + json.dumps({"text": BODY}), encoding="utf-8")
    assert read_article(one).id == "solo"
    with pytest.raises(IngestError, match="more than one article"):
        read_article(two)


# --- normalisation -----------------------------------------------------------------------------


def test_normalisation_of_whitespace_invisible_and_control_characters() -> None:
    raw = "\ufeffHeadline\u00a0 here\r\n\r\n\r\n\r\nA\u200bB\u200cC\u200dD soft\u00adhyphen\x07\x1b tab\tand\x0bmore \u2028next\r"
    assert normalize_text(raw) == "Headline here\n\nABCD softhyphen tab and\nmore\nnext"


def test_normalisation_is_nfc_and_keeps_right_to_left_text() -> None:
    rtl = "قال رئيس البلدية إن الجسر سيفتح \u200fיום שני\u200e."
    assert normalize_text("Cafe\u0301 " + rtl) == "Café " + rtl


def test_every_format_is_normalised(tmp_path: Path) -> None:
    messy = f"Tram  Line\u200b Opens\r\n\r\n{BODY}\u00a0\u00a0Extra\x01 words."
    (tmp_path / "a.txt").write_text(messy, encoding="utf-8")
    (tmp_path / "b.md").write_text(messy, encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": messy}), encoding="utf-8")
    (tmp_path / "d.html").write_text(f"<html><body><h1>Tram  Line\u200b Opens</h1><p>{BODY}&nbsp;&nbsp;Extra words.</p>"
                                     f"</body></html>", encoding="utf-8")
    articles, problems = collect([tmp_path])
    assert problems == []
    assert {a.text for a in articles} == {f"Tram Line Opens\n\n{BODY} Extra words."}


def test_a_five_megabyte_line_is_handled_in_linear_time(tmp_path: Path) -> None:
    sentence = "The council met again and voted on the harbour plan. "
    f = tmp_path / "huge.txt"
    f.write_text("Huge Single Line Story\n\n" + sentence * (5_000_000 // len(sentence)), encoding="utf-8")
    start = time.perf_counter()
    a = read_article(f)
    assert time.perf_counter() - start < 10  # quadratic behaviour would take hours
    assert a.title == "Huge Single Line Story" and len(a.text) > 4_900_000


# --- boilerplate rules -------------------------------------------------------------------------


def test_shipped_rules_are_valid_and_documented() -> None:
    rules = load_boilerplate_rules()
    assert len(rules.rules) >= 40
    assert len({r.id for r in rules.rules}) == len(rules.rules)
    assert all(r.comment for r in rules.rules)
    assert [r.kind == "weak" for r in rules.rules] == sorted(r.kind == "weak" for r in rules.rules)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "r", "pattern": "(unclosed", "kind": "line", "comment": ""}', "invalid regex"),
        ('{"id": "r", "kind": "line"}', "missing key 'pattern'"),
        ('{"id": "r", "pattern": "x", "kind": "sometimes"}', "unknown kind 'sometimes'"),
        ('{"id": "r", "pattern": "x", "kind": "line", "patern": "y"}', "unknown key 'patern'"),
        ('{"id": "r", "pattern": "(a)\\\\1", "kind": "line"}', "back-references"),
        ('{"id": "r", "pattern": "x", "kind": "line", "max_words": 0}', "'max_words' must be a positive integer"),
        ('{"id": "r", "pattern": "x", "kind": "line"', "invalid JSON"),
        ('["r", "x", "line"]', "expected a JSON object"),
    ],
)
def test_bad_rule_file_raises_rule_error_naming_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    f = tmp_path / "boilerplate_bad.jsonl"
    f.write_text('{"id": "ok", "pattern": "^fine$", "kind": "line"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match=message) as err:
        load_boilerplate_rules(f)
    assert str(err.value).startswith(f"{f}:3: ")


def test_duplicate_rule_ids_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "boilerplate_dup.jsonl"
    f.write_text('{"id": "a", "pattern": "x", "kind": "line"}\n{"id": "a", "pattern": "y", "kind": "weak"}\n')
    with pytest.raises(RuleError, match=f"{f}:2: duplicate rule id 'a'"):
        load_boilerplate_rules(f)


def test_custom_rules_drive_the_classifier(tmp_path: Path) -> None:
    f = tmp_path / "boilerplate_custom.jsonl"
    f.write_text('{"id": "jingle", "pattern": "^tune in tomorrow\\\\b", "kind": "line", "comment": "radio sign-off"}\n')
    page = f"Station Story Headline\n\n{BODY}\n\nTune in tomorrow for more"
    empty = tmp_path / "boilerplate_empty.jsonl"
    empty.write_text("")
    assert "Tune in" not in clean_plain_text(page, rules=load_boilerplate_rules(f))[0]
    assert "Tune in" in clean_plain_text(page, rules=load_boilerplate_rules(empty))[0]


# --- the boilerplate classifier ----------------------------------------------------------------


def read_annotated(path: Path) -> tuple[str, str | None, list[str], list[str]]:
    """A tagged page (see tests/data/ingest/pages/README.md) → (raw text, title, keep, drop)."""
    raw, keep, drop, title = [], [], [], None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            raw.append("")
            continue
        tag, _, text = line.partition(" ")
        assert tag in ("T", "B", "C") and text, f"{path.name}: bad tag line {line!r}"
        raw.append(text)
        (drop if tag == "C" else keep).append(text)
        if tag == "T":
            title = text
    return "\n".join(raw), title, keep, drop


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_synthetic_pages_lose_their_chrome_and_keep_their_body(page: Path) -> None:
    raw, title, keep, drop = read_annotated(page)
    body, found_title = clean_plain_text(raw)
    kept = lines_of(body)
    assert sorted(set(drop) & kept) == [], "chrome left in the body"
    assert sorted(set(keep) - kept) == [], "body lines lost"
    assert found_title == title
    if title:
        assert body.split("\n\n")[0] == title  # the headline is the first paragraph


def test_breadcrumb_repeating_the_headline_is_dropped_but_the_headline_kept() -> None:
    body, title = clean_plain_text(f"News › Local › Tram Line Opens Early\n\nTram Line Opens Early\n\n{BODY}")
    assert title == "Tram Line Opens Early"
    assert body == f"Tram Line Opens Early\n\n{BODY}"


def test_breadcrumb_with_angle_brackets_and_a_long_last_segment() -> None:
    body, title = clean_plain_text(f"News > Transport > Tram Line: What We Know So Far\n\nTram Line: What We Know So Far\n\n{BODY}")
    assert (title, body) == ("Tram Line: What We Know So Far", f"Tram Line: What We Know So Far\n\n{BODY}")


def test_text_starting_with_prose_has_no_title() -> None:
    body, title = clean_plain_text(f"{BODY}\n\nA second paragraph follows with more detail about the ferry timetable.")
    assert title is None and body.startswith(BODY)


def test_weak_wording_is_kept_in_the_body_but_dropped_next_to_chrome() -> None:
    weak = 'The bank told customers to "reset your password" only in its app, never through links in emails.'
    chrome_weak = "If you have an account, we will email you a sign-in link."
    rules = load_boilerplate_rules()
    assert rules.match(weak)[0].kind == rules.match(chrome_weak)[0].kind == "weak"
    page = f"Bank Outage Hits Customers\n\n{BODY}\n\n{weak}\n\n{BODY} Again.\n\nAdvertisement\n{chrome_weak}"
    body, _ = clean_plain_text(page)
    assert weak in body
    assert chrome_weak not in body and "Advertisement" not in body


def test_lone_name_next_to_a_photo_credit_is_dropped_but_names_in_sentences_kept() -> None:
    page = (f"Mayor Opens New Library\n\n{BODY}\n\nHelena Marsh-Oduya\nPhoto: Ansel Brightwater / Civic Pictures\n\n"
            "Helena Marsh-Oduya, the mayor, said the library would open seven days a week from April.")
    body, _ = clean_plain_text(page)
    assert "Photo:" not in body
    assert "Helena Marsh-Oduya\n" not in body + "\n" and body.count("Helena Marsh-Oduya") == 1


def test_related_block_in_the_middle_takes_its_links_but_not_the_next_paragraph() -> None:
    page = (f"Harbour Dredging Starts\n\n{BODY}\n\nRelated stories\nPort fees to rise next year\nNew pier opens in the east\n\n"
            "Dredging will continue for six weeks and the channel will be closed to yachts at night.")
    body, _ = clean_plain_text(page)
    assert "Port fees" not in body and "New pier" not in body and "Related" not in body
    assert body.endswith("Dredging will continue for six weeks and the channel will be closed to yachts at night.")


def test_trailing_author_block_and_comments_are_dropped() -> None:
    page = (f"Harbour Dredging Starts\n\n{BODY}\n\n{BODY}\n\n{BODY}\n\nAbout the author\nTamsin Oyelowo-Grey\n"
            "Tamsin Oyelowo-Grey covers transport and maritime affairs and has reported from ports on three continents.\n\n"
            "2 Comments\nGreat story, thanks for covering the ferry.")
    body, _ = clean_plain_text(page)
    assert "Tamsin" not in body and "Comments" not in body and "Great story" not in body
    assert body.count(BODY) == 3


@pytest.mark.parametrize("bio", [
    "Tamsin Oyelowo-Grey is a staff writer at the Harbour Gazette.",
    "Tamsin Oyelowo-Grey is Portside's maritime correspondent. She previously edited the Quay Weekly.",
])
def test_a_closing_author_bio_is_dropped(bio: str) -> None:
    body, _ = clean_plain_text(f"Harbour Dredging Starts\n\n{BODY}\n\n{BODY}\n\n{bio}")
    assert "Tamsin" not in body and body.count(BODY) == 2


def test_read_more_headlines_counted_comments_and_a_captions_credit_are_chrome() -> None:
    page = (f"Harbour Dredging Starts\n\n{BODY}\n\n"
            "Tamsin Grey at the quay in May. She has since joined the ferry board. Photograph: Ana Ruiz for Portside\n"
            f"{BODY}\n\n{BODY}\n\n"
            "Read more\nFerry firm signs deal with the harbour union\nTen quays that still pay pilots properly\n"
            "Tamsin Grey is Portside's harbour and transport editor and a former ferry pilot.\n"
            "9 Comments\nquaywatcher: The union signed nothing of the sort.")
    body, _ = clean_plain_text(page)
    for chrome in ("Photograph", "joined the ferry board", "Ferry firm signs", "Ten quays", "former ferry pilot",
                   "Comments", "quaywatcher"):
        assert chrome not in body, chrome
    assert body.count(BODY) == 3
    body, _ = clean_plain_text(f"Harbour Dredging Starts\n\n{BODY}\n\n{BODY}\n\n9 Comments\n"
                               "quaywatcher: The union signed nothing of the sort.\nGull: It did, in May.")
    assert "quaywatcher" not in body and "Gull" not in body and body.count(BODY) == 2


def test_byline_author_is_captured_for_plain_text(tmp_path: Path) -> None:
    f = tmp_path / "byline.txt"
    f.write_text(f"Tram Line Opens Early\nBy Jonah Albrecht-Mensah, Transport Correspondent\n\n{BODY}", encoding="utf-8")
    a = read_article(f)
    assert a.author == "Jonah Albrecht-Mensah"
    assert "By Jonah" not in a.text


def test_seed_boilerplate_is_dropped_and_seed_body_kept() -> None:
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip(f"no seed articles under {SHARED}")
    for seed in seeds:
        gold_file = SHARED / "gold" / f"{seed.stem}.gold.json"
        if not gold_file.exists():
            continue
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        raw = seed.read_text(encoding="utf-8")
        body, title = clean_plain_text(raw)
        kept = lines_of(body)
        boilerplate = {normalize_text(line) for line in gold["boilerplate"]}
        expected_body = lines_of(normalize_text(raw)) - boilerplate
        assert boilerplate and expected_body
        assert sorted(boilerplate & kept) == [], f"{seed.name}: boilerplate kept"
        assert sorted(expected_body - kept) == [], f"{seed.name}: body lost"
        assert title is not None and body.split("\n\n")[0] == title


# --- docs --------------------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(kg.ingest, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


def test_public_api_is_declared() -> None:
    for name in kg.ingest.__all__:
        assert getattr(kg.ingest, name).__doc__ or name.isupper(), name


def test_cleaning_is_reused_only_for_the_very_same_input():
    """Under reusing_cleaned, input whose raw key is known gives a text-less article with the
    known hash; any other input is cleaned as usual and its key noted; outside, nothing is reused."""
    from kg.ingest import article_from_html, article_from_text, raw_key, reusing_cleaned

    text = "Dam Repairs Finished\n\nThe dam reopened to traffic on Friday after two years of work."
    page = "<html><body><h1>Dam Repairs Finished</h1><p>The dam reopened to traffic on Friday after two years.</p></body></html>"
    known = {raw_key(text, id="x"): "a" * 64, raw_key(page, id="p", kind="html"): "b" * 64}
    with reusing_cleaned(known) as before:
        stub = article_from_text(text, source="x.txt", id="x")
        page_stub = article_from_html(page, source="p.html")
        edited = article_from_text(text + " More.", source="x.txt", id="x")
        other = article_from_text(text, source="y.txt", id="y", title="Dam Repairs Finished")
    assert (stub.text, stub.content_hash, stub.id) == ("", "a" * 64, "x")
    assert (page_stub.text, page_stub.content_hash, page_stub.id) == ("", "b" * 64, "p")
    assert edited.text.endswith("More.") and other.text
    assert before.keys == {"x": raw_key(text + " More.", id="x"), "y": raw_key(text, id="y", title="Dam Repairs Finished")}
    assert article_from_text(text, source="x.txt", id="x").text  # no reuse outside the context
    # every input field, and the kind of input, is part of the key
    variants = [raw_key(text, id="x"), raw_key(text, id="x2"), raw_key(text, id="x", title=""),
                raw_key(text, id="x", url="u"), raw_key(text, id="x", date="d"), raw_key(text, id="x", author="a"),
                raw_key(text + " ", id="x"), raw_key(text, id="x", kind="html")]
    assert len(set(variants)) == len(variants)


def test_input_that_fails_to_clean_lends_its_key_to_no_later_article():
    """A bad line and a good one with the same id: only the good one's raw key is noted, so the
    next build cannot take the bad input for the good article."""
    from kg.ingest import article_from_text, raw_key, reusing_cleaned

    good = "Dam Repairs Finished\n\nThe dam reopened to traffic on Friday after two years of work."
    with reusing_cleaned({}) as before:
        with pytest.raises(IngestError):
            article_from_text("\x01\x02", source="f.jsonl:1", id="x")
        article_from_text(good, source="f.jsonl:2", id="x")
    assert before.keys == {"x": raw_key(good, id="x")}
