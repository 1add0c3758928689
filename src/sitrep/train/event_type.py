"""The event-type classifier and the source/target role tagger: CPU models for where the rules
cannot reach.

What they learn from (the *train* parts only; see ``sitrep.evaluate.events.split_of``: a sha256
of the normalised text puts 20% of every file in a held-out part that ``sitrep eval`` scores):

* ConfliBERT ``cameo_class_train.tsv``: sentence -> CAMEO quad class 0-4;
* PLOVER GSR: sentence -> PLOVER type (0.5b1 names mapped to PLOVER 2.0);
* CASE 2021 task 2 dev: snippet -> ACLED sub-event type (30 labels), and through
  ``ACLED_TO_PLOVER`` a PLOVER type for most of them;
* ConfliBERT ``cameo_ner_train.txt``: tokens -> BIO source (S) / target (T) / reciprocal (R).

Sentence features (:func:`features`, computed on a parsed spaCy ``Doc``/``Span``, so that in the
pipeline the parse is reused): TF-IDF of character 2-5-grams of the text, of lemma 1-2-grams, of
the lemmas of the root verbs (with the clause a reporting verb introduces: "X said Y attacked" ->
attack, and negated or particle verbs: ``NEG:attack``, ``pull_out``), and of verb -> dependent
triples (``launch>dobj>assault``, ``attack>prep>on``, ``meet>with>minister``). The parse features
lift cross-validated macro-F1 on the quad classes from 0.83 (text n-grams alone) to 0.90. spaCy's
tok2vec vectors (averaged) were tried and left out: they lowered it.

Three sentence heads (scikit-learn ``LinearSVC``; probabilities are a softmax of the decision
values with one temperature per head, fitted on 5-fold cross-validated decision values):

* ``quad``: 0-4 from ConfliBERT and the GSR's types mapped to quad classes (both weight 1);
* ``plover``: the 16 PLOVER types, from the GSR and the CASE snippets that map to one type;
* ``acled``: the 30 CASE labels, from CASE.

``sitrep.extract.event_model`` combines them: the quad head decides whether there is an event and
its quad class; the PLOVER head picks the type within that class (its probabilities renormalised
over the class's four types); the ACLED head names the sub-event type of violent and protest events.

The role tagger (``roles``) is a left-to-right (MEMM-style) LinearSVC over BIO tags: per token its
word, lemma, tags, entity, noun chunk, the predicate it hangs from and through which dependency,
its side of the root, a +-2 window (:func:`token_features`), plus the two previous tags.

Every design choice (features, weights, C) was made by 5-fold cross-validation *inside the train
parts*, never on the held-out parts. Training is deterministic (fixed seeds, sorted inputs).

The artefact is a plain dict of scikit-learn objects (no classes of ours are pickled; coefficients
in float32), with the fingerprints of every training text so that the scorers can check that a
held-out sentence was never trained on.
"""

from __future__ import annotations

import os
import pickle
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

NAME = "event_type"
#: Bumped when the features or the artefact's layout change (the predictor checks it).
FORMAT = 1

#: Reporting verbs whose complement clause carries the event ("officials said troops attacked").
REPORTING = frozenset({
    "say", "tell", "report", "announce", "state", "add", "claim", "note", "confirm", "explain",
    "write", "insist", "declare", "warn", "accord", "allege", "reveal", "indicate", "stress",
})
_DEPS = frozenset({
    "dobj", "xcomp", "prep", "ccomp", "neg", "aux", "prt", "attr", "acomp", "advcl", "conj",
    "nsubjpass", "agent", "dative", "oprd", "auxpass", "nsubj", "pobj",
})
FIELDS = ("text", "lemmas", "root", "deps")

SEED = 0
#: Sample weight of the GSR's (quad-mapped) sentences in the quad head.
GSR_QUAD_WEIGHT = 1.0


# --------------------------------------------------------------------------- features


def _lemma(token) -> str:
    return (token.lemma_ or token.text).lower()


