"""End to end: `kg build` on real articles (plus a hostile one) → graph.html in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner


from kg.cli import app
from kg.ontology import KG

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PWN = "window.__kgPwned"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    src = tmp_path_factory.mktemp("articles")
    shutil.copytree(EXAMPLES, src / "examples")
    evil = f'<script>{PWN}=1</script><img src=x onerror="{PWN}=2">'
    (src / "hostile.jsonl").write_text(json.dumps({
        "id": "hostile-1",
        "title": f"Studio news {evil}",
        "url": f"javascript:{PWN}=3",
        "text": f"The actor Quinn Marlow{evil} signed the open letter. Marlow{evil} joined the Screen Voices Guild.",
    }) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(app, ["build", str(src), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _entity_count(ttl: Path) -> int:
    g = rdflib.Graph().parse(ttl)
    return len(set(g.subjects(KG.mentionCount, None)))


def test_graph_html_draws_every_entity_offline_and_runs_nothing(built, open_page):
    entities = _entity_count(built / "graph.ttl")
    assert entities > 50
    s = open_page(built / "graph.html")
    drawn = s.page.evaluate("[kgExplorer.nodes.length, kgExplorer.network.body.nodeIndices.length]")
    assert drawn == [entities, entities]
    # open every node that carries hostile text
    ids = s.page.evaluate("kgExplorer.nodes.get().filter(n => /Marlow|Guild|letter/.test(n.label)).map(n => n.id)")
    assert ids
    for node in ids:
        s.page.evaluate("id => kgExplorer.focusNode(id)", node)
    s.page.wait_for_timeout(200)
    assert s.page.evaluate(f"typeof {PWN}") == "undefined"
    assert s.page.locator("img, iframe, script[src]").count() == 0
    s.assert_clean()
