"""Scoring side of `sitrep eval events-plover|events-cameo|events-case2021|actors-cameo`
(sitrep.evaluate.events, sitrep.evaluate.actors), on invented fixtures in the files' formats."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from sitrep.evaluate import actors as actors_eval
from sitrep.evaluate import events as ev
from sitrep.evaluate.events import (
    ACLED_CODES, ACLED_TO_PLOVER, CASE_EXTRA, NONE, PLOVER_TYPES, QUAD, NerSentence,
    acled_code, label_from_events, load_cameo_class, load_cameo_ner, load_case2021, load_plover,
    ner_spans, plover_to_quad, score_classes, split_key, split_of,
)
from sitrep.model import Actor, Document, Event, Report, Span

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "events"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def shared_tree(tmp_path: Path) -> Path:
    """The fixtures laid out as ``../shared/eval/events`` is."""
    for name, rel in [("plover_mini.json", ev.PLOVER_PATH),
                      ("cameo_class_mini.tsv", ev.CAMEO_CLASS_PATH),
                      ("cameo_ner_mini.txt", ev.CAMEO_NER_PATH),
                      ("case2021_mini.tsv", ev.CASE_PATH)]:
        dest = tmp_path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, dest)
    return tmp_path


# --------------------------------------------------------------------------- label maps


def test_label_maps_cover_the_taxonomies():
    from typing import get_args

    from sitrep.model import EventType

    assert set(PLOVER_TYPES) == set(QUAD) == set(get_args(EventType))
    assert Counter(QUAD.values()) == {1: 4, 2: 4, 3: 4, 4: 4}
    assert len(ACLED_CODES) == 25 and len(set(ACLED_CODES.values())) == 25
    assert set(ACLED_TO_PLOVER) == set(ACLED_CODES) | set(CASE_EXTRA)
    assert all(v is None or v == NONE or v in QUAD for v in ACLED_TO_PLOVER.values())
    assert plover_to_quad("DEMAND") == 1 and plover_to_quad("disapprove") == 3
    assert plover_to_quad("FIGHT") == 4 and plover_to_quad(None) == 0
    assert plover_to_quad(NONE) == 0
    assert acled_code("Air/drone strike") == "AIR_STRIKE"
    assert acled_code("shelling/artillery/missile attack") == "ART_MISS_ATTACK"
    assert acled_code("ARREST") == "ARREST" and acled_code("Arrests") == "ARREST"
    assert acled_code(None) is None and acled_code("Picnic") is None


def test_acled_names_match_the_rules_map():
    """The ACLED names here are the ones the rules write (data/acled_map.yaml's taxonomy)."""
    from importlib import resources

    import yaml

    ref = resources.files("sitrep.data").joinpath("acled_map.yaml")
    if not ref.is_file():
        pytest.skip("data/acled_map.yaml is not present")
    taxonomy = yaml.safe_load(ref.read_text(encoding="utf-8"))["taxonomy"]
    names = {sub for subs in taxonomy.values() for sub in subs}
    assert names == set(ACLED_CODES.values())


# --------------------------------------------------------------------------- the split


def test_split_key_folds_typography_and_tokenisation():
    assert split_key("the Croatian governmentʼs request") == split_key(
        "the Croatian government 's request")
    assert split_key("Erdoğan met “Mattarella” in Rome.") == split_key(
        "Erdogan met \" Mattarella \" in Rome .")
    assert split_key("A-b C") == "abc"


def test_split_is_deterministic_and_a_fifth():
    # pinned: changing the rule silently moves sentences between training and scoring
    assert split_of("The army deployed two armoured brigades along the frontier.") == "heldout"
    assert split_of("Rebels shelled the northern town of Valdoria on Monday, killing three "
                    "civilians.") == "train"
    assert split_of("The army deployed two armoured brigades along the frontier .") == "heldout"
    shares = Counter(split_of(f"sentence number {k} about a ceasefire") for k in range(5000))
    assert 0.18 < shares["heldout"] / 5000 < 0.22


# --------------------------------------------------------------------------- loaders


def test_load_plover_maps_legacy_names_and_skips_the_document_record():
    items = load_plover(FIXTURES / "plover_mini.json")
    assert len(items) == 17
    by_raw = {x.raw_label: x.label for x in items}
    assert by_raw["DEMAND"] == "REQUEST" and by_raw["DISAPPROVE"] == "ACCUSE"
    assert by_raw["INVESTIGATE"] == "ACCUSE" and by_raw["FIGHT"] == "ASSAULT"
    assert all(x.label in QUAD for x in items)
    agree = items[0]
    assert agree.source == ("Arland", "Brevia") and agree.target == ()
    assert items[1].mode == "troops" and items[3].mode is None  # "" is no mode
    assert [x.split for x in items[:4]] == ["heldout"] * 4


def test_load_cameo_class_strips_crlf_and_drops_duplicates():
    items = load_cameo_class(FIXTURES / "cameo_class_mini.tsv")
    assert len(items) == 20  # 21 lines, one exact duplicate
    assert all(not x.text.endswith("\r") and x.label in {"0", "1", "2", "3", "4"} for x in items)
    assert Counter(x.label for x in items)["0"] == 2


def test_load_case2021_skips_the_header():
    items = load_case2021(FIXTURES / "case2021_mini.tsv")
    assert len(items) == 15 and items[0].id == "1" and items[0].label == "ART_MISS_ATTACK"
    assert {x.label for x in items} - set(ACLED_CODES) == {"NATURAL_DISASTER"}


def test_load_cameo_ner_aligns_tokens_to_the_original_sentences():
    originals = [x.text for x in load_cameo_class(FIXTURES / "cameo_class_mini.tsv")]
    sents = load_cameo_ner(FIXTURES / "cameo_ner_mini.txt", originals)
    assert len(sents) == 4
    court = sents[0]
    assert court.text.startswith("Meanwhile, a Kessel court")  # as written, with "ʼs"
    assert [court.text[a:b] for a, b in court.offsets][8:10] == ["government", "ʼs"]
    assert ner_spans(court.tags) == [("S", 2, 5), ("T", 6, 11)]
    # not in the class file: the tokens joined by spaces
    jets = sents[3]
    assert jets.text == "Brevian jets bombed a bridge near Marlow ."
    assert all(jets.text[a:b] == t for (a, b), t in zip(jets.offsets, jets.tokens))
    assert ner_spans(jets.tags) == [("S", 0, 2), ("T", 3, 5)]  # an I- opens a span


def test_ner_spans_edges():
    assert ner_spans(["B-S", "B-S", "I-S", "O", "I-T", "I-T", "B-R"]) == [
        ("S", 0, 1), ("S", 1, 3), ("T", 4, 6), ("R", 6, 7)]
    assert ner_spans(["B-S", "I-T"]) == [("S", 0, 1), ("T", 1, 2)]
    assert ner_spans([]) == []


def test_align_skips_quotes_the_tokens_dropped():
    assert ev._align(["Mideast", "envoy"], "the ' Mideast envoy"[6:]) is not None
    offsets = ev._align(["said", "Mideast", "envoy"], "said \"Mideast envoy")
    assert offsets == [(0, 4), (6, 13), (14, 19)]
    assert ev._align(["cat"], "dog") is None


# --------------------------------------------------------------------------- scoring


def test_score_classes_arithmetic():
    gold = ["A", "A", "B", "B", "C"]
    pred = ["A", "B", "B", "NONE", "C"]
    s = score_classes(gold, pred, ["A", "B", "C"])
    a, b, c = s.get("A"), s.get("B"), s.get("C")
    assert (a.tp, a.fp, a.fn) == (1, 0, 1) and (b.tp, b.fp, b.fn) == (1, 1, 1)
    assert (c.precision, c.recall, c.f1) == (1.0, 1.0, 1.0)
    assert s.get("NONE").support == 0 and s.get("NONE").fp == 1
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.5 + 1.0) / 3)  # NONE is not in the mean
    assert s.accuracy == pytest.approx(3 / 5)
    text = ev.format_class_scores(s)
    assert "macro-F1 0.722 over the 3 gold classes" in text and "NONE" in text
    with pytest.raises(ValueError):
        score_classes(["A"], [])