def features(span) -> dict[str, str]:
    """The four text fields the vectorizers read, from a parsed ``Doc`` or ``Span``."""
    tokens = list(span)
    roots = [t for t in tokens if t.dep_ == "ROOT"] or tokens[:1]
    root_feats: list[str] = []
    for root in roots:
        root_feats.append(_lemma(root))
        preds = [root]
        if _lemma(root) in REPORTING:
            preds += [c for c in root.children if c.dep_ in ("ccomp", "xcomp", "conj")]
        preds += [c for c in root.children if c.dep_ in ("conj", "xcomp") and c.pos_ == "VERB"]
        root_feats += ["P:" + _lemma(p) for p in preds[1:]]
        for p in preds:
            for c in p.children:
                if c.dep_ == "neg":
                    root_feats.append("NEG:" + _lemma(p))
                elif c.dep_ == "prt":
                    root_feats.append(_lemma(p) + "_" + _lemma(c))
    deps: list[str] = []
    for t in tokens:
        head = t.head
        if t.i == head.i or head.pos_ not in ("VERB", "AUX") or t.dep_ not in _DEPS:
            continue
        deps.append(f"{_lemma(head)}>{t.dep_}>{_lemma(t)}")
        if t.dep_ == "prep":
            deps += [f"{_lemma(head)}>{_lemma(t)}>{_lemma(c)}" for c in t.children
                     if c.dep_ == "pobj"]
    from ..extract.spans import span_text

    return {
        "text": span_text(span),
        "lemmas": " ".join(_lemma(t) for t in tokens if not t.is_space),
        "root": " ".join(root_feats),
        "deps": " ".join(deps),
    }


def make_vectorizers() -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return {
        "text": TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2, dtype=np.float32),
        "lemmas": TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+",
                                  dtype=np.float32),
        "root": TfidfVectorizer(token_pattern=r"\S+", dtype=np.float32),
        "deps": TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, dtype=np.float32),
    }


def transform(vectorizers: dict, rows: Sequence[dict[str, str]]):
    """The sparse feature matrix of ``rows`` (outputs of :func:`features`); a field whose
    vectorizer is None (nothing to learn from at training) is left out."""
    from scipy.sparse import hstack

    from ..extract.char_ngrams import transform as fast_transform

    return hstack([fast_transform(vectorizers[f], [r[f] for r in rows]) for f in FIELDS
                   if vectorizers.get(f) is not None]).tocsr()


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(scores, dtype=np.float64)
    if z.ndim == 1:  # a binary head: one decision value
        z = np.stack([-z, z], axis=1) / 2.0
    z = z * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- roles

#: BIO tags of ConfliBERT's CAMEO NER file: S source, T target, R reciprocal (both).
ROLE_TAGS = ("O", "B-S", "I-S", "B-T", "I-T", "B-R", "I-R")
#: C of the role tagger's LinearSVC (5-fold CV inside the train part).
ROLES_C = 0.1


def _chunks(doclike) -> list[tuple[int, int]]:
    """(start, end) of the noun chunks in a Doc or Span. Asked of the language's iterator
    directly: ``Span.noun_chunks`` walks every chunk of the whole doc to keep the span's."""
    doc = doclike.doc
    iterator = getattr(doc, "noun_chunks_iterator", None)
    if iterator is None:
        return []
    lo, hi = (0, len(doc)) if doclike is doc else (doclike.start, doclike.end)
    try:
        return [(start, end) for start, end, _ in iterator(doclike) if lo <= start and end <= hi]
    except (ValueError, NotImplementedError):  # no parse (a blank pipeline)
        return []


