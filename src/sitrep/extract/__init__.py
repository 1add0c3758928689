"""Extractors: spaCy components that find records in a parsed ``Doc``; no I/O.

Every component writes plain JSON-able dicts (the ``model.py`` field names) under
``doc._.sitrep[kind]``. Dicts, not model objects: a Doc serialises its extension data with
msgpack, and the one adapter in ``pipeline.py`` validates them into records.
All components are registered here, in the order they run, so ``pipeline.py`` only adds them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from . import actors, claims, events, places, quotes, rhetoric  # noqa: F401  (registers them)

#: Components in the order they run; each reads what the earlier ones wrote (places skip the
#: spans the actors extractor took: "Washington warned" is an actor, not a place).
COMPONENTS = ("sitrep_actors", "sitrep_places", "sitrep_quotes", "sitrep_events", "sitrep_claims",
              "sitrep_rhetoric")

log = logging.getLogger(__name__)

if not Doc.has_extension("sitrep"):
    Doc.set_extension("sitrep", default=None)


def records(doc: Doc) -> dict[str, list[dict]]:
    """The record lists of ``doc``, created on first use (a ``default=`` extension pickles)."""
    if doc._.sitrep is None:
        doc._.sitrep = {}
    return doc._.sitrep


def guarded(kind: str, doc: Doc, find: Callable[[Doc], list[dict]]) -> list[dict]:
    """``find(doc)``, or no records and one error line in the log when it fails: one bad
    document never costs the others (or the document its other records)."""
    try:
        return find(doc)
    except Exception as err:  # noqa: BLE001
        log.error("%s extraction failed on document %s (%s: %s); it has none", kind,
                  doc.user_data.get("document_id", "?"), type(err).__name__, err)
        return []


#: The fewest documents a component with a trained layer reads per call when spaCy's batches are
#: smaller: each call of a scikit-learn model or vectorizer costs about a millisecond whatever
#: its size.
MODEL_BATCH = 64


def pipe_batches(docs: Iterable[Doc], batch_size: int, kind: str,
                 find_many: Callable[[list[Doc]], list[list[dict]]],
                 find: Callable[[Doc], list[dict]]) -> Iterator[Doc]:
    """A component's ``pipe``: its records for a batch of docs at once (one call of its trained
    model), written under ``kind``. A batch that fails is done again doc by doc (``guarded``)."""
    for batch in minibatch(docs, size=max(batch_size, MODEL_BATCH)):
        try:
            found = find_many(batch)
        except Exception:  # noqa: BLE001 - find the document at fault below
            found = [guarded(kind, doc, find) for doc in batch]
        for doc, recs in zip(batch, found):
            records(doc)[kind] = recs
            yield doc


def trusted_inputs():
    """A context in which scikit-learn skips its per-call checks of parameters and of inputs
    for NaN or infinity (milliseconds a call, whatever its size): for the trained layers'
    calls on features sitrep made itself, always finite."""
    from sklearn import config_context

    return config_context(assume_finite=True, skip_parameter_validation=True)


def add_components(nlp: Language) -> Language:
    for name in COMPONENTS:
        if name not in nlp.pipe_names:
            nlp.add_pipe(name, last=True)
    return nlp
