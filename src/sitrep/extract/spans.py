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
    # kept with the doc's identity and token count: a copied user_data (Doc.copy, from_docs)
    # holds another doc's text
    key = (id(doc), len(doc))
    kept = doc.user_data.get("sitrep.text")
    if kept is None or kept[0] != key:
        kept = doc.user_data["sitrep.text"] = (key, doc.text)
    return kept[1]


def token_columns(doc: Doc, attrs: list[int]) -> list[list]:
    """Per spaCy attribute (``spacy.attrs`` ids), its value at every token of ``doc``, read in
    one ``Doc.to_array``: the string for a string attribute (ORTH, LOWER, LEMMA, SHAPE, TAG,
    DEP, ENT_TYPE, ...), the name for POS, the number otherwise (IDX, LENGTH, flags). Reading
    ``doc[i].lower_`` builds a Token on every read; this builds none."""
    from spacy.attrs import (DEP, ENT_TYPE, LEMMA, LOWER, NORM, ORTH, POS, PREFIX, SHAPE, SUFFIX,
                             TAG)
    from spacy.parts_of_speech import NAMES as POS_NAMES

    if not len(doc):
        return [[] for _ in attrs]
    columns = doc.to_array(attrs).T.tolist() if len(attrs) > 1 else [doc.to_array(attrs).tolist()]
    strings = doc.vocab.strings
    out = []
    for attr, column in zip(attrs, columns):
        if attr in {ORTH, LOWER, NORM, LEMMA, SHAPE, PREFIX, SUFFIX, TAG, DEP, ENT_TYPE}:
            names = {h: strings[h] if h else "" for h in set(column)}  # once per distinct value
            column = [names[h] for h in column]
        elif attr == POS:
            column = [POS_NAMES.get(p, "") for p in column]
        out.append(column)
    return out


def span_text(span: Span | Doc) -> str:
    """``span.text`` sliced from :func:`doc_text` (``Span.text`` joins every token again)."""
    doc = span.doc
    return doc_text(doc) if span is doc else doc_text(doc)[span.start_char:span.end_char]


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


# A dateline: the place a story was filed from, at its very start (after a byline, if any):
# "BOSTON (Reuters) -", "RALEIGH, N.C. (AP) -", "Muscat:", "(NEW YORK) —", "LONDON Pope ...".
_BYLINE = re.compile(r"\s*(?:By\s[^\n]{1,80}?(?:\.\s|\n)\s*)?")
_DATELINE = re.compile(
    r"\(?(?P<name>[A-Z][A-Za-z'’.-]*(?:\s[A-Z][A-Za-z'’.-]*){0,3}?)\)?"
    r"(?:,\s[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)?"  # ", N.C." / ", South Korea"
    r"(?:,?\s\w+\s\d{1,2})?"                         # ", April 5"
    r"\s*(?:\([^()\n]{0,30}\)\s*)?"                 # "(AP)"
    # a dash or a colon, or a name in capitals then a word
    r"(?:[—–:]|-{1,2}(?=[\s(])|(?<=[A-Z]{2})\s(?=[A-Z][a-z]))")


def dateline(doc: Doc) -> tuple[int, int] | None:
    """Character offsets of the place name of the doc's dateline, if it opens with one: a
    dateline names where the story was filed, never an actor ("WASHINGTON (AP) -"). A
    candidate ("Breaking:" matches too): the places extractor keeps it only when the gazetteer
    knows a town or a larger place of that name."""
    text = doc_text(doc)
    m = _DATELINE.match(text, _BYLINE.match(text).end())
    if m is None:
        return None
    name = m.group("name").rstrip(".")
    return (m.start("name"), m.start("name") + len(name)) if len(name) >= 3 else None
