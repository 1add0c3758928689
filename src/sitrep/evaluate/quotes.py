"""Quote extraction scored on GGT and PolNeAR, as ``../shared/EVALUATION.md`` says.

Matching (both sets): a predicted quote matches a gold quote when their character overlap covers
at least 0.3 of the gold span **and** at least 0.3 of the predicted span; pairs are made one to
one, best overlap first (the pair whose smaller coverage is larger wins). Precision = matched /
predicted, recall = matched / gold, F1 their harmonic mean.

Speaker accuracy, over matched pairs: the predicted speaker's name shares a word of three letters
or more with a gold name. The predicted speaker's name is the canonical name of the actor the
quote is attributed to together with ``speaker_text`` (the speaker's words in the text); words
are compared lower-cased, and pronouns and function words ("she", "they", "the", "and", ...)
never count as shared words (otherwise "she said" would match any "she"). A stricter figure is
printed beside it: the actor's canonical name alone when the quote has an actor, else
``speaker_text`` (it differs where the registry spells a name otherwise than the text, "Herzi
Halevi" for "Halevy", or where the actors extractor linked the wrong actor).

GGT (``quotes/ggt/ggt_quotes_gold-dev.jsonl``): the text analysed is ``rawtext``; gold spans are
``quote_span_rawtext``; gold names are ``reference`` and ``speaker``. Articles whose
``quotations`` is a string (unparsable) or that have no ``rawtext`` are skipped; a gold quote
without a ``quote_span_rawtext`` (its text was not found in ``rawtext``) stays in the gold set
and can never be matched (it costs recall).

PolNeAR (``quotes/polnear/<split>/``, brat standoff; see its README): every attribution relation
(``E`` line, with or without a source) is a gold quote whose span is its content (``Content``,
plus ``Content2`` when there is one; discontinuous contents are the union of their fragments, and
overlap is counted on characters of the fragments). Its gold name is the text of its ``Source``.
An article annotated by several annotators is scored once, on the first ``.ann`` file in name
order. Speaker accuracy is computed over matched pairs whose gold source has a word that can be
compared (not over sources that are absent or only a pronoun: "he said"); the count is printed.
PolNeAR annotates every attribution, thoughts and beliefs ("Trump thinks", "polls show")
included, while sitrep's quotes are statements, so its recall there is expected to be lower.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

THRESHOLD = 0.3

#: Words that never identify a speaker.
_NOT_NAMES = {
    "the", "and", "for", "his", "her", "hers", "him", "she", "they", "them", "their", "its",
    "who", "whom", "which", "that", "this", "these", "those", "our", "ours", "you", "your",
    "yours", "mine", "with", "from", "but", "not", "one", "ones", "said", "says", "say",
    "themselves", "himself", "herself", "itself", "another", "other", "some", "many", "all",
}


@dataclass
class GoldQuote:
    spans: list[tuple[int, int]]  # empty when the gold quote could not be located
    names: tuple[str, ...] = ()
    cue: str | None = None

    @property
    def length(self) -> int:
        return sum(e - s for s, e in self.spans)


@dataclass
class GoldDoc:
    id: str
    text: str
    quotes: list[GoldQuote] = field(default_factory=list)


@dataclass
class Predicted:
    start: int
    end: int
    names: tuple[str | None, ...] = ()  # (the actor's canonical name, speaker_text)
    cue: str | None = None
    kind: str = "direct"

    @property
    def strict_names(self) -> tuple[str | None, ...]:
        """The actor's name alone when the speaker was resolved to an actor."""
        return self.names[:1] if self.names and self.names[0] else self.names[1:]


# -- loaders --------------------------------------------------------------------------------------

