"""The files the server may send: the page's own, and a fixed list from ``web/node_modules``.

Nothing is looked up on disk from a request's path. Each folder is listed once, when the app is
built, into a table of URL name -> file; a request either names a key of that table exactly or
gets a 404. ``..``, encoded dots, absolute paths and symlinks out of the folder therefore have
nothing to match.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

#: URL under /vendor/ -> file under node_modules. Only these are served.
VENDOR_FILES = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    **{f"leaflet/images/{name}": f"leaflet/dist/images/{name}" for name in (
        "layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png",
        "marker-shadow.png")},
    "topojson-client/topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    # Natural Earth 1:50m admin-0 countries: detailed enough for a governorate, 740 kB.
    "world-atlas/countries-50m.json": "world-atlas/countries-50m.json",
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}
#: What the page cannot draw a map without (the rest only improves it).
MAP_FILES = ("leaflet/leaflet.js", "leaflet/leaflet.css",
             "topojson-client/topojson-client.min.js", "world-atlas/countries-50m.json")
_STATIC_TYPES = {".html", ".js", ".css", ".svg", ".png", ".ico", ".json", ".txt"}


def find_node_modules() -> Path | None:
    """``web/node_modules`` of the repository this package runs from, else of the working folder.

    A sitrep installed from a wheel has neither: the page then says how to get the map.
    """
    here = Path(__file__).resolve()
    candidates = [here.parents[3] / "web" / "node_modules", Path.cwd() / "web" / "node_modules"]
    for folder in candidates:
        if (folder / VENDOR_FILES["leaflet/leaflet.js"]).is_file():
            return folder
    return None


def vendor_table(node_modules: str | os.PathLike | None) -> dict[str, Path]:
    """The whitelisted files that exist under ``node_modules`` (none when it is None or absent)."""
    if node_modules is None:
        return {}
    root = Path(node_modules).resolve()
    table = {}
    for name, relative in VENDOR_FILES.items():
        path = (root / relative).resolve()
        if path.is_file() and path.is_relative_to(root):
            table[name] = path
    return table


def static_table() -> dict[str, Path]:
    """The page's files: regular files directly in ``static/`` with a known type."""
    folder = Path(str(importlib.resources.files("sitrep.serve").joinpath("static"))).resolve()
    return {entry.name: entry for entry in sorted(folder.iterdir())
            if entry.is_file() and not entry.name.startswith(".")
            and entry.suffix in _STATIC_TYPES and entry.resolve().is_relative_to(folder)}
