"""The trained event-type layer, as the rules use it: a sentence or clause -> PLOVER type.

The model is built by ``make models`` (``python -m sitrep.train event_type``; see
``sitrep.train.event_type`` for what it learns from and how) into the cache, never downloaded.
Every function here returns None when it has not been built, so the rules run alone.

Inputs are parsed spaCy ``Span``/``Doc`` objects (a sentence, a clause, a snippet: the parse the
pipeline already made is reused) or plain strings, which are parsed first with the bare spaCy
pipeline (about 6 ms each). Pass a document's sentences in one call: the classifier costs about
0.3 ms a sentence in a batch, but about 2 ms for a call with one sentence (scikit-learn's
per-call checks); the role tagger about 1.2 ms a sentence.

What the model has seen: sentences that almost all report an event (ConfliBERT's class 0 is
"statement", not arbitrary prose). Its "NONE" is calibrated on those, so on a sentence without
any political act it can still name a type with middling probability: let the rules decide where
to look (a trigger, an actor), and the model what the event is (:func:`combine`).

* :func:`predict`: ``(label, probability)`` per item; ``label`` is a PLOVER type or ``"NONE"``.
  The quad head decides whether there is an event and its CAMEO quad class; the PLOVER head picks
  the type within that class. ``probability`` is the joint probability of that label
  (p(quad class) x p(type | quad class)); for ``"NONE"`` it is p(no event).
* :func:`distribution`: the joint probability of each of the 17 labels.
* :func:`predict_quad`: ``(quad class 0-4, probability)``.
* :func:`predict_acled`: ``(ACLED sub-event type name, probability)`` from the head trained on
  CASE 2021 snippets (which are all events: call it for events already found, e.g. ASSAULT,
  PROTEST, COERCE). The name is ACLED's own (``"Air/drone strike"``), or None when the best label
  is one of CASE's non-ACLED ones (disasters, organised crime, diplomacy, attribution).
* :func:`combine` / :func:`combine_acled`: how a sentence's rule-found type and the model's
  distribution make one label (below).
* :func:`roles`: the source and target spans of a sentence's main event, from a token tagger
  trained on ConfliBERT's CAMEO NER file: ``(role, start_char, end_char)`` with role ``"source"``,
  ``"target"`` or ``"both"`` (reciprocal: "X met Y"), offsets into the item's ``Doc``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np

from ..evaluate.events import ACLED_CODES, NONE, PLOVER_TYPES, QUAD

NAME = "event_type"

_lock = threading.Lock()
_parser = None


def model() -> dict | None:
    """The loaded artefact, or None when it has not been built or is of another format."""
    from ..train import load
    from ..train.event_type import FORMAT

    art = load(NAME)
    if not isinstance(art, dict) or art.get("format") != FORMAT:
        return None
    return art


def available() -> bool:
    return model() is not None


def _nlp():
    global _parser
    with _lock:
        if _parser is None:
            from ..nlp import load_base

            _parser = load_base()
        return _parser


def _rows(items: Sequence) -> list[dict[str, str]]:
    from ..train.event_type import features

    strings = [k for k, x in enumerate(items) if isinstance(x, str)]
    parsed = {}
    if strings:
        nlp = _nlp()
        for k, doc in zip(strings, nlp.pipe([items[k] for k in strings], batch_size=64)):
            parsed[k] = doc
    return [features(parsed.get(k, x)) for k, x in enumerate(items)]


def _weights(head: dict) -> tuple[np.ndarray, np.ndarray]:
    """A head's coefficients as a C-contiguous (features x classes) matrix, made once per
    process (``X @ coef_.T`` would copy the transposed matrix on every call)."""
    cached = head.get("_weights")
    if cached is None:
        clf = head["clf"]
        cached = (np.ascontiguousarray(clf.coef_.T), np.asarray(clf.intercept_))
        head["_weights"] = cached
    return cached


def _probabilities(art: dict, head: str, X) -> tuple[list[str], np.ndarray]:
    from ..train.event_type import softmax

    h = art["heads"][head]
    weights, bias = _weights(h)
    scores = np.asarray(X @ weights) + bias  # LinearSVC's decision_function
    if scores.shape[1] == 1:
        scores = scores[:, 0]
    return h["classes"], softmax(scores, h["temperature"])


def _heads(items: Sequence, heads: Sequence[str]):
    art = model()
    if art is None:
        return None
    if not items:
        return {}
    from ..train.event_type import transform
    from . import trusted_inputs

    rows = _rows(items)
    with trusted_inputs():
        X = transform(art["vectorizers"], rows)
    return {h: _probabilities(art, h, X) for h in heads}


def _joint(out: dict) -> list[dict[str, float]]:
    qcls, qp = out["quad"]
    tcls, tp = out["plover"]
    qindex = {int(c): k for k, c in enumerate(qcls)}
    result = []
    for qrow, trow in zip(qp, tp):
        dist = {NONE: float(qrow[qindex[0]]) if 0 in qindex else 0.0}
        by_type = dict(zip(tcls, trow))
        for group in (1, 2, 3, 4):
            members = [t for t in PLOVER_TYPES if QUAD[t] == group]
            pq = float(qrow[qindex[group]]) if group in qindex else 0.0
            mass = sum(by_type.get(t, 0.0) for t in members)
            for t in members:
                share = by_type.get(t, 0.0) / mass if mass > 0 else 1.0 / len(members)
                dist[t] = pq * share
        result.append(dist)
    return result


def distribution(items: Sequence) -> list[dict[str, float]] | None:
    """Per item, the joint probability of ``"NONE"`` and of each PLOVER type (they sum to 1);
    None without the model."""
    out = _heads(items, ("quad", "plover"))
    if out is None:
        return None
    return _joint(out) if items else []


def predict(items: Sequence) -> list[tuple[str, float]] | None:
    """``(PLOVER type or "NONE", probability)`` per item: the most probable type within the most
    probable quad class. None when the model has not been built."""
    out = _heads(items, ("quad", "plover"))
    if out is None:
        return None
    if not items:
        return []
    qcls, qp = out["quad"]
    result = []
    for qrow, dist in zip(qp, _joint(out)):
        group = int(qcls[int(np.argmax(qrow))])
        if group == 0:
            result.append((NONE, float(dist[NONE])))
            continue
        best = max((t for t in PLOVER_TYPES if QUAD[t] == group), key=lambda t: dist[t])
        result.append((best, float(dist[best])))
    return result


def predict_quad(items: Sequence) -> list[tuple[int, float]] | None:
    """``(CAMEO quad class 0-4, probability)`` per item; None without the model."""
    out = _heads(items, ("quad",))
    if out is None:
        return None
    if not items:
        return []
    classes, probs = out["quad"]
    return [(int(classes[k]), float(row[k])) for row in probs for k in [int(np.argmax(row))]]


def predict_acled(items: Sequence) -> list[tuple[str | None, float]] | None:
    """``(ACLED sub-event type name or None, probability)`` per item; None without the model."""
    out = _heads(items, ("acled",))
    if out is None:
        return None
    if not items:
        return []
    classes, probs = out["acled"]
    result = []
    for row in probs:
        k = int(np.argmax(row))
        result.append((ACLED_CODES.get(classes[k]), float(row[k])))
    return result


#: The model decides the quad class (and whether there is an event) when its most probable quad
#: class has at least this probability; below it, the rules' type stands.
CONFIDENT = 0.5


def quad_class(dist: dict[str, float]) -> tuple[int, float]:
    """The most probable CAMEO quad class (0 = no event) of a :func:`distribution`, and its
    probability (the sum over its types)."""
    quad = {g: sum(p for t, p in dist.items() if QUAD.get(t) == g) for g in (1, 2, 3, 4)}
    quad[0] = dist.get(NONE, 0.0)
    group = max(quad, key=lambda g: quad[g])
    return group, quad[group]


def combine(rule: str | None, dist: dict[str, float], confident: float = CONFIDENT
            ) -> tuple[str, float, str]:
    """One sentence's label from the rules' type (of its most confident asserted event, or None)
    and the model's :func:`distribution`: ``(label, probability, origin)``.

    The model is the better judge of *whether* a sentence reports an event and of its quad class
    (cooperation or conflict, verbal or material); the lexicon, when it fires, is the better judge
    of the exact type. So: when the model's most probable quad class reaches ``confident``, it
    decides the class ("NONE" included) and the rules' type is kept if it lies in that class,
    else the model's best type in it is used; when the model is unsure, the rules' type stands,
    and without one the model's label. ``origin`` is "rules", "model" or "both" (they agree)."""
    quad = {g: sum(p for t, p in dist.items() if QUAD.get(t) == g) for g in (1, 2, 3, 4)}
    quad[0] = dist.get(NONE, 0.0)
    group = max(quad, key=lambda g: quad[g])

    def best_in(g: int) -> str:
        return NONE if g == 0 else max((t for t in PLOVER_TYPES if QUAD[t] == g),
                                       key=lambda t: dist.get(t, 0.0))

    if quad[group] >= confident:
        if rule is not None and QUAD.get(rule) == group:
            return rule, float(dist.get(rule, 0.0)), "both"
        label = best_in(group)
        return label, float(dist.get(label, 0.0)), "model"
    if rule is not None:
        return rule, float(dist.get(rule, 0.0)), "rules"
    label = best_in(group)
    return label, float(dist.get(label, 0.0)), "model"