def _event(type_, confidence, modality="asserted", acled=None, source=(), target=()):
    return Event(id=f"e{type_}{confidence}", type=type_, confidence=confidence, modality=modality,
                 acled_sub_event_type=acled, source=list(source), target=list(target),
                 evidence=Span(start=0, end=1, text="x"))


def test_label_from_events_takes_the_most_confident_asserted_event():
    events = [_event("AGREE", 0.6), _event("ASSAULT", 0.9, modality="hypothetical"),
              _event("ACCUSE", 0.7, acled=None), _event("COERCE", 0.5, acled="Arrests")]
    assert label_from_events(events, "plover") == "ACCUSE"
    assert label_from_events(events, "quad") == "3"
    assert label_from_events(events, "acled") == NONE  # ACCUSE has no ACLED sub-type
    assert label_from_events([events[3]], "acled") == "ARREST"
    assert label_from_events([events[1]], "plover") == NONE
    assert label_from_events([], "quad") == "0"


# --------------------------------------------------------------------------- runs


class FakePipeline:
    """A pipeline whose Reports carry the events a function gives for each text."""

    def __init__(self, events_of, actors_of=None, with_events=True):
        self.events_of = events_of
        self.actors_of = actors_of or (lambda text: [])
        names = ["tok2vec", "sitrep_actors"] + (["sitrep_events"] if with_events else [])
        self.nlp = SimpleNamespace(pipe_names=names)

    def analyze_many(self, documents):
        for d in documents:
            yield Report(document=d, events=self.events_of(d.text), actors=self.actors_of(d.text))


