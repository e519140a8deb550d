"""Parallax: who else covered a news article, and where the accounts diverge.

Serve the REST API and the newsroom dashboard, ingest coverage, and compare articles."""

from __future__ import annotations

import asyncio
import logging
from enum import IntEnum
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.serve import keygen, serve
from cli.worker import worker
from core.config import Settings
from core.errors import InvalidInput, NotFound, ParallaxError, RefusedAddress

if TYPE_CHECKING:
    from ingest.jobs import BatchStatus
    from ingest.service import IngestService

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"parallax {version('parallax')}")
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
            metavar="",
        ),
    ] = False,
) -> None:
    pass


console = Console(stderr=True)
app.command()(serve)
app.command()(keygen)
app.command()(worker)


# A flag takes no value: an empty metavar keeps `--help` from showing one.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.", metavar="")]


class ExitCode(IntEnum):
    OK = 0
    SOME_FAILED = 1
    USAGE = 2
    ALL_FAILED = 3
    # Codes are per command: for `coverage`, 1 means the article was found but stands alone.
    NO_COVERAGE = 1


def _summary(status: BatchStatus) -> ExitCode:
    table = Table(title=f"Batch {status.id}")
    table.add_column("result")
    table.add_column("count", justify="right")
    for outcome, count in sorted(status.outcomes.items()):
        table.add_row(outcome, str(count))
    for reason, count in sorted(status.failures.items()):
        table.add_row(f"failed: {reason}", str(count))
    console.print(table)
    failed = sum(status.failures.values())
    done = sum(status.outcomes.values())
    if failed and not done:
        return ExitCode.ALL_FAILED
    return ExitCode.SOME_FAILED if failed else ExitCode.OK


async def _watch(service: IngestService, batch_id: int, show_progress: bool) -> BatchStatus:
    with Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None)
        while True:
            status = await asyncio.to_thread(service.queue.batch_status, batch_id)
            assert status is not None
            total = sum(status.counts.values())
            finished = total - status.counts.get("queued", 0) - status.counts.get("running", 0)
            progress.update(task, total=total, completed=finished)
            if status.finished:
                return status
            await asyncio.sleep(0.3)


async def _ingest(
    settings: Settings, urls: list[str], feeds: bool, jsonl: Path | None, show_progress: bool
) -> ExitCode:
    from ingest.jsonl import read_articles
    from ingest.service import ingest_service

    articles = list(read_articles(jsonl)) if jsonl is not None else []
    async with ingest_service(settings, schedule_feeds=False) as service:
        if jsonl is not None:
            batch = service.submit_articles(articles).id
        elif feeds:
            batch = service.submit_feeds(urls).id
        else:
            batch = service.submit_urls(urls).id
        status = await _watch(service, batch, show_progress)
    return _summary(status)


@app.command()
def ingest(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Article URLs, or outlet slugs with --feeds.")
    ] = None,
    feeds: Annotated[
        bool,
        typer.Option(
            "--feeds", help="Poll the feeds of the named outlets (all if none).", metavar=""
        ),
    ] = False,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help="Articles in the shared event format.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.", metavar="")] = True,
) -> None:
    """Ingest articles by URL, from outlet feeds, or from a JSONL file.

    Exit codes: 0 every item ingested or already stored; 1 some failed; 2 bad usage or input;
    3 every item failed.
    """
    items = list(targets or [])
    if sum((bool(items) and not feeds, feeds, jsonl is not None)) != 1:
        console.print("give URLs, or --feeds [OUTLET...], or --jsonl FILE (exactly one)")
        raise typer.Exit(ExitCode.USAGE)
    if jsonl is not None and not jsonl.is_file():
        console.print(f"no such file: {jsonl}")
        raise typer.Exit(ExitCode.USAGE)
    logging.basicConfig(level=logging.WARNING)
    try:
        code = asyncio.run(_ingest(Settings(), items, feeds, jsonl, progress))
    except ParallaxError as error:
        console.print(f"error ({error.code}): {error}")
        raise typer.Exit(ExitCode.USAGE) from error
    raise typer.Exit(code)


def _failure(error: ParallaxError) -> ExitCode:
    """Bad input (an unusable or refused URL, an unknown id) or any other failure."""
    if isinstance(error, InvalidInput | RefusedAddress | NotFound):
        return ExitCode.USAGE
    return ExitCode.ALL_FAILED


