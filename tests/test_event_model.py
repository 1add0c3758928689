"""The trained event-type layer: sitrep.train.event_type (training) and sitrep.extract.event_model
(what the rules call). Fast tests train on the invented fixtures with a blank spaCy pipeline; slow
ones use the artefact `make models` built from ../shared."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import spacy

from sitrep import train as train_module
from sitrep.evaluate import events as ev
from sitrep.evaluate.events import NONE, PLOVER_TYPES, QUAD
from sitrep.extract import event_model
from sitrep.train import event_type

from .conftest import shared_path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "events"
LABELS = set(PLOVER_TYPES) | {NONE}
# the fixtures are tiny: LinearSVC remarks that there are nearly as many classes as samples
pytestmark = pytest.mark.filterwarnings("ignore:The number of unique classes:UserWarning")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty model cache; what was loaded before is forgotten (and again afterwards)."""
    monkeypatch.setenv("SITREP_CACHE_DIR", str(tmp_path / "cache"))
    train_module._loaded.clear()
    yield tmp_path / "cache"
    train_module._loaded.clear()


@pytest.fixture
def blank():
    return spacy.blank("en")


@pytest.fixture
def trained(cache, tmp_path, blank):
    """The artefact trained on the fixtures (laid out as ../shared) with a blank pipeline."""
    shared = tmp_path / "shared"
    for name, rel in [("plover_mini.json", ev.PLOVER_PATH),
                      ("cameo_class_mini.tsv", ev.CAMEO_CLASS_PATH),
                      ("cameo_ner_mini.txt", ev.CAMEO_NER_PATH),
                      ("case2021_mini.tsv", ev.CASE_PATH)]:
        (shared / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, shared / rel)
    figures = event_type.train(shared, train_module.artefact(event_type.NAME), nlp=blank)
    return shared, figures


def test_everything_is_none_without_the_artefact(cache):
    assert not event_model.available()
    assert event_model.model() is None
    for fn in (event_model.predict, event_model.distribution, event_model.predict_quad,
               event_model.predict_acled, event_model.roles):
        assert fn(["Rebels shelled the town."]) is None


def test_an_artefact_of_another_format_is_ignored(cache):
    train_module.save(event_type.NAME, {"format": -1})
    assert event_model.model() is None and event_model.predict(["x"]) is None


def test_training_on_fixtures_uses_only_the_train_parts(trained):
    shared, figures = trained
    art = event_model.model()
    assert art is not None and art["format"] == event_type.FORMAT
    assert figures["train parts"] == {"cameo_class": 16, "plover_gsr": 13, "case2021": 11,
                                      "cameo_ner": 3}
    held = [x.text for x in ev.load_plover(shared / ev.PLOVER_PATH) if x.split == "heldout"]
    held += [x.text for x in ev.load_cameo_class(shared / ev.CAMEO_CLASS_PATH)
             if x.split == "heldout"]
    held += [x.text for x in ev.load_case2021(shared / ev.CASE_PATH) if x.split == "heldout"]
    assert held and not {ev.key_digest(t) for t in held} & art["train_keys"]
    assert "checked: 0 of these" in ev.heldout_check(held)
    assert set(art["heads"]) == {"quad", "plover", "acled"} and "roles" in art


def test_predictions_are_well_formed(trained, blank):
    docs = [blank(t) for t in ["Rebels shelled the northern town of Valdoria.",
                               "The two foreign ministers agreed to reopen embassies.",
                               "Officials said the weather would stay mild."]]
    labels = event_model.predict(docs)
    dists = event_model.distribution(docs)
    quads = event_model.predict_quad(docs)
    assert len(labels) == len(dists) == len(quads) == 3
    for (label, p), dist, (q, qp) in zip(labels, dists, quads):
        assert label in LABELS and 0.0 <= p <= 1.0 and isinstance(p, float)
        assert set(dist) == LABELS and sum(dist.values()) == pytest.approx(1.0)
        assert dist[label] == pytest.approx(p)
        assert q == (0 if label == NONE else QUAD[label]) and 0.0 <= qp <= 1.0
    for name, p in event_model.predict_acled(docs):
        assert name is None or name in ev.ACLED_CODES.values()
    for spans, doc in zip(event_model.roles(docs), docs):
        for role, start, end in spans:
            assert role in {"source", "target", "both"} and 0 <= start < end <= len(doc.text)
    assert event_model.predict([]) == [] and event_model.roles([]) == []


