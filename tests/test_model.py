import json

import pytest
from pydantic import ValidationError

from sitrep.model import (
    SCHEMA_VERSION, Actor, Argument, Document, Event, Report, Span, document_id, json_schema,
    normalise_body,
)

from .conftest import ROOT


def test_committed_schema_is_current():
    committed = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "schema/report.schema.json is stale: run `make schema`"


def test_document_id_ignores_whitespace_and_unicode_form():
    a = document_id("Daraa  was\n\nshelled.")
    b = document_id(" Daraa was shelled. ")
    c = document_id("Dar\u0061\u0301a")  # combining accent
    assert a == b
    assert c == document_id("Dar\u00e1a")
    assert normalise_body("  a \n b ") == "a b"
    assert len(a) == 64


def test_span_errors_finds_a_bad_offset():
    doc = Document(id="x", text="Russia warned Turkey.")
    good = Actor(id="RUS", name="Russia", mentions=[Span(start=0, end=6, text="Russia")])
    bad = Actor(id="TUR", name="Turkey", mentions=[Span(start=13, end=19, text="Turkey")])
    assert Report(document=doc, actors=[good]).span_errors() == []
    errors = Report(document=doc, actors=[good, bad]).span_errors()
    assert len(errors) == 1 and "TUR" in errors[0]


def test_records_reject_unknown_fields_and_bad_values():
    with pytest.raises(ValidationError):
        Actor(id="x", name="x", colour="red")
    with pytest.raises(ValidationError):
        Span(start=5, end=2, text="")
    with pytest.raises(ValidationError):
        Event(id="e", type="INVADE", evidence=Span(start=0, end=1, text="x"))


def test_report_round_trips_through_json_with_schema_key():
    doc = Document(id="x", text="Talks.")
    event = Event(id="e1", type="CONSULT", modality="intended",
                  evidence=Span(start=0, end=5, text="Talks"))
    report = Report(document=doc, events=[event])
    data = report.as_dict()
    assert data["schema"] == SCHEMA_VERSION == "sitrep.report/1.1"
    assert Report.from_dict(json.loads(json.dumps(data))) == report
    assert not event.happened


def test_reports_of_schema_1_still_read():
    """1.1 only added Event.arguments (default empty): a 1.0 report parses."""
    data = {"schema": "sitrep.report/1", "document": {"id": "x", "text": "Talks."},
            "events": [{"id": "e1", "type": "CONSULT",
                        "evidence": {"start": 0, "end": 5, "text": "Talks"}}]}
    report = Report.from_dict(data)
    assert report.events[0].arguments == []


def test_event_arguments_are_spans_checked_like_the_others():
    doc = Document(id="x", text="Russia vetoed the resolution.")
    event = Event(id="e1", type="REJECT", evidence=Span(start=7, end=13, text="vetoed"),
                  source=["RUS"], arguments=[
                      Argument(role="source", start=0, end=6, text="Russia", actor="RUS"),
                      Argument(role="target", start=14, end=28, text="the resolution")])
    assert Report(document=doc, events=[event]).span_errors() == []
    bad = event.model_copy(update={"arguments": [
        Argument(role="source", start=0, end=5, text="Russia", actor="RUS")]})
    assert Report(document=doc, events=[bad]).span_errors()
    with pytest.raises(ValidationError):
        Argument(role="agent", start=0, end=6, text="Russia")


def test_report_json_validates_against_committed_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    doc = Document(id="x", text="Hama.", authors=["A. B."])
    jsonschema.validate(Report(document=doc).as_dict(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema": "sitrep.report/1", "document": {"id": "x"}}, schema)
