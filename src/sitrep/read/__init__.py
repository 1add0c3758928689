"""The read stage: files, folders, streams and stdin turned into ``Document`` records.

``read`` takes one source and raises ``ReadError`` when it cannot be read; ``read_all`` is the batch
entry point, which yields a ``ReadFailure`` in place of every source or record that failed, so one
bad document never stops a batch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from sitrep.errors import ReadError, ReadFailure
from sitrep.model import Document
from sitrep.read.encoding import decode, normalise
from sitrep.read.html import read_html
from sitrep.read.options import ReadOptions
from sitrep.read.records import PARQUET_MAGIC, read_csv, read_json, read_jsonl, read_parquet
from sitrep.read.sources import (
    FORMATS, STDIN, expand, format_of, load_bytes, load_stream, os_problem, sniff,
    stream_origin,
)
from sitrep.read.text import EMPTY, read_text

__all__ = ["ReadOptions", "read", "read_all"]

Source = str | os.PathLike | IO


def read(source: Source, options: ReadOptions | None = None) -> Iterator[Document]:
    """The documents in one file or stream (``"-"`` is stdin).

    Raises ReadError when the source cannot be read at all. In a JSONL/CSV/JSON-list file a bad
    record does not stop the good ones: they are all yielded first, then ReadError names the first
    bad record (and how many more there were). Use ``read_all`` to get every failure as a value.
    """
    failures = []
    for item in _items(source, options or ReadOptions()):
        if isinstance(item, ReadFailure):
            failures.append(item)
        else:
            yield item
    if failures:
        first, more = failures[0], len(failures) - 1
        suffix = f" (and {more} more bad record{'s' * (more > 1)})" if more else ""
        raise ReadError(first.origin, first.problem + suffix)


def read_all(
    sources: Iterable[str | os.PathLike], options: ReadOptions | None = None
) -> Iterator[Document | ReadFailure]:
    """Documents from every source, folders expanded, with a ReadFailure for each that failed.

    Never raises for a bad input: missing paths, unreadable files and bad records all come back as
    ReadFailure values in the stream, in order.
    """
    options = options or ReadOptions()
    if isinstance(sources, str | os.PathLike):
        sources = [sources]  # a lone path is not an iterable of one-character paths
    for source in expand(sources):
        if isinstance(source, ReadFailure):
            yield source
            continue
        origin = STDIN if source == "-" else str(source)
        try:
            yield from _items(source, options)
        except ReadError as err:
            yield ReadFailure(err.origin, err.problem)
        except Exception as err:  # noqa: BLE001 - a bug on one input must not lose the batch
            yield ReadFailure(origin, f"unexpected error: {type(err).__name__}: {err}")


def _items(source: Source, options: ReadOptions) -> Iterator[Document | ReadFailure]:
    if isinstance(source, str | os.PathLike) and os.fspath(source) == "-":
        source = sys.stdin
    if not isinstance(source, str | os.PathLike):
        origin = STDIN if source is sys.stdin else stream_origin(source)
        data = load_stream(source, origin, options.max_bytes)
        if isinstance(data, bytes) and data.startswith(PARQUET_MAGIC):
            yield from read_parquet(data, origin, options)  # `sitrep analyze - < day.parquet`
            return
        text = decode(data, origin) if isinstance(data, bytes) else normalise(data, origin)
        named = format_of(Path(origin))[0] if origin not in (STDIN, "<stream>") else None
        yield from _parse(text, named or sniff(text), origin, options)
        return
    path = Path(source)
    origin = str(source)
    fmt = format_of(path)[0]
    if fmt is None and path.suffix and os.path.isfile(path):
        known = ", ".join(sorted(FORMATS))
        problem = f"unsupported file type {path.suffix!r} (sitrep reads {known}, .gz)"
        raise ReadError(origin, problem)
    if fmt == "parquet":
        yield from _read_parquet(path, origin, options)
        return
    text = decode(load_bytes(path, origin, options.max_bytes), origin)
    # A file with no extension at all is taken the way stdin is: by its first character.
    yield from _parse(text, fmt or sniff(text), origin, options)


def _read_parquet(
    path: Path, origin: str, options: ReadOptions
) -> Iterator[Document | ReadFailure]:
    """Parquet is read in row batches straight from the file, so --max-bytes does not cap it
    (a gzipped one is inflated first, within the cap)."""
    if format_of(path)[1]:
        yield from read_parquet(load_bytes(path, origin, options.max_bytes), origin, options)
        return
    try:
        handle = open(path, "rb")
    except OSError as err:
        raise ReadError(origin, os_problem(err)) from None
    with handle:
        yield from read_parquet(handle, origin, options)


def _parse(
    text: str, fmt: str, origin: str, options: ReadOptions
) -> Iterator[Document | ReadFailure]:
    if not text.strip():
        raise ReadError(origin, EMPTY)
    if fmt == "html":
        yield read_html(text, origin)
    elif fmt == "json":
        yield from read_json(text, origin, options)
    elif fmt == "jsonl":
        yield from read_jsonl(text, origin, options)
    elif fmt == "csv":
        yield from read_csv(text, origin, options)
    else:
        yield read_text(text, origin)
