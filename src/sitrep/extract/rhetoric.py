"""Rhetoric: spans that use one of the 14 propaganda techniques of SemEval-2020 Task 11 (PTC).

Two layers, as for the other extractors:

* the trained layer (``train/rhetoric.py``, artefact ``rhetoric``): a token tagger that marks the
  tokens inside a propaganda span (hashed lexical features of the token and its neighbours,
  in-document repetition, quotation, and hits of the project's lexicons; logistic regression), whose
  runs of marked tokens become spans, and a technique classifier that names each span (word and
  character n-grams of the span, words around it, its length, repetition and lexicon hits; a linear
  SVM whose scores are turned into probabilities);
* the rules (``data/rhetoric.yaml``): lexicons of loaded words, labels, flag-waving phrases,
  thought-terminating cliches, doubt markers ...; alone they give the spans when the trained layer
  has not been built.

Technique names are the PTC labels in lower case (``loaded_language``, ``name_calling,labeling``,
``flag-waving``, ...). A record's ``confidence`` is the tagger's mean token probability over the
span times the classifier's probability of the technique (the list's confidence for rules).
Spans never cross a line break and never start or end with a space or ``.,:;`` (the PTC v2
convention); spans of one document never overlap.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .spans import doc_text

#: The 14 SemEval-2020 PTC techniques, as they appear in the PTC label files.
PTC_LABELS = (
    "Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy", "Causal_Oversimplification", "Doubt", "Exaggeration,Minimisation",
    "Flag-Waving", "Loaded_Language", "Name_Calling,Labeling", "Repetition", "Slogans",
    "Thought-terminating_Cliches", "Whataboutism,Straw_Men,Red_Herring",
)
#: The same names as sitrep writes them (``Technique.technique``): the PTC labels in lower case.
TECHNIQUES = tuple(label.lower() for label in PTC_LABELS)
MODEL_NAME = "rhetoric"

_EDGE_CHARS = " \n\t.,:;"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_QUOTE_CHARS = {'"', "“", "”", "«", "»"}
_NO_LISTS: frozenset[str] = frozenset()


def technique_name(label: str) -> str:
    """A PTC label ("Name_Calling,Labeling") as sitrep names it ("name_calling,labeling")."""
    name = label.strip().lower()
    if name not in TECHNIQUES:
        raise ValueError(f"not a PTC technique: {label!r}")
    return name


# -- lexicons ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LexiconList:
    name: str
    technique: str
    confidence: float
    phrases: tuple[str, ...]


@lru_cache(maxsize=1)
def lexicon() -> tuple[LexiconList, ...]:
    """The lists of ``sitrep/data/rhetoric.yaml``."""
    text = resources.files("sitrep").joinpath("data", "rhetoric.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    lists = []
    for name, entry in data.items():
        technique = technique_name(entry["technique"])
        phrases = tuple(sorted({str(p).strip().lower() for p in entry.get("phrases") or [] if p}))
        lists.append(LexiconList(name, technique, float(entry.get("confidence", 0.3)), phrases))
    return tuple(lists)


_matchers: dict[int, PhraseMatcher] = {}


def _matcher(doc: Doc) -> PhraseMatcher:
    """A PhraseMatcher (on lower-case text) of the lexicon, one per vocabulary."""
    key = id(doc.vocab)
    if key not in _matchers:
        from spacy.lang.en import English

        tokenizer = English().tokenizer  # same rules as the English pipelines' tokenizer
        matcher = PhraseMatcher(doc.vocab, attr="LOWER")
        for entry in lexicon():
            matcher.add(entry.name, [tokenizer(p) for p in entry.phrases])
        _matchers[key] = matcher
    return _matchers[key]


def lexicon_hits(doc: Doc) -> list[tuple[str, int, int]]:
    """(list name, start token, end token) of every lexicon phrase in ``doc``."""
    matcher = _matcher(doc)
    return [(doc.vocab.strings[m], s, e) for m, s, e in matcher(doc)]


# -- token features (shared by training and inference) ----------------------------------------

@dataclass
class Tokens:
    """The non-space tokens of a doc with what the features need, as plain lists (spaCy builds
    a Python object for every token it hands out, and the tagger reads every token): segment
    ids (a new segment at each line break and, when the doc is parsed, at each sentence start)
    and lexicon hits."""

    doc: Doc
    ids: list[int]  # each token's index in the doc
    low: list[str]
    shape: list[str]
    alpha: list[bool]
    stop: list[bool]
    punct: list[bool]
    idx: list[int]  # character offsets
    end: list[int]
    seg: list[int]
    lex: list[frozenset[str] | set[str]]

    @classmethod
    def of(cls, doc: Doc) -> Tokens:
        from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LENGTH, LOWER, SHAPE

        text = doc_text(doc)
        strings = doc.vocab.strings
        rows = doc.to_array([LOWER, SHAPE, IS_ALPHA, IS_STOP, IS_PUNCT, IS_SPACE, IDX,
                             LENGTH]).tolist() if len(doc) else []
        ids = [i for i, r in enumerate(rows) if not r[5]]
        kept = [rows[i] for i in ids]
        # hash -> string, once per distinct word or shape of the doc
        names = {h: strings[h] for h in {r[c] for r in kept for c in (0, 1)}}
        idx = [r[6] for r in kept]
        end = [r[6] + r[7] for r in kept]
        index = {i: k for k, i in enumerate(ids)}
        # the same segments whether or not the doc was parsed (the tagger is trained on
        # tokenised text): line breaks and sentence-final punctuation before a capital
        ends = sorted(m.end() for m in _SENTENCE_END.finditer(text))
        seg, current, prev_end = [], 0, None
        for a, b in zip(idx, end):
            if prev_end is not None and ("\n" in text[prev_end:a] or (
                    bisect.bisect_right(ends, a) > bisect.bisect_right(ends, prev_end))):
                current += 1
            seg.append(current)
            prev_end = b
        lex: list[frozenset[str] | set[str]] = [_NO_LISTS] * len(ids)  # most tokens: none
        for list_name, s, e in lexicon_hits(doc):
            for i in range(s, e):
                if i in index:
                    k = index[i]
                    if lex[k] is _NO_LISTS:
                        lex[k] = set()
                    lex[k].add(list_name)
        return cls(doc, ids, [names[r[0]] for r in kept], [names[r[1]] for r in kept],
                   [bool(r[2]) for r in kept], [bool(r[3]) for r in kept],
                   [bool(r[4]) for r in kept], idx, end, seg, lex)


def token_features(tokens: Tokens) -> list[dict[str, float]]:
    """One feature dict per token: the word, its shape and suffix, the words around it within its
    segment, bigrams, being inside quotation marks, repetition in the document, lexicon lists,
    and the content words of its segment (:func:`segment_features`)."""
    by_segment = segment_features(tokens)
    return [{**by_segment.get(seg, {}), **own}
            for seg, own in zip(tokens.seg, own_features(tokens))]


def segment_features(tokens: Tokens) -> dict[int, dict[str, float]]:
    """Per segment, the features all its tokens share: its content words (a sentence-level
    prior). The tagger is linear, so a segment's are scored once, not once per token."""
    seg, low, stop, alpha = tokens.seg, tokens.low, tokens.stop, tokens.alpha
    segment_words: dict[int, list[str]] = {}
    for i in range(len(low)):
        if alpha[i] and not stop[i]:
            segment_words.setdefault(seg[i], []).append(low[i])
    return {k: {"sw=" + w: 1.0 / math.sqrt(len(ws)) for w in ws}
            for k, ws in segment_words.items()}


