"""The claims layer: a sentence check-worthiness model trained on ClaimBuster.

Data: the training side of ``evaluate.claims.split``: ClaimBuster ``train.json`` sentences whose
sha256(normalised text) % 5 != 0, less any sentence that also occurs in a held-out ClaimBuster
sentence or a held-out CLEF-2019 debate. Label 1 = check-worthy factual sentence (CFS).

Model: TF-IDF of word 1-2-grams (min_df 2) and character 2-5-grams within word boundaries
(min_df 3, at most 150,000), sublinear tf, L2-normalised, side by side; logistic regression
(C=4, lbfgs). Its probability is the claim's checkworthiness.

The CLEF-2019 training debates (the 15 not held out) are not fitted on: adding them, their
positives alone, or the CLEF-2020 debate sentences lowered both the ClaimBuster F1 and the CLEF
MAP in trials on the training side. They are scored as a development figure
(``clef_train_map``) in the training log.
"""

from __future__ import annotations

import time
from pathlib import Path

NAME = "claims"


def train(shared: Path, out: Path) -> dict:
    from sklearn.linear_model import LogisticRegression

    from ..evaluate.claims import average_precision, split
    from ..extract.claims import MODEL_VERSION, ClaimVectorizer
    from . import save

    started = time.perf_counter()
    parts = split(shared)
    texts = [s.text for s in parts.claimbuster_train]
    labels = [s.label for s in parts.claimbuster_train]
    vectorizer = ClaimVectorizer()
    classifier = LogisticRegression(C=4.0, max_iter=3000)
    classifier.fit(vectorizer.fit_transform(texts), labels)

    aps = []
    for debate in sorted({s.group for s in parts.clef_train}):
        rows = [s for s in parts.clef_train if s.group == debate]
        scores = classifier.predict_proba(vectorizer.transform([s.text for s in rows]))[:, 1]
        aps.append(average_precision([s.label for s in rows], list(scores)))
    figures = {
        "claimbuster_train": len(texts),
        "claimbuster_train_positive": sum(labels),
        "claimbuster_held_out": len(parts.claimbuster_test),
        "clef_held_out_debates": parts.clef_test_debates,
        "clef_train_map": round(sum(aps) / len(aps), 4) if aps else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    save(NAME, {
        "version": MODEL_VERSION,
        "vectorizer": vectorizer,
        "classifier": classifier,
        "held_out": "ClaimBuster sentences with sha256(normalised text) % 5 == 0; CLEF-2019 "
                    "debates " + ", ".join(parts.clef_test_debates),
        "figures": figures,
    })
    return figures
