"""The store stage: Reports in a DuckDB file, queried as pandas frames, exported for GIS and ACLED.

    store = Store("sitrep.duckdb")            # or Store(":memory:")
    store.add(reports)                        # AddSummary(new, unchanged, versions)
    store.events(actor="RSF", near="13.6,25.3,50", since="2026-05-01", modality="factual")
    store.export("geojson", "events.geojson")

Like sqlite-utils' Database: one object per file, methods that read and write it, no CLI
knowledge. Only this package imports duckdb.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TextIO

import pandas as pd

from sitrep.errors import ReadFailure
from sitrep.model import Document, Report
from sitrep.store import db, export as _export, query
from sitrep.store.db import SCHEMA_VERSION, StoreBusy, StoreError
from sitrep.store.export import ExportSummary
from sitrep.store.query import Filters
from sitrep.store.write import AddSummary, load_report, write_batch

__all__ = ["AddSummary", "ExportSummary", "Filters", "IngestSummary", "SCHEMA_VERSION", "Store",
           "StoreBusy", "StoreError"]

TABLES = ("documents", "actors", "actor_mentions", "places", "place_mentions", "event_groups",
          "events", "event_actors", "quotes", "claims", "techniques")
# Columns that record when, not what: left out of fingerprints so two equal runs compare equal.
_VOLATILE = {"documents": ("ingested_at",)}


@dataclass
class IngestSummary:
    read: int = 0
    new: int = 0
    unchanged: int = 0
    versions: int = 0
    failed: list[ReadFailure] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"read {self.read}, new {self.new}, unchanged {self.unchanged}, "
                f"versions {self.versions}, failed {len(self.failed)}")
        reasons: dict[str, int] = {}
        for failure in self.failed:
            reasons[failure.problem] = reasons.get(failure.problem, 0) + 1
        if reasons:
            text += " (" + "; ".join(f"{n} {why}" for why, n in sorted(
                reasons.items(), key=lambda item: (-item[1], item[0]))) + ")"
        return text


class Store:
    """A sitrep database: ``Store(path)`` for a file (created if missing), ``Store(":memory:")``.

    ``read_only`` stores may be open in several processes at once; a writer excludes everyone
    else, and opening waits up to ``wait`` seconds for the file before raising StoreBusy.
    """

    def __init__(self, path: str | os.PathLike = "sitrep.duckdb", *, read_only: bool = False,
                 wait: float = 30.0, batch_size: int = 32):
        self.path = str(path)
        self.batch_size = max(1, batch_size)
        self.con = db.connect(self.path, read_only=read_only, wait=wait)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.path}>"

    # -- writing ---------------------------------------------------------------------------------

    def add(self, reports: Iterable[Report], batch_size: int | None = None,
            on_commit: Callable[[AddSummary], None] | None = None) -> AddSummary:
        """Store reports, ``batch_size`` per transaction; stored documents are left as they are."""
        total = AddSummary()
        reports = iter(reports)
        while batch := list(islice(reports, batch_size or self.batch_size)):
            done = write_batch(self.con, batch)
            total += done
            if on_commit:
                on_commit(done)
        return total

    def ingest(
        self,
        items: Iterable[Document | ReadFailure],
        analyze: Callable[[Iterable[Document]], Iterable[Report]],
        *,
        on_failure: Callable[[ReadFailure], None] | None = None,
        on_report: Callable[[Report], None] | None = None,
        on_commit: Callable[[AddSummary], None] | None = None,
    ) -> IngestSummary:
        """Read, analyse and store, one transaction per ``batch_size`` documents.

        Documents already stored (or seen earlier in this run) are counted as unchanged and never
        reach ``analyze``, so a second run costs little more than reading. A crash or Ctrl-C loses
        at most the batch in progress; run again to finish.
        """
        summary = IngestSummary()
        seen: set[str] = set()

        def fresh() -> Iterator[Document]:
            stream = iter(items)
            while chunk := list(islice(stream, self.batch_size)):
                documents = []
                for item in chunk:
                    if isinstance(item, ReadFailure):
                        summary.failed.append(item)
                        if on_failure:
                            on_failure(item)
                    else:
                        summary.read += 1
                        documents.append(item)
                stored = self.known(d.id for d in documents)
                for document in documents:
                    if document.id in stored or document.id in seen:
                        summary.unchanged += 1
                    else:
                        seen.add(document.id)
                        yield document

        def counted(reports: Iterable[Report]) -> Iterator[Report]:
            for report in reports:
                if on_report:
                    on_report(report)
                yield report

        def committed(done: AddSummary) -> None:
            summary.new += done.new
            summary.unchanged += done.unchanged
            summary.versions += done.versions
            summary.failed += [ReadFailure(origin, problem) for origin, problem in done.failed]
            if on_commit:
                on_commit(done)

        self.add(counted(analyze(fresh())), on_commit=committed)
        return summary

    def known(self, ids: Iterable[str]) -> set[str]:
        """Which of these document ids are stored."""
        ids = list(ids)
        if not ids:
            return set()
        rows = self.con.execute("SELECT id FROM documents WHERE id = ANY($1)",
                                [ids]).fetchall()
        return {r[0] for r in rows}

    # -- reading ---------------------------------------------------------------------------------

    def events(self, **filters) -> pd.DataFrame:
        """Event reports: filters actor, place, near, type, since, until, modality, min_sources,
        all_versions, limit (see Filters)."""
        return query.events(self.con, Filters.make(**filters))

    def groups(self, **filters) -> pd.DataFrame:
        """Events as groups of reports (one row per event, with its corroboration)."""
        return query.groups(self.con, Filters.make(**filters))

    def actors(self, **filters) -> pd.DataFrame:
        """Actors: filters actor, place, near, type (kind), since, until, limit."""
        return query.actors(self.con, Filters.make(**filters))

    def places(self, **filters) -> pd.DataFrame:
        """Places: filters actor, place, near, type (feature), since, until, limit."""
        return query.places(self.con, Filters.make(**filters))

    def quotes(self, **filters) -> pd.DataFrame:
        """Quotes: filters actor (speaker), place, near, type (kind), since, until, limit."""
        return query.quotes(self.con, Filters.make(**filters))

    def claims(self, **filters) -> pd.DataFrame:
        """Claims: filters actor (attributed to), place, near, type (kind), since, until, limit."""
        return query.claims(self.con, Filters.make(**filters))

    def reports(self, **filters) -> Iterator[Report]:
        """The stored Reports, as they were added: filters actor, place, near, since, until."""
        return _export.reports(self.con, Filters.make(**filters))

    def report(self, document_id: str) -> Report | None:
        row = self.con.execute("SELECT report, text FROM documents WHERE id = ?",
                               [document_id]).fetchone()
        return load_report(*row) if row else None

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Any SQL on the store, as a frame (the tables are documented in store_schema.sql)."""
        return self.con.execute(sql, params or []).df()

    def export(self, format: str, out: str | Path | TextIO | None = None, *,
               table: str | None = None, all_modalities: bool = False,
               **filters) -> ExportSummary:
        """Write ``format`` (geojson, csv, acled, parquet, jsonl) to ``out`` (default stdout).

        ``table`` picks what csv and parquet hold (events, groups, actors, places, quotes,
        claims; default events) and what geojson holds (events, places; default both).
        """
        return _export.export(self.con, format, out, table=table, all_modalities=all_modalities,
                              filters=Filters.make(**filters))

    # -- checking --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def fingerprint(self) -> dict[str, str]:
        """A checksum of each table's content (ingest times left out), independent of row order:
        two stores with equal fingerprints hold the same data."""
        out = {}
        for table in TABLES:
            skip = _VOLATILE.get(table)
            columns = f"* EXCLUDE ({', '.join(skip)})" if skip else "*"
            found = self.con.execute(f"SELECT {columns} FROM {table}").fetchall()
            rows = sorted(map(repr, found))
            digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
            out[table] = f"{len(rows)}:{digest[:16]}"
        return out
