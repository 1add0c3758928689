"""Quotes: what was said, by whom, with which cue.

Four kinds of record (``model.Quote.kind``):

- ``direct``: words in double quotation marks (straight, curly, guillemets, or typewriter pairs
  of apostrophes or backticks) with a reporting cue next to them ("'...,' Halevy said",
  "Ya'alon said: '...'", "He told reporters:" closing the paragraph before). The span includes
  the marks. A quotation runs over sentences. News style reopens a long quotation in every
  paragraph, so a paragraph that opens one without closing it ends it there and each paragraph
  is a record; one that runs on into a quotation with a cue takes that cue's speaker. A closing
  mark with no opening mark starts the quotation at its paragraph (the op-ed's "Israel prefers
  ISIS ...,' said ...").
- ``partial``: marked words inside a sentence ("Halevy was 'concerned about ...'", "he would
  'rather see ...'", "calling on citizens to 'expel ...'"): their speaker is the subject of the
  cue that governs them, else the first subject who can speak met climbing from them. Reported
  speech that carries marked words is one record of this kind, the whole clause ("reminding it
  that ... the 'de-escalation zone ...' ...").
- ``indirect``: no marks: the clause a verb of saying governs ("X said (that) ...", "X warned Y
  that ...", "..., he says"), with a finite verb, in the cue's paragraph; and the clause with
  "according to X". A verb that may report a finding ("suggest", "estimate") needs a speaker,
  not a document, as subject.
- ``floating``: a marked sentence with no cue of its own; its speaker is that of the quote
  before it (within two paragraphs), else the last person named in the paragraph before; a
  floating quotation with no speaker at all is dropped.

Marked words that no one says are not quotes: scare quotes and names ("organisations such as
'ISIS'"), slogans ("the Army - the People - the Resistance"), titles ("The Battle of Algiers").
Marked words inside a sentence need three words or more, a subject who can speak (a person, an
organisation, a pronoun for one), and a cue or a verb or a predicate ("was 'concerned ...'"),
and must not have the shape of a name, a title or a chant.

Speakers are actors (``records(doc)["actors"]``, found before). The speaker's words
(``speaker_text``) are the subject of the cue (climbing from participles: "a statement saying",
"leaflets ... calling on", "was quoted as saying"), or the object of "according to"; the actor
(``speaker``) is the one whose mention covers its head, else one inside its words; a lone
surname ("Lonechild") is the person named in full elsewhere. He/she resolve to the last person
named before, outside quotations and asides, preferring the subject of an asserted clause or
the name that opens a sentence within the last three sentences; they/it to the last
organisation, group or state.

Verbs, phrases and the nouns that tell a speaker from a thing are in
``sitrep/data/quote_verbs.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .spans import doc_text, token_columns

OPENING = "“„‟«"
CLOSING = "”»"
STRAIGHT = '"'
MARKS = OPENING + CLOSING + STRAIGHT
_BEFORE_OPEN = set("([{—–-/:;,")  # characters that may stand right before an opening mark
_AFTER_CLOSE = set(".,;:!?)]}—–-…")  # and right after a closing one
_SENT_END = {".", "!", "?", "…", "..."}
_SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
_PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person",
             "they": "group", "them": "group", "it": "group"}
_FIRST_PERSON = {"i", "we", "me", "us", "you"}
_EXPLETIVE = {"it", "there", "this", "that", "which", "what"}
_LEXICON_FILE = ("data", "quote_verbs.yaml")
#: Tags of finite verbs: reported speech is a clause with one.
_FINITE = {"VBD", "VBZ", "VBP", "MD"}


# -- the lexicon ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lexicon:
    """``sitrep/data/quote_verbs.yaml``: the cues, and the words that tell who can speak."""

    speech: frozenset[str]
    framing: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    thought: frozenset[str] = frozenset()
    inference: frozenset[str] = frozenset()
    speakers: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()

    @property
    def cues(self) -> frozenset[str]:
        return self.speech | self.framing

    @classmethod
    def from_dict(cls, data: dict) -> Lexicon:
        def words(key):
            return frozenset(str(w).strip().lower() for w in data.get(key) or [])

        phrases = tuple(tuple(p.lower().split()) for p in data.get("phrases") or [])
        return cls(words("speech"), words("framing") - words("speech"), phrases, words("thought"),
                   words("inference"), words("speakers"), words("documents"))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    text = resources.files("sitrep").joinpath(*_LEXICON_FILE).read_text(encoding="utf-8")
    return Lexicon.from_dict(yaml.safe_load(text) or {})


# -- quotation marks on the text ----------------------------------------------------------------

@dataclass(frozen=True)
class Marked:
    """A stretch between quotation marks: ``start``/``end`` include the marks that are there
    (``opened``/``closed``), which are ``lead``/``tail`` characters long (two for ``''``)."""

    start: int
    end: int
    opened: bool = True
    closed: bool = True
    lead: int = 1
    tail: int = 1

    @property
    def content(self) -> tuple[int, int]:
        return (self.start + (self.lead if self.opened else 0),
                self.end - (self.tail if self.closed else 0))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraphs as (start, end): blank lines separate them, or single line breaks in a text
    that has no blank line."""
    sep = re.compile(r"\n[ \t\r\f\v]*\n\s*") if re.search(r"\n[ \t\r\f\v]*\n", text) else \
        re.compile(r"\n\s*")
    out, pos = [], 0
    for m in sep.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