def combine_acled(rule: str | None, model: tuple[str | None, float],
                  confident: float = CONFIDENT) -> tuple[str | None, float, str]:
    """An event's ACLED sub-event type from the rules' (``acled_map.yaml``) and the model's
    :func:`predict_acled` answer: the model's when it reaches ``confident`` (it was trained on
    CASE's sub-types), else the rules' when they gave one, else the model's."""
    name, p = model
    if rule is None:
        return name, p, "model"
    if p >= confident:
        return name, p, ("both" if name == rule else "model")
    return rule, p if name == rule else 0.0, ("both" if name == rule else "rules")


ROLE_NAMES = {"S": "source", "T": "target", "R": "both"}


def _prev_tables(head: dict, classes: list[str]) -> dict:
    """The previous-tag features (``train.event_type.prev_features``) as arrays, made once per
    process: the weight rows of the three that do not name the word, summed per (p1, p2, chunk
    mark); and per word, the vocabulary column of "previous tag with this word" for each
    previous tag. Tag 0 is the sentence start."""
    cached = head.get("_prev_tables")
    if cached is not None:
        return cached
    from ..train.event_type import prev_context_keys, prev_word_key

    weights, _ = _weights(head)
    vocab = head["vectorizer"].vocabulary_
    tags = ["<s>", *classes]
    chunks = ("B", "I", "O")
    context = np.zeros((len(tags), len(tags), len(chunks), weights.shape[1]))
    for a, p1 in enumerate(tags):
        for b, p2 in enumerate(tags):
            for c, chunk in enumerate(chunks):
                cols = [vocab.get(key) for key in prev_context_keys(p1, p2, chunk)]
                context[a, b, c] = sum((weights[col] for col in cols if col is not None),
                                       np.zeros(weights.shape[1]))
    # prev_word_key(tag, word) is "p1|w=" + tag + "|" + word: under the name "p1|w"
    word_name = prev_word_key("", "").partition("=")[0]
    by_word: dict[str, list[tuple[int, int]]] = {}
    index = {tag: k for k, tag in enumerate(tags)}
    for value, col in _value_tables(head).get(word_name, {}).items():
        tag, _, word = value.partition("|")
        if tag in index:
            by_word.setdefault(word, []).append((index[tag], col))
    # a zero row past the last column: the row of "no such column"
    padded = np.vstack([weights, np.zeros((1, weights.shape[1]))])
    kinds = [t[2:] if t[:2] in ("B-", "I-") else "" for t in tags]
    kind_index = {k: n for n, k in enumerate(dict.fromkeys(kinds))}
    begin = [index.get("B-" + t[2:], k) if t.startswith("I-") else k for k, t in enumerate(tags)]
    cached = head["_prev_tables"] = {
        "tags": tags, "context": context, "by_word": by_word, "padded": padded,
        "chunk": {c: k for k, c in enumerate(chunks)},
        "inside": np.array([t.startswith("I-") for t in tags]),
        "kind": np.array([kind_index[k] for k in kinds]), "begin": np.array(begin),
        "outside": np.array([t in ("<s>", "O") for t in tags])}
    return cached


