"""Why gold toponyms are missed: no gazetteer candidate at all, candidates none of which is
within 161 km of the gold point, or a right candidate that the resolver ranked below a wrong one.

    .venv/bin/python bench/geo_coverage.py [gwn|lgl]

Reads ../shared/eval/geo (not ours); prints one line of counts. The first two kinds are the
gazetteer's coverage, the third the resolver's ranking.
"""

from __future__ import annotations

import sys

from sitrep.evaluate import geo
from sitrep.evaluate.runs import shared_dir
from sitrep.pipeline import Pipeline

FILES = {"gwn": ("geowebnews/GWN-dev.xml", geo.load_gwn), "lgl": ("lgl/lgl.xml", geo.load_lgl)}
KM = 161


def _near(gold, place) -> bool:
    return place.lat is not None and geo.great_circle_km(gold.lat, gold.lon, place.lat,
                                                         place.lon) <= KM


def main(which: str = "gwn") -> None:
    path, load = FILES[which]
    docs = load(shared_dir() / "eval" / "geo" / path)
    pipeline = Pipeline()
    finder = pipeline.nlp.get_pipe("sitrep_places")
    ours = [n for n in pipeline.nlp.pipe_names if n.startswith("sitrep_")]
    total = missed = no_candidate = none_near = ranked_low = 0
    for d in docs:
        with pipeline.nlp.select_pipes(disable=ours):
            doc = pipeline.nlp(d.text)
        golds = [t for t in d.toponyms if t.lat is not None and t.lon is not None]
        for t, gold in zip(finder.geocode(doc, [(g.start, g.end) for g in golds]), golds):
            total += 1
            if t.choice is not None and _near(gold, t.choice.place):
                continue
            missed += 1
            if not t.candidates:
                no_candidate += 1
            elif any(_near(gold, c.place) for c in t.candidates):
                ranked_low += 1
            else:
                none_near += 1
    print(f"{which}: {total} gold toponyms, {missed} not within {KM} km: {no_candidate} with no "
          f"candidate, {none_near} with no candidate within {KM} km, {ranked_low} ranked below "
          f"a wrong candidate; ceiling with this gazetteer {1 - (missed - ranked_low) / total:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