#: A word's feature names as itself and as each neighbour ("w=", "suf=", "w-2=", "w-1=", "w1=",
#: "w2="), made once per word a process: news repeats its words, and the tagger reads every
#: token. The memo starts again when full.
_WORD_KEYS: dict[str, tuple[str, ...]] = {}
_WORD_KEYS_SIZE = 200_000
#: ...and the window's names past a segment's edge, in the same places.
_EDGE_KEYS = ("", "", "w-2=<B>", "w-1=<B>", "w1=<B>", "w2=<B>")


def _word_keys(w: str) -> tuple[str, ...]:
    found = _WORD_KEYS.get(w)
    if found is None:
        if len(_WORD_KEYS) >= _WORD_KEYS_SIZE:
            _WORD_KEYS.clear()
        found = _WORD_KEYS[w] = ("w=" + w, "suf=" + w[-3:], "w-2=" + w, "w-1=" + w,
                                 "w1=" + w, "w2=" + w)
    return found


def own_features(tokens: Tokens) -> list[dict[str, float]]:
    """The features of each token that its segment's other tokens do not share."""
    seg, low, stop, alpha = tokens.seg, tokens.low, tokens.stop, tokens.alpha
    text = doc_text(tokens.doc)
    counts = Counter(low)
    bigrams = Counter(zip(low, low[1:]))
    n = len(low)
    inside, quoted = False, []
    for a, b in zip(tokens.idx, tokens.end):
        if b - a == 1 and text[a] in _QUOTE_CHARS:
            inside = not inside
        quoted.append(inside)
    keys = [_word_keys(w) for w in low]
    shape = tokens.shape
    feats = []
    for i in range(n):
        w, own = low[i], keys[i]
        f = {own[0]: 1.0, "s=" + shape[i]: 1.0, own[1]: 1.0}
        for k, d in enumerate((-2, -1, 1, 2), 2):
            j = i + d
            f[keys[j][k] if 0 <= j < n and seg[j] == seg[i] else _EDGE_KEYS[k]] = 1.0
        if i > 0 and seg[i - 1] == seg[i]:
            f["b-=" + low[i - 1] + "|" + w] = 1.0
        if i + 1 < n and seg[i + 1] == seg[i]:
            f["b+=" + w + "|" + low[i + 1]] = 1.0
        if quoted[i]:
            f["inq"] = 1.0
        if alpha[i] and not stop[i] and counts[w] > 1:
            f["rep"] = min(counts[w], 5) / 5
        if i + 1 < n and bigrams[(w, low[i + 1])] > 1 and not (stop[i] and stop[i + 1]):
            f["rep2"] = 1.0
        if i > 0 and bigrams[(low[i - 1], w)] > 1 and not (stop[i] and stop[i - 1]):
            f["rep2b"] = 1.0
        for name in tokens.lex[i]:
            f["lex=" + name] = 1.0
        for d in (-1, 1):
            j = i + d
            if 0 <= j < n and seg[j] == seg[i]:
                for name in tokens.lex[j]:
                    f[f"lex{d}=" + name] = 1.0
        feats.append(f)
    return feats


