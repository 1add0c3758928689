"""The gazetteer: places by name, tolerant of transliteration, from an on-disk index.

Follows pycountry's shape: a class with an explicit-path constructor for tests, a lazy default
instance, ``get(id, default=None)`` beside a raising ``lookup(name)``, and scored fuzzy
``candidates`` with deterministic ties. The index (``gazetteer_build``) is built once, at first
use or by ``sitrep gazetteer build``, into the cache folder, and read through SQLite, so a worker
does not hold it in memory.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import gazetteer_build
from .gazetteer_build import ARABIC_NAMED
from .names import exact_key, folded_key, score, skeleton, without_article

log = logging.getLogger(__name__)

#: How much a kind of name is worth when it matches exactly (an alternate spelling in
#: GeoNames is weaker evidence than the place's own name or a variant the project wrote).
KIND_WEIGHT = {"name": 1.0, "variant": 1.0, "abbrev": 0.95, "demonym": 0.9, "alt": 0.93,
               "article": 0.9}
#: Prior importance of a feature before population is considered.
FEATURE_PRIOR = {"country": 1.0, "admin1": 0.85, "region": 0.8, "crossing": 0.75, "camp": 0.7,
                 "road": 0.65, "site": 0.65, "admin2": 0.6, "city": 0.6, "town": 0.45,
                 "village": 0.3, "other": 0.3}
#: How many names' answers a Gazetteer keeps in memory: news repeats its place names and the
#: index is read-only, so a name is looked up once a process. Whether a name is known costs a
#: few bytes; its candidates a few KB. A memo starts again when full.
KNOWN_MEMO = 100_000
CANDIDATES_MEMO = 10_000


@dataclass(frozen=True)
class PlaceEntry:
    id: str
    name: str
    lat: float | None
    lon: float | None
    country: str | None
    admin1: str | None
    admin1_code: str | None
    feature: str
    geonames_id: int | None
    population: int
    capital: bool = False

    @property
    def prior(self) -> float:
        """0..1: how likely a bare mention of this name means this place, before context."""
        pop = math.log10(self.population + 1) / 8 if self.population else 0.0
        if self.feature == "region" and self.country is None:
            # a sea or a region larger than a country ("the Red Sea", "the Gulf") outranks the
            # provinces and towns named after it, as a country does
            pop = max(pop, 1.0)
        prior = 0.6 * FEATURE_PRIOR.get(self.feature, 0.3) + 0.4 * min(pop, 1.0)
        return min(1.0, prior + (0.25 if self.capital else 0.0))


@dataclass(frozen=True)
class Candidate:
    place: PlaceEntry
    matched: str       # the indexed name that matched
    kind: str          # name, alt, variant, abbrev, demonym, article
    name_score: float  # 0..1, from names.score and the kind's weight


def default_path() -> Path:
    from ..settings import get_settings

    folder = get_settings().cache_dir
    if not folder:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitrep"
    return Path(folder) / f"gazetteer-v{gazetteer_build.INDEX_VERSION}.sqlite"


class Gazetteer:
    """Place lookup over the index at ``path`` (built there on first use when missing or stale)."""

    def __init__(self, path: str | os.PathLike | None = None, *, build: bool = True):
        self.path = Path(path) if path else default_path()
        self._build = build
        self._lock = threading.Lock()
        self._local = threading.local()
        self._ready = False
        _open.add(self)
        self._known: dict[str, bool] = {}
        self._candidates: dict[tuple, tuple[Candidate, ...]] = {}

    # -- opening -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self.ensure_built()
                    self._ready = True
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # Read-only, and one connection per thread, as sqlite3 connections are not shared.
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA mmap_size=268435456")
            self._local.conn = conn
        return conn

    def is_current(self) -> bool:
        if not self.path.exists():
            return False
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as conn:
                row = conn.execute("SELECT v FROM meta WHERE k='fingerprint'").fetchone()
        except sqlite3.Error:
            return False
        return bool(row) and row[0] == gazetteer_build.fingerprint()

    def ensure_built(self, force: bool = False) -> Path:
        """Build the index if it is missing or stale; several processes wait on one build."""
        if not force and self.is_current():
            return self.path
        if not self._build and not force:
            raise FileNotFoundError(f"no current gazetteer index at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if force or not self.is_current():
                log.warning("building the gazetteer index at %s (once; about 20 s)", self.path)
                gazetteer_build.build(self.path)
        return self.path

    # -- lookups -------------------------------------------------------------------------------
    _COLUMNS = ("p.id, p.name, p.lat, p.lon, p.country, p.admin1, p.admin1_code, p.feature, "
                "p.geonames_id, p.population, p.capital")

    def get(self, id: str, default: PlaceEntry | None = None) -> PlaceEntry | None:
        row = self._conn().execute(
            f"SELECT {self._COLUMNS} FROM place p WHERE p.id = ?", (id,)).fetchone()
        return PlaceEntry(*row[:10], bool(row[10])) if row else default

    def lookup(self, name: str) -> PlaceEntry:
        """The most likely place for a bare name; raises LookupError when nothing matches."""
        found = self.candidates(name, fuzzy=False)
        if not found:
            raise LookupError(f"no place called {name!r}")
        return max(found, key=lambda c: (c.name_score * c.place.prior, c.place.population)).place

    def known_keys(self, texts: Iterable[str]) -> set[str]:
        """Which of these names have an exact or folded entry: a cheap batch test for scanning a
        document's n-grams before asking for candidates. Returns the matching input texts."""
        memo, texts = self._known, set(texts)
        found = {t for t in texts if memo.get(t)}
        asked = [t for t in texts if t not in memo]
        if not asked:
            return found
        if len(memo) + len(asked) > KNOWN_MEMO:
            memo.clear()
        keys: dict[str, set[str]] = {}
        for t in asked:
            memo[t] = False
            e = exact_key(t)
            if e:
                for k in {e, without_article(e)}:
                    keys.setdefault(k, set()).add(t)
                    keys.setdefault(folded_key(k, from_exact=True), set()).add(t)
        if not keys:
            return found
        conn = self._conn()
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for (k,) in conn.execute(
                f"SELECT exact FROM name WHERE exact IN ({marks}) UNION "
                f"SELECT folded FROM name WHERE folded IN ({marks})", chunk + chunk):
                for t in keys.get(k, ()):
                    memo[t] = True
                    found.add(t)
        return found

    def candidates(self, name: str, *, fuzzy: bool = True, limit: int = 60,
                   min_score: float = 0.78) -> list[Candidate]:
        """Places that may be meant by ``name``, best first, each with a name score."""
        key = (name, fuzzy, limit, min_score)
        found = self._candidates.get(key)
        if found is None:
            if len(self._candidates) >= CANDIDATES_MEMO:
                self._candidates.clear()
            found = self._candidates[key] = tuple(
                self._find_candidates(name, fuzzy=fuzzy, limit=limit, min_score=min_score))
        return list(found)

    def _find_candidates(self, name: str, *, fuzzy: bool, limit: int,
                         min_score: float) -> list[Candidate]:
        exact = exact_key(name)
        if not exact:
            return []
        bare = without_article(exact)
        folded = folded_key(bare, from_exact=True)
        conn = self._conn()
        rows = conn.execute(
            f"SELECT {self._COLUMNS}, n.name, n.kind, n.exact FROM name n JOIN place p USING (pid) "
            "WHERE n.exact IN (?, ?) OR n.folded IN (?, ?)",
            (exact, bare, folded, folded_key(exact, from_exact=True))).fetchall()
        if not rows and fuzzy and len(folded) >= 5:
            rows = conn.execute(
                f"SELECT {self._COLUMNS}, n.name, n.kind, n.exact FROM name n JOIN place p USING (pid) "
                "WHERE n.skel = ? LIMIT 400", (skeleton(folded, from_folded=True),)).fetchall()
        whole = folded_key(exact, from_exact=True)
        acronym = name.replace(".", "").isupper() and len(name.replace(".", "")) <= 4
        best: dict[str, tuple[float, Candidate]] = {}
        raw_scores = []
        for row in rows:
            place = PlaceEntry(*row[:10], bool(row[10]))
            matched, kind, key = row[11], row[12], row[13]
            if acronym and not matched.replace(".", "").isupper():
                continue  # "US" is not the village of Us, "AQ" not Eecke
            via_article = bare != exact and key != exact and folded_key(key, from_exact=True) != whole
            if via_article and place.country not in ARABIC_NAMED:
                continue  # "al-Qaeda" must not become a "Qaeda" outside the Arabic-named world
            raw = 1.0 if key == exact else score(name, matched)
            s = raw * KIND_WEIGHT.get(kind, 0.9)
            if s < min_score:
                continue
            raw_scores.append(raw)
            old = best.get(place.id)
            if old is None:
                best[place.id] = (raw, Candidate(place, matched, kind, s))
            else:  # keep the place's best raw similarity and its best-weighted name
                cand = Candidate(place, matched, kind, s) if s > old[1].name_score else old[1]
                best[place.id] = (max(raw, old[0]), cand)
        # A spelling variant only competes when nothing matches the name as written.
        top = max(raw_scores, default=0.0)
        kept = [c for raw, c in best.values() if raw >= top - 0.04]
        ranked = sorted(kept,
                        key=lambda c: (-c.name_score * c.place.prior, -c.place.population, c.place.id))
        return ranked[:limit]


#: Every Gazetteer of the process: a forked child must not use its parent's SQLite connections
#: (SQLite forbids it), so it forgets them and opens its own on first use.
_open: weakref.WeakSet[Gazetteer] = weakref.WeakSet()


def _forget_connections() -> None:
    for gazetteer in list(_open):
        gazetteer._local = threading.local()


os.register_at_fork(after_in_child=_forget_connections)

_default: Gazetteer | None = None
_default_lock = threading.Lock()


def default() -> Gazetteer:
    global _default
    with _default_lock:
        if _default is None:
            _default = Gazetteer()
        return _default
