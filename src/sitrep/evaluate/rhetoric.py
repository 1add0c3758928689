"""Scoring rhetoric on the Propaganda Techniques Corpus (SemEval-2020 Task 11), as EVALUATION.md
says.

Only PTC's training articles are in ``../shared`` (its dev/test labels were never released, and a
fifth of the training articles is kept outside ``shared/``). So the articles here are split once,
deterministically, by article id: an article is held out when sha256(id) mod 5 == 0 (56 of 297).
``train/rhetoric.py`` trains on the rest (plus the SemEval-2023 English articles that are not PTC
training articles), and ``sitrep eval rhetoric-ptc`` scores the held-out articles only.

* Span identification (SI): the official scorer's precision and recall with partial-overlap
  credit: P = sum over predicted spans s and gold spans t of |s & t| / |s|, divided by the number
  of predicted spans; R = the same with |t|, divided by the number of gold spans; overlapping gold
  spans of an article are merged first (the SI labels), predicted spans must not overlap.
* Technique classification (TC): given the gold spans (with their article), micro-F1 of the
  technique; a span annotated with k techniques is given the classifier's k best, and labels are
  aligned to maximise matches, as the official scorer does.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PTC = "eval/propaganda/ptc"
SEMEVAL2023 = "eval/propaganda/semeval2023_task3_en"

#: SemEval-2023 Task 3 labels -> the PTC (2020) technique they refine or merge into.
LABELS_2023 = {
    "Appeal_to_Authority": "Appeal_to_Authority",
    "Appeal_to_Fear-Prejudice": "Appeal_to_fear-prejudice",
    "Appeal_to_Hypocrisy": "Whataboutism,Straw_Men,Red_Herring",
    "Appeal_to_Popularity": "Bandwagon,Reductio_ad_hitlerum",
    "Causal_Oversimplification": "Causal_Oversimplification",
    "Conversation_Killer": "Thought-terminating_Cliches",
    "Doubt": "Doubt",
    "Exaggeration-Minimisation": "Exaggeration,Minimisation",
    "False_Dilemma-No_Choice": "Black-and-White_Fallacy",
    "Flag_Waving": "Flag-Waving",
    "Guilt_by_Association": "Bandwagon,Reductio_ad_hitlerum",
    "Loaded_Language": "Loaded_Language",
    "Name_Calling-Labeling": "Name_Calling,Labeling",
    "Red_Herring": "Whataboutism,Straw_Men,Red_Herring",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Straw_Man": "Whataboutism,Straw_Men,Red_Herring",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
}


@dataclass
class Article:
    id: str
    text: str
    #: (PTC label, start, end), end exclusive; several labels may share a span.
    spans: list[tuple[str, int, int]] = field(default_factory=list)
    source: str = "ptc"


def held_out(article_id: str) -> bool:
    """The deterministic 80/20 split of PTC's training articles: held out when
    sha256(id) % 5 == 0."""
    return int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 5 == 0


_ID = re.compile(r"article(\d+)")


def _articles(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.glob("article*.txt")):
        m = _ID.match(path.name)
        if m:
            out[m.group(1)] = path.read_text(encoding="utf-8")
    return out


def load_ptc(shared: Path) -> list[Article]:
    """PTC v2 training articles with their technique spans (train-task2-TC.labels)."""
    root = shared / PTC
    texts = _articles(root / "train-articles")
    spans: dict[str, list] = defaultdict(list)
    with open(root / "train-task2-TC.labels", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                spans[parts[0]].append((parts[1], int(parts[2]), int(parts[3])))
    return [Article(aid, text, sorted(spans.get(aid, []), key=lambda x: (x[1], x[2], x[0])))
            for aid, text in texts.items()]


def load_semeval2023_extra(shared: Path, exclude: set[str]) -> list[Article]:
    """SemEval-2023 Task 3 English training articles whose id is not in ``exclude`` (the PTC
    articles, which it repeats), with labels mapped to the 14 PTC techniques (Obfuscation, which
    PTC dropped, is left out)."""
    root = shared / SEMEVAL2023
    if not root.is_dir():
        return []
    texts = {aid: t for aid, t in _articles(root / "train-articles-subtask-3").items()
             if aid not in exclude}
    spans: dict[str, list] = defaultdict(list)
    for path in sorted((root / "train-labels-subtask-3-spans").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and parts[0] in texts and parts[1] in LABELS_2023:
                spans[parts[0]].append((LABELS_2023[parts[1]], int(parts[2]), int(parts[3])))
    return [Article(aid, text, sorted(spans.get(aid, []), key=lambda x: (x[1], x[2], x[0])),
                    "semeval2023") for aid, text in texts.items()]


def split(shared: Path) -> tuple[list[Article], list[Article]]:
    """(training articles, held-out PTC articles): PTC by ``held_out``, plus the SemEval-2023
    articles that are not PTC articles on the training side."""
    ptc = load_ptc(shared)
    train = [a for a in ptc if not held_out(a.id)]
    test = [a for a in ptc if held_out(a.id)]
    train += load_semeval2023_extra(shared, {a.id for a in ptc})
    return train, test


# -- metrics ------------------------------------------------------------------------------------

def merge(spans) -> list[tuple[int, int]]:
    """Overlapping (start, end) spans merged, sorted."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def si_scores(predicted: dict[str, list[tuple[int, int]]],
              gold: dict[str, list[tuple[int, int]]]) -> dict[str, float]:
    """The SemEval-2020 SI scorer: precision, recall and F1 with partial-overlap credit.
    Gold spans are merged; predicted spans are merged too (the scorer's -m option)."""
    gold = {a: merge(v) for a, v in gold.items()}
    predicted = {a: merge(v) for a, v in predicted.items()}
    p_num = r_num = 0.0
    p_den = sum(len(v) for v in predicted.values())
    r_den = sum(len(v) for v in gold.values())
    for aid, spans in predicted.items():
        for s, e in spans:
            for gs, ge in gold.get(aid, []):
                inter = min(e, ge) - max(s, gs)
                if inter > 0:
                    p_num += inter / (e - s)
                    r_num += inter / (ge - gs)
    p = p_num / p_den if p_den else 0.0
    r = r_num / r_den if r_den else 0.0
    f1 = 2 * p * r / (p + r) if p > 0 and r > 0 else (1.0 if not p_den and not r_den else 0.0)
    return {"precision": p, "recall": r, "f1": f1, "predicted": p_den, "gold": r_den}