def load_ggt(path: Path) -> tuple[list[GoldDoc], list[str]]:
    """GGT articles and the reasons articles were skipped."""
    docs, skipped = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if isinstance(row.get("quotations"), str):
                skipped.append(f"{row.get('_id')}: unparsable quotations")
                continue
            if not row.get("rawtext"):
                skipped.append(f"{row.get('_id')}: no rawtext")
                continue
            quotes = []
            for q in row.get("quotations") or []:
                span = q.get("quote_span_rawtext")
                spans = [(int(span[0]), int(span[1]))] if span else []
                names = tuple(n for n in (q.get("reference"), q.get("speaker")) if n)
                quotes.append(GoldQuote(spans, names, q.get("verb") or None))
            docs.append(GoldDoc(str(row.get("_id")), row["rawtext"], quotes))
    return docs, skipped


_BRAT_T = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t(.*)$")


def load_polnear(folder: Path) -> list[GoldDoc]:
    """One split of PolNeAR (a folder with ``text/`` and ``attributions/``)."""
    texts = folder / "text"
    seen: set[str] = set()
    docs = []
    for ann in sorted((folder / "attributions").glob("*.ann")):
        name = ann.stem.rsplit("_", 1)[0]
        if name in seen or not (texts / f"{name}.txt").exists():
            continue
        seen.add(name)
        text = (texts / f"{name}.txt").read_text(encoding="utf-8")
        docs.append(GoldDoc(name, text, parse_brat(ann.read_text(encoding="utf-8"), text)))
    return docs


def parse_brat(ann: str, text: str) -> list[GoldQuote]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for line in ann.splitlines():
        m = _BRAT_T.match(line)
        if m:
            frags = []
            for part in m.group(3).split(";"):
                s, e = part.split()
                frags.append((int(s), int(e)))
            spans[m.group(1)] = frags
    quotes = []
    for line in ann.splitlines():
        if not line.startswith("E"):
            continue
        fields = line.split("\t", 1)[1].split()
        roles: dict[str, list[str]] = {}
        for f in fields:
            role, _, tid = f.partition(":")
            roles.setdefault(re.sub(r"\d+$", "", role), []).append(tid)
        content = [fr for tid in roles.get("Content", []) for fr in spans.get(tid, [])]
        if not content:
            continue
        source = " ".join(text[s:e] for tid in roles.get("Source", [])
                          for s, e in spans.get(tid, []))
        cue = " ".join(text[s:e] for tid in roles.get("Cue", []) for s, e in spans.get(tid, []))
        quotes.append(GoldQuote(sorted(content), (source,) if source else (), cue or None))
    return quotes


# -- metrics ---------------------------------------------------------------------------------------

def overlap(gold: GoldQuote, start: int, end: int) -> int:
    return sum(max(0, min(e, end) - max(s, start)) for s, e in gold.spans)


