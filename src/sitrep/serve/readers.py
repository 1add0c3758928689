"""Read-only Stores for concurrent requests, over one DuckDB file.

A DuckDB connection must not be used by two threads at once, and requests run in a thread pool.
Each request borrows a ``Store`` whose connection is a cursor of one read-only connection (a
cursor is a connection of its own to the same database, cheap to make) and gives it back, so
queries run in parallel and the file is opened, and locked for reading, once.
"""

from __future__ import annotations

import copy
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sitrep.store import Store


class Readers:
    """A pool of read-only views of ``path``: ``with readers.store() as store: store.events()``."""

    def __init__(self, path: str | os.PathLike, *, wait: float = 30.0):
        self.root = Store(path, read_only=True, wait=wait)
        self.path = self.root.path
        self._idle: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def store(self) -> Iterator[Store]:
        try:
            view = self._idle.get_nowait()
        except queue.Empty:
            view = self._new_view()
        try:
            yield view
        finally:
            if self._closed:
                view.close()
            else:
                self._idle.put(view)

    def _new_view(self) -> Store:
        with self._lock:
            if self._closed:
                raise RuntimeError("the database is closed")
            view = copy.copy(self.root)  # every attribute the Store has, but its own connection
            view.con = self.root.con.cursor()
        return view

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        self.root.close()
