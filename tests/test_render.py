"""The present stage for one Report: what the Markdown report shows (the terminal report lays out
the same rows, ``render._rows``)."""

from __future__ import annotations

from sitrep.model import Actor, Document, Event, Report, Span, document_id
from sitrep.render import render_markdown


def _report(text: str, events: list[dict]) -> Report:
    def span(part: str) -> Span:
        start = text.index(part)
        return Span(start=start, end=start + len(part), text=part)

    actors = [Actor(id=i, name=n, kind="state", mentions=[span(n)])
              for i, n in (("JOR", "Jordan"), ("ISR", "Israel"), ("HAM", "Hamas"))]
    return Report(document=Document(id=document_id(text), text=text), actors=actors,
                  events=[Event(id=f"e{k}", evidence=span(e.pop("evidence")), **e)
                          for k, e in enumerate(events)])


def test_a_mutual_act_is_shown_between_each_other_and_a_directed_one_by_its_target():
    text = "Jordan and Israel agreed on a truce. Jordan and Israel attacked Hamas."
    md = render_markdown(_report(text, [
        dict(type="AGREE", source=["JOR", "ISR"], target=["JOR", "ISR"],
             evidence="agreed on a truce"),
        dict(type="ASSAULT", source=["JOR", "ISR"], target=["HAM"], evidence="attacked Hamas")]))
    rows = [line for line in md.splitlines() if line.startswith("| AGREE")
            or line.startswith("| ASSAULT")]
    assert len(rows) == 2
    assert "| Jordan, Israel | each other |" in rows[0]
    assert "| Jordan, Israel | Hamas |" in rows[1]
