"""Rhetoric: propaganda technique spans, the lexicons, and the SemEval-2020 Task 11 scorers.

Sentences are invented. Docs are parsed with the project's pipeline and the techniques are found
with ``rhetoric.find`` on the parsed doc. The PTC checks need ../shared (skipped without it) and,
for the trained figures, the trained layer (``python -m sitrep.train rhetoric``).
"""

from __future__ import annotations

import time

import pytest

from sitrep.evaluate import rhetoric as evaluate
from sitrep.extract import rhetoric
from sitrep.extract.rhetoric import TECHNIQUES, Tokens, decode, lexicon, technique_name, whole_words

from .conftest import shared_path


@pytest.fixture(scope="module")
def parse(nlp):
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]

    def run(text):
        with nlp.select_pipes(disable=disabled):
            return nlp(text)

    return run


# -- names and lexicons --------------------------------------------------------------------------

def test_the_fourteen_ptc_names():
    assert len(TECHNIQUES) == 14
    assert {"loaded_language", "name_calling,labeling", "doubt", "slogans",
            "causal_oversimplification", "black-and-white_fallacy", "appeal_to_fear-prejudice",
            "exaggeration,minimisation", "flag-waving", "repetition",
            "whataboutism,straw_men,red_herring", "appeal_to_authority",
            "thought-terminating_cliches", "bandwagon,reductio_ad_hitlerum"} == set(TECHNIQUES)
    assert technique_name("Name_Calling,Labeling") == "name_calling,labeling"
    with pytest.raises(ValueError):
        technique_name("Propaganda")


def test_every_lexicon_list_names_a_technique():
    lists = lexicon()
    assert {entry.technique for entry in lists} <= set(TECHNIQUES)
    assert all(entry.phrases and 0 < entry.confidence <= 1 for entry in lists)


def test_whole_words():
    text = "the al-Qaeda group"
    s, e = whole_words(text, text.index("Qaeda"), text.index("Qaeda") + 5)
    assert text[s:e] == "al-Qaeda"


# -- the finder ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_rules_alone_find_lexicon_spans(parse):
    text = "The regime's thugs carried out a barbaric massacre, and it is what it is."
    doc = parse(text)
    found = rhetoric.find(doc, model=False)
    got = {(r["text"], r["technique"]) for r in found}
    assert ("thugs", "name_calling,labeling") in got
    assert ("massacre", "loaded_language") in got
    assert ("it is what it is", "thought-terminating_cliches") in got
    for r in found:
        assert text[r["start"]:r["end"]] == r["text"]


@pytest.mark.slow
def test_records_are_sound_and_do_not_overlap(parse):
    text = ("The corrupt traitors in Washington want a bloodbath.\n"
            "Our brave soldiers will never surrender our homeland to these barbaric terrorists!\n"
            "What about the crimes of the other side? Enough is enough.")
    doc = parse(text)
    for model in (None, False):
        found = rhetoric.find(doc, model=model)
        assert [r["id"] for r in found] == [f"t{i}" for i in range(1, len(found) + 1)]
        spans = sorted((r["start"], r["end"]) for r in found)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        for r in found:
            assert text[r["start"]:r["end"]] == r["text"]
            assert r["technique"] in TECHNIQUES and 0 <= r["confidence"] <= 1
            assert r["text"] == r["text"].strip(" \n.,:;") and "\n" not in r["text"]


@pytest.mark.slow
def test_decode_joins_runs_and_drops_function_words(parse):
    text = "They are evil and corrupt liars, and of the people."
    doc = parse(text)
    tokens = Tokens.of(doc)
    words = [text[a:b] for a, b in zip(tokens.idx, tokens.end)]
    probs = [0.9 if w in {"evil", "and", "corrupt", "liars", "of"} else 0.0 for w in words]
    spans = [text[s:e] for s, e, _ in decode(tokens, probs, 0.5)]
    assert spans == ["evil and corrupt liars"]


@pytest.mark.slow
def test_decode_keeps_a_run_only_where_it_peaks(parse):
    text = "They are evil liars. The weather was rather grey today."
    doc = parse(text)
    tokens = Tokens.of(doc)
    strong = {"evil": 0.6, "liars": 0.3, "rather": 0.25, "grey": 0.25}
    probs = [strong.get(text[a:b], 0.0) for a, b in zip(tokens.idx, tokens.end)]
    assert [text[s:e] for s, e, _ in decode(tokens, probs, 0.2)] == ["evil liars", "rather grey"]
    assert [text[s:e] for s, e, _ in decode(tokens, probs, 0.2, peak=0.5)] == ["evil liars"]