def doc_context(doc, chunks_of=None, spans=None) -> dict:
    """What :func:`token_features` reads of the doc, as plain per-token lists made in one pass
    (word, lemma, tags, head index, entity, sentence root, noun chunk): the features walk the
    tree, and every step through spaCy's ``Token.head`` builds a new Python object.
    ``chunks_of``: the Doc or Span whose noun chunks count (default: the doc). ``spans``: the
    sentences that will be tagged, when only those are (their words are filled in, the rest of
    the lists left empty: a parse tree does not leave its sentence, so neither do the
    features)."""
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, LOWER, ORTH, POS, SHAPE, TAG
    from spacy.parts_of_speech import NAMES as POS_NAMES

    parsed = doc.has_annotation("DEP")
    strings = doc.vocab.strings
    attrs = [LOWER, LEMMA, ORTH, SHAPE, TAG, DEP, ENT_TYPE, POS, HEAD, ENT_IOB]
    array = doc.to_array(attrs) if len(doc) else np.zeros((0, len(attrs)), dtype=np.uint64)
    n = len(doc)
    if spans is None or not parsed:
        ranges = [(0, n)]
    else:  # whole sentences: a span may be part of one, and its words' heads lie outside it
        ranges = sorted({(sp[0].sent.start, sp[-1].sent.end) for sp in spans if len(sp)})
    ctx: dict = {"parsed": parsed,
                 **{name: [""] * n for name in ("lower", "lemma", "shape", "tag", "dep", "ent",
                                                "pos", "iob")}}
    iob_names = {0: "", 1: "I", 2: "O", 3: "B"}
    for a, b in ranges:
        part = array[a:b]
        text = [[strings[h] if h else "" for h in row] for row in part[:, :7].tolist()]
        ctx["lower"][a:b] = [r[0] for r in text]
        ctx["lemma"][a:b] = [(r[1] or r[2]).lower() for r in text]
        ctx["shape"][a:b] = [r[3] for r in text]
        ctx["tag"][a:b] = [r[4] for r in text]
        ctx["dep"][a:b] = [r[5] for r in text]
        ctx["ent"][a:b] = [r[6] or "O" for r in text]
        ctx["pos"][a:b] = [POS_NAMES.get(p, "") for p in part[:, 7].tolist()]
        ctx["iob"][a:b] = [iob_names[v] for v in part[:, 9].tolist()]
    # HEAD is an offset, stored unsigned: back to signed, then to an index
    ctx["head"] = (array[:, 8].astype(np.int64) + np.arange(n)).tolist()
    root = [None] * n
    if parsed:
        for a, b in ranges:
            for sent in (doc.sents if (a, b) == (0, n) else doc[a:b].sents):
                root[sent.start:sent.end] = [sent.root.i] * (sent.end - sent.start)
    ctx["root"] = root
    # per token in a noun chunk: (chunk start, chunk end, chunk root); made on first use
    # (spaCy's noun_chunks is a Python loop over every token, and many docs have no sentence
    # for the tagger)
    if chunks_of is not None:
        ctx["chunk"] = _chunk_map(chunks_of, ctx["head"])
    elif spans is not None and parsed:
        ctx["chunk"] = {i: ch for a, b in ranges
                        for i, ch in _chunk_map(doc[a:b], ctx["head"]).items()}
    else:
        ctx["chunk"] = None
    return ctx


def _chunk_map(doclike, head: list[int] | None = None) -> dict[int, tuple[int, int, int]]:
    """Per token in a noun chunk: (chunk start, chunk end, chunk root). ``head``: the doc's
    head indices, when made already (a chunk's root is then its one token whose head lies
    outside it, found without building a Span)."""
    doc = doclike.doc
    out = {}
    for start, end in _chunks(doclike):
        root = None
        if head is not None:
            outside = [i for i in range(start, end) if not start <= head[i] < end or head[i] == i]
            root = outside[0] if len(outside) == 1 else None
        if root is None:
            root = doc[start:end].root.i
        for i in range(start, end):
            out[i] = (start, end, root)
    return out


