"""Claims: check-worthy sentences, their kinds, who states them, and the scorers.

Sentences are invented. Docs are parsed with the project's pipeline (the shared one is left as it
is: components are added to a copy-free ``select_pipes`` run, or ``claims.find`` is called on the
parsed doc). The held-out ClaimBuster/CLEF checks and the op-ed need ../shared (skipped without it)
and, for the figures, the trained layer (``python -m sitrep.train claims``).
"""

from __future__ import annotations

import time

import pytest

from sitrep.evaluate import claims as evaluate
from sitrep.extract import claims
from sitrep.extract.claims import clauses, is_opinion, kinds, pattern_score, sentences

from .conftest import shared_path


@pytest.fixture(scope="module")
def parse(nlp):
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]

    def run(text):
        with nlp.select_pipes(disable=disabled):
            return nlp(text)

    return run


# -- patterns, on parsed invented sentences ------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("sentence, kind", [
    ("The army controls 23% of the province.", "statistic"),
    ("More than 4,000 people fled the town last week.", "statistic"),
    ("Thousands of families have left the camp.", "statistic"),
    ("The offensive stalled because the roads were mined.", "causal"),
    ("The shelling led to the closure of the crossing.", "causal"),
    ("The north is larger than the south.", "comparison"),
    ("It was the deadliest attack of the war.", "comparison"),
    ("The talks will resume in Geneva next month.", "prediction"),
    ("Prices are expected to rise again.", "prediction"),
    ("The ministry said the convoy was attacked.", "attribution"),
    ("According to the monitor, the town fell.", "attribution"),
])
def test_kinds_from_patterns(parse, sentence, kind):
    doc = parse(sentence)
    assert kind in kinds(doc, 0, len(sentence))


@pytest.mark.slow
def test_a_year_alone_is_not_a_statistic(parse):
    sentence = "The town was captured in 2018 by the army."
    assert "statistic" not in kinds(parse(sentence), 0, len(sentence))


@pytest.mark.slow
def test_a_plain_sentence_is_other(parse):
    sentence = "The delegation arrived in the capital."
    assert kinds(parse(sentence), 0, len(sentence)) == ["other"]


def test_opinion_versus_fact():
    assert is_opinion("I think the government should resign.")
    assert is_opinion("Is this really a ceasefire?")
    assert not is_opinion("The convoy reached Daraa on Tuesday.")


def test_clauses_of_a_long_sentence():
    text = ("At the moment, its actions (cutting the road between two towns, occupying 23% of "
            "the province) show that nothing changed.")
    assert "occupying 23% of the province" in clauses(text)


@pytest.mark.slow
def test_sentences_are_cut_at_line_breaks_and_trimmed(parse):
    text = "First line without a stop\nSecond sentence here.  Third one."
    doc = parse(text)
    got = [text[s:e] for s, e in sentences(doc)]
    assert "First line without a stop" in got
    assert all(g == g.strip() and "\n" not in g for g in got)


def test_a_sentence_takes_a_share_of_its_more_check_worthy_neighbour():
    assert claims.with_context([0.6]) == [0.6]  # alone: as it is
    blended = claims.with_context([0.1, 0.9, 0.2], weight=0.25)
    assert blended == pytest.approx([0.75 * 0.1 + 0.25 * 0.9, 0.75 * 0.9 + 0.25 * 0.2,
                                     0.75 * 0.2 + 0.25 * 0.9])
    assert claims.with_context([0.1, 0.9], weight=0.0) == [0.1, 0.9]


def test_a_transcripts_lines_score_as_their_sentences(monkeypatch):
    """The CLEF scorer feeds a debate whole and gives each line its best sentence's score."""
    from types import SimpleNamespace

    from spacy.lang.en import English

    lines = ["Good evening.", "We cut taxes by 40 percent. It worked.", "Thank you."]
    nlp = English()
    nlp.add_pipe("sentencizer")
    scored = {}

    def fake_find(doc, min_score=None):
        out = []
        for s, e in claims.sentences(doc):
            scored[doc.text[s:e]] = len(out) / 10
            out.append({"start": s, "end": e, "checkworthiness": len(out) / 10})
        return out

    monkeypatch.setattr(claims, "find", fake_find)
    got = evaluate._line_scores(SimpleNamespace(nlp=nlp), lines)
    assert got == [0.0, max(scored["We cut taxes by 40 percent."], scored["It worked."]), 0.3]