#: Double quotation marks, including the typewriter pairs ``like this'' and ''like this''.
_MARK_RE = re.compile(r"''|``|[\"“”„‟«»]")
MARK_TOKENS = frozenset(MARKS) | {"''", "``"}


def _direction(text: str, i: int, j: int, lo: int, hi: int) -> str | None:
    """'open', 'close', or None when only the glyph or the count can tell, for the mark
    ``text[i:j]``."""
    prev = text[i - 1] if i > lo else " "
    nxt = text[j] if j < hi else " "
    left = (prev.isspace() or prev in _BEFORE_OPEN or prev in OPENING) and not nxt.isspace()
    right = not prev.isspace() and (nxt.isspace() or nxt in _AFTER_CLOSE or nxt in CLOSING)
    if left and not right:
        return "open"
    if right and not left:
        return "close"
    return None


def mark_spans(text: str) -> list[Marked]:
    """Every quotation in double marks, paragraph by paragraph.

    Straight and curly marks are told apart by what stands around them (a mark after a space and
    before a word opens), else by their glyph, else by count. A quotation still open at the end
    of its paragraph ends there (news style reopens it in the next one); a closing mark with no
    opening mark starts its quotation at the paragraph (or after the quotation before it).
    """
    spans: list[Marked] = []
    for lo, hi in paragraphs(text):
        hi = lo + len(text[lo:hi].rstrip())
        pending: tuple[int, int] | None = None  # (where, length) of an opening mark
        last_end = lo
        for mk in _MARK_RE.finditer(text, lo, hi):
            i, j = mk.start(), mk.end()
            glyph = mk.group()
            way = _direction(text, i, j, lo, hi)
            if way is None:
                if glyph in OPENING or glyph == "``":
                    way = "open"
                elif glyph in CLOSING:
                    way = "close"
                else:
                    way = "close" if pending is not None else "open"
            if glyph == STRAIGHT and pending is None and way == "close" and i > lo and \
                    text[i - 1].isdigit():
                continue  # 6'2": inches, not a quotation
            if way == "open":
                if pending is not None:  # two openings: the first one was never closed
                    end = pending[0] + len(text[pending[0]:i].rstrip())
                    spans.append(Marked(pending[0], end, True, False, pending[1]))
                    last_end = end
                pending = (i, j - i)
            elif pending is not None:
                spans.append(Marked(pending[0], j, True, True, pending[1], j - i))
                last_end = j
                pending = None
            else:
                start = _unopened_start(text, last_end, i)
                if start < i:
                    spans.append(Marked(start, j, False, True, 1, j - i))
                    last_end = j
        if pending is not None:
            end = pending[0] + len(text[pending[0]:hi].rstrip())
            if end > pending[0] + pending[1]:
                spans.append(Marked(pending[0], end, True, False, pending[1]))
    return spans


def _unopened_start(text: str, lo: int, close: int) -> int:
    """Where a quotation that has only its closing mark begins: at ``lo`` (the paragraph, or the
    end of the quotation before), past the rest of that quotation's sentence."""
    if lo > 0 and text[lo - 1] in MARKS + "'`":
        m = re.search(r"[.!?…](?=\s)", text[lo:close])
        if m:
            lo += m.end()
    while lo < close and text[lo].isspace():
        lo += 1
    return lo


# -- actors, for speakers -------------------------------------------------------------------------

@dataclass
class _Mention:
    start: int
    end: int
    actor: dict


