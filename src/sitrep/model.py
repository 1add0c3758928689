"""The records that flow between stages: the Report contract (schema ``sitrep.report/1.1``).

Offsets are character offsets into ``Document.text`` (the cleaned body), end exclusive, and every
record that carries a span satisfies ``document.text[start:end] == text``. These classes are the
only currency between stages; ``Report.model_json_schema()`` is the public JSON Schema, committed as
``schema/report.schema.json``. Changing a field means bumping ``SCHEMA_VERSION``: the minor number
for an added optional field (readers of the older minor still parse), the major one otherwise.

1.1 added ``Event.arguments``: the spans that name an event's source and target.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "sitrep.report/1.1"
ArgumentRole = Literal["source", "target"]

ActorKind = Literal[
    "state", "government", "military", "armed_group", "person", "organisation", "igo",
    "civilians", "other",
]
PlaceFeature = Literal[
    "country", "admin1", "admin2", "city", "town", "village", "region", "crossing", "road",
    "camp", "site", "other",
]
EventType = Literal[
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
]
Modality = Literal["asserted", "reported", "intended", "hypothetical", "negated", "question"]
#: Only these modalities describe something the text presents as having happened.
FACTUAL_MODALITIES: frozenset[str] = frozenset({"asserted", "reported"})
DatePrecision = Literal["day", "month", "year", "publication", "unknown"]
QuoteKind = Literal["direct", "indirect", "partial", "floating"]
ClaimKind = Literal["statistic", "causal", "comparison", "prediction", "attribution", "other"]


class Record(BaseModel):
    """Base of every record: strict about unknown fields, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")

    def as_dict(self) -> dict:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict):
        return cls.model_validate(data)


class Span(Record):
    """A stretch of ``document.text``: ``text == document.text[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Document(Record):
    id: str = Field(description="sha256 of the normalised body (see document_id)")
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: str | None = Field(default=None, description="ISO 8601 date or date-time")
    source: str | None = Field(default=None, description="publisher or feed name")
    url: str | None = None
    language: str = "en"
    text: str = Field(description="the cleaned body; every offset points into it")
    origin: str | None = Field(
        default=None, description="where the document was read from: a path, path:line or path#row"
    )
    metadata: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="what the reader took out of the body (handles, credits, appeals) and other "
        "source fields",
    )


class Actor(Record):
    id: str = Field(description="registry id, or 'doc:<slug>' for an actor new to the registry")
    name: str
    kind: ActorKind = "other"
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-3")
    sector: str | None = Field(default=None, description="PLOVER sector code, e.g. GOV, MIL, REB")
    role: str | None = None
    wikidata: str | None = None
    linked: bool = Field(default=False, description="true when resolved to the actor registry")
    mentions: list[Span] = Field(default_factory=list)


class Place(Record):
    id: str = Field(description="gazetteer id (e.g. 'geonames:170654'), or 'doc:<slug>' if unresolved")
    name: str
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    admin1: str | None = None
    feature: PlaceFeature = "other"
    geonames_id: int | None = None
    confidence: float = Field(default=0.0, ge=0, le=1)
    mentions: list[Span] = Field(default_factory=list)


class Argument(Span):
    """Who did it (``source``) or to whom (``target``), as the text names them: the span of the
    words, and the actor they were linked to (null when the words name no known actor, e.g.
    "unknown gunmen" or "the residents of the town"). A party of a mutual act ("X and Y agreed",
    "talks between X and Y") is both."""

    role: ArgumentRole
    actor: str | None = Field(default=None, description="actor id, or null")


class Event(Record):
    id: str
    type: EventType
    mode: str | None = None
    source: list[str] = Field(default_factory=list, description="actor ids")
    target: list[str] = Field(default_factory=list, description="actor ids")
    place: str | None = Field(default=None, description="place id")
    date: str | None = None
    date_precision: DatePrecision = "unknown"
    modality: Modality = "asserted"
    attributed_to: str = Field(default="author", description="'author' or an actor id")
    confidence: float = Field(default=0.0, ge=0, le=1)
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    evidence: Span
    arguments: list[Argument] = Field(
        default_factory=list,
        description="the spans naming the source and target (schema 1.1; may be empty)",
    )

    @property
    def happened(self) -> bool:
        return self.modality in FACTUAL_MODALITIES


class Quote(Record):
    id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: QuoteKind = "direct"
    speaker: str | None = Field(default=None, description="actor id")
    speaker_text: str | None = None
    cue: str | None = None


class Claim(Record):
    id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    checkworthiness: float = Field(ge=0, le=1)
    kinds: list[ClaimKind] = Field(default_factory=list)
    attributed_to: str = "author"


class Technique(Record):
    id: str
    technique: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    confidence: float = Field(default=0.0, ge=0, le=1)


class Report(Record):
    """Everything sitrep found in one document, each record tied to its span of the text."""

    schema_: Literal["sitrep.report/1", "sitrep.report/1.1"] = Field(
        default=SCHEMA_VERSION, alias="schema")
    document: Document
    actors: list[Actor] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    rhetoric: list[Technique] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def as_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def spans(self):
        """Yield (where, start, end, text) for every span-bearing record, for checks and tests."""
        for kind, records in (("actor", self.actors), ("place", self.places)):
            for rec in records:
                for m in rec.mentions:
                    yield f"{kind} {rec.id}", m.start, m.end, m.text
        for ev in self.events:
            yield f"event {ev.id}", ev.evidence.start, ev.evidence.end, ev.evidence.text
            for arg in ev.arguments:
                yield f"event {ev.id} {arg.role}", arg.start, arg.end, arg.text
        for rec in (*self.quotes, *self.claims, *self.rhetoric):
            yield f"{type(rec).__name__.lower()} {rec.id}", rec.start, rec.end, rec.text

    def span_errors(self) -> list[str]:
        """Every span whose text is not ``document.text[start:end]``; empty when the report is sound."""
        body = self.document.text
        return [
            f"{where}: [{start}:{end}] is {body[start:end]!r}, record says {text!r}"
            for where, start, end, text in self.spans()
            if body[start:end] != text
        ]


_WS = re.compile(r"\s+")


def normalise_body(text: str) -> str:
    """The form of a body that its id is computed from: NFC, whitespace folded, trimmed."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def document_id(text: str) -> str:
    """sha256 of the normalised body: the same article read from HTML or text gets the same id."""
    return hashlib.sha256(normalise_body(text).encode("utf-8")).hexdigest()


def json_schema() -> dict:
    """The public JSON Schema of a Report, as committed in ``schema/report.schema.json``."""
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_VERSION, **schema}
