"""Actors in events: score the source and target actors of the pipeline's events against
ConfliBERT's CAMEO NER file (``conflibert_cameo/cameo_ner_train.txt``): ``sitrep eval
actors-cameo``.

Gold: CoNLL ``token tag`` sentences; BIO tags S (source), T (target) and R (reciprocal: an actor
that is both, "Erdogan will meet Mattarella", tagged on both sides). The text the pipeline reads is
the sentence as written in ``cameo_class_train.tsv`` when it has the same normalised text and the
tokens align to it (928 of 1,153 sentences), otherwise the tokens joined by spaces.

Prediction: the pipeline analyses each sentence; its event is the most confident one (asserted
first: the NER file codes one event per sentence whatever its modality). Every mention of an actor
in the event's ``source`` is a predicted source span, every mention of one in its ``target`` a
target span, and a mention whose actor is in both is reciprocal (R). Character spans become the
tokens they overlap.

Figures:

* **source** (gold S and R spans against predicted source spans) and **target** (T and R against
  predicted target spans): exact-span P/R/F1 (same first and last token) and token-level P/R/F1
  (over the tokens inside the spans);
* **typed S/T/R**: exact spans with their role, micro-averaged (the seqeval-style figure
  ConfliBERT reports, 0.74 F1 on the NER test file);
* **any actor mention (role-blind upper bound)**: every actor mention of the Report against every
  gold span whatever its role. It is what the actor extractor makes possible before any event
  assigns roles, and the only non-zero figure while the pipeline produces no events.

``cameo_ner_train.txt`` is not trained on by any model of sitrep, but its sentences are (mostly)
those of ``cameo_class_train.tsv``, whose train part the event-type classifier learnt from; each
figure is therefore given for all sentences and for the held-out part (the same split as the event
sets: :func:`sitrep.evaluate.events.split_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .events import (
    CAMEO_CLASS_PATH, CAMEO_NER_PATH, HELDOUT, PRF, NerSentence, _parse, _path, _table,
    load_cameo_class, load_cameo_ner, ner_spans,
)

__all__ = ["SETS", "Counts", "PredictedSentence", "format_actor_scores", "predicted_spans",
           "run_actors_cameo", "score_actors", "tagger_spans"]


@dataclass
class Counts(PRF):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set, predicted: set) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)


@dataclass(frozen=True)
class PredictedSentence:
    """What the pipeline said about one sentence, in token spans ``(role, first, end)``."""

    roles: tuple[tuple[str, int, int], ...]  # S, T or R, from the chosen event
    mentions: tuple[tuple[int, int], ...]  # every actor mention, role-blind
    n_events: int


def _tokens_of(start: int, end: int, offsets: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    hit = [k for k, (s, e) in enumerate(offsets) if s < end and start < e]
    return (hit[0], hit[-1] + 1) if hit else None


def _main_event(events):
    events = list(events)
    asserted = [e for e in events if getattr(e, "modality", "asserted") == "asserted"]
    pool = asserted or events
    best = None
    for e in pool:
        if best is None or (e.confidence or 0.0) > (best.confidence or 0.0):
            best = e
    return best


def predicted_spans(report, sentence: NerSentence) -> PredictedSentence:
    """Token spans of the Report's actors: by role in the main event, and all mentions."""
    mentions_of = {}
    for actor in report.actors:
        spans = []
        for m in actor.mentions:
            t = _tokens_of(m.start, m.end, sentence.offsets)
            if t is not None:
                spans.append(t)
        mentions_of[actor.id] = spans
    event = _main_event(report.events)
    roles: set[tuple[str, int, int]] = set()
    if event is not None and event.arguments:
        # the spans the event names its parties by (schema 1.1); one in both roles is "R"
        by_span: dict[tuple[int, int], set[str]] = {}
        for arg in event.arguments:
            t = _tokens_of(arg.start, arg.end, sentence.offsets)
            if t is not None:
                by_span.setdefault(t, set()).add(arg.role)
        for (first, end), kinds in by_span.items():
            role = "R" if len(kinds) == 2 else ("S" if "source" in kinds else "T")
            roles.add((role, first, end))
    elif event is not None:
        sources, targets = set(event.source), set(event.target)
        for actor_id in sources | targets:
            role = "R" if actor_id in sources and actor_id in targets else (
                "S" if actor_id in sources else "T")
            for first, end in mentions_of.get(actor_id, []):
                roles.add((role, first, end))
    every = {span for spans in mentions_of.values() for span in spans}
    return PredictedSentence(tuple(sorted(roles)), tuple(sorted(every)), len(report.events))


def _token_set(spans: Iterable[tuple[str, int, int]], roles: set[str]) -> set[int]:
    return {k for role, first, end in spans if role in roles for k in range(first, end)}


