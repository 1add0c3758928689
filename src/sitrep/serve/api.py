"""The JSON API: the command line's queries over HTTP, with the same filters, and paging.

Every list is one shape, ``{"offset", "limit", "count", "next_offset", "items": [...]}``;
``next_offset`` is null on the last page. Filters are the ``sitrep events|actors|...`` flags
without their dashes (``near=32.62,36.10,25``, ``type=ASSAULT,COERCE``, ``modality=factual``)
and are parsed by ``Filters``, so a bad one gets the command line's message, as a 422. A query
parameter the route does not know is refused too, rather than silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from sitrep.model import FACTUAL_MODALITIES, EventType, Modality
from sitrep.store import SCHEMA_VERSION, Store
from sitrep.store.export import plain
from sitrep.serve.assets import MAP_FILES

MAX_LIMIT = 5000
DEFAULT_LIMIT = 500


class ApiError(Exception):
    """A request the API refuses: answered as ``{"error": message, "status": status}``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Page(BaseModel):
    """One page of rows."""

    offset: int = Field(description="rows skipped before this page")
    limit: int = Field(description="the most rows a page holds")
    count: int = Field(description="rows in this page")
    next_offset: int | None = Field(description="offset of the next page; null on the last")
    items: list[dict[str, Any]]


def strict_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (``acter=`` is a typo, not a filter)."""
    route = request.scope.get("route")
    if route is None:
        return
    known = getattr(route, "sitrep_query_names", None)
    if known is None:  # worked out once per route, kept on the route itself
        known = route.sitrep_query_names = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ApiError(422, f"unknown parameter {', '.join(map(repr, unknown))}; this route "
                       f"takes {', '.join(sorted(known)) or 'none'}")


def _query_names(dependant) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def get_store(request: Request) -> Iterator[Store]:
    with request.app.state.readers.store() as store:
        yield store


StoreDep = Annotated[Store, Depends(get_store)]
Actor = Annotated[str | None, Query(description="An actor id, or part of a name.")]
Place = Annotated[str | None, Query(
    description="A place id, or part of a place's name or of its province (admin1).")]
Near = Annotated[str | None, Query(description="LAT,LON,KM: within KM kilometres of a point.",
                                   examples=["32.62,36.10,25"])]
Since = Annotated[str | None, Query(description="On or after this date (YYYY-MM-DD).")]
Until = Annotated[str | None, Query(description="On or before this date (YYYY-MM-DD).")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page (at most "
                                                             f"{MAX_LIMIT}).")]
Offset = Annotated[int, Query(ge=0, le=100_000_000, description="Rows to skip.")]
AllVersions = Annotated[bool, Query(
    description="Include texts replaced by a newer version under the same URL.")]


def _type(what: str):
    return Query(alias="type", description=f"{what} (comma-separated).")


EventTypes = Annotated[str | None, _type("PLOVER type, e.g. ASSAULT, or an ACLED event type")]
ActorKinds = Annotated[str | None, _type("Actor kind, e.g. armed_group")]
Features = Annotated[str | None, _type("Place feature, e.g. town, crossing, camp")]
QuoteKinds = Annotated[str | None, _type("Quote kind: direct, indirect, partial, floating")]
ClaimKinds = Annotated[str | None, _type(
    "Claim kind: statistic, causal, comparison, prediction, attribution")]
Modalities = Annotated[str | None, Query(description=(
    "factual, asserted, reported, intended, hypothetical, negated, question (comma-separated); "
    "all when absent."))]

router = APIRouter(prefix="/api", dependencies=[Depends(strict_query)], tags=["store"])
_PAGE = {"model": Page, "description": "One page of rows."}
_ERRORS = {422: {"description": "A filter or parameter is not valid: "
                 '`{"error": "...", "status": 422}`'}}


def page(store: Store, what: str, offset: int, limit: int, **filters) -> Response:
    """Rows ``offset .. offset + limit`` of ``store.<what>(**filters)``, as a Page."""
    frame = getattr(store, what)(limit=offset + limit + 1, **filters)
    more = len(frame) > offset + limit
    frame = frame.iloc[offset:offset + limit]
    items = plain(frame).to_json(orient="records", force_ascii=False, date_format="iso")
    head = json.dumps({"offset": offset, "limit": limit, "count": len(frame),
                       "next_offset": offset + limit if more else None})
    return Response(head[:-1] + ', "items": ' + items + "}", media_type="application/json")


@router.get("/events", responses={200: _PAGE, **_ERRORS}, response_model=None)
def events(store: StoreDep, actor: Actor = None, place: Place = None, near: Near = None,
           type: EventTypes = None, since: Since = None, until: Until = None,
           modality: Modalities = None,
           min_sources: Annotated[int | None, Query(
               ge=1, description="Only events reported by at least this many independent "
               "sources.")] = None,
           grouped: Annotated[bool, Query(
               description="One row per event, not per report, with its sources.")] = False,
           all_versions: AllVersions = False, limit: Limit = DEFAULT_LIMIT,
           offset: Offset = 0) -> Response:
    """Stored events, one row per report (or per event with ``grouped``), oldest first, each
    with its evidence span, its place's coordinates and its corroboration (independent
    sources)."""
    return page(store, "groups" if grouped else "events", offset, limit, actor=actor,
                place=place, near=near, type=type, since=since, until=until, modality=modality,
                min_sources=min_sources, all_versions=all_versions)


@router.get("/actors", responses={200: _PAGE, **_ERRORS}, response_model=None)
def actors(store: StoreDep, actor: Actor = None, place: Place = None, near: Near = None,
           type: ActorKinds = None, since: Since = None, until: Until = None,
           all_versions: AllVersions = False, limit: Limit = DEFAULT_LIMIT,
           offset: Offset = 0) -> Response:
    """Actors with the documents, mentions and events that name them."""
    return page(store, "actors", offset, limit, actor=actor, place=place, near=near, type=type,
                since=since, until=until, all_versions=all_versions)


@router.get("/places", responses={200: _PAGE, **_ERRORS}, response_model=None)
def places(store: StoreDep, actor: Actor = None, place: Place = None, near: Near = None,
           type: Features = None, since: Since = None, until: Until = None,
           all_versions: AllVersions = False, limit: Limit = DEFAULT_LIMIT,
           offset: Offset = 0) -> Response:
    """Places with their coordinates and the documents and events that name them."""
    return page(store, "places", offset, limit, actor=actor, place=place, near=near, type=type,
                since=since, until=until, all_versions=all_versions)


@router.get("/quotes", responses={200: _PAGE, **_ERRORS}, response_model=None)
def quotes(store: StoreDep,
           actor: Annotated[str | None, Query(
               description="The speaker: an actor id or part of a name.")] = None,
           place: Place = None, near: Near = None, type: QuoteKinds = None, since: Since = None,
           until: Until = None, all_versions: AllVersions = False, limit: Limit = DEFAULT_LIMIT,
           offset: Offset = 0) -> Response:
    """Quotes with their speakers and documents."""
    return page(store, "quotes", offset, limit, actor=actor, place=place, near=near, type=type,
                since=since, until=until, all_versions=all_versions)


@router.get("/claims", responses={200: _PAGE, **_ERRORS}, response_model=None)
def claims(store: StoreDep,
           actor: Annotated[str | None, Query(
               description="Whom the claim is attributed to: an actor id or part of a name.")
           ] = None,
           place: Place = None, near: Near = None, type: ClaimKinds = None, since: Since = None,
           until: Until = None, all_versions: AllVersions = False, limit: Limit = DEFAULT_LIMIT,
           offset: Offset = 0) -> Response:
    """Claims to check, with whom they are attributed to and their documents."""
    return page(store, "claims", offset, limit, actor=actor, place=place, near=near, type=type,
                since=since, until=until, all_versions=all_versions)


@router.get("/documents/{document_id}", response_model=None, responses={
    200: {"description": "The Report (schema sitrep.report/1.x): the document with its text, "
          "and every actor, place, event, quote, claim and technique found in it."},
    404: {"description": 'No such document: `{"error": "...", "status": 404}`'}})
def document(store: StoreDep, document_id: str) -> Response:
    """One stored document and everything found in it, each record with its span."""
    report = store.report(document_id)
    if report is None:
        shown = document_id if len(document_id) <= 80 else document_id[:77] + "..."
        raise ApiError(404, f"no document {shown!r} in this database")
    return Response(report.model_dump_json(by_alias=True), media_type="application/json")


@router.get("/meta")
def meta(request: Request, store: StoreDep) -> dict[str, Any]:
    """What the database holds, the vocabularies the filters take, and whether the map's
    libraries are installed."""
    vendor = request.app.state.vendor
    return {
        "database": Path(store.path).name,
        "store_schema": SCHEMA_VERSION,
        "counts": store.counts(),
        "event_types": list(get_args(EventType)),
        "modalities": list(get_args(Modality)),
        "factual_modalities": sorted(FACTUAL_MODALITIES),
        "max_limit": MAX_LIMIT,
        "map": all(name in vendor for name in MAP_FILES),
    }


_FLAG = re.compile(r"--([a-z][a-z-]*)")


def api_message(message: str) -> str:
    """A Filters message as the API names things: ``--near`` is the parameter ``near``."""
    return _FLAG.sub(lambda m: m.group(1).replace("-", "_"), message)
