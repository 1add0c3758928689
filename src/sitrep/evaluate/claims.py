"""Scoring check-worthy claims on ClaimBuster and CLEF CheckThat! 2019, as EVALUATION.md says.

Only training files of these sets are in ``../shared`` (their test files are kept outside), so each
is split once, deterministically, and ``train/claims.py`` trains on the training side only:

* ClaimBuster (``claimbuster/train.json``): a sentence is held out when sha256 of its normalised
  text (lower case, whitespace folded) % 5 == 0 (about a fifth; equal sentences fall together).
* CLEF-2019 Task 1 (``clef2019/CT19-T1-Training.csv``, 19 debates and speeches): the debates are
  ordered by sha256 of their file name and the first round(19 / 5) = 4 are held out.
* Every training sentence whose normalised text occurs in a held-out ClaimBuster sentence or in a
  held-out CLEF debate is dropped from training, whatever set it comes from.

``sitrep eval claims-claimbuster`` scores the held-out ClaimBuster sentences (F1 of the check-worthy
class at checkworthiness >= 0.5); ``sitrep eval claims-clef2019`` ranks the lines of each held-out
debate by checkworthiness and reports MAP over the debates. Each ClaimBuster sentence goes through
the spaCy pipeline and the claims extractor like any text; each CLEF debate goes through as one
transcript, a line per line, as a user would feed it, so a line's neighbours are the lines around
it. A text or line the parser splits into several sentences scores as its most check-worthy
sentence.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

CLAIMBUSTER = "eval/claims/claimbuster/train.json"
CLEF2019 = "eval/claims/clef2019/CT19-T1-Training.csv"
HELD_OUT_DEBATE_SHARE = 0.2

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _WS.sub(" ", text.strip().lower())


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


@dataclass(frozen=True)
class Sentence:
    text: str
    label: int
    group: str = ""  # the debate (CLEF) or "" (ClaimBuster)


def claimbuster_held_out(text: str) -> bool:
    return _hash(normalise(text)) % 5 == 0


def load_claimbuster(shared: Path) -> list[Sentence]:
    with open(shared / CLAIMBUSTER, encoding="utf-8") as f:
        return [Sentence(str(x["text"]), int(x["label"])) for x in json.load(f)]


def load_clef2019(shared: Path) -> list[Sentence]:
    with open(shared / CLEF2019, encoding="utf-8", newline="") as f:
        return [Sentence(row["text"], int(row["label"]), row["file_name"])
                for row in csv.DictReader(f)]


def clef_held_out_debates(debates) -> list[str]:
    names = sorted(set(debates), key=lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest())
    return sorted(names[: round(HELD_OUT_DEBATE_SHARE * len(names))])


@dataclass
class Split:
    claimbuster_train: list[Sentence]
    claimbuster_test: list[Sentence]
    clef_train: list[Sentence]
    clef_test: list[Sentence]
    clef_test_debates: list[str]


def split(shared: Path) -> Split:
    cb = load_claimbuster(shared)
    cb_test = [s for s in cb if claimbuster_held_out(s.text)]
    clef = load_clef2019(shared) if (shared / CLEF2019).exists() else []
    debates = clef_held_out_debates(s.group for s in clef)
    clef_test = [s for s in clef if s.group in debates]
    unseen = {normalise(s.text) for s in cb_test} | {normalise(s.text) for s in clef_test}
    cb_train = [s for s in cb
                if not claimbuster_held_out(s.text) and normalise(s.text) not in unseen]
    clef_train = [s for s in clef if s.group not in debates and normalise(s.text) not in unseen]
    return Split(cb_train, cb_test, clef_train, clef_test, debates)


# -- metrics ------------------------------------------------------------------------------------

def average_precision(labels: list[int], scores: list[float]) -> float:
    """AP of one ranking (ties broken by input order, as a stable sort does)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits, total = 0, 0.0
    for rank, i in enumerate(order, 1):
        if labels[i]:
            hits += 1
            total += hits / rank
    positives = sum(1 for x in labels if x)
    return total / positives if positives else 0.0


