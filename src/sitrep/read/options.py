"""What the reader can be told: which record fields hold what, and how big a file may be."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Field names tried in order when a column is not named explicitly (compared case-insensitively).
TEXT_FIELDS = ("text", "content", "article_content", "body")
HTML_FIELDS = ("html",)
TITLE_FIELDS = ("title", "article_title", "headline")
DATE_FIELDS = ("published", "date", "publish_date", "pubdate")
SOURCE_FIELDS = ("source", "publisher", "outlet")
URL_FIELDS = ("url", "link")
AUTHOR_FIELDS = ("authors", "author")


@dataclass(frozen=True)
class ReadOptions:
    text_column: str | None = None
    title_column: str | None = None
    date_column: str | None = None
    source_column: str | None = None
    url_column: str | None = None
    max_bytes: int = 20_000_000


def pick(fields: Iterable[str], chosen: str | None, defaults: tuple[str, ...]) -> str | None:
    """The field to use, as spelled in the data: the one asked for, else the first default present.

    A field named explicitly never falls back to the defaults: reading the wrong column silently
    is worse than reporting that the named one is missing.
    """
    by_lower = {}
    for name in fields:
        if isinstance(name, str):
            by_lower.setdefault(name.strip().lower(), name)
    for want in (chosen,) if chosen else defaults:
        if want.lower() in by_lower:
            return by_lower[want.lower()]
    return None
