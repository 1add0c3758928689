"""Small helpers shared by the extractors: spans as dicts, stable slugs for ids."""

from __future__ import annotations

import re

from anyascii import anyascii
from spacy.tokens import Doc, Span

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _NOT_WORD.sub("-", anyascii(text).lower()).strip("-") or "x"


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per document: spaCy rebuilds it from every token on each read,
    which costs more than some extractors' own work when read per sentence."""
    text = doc.user_data.get("sitrep.text")
    # a copied user_data (Doc.copy, from_docs) may hold another doc's text: check the length
    if text is None or len(text) != (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        text = doc.user_data["sitrep.text"] = doc.text
    return text


def trim(span: Span) -> Span:
    """Drop punctuation and a leading 'the' at the edges ("Hama." -> "Hama")."""
    start, end = span.start, span.end
    doc = span.doc
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    while start < end and (doc[start].is_punct or doc[start].is_space or doc[start].lower_ == "the"):
        start += 1
    return doc[start:end] if end > start else span


_EDGE = "-–—.,;:'\"“”‘’ "


def mention(span: Span) -> dict:
    """A span as a record: punctuation glued to a token's edge ("Syria-") is left out."""
    text = span.text
    lead = len(text) - len(text.lstrip(_EDGE))
    text = text.strip(_EDGE) or text
    start = span.start_char + (lead if text != span.text else 0)
    return {"start": start, "end": start + len(text), "text": text}
