"""The same pipeline on Ray Data, for corpora that outgrow one process.

    summary = scale.run(["corpus/"], "parts/", ScaleOptions(workers=2))   # write partitions
    with Store("sitrep.duckdb") as store:
        scale.load(store, summary.paths())                                  # then store them

or both at once with ``scale.ingest`` (what ``sitrep ingest --engine ray`` calls).

How a run goes:

- The driver reads every input with sitrep's own readers (``read_all``), so folders, text, HTML,
  JSON, JSONL, CSV and Parquet are read exactly as ``sitrep analyze`` reads them, and a bad file or
  row is one ``ReadFailure`` that never stops the run. Documents are cut, in input order, into
  partitions of ``partition_size``; a partition is named by its place in the input and a digest of
  its document ids: ``part-000007-1f2e3d4c5b6a.jsonl``.
- A partition already in the output folder is not recomputed, so a crashed or stopped run goes on
  where it stopped; when a store is given, a partition whose documents are all stored is skipped.
- The rest go through Ray Data to worker actors (``ActorPoolStrategy``, one CPU each), each of which
  builds one ``Pipeline`` (spaCy model, sitrep's components, the gazetteer) when it starts and then
  analyses whole partitions with ``Pipeline.analyze_many``. A document whose analysis raises is
  reported as one failure; its partition's other documents are kept.
- The driver writes each partition's Reports as JSON lines (optionally also Parquet) to a
  temporary name and renames it into place, so a partition file is either whole or absent. Writing
  on the driver means the workers need no shared file system on a multi-machine cluster.

The output folder holds ``_sitrep.json`` (what wrote it) and the partitions; users may query them
directly (``duckdb -c "SELECT count(*) FROM read_json('parts/part-*.jsonl')"``) or load them with
``sitrep ingest parts/``. Ray is an optional extra: ``pip install 'sitrep[ray]'``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import resource
import socket
import time
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReadFailure, SitrepError
from .model import SCHEMA_VERSION, Document, Report

__all__ = ["PartitionDone", "RayMissing", "RunSummary", "ScaleOptions", "ingest",
           "is_partitions", "load", "partition_files", "run"]

MARKER = "_sitrep.json"
FORMAT = "sitrep.partitions/1"
_PART = re.compile(r"part-(\d+)-([0-9a-f]{12})\.jsonl")


class RayMissing(SitrepError):
    """``--engine ray`` without Ray installed."""


@dataclass(frozen=True)
class ScaleOptions:
    """Every setting of a Ray run (the CLI builds it in one place)."""

    #: worker actors, one CPU each (None: one per CPU of the local machine or of the cluster)
    workers: int | None = None
    #: a running cluster ("auto", "ray://host:10001", "host:6379"); None starts a local one
    address: str | None = None
    model: str | None = None
    #: documents per partition: the unit of work, of resumption and of output files
    partition_size: int = 64
    #: documents per ``nlp.pipe`` batch inside a worker
    batch_size: int = 16
    #: partitions handed to Ray at a time; bounds what the driver holds in memory
    window: int = 256
    #: object store size of a local cluster (None: Ray's default)
    object_store_mb: int | None = None
    #: also write each partition as Parquet (needs pyarrow, installed with Ray Data)
    parquet: bool = False


@dataclass(frozen=True)
class PartitionDone:
    """One partition accounted for: analysed now (``worker`` set), or found already done."""

    index: int
    name: str
    documents: int
    #: "written", "on disk" (an earlier run wrote it) or "stored" (every document is in the store)
    status: str
    failures: tuple[ReadFailure, ...] = ()
    worker: int | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class RunSummary:
    out_dir: Path
    read: int = 0
    duplicates: int = 0
    failed: list[ReadFailure] = field(default_factory=list)
    #: every partition of the run, in input order
    partitions: list[PartitionDone] = field(default_factory=list)
    analysed: int = 0
    seconds: float = 0.0
    #: per worker process id: peak RSS in MB, documents, seconds busy, CPU seconds used
    workers: dict[int, dict[str, float]] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.partitions)

    def paths(self, include_stored: bool = False) -> list[Path]:
        """The partition files of this run, in input order (those skipped because every document
        was already stored have no file to load unless an earlier run wrote one)."""
        return [self.out_dir / p.name for p in self.partitions
                if include_stored or p.status != "stored"]

    def __str__(self) -> str:
        return (f"read {self.read}, analysed {self.analysed}, duplicates {self.duplicates}, "
                f"failed {len(self.failed)}; partitions: {self.count('written')} written, "
                f"{self.count('on disk')} already on disk, {self.count('stored')} already stored")


# -- the run ---------------------------------------------------------------------------------------

def run(
    inputs: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    options: ScaleOptions | None = None,
    *,
    read_options=None,
    known: Callable[[list[str]], set[str]] | None = None,
    on_failure: Callable[[ReadFailure], None] | None = None,
    on_partition: Callable[[PartitionDone], None] | None = None,
) -> RunSummary:
    """Analyse ``inputs`` on Ray into Report partitions under ``out_dir``; see the module doc.

    ``known`` returns which of some document ids are stored already (``Store.known``).
    Failures (reading or analysis) go to ``on_failure`` as they happen and into the summary.
    """
    from .read import read_all

    options = options or ScaleOptions()
    _check(options)
    _import_ray()  # before reading anything: a missing extra is the first thing to hear about
    out = Path(out_dir)
    _prepare(out, options)
    summary = RunSummary(out_dir=out)
    started = time.perf_counter()

    def failed(item: ReadFailure) -> None:
        summary.failed.append(item)
        if on_failure:
            on_failure(item)

    def done(part: PartitionDone) -> None:
        summary.partitions.append(part)
        for item in part.failures:
            failed(item)
        if part.worker is not None:
            summary.analysed += part.documents - len(part.failures)
            stats = summary.workers.setdefault(part.worker, {"peak_rss_mb": 0.0, "documents": 0,
                                                             "seconds": 0.0, "cpu_seconds": 0.0})
            stats["peak_rss_mb"] = max(stats["peak_rss_mb"], part.peak_rss_mb)
            stats["documents"] += part.documents
            stats["seconds"] += part.seconds
            stats["cpu_seconds"] += part.cpu_seconds
        if on_partition:
            on_partition(part)

    def documents() -> Iterator[Document]:
        seen: set[str] = set()
        for item in read_all(inputs, read_options):
            if isinstance(item, ReadFailure):
                failed(item)
                continue
            summary.read += 1
            if item.id in seen:
                summary.duplicates += 1
                continue
            seen.add(item.id)
            yield item

    with _Executor(options) as executor:
        pending: list[_Partition] = []
        for part in _partitions(documents(), options.partition_size):
            status = _status(out, part, known, options)
            if status:
                done(PartitionDone(part.index, part.name, len(part.documents), status))
                continue
            pending.append(part)
            if len(pending) >= options.window:
                _finish(executor.analyse(pending), out, options, done)
                pending = []
        if pending:
            _finish(executor.analyse(pending), out, options, done)
    summary.partitions.sort(key=lambda p: p.index)
    summary.seconds = time.perf_counter() - started
    return summary


def ingest(
    inputs: Iterable[str | os.PathLike],
    store,
    out_dir: str | os.PathLike,
    options: ScaleOptions | None = None,
    *,
    read_options=None,
    on_failure: Callable[[ReadFailure], None] | None = None,
    on_partition: Callable[[PartitionDone], None] | None = None,
    on_commit=None,
):
    """``run`` then ``load`` into ``store``, counted as ``Store.ingest`` counts (an IngestSummary):
    documents seen twice or already stored are unchanged."""
    result = run(inputs, out_dir, options, read_options=read_options, known=store.known,
                 on_failure=on_failure, on_partition=on_partition)
    summary = load(store, result.paths(), on_commit=on_commit, on_failure=on_failure)
    summary.read = result.read
    summary.unchanged += result.duplicates + sum(p.documents for p in result.partitions
                                                 if p.status == "stored")
    summary.failed = result.failed + summary.failed
    return summary


def load(store, paths: Iterable[str | os.PathLike], *, on_commit=None,
         on_failure: Callable[[ReadFailure], None] | None = None):
    """Add the Reports of partition files (or of partition folders) to ``store``, in order, as
    an IngestSummary (``read`` counts the Reports read). A line that is not a valid Report is one
    failure; the other lines are still stored."""
    from .store import IngestSummary

    summary = IngestSummary()

    def failed(item: ReadFailure) -> None:
        summary.failed.append(item)
        if on_failure:
            on_failure(item)

    def reports() -> Iterator[Report]:
        for path in paths:
            files = partition_files(path) if Path(path).is_dir() else [Path(path)]
            for file in files:
                for report in _read_reports(file, failed):
                    summary.read += 1
                    yield report

    added = store.add(reports(), on_commit=on_commit)
    summary.new, summary.unchanged, summary.versions = added.new, added.unchanged, added.versions
    for origin, problem in added.failed:
        failed(ReadFailure(origin, problem))
    return summary


def is_partitions(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder of Report partitions written by ``run``."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, MARKER))


def partition_files(folder: str | os.PathLike) -> list[Path]:
    """The partition files in ``folder``, in input order."""
    found = [(int(m[1]), p) for p in Path(folder).iterdir() if (m := _PART.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


# -- partitions ------------------------------------------------------------------------------------

@dataclass
class _Partition:
    index: int
    documents: list[Document]

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.documents]

    @property
    def name(self) -> str:
        digest = hashlib.sha256("\n".join(self.ids).encode("ascii")).hexdigest()[:12]
        return f"part-{self.index:06d}-{digest}.jsonl"


def _partitions(documents: Iterable[Document], size: int) -> Iterator[_Partition]:
    chunk: list[Document] = []
    index = 0
    for document in documents:
        chunk.append(document)
        if len(chunk) == size:
            yield _Partition(index, chunk)
            index, chunk = index + 1, []
    if chunk:
        yield _Partition(index, chunk)


def _status(out: Path, part: _Partition, known, options: ScaleOptions) -> str | None:
    """Why ``part`` needs no analysis now, or None."""
    if known is not None:
        ids = part.ids
        if len(known(ids)) == len(ids):
            return "stored"
    if (out / part.name).is_file():
        if options.parquet:
            _write_parquet(out / part.name, (out / part.name).read_text(encoding="utf-8"))
        return "on disk"
    return None


def _finish(results: Iterator[dict], out: Path, options: ScaleOptions, done) -> None:
    for result in results:
        path = out / result["name"]
        if options.parquet:
            _write_parquet(path, result["reports"])
        _write_atomic(path, result["reports"])
        failures = tuple(ReadFailure(o, p) for o, p in json.loads(result["failures"]))
        done(PartitionDone(int(result["index"]), result["name"], int(result["documents"]),
                           "written", failures, int(result["pid"]), float(result["seconds"]),
                           float(result["cpu_seconds"]), float(result["peak_rss_mb"])))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_reports(path: Path, failed: Callable[[ReadFailure], None]) -> Iterator[Report]:
    try:
        stream = open(path, encoding="utf-8")
    except OSError as err:
        failed(ReadFailure(str(path), (err.strerror or str(err)).lower()))
        return
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Report.model_validate_json(line)
            except ValueError as err:
                problem = str(err).splitlines()[0]
                failed(ReadFailure(f"{path}:{number}", f"not a sitrep Report ({problem})"))


def _check(options: ScaleOptions) -> None:
    for name in ("workers", "partition_size", "batch_size", "window"):
        if getattr(options, name) is not None and getattr(options, name) < 1:
            raise SitrepError(f"{name.replace('_', ' ')} must be at least 1")


def _prepare(out: Path, options: ScaleOptions) -> None:
    """Create ``out`` or check that it holds partitions of the same kind of run."""
    marker = out / MARKER
    wanted = {"format": FORMAT, "schema": SCHEMA_VERSION, "model": _model_name(options)}
    if marker.is_file():
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            found = {}
        for key in ("format", "schema", "model"):
            if found.get(key) != wanted[key]:
                raise SitrepError(
                    f"{out} holds partitions written with {key} {found.get(key)!r}, not "
                    f"{wanted[key]!r}; choose another --out-dir or delete that one")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SitrepError(f"{out} exists and is not a sitrep partitions folder (no {MARKER}); "
                          "choose an empty or new --out-dir")
    else:
        try:
            out.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
        except OSError as err:
            raise SitrepError(f"{out}: {(err.strerror or str(err)).lower()}") from None
    for stale in out.glob(".part-*.tmp"):  # left by a run killed mid-write
        stale.unlink(missing_ok=True)


def _model_name(options: ScaleOptions) -> str:
    from .settings import get_settings

    return options.model or get_settings().model or "default"


# -- Ray -------------------------------------------------------------------------------------------

def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as err:
        raise RayMissing("Ray is not installed: pip install 'sitrep[ray]'") from err
    return ray


class _Executor:
    """A Ray session (a local cluster, or a connection to ``address``) started on first use and
    stopped on exit when this executor started it."""

    def __init__(self, options: ScaleOptions):
        self.options = options
        self.ray = None
        self.started = False

    def __enter__(self) -> _Executor:
        return self

    def __exit__(self, *exc) -> None:
        if self.started:
            self.ray.shutdown()

    def _session(self):
        if self.ray is not None:
            return self.ray
        ray = _import_ray()
        _quiet()
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                          logging_level=logging.ERROR)
            if self.options.address:
                _reachable(self.options.address)
                kwargs["address"] = self.options.address
            else:
                kwargs["num_cpus"] = self.options.workers or os.cpu_count() or 1
                if self.options.object_store_mb:
                    kwargs["object_store_memory"] = self.options.object_store_mb * 2**20
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as err:
                where = self.options.address or "a local cluster"
                problem = (str(err).strip().splitlines() or [type(err).__name__])[0]
                raise SitrepError(f"cannot start Ray ({where}): {problem}") from err
            self.started = True
        _quiet()
        self.ray = ray
        self.workers = self.options.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        return ray

    def analyse(self, parts: list[_Partition]) -> Iterator[dict]:
        """Results of each partition (in completion order) as the workers finish them."""
        ray = self._session()
        items = [{"index": p.index, "name": p.name,
                  "documents": "\n".join(d.model_dump_json() for d in p.documents)}
                 for p in parts]
        dataset = ray.data.from_items(items, override_num_blocks=len(items))
        pool = ray.data.ActorPoolStrategy(size=min(self.workers, len(items)),
                                          max_tasks_in_flight_per_actor=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # max_restarts=0: a lost worker fails the run (which resumes) instead of being
            # restarted from constructor arguments Ray may no longer hold.
            mapped = dataset.map_batches(
                _Worker, batch_size=1, compute=pool, num_cpus=1,
                fn_constructor_kwargs={"model": self.options.model,
                                       "batch_size": self.options.batch_size},
                max_restarts=0,
            )
        for row in mapped.iter_rows():
            yield row


def _reachable(address: str) -> None:
    """Fail in one line, at once, when a cluster's address does not answer (Ray itself retries
    for minutes, logging every attempt to the terminal)."""
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if address == "auto" or not port.isdigit():
        return
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except OSError as err:
        problem = (err.strerror or str(err) or type(err).__name__).lower()
        raise SitrepError(f"cannot reach a Ray cluster at {address}: {problem}") from None


def _quiet() -> None:
    """Keep Ray's own chatter (progress bars, execution logs, deprecation notes) off the terminal;
    it is still in Ray's session logs under /tmp/ray."""
    for name in ("ray", "ray.data", "ray.tune", "ray.train"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    context.verbose_stats_logs = False


class _Worker:
    """A Ray Data actor: one Pipeline (model, components, gazetteer) for the actor's lifetime."""

    def __init__(self, model: str | None = None, batch_size: int = 16):
        from .pipeline import Pipeline, PipelineOptions

        self.pipeline = Pipeline(PipelineOptions(model=model, batch_size=batch_size))
        # Load what loads lazily (the gazetteer index, trained layers) before the first partition.
        self.pipeline.analyze_text("Shelling hit Daraa in southern Syria on Monday, "
                                   "the UN said.", published="2018-07-02")

    def __call__(self, batch: dict) -> dict:
        out: dict[str, list] = {k: [] for k in ("index", "name", "documents", "reports",
                                                "failures", "pid", "seconds", "cpu_seconds",
                                                "peak_rss_mb")}
        for index, name, text in zip(batch["index"], batch["name"], batch["documents"]):
            started, cpu = time.perf_counter(), time.process_time()
            documents = [Document.model_validate_json(line) for line in str(text).split("\n")]
            reports, failures = analyse_guarded(self.pipeline, documents)
            out["index"].append(int(index))
            out["name"].append(str(name))
            out["documents"].append(len(documents))
            # The same lines as `sitrep analyze --format jsonl` writes.
            out["reports"].append("".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n"
                                          for r in reports))
            out["failures"].append(json.dumps([[f.origin, f.problem] for f in failures]))
            out["pid"].append(os.getpid())
            out["seconds"].append(time.perf_counter() - started)
            out["cpu_seconds"].append(time.process_time() - cpu)
            out["peak_rss_mb"].append(peak_rss_mb())
        return out