class _Actors:
    """The actors extractor's records, indexed by character for the speaker lookups.

    Besides the mentions the actors extractor found, a bare surname of a person named in full
    before ("Lonechild" after "Darian Lonechild") is a mention of that person: spaCy does not
    always label a lone surname, and speakers are named that way.
    """

    def __init__(self, doc: Doc, marked: list[Marked], text: str | None = None,
                 sent_of: list[int] | None = None, para_start: list[int] | None = None):
        from . import records

        self.doc = doc
        self.text = doc_text(doc) if text is None else text
        self.sent_of = sent_of if sent_of is not None else [t.sent.start for t in doc]
        self.para_start = para_start if para_start is not None else [0] * len(doc)
        self._marked = marked
        self.mentions: list[_Mention] = []
        for actor in records(doc).get("actors", []) or []:
            for m in actor.get("mentions", []):
                self.mentions.append(_Mention(m["start"], m["end"], actor))
        self.mentions.sort(key=lambda m: m.start)
        self._add_surnames()

    def _add_surnames(self) -> None:
        doc = self.doc
        owner: dict[str, dict] = {}  # surname -> the person; {} when two people share it
        for m in self.mentions:
            if m.actor.get("kind") != "person":
                continue
            words = re.findall(r"[\w'’.-]+", self.text[m.start:m.end])
            words = [w for w in words if w not in {"'s", "’s"}]
            if not words or not words[-1][:1].isupper():
                continue
            key = re.sub(r"['’]s$", "", words[-1])
            if owner.get(key, m.actor).get("id") != m.actor["id"]:
                owner[key] = {}
            else:
                owner[key] = m.actor
        owner = {k: v for k, v in owner.items() if v and len(k) > 2}
        if not owner:
            return
        taken = bytearray(len(self.text) + 1)
        for m in self.mentions:
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        from spacy.attrs import ORTH

        extra = [_Mention(t.idx, t.idx + len(t.text), owner[t.text])
                 for t in (doc[i] for i, w in enumerate(token_columns(doc, [ORTH])[0])
                           if w in owner)
                 if not taken[t.idx] and t.pos_ in {"PROPN", "NOUN"}]
        if extra:
            self.mentions = sorted(self.mentions + extra, key=lambda m: m.start)

    def said(self, spans: list[tuple[int, int]]) -> None:
        """What the quotes say: names inside them are not antecedents of a speaker."""
        inside = bytearray(len(self.text) + 1)
        for s, e in spans:
            inside[s:e] = b"\x01" * (e - s)
        self._inside = inside

    def quoted(self, start: int, end: int) -> bool:
        inside = getattr(self, "_inside", None)
        if inside is None:
            self.said([(m.start, m.end) for m in self._marked])
            inside = self._inside
        return bool(inside[start]) and bool(inside[max(start, end - 1)])

    def overlapping(self, start: int, end: int) -> list[_Mention]:
        return [m for m in self.mentions if m.start < end and start < m.end]

    def _aside(self, m: _Mention) -> bool:
        """Inside parentheses (a photo credit, an aside): not where an antecedent is."""
        text = self.text
        lo = max(0, m.start - 200)
        before = text[lo:m.start]
        return before.rfind("(") > before.rfind(")") and "\n" not in before[before.rfind("("):]

    def antecedent(self, pron: Token) -> _Mention | None:
        """The actor a pronoun stands for: for he/she the last person named before it outside
        quotations and asides, preferring one named as the subject of an asserted clause in the
        last sentences (the one the text is about); for they/it the last organisation, group
        or state."""
        want = _PRONOUNS.get(pron.lower_)
        if want is None:
            return None
        limit = pron.idx - 2000
        fallback = None
        sents_back = 0
        last_sent = self.sent_of[pron.i]
        for m in reversed(self.mentions):
            if m.end > pron.idx:
                continue
            if m.start < limit:
                break
            if self.quoted(m.start, m.end) or self._aside(m):
                continue
            kind = m.actor.get("kind")
            if want == "person":
                if kind != "person":
                    continue
                tok = self._token(m)
                if tok is not None and self.sent_of[tok.i] != last_sent:
                    sents_back += 1
                    last_sent = self.sent_of[tok.i]
                if fallback is None:
                    fallback = m
                if tok is not None and (_is_subject(tok) or self._opens_clause(m, tok)):
                    return m
                if sents_back > 2:
                    break
                continue
            if kind == "person":
                continue
            return m
        return fallback

    def _opens_clause(self, m: _Mention, tok: Token) -> bool:
        """The name opens its sentence or paragraph, before any verb or preposition ("Toronto
        retiree Doug Purdy, who ..."): where a subject stands, whatever the parse says (the
        parser often glues a headline to the next sentence)."""
        doc = self.doc
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or tok.dep_ == "poss":
            return False
        lo = max(self.sent_of[span.start], self.para_start[span.start])
        return not any(t.pos_ in {"VERB", "AUX", "ADP", "SCONJ"} or t.text in MARK_TOKENS
                       for t in doc[lo:span.start])

    def _token(self, m: _Mention) -> Token | None:
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        return span.root if span is not None and len(span) else None


def _is_subject(tok: Token) -> bool:
    """The mention is the subject (or part of the subject) of a clause the text asserts: not of
    a clause that reports or describes ("heard rumours that X was ...")."""
    for _ in range(3):
        if tok.dep_ in {"compound", "appos", "conj", "flat"} and tok.head.i != tok.i:
            tok = tok.head
            continue
        break
    if tok.dep_ not in _SUBJECTS:
        return False
    clause = tok.head
    for _ in range(8):
        if clause.dep_ in {"ccomp", "acl", "relcl", "csubj", "pcomp"}:
            return False
        if clause.head.i == clause.i:
            return True
        clause = clause.head
    return True


# -- the finder -----------------------------------------------------------------------------------

@dataclass
class _Quote:
    start: int
    end: int
    kind: str
    cue: Token | None = None
    cue_text: str | None = None
    subject: Token | None = None  # the speaker's head word, if the text names one
    speaker: str | None = None
    speaker_text: str | None = None
    marked: Marked | None = None
    absorbed: list[Marked] = field(default_factory=list)


class QuoteFinder:
    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or default_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        records(doc)["quotes"] = guarded("quotes", doc, self.find)
        return doc

    def find(self, doc: Doc) -> list[dict]:
        return find(doc, self.lexicon)


def find(doc: Doc, lexicon: Lexicon | None = None) -> list[dict]:
    """The quotes of ``doc`` as Quote dicts (ids q1, q2, ... in text order); reads the actors the
    actors extractor left on the doc, writes nothing. A doc without a dependency parse has none
    (the rules read the parse)."""
    if not len(doc) or not doc.has_annotation("DEP"):
        return []
    return _Finder(doc, lexicon or default_lexicon()).run()


