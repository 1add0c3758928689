"""``sitrep serve``: the map page and the JSON API over a database, read-only, on this machine.

Importing this module registers the verb on ``app``; the web stack (FastAPI, uvicorn) is imported
only when the verb runs, so the other verbs start as fast as before.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer

from .cli import app, err, warn
from .errors import SitrepError

# Not cli_store's aliases: cli.py imports this module at its end, and when cli_store is the first
# module imported (it imports cli), it is still half-initialised at that point.
DbOpt = Annotated[str | None, typer.Option(
    "--db", envvar="SITREP_DB", show_default=False,
    help="The DuckDB database file (default: sitrep.duckdb).")]
WaitOpt = Annotated[float, typer.Option(
    "--wait", help="Seconds to wait while another process holds the database.")]

HostOpt = Annotated[str, typer.Option(
    help="Address to listen on. The default is this machine only; 0.0.0.0 opens the database "
    "to the network.")]
PortOpt = Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")]
CacheOpt = Annotated[int, typer.Option(
    "--cache-mb", min=0, help="Memory for cached API answers, in MB (0: no cache).")]


@app.command()
def serve(db: DbOpt = None, host: HostOpt = "127.0.0.1", port: PortOpt = 8000,
          cache_mb: CacheOpt = 64, wait: WaitOpt = 30.0) -> None:
    """Serve a database read-only: a map, a timeline and the text behind each point, and a JSON API.

    Open the address it prints in a browser; the API is described at /docs. Nothing is fetched
    from the network. Stop the server (Ctrl-C) before ingesting into the same file.

    Examples:

        sitrep serve --db sitrep.duckdb

        sitrep serve --port 8080
    """
    import uvicorn

    from .cli_store import DEFAULT_DB
    from .serve.app import LOOPBACK_HOSTS, create_app

    db = db or DEFAULT_DB
    loopback = _is_loopback(host)
    listener = _listen(host, port)
    try:
        application = create_app(db, wait=wait, hosts=LOOPBACK_HOSTS if loopback else None,
                                 cache_bytes=cache_mb * 2**20)
        where = f"http://{f'[{host}]' if ':' in host else host}:{listener.getsockname()[1]}/"
        err.print(f"sitrep: serving {db} read-only at {where} (API docs at {where}docs); "
                  "Ctrl-C to stop", markup=False, highlight=False, soft_wrap=True)
        if not loopback:
            warn(f"listening on {host}: anyone who can reach this machine can read the database")
        if not application.state.vendor:
            warn("the map's libraries are not installed (run `make web` in the repository); "
                 "the page shows the timeline, the list and the documents without a map")
        # keep-alive 30 s, not 5: a browser's next question comes after the analyst has read
        server = uvicorn.Server(uvicorn.Config(application, log_level="warning", access_log=False,
                                               timeout_keep_alive=30))
        server.run(sockets=[listener])
    finally:
        listener.close()


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``: a port in use is one clear line, before the app starts."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it a keep-alive answer waits 40 ms for a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        reason = (exc.strerror or str(exc)).lower()
        raise SitrepError(f"cannot listen on {host}:{port}: {reason} (--port to pick another)"
                          ) from None
    return listener
