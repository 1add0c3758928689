"""Where documents come from: paths, folders, gzip, stdin and other streams, and their formats."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from sitrep.errors import ReadError, ReadFailure

FORMATS = {
    ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
STDIN = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"
_FLAG = " (--max-bytes)"  # the command-line option that raises the limit


def format_of(path: Path) -> tuple[str | None, bool]:
    """The format named by a path's extension, and whether it is gzipped (``.jsonl.gz``)."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    return (FORMATS.get(suffixes[-1]) if suffixes else None), gzipped


def expand(sources: Iterable[str | os.PathLike]) -> Iterator[Path | str | ReadFailure]:
    """Each source as a path to read, ``"-"`` for stdin, or a failure for an empty folder.

    Folders are walked recursively in sorted order; hidden entries and files whose extension sitrep
    does not read are skipped there (a file named explicitly is always tried). Missing paths are
    passed on, so that reading them reports the problem with the path as the user typed it.
    """
    for source in sources:
        if os.fspath(source) == "-":
            yield "-"
            continue
        path = Path(source)
        if not os.path.isdir(path):  # unlike Path.is_dir, never raises (e.g. permission denied)
            yield path
            continue
        found = sorted(_walk(path))
        if not found:
            known = ", ".join(sorted(FORMATS))
            problem = f"no readable files in this folder (looked for {known}, .gz)"
            yield ReadFailure(str(path), problem)
        yield from found


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root) / name
            if not name.startswith(".") and format_of(path)[0] is not None:
                yield path


def load_bytes(path: Path, origin: str, max_bytes: int) -> bytes:
    """The (uncompressed) content of a file, refusing one over ``max_bytes`` before reading it."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ReadError(origin, "is a directory (read_all reads folders)")
        if size > max_bytes:
            limit = _limit(max_bytes)
            raise ReadError(origin, f"file is {_mb(size)}, over the {limit} limit{_FLAG}")
        raw = path.read_bytes()
    except OSError as err:
        raise ReadError(origin, os_problem(err)) from None
    return _gunzip(raw, origin, max_bytes) if format_of(path)[1] else raw


def load_stream(stream: IO, origin: str, max_bytes: int) -> bytes | str:
    """Everything in ``stream`` (bytes when it has them, so the encoding can be detected)."""
    source = getattr(stream, "buffer", stream)
    try:
        data = source.read(max_bytes + 1)
    except OSError as err:
        raise ReadError(origin, os_problem(err)) from None
    if len(data) > max_bytes:
        raise ReadError(origin, f"input is over the {_limit(max_bytes)} limit{_FLAG}")
    if isinstance(data, bytes) and data.startswith(_GZIP_MAGIC):
        return _gunzip(data, origin, max_bytes)  # `sitrep analyze - < feed.jsonl.gz`
    return data


def stream_origin(stream: IO) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "<stream>"


def sniff(text: str) -> str:
    """The format of text with no file name: markup, JSON lines, or plain text."""
    start = text.lstrip()[:1]
    return {"<": "html", "{": "jsonl"}.get(start, "text")


def _gunzip(raw: bytes, origin: str, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(max_bytes + 1)  # a small .gz can inflate to gigabytes
    except (OSError, EOFError, zlib.error) as err:
        raise ReadError(origin, f"not a valid gzip file ({err})") from None
    if len(data) > max_bytes:
        limit = _limit(max_bytes)
        raise ReadError(origin, f"uncompressed content is over the {limit} limit{_FLAG}")
    return data


def os_problem(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _limit(max_bytes: int) -> str:
    return f"{max_bytes / 1_000_000:g} MB"