class _Finder:
    def __init__(self, doc: Doc, lexicon: Lexicon):
        self.doc = doc
        self.text = doc_text(doc)
        self.lex = lexicon
        from spacy.attrs import IDX, LEMMA, LOWER, POS

        self.lower, self.idx, lemma, self.pos = token_columns(doc, [LOWER, IDX, LEMMA, POS])
        self.lemma = [w.lower() for w in lemma]
        self.marked = [m for m in mark_spans(self.text) if m.end > m.start + 1]
        self.sent_of = [0] * len(doc)
        for sent in doc.sents:
            for i in range(sent.start, sent.end):
                self.sent_of[i] = sent.start
        self.in_mark = [-1] * len(doc)
        self.tokens: list[tuple[int, int]] = []  # token range of each marked span
        for k, m in enumerate(self.marked):
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                self.tokens.append((0, 0))
                continue
            self.tokens.append((span.start, span.end))
            for i in range(span.start, span.end):
                if self.in_mark[i] < 0:
                    self.in_mark[i] = k
        self.para_of = self._paragraph_index()
        para_start, last, start = [0] * len(doc), -1, 0
        for i, p in enumerate(self.para_of):
            if p != last:
                start, last = i, p
            para_start[i] = start
        self.actors = _Actors(doc, self.marked, self.text, self.sent_of, para_start)

    def _paragraph_index(self) -> list[int]:
        paras = paragraphs(self.text)
        self.para_starts = [lo for lo, _ in paras]
        out, p = [], 0
        for idx in self.idx:
            while p + 1 < len(paras) and idx >= paras[p + 1][0]:
                p += 1
            out.append(p)
        return out

    # -- the steps ----------------------------------------------------------------------------
    def run(self) -> list[dict]:
        marked = [self._marked_quote(k) for k in range(len(self.marked))]
        indirect = self._indirect(marked)
        absorbed = {id(m) for q in indirect for m in q.absorbed}
        quotes = [q for q in marked if q is not None and id(q.marked) not in absorbed]
        quotes += indirect
        quotes.sort(key=lambda q: (q.start, -q.end))
        quotes = self._dedupe(quotes)
        self.actors.said([(q.start, q.end) for q in quotes])
        for q in quotes:
            if q.subject is not None:
                self._resolve(q)
        self._floating(quotes)
        quotes = [q for q in quotes if q.kind != "unattributed"]
        return [self._record(n, q) for n, q in enumerate(quotes, 1)]

    # -- marked quotations ----------------------------------------------------------------------
    def _frame(self, k: int) -> tuple[list[Token], list[Token]]:
        """The words of the quotation's sentence outside it: before and after, stopping at the
        sentence's end, a paragraph break or another quotation."""
        doc = self.doc
        s, e = self.tokens[k]
        left: list[Token] = []
        i = s - 1
        while i >= 0 and self.in_mark[i] < 0 and not _breaks(doc[i]):
            left.append(doc[i])
            i -= 1
        left.reverse()
        right: list[Token] = []
        i = e
        while i < len(doc) and self.in_mark[i] < 0 and not _breaks(doc[i]):
            right.append(doc[i])
            i += 1
        return left, right

    def _marked_quote(self, k: int) -> _Quote | None:
        m = self.marked[k]
        s, e = self.tokens[k]
        if e <= s:
            return None
        doc = self.doc
        inner = [t for t in doc[s:e] if not (t.is_punct or t.is_space)]
        words = [t for t in inner if any(c.isalpha() for c in t.text)]
        if not words:
            return None
        left, right = self._frame(k)
        content = self.text[m.content[0]:m.content[1]].strip()
        ends_sentence = bool(re.search(r"[.!?,…:;]$", content))
        has_verb = any(t.pos_ in {"VERB", "AUX"} for t in inner)
        first_alpha = next((c for c in content if c.isalpha()), "")
        lead = [t for t in left if not (t.is_punct or t.is_space)]
        embedded = bool(lead) and left[-1].text not in {":", ","} and (
            first_alpha.islower() or not has_verb)
        if not embedded and right and not ends_sentence and not has_verb:
            embedded = True  # "'ISIS' and al-Qaeda"

        cue = self._frame_cue(s, e, left, right, embedded)
        if cue is None and not lead:
            cue = self._colon_cue(s)
        q = _Quote(m.start, m.end, "direct", marked=m)
        if cue is not None:
            q.cue, q.cue_text = cue, _cue_text(cue)
            q.subject = self._speaker_of(cue)

        if _title_shape(inner):
            return None  # "The Kid Who Would Be King", "Face the Nation": a title
        if embedded:
            if len(words) < 3 or _slogan(inner) or _name_shape(inner, has_verb):
                return None
            q.kind = "partial"
            if q.subject is None:
                subj, gov_cue = self._governing_subject(doc[s:e])
                if subj is None:
                    return None
                q.subject = subj
                if gov_cue is not None and q.cue is None:
                    q.cue, q.cue_text = gov_cue, _cue_text(gov_cue)
            if not self._animate(q.subject):
                return None  # "revisions threaten 'significant ...'": no one speaks
            if q.cue is None and not has_verb and not _predicative(doc[s:e]):
                return None  # a noun phrase in marks with no cue: "a 'black box warning'"
            return q

        if not m.opened:
            # Only a closing mark: believe it when a cue follows or the words end a sentence.
            if cue is None and not (ends_sentence and len(words) >= 6):
                return None
        if _slogan(inner) or (len(words) < 3 and cue is None):
            return None
        if cue is None:
            q.kind = "floating"
        return q

    def _frame_cue(self, s: int, e: int, left: list[Token], right: list[Token],
                   embedded: bool) -> Token | None:
        """The reporting word of a quotation: a cue next to it that governs it, else the nearest
        cue in its sentence (not for words inside a sentence: they need a governing cue)."""
        inside = set(range(s, e))
        cands = [t for t in left + right if self._is_cue(t)]
        governing = [t for t in cands if any(_governs(t, self.doc[i]) for i in inside
                                             if not self.doc[i].is_punct)]
        if governing:
            return min(governing, key=lambda t: _distance(t, s, e))
        if embedded:
            return None
        if cands:
            near = min(cands, key=lambda t: _distance(t, s, e))
            if _distance(near, s, e) <= 12:
                return near
        # '"...," he laughed': an unknown verb right after the quotation with its subject.
        lead = [t for t in right if not t.is_punct][:3]
        for t in lead:
            if t.pos_ == "VERB" and any(c.dep_ == "nsubj" for c in t.children) and \
                    t.lemma_.lower() not in self.lex.thought:
                subj = next(c for c in t.children if c.dep_ == "nsubj")
                if subj.i in {x.i for x in lead} or subj.i == t.i + 1:
                    return t
        return None

    def _colon_cue(self, s: int) -> Token | None:
        """'He said:' closing the paragraph before a quotation: the cue of that quotation."""
        doc = self.doc
        i = s - 1
        while i >= 0 and doc[i].is_space:
            i -= 1
        if i < 0 or doc[i].text != ":":
            return None
        j = i - 1
        while j >= 0 and self.in_mark[j] < 0 and not _breaks(doc[j]) and i - j <= 25:
            if self._is_cue(doc[j]):
                return doc[j]
            j -= 1
        return None

    def _is_cue(self, tok: Token) -> bool:
        if tok.pos_ in {"VERB", "AUX"} and tok.lemma_.lower() in self.lex.cues:
            if tok.lemma_.lower() == "point":
                return any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children)
            return True
        return self._phrase_at(tok) is not None

    def _phrase_at(self, tok: Token) -> tuple[str, ...] | None:
        lower, i = self.lower, tok.i
        for phrase in self.lex.phrases:
            if lower[i] == phrase[0] and tuple(lower[i:i + len(phrase)]) == phrase:
                return phrase
        return None

    def _governing_subject(self, span: Span) -> tuple[Token | None, Token | None]:
        """For words inside a sentence: who says them. Climbing from their root, the first
        subject that can speak ("Halevy was 'concerned ...'" -> Halevy), or the speaker of a
        cue met on the way ("said ... and the actions 'fall upon ...'"); else the first
        subject met."""
        inside = set(range(span.start, span.end))
        roots = [t for t in span if t.head.i not in inside or t.head.i == t.i]
        roots = [t for t in roots if not (t.is_punct or t.is_space)]
        if not roots:
            return None, None
        tok = roots[0]
        fallback = None
        for _ in range(6):
            if tok.i not in inside and self._is_cue(tok):
                subj = self._speaker_of(tok)
                if subj is not None:
                    return subj, tok
            subj = next((c for c in tok.children if c.dep_ in _SUBJECTS and c.i not in inside),
                        None)
            if subj is not None:
                if self._animate(subj):
                    return subj, None
                fallback = fallback or subj
            elif tok.dep_ == "relcl" and tok.head.i not in inside:
                return tok.head, None
            if tok.head.i == tok.i:
                break
            tok = tok.head
        return fallback, None

    def _animate(self, tok: Token, documents: bool = True) -> bool:
        """Someone who can say something: a person, an organisation, a pronoun for one, a
        statement or report (unless ``documents`` is false)."""
        if tok.lemma_.lower() in self.lex.documents or tok.lower_ in self.lex.documents:
            return documents
        if tok.lower_ in _PRONOUNS and tok.lower_ != "it":
            return True
        head_span = _speaker_span(tok)
        if self.actors.overlapping(head_span.start_char, head_span.end_char):
            return True
        return tok.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"} or \
            tok.lemma_.lower() in self.lex.speakers or tok.lower_ in self.lex.speakers

    # -- indirect speech -----------------------------------------------------------------------
    def _indirect(self, marked: list[_Quote | None]) -> list[_Quote]:
        doc = self.doc
        out: list[_Quote] = []
        lower, lemma, pos, speech = self.lower, self.lemma, self.pos, self.lex.speech
        for i in range(len(doc)):
            if self.in_mark[i] >= 0:
                continue
            if lower[i] == "according" and i + 1 < len(doc) and lower[i + 1] == "to":
                q = self._according(doc[i])
            elif pos[i] in {"VERB", "AUX"} and lemma[i] in speech:
                q = self._reported(doc[i])
            else:
                q = None
            if q is None:
                continue
            q = self._with_marks(q, marked)
            if q is not None:
                out.append(q)
        return out

    def _reported(self, verb: Token) -> _Quote | None:
        if verb.lemma_.lower() == "point" and not any(
                c.dep_ == "prt" and c.lower_ == "out" for c in verb.children):
            return None
        if any(c.dep_ == "neg" for c in verb.children):
            return None
        para = self.para_of[verb.i]
        comps = [c for c in verb.children if c.dep_ == "ccomp" and self.para_of[c.i] == para]
        comp = next((c for c in comps if c.i > verb.i), comps[0] if comps else None)
        if comp is None:
            return None
        subj = self._speaker_of(verb)
        if subj is None or subj.lower_ in _EXPLETIVE or subj.lower_ in _FIRST_PERSON:
            return None
        if verb.lemma_.lower() in self.lex.inference and not self._animate(subj, documents=False):
            return None  # "the data suggests", "city reports indicated": a finding, not speech
        if self.in_mark[subj.i] >= 0 or self.para_of[subj.i] != self.para_of[verb.i]:
            return None
        toks = [t for t in comp.subtree if self.para_of[t.i] == self.para_of[verb.i]]
        if comp.i < verb.i:
            toks = [t for t in toks if t.i < verb.i]
            if subj.i < comp.i:
                return None  # "X said Y ..." parsed with the clause before the verb: odd
            # "..., he said": a clause before its verb ends with a comma, a dash or a mark.
            gap = self.doc[max(t.i for t in toks) + 1:verb.i] if toks else None
            last = self.doc[max(t.i for t in toks)] if toks else None
            if last is None or not (last.text in {",", "—", "–", "-", ":"}
                                    or last.text in MARK_TOKENS
                                    or any(t.text in {",", "—", "–", ":"} for t in gap)):
                return None
        else:
            toks = [t for t in toks if t.i > verb.i]
            toks += self._run_on(verb, comp)
        span = _trim(_doc_span(self.doc, toks))
        if span is None or len(span) < 3:
            return None
        if not any(t.tag_ in _FINITE or (t.tag_ not in {"VBG", "VBN"} and any(
                c.dep_ in {"nsubj", "nsubjpass"} for c in t.children)) for t in span):
            return None  # "said, his voice breaking": no finite clause
        if span[0].lower_ in {"whether", "if", "how", "why", "what", "when", "where", "who"}:
            return None  # "asked whether ...", "said what ...": not a statement
        q = _Quote(span.start_char, span.end_char, "indirect", cue=verb,
                   cue_text=_cue_text(verb), subject=subj)
        return q

    def _run_on(self, verb: Token, comp: Token) -> list[Token]:
        """Verbs the parser hung on the reporting verb that continue the reported clause: "says
        he drank too much, used drugs and was ..." (same tense as the clause, not the verb)."""
        extra: list[Token] = []
        para = self.para_of[verb.i]
        for c in verb.children:
            if c.dep_ != "conj" or c.i < comp.i or self.para_of[c.i] != para:
                continue
            if any(x.dep_ in _SUBJECTS for x in c.children):
                continue
            if c.tag_ == comp.tag_ and c.tag_ != verb.tag_:
                extra += [t for t in c.subtree if self.para_of[t.i] == para]
        return extra

    def _according(self, tok: Token) -> _Quote | None:
        doc = self.doc
        to = doc[tok.i + 1]
        source = next((c for c in to.children if c.dep_ == "pobj"), None)
        if source is None:
            nxt = doc[tok.i + 2] if tok.i + 2 < len(doc) else None
            source = nxt if nxt is not None and nxt.pos_ in {"NOUN", "PROPN", "PRON"} else None
        if source is None:
            return None
        phrase_end = max(t.i for t in source.subtree) + 1
        sent = tok.sent
        lo, hi = sent.start, sent.end
        para = self.para_of[tok.i]
        while lo < tok.i and self.para_of[lo] != para:
            lo += 1
        while hi > phrase_end and self.para_of[hi - 1] != para:
            hi -= 1
        # The clause the phrase belongs to: the sentence without the phrase; the longer side.
        before = _trim(doc[lo:tok.i]) if tok.i > lo else None
        after = _trim(doc[phrase_end:hi]) if phrase_end < hi else None
        parts = [p for p in (before, after) if p is not None and len(p) >= 3]
        if not parts:
            return None
        if before is not None and after is not None and len(before) >= 2 and len(after) >= 3 \
                and not any(t.text in _SENT_END for t in before):
            span = _trim(doc[lo:hi])  # "Residents, according to X, are fearful ...": the whole
        else:
            span = max(parts, key=len)
        if span is None or not any(t.pos_ in {"VERB", "AUX"} for t in span):
            return None
        q = _Quote(span.start_char, span.end_char, "indirect", cue=tok, cue_text="according to",
                   subject=source)
        return q

    def _with_marks(self, q: _Quote, marked: list[_Quote | None]) -> _Quote | None:
        """Reported speech and the quotations in marks it touches: when the marks hold most of
        it, the marked quotation is the record (and gets the cue if it had none); else the
        reported clause is, absorbing the marked words (kind ``partial``)."""
        inside = []
        for k, m in enumerate(self.marked):
            if m.start < q.end and q.start < m.end:
                inside.append(k)
        if not inside:
            return q
        covered = sum(min(q.end, self.marked[k].end) - max(q.start, self.marked[k].start)
                      for k in inside)
        first = min(self.marked[k].start for k in inside)
        lead = len(re.findall(r"\w+", self.text[q.start:first])) if first > q.start else 0
        if covered >= 0.5 * (q.end - q.start) and lead <= 1:
            for k in inside:
                mq = marked[k]
                if mq is not None and (mq.cue is None or mq.subject is None) and \
                        mq.kind in {"floating", "direct"}:
                    mq.cue, mq.cue_text, mq.subject = q.cue, q.cue_text, q.subject
                    mq.kind = "direct"
                elif mq is None and len(inside) == 1 and self._plain(k):
                    # A marked clause the frame rules rejected (short, or closing mark only)
                    m = self.marked[k]
                    marked[k] = _Quote(m.start, m.end, "direct", cue=q.cue, cue_text=q.cue_text,
                                       subject=q.subject, marked=m)
            return None
        start = min([q.start] + [self.marked[k].start for k in inside])
        end = max([q.end] + [self.marked[k].end for k in inside])
        q.start, q.end = start, end
        q.absorbed = [self.marked[k] for k in inside]
        if any(marked[k] is not None for k in inside):
            q.kind = "partial"
        return q

    def _plain(self, k: int) -> bool:
        """Marked words that are not a title, a name or a slogan."""
        s, e = self.tokens[k]
        inner = [t for t in self.doc[s:e] if not (t.is_punct or t.is_space)]
        has_verb = any(t.pos_ in {"VERB", "AUX"} for t in inner)
        return bool(inner) and not (_title_shape(inner) or _slogan(inner)
                                    or _name_shape(inner, has_verb))

    def _dedupe(self, quotes: list[_Quote]) -> list[_Quote]:
        """Drop a record that repeats another one's span (an 'according to' clause that is also
        a reported one)."""
        out: list[_Quote] = []
        for q in quotes:
            twin = next((o for o in out if abs(o.start - q.start) <= 2 and abs(o.end - q.end) <= 2),
                        None)
            if twin is not None:
                continue
            out.append(q)
        return out

    # -- speakers ------------------------------------------------------------------------------
    def _speaker_of(self, cue: Token) -> Token | None:
        """The subject of the cue, climbing from participles and clauses ("a statement saying",
        "leaflets ... calling on", "was quoted as saying") to the verb that has one."""
        doc = self.doc
        phrase = self._phrase_at(cue)
        if phrase and phrase[-1] in {"to", "of", "by"}:  # "according to X", "in the words of X"
            prep = doc[cue.i + len(phrase) - 1]
            return next((c for c in prep.children if c.dep_ == "pobj"), None)
        tok = cue
        for _ in range(5):
            subj = next((c for c in tok.children if c.dep_ in {"nsubj", "csubj"}), None)
            if subj is None:
                passive = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
                if passive is not None and tok.lemma_.lower() in {"quote", "cite"}:
                    subj = passive
                agent = next((c for c in tok.children if c.dep_ == "agent"), None)
                if subj is None and agent is not None:
                    subj = next((c for c in agent.children if c.dep_ == "pobj"), None)
            if subj is not None and self.in_mark[subj.i] >= 0 and self.in_mark[cue.i] < 0:
                subj = None  # a word of a quotation is not who cues it: climb on
            if subj is not None and tok is not cue and (
                    tok.dep_ == "ccomp" or not self._animate(subj)):
                # "X said the injured are suffering ..., adding that": the subject of what X
                # said, or a thing, is not who adds; climb on to the one who speaks
                subj = None
            if subj is not None:
                if subj.lower_ in {"who", "that", "which"} and tok.dep_ == "relcl":
                    return tok.head
                if self.para_of[subj.i] != self.para_of[cue.i]:
                    # A headline glued to the sentence: "... producer\n\nLeader X says"
                    near = [c for c in subj.conjuncts if self.para_of[c.i] == self.para_of[cue.i]]
                    return near[-1] if near else None
                return subj
            if tok.dep_ == "relcl":
                return tok.head
            # "said X" where the parser took X for an object or attribute.
            if tok is cue and tok.lemma_.lower() in self.lex.cues:
                after = next((c for c in tok.children if c.i > tok.i and c.dep_ in
                              {"dobj", "attr", "npadvmod", "oprd", "dative"} and
                              (c.pos_ == "PROPN" or c.ent_type_ in {"PERSON", "ORG"})), None)
                if after is not None:
                    return after
            if tok.dep_ in {"advcl", "xcomp", "conj", "pcomp", "acl", "prep", "pobj", "dobj",
                            "ccomp"} and tok.head.i != tok.i:
                tok = tok.head
                continue
            break
        return None

    def _resolve(self, q: _Quote) -> None:
        subj = q.subject
        span = _speaker_span(subj)
        q.speaker_text = span.text
        if subj.lower_ in _PRONOUNS:
            m = self.actors.antecedent(subj)
            if m is not None:
                q.speaker = m.actor["id"]
            return
        hits = self.actors.overlapping(subj.idx, subj.idx + len(subj.text))
        if not hits and subj.pos_ == "PROPN":
            return  # a name no actor covers ("Hadi Abdullah"): not the "Hadi" inside it
        if not hits:
            hits = self.actors.overlapping(span.start_char, span.end_char)
            hits.sort(key=lambda m: (m.actor.get("kind") != "person", -m.start))
        if not hits:
            appos = [c for c in subj.children if c.dep_ == "appos"]
            for a in appos:
                sub = self.doc[a.left_edge.i:a.right_edge.i + 1]
                hits = self.actors.overlapping(sub.start_char, sub.end_char)
                if hits:
                    break
        if hits:
            q.speaker = hits[0].actor["id"]

    def _floating(self, quotes: list[_Quote]) -> None:
        """Marked words with no speaker of their own take the speaker of the quote before them
        (within two paragraphs); a paragraph that runs on into the next one's quotation takes
        the speaker named there ('"A ...' / '"B," said X.'); else the last person named in the
        paragraph before. A floating quotation with none of these is dropped."""
        for n, q in enumerate(quotes):
            if q.subject is not None or q.marked is None:
                continue
            para = self._para_at(q.start)
            source = None
            if not q.marked.closed:
                nxt = next((o for o in quotes[n + 1:] if o.marked is not None), None)
                if nxt is not None and nxt.subject is not None and \
                        self._para_at(nxt.start) - para <= 1:
                    source = nxt
            if source is None:
                source = next((o for o in reversed(quotes[:n]) if o.end <= q.start and
                               (o.speaker or o.speaker_text) and
                               para - self._para_at(o.start) <= 2), None)
            if source is not None:
                q.speaker, q.speaker_text = source.speaker, source.speaker_text
                continue
            m = self._last_person(q.start, para)
            if m is not None:
                q.speaker, q.speaker_text = m.actor["id"], self.text[m.start:m.end]
            elif q.kind == "floating":
                q.kind = "unattributed"  # dropped: marked words no one is said to say

    def _last_person(self, pos: int, para: int) -> _Mention | None:
        for m in reversed(self.actors.mentions):
            if m.end > pos:
                continue
            if para - self._para_at(m.start) > 1:
                return None
            if not self.actors.quoted(m.start, m.end) and m.actor.get("kind") == "person":
                return m
        return None

    def _para_at(self, char: int) -> int:
        return max(0, bisect_right(self.para_starts, char) - 1)

    def _record(self, n: int, q: _Quote) -> dict:
        return {"id": f"q{n}", "text": self.text[q.start:q.end], "start": q.start, "end": q.end,
                "kind": q.kind, "speaker": q.speaker, "speaker_text": q.speaker_text,
                "cue": q.cue_text}


