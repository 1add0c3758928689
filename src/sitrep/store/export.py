"""Exports: GeoJSON (RFC 7946), CSV, ACLED-style CSV, Parquet (written by DuckDB), JSONL Reports.

Only factual events (asserted or reported) leave as things that happened: GeoJSON and ACLED drop
intended, hypothetical, negated and question events unless ``all_modalities`` is set, and then
every event carries its ``modality``. ACLED rows are events, not reports: one row per group of
reports, its sources listed together, as ACLED codes one event however many outlets carry it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

import duckdb
import pandas as pd

from sitrep.model import FACTUAL_MODALITIES
from sitrep.store import query
from sitrep.store.db import StoreError
from sitrep.store.query import Filters

FORMATS = ("geojson", "csv", "acled", "parquet", "jsonl")
TABLES = ("events", "groups", "actors", "places", "quotes", "claims")

ACLED_COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "iso",
                 "country", "admin1", "location", "latitude", "longitude", "geo_precision",
                 "source", "notes", "tags")
# ACLED: 1 the day is known, 2 within a few days (here: only the publication date, or reports
# spread over days), 3 the month or less precise.
TIME_PRECISION = {"day": 1, "publication": 2, "month": 3, "year": 3, "unknown": 3}
# ACLED: 1 the town itself, 2 near a town or part of a region, 3 a province or country centroid.
GEO_PRECISION = {"city": 1, "town": 1, "village": 1, "camp": 1, "site": 1, "crossing": 1,
                 "admin2": 2, "region": 2, "road": 2, "other": 2, "admin1": 3, "country": 3}
# Only where a PLOVER type alone decides ACLED's; ASSAULT needs distinctions (battle, remote
# violence, violence against civilians) that the extractor makes in acled_event_type.
ACLED_FALLBACK = {"PROTEST": ("Protests", None), "AGREE": ("Strategic developments", "Agreement")}


@dataclass
class ExportSummary:
    written: int = 0
    not_factual: int = 0   # events left out because they are not presented as having happened
    no_location: int = 0   # events or places left out of a map format for want of coordinates

    def __str__(self) -> str:
        skipped = [f"{n} {why}" for n, why in ((self.not_factual, "not factual (--all-modalities "
                   "to include)"), (self.no_location, "without coordinates")) if n]
        return f"{self.written} written" + (f"; left out: {', '.join(skipped)}" if skipped else "")


def export(con: duckdb.DuckDBPyConnection, format: str, out: str | Path | TextIO | None = None,
           *, table: str | None = None, all_modalities: bool = False,
           filters: Filters = Filters()) -> ExportSummary:
    """Write the selection in ``format`` to ``out`` (a path, an open text stream, or stdout)."""
    if format not in FORMATS:
        raise StoreError(f"unknown export format {format!r}; one of {', '.join(FORMATS)}")
    if table is not None and table not in TABLES:
        raise StoreError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
    if format == "parquet":
        if out is None or not isinstance(out, str | Path):
            raise StoreError("parquet needs a file: --out FILE.parquet")
        frame = _frame(con, table or "events", filters)
        return _parquet(con, frame, Path(out))
    with _open(out) as stream:
        if format == "geojson":
            return geojson(con, stream, table, all_modalities, filters)
        if format == "acled":
            return acled(con, stream, all_modalities, filters)
        if format == "csv":
            frame = _frame(con, table or "events", filters)
            plain(frame).to_csv(stream, index=False, lineterminator="\n")
            return ExportSummary(written=len(frame))
        count = 0
        for report in reports(con, filters):
            stream.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
            count += 1
        return ExportSummary(written=count)


class _open:
    def __init__(self, out):
        self.out, self.close = out, isinstance(out, str | Path)

    def __enter__(self) -> TextIO:
        if self.close:
            Path(self.out).parent.mkdir(parents=True, exist_ok=True)
            self.stream = open(self.out, "w", encoding="utf-8", newline="")
        else:
            self.stream = self.out or sys.stdout
        return self.stream

    def __exit__(self, *exc) -> None:
        if self.close:
            self.stream.close()


def _frame(con, table: str, filters: Filters) -> pd.DataFrame:
    return getattr(query, table)(con, filters)


def _factual(filters: Filters, all_modalities: bool) -> Filters:
    """The filters with non-factual events removed, unless asked for."""
    if all_modalities:
        return filters
    asked = set(filters.modality) or set(FACTUAL_MODALITIES)
    if asked - FACTUAL_MODALITIES:
        bad = ", ".join(sorted(asked - FACTUAL_MODALITIES))
        raise StoreError(f"{bad} events are not things that happened; add --all-modalities to "
                         "export them (each then carries its modality)")
    return replace(filters, modality=tuple(sorted(asked)))


def _not_factual(con, frame_fn, filters: Filters, all_modalities: bool) -> int:
    if all_modalities:
        return 0
    unfiltered = frame_fn(con, replace(filters, modality=(), limit=None))
    return int((~unfiltered["factual"].astype(bool)).sum()) if len(unfiltered) else 0


def geojson(con, stream: TextIO, table: str | None, all_modalities: bool,
            filters: Filters) -> ExportSummary:
    """A FeatureCollection of events (one Feature per report) and places, as Points."""
    layers = ("events", "places") if table is None else (table,)
    if set(layers) - {"events", "places"}:
        raise StoreError("geojson exports events or places (--table events|places)")
    summary, features = ExportSummary(), []
    if "events" in layers:
        frame = query.events(con, _factual(filters, all_modalities))
        summary.not_factual = _not_factual(con, query.events, filters, all_modalities)
        for row in _records(frame):
            if row["lat"] is None or row["lon"] is None:
                summary.no_location += 1
                continue
            features.append(_feature(row["event_uid"], row["lat"], row["lon"], {
                "record": "event", **{k: v for k, v in row.items() if k not in ("lat", "lon")}}))
    if "places" in layers:
        place_filters = replace(filters, modality=(), min_sources=None,
                                given=filters.given - {"modality", "min_sources", "type"})
        if "events" in layers:
            place_filters = replace(place_filters, type=())
        for row in _records(query.places(con, place_filters)):
            if row["lat"] is None or row["lon"] is None:
                summary.no_location += 1
                continue
            features.append(_feature(row["id"], row["lat"], row["lon"], {
                "record": "place", **{k: v for k, v in row.items() if k not in ("lat", "lon")}}))
    summary.written = len(features)
    # allow_nan=False: RFC 8259 JSON has no NaN, so a stray one fails here, not in QGIS.
    json.dump({"type": "FeatureCollection", "features": features}, stream, ensure_ascii=False,
              allow_nan=False)
    stream.write("\n")
    return summary


def _feature(fid: str, lat: float, lon: float, properties: dict) -> dict:
    # RFC 7946 3.1.1: longitude first; 6 decimals is ~10 cm, more is noise.
    point = [round(float(lon), 6), round(float(lat), 6)]
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": point},
            "properties": properties}


def acled(con, stream: TextIO, all_modalities: bool, filters: Filters) -> ExportSummary:
    """ACLED's columns, one row per event (group of reports), evidence in ``notes``."""
    frame = query.groups(con, _factual(filters, all_modalities))
    summary = ExportSummary(not_factual=_not_factual(con, query.groups, filters, all_modalities))
    rows = []
    for g in _records(frame):
        if g["lat"] is None or g["lon"] is None:
            summary.no_location += 1
            continue
        rows.append(_acled_row(g, all_modalities))
    columns = list(ACLED_COLUMNS) + (["modality"] if all_modalities else [])
    table = pd.DataFrame(rows, columns=columns)
    # Whole numbers stay whole when a column has gaps (pandas would write 2026.0).
    for column in ("year", "iso"):
        table[column] = table[column].astype("Int64")
    table.to_csv(stream, index=False, lineterminator="\n")
    summary.written = len(rows)
    return summary