def _value_tables(head: dict) -> dict[str, dict[str, int]]:
    """The vocabulary of the role tagger as feature name -> value -> column ("w=rebels" under
    "w"), made once per process: the decoder looks values up without building the name."""
    cached = head.get("_value_tables")
    if cached is None:
        cached = {}
        for key, col in head["vectorizer"].vocabulary_.items():
            name, sep, value = key.partition("=")
            if sep:
                cached.setdefault(name, {})[value] = col
        head["_value_tables"] = cached
    return cached


def _decode_many(art: dict, items: list[tuple]) -> list[list[str]]:
    """Greedy left-to-right BIO tags of each ``(span, context)``'s tokens. The static features
    are scored for all tokens at once, name by name; the previous-tag features, which depend on
    the tags already chosen, position by position for all spans at once."""
    from ..train.event_type import CHUNK_NAMES, STATIC_NAMES, WINDOW, WINDOW_NAMES, token_values

    head = art["roles"]
    weights, bias = _weights(head)
    classes = [str(c) for c in head["clf"].classes_]
    tables = _prev_tables(head, classes)
    # one value table per feature name, in the order a token's features are summed (static,
    # chunk, window): a column of values is looked up in its name's table in one map, with no
    # "name=value" string built and no Python step per token
    by_name = _value_tables(head)
    names_t = [by_name.get(name, {}) for name in (
        *STATIC_NAMES, *CHUNK_NAMES, *(name for d in WINDOW for name in WINDOW_NAMES[d]))]
    columns: list[list] = [[] for _ in names_t]
    lengths: list[int] = []
    words: list[tuple[str, str]] = []
    for span, context in items:
        static, chunks, window, span_words = token_values(span, context)
        for column, values in zip(columns, chain(static, chunks,
                                                 *(window[d] for d in WINDOW))):
            column += values
        lengths.append(len(span_words))
        words += span_words
    n = len(words)
    if not n:
        return [[] for _ in items]
    # per token, the sum of its features' weight rows (DictVectorizer.transform's one-hot
    # "name=value" columns times the weights), added name by name in the order the sparse
    # product adds them; a value never seen in training (or a chunk value of a token outside
    # chunks, None) reads the zero row past the last
    padded, none = tables["padded"], weights.shape[0]
    base = np.zeros((n, weights.shape[1]))
    for table, column in zip(names_t, columns):
        base += padded[np.fromiter(map(table.get, column, repeat(none, n)), np.intp, n)]
    base += bias
    # per token and previous tag, the column of "previous tag with this word" (or the zero row)
    word_cols = np.full((n, len(tables["tags"])), none)
    chunk = np.empty(n, dtype=np.int64)
    by_word, chunk_index = tables["by_word"], tables["chunk"]
    for t, (word, mark) in enumerate(words):
        chunk[t] = chunk_index[mark]
        for tag, col in by_word.get(word, ()):
            word_cols[t, tag] = col
    # the spans' tokens position by position: at step k, every span longer than k
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    lengths_a = np.asarray(lengths)
    tags = np.zeros(n, dtype=np.int64)
    context = tables["context"]
    inside, kind, begin, outside = (tables[k] for k in ("inside", "kind", "begin", "outside"))
    for k in range(int(lengths_a.max())):
        live = offsets[lengths_a > k] + k
        p1 = tags[live - 1] if k > 0 else np.zeros(len(live), dtype=np.int64)
        p2 = tags[live - 2] if k > 1 else np.zeros(len(live), dtype=np.int64)
        score = base[live] + context[p1, p2, chunk[live]] + padded[word_cols[live, p1]]
        tag = score.argmax(axis=1) + 1  # tag 0 is the sentence start
        # an I- that starts a span is a B-
        starts = inside[tag] & (outside[p1] | (kind[p1] != kind[tag]))
        tags[live] = np.where(starts, begin[tag], tag)
    names = tables["tags"]
    out, at = [], 0
    for length in lengths:
        out.append([names[t] for t in tags[at:at + length].tolist()])
        at += length
    return out