# -- helpers ---------------------------------------------------------------------------------------

def _breaks(tok: Token) -> bool:
    return tok.text in _SENT_END or (tok.is_space and "\n" in tok.text)


def _governs(head: Token, tok: Token) -> bool:
    """``head`` is ``tok``'s head or grandhead (a quotation's root hangs on the cue)."""
    t = tok
    for _ in range(2):
        if t.head.i == t.i:
            return False
        t = t.head
        if t.i == head.i:
            return True
    return False


def _distance(tok: Token, s: int, e: int) -> int:
    return s - tok.i if tok.i < s else tok.i - e + 1


def _cue_text(tok: Token) -> str:
    if tok.lower_ == "according":
        return "according to"
    if tok.lower_ == "in" and tok.i + 3 < len(tok.doc) and \
            tok.doc[tok.i + 1:tok.i + 4].text.lower() == "the words of":
        return "in the words of"
    prt = [c for c in tok.children if c.dep_ == "prt" and c.i == tok.i + 1]
    if prt:
        return f"{tok.text} {prt[0].text}"
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if tok.lemma_.lower() == "call" and nxt is not None and nxt.lower_ == "on":
        return f"{tok.text} on"
    return tok.text


def _doc_span(doc: Doc, toks: list[Token]) -> Span | None:
    if not toks:
        return None
    return doc[min(t.i for t in toks):max(t.i for t in toks) + 1]


