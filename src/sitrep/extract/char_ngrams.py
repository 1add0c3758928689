"""A faster ``transform`` for fitted n-gram TF-IDF vectorizers, same matrix.

sklearn's analyzers make every n-gram of every text in Python, then count each in a dict per
text: for the claims, events and rhetoric classifiers that cost more than their models.

- Character n-grams (``char_wb``): the n-grams of a text are those of its words, and news
  repeats its words, so the vocabulary columns of each word are found once and kept.
- Word n-grams (``word``, sklearn's own tokenizer): the n-grams are looked up in the vocabulary
  with ``map``, with no dict per text.

The counts then become sklearn's count matrix, and the TF-IDF weighting is sklearn's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse as sp

#: Words kept per vectorizer before the cache starts again (a few MB).
MAX_WORDS = 100_000

_caches: WeakKeyDictionary = WeakKeyDictionary()


def _plain(vectorizer) -> bool:
    """A fitted TF-IDF vectorizer that reads strings as they are given (no custom steps)."""
    return (vectorizer.strip_accents is None and vectorizer.preprocessor is None
            and vectorizer.input == "content" and not vectorizer.binary
            and hasattr(vectorizer, "vocabulary_") and hasattr(vectorizer, "_tfidf"))


def _applies(vectorizer) -> bool:
    return (getattr(vectorizer, "analyzer", None) == "char_wb" and vectorizer.lowercase
            and _plain(vectorizer))


def _applies_words(vectorizer) -> bool:
    return (getattr(vectorizer, "analyzer", None) == "word" and vectorizer.tokenizer is None
            and vectorizer.stop_words is None and _plain(vectorizer))


def transform(vectorizer, texts: Sequence[str]):
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer`` of character
    (``char_wb``) or word n-grams; any other vectorizer is passed to its own ``transform``."""
    if _applies_words(vectorizer):
        return _words(vectorizer, texts)
    if not _applies(vectorizer):
        return vectorizer.transform(texts)
    cache = _caches.get(vectorizer)
    if cache is None or len(cache) > MAX_WORDS:
        cache = _caches[vectorizer] = {}
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    parts: list[np.ndarray] = []
    sizes = []
    for text in texts:
        size = 0
        for word in text.lower().split():
            cols = cache.get(word)
            if cols is None:
                # the analyzer on one word gives that word's n-grams, as within a text
                cols = cache[word] = np.asarray(
                    [vocabulary[g] for g in analyze(word) if g in vocabulary], dtype=np.int32)
            parts.append(cols)
            size += len(cols)
        sizes.append(size)
    cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return _weighted(vectorizer, cols, sizes)


def _words(vectorizer, texts: Sequence[str]):
    """Word n-grams as sklearn's ``_word_ngrams`` makes them (n-grams joined by a space),
    looked up in the vocabulary in one pass per text (-1: not in it)."""
    tokenize = vectorizer.build_tokenizer()
    low, high = vectorizer.ngram_range
    get = vectorizer.vocabulary_.get
    found: list[int] = []
    sizes = []
    for text in texts:
        tokens = tokenize(text.lower() if vectorizer.lowercase else text)
        before = len(found)
        for n in range(low, min(high, len(tokens)) + 1):
            grams = tokens if n == 1 else map(" ".join, zip(*(tokens[k:] for k in range(n))))
            found += map(get, grams, repeat(-1))
        sizes.append(len(found) - before)
    cols = np.asarray(found, dtype=np.int64)
    rows = np.repeat(np.arange(len(texts)), sizes)
    known = cols >= 0
    return _weighted(vectorizer, cols[known], np.bincount(rows[known], minlength=len(texts)))


def _weighted(vectorizer, cols: np.ndarray, sizes):
    """The TF-IDF matrix of texts whose n-grams' columns are ``cols``, ``sizes[k]`` of them for
    text k, in order."""
    n = len(sizes)
    rows = np.repeat(np.arange(n, dtype=np.int32), sizes)
    # duplicates (an n-gram seen twice) are summed into counts, as sklearn counts them
    X = sp.csr_matrix((np.ones(len(cols), dtype=vectorizer.dtype), (rows, cols)),
                      shape=(n, len(vectorizer.vocabulary_)), dtype=vectorizer.dtype)
    X.sum_duplicates()
    return _tfidf(vectorizer._tfidf, X)


def _tfidf(transformer, X: sp.csr_matrix) -> sp.csr_matrix:
    """``TfidfTransformer.transform(X, copy=False)``'s steps on a count matrix made here: its
    input checks cost 0.2 ms a call (more than the arithmetic for a batch of sentences)."""
    from sklearn.utils.sparsefuncs_fast import (
        inplace_csr_row_normalize_l1,
        inplace_csr_row_normalize_l2,
    )

    if transformer.norm not in ("l1", "l2", None):  # a norm sklearn may add later: its own way
        return transformer.transform(X, copy=False)
    if transformer.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    if hasattr(transformer, "idf_"):
        X.data *= transformer.idf_[X.indices]
    if transformer.norm == "l2":
        inplace_csr_row_normalize_l2(X)
    elif transformer.norm == "l1":
        inplace_csr_row_normalize_l1(X)
    return X
