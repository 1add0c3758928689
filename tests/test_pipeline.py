"""The whole line on the project's own examples: read -> parse -> extract -> Report."""

import pytest

from sitrep.errors import ReadFailure
from sitrep.model import Report
from sitrep.read import read_all

from .conftest import EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example_docs():
    docs = [d for d in read_all([EXAMPLES]) if not isinstance(d, ReadFailure)]
    assert len(docs) == 5  # one text, one HTML, three JSONL briefs
    return docs


def test_every_span_points_into_the_text(pipeline, example_docs):
    for report in pipeline.analyze_many(example_docs):
        assert isinstance(report, Report)
        assert report.span_errors() == []


def test_analyze_many_keeps_input_order_and_matches_analyze(pipeline, example_docs):
    many = list(pipeline.analyze_many(example_docs))
    assert [r.document.id for r in many] == [d.id for d in example_docs]
    assert many[0] == pipeline.analyze(example_docs[0])


def test_two_processes_give_the_same_reports(pipeline, example_docs):
    one = list(pipeline.analyze_many(example_docs, n_process=1))
    two = list(pipeline.analyze_many(example_docs, n_process=2))
    assert one == two


def test_worker_processes_keep_the_input_order_over_many_batches(pipeline, example_docs):
    from sitrep.pipeline import Pipeline, PipelineOptions

    small = Pipeline(PipelineOptions(batch_size=1), nlp=pipeline.nlp)
    docs = example_docs * 3  # 15 one-document tasks, more than the workers take ahead
    two = list(small.analyze_many(docs, n_process=2))
    assert [r.document.id for r in two] == [d.id for d in docs]
    assert two == list(small.analyze_many(docs, n_process=1))


def test_worker_tasks_are_big_until_the_end_is_near_then_small():
    """Big tasks let the trained layers read many documents a call; small ones at the end let
    the workers finish together."""
    from sitrep.workers import _tasks

    tasks = list(_tasks(iter(range(300)), big=64, small=16, ahead=128))
    assert [x for task in tasks for x in task] == list(range(300))
    assert [len(task) for task in tasks] == [64, 64] + [16] * 10 + [12]
    assert [len(task) for task in _tasks(range(5), big=64, small=2, ahead=128)] == [2, 2, 1]
    assert list(_tasks([], big=64, small=16, ahead=128)) == []


def test_an_error_in_a_worker_process_is_raised_in_the_caller(pipeline, example_docs,
                                                              monkeypatch):
    from sitrep import pipeline as pipeline_module

    def broken(document, doc):
        raise RuntimeError(f"cannot report {document.id}")

    monkeypatch.setattr(pipeline_module, "to_report", broken)  # the forked workers inherit it
    with pytest.raises(RuntimeError, match="cannot report"):
        list(pipeline.analyze_many(example_docs, n_process=2))


def test_a_worker_process_that_dies_is_one_clear_error(pipeline, example_docs, monkeypatch):
    import os

    from sitrep import pipeline as pipeline_module
    from sitrep.errors import SitrepError

    def killed(document, doc):
        os._exit(9)  # as the kernel's out-of-memory killer would leave it

    monkeypatch.setattr(pipeline_module, "to_report", killed)
    with pytest.raises(SitrepError, match="a worker process stopped abruptly .* documents from "):
        list(pipeline.analyze_many(example_docs, n_process=2))


def test_analysing_collects_cycles_less_often_and_leaves_the_setting_as_it_was(
        pipeline, example_docs):
    import gc

    from sitrep import pipeline as pipeline_module

    before = gc.get_threshold()
    seen = []
    for _ in pipeline.analyze_many(example_docs[:2]):
        seen.append(gc.get_threshold())
    assert seen and all(t[0] == max(before[0], pipeline_module.GC_YOUNG) for t in seen)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > 0  # the loaded models are out of the collector's reach


