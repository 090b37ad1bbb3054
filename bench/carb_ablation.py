#!/usr/bin/env python3
"""What each rule group of kg's Open IE output adds on CaRB: P, R, F1, AUC with one group off.

Usage (from the project root, in the venv):

    python bench/carb_ablation.py                 # dev and test, every configuration
    python bench/carb_ablation.py --limit 40      # first 40 sentences of each split (a quick check)
    python bench/carb_ablation.py --split test    # one split

One row per configuration: dev P R F1 AUC, test P R F1 AUC and the change of test F1 against the
full extractor (in points). Each split is parsed once, by the same call as ``bench/carb.py``
(:func:`kg.openie.openie_lines`), and the parsed Docs are replayed for every other configuration
(``kg.openie.parse_tokenised`` is replaced by the replay while the configuration runs). Data
loading, the prediction format and the scorer are ``bench/carb.py``'s. With ``--limit`` the gold
is restricted to the sentences kept, so recall is that of the subset.

Rule groups are switched off by monkeypatching inside this script only (kg/ is not changed):

* ``appositions`` — ``kg.openie._appositions`` yields nothing ("X , the chief economist");
* ``titles`` — ``kg.openie._titles`` yields nothing ("keyboardist Philippe Saisse");
* ``parentheticals`` — ``kg.openie._parentheticals`` yields nothing ("S , analysts added , S");
* ``light verbs`` — ``kg.openie._light_verb_pp`` finds no preposition, so "took an interest in X"
  stays (took; an interest in X) instead of (took an interest in; X);
* ``n-ary`` — binary tuples: ``kg.openie._clause_tuples`` keeps the subject and the first further
  argument (the object, else the first PP / time / manner complement) and drops the rest; the
  shape features of the confidence are recomputed for the shorter tuple;
* ``catenatives`` — ``kg.openie._relation`` no longer joins a catenative verb or "be ADJ" to its
  infinitive: "continue to reside in" → "to reside in", "were able to reinforce" → "to reinforce"
  (the head verb's prefix is cut off the joined relation; nothing else changes);
* ``conjunctions`` — coordinated arguments are not split into one tuple per conjunct:
  ``kg.extract.clauses.conjuncts`` returns the first conjunct only and ``kg.openie._phrase``
  keeps conjuncts inside the phrase ("A and B" stays one argument); conjoined verbs are clauses
  of their own either way;
* ``implicit subjects`` — the shared clause stage finds no implicit subject:
  ``kg.extract.clauses._controller`` returns None (conjoined verbs, control, purpose
  infinitives, participles, subjectless relative clauses), so those clauses yield no tuple;
* ``constant confidence`` — the full extractor's tuples scored with one confidence (1.0), as the
  second line of ``bench/carb.py``; no re-extraction.

Sanity check: the ``full`` row comes from ``openie_lines`` on a fresh parse, exactly as
``bench/carb.py`` runs it; the replayed Docs are extracted again with no patch and must give the
same lines and scores, or the script stops.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from carb import SHARED, load_scorer, predictions, read_sentences  # noqa: E402  (also puts the root on sys.path)

import importlib  # noqa: E402

kg_openie = importlib.import_module("kg.openie")
kg_clauses = importlib.import_module("kg.extract.clauses")  # the module: kg.extract exports a function of that name

# ---------------------------------------------------------------------------------------- patches


def _nothing(*_args, **_kwargs) -> Iterator:
    return iter(())


def _no_light_verb(clause, objects):
    return None


_orig_clause_tuples = kg_openie._clause_tuples


def _binary_clause_tuples(clause):
    """The clause's tuples with at most two arguments: subject and the first further argument."""
    for d in _orig_clause_tuples(clause):
        if len(d.args) > 2:
            d.args = d.args[:2]
            for k in ("subj_pron", "subj_wh", "arg_finite_verb", "arg_punct"):  # set only when true
                d.feats.pop(k, None)
            kg_openie._shape_features(d, None)  # the dep= feature stays as it was
        yield d


_orig_relation = kg_openie._relation


def _relation_no_catenative(verb):
    """The relation without a catenative head: the joined relation is head's relation + own."""
    rel, widened = _orig_relation(verb)  # its recursion goes through this function (patched)
    if widened == "catenative":
        prefix = kg_openie._relation(verb.head)[0]
    elif widened == "adjective-catenative":
        prefix = kg_openie._relation(verb.head.head)[0] + [verb.head]
    else:
        return rel, widened
    if rel[:len(prefix)] != prefix:
        raise AssertionError(f"catenative relation {rel!r} does not start with {prefix!r}")
    return rel[len(prefix):], None


_orig_phrase = kg_openie._phrase


def _phrase_unsplit(tok, *, split=True, exclude=frozenset(), appos=True):
    return _orig_phrase(tok, split=False, exclude=exclude, appos=appos)