def decode(tokens: Tokens, probs, threshold: float, peak: float = 0.0
           ) -> list[tuple[int, int, float]]:
    """Runs of tokens at or above ``threshold`` (a single token below it between two above is
    bridged) within a segment, as (start char, end char, mean probability); a run is kept when
    one of its tokens reaches ``peak`` (two thresholds, as in edge detection: a low one draws
    the span, a high one decides that there is one); runs of stop words and punctuation alone
    are dropped; edges are trimmed of spaces and ``.,:;``."""
    seg, text, low, punct = tokens.seg, doc_text(tokens.doc), tokens.low, tokens.punct
    on = [p >= threshold for p in probs]
    for i in range(1, len(on) - 1):
        if not on[i] and on[i - 1] and on[i + 1] and seg[i - 1] == seg[i + 1]:
            on[i] = True
    runs: list[list[int]] = []
    for i, flag in enumerate(on):
        if not flag:
            continue
        if runs and runs[-1][-1] == i - 1 and seg[i - 1] == seg[i]:
            runs[-1].append(i)
        else:
            runs.append([i])
    spans = []
    for run in runs:
        while run and low[run[0]] in _LEADING_FUNCTION_WORDS:
            run = run[1:]
        while run and (low[run[-1]] in _TRAILING_FUNCTION_WORDS or punct[run[-1]]):
            run = run[:-1]
        if not run or all(tokens.stop[i] or punct[i] for i in run):
            continue
        if max(probs[i] for i in run) < peak:
            continue
        start, end = tokens.idx[run[0]], tokens.end[run[-1]]
        start, end = trim_edges(text, *whole_words(text, start, end))
        if end > start:
            spans.append((start, end, float(sum(probs[i] for i in run) / len(run))))
    return spans


#: Words a span does not start with ("and Russia") or end with ("terrorist group that").
_LEADING_FUNCTION_WORDS = frozenset(
    "and or but nor of to in on at for with by from as is are was were be been that which who "
    "than".split())
