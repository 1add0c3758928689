"""The map page in a real browser: Playwright driving Debian's chromium, with the network cut off.

The store holds the bundled examples, ingested through the real pipeline, and the hostile
document of test_serve.py (HTML in every string). Every request the page makes to anything but
127.0.0.1 is aborted and recorded, and the browser resolves no other host name, so "works
offline" is tested, not assumed. Screenshots are written to test-artifacts/ (git-ignored).

Needs /usr/bin/chromium (``make browser`` installs it) and web/node_modules (``make web``);
without them the tests skip and say so. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from sitrep.store import Store

from .conftest import EXAMPLES, ROOT
from .test_serve import HOSTILE_EVIDENCE, HOSTILE_QUOTE, HOSTILE_TITLE, hostile_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # no name but loopback resolves: a request that escaped the route below would fail too
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ARTIFACTS = ROOT / "test-artifacts"
FACTUAL = "modality=asserted,reported"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def playwright_browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not (ROOT / CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (`make browser` installs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def db(tmp_path_factory, pipeline):
    from sitrep.read import read_all

    path = tmp_path_factory.mktemp("browser") / "examples.duckdb"
    with Store(path) as store:
        done = store.ingest(read_all([str(EXAMPLES)]), pipeline.analyze_many)
        assert (done.new, done.failed) == (5, [])
        store.add([hostile_report()])
    return path


class Server:
    """The app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, db, **options):
        import uvicorn

        from sitrep.serve import create_app

        self.app = create_app(db, **options)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.listener.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.listener]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.listener.close()

    def api(self, path: str) -> list[dict] | dict:
        body = httpx.get(self.base + path, timeout=30).json()
        return body["items"] if "items" in body else body


@pytest.fixture(scope="module")
def server(db):
    with Server(db) as running:
        if not running.app.state.vendor:
            pytest.skip("web/node_modules is not installed (`make web` runs npm ci)")
        yield running


@pytest.fixture
def open_page(playwright_browser, request):
    """``open_page(base, width, height)``: a page with every non-loopback request aborted; on
    teardown, asserts the page asked for nothing outside and logged no error."""
    contexts, outside, problems = [], [], []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    def make(base: str, width: int = 1280, height: int = 800, *, ready: bool = True):
        context = playwright_browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(base + "/")
        if ready:
            page.wait_for_selector("body[data-ready]", timeout=30000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert outside == [], f"the page asked the network for {outside}"
    if not request.node.get_closest_marker("allow_console_errors"):
        assert problems == [], problems


def shown(page) -> int:
    return int(page.locator("#count").get_attribute("data-shown"))


def hostile_uid(server, event_id: str = "e1") -> str:
    document = hostile_report().document.id
    rows = server.api(f"/api/events?limit=5000&{FACTUAL if event_id == 'e1' else ''}")
    return next(e["event_uid"] for e in rows
                if e["document_id"] == document and e["event_id"] == event_id)


def test_the_page_draws_the_corpus_with_no_network(server, open_page):
    page = open_page(server.base)
    page.wait_for_selector("body[data-atlas=drawn]", timeout=30000)
    assert page.locator("path.country").count() > 200  # Natural Earth 1:50m: 241 countries
    factual = server.api(f"/api/events?{FACTUAL}&limit=5000")
    mapped = [e for e in factual if e["lat"] is not None]
    assert shown(page) == len(factual) and len(mapped) >= 5
    assert int(page.locator("#count").get_attribute("data-mapped")) == len(mapped)
    singles = page.locator(".marker[data-event]").count()
    clustered = sum(int(n) for n in page.locator(".marker[data-cluster]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.cluster)"))
    assert singles + clustered == len(mapped)
    assert page.locator(".legend summary").inner_text() == "Legend"
    assert page.locator("#f-type option").count() == 17  # all types + PLOVER's 16
    assert page.locator("#event-list li").count() == len(factual)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-1280x800.png"))


def test_the_timeline_brush_changes_what_is_shown(server, open_page):
    page = open_page(server.base)
    everything = shown(page)
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.45, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, y, steps=5)
    page.mouse.move(box["x"] + box["width"] - 2, y, steps=5)
    page.mouse.up()
    expect(page.locator("#count")).not_to_have_attribute("data-shown", str(everything))
    since, until = page.input_value("#t-from"), page.input_value("#t-until")
    inside = [e for e in server.api(f"/api/events?{FACTUAL}&limit=5000")
              if e["date"] and since <= e["date"] <= until]
    assert 0 < shown(page) == len(inside) < everything
    assert page.locator("#timeline .brush").count() == 1
    assert f"{since} to {until}" in page.locator("#count").inner_text()
    assert page.locator("#event-list li").count() == len(inside)

    page.click("#t-clear")
    assert shown(page) == everything and page.input_value("#t-from") == ""
    # and with the keyboard: an arrow selects a period, Escape gives every date back
    page.focus("#timeline")
    page.keyboard.press("ArrowLeft")
    assert shown(page) < everything and page.input_value("#t-until")
    page.keyboard.press("Shift+ArrowLeft")  # cannot shrink below one period
    page.keyboard.press("Escape")
    assert shown(page) == everything