def test_role_tags_decoded_together_match_a_token_by_token_decoder(trained, blank):
    """The decoder tags all sentences position by position with summed weight rows; a tagger
    that asks the classifier token by token, with the previous tags' features, agrees."""
    from spacy.tokens import Doc

    art = event_model.model()
    head = art["roles"]
    words = ["Rebels", "shelled", "the", "town", "of", "Marlow", "on", "Monday", ".",
             "Police", "arrested", "activists", "in", "the", "capital", "."]
    doc = Doc(blank.vocab, words=words, sent_starts=[True] + [False] * 8 + [True] + [False] * 6)
    spans = [*doc.sents, blank("The two foreign ministers agreed to reopen embassies."),
             blank("A drone strike hit a convoy.")]

    def one_by_one(span) -> list[str]:
        tags: list[str] = []
        for k, row in enumerate(event_type.token_features(span,
                                                          event_type.doc_context(span.doc))):
            p1 = tags[k - 1] if k > 0 else "<s>"
            p2 = tags[k - 2] if k > 1 else "<s>"
            feats = {**row, **event_type.prev_features(row["w"], row["chunk"], p1, p2)}
            scores = head["clf"].decision_function(head["vectorizer"].transform([feats]))[0]
            tag = str(head["clf"].classes_[scores.argmax()])
            if tag.startswith("I-") and (p1 in ("<s>", "O") or p1[2:] != tag[2:]):
                tag = "B-" + tag[2:]
            tags.append(tag)
        return tags

    together = event_model._decode_many(
        art, [(span, event_type.doc_context(span.doc)) for span in spans])
    assert together == [one_by_one(span) for span in spans]
    assert [len(tags) for tags in together] == [9, 7, 9, 7]


def test_training_is_deterministic(trained, blank, tmp_path):
    shared, _ = trained
    docs = [blank("A drone strike hit a convoy near Marlow."), blank("Police arrested activists.")]
    first = event_model.distribution(docs)
    event_type.train(shared, tmp_path / "again.pkl", nlp=blank)
    import pickle

    with open(tmp_path / "again.pkl", "rb") as f:
        again = pickle.load(f)
    train_module._loaded[event_type.NAME] = again
    assert event_model.distribution(docs) == first


def test_features_read_the_parse():
    """Root verbs, a reporting verb's complement, negation and particles, verb->dependent
    triples; built by hand so that no trained parser is needed."""
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    words = ["Officials", "said", "troops", "did", "not", "pull", "out", "of", "Kessel"]
    doc = Doc(nlp.vocab, words=words,
              heads=[1, 1, 5, 5, 5, 1, 5, 5, 7],
              deps=["nsubj", "ROOT", "nsubj", "aux", "neg", "ccomp", "prt", "prep", "pobj"],
              pos=["NOUN", "VERB", "NOUN", "AUX", "PART", "VERB", "ADP", "ADP", "PROPN"],
              lemmas=["official", "say", "troop", "do", "not", "pull", "out", "of", "Kessel"])
    f = event_type.features(doc)
    assert f["root"].split()[:2] == ["say", "P:pull"]
    assert "NEG:pull" in f["root"] and "pull_out" in f["root"]
    assert "say>ccomp>pull" in f["deps"] and "pull>of>kessel" in f["deps"]
    assert f["lemmas"].startswith("official say troop")
    rows = event_type.token_features(doc)
    assert len(rows) == len(words)
    assert rows[2]["pdep"] == "nsubj" and rows[2]["pl|pdep"] == "pull|nsubj"
    assert rows[8]["rdep"] == "ccomp" and rows[0]["side"] == "L"
    # the tree walks (read from plain lists, not spaCy tokens) match the Token API
    for t, row in zip(doc, rows):
        ancestors = list(t.ancestors)
        assert row["anc"] == ">".join(a.dep_ for a in ancestors[:3])
        assert row["conj"] == str(any(a.dep_ == "conj" for a in ancestors))
        assert (row["hl"], row["hdep"], row["hpos"]) == (
            t.head.lemma_.lower(), t.head.dep_, t.head.pos_)
    assert rows[8]["anc"] == "prep>ccomp>ROOT"
    # a span tagged with its doc's context: the same features, the window cut at its edges
    part = event_type.token_features(doc[2:9], event_type.doc_context(doc))
    assert part[0]["w-1"] == "<pad>" and rows[2]["w-1"] == "said"
    assert all(a["pdep"] == b["pdep"] and a["anc"] == b["anc"] for a, b in zip(part, rows[2:]))


def test_a_context_of_the_tagged_sentences_gives_their_whole_doc_features():
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    words = ["Rebels", "shelled", "Aleppo", ".", "Troops", "left", "the", "town", "."]
    doc = Doc(nlp.vocab, words=words, heads=[1, 1, 1, 1, 5, 5, 7, 5, 5],
              deps=["nsubj", "ROOT", "dobj", "punct", "nsubj", "ROOT", "det", "dobj", "punct"],
              pos=["NOUN", "VERB", "PROPN", "PUNCT", "NOUN", "VERB", "DET", "NOUN", "PUNCT"],
              lemmas=["rebel", "shell", "Aleppo", ".", "troop", "leave", "the", "town", "."])
    second = list(doc.sents)[1]
    whole = event_type.token_features(second, event_type.doc_context(doc))
    only = event_type.doc_context(doc, spans=[second])
    assert only["lower"][0] == "" and only["lower"][4] == "troops"  # the first is not read
    assert event_type.token_features(second, only) == whole
    assert whole[3]["chunk"] == "I" and whole[3]["rootl"] == "leave"


