"""Measure extraction against hand-made gold files (the ``../shared/gold`` format).

:func:`evaluate` builds the given articles, writes the graph to a temporary Turtle file and scores
it with the gold scorer (``score_gold.py``: core/all fact recall, entity recall, type accuracy,
negatives emitted, supported share), and reports how long the spaCy parse took against kg's own
extraction on top of it.
"""

from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

__all__ = ["Evaluation", "evaluate", "default_scorer", "TARGETS"]

# The extraction issue's targets on the seed articles.
TARGETS = {
    "core_recall": 0.90,
    "all_recall": 0.70,
    "entity_recall": 0.90,
    "type_accuracy": 0.85,
    "supported_share": 0.65,
}


@dataclass(frozen=True)
class Evaluation:
    scores: dict[str, object]
    negatives: list[tuple]
    parse_seconds: float
    extract_seconds: float
    articles: int

    @property
    def extraction_overhead(self) -> float:
        """kg's extraction time as a share of the spaCy parse time."""
        return self.extract_seconds / self.parse_seconds if self.parse_seconds else 0.0

    def report(self) -> str:
        s = self.scores
        lines = [
            " ".join(f"{k}={s[k]}" for k in ("core_recall", "all_recall", "entity_recall", "type_accuracy",
                                               "negatives_emitted", "supported_share", "core", "all", "graph_facts")),
            f"articles={self.articles} parse={self.parse_seconds:.2f}s extraction={self.extract_seconds:.2f}s "
            f"extraction/parse={self.extraction_overhead:.1%}",
        ]
        lines += [f"NEGATIVE emitted: {n}" for n in self.negatives]
        return "\n".join(lines)


def default_scorer() -> Path:
    """``../shared/eval/score_gold.py`` beside the project checkout."""
    return Path(__file__).resolve().parents[2] / "shared" / "eval" / "score_gold.py"


def _load_scorer(path: Path):
    if not path.is_file():
        raise KgError(f"{path}: gold scorer not found (pass --scorer PATH)")
    spec = importlib.util.spec_from_file_location("kg_score_gold", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def evaluate(articles: list[str | Path], gold: list[str | Path], *, scorer: Path | None = None,
             model: str | None = None) -> Evaluation:
    """Build ``articles`` and score the graph against the gold files or directories ``gold``."""
    from kg.pipeline import build
    from kg.rdf import union_blocks
    from kg.serialize import turtle_chunks

    module = _load_scorer(scorer or default_scorer())
    result = build(articles, model=model)
    files: list[Path] = []
    for g in map(Path, gold):
        files += sorted(g.glob("*.gold.json")) if g.is_dir() else [g]
    if not files:
        raise KgError("no gold files (*.gold.json) found")
    with tempfile.TemporaryDirectory() as tmp:
        ttl = Path(tmp) / "graph.ttl"
        ttl.write_text("".join(turtle_chunks(union_blocks(result.graph))), encoding="utf-8")
        scores, negatives = _score(module, ttl, files)
    return Evaluation(scores, negatives, result.timings.parse, result.timings.extract, result.articles)


def _score(module, ttl: Path, files: list[Path]) -> tuple[dict[str, object], list[tuple]]:
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.main([str(ttl), *map(str, files), "--json"])
    lines = out.getvalue().strip().splitlines()
    negatives = [tuple(ln.split(" ", 2)[1:]) for ln in lines if ln.startswith("NEGATIVE")]
    return json.loads(lines[-1]), negatives
