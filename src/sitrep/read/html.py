"""HTML to a Document: trafilatura finds the article and its metadata; lxml is the fallback."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import lxml.etree
import lxml.html

from sitrep.errors import ReadError
from sitrep.model import Document
from sitrep.read.boilerplate import split_authors
from sitrep.read.text import make_document

NO_TEXT = "no readable text in the HTML"
_EXTRA = ("description", "hostname", "categories", "tags")  # kept in Document.metadata
_DROP = "//script|//style|//noscript|//template|//svg|//head"
# Elements after which the fallback starts a new line, so paragraphs do not run together.
_BLOCKS = (
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre",
    "article", "section", "header", "footer", "table", "ul", "ol", "dd", "dt", "figcaption",
)


def read_html(
    markup: str,
    origin: str,
    *,
    title: str | None = None,
    authors: Iterable[str] = (),
    published: object = None,
    source: str | None = None,
    url: str | None = None,
    metadata: Mapping[str, str | list[str]] | None = None,
) -> Document:
    """A web page (or a record's ``html`` field); fields given here win over the page's own."""
    found = _trafilatura(markup)
    text = found.pop("text", "")
    if not text:
        text, page_title = _fallback(markup)
        found.setdefault("title", page_title)
    if not text.strip():
        raise ReadError(origin, NO_TEXT)
    title = title or found.get("title") or None
    lines = text.strip().split("\n")
    # Extractors repeat the <h1> as the first line of the text; it is the title, not the body.
    if title and len(lines) > 1 and _same(lines[0], title):
        text = "\n".join(lines[1:])
    page_authors = split_authors(found["author"]) if found.get("author") else []
    extra = {k: v for k, v in found.items() if k in _EXTRA and v}
    return make_document(
        text,
        origin,
        guess_title=not title,
        title=title,
        authors=[*authors, *page_authors],
        published=published or found.get("date"),
        source=source or found.get("sitename"),
        url=url or found.get("url"),
        metadata={**extra, **(metadata or {})},
    )


def _trafilatura(markup: str) -> dict:
    import trafilatura  # half a second to import: only pay it when there is HTML to read

    try:
        doc = trafilatura.bare_extraction(
            markup, with_metadata=True, include_comments=False, deduplicate=False
        )
    except Exception:  # noqa: BLE001 - a crash on odd markup means "use the fallback", not "fail"
        return {}
    if doc is None:
        return {}
    found = {}
    for key in ("text", "title", "author", "date", "sitename", "url", "description", "hostname"):
        value = getattr(doc, key, None)
        if isinstance(value, str) and value.strip():
            found[key] = value.strip()
    for key in ("categories", "tags"):
        values = [str(v) for v in getattr(doc, key, None) or [] if str(v).strip()]
        if values:
            found[key] = values
    return found


def _fallback(markup: str) -> tuple[str, str | None]:
    """Every visible string of the page, one block per line, and its <title>: for pages trafilatura
    cannot read (broken markup, or too little text for its article detection)."""
    try:
        # Bytes with a fixed encoding: the text is already decoded, and a str that still carries
        # an XML encoding declaration is refused by lxml.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        root = lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return "", None
    title = " ".join((root.findtext(".//title") or "").split()) or None
    for bad in root.xpath(_DROP):
        bad.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line), title


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