@app.command()
def coverage(
    url: Annotated[
        str | None, typer.Argument(help="The article's URL: looked up, else fetched and ingested.")
    ] = None,
    article_id: Annotated[
        int | None, typer.Option("--article-id", min=1, help="A stored article's id instead.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            exists=True,
            dir_okay=False,
            help="The page saved from a browser, ingested under URL: nothing is fetched.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show who else covered one article: its event's other members, best match first.

    Exit codes: 0 coverage found; 1 no other article of the event is stored (the answer is still
    printed); 2 bad usage or input (an invalid or refused URL, an unknown article id); 3 any
    other failure, such as a page that cannot be fetched or read.
    """
    from cli.coverage import coverage_header, coverage_json, coverage_table, find_coverage

    targets = [target for target in (url, article_id) if target is not None]
    if len(targets) != 1 or (html is not None and url is None):
        console.print("give a URL (with --html FILE for a saved page) or --article-id N")
        raise typer.Exit(ExitCode.USAGE)
    logging.basicConfig(level=logging.WARNING)
    page = html.read_text(encoding="utf-8", errors="replace") if html is not None else None
    try:
        found = asyncio.run(find_coverage(Settings(), targets[0], page))
    except ParallaxError as error:
        console.print(f"error ({error.code}): {error}", markup=False, soft_wrap=True)
        raise typer.Exit(_failure(error)) from error
    answer = found.coverage
    if found.ingested:
        console.print(f"ingested as article {answer.article.article_id}", markup=False)
    if as_json:
        typer.echo(coverage_json(answer))
    else:
        out = Console()
        out.print(coverage_header(answer), markup=False, highlight=False, soft_wrap=True)
        if answer.others:
            out.print(coverage_table(answer))
    if not answer.others:
        console.print("no coverage: no other article of this article's event is stored")
        raise typer.Exit(ExitCode.NO_COVERAGE)


@app.command()
def outlets() -> None:
    """List the outlets of the registry (shipped default plus PARALLAX_OUTLETS_FILE)."""
    from core.outlets import load_registry

    table = Table()
    for column in ("slug", "name", "language", "country", "kind", "leaning", "feeds"):
        table.add_column(column)
    for outlet in load_registry(Settings().outlets_file):
        table.add_row(
            outlet.slug,
            outlet.name,
            outlet.language,
            outlet.country,
            outlet.kind,
            outlet.leaning,
            str(len(outlet.feeds)),
        )
    Console().print(table)


@app.command(name="prepare-model")
def prepare_model() -> None:
    """Load the configured embedding model once, building what it needs (the int8 ONNX file)."""
    from index.embedder import load_embedder

    embedder = load_embedder(Settings())
    typer.echo(f"{embedder.name} ({embedder.dimension}-d) is ready")


@app.command()
def settings() -> None:
    """Print the settings reference in Markdown (the source of docs/settings.md)."""
    from core.settings_doc import settings_markdown

    typer.echo(settings_markdown(), nl=False)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the demo outlets' server.")] = 8765,
) -> None:
    """Serve the invented demo outlets locally and keep their coverage ingested."""
    from cli.demo import run_demo

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run_demo(Settings(), port, console))


@app.command(name="eval")
def evaluate(
    events: Annotated[Path, typer.Option("--events", help="Events in the shared format.")],
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="MRPC-style sentence pairs (alignment).")
    ] = None,
    as_json: JsonFlag = False,
    cache: Annotated[
        Path | None, typer.Option(help="Embedding cache directory (reruns are faster).")
    ] = None,
) -> None:
    """Measure same-event retrieval, clustering, alignment and divergence detection."""
    import json

    from evaluation.suite import run_suite
    from index.embedder import load_embedder

    for path in (events, pairs):
        if path is not None and not path.is_file():
            console.print(f"no such file: {path}")
            raise typer.Exit(ExitCode.USAGE)
    metrics = run_suite(
        events, pairs, load_embedder(Settings()), cache=cache, progress=console.print
    )
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
        return
    for key, value in metrics.items():
        typer.echo(f"{key:60} {value:.4f}")