def test_gold_token_tags_follow_spacy_tokens():
    nlp = spacy.blank("en")
    sent = ev.NerSentence(("U.S.-backed", "forces", "attacked"), ("B-S", "I-S", "O"),
                          "U.S.-backed forces attacked", ((0, 11), (12, 18), (19, 27)))
    doc = nlp(sent.text)
    tags = event_type.gold_token_tags(sent, doc)
    assert tags[0] == "B-S" and all(t == "I-S" for t in tags[1:-1]) and tags[-1] == "O"


def test_combine_policy():
    dist = {t: 0.0 for t in PLOVER_TYPES} | {NONE: 0.05}
    dist.update({"ASSAULT": 0.6, "COERCE": 0.2, "ACCUSE": 0.15})
    # the model is confident of material conflict: a rule type in that class is kept
    assert event_model.combine("COERCE", dist)[::2] == ("COERCE", "both")
    # a rule type in another class gives way to the model's best type in its class
    assert event_model.combine("AGREE", dist)[::2] == ("ASSAULT", "model")
    assert event_model.combine(None, dist)[::2] == ("ASSAULT", "model")
    unsure = {t: 1 / 17 for t in PLOVER_TYPES} | {NONE: 1 / 17}
    assert event_model.combine("AGREE", unsure)[::2] == ("AGREE", "rules")
    none = {t: 0.0 for t in PLOVER_TYPES} | {NONE: 0.9, "AGREE": 0.1}
    assert event_model.combine("AGREE", none)[::2] == (NONE, "model")
    assert event_model.combine_acled("Grenade", ("Grenade", 0.4)) == ("Grenade", 0.4, "both")
    assert event_model.combine_acled("Grenade", ("Attack", 0.4))[::2] == ("Grenade", "rules")
    assert event_model.combine_acled("Grenade", ("Attack", 0.7))[::2] == ("Attack", "model")
    assert event_model.combine_acled(None, (None, 0.2)) == (None, 0.2, "model")


# --------------------------------------------------------------------------- the built model


@pytest.fixture
def built():
    train_module._loaded.clear()
    art = event_model.model()
    if art is None:
        pytest.skip("the event_type model is not built (`make models`; needs ../shared)")
    return art


@pytest.mark.slow
def test_built_model_reads_clear_sentences(built, nlp):
    texts = ["Israeli warplanes struck targets in Gaza overnight, killing five people.",
             "The two leaders agreed to resume peace talks next month.",
             "Russia condemned the sanctions and accused the EU of hypocrisy."]
    labels = [label for label, _ in event_model.predict(texts)]
    assert labels[0] == "ASSAULT" and labels[1] == "AGREE" and QUAD[labels[2]] == 3
    assert event_model.predict_acled(texts[:1])[0][0] == "Air/drone strike"
    doc = nlp("Rebels shelled the northern town of Valdoria on Monday.")
    spans = event_model.roles([doc])[0]
    found = {(role, doc.text[s:e]) for role, s, e in spans}
    assert ("source", "Rebels") in found


@pytest.mark.slow
def test_built_model_never_saw_a_heldout_sentence(built):
    texts = [x.text for x in ev.load_cameo_class(shared_path(*ev.CAMEO_CLASS_PATH.split("/")))]
    texts += [x.text for x in ev.load_plover(shared_path(*ev.PLOVER_PATH.split("/")))]
    texts += [x.text for x in ev.load_case2021(shared_path(*ev.CASE_PATH.split("/")))]
    held = [t for t in texts if ev.split_of(t) == "heldout"]
    assert len(held) > 400
    assert not {ev.key_digest(t) for t in held} & built["train_keys"]


@pytest.mark.slow
def test_built_model_is_fast_on_parsed_sentences(built, nlp):
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if n.startswith("sitrep_")]):
        docs = list(nlp.pipe([
            "Government forces shelled rebel positions near Daraa on Tuesday.",
            "The foreign minister met his Jordanian counterpart in Amman.",
            "Protesters gathered outside the embassy demanding the release of prisoners.",
            "The UN called for an immediate ceasefire in the south.",
        ] * 100))
    event_model.predict(docs[:4])  # warm up
    started = time.perf_counter()
    event_model.predict(docs)
    per_sentence = (time.perf_counter() - started) / len(docs)
    assert per_sentence < 0.002, f"{per_sentence * 1000:.2f} ms per sentence"
