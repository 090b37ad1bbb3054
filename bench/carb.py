#!/usr/bin/env python3
"""kg's open stage on the CaRB Open IE benchmark: P, R, F1, AUC and speed on dev and test.

Usage (from the project root, in the venv):

    python bench/carb.py                      # dev and test
    python bench/carb.py --split test --out /tmp/carb   # also keep the tabbed predictions
    python bench/carb.py --fit                # refit the confidence weights on dev, then score

Data and scorer come from ../shared (benchmarks/carb/{dev,test}.txt, gold/*.tsv and
eval/carb_score.py, an independent re-implementation of the official CaRB scorer). For each split
the script runs :func:`kg.openie.openie_lines` on the gold tokenisation (model loading excluded
from the timing), scores the tuples and prints one line; then the same tuples with one constant
confidence, to show what the confidences add (a constant confidence makes the PR curve a single
point joined to (0, 1), which inflates AUC while F1 can only drop).

Targets (the Open IE issue), CaRB test: F1 ≥ 55.0 with precision ≥ 0.60 and AUC ≥ 35 from real
confidences; the whole test set well under a minute on 2 cores.

``--fit`` refits ``ontology/lexicon/openie_confidence.tsv`` on CaRB **dev only**: a logistic
regression (L2 on standardised features, batch gradient descent) whose target for each tuple is
its best token precision against the sentence's gold tuples (the scorer's own matching).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

L2 = 30.0
STEPS = 2000
RATE = 0.5
MIN_COUNT = 10  # a feature seen on fewer dev tuples gets no weight


def load_scorer(shared: Path):
    path = shared / "eval" / "carb_score.py"
    if not path.is_file():
        sys.exit(f"error: {path} not found (pass --shared DIR)")
    spec = importlib.util.spec_from_file_location("carb_score", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["carb_score"] = module
    spec.loader.exec_module(module)
    return module


def read_sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predictions(cs, lines: list[str], constant: float | None = None):
    preds: dict[str, list] = {}
    for line in lines:
        sent, conf, rel, *args = line.split("\t")
        preds.setdefault(cs.sentence_key(sent), []).append(cs.Tuple(rel, args, constant if constant is not None else float(conf)))
    return preds


def fit(cs, nlp, carb: Path) -> None:
    """Refit the confidence weights on CaRB dev and write them to the lexicon file."""
    import numpy as np

    from kg.lexicon import load_lexicon
    from kg.openie import CONFIDENCE_FILE, _weights, open_tuples_with_features, parse_tokenised

    gold = cs.read_gold(carb / "gold" / "dev.tsv")
    lex = load_lexicon()
    rows, labels = [], []
    for doc in parse_tokenised(read_sentences(carb / "dev.txt"), nlp):
        g = gold.get(cs.sentence_key(doc.text), [])
        if not g:
            continue
        for t, feats in open_tuples_with_features(doc, lex):
            pred = cs.Tuple(t.relation, list(t.arguments))
            rows.append(feats)
            labels.append(max(cs.score_pair(x, pred)[0] for x in g))
    counts: dict[str, int] = {}
    for r in rows:
        for k, v in r.items():
            counts[k] = counts.get(k, 0) + (v != 0)
    names = sorted(k for k, n in counts.items() if n >= MIN_COUNT)  # rare features would only be noise
    x = np.array([[r.get(k, 0.0) for k in names] for r in rows])
    y = np.array(labels)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(len(names)), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        w -= RATE * (z.T @ (p - y) / len(y) + L2 * w / len(y))
        b -= RATE * float((p - y).mean())
    weights, bias = w / sd, b - float((w * mu / sd).sum())
    lines = [
        "# Weights of the Open IE confidence (kg/openie.py): a logistic model over tuple features,",
        f"# fitted on CaRB dev only by `python bench/carb.py --fit` ({len(rows)} tuples; target: each tuple's",
        f"# best token precision against a gold tuple; L2 {L2:g} on standardised features;",
        f"# features seen on fewer than {MIN_COUNT} dev tuples have no weight).",
        "# Features: rule=, dep= (clause type), subj= (how the subject was found), obj=, relation=,",
        "# modality=, negative, argument and relation lengths, pronoun/wh subjects, punctuation, sentence context.",
        "feature\tweight",
        f"bias\t{bias:.4f}",
    ]
    lines += [f"{k}\t{v:.4f}" for k, v in zip(names, weights)]
    CONFIDENCE_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _weights.cache_clear()
    print(f"fitted {len(names)} weights on {len(rows)} dev tuples → {CONFIDENCE_FILE.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev,test", help="comma-separated: dev, test (default both)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (default ../shared)")
    ap.add_argument("--out", type=Path, help="write the tabbed predictions to OUT/<split>.tsv")
    ap.add_argument("--fit", action="store_true", help="refit the confidence weights on dev first")
    a = ap.parse_args(argv)

    from kg.nlp import load_model
    from kg.openie import openie_lines

    cs = load_scorer(a.shared)
    carb = a.shared / "benchmarks" / "carb"
    nlp = load_model()
    if a.fit:
        fit(cs, nlp, carb)
    print(f"{'split':5} {'P':>6} {'R':>6} {'F1':>6} {'AUC':>6} {'tuples':>7} {'sent/s':>7}")
    for split in a.split.split(","):
        sentences = read_sentences(carb / f"{split}.txt")
        gold = cs.read_gold(carb / "gold" / f"{split}.tsv")
        start = time.perf_counter()
        lines = list(openie_lines(sentences, nlp))
        secs = time.perf_counter() - start
        if a.out:
            a.out.mkdir(parents=True, exist_ok=True)
            (a.out / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        r = cs.evaluate(gold, predictions(cs, lines))
        c = cs.evaluate(gold, predictions(cs, lines, constant=1.0))
        print(f"{split:5} {r['P']:6.1%} {r['R']:6.1%} {r['F1']:6.1%} {r['AUC']:6.1%} {len(lines):7d} "
              f"{len(sentences) / secs:7.1f}   ({len(sentences)} sentences in {secs:.1f} s)")
        print(f"{'':5} constant confidence: P {c['P']:.1%} R {c['R']:.1%} F1 {c['F1']:.1%} AUC {c['AUC']:.1%} "
              f"(F1 {100 * (r['F1'] - c['F1']):+.1f} from the confidences)")
        median = sorted(float(line.split("\t")[1]) for line in lines)[len(lines) // 2]
        hi = cs.evaluate(gold, predictions(cs, [x for x in lines if float(x.split("\t")[1]) >= median], constant=1.0))
        lo = cs.evaluate(gold, predictions(cs, [x for x in lines if float(x.split("\t")[1]) < median], constant=1.0))
        print(f"{'':5} precision of the more confident half {hi['P']:.1%}, of the less confident half {lo['P']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