_TRAILING_FUNCTION_WORDS = _LEADING_FUNCTION_WORDS | frozenset(
    "the a an its their his her our your my this these those".split())


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole words: "-Qaeda" -> "al-Qaeda"."""
    def inside(i: int) -> bool:
        return 0 <= i < len(text) and (text[i].isalnum() or (
            text[i] in "-'’" and 0 < i < len(text) - 1 and text[i - 1].isalnum()
            and text[i + 1].isalnum()))

    while start > 0 and inside(start - 1) and (inside(start) or text[start] in "-'’"):
        start -= 1
    while end < len(text) and inside(end) and (inside(end - 1) or text[end - 1] in "-'’"):
        end += 1
    return start, end


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in _EDGE_CHARS:
        end -= 1
    return start, end


# -- span features for the technique classifier -----------------------------------------------

def span_item(text: str, start: int, end: int, lex_names: set[str] | None = None,
              lowered: str | None = None) -> dict:
    """What the technique classifier reads of one span: its text, the words around it on its
    line, and a few shape features."""
    span = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    left, right = text[line_start:start], text[end:line_end]
    lowered = text.lower() if lowered is None else lowered
    words = span.split()
    n = len(words)
    key = span.lower().strip()
    f = {
        f"len={min(n, 12)}": 1.0,
        "loglen": math.log1p(n) / 3,
        "rep": min(lowered.count(key), 6) / 6 if key else 0.0,
        "excl": float("!" in span),
        "qmark": float("?" in span),
        "cap": float(span[:1].isupper()),
        "allcap": float(span.isupper()),
        "quoted": float(left.count('"') % 2 == 1 or left.count("“") > left.count("”")),
        "multiline": float("\n" in span),
        "whole_line": float(not left.strip() and not right.strip(" .!?\"”")),
    }
    for name in lex_names or ():
        f["lex=" + name] = 1.0
    return {"span": span, "context": left[-60:] + " [S] " + right[:60], "f": f}


class SpanVectorizer:
    """Span items -> one sparse matrix: word 1-2-grams and character 2-5-grams of the span, word
    1-2-grams of its context (weighted down), and the shape features."""

    def __init__(self, context_weight: float = 0.5):
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.context_weight = context_weight
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                     sublinear_tf=True)
        self.context = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.shape = DictVectorizer()

    def _parts(self, items, fit: bool):
        texts = [x["span"] for x in items]
        contexts = [x["context"] for x in items]
        shapes = [x["f"] for x in items]
        pairs = ((self.words, texts), (self.chars, texts), (self.context, contexts),
                 (self.shape, shapes))
        from .char_ngrams import transform

        return [(v.fit_transform(d) if fit else transform(v, d)) for v, d in pairs]

    def _stack(self, parts):
        import scipy.sparse as sp

        parts[2] = parts[2] * self.context_weight
        return sp.hstack(parts).tocsr()

    def fit_transform(self, items):
        return self._stack(self._parts(items, True))

    def transform(self, items):
        return self._stack(self._parts(items, False))


def _lex_in(tokens: Tokens, start: int, end: int) -> set[str]:
    names: set[str] = set()
    starts = tokens.idx
    k = bisect.bisect_left(starts, start)
    while k < len(starts) and starts[k] < end:
        names |= tokens.lex[k]
        k += 1
    return names


# -- the finder ---------------------------------------------------------------------------------

def _softmax(row) -> list[float]:
    top = max(row)
    exps = [math.exp(2.0 * (x - top)) for x in row]
    total = sum(exps)
    return [x / total for x in exps]


def classify(tokens: Tokens, spans: list[tuple[int, int]],
             model=None) -> list[list[tuple[str, float]]]:
    """For each (start, end) span, the techniques with their probabilities, most likely first.
    Without a trained model, the lexicon lists hit by the span, or loaded_language."""
    model = _model() if model is None else (model or None)
    if not spans:
        return []
    if model is None:
        out = []
        for s, e in spans:
            hits = _lex_in(tokens, s, e)
            ranked = sorted(((entry.technique, entry.confidence) for entry in lexicon()
                             if entry.name in hits), key=lambda x: -x[1])
            out.append(ranked or [("loaded_language", 0.2)])
        return out
    return _rank(model, _span_items(tokens, spans))


def _span_items(tokens: Tokens, spans: list[tuple[int, int]]) -> list[dict]:
    text = doc_text(tokens.doc)
    lowered = text.lower()
    return [span_item(text, s, e, _lex_in(tokens, s, e), lowered) for s, e in spans]


def _rank(model, items: list[dict]) -> list[list[tuple[str, float]]]:
    """The trained classifier's techniques for span items, most likely first."""
    if not items:
        return []
    scores = model["technique"].decision_function(model["span_vectorizer"].transform(items))
    classes = [technique_name(c) for c in model["technique"].classes_]
    out = []
    for row in scores:
        probs = _softmax(list(row))
        out.append(sorted(zip(classes, probs), key=lambda x: -x[1]))
    return out


def _model():
    from ..train import load

    model = load(MODEL_NAME)
    return model if isinstance(model, dict) and model.get("version") == MODEL_VERSION else None


#: Bumped when the artefact's layout changes; an artefact of another version is ignored.
MODEL_VERSION = 1


def find(doc: Doc, model=None, threshold: float | None = None) -> list[dict]:
    """The technique spans of ``doc`` as Technique dicts (ids t1, t2, ... in text order)."""
    return find_many([doc], model, threshold)[0]


