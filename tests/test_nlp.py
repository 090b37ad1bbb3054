"""Loading the pipeline, and the component that starts a sentence after every line break."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.nlp import paragraph_boundaries


def _token_by_token(doc):
    """The rule written plainly: a non-space token after a token whose text or space has a line break."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            tok.is_sent_start = True if not tok.is_space else tok.is_sent_start
    return doc


def _starts(doc) -> list:
    return [t.is_sent_start for t in doc]


pieces = st.lists(st.sampled_from(["Union", "signed", "it", ".", ",", " ", "  ", "\n", "\n\n", " \n ", "\t", "\r\n", "x\ny", "“"]),
                  min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(parts=pieces)
def test_line_breaks_start_sentences_as_the_plain_rule_does(nlp, parts):
    text = " ".join(parts)
    expected = _starts(_token_by_token(nlp.make_doc(text)))
    assert _starts(paragraph_boundaries(nlp.make_doc(text))) == expected


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(["A", "said", ".", "\n", "\n\n", " ", "\t", "x\ny"]), min_size=1, max_size=20),
       data=st.data())
def test_token_sequences_the_tokenizer_rarely_makes(nlp, words, data):
    """Whitespace tokens next to each other, line breaks inside words, no trailing spaces."""
    from spacy.tokens import Doc

    spaces = data.draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    expected = _starts(_token_by_token(Doc(nlp.vocab, words=words, spaces=spaces)))
    assert _starts(paragraph_boundaries(Doc(nlp.vocab, words=words, spaces=spaces))) == expected


def test_headline_and_paragraphs_become_sentences(nlp):
    doc = nlp("Studios Sign Deal\nThe union said on Monday it had agreed\n\nMembers will vote")
    assert [s.text.strip() for s in doc.sents] == [
        "Studios Sign Deal", "The union said on Monday it had agreed", "Members will vote"]


def test_pipeline_keeps_spacys_component_names(nlp):
    assert [n for n in nlp.pipe_names if n != "kg_paragraph_boundaries"] == [
        "tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