def token_features(span, context: dict | None = None) -> list[dict[str, str]]:
    """Per token of a parsed ``Doc``/``Span``: the static features of the role tagger (word,
    lemma, tags, entity, noun chunk, the predicate it hangs from and how, its side of the
    sentence's root, a +-2 window), as DictVectorizer reads them. ``context``:
    :func:`doc_context` of the span's doc, when several spans of one doc are tagged (the
    features are the same)."""
    return [dict(key.split("=", 1) for key in keys) for keys in token_keys(span, context)[0]]


#: The names of the role tagger's static features, in the order each token has them.
STATIC_NAMES = ("w", "l", "shape", "pos", "tag", "dep", "hl", "hdep", "hpos", "ent", "iob",
                "pdep", "pl|pdep", "pisroot", "side", "rootl", "rootl|side", "anc", "pdep|side",
                "rdep", "rl|rdep", "conj", "l|pdep", "chunk")
#: ...of a token in a noun chunk, after those.
CHUNK_NAMES = ("chdep", "chhead", "chpos")
#: ...of each neighbour in the +-2 window (word, tag, chunk mark, entity), or one pad feature
#: past the span's edge.
WINDOW = (-2, -1, 1, 2)
WINDOW_NAMES = {d: (f"w{d}", f"pos{d}", f"chunk{d}", f"ent{d}") for d in WINDOW}
PAD = "<pad>"


def token_values(span, context: dict | None = None):
    """The role tagger's static features of the tokens of ``span``, as columns of values whose
    names are given by position (:data:`STATIC_NAMES`, :data:`CHUNK_NAMES`,
    :data:`WINDOW_NAMES`): the one definition both :func:`token_keys` (training) and the
    decoder (``extract.event_model``, which looks a column's values up in one table per name,
    never building "name=value" strings) read.

    Returns ``(static, chunks, window, words)``: a column per static name and per chunk name (a
    chunk value is None for a token outside noun chunks), per window offset a column per name
    (past the span's edge: :data:`PAD` for the first name, None for the others: one pad feature),
    and per token its word and chunk mark (what :func:`prev_features` reads). Every column has
    one value per token."""
    doc = span.doc if hasattr(span, "doc") else span
    if context is None:
        context = doc_context(doc, span)
    first = span.start if hasattr(span, "start") else 0
    last = span.end if hasattr(span, "end") else len(doc)
    lower, lemma, dep, pos = context["lower"], context["lemma"], context["dep"], context["pos"]
    roots = context["root"]
    if context["chunk"] is None:
        context["chunk"] = _chunk_map(doc, context["head"])
    head, ent, chunk_of = context["head"], context["ent"], context["chunk"]
    tokens = range(first, last)
    heads = head[first:last]
    in_chunk = [chunk_of.get(t) for t in tokens]
    marks = ["O" if ch is None else ("B" if t == ch[0] else "I") for t, ch in zip(tokens, in_chunk)]
    conj: dict[int, bool] = {}  # whether an ancestor of a token is a conjunct

    def conj_above(t: int) -> bool:
        path, cur, found = [], t, False  # remembered for every token of the path walked
        while True:
            if cur in conj:
                found = conj[cur]
                break
            up = head[cur]
            if up == cur:
                break
            path.append(cur)
            if dep[up] == "conj":
                found = True
                break
            cur = up
        for j in path:
            conj[j] = found
        return found

    verbs = ("VERB", "AUX")
    root_of = roots[first:last] if context["parsed"] else [first] * (last - first)
    pdep, pred_lemma, pisroot, side, rdep, above, conjs = [], [], [], [], [], [], []
    for t, h, root in zip(tokens, heads, root_of):
        # the token through which t hangs from its nearest verb (or the root), and that verb
        cur = t
        while head[cur] != cur and pos[head[cur]] not in verbs:
            cur = head[cur]
        pred = head[cur]
        pdep.append("SELF" if cur == pred else dep[cur])
        pred_lemma.append(lemma[pred])
        pisroot.append(str(pred == root))
        side.append("L" if t < root else ("R" if t > root else "ROOT"))
        if t == root:
            rdep.append("ROOT")
        else:  # the dependency through which t hangs from the root
            cur = t
            while head[cur] != cur and head[cur] != root:
                cur = head[cur]
            rdep.append(dep[cur])
        # the deps of its first three ancestors
        if h == t:
            above.append("")
        else:
            h2 = head[h]
            if h2 == h:
                above.append(dep[h])
            else:
                h3 = head[h2]
                above.append(dep[h] + ">" + dep[h2] if h3 == h2
                             else dep[h] + ">" + dep[h2] + ">" + dep[h3])
        conjs.append(str(conj_above(t)))
    lemmas = lemma[first:last]
    rootl = [lemma[root] for root in root_of]
    static = [
        lower[first:last], lemmas, context["shape"][first:last], pos[first:last],
        context["tag"][first:last], dep[first:last], [lemma[h] for h in heads],
        [dep[h] for h in heads], [pos[h] for h in heads], ent[first:last],
        context["iob"][first:last], pdep, [a + "|" + b for a, b in zip(pred_lemma, pdep)],
        pisroot, side, rootl, [a + "|" + b for a, b in zip(rootl, side)], above,
        [a + "|" + b for a, b in zip(pdep, side)], rdep,
        [a + "|" + b for a, b in zip(rootl, rdep)], conjs,
        [a + "|" + b for a, b in zip(lemmas, pdep)], marks]
    chunks = [[None if ch is None else dep[ch[2]] for ch in in_chunk],
              [None if ch is None else lemma[head[ch[2]]] + "|" + dep[ch[2]] for ch in in_chunk],
              [None if ch is None else ("B" if t == ch[0] else ("E" if t == ch[1] - 1 else "I"))
               for t, ch in zip(tokens, in_chunk)]]
    neighbour = (lower[first:last], pos[first:last], marks, ent[first:last])
    window = {}
    for d in WINDOW:
        cut = min(abs(d), last - first)
        window[d] = [([PAD] if k == 0 else [None]) * cut + column[:d] if d < 0 else
                     column[d:] + ([PAD] if k == 0 else [None]) * cut
                     for k, column in enumerate(neighbour)]
    words = list(zip(lower[first:last], marks))
    return static, chunks, window, words


