"""Rule data is validated when loaded: a malformed row names its file and line."""

from __future__ import annotations

import shutil

import pytest

from kg.errors import RuleError
from kg.lexicon import LEXICON_DIR, load_lexicon


@pytest.fixture
def lexdir(tmp_path):
    d = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, d)
    return d


def _append(path, line):
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def test_shipped_lexicon_loads():
    lex = load_lexicon()
    assert lex.frame("VERB", "sign", None, None).predicate == "signed"
    assert lex.frame("VERB", "call", None, "for").predicate == "urges"
    assert lex.frame("VERB", "urge", None, "about").predicate == "urges"  # the "*" wildcard row
    assert "use" in lex.subject_control and "urge" not in lex.subject_control


@pytest.mark.parametrize(
    "file,line,message",
    [
        ("predicates.tsv", "VERB\tfrobnicate\t-\t-\tfrobnicates\t-", "unknown predicate 'frobnicates'"),
        ("predicates.tsv", "VERB\tsign\t-\t-\tsigned\t-", "duplicate frame"),
        ("predicates.tsv", "VERB\tsign\t-\t-", "expected 6 tab-separated columns"),
        ("predicates.tsv", "ADVERB\tquickly\t-\t-\tsigned\t-", "pos must be one of"),
        ("predicates.tsv", "VERB\tzap\t-\t-\tsigned\tsideways", "unknown flag"),
        ("types.tsv", "head\twidget\tGadget", "unknown class 'Gadget'"),
        ("modality.tsv", "modal\tshan't\tmaybe", "effect must be one of"),
        ("selection.tsv", "signed\t-\tsubject\tNonsense", "unknown class"),
        ("selection.tsv", "leads\t-\tsubject\t!Nonsense", "unknown class"),
        ("selection.tsv", "signed\t-\tobject\tDocument", "duplicate restriction"),
        ("selection.tsv", "leads\t-\tsubject\t!@nonsense", "unknown class(es) or noun kind(s) ['!@nonsense']"),
        ("selection.tsv", "leads\t-\tsubject\t!physical", "unknown class(es) or noun kind(s) ['!physical']"),
        ("control.tsv", "persuade\tsideways", "controller must be subject or object"),
        ("control.tsv", "use\tobject", "duplicate verb 'use'"),
    ],
)
def test_malformed_rows_are_rejected_with_file_and_line(lexdir, file, line, message):
    path = lexdir / file
    n = len(path.read_text(encoding="utf-8").splitlines()) + 1
    _append(path, line)
    with pytest.raises(RuleError) as err:
        load_lexicon(lexdir)
    assert f"{file}:{n}:" in str(err.value) and message in str(err.value)


def test_selection_requires_some_classes_and_excludes_others(lexdir):
    _append(lexdir / "selection.tsv", "represents\t-\tobject\tPerson|!Politician")
    _append(lexdir / "selection.tsv", "sued\t-\tobject\t!Place")
    lex = load_lexicon(lexdir)
    assert lex.fits("represents", "object", "Actor", False)  # a person
    assert not lex.fits("represents", "object", "Politician", False)  # but not this kind
    assert not lex.fits("represents", "object", "Company", True) and not lex.fits("represents", "object", None, False)
    assert lex.fits("sued", "object", "Company", False) and lex.fits("sued", "object", None, False)
    assert not lex.fits("sued", "object", "Place", True)


def test_selection_by_the_kind_of_head_noun(lexdir):
    _append(lexdir / "nouns.tsv", "physical\tcorsair")
    _append(lexdir / "selection.tsv", "opposes\tbesiege\tsubject\tPerson|!@physical")
    _append(lexdir / "selection.tsv", "opposes\tstorm\tsubject\t@physical")
    lex = load_lexicon(lexdir)
    assert lex.fits("opposes", "subject", "Person", False, "besiege", "senator")
    assert not lex.fits("opposes", "subject", "Person", False, "besiege", "corsair")  # excluded by its head
    assert not lex.fits("opposes", "subject", "Company", False, "besiege", "firm")  # still needs a person
    assert lex.fits("opposes", "subject", None, False, "storm", "corsair")  # required: that kind
    assert not lex.fits("opposes", "subject", "Person", False, "storm", "senator")
    assert not lex.fits("opposes", "subject", "Person", False, "storm")  # no head known: not of the kind


def test_selection_of_one_verb_adds_to_the_predicates_own(lexdir):
    _append(lexdir / "selection.tsv", "opposes\t-\tobject\t!Place")
    _append(lexdir / "selection.tsv", "opposes\tresist\tsubject\tPerson")
    lex = load_lexicon(lexdir)
    assert lex.fits("opposes", "subject", "Company", True)  # any other verb
    assert lex.fits("opposes", "subject", "Company", True, "reject")
    assert not lex.fits("opposes", "subject", "Company", True, "resist")  # that verb: people only
    assert lex.fits("opposes", "subject", "Actor", False, "resist")
    assert not lex.fits("opposes", "object", "Place", False, "resist")  # the predicate's own still holds


def test_wrong_header_is_rejected(lexdir):
    (lexdir / "ner.tsv").write_text("tag\tcls\nPERSON\tPerson\n", encoding="utf-8")
    with pytest.raises(RuleError, match="ner.tsv:1: header must be"):
        load_lexicon(lexdir)
