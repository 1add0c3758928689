"""The store's verbs on the ``sitrep`` command: ingest, the five queries, export.

Each verb opens a ``Store``, calls one method and lays out what comes back; the filters mean the
same on every verb (``--actor --place --near --type --since --until``).
"""

from __future__ import annotations

import itertools
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .cli import ModelOpt, OutOpt, _progress, app, err, warn
from .errors import NothingRead, SitrepError

DbOpt = Annotated[str, typer.Option("--db", envvar="SITREP_DB", help="The DuckDB database file.")]
WaitOpt = Annotated[float, typer.Option(
    "--wait", help="Seconds to wait while another process holds the database.")]
ActorOpt = Annotated[str | None, typer.Option(help="An actor id, or part of a name.")]
PlaceOpt = Annotated[str | None, typer.Option(
    help="A place id, or part of a place's name or of its province (admin1).")]
NearOpt = Annotated[str | None, typer.Option(metavar="LAT,LON,KM",
                                             help="Within KM kilometres of a point.")]
SinceOpt = Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="On or after this date.")]
UntilOpt = Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="On or before this date.")]
ModalityOpt = Annotated[str | None, typer.Option(
    help="factual, asserted, reported, intended, hypothetical, negated, question "
    "(comma-separated).")]
LimitOpt = Annotated[int | None, typer.Option(help="At most this many rows.")]
VersionsOpt = Annotated[bool, typer.Option(
    "--all-versions", help="Include texts replaced by a newer version under the same URL.")]
TextColumnOpt = Annotated[str | None, typer.Option(help="CSV/JSON field holding the body.")]
TitleColumnOpt = Annotated[str | None, typer.Option(help="CSV/JSON field holding the title.")]
DateColumnOpt = Annotated[str | None, typer.Option(help="CSV/JSON field holding the date.")]
SourceColumnOpt = Annotated[str | None, typer.Option(help="CSV/JSON field holding the source.")]
DEFAULT_DB = "sitrep.duckdb"




def _type(what: str):
    return typer.Option("--type", help=f"{what} (comma-separated).")


EventTypeOpt = Annotated[str | None, _type("PLOVER type, e.g. ASSAULT, or an ACLED event type")]
ActorKindOpt = Annotated[str | None, _type("Actor kind, e.g. armed_group")]
FeatureOpt = Annotated[str | None, _type("Place feature, e.g. town, crossing, camp")]
QuoteKindOpt = Annotated[str | None, _type("Quote kind: direct, indirect, partial, floating")]
ClaimKindOpt = Annotated[str | None, _type(
    "Claim kind: statistic, causal, comparison, prediction, attribution")]


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Shape(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Shape, typer.Option("--format", "-f", help="Output format.")]

# What the terminal table shows; json and csv carry every column.
_COLUMNS = {
    "events": ("date", "type", "modality", "source", "target", "place", "corroboration",
               "evidence"),
    "groups": ("date", "type", "modality", "source", "target", "place", "corroboration",
               "n_reports", "outlets"),
    "actors": ("id", "name", "kind", "country", "documents", "mentions", "events", "last_seen"),
    "places": ("id", "name", "feature", "admin1", "country", "lat", "lon", "documents", "events",
               "distance_km"),
    "quotes": ("published", "speaker", "kind", "text", "outlet"),
    "claims": ("published", "checkworthiness", "kinds", "attributed_to", "text"),
}


def _read(db: str, wait: float, what: str, **filters):
    from .store import Store

    with Store(db, read_only=True, wait=wait) as store:
        return getattr(store, what)(**filters)


def _show(frame, shape: Shape, what: str) -> None:
    from .store.export import plain

    frame = plain(frame)
    if shape is Shape.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=2) + "\n")
    elif shape is Shape.csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif frame.empty:
        err.print(f"[dim]no {what} match[/dim]")
    else:
        columns = [c for c in _COLUMNS[what] if c in frame.columns]
        shown = frame[columns].astype(object)
        table = Table(*columns)
        for row in shown.where(shown.notna(), None).itertuples(index=False):
            table.add_row(*map(_cell, row))
        Console(width=None if sys.stdout.isatty() else 200).print(table)
        err.print(f"[dim]{len(frame)} {what}[/dim]")


def _cell(value) -> Text:
    if value is None:
        return Text("")
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    # Text, not a str: an evidence span such as "[1]" is not rich markup.
    return Text(text if len(text) <= 120 else text[:117] + "...")


