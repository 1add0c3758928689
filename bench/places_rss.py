"""Peak RSS of a geoparsing worker: spaCy with the actors and places components only, over
FA-KES articles (the places issue's budget is < 600 MB; the gazetteer is an SQLite file the
worker queries, not a table it loads).

    .venv/bin/python bench/places_rss.py [N]
"""

from __future__ import annotations

import csv
import resource
import sys

from sitrep.evaluate.runs import shared_dir
from sitrep.pipeline import Pipeline

OTHERS = ["sitrep_quotes", "sitrep_events", "sitrep_claims", "sitrep_rhetoric"]


def main(limit: int = 300) -> None:
    path = shared_dir() / "corpus" / "fakes" / "fakes.csv"
    with open(path, encoding="iso-8859-1") as fh:
        texts = [row["article_content"] for row in csv.DictReader(fh)][:limit]
    nlp = Pipeline().nlp
    places = 0
    with nlp.select_pipes(disable=OTHERS):
        for doc in nlp.pipe(texts, batch_size=16):
            places += len(doc._.sitrep["places"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(texts)} articles, {places} places: peak RSS {peak:.0f} MB "
          "(spaCy + actors + places)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
