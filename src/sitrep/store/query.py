"""The filters of ``sitrep events|actors|places|quotes|claims`` as SQL, each query one frame.

``--near LAT,LON,KM`` is a haversine distance in SQL behind a latitude/longitude box: the box is
plain column comparisons, which DuckDB checks against each row group's min/max and vectorises, so
only the rows inside it pay for the trigonometry. ``--actor`` and ``--place`` take an id (exact)
or a piece of a name, compared without case, accents or punctuation; a place also matches by its
admin1 ("--place Daraa" finds the towns of Daraa province).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import get_args

import duckdb
import pandas as pd
from anyascii import anyascii

from sitrep.model import (
    FACTUAL_MODALITIES, ActorKind, ClaimKind, EventType, Modality, PlaceFeature, QuoteKind,
)
from sitrep.store.db import StoreError
from sitrep.store.write import EARTH_KM, modality_key

ACLED_EVENT_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians",
                     "Protests", "Riots", "Strategic developments")


@dataclass(frozen=True)
class Filters:
    """What to select; ``Filters.make`` parses and checks what a user typed."""

    actor: str | None = None
    place: str | None = None
    near: tuple[float, float, float] | None = None
    type: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    modality: tuple[str, ...] = ()
    min_sources: int | None = None
    all_versions: bool = False
    limit: int | None = None
    given: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def make(cls, **values) -> Filters:
        unknown = set(values) - {f for f in cls.__dataclass_fields__ if f != "given"}
        if unknown:
            raise TypeError(f"unknown filter {', '.join(sorted(unknown))}")
        given = frozenset(k for k, v in values.items() if v not in (None, (), [], "", False))
        near = values.get("near")
        if near is not None and not isinstance(near, str):
            near = ",".join(map(str, near))
        out = cls(
            actor=_needle(values.get("actor"), "--actor"),
            place=_needle(values.get("place"), "--place"),
            near=parse_near(near) if near else None,
            type=_words(values.get("type")),
            since=_day(values.get("since"), "--since"),
            until=_day(values.get("until"), "--until"),
            modality=_modalities(values.get("modality")),
            min_sources=values.get("min_sources"),
            all_versions=bool(values.get("all_versions")),
            limit=values.get("limit"),
            given=given,
        )
        if out.near:
            lat, lon, km = out.near
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and km > 0):
                raise StoreError(f"--near {lat},{lon},{km}: latitude -90..90, longitude -180..180, "
                                 "and a positive distance in km")
        if out.since and out.until and out.since > out.until:
            raise StoreError(f"--since {out.since} is after --until {out.until}")
        if out.limit is not None and out.limit < 0:
            raise StoreError("--limit must be 0 or more")
        return out

    def only(self, verb: str, *allowed: str) -> Filters:
        """Refuse filters that mean nothing for ``verb`` (rather than silently ignore them)."""
        extra = sorted(self.given - set(allowed) - {"limit", "all_versions"})
        if extra:
            flags = ", ".join("--" + e.replace("_", "-") for e in extra)
            raise StoreError(f"{verb} cannot be filtered by {flags}")
        return self


def parse_near(text: str) -> tuple[float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        lat, lon, km = (float(p) for p in parts)
    except ValueError:
        raise StoreError(f"--near {text!r}: expected LAT,LON,KM, e.g. 33.51,36.29,25") from None
    return lat, lon, km


def _needle(value: str | None, flag: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    if not norm(value):
        raise StoreError(f"{flag} {value!r}: give an id or a name with letters or digits")
    return str(value).strip()


def _words(value) -> tuple[str, ...]:
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(s.strip() for s in items if s and s.strip())


def _day(value, flag: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise StoreError(f"{flag} {value!r}: expected a date as YYYY-MM-DD") from None


def _modalities(value) -> tuple[str, ...]:
    out: list[str] = []
    for word in _words(value):
        word = word.lower()
        if word == "factual":
            out += sorted(FACTUAL_MODALITIES)
        elif word in get_args(Modality):
            out.append(word)
        else:
            known = ", ".join(get_args(Modality))
            raise StoreError(f"--modality {word!r}: one of factual, {known}")
    return tuple(dict.fromkeys(out))


def _choices(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> list[str]:
    by_lower = {a.lower(): a for a in allowed}
    out = []
    for v in values:
        if v.lower() not in by_lower:
            raise StoreError(f"--type {v!r}: {what} is one of {', '.join(allowed)}")
        out.append(by_lower[v.lower()])
    return out


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm(text: str) -> str:
    """A name folded for matching: ASCII, lower case, letters and digits only."""
    return _NON_ALNUM.sub("", anyascii(str(text)).lower())


def _norm_sql(column: str) -> str:
    return f"regexp_replace(lower(strip_accents({column})), '[^a-z0-9]+', '', 'g')"


def actor_ids(con: duckdb.DuckDBPyConnection, needle: str) -> list[str]:
    """The actors ``needle`` names: the one whose id it is, else all whose name or id contain it."""
    exact = con.execute("SELECT id FROM actors WHERE lower(id) = lower(?)", [needle]).fetchall()
    if exact:
        return [r[0] for r in exact]
    like = f"%{norm(needle)}%"
    return [r[0] for r in con.execute(
        f"SELECT id FROM actors WHERE {_norm_sql('name')} LIKE ? OR {_norm_sql('id')} LIKE ? "
        "ORDER BY id", [like, like]).fetchall()]


def place_ids(con: duckdb.DuckDBPyConnection, needle: str) -> list[str]:
    """The places ``needle`` names: by id, else by a piece of their name or of their admin1."""
    exact = con.execute("SELECT id FROM places WHERE lower(id) = lower(?)", [needle]).fetchall()
    if exact:
        return [r[0] for r in exact]
    like = f"%{norm(needle)}%"
    return [r[0] for r in con.execute(
        f"SELECT id FROM places WHERE {_norm_sql('name')} LIKE ? "
        f"OR {_norm_sql('admin1')} LIKE ? ORDER BY id", [like, like]).fetchall()]


def near_sql(lat_col: str, lon_col: str, lat: float, lon: float, km: float) -> str:
    """A SQL condition: (lat_col, lon_col) lies within ``km`` of (lat, lon), great-circle.

    The numbers are floats parsed by Filters.make, so inlining them is safe; as literals they let
    DuckDB fold cos(radians(lat)) once.
    """
    r = km / EARTH_KM
    dlat = math.degrees(r)
    lo_lat, hi_lat = lat - dlat, lat + dlat
    parts = [f"{lat_col} BETWEEN {max(lo_lat, -90.0)!r} AND {min(hi_lat, 90.0)!r}"]
    # The longitude box is only bounded when the circle does not contain a pole.
    if lo_lat > -90 and hi_lat < 90:
        dlon = math.degrees(math.asin(min(1.0, math.sin(r) / math.cos(math.radians(lat)))))
        lo, hi = lon - dlon, lon + dlon
        if lo < -180:  # the box crosses the antimeridian: two ranges
            parts.append(f"({lon_col} >= {lo + 360!r} OR {lon_col} <= {hi!r})")
        elif hi > 180:
            parts.append(f"({lon_col} >= {lo!r} OR {lon_col} <= {hi - 360!r})")
        else:
            parts.append(f"{lon_col} BETWEEN {lo!r} AND {hi!r}")
    parts.append(f"{distance_sql(lat_col, lon_col, lat, lon)} <= {float(km)!r}")
    return " AND ".join(parts)


def distance_sql(lat_col: str, lon_col: str, lat: float, lon: float) -> str:
    return (f"(2 * {EARTH_KM!r} * asin(least(1.0, sqrt("
            f"pow(sin(radians({lat_col} - {float(lat)!r}) / 2), 2) + "
            f"{math.cos(math.radians(lat))!r} * cos(radians({lat_col})) * "
            f"pow(sin(radians({lon_col} - {float(lon)!r}) / 2), 2)))))")


class Where:
    """AND-ed conditions with their positional parameters, in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list = []

    def add(self, clause: str, *params) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def __str__(self) -> str:
        return " AND ".join(self.clauses) or "TRUE"


