"""A radius + time-window + type query on a store of 1 million synthetic events.

    .venv/bin/python bench/store_query.py                    # 1M events, a temporary file
    .venv/bin/python bench/store_query.py --events 200000 --db /tmp/synthetic.duckdb --keep

Builds the store with SQL straight into the schema (documents, places, actors, events with a
source and a target each, one group per event), in random date order (the worst case for DuckDB's
row-group min/max), then times ``Store.events(near=..., since=..., until=..., type=...)`` end to
end (SQL, joins, pandas frame) and the same filter as a bare count. Figures only, no assertion.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

PLOVER = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
          "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]
MODALITIES = ["asserted", "reported", "reported", "asserted", "intended", "negated"]


def build(store, n_events: int, n_docs: int, n_places: int, n_actors: int) -> None:
    con = store.con
    con.execute("SELECT setseed(0.42)")
    con.execute("BEGIN TRANSACTION")
    con.execute(f"""
        INSERT INTO documents (id, seq, title, published, published_date, source, text, outlet,
                               version, report, ingested_at)
        SELECT sha256(i::VARCHAR), i, 'synthetic ' || i, d::VARCHAR, d, 'outlet ' || (i % 97),
               'text of document ' || i, 'outlet ' || (i % 97), 1, '{{}}', now()
        FROM (SELECT i, DATE '2011-01-01' + (random() * 5000)::INTEGER AS d
              FROM range({n_docs}) t(i))""")
    # Places cluster around Syria, Iraq, Yemen and Sudan, as a conflict corpus would.
    con.execute(f"""
        INSERT INTO places (id, name, lat, lon, country, admin1, feature)
        SELECT 'synthetic:' || i, 'place ' || i,
               c.lat + (random() - 0.5) * 6, c.lon + (random() - 0.5) * 6, c.cc,
               'admin ' || (i % 50), 'town'
        FROM range({n_places}) t(i)
        JOIN (VALUES (0, 34.8, 38.5, 'SY'), (1, 33.2, 43.7, 'IQ'), (2, 15.5, 47.5, 'YE'),
                     (3, 14.0, 30.0, 'SD')) c(k, lat, lon, cc) ON c.k = i % 4""")
    con.execute(f"""
        INSERT INTO actors (id, name, kind, linked)
        SELECT 'synthetic:a' || i, 'actor ' || i, 'armed_group', true
        FROM range({n_actors}) t(i)""")
    con.execute(f"""
        CREATE TEMP TABLE ev AS
        SELECT i, sha256((i % {n_docs})::VARCHAR) AS document_id,
               substr(sha256((i % {n_docs})::VARCHAR), 1, 16) || '/e' || i AS uid,
               'synthetic:' || (random() * {n_places - 1})::INTEGER AS place_id,
               DATE '2011-01-01' + (random() * 5000)::INTEGER AS date,
               {PLOVER}[1 + (random() * 15)::INTEGER] AS type,
               {MODALITIES}[1 + (random() * 5)::INTEGER] AS modality
        FROM range({n_events}) t(i)""")
    con.execute("""
        INSERT INTO events (uid, document_id, id, group_id, type, place_id, lat, lon, date,
                            date_precision, modality, factual, attributed_to, confidence,
                            evidence_start, evidence_end, evidence_text)
        SELECT ev.uid, ev.document_id, 'e' || ev.i, ev.uid, ev.type, ev.place_id, p.lat, p.lon,
               ev.date, 'day', ev.modality, ev.modality IN ('asserted', 'reported'), 'author',
               0.8, 0, 10, 'evidence ' || ev.i
        FROM ev JOIN places p ON p.id = ev.place_id""")
    con.execute(f"""
        INSERT INTO event_actors (event_uid, role, position, actor_id)
        SELECT uid, 'source', 0, 'synthetic:a' || (random() * {n_actors - 1})::INTEGER FROM ev
        UNION ALL
        SELECT uid, 'target', 0, 'synthetic:a' || (random() * {n_actors - 1})::INTEGER FROM ev""")
    con.execute("""
        INSERT INTO event_groups (id, type, actor_key, modality_key, place_id, lat, lon, date,
                                  n_reports, n_documents, n_sources, first_date, last_date)
        SELECT uid, type, '', CASE WHEN factual THEN 'factual' ELSE modality END, place_id, lat,
               lon, date, 1, 1, 1, date, date
        FROM events""")
    con.execute("DROP TABLE ev")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--db", default=None, help="database file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    from sitrep.store import Store

    tmp = tempfile.TemporaryDirectory()
    path = Path(args.db or Path(tmp.name) / "synthetic.duckdb")
    if path.exists() and not args.keep:
        path.unlink()
    store = Store(path)
    if not store.counts()["events"]:
        t0 = time.perf_counter()
        build(store, args.events, args.docs, args.places, args.actors)
        print(f"built {args.events:,} events, {args.docs:,} documents, {args.places:,} places in "
              f"{time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    store.close()

    # A fresh read-only open, as `sitrep events` does: nothing is warm but the OS file cache.
    store = Store(path, read_only=True)
    counts = store.counts()
    print(f"store: {counts['events']:,} events, {counts['event_actors']:,} event actors, "
          f"{counts['documents']:,} documents")
    filters = dict(near="33.51,36.29,50", since="2016-01-01", until="2016-12-31", type="ASSAULT")
    first, frame = timed(lambda: store.events(**filters), 1)
    times, frame = timed(lambda: store.events(**filters), args.repeat)
    print(f"Store.events({', '.join(f'{k}={v!r}' for k, v in filters.items())})")
    print(f"  {len(frame)} rows; first call {first[0]:.0f} ms; then median "
          f"{statistics.median(times):.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms "
          f"over {args.repeat}")

    from sitrep.store.query import near_sql

    where = (f"{near_sql('lat', 'lon', 33.51, 36.29, 50)} AND date BETWEEN DATE '2016-01-01' "
             "AND DATE '2016-12-31' AND type = 'ASSAULT'")
    count_times, count = timed(
        lambda: store.con.execute(f"SELECT count(*) FROM events WHERE {where}").fetchone()[0],
        args.repeat)
    print(f"  the filter alone (count(*)): {count} rows, median "
          f"{statistics.median(count_times):.1f} ms")
    wide = dict(near="33.51,36.29,300", since="2011-01-01", until="2024-12-31")
    times, frame = timed(lambda: store.events(**wide), 3)
    print(f"  a wide query (300 km, all years, all types): {len(frame):,} rows, median "
          f"{statistics.median(times):.0f} ms")
    store.close()
    if args.keep:
        print(f"kept {path}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
