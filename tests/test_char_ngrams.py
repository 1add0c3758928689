"""The cached character n-gram transform gives sklearn's matrix exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from sitrep.extract import char_ngrams

TRAIN = ["Rebels shelled the town of Kessel on Monday.", "The army withdrew from the border.",
         "Officials said 3,000 families fled the fighting.", "Talks resumed in Geneva."]
TEXTS = ["Rebels shelled the border town again", "", "  ", "x", "Ünïcode FAÇADE — «quoted»\tand\n"
         "a newline", "the the the the", "Families FLED; officials: 'no comment'."]


@pytest.mark.parametrize("options", [
    {"ngram_range": (2, 5), "sublinear_tf": True},
    {"ngram_range": (1, 3), "min_df": 2, "dtype": np.float32},
    {"ngram_range": (2, 4), "norm": None, "use_idf": False},
])
def test_same_matrix_as_sklearn(options):
    vectorizer = TfidfVectorizer(analyzer="char_wb", **options).fit(TRAIN)
    expected = vectorizer.transform(TEXTS)
    for _ in range(2):  # cold, then from the word cache
        got = char_ngrams.transform(vectorizer, TEXTS)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert abs(got - expected).max() == 0 and got.nnz == expected.nnz


@pytest.mark.parametrize("options", [
    {},
    {"ngram_range": (1, 2), "sublinear_tf": True},
    {"ngram_range": (1, 3), "min_df": 2, "dtype": np.float32},
    {"ngram_range": (2, 3), "norm": None, "use_idf": False},
    {"token_pattern": r"\S+", "ngram_range": (1, 2), "lowercase": False},
])
def test_same_matrix_as_sklearn_for_words(options):
    vectorizer = TfidfVectorizer(**options).fit(TRAIN + ["the border town", "the the town"])
    expected = vectorizer.transform(TEXTS)
    got = char_ngrams.transform(vectorizer, TEXTS)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert abs(got - expected).max() == 0 and got.nnz == expected.nnz


def test_other_vectorizers_use_their_own_transform():
    words = TfidfVectorizer(stop_words=["the"]).fit(TRAIN)
    assert abs(char_ngrams.transform(words, TEXTS) - words.transform(TEXTS)).max() == 0
