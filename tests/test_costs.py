"""What each sitrep component costs next to the spaCy pass, on FA-KES articles (figures for the
README's performance table; the budgets are the issues': places < 20%, events < 15%, quotes,
claims and rhetoric together < 20%). A figure, not a verdict: timings move with the machine's
load, so the test asserts only that every component ran and was timed."""

from __future__ import annotations

import csv
import time

import pytest

from .conftest import shared_path


@pytest.mark.slow
def test_each_component_costs_a_share_of_the_spacy_pass(nlp):
    path = shared_path("corpus", "fakes", "fakes.csv")
    with open(path, encoding="iso-8859-1") as fh:
        texts = [row["article_content"] for row in csv.DictReader(fh)][:120]
    list(nlp.pipe(texts[:4]))  # load the trained layers and the gazetteer before timing
    seconds: dict[str, float] = {}
    docs = [nlp.make_doc(t) for t in texts]
    for name, proc in nlp.pipeline:  # each component over all docs, in the pipeline's order
        started = time.process_time()
        docs = list(proc.pipe(docs, batch_size=16)) if hasattr(proc, "pipe") else [
            proc(d) for d in docs]
        seconds[name] = time.process_time() - started
    spacy = sum(v for k, v in seconds.items() if not k.startswith("sitrep_"))
    share = {k: v / spacy for k, v in seconds.items() if k.startswith("sitrep_")}
    groups = {"places (actors are read first)": ("sitrep_places",),
              "events": ("sitrep_events",),
              "quotes + claims + rhetoric": ("sitrep_quotes", "sitrep_claims", "sitrep_rhetoric"),
              "all of sitrep": tuple(share)}
    print(f"\nspaCy pass {spacy:.2f} s CPU for {len(texts)} articles")
    for name, parts in groups.items():
        print(f"{name}: {sum(share[p] for p in parts):.1%} of the spaCy pass")
    print("  " + ", ".join(f"{k[7:]} {v:.1%}" for k, v in share.items()))
    assert all(doc._.sitrep is not None for doc in docs)
    assert spacy > 0 and all(v > 0 for v in share.values())
