"""The build: paths → articles → parsed Docs → extractions → resolved graph → RDF → files.

:func:`build` is what ``kg build`` runs. It streams articles through ``nlp.pipe`` in batches
(no list of all Docs is ever held), resolves entities over the whole corpus once extraction is
done, and returns a :class:`BuildResult`. :func:`write_outputs` writes ``graph.ttl``,
``graph.trig`` and ``graph.html`` atomically.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from contextlib import closing, contextmanager
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset

from kg.errors import KgError
from kg.faults import checkpoint
from kg.lexicon import load_lexicon
from kg.model import Article, ArticleExtraction, KnowledgeGraph, Problem
from kg.resolve import DEFAULT_MIN_CONFIDENCE, Resolver

__all__ = ["BuildResult", "Timings", "build", "remove_articles", "extract_articles", "write_outputs", "Outputs",
           "OUTPUT_FILES"]

OUTPUT_FILES = ("graph.ttl", "graph.trig", "graph.html")
BATCH_SIZE = 32


@dataclass
class BuildResult:
    """What a build produced, with figures for the summary line."""

    graph: KnowledgeGraph
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    timings: "Timings" = field(default_factory=lambda: Timings())
    extracted: int = 0  # articles parsed in this run
    reused: int = 0  # articles unchanged since an earlier build (read from the store's cache)
    sync: Any = None  # kg.store.SyncReport when a store was updated
    _dataset: Dataset | None = field(default=None, repr=False)

    @property
    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset (built on first use: large corpora never need it)."""
        if self._dataset is None:
            from kg.rdf import to_dataset

            self._dataset = to_dataset(self.graph)
        return self._dataset

    @property
    def articles(self) -> int:
        return len(self.graph.articles)

    @property
    def entities(self) -> int:
        return len(self.graph.entities)

    @property
    def facts(self) -> int:
        return sum(1 for f in self.graph.facts if f.asserted)

    def summary(self) -> str:
        claims = sum(1 for f in self.graph.facts if f.status == "claim")
        candidates = sum(1 for f in self.graph.facts if f.status == "candidate")
        incremental = f" ({self.extracted} parsed, {self.reused} unchanged)" if self.reused else ""
        return (
            f"{self.articles} articles{incremental}, {self.entities} entities, {self.facts} facts "
            f"(+{claims} unasserted claims, {candidates} low-confidence candidates) in {self.seconds:.1f} s"
            + (f"; {len(self.problems)} input problem(s)" if self.problems else "")
        )


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause CPython's cycle collector for a phase that builds many long-lived records and
    frees them by reference counting (resolution, writing the RDF): otherwise every full
    collection walks the whole graph again (a third of resolution's time at 1,000 articles).
    kg's records hold no reference cycles; collection resumes when the phase ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_spacing_lock = threading.Lock()
_spacing_users = 0
_spacing_saved: tuple[tuple[int, ...], bool] = ((700, 10, 10), False)


@contextmanager
def collection_spaced(threshold: int = 50_000) -> Iterator[None]:
    """Space out CPython's cycle collections while a stream of articles is parsed and extracted.

    Parsing and extraction allocate many short-lived containers per token; with the default
    threshold (700 allocations) the young generation is collected thousands of times per
    article, and each older collection walks everything still alive (the loaded model, the
    extractions kept so far). Here the objects alive at the start are frozen out of the
    collector's reach (:func:`gc.freeze`) and young collections wait for ``threshold``
    allocations; cycles are still collected.

    The settings are process-wide, so blocks are counted: the first to enter saves the
    caller's settings, the last to leave (in any order: streams consumed alternately, Dask
    tasks in threads) restores them. Objects a caller froze before stay frozen.
    """
    global _spacing_users, _spacing_saved
    with _spacing_lock:
        if _spacing_users == 0:
            _spacing_saved = (gc.get_threshold(), gc.get_freeze_count() > 0)
            gc.freeze()
            gc.set_threshold(threshold, *_spacing_saved[0][1:])
        _spacing_users += 1
    try:
        yield
    finally:
        with _spacing_lock:
            _spacing_users -= 1
            if _spacing_users == 0:
                old, caller_froze = _spacing_saved
                gc.set_threshold(*old)
                if not caller_froze:
                    gc.unfreeze()


def _unique(articles: Iterable[Article], on_problem: Callable[[Problem], None]) -> Iterator[Article]:
    seen: dict[str, str] = {}
    for a in articles:
        if a.id in seen:
            on_problem(Problem(a.source or a.id, f"duplicate article id {a.id!r} (first read from {seen[a.id]}), skipped"))
            continue
        seen[a.id] = a.source or a.id
        yield a


@dataclass
class Timings:
    """Wall-clock seconds spent in each stage (parse includes reading the input)."""

    parse: float = 0.0
    extract: float = 0.0
    resolve: float = 0.0
    store: float = 0.0
    rdf: float = 0.0


def extract_articles(
    articles: Iterable[Article],
    *,
    model: str | None = None,
    batch_size: int = BATCH_SIZE,
    on_article: Callable[[Article], None] | None = None,
    timings: Timings | None = None,
) -> Generator[ArticleExtraction, None, None]:
    """Parse and extract articles as a stream (bounded memory: one batch of Docs at a time).
    The model is loaded when the first article arrives (a rebuild that finds every article
    unchanged never loads it)."""
    import itertools

    timings = timings if timings is not None else Timings()
    articles = iter(articles)
    t0 = time.perf_counter()
    first = next(articles, None)
    timings.parse += time.perf_counter() - t0
    if first is None:
        return
    # spaCy and the extractor are imported here, not with this module: a process that extracts
    # nothing (a rebuild finding every article unchanged, the parent of extraction workers)
    # never pays for them.
    from kg.extract import extract_article
    from kg.nlp import load_model, text_for_parsing

    nlp = load_model(model)
    lex = load_lexicon()

    def texts() -> Iterator[tuple[str, Article]]:
        for a in itertools.chain((first,), articles):
            yield text_for_parsing(a.text), a

    docs = nlp.pipe(texts(), as_tuples=True, batch_size=batch_size)
    with collection_spaced():
        while True:
            t0 = time.perf_counter()
            try:
                doc, article = next(docs)
            except StopIteration:
                timings.parse += time.perf_counter() - t0
                return
            t1 = time.perf_counter()
            extraction = extract_article(doc, article, lex)
            timings.parse += t1 - t0
            timings.extract += time.perf_counter() - t1
            yield extraction
            if on_article is not None:
                on_article(article)


def build(
    paths: Iterable[str | Path],
    *,
    model: str | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    on_article: Callable[[Article], None] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    workers: int = 1,
    dask_address: str | None = None,
    store: str | Path | None = None,
    fresh: bool = False,
    on_resolved: Callable[[KnowledgeGraph], None] | None = None,
    parse_aside: bool = False,
    on_idle: Callable[[], bool] | None = None,
) -> BuildResult:
    """Build the knowledge graph of every article under ``paths``.

    Bad files are reported through ``on_problem`` (one :class:`Problem` each) and skipped; the
    other articles still build. Raises :class:`KgError` when no article could be read. Facts
    below ``min_confidence`` are kept as candidates, not asserted. ``workers`` > 1 extracts in
    that many processes; ``dask_address`` on a Dask cluster (see :mod:`kg.parallel`).

    With ``store`` (a directory, see :mod:`kg.workspace`) the build is incremental: articles
    already in the store with the same content are not parsed again, new and changed ones are,
    and the graph is resolved over every article the store holds and synced into its RDF store
    (only changed named graphs are rewritten). ``fresh`` empties the store first.
    ``on_resolved(graph)`` is called as soon as the graph is resolved, before the store's sync
    (:meth:`Outputs.start` draws the page meanwhile). ``on_idle()`` is called when this process
    has nothing left to do but wait for extraction processes, again and again until it returns
    False or the wait ends: each call does one small step of work and says whether there is more
    (:meth:`Outputs.preload` loads what drawing the page needs).

    ``parse_aside`` (what ``kg build`` does): when the store already holds articles, parse the
    new ones in a worker process even with one worker, so that it loads the model while this
    process reads the store's articles back. A script calling this needs the
    ``if __name__ == "__main__":`` guard then, as with ``workers`` > 1 (worker processes are
    spawned, and import the script's main module).

    >>> result = build(["examples/"])            # doctest: +SKIP
    >>> result.dataset.serialize(format="turtle")  # doctest: +SKIP
    """
    from kg.ingest import iter_articles

    started = time.perf_counter()
    problems: list[Problem] = []

    def report(p: Problem) -> None:
        problems.append(p)
        if on_problem is not None:
            on_problem(p)

    timings = Timings()
    articles = _unique(iter_articles(paths, on_problem=report), report)
    # Each extraction is handed to the resolver as it arrives (with workers, while they parse on).
    resolver = Resolver(min_confidence=min_confidence)
    if store is None:
        extractions = _extract(articles, model, workers, dask_address, on_article, timings, idle=on_idle)
        with closing(extractions), collection_spaced():
            for ex in extractions:
                _timed_add(resolver, ex, timings)
        if not len(resolver):
            raise KgError(_nothing_read(problems))
        t0 = time.perf_counter()
        with cycle_collection_paused():
            graph = resolver.graph()
        timings.resolve += time.perf_counter() - t0
        if on_resolved is not None:
            on_resolved(graph)
        return BuildResult(graph, problems, time.perf_counter() - started, timings, extracted=len(resolver))

    from kg.cache import extractor_version
    from kg.ingest import reusing_cleaned
    from kg.parallel import chunked
    from kg.workspace import Workspace

    with Workspace(store) as ws:
        if fresh:
            ws.cache.clear()
        version = extractor_version()
        seen = reused = extracted = 0
        # Input cleaned by an earlier build into an article whose extraction is current is not
        # cleaned again: the reader hands over a text-less article with the stored hash, which
        # changed() then finds fresh. Unchanged articles cleaned anyway (their input was not
        # known: a cache of an older kg) have their input's key stored for the next build.
        # (a store that does not exist yet knows no input, and is not created before an article is read)
        with reusing_cleaned(ws.cache.cleaned(version) if ws.exists() else {}) as cleaning:
            learned: list[tuple[str, str, str]] = []  # (raw key, article id, content hash)

            def changed(a: Article) -> bool:
                nonlocal seen, reused
                seen += 1
                fresh = ws.cache.fresh(a, version)
                if not fresh and a.digest and not a.text:
                    # a text-less article standing for input cleaned before, whose cache row
                    # another kg process replaced or removed since this build began: never
                    # extract it (it has no text)
                    raise KgError(f"{a.source}: the store {ws.path} changed while this build was reading it "
                                  "(another kg build or kg remove?); run kg build again")
                if fresh:
                    reused += 1
                    key = cleaning.keys.pop(a.id, None)
                    if key is not None:
                        learned.append((key, a.id, a.content_hash))
                    if on_article is not None:
                        on_article(a)
                    return False
                return True

            todo = (a for a in articles if changed(a))
            # The articles of earlier builds are read back from the cache for the resolver while
            # new ones are parsed in worker processes (with parse_aside on an update, one that
            # loads the model meanwhile; see _extract).
            earlier = ws.cache.read_except(resolver) if ws.exists() else iter(())
            update = parse_aside and ws.exists() and len(ws.cache) > 0

            def waiting() -> Iterator[bool]:
                ws.graph  # the RDF store, opened now instead of after resolution
                yield True
                more = True
                while more:  # resolution's work on the articles read so far
                    more = resolver.prepare()
                    yield True
                while on_idle is not None and on_idle():
                    yield True

            steps = waiting()

            def read_earlier() -> bool:
                ex = next(earlier, None)
                if ex is None:  # every earlier article read: other work
                    return next(steps, False)
                resolver.add(ex)
                return True

            extractions = _extract(todo, model, workers, dask_address, on_article, timings,
                                   idle=read_earlier, in_child=update)
            # Cached in batches, each a transaction: a build stopped half-way keeps what it finished.
            # (closing the stream at once when stopped: no worker process parses on)
            with closing(extractions), collection_spaced():
                for batch in chunked(extractions, 64):
                    extracted += ws.cache.put(batch, raw_keys={ex.article.id: cleaning.keys.pop(ex.article.id, None)
                                                               for ex in batch})
                    for ex in batch:
                        _timed_add(resolver, ex, timings)
                    checkpoint("extracted-batch")
            if learned:
                ws.cache.learn_raw(learned)
        if seen == 0:
            raise KgError(_nothing_read(problems))
        graph, sync = _resolve_and_sync(ws, min_confidence, timings, on_resolved, resolver, earlier)
    return BuildResult(graph, problems, time.perf_counter() - started, timings, extracted=extracted, reused=reused,
                       sync=sync)


def _nothing_read(problems: list[Problem]) -> str:
    return "no article could be read from the given paths" + (f" ({len(problems)} problem(s))" if problems else "")


def _extract(articles: Iterable[Article], model: str | None, workers: int, dask_address: str | None,
             on_article: Callable[[Article], None] | None, timings: Timings, *,
             idle: Callable[[], bool] | None = None, in_child: bool = False) -> Generator[ArticleExtraction, None, None]:
    """Extractions of ``articles``: in this process, or in ``workers`` processes (one with
    ``in_child``, started at once), or on a Dask cluster; ``idle`` is called while waiting for
    other processes (see :func:`kg.parallel.parallel_extractions`)."""
    if workers > 1 or dask_address is not None or in_child:
        from kg.parallel import parallel_extractions

        return parallel_extractions(articles, workers=workers, dask_address=dask_address, model=model,
                                    on_article=on_article, timings=timings, idle=idle, eager=in_child)
    return extract_articles(articles, model=model, on_article=on_article, timings=timings)


def _timed_add(resolver: Resolver, ex: ArticleExtraction, timings: Timings) -> None:
    t0 = time.perf_counter()
    resolver.add(ex)
    timings.resolve += time.perf_counter() - t0


def _resolve_and_sync(ws: Any, min_confidence: float, timings: Timings,
                      on_resolved: Callable[[KnowledgeGraph], None] | None = None,
                      resolver: Resolver | None = None,
                      rest: Iterator[ArticleExtraction] | None = None) -> tuple[KnowledgeGraph, Any]:
    """Resolve every article of the workspace and make its RDF store hold the result.

    ``resolver`` may hold some articles already; ``rest`` then yields the cache's others (by
    default every cached article is read).

    The store is synced from kg's TriG text of the graph (:meth:`kg.store.GraphStore.sync_sections`),
    which is graph.trig byte for byte: the report's ``trig`` names a private link to it that
    :func:`write_outputs` moves into place instead of serialising the graph again.
    """
    from kg.rdf import graph_sections

    t0 = time.perf_counter()
    if resolver is None:
        resolver = Resolver(min_confidence=min_confidence)
    with cycle_collection_paused():
        for ex in ws.cache if rest is None else rest:
            resolver.add(ex)
        graph = resolver.graph()
    timings.resolve += time.perf_counter() - t0
    if on_resolved is not None:
        on_resolved(graph)
    store = ws.graph  # takes the store's write lock
    t1 = time.perf_counter()
    checkpoint("before-sync")
    with cycle_collection_paused():
        sync = store.sync_sections(graph_sections(graph))
    sync = _keep_synced_trig(sync, graph, Path(ws.path))
    checkpoint("after-sync")
    timings.store = time.perf_counter() - t1
    return graph, sync


_SYNCED_TRIG = ".graph.trig.synced"


def _keep_synced_trig(sync: Any, graph: KnowledgeGraph, folder: Path) -> Any:
    """A hard link, in ``folder``, to the TriG text the store was just synced from (the next sync
    replaces the store's copy, not this one), named after this process and ``graph``; the report
    with ``trig`` pointing at it. Links nobody took (a build without outputs, a killed run) are
    removed by the next sync."""
    import dataclasses

    for stale in folder.glob(f"{_SYNCED_TRIG}-*"):
        stale.unlink(missing_ok=True)
    source = getattr(sync, "trig", None)
    if not source:
        return sync
    link = folder / f"{_SYNCED_TRIG}-{os.getpid()}-{id(graph):x}"
    try:
        os.link(source, link)
    except OSError:  # no hard links on this file system: write_outputs serialises the graph
        return dataclasses.replace(sync, trig=None)
    return dataclasses.replace(sync, trig=str(link))


def _take_synced_trig(result: BuildResult, target: Path) -> bool:
    """Move the TriG text :func:`_keep_synced_trig` kept for ``result`` to ``target``."""
    source = getattr(result.sync, "trig", None)
    if not source or not Path(source).name.endswith(f"-{os.getpid()}-{id(result.graph):x}"):
        return False
    source = Path(source)
    try:
        os.replace(source, target)  # same file system (the store is usually under the output dir)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        pass
    import shutil

    copy = target.with_name(target.name + ".copy")
    try:
        with open(source, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(copy, target)
        return True
    except OSError:
        copy.unlink(missing_ok=True)
        return False
    finally:
        source.unlink(missing_ok=True)


def remove_articles(article_ids: Iterable[str], store: str | Path, *,
                    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                    on_resolved: Callable[[KnowledgeGraph], None] | None = None) -> tuple[BuildResult, list[str]]:
    """Drop articles from the store and re-resolve the rest; returns the new build and the ids
    that were not in the store (``on_resolved`` as for :func:`build`)."""
    from kg.workspace import Workspace

    started = time.perf_counter()
    timings = Timings()
    with Workspace(store) as ws:
        if not ws.exists():
            raise KgError(f"{store}: no kg store here")
        missing = [aid for aid in article_ids if not ws.cache.remove(aid)]
        if len(ws.cache) == 0:
            ws.graph.clear()
            return BuildResult(KnowledgeGraph((), (), ()), seconds=time.perf_counter() - started), missing
        graph, sync = _resolve_and_sync(ws, min_confidence, timings, on_resolved)
    return BuildResult(graph, seconds=time.perf_counter() - started, timings=timings, sync=sync), missing


def _render_html(graph: KnowledgeGraph, path: Path, kwargs: dict[str, Any]) -> None:
    from kg.network import from_knowledge_graph
    from kg.render import render_html

    render_html(from_knowledge_graph(graph), path, **kwargs)


class _HtmlJob:
    """graph.html rendered in a forked child process where the platform forks (else inline, at
    :meth:`finish`); :meth:`finish` raises :class:`KgError` with the child's one-line error."""

    def __init__(self, graph: KnowledgeGraph, path: Path, kwargs: dict[str, Any]) -> None:
        import multiprocessing

        self.args = (graph, path, kwargs)
        self.process = self.conn = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        ctx = multiprocessing.get_context("fork")
        self.conn, child_conn = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=self._child, args=(child_conn, *self.args), daemon=True)
        self.process.start()
        child_conn.close()

    @staticmethod
    def _child(conn: Any, graph: KnowledgeGraph, path: Path, kwargs: dict[str, Any]) -> None:
        import sys
        import warnings

        # No cycle collection in this short-lived process: it would walk everything inherited
        # from the parent (the resolved graph: millions of objects), writing to the pages shared
        # with it, and then everything the drawing makes, which holds no reference cycles (a
        # sixth of the drawing's time at 1,000 articles even with the parent's objects frozen
        # out of reach). The child ends when the page is written.
        gc.disable()
        # Nothing of the parent's terminal handling (a progress bar may have wrapped the
        # streams): the child reports through ``conn`` only.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        warnings.simplefilter("ignore")
        try:
            _render_html(graph, path, kwargs)
            conn.send(None)
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            conn.send(f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__)

    def finish(self) -> None:
        if self.process is None:
            _render_html(*self.args)
            return
        try:
            error = self.conn.recv()
        except EOFError:  # the child died without a word (killed, out of memory)
            error = "the rendering process died"
        self.process.join()
        if error is None and self.process.exitcode != 0:
            error = f"the rendering process exited with code {self.process.exitcode}"
        if error is not None:
            raise KgError(f"{self.args[1].parent / 'graph.html'}: cannot render the HTML graph ({error})")

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join()
        if self.conn is not None:
            self.conn.close()


def _alive(pid: str) -> bool:
    """Whether process ``pid`` (a staged file's suffix) still runs; this process counts as dead
    (its own leftovers from an earlier Outputs go too)."""
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


class Outputs:
    """graph.ttl, graph.trig and graph.html of a build in ``out_dir``, renamed into place together.

    :meth:`start` begins drawing the page in a forked process as soon as the graph is resolved
    (pass it as ``build(..., on_resolved=outputs.start)``), so that the drawing overlaps the store's
    sync and the writing of the RDF files; :meth:`write` writes the RDF files, waits for the page
    and renames the three into place. Used as a context manager, it stops the drawing and removes
    the staged files when the build fails.
    """

    def __init__(self, out_dir: str | Path, *, html_max_nodes: int | None = None) -> None:
        self.out = Path(out_dir)
        self.paths = {name: self.out / name for name in OUTPUT_FILES}
        # Staged next to their targets under names carrying this process's id: another build of
        # the same folder running at the same time, or a page process orphaned by a killed run,
        # never touches them.
        self.staged = {name: self.out / f".{name}.staged-{os.getpid()}" for name in OUTPUT_FILES}
        self.kwargs = {"max_nodes": html_max_nodes} if html_max_nodes else {}
        self._html: _HtmlJob | None = None
        self._graph: KnowledgeGraph | None = None
        self._prepared = False
        self._preloaded = 0  # steps of preload() done

    def _prepare(self) -> None:
        if not self._prepared:
            self.out.mkdir(parents=True, exist_ok=True)
            # Files staged by runs that were killed while writing (and write_atomic's temporary
            # files of them: "..graph.ttl.staged-PID.*.tmp"); those of live processes stay.
            for leftover in [*self.out.glob(".graph.*.staged-*"), *self.out.glob("..graph.*.staged-*")]:
                if not _alive(leftover.name.rsplit(".staged-", 1)[1].split(".", 1)[0]):
                    leftover.unlink(missing_ok=True)
            for name in OUTPUT_FILES:  # staged by kg versions whose names carried no process id
                (self.out / f".{name}.staged").unlink(missing_ok=True)
            self._prepared = True

    def preload(self) -> bool:
        """One step of loading what drawing the page needs besides the graph (its modules, then
        :func:`kg.render.preload`); whether there is more. ``build(on_idle=outputs.preload)``
        takes that time off the drawing, forked later, while it waits for its workers."""
        self._preloaded += 1
        if self._preloaded == 1:
            import kg.render  # noqa: F401 - with networkx and kg.network
        elif self._preloaded == 2:
            from kg.render import preload

            preload()
        return self._preloaded < 2

    def start(self, graph: KnowledgeGraph) -> None:
        """Start drawing ``graph``'s page (the page only reads the resolved graph)."""
        self._prepare()
        if self._html is not None:
            self._html.stop()
        self._graph = graph
        self._html = _HtmlJob(graph, self.staged["graph.html"], self.kwargs)

    def write(self, result: BuildResult) -> dict[str, Path]:
        """Write the files of ``result`` (its page is drawn now unless :meth:`start` had it)."""
        from kg.rdf import graph_sections, write_atomic
        from kg.serialize import trig_section_chunks, turtle_from_trig

        t0 = time.perf_counter()
        if self._html is None or self._graph is not result.graph:
            self.start(result.graph)
        try:
            # graph.trig first (the store's sync wrote it already when there is a store); graph.ttl
            # then takes every block but the entities' from that text instead of rendering them.
            with cycle_collection_paused():
                if not _take_synced_trig(result, self.staged["graph.trig"]):
                    write_atomic(self.staged["graph.trig"],
                                 trig_section_chunks(graph_sections(result.graph, fingerprints=False)))
                checkpoint("between-outputs")
                write_atomic(self.staged["graph.ttl"], turtle_from_trig(result.graph, self.staged["graph.trig"]))
            result.timings.rdf = time.perf_counter() - t0
            self._html.finish()
            for name in OUTPUT_FILES:
                os.replace(self.staged[name], self.paths[name])
        finally:
            self.close()
        return self.paths

    def close(self) -> None:
        """Stop the drawing (if still running) and remove whatever is still staged."""
        if self._html is not None:
            self._html.stop()
            self._html = None
        if self._prepared:
            for tmp in self.staged.values():
                tmp.unlink(missing_ok=True)

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_outputs(result: BuildResult, out_dir: str | Path, *, html_max_nodes: int | None = None) -> dict[str, Path]:
    """Write graph.ttl, graph.trig and graph.html into ``out_dir``, each atomically (and renamed
    into place together, at the end: an interruption leaves the previous set)."""
    with Outputs(out_dir, html_max_nodes=html_max_nodes) as outputs:
        return outputs.write(result)
