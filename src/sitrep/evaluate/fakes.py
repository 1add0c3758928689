"""FA-KES as a check of actors and places: each article carries, from the Violations
Documentation Center's records, the actor blamed and the governorate of the incident.

``actors-fakes``: how often the article-level actor class is among the actors sitrep finds.
``places-fakes``: how often the governorate is among the places found (the province itself or a
place inside it). Neither column was written to grade an extractor (the article may name the
actor differently from the record, or not at all), so these are recall figures with a ceiling
below 1; the articles whose class is "unknown" are left out.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable


#: FA-KES actor class -> a test on an actor id (and the registry's part_of/affiliate_of chain).
ACTOR_CLASSES: dict[str, Callable[[str, set[str]], bool]] = {
    "syrian government or russian troops": lambda i, up: (
        i.startswith(("SYR.", "RUS.")) or bool(up & {"SYR.GOV", "SYR.MIL", "RUS.MIL", "RUS.GOV"})),
    "the organization of the islamic state in iraq and the levant - isis": lambda i, up: (
        i == "grp:isis" or "grp:isis" in up),
    "international coalition forces": lambda i, up: (
        i == "grp:global-coalition" or i.startswith(("USA.MIL", "GBR.MIL", "FRA.MIL"))),
    "armed opposition groups": lambda i, up: (
        i in {"grp:syrian-opposition", "gen:rebels", "grp:fsa", "grp:sna", "grp:jaish-al-islam",
              "grp:ahrar-al-sham", "grp:faylaq-al-rahman"} or "grp:fsa" in up or "grp:sna" in up),
    "self administration forces": lambda i, up: (
        i in {"grp:sdf", "grp:ypg", "grp:ypj", "grp:asayish", "grp:aanes", "grp:pyd"}
        or bool(up & {"grp:sdf", "grp:aanes"})),
    "al-nusra front": lambda i, up: i in {"grp:nusra", "grp:hts"} or bool(up & {"grp:nusra", "grp:hts"}),
}
#: FA-KES governorate -> GeoNames admin1 code of Syria in cities500.
GOVERNORATES = {"aleppo": "09", "damascus": "13", "idlib": "12", "deir ezzor": "07", "raqqa": "04",
                "homs": "11", "hasakeh": "01", "hama": "10", "daraa": "06", "lattakia": "02",
                "quneitra": "03", "tartous": "14"}


def _ancestors(actor_id: str) -> set[str]:
    from ..resolve.registry_data import registry

    out, seen = set(), actor_id
    for _ in range(6):
        entry = registry.get(seen)
        if entry is None:
            break
        parent = entry.part_of or entry.affiliate_of
        if not parent:
            break
        out.add(parent)
        seen = parent
    return out


def _rows(path, limit):
    with open(path, encoding="latin-1", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit] if limit else rows


def _reports(pipeline, rows):
    from ..model import Document, document_id

    docs = [Document(id=document_id(r["article_content"]), title=r["article_title"],
                     text=r["article_content"]) for r in rows if r["article_content"].strip()]
    kept = [r for r in rows if r["article_content"].strip()]
    return zip(kept, pipeline.analyze_many(docs))


def _table(title: str, hits: Counter, totals: Counter) -> str:
    lines = [title, f"{'class':<70}{'n':>6}{'found':>8}{'recall':>8}"]
    for cls in sorted(totals, key=lambda c: -totals[c]):
        lines.append(f"{cls:<70}{totals[cls]:>6}{hits[cls]:>8}{hits[cls] / totals[cls]:>8.3f}")
    n, h = sum(totals.values()), sum(hits.values())
    lines.append(f"{'all (micro)':<70}{n:>6}{h:>8}{h / max(n, 1):>8.3f}")
    macro = sum(hits[c] / totals[c] for c in totals) / max(len(totals), 1)
    lines.append(f"{'all (macro)':<70}{'':>6}{'':>8}{macro:>8.3f}")
    return "\n".join(lines)


def actors_fakes(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    from .runs import _require, shared_dir

    rows = _rows(_require(shared_dir() / "corpus" / "fakes" / "fakes.csv"), limit)
    hits, totals = Counter(), Counter()
    for row, report in _reports(pipeline, rows):
        cls = row["actor"].strip().lower()
        if cls not in ACTOR_CLASSES:
            continue
        totals[cls] += 1
        test = ACTOR_CLASSES[cls]
        if any(test(a.id, _ancestors(a.id)) for a in report.actors):
            hits[cls] += 1
    return _table("FA-KES: is the article's actor class among the actors found?", hits, totals)


def places_fakes(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    from .runs import _require, shared_dir

    rows = _rows(_require(shared_dir() / "corpus" / "fakes" / "fakes.csv"), limit)
    hits, totals = Counter(), Counter()
    for row, report in _reports(pipeline, rows):
        gov = row["location"].strip().lower()
        code = GOVERNORATES.get(gov)
        if code is None:
            continue
        totals[gov] += 1
        if any(_in_governorate(p, code) for p in report.places):
            hits[gov] += 1
    return _table("FA-KES: is the article's governorate among the places found?", hits, totals)


def _in_governorate(place, code: str) -> bool:
    from ..resolve.gazetteer import default

    if place.country != "SY" or place.id.startswith("doc:"):
        return False
    entry = default().get(place.id)
    return entry is not None and entry.admin1_code == code


SETS = {"actors-fakes": actors_fakes, "places-fakes": places_fakes}