# -- the finder ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_records_are_sound_and_numbered(parse):
    text = ("The army said it killed 120 fighters in the north. I think this is a disgrace.\n"
            "Aid deliveries fell by 40 percent because the crossing was closed.")
    doc = parse(text)
    found = claims.find(doc, min_score=0.0)
    assert [c["id"] for c in found] == [f"c{i}" for i in range(1, len(found) + 1)]
    for c in found:
        assert text[c["start"]:c["end"]] == c["text"]
        assert 0.0 <= c["checkworthiness"] <= 1.0
        assert set(c["kinds"]) <= {"statistic", "causal", "comparison", "prediction",
                                   "attribution", "other"}
        assert c["attributed_to"] == "author"
    by_text = {c["text"]: c for c in found}
    fact = by_text["Aid deliveries fell by 40 percent because the crossing was closed."]
    assert {"statistic", "causal"} <= set(fact["kinds"])
    opinion = by_text["I think this is a disgrace."]
    assert opinion["checkworthiness"] < fact["checkworthiness"]


@pytest.mark.slow
def test_rules_alone_rank_a_figure_above_an_opinion(parse):
    text = "Aid deliveries fell by 40 percent in March. I think this is a disgrace."
    doc = parse(text)
    rules = claims.find(doc, model=False, min_score=0.0)
    assert rules[0]["checkworthiness"] > rules[1]["checkworthiness"]
    first, second = sentences(doc)
    k1, k2 = kinds(doc, *first), kinds(doc, *second)
    assert pattern_score(doc, *first, k1) > pattern_score(doc, *second, k2)


@pytest.mark.slow
def test_a_claim_inside_a_quote_is_the_speakers(parse):
    text = 'The spokesman said: "Our forces destroyed 35 tanks near the border in one day."'
    doc = parse(text)
    start = text.index("Our")
    doc._.sitrep = {"quotes": [{"id": "q1", "start": start, "end": len(text) - 1,
                                "speaker": "doc:spokesman", "text": text[start:-1]}]}
    found = claims.find(doc, min_score=0.0)
    assert any(c["attributed_to"] == "doc:spokesman" for c in found)


@pytest.mark.slow
def test_the_component_writes_records(nlp):
    assert "sitrep_claims" in nlp.pipe_names
    doc = nlp("Aid deliveries fell by 40 percent because the crossing was closed.")
    assert "claims" in doc._.sitrep


# -- scorers --------------------------------------------------------------------------------------

def test_average_precision():
    ap = evaluate.average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    assert ap == pytest.approx((1 + 2 / 3) / 2)
    assert evaluate.average_precision([0, 0], [0.5, 0.4]) == 0.0


def test_prf():
    assert evaluate.prf([1, 1, 0, 0], [1, 0, 1, 0]) == (0.5, 0.5, 0.5)


def test_split_functions_are_deterministic():
    held = evaluate.claimbuster_held_out
    assert held("A sentence.") == held("  a   SENTENCE. ")
    debates = [f"d{i}.tsv" for i in range(19)]
    held = evaluate.clef_held_out_debates(debates)
    assert len(held) == 4 and held == evaluate.clef_held_out_debates(list(reversed(debates)))


@pytest.mark.slow
def test_held_out_parts_are_never_trained_on():
    shared = shared_path("eval", "claims", "claimbuster", "train.json").parents[3]
    parts = evaluate.split(shared)
    unseen = {evaluate.normalise(s.text) for s in parts.claimbuster_test + parts.clef_test}
    assert parts.claimbuster_test and parts.clef_test and len(parts.clef_test_debates) == 4
    assert not any(evaluate.normalise(s.text) in unseen for s in parts.claimbuster_train)
    assert not {s.group for s in parts.clef_train} & set(parts.clef_test_debates)


# -- real data ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_op_ed_statistic_is_check_worthy(nlp):
    from sitrep.read import read

    path = shared_path("corpus", "magnier-2018-southern-syria.txt")
    if claims._model() is None:
        pytest.skip("the claims layer is not built (python -m sitrep.train claims)")
    document = next(read(path))
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]
    with nlp.select_pipes(disable=disabled):
        doc = nlp(document.text)
    started = time.perf_counter()
    found = claims.find(doc)
    elapsed = time.perf_counter() - started
    hits = [c for c in found if "23% of the northern Syrian territory" in c["text"]]
    assert hits, "the 23% sentence is not among the claims"
    assert "statistic" in hits[0]["kinds"] and hits[0]["checkworthiness"] >= 0.5
    assert all(document.text[c["start"]:c["end"]] == c["text"] for c in found)
    assert elapsed < 2.0  # the extractor adds little to the spaCy pass


@pytest.mark.slow
def test_claimbuster_smoke(pipeline):
    shared_path("eval", "claims", "claimbuster", "train.json")
    out = evaluate.evaluate_claimbuster(pipeline, limit=60)
    assert "F1=" in out and "held out" in out