def token_keys(span, context: dict | None = None) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """:func:`token_features` as DictVectorizer's "name=value" column names (built from
    :func:`token_values`), and per token its word and noun-chunk mark."""
    static, chunks, window, words = token_values(span, context)
    n = len(words)
    out = []
    for k in range(n):
        keys = [name + "=" + column[k] for name, column in zip(STATIC_NAMES, static)]
        if chunks[0][k] is not None:
            keys += [name + "=" + column[k] for name, column in zip(CHUNK_NAMES, chunks)]
        for d in WINDOW:
            if 0 <= k + d < n:
                keys += [name + "=" + column[k] for name, column in zip(WINDOW_NAMES[d], window[d])]
            else:
                keys.append(WINDOW_NAMES[d][0] + "=" + PAD)
        out.append(keys)
    return out, words


def prev_context_keys(p1: str, p2: str, chunk: str) -> tuple[str, str, str]:
    """The column names of the previous-tag features that do not name the word."""
    return "p1=" + p1, "p12=" + p1 + "|" + p2, "p1|chunk=" + p1 + "|" + chunk


def prev_word_key(p1: str, word: str) -> str:
    """The column name of the previous tag with the word."""
    return "p1|w=" + p1 + "|" + word


def prev_features(word: str, chunk: str, p1: str, p2: str) -> dict[str, str]:
    """The features of the previous tags (the tagger decodes left to right), as DictVectorizer
    reads them; the decoder (``extract.event_model``) looks up the same column names."""
    return dict(key.split("=", 1)
                for key in (*prev_context_keys(p1, p2, chunk), prev_word_key(p1, word)))


