"""What surrounds an article body: headline, bylines, credits, appeals for money, page trailers.

Every rule looks at a whole line or a whole paragraph and either keeps it untouched or moves it to
the metadata, so the body that remains is the source text minus some lines: offsets into it stay
faithful to what was published. Rules are deliberately strict (a byline must look like names, an
appeal must ask the reader for money for "this reporting"), because dropping a real sentence of an
article is worse than leaving a stray "Share this:".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sitrep.read.dates import parse_date


@dataclass
class Cleaned:
    body: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    #: handles, byline, affiliations, credits, dropped: what was taken out of the body
    metadata: dict[str, list[str]] = field(default_factory=dict)

    def note(self, key: str, value: str) -> None:
        values = self.metadata.setdefault(key, [])
        if value not in values:
            values.append(value)


# ---- headline -------------------------------------------------------------------------------
_MAX_TITLE_CHARS, _MAX_TITLE_WORDS = 200, 30
_HEADING_MARK = re.compile(r"^#{1,6}\s+")  # a Markdown heading's "# "
_ENDS_WITH_INITIAL = re.compile(r"\b[A-Z]\.$")  # "... warns U.S." is still a headline

# ---- bylines --------------------------------------------------------------------------------
_BYLINE = re.compile(
    r"\(?\s*(?i:(?:(?:written|words|story|posted)\s+)?by|authors?\s*:)\s*:?\s+(?P<rest>.+?)\s*\)?"
)
_HANDLE = re.compile(
    r"\(?\s*(?i:(?:on\s+)?\b(?:twitter|x|instagram|telegram|threads|bluesky)\s*:?\s*)?"
    r"(?P<handle>@\w{1,30})\s*\)?"
)
_MON = r"\b(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_BYLINE_DATE = re.compile(  # "| June 20, 2018 10:42 am EDT", "Updated: 2018-06-20" after the names
    r"(?i:\b(?:published|updated|posted)\s*:?\s*)?"
    r"(?:\b\d{4}-\d{2}-\d{2}|\b\d{1,2}/\d{1,2}/\d{2,4}|" + _MON + r"\s+\d{1,2}(?:,\s*\d{4})?"
    r"|\b\d{1,2}\s+" + _MON + r"\s+\d{4})"
    r"(?:,?\s+\d{1,2}[:.]\d{2}\s*(?i:am|pm)?(?:\s+[A-Z]{2,4})?)?"
)
_BYLINE_SPLIT = re.compile(r"\s*(?:[,;|:•·]|\s[-–—]\s|\band\b|&)\s*")
_IN_PLACE = re.compile(r"(?P<name>.+?)\s+in\s+(?P<place>[A-Z][\w'’ -]*)")
_PARTICLES = {
    "al", "el", "bin", "ibn", "abu", "bint", "ben", "ould", "de", "da", "di", "du", "del", "della",
    "der", "den", "van", "von", "la", "le", "ter",
}
_PREFIXED = re.compile(r"(?i:al|el|ad|as|ash|an|ar|at|az|abu)-\w+")
_NOT_FIRST_NAMES = {"the", "a", "an", "this", "that", "our", "its", "my", "your", "his", "her",
                    "their", "these", "those", "all", "some"}
# Words that make a byline piece a desk, agency or role rather than a person.
_AFFILIATION_WORDS = {
    "news", "press", "agency", "agencies", "staff", "correspondent", "correspondents", "reporter",
    "reporters", "editor", "editors", "desk", "times", "post", "service", "wire", "bureau",
    "online", "media", "network", "tv", "television", "radio", "team", "writer", "writers",
    "contributor", "contributors", "reuters", "afp", "ap", "newsroom", "magazine", "journal",
    "daily", "weekly",
}

# ---- credits, trailers, appeals -------------------------------------------------------------
_CREDIT_ROLE = re.compile(
    r"(?i:(?:additional\s+)?reporting|proof[\s-]?read(?:ing)?|(?:sub[\s-]?)?edit(?:ed|ing)"
    r"|translat(?:ed|ion)|fact[\s-]?check(?:ed|ing)|compiled|research(?:ed)?|photos?|photographs?"
    r"|illustrations?|graphics?|video)\s+(?i:by)\s*:?\s+(?P<names>.+)"
    r"|(?i:editor|editing|proof[\s-]?reader|translator|translation)\s*:\s*(?P<names2>.+)"
)
# Bare network names are share buttons only right after a "Share this:" line.
_SOCIAL = re.compile(
    r"(?:twitter|x|facebook|e-?mail|print|whatsapp|telegram|reddit|linkedin|tumblr|pinterest"
    r"|pocket|skype|mastodon|bluesky|threads|messenger|vk|copy\s+link|more)"
    r"\s*(?:\(opens\s+in\s+new\s+window\))?",
    re.I,
)
_SHARE = re.compile(r"share\s+(?:this|the\s+story|on|via|to)\b.{0,80}|like\s+this:?", re.I)
_TRAILER = re.compile(
    "|".join((
        r"comments?\s+(?:are\s+)?closed\.?",
        r"\(?\d+\)?\s+comments?|comments?\s*\(\d+\)|no\s+comments(?:\s+yet)?\.?",
        r"(?:leave|post|add)\s+a\s+(?:reply|comment)\.?",
        r"like\s+loading\W*|loading\.\.\.|…",
        _SHARE.pattern,
        r"related(?:\s+(?:posts?|articles?|stories|content|news|coverage|reading|topics))?:?",
        r"(?:read|see)\s+(?:more|also)\b.{0,150}",
        r"follow\s+(?:us|me|@\w+|\w+\s+on)\b.{0,100}",
        r"subscribe\b.{0,100}",
        r"sign\s+up\s+(?:for|to)\b.{0,100}",
        r"click\s+here\b.{0,100}",
        r"advertisements?|sponsored(?:\s+content)?|ad",
        r"(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{4}\b.{0,100}",
        r".{0,100}\ball\s+rights\s+reserved\.?",
        r"(?:tags?|filed\s+under|categories|topics)\s*:.{0,150}",
        r"(?:print|e-?mail)\s+this\s+(?:article|page|story)",
        r"(?:previous|next)\s+(?:article|post|story)\b.{0,150}",
    )),
    re.I,
)
# Where a page's list of other articles starts: this and everything after it goes, provided what
# follows is only short lines (titles, dates), never a paragraph of prose.
_CUT = re.compile(
    r"related(?:\s+(?:posts?|articles?|stories|content|news|coverage|reading))?:?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|enjoy)\W*"
    r"|recommended(?:\s+(?:for\s+you|stories|articles))?:?|more\s+(?:from|on|in)\s+.{1,60}"
    r"|(?:most\s+)?(?:popular|read|viewed)(?:\s+(?:stories|articles|now))?:?"
    r"|trending(?:\s+now)?:?|leave\s+a\s+(?:reply|comment)",
    re.I,
)
_CUT_MAX_LINE, _CUT_MAX_TOTAL = 200, 2000

_APPEAL_ASK = re.compile(
    r"\b(?:please|if\s+you\b.{0,30}\b(?:like|enjoy|value|read|appreciate|found)|you\s+can|consider"
    r"|we\s+(?:rely|depend|need)|your\s+(?:support|contribution|donation))\b",
    re.I,
)
_APPEAL_ACT = re.compile(
    r"\b(?:contribut\w*|donat\w*|support(?:ing)?\s+(?:us|our|this|my|independent)"
    r"|help(?:s)?\s+(?:fund|support|sustain|keep)|fund(?:ing)?\s+(?:it|this|our|us)"
    r"|become\s+a\s+(?:patron|member|supporter|subscriber)|subscrib\w+|patreon|paypal|ko-?fi"
    r"|buy\s+(?:me|us)\s+a\s+coffee|chip\s+in)\b",
    re.I,
)
_APPEAL_OBJECT = re.compile(
    r"\b(?:this|our|my|independent)\s+(?:reporting|journalism|work|site|website|blog|writing"
    r"|articles?|newsletter|podcast|analysis|research|page)\b|\b(?:patreon|paypal|ko-?fi)\b"
    r"|\bhelp\s+fund\b",
    re.I,
)
_QUOTE_MARKS = re.compile(r"[\"“”«»„]")
_MAX_APPEAL_CHARS = 800
# Bylines and appeals are only looked for this close to either end, where publishers put them.
_HEAD, _TAIL = 3, 4


def clean(text: str, *, guess_title: bool = True) -> Cleaned:
    """Split ``text`` into body and boilerplate; body paragraphs are joined by a blank line."""
    result = Cleaned()
    paras = paragraphs(text)
    if guess_title and paras and _takes_title(paras):
        result.title = _HEADING_MARK.sub("", paras[0][0])
        paras = [p for p in [paras[0][1:], *paras[1:]] if p]
    paras, listing = _cut_listing(paras)

    kept: list[list[str]] = []
    sharing = False  # just after "Share this:", bare network names are buttons, not text
    for i, para in enumerate(paras):
        edge = i < _HEAD or i >= len(paras) - _TAIL
        lines = []
        for line in para:
            social = bool(_SOCIAL.fullmatch(line))
            if edge and _take_byline(line, result):
                sharing = False
            elif is_credit(line):
                result.note("credits", line)
                sharing = False
            elif (social and sharing) or (not social and _TRAILER.fullmatch(line)):
                result.note("dropped", line)
                sharing = social or bool(_SHARE.fullmatch(line))
            else:
                lines.append(line)
                sharing = False
        if lines and edge and _is_appeal(" ".join(lines)):
            result.note("dropped", "\n".join(lines))
        elif lines:
            kept.append(lines)
    for line in listing:
        result.note("dropped", line)
    result.body = "\n\n".join("\n".join(p) for p in kept)
    return result


def paragraphs(text: str) -> list[list[str]]:
    """The paragraphs of ``text``, each a list of its (stripped) lines.

    A text with blank lines marks paragraphs with them and may wrap lines inside one; a text with
    none (scraped or extracted text) has one paragraph per line.
    """
    lines = [line.strip() for line in text.strip().split("\n")]
    if "" not in lines:
        return [[line] for line in lines if line]
    paras: list[list[str]] = [[]]
    for line in lines:
        if line:
            paras[-1].append(line)
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def split_authors(value: str) -> list[str]:
    """``"A; B and C"`` -> ``["A", "B", "C"]``."""
    parts = re.split(r"\s*(?:[;|,&]|\band\b)\s*", value)
    return [a for a in (p.strip(" .") for p in parts) if a]


def parse_byline(line: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Authors and extras (handles, affiliations, places) of a byline; None if not a byline."""
    if len(line) > 150 or not (m := _BYLINE.fullmatch(line)):
        return None
    found = _people(_BYLINE_DATE.sub(" ", m["rest"]))
    if found is None or not (found[0] or any(k == "affiliations" for k, _ in found[1])):
        return None
    return found