def _trim(span: Span | None) -> Span | None:
    """Punctuation and spaces off both edges."""
    if span is None:
        return None
    doc = span.doc
    s, e = span.start, span.end
    def loose(t: Token) -> bool:
        return (t.is_punct or t.is_space) and t.text not in MARK_TOKENS

    while s < e and loose(doc[s]):
        s += 1
    while e > s and loose(doc[e - 1]):
        e -= 1
    return doc[s:e] if e > s else None


def _speaker_span(tok: Token) -> Span:
    """The speaker's words: the head with its modifiers on the left and its 'of/for/at' phrase
    ("a spokesperson for the ministry"), without appositions and relative clauses."""
    doc = tok.doc
    lo = tok.i
    for c in tok.lefts:
        if c.dep_ in {"compound", "amod", "det", "poss", "nmod", "nummod", "quantmod", "case",
                      "nn", "npadvmod", "advmod"} or (c.dep_ == "punct" and c.text in "-–"):
            lo = min(lo, c.left_edge.i)
    hi = tok.i
    for c in tok.rights:
        if c.dep_ == "prep" and c.lower_ in {"of", "for", "at", "from", "with"} and c.i == hi + 1:
            hi = c.right_edge.i
        elif c.dep_ in {"compound", "flat"} and c.i == hi + 1:
            hi = c.i
    for i in range(tok.i - 1, lo - 1, -1):
        if "\n" in doc[i].text_with_ws:  # never across a line break
            lo = i + 1
            break
    while lo < tok.i and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    return doc[lo:hi + 1]