def match(gold: list[GoldQuote], pred: list[Predicted],
          threshold: float = THRESHOLD) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs whose overlap covers ``threshold`` of both."""
    pairs = []
    for gi, g in enumerate(gold):
        if not g.spans or g.length == 0:
            continue
        for pi, p in enumerate(pred):
            if p.end <= p.start:
                continue
            ov = overlap(g, p.start, p.end)
            if ov == 0:
                continue
            cover_g, cover_p = ov / g.length, ov / (p.end - p.start)
            if cover_g >= threshold and cover_p >= threshold:
                pairs.append((min(cover_g, cover_p), cover_g + cover_p, gi, pi))
    pairs.sort(reverse=True)
    used_g, used_p, out = set(), set(), []
    for _, _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi))
    return sorted(out)


def name_words(names: Iterable[str | None]) -> set[str]:
    words = set()
    for name in names:
        for w in re.findall(r"[^\W\d_]{3,}", name or ""):
            w = w.lower()
            if w not in _NOT_NAMES:
                words.add(w)
    return words


def same_speaker(predicted: Iterable[str | None], gold: Iterable[str | None]) -> bool:
    return bool(name_words(predicted) & name_words(gold))


@dataclass
class Scores:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    speaker_scored: int = 0
    speaker_right: int = 0
    speaker_right_strict: int = 0
    cue_scored: int = 0
    cue_right: int = 0
    by_kind: Counter = field(default_factory=Counter)  # kind -> predicted
    matched_by_kind: Counter = field(default_factory=Counter)
    docs: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / self.speaker_scored if self.speaker_scored else 0.0

    @property
    def speaker_accuracy_strict(self) -> float:
        return self.speaker_right_strict / self.speaker_scored if self.speaker_scored else 0.0

    @property
    def cue_accuracy(self) -> float:
        return self.cue_right / self.cue_scored if self.cue_scored else 0.0


def score(docs: list[GoldDoc], predict: Callable[[str], list[Predicted]],
          threshold: float = THRESHOLD) -> Scores:
    s = Scores()
    for doc in docs:
        pred = predict(doc.text)
        s.docs += 1
        s.gold += len(doc.quotes)
        s.predicted += len(pred)
        s.by_kind.update(p.kind for p in pred)
        for gi, pi in match(doc.quotes, pred, threshold):
            g, p = doc.quotes[gi], pred[pi]
            s.matched += 1
            s.matched_by_kind[p.kind] += 1
            if name_words(g.names):
                s.speaker_scored += 1
                s.speaker_right += same_speaker(p.names, g.names)
                s.speaker_right_strict += same_speaker(p.strict_names, g.names)
            if g.cue:
                s.cue_scored += 1
                s.cue_right += bool(p.cue) and bool(
                    {w.lower() for w in re.findall(r"\w+", p.cue)} &
                    {w.lower() for w in re.findall(r"\w+", g.cue)})
    return s


def format_scores(title: str, s: Scores, notes: Iterable[str] = ()) -> str:
    lines = [title, f"{s.docs} documents, {s.gold} gold quotes, {s.predicted} predicted",
             f"{'':24}{'P':>7}{'R':>7}{'F1':>7}",
             f"{'quotes (overlap >= 0.3)':24}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}",
             f"speaker accuracy        {s.speaker_accuracy:7.3f}  "
             f"({s.speaker_right}/{s.speaker_scored} matched quotes with a gold name)",
             f"  actor name alone      {s.speaker_accuracy_strict:7.3f}  "
             f"(the actor's name when resolved, else speaker_text)",
             f"cue accuracy            {s.cue_accuracy:7.3f}  "
             f"({s.cue_right}/{s.cue_scored} matched quotes with a gold cue)",
             "precision by kind       " + ", ".join(
                 f"{k} {s.matched_by_kind[k]}/{n}" for k, n in sorted(s.by_kind.items()))]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


# -- running a pipeline ----------------------------------------------------------------------------

def predictor(pipeline) -> Callable[[str], list[Predicted]]:

    def predict(text: str) -> list[Predicted]:
        report = pipeline.analyze_text(text)
        names = {a.id: a.name for a in report.actors}
        return [Predicted(q.start, q.end, (names.get(q.speaker or ""), q.speaker_text), q.cue,
                          q.kind) for q in report.quotes]

    return predict


def run_ggt(pipeline, limit: int | None = None, mode: str | None = None) -> str:
    from .runs import _require, shared_dir

    rel = "eval/quotes/ggt/ggt_quotes_gold-dev.jsonl"
    docs, skipped = load_ggt(_require(shared_dir() / rel))
    if limit:
        docs = docs[:limit]
    s = score(docs, predictor(pipeline))
    missing = sum(1 for d in docs for q in d.quotes if not q.spans)
    notes = [f"skipped {x}" for x in skipped]
    if missing:
        notes.append(f"{missing} gold quotes have no span in rawtext (counted, never matched)")
    return format_scores(f"{rel}: quotes (EVALUATION.md rules)", s, notes)


def run_polnear(pipeline, limit: int | None = None, mode: str | None = None,
                split: str = "dev") -> str:
    from .runs import _require, shared_dir

    rel = f"eval/quotes/polnear/{split}"
    docs = load_polnear(_require(shared_dir() / rel))
    if limit:
        docs = docs[:limit]
    s = score(docs, predictor(pipeline))
    return format_scores(f"{rel}: attributions (content spans, sources)", s,
                         ["speaker accuracy only over gold sources with a comparable word"])


SETS: dict[str, Callable[..., str]] = {
    "quotes-ggt": run_ggt,
    "quotes-polnear": run_polnear,
}