def test_a_point_opens_its_document_with_the_span_marked_and_nothing_runs(server, open_page):
    page = open_page(server.base)
    uid = hostile_uid(server)
    marker = page.locator(f'.marker[data-event="{uid}"]')
    marker.click()
    mark = page.locator("#doc-text mark")
    mark.wait_for()
    # The title and the text are the article's characters, tags and all, shown as text.
    assert page.locator("#doc-title").text_content() == HOSTILE_TITLE
    assert mark.text_content() == HOSTILE_EVIDENCE  # offsets survive the emoji before the span
    assert "\U0001F600" in page.locator("#doc-text").text_content()
    assert mark.is_visible()
    panel, spot = page.locator("#doc-text").bounding_box(), mark.bounding_box()
    assert panel["y"] <= spot["y"] and spot["y"] + spot["height"] <= panel["y"] + panel["height"]
    quotes = page.locator("#doc-quotes li").all_text_contents()
    assert any(HOSTILE_QUOTE in q and "<b onmouseover=" in q for q in quotes)
    assert "people were killed" in page.locator("#doc-claims").text_content()
    assert "<svg onload=" in page.locator("#doc-meta").text_content()
    # nothing was parsed as markup, ran, or became a javascript: link
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for tag in ("script", "img", "b", "i", "svg", "iframe"):
        assert page.locator(f"#panel {tag}").count() == 0, tag
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<img src=x" in (marker.get_attribute("aria-label") or "")

    page.keyboard.press("Escape")
    assert page.locator("#doc-view").is_hidden() and page.locator("#list-view").is_visible()
    assert page.evaluate("document.activeElement.dataset.event") == uid  # focus came back
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_an_example_event_opens_with_its_evidence(server, open_page):
    page = open_page(server.base)
    hostile = hostile_report().document.id
    event = next(e for e in server.api(f"/api/events?{FACTUAL}&limit=5000")
                 if e["document_id"] != hostile and e["lat"] is not None)
    page.click(f'#event-list button[data-event="{event["event_uid"]}"]')
    page.locator("#doc-text mark").wait_for()
    assert page.locator("#doc-text mark").text_content() == event["evidence"]
    assert page.locator("#doc-title").text_content() == event["title"]
    report = server.api(f"/api/documents/{event['document_id']}")
    assert page.locator("#doc-quotes li").count() == max(1, len(report["quotes"]))
    assert page.locator("#doc-claims li").count() == max(1, len(report["claims"]))
    # a quote's button marks the quote in the text
    if report["quotes"]:
        page.locator("#doc-quotes .span-link").first.click()
        quote = report["quotes"][0]
        assert page.locator("#doc-text mark").text_content() == quote["text"]


def test_everything_is_reachable_with_the_keyboard(server, open_page):
    page = open_page(server.base)
    page.wait_for_selector("body[data-atlas=drawn]")
    reached, order = set(), []
    for _ in range(80):
        page.keyboard.press("Tab")
        order.append(page.evaluate("""() => {
            const a = document.activeElement;
            if (a.id) return '#' + a.id;
            if (a.classList.contains('event-item')) return 'event-item';
            if (a.dataset.event) return 'marker';
            if (a.dataset.cluster) return 'cluster';
            return a.tagName.toLowerCase();
        }"""))
        reached.add(order[-1])
    assert {"#f-actor", "#f-type", "#f-modality", "#map", "marker", "#t-from", "#t-until",
            "#t-clear", "#timeline", "event-item"} <= reached, " ".join(order)
    # a marker opens on Enter, and Escape closes
    uid = hostile_uid(server)
    page.focus(f'.marker[data-event="{uid}"]')
    page.keyboard.press("Enter")
    page.locator("#doc-text mark").wait_for()
    assert page.evaluate("document.activeElement.id") == "doc-title"
    page.keyboard.press("Escape")
    assert page.locator("#doc-view").is_hidden()


def test_filters_reload_the_events(server, open_page):
    page = open_page(server.base)
    factual = shown(page)
    every = server.api("/api/events?modality=asserted,reported,intended,hypothetical&limit=5000")
    page.check("#f-modality")  # intended and hypothetical events, one click away
    expect(page.locator("#count")).to_have_attribute("data-shown", str(len(every)))
    assert len(every) > factual
    assert page.locator(".marker.not-factual").count() >= 1  # the hypothetical strike
    page.uncheck("#f-modality")
    expect(page.locator("#count")).to_have_attribute("data-shown", str(factual))

    assaults = server.api(f"/api/events?type=ASSAULT&{FACTUAL}&limit=5000")
    page.select_option("#f-type", "ASSAULT")
    expect(page.locator("#count")).to_have_attribute("data-shown", str(len(assaults)))
    assert set(page.locator(".marker[data-type]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.type)")) == {"ASSAULT"}
    page.select_option("#f-type", "")

    front = server.api(f"/api/events?actor=Hostile&{FACTUAL}&limit=5000")
    page.fill("#f-actor", "Hostile")
    page.press("#f-actor", "Enter")
    expect(page.locator("#count")).to_have_attribute("data-shown", str(len(front)))
    assert len(front) == 1


def test_a_phone_width_window_puts_the_panel_below_the_map(server, open_page):
    page = open_page(server.base, 390, 844)
    page.wait_for_selector("body[data-atlas=drawn]")
    map_box = page.locator("#map").bounding_box()
    panel_box = page.locator("#panel").bounding_box()
    assert panel_box["y"] >= map_box["y"] + map_box["height"]
    assert map_box["width"] <= 390 and panel_box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-390x844.png"), full_page=True)


@pytest.mark.allow_console_errors  # the missing libraries' 404s are logged by the browser
def test_without_the_libraries_the_page_says_why_and_still_works(db, open_page):
    with Server(db, node_modules=None) as bare:
        page = open_page(bare.base)
        assert page.locator("body").get_attribute("data-map") == "missing"
        assert "make web" in page.locator(".map-missing").inner_text()
        assert shown(page) > 0
        page.locator("#event-list button").first.click()
        page.locator("#doc-text mark").wait_for()


def test_the_api_docs_render_offline(server, open_page):
    page = open_page(server.base, ready=False)
    page.goto(server.base + "/docs")
    page.locator(".opblock-summary-path", has_text="/api/events").first.wait_for(timeout=30000)
    assert page.locator(".opblock").count() >= 7