def prf(labels: list[int], predicted: list[int]) -> tuple[float, float, float]:
    tp = sum(1 for y, p in zip(labels, predicted) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted) if p and not y)
    fn = sum(1 for y, p in zip(labels, predicted) if y and not p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# -- the eval verbs -----------------------------------------------------------------------------

def _claims(pipeline, texts: list[str]) -> list[list[dict]]:
    """The claims (at any score) of each text, parsed by the pipeline's spaCy model alone."""
    from ..extract.claims import find

    nlp = pipeline.nlp
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]
    with nlp.select_pipes(disable=disabled):
        return [find(doc, min_score=0.0) for doc in nlp.pipe(texts, batch_size=256)]


def _scores(pipeline, texts: list[str]) -> list[float]:
    """The checkworthiness of each text as the pipeline sees it: the highest of its sentences."""
    return [max((c["checkworthiness"] for c in found), default=0.0)
            for found in _claims(pipeline, texts)]


def _line_scores(pipeline, lines: list[str]) -> list[float]:
    """The checkworthiness of each line of a transcript fed whole: its most check-worthy
    sentence's (sentences are cut at line breaks, so none straddles two lines)."""
    lines = [" ".join(line.split()) for line in lines]  # a line break inside a line is not one
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    scores = [0.0] * len(lines)
    for claim in _claims(pipeline, ["\n".join(lines)])[0]:
        k = bisect.bisect_right(starts, claim["start"]) - 1
        scores[k] = max(scores[k], claim["checkworthiness"])
    return scores


def _header(name: str) -> str:
    from ..extract.claims import _model

    trained = _model() is not None
    return (f"{name}\ntrained layer: "
            f"{'yes' if trained else 'NO (patterns only; run python -m sitrep.train claims)'}")


def evaluate_claimbuster(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    from .runs import _require, shared_dir

    shared = shared_dir()
    _require(shared / CLAIMBUSTER)
    test = split(shared).claimbuster_test
    if limit:
        test = test[:limit]
    scores = _scores(pipeline, [s.text for s in test])
    labels = [s.label for s in test]
    p, r, f1 = prf(labels, [int(x >= 0.5) for x in scores])
    return "\n".join([
        _header("claims-claimbuster: ClaimBuster train.json sentences held out from training "
                f"(sha256(normalised text) % 5 == 0): {len(test)} sentences, "
                f"{sum(labels)} check-worthy"),
        f"check-worthy class at checkworthiness >= 0.5: P={p:.3f} R={r:.3f} F1={f1:.3f}",
    ])


def evaluate_clef2019(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    from .runs import _require, shared_dir

    shared = shared_dir()
    _require(shared / CLEF2019)
    parts = split(shared)
    debates = parts.clef_test_debates[:limit] if limit else parts.clef_test_debates
    lines = [_header(
        "claims-clef2019: CLEF-2019 CheckThat! Task 1 training debates held out from training "
        f"(first {len(parts.clef_test_debates)} of 19 by sha256(file name)): "
        + ", ".join(parts.clef_test_debates))]
    aps = []
    for debate in debates:
        rows = [s for s in parts.clef_test if s.group == debate]
        scores = _line_scores(pipeline, [s.text for s in rows])
        ap = average_precision([s.label for s in rows], scores)
        aps.append(ap)
        lines.append(f"  {debate:<32} AP={ap:.3f}  ({len(rows)} lines, "
                     f"{sum(s.label for s in rows)} check-worthy)")
    lines.append(f"MAP over {len(aps)} debates: {sum(aps) / len(aps) if aps else 0.0:.3f}")
    return "\n".join(lines)


SETS = {"claims-clef2019": evaluate_clef2019, "claims-claimbuster": evaluate_claimbuster}
