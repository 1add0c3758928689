"""The one place that runs the stages in order: Document -> spaCy Doc -> records -> Report."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import ValidationError
from spacy.language import Language
from spacy.tokens import Doc

from . import nlp as nlp_module
from .extract import records
from .model import (
    Actor, Claim, Document, Event, Place, Quote, Report, Technique, document_id,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineOptions:
    """Every setting of a run, passed explicitly (the CLI builds it in one function)."""

    model: str | None = None
    batch_size: int = 16
    n_process: int = 1


_RECORD_TYPES = {
    "actors": Actor,
    "places": Place,
    "events": Event,
    "quotes": Quote,
    "claims": Claim,
    "rhetoric": Technique,
}


def to_report(document: Document, doc: Doc) -> Report:
    """Validate what the extractors left on ``doc`` into a Report (the only Doc -> model adapter).
    A record that does not validate is dropped with one error line naming the document, so an
    extractor's slip costs that record, not the document or its batch."""
    found = records(doc)
    fields: dict[str, list] = {}
    for kind, cls in _RECORD_TYPES.items():
        fields[kind] = []
        for d in found.get(kind, []):
            try:
                fields[kind].append(cls.model_validate(d))
            except ValidationError as err:
                log.error("document %s: a %s record is invalid and was dropped (%s)",
                          document.id, kind, str(err).splitlines()[0])
    return Report(document=document, **fields)


class Pipeline:
    """A loaded spaCy model with sitrep's components; reuse one for many documents."""

    def __init__(self, options: PipelineOptions | None = None, nlp: Language | None = None):
        self.options = options or PipelineOptions()
        self.nlp = nlp or nlp_module.load(self.options.model)

    def _doc(self, document: Document) -> Doc:
        """A tokenised Doc carrying what components may need of the Document (the publication
        date anchors relative dates)."""
        doc = self.nlp.make_doc(document.text)
        doc.user_data["published"] = document.published
        doc.user_data["document_id"] = document.id
        return doc

    def analyze(self, document: Document) -> Report:
        return to_report(document, self.nlp(self._doc(document)))

    def analyze_text(self, text: str, **fields) -> Report:
        """Analyse a bare string (as scorers and notebooks have), with optional Document fields."""
        return self.analyze(Document(id=document_id(text), text=text, **fields))

    def analyze_many(
        self, documents: Iterable[Document], n_process: int | None = None
    ) -> Iterator[Report]:
        """Reports in input order, parsed in batches by ``nlp.pipe``; with ``n_process`` > 1, in
        that many worker processes, each with the whole pipeline (``workers.py``)."""
        n_process = n_process or self.options.n_process
        if n_process > 1:
            from .workers import analyze_in_processes

            yield from analyze_in_processes(self, documents, n_process)
            return
        pairs = ((self._doc(d), d) for d in documents)
        with _steady_gc():
            for doc, document in self.nlp.pipe(
                pairs,
                as_tuples=True,
                batch_size=self.options.batch_size,
            ):
                yield to_report(document, doc)
                _freeze_loaded()


    def geocode(self, text: str, spans: list[tuple[int, int]]) -> list[dict | None]:
        """One resolved place (or None) per character span of ``text``: the resolver alone,
        scored on gold toponyms as Mordecai is."""
        finder = self.nlp.get_pipe("sitrep_places")
        with self.nlp.select_pipes(disable=[n for n in self.nlp.pipe_names
                                            if n.startswith("sitrep_")]):
            doc = self.nlp(text)
        out = []
        for t in finder.geocode(doc, spans):
            if t.choice is None:
                out.append(None)
                continue
            p = t.choice.place
            out.append({"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon,
                        "country": p.country, "admin1": p.admin1, "feature": p.feature,
                        "geonames_id": p.geonames_id, "confidence": t.confidence})
        return out


#: Container objects allocated (net) between two young-generation collections while documents
#: are analysed; Python's default is 700.
GC_YOUNG = 10_000
_frozen = False


@contextmanager
def _steady_gc():
    """Fewer cycle collections while a batch of documents is analysed. Parsing and extraction
    make and drop many short-lived containers, and every few hundred of them Python looked for
    cycles; the documents' own objects die by reference counting. The previous thresholds come
    back afterwards (the engine may run inside someone else's program)."""
    before = gc.get_threshold()
    if before[0]:  # 0: collection is off, and stays so
        gc.set_threshold(max(before[0], GC_YOUNG), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _freeze_loaded() -> None:
    """Once a process, when the first document is through (the spaCy model, the gazetteer and
    the trained layers loaded): move every live object out of the collector's reach. They
    live as long as the process, and a full collection walked them all; with ``n_process``, the
    forked workers then share their pages instead of copying them on a collection."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


_default: Pipeline | None = None


def _pipeline() -> Pipeline:
    global _default
    if _default is None:
        _default = Pipeline()
    return _default


def analyze(document: Document) -> Report:
    """Analyse one document with the default pipeline."""
    return _pipeline().analyze(document)


def analyze_many(documents: Iterable[Document], n_process: int = 1) -> Iterator[Report]:
    """Analyse many documents with the default pipeline, batched through ``nlp.pipe``."""
    return _pipeline().analyze_many(documents, n_process=n_process)
