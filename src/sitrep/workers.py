"""Local worker processes: ``Pipeline.analyze_many`` with ``n_process`` > 1.

spaCy's own ``n_process`` sends every analysed ``Doc`` back to the parent, which rebuilds it from
bytes and validates its Report there; with two workers on two cores the parent became the
bottleneck. Here each worker holds the whole Pipeline and sends back finished Reports (pickled:
the parent does not validate them again), batch by batch and in input order.

Workers are forked from the parent where the platform can (Linux), so they start with its
loaded model, gazetteer and trained layers, their pages shared until written; elsewhere each
builds its own Pipeline from the parent's options.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from .errors import SitrepError
from .extract import MODEL_BATCH

if TYPE_CHECKING:
    from .model import Document, Report
    from .pipeline import Pipeline, PipelineOptions

#: Batches queued per worker: enough to keep every worker busy while the parent collects, few
#: enough that a long input is never read far ahead of what is done.
AHEAD = 2

_inherited: Pipeline | None = None  # the parent's Pipeline, which a forked worker starts with
_pipeline: Pipeline | None = None   # in a worker: the Pipeline it analyses with


def analyze_in_processes(pipeline: Pipeline, documents: Iterable[Document],
                         n_process: int) -> Iterator[Report]:
    """Reports for ``documents`` in input order, analysed by ``n_process`` worker processes in
    tasks of ``extract.MODEL_BATCH`` documents (or the batch size, if larger), and of the batch
    size towards the end (:func:`_tasks`). An error in a worker is raised here, as
    ``analyze_many`` raises it in one process."""
    global _inherited
    fork = "fork" in mp.get_all_start_methods()
    if fork:
        _inherited = pipeline
        pool = ProcessPoolExecutor(n_process, mp_context=mp.get_context("fork"),
                                   initializer=_start_forked)
    else:
        pool = ProcessPoolExecutor(n_process, mp_context=mp.get_context("spawn"),
                                   initializer=_start_spawned, initargs=(pipeline.options,))
    pending: deque[tuple[Future, list[Document]]] = deque()

    def done() -> list[Report]:
        future, batch = pending.popleft()
        try:
            return future.result()
        except BrokenProcessPool as err:
            where = batch[0].origin or batch[0].id
            raise SitrepError(
                f"a worker process stopped abruptly (killed, or out of memory?) in the batch of "
                f"{len(batch)} documents from {where}; the documents before it were analysed"
            ) from err

    try:
        small = pipeline.options.batch_size
        big = max(small, MODEL_BATCH)
        for batch in _tasks(documents, big, small, n_process * big):
            pending.append((pool.submit(_analyse, batch), batch))
            if len(pending) >= AHEAD * n_process:
                yield from done()
        while pending:
            yield from done()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _inherited = None


def _tasks(documents: Iterable[Document], big: int, small: int, ahead: int
           ) -> Iterator[list[Document]]:
    """The documents in input order, cut into tasks of ``big`` documents while more than
    ``ahead`` follow, then of ``small`` ones. Big tasks let the trained layers read many
    documents a call (``extract.MODEL_BATCH``); small ones at the end let the workers finish
    together rather than one waiting for the other's last big task."""
    buffer: deque[Document] = deque()
    for document in documents:
        buffer.append(document)
        if len(buffer) >= big + ahead:
            yield [buffer.popleft() for _ in range(big)]
    while buffer:
        yield [buffer.popleft() for _ in range(min(small, len(buffer)))]


def _start_forked() -> None:
    global _pipeline
    _pipeline = _inherited


def _start_spawned(options: PipelineOptions) -> None:
    global _pipeline
    from .pipeline import Pipeline

    _pipeline = Pipeline(options)


def _analyse(documents: list[Document]) -> list[Report]:
    assert _pipeline is not None, "a worker runs only under analyze_in_processes"
    return list(_pipeline.analyze_many(documents, n_process=1))
