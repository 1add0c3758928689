"""The ASGI app: ``create_app(db)`` builds it from a database file, as datasette builds its app
from configuration; nothing is global, so two apps over two files can share a process.

What it guarantees, whatever a request or an article contains:

- the database is opened read-only, once, and read through ``Store`` (see ``readers.py``);
- only whitelisted files are served (``assets.py``): no path is ever joined to a folder;
- every error is JSON, ``{"error": message, "status": code}``, never a traceback;
- every response carries a Content-Security-Policy that allows scripts, styles and data from
  this server only, and no inline script: an article's ``<script>`` could not run even if it were
  ever parsed as HTML (the page renders article strings as text nodes, so it is not);
- when bound to loopback, requests naming another Host are refused (DNS rebinding).

API answers are cached by URL (``ResponseCache``): while the server holds the file open, even
read-only, DuckDB's lock keeps every writer out, so the same question always has the same answer.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware

from sitrep import __version__
from sitrep.serve import api
from sitrep.serve.assets import find_node_modules, static_table, vendor_table
from sitrep.serve.readers import Readers
from sitrep.store import StoreError

#: The page's policy: everything from this server, no inline script, no plugins, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
# Swagger UI sets style attributes in the markup it renders; its scripts stay 'self' only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_FIND = object()

DESCRIPTION = """\
The sitrep store, read-only: events, actors, places, quotes and claims found in conflict
reporting, each with the span of text it came from.

Filters are those of `sitrep events|actors|places|quotes|claims`, without the dashes:
`actor`, `place`, `near` (LAT,LON,KM), `type`, `since`, `until` (YYYY-MM-DD), `modality`
(events). Lists are paged with `limit` and `offset`; follow `next_offset` until it is null.
Errors are `{"error": message, "status": code}`.
"""


def create_app(db: str | os.PathLike, *, node_modules=_FIND, wait: float = 30.0,
               hosts: Iterable[str] | None = LOOPBACK_HOSTS,
               cache_bytes: int = 64 * 2**20, threads: int | None = None) -> FastAPI:
    """The app over the database file ``db``, opened read-only now (a missing file raises
    StoreError here, not at the first request).

    ``node_modules``: where the browser libraries are (default: ``web/node_modules`` of the
    repository); None serves none, and the page says how to install them. ``hosts``: the Host
    header values accepted (default loopback names); None accepts any. ``cache_bytes``: memory
    for cached API answers (0: none). ``threads``: requests served at once (default 4 per CPU,
    at least 4, at most 32).
    """
    readers = Readers(db, wait=wait)
    threads = threads or min(32, max(4, 4 * (os.cpu_count() or 1)))
    if node_modules is _FIND:
        node_modules = find_node_modules()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Requests run in threads, and the work there (pandas) mostly holds the GIL: 40 threads
        # (anyio's default) on a few CPUs only starve the event loop, which then answers late
        # and can close a keep-alive connection a request is already on its way to.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = threads
        yield
        readers.close()

    app = FastAPI(title="sitrep", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.readers = readers
    app.state.vendor = vendor_table(node_modules)
    app.state.static = static_table()
    app.include_router(api.router)
    _add_pages(app)
    _add_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    if cache_bytes > 0:
        app.add_middleware(ResponseCache, max_bytes=cache_bytes)
    app.add_middleware(Guard, hosts=hosts)
    return app


def _add_pages(app: FastAPI) -> None:
    static: dict[str, Path] = app.state.static
    vendor: dict[str, Path] = app.state.vendor

    def send(table: dict[str, Path], name: str, cache: str, headers: dict | None = None):
        path = table.get(name)
        if path is None:
            raise HTTPException(404)
        return FileResponse(path, headers={"cache-control": cache, **(headers or {})})

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index():
        return send(static, "index.html", "no-cache")

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def docs():
        return send(static, "docs.html", "no-cache", {"content-security-policy": DOCS_CSP})

    @app.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def static_file(name: str):
        return send(static, name, "no-cache")

    @app.api_route("/vendor/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def vendor_file(name: str):
        return send(vendor, name, "public, max-age=86400")


def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status,
                        headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 404:
            message = f"nothing at {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = []
        for item in exc.errors():
            where = ".".join(str(part) for part in item.get("loc", ())[1:]) or "request"
            problems.append(f"{where}: {item.get('msg', 'not valid')}")
        return error(422, "; ".join(problems) or "the request is not valid")

    @app.exception_handler(StoreError)
    async def bad_filter(request: Request, exc: StoreError):
        return error(422, api.api_message(str(exc)))

    @app.exception_handler(api.ApiError)
    async def refused(request: Request, exc: api.ApiError):
        return error(exc.status, exc.message)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        # The traceback goes to the server's log (uvicorn prints it), never to the client.
        return error(500, "internal error (the server's log has the details)",
                     dict(SECURITY_HEADERS))


class Guard:
    """ASGI middleware: refuse unexpected Host headers, add the security headers."""

    def __init__(self, app, hosts: Iterable[str] | None):
        self.app = app
        self.hosts = None if hosts is None else {h.lower().strip("[]") for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None:
            host = _hostname(Headers(scope=scope).get("host", ""))
            if host not in self.hosts:
                body = json.dumps({"error": f"unexpected Host header {host!r}; this server "
                                   "answers to " + ", ".join(sorted(self.hosts)),
                                   "status": 400}).encode()
                headers = [(b"content-type", b"application/json"),
                           (b"content-length", str(len(body)).encode())]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


def _hostname(host: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class ResponseCache:
    """ASGI middleware: keep successful ``GET /api/...`` answers, least recently used first out,
    within ``max_bytes``; keyed by path, query and whether the client takes gzip (it sits outside
    the gzip middleware, so a hit costs neither a query nor a compression). Runs on the event
    loop's thread only, so it needs no lock."""

    def __init__(self, app, max_bytes: int, max_entry: int = 8 * 2**20):
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self.entries: OrderedDict[tuple, tuple[dict, bytes]] = OrderedDict()
        self.size = 0
        self.hits = self.misses = 0

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not scope["path"].startswith("/api/")):
            await self.app(scope, receive, send)
            return
        gzip = "gzip" in Headers(scope=scope).get("accept-encoding", "")
        key = (scope["path"], scope.get("query_string", b""), gzip)
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            self.entries.move_to_end(key)
            start, body = found
            await send({**start, "headers": list(start["headers"])})  # the caller may add some
            await send({"type": "http.response.body", "body": body})
            return
        self.misses += 1
        start: dict = {}
        chunks: list[bytes] = []
        keep = True

        async def capture(message):
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message["status"] == 200
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > self.max_entry:
                    keep = False
                    chunks.clear()
                elif not message.get("more_body", False):
                    self._keep(key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple, start: dict, body: bytes) -> None:
        start = {"type": "http.response.start", "status": start["status"],
                 "headers": list(start.get("headers", []))}
        if key in self.entries:  # two first requests for one URL, answered one after the other
            self.size -= len(self.entries.pop(key)[1])
        self.entries[key] = (start, body)
        self.size += len(body)
        while self.size > self.max_bytes and self.entries:
            _, (_, old) = self.entries.popitem(last=False)
            self.size -= len(old)