def test_example_places_are_resolved_near_the_truth(pipeline, example_docs):
    report = pipeline.analyze(next(d for d in example_docs if d.origin.endswith("daraa-crossing.txt")))
    by_mention = {m.text: p for p in report.places for m in p.mentions}
    amman = by_mention["Amman"]
    assert amman.country == "JO" and abs(amman.lat - 31.95) < 0.2 and abs(amman.lon - 35.93) < 0.2
    assert by_mention["Da’el"].country == "SY"
    assert next(p for t, p in by_mention.items() if "Deraa" in t).country == "SY"


def test_components_run_in_an_order_that_satisfies_their_contracts(nlp):
    from sitrep.extract import COMPONENTS

    assert [n for n in nlp.pipe_names if n.startswith("sitrep_")] == list(COMPONENTS)
    # The trained pipelines set POS in their attribute_ruler without declaring "token.pos".
    problems = {name: [p for p in found if p != "token.pos"]
                for name, found in nlp.analyze_pipes()["problems"].items()}
    assert all(not problems[name] for name in COMPONENTS), problems


@pytest.mark.slow
def test_streets_are_placed_in_the_documents_town(pipeline):
    """A street the gazetteer lacks is a place at the town the document is about (low
    confidence), never a village that shares its first word ("Royal" is not Royal City)."""
    text = ("Protesters marched down Royal Street in New Orleans on Friday. Police closed "
            "Third Avenue and Rue Casa Calvo.")
    report = pipeline.analyze_text(text)
    places = {m.text: p for p in report.places for m in p.mentions}
    town = places["New Orleans"]
    for street in ("Royal Street", "Third Avenue", "Rue Casa Calvo"):
        p = places[street]
        assert (p.lat, p.lon) == (town.lat, town.lon)
        assert p.feature == "road" and p.confidence < 0.5
    assert "Royal" not in places


@pytest.mark.slow
def test_a_name_repeated_is_not_its_own_evidence(pipeline):
    """Three mentions of Paris must not outvote the other place of a local story: each name's
    reading is decided by the document's other places, so this Paris is an American one."""
    text = ("Flooding closed two roads in Paris on Monday. Paris firefighters rescued a family, "
            "and schools in Paris stayed shut. The river would crest near Urbana on Tuesday.")
    report = pipeline.analyze_text(text)
    paris = next(p for p in report.places if p.name == "Paris")
    assert paris.country == "US"


def test_doc_text_is_read_once_and_never_another_docs(nlp):
    from sitrep.extract.spans import doc_text

    doc = nlp.make_doc("Rebels shelled the town.")
    assert doc_text(doc) == doc.text and doc.user_data["sitrep.text"][1] == doc.text
    other = nlp.make_doc("A longer, different text entirely.")
    other.user_data.update(doc.user_data)  # as a copied user_data would carry it
    assert doc_text(other) == other.text
    same_length = nlp.make_doc("Troops stormed the city.")  # as many tokens as doc
    same_length.user_data.update(doc.user_data)
    assert doc_text(same_length) == same_length.text
    copied = doc.copy()
    assert doc_text(copied) == copied.text
    assert doc_text(nlp.make_doc("")) == ""


@pytest.mark.slow
def test_token_columns_are_what_the_tokens_say(nlp):
    from spacy.attrs import IDX, IS_PUNCT, LEMMA, LOWER, ORTH, POS

    from sitrep.extract.spans import token_columns

    doc = nlp("Rebels shelled Daraa, the UN said.")
    orth, lower, lemma, pos, idx, punct = token_columns(doc, [ORTH, LOWER, LEMMA, POS, IDX,
                                                              IS_PUNCT])
    assert orth == [t.text for t in doc] and lower == [t.lower_ for t in doc]
    assert lemma == [t.lemma_ for t in doc] and pos == [t.pos_ for t in doc]
    assert idx == [t.idx for t in doc] and punct == [int(t.is_punct) for t in doc]
    assert token_columns(doc, [LOWER]) == [lower]
    assert token_columns(nlp.make_doc(""), [ORTH, POS]) == [[], []]