def _acled_row(g: dict, all_modalities: bool) -> dict:
    sources = (g["source"] or "").split("; ") if g["source"] else []
    targets = (g["target"] or "").split("; ") if g["target"] else []
    # a mutual act ("X and Y agreed") has each party on both sides; ACLED names each once:
    # actor 1 and actor 2, the others as associated actors
    if sources:
        targets = [t for t in targets if t != sources[0]]
        sources = [sources[0]] + [s for s in sources[1:] if s not in targets[:1]]
        targets = targets[:1] + [t for t in targets[1:] if t not in sources]
    event_type, sub_type = g["acled_event_type"], g["acled_sub_event_type"]
    if not event_type:
        event_type, fallback_sub = ACLED_FALLBACK.get(g["type"], (None, None))
        sub_type = sub_type or fallback_sub
    precision = TIME_PRECISION.get(g["date_precision"], 3)
    if g["first_date"] != g["last_date"]:
        precision = max(precision, 2)
    country, iso = _country(g["country"])
    row = {
        "event_id_cnty": g["group_id"], "event_date": g["date"],
        "year": int(g["date"][:4]) if g["date"] else None, "time_precision": precision,
        "event_type": event_type, "sub_event_type": sub_type,
        "actor1": sources[0] if sources else None, "assoc_actor_1": "; ".join(sources[1:]) or None,
        "actor2": targets[0] if targets else None, "assoc_actor_2": "; ".join(targets[1:]) or None,
        "iso": iso, "country": country, "admin1": g["admin1"], "location": g["place"],
        "latitude": round(g["lat"], 6), "longitude": round(g["lon"], 6),
        "geo_precision": GEO_PRECISION.get(g["place_feature"] or "other", 2),
        "source": g["outlets"], "notes": g["evidence"],
        "tags": f"plover {g['type']}; corroboration {g['corroboration']}",
    }
    if all_modalities:
        row["modality"] = g["modality"]
    return row