def analyse_guarded(pipeline, documents: list[Document]) -> tuple[list[Report], list[ReadFailure]]:
    """Reports for ``documents`` in order; a document whose analysis raises becomes a failure
    (found by retrying the batch one document at a time) and the others are kept."""
    try:
        return list(pipeline.analyze_many(documents)), []
    except Exception:  # noqa: BLE001 - find the document at fault below
        pass
    reports, failures = [], []
    for document in documents:
        try:
            reports.append(pipeline.analyze(document))
        except Exception as err:  # noqa: BLE001 - one bad document must not lose the partition
            where = document.origin or document.id
            failures.append(ReadFailure(where, f"analysis failed: {type(err).__name__}: {err}"))
    return reports, failures


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- Parquet ---------------------------------------------------------------------------------------

def _write_parquet(jsonl_path: Path, reports_jsonl: str) -> None:
    """``part-....parquet`` beside the JSONL: one row per Report, nested as the Report is, with
    ``document.metadata`` as a JSON string (its values are strings or lists of strings)."""
    path = jsonl_path.with_suffix(".parquet")
    if path.is_file():
        return
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SitrepError("Parquet partitions need pyarrow: pip install 'sitrep[ray]'") from None
    schema, convert = _arrow(Report, pa)
    rows = [convert(json.loads(line)) for line in reports_jsonl.splitlines() if line.strip()]
    table = pa.Table.from_pylist(rows, schema=schema)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _arrow(annotation, pa):
    """The Arrow type of a model field's annotation, and how to convert its JSON value."""
    from pydantic import BaseModel

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = [(info.alias or name, _arrow(info.annotation, pa))
                  for name, info in annotation.model_fields.items()]
        struct = pa.struct([pa.field(key, kind) for key, (kind, _) in fields])
        if annotation is Report:
            struct = pa.schema(list(struct))

        def record(value):
            return None if value is None else {key: conv(value.get(key))
                                               for key, (_, conv) in fields}
        return struct, record
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        if len(present) == 1:
            return _arrow(present[0], pa)
        return pa.string(), _as_json  # str | list[str] and the like
    if origin is list:
        kind, conv = _arrow(args[0], pa)
        return pa.list_(kind), lambda v: None if v is None else [conv(x) for x in v]
    if origin is dict:
        return pa.string(), _as_json
    if origin is typing.Literal:
        return pa.string(), _same
    simple = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if annotation in simple:
        return simple[annotation], _same
    return pa.string(), _as_json


def _same(value):
    return value


def _as_json(value):
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