@app.command()
def events(
    actor: ActorOpt = None, place: PlaceOpt = None, near: NearOpt = None,
    type: EventTypeOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, modality: ModalityOpt = None,
    min_sources: Annotated[int | None, typer.Option(
        help="Only events reported by at least this many independent sources.")] = None,
    grouped: Annotated[bool, typer.Option(
        "--grouped", help="One row per event, not per report, with its sources.")] = False,
    format: FormatOpt = Shape.table, limit: LimitOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """List stored events, one row per report, with how many independent sources report each.

    Examples:

        sitrep events --near 32.62,36.10,25 --since 2018-06-01 --type ASSAULT

        sitrep events --actor "Rapid Support Forces" --modality factual --format csv > rsf.csv

        sitrep events --grouped --min-sources 2
    """
    frame = _read(db, wait, "groups" if grouped else "events", actor=actor, place=place,
                  near=near, type=type, since=since, until=until, modality=modality,
                  min_sources=min_sources, limit=limit, all_versions=all_versions)
    _show(frame, format, "groups" if grouped else "events")


@app.command()
def actors(
    actor: ActorOpt = None, place: PlaceOpt = None, near: NearOpt = None,
    type: ActorKindOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, format: FormatOpt = Shape.table,
    limit: LimitOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """List actors with the documents, mentions and events that name them.

    Examples:

        sitrep actors --type armed_group --since 2018-01-01

        sitrep actors --place Daraa --format json
    """
    _show(_read(db, wait, "actors", actor=actor, place=place, near=near, type=type, since=since,
                until=until, limit=limit, all_versions=all_versions), format, "actors")


@app.command()
def places(
    actor: ActorOpt = None, place: PlaceOpt = None, near: NearOpt = None,
    type: FeatureOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, format: FormatOpt = Shape.table,
    limit: LimitOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """List places with their coordinates and the documents and events that name them.

    Examples:

        sitrep places --near 33.51,36.29,50

        sitrep places --actor RSF --type camp --format csv
    """
    _show(_read(db, wait, "places", actor=actor, place=place, near=near, type=type, since=since,
                until=until, limit=limit, all_versions=all_versions), format, "places")


@app.command()
def quotes(
    actor: Annotated[str | None, typer.Option(
        help="The speaker: an actor id or part of a name.")] = None,
    place: PlaceOpt = None, near: NearOpt = None,
    type: QuoteKindOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, format: FormatOpt = Shape.table,
    limit: LimitOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """List quotes with their speakers and documents.

    Examples:

        sitrep quotes --actor "Russian Defence Ministry" --since 2018-07-01

        sitrep quotes --place Idlib --type direct --format json
    """
    _show(_read(db, wait, "quotes", actor=actor, place=place, near=near, type=type, since=since,
                until=until, limit=limit, all_versions=all_versions), format, "quotes")


@app.command()
def claims(
    actor: Annotated[str | None, typer.Option(
        help="Whom the claim is attributed to: an actor id or part of a name.")] = None,
    place: PlaceOpt = None, near: NearOpt = None,
    type: ClaimKindOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, format: FormatOpt = Shape.table,
    limit: LimitOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """List claims to check, with whom they are attributed to and their documents.

    Examples:

        sitrep claims --type statistic --since 2018-07-01

        sitrep claims --place Daraa --format csv > claims.csv
    """
    _show(_read(db, wait, "claims", actor=actor, place=place, near=near, type=type, since=since,
                until=until, limit=limit, all_versions=all_versions), format, "claims")


class ExportFormat(str, Enum):
    geojson = "geojson"
    csv = "csv"
    acled = "acled"
    parquet = "parquet"
    jsonl = "jsonl"


class ExportTable(str, Enum):
    events = "events"
    groups = "groups"
    actors = "actors"
    places = "places"
    quotes = "quotes"
    claims = "claims"


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="What to write.")],
    out: OutOpt = None,
    table: Annotated[ExportTable | None, typer.Option(
        help="csv/parquet: which table (default events); geojson: events or places (default "
        "both).")] = None,
    all_modalities: Annotated[bool, typer.Option(
        "--all-modalities", help="geojson/acled: also intended, hypothetical, negated and "
        "question events, each with its modality.")] = False,
    actor: ActorOpt = None, place: PlaceOpt = None, near: NearOpt = None,
    type: EventTypeOpt = None, since: SinceOpt = None,
    until: UntilOpt = None, modality: ModalityOpt = None, all_versions: VersionsOpt = False,
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0,
) -> None:
    """Export the store: GeoJSON for QGIS, CSV, ACLED-style CSV, Parquet, or JSONL Reports.

    Only factual events (asserted or reported) are exported to geojson and acled unless
    --all-modalities is given.

    Examples:

        sitrep export --format geojson --out events.geojson

        sitrep export --format acled --since 2018-06-01 --out acled.csv

        sitrep export --format parquet --table places --out places.parquet
    """
    from .store import Store

    filters = dict(actor=actor, place=place, near=near, type=type, since=since, until=until,
                   modality=modality, all_versions=all_versions)
    with Store(db, read_only=True, wait=wait) as store:
        summary = store.export(format.value, str(out) if out else None,
                               table=table.value if table else None,
                               all_modalities=all_modalities, **filters)
    err.print(f"[dim]{format.value}: {summary}[/dim]", highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, or - for stdin.")],
    db: DbOpt = DEFAULT_DB, wait: WaitOpt = 30.0, model: ModelOpt = None,
    text_column: TextColumnOpt = None, title_column: TitleColumnOpt = None,
    date_column: DateColumnOpt = None, source_column: SourceColumnOpt = None,
    max_bytes: Annotated[int, typer.Option(
        help="Refuse single files larger than this.")] = 20_000_000,
    engine: Annotated[Engine, typer.Option(
        help="local: this machine, spaCy worker processes; ray: Ray Data worker actors on a "
        "local or remote cluster (pip install 'sitrep[ray]').")] = Engine.local,
    workers: Annotated[int | None, typer.Option(
        "--workers", "--n-process", help="Worker processes (default: 1 for local, one per CPU "
        "for a local Ray cluster).")] = None,
    address: Annotated[str | None, typer.Option(
        help="ray: a running cluster to join (auto, or HOST:6379 from a node of it); default: "
        "start a local one.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        help="ray: folder of Report partitions, kept so a stopped run resumes (default: the "
        "database's name + .parts).")] = None,
    partitions_only: Annotated[bool, typer.Option(
        "--partitions-only", help="ray: write the partitions and stop; `sitrep ingest DIR` "
        "stores them later.")] = False,
    partition_size: Annotated[int, typer.Option(help="ray: documents per partition.")] = 64,
    parquet: Annotated[bool, typer.Option(
        "--parquet", help="ray: also write each partition as Parquet.")] = False,
    commit_every: Annotated[int, typer.Option(
        help="Documents per transaction: a crash loses at most this many.")] = 32,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a "
        "terminal; otherwise one line per committed batch).")] = None,
) -> None:
    """Analyse articles and store them; documents already stored are skipped, not re-analysed.

    Each batch of documents is one transaction: interrupt or kill a run and start it again to
    finish. A changed text under a stored URL is kept as a new version of that URL.

    With --engine ray, documents go in partitions to Ray worker actors and each partition's
    Reports are written to --out-dir before they are stored; a stopped run skips the partitions
    already written. A folder of partitions given as a PATH is stored without analysis.

    Examples:

        sitrep ingest examples/

        sitrep ingest ../shared/corpus/fakes/fakes.csv --db fakes.duckdb

        sitrep ingest corpus/ --engine ray --workers 2 --out-dir parts/

        sitrep ingest corpus/ --engine ray --address auto --partitions-only --out-dir parts/

        sitrep ingest parts/ --db sitrep.duckdb
    """
    from .read import ReadOptions, read_all
    from .scale import ScaleOptions, is_partitions
    from .store import Store

    options = ReadOptions(text_column=text_column, title_column=title_column,
                          date_column=date_column, source_column=source_column, max_bytes=max_bytes)
    ray = ScaleOptions(workers=workers, address=address, model=model,
                       partition_size=partition_size, batch_size=max(1, min(16, commit_every)),
                       parquet=parquet)
    folders = [p for p in paths if is_partitions(p)]
    paths = [p for p in paths if p not in folders]
    if engine is Engine.local and (address or out_dir or partitions_only or parquet):
        raise SitrepError("--address, --out-dir, --partitions-only and --parquet go with "
                          "--engine ray")
    if partitions_only:
        return _partitions_only(paths, folders, out_dir, ray, options, progress)
    out_dir = out_dir or Path(db).with_suffix(".parts")
    with Store(db, wait=wait, batch_size=commit_every) as store, \
            _Ingesting(err.is_terminal if progress is None else progress) as shown:
        summary = _load_partitions(folders, store, shown)
        if paths and engine is Engine.ray:
            _add(summary, _ray_ingest(paths, store, out_dir, ray, options, shown))
        elif paths:
            _add(summary, store.ingest(read_all(paths, options),
                                       _analyzer(model, workers or 1, commit_every),
                                       on_failure=shown.failure, on_report=shown.report,
                                       on_commit=shown.commit))
    _finish(summary, db, shown.rate())


def _ray_ingest(paths, store, out_dir, options, read_options, shown):
    from .scale import ingest

    return ingest(paths, store, out_dir, options, read_options=read_options,
                  on_failure=shown.failure, on_partition=shown.partition, on_commit=shown.commit)


def _load_partitions(folders, store, shown):
    """Partition folders named as inputs: their Reports are stored as they are."""
    from .scale import load
    from .store import IngestSummary

    if not folders:
        return IngestSummary()
    return load(store, folders, on_commit=shown.commit, on_failure=shown.failure)


def _add(total, more) -> None:
    total.read += more.read
    total.new += more.new
    total.unchanged += more.unchanged
    total.versions += more.versions
    total.failed += more.failed


def _partitions_only(paths, folders, out_dir, options, read_options, progress) -> None:
    """``--partitions-only``: Ray writes Report partitions and nothing is stored."""
    from .scale import run

    if folders:
        raise SitrepError(f"{folders[0]} is already a folder of partitions; drop "
                          "--partitions-only to store it")
    if out_dir is None:
        raise SitrepError("--partitions-only needs --out-dir")
    with _Ingesting(err.is_terminal if progress is None else progress) as shown:
        summary = run(paths, out_dir, options, read_options=read_options,
                      on_failure=shown.failure, on_partition=shown.partition)
    err.print(f"{out_dir}: {summary}; {shown.rate():.1f} docs/s analysed", markup=False,
              highlight=False, soft_wrap=True)
    if summary.read == 0:
        raise NothingRead("nothing could be read" + (
            f" ({len(summary.failed)} failed)" if summary.failed else ""))
    if summary.failed:
        raise typer.Exit(1)


def _analyzer(model: str | None, n_process: int, commit_every: int):
    """Analysis that loads the spaCy model only when a new document arrives."""

    def analyze(documents):
        documents = iter(documents)
        first = next(documents, None)
        if first is None:
            return
        from .pipeline import Pipeline, PipelineOptions

        pipeline = Pipeline(PipelineOptions(model=model, n_process=n_process,
                                            batch_size=max(1, min(16, commit_every))))
        yield from pipeline.analyze_many(itertools.chain([first], documents))

    return analyze


class _Ingesting:
    """The progress of an ingest: a bar on a terminal, else one line per committed batch."""

    def __init__(self, show: bool):
        self.show, self.bar = show, _progress(show)
        self.analysed = self.stored = 0
        self.started = time.perf_counter()

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task("ingesting", total=None, rate="")
        return self

    def __exit__(self, kind, exc, tb):
        self.bar.__exit__(kind, exc, tb)
        if kind is KeyboardInterrupt:
            warn(f"{self.stored} new documents were stored before the interruption; "
                 "run the same command again to go on")
        return False

    def rate(self) -> float:
        return self.analysed / max(time.perf_counter() - self.started, 1e-9)

    def failure(self, item) -> None:
        self.bar.console.print(f"sitrep: {item}", markup=False, soft_wrap=True, highlight=False)

    def report(self, _report) -> None:
        self.analysed += 1
        self.bar.update(self.task, advance=1, rate=f"{self.rate():.1f} docs/s")

    def partition(self, part) -> None:
        """A Ray partition accounted for: analysed now, or skipped as already done."""
        if part.status != "written":
            return
        self.analysed += part.documents - len(part.failures)
        self.bar.update(self.task, advance=part.documents, rate=f"{self.rate():.1f} docs/s")
        if not self.show:
            err.print(f"sitrep: wrote {part.name} ({part.documents} document"
                      f"{'s' * (part.documents != 1)}, "
                      f"{self.analysed} so far, {self.rate():.1f} docs/s)", markup=False,
                      highlight=False)

    def commit(self, done) -> None:
        self.stored += done.new
        if self.show:
            self.bar.update(self.task, description=f"ingesting ({self.stored} stored)")
        else:
            err.print(f"sitrep: committed {done.new} new documents ({self.stored} so far, "
                      f"{self.rate():.1f} docs/s)", markup=False, highlight=False)


def _finish(summary, db: str, rate: float) -> None:
    err.print(f"{db}: {summary}" + (f"; {rate:.1f} docs/s analysed" if summary.new else ""),
              markup=False, highlight=False, soft_wrap=True)
    if summary.read == 0:
        raise NothingRead("nothing could be read" + (
            f" ({len(summary.failed)} failed)" if summary.failed else ""))
    if summary.failed:
        raise typer.Exit(1)
