"""Reports into rows: idempotent batch writes, versions under one URL, event groups.

One batch is one transaction: either every row of every new document in it is committed, or none
is. A document whose id (sha256 of the normalised body) is stored already is skipped; a new body
under a URL already stored becomes the next version of that URL and the old one points to it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import duckdb

from sitrep.model import FACTUAL_MODALITIES, Event, Report

#: Reports of one event: same type, actors and modality class, places this close, dates this near.
GROUP_KM = 25.0
GROUP_DAYS = 2
EARTH_KM = 6371.0088


@dataclass
class AddSummary:
    new: int = 0
    unchanged: int = 0
    versions: int = 0  # of the new documents, how many replaced an earlier text under their URL
    failed: list[tuple[str, str]] = field(default_factory=list)  # (origin or id, problem)

    def __iadd__(self, other: AddSummary) -> AddSummary:
        self.new += other.new
        self.unchanged += other.unchanged
        self.versions += other.versions
        self.failed += other.failed
        return self


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
           rows: Sequence[Sequence], *, ignore: bool = False) -> None:
    """Insert rows in one statement: each column is sent as one list and unnested in parallel.

    (DuckDB's executemany costs ~1 ms a row; this is ~100x faster and needs no pandas.)
    """
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    verb = "INSERT OR IGNORE INTO" if ignore else "INSERT INTO"
    con.execute(f"{verb} {table} ({names}) SELECT {values}", [list(col) for col in zip(*rows)])


def write_batch(con: duckdb.DuckDBPyConnection, reports: Sequence[Report]) -> AddSummary:
    """Write one batch in one transaction (rolled back on any error, Ctrl-C included)."""
    con.execute("BEGIN TRANSACTION")
    try:
        summary = _write(con, reports)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return summary


def _write(con: duckdb.DuckDBPyConnection, reports: Sequence[Report]) -> AddSummary:
    summary = AddSummary()
    ids = [r.document.id for r in reports]
    known = {row[0] for row in con.execute(
        "SELECT id FROM documents WHERE id = ANY($1)", [ids]).fetchall()}
    fresh: list[Report] = []
    for report in reports:
        problem = _problem(report)
        if report.document.id in known:
            summary.unchanged += 1
        elif problem:
            summary.failed.append((report.document.origin or report.document.id, problem))
        else:
            known.add(report.document.id)
            fresh.append(report)
    if not fresh:
        return summary

    seq = con.execute("SELECT coalesce(max(seq), 0) FROM documents").fetchone()[0]
    latest = _latest_by_url(con, [r.document.url for r in fresh if r.document.url])
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows: dict[str, list[tuple]] = {t: [] for t in _COLUMNS}
    superseded: list[tuple[str, str]] = []
    events: list[dict] = []
    for report in fresh:
        seq += 1
        doc = report.document
        version, previous = 1, None
        if doc.url and doc.url in latest:
            previous, prior = latest[doc.url]
            version = prior + 1
            superseded.append((previous, doc.id))
            summary.versions += 1
        if doc.url:
            latest[doc.url] = (doc.id, version)
        _document_rows(report, seq, version, previous, now, rows)
        events += _event_rows(report, _places_of(con, report))
        summary.new += 1

    touched = assign_groups(con, events, rows["event_groups"])
    rows["events"] = [tuple(ev[c] for c in _COLUMNS["events"]) for ev in events]
    for table, columns in _COLUMNS.items():
        insert(con, table, columns, rows[table], ignore=table in ("actors", "places"))
    if superseded:
        con.execute(
            "UPDATE documents SET superseded_by = s.new FROM "
            "(SELECT unnest($1) AS old, unnest($2) AS new) s WHERE documents.id = s.old",
            [[old for old, _ in superseded], [new for _, new in superseded]])
        # A superseded text no longer counts towards its events' corroboration.
        touched |= {r[0] for r in con.execute(
            "SELECT DISTINCT group_id FROM events WHERE document_id = ANY($1)",
            [[old for old, _ in superseded]]).fetchall()}
    refresh_groups(con, touched)
    return summary


def _problem(report: Report) -> str | None:
    """Why a report cannot be stored faithfully (record ids must be unique within a document)."""
    for kind, records in (("event", report.events), ("quote", report.quotes),
                          ("claim", report.claims), ("technique", report.rhetoric)):
        seen: set[str] = set()
        for rec in records:
            if rec.id in seen:
                return f"duplicate {kind} id {rec.id!r} in the report"
            seen.add(rec.id)
    return None


def _latest_by_url(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, tuple[str, int]]:
    if not urls:
        return {}
    found = con.execute(
        "SELECT url, id, version FROM documents WHERE superseded_by IS NULL "
        "AND url = ANY($1)", [urls]).fetchall()
    return {url: (doc_id, version) for url, doc_id, version in found}


_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("id", "seq", "title", "authors", "published", "published_date", "source", "url",
                  "language", "text", "origin", "metadata", "outlet", "version", "previous_id",
                  "report", "ingested_at"),
    "actors": ("id", "name", "kind", "country", "sector", "wikidata", "linked"),
    "actor_mentions": ("document_id", "actor_id", "start", "end", "text", "role"),
    "places": ("id", "name", "lat", "lon", "country", "admin1", "feature", "geonames_id"),
    "place_mentions": ("document_id", "place_id", "start", "end", "text", "confidence"),
    "event_groups": ("id", "type", "actor_key", "modality_key", "place_id", "lat", "lon", "date",
                     "n_reports", "n_documents", "n_sources", "first_date", "last_date"),
    "events": ("uid", "document_id", "id", "group_id", "type", "mode", "place_id", "lat", "lon",
               "date", "date_text", "date_precision", "modality", "factual", "attributed_to",
               "confidence", "acled_event_type", "acled_sub_event_type", "evidence_start",
               "evidence_end", "evidence_text"),
    "event_actors": ("event_uid", "role", "position", "actor_id"),
    "quotes": ("document_id", "id", "text", "start", "end", "kind", "speaker", "speaker_text",
               "cue"),
    "claims": ("document_id", "id", "text", "start", "end", "checkworthiness", "kinds",
               "attributed_to"),
    "techniques": ("document_id", "id", "technique", "start", "end", "text", "confidence"),
}


def _document_rows(report: Report, seq: int, version: int, previous: str | None, now: datetime,
                   rows: dict[str, list[tuple]]) -> None:
    doc = report.document
    stored = report.as_dict()
    stored["document"].pop("text")  # kept once, in documents.text
    rows["documents"].append((
        doc.id, seq, doc.title, list(doc.authors), doc.published, parse_date(doc.published),
        doc.source, doc.url, doc.language, doc.text, doc.origin,
        json.dumps(doc.metadata, ensure_ascii=False), outlet(doc.source, doc.url, doc.id),
        version, previous, json.dumps(stored, ensure_ascii=False), now,
    ))
    for actor in _unique(report.actors):
        rows["actors"].append((actor.id, actor.name, actor.kind, actor.country, actor.sector,
                               actor.wikidata, actor.linked))
        rows["actor_mentions"] += [(doc.id, actor.id, *span, actor.role)
                                   for span in _spans(actor.mentions)]
    for place in _unique(report.places):
        rows["places"].append((place.id, place.name, place.lat, place.lon, place.country,
                               place.admin1, place.feature, place.geonames_id))
        rows["place_mentions"] += [(doc.id, place.id, *span, float(place.confidence))
                                   for span in _spans(place.mentions)]
    for ev in report.events:
        uid = event_uid(doc.id, ev.id)
        for role, actor_ids in (("source", ev.source), ("target", ev.target)):
            rows["event_actors"] += [(uid, role, i, a) for i, a in enumerate(actor_ids)]
    rows["quotes"] += [(doc.id, q.id, q.text, q.start, q.end, q.kind, q.speaker, q.speaker_text,
                        q.cue) for q in report.quotes]
    rows["claims"] += [(doc.id, c.id, c.text, c.start, c.end, float(c.checkworthiness),
                        list(c.kinds), c.attributed_to) for c in report.claims]
    rows["techniques"] += [(doc.id, t.id, t.technique, t.start, t.end, t.text,
                            float(t.confidence)) for t in report.rhetoric]


def _spans(mentions) -> list[tuple]:
    # A record listed without a mention still ties its actor or place to the document.
    return [(m.start, m.end, m.text) for m in mentions] or [(None, None, None)]


def _unique(records):
    """Records by id, first one winning (a report should not list an id twice, but may)."""
    seen: dict[str, object] = {}
    for rec in records:
        seen.setdefault(rec.id, rec)
    return list(seen.values())


def _places_of(con: duckdb.DuckDBPyConnection, report: Report) -> dict[str, tuple]:
    """Coordinates of the places the report's events name: its own, else the stored ones."""
    own = {p.id: (p.lat, p.lon) for p in report.places}
    missing = [e.place for e in report.events if e.place and e.place not in own]
    if missing:
        own.update({pid: (lat, lon) for pid, lat, lon in con.execute(
            "SELECT id, lat, lon FROM places WHERE id = ANY($1)", [missing]).fetchall()})
    return own


def _event_rows(report: Report, coords: dict[str, tuple]) -> list[dict]:
    doc = report.document
    published = parse_date(doc.published)
    out = []
    for ev in report.events:
        day, precision = parse_date(ev.date), ev.date_precision
        if day is None and published is not None:
            day, precision = published, "publication"
        lat, lon = coords.get(ev.place, (None, None)) if ev.place else (None, None)
        out.append({
            "uid": event_uid(doc.id, ev.id), "document_id": doc.id, "id": ev.id, "group_id": None,
            "type": ev.type, "mode": ev.mode, "place_id": ev.place, "lat": lat, "lon": lon,
            "date": day, "date_text": ev.date, "date_precision": precision,
            "modality": ev.modality, "factual": ev.modality in FACTUAL_MODALITIES,
            "attributed_to": ev.attributed_to, "confidence": float(ev.confidence),
            "acled_event_type": ev.acled_event_type,
            "acled_sub_event_type": ev.acled_sub_event_type,
            "evidence_start": ev.evidence.start, "evidence_end": ev.evidence.end,
            "evidence_text": ev.evidence.text,
            "actor_key": actor_key(ev), "modality_key": modality_key(ev.modality),
        })
    return out


def event_uid(document_id: str, event_id: str) -> str:
    # 64 bits of the document id keep the key short; a collision would fail loudly (primary key).
    return f"{document_id[:16]}/{event_id}"


def actor_key(ev: Event) -> str:
    return ",".join(sorted(set(ev.source))) + "|" + ",".join(sorted(set(ev.target)))


def modality_key(modality: str) -> str:
    # An event reported as fact must never be grouped with one that was denied or only threatened.
    return "factual" if modality in FACTUAL_MODALITIES else modality


_HOST = re.compile(r"^www\d?\.")


def outlet(source: str | None, url: str | None, document_id: str) -> str:
    """Who published a document, for counting independent sources: the source name, else the
    URL's host, else the document itself (an unknown source is counted once per document)."""
    if source and source.strip():
        return " ".join(source.lower().split())
    if url:
        host = urlsplit(url).hostname
        if host:
            return _HOST.sub("", host.lower())
    return f"doc:{document_id[:16]}"


_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?(?:[T\s].*)?$")


def parse_date(value: str | None) -> date | None:
    """The date an ISO value names (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD[T...]``: the first day of
    the period), else None."""
    match = _DATE.match(value) if value else None
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def assign_groups(con: duckdb.DuckDBPyConnection, events: list[dict],
                  new_groups: list[tuple]) -> set[str]:
    """Give each new event a group: the nearest matching stored or new group, else its own.

    A group is anchored on its first report; a later report joins when type, actor key and
    modality class are equal, the dates are at most GROUP_DAYS apart and the places at most
    GROUP_KM (or are the same place). Anchoring, not chaining, keeps a group from drifting day by
    day along a front line. Returns the ids of every group that gained a report.
    """
    by_key: dict[tuple, list[dict]] = {}
    for group in _stored_groups(con, events):
        key = (group["type"], group["actor_key"], group["modality_key"])
        by_key.setdefault(key, []).append(group)
    touched: set[str] = set()
    for ev in events:
        key = (ev["type"], ev["actor_key"], ev["modality_key"])
        best = min((m for g in by_key.get(key, []) if (m := _match(g, ev))), default=None)
        if best is None:
            group = {"id": ev["uid"], **{k: ev[k] for k in
                                         ("type", "actor_key", "modality_key", "place_id", "lat",
                                          "lon", "date")}}
            by_key.setdefault(key, []).append(group)
            new_groups.append((group["id"], ev["type"], ev["actor_key"], ev["modality_key"],
                               ev["place_id"], ev["lat"], ev["lon"], ev["date"], 0, 0, 0,
                               None, None))
            ev["group_id"] = group["id"]
        else:
            ev["group_id"] = best[-1]
        touched.add(ev["group_id"])
    return touched


def _match(group: dict, ev: dict) -> tuple | None:
    """(distance, days, id) when ``ev`` reports the group's event, for picking the nearest."""
    if group["date"] is None or ev["date"] is None:
        return None
    days = abs((group["date"] - ev["date"]).days)
    if days > GROUP_DAYS:
        return None
    if group["place_id"] is not None and group["place_id"] == ev["place_id"]:
        km = 0.0
    elif None in (group["lat"], group["lon"], ev["lat"], ev["lon"]):
        return None
    else:
        km = haversine_km(group["lat"], group["lon"], ev["lat"], ev["lon"])
        if km > GROUP_KM:
            return None
    return km, days, group["id"]


def _stored_groups(con: duckdb.DuckDBPyConnection, events: list[dict]) -> list[dict]:
    dated = [e for e in events if e["date"] is not None]
    if not dated:
        return []
    keys = sorted({(e["type"], e["actor_key"], e["modality_key"]) for e in dated})
    low = min(e["date"] for e in dated) - timedelta(days=GROUP_DAYS)
    high = max(e["date"] for e in dated) + timedelta(days=GROUP_DAYS)
    cur = con.execute(
        "SELECT g.id, g.type, g.actor_key, g.modality_key, g.place_id, g.lat, g.lon, g.date "
        "FROM event_groups g JOIN (SELECT unnest($1) AS t, unnest($2) AS a, unnest($3) AS m) k "
        "ON g.type = k.t AND g.actor_key = k.a AND g.modality_key = k.m "
        "WHERE g.date BETWEEN $4 AND $5 ORDER BY g.id",
        [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], low, high])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def refresh_groups(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> None:
    """Recount the current reports, documents and independent sources of changed groups (a
    group whose every report was superseded counts zero, and queries leave it out)."""
    ids = sorted(ids)
    if not ids:
        return
    con.execute(
        """
        UPDATE event_groups SET n_reports = coalesce(s.n_reports, 0),
               n_documents = coalesce(s.n_documents, 0), n_sources = coalesce(s.n_sources, 0),
               first_date = s.first_date, last_date = s.last_date
        FROM (SELECT unnest($1) AS id) k LEFT JOIN (
            SELECT e.group_id, count(*) AS n_reports, count(DISTINCT e.document_id) AS n_documents,
                   count(DISTINCT d.outlet) AS n_sources, min(e.date) AS first_date,
                   max(e.date) AS last_date
            FROM events e JOIN documents d ON d.id = e.document_id
            WHERE e.group_id = ANY($1) AND d.superseded_by IS NULL
            GROUP BY e.group_id
        ) s ON s.group_id = k.id
        WHERE event_groups.id = k.id
        """,
        [ids],
    )


def load_report(row_report: str, text: str) -> Report:
    """The stored Report (documents.report plus documents.text) as the model object."""
    data = json.loads(row_report)
    data["document"]["text"] = text
    return Report.model_validate(data)