def gold_token_tags(sentence, doc) -> list[str]:
    """BIO tags of ``doc``'s tokens from a gold ``NerSentence`` over the same text: a token takes
    the tag of the first gold token it overlaps; a token continuing the same gold token, I-."""
    tags, last = [], None
    for tok in doc:
        a, b = tok.idx, tok.idx + len(tok)
        hit = next((k for k, (x, y) in enumerate(sentence.offsets) if x < b and a < y), None)
        tag = "O" if hit is None else sentence.tags[hit]
        if hit is not None and hit == last and tag.startswith("B-"):
            tag = "I-" + tag[2:]
        tags.append(tag)
        last = hit
    return tags


def _int32(matrix):
    matrix = matrix.tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


def _fit_roles(sentences, docs) -> dict:
    from sklearn.feature_extraction import DictVectorizer

    rows, labels = [], []
    for sent, doc in zip(sentences, docs):
        tags = gold_token_tags(sent, doc)
        for k, f in enumerate(token_features(doc)):
            p1 = tags[k - 1] if k > 0 else "<s>"
            p2 = tags[k - 2] if k > 1 else "<s>"
            rows.append({**f, **prev_features(f["w"], f["chunk"], p1, p2)})
            labels.append(tags[k])
    vectorizer = DictVectorizer(dtype=np.float32)
    X = _int32(vectorizer.fit_transform(rows))
    clf = _compact(_svc(ROLES_C).fit(X, labels))
    return {"vectorizer": vectorizer, "clf": clf, "classes": [str(c) for c in clf.classes_],
            "tokens": len(labels)}


# --------------------------------------------------------------------------- training


def _svc(c: float = 1.0):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, random_state=SEED, max_iter=5000)


def _compact(clf):
    """Coefficients in float32: half the artefact, the same decisions to 1e-6."""
    clf.coef_ = np.ascontiguousarray(clf.coef_, dtype=np.float32)
    clf.intercept_ = np.asarray(clf.intercept_, dtype=np.float32)
    return clf


def _fit_head(X, y: Sequence, weights: Sequence[float] | None = None, c: float = 1.0) -> dict:
    """A LinearSVC on all of ``X`` plus the softmax temperature that minimises the log-loss of
    5-fold cross-validated decision values."""
    from sklearn.model_selection import KFold

    y = np.array([str(v) for v in y])
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    classes = np.array(sorted(set(y)), dtype=object)
    index = {c_: k for k, c_ in enumerate(classes)}
    scores = np.full((len(y), len(classes)), np.nan)
    for tr, te in KFold(5, shuffle=True, random_state=SEED).split(y):
        if len(set(y[tr])) < 2:
            continue
        clf = _svc(c).fit(X[tr], y[tr], sample_weight=w[tr])
        dec = clf.decision_function(X[te])
        if dec.ndim == 1:
            dec = np.stack([-dec, dec], axis=1) / 2.0
        cols = [index[k] for k in clf.classes_]
        fold = np.full((len(te), len(classes)), np.nan)
        fold[:, cols] = dec
        fold[np.isnan(fold)] = np.nanmin(dec) - 1.0  # a class missing from the fold's training
        scores[te] = fold
    gold = np.array([index[v] for v in y])
    temperature, best = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.25), np.log(20.0), 60)):
        p = softmax(scores, t)[np.arange(len(y)), gold]
        loss = float(-np.log(np.clip(p, 1e-9, 1.0)).mean())
        if loss < best:
            temperature, best = float(t), loss
    clf = _compact(_svc(c).fit(X, y, sample_weight=w))
    return {"clf": clf, "classes": [str(k) for k in clf.classes_], "temperature": temperature,
            "cv_accuracy": float((scores.argmax(1) == gold).mean()), "cv_logloss": best}


def parse(texts: Iterable[str], nlp=None) -> list:
    """Docs of ``texts`` from the bare spaCy pipeline (or ``nlp``)."""
    if nlp is None:
        from ..nlp import load_base

        nlp = load_base()
    return list(nlp.pipe(texts, batch_size=64))