def _document_filters(con, f: Filters, w: Where, doc: str = "d", *, dates: bool = True) -> None:
    """Conditions on the document (alias ``doc``): version, dates, and what it mentions."""
    if not f.all_versions:
        w.add(f"{doc}.superseded_by IS NULL")
    if dates and f.since:
        w.add(f"{doc}.published_date >= ?", f.since)
    if dates and f.until:
        w.add(f"{doc}.published_date <= ?", f.until)
    if f.near:
        w.add(f"{doc}.id IN (SELECT pm.document_id FROM place_mentions pm JOIN places p "
              f"ON p.id = pm.place_id WHERE {near_sql('p.lat', 'p.lon', *f.near)})")


def _mentions_place(con, f: Filters, w: Where, doc: str = "d") -> None:
    if f.place:
        w.add(f"{doc}.id IN (SELECT document_id FROM place_mentions "
              "WHERE place_id = ANY(?))", place_ids(con, f.place))


def _mentions_actor(con, f: Filters, w: Where, doc: str = "d") -> None:
    if f.actor:
        w.add(f"{doc}.id IN (SELECT document_id FROM actor_mentions "
              "WHERE actor_id = ANY(?))", actor_ids(con, f.actor))


def _limit(f: Filters) -> str:
    return f" LIMIT {int(f.limit)}" if f.limit is not None else ""