@pytest.mark.slow
def test_token_probabilities_score_each_segment_once_as_the_tagger_would(parse):
    """Scoring a segment's shared features once per segment gives the tagger's own
    probabilities over every token's whole feature dict."""
    import numpy as np
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import SGDClassifier

    docs = [Tokens.of(parse(t)) for t in [
        "The corrupt regime lies. The regime lies again and again!\nBrave patriots stand.",
        "Officials met on Monday. They said nothing.", "Lies!"]]
    rows = [f for tokens in docs for f in rhetoric.token_features(tokens)]
    hasher = FeatureHasher(n_features=2 ** 12, alternate_sign=False)
    labels = np.array([k % 3 == 0 for k in range(len(rows))])
    tagger = SGDClassifier(loss="log_loss", random_state=0).fit(hasher.transform(rows), labels)
    model = {"hasher": hasher, "tagger": tagger}
    expected = tagger.predict_proba(hasher.transform(rows))[:, 1]
    assert np.allclose(rhetoric._token_probabilities(model, docs), expected, rtol=0, atol=1e-12)
    # the first sentence's content words, shared by its tokens
    assert rhetoric.segment_features(docs[0])[0] == {
        "sw=" + w: pytest.approx(3 ** -0.5) for w in ("corrupt", "regime", "lies")}


def test_classify_given_spans(parse):
    text = "These terrorists are thugs."
    doc = parse(text)
    tokens = Tokens.of(doc)
    (ranked,) = rhetoric.classify(tokens, [(6, 16)], model=False)
    assert ranked[0][0] == "name_calling,labeling"
    if rhetoric._model() is not None:
        (ranked,) = rhetoric.classify(tokens, [(6, 16)])
        assert len(ranked) == 14 and abs(sum(p for _, p in ranked) - 1) < 1e-6


@pytest.mark.slow
def test_the_component_writes_records(nlp):
    assert "sitrep_rhetoric" in nlp.pipe_names
    doc = nlp("The barbaric regime slaughtered its own people.")
    assert "rhetoric" in doc._.sitrep


# -- scorers --------------------------------------------------------------------------------------

def test_si_scorer_gives_partial_credit():
    gold = {"a": [(0, 10), (5, 20), (30, 40)]}   # merged: (0, 20), (30, 40)
    predicted = {"a": [(10, 20), (50, 60)]}
    s = evaluate.si_scores(predicted, gold)
    assert s["precision"] == pytest.approx((1.0 + 0.0) / 2)
    assert s["recall"] == pytest.approx((10 / 20 + 0.0) / 2)
    assert s["f1"] == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert evaluate.si_scores({}, {})["f1"] == 1.0


def test_tc_micro_f1_aligns_labels_of_a_shared_span():
    gold = [("a", 0, 5, "doubt"), ("a", 0, 5, "repetition"), ("a", 9, 12, "slogans")]
    ranked = {("a", 0, 5): ["repetition", "doubt", "slogans"], ("a", 9, 12): ["doubt"]}
    s = evaluate.tc_micro_f1(gold, ranked)
    assert s["micro_f1"] == pytest.approx(2 / 3)


def test_split_is_deterministic():
    assert evaluate.held_out("111111111") == evaluate.held_out("111111111")


# -- real data ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_held_out_articles_are_never_trained_on():
    shared = shared_path("eval", "propaganda", "ptc", "train-task2-TC.labels").parents[3]
    train, test = evaluate.split(shared)
    assert len(test) == 56
    assert not {a.id for a in train} & {a.id for a in test}
    assert not {a.text for a in train} & {a.text for a in test}


@pytest.mark.slow
def test_op_ed_spans_are_sound_and_fast(nlp):
    from sitrep.read import read

    path = shared_path("corpus", "magnier-2018-southern-syria.txt")
    document = next(read(path))
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]
    with nlp.select_pipes(disable=disabled):
        doc = nlp(document.text)
    rhetoric.find(doc)  # load the artefact once
    started = time.perf_counter()
    found = rhetoric.find(doc)
    elapsed = time.perf_counter() - started
    assert all(document.text[r["start"]:r["end"]] == r["text"] for r in found)
    assert elapsed < 2.0  # the extractor adds little to the spaCy pass


@pytest.mark.slow
def test_ptc_smoke(pipeline):
    shared_path("eval", "propaganda", "ptc", "train-task2-TC.labels")
    out = evaluate.evaluate_ptc(pipeline, limit=3)
    assert "SI" in out and "micro-F1" in out and "held out" in out
