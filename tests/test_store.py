"""The store: idempotent writes, versions, shared ids, event groups, filters, exports, locking.

Reports are built from model objects (the event extractor is not in the pipeline yet); the slow
tests ingest the project's examples and a FA-KES sample through the real pipeline and the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sitrep.errors import ReadFailure
from sitrep.model import (
    Actor, Claim, Document, Event, Place, Quote, Report, Span, Technique, document_id,
)
from sitrep.store import Store, StoreBusy, StoreError
from sitrep.store import db as store_db
from sitrep.store.write import haversine_km

from .conftest import EXAMPLES, ROOT, shared_path

CLI = [sys.executable, "-c", "import sitrep.cli_store, sitrep.cli as c; c.main()"]

# Places (gazetteer ids as the resolver gives them) and actors (registry ids).
DARAA = dict(id="geonames:170903", name="Daraa", lat=32.6189, lon=36.1021, country="SY",
             admin1="Daraa", feature="city", geonames_id=170903, confidence=0.9)
TAFAS = dict(id="geonames:163806", name="Ţafas", lat=32.7356, lon=36.0669, country="SY",
             admin1="Daraa", feature="town", geonames_id=163806, confidence=0.8)
IDLIB = dict(id="geonames:169389", name="Idlib", lat=35.9306, lon=36.6339, country="SY",
             admin1="Idlib", feature="city", geonames_id=169389, confidence=0.9)
ARMY = dict(id="SYR.MIL", name="Syrian Armed Forces", kind="military", country="SYR")
RUSSIA = dict(id="RUS.MIL", name="Russian Armed Forces", kind="military", country="RUS")
REBELS = dict(id="grp:fsa", name="Free Syrian Army", kind="armed_group", country="SYR")


def span(text: str, part: str) -> Span:
    start = text.index(part)
    return Span(start=start, end=start + len(part), text=part)


def report(text: str, *, source: str | None = "Wire", url: str | None = None,
           published: str | None = "2018-07-01", actors=(ARMY,), places=(DARAA,),
           events=(), quotes=(), claims=()) -> Report:
    """A Report whose every span is found in ``text`` (each actor/place named by its name)."""
    doc = Document(id=document_id(text), text=text, title=text[:30], source=source, url=url,
                   published=published, origin=f"fixture:{text[:10]}")

    def mentions(name: str) -> list[Span]:
        return [span(text, name)] if name in text else []

    return Report(
        document=doc,
        actors=[Actor(**a, linked=True, mentions=mentions(a["name"])) for a in actors],
        places=[Place(**p, mentions=mentions(p["name"])) for p in places],
        events=[Event(id=f"e{i}", evidence=span(text, e.pop("evidence", text[:10])), **e)
                for i, e in enumerate(dict(e) for e in events)],
        quotes=[Quote(id=f"q{i}", kind="direct", **q, start=span(text, q["text"]).start,
                      end=span(text, q["text"]).end) for i, q in enumerate(quotes)],
        claims=[Claim(id=f"c{i}", **c, start=span(text, c["text"]).start,
                      end=span(text, c["text"]).end) for i, c in enumerate(claims)],
    )


def shelling(outlet: str, day: str | None = "2018-07-02", place: dict = DARAA, *,
             modality="asserted", actors=(ARMY,), target=(), extra: str = "",
             published: str | None = "2018-07-01", **event) -> Report:
    text = (f"Syrian Armed Forces shelled {place['name']} on {day}, {outlet} reported. "
            f"{extra}").strip()
    return report(text, source=outlet, places=(place,), actors=actors, published=published,
                  events=[dict(
        type="ASSAULT", source=[a["id"] for a in actors], target=list(target), place=place["id"],
        date=day, date_precision="day", modality=modality, evidence="Syrian Armed Forces shelled",
        confidence=0.8, **event)])


@pytest.fixture
def store():
    with Store(":memory:") as s:
        yield s


@pytest.fixture
def corpus() -> list[Report]:
    """Three outlets report one shelling of Daraa; one also reports a threat and a quote."""
    talk = ("Syrian Armed Forces shelled Daraa on 2018-07-02, SANA reported. "
            "\"We will take Idlib next,\" a commander said. Russian Armed Forces denied any role. "
            "At least 14 people were killed.")
    return [
        shelling("Reuters"),
        shelling("AFP", day="2018-07-03", place=TAFAS),  # 13 km away, a day later: the same event
        report(talk, source="SANA", actors=(ARMY, RUSSIA), places=(DARAA, IDLIB), events=[
            dict(type="ASSAULT", source=["SYR.MIL"], place=DARAA["id"], date="2018-07-02",
                 date_precision="day", modality="reported", evidence="Syrian Armed Forces shelled"),
            dict(type="THREATEN", source=["SYR.MIL"], place=IDLIB["id"], date="2018-07-02",
                 modality="intended", evidence="We will take Idlib next"),
            dict(type="ASSAULT", source=["RUS.MIL"], place=DARAA["id"], date="2018-07-02",
                 modality="negated", evidence="Russian Armed Forces denied any role"),
        ], quotes=[dict(text="We will take Idlib next", speaker="SYR.MIL",
                        speaker_text="a commander", cue="said")],
           claims=[dict(text="At least 14 people were killed", checkworthiness=0.9,
                        kinds=["statistic"])]),
    ]


# -- writing -------------------------------------------------------------------------------------


def test_schema_is_created_at_the_current_version(store):
    version = store.query("SELECT max(version) AS v FROM schema_version")["v"][0]
    assert version == store_db.SCHEMA_VERSION
    assert set(store.counts()) >= {"documents", "actors", "actor_mentions", "places",
                                   "place_mentions", "events", "event_actors", "event_groups",
                                   "quotes", "claims", "techniques"}


def test_adding_twice_changes_nothing(store, corpus):
    first = store.add(corpus)
    assert (first.new, first.unchanged, first.versions) == (3, 0, 0)
    before = store.fingerprint()
    again = store.add(corpus + corpus[:1])
    assert (again.new, again.unchanged) == (0, 4)
    assert store.fingerprint() == before


def test_reports_come_back_exactly(store, corpus):
    corpus[0].rhetoric.append(Technique(id="t0", technique="loaded_language", start=0, end=6,
                                        text=corpus[0].document.text[:6], confidence=0.5))
    store.add(corpus)
    back = {r.document.id: r for r in store.reports()}
    for sent in corpus:
        assert back[sent.document.id].as_dict() == sent.as_dict()


def test_one_transaction_per_batch_and_nothing_half_written(tmp_path, corpus, monkeypatch):
    from sitrep.store import write

    path = tmp_path / "s.duckdb"
    with Store(path, batch_size=1) as s:
        s.add(corpus[:1])
        real = write.refresh_groups

        def crash(*args):  # after every row of the batch is inserted, before COMMIT
            raise KeyboardInterrupt

        monkeypatch.setattr(write, "refresh_groups", crash)
        with pytest.raises(KeyboardInterrupt):
            s.add(corpus[1:])
        monkeypatch.setattr(write, "refresh_groups", real)
        counts = s.counts()
    assert counts["documents"] == 1 and counts["events"] == 1 and counts["place_mentions"] == 1
    with Store(path) as s:  # and the committed batch survives a reopen
        assert s.counts() == counts


def test_a_changed_text_under_the_same_url_is_a_new_version(store):
    url = "https://example.org/daraa"
    old = report("Syrian Armed Forces shelled Daraa.", url=url)
    new = report("Syrian Armed Forces shelled Daraa overnight.", url=url)
    assert store.add([old]).versions == 0
    assert store.add([new]).versions == 1
    docs = store.con.execute("SELECT id, version, previous_id, superseded_by FROM documents "
                             "ORDER BY version").fetchall()
    assert docs == [(old.document.id, 1, None, new.document.id),
                    (new.document.id, 2, old.document.id, None)]
    assert len(store.actors()) == 1 and store.actors()["documents"][0] == 1
    assert store.actors(all_versions=True)["documents"][0] == 2
    assert store.add([old]).unchanged == 1  # the old text again is not a third version


def test_actors_and_places_share_their_ids_across_documents(store, corpus):
    store.add(corpus)
    counts = store.counts()
    assert counts["actors"] == 2 and counts["places"] == 3
    army = store.actors(actor="SYR.MIL").iloc[0]
    assert (army["documents"], army["events"]) == (3, 4)
    daraa = store.places(place="geonames:170903").iloc[0]
    assert daraa["documents"] == 2 and daraa["lat"] == pytest.approx(32.6189)


def test_ingest_skips_stored_documents_before_analysis(store, corpus):
    by_id = {r.document.id: r for r in corpus}
    analysed: list[str] = []

    def analyze(documents):
        for document in documents:
            analysed.append(document.id)
            yield by_id[document.id]

    docs = [r.document for r in corpus]
    items = [docs[0], ReadFailure("bad.txt", "empty document"), docs[0], docs[1]]
    summary = store.ingest(items, analyze)
    assert (summary.read, summary.new, summary.unchanged, summary.versions) == (3, 2, 1, 0)
    assert str(summary).endswith("failed 1 (1 empty document)")
    assert analysed == [docs[0].id, docs[1].id]
    again = store.ingest(docs, analyze)
    assert (again.new, again.unchanged) == (1, 2) and analysed[2:] == [docs[2].id]


def test_a_document_with_duplicate_record_ids_fails_alone(store, corpus):
    bad = corpus[2].model_copy(deep=True)
    bad.events[1].id = bad.events[0].id
    summary = store.add([bad, corpus[0]])
    assert summary.new == 1 and len(summary.failed) == 1
    assert "duplicate event id" in summary.failed[0][1]


# -- event groups --------------------------------------------------------------------------------


def test_reports_of_one_event_are_grouped_with_their_corroboration(store, corpus):
    store.add(corpus + [shelling("Reuters", extra="Updated.")])  # a second Reuters report
    events = store.events()
    assert len(events) == 6  # every report is kept
    shell = events[(events["type"] == "ASSAULT") & events["factual"]]
    assert shell["group_id"].nunique() == 1 and len(shell) == 4
    assert set(shell["corroboration"]) == {3}  # Reuters (twice), AFP, SANA: three sources
    groups = store.groups()
    one = groups[groups["type"] == "ASSAULT"].iloc[0]
    assert (one["n_reports"], one["n_documents"], one["corroboration"]) == (4, 4, 3)
    assert one["outlets"] == "AFP; Reuters; SANA"
    assert one["first_date"] == pd.Timestamp("2018-07-02")
    assert one["last_date"] == pd.Timestamp("2018-07-03")
    # the denial by another actor and the threat are events of their own
    assert len(groups) == 3 and len(store.groups(modality="factual")) == 1
    assert set(store.groups(modality="negated,intended")["type"]) == {"ASSAULT", "THREATEN"}


@pytest.mark.parametrize("other, grouped", [
    (dict(day="2018-07-04"), True),                                    # two days later
    (dict(day="2018-07-05"), False),                                   # three days later
    (dict(place=dict(DARAA, id="geonames:x", name="Near", lat=32.80)), True),   # 20 km north
    (dict(place=dict(DARAA, id="geonames:y", name="Far", lat=32.90)), False),   # 31 km north
    (dict(actors=(RUSSIA,)), False),                                   # other actors
    (dict(target=["grp:fsa"]), False),                                 # a target named
    (dict(modality="reported"), True),                                 # still factual
    (dict(modality="hypothetical"), False),                            # not a fact
    (dict(day=None), True),                         # no event date: the publication date
    (dict(day=None, published=None), False),                           # no date at all: alone
])
def test_what_makes_two_reports_one_event(store, other, grouped):
    store.add([shelling("Reuters")])
    store.add([shelling("AFP", **other)])
    assert (int(store.query("SELECT count(*) AS n FROM event_groups")["n"][0]) == 1) is grouped


def test_groups_are_anchored_and_do_not_drift(store):
    store.add([shelling("A", day="2018-07-01"), shelling("B", day="2018-07-03"),
               shelling("C", day="2018-07-05")])
    sizes = sorted(store.groups()["n_reports"])
    assert sizes == [1, 2]  # C is four days from the first report, though two from B


def test_grouping_does_not_depend_on_the_batch_size(tmp_path, corpus):
    reports = corpus + [shelling("AP", day="2018-07-04"), shelling("AP", day="2018-07-09")]
    prints = []
    for size in (1, 2, 32):
        with Store(tmp_path / f"b{size}.duckdb", batch_size=size) as s:
            s.add(reports)
            prints.append(s.fingerprint())
    assert prints[0] == prints[1] == prints[2]


# -- queries -------------------------------------------------------------------------------------


def test_event_filters(store, corpus):
    store.add(corpus)
    assert set(store.events(actor="russian")["source_ids"]) == {"RUS.MIL"}
    assert len(store.events(actor="SYR.MIL")) == 4
    assert set(store.events(place="idlib")["type"]) == {"THREATEN"}
    assert len(store.events(place="Daraa")) == 4  # by admin1: Tafas is in Daraa province
    assert set(store.events(modality="factual")["modality"]) == {"asserted", "reported"}
    assert set(store.events(type="threaten")["type"]) == {"THREATEN"}
    assert list(store.events(since="2018-07-03")["place"]) == ["Ţafas"]
    assert len(store.events(until="2018-07-02")) == 4
    assert len(store.events(min_sources=3)) == 3
    assert store.events(limit=2).shape[0] == 2
    assert store.events(actor="nobody").empty


def test_near_is_a_great_circle_radius(store, corpus):
    store.add(corpus)
    damascus = (33.5138, 36.2765)
    to_daraa = haversine_km(*damascus, DARAA["lat"], DARAA["lon"])
    to_tafas = haversine_km(*damascus, TAFAS["lat"], TAFAS["lon"])
    assert to_tafas < to_daraa
    radius = (to_daraa + to_tafas) / 2
    hits = store.events(near=f"{damascus[0]},{damascus[1]},{radius}")
    assert list(hits["place"]) == ["Ţafas"]
    assert hits["distance_km"][0] == pytest.approx(to_tafas, abs=0.01)
    assert len(store.events(near=(*damascus, to_daraa + 0.5))) == 4


@pytest.mark.parametrize("lat, lon, lat2, lon2", [
    (32.6, 36.1, 32.8, 36.3), (0.0, 179.95, 0.1, -179.95), (89.9, 10.0, 89.9, -170.0),
    (-33.9, 18.4, -34.0, 18.6), (51.5, -0.1, 51.6, 0.1),
])
def test_sql_haversine_agrees_with_python_and_wraps(store, lat, lon, lat2, lon2):
    from sitrep.store.query import near_sql

    km = haversine_km(lat, lon, lat2, lon2)
    store.query("CREATE TABLE pts AS SELECT ? AS lat, ? AS lon", [lat2, lon2])

    def count(radius: float) -> int:
        where = near_sql("lat", "lon", lat, lon, radius)
        return int(store.query(f"SELECT count(*) AS n FROM pts WHERE {where}")["n"][0])

    assert (count(km * 1.001), count(km * 0.999)) == (1, 0)


def test_actor_place_quote_and_claim_queries(store, corpus):
    store.add(corpus)
    assert list(store.actors(type="military")["id"]) == ["SYR.MIL", "RUS.MIL"]
    assert set(store.actors(place="Idlib")["id"]) == {"SYR.MIL", "RUS.MIL"}
    assert set(store.places(actor="RUS.MIL")["name"]) == {"Daraa", "Idlib"}
    assert list(store.places(type="town")["name"]) == ["Ţafas"]
    assert list(store.places(near="35.93,36.63,10")["name"]) == ["Idlib"]
    quotes = store.quotes(actor="Syrian Armed")
    assert list(quotes["speaker"]) == ["Syrian Armed Forces"] and quotes["cue"][0] == "said"
    assert store.quotes(type="indirect").empty
    claims = store.claims(type="statistic", since="2018-07-01")
    assert list(claims["text"]) == ["At least 14 people were killed"]
    assert claims["attributed_to"][0] == "author"


@pytest.mark.parametrize("filters, message", [
    (dict(near="33.5,36.3"), "expected LAT,LON,KM"),
    (dict(near="95,36.3,10"), "latitude -90..90"),
    (dict(since="July 2018"), "expected a date as YYYY-MM-DD"),
    (dict(since="2018-07-05", until="2018-07-01"), "is after"),
    (dict(modality="likely"), "one of factual"),
    (dict(type="BOMB"), "is one of"),
])
def test_bad_filters_are_one_clear_line(store, filters, message):
    with pytest.raises(StoreError, match=message) as caught:
        store.events(**filters)
    assert "\n" not in str(caught.value)


def test_filters_that_mean_nothing_are_refused(store):
    with pytest.raises(StoreError, match="actors cannot be filtered by --modality"):
        store.actors(modality="factual")


# -- exports -------------------------------------------------------------------------------------


def assert_rfc7946(text: str) -> dict:
    """The RFC 7946 rules a GIS relies on: Points as [longitude, latitude] numbers in range, a
    FeatureCollection of Features, no crs member, and strict JSON (no NaN or Infinity)."""
    def refuse(token):
        raise AssertionError(f"{token} is not JSON")

    data = json.loads(text, parse_constant=refuse)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature.get("id"), str | int)
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        for value in feature["properties"].values():
            assert value is None or isinstance(value, str | int | float | bool | list | dict)
    return data


def test_geojson_is_rfc7946_and_only_factual_by_default(store, corpus):
    store.add(corpus)
    out = io.StringIO()
    summary = store.export("geojson", out)
    data = assert_rfc7946(out.getvalue())
    events = [f for f in data["features"] if f["properties"]["record"] == "event"]
    places = [f for f in data["features"] if f["properties"]["record"] == "place"]
    assert {f["properties"]["modality"] for f in events} == {"asserted", "reported"}
    assert len(events) == 3 and summary.not_factual == 2 and len(places) == 3
    daraa = next(f for f in places if f["id"] == DARAA["id"])
    assert daraa["geometry"]["coordinates"] == [DARAA["lon"], DARAA["lat"]]  # lon, lat
    assert events[0]["properties"]["corroboration"] == 3

    out = io.StringIO()
    store.export("geojson", out, table="events", all_modalities=True)
    flagged = assert_rfc7946(out.getvalue())["features"]
    assert {f["properties"]["modality"] for f in flagged} == {
        "asserted", "reported", "intended", "negated"}
    with pytest.raises(StoreError, match="not things that happened"):
        store.export("geojson", io.StringIO(), modality="negated")


def test_acled_csv_loads_with_acled_column_names(store, corpus, tmp_path):
    corpus[0].events[0].acled_event_type = "Explosions/Remote violence"
    corpus[0].events[0].acled_sub_event_type = "Shelling/artillery/missile attack"
    store.add(corpus)
    path = tmp_path / "acled.csv"
    store.export("acled", path)
    frame = pd.read_csv(path)
    required = ["event_date", "event_type", "sub_event_type", "actor1", "actor2", "admin1",
                "location", "latitude", "longitude", "geo_precision", "time_precision", "source",
                "notes"]
    assert set(required) <= set(frame.columns) and "modality" not in frame.columns
    assert len(frame) == 1  # one event, reported three times
    row = frame.iloc[0]
    assert row["event_date"] == "2018-07-02" and row["actor1"] == "Syrian Armed Forces"
    assert row["event_type"] == "Explosions/Remote violence"
    assert row["location"] == "Daraa" and row["admin1"] == "Daraa" and row["country"] == "Syria"
    assert (row["latitude"], row["longitude"]) == (DARAA["lat"], DARAA["lon"])
    assert row["notes"] == "Syrian Armed Forces shelled"  # the evidence text
    assert row["source"] == "AFP; Reuters; SANA" and row["time_precision"] == 2
    assert row["geo_precision"] == 1

    store.export("acled", path, all_modalities=True)
    every = pd.read_csv(path)
    assert set(every["modality"]) == {"asserted", "intended", "negated"}


def test_acled_csv_names_each_party_of_a_mutual_act_once(store, tmp_path):
    """"X and Y agreed": each party is source and target; ACLED gets actor 1 and actor 2."""
    text = "Syrian Armed Forces and Free Syrian Army agreed on a truce in Daraa."
    store.add([report(text, actors=(ARMY, REBELS), events=[dict(
        type="AGREE", source=["SYR.MIL", "grp:fsa"], target=["SYR.MIL", "grp:fsa"],
        place=DARAA["id"], date="2018-07-02", date_precision="day",
        evidence="agreed on a truce")])])
    store.export("acled", tmp_path / "acled.csv")
    row = pd.read_csv(tmp_path / "acled.csv").iloc[0]
    assert (row["actor1"], row["actor2"]) == ("Syrian Armed Forces", "Free Syrian Army")
    assert pd.isna(row["assoc_actor_1"]) and pd.isna(row["assoc_actor_2"])


def test_csv_parquet_and_jsonl_exports(store, corpus, tmp_path):
    store.add(corpus)
    store.export("csv", tmp_path / "events.csv")
    events = pd.read_csv(tmp_path / "events.csv")
    assert len(events) == 5 and {"modality", "evidence", "corroboration"} <= set(events.columns)
    store.export("csv", tmp_path / "quotes.csv", table="quotes")
    assert pd.read_csv(tmp_path / "quotes.csv")["speaker"][0] == "Syrian Armed Forces"

    store.export("parquet", tmp_path / "events.parquet")
    back = store.query("SELECT * FROM read_parquet(?)", [str(tmp_path / "events.parquet")])
    assert len(back) == 5 and str(back["date"].dtype).startswith("datetime64")
    types = store.query("DESCRIBE SELECT * FROM read_parquet(?)",
                        [str(tmp_path / "events.parquet")])
    assert dict(zip(types["column_name"], types["column_type"]))["date"] == "DATE"
    with pytest.raises(StoreError, match="parquet needs a file"):
        store.export("parquet")

    out = io.StringIO()
    assert store.export("jsonl", out).written == 3
    lines = out.getvalue().splitlines()
    assert [Report.model_validate(json.loads(line)).document.id for line in lines] == [
        r.document.id for r in corpus]
    out = io.StringIO()
    store.export("jsonl", out, actor="RUS.MIL")
    assert len(out.getvalue().splitlines()) == 1


# -- the file: locking and migrations ------------------------------------------------------------


def _holder(path, seconds: float) -> subprocess.Popen:
    """Another process holding the database, as a running ingest would."""
    code = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            f"print('ready', flush=True); time.sleep({seconds}); con.close()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_second_writer_waits_then_fails_clearly(tmp_path):
    path = tmp_path / "busy.duckdb"
    Store(path).close()
    proc = _holder(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy) as caught:
            Store(path, wait=0.6)
        assert time.monotonic() - started >= 0.6
        assert str(caught.value).startswith(
            f"busy.duckdb is in use by another process (pid {proc.pid})")
        result = subprocess.run(CLI + ["ingest", str(EXAMPLES), "--db", str(path), "--wait", "0.3"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"sitrep: busy.duckdb is in use by another process (pid {proc.pid}); waited 0.3 s "
            "(--wait SECONDS to wait longer)"]
    finally:
        proc.kill()
        proc.wait()


def test_a_second_writer_gets_in_when_the_first_is_done(tmp_path):
    path = tmp_path / "turns.duckdb"
    Store(path).close()
    proc = _holder(path, 1.0)
    try:
        with Store(path, wait=20) as s:
            assert s.counts()["documents"] == 0
    finally:
        proc.wait()


def test_forward_migrations_and_a_newer_file_refused(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    Store(path).close()
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store_db, "migrations", lambda: [
        (2, "ALTER TABLE documents ADD COLUMN note VARCHAR;")])
    with Store(path, read_only=True) as s:  # a reader upgrades too (it takes the lock briefly)
        assert "note" in s.query("SELECT * FROM documents").columns
        assert list(s.query("SELECT version FROM schema_version ORDER BY 1")["version"]) == [1, 2]
    monkeypatch.setattr(store_db, "SCHEMA_VERSION", 1)
    with pytest.raises(StoreError, match="newer than this sitrep knows"):
        Store(path)


def test_a_missing_database_is_one_line(tmp_path):
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "none.duckdb", read_only=True)


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def db_file(tmp_path, corpus):
    path = tmp_path / "cli.duckdb"
    with Store(path) as s:
        s.add(corpus)
    return path


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=300,
                          cwd=cwd or ROOT)


def invoke(*args: str):
    """The verb in this process (CliRunner), for speed; errors come back as the exception."""
    from typer.testing import CliRunner

    import sitrep.cli_store  # noqa: F401 - registers the verbs
    from sitrep.cli import app

    return CliRunner().invoke(app, list(args))


def test_query_verbs_and_formats(db_file):
    db = ["--db", str(db_file)]
    table = invoke("events", "--actor", "Syrian", "--modality", "factual", *db)
    assert table.exit_code == 0, table.output
    assert "Daraa" in table.stdout and "3 events" in table.stderr
    rows = json.loads(invoke("events", "--near", "32.62,36.10,20", "--format", "json", *db).stdout)
    assert len(rows) == 4 and all(r["distance_km"] <= 20 for r in rows)
    assert rows[0]["date"] == "2018-07-02" and rows[0]["lon"] == DARAA["lon"]
    grouped = invoke("events", "--grouped", "--modality", "factual", "--format", "csv", *db)
    assert [g["corroboration"] for g in csv.DictReader(io.StringIO(grouped.stdout))] == ["3"]
    assert "Syrian Armed Forces" in invoke("actors", *db).stdout
    assert "Ţafas" in invoke("places", "--type", "town", *db).stdout
    assert "We will take Idlib next" in invoke("quotes", "--format", "csv", *db).stdout
    assert "At least 14" in invoke("claims", "--format", "json", *db).stdout
    assert "no quotes match" in invoke("quotes", "--type", "floating", *db).stderr
    assert "no such database" in str(invoke("events", "--db", str(db_file.parent / "x")).exception)


def test_errors_are_one_line_on_stderr(db_file):
    bad = run("events", "--near", "north", "--db", str(db_file))
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == "sitrep: --near 'north': expected LAT,LON,KM, e.g. 33.51,36.29,25\n"


def test_export_verb(db_file, tmp_path):
    out = tmp_path / "map.geojson"
    result = invoke("export", "--format", "geojson", "--out", str(out), "--db", str(db_file))
    assert result.exit_code == 0, result.output
    assert "left out: 2 not factual" in result.stderr
    assert_rfc7946(out.read_text(encoding="utf-8"))
    acled = invoke("export", "-f", "acled", "--db", str(db_file))
    assert pd.read_csv(io.StringIO(acled.stdout))["notes"][0] == "Syrian Armed Forces shelled"


def test_every_store_verb_has_help_with_an_example():
    import sitrep.cli_store  # noqa: F401 - registers the verbs
    from sitrep.cli import app

    names = {c.callback.__name__: c.callback for c in app.registered_commands}
    for verb in ("ingest", "events", "actors", "places", "quotes", "claims", "export"):
        assert verb in names and "Example" in (names[verb].__doc__ or ""), verb


# -- through the real pipeline -------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_the_examples(tmp_path):
    db = str(tmp_path / "examples.duckdb")
    first = run("ingest", str(EXAMPLES), "--db", db)
    assert first.returncode == 0, first.stderr
    assert "read 5, new 5, unchanged 0, versions 0, failed 0" in first.stderr
    again = run("ingest", str(EXAMPLES), "--db", db)
    assert "read 5, new 0, unchanged 5, versions 0, failed 0" in again.stderr
    with Store(db, read_only=True) as s:
        actors = s.actors()
        # the same registry actor in several articles is one row
        assert actors["id"].is_unique
        assert actors.set_index("id").loc["RUS.GOV", "documents"] >= 2
        assert set(s.places(near="32.6,36.1,60")["id"]) >= {"extra:nasib-jaber-crossing"}
        for r in s.reports():
            assert r.span_errors() == []
        out = io.StringIO()
        s.export("geojson", out)
        assert_rfc7946(out.getvalue())


def _sample(tmp_path, rows: int):
    """The first ``rows`` FA-KES articles as a CSV of their own (read from ../shared, not copied
    into the repository)."""
    source = shared_path("corpus", "fakes", "fakes.csv")
    with open(source, encoding="iso-8859-1", newline="") as f:
        reader = csv.reader(f)
        lines = [next(reader) for _ in range(rows + 1)]
    path = tmp_path / "sample.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    return path


@pytest.mark.slow
def test_sigkill_mid_ingest_then_resume_equals_a_clean_run(tmp_path, nlp):
    from sitrep.pipeline import Pipeline, PipelineOptions
    from sitrep.read import read_all

    sample = _sample(tmp_path, 16)
    clean, killed = tmp_path / "clean.duckdb", tmp_path / "killed.duckdb"
    args = ["ingest", str(sample), "--commit-every", "4", "--no-progress"]

    # The clean run in this process (the model is loaded once per session), as `ingest` runs it.
    pipeline = Pipeline(PipelineOptions(batch_size=4), nlp=nlp)
    with Store(clean, batch_size=4) as s:
        done = s.ingest(read_all([str(sample)]), pipeline.analyze_many)
        assert (done.read, done.new, done.failed) == (16, 16, [])
        prints = s.fingerprint()

    def never(documents):  # the second run adds nothing, and analyses nothing either
        for document in documents:
            pytest.fail(f"{document.origin} was analysed again")
            yield

    with Store(clean) as s:
        again = s.ingest(read_all([str(sample)]), never)
        assert (again.read, again.new, again.unchanged) == (16, 0, 16)
        assert s.fingerprint() == prints

    proc = subprocess.Popen(CLI + args + ["--db", str(killed)], stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    try:
        for line in proc.stderr:  # wait for the first committed batch
            if line.startswith("sitrep: committed"):
                break
        else:
            pytest.fail(f"no batch was committed: {proc.wait()}")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(killed, read_only=True) as s:
        stored = s.counts()["documents"]
    assert 4 <= stored < 16, "the kill should land mid-way"

    resumed = run(*args, "--db", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert f"new {16 - stored}, unchanged {stored}" in resumed.stderr
    with Store(clean, read_only=True) as a, Store(killed, read_only=True) as b:
        assert a.counts() == b.counts()
        assert a.fingerprint() == b.fingerprint()