@pytest.fixture
def fake_model(monkeypatch):
    """event_model answers from word cues, with no artefact; records what it was asked."""
    from sitrep.extract import event_model

    cues = [("shell", "ASSAULT"), ("drone", "ASSAULT"), ("agreed", "AGREE"), ("deployed",
            "MOBILIZE"), ("threatened", "THREATEN"), ("bomb", "ASSAULT")]

    def predict(items):
        out = []
        for text in items:
            label = next((t for cue, t in cues if cue in str(text)), NONE)
            out.append((label, 0.9))
        return out

    def predict_acled(items):
        return [("Air/drone strike" if "drone" in str(t) else "Remote explosive/landmine/IED"
                 if "bomb" in str(t) else None, 0.8) for t in items]

    monkeypatch.setattr(event_model, "predict", predict)
    monkeypatch.setattr(event_model, "predict_quad",
                        lambda items: [(plover_to_quad(lab), p) for lab, p in predict(items)])
    monkeypatch.setattr(event_model, "predict_acled", predict_acled)
    monkeypatch.setattr(event_model, "model", lambda: {"train_keys": frozenset()})
    return event_model


def test_runs_fall_back_to_the_model_without_an_event_extractor(shared_tree, fake_model):
    out = ev.run_plover(None, shared=shared_tree)  # no pipeline: strings go to the model
    assert "held-out part: 4 of 17 sentences" in out
    assert "classifier trained only on the other 13" in out
    assert "event-type classifier alone" in out
    assert "checked: 0 of these 4" in out
    assert "macro-F1 1.000 over the 4 gold classes" in out  # the cues fit the 4 held-out ones
    out = ev.run_cameo(None, shared=shared_tree)
    assert "held-out part: 4 of 20 sentences" in out and "5 gold classes" not in out
    out = ev.run_case2021(None, shared=shared_tree)
    assert "left out 1 with a non-ACLED label (NATURAL_DISASTER 1)" in out
    assert "AIR_STRIKE" in out and "NATURAL_DISASTER  " not in out


def test_runs_score_the_pipeline_when_it_has_events(shared_tree, fake_model):
    def events_of(text):
        if "drone" in text:
            return [_event("ASSAULT", 0.8, acled="Air/drone strike"),
                    _event("AGREE", 0.9, modality="intended")]
        if "agreed" in text:
            return [_event("AGREE", 0.7)]
        return []

    pipe = FakePipeline(events_of)
    out = ev.run_plover(pipe, shared=shared_tree)
    assert "the pipeline's Report events (3 events" in out
    assert "accuracy 0.500 (2/4)" in out
    out = ev.run_case2021(pipe, shared=shared_tree)
    assert "accuracy 0.333 (1/3)" in out  # AIR_STRIKE right; REM_EXPLOS, VIOL_DEMONSTR missed


def test_the_heldout_check_warns_when_a_scored_sentence_was_trained_on(monkeypatch):
    from sitrep.extract import event_model

    text = "The army deployed two armoured brigades along the frontier."
    monkeypatch.setattr(event_model, "model",
                        lambda: {"train_keys": frozenset({ev.key_digest(text)})})
    assert "WARNING" in ev.heldout_check([text, "Something else."])
    monkeypatch.setattr(event_model, "model", lambda: None)
    assert "no event-type model built" in ev.heldout_check([text])


def test_unknown_mode_is_an_error(shared_tree, fake_model):
    from sitrep.errors import SitrepError

    with pytest.raises(SitrepError):
        ev.run_cameo(None, mode="guess", shared=shared_tree)
    with pytest.raises(SitrepError):  # nothing to combine with
        ev.run_cameo(None, mode="combined", shared=shared_tree)


# --------------------------------------------------------------------------- actors


def _sentence(tokens: str, tags: str) -> NerSentence:
    toks = tokens.split()
    offsets, pos = [], 0
    for t in toks:
        offsets.append((pos, pos + len(t)))
        pos += len(t) + 1
    return NerSentence(tuple(toks), tuple(tags.split()), " ".join(toks), tuple(offsets))


def _actor(id_, text, sentence):
    start = sentence.text.index(text)
    return Actor(id=id_, name=text, mentions=[Span(start=start, end=start + len(text), text=text)])