def tc_micro_f1(gold: list[tuple[str, int, int, str]],
                ranked: dict[tuple[str, int, int], list[str]]) -> dict[str, float]:
    """Micro-F1 of technique classification on gold spans: ``gold`` is (article, start, end,
    label) lines; ``ranked`` gives each distinct span's techniques, best first. A span with k gold
    lines gets the k best, matched to the gold labels as well as they can be (the official scorer
    aligns them). Every gold line gets exactly one prediction, so P = R = F1 = accuracy."""
    groups: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    for aid, s, e, label in gold:
        groups[(aid, s, e)][label] += 1
    correct = 0
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, gold, predicted
    for key, labels in groups.items():
        k = sum(labels.values())
        guess = Counter(ranked.get(key, [])[:k])
        hit = labels & guess
        correct += sum(hit.values())
        for label, n in labels.items():
            per_label[label][1] += n
            per_label[label][0] += hit[label]
        for label, n in guess.items():
            per_label[label][2] += n
    total = len(gold)
    return {"micro_f1": correct / total if total else 0.0, "spans": total,
            "per_label": {lab: (2 * tp / (g + p) if g + p else 0.0, g)
                          for lab, (tp, g, p) in per_label.items()}}


# -- the eval verb ------------------------------------------------------------------------------

def evaluate_ptc(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    """``sitrep eval rhetoric-ptc``: SI and TC scores on the held-out fifth of PTC's training
    articles (the part ``train/rhetoric.py`` never sees). ``mode``: si, tc, or both (default)."""
    from ..extract.rhetoric import PTC_LABELS, Tokens, classify, find, _model
    from .runs import _require, shared_dir

    shared = shared_dir()
    _require(shared / PTC / "train-task2-TC.labels")
    _, test = split(shared)
    if limit:
        test = test[:limit]
    mode = mode if mode in {"si", "tc"} else "both"
    nlp = pipeline.nlp
    disabled = [n for n in nlp.pipe_names if n.startswith("sitrep_")]
    model = _model() or False
    lines = [
        f"rhetoric-ptc: PTC v2 training articles held out from training (sha256(id) % 5 == 0): "
        f"{len(test)} articles, {sum(len(a.spans) for a in test)} technique spans",
        "trained layer: "
        + ("yes" if model else "NO (rules only; run python -m sitrep.train rhetoric)"),
    ]
    with nlp.select_pipes(disable=disabled):
        docs = list(nlp.pipe(a.text for a in test))
    if mode in {"si", "both"}:
        predicted = {a.id: [(r["start"], r["end"]) for r in find(doc, model)]
                     for a, doc in zip(test, docs)}
        gold = {a.id: [(s, e) for _, s, e in a.spans] for a in test if a.spans}
        si = si_scores(predicted, gold)
        lines.append(f"span identification (SI, SemEval-2020 scorer): P={si['precision']:.3f} "
                     f"R={si['recall']:.3f} F1={si['f1']:.3f}  ({si['predicted']} predicted, "
                     f"{si['gold']} gold merged spans)")
    if mode in {"tc", "both"}:
        gold_lines, ranked = [], {}
        for a, doc in zip(test, docs):
            spans = sorted({(s, e) for _, s, e in a.spans})
            tokens = Tokens.of(doc)
            for (s, e), options in zip(spans, classify(tokens, spans, model)):
                ranked[(a.id, s, e)] = [t for t, _ in options]
            gold_lines += [(a.id, s, e, label.lower()) for label, s, e in a.spans]
        tc = tc_micro_f1(gold_lines, ranked)
        lines.append(f"technique classification on gold spans (TC): micro-F1={tc['micro_f1']:.3f} "
                     f"({tc['spans']} spans)")
        width = max(len(x) for x in PTC_LABELS)
        for label in sorted(tc["per_label"], key=lambda x: -tc["per_label"][x][1]):
            f1, n = tc["per_label"][label]
            lines.append(f"  {label:<{width}}  F1={f1:.3f}  n={n}")
    return "\n".join(lines)


SETS = {"rhetoric-ptc": evaluate_ptc}