def find_many(docs: list[Doc], model=None, threshold: float | None = None) -> list[list[dict]]:
    """:func:`find` for several docs, with one call of each trained model for them all (a call
    costs milliseconds of input checks whatever its size)."""
    from . import trusted_inputs

    model = _model() if model is None else (model or None)  # model=False: the rules alone
    live = [(k, tokens) for k, tokens in enumerate(Tokens.of(doc) if len(doc) else None
                                                   for doc in docs)
            if tokens is not None and tokens.ids]
    found: dict[int, list[tuple[int, int, str, float]]] = {}
    if model is None:
        found = {k: _rule_spans(tokens) for k, tokens in live}
    elif live:
        with trusted_inputs():
            found = _model_spans(model, live, threshold)
    return [_records(doc, found.get(k, [])) for k, doc in enumerate(docs)]


def _model_spans(model: dict, live: list[tuple[int, Tokens]], threshold: float | None
                 ) -> dict[int, list[tuple[int, int, str, float]]]:
    """The trained tagger's spans of each ``(k, tokens)``, with their best technique."""
    threshold = model["threshold"] if threshold is None else threshold
    probs = _token_probabilities(model, [tokens for _, tokens in live])
    spans, items, at = {}, [], 0
    for k, tokens in live:
        spans[k] = decode(tokens, probs[at:at + len(tokens.ids)], threshold,
                          model.get("peak", 0.0))
        at += len(tokens.ids)
        items += _span_items(tokens, [(s, e) for s, e, _ in spans[k]])
    ranked = iter(_rank(model, items))
    return {k: [(s, e, best[0][0], p * best[0][1]) for (s, e, p), best in zip(spans[k], ranked)]
            for k, _ in live}


def _token_probabilities(model: dict, docs: list[Tokens]) -> np.ndarray:
    """The tagger's probability that each token (of all ``docs``, in order) is in a span: its
    own features and its segment's, each hashed and scored once (a logistic model is linear
    in them), as ``tagger.predict_proba(hasher.transform(token_features(...)))[:, 1]``."""
    from scipy.special import expit

    own, segments, of_token = [], [], []
    for tokens in docs:
        by_segment = segment_features(tokens)
        first = {}
        for seg in tokens.seg:
            if seg not in first:
                first[seg] = len(segments)
                segments.append(by_segment.get(seg, {}))
            of_token.append(first[seg])
        own += own_features(tokens)
    hasher, tagger = model["hasher"], model["tagger"]
    coef, bias = tagger.coef_.ravel(), float(tagger.intercept_[0])
    scores = hasher.transform(own) @ coef + (hasher.transform(segments) @ coef)[of_token] + bias
    return expit(scores)


def _records(doc: Doc, found: list[tuple[int, int, str, float]]) -> list[dict]:
    text = doc_text(doc)
    records = []
    for k, (s, e, technique, confidence) in enumerate(sorted(found), 1):
        records.append({"id": f"t{k}", "technique": technique, "start": s, "end": e,
                        "text": text[s:e], "confidence": round(min(max(confidence, 0.0), 1.0), 4)})
    return records


def _rule_spans(tokens: Tokens) -> list[tuple[int, int, str, float]]:
    """Lexicon hits as spans (longest first, never overlapping)."""
    by_name = {entry.name: entry for entry in lexicon()}
    doc = tokens.doc
    hits = sorted(lexicon_hits(doc), key=lambda h: (-(h[2] - h[1]), h[1]))
    taken: list[tuple[int, int]] = []
    out = []
    for name, s, e in hits:
        start, end = trim_edges(doc_text(doc), doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text))
        if end <= start or any(start < te and ts < end for ts, te in taken):
            continue
        taken.append((start, end))
        entry = by_name[name]
        out.append((start, end, entry.technique, entry.confidence))
    return out


class RhetoricFinder:
    def __init__(self, threshold: float | None = None):
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        records(doc)["rhetoric"] = guarded("rhetoric", doc, self.find)
        return doc

    def pipe(self, docs, batch_size: int = 16):
        from . import pipe_batches

        return pipe_batches(docs, batch_size, "rhetoric",
                            lambda batch: find_many(batch, threshold=self.threshold), self.find)

    def find(self, doc: Doc) -> list[dict]:
        return find(doc, threshold=self.threshold)


@Language.factory("sitrep_rhetoric", assigns=["doc._.sitrep"], default_config={"threshold": None})
def make_rhetoric_finder(nlp: Language, name: str, threshold: float | None) -> RhetoricFinder:
    return RhetoricFinder(threshold)