def is_credit(line: str) -> bool:
    """A production credit: "Proof read by: X", "(Reporting by X; Editing by Y)"."""
    if len(line) > 200:
        return False
    parts = [p.strip() for p in line.strip().strip("()").split(";") if p.strip()]
    for part in parts:
        m = _CREDIT_ROLE.fullmatch(part)
        if not m or _people(m["names"] or m["names2"]) is None:
            return False
    return bool(parts)


def _people(text: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Names in a byline or credit ("A, B and C, Reuters: @a"); None if any piece is not a name."""
    extras = [("handles", h) for h in _HANDLE.findall(text)]
    text = _HANDLE.sub(" , ", text).strip()
    if text.endswith(".") and not _ENDS_WITH_INITIAL.search(text):
        text = text[:-1]
    names: list[str] = []
    for piece in _BYLINE_SPLIT.split(text):
        piece = piece.strip(" ,;:()[]")
        if not piece:
            continue
        words = {w.strip(".,").lower() for w in piece.split()}
        placed = _IN_PLACE.fullmatch(piece)
        if words & _AFFILIATION_WORDS or (piece.isupper() and piece.isalpha() and len(piece) <= 8):
            extras.append(("affiliations", piece))
        elif _is_name(piece):
            names.append(piece)
        elif placed and _is_name(placed["name"]):
            names.append(placed["name"])
            extras.append(("byline_places", placed["place"]))
        else:
            return None  # neither a name nor a desk: prose that happens to start with "By"
    return names, extras


def _takes_title(paras: list[list[str]]) -> bool:
    first = paras[0]
    followed_well = len(first) == 1 or parse_byline(first[1]) is not None
    more_follows = len(paras) > 1 or len(first) > 2
    return followed_well and more_follows and _is_headline(first[0])


def _is_headline(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= _MAX_TITLE_WORDS or len(line) > _MAX_TITLE_CHARS:
        return False
    if line[-1] in ".,;:" and not _ENDS_WITH_INITIAL.search(line):
        return False  # a prose sentence, or a label leading into the next line
    first = next((c for c in line if c.isalnum()), "")
    if not (first.isupper() or first.isdigit()):
        return False
    bare = _HEADING_MARK.sub("", line)
    return not (
        parse_byline(line) or is_credit(line) or _TRAILER.fullmatch(bare) or parse_date(bare)
    )


def _take_byline(line: str, result: Cleaned) -> bool:
    found = parse_byline(line)
    if found is None:
        return False
    authors, extras = found
    for name in authors:
        if name not in result.authors:
            result.authors.append(name)
    result.note("byline", line)
    for key, value in extras:
        result.note(key, value)
    return True


def _is_name(piece: str) -> bool:
    tokens = piece.split()
    if not 2 <= len(tokens) <= 6 or tokens[0].lower() in _NOT_FIRST_NAMES:
        return False
    return tokens[0][0].isupper() and all(_is_name_token(t) for t in tokens)


def _is_name_token(token: str) -> bool:
    if token.lower() in _PARTICLES or _PREFIXED.fullmatch(token):
        return True
    return token[0].isupper() and all(c.isalpha() or c in ".'’-" for c in token)


def _is_appeal(text: str) -> bool:
    return (
        len(text) <= _MAX_APPEAL_CHARS
        and not _QUOTE_MARKS.search(text)  # a quoted appeal is news (an aid agency asking)
        and bool(_APPEAL_ASK.search(text))
        and bool(_APPEAL_ACT.search(text))
        and bool(_APPEAL_OBJECT.search(text))
    )


def _cut_listing(paras: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """The paragraphs before a trailing "Related"-style listing, and the listing's lines."""
    for i, para in enumerate(paras):
        for j, line in enumerate(para):
            if (i == 0 and j == 0) or not _CUT.fullmatch(line):
                continue
            rest = para[j:] + [line for p in paras[i + 1:] for line in p]
            if all(len(r) <= _CUT_MAX_LINE for r in rest) and sum(map(len, rest)) <= _CUT_MAX_TOTAL:
                return paras[:i] + ([para[:j]] if j else []), rest
    return paras, []
