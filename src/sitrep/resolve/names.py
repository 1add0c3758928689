"""Name keys tolerant of transliteration, shared by the gazetteer and the actor registry.

Three keys of decreasing strictness, so that Daraa, Deraa and Dar'a meet, as do Da'el, Dael and
Dā‘il, while "Homs" and "Hums" stay a scored guess rather than an identity:

- ``exact_key``: ASCII (anyascii), lower case, apostrophes and ayn/hamza marks removed, hyphens
  and punctuation as spaces. ``without_article`` drops Arabic articles (al-, el-, ad-, ash- ...);
  the gazetteer indexes that form too, but only for places where Arabic names are written, so
  that "El Salvador" never becomes "Salvador".
- ``folded_key``: the exact key with vowel spellings folded (ou/oo -> u, ee/ei/ie -> i, e -> a,
  w between vowels kept) and doubled letters collapsed.
- ``skeleton``: consonants only, for generating fuzzy candidates that ``score`` then ranks.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii
from rapidfuzz.distance import Indel

# Apostrophes, ayn and hamza marks, modifier letters, backticks: all dropped ("Dar'a" -> "Dara").
_MARKS = re.compile(r"[\u0027\u0060\u00b4\u2018\u2019\u201b\u02bb\u02bc\u02be\u02bf\u02c8\u02ca\u02cb]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Arabic definite article with sun-letter assimilation, as a separate or hyphenated word.
_ARTICLE = re.compile(r"\b(?:al|el|ad|ar|as|ash|at|az|an|ath|adh|ez|es|ed|ul)\s+(?=\w)")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiouy]+")
_FOLDS = (("ou", "u"), ("oo", "u"), ("ee", "i"), ("ei", "i"), ("ie", "i"), ("e", "a"),
          ("ph", "f"), ("q", "k"), ("kh", "k"), ("gh", "g"), ("dh", "d"), ("th", "t"))


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _MARKS.sub("", text)
    return anyascii(text)


def exact_key(text: str) -> str:
    """Lower-case ASCII key with marks removed and punctuation as spaces: "Dar'a" -> "dara"."""
    return " ".join(_NON_ALNUM.sub(" ", ascii_fold(text).lower()).split())


def without_article(key: str) -> str:
    """An exact key with Arabic articles dropped: "al hasakah" -> "hasakah", "deir ez zor" kept
    whole except the article ("deir zor")."""
    return " ".join(_ARTICLE.sub("", key).split()) or key


def folded_key(text: str, *, from_exact: bool = False) -> str:
    """Vowel spellings folded and doubled letters collapsed: Deraa, Daraa -> "dara"."""
    key = text if from_exact else exact_key(text)
    for a, b in _FOLDS:
        key = key.replace(a, b)
    return _DOUBLE.sub(r"\1", key)


def skeleton(text: str, *, from_folded: bool = False) -> str:
    """Consonant skeleton, keeping a leading vowel: "Da'el" -> "dl", "Idlib" -> "idlb"."""
    key = text if from_folded else folded_key(text)
    out = []
    for word in key.split():
        head, rest = word[:1], word[1:]
        out.append(head + _VOWELS.sub("", rest))
    return _DOUBLE.sub(r"\1", " ".join(out))


def score(query: str, name: str) -> float:
    """Similarity in 0..1 of two names: 1 for the same exact key, 0.95 for the same folded key,
    else the normalised Indel similarity of the folded keys (scaled below 0.95)."""
    qe, ne = exact_key(query), exact_key(name)
    if qe == ne:
        return 1.0
    qe, ne = without_article(qe), without_article(ne)
    qf, nf = folded_key(qe, from_exact=True), folded_key(ne, from_exact=True)
    if qf == nf:
        return 0.95
    return 0.95 * Indel.normalized_similarity(qf, nf)