def score_actors(sentences: Sequence[NerSentence], predictions: Sequence[PredictedSentence]
                 ) -> dict[str, Counts]:
    """Counts per figure (see the module doc), summed over the sentences."""
    names = ("source exact", "source tokens", "target exact", "target tokens",
             "typed S/T/R exact", "typed S/T/R tokens",
             "any actor mention exact", "any actor mention tokens")
    out = {n: Counts() for n in names}
    for k, (sent, pred) in enumerate(zip(sentences, predictions, strict=True)):
        gold = ner_spans(sent.tags)
        for view, roles in (("source", {"S", "R"}), ("target", {"T", "R"})):
            out[f"{view} exact"].add(
                {(k, f, e) for r, f, e in gold if r in roles},
                {(k, f, e) for r, f, e in pred.roles if r in roles})
            out[f"{view} tokens"].add(
                {(k, t) for t in _token_set(gold, roles)},
                {(k, t) for t in _token_set(pred.roles, roles)})
        out["typed S/T/R exact"].add({(k, *s) for s in gold}, {(k, *s) for s in pred.roles})
        out["typed S/T/R tokens"].add(
            {(k, r, t) for r in "STR" for t in _token_set(gold, {r})},
            {(k, r, t) for r in "STR" for t in _token_set(pred.roles, {r})})
        out["any actor mention exact"].add({(k, f, e) for _, f, e in gold},
                                           {(k, f, e) for f, e in pred.mentions})
        out["any actor mention tokens"].add(
            {(k, t) for t in _token_set(gold, {"S", "T", "R"})},
            {(k, t) for f, e in pred.mentions for t in range(f, e)})
    return out


def format_actor_scores(parts: dict[str, dict[str, Counts]]) -> str:
    """One table: a row per (figure, part)."""
    rows = []
    for figure in next(iter(parts.values())):
        for part, scores in parts.items():
            c = scores[figure]
            rows.append([f"{figure} [{part}]", str(c.tp), str(c.fp), str(c.fn),
                         f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"])
    return _table(["figure [sentences]", "tp", "fp", "fn", "P", "R", "F1"], rows)


def tagger_spans(spans: Iterable[tuple[str, int, int]], sentence: NerSentence
                 ) -> PredictedSentence:
    """The role tagger's ``(role, start_char, end_char)`` spans as token spans of ``sentence``."""
    code = {"source": "S", "target": "T", "both": "R"}
    roles = set()
    for role, start, end in spans:
        t = _tokens_of(start, end, sentence.offsets)
        if t is not None:
            roles.add((code.get(role, role), *t))
    return PredictedSentence(tuple(sorted(roles)), tuple(sorted({(f, e) for _, f, e in roles})), 0)


def run_actors_cameo(pipeline, limit: int | None = None, mode: str | None = None,
                     shared: Path | None = None) -> str:
    """``mode``: ``"pipeline"`` (the Report's events), ``"model"`` (the role tagger alone, on the
    held-out part) or None/``"auto"``/``"both"`` (both, the tagger when it has been built)."""
    from ..extract import event_model
    from .events import heldout_check

    mode = (mode or "auto").lower()
    if mode not in {"auto", "both", "pipeline", "model"}:
        from ..errors import SitrepError

        raise SitrepError(f"unknown mode {mode!r} (pipeline, model or auto)")
    originals = [x.text for x in load_cameo_class(_path(CAMEO_CLASS_PATH, shared))]
    sentences = load_cameo_ner(_path(CAMEO_NER_PATH, shared), originals)
    if limit:
        sentences = sentences[:limit]
    held = [k for k, s in enumerate(sentences) if s.split == "heldout"]
    aligned = sum(1 for s in sentences if " ".join(s.tokens) != s.text)
    lines = [
        f"actors-cameo: {CAMEO_NER_PATH}, {len(sentences)} sentences ({len(held)} in the held-out "
        f"part: {HELDOUT:.0%} by sha256 of the normalised text, as for the event sets); "
        f"{aligned} read as written in {Path(CAMEO_CLASS_PATH).name}, the rest as space-joined "
        "tokens",
    ]
    parts: dict[str, dict[str, Counts]] = {}
    if mode in {"auto", "both", "pipeline"}:
        from ..model import Document, document_id

        docs = [Document(id=document_id(s.text), text=s.text) for s in sentences]
        predictions = [predicted_spans(report, s) for report, s in
                       zip(pipeline.analyze_many(docs), sentences, strict=True)]
        parts["pipeline, all"] = score_actors(sentences, predictions)
        parts["pipeline, held-out"] = score_actors([sentences[k] for k in held],
                                                   [predictions[k] for k in held])
        n_events = sum(p.n_events for p in predictions)
        with_event = sum(1 for p in predictions if p.n_events)
        lines.append(f"pipeline: {n_events} events in {with_event} sentences; a sentence's roles "
                     "are those of its most confident event")
        if not n_events:
            lines.append("NOTE: the pipeline produced no events, so its source/target/typed "
                         "figures are 0 by construction; its 'any actor mention' rows are the "
                         "role-blind upper bound the actor extractor allows")
    tagger = None
    if mode in {"auto", "both", "model"}:
        texts = [sentences[k].text for k in held]
        art = event_model.model()
        tagged = None if art is None or "roles" not in art else event_model.roles(
            _parse(pipeline, texts))
        if tagged is None:
            if mode == "model":
                from ..errors import SitrepError

                raise SitrepError("the role tagger is not built (run `make models`)")
            lines.append("role tagger: not built (`make models`), not scored")
        else:
            tagger = [tagger_spans(spans, sentences[k]) for spans, k in zip(tagged, held)]
            parts["role tagger, held-out"] = score_actors([sentences[k] for k in held], tagger)
            lines.append("role tagger (sitrep.extract.event_model.roles, trained on the other "
                         f"part of this file), held-out part only; {heldout_check(texts)}; its "
                         "'any actor mention' rows are its own spans, role-blind")
    lines += ["", format_actor_scores(parts), "",
              "exact: same first and last token (and role); tokens: over the tokens inside spans. "
              "source = gold S+R, target = gold T+R; typed S/T/R is ConfliBERT's seqeval-style "
              "figure (0.74 F1 on its test file with a GPU BERT)"]
    return "\n".join(lines)


SETS: dict[str, Callable[..., str]] = {"actors-cameo": run_actors_cameo}