def training_data(shared: Path) -> dict[str, list]:
    """The train parts of the four files: ``(text, label, weight)`` triples for each event head,
    and the ``NerSentence`` list for the role tagger."""
    from ..evaluate.events import (
        ACLED_TO_PLOVER, CAMEO_CLASS_PATH, CAMEO_NER_PATH, CASE_PATH, PLOVER_PATH, QUAD,
        load_cameo_class, load_cameo_ner, load_case2021, load_plover, plover_to_quad,
    )

    cameo = [x for x in load_cameo_class(shared / CAMEO_CLASS_PATH) if x.split == "train"]
    gsr = [x for x in load_plover(shared / PLOVER_PATH) if x.split == "train"]
    case = [x for x in load_case2021(shared / CASE_PATH) if x.split == "train"]
    quad = [(x.text, int(x.label), 1.0) for x in cameo]
    quad += [(x.text, plover_to_quad(x.label), GSR_QUAD_WEIGHT) for x in gsr]
    plover = [(x.text, x.label, 1.0) for x in gsr]
    plover += [(x.text, ACLED_TO_PLOVER[x.label], 1.0) for x in case
               if ACLED_TO_PLOVER.get(x.label) in QUAD]
    acled = [(x.text, x.label, 1.0) for x in case]
    originals = [x.text for x in load_cameo_class(shared / CAMEO_CLASS_PATH)]
    ner = [s for s in load_cameo_ner(shared / CAMEO_NER_PATH, originals) if s.split == "train"]
    return {"quad": quad, "plover": plover, "acled": acled, "roles": ner,
            "sizes": {"cameo_class": len(cameo), "plover_gsr": len(gsr), "case2021": len(case),
                      "cameo_ner": len(ner)}}


def train(shared: Path, out: Path, nlp=None) -> dict:
    """Fit the four heads on the train parts under ``shared`` and write the artefact to ``out``."""
    from ..evaluate.events import HELDOUT, key_digest

    started = time.perf_counter()
    data = training_data(Path(shared))
    heads_ = ("quad", "plover", "acled")
    event_texts = sorted({t for head in heads_ for t, _, _ in data[head]})
    role_texts = [s.text for s in data["roles"]]
    texts = sorted(set(event_texts) | set(role_texts))
    docs = dict(zip(texts, parse(texts, nlp)))
    rows = {t: features(docs[t]) for t in event_texts}
    parsed = time.perf_counter() - started

    vectorizers = make_vectorizers()
    for f in FIELDS:
        try:
            vectorizers[f].fit([rows[t][f] for t in event_texts])
        except ValueError:  # an empty vocabulary: no parse (a blank pipeline), tiny data
            vectorizers[f] = None
    heads = {}
    for head in heads_:
        triples = data[head]
        X = transform(vectorizers, [rows[t] for t, _, _ in triples])
        heads[head] = _fit_head(X, [lab for _, lab, _ in triples], [w for _, _, w in triples])
    roles = _fit_roles(data["roles"], [docs[t] for t in role_texts])
    figures = {
        "train parts": data["sizes"],
        "head sizes": {**{h: len(data[h]) for h in heads_}, "roles (tokens)": roles["tokens"]},
        "cv accuracy": {h: round(heads[h]["cv_accuracy"], 3) for h in heads},
        "parse s": round(parsed, 1),
        "total s": round(time.perf_counter() - started, 1),
    }
    artefact = {
        "name": NAME,
        "format": FORMAT,
        "vectorizers": vectorizers,
        "heads": heads,
        "roles": roles,
        "train_keys": frozenset(key_digest(t) for t in texts),
        "split": f"sha256 of the normalised text, {HELDOUT:.0%} held out "
                 "(sitrep.evaluate.events.split_of)",
        "label_counts": {h: dict(Counter(str(lab) for _, lab, _ in data[h])) for h in heads_},
        "figures": figures,
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(artefact, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out)
    return figures
