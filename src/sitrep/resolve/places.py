"""Choosing the place each toponym means, from its candidates and the rest of the document.

A candidate's score combines how well the name matches, the place's prior (feature and
population), hints from the words around the mention ("X province", "the town of X",
"Alexandria, La."), the countries and provinces the document is about, and the distance to the
other places of the document. Two passes: the first resolves every mention on its own, the second
re-scores with the document's focus taken from the first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .gazetteer import Candidate, Gazetteer, PlaceEntry

#: Features each kind of hint word points to.
HINT_FEATURES = {
    "admin1": {"admin1"},
    "admin2": {"admin2"},
    "settlement": {"city", "town", "village"},
    "region": {"region", "admin1", "admin2"},
    "crossing": {"crossing"},
    "camp": {"camp"},
    "road": {"road"},
    "country": {"country"},
}


#: Weights of the score's parts (fitted on the development parts of LGL and GeoWebNews).
WEIGHTS = {
    "name": 4.0,          # name match, 0..1
    "prior": 1.5,         # feature and population prior, 0..1
    "hint": 0.4, "hint_miss": 0.3,   # "X province", "the town of X"
    "seat": 1.5,          # a province that shares its seat's name, mentioned bare
    "inside": 1.5, "outside": 1.0,   # "Alexandria, La."
    "focus_country": 0.5, # share of the document's places in the candidate's country
    "focus_admin1": 1.0,  # share of the document's places in the candidate's province
    "near": 1.2, "near_km": 400.0,   # closeness to the document's other places
    "country": 1.5,       # a country's own name: rarely a village of the same name
    "seat_pop": 50_000,   # how big a town must be to take a bare province name
}
PASSES = 4  # more passes let the document's focus settle (LGL 0.791 -> 0.810)
#: Trailing words that say what kind of area a name is ("Oaxaca State", "Idlib province").
AREA_WORDS = {"state": "admin1", "province": "admin1", "governorate": "admin1",
              "oblast": "admin1", "region": "region", "county": "admin2", "district": "admin2",
              "parish": "admin2", "city": "settlement", "town": "settlement",
              "village": "settlement", "camp": "camp", "crossing": "crossing"}


@dataclass
class Toponym:
    """A stretch of text taken to name a place, with what its surroundings say."""

    start: int
    end: int
    text: str
    hint: str | None = None          # a key of HINT_FEATURES, from words like "province"
    within: str | None = None        # "Alexandria, La.": the text of the containing area
    sentence: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    choice: Candidate | None = None
    confidence: float = 0.0


def _km(a: PlaceEntry, b: PlaceEntry) -> float:
    if a.lat is None or b.lat is None:
        return 20039.0
    return _great_circle(a.lat, a.lon, b.lat, b.lon)


@lru_cache(maxsize=65_536)  # every pass of a document measures the same pairs again
def _great_circle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


class PlaceResolver:
    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer

    def resolve(self, toponyms: Sequence[Toponym]) -> None:
        """Set ``choice`` and ``confidence`` on each toponym (None when nothing fits)."""
        cache: dict[str, list[Candidate]] = {}
        for t in toponyms:
            if t.candidates:
                continue  # given (the scorers reuse candidates across runs)
            if t.text not in cache:
                cache[t.text] = self.gazetteer.candidates(t.text)
            t.candidates = cache[t.text]
            words = t.text.split()
            if not t.candidates and len(words) > 1 and words[-1].lower() in AREA_WORDS:
                t.candidates = self.gazetteer.candidates(" ".join(words[:-1]))
                t.hint = t.hint or AREA_WORDS[words[-1].lower()]
        within = self._containers(toponyms)
        # Pass 1: each mention alone (with its own hints).
        for t in toponyms:
            self._choose(t, within.get(id(t)), focus=None, anchors=())
        # Passes 2 and 3: with the document's focus and the places chosen so far as anchors.
        for _ in range(PASSES - 1):
            focus = self._focus(toponyms)
            # (name, place): a name's own earlier reading is not evidence for itself, or a
            # lone "Red Sea" flips between the sea and the Sudanese state next to it
            anchors = [(t.text, t.choice.place) for t in toponyms
                       if t.choice and t.confidence >= 0.5 and t.choice.place.feature != "country"]
            for t in toponyms:
                self._choose(t, within.get(id(t)), focus=focus, anchors=anchors)
        # One sense per document: the same text means the same place throughout.
        best: dict[str, Toponym] = {}
        for t in toponyms:
            if t.choice and (t.text not in best or t.confidence > best[t.text].confidence):
                best[t.text] = t
        for t in toponyms:
            b = best.get(t.text)
            if b and t.choice and b is not t and t.within is None:
                t.choice, t.confidence = b.choice, max(t.confidence, b.confidence * 0.95)
        self._locate_by_context(toponyms)

    @staticmethod
    def _locate_by_context(toponyms: Sequence[Toponym]) -> None:
        """A name the gazetteer lacks (a street, a building, a quarter) is placed at the
        document's most mentioned town, or failing that its province or country, with a low
        confidence that says so: better a point in the right city than no point."""
        towns: Counter = Counter()
        areas: Counter = Counter()
        entries: dict[str, PlaceEntry] = {}
        for t in toponyms:
            if t.choice and t.confidence >= 0.5 and t.choice.place.lat is not None:
                p = t.choice.place
                entries[p.id] = p
                (towns if p.feature in {"city", "town", "village"} else areas)[p.id] += (
                    1 if p.feature != "country" else 0.5)
        pick = (towns or areas).most_common(1)
        if not pick:
            return
        host = entries[pick[0][0]]
        for t in toponyms:
            if t.choice is None:
                place = PlaceEntry(id=f"ctx:{host.id}:{t.text}", name=t.text, lat=host.lat,
                                   lon=host.lon, country=host.country, admin1=host.admin1,
                                   admin1_code=host.admin1_code,
                                   feature="road" if t.hint == "road" else "other",
                                   geonames_id=None, population=0)
                t.choice = Candidate(place, host.name, "context", 0.0)
                t.confidence = 0.2

    def _containers(self, toponyms: Sequence[Toponym]) -> dict[int, PlaceEntry]:
        """'Alexandria, La.' and 'Idlib in Syria': the area each mention is said to lie in."""
        out = {}
        for t in toponyms:
            if not t.within:
                continue
            areas = [c for c in self.gazetteer.candidates(t.within, fuzzy=False)
                     if c.place.feature in {"admin1", "country", "admin2"}]
            if areas:
                out[id(t)] = max(areas, key=lambda c: (c.name_score, c.place.prior)).place
        return out

    @staticmethod
    def _focus(toponyms: Sequence[Toponym]) -> tuple[Counter, Counter, dict]:
        """Weights of the countries and provinces the document's places lie in, with each
        name's own share, so that a name repeated five times is not its own evidence."""
        countries: Counter = Counter()
        admin1s: Counter = Counter()
        own: dict[str, tuple[Counter, Counter]] = {}
        for t in toponyms:
            if not t.choice:
                continue
            p = t.choice.place
            w = t.confidence
            mine = own.setdefault(t.text, (Counter(), Counter()))
            wc = w * (1.5 if p.feature == "country" else 1.0)
            countries[p.country] += wc
            mine[0][p.country] += wc
            if p.admin1_code and p.feature != "country":
                admin1s[(p.country, p.admin1_code)] += w
                mine[1][(p.country, p.admin1_code)] += w
        return countries, admin1s, own

    @staticmethod
    def _shares(focus, text: str) -> tuple[Counter, Counter]:
        """The focus as shares, leaving out the mentions of ``text`` itself."""
        countries, admin1s, own = focus
        mine = own.get(text)
        if mine is not None:
            countries, admin1s = countries - mine[0], admin1s - mine[1]
        total_c = sum(countries.values()) or 1.0
        total_a = sum(admin1s.values()) or 1.0
        return (Counter({k: v / total_c for k, v in countries.items()}),
                Counter({k: v / total_a for k, v in admin1s.items()}))

    def _choose(self, t: Toponym, container: PlaceEntry | None, focus, anchors) -> None:
        if not t.candidates:
            t.choice, t.confidence = None, 0.0
            return
        w = WEIGHTS
        scored = []
        wanted = HINT_FEATURES.get(t.hint or "", set())
        # A province named after its seat ("Daraa", "Homs"): a bare mention means the town.
        seats = {(c.place.country, c.place.admin1_code) for c in t.candidates
                 if c.place.feature in {"city", "town"} and c.name_score >= 0.9
                 and c.place.population >= w["seat_pop"]}
        # A first-level area of the same name ("Georgia" the US state) competes with a country.
        areas = [c for c in t.candidates if c.place.feature == "admin1" and c.name_score >= 0.9]
        countries = admin1s = None
        if focus is not None:
            countries, admin1s = self._shares(focus, t.text)
        for c in t.candidates:
            p = c.place
            s = w["name"] * c.name_score + w["prior"] * p.prior
            if wanted:
                s += w["hint"] if p.feature in wanted else -w["hint_miss"]
            elif p.feature == "admin1" and (p.country, p.admin1_code) in seats:
                s -= w["seat"]
            if container is not None:
                inside = (p.country == container.country and (
                    container.feature == "country" or p.admin1_code == container.admin1_code
                    or (p.admin1 and p.admin1 == container.admin1)))
                s += w["inside"] if inside else -w["outside"]
            if p.feature == "country" and c.name_score >= 0.9 and not any(
                    a.place.country != p.country for a in areas):
                s += w["country"]  # "Mexico" the country, not a village; "Georgia" is left open
            if countries is not None and p.feature != "country":
                s += w["focus_country"] * countries.get(p.country, 0.0)
                s += w["focus_admin1"] * admin1s.get((p.country, p.admin1_code), 0.0)
            if anchors and p.feature != "country":
                d = min((_km(p, a) for name, a in anchors if name != t.text and a.id != p.id),
                        default=None)
                if d is not None:
                    s += w["near"] * math.exp(-d / w["near_km"])
            scored.append((s, c))
        scored.sort(key=lambda x: (-x[0], -x[1].place.population, x[1].place.id))
        best_s, best = scored[0]
        margin = best_s - scored[1][0] if len(scored) > 1 else 1.5
        # Confidence: the name match, damped when a close rival exists.
        t.choice = best
        t.confidence = round(max(0.05, min(1.0, best.name_score * (0.55 + 0.45 * math.tanh(margin)))), 3)
