"""``sitrep serve``: the JSON API, its errors, the files it will and will not send, its headers,
the command, and a small run of the load test.

The store is built from model objects (no spaCy), with one hostile document whose every string
carries HTML; the browser tests (test_browser.py) check that the page renders it inert.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import sys
import warnings

import duckdb
import pytest

from sitrep.model import Actor, Claim, Document, Event, Place, Quote, Report, Span, document_id
from sitrep.store import Store

from .conftest import ROOT

with warnings.catch_warnings():  # starlette's note about httpx2 is not ours to act on
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from sitrep.serve import create_app  # noqa: E402
from sitrep.serve.api import MAX_LIMIT  # noqa: E402

BASE = "http://127.0.0.1"  # the app answers to loopback names only


def load_bench():
    """bench/serve_load.py as a module (bench/ is a folder of scripts, not a package)."""
    if "serve_load" not in sys.modules:
        path = ROOT / "bench" / "serve_load.py"
        spec = importlib.util.spec_from_file_location("serve_load", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["serve_load"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["serve_load"]


# -- a hostile document -----------------------------------------------------------------------

PWN = 'window.__pwned=1'
HOSTILE_TITLE = f'<script>{PWN}</script><img src=x onerror="{PWN}">Shelling in Misrata'
HOSTILE_EVIDENCE = ("Gunmen of the <b>Hostile Front</b> shelled the port of Misrata on "
                    "2 April, residents said.")
HOSTILE_QUOTE = f"We did it <script>{PWN}</script>"


def hostile_report() -> Report:
    """A document whose title, text, names, quote, claim, outlet and URL all carry HTML, with a
    non-BMP character before its spans (JavaScript counts it twice, Python once)."""
    text = (f'<img src=x onerror="{PWN}"> \U0001F600 {HOSTILE_EVIDENCE} '
            f'<script>{PWN}</script> "{HOSTILE_QUOTE}," said Abu <i>Test</i>. '
            f'They may <img src=x onerror="{PWN}"> strike Benghazi next week. '
            f'At least 12 <img src=x onerror="{PWN}"> people were killed.')

    def span(part: str) -> Span:
        start = text.index(part)
        return Span(start=start, end=start + len(part), text=part)

    quote, claim = span(HOSTILE_QUOTE), span(f'At least 12 <img src=x onerror="{PWN}"> people '
                                              "were killed.")
    doc = Document(id=document_id(text), text=text, title=HOSTILE_TITLE, published="2026-04-02",
                   source=f"<svg onload={PWN}>Wire", url=f"javascript:{PWN}",
                   authors=[f"<img src=x onerror={PWN}>"], origin="test:hostile")
    front = Actor(id="doc:hostile-front", name=f"<b onmouseover={PWN}>Hostile Front</b>",
                  kind="armed_group", mentions=[span("<b>Hostile Front</b>")])
    misrata = Place(id="test:misrata", name=f'<img src=x onerror="{PWN}">Misrata', lat=32.3754,
                    lon=15.0925, country="LY", admin1="Misrata", feature="city", confidence=0.9,
                    mentions=[span("Misrata")])
    benghazi = Place(id="test:benghazi", name="Benghazi", lat=32.1167, lon=20.0667, country="LY",
                     admin1="Benghazi", feature="city", confidence=0.9,
                     mentions=[span("Benghazi")])
    return Report(
        document=doc, actors=[front], places=[misrata, benghazi],
        events=[
            Event(id="e1", type="ASSAULT", mode="shelling", source=[front.id], place=misrata.id,
                  date="2026-04-02", date_precision="day", modality="reported",
                  confidence=0.8, evidence=span(HOSTILE_EVIDENCE)),
            Event(id="e2", type="ASSAULT", source=[front.id], place=benghazi.id,
                  date="2026-04-09", date_precision="day", modality="hypothetical",
                  confidence=0.5, evidence=span(f'They may <img src=x onerror="{PWN}"> strike '
                                                "Benghazi next week.")),
        ],
        quotes=[Quote(id="q1", text=quote.text, start=quote.start, end=quote.end, kind="direct",
                      speaker=front.id, speaker_text="Abu <i>Test</i>", cue="said")],
        claims=[Claim(id="c1", text=claim.text, start=claim.start, end=claim.end,
                      checkworthiness=0.9, kinds=["statistic"], attributed_to="author")],
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "serve.duckdb"
    bench = load_bench()
    with Store(path) as store:
        store.add(list(bench.synthetic_reports(40)) + [hostile_report()])
    return path


@pytest.fixture(scope="module")
def client(db):
    app = create_app(db)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.text)
    assert response.headers["content-type"].startswith("application/json"), url
    return response.json()


# -- the API ----------------------------------------------------------------------------------


def test_events_carry_what_the_map_needs(client):
    page = get(client, "/api/events?limit=5000")
    assert page["next_offset"] is None and page["count"] == len(page["items"]) > 80
    row = next(e for e in page["items"] if e["document_id"] == hostile_report().document.id
               and e["event_id"] == "e1")
    assert row["evidence"] == HOSTILE_EVIDENCE
    assert (row["lat"], row["lon"], row["date"], row["type"]) == (32.3754, 15.0925, "2026-04-02",
                                                                   "ASSAULT")
    assert row["corroboration"] == 1 and row["source"].startswith("<b onmouseover")


def test_the_filters_mean_what_they_mean_on_the_command_line(client, db):
    with Store(db, read_only=True) as store:
        for query, filters in [
            ("type=ASSAULT", dict(type="ASSAULT")),
            ("modality=factual", dict(modality="factual")),
            ("modality=asserted,reported&type=ASSAULT,COERCE",
             dict(modality="asserted,reported", type="ASSAULT,COERCE")),
            ("actor=Rapid", dict(actor="Rapid")),
            ("near=32.62,36.10,25", dict(near="32.62,36.10,25")),
            ("since=2024-06-01&until=2024-12-31", dict(since="2024-06-01", until="2024-12-31")),
            ("place=Daraa", dict(place="Daraa")),
        ]:
            expected = store.events(**filters)["event_uid"].tolist()
            got = [e["event_uid"] for e in get(client, f"/api/events?{query}&limit=5000")["items"]]
            assert got == expected and got, query
        assert (len(get(client, "/api/events?grouped=true&limit=5000")["items"])
                == len(store.groups()))
        assert ([a["id"] for a in get(client, "/api/actors?type=armed_group")["items"]]
                == store.actors(type="armed_group")["id"].tolist())
        assert ([p["id"] for p in get(client, "/api/places?near=32.6,36.1,30")["items"]]
                == store.places(near="32.6,36.1,30")["id"].tolist())
        assert (len(get(client, "/api/quotes?actor=Hostile")["items"])
                == len(store.quotes(actor="Hostile")) == 1)
        assert (len(get(client, "/api/claims?type=statistic&since=2026-01-01")["items"])
                == len(store.claims(type="statistic", since="2026-01-01")) == 1)


def test_paging_walks_every_row_once(client):
    everything = [e["event_uid"] for e in get(client, "/api/events?limit=5000")["items"]]
    seen, offset, pages = [], 0, 0
    while offset is not None:
        page = get(client, f"/api/events?limit=17&offset={offset}")
        assert page["limit"] == 17 and page["offset"] == offset and page["count"] <= 17
        seen += [e["event_uid"] for e in page["items"]]
        offset, pages = page["next_offset"], pages + 1
    assert seen == everything and pages == -(-len(everything) // 17)
    assert get(client, f"/api/events?offset={len(everything)}")["items"] == []


def test_a_document_is_its_report(client):
    report = hostile_report()
    body = get(client, f"/api/documents/{report.document.id}")
    assert body["document"]["title"] == HOSTILE_TITLE  # JSON carries the text as it is
    assert body["document"]["text"] == report.document.text
    assert Report.model_validate(body).span_errors() == []
    assert [q["text"] for q in body["quotes"]] == [HOSTILE_QUOTE]


@pytest.mark.parametrize("url, status, says", [
    ("/api/documents/0123abc", 404, "no document '0123abc'"),
    ("/api/nothing", 404, "nothing at /api/nothing"),
    ("/nothing.html", 404, "nothing at /nothing.html"),
    ("/api/events?near=abc", 422, "near 'abc': expected LAT,LON,KM"),
    ("/api/events?near=95,10,5", 422, "latitude -90..90"),
    ("/api/events?since=2024-13-01", 422, "since '2024-13-01': expected a date as YYYY-MM-DD"),
    ("/api/events?since=2025-01-01&until=2024-01-01", 422, "since 2025-01-01 is after until"),
    ("/api/events?type=EXPLODE", 422, "type 'EXPLODE': an event type is one of AGREE"),
    ("/api/events?modality=maybe", 422, "modality 'maybe': one of factual"),
    ("/api/events?acter=Rapid", 422, "unknown parameter 'acter'"),
    ("/api/places?modality=factual", 422, "unknown parameter 'modality'"),
    ("/api/actors?type=wizard", 422, "type 'wizard': an actor kind is one of"),
    ("/api/events?limit=abc", 422, "limit: Input should be a valid integer"),
    (f"/api/events?limit={MAX_LIMIT + 1}", 422, f"limit: Input should be less than or equal to "
                                                f"{MAX_LIMIT}"),
    ("/api/events?offset=-1", 422, "offset: Input should be greater than or equal to 0"),
])
def test_errors_are_one_json_line_with_a_status(client, url, status, says):
    body = get(client, url, status)
    assert body == {"error": body["error"], "status": status}
    assert says in body["error"] and "Traceback" not in body["error"]


def test_only_get_is_allowed(client):
    response = client.post("/api/events")
    assert response.status_code == 405
    assert response.json() == {"error": "POST is not allowed on /api/events", "status": 405}


def test_an_internal_error_is_json_without_a_traceback(db, monkeypatch):
    from sitrep.store import Store as StoreClass

    def broken(self, **filters):
        raise RuntimeError("secret detail /home/analyst/notes.txt")

    app = create_app(db)
    monkeypatch.setattr(StoreClass, "places", broken)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        response = c.get("/api/places")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error (the server's log has the details)",
                               "status": 500}
    assert "secret" not in response.text and "content-security-policy" in response.headers


def test_meta_says_what_the_database_holds(client):
    meta = get(client, "/api/meta")
    assert meta["counts"]["documents"] == 41 and meta["max_limit"] == MAX_LIMIT
    assert "ASSAULT" in meta["event_types"] and meta["factual_modalities"] == ["asserted",
                                                                               "reported"]
    assert meta["database"] == "serve.duckdb"  # the file's name, not where it lives


def test_the_database_is_opened_read_only(client):
    readers = client.app.state.readers
    with readers.store() as store, pytest.raises(duckdb.Error, match="read-only"):
        store.con.execute("CREATE TABLE intruder (i INTEGER)")


def test_requests_in_parallel_each_get_their_own_connection(client):
    from concurrent.futures import ThreadPoolExecutor

    urls = ["/api/events?limit=5000", "/api/places", "/api/actors", "/api/quotes",
            "/api/claims", "/api/events?grouped=true"] * 8
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda u: client.get(u).status_code, urls))
    assert statuses == [200] * len(urls)


def test_answers_are_cached_by_url_and_errors_are_not(db):
    from sitrep.serve.app import ResponseCache

    app = create_app(db, cache_bytes=2**20)
    with TestClient(app, base_url=BASE) as c:
        cache = next(m for m in _middleware(app) if isinstance(m, ResponseCache))
        first = c.get("/api/events?type=ASSAULT")
        again = c.get("/api/events?type=ASSAULT")
        assert (cache.misses, cache.hits) == (1, 1)
        assert again.content == first.content
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
        c.get("/api/events?type=ASSAULT", headers={"accept-encoding": "identity"})
        assert cache.misses == 2  # gzip or not is part of the key
        for _ in range(2):
            assert c.get("/api/events?near=abc").status_code == 422
        assert len(cache.entries) == 2 and cache.size <= 2**20
        big = len(c.get("/api/events?limit=5000").content)
        assert cache.size <= 2**20 and big > 1000


def _middleware(app):
    """The ASGI middleware objects of a started app, outermost first."""
    node = app.middleware_stack
    while node is not None:
        yield node
        node = getattr(node, "app", None)


# -- files, headers, hosts --------------------------------------------------------------------


def test_the_page_and_its_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<script src="/static/app.js">' in html and "<script>" not in html  # no inline script
    for name in ("app.js", "style.css", "docs.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200, name
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("style-src")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    api = client.get("/api/events?limit=1")
    assert api.headers["content-security-policy"] == csp


def test_docs_and_openapi_are_served_from_here(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text and "<script>" not in docs.text
    assert "http" not in docs.text.split("<body>")[0]  # no CDN
    spec = client.get("/openapi.json").json()
    assert {"/api/events", "/api/places", "/api/actors", "/api/quotes", "/api/claims",
            "/api/documents/{document_id}", "/api/meta"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert names >= {"actor", "place", "near", "type", "since", "until", "modality", "limit",
                     "offset"}


def test_a_foreign_host_header_is_refused(client):
    response = client.get("/api/meta", headers={"host": "attacker.example:8000"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("unexpected Host header 'attacker.example'")
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert client.get("/api/meta", headers={"host": host}).status_code == 200, host


def raw_get(app, path: bytes) -> tuple[int, bytes]:
    """Call the ASGI app with ``path`` exactly as a client sent it (HTTP clients would tidy
    ``..`` away), decoded as uvicorn decodes it."""
    from urllib.parse import unquote_to_bytes

    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": unquote_to_bytes(path).decode("latin-1"),
             "raw_path": path, "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return messages[0]["status"], body


@pytest.mark.parametrize("path", [
    b"/static/../../etc/passwd",
    b"/static/..%2f..%2fetc%2fpasswd",
    b"/static/%2e%2e/%2e%2e/etc/passwd",
    b"/static/../app.py",
    b"/static/..%2fapp.py",
    b"/vendor/%2e%2e/%2e%2e/etc/passwd",
    b"/vendor/../package.json",
    b"/vendor/leaflet/../../package.json",
    b"/vendor/%2e%2e/package.json",
    b"/vendor//etc/passwd",
    b"/vendor/leaflet/leaflet-src.js",  # in node_modules, but not on the list
    b"/vendor/world-atlas/package.json",
    b"/static/.hidden",
    b"/static//etc/passwd",
])
def test_no_path_outside_the_whitelist_is_served(db, path):
    app = create_app(db)
    status, body = raw_get(app, path)
    assert status == 404, path
    assert json.loads(body)["status"] == 404
    assert b"root:" not in body


def test_vendored_libraries_are_served_when_installed(client):
    if not client.app.state.vendor:
        pytest.skip("web/node_modules is not installed (make web)")
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css",
                 "topojson-client/topojson-client.min.js", "world-atlas/countries-50m.json"):
        response = client.get(f"/vendor/{name}")
        assert response.status_code == 200, name
        assert "max-age" in response.headers["cache-control"]
    atlas = client.get("/vendor/world-atlas/countries-50m.json", headers={"accept-encoding": "gzip"})
    assert atlas.headers.get("content-encoding") == "gzip"
    assert atlas.json()["objects"]["countries"]["type"] == "GeometryCollection"
    assert get(client, "/api/meta")["map"] is True


def test_without_node_modules_the_page_still_loads(db, tmp_path):
    app = create_app(db, node_modules=tmp_path / "missing")
    with TestClient(app, base_url=BASE) as c:
        assert c.get("/").status_code == 200
        assert c.get("/static/app.js").status_code == 200
        missing = c.get("/vendor/leaflet/leaflet.js")
        assert missing.status_code == 404 and missing.json()["status"] == 404
        assert get(c, "/api/meta")["map"] is False
    assert "The map's libraries are not installed" in (
        ROOT / "src/sitrep/serve/static/app.js").read_text(encoding="utf-8")


# -- the command and the load test ------------------------------------------------------------


@pytest.mark.parametrize("first", ["sitrep.cli", "sitrep.cli_store", "sitrep.cli_serve"])
def test_serve_is_registered_whichever_module_is_imported_first(first):
    import subprocess

    code = f"import {first}, sitrep.cli as c; c.main()"
    result = subprocess.run([sys.executable, "-c", code, "serve", "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "sitrep serve --db sitrep.duckdb" in result.stdout and "--cache-mb" in result.stdout


def test_serve_refuses_a_missing_database_in_one_line(run_cli, tmp_path):
    result = run_cli("serve", "--db", str(tmp_path / "none.duckdb"), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("no such database (create it with `sitrep ingest`)")
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_port_in_use_in_one_line(run_cli, db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--db", str(db), "--port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_under_load_answers_every_request(tmp_path):
    """The load test, small: the real `sitrep serve` in a subprocess, 300 requests 25 at a time
    on loopback. Zero errors; the times are the benchmark's business, not the test's."""
    bench = load_bench()
    path = tmp_path / "load.duckdb"
    ids = bench.build_store(path, 60)
    with bench.server(path) as base:
        result = bench.load(base, bench.request_mix(ids, 300), 25)
        # and, over a real socket, a path with dots goes nowhere
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as s:
            s.sendall(b"GET /static/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Connection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
    assert result.errors == []
    assert len(result.latencies) == 300 and result.statuses == {200: 300}
    assert answer.startswith(b"HTTP/1.1 404") and b'"status":404' in answer
