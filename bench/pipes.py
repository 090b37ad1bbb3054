#!/usr/bin/env python3
"""Seconds spent in each spaCy component, the model as shipped against kg's pipeline.

Usage (from the project root, in the venv):

    python bench/pipes.py --articles 300

Both pipelines parse the same Wikinews articles component by component (every Doc through one
component before the next), so each component's time is its own. kg's pipeline adds
``kg_paragraph_boundaries`` and gives the attribute ruler and lemmatizer the pattern index and
lemma cache of :mod:`kg.fastpipes`; the script also checks that both pipelines give every token
the same annotations (the shipped model with kg's sentence-start component as the reference)
and prints how many Docs differ: it should print 0.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "wikinews" / "articles.jsonl.gz"


def component_seconds(nlp, texts: list[str]) -> tuple[dict[str, float], list]:
    """Seconds per component (the tokenizer included) and the annotated Docs."""
    seconds = {}
    t = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    seconds["tokenizer"] = time.perf_counter() - t
    for name, proc in nlp.pipeline:
        t = time.perf_counter()
        docs = list(proc.pipe(docs, batch_size=32)) if hasattr(proc, "pipe") else [proc(doc) for doc in docs]
        seconds[name] = time.perf_counter() - t
    return seconds, docs


def main() -> None:
    import numpy
    import spacy
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, ORTH, POS, SENT_START, TAG

    from kg.nlp import load_model, model_name, text_for_parsing

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--no-check", dest="check", action="store_false",
                    help="skip parsing the articles a third time to compare the annotations")
    args = ap.parse_args()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        texts = [text_for_parsing(json.loads(line)["text"]) for line in itertools.islice(fh, args.articles)]
    stock = spacy.load(model_name())
    stock.max_length = max(stock.max_length, 5_000_000)
    kg = load_model()
    results = {"stock": component_seconds(stock, texts), "kg": component_seconds(kg, texts)}
    names = list(dict.fromkeys(["tokenizer", *kg.pipe_names, *stock.pipe_names]))
    print(f"{len(texts)} articles, {sum(len(d) for d in results['kg'][1]):,} tokens")
    print(f"{'component':26s} {'stock s':>9s} {'kg s':>9s}")
    for name in names:
        a, b = results["stock"][0].get(name), results["kg"][0].get(name)
        print(f"{name:26s} {'' if a is None else f'{a:9.2f}':>9s} {'' if b is None else f'{b:9.2f}':>9s}")
    total_a, total_b = sum(results["stock"][0].values()), sum(results["kg"][0].values())
    print(f"{'total':26s} {total_a:9.2f} {total_b:9.2f}  (kg / stock {total_b / total_a:.3f})")
    if args.check:  # kg's annotations against the shipped model's plus kg's sentence starts
        reference = spacy.load(model_name())
        reference.max_length = stock.max_length
        reference.add_pipe("kg_paragraph_boundaries", before="parser")
        attrs = [ORTH, TAG, POS, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START]
        differ = sum(not numpy.array_equal(a.to_array(attrs), b.to_array(attrs))
                     for a, b in zip(reference.pipe(texts, batch_size=32), results["kg"][1]))
        print(f"Docs whose annotations differ from the shipped model's with kg's sentence starts: {differ}")

if __name__ == "__main__":
    main()
