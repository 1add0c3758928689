"""Plain text to a Document, and the one place every format's Document is assembled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sitrep.errors import ReadError
from sitrep.model import Document, document_id
from sitrep.read.boilerplate import clean
from sitrep.read.dates import iso_date

EMPTY = "empty document"


def read_text(text: str, origin: str) -> Document:
    """A .txt/.md file or stdin: headline, byline and trailers are guessed from the text itself."""
    return make_document(text, origin, guess_title=True)


def make_document(
    text: str,
    origin: str,
    *,
    guess_title: bool,
    title: str | None = None,
    authors: Iterable[str] = (),
    published: object = None,
    source: str | None = None,
    url: str | None = None,
    metadata: Mapping[str, str | list[str]] | None = None,
) -> Document:
    """Clean ``text`` into a body and build the Document; fields given here win over guesses."""
    if not text.strip():
        raise ReadError(origin, EMPTY)
    cleaned = clean(text, guess_title=guess_title and not title)
    if not cleaned.body:
        raise ReadError(origin, f"{EMPTY} (nothing left after removing boilerplate)")
    names = list(dict.fromkeys(a for a in (*authors, *cleaned.authors) if a))
    return Document(
        id=document_id(cleaned.body),
        title=title or cleaned.title,
        authors=names,
        published=iso_date(published),
        source=source or None,
        url=url or None,
        language="en",
        text=cleaned.body,
        origin=origin,
        metadata={**(metadata or {}), **cleaned.metadata},
    )
