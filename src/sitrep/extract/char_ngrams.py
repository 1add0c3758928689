"""A faster ``transform`` for fitted character n-gram TF-IDF vectorizers, same matrix.

sklearn's ``char_wb`` analyzer makes every n-gram of every word of every text in Python, then
looks each up in the vocabulary: for the claims, events and rhetoric classifiers that costs more
than their models. The n-grams of a text are those of its words, and news repeats its words,
so the vocabulary columns of each word are counted once and kept; the TF-IDF weighting is then
sklearn's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse as sp

#: Words kept per vectorizer before the cache starts again (a few MB).
MAX_WORDS = 100_000

_caches: WeakKeyDictionary = WeakKeyDictionary()


def _applies(vectorizer) -> bool:
    return (getattr(vectorizer, "analyzer", None) == "char_wb" and vectorizer.lowercase
            and vectorizer.strip_accents is None and vectorizer.preprocessor is None
            and vectorizer.input == "content" and not vectorizer.binary
            and hasattr(vectorizer, "vocabulary_") and hasattr(vectorizer, "_tfidf"))


def transform(vectorizer, texts: Sequence[str]):
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer(analyzer="char_wb")``
    (any other vectorizer is passed to its own ``transform``)."""
    if not _applies(vectorizer):
        return vectorizer.transform(texts)
    cache = _caches.get(vectorizer)
    if cache is None or len(cache) > MAX_WORDS:
        cache = _caches[vectorizer] = {}
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    parts: list[np.ndarray] = []
    sizes = np.zeros(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        for word in text.lower().split():
            cols = cache.get(word)
            if cols is None:
                # the analyzer on one word gives that word's n-grams, as within a text
                cols = cache[word] = np.asarray(
                    [vocabulary[g] for g in analyze(word) if g in vocabulary], dtype=np.int32)
            parts.append(cols)
            sizes[k] += len(cols)
    cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    rows = np.repeat(np.arange(len(texts), dtype=np.int32), sizes)
    # duplicates (an n-gram seen twice) are summed into counts, as sklearn counts them
    X = sp.csr_matrix((np.ones(len(cols), dtype=vectorizer.dtype), (rows, cols)),
                      shape=(len(texts), len(vocabulary)), dtype=vectorizer.dtype)
    X.sum_duplicates()
    return vectorizer._tfidf.transform(X, copy=False)
