"""Events: score event types on the PLOVER GSR, ConfliBERT's CAMEO quad classes and CASE 2021
task 2, as ``EVALUATION.md`` (section Events) says.

Sets (``sitrep eval SET``)
--------------------------
* ``events-plover``: PLOVER GSR (``plover_gsr/PLOVER_GSR_CAMEO.json``), one coded sentence per
  record. Gold labels use PLOVER 0.5b1 names; they are mapped to PLOVER 2.0's 16 types with
  :data:`LEGACY_PLOVER` (DEMAND -> REQUEST, DISAPPROVE and INVESTIGATE -> ACCUSE, FIGHT -> ASSAULT).
  A sentence's class is the PLOVER type of its most confident asserted event.
* ``events-cameo``: ConfliBERT ``cameo_class_train.tsv``; a sentence's class is the quad class
  (:data:`QUAD`) of its most confident asserted event, 0 when there is none.
* ``events-case2021``: CASE 2021 task 2 (``case2021_task2_dev.tsv``); a snippet's class is the
  ACLED sub-event type (ACLED's own names) of its most confident asserted event, mapped to the
  file's codes with :data:`ACLED_CODES`. Only the 25 ACLED labels are scored: snippets whose gold
  label is one of :data:`CASE_EXTRA` are left out, and macro-F1 is over the labels present.

Each table gives per-class precision, recall and F1, and macro-F1 (the unweighted mean of the
per-class F1 over the classes that occur in the gold labels; a predicted class that never occurs in
the gold set still costs precision through the other classes' recall, not through the mean).

What is scored (``mode``)
------------------------
* ``"pipeline"``: the Report's events (the rules of ``sitrep_events``, and whatever they take from
  the model);
* ``"model"``: the event-type classifier alone (``sitrep.extract.event_model``): its PLOVER type,
  quad class or ACLED sub-type for the whole sentence/snippet;
* ``"combined"``: the Report's most confident asserted event and the classifier, joined per
  sentence by ``event_model.combine`` / ``combine_acled`` (what the extractor can do with the
  model);
* None / ``"auto"`` / ``"both"`` (the CLI's default): the pipeline when it has an event extractor
  and it finds events, otherwise the classifier. The output says which was used.

"Asserted" is read literally (:data:`ASSERTED`: modality ``asserted``; ``reported`` events, "X
said Y attacked", do not count).

Held-out parts
--------------
All three files are also what the event-type classifier (``sitrep.train.event_type``) learns from,
and each is a single file here. So every file is split deterministically by :func:`split_of`: a
sha256 of the normalised text (:func:`split_key`), 80% train / 20% held-out. The classifier sees
only the train part; the ``events-*`` verbs score the held-out part and say so. The same key
splits every set, so a sentence that occurs in two files falls on the same side in both.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

__all__ = [
    "ACLED_CODES", "ACLED_TO_PLOVER", "CASE_EXTRA", "HELDOUT", "LEGACY_PLOVER", "NONE",
    "PLOVER_TYPES", "QUAD", "QUAD_NAMES", "SETS", "ClassScores", "GoldItem", "NerSentence",
    "format_class_scores", "load_cameo_class", "load_cameo_ner", "load_case2021", "load_plover",
    "ner_spans", "plover_to_quad", "score_classes", "split_key", "split_of",
]

PathArg = str | PathLike[str]

#: The label for "no event" in PLOVER-labelled predictions.
NONE = "NONE"

#: PLOVER 2.0's 16 event types, in the order of DESIGN.md.
PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)

#: PLOVER 0.5b1 names used by the GSR file -> PLOVER 2.0.
LEGACY_PLOVER = {
    "DEMAND": "REQUEST",
    "DISAPPROVE": "ACCUSE",
    "INVESTIGATE": "ACCUSE",
    "FIGHT": "ASSAULT",
}

#: PLOVER type -> CAMEO quad class (EVALUATION.md): 1 verbal cooperation, 2 material cooperation,
#: 3 verbal conflict, 4 material conflict; 0 is "no event".
QUAD = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "REQUEST": 1,
    "COOPERATE": 2, "AID": 2, "CONCEDE": 2, "RETREAT": 2,
    "ACCUSE": 3, "REJECT": 3, "THREATEN": 3, "PROTEST": 3,
    "SANCTION": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}
QUAD_NAMES = {
    0: "0 no event", 1: "1 verbal coop", 2: "2 material coop", 3: "3 verbal conflict",
    4: "4 material conflict",
}

#: CASE 2021 task 2 code -> ACLED sub-event type (ACLED's own name). The 25 scored labels.
ACLED_CODES = {
    "ARMED_CLASH": "Armed clash",
    "GOV_REGAINS_TERIT": "Government regains territory",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "CHEM_WEAP": "Chemical weapon",
    "AIR_STRIKE": "Air/drone strike",
    "SUIC_BOMB": "Suicide bomb",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "GRENADE": "Grenade",
    "SEX_VIOL": "Sexual violence",
    "ATTACK": "Attack",
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "PEACE_PROTEST": "Peaceful protest",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "VIOL_DEMONSTR": "Violent demonstration",
    "MOB_VIOL": "Mob violence",
    "AGREEMENT": "Agreement",
    "ARREST": "Arrests",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "DISR_WEAP": "Disrupted weapons use",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "OTHER": "Other",
}
#: ACLED sub-event type name -> CASE code (case-insensitive lookups use :func:`acled_code`).
ACLED_NAMES = {name: code for code, name in ACLED_CODES.items()}

#: CASE 2021 labels outside ACLED's taxonomy: not scored.
CASE_EXTRA = ("ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB")

#: ACLED sub-event type (CASE code) -> the PLOVER type it is coded as; None where ACLED's category
#: spans several PLOVER types (Change to group/activity, Other). Disasters are not political events
#: (NONE). Used to train the classifier from CASE and by the rules to fill ``acled_sub_event_type``.
ACLED_TO_PLOVER: dict[str, str | None] = {
    "ARMED_CLASH": "ASSAULT", "GOV_REGAINS_TERIT": "ASSAULT",
    "NON_STATE_ACTOR_OVERTAKES_TER": "ASSAULT", "CHEM_WEAP": "ASSAULT", "AIR_STRIKE": "ASSAULT",
    "SUIC_BOMB": "ASSAULT", "ART_MISS_ATTACK": "ASSAULT", "REM_EXPLOS": "ASSAULT",
    "GRENADE": "ASSAULT", "SEX_VIOL": "ASSAULT", "ATTACK": "ASSAULT", "ABDUCT_DISSAP": "ASSAULT",
    "MOB_VIOL": "ASSAULT",
    "PEACE_PROTEST": "PROTEST", "PROTEST_WITH_INTER": "PROTEST", "VIOL_DEMONSTR": "PROTEST",
    "FORCE_AGAINST_PROTEST": "COERCE", "ARREST": "COERCE", "DISR_WEAP": "COERCE",
    "PROPERTY_DISTRUCT": "COERCE",
    "AGREEMENT": "AGREE", "HQ_ESTABLISHED": "MOBILIZE", "NON_VIOL_TERRIT_TRANSFER": "RETREAT",
    "CHANGE_TO_GROUP_ACT": None, "OTHER": None,
    "NATURAL_DISASTER": NONE, "MAN_MADE_DISASTER": NONE,
    "ORG_CRIME": None, "DIPLO": None, "ATTRIB": None,
}

#: Modalities that count as "asserted" when a sentence's class is read off a Report.
ASSERTED = frozenset({"asserted"})

#: Share of each set that is held out (scored) rather than trained on.
HELDOUT = 0.2
_SPLIT_SALT = "sitrep-events-split-v1"

#: Paths of the sets under ``../shared``.
PLOVER_PATH = "eval/events/plover_gsr/PLOVER_GSR_CAMEO.json"
CAMEO_CLASS_PATH = "eval/events/conflibert_cameo/cameo_class_train.tsv"
CAMEO_NER_PATH = "eval/events/conflibert_cameo/cameo_ner_train.txt"
CASE_PATH = "eval/events/case2021_task2/case2021_task2_dev.tsv"


def plover_to_quad(label: str | None) -> int:
    """The CAMEO quad class of a PLOVER type (legacy names accepted); 0 for NONE/None."""
    if not label:
        return 0
    label = LEGACY_PLOVER.get(label.upper(), label.upper())
    return QUAD.get(label, 0)


def acled_code(name: str | None) -> str | None:
    """The CASE code of an ACLED sub-event type given by name or code (case-insensitive)."""
    if not name:
        return None
    key = name.strip()
    if key.upper() in ACLED_CODES or key.upper() in CASE_EXTRA:
        return key.upper()
    folded = {n.lower(): c for n, c in ACLED_NAMES.items()}
    return folded.get(key.lower())


# --------------------------------------------------------------------------- the split


def split_key(text: str) -> str:
    """The text reduced to ASCII letters and digits, lowercased: the same sentence tokenised,
    typeset or quoted differently (ConfliBERT's NER file against its class file) gets one key."""
    from anyascii import anyascii

    folded = anyascii(unicodedata.normalize("NFKC", text)).lower()
    return re.sub(r"[^a-z0-9]+", "", folded)


def split_of(text: str) -> str:
    """``"train"`` or ``"heldout"``: sha256 of the salted :func:`split_key`, its first 8 bytes
    as an integer modulo 10,000, held out below ``HELDOUT * 10,000`` (a 20% sample)."""
    digest = hashlib.sha256(f"{_SPLIT_SALT}:{split_key(text)}".encode()).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") % 10_000 < HELDOUT * 10_000 else "train"


def key_digest(text: str) -> str:
    """A short fingerprint of :func:`split_key` (stored with the model to check held-out parts)."""
    return hashlib.sha256(split_key(text).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- gold data


@dataclass(frozen=True)
class GoldItem:
    """One scored sentence or snippet."""

    id: str
    text: str
    label: str  # PLOVER 2.0 type, quad class "0".."4", or CASE code
    raw_label: str = ""  # as written in the file (e.g. PLOVER 0.5b1 "DEMAND")
    source: tuple[str, ...] = ()  # actor texts (PLOVER GSR)
    target: tuple[str, ...] = ()
    mode: str | None = None

    @property
    def split(self) -> str:
        return split_of(self.text)


def _actor_texts(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(a["actorText"] for a in value if isinstance(a, dict) and a.get("actorText"))


def load_plover(path: PathArg) -> list[GoldItem]:
    """PLOVER GSR records with a text (the DOCUMENT record is skipped), labels in PLOVER 2.0."""
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    out = []
    for r in records:
        text = (r.get("text") or "").strip()
        raw = (r.get("event") or "").strip().upper()
        if not text or raw == "DOCUMENT":
            continue
        label = LEGACY_PLOVER.get(raw, raw)
        if label not in QUAD:
            continue
        out.append(GoldItem(
            id=str(r.get("id", len(out))), text=text, label=label, raw_label=raw,
            source=_actor_texts(r.get("source")), target=_actor_texts(r.get("target")),
            mode=(r.get("mode") or None),
        ))
    return out


def _lines(path: PathArg) -> Iterable[str]:
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            yield line.rstrip("\r\n")


def load_cameo_class(path: PathArg) -> list[GoldItem]:
    """ConfliBERT ``sentence<TAB>label`` (0-4; CRLF line ends). Exact duplicate sentences are kept
    once (the first label)."""
    out, seen = [], set()
    for n, line in enumerate(_lines(path), 1):
        if not line.strip() or "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        text, label = text.strip(), label.strip()
        if label not in {"0", "1", "2", "3", "4"}:
            continue
        key = split_key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(GoldItem(id=f"line{n}", text=text, label=label, raw_label=label))
    return out


def load_case2021(path: PathArg) -> list[GoldItem]:
    """CASE 2021 task 2 ``id<TAB>EventSnippet<TAB>SubType`` (header row), all 30 labels."""
    out = []
    for n, line in enumerate(_lines(path)):
        parts = line.split("\t")
        if len(parts) < 3 or (n == 0 and parts[0].strip().lower() == "id"):
            continue
        ident, text, label = parts[0].strip(), "\t".join(parts[1:-1]).strip(), parts[-1].strip()
        if text and label:
            out.append(GoldItem(id=ident, text=text, label=label, raw_label=label))
    return out


@dataclass(frozen=True)
class NerSentence:
    """A CoNLL sentence of ConfliBERT's CAMEO NER file: tokens, BIO tags (S source, T target,
    R reciprocal), and a text with the character span of every token."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    text: str
    offsets: tuple[tuple[int, int], ...]

    @property
    def split(self) -> str:
        return split_of(self.text)


def load_cameo_ner(path: PathArg, texts: Iterable[str] = ()) -> list[NerSentence]:
    """ConfliBERT's CAMEO NER file. Each sentence's text is the original sentence from ``texts``
    (e.g. the class file's sentences) when one has the same :func:`split_key` and its tokens can
    be aligned to it; otherwise the tokens joined by spaces."""
    originals = {split_key(t): t for t in texts}
    out, tokens, tags = [], [], []

    def flush():
        if not tokens:
            return
        text, offsets = None, None
        original = originals.get(split_key("".join(tokens)))
        if original is not None:
            offsets = _align(tokens, original)
            text = original if offsets is not None else None
        if text is None:
            text = " ".join(tokens)
            offsets, pos = [], 0
            for tok in tokens:
                offsets.append((pos, pos + len(tok)))
                pos += len(tok) + 1
        out.append(NerSentence(tuple(tokens), tuple(tags), text, tuple(offsets)))
        tokens.clear()
        tags.clear()

    for line in _lines(path):
        if not line.strip():
            flush()
            continue
        parts = line.rsplit(" ", 1) if " " in line else line.rsplit("\t", 1)
        if len(parts) != 2:
            continue
        tok, tag = parts[0].strip(), parts[1].strip()
        if tag != "O" and not re.fullmatch(r"[BI]-[STR]", tag):
            tag = "O"
        tokens.append(tok)
        tags.append(tag)
    flush()
    return out


def _align(tokens: Sequence[str], text: str) -> list[tuple[int, int]] | None:
    """Character spans of ``tokens`` in ``text``, comparing ASCII-folded characters (so "'s"
    matches "ʼs"); None when they do not line up."""
    from anyascii import anyascii

    offsets, i = [], 0
    for tok in tokens:
        while i < len(text) and text[i].isspace():
            i += 1
        if text.startswith(tok, i):
            offsets.append((i, i + len(tok)))
            i += len(tok)
            continue
        want = split_key(tok) or anyascii(tok)
        if tok[:1].isalnum():  # a quotation mark the file dropped before the token
            while i < len(text) and not split_key(text[i]):
                i += 1
        start, got = i, ""
        while i < len(text) and len(got) < len(want):
            got += split_key(text[i]) if split_key(tok) else anyascii(text[i])
            i += 1
        if got != want:
            return None
        # take trailing characters that fold to nothing (a closing apostrophe variant)
        while (i < len(text) and not text[i].isspace() and split_key(tok)
               and not split_key(text[i]) and len(tok) > len(want)):
            i += 1
        offsets.append((start, i))
    return offsets


def ner_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(role, first token, end token)`` of the BIO spans (an I- without a B- opens a span)."""
    spans, role, start = [], None, 0
    for k, tag in enumerate([*tags, "O"]):
        kind = tag[2:] if tag != "O" else None
        if role is not None and (tag == "O" or tag.startswith("B-") or kind != role):
            spans.append((role, start, k))
            role = None
        if kind is not None and role is None:
            role, start = kind, k
    return spans


# --------------------------------------------------------------------------- scoring


class PRF:
    """Precision, recall and F1 of anything with ``tp``, ``fp`` and ``fn`` counts."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class ClassScore(PRF):
    label: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True)
class ClassScores:
    classes: tuple[ClassScore, ...]  # the gold classes, then predicted-only ones (support 0)
    n: int
    correct: int
    confusion: Counter = field(default_factory=Counter)  # (gold, predicted) -> count

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def macro_f1(self) -> float:
        scored = [c.f1 for c in self.classes if c.support]
        return sum(scored) / len(scored) if scored else 0.0

    def get(self, label: str) -> ClassScore | None:
        return next((c for c in self.classes if c.label == label), None)


def score_classes(gold: Sequence[str], predicted: Sequence[str],
                  labels: Sequence[str] | None = None) -> ClassScores:
    """Per-class P/R/F1 of single-label predictions. ``labels`` fixes the table's classes and order
    (default: the gold classes, sorted); a predicted label outside them is still a false positive
    of its own row (support 0, outside the macro mean)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    confusion = Counter(zip(gold, predicted))
    order = list(labels) if labels is not None else sorted(set(gold))
    for p in sorted(set(predicted) - set(order)):
        order.append(p)
    rows = []
    for label in order:
        tp = confusion[(label, label)]
        fp = sum(v for (g, p), v in confusion.items() if p == label and g != label)
        fn = sum(v for (g, p), v in confusion.items() if g == label and p != label)
        if tp or fp or fn or (labels is not None and label in labels):
            rows.append(ClassScore(label, tp, fp, fn))
    correct = sum(v for (g, p), v in confusion.items() if g == p)
    return ClassScores(tuple(rows), len(gold), correct, confusion)


def _num(x: float, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(header[k]), *(len(r[k]) for r in rows)) if rows else len(header[k])
              for k in range(len(header))]

    def fmt(cells):
        return "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                         for k, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)])


def format_class_scores(scores: ClassScores, names: Mapping[str, str] | None = None) -> str:
    """Per-class table plus the macro-F1 and accuracy lines."""
    names = names or {}
    rows = [[names.get(c.label, c.label), str(c.support), str(c.tp), str(c.fp), str(c.fn),
             _num(c.precision), _num(c.recall), _num(c.f1)] for c in scores.classes]
    table = _table(["class", "gold", "tp", "fp", "fn", "P", "R", "F1"], rows)
    present = sum(1 for c in scores.classes if c.support)
    return (f"{table}\nmacro-F1 {_num(scores.macro_f1)} over the {present} gold classes; "
            f"accuracy {_num(scores.accuracy)} ({scores.correct}/{scores.n})")


# --------------------------------------------------------------------------- runs


def _most_confident(events, asserted: frozenset[str] = ASSERTED):
    """The most confident event whose modality counts as asserted (first on ties), or None."""
    best = None
    for e in events:
        if getattr(e, "modality", "asserted") not in asserted:
            continue
        if best is None or (e.confidence or 0.0) > (best.confidence or 0.0):
            best = e
    return best


def label_from_events(events, kind: str) -> str:
    """A sentence's class read off its Report's events: ``kind`` is ``"plover"`` (the type),
    ``"quad"`` (``"0"``-``"4"``) or ``"acled"`` (the CASE code, ``"NONE"`` when the event has no
    ACLED sub-event type)."""
    event = _most_confident(events)
    if event is None:
        return "0" if kind == "quad" else NONE
    if kind == "plover":
        return event.type
    if kind == "quad":
        return str(plover_to_quad(event.type))
    return acled_code(getattr(event, "acled_sub_event_type", None)) or NONE


def label_from_model(texts_or_docs: Sequence, kind: str) -> list[str] | None:
    """The classifier's class for each item (None when its artefact has not been built)."""
    from ..extract import event_model

    if kind == "acled":
        out = event_model.predict_acled(texts_or_docs)
        return None if out is None else [acled_code(name) or NONE for name, _ in out]
    if kind == "quad":
        out = event_model.predict_quad(texts_or_docs)
        return None if out is None else [str(q) for q, _ in out]
    out = event_model.predict(texts_or_docs)
    return None if out is None else [label for label, _ in out]


def _parse(pipeline, texts: Sequence[str]) -> list:
    """Parsed Docs from the pipeline's spaCy model without sitrep's components (plain strings
    when there is no pipeline: the classifier parses them itself)."""
    if pipeline is None:
        return list(texts)
    nlp = pipeline.nlp
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if n.startswith("sitrep_")]):
        return list(nlp.pipe(texts, batch_size=64))


def _pipeline_reports(pipeline, texts: Sequence[str]) -> list:
    from ..model import Document, document_id

    docs = [Document(id=document_id(t) if t.strip() else f"empty{k}", text=t)
            for k, t in enumerate(texts)]
    return list(pipeline.analyze_many(docs))


def has_event_component(pipeline) -> bool:
    return pipeline is not None and "sitrep_events" in getattr(pipeline.nlp, "pipe_names", ())


def _combined(pipeline, texts: Sequence[str], kind: str) -> tuple[list[str], str] | None:
    """Each sentence's label from its Report's events and the classifier, as
    ``event_model.combine`` / ``combine_acled`` say (a sentence-level simulation of what the
    event extractor can do with the model); None without the model."""
    from ..extract import event_model

    reports = _pipeline_reports(pipeline, texts)
    docs = _parse(pipeline, texts)
    origins: Counter = Counter()
    labels = []
    if kind == "acled":
        model = event_model.predict_acled(docs)
        if model is None:
            return None
        for report, answer in zip(reports, model):
            event = _most_confident(report.events)
            rule = getattr(event, "acled_sub_event_type", None) if event is not None else None
            name, _, origin = event_model.combine_acled(rule, answer)
            origins[origin] += 1
            labels.append(acled_code(name) or NONE)
    else:
        dists = event_model.distribution(docs)
        if dists is None:
            return None
        for report, dist in zip(reports, dists):
            event = _most_confident(report.events)
            label, _, origin = event_model.combine(event.type if event else None, dist)
            origins[origin] += 1
            labels.append(str(plover_to_quad(label)) if kind == "quad" else label)
    how = ", ".join(f"{k} {v}" for k, v in sorted(origins.items()))
    return labels, ("scored: rules and model combined per sentence (event_model.combine"
                    f"{'_acled' if kind == 'acled' else ''}; label from: {how})")


def classify(pipeline, texts: Sequence[str], kind: str, mode: str | None = None
             ) -> tuple[list[str], str]:
    """Predicted classes for ``texts`` and a line saying what produced them.

    ``mode``: ``"pipeline"`` (the Report's events), ``"model"`` (the classifier alone),
    ``"combined"`` (both, through ``event_model.combine``) or None / ``"auto"`` / ``"both"`` (the
    pipeline when it has an event extractor and it finds events, otherwise the classifier)."""
    from ..errors import SitrepError

    mode = (mode or "auto").lower()
    if mode not in {"auto", "both", "pipeline", "model", "combined"}:
        raise SitrepError(f"unknown mode {mode!r} (pipeline, model, combined or auto)")
    if mode == "combined":
        if not has_event_component(pipeline):
            raise SitrepError("the pipeline has no sitrep_events component to combine with")
        out = _combined(pipeline, texts, kind)
        if out is None:
            raise SitrepError("the event-type model is not built (run `make models`)")
        return out
    note = ""
    if mode in {"auto", "both", "pipeline"}:
        if has_event_component(pipeline):
            reports = _pipeline_reports(pipeline, texts)
            n_events = sum(len(r.events) for r in reports)
            if n_events or mode == "pipeline":
                labels = [label_from_events(r.events, kind) for r in reports]
                return labels, (f"scored: the pipeline's Report events ({n_events} events; a "
                                "sentence's class is that of its most confident asserted event)")
            note = "the pipeline's event extractor found no events; "
        elif mode == "pipeline":
            raise SitrepError("the pipeline has no sitrep_events component to score")
        else:
            note = "the pipeline has no event extractor (sitrep_events) yet; "
    labels = label_from_model(_parse(pipeline, texts), kind)
    if labels is None:
        raise SitrepError(note + "and the event-type model is not built (run `make models`)")
    return labels, f"scored: {note}the event-type classifier alone (sitrep.extract.event_model)"


def heldout_check(texts: Sequence[str]) -> str:
    """One line: how many of ``texts`` the built classifier was trained on (should be 0)."""
    from ..extract import event_model

    art = event_model.model()
    if art is None:
        return "no event-type model built: nothing could have been trained on these"
    seen = sum(1 for t in texts if key_digest(t) in art["train_keys"])
    line = f"checked: {seen} of these {len(texts)} were in the event-type model's training data"
    if seen:
        line += " (WARNING: the model is stale or the split changed; rebuild with `make models`)"
    return line


def _heldout(items: list, limit: int | None) -> tuple[list, int]:
    held = [x for x in items if x.split == "heldout"]
    return (held[:limit] if limit else held), len(items)


def _header(name: str, relpath: str, n_scored: int, n_held: int, n_all: int, unit: str) -> str:
    return (f"{name}: {relpath}, held-out part: {n_scored} of {n_all} {unit}"
            + (f" (first {n_scored} of {n_held})" if n_scored != n_held else "")
            + f"; {HELDOUT:.0%} held out by sha256 of the normalised text, the event-type "
              f"classifier trained only on the other {n_all - n_held}")


def run_plover(pipeline, limit: int | None = None, mode: str | None = None,
               shared: Path | None = None) -> str:
    items = load_plover(_path(PLOVER_PATH, shared))
    held = [x for x in items if x.split == "heldout"]
    scored, n_all = _heldout(items, limit)
    texts = [x.text for x in scored]
    predicted, how = classify(pipeline, texts, "plover", mode)
    gold = [x.label for x in scored]
    scores = score_classes(gold, predicted, [t for t in PLOVER_TYPES if t in set(gold)])
    quad_ok = sum(plover_to_quad(g) == plover_to_quad(p) for g, p in zip(gold, predicted))
    return "\n".join([
        _header("events-plover", PLOVER_PATH, len(scored), len(held), n_all, "sentences"),
        "gold: PLOVER 0.5b1 labels mapped to PLOVER 2.0 (DEMAND->REQUEST, DISAPPROVE and "
        "INVESTIGATE->ACCUSE, FIGHT->ASSAULT)",
        heldout_check(texts), how, "",
        format_class_scores(scores),
        f"quad class of the predicted type agrees with the gold's on {quad_ok}/{len(gold)} "
        f"({quad_ok / len(gold) if gold else 0:.3f})",
    ])


def run_cameo(pipeline, limit: int | None = None, mode: str | None = None,
              shared: Path | None = None) -> str:
    items = load_cameo_class(_path(CAMEO_CLASS_PATH, shared))
    held = [x for x in items if x.split == "heldout"]
    scored, n_all = _heldout(items, limit)
    texts = [x.text for x in scored]
    predicted, how = classify(pipeline, texts, "quad", mode)
    scores = score_classes([x.label for x in scored], predicted, ["0", "1", "2", "3", "4"])
    return "\n".join([
        _header("events-cameo", CAMEO_CLASS_PATH, len(scored), len(held), n_all, "sentences"),
        "gold: ConfliBERT quad classes (0 no event/statement, 1-4 CAMEO quad classes); PLOVER "
        "types mapped to quad classes as EVALUATION.md says",
        heldout_check(texts), how, "",
        format_class_scores(scores, {k: v for k, v in
                                     ((str(q), n) for q, n in QUAD_NAMES.items())}),
    ])


def run_case2021(pipeline, limit: int | None = None, mode: str | None = None,
                 shared: Path | None = None) -> str:
    items = load_case2021(_path(CASE_PATH, shared))
    held = [x for x in items if x.split == "heldout"]
    scored_all, n_all = _heldout(items, limit)
    scored = [x for x in scored_all if x.label in ACLED_CODES]
    texts = [x.text for x in scored]
    predicted, how = classify(pipeline, texts, "acled", mode)
    gold = [x.label for x in scored]
    scores = score_classes(gold, predicted, [c for c in ACLED_CODES if c in set(gold)])
    left_out = Counter(x.label for x in scored_all if x.label not in ACLED_CODES)
    return "\n".join([
        _header("events-case2021", CASE_PATH, len(scored_all), len(held), n_all, "snippets"),
        f"counted: the {len(scored)} snippets with one of the 25 ACLED labels; left out "
        f"{sum(left_out.values())} with a non-ACLED label ("
        + ", ".join(f"{k} {v}" for k, v in sorted(left_out.items())) + ")",
        heldout_check(texts), how, "",
        format_class_scores(scores),
    ])


def _path(relpath: str, shared: Path | None) -> Path:
    from .runs import shared_dir

    path = (Path(shared) if shared is not None else shared_dir()) / relpath
    if not path.exists():
        from ..errors import SitrepError

        raise SitrepError(f"{path}: gold set not found (set SITREP_SHARED to the shared folder)")
    return path


SETS: dict[str, Callable[..., str]] = {
    "events-plover": run_plover,
    "events-cameo": run_cameo,
    "events-case2021": run_case2021,
}