def _slogan(inner: list[Token]) -> bool:
    """A chant or motto: capitalised words between dashes or slashes, no verb."""
    if any(t.pos_ in {"VERB", "AUX"} for t in inner):
        return False
    seps = sum(t.text in {"-", "–", "—", "/"} or (t.text.endswith("-") and len(t.text) > 1)
               for t in inner)
    return seps >= 2


def _title_shape(inner: list[Token]) -> bool:
    """A title or a motto: short, and every word but the small ones capitalised."""
    words = [t for t in inner if t.is_alpha]
    if not 2 <= len(words) <= 10:
        return False
    big = [t for t in words if t.lower_ not in _SMALL_WORDS]
    return len(big) >= 2 and all(t.text[:1].isupper() for t in big)


_SMALL_WORDS = {"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "at", "by", "with",
                "as", "is", "be", "vs", "from", "into", "but", "nor"}


def _predicative(span: Span) -> bool:
    """Marked words that say something of the subject: "was 'concerned about ...'"."""
    inside = set(range(span.start, span.end))
    roots = [t for t in span if (t.head.i not in inside or t.head.i == t.i)
             and not (t.is_punct or t.is_space)]
    return bool(roots) and roots[0].dep_ in {"acomp", "attr", "oprd", "xcomp", "ccomp",
                                              "advcl", "conj", "ROOT"}


def _name_shape(inner: list[Token], has_verb: bool) -> bool:
    """A name or a title: no verb, and every word of four letters or more is capitalised."""
    if has_verb:
        return False
    words = [t for t in inner if t.is_alpha and len(t.text) >= 4]
    return bool(words) and all(t.text[:1].isupper() for t in words)


@Language.factory("sitrep_quotes",
                  requires=["doc._.sitrep", "token.dep", "token.pos", "token.lemma"],
                  assigns=["doc._.sitrep"], default_config={})
def make_quote_finder(nlp: Language, name: str) -> QuoteFinder:
    return QuoteFinder()