def _first_conjunct(tok):
    return [tok]


def _no_controller(verb):
    return None


# name → list of (module, attribute, replacement); None = no extraction, constant confidence
CONFIGS: dict[str, list[tuple[object, str, Callable]] | None] = {
    "full": [],
    "- appositions": [(kg_openie, "_appositions", _nothing)],
    "- titles": [(kg_openie, "_titles", _nothing)],
    "- parentheticals": [(kg_openie, "_parentheticals", _nothing)],
    "- light verbs": [(kg_openie, "_light_verb_pp", _no_light_verb)],
    "- n-ary (binary)": [(kg_openie, "_clause_tuples", _binary_clause_tuples)],
    "- catenatives": [(kg_openie, "_relation", _relation_no_catenative)],
    "- conj. splitting": [(kg_clauses, "conjuncts", _first_conjunct), (kg_openie, "_phrase", _phrase_unsplit)],
    "- implicit subjects": [(kg_clauses, "_controller", _no_controller)],
    "constant confidence": None,
}


@contextlib.contextmanager
def patched(patches, docs=None):
    """Apply the patches; with ``docs``, ``parse_tokenised`` replays them instead of parsing."""
    with contextlib.ExitStack() as stack:
        for module, name, value in patches:
            stack.enter_context(mock.patch.object(module, name, value))
        if docs is not None:
            stack.enter_context(mock.patch.object(kg_openie, "parse_tokenised", lambda *a, **k: iter(docs)))
        yield


# ---------------------------------------------------------------------------------------- run


def parse_and_extract(sentences, nlp) -> tuple[list[str], list]:
    """``bench/carb.py``'s call (``openie_lines``), keeping the Docs its parse yields."""
    docs: list = []
    parse = kg_openie.parse_tokenised

    def capture(*args, **kwargs):
        for doc in parse(*args, **kwargs):
            docs.append(doc)
            yield doc

    with mock.patch.object(kg_openie, "parse_tokenised", capture):
        lines = list(kg_openie.openie_lines(sentences, nlp))
    return lines, docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev,test", help="comma-separated: dev, test (default both)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (default ../shared)")
    ap.add_argument("--limit", type=int, help="only the first N sentences of each split")
    a = ap.parse_args(argv)

    from kg.nlp import load_model

    cs = load_scorer(a.shared)
    carb = a.shared / "benchmarks" / "carb"
    nlp = load_model()
    splits = a.split.split(",")
    scores: dict[str, dict[str, dict]] = {name: {} for name in CONFIGS}
    for split in splits:
        sentences = read_sentences(carb / f"{split}.txt")[:a.limit]
        gold = cs.read_gold(carb / "gold" / f"{split}.tsv")
        keys = {cs.sentence_key(s) for s in sentences}
        gold = {k: v for k, v in gold.items() if k in keys}
        start = time.perf_counter()
        full_lines, docs = parse_and_extract(sentences, nlp)
        secs = time.perf_counter() - start
        full = cs.evaluate(gold, predictions(cs, full_lines))
        print(f"{split}: {len(sentences)} sentences, {sum(map(len, gold.values()))} gold tuples, "
              f"parsed and extracted in {secs:.1f} s")
        for name, patches in CONFIGS.items():
            if patches is None:
                scores[name][split] = cs.evaluate(gold, predictions(cs, full_lines, constant=1.0))
                continue
            with patched(patches, docs):
                lines = list(kg_openie.openie_lines(sentences, nlp))
            r = cs.evaluate(gold, predictions(cs, lines))
            if name == "full" and (lines != full_lines or r != full):
                sys.exit(f"error: {split}: replaying the parsed Docs does not reproduce bench/carb.py's tuples "
                         f"({len(lines)} vs {len(full_lines)} lines)")
            r["n"] = len(lines)
            scores[name][split] = r

    ref = "test" if "test" in splits else splits[-1]
    head = f"{'configuration':22}" + "".join(f" | {s + ' P':>7} {'R':>6} {'F1':>6} {'AUC':>6} {'tuples':>6}" for s in splits)
    print(head + f" | {'ΔF1 ' + ref:>9}")
    print("-" * len(head) + "-+-" + "-" * 9)
    for name, per in scores.items():
        row = f"{name:22}"
        for s in splits:
            r = per[s]
            n = f"{r['n']:6d}" if "n" in r else f"{'':6}"
            row += f" | {r['P']:7.1%} {r['R']:6.1%} {r['F1']:6.1%} {r['AUC']:6.1%} {n}"
        delta = 100 * (per[ref]["F1"] - scores["full"][ref]["F1"])
        print(row + f" | {delta:+9.1f}")
    print("(the full row is bench/carb.py's path on the same sentences; checked against the replayed parse)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