def test_peoples_provinces_and_the_district_resolve(pipeline):
    """A people named in the plural is its country ("Syrians" was a French village by fuzzy
    match); a province of millions outranks a town of its name; "D.C." is the District."""
    text = ("Syrians and Iraqis crossed into Turkey. Ontario and Queensland sent aid, "
            "and officials in D.C. said little.")

    def at(name):
        start = text.index(name)
        return pipeline.geocode(text, [(start, start + len(name))])[0]

    assert at("Syrians")["id"] == "geonames:163843" and at("Iraqis")["country"] == "IQ"
    assert at("Ontario")["country"] == "CA" and at("Ontario")["feature"] == "admin1"
    assert at("Queensland")["country"] == "AU"
    assert at("D.C.")["admin1"] == "Washington, D.C."


@pytest.mark.slow
def test_seas_and_regions_beyond_countries_resolve(pipeline):
    """A sea outranks the province named after it, and a name's own earlier reading is not
    evidence for itself (a lone "Red Sea" flipped between the sea and Sudan's Red Sea State);
    each province exists once, whether or not the town table knows its code."""
    text = "Houthi forces fired at ships in the Red Sea. Tensions rose across the Gulf."

    def at(name):
        start = text.index(name)
        return pipeline.geocode(text, [(start, start + len(name))])[0]

    assert at("Red Sea")["id"] == "extra:red-sea" and at("Red Sea")["country"] is None
    assert at("Gulf")["id"] == "extra:persian-gulf"
    quneitra = pipeline.geocode("Shelling hit Quneitra.", [(13, 21)])[0]
    assert quneitra["country"] == "SY" and not quneitra["id"].startswith("admin1:SY.")


@pytest.mark.parametrize("text, name", [
    ("BOSTON (Reuters) - The owner of a restaurant was fined.", "BOSTON"),
    ("By Jane Roe. RALEIGH, N.C. (AP) - A report shows that 20 people died.", "RALEIGH"),
    ("Hanoi (VNA) – Vietnam supports a larger role for Russia.", "Hanoi"),
    ("Aleppo: Rebels shelled the city overnight.", "Aleppo"),
    ("The army said on Monday - in a statement - that it advanced.", None),
    ("Rebels shelled the town - officials said.", None),
])
def test_dateline_names_where_the_story_was_filed(nlp, text, name):
    """A candidate only: the places extractor keeps it when the gazetteer knows the town."""
    from sitrep.extract.spans import dateline

    found = dateline(nlp.make_doc(text))
    assert (text[found[0]:found[1]] if found else None) == name


@pytest.mark.slow
def test_a_dateline_is_a_place_never_an_actor(pipeline):
    report = pipeline.analyze_text("Hanoi (VNA) – Vietnam always supports a larger role for "
                                   "Russia in the region.")
    places = {m.text: p for p in report.places for m in p.mentions}
    assert places["Hanoi"].country == "VN"
    assert not any(m.text == "Hanoi" for a in report.actors for m in a.mentions)


def test_one_bad_document_does_not_cost_its_batch_its_records(nlp, monkeypatch, caplog):
    """A batched component that fails is run again doc by doc; only the bad doc loses out."""
    from sitrep.extract import claims

    real = claims.find_many

    def fragile(batch, *args, **kwargs):
        if any("POISON" in doc.text for doc in batch):
            raise RuntimeError("a malformed document")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(claims, "find_many", fragile)
    texts = ["Aid deliveries fell by 40 percent in 2024.", "POISON 12,000 people fled.",
             "Some 3,000 families fled the town last week."]
    docs = list(nlp.pipe(texts, batch_size=3))
    assert docs[1]._.sitrep["claims"] == []
    assert docs[0]._.sitrep["claims"] and docs[2]._.sitrep["claims"]
    assert "claims extraction failed on document" in caplog.text and "Traceback" not in caplog.text