def roles(items: Sequence) -> list[list[tuple[str, int, int]]] | None:
    """Per item, the ``(role, start_char, end_char)`` spans the role tagger finds (offsets into the
    item's Doc; into the string for a string); None when the model has not been built."""
    art = model()
    if art is None or "roles" not in art:
        return None
    from ..train.event_type import doc_context

    out = []
    spans = [_nlp()(item) if isinstance(item, str) else item for item in items]
    of_doc: dict[int, list] = {}  # per doc, the spans of it to tag (for a doc: None, all)
    for span in spans:
        if span is span.doc:
            of_doc[id(span)] = None
        elif of_doc.get(id(span.doc), []) is not None:
            of_doc.setdefault(id(span.doc), []).append(span)
    contexts: dict[int, dict] = {}  # per doc, for the spans of one doc
    for span in spans:
        if id(span.doc) not in contexts:
            contexts[id(span.doc)] = doc_context(span.doc, spans=of_doc[id(span.doc)])
    all_tags = _decode_many(art, [(span, contexts[id(span.doc)]) for span in spans])
    for span, tags in zip(spans, all_tags):
        doc = span.doc
        base = 0 if span is doc else span.start
        found, role, first = [], None, 0
        for k, tag in enumerate([*tags, "O"]):
            kind = tag[2:] if tag != "O" else None
            if role is not None and (tag == "O" or tag.startswith("B-") or kind != role):
                a, b = doc[base + first], doc[base + k - 1]
                found.append((ROLE_NAMES[role], a.idx, b.idx + len(b)))
                role = None
            if kind is not None and role is None:
                role, first = kind, k
        out.append(found)
    return out
