"""``sitrep serve``: a read-only JSON API over a store, and one page to look at it.

    from sitrep.serve import create_app
    app = create_app("sitrep.duckdb")        # an ASGI app: uvicorn.run(app, host="127.0.0.1")

The page (``static/``) is a Leaflet map of the events with Natural Earth country shapes, a
timeline with a brush, filters, and a panel with the document behind each point, its evidence
span highlighted. The browser libraries come from the npm packages in ``web/`` (``make web``) and
are served from this machine: nothing is fetched from the network. The API reads only through
``Store`` and its ``Filters``, so a filter means the same here as on the command line.
"""

from sitrep.serve.app import create_app

__all__ = ["create_app"]