def test_actor_spans_from_the_main_event():
    s = _sentence("Brevian jets bombed a bridge near Marlow .", "B-S I-S O B-T I-T O O O")
    jets, bridge, marlow = (_actor("a1", "Brevian jets", s), _actor("a2", "bridge", s),
                            _actor("a3", "Marlow", s))
    report = Report(document=Document(id="d", text=s.text), actors=[jets, bridge, marlow],
                    events=[_event("ASSAULT", 0.8, source=["a1"], target=["a2"]),
                            _event("AGREE", 0.3, source=["a3"])])
    pred = actors_eval.predicted_spans(report, s)
    assert pred.roles == (("S", 0, 2), ("T", 4, 5)) and pred.n_events == 2
    assert pred.mentions == ((0, 2), (4, 5), (6, 7))
    scores = actors_eval.score_actors([s], [pred])
    assert scores["source exact"].f1 == 1.0
    assert (scores["target exact"].tp, scores["target exact"].fn) == (0, 1)
    assert scores["target tokens"].precision == 1.0 and scores["target tokens"].recall == 0.5
    assert scores["typed S/T/R exact"].tp == 1 and scores["typed S/T/R exact"].fp == 1
    assert scores["any actor mention exact"].tp == 1  # only "Brevian jets" is exact
    assert scores["any actor mention tokens"].tp == 3


def test_reciprocal_actors_count_for_source_and_target():
    s = _sentence("Arland and Brevia agreed .", "B-R O B-R O O")
    a, b = _actor("a", "Arland", s), _actor("b", "Brevia", s)
    report = Report(document=Document(id="d", text=s.text), actors=[a, b],
                    events=[_event("AGREE", 0.8, source=["a", "b"], target=["a", "b"])])
    pred = actors_eval.predicted_spans(report, s)
    assert pred.roles == (("R", 0, 1), ("R", 2, 3))
    scores = actors_eval.score_actors([s], [pred])
    for figure in ("source exact", "target exact", "typed S/T/R exact"):
        assert scores[figure].f1 == 1.0
    tagged = actors_eval.tagger_spans([("both", 0, 6), ("source", 11, 17)], s)
    assert tagged.roles == (("R", 0, 1), ("S", 2, 3))


def test_run_actors_cameo_on_fixtures(shared_tree, monkeypatch):
    from sitrep.extract import event_model

    monkeypatch.setattr(event_model, "model", lambda: None)
    pipe = FakePipeline(lambda t: [])
    out = actors_eval.run_actors_cameo(pipe, shared=shared_tree)
    assert "4 sentences (1 in the held-out part" in out
    assert "NOTE: the pipeline produced no events" in out
    assert "role tagger: not built" in out
    assert "source exact [pipeline, all]" in out and "[role tagger" not in out


# --------------------------------------------------------------------------- real files


def _real(rel: str) -> Path:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"{path} is not present (shared data lives beside the repository)")
    return path


@pytest.mark.slow
def test_real_files_load_and_split():
    plover = load_plover(_real(ev.PLOVER_PATH))
    cameo = load_cameo_class(_real(ev.CAMEO_CLASS_PATH))
    case = load_case2021(_real(ev.CASE_PATH))
    ner = load_cameo_ner(_real(ev.CAMEO_NER_PATH), [x.text for x in cameo])
    assert (len(plover), len(cameo), len(case), len(ner)) == (322, 1344, 509, 1153)
    assert Counter(x.split for x in plover)["heldout"] == 79
    assert Counter(x.split for x in cameo)["heldout"] == 270
    assert Counter(x.split for x in case)["heldout"] == 105
    assert Counter(x.split for x in ner)["heldout"] == 236
    assert sum(1 for s in ner if " ".join(s.tokens) != s.text) >= 900
    for s in ner:
        assert len(s.offsets) == len(s.tokens)
        assert all(0 <= a < b <= len(s.text) for a, b in s.offsets)
    assert set(x.label for x in case) <= set(ACLED_CODES) | set(CASE_EXTRA)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["events-plover", "events-cameo", "events-case2021"])
def test_real_event_sets_run(pipeline, name):
    _real(ev.PLOVER_PATH)
    out = ev.SETS[name](pipeline, limit=15)
    assert "held-out part: 15 of" in out and "macro-F1" in out
    assert "WARNING" not in out


@pytest.mark.slow
def test_real_actors_set_runs(pipeline):
    _real(ev.CAMEO_NER_PATH)
    out = actors_eval.SETS["actors-cameo"](pipeline, limit=40)
    assert "40 sentences" in out and "any actor mention exact [pipeline, all]" in out
    assert "WARNING" not in out
