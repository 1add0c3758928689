"""JSON, JSONL, CSV and Parquet: many documents per file, where one bad record must not sink the
rest.

Each reader yields a Document or a ReadFailure per record and raises ReadError only when the file
as a whole is unusable (not JSON at all, no text column).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sitrep.errors import ReadError, ReadFailure
from sitrep.model import Document
from sitrep.read.boilerplate import split_authors
from sitrep.read.html import read_html
from sitrep.read.options import (
    AUTHOR_FIELDS, DATE_FIELDS, HTML_FIELDS, SOURCE_FIELDS, TEXT_FIELDS, TITLE_FIELDS,
    URL_FIELDS, ReadOptions, pick,
)
from sitrep.read.text import make_document

Item = Document | ReadFailure


def read_json(text: str, origin: str, options: ReadOptions) -> Iterator[Item]:
    """One object (one document, origin ``path``) or a list of them (origin ``path#N``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ReadError(origin, _invalid(err.lineno, err)) from None
    if isinstance(data, dict):
        yield to_document(data, origin, options)
    elif isinstance(data, list):
        if not data:
            raise ReadError(origin, "no records (an empty JSON list)")
        for number, record in enumerate(data, start=1):
            yield _guarded(record, f"{origin}#{number}", options)
    else:
        raise ReadError(origin, f"expected a JSON object or a list of objects, got {_kind(data)}")


def read_jsonl(text: str, origin: str, options: ReadOptions) -> Iterator[Item]:
    """One object per line (origin ``path:LINE``); blank lines are skipped."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    if not _parses(first):
        # A pretty-printed JSON document saved as .jsonl (or piped to stdin) is still readable.
        try:
            json.loads(text)
        except json.JSONDecodeError:
            pass
        else:
            yield from read_json(text, origin, options)
            return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield ReadFailure(where, _invalid(number, err))
            continue
        yield _guarded(record, where, options)


def read_csv(text: str, origin: str, options: ReadOptions) -> Iterator[Item]:
    """One document per row (origin ``path#ROW``, ROW counting data rows from 1)."""
    # The csv module refuses fields over 128 kB by default; whole articles can be longer, and the
    # file is already capped by max_bytes. (The limit is process-wide, so it is only ever raised.)
    csv.field_size_limit(max(csv.field_size_limit(), options.max_bytes))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c for c in reader.fieldnames or [] if c]
    if not columns:
        raise ReadError(origin, "no header row")
    for chosen, flag in _named_columns(options):
        if pick(columns, chosen, ()) is None:
            listed = ", ".join(columns)
            raise ReadError(origin, f"no column {chosen!r} ({flag}); columns are: {listed}")
    if _body_keys(columns, options) == (None, None):
        raise ReadError(
            origin,
            f"no text column (looked for {', '.join(TEXT_FIELDS + HTML_FIELDS)}; "
            f"columns are: {', '.join(columns)}); name one with --text-column",
        )
    rows, count = iter(reader), 0
    while True:
        where = f"{origin}#{count + 1}"
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:
            yield ReadFailure(where, f"malformed CSV row ({err})")
        else:
            # Blank-named columns are usually a spreadsheet's row index; None holds surplus cells.
            yield _guarded({k: v for k, v in row.items() if k}, where, options)
        count += 1
    if not count:
        raise ReadError(origin, "no rows after the header")


PARQUET_MAGIC = b"PAR1"
_PARQUET_ROWS = 256  # rows decoded at a time: a big Parquet file is never held whole as Python


def read_parquet(
    source: Path | bytes | IO[bytes], origin: str, options: ReadOptions
) -> Iterator[Item]:
    """One document per row (origin ``path#ROW``), columns chosen as for CSV.

    Needs pyarrow (installed with ``sitrep[ray]``). Rows are decoded in small batches, so a file
    larger than memory can be read; dates and other typed cells become text first.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ReadError(origin, "reading Parquet needs pyarrow: pip install pyarrow "
                        "(or 'sitrep[ray]')") from None
    try:
        handle = pq.ParquetFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        columns = [name for name in handle.schema_arrow.names if name]
    except Exception as err:  # noqa: BLE001 - pyarrow raises several unrelated types here
        raise ReadError(origin, f"not a valid Parquet file ({_first_line(err)})") from None
    for chosen, flag in _named_columns(options):
        if pick(columns, chosen, ()) is None:
            raise ReadError(origin, f"no column {chosen!r} ({flag}); columns are: "
                            f"{', '.join(columns)}")
    if _body_keys(columns, options) == (None, None):
        raise ReadError(
            origin,
            f"no text column (looked for {', '.join(TEXT_FIELDS + HTML_FIELDS)}; "
            f"columns are: {', '.join(columns)}); name one with --text-column",
        )
    count = 0
    batches = handle.iter_batches(batch_size=_PARQUET_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except Exception as err:  # noqa: BLE001 - a corrupt row group ends the file, not the run
            yield ReadFailure(f"{origin}#{count + 1}", f"unreadable Parquet data from this row "
                              f"on ({_first_line(err)})")
            return
        for row in batch.to_pylist():
            count += 1
            record = {k: _cell(v) for k, v in row.items() if k}
            yield _guarded(record, f"{origin}#{count}", options)
    if not count:
        raise ReadError(origin, "no rows")


def _cell(value: Any) -> Any:
    """A Parquet cell as JSON would have it: dates and times as ISO text."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def to_document(record: dict[str, Any], origin: str, options: ReadOptions) -> Document:
    """One JSON object or CSV row; fields not used for the Document go to its metadata."""
    text_key, html_key = _body_keys(record.keys(), options)
    if text_key is None and html_key is None:
        wanted = repr(options.text_column) if options.text_column else "text or html"
        present = ", ".join(map(str, record)) or "none"
        raise ReadError(origin, f"no {wanted} field (fields: {present})")
    used = {text_key, html_key}

    def field(chosen: str | None, defaults: tuple[str, ...]) -> Any:
        key = pick(record.keys(), chosen, defaults)
        used.add(key)
        return None if key is None else record[key]

    fields: dict[str, Any] = dict(
        title=_text(field(options.title_column, TITLE_FIELDS)) or None,
        authors=_authors(field(None, AUTHOR_FIELDS)),
        published=_text(field(options.date_column, DATE_FIELDS)),
        source=_text(field(options.source_column, SOURCE_FIELDS)) or None,
        url=_text(field(options.url_column, URL_FIELDS)) or None,
    )
    meta = ((k, _meta(v)) for k, v in record.items() if k not in used)
    fields["metadata"] = {k: v for k, v in meta if v}
    body = _text(record[text_key]) if text_key else None
    markup = _text(record[html_key]) if html_key else None
    if body and body.strip():
        # Record bodies are cleaned conservatively: no title guessing when the record has one.
        return make_document(body, origin, guess_title=fields["title"] is None, **fields)
    if markup and markup.strip():
        return read_html(markup, origin, **fields)
    raise ReadError(origin, "empty document")


def _body_keys(keys: Iterable[str], options: ReadOptions) -> tuple[str | None, str | None]:
    keys = list(keys)
    return pick(keys, options.text_column, TEXT_FIELDS), pick(keys, None, HTML_FIELDS)


def _named_columns(options: ReadOptions) -> Iterator[tuple[str, str]]:
    """The columns the user named, with the command-line flag that names each."""
    for name in ("text", "title", "date", "source", "url"):
        chosen = getattr(options, f"{name}_column")
        if chosen:
            yield chosen, f"--{name}-column"


def _guarded(record: object, origin: str, options: ReadOptions) -> Item:
    if not isinstance(record, dict):
        return ReadFailure(origin, f"expected a JSON object, got {_kind(record)}")
    try:
        return to_document(record, origin, options)
    except ReadError as err:
        return ReadFailure(err.origin, err.problem)
    except Exception as err:  # noqa: BLE001 - a bug on one record must not lose the file's others
        return ReadFailure(origin, f"unexpected error: {type(err).__name__}: {err}")


def _invalid(line: int, err: json.JSONDecodeError) -> str:
    return f"line {line}: invalid JSON ({err.msg})"


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _kind(value: object) -> str:
    names = {list: "a list", dict: "an object", str: "a string", bool: "true or false"}
    return "null" if value is None else names.get(type(value), "a number")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if _scalars(value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _meta(value: Any) -> str | list[str] | None:
    """A leftover field as Document.metadata can hold it: a string or a list of strings."""
    if _scalars(value):
        return [str(v) for v in value] or None
    text = _text(value)
    return text.strip() if text and text.strip() else None


def _scalars(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return split_authors(value) if isinstance(value, str) else []
