"""Playwright fixtures for tests that open kg's HTML pages in Debian's headless Chromium.

The fixtures are registered for the whole suite in conftest.py (one Chromium per session)
and mark its tests ``@pytest.mark.browser`` and ``@pytest.mark.slow``. Every page is opened in a
fresh browser context that records network requests, console errors, uncaught exceptions and
dialogs, so a test can assert the page is offline and quiet with :meth:`PageSession.assert_clean`.

Without ``/usr/bin/chromium`` the tests are skipped, unless ``KG_REQUIRE_BROWSER`` is set (CI),
which turns the skip into a failure. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LOCAL_SCHEMES", "PageSession", "chromium", "open_page", "node_point"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
LOCAL_SCHEMES = ("file:", "data:")
"""URL schemes a self-contained page may load from."""


@dataclass
class PageSession:
    """A page and what it did: every requested URL, console errors, page errors, dialogs."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    def assert_clean(self) -> None:
        """No request left the machine, nothing was logged as an error, no dialog opened."""
        assert self.external_requests == []
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []


def _unavailable(reason: str) -> None:
    if os.environ.get("KG_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (KG_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session (Debian's, never a Playwright download)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: browser tests need Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Callable[..., PageSession]]:
    """Open a local file in a fresh context: ``open_page(path, ready=True, viewport=(1280, 800))``.

    With ``ready`` it waits until the kg explorer has drawn (``window.kgExplorer.ready``).
    Dialogs are recorded and dismissed. Contexts are closed when the test ends.
    """
    contexts: list[Any] = []

    def _open(path: Path, *, ready: bool = True, viewport: tuple[int, int] = (1280, 800)) -> PageSession:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        session = PageSession(page)
        page.on("request", lambda r: session.requests.append(r.url))
        page.on("console", lambda m: session.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: session.page_errors.append(str(e)))

        def on_dialog(dialog: Any) -> None:
            session.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri())
        if ready:
            page.wait_for_function("window.kgExplorer && window.kgExplorer.ready === true", timeout=30_000)
        return session

    yield _open
    for context in contexts:
        context.close()


_NODE_POINT = """id => {
  const net = kgExplorer.network, box = document.getElementById('kg-network').getBoundingClientRect();
  const p = net.canvasToDOM(net.getPosition(id));
  const x = Math.round(p.x), y = Math.round(p.y);
  const hit = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]].every(([dx, dy]) => net.getNodeAt({x: x + dx, y: y + dy}) === id);
  return {x: Math.round(box.left) + x, y: Math.round(box.top) + y, hit: hit};
}"""


def node_point(page: Any, node_id: int) -> tuple[int, int]:
    """Page coordinates (whole pixels) where a mouse event reaches vis node ``node_id``.

    Input events carry integer coordinates, so the node's centre is rounded and checked to be
    inside that node (not an overlapping neighbour) one pixel around.
    """
    p = page.evaluate(_NODE_POINT, node_id)
    assert p["hit"], f"node {node_id} is covered by another node at its centre"
    return p["x"], p["y"]