def _country(alpha2: str | None) -> tuple[str | None, int | None]:
    """ACLED names the country and gives its numeric ISO code."""
    if not alpha2:
        return None, None
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2.upper())
    if found is None:
        return alpha2, None
    return getattr(found, "common_name", None) or found.name, int(found.numeric)


def _parquet(con, frame: pd.DataFrame, out: Path) -> ExportSummary:
    out.parent.mkdir(parents=True, exist_ok=True)
    # Query frames hold dates as datetime64; they go back to DATE in the file.
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    replace_dates = (" REPLACE (" + ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' for c in dates) + ")"
                     if dates else "")
    con.register("_sitrep_export", frame)
    try:
        target = str(out).replace("'", "''")
        con.execute(f"COPY (SELECT *{replace_dates} FROM _sitrep_export) TO '{target}' "
                    "(FORMAT parquet)")
    finally:
        con.unregister("_sitrep_export")
    return ExportSummary(written=len(frame))


def reports(con, filters: Filters) -> Iterator:
    """The stored Reports, lossless, in ingest order."""
    from sitrep.store.write import load_report

    ids = query.document_ids(con, filters)
    for start in range(0, len(ids), 256):
        chunk = ids[start:start + 256]
        rows = {i: (r, t) for i, r, t in con.execute(
            "SELECT id, report, text FROM documents WHERE id = ANY($1)", [chunk]
        ).fetchall()}
        for doc_id in chunk:
            yield load_report(*rows[doc_id])


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with dates as ISO text, for CSV, JSON and the terminal."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").astype(object).where(
                out[column].notna(), None)
    return out


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values: None for missing, ISO dates, no numpy scalars."""
    return [{k: _value(v) for k, v in row.items()} for row in plain(frame).to_dict("records")]


def _value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):  # numpy scalar
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, datetime | date):
        return v.isoformat()[:10]
    return v
