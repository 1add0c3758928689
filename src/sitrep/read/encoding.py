"""Bytes to text: UTF-8 first, then a declared or guessed encoding, and a refusal for non-text."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from sitrep.errors import ReadError

NOT_TEXT = "binary file, not text"

# Windows-1252 as browsers decode it (the WHATWG "windows-1252", also used for pages labelled
# ISO-8859-1): its five undefined bytes pass through as C1 code points instead of failing, so any
# byte string decodes, and 0x80-0x9F give the curly quotes and dashes Western text actually meant.
_CP1252_C1 = str.maketrans(
    {chr(b): bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xA0)}
)

# Below this share of non-ASCII bytes a text is mostly English. Charset detection has too little
# evidence there and tends to pick Central European or DOS code pages (naïve read as naďve), while
# Windows-1252 / ISO-8859-1 is by far the likeliest source of a stray accented letter.
_WESTERN_MAX_SHARE = 0.3
_ASCII = bytes(range(0x80))

# UTF-32 before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# <meta charset="..."> or <?xml encoding="..."?>: honoured when the bytes are not UTF-8.
_DECLARED = re.compile(
    rb"<(?:meta[^>]{0,200}?charset|\?xml[^>]{0,100}?encoding)\s*=\s*[\"']?([\w.:-]{1,40})", re.I
)
_WESTERN_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii"}

# Control characters other than tab, newline, carriage return, vertical tab and form feed. They
# carry no text (in FA-KES they are debris of an earlier mis-decoding) and confuse tokenisers.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.05


def decode(raw: bytes, origin: str) -> str:
    """The text of ``raw``; raises ReadError when it is not text at all."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return normalise(raw.decode(codec), origin)
            except UnicodeDecodeError as err:
                raise ReadError(origin, f"invalid {codec} text ({err.reason})") from None
    if b"\x00" in raw:
        raise ReadError(origin, NOT_TEXT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = _declared(raw) or _guess(raw, origin)
    return normalise(text, origin)


def normalise(text: str, origin: str) -> str:
    """Newlines as ``\\n`` and control characters removed; ReadError when much of it is control."""
    stripped, controls = _CONTROL.subn("", text)
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise ReadError(origin, NOT_TEXT)
    stripped = stripped.replace("\ufeff", "")  # byte order marks left inside by concatenation
    stripped = stripped.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n")
    return stripped.replace("\f", "\n\n")  # a page break is at least a paragraph break


def _declared(raw: bytes) -> str | None:
    """The text decoded with the charset an HTML/XML head declares, if that works."""
    match = _DECLARED.search(raw[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii").lower()
    if label in _WESTERN_LABELS or label in {"windows-1252", "cp1252"}:
        return _windows_1252(raw)
    try:
        return raw.decode(label)
    except (LookupError, UnicodeDecodeError):
        return None


def _guess(raw: bytes, origin: str) -> str:
    if len(raw.translate(None, _ASCII)) < _WESTERN_MAX_SHARE * len(raw):
        return _windows_1252(raw)
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise ReadError(origin, NOT_TEXT)
    return str(best)


def _windows_1252(raw: bytes) -> str:
    return raw.decode("latin-1").translate(_CP1252_C1)
