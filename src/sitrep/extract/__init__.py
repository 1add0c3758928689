"""Extractors: spaCy components that find records in a parsed ``Doc``; no I/O.

Every component writes plain JSON-able dicts (the ``model.py`` field names) under
``doc._.sitrep[kind]``. Dicts, not model objects, because spaCy ships docs between processes
with msgpack (``n_process``), and the one adapter in ``pipeline.py`` validates them into records.
All components are registered here, in the order they run, so ``pipeline.py`` only adds them.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from . import actors, claims, events, places, quotes, rhetoric  # noqa: F401  (registers them)

#: Components in the order they run; each reads what the earlier ones wrote (places skip the
#: spans the actors extractor took: "Washington warned" is an actor, not a place).
COMPONENTS = ("sitrep_actors", "sitrep_places", "sitrep_quotes", "sitrep_events", "sitrep_claims",
              "sitrep_rhetoric")

if not Doc.has_extension("sitrep"):
    Doc.set_extension("sitrep", default=None)


def records(doc: Doc) -> dict[str, list[dict]]:
    """The record lists of ``doc``, created on first use (a ``default=`` extension pickles)."""
    if doc._.sitrep is None:
        doc._.sitrep = {}
    return doc._.sitrep


def add_components(nlp: Language) -> Language:
    for name in COMPONENTS:
        if name not in nlp.pipe_names:
            nlp.add_pipe(name, last=True)
    return nlp