def events(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """One row per event report (every report kept), with its group's corroboration."""
    w = Where()
    if not f.all_versions:  # few documents are superseded: this reads little of the table
        w.add("e.document_id NOT IN (SELECT id FROM documents WHERE superseded_by IS NOT NULL)")
    _event_filters(con, f, w)
    if f.since:
        w.add("e.date >= ?", f.since)
    if f.until:
        w.add("e.date <= ?", f.until)
    distance = (f", round({distance_sql('e.lat', 'e.lon', *f.near[:2])}, 3) AS distance_km"
                if f.near else "")
    # Events are filtered alone; what the rows need from the big tables (their groups' counts,
    # their documents) is then looked up by key, which reads far less than a join would.
    groups = "JOIN event_groups g ON g.id = e.group_id" if f.min_sources else ""
    frame = con.execute(f"""
        SELECT e.uid AS event_uid, e.date, e.date_precision, e.type, e.mode, e.modality,
               e.factual, p.name AS place, e.lat, e.lon, p.admin1, p.country,
               p.feature AS place_feature, e.group_id, e.confidence, e.attributed_to,
               e.acled_event_type, e.acled_sub_event_type, e.evidence_text AS evidence,
               e.evidence_start, e.evidence_end, e.place_id, e.document_id,
               e.id AS event_id{distance}
        FROM events e {groups} LEFT JOIN places p ON p.id = e.place_id
        WHERE {w}
        ORDER BY e.date NULLS LAST, e.uid{_limit(f)}""", w.params).df()
    frame = _look_up(con, frame, "group_id", "group_id", ["corroboration", "group_reports"],
                     "SELECT id AS group_id, n_sources AS corroboration, "
                     "n_reports AS group_reports FROM event_groups WHERE id")
    frame = _look_up(con, frame, "document_id", None, ["title", "published", "outlet", "url"],
                     "SELECT id AS document_id, title, published_date AS published, "
                     "source AS outlet, url FROM documents WHERE id")
    return _with_actors(con, frame, "event_uid", after="factual")


def _look_up(con, frame: pd.DataFrame, key: str, before: str | None, columns: list[str],
             sql: str) -> pd.DataFrame:
    """Add ``columns`` from ``sql`` (ending in the key column's name) for the keys in ``frame``,
    placed before column ``before`` (or at the end)."""
    keys = frame[key].unique().tolist()
    found = con.execute(f"{sql} {_any(keys)}", [keys]).df()
    order = list(frame.columns)
    at = order.index(before) if before else len(order)
    return frame.merge(found, how="left", on=key)[order[:at] + columns + order[at:]]


def _any(keys: list) -> str:
    """Matching a column against a list of keys found by an earlier query.

    ``= ANY(list)`` is checked in the scan (and can use an index): fast for a few keys; for many,
    a hash join is faster.
    """
    return "= ANY(?)" if len(keys) <= 2048 else "IN (SELECT unnest(?))"


def _with_actors(con, frame: pd.DataFrame, key: str, after: str) -> pd.DataFrame:
    """Add source/target names and ids to a frame of events keyed by ``key`` (event uids).

    A second query rather than a join: looking up a few uids with ``= ANY(list)`` is filtered in
    the scan, where a join would hash two million link rows to find them.
    """
    uids = frame[key].tolist()
    who = con.execute(f"""
        SELECT ea.event_uid AS "{key}",
               {_agg("source", "names")} AS source, {_agg("target", "names")} AS target,
               {_agg("source", "ids")} AS source_ids, {_agg("target", "ids")} AS target_ids
        FROM event_actors ea LEFT JOIN actors a ON a.id = ea.actor_id
        WHERE ea.event_uid {_any(uids)} GROUP BY ea.event_uid""", [uids]).df()
    merged = frame.merge(who, how="left", on=key)
    columns = [c for c in frame.columns]
    at = columns.index(after) + 1
    order = columns[:at] + ["source", "target"] + columns[at:] + ["source_ids", "target_ids"]
    return merged[order]


def _agg(role: str, what: str) -> str:
    value = "ea.actor_id" if what == "ids" else "coalesce(a.name, ea.actor_id)"
    sep = ";" if what == "ids" else "; "
    return f"string_agg({value}, '{sep}' ORDER BY ea.position) FILTER (WHERE ea.role = '{role}')"


def _event_filters(con, f: Filters, w: Where, e: str = "e") -> None:
    # `= ANY(?)` on one column is pushed into the scan; an OR across two columns is not.
    if f.type:
        plover = [t.upper() for t in f.type if t.upper() in get_args(EventType)]
        acled = _choices(tuple(t for t in f.type if t.upper() not in get_args(EventType)),
                         get_args(EventType) + ACLED_EVENT_TYPES, "an event type")
        if plover and acled:
            w.add(f"({e}.type = ANY(?) OR {e}.acled_event_type = ANY(?))", plover, acled)
        elif plover:
            w.add(f"{e}.type = ANY(?)", plover)
        else:
            w.add(f"{e}.acled_event_type = ANY(?)", acled)
    if f.modality:
        w.add(f"{e}.modality = ANY(?)", list(f.modality))
    if f.near:
        w.add(near_sql(f"{e}.lat", f"{e}.lon", *f.near))
    if f.actor:
        w.add(f"{e}.uid IN (SELECT event_uid FROM event_actors WHERE actor_id = ANY(?))",
              actor_ids(con, f.actor))
    if f.place:
        w.add(f"{e}.place_id = ANY(?)", place_ids(con, f.place))
    if f.min_sources:
        w.add("g.n_sources >= ?", int(f.min_sources))


def groups(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """One row per event (a group of reports), described by its first report."""
    w = Where()
    _event_filters(con, replace(f, modality=()), w)
    if f.modality:
        w.add("g.modality_key = ANY(?)", sorted({modality_key(m) for m in f.modality}))
    if not f.all_versions:
        w.add("g.n_reports > 0")
    if f.since:
        w.add("g.last_date >= ?", f.since)
    if f.until:
        w.add("g.first_date <= ?", f.until)
    frame = con.execute(f"""
        SELECT g.id AS group_id, g.date, g.first_date, g.last_date, e.date_precision, g.type,
               e.mode, e.modality, g.modality_key = 'factual' AS factual, p.name AS place,
               g.lat, g.lon, p.admin1, p.country, p.feature AS place_feature,
               g.n_sources AS corroboration, g.n_reports, g.n_documents, e.acled_event_type,
               e.acled_sub_event_type, e.evidence_text AS evidence, e.confidence, g.place_id
        FROM event_groups g JOIN events e ON e.uid = g.id
             LEFT JOIN places p ON p.id = g.place_id
        WHERE {w}
        ORDER BY g.date NULLS LAST, g.id{_limit(f)}""", w.params).df()
    current = "" if f.all_versions else " AND d.superseded_by IS NULL"
    outlets = con.execute(f"""
        SELECT e.group_id, string_agg(DISTINCT coalesce(d.source, d.outlet), '; '
               ORDER BY coalesce(d.source, d.outlet)) AS outlets,
               string_agg(DISTINCT d.id, ';' ORDER BY d.id) AS document_ids
        FROM events e JOIN documents d ON d.id = e.document_id
        WHERE e.group_id IN (SELECT unnest(?)){current} GROUP BY e.group_id""",
        [frame["group_id"].tolist()]).fetchall()
    found = {gid: (names, ids) for gid, names, ids in outlets}
    frame.insert(list(frame.columns).index("n_documents") + 1, "outlets",
                 pd.Series([found.get(g, (None, None))[0] for g in frame["group_id"]],
                           index=frame.index, dtype=object))
    frame["document_ids"] = pd.Series([found.get(g, (None, None))[1] for g in frame["group_id"]],
                                      index=frame.index, dtype=object)
    return _with_actors(con, frame, "group_id", after="factual")


def actors(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Actors with how many documents, mentions and events name them."""
    f.only("actors", "actor", "place", "near", "type", "since", "until")
    w = Where()
    _document_filters(con, f, w)
    _mentions_place(con, f, w)
    if f.actor:
        w.add("m.actor_id = ANY(?)", actor_ids(con, f.actor))
    if f.type:
        w.add("a.kind = ANY(?)", _choices(f.type, get_args(ActorKind), "an actor kind"))
    sql = f"""
        WITH m AS (
            SELECT m.*, d.published_date FROM actor_mentions m
            JOIN documents d ON d.id = m.document_id JOIN actors a ON a.id = m.actor_id
            WHERE {w}
        ), ev AS (
            SELECT ea.actor_id, count(DISTINCT ea.event_uid) AS events
            FROM event_actors ea JOIN events e ON e.uid = ea.event_uid
            WHERE e.document_id IN (SELECT document_id FROM m) GROUP BY ea.actor_id
        )
        SELECT a.id, a.name, a.kind, a.country, a.sector, a.linked, a.wikidata,
               count(DISTINCT m.document_id) AS documents, count(m."start") AS mentions,
               coalesce(any_value(ev.events), 0) AS events,
               min(m.published_date) AS first_seen, max(m.published_date) AS last_seen,
               string_agg(DISTINCT m.role, '; ' ORDER BY m.role) AS roles
        FROM m JOIN actors a ON a.id = m.actor_id LEFT JOIN ev ON ev.actor_id = a.id
        GROUP BY a.id, a.name, a.kind, a.country, a.sector, a.linked, a.wikidata
        ORDER BY documents DESC, mentions DESC, a.id{_limit(f)}"""
    return con.execute(sql, w.params).df()


def places(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Places with their coordinates and how many documents, mentions and events name them."""
    f.only("places", "actor", "place", "near", "type", "since", "until")
    w = Where()
    _document_filters(con, replace(f, near=None), w)
    _mentions_actor(con, f, w)
    if f.place:
        w.add("m.place_id = ANY(?)", place_ids(con, f.place))
    if f.near:
        w.add(near_sql("p.lat", "p.lon", *f.near))
    if f.type:
        w.add("p.feature = ANY(?)",
              _choices(f.type, get_args(PlaceFeature), "a place feature"))
    distance = (f", round({distance_sql('p.lat', 'p.lon', *f.near[:2])}, 3) AS distance_km"
                if f.near else "")
    sql = f"""
        WITH m AS (
            SELECT m.*, d.published_date FROM place_mentions m
            JOIN documents d ON d.id = m.document_id JOIN places p ON p.id = m.place_id
            WHERE {w}
        ), ev AS (
            SELECT place_id, count(*) AS events FROM events
            WHERE document_id IN (SELECT document_id FROM m) GROUP BY place_id
        )
        SELECT p.id, p.name, p.lat, p.lon, p.country, p.admin1, p.feature, p.geonames_id,
               count(DISTINCT m.document_id) AS documents, count(m."start") AS mentions,
               coalesce(any_value(ev.events), 0) AS events,
               round(avg(m.confidence), 3) AS confidence,
               min(m.published_date) AS first_seen, max(m.published_date) AS last_seen{distance}
        FROM m JOIN places p ON p.id = m.place_id LEFT JOIN ev ON ev.place_id = p.id
        GROUP BY p.id, p.name, p.lat, p.lon, p.country, p.admin1, p.feature, p.geonames_id
        ORDER BY documents DESC, mentions DESC, p.id{_limit(f)}"""
    return con.execute(sql, w.params).df()


def quotes(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Quotes with their speaker and document."""
    f.only("quotes", "actor", "place", "near", "type", "since", "until")
    w = Where()
    _document_filters(con, f, w)
    _mentions_place(con, f, w)
    if f.actor:
        w.add("q.speaker = ANY(?)", actor_ids(con, f.actor))
    if f.type:
        w.add("q.kind = ANY(?)", _choices(f.type, get_args(QuoteKind), "a quote kind"))
    sql = f"""
        SELECT q.document_id, q.id AS quote_id, q.text, q.kind,
               coalesce(a.name, q.speaker_text) AS speaker, q.speaker AS speaker_id,
               q.speaker_text, q.cue, q."start", q."end", d.title,
               d.published_date AS published, d.source AS outlet, d.url
        FROM quotes q JOIN documents d ON d.id = q.document_id
        LEFT JOIN actors a ON a.id = q.speaker
        WHERE {w}
        ORDER BY d.published_date NULLS LAST, d.seq, q."start"{_limit(f)}"""
    return con.execute(sql, w.params).df()


def claims(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Claims to check, with who they are attributed to and their document."""
    f.only("claims", "actor", "place", "near", "type", "since", "until")
    w = Where()
    _document_filters(con, f, w)
    _mentions_place(con, f, w)
    if f.actor:
        w.add("c.attributed_to = ANY(?)", actor_ids(con, f.actor))
    if f.type:
        w.add("list_has_any(c.kinds, ?::VARCHAR[])",
              _choices(f.type, get_args(ClaimKind), "a claim kind"))
    sql = f"""
        SELECT c.document_id, c.id AS claim_id, c.text, c.checkworthiness,
               array_to_string(c.kinds, ';') AS kinds,
               CASE WHEN c.attributed_to = 'author' THEN 'author'
                    ELSE coalesce(a.name, c.attributed_to) END AS attributed_to,
               c.attributed_to AS attributed_to_id, c."start", c."end", d.title,
               d.published_date AS published, d.source AS outlet, d.url
        FROM claims c JOIN documents d ON d.id = c.document_id
        LEFT JOIN actors a ON a.id = c.attributed_to
        WHERE {w}
        ORDER BY d.published_date NULLS LAST, d.seq, c."start"{_limit(f)}"""
    return con.execute(sql, w.params).df()


def document_ids(con: duckdb.DuckDBPyConnection, f: Filters) -> list[str]:
    """Ids of the documents the filters select, in ingest order."""
    f.only("documents", "actor", "place", "near", "since", "until")
    w = Where()
    _document_filters(con, f, w)
    _mentions_place(con, f, w)
    _mentions_actor(con, f, w)
    sql = f"SELECT d.id FROM documents d WHERE {w} ORDER BY d.seq{_limit(f)}"
    return [r[0] for r in con.execute(sql, w.params).fetchall()]