def test_trained_layers_read_many_documents_a_call_whatever_spacys_batches(nlp, monkeypatch):
    """A model call costs about a millisecond whatever its size: with spaCy's batches of 2, the
    claims classifier still reads MODEL_BATCH documents a call, and every document gets its
    own records."""
    from sitrep.extract import MODEL_BATCH, claims

    sizes = []
    real = claims.find_many

    def counted(batch, *args, **kwargs):
        sizes.append(len(batch))
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(claims, "find_many", counted)
    texts = [f"Some {k + 2},000 families fled the town." for k in range(MODEL_BATCH + 3)]
    docs = list(nlp.pipe(texts, batch_size=2))
    assert sizes == [MODEL_BATCH, 3]
    monkeypatch.setattr(claims, "find_many", real)
    assert [doc._.sitrep["claims"] for doc in docs] == [claims.find(doc) for doc in docs]
    assert sum(1 for doc in docs if doc._.sitrep["claims"]) > MODEL_BATCH // 2


def test_a_component_failing_on_one_document_leaves_its_other_records(nlp, monkeypatch, caplog):
    from sitrep.extract import quotes

    def broken(doc, *args, **kwargs):
        raise ValueError("an odd parse")

    monkeypatch.setattr(quotes, "find", broken)
    doc = nlp("Rebels shelled Aleppo on Monday, officials said.")
    assert doc._.sitrep["quotes"] == [] and doc._.sitrep["places"]
    assert "quotes extraction failed on document" in caplog.text and "ValueError" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("text, place", [
    ("Rebels shelled Aleppo on Monday.", "Aleppo"),       # the model labels it nothing or NORP
    ("Government forces bombed Idlib.", "Idlib"),
])
def test_the_object_of_an_attack_is_a_place(pipeline, text, place):
    report = pipeline.analyze_text(text)
    assert place in {m.text for p in report.places for m in p.mentions}


def test_an_invalid_record_is_dropped_not_the_document(nlp, caplog):
    from sitrep.model import Document
    from sitrep.pipeline import to_report

    doc = nlp("Rebels shelled Aleppo on Monday.")
    places = len(doc._.sitrep["places"])
    doc._.sitrep["claims"] = [{"id": "c1", "text": "x", "start": "nine"}]  # no end, bad start
    report = to_report(Document(id="doc-1", text=doc.text), doc)
    assert report.claims == [] and len(report.places) == places > 0
    assert "document doc-1: a claims record is invalid" in caplog.text


_BATCH = [
    "The barbaric regime slaughtered its own people, the minister said. They will never win!",
    "",
    "Aid deliveries fell by 40 percent because the crossing was closed.",
    "   ",
    "Rebels shelled the town. Some 3,000 families fled, more than in any week since 2015.",
    "The army handed the checkpoint to the observers. Talks resumed in Geneva.",
    "If the talks fail, the coalition could strike the port.",
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["claims", "rhetoric", "events"])
def test_a_batch_finds_what_each_document_finds_alone(nlp, kind):
    """``nlp.pipe`` scores a batch with one model call per component; that must not change any
    record."""
    from sitrep.extract import claims, rhetoric
    from sitrep.extract.events import EventFinder

    events = EventFinder()
    find, find_many = {"claims": (claims.find, claims.find_many),
                       "rhetoric": (rhetoric.find, rhetoric.find_many),
                       "events": (events.find, events.find_many)}[kind]
    batch = list(nlp.pipe(_BATCH, batch_size=3))
    for doc in batch:
        assert doc._.sitrep[kind] == find(doc)
    assert any(doc._.sitrep[kind] for doc in batch)
    assert find_many([]) == []


def test_a_sentence_the_event_rules_fail_on_costs_only_that_sentence(nlp, monkeypatch, caplog):
    """One line in the log names the document and the sentence; the doc's other events stay."""
    from sitrep.extract.events import EventFinder

    real = EventFinder._sentence

    def fragile(self, sent, index):
        if "POISON" in sent.text:
            raise ValueError("an odd parse")
        return real(self, sent, index)

    monkeypatch.setattr(EventFinder, "_sentence", fragile)
    doc = nlp.make_doc("POISON Rebels shelled Aleppo. Israeli warplanes struck Gaza on Monday.")
    doc.user_data["document_id"] = "doc-42"
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert [e["type"] for e in doc._.sitrep["events"]] == ["ASSAULT"]
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "doc-42 at char 0 (ValueError: an odd parse)" in errors[0].message
    assert errors[0].exc_info is None  # the traceback only at debug level (`sitrep -v`)
