"""Places: score geocoding on LGL and GeoWebNews exactly as ``EVALUATION.md`` (section Places) says.

The geocoder is injected, so nothing here imports the pipeline:

* ``Resolver``: ``(text, [(start, end), ...]) -> [(lat, lon) | None, ...]``, one answer per span.
  Used by :func:`eval_gold_toponyms` (the ``sitrep geocode`` figure: every gold toponym with
  coordinates is resolved; its error is the great-circle distance to the gold point).
* ``Detector``: ``text -> [(start, end, lat | None, lon | None), ...]``, predicted place mentions.
  Used by :func:`eval_end_to_end` (detection P/R/F1, then Acc@161km over the matched pairs).

Offsets everywhere are Python ``str`` indices (code points) into ``GoldDoc.text``, end exclusive.

Which gold toponyms count
-------------------------
* LGL (and TR-News, same format): every ``<toponym>`` whose ``<gaztag>`` has ``<lat>``/``<lon>``.
  ``GoldToponym.kind`` is ``None``.
* GeoWebNews: types Literal, Literal_Modifier, Mixed, Coercion, Embedded_Literal that carry a
  latitude/longitude (so the adjective "Syrian", a Literal_Modifier, counts as Syria). Demonym,
  Metonymic, Non_Literal_Modifier, Non_Toponym, Homonym, Language and the *_Expression types do
  not, even when they have coordinates. ``GoldToponym.kind`` is the GWN ``type``.

Every annotation that does not count is kept in ``GoldDoc.ignored`` (lat/lon ``nan`` when absent).
It is never used for the official figures: following EVALUATION.md literally, predicted mentions
are matched one-to-one to the *scored* gold spans only, and an unmatched prediction is a false
positive even when it lies on an ignored annotation (a Metonymic "Russia", an LGL toponym without
coordinates). :class:`EndToEndScores` reports, as a diagnostic only, how many false positives
overlap an ignored annotation (``fp_on_ignored``).

Offsets in the files (checked on lgl.xml, 588 articles, and GWN-dev.xml, 100 articles)
--------------------------------------------------------------------------------------------
``text[start:end]`` equals ``<phrase>`` (LGL) / ``<extractedName>`` (GWN) for every toponym when
``text`` is the parsed XML text (CDATA for LGL, entity-decoded text for GWN): offsets are code-point
offsets, not bytes (GWN articles with curly quotes and accented letters before a toponym match), no
file contains ``\\r`` (so XML newline normalisation changes nothing), and no phrase carries
surrounding whitespace. Nothing needed repair. The loaders still verify every span, and for a file
that does not line up (e.g. TR-News or another copy) they repair it: first as UTF-8 byte offsets,
then as the occurrence of the phrase nearest the stated start; a span that cannot be found is
dropped.
Each repair or drop is reported with one ``warnings.warn`` per file.

Metrics
-------
``score_errors``: Acc@161km is the share of errors <= 161 km. AUC follows Gritta et al. and
EVALUATION.md literally: sort the errors, ``y = log(error + 1)``, trapezoid rule with unit spacing,
divided by ``log(20039) * (n - 1)``; 0 is perfect. Consequences worth knowing:

* all errors 0 -> AUC exactly 0.0;
* all unresolved (20,039 km) -> AUC = log(20040) / log(20039) = 1.0000050 (not exactly 1: the
  definition takes log(error + 1) but normalises by log(20039); we keep the published formula);
* n == 1 has no trapezoid; we use ``log(error + 1) / log(20039)`` (the value of a flat curve);
* n == 0 gives ``nan`` for every rate.

A resolved point is never 20,039 km away (the farthest point on the sphere is pi * R = 20,015 km),
so ``GeoScores.unresolved`` counts errors >= UNRESOLVED_KM.

End-to-end matching (``match_spans``): candidate pairs are (prediction, gold) with a character
overlap > 0; they are taken greedily by largest overlap (ties: smaller total boundary difference
``|ps - gs| + |pe - ge|``, then gold order, then prediction order), each prediction and each gold
span used at most once. Precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic
mean, each 0.0 when its denominator is 0. A matched prediction without coordinates counts as
UNRESOLVED_KM in ``EndToEndScores.resolved``.
"""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from statistics import median

__all__ = [
    "ACC_KM",
    "EARTH_RADIUS_KM",
    "GWN_SCORED_TYPES",
    "UNRESOLVED_KM",
    "Detector",
    "EndToEndScores",
    "GeoScores",
    "GoldDoc",
    "GoldToponym",
    "Resolver",
    "ToponymResult",
    "count_kinds",
    "eval_end_to_end",
    "eval_gold_toponyms",
    "format_scores",
    "great_circle_km",
    "load_gwn",
    "load_lgl",
    "match_spans",
    "resolve_gold_toponyms",
    "score_errors",
]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
UNRESOLVED_KM = 20039.0  # error charged for an unresolved toponym (half the circumference)
ACC_KM = 161.0  # the k of Acc@k (100 miles)

GWN_SCORED_TYPES = frozenset(
    {"Literal", "Literal_Modifier", "Mixed", "Coercion", "Embedded_Literal"}
)

Resolver = Callable[[str, list[tuple[int, int]]], list["tuple[float, float] | None"]]
Detector = Callable[[str], list[tuple[int, int, "float | None", "float | None"]]]


# --------------------------------------------------------------------------- gold data


@dataclass(frozen=True)
class GoldToponym:
    start: int
    end: int
    text: str
    lat: float  # nan for an ignored annotation without coordinates
    lon: float
    kind: str | None  # GWN ``type``; None for LGL / TR-News
    geonameid: int | None = None  # for error analysis only; never used in scoring


@dataclass(frozen=True)
class GoldDoc:
    id: str
    text: str
    toponyms: tuple[GoldToponym, ...]  # the scored set, sorted by (start, end)
    ignored: tuple[GoldToponym, ...] = ()  # annotations that do not count (see module doc)


PathArg = str | PathLike[str]


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        out = float(value)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


class _SpanFixer:
    """Checks ``text[start:end] == phrase`` and repairs spans that do not line up."""

    def __init__(self, path: PathArg) -> None:
        self.path = path
        self.repaired: list[str] = []
        self.dropped: list[str] = []

    def __call__(
        self, doc_id: str, text: str, start: int | None, end: int | None, phrase: str
    ) -> tuple[int, int] | None:
        if start is not None and end is not None and 0 <= start <= end <= len(text):
            if text[start:end] == phrase:
                return start, end
        where = f"{doc_id}:{start}-{end} {phrase!r}"
        needle = phrase.strip()
        if not needle or start is None:
            self.dropped.append(where)
            return None
        # 1. UTF-8 byte offsets.
        if end is not None:
            raw = text.encode("utf-8")
            if raw[start:end].decode("utf-8", "replace").strip() == needle:
                s = text.find(needle, len(raw[:start].decode("utf-8", "ignore")))
                if s >= 0:
                    self.repaired.append(where)
                    return s, s + len(needle)
        # 2. Nearest occurrence of the phrase.
        best = -1
        i = text.find(needle)
        while i >= 0:
            if best < 0 or abs(i - start) < abs(best - start):
                best = i
            i = text.find(needle, i + 1)
        if best < 0:
            self.dropped.append(where)
            return None
        self.repaired.append(where)
        return best, best + len(needle)

    def report(self) -> None:
        if self.repaired or self.dropped:
            warnings.warn(
                f"{self.path}: {len(self.repaired)} gold span(s) repaired, "
                f"{len(self.dropped)} dropped (offsets did not match the phrase); "
                f"first: {(self.repaired + self.dropped)[:3]}",
                stacklevel=3,
            )


def _sorted(tops: Iterable[GoldToponym]) -> tuple[GoldToponym, ...]:
    return tuple(sorted(tops, key=lambda t: (t.start, t.end)))


def load_lgl(path: PathArg) -> list[GoldDoc]:
    """Load LGL (or TR-News, same format): scored = every ``<toponym>`` whose gaztag has lat/lon."""
    fixer = _SpanFixer(path)
    docs: list[GoldDoc] = []
    for art in ET.parse(path).getroot().iter("article"):
        doc_id = art.get("docid") or str(len(docs))
        text = art.findtext("text") or ""
        scored: list[GoldToponym] = []
        ignored: list[GoldToponym] = []
        for top in art.iterfind("toponyms/toponym"):
            phrase = top.findtext("phrase") or ""
            start, end = _int(top.findtext("start")), _int(top.findtext("end"))
            span = fixer(doc_id, text, start, end, phrase)
            if span is None:
                continue
            gaz = top.find("gaztag")
            lat = lon = None
            gid = None
            if gaz is not None:
                lat, lon = _float(gaz.findtext("lat")), _float(gaz.findtext("lon"))
                gid = _int(gaz.get("geonameid"))
            has_point = lat is not None and lon is not None
            gt = GoldToponym(
                span[0],
                span[1],
                text[span[0] : span[1]],
                lat if has_point else math.nan,
                lon if has_point else math.nan,
                None,
                gid,
            )
            (scored if has_point else ignored).append(gt)
        docs.append(GoldDoc(doc_id, text, _sorted(scored), _sorted(ignored)))
    fixer.report()
    return docs


def load_gwn(path: PathArg) -> list[GoldDoc]:
    """Load GeoWebNews (GWN.xml format): scored = GWN_SCORED_TYPES with a latitude and longitude."""
    fixer = _SpanFixer(path)
    docs: list[GoldDoc] = []
    for art in ET.parse(path).getroot().iter("article"):
        doc_id = art.get("file") or str(len(docs))
        text = art.findtext("text") or ""
        scored: list[GoldToponym] = []
        ignored: list[GoldToponym] = []
        for top in art.iterfind("toponyms/toponym"):
            phrase = top.findtext("extractedName") or ""
            start, end = _int(top.findtext("start")), _int(top.findtext("end"))
            span = fixer(doc_id, text, start, end, phrase)
            if span is None:
                continue
            kind = (top.findtext("type") or "").strip() or None
            lat, lon = _float(top.findtext("latitude")), _float(top.findtext("longitude"))
            has_point = lat is not None and lon is not None
            gt = GoldToponym(
                span[0],
                span[1],
                text[span[0] : span[1]],
                lat if has_point else math.nan,
                lon if has_point else math.nan,
                kind,
                _int(top.findtext("geonamesID")),
            )
            (scored if has_point and kind in GWN_SCORED_TYPES else ignored).append(gt)
        docs.append(GoldDoc(doc_id, text, _sorted(scored), _sorted(ignored)))
    fixer.report()
    return docs


def count_kinds(docs: Iterable[GoldDoc]) -> Counter[str | None]:
    """Scored toponyms per ``kind`` (``None`` for LGL)."""
    return Counter(t.kind for d in docs for t in d.toponyms)


# --------------------------------------------------------------------------- metrics


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km on a sphere of radius 6371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


@dataclass
class GeoScores:
    n: int
    acc161: float  # share of errors <= 161 km
    auc: float  # Gritta et al.; 0 is perfect
    mean_km: float
    median_km: float
    unresolved: int  # errors charged UNRESOLVED_KM


def score_errors(errors_km: Sequence[float]) -> GeoScores:
    """Acc@161km, AUC, mean and median of a list of errors in km (see module doc)."""
    errs = sorted(float(e) for e in errors_km)
    n = len(errs)
    if n == 0:
        nan = math.nan
        return GeoScores(0, nan, nan, nan, nan, 0)
    if any(math.isnan(e) or e < 0 for e in errs):
        raise ValueError("errors must be non-negative numbers")
    logs = [math.log(e + 1.0) for e in errs]
    norm = math.log(UNRESOLVED_KM)
    if n == 1:
        auc = logs[0] / norm
    else:
        area = math.fsum(logs) - (logs[0] + logs[-1]) / 2.0  # trapezoid rule, dx = 1
        auc = area / (norm * (n - 1))
    return GeoScores(
        n=n,
        acc161=sum(e <= ACC_KM for e in errs) / n,
        auc=auc,
        mean_km=math.fsum(errs) / n,
        median_km=float(median(errs)),
        unresolved=sum(e >= UNRESOLVED_KM for e in errs),
    )


def _point(value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    lat, lon = value  # type: ignore[misc]
    if lat is None or lon is None:
        return None
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"non-finite coordinates {value!r}")
    return lat, lon


def _error(gold: GoldToponym, pred: tuple[float, float] | None) -> float:
    if pred is None:
        return UNRESOLVED_KM
    return great_circle_km(gold.lat, gold.lon, pred[0], pred[1])


@dataclass(frozen=True)
class ToponymResult:
    doc_id: str
    gold: GoldToponym
    predicted: tuple[float, float] | None
    error_km: float  # UNRESOLVED_KM when predicted is None


def resolve_gold_toponyms(docs: Iterable[GoldDoc], resolve: Resolver) -> list[ToponymResult]:
    """Run ``resolve`` once per document on its scored gold spans; one result per toponym."""
    out: list[ToponymResult] = []
    for doc in docs:
        if not doc.toponyms:
            continue
        spans = [(t.start, t.end) for t in doc.toponyms]
        preds = list(resolve(doc.text, spans))
        if len(preds) != len(spans):
            raise ValueError(
                f"resolver returned {len(preds)} answers for {len(spans)} spans in doc {doc.id}"
            )
        for gold, raw in zip(doc.toponyms, preds):
            pred = _point(raw)
            out.append(ToponymResult(doc.id, gold, pred, _error(gold, pred)))
    return out


def eval_gold_toponyms(docs: Iterable[GoldDoc], resolve: Resolver) -> GeoScores:
    """The ``sitrep geocode`` figure: resolve every scored gold toponym, unresolved = 20,039 km."""
    return score_errors([r.error_km for r in resolve_gold_toponyms(docs, resolve)])


# --------------------------------------------------------------------------- end to end


def match_spans(
    pred: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs, greedy by largest character overlap."""
    cands: list[tuple[int, int, int, int]] = []
    for i, (ps, pe) in enumerate(pred):
        for j, (gs, ge) in enumerate(gold):
            ov = min(pe, ge) - max(ps, gs)
            if ov > 0:
                cands.append((-ov, abs(ps - gs) + abs(pe - ge), j, i))
    cands.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, j, i in cands:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j))
    pairs.sort()
    return pairs


@dataclass
class EndToEndScores:
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    resolved: GeoScores  # over the matched pairs
    fp_on_ignored: int = 0  # diagnostic only: false positives overlapping GoldDoc.ignored


def eval_end_to_end(docs: Iterable[GoldDoc], detect: Detector) -> EndToEndScores:
    """Detection P/R/F1 against the scored gold spans, then Acc@161km over the matched pairs."""
    tp = fp = fn = fp_ign = 0
    errors: list[float] = []
    for doc in docs:
        preds = [tuple(p) for p in detect(doc.text)]
        for p in preds:
            if len(p) != 4:
                raise ValueError(f"detector must return (start, end, lat, lon), got {p!r}")
        pairs = match_spans([(int(p[0]), int(p[1])) for p in preds],
                            [(t.start, t.end) for t in doc.toponyms])
        matched = {i for i, _ in pairs}
        tp += len(pairs)
        fn += len(doc.toponyms) - len(pairs)
        for i, p in enumerate(preds):
            if i in matched:
                continue
            fp += 1
            if any(min(p[1], t.end) - max(p[0], t.start) > 0 for t in doc.ignored):
                fp_ign += 1
        for i, j in pairs:
            errors.append(_error(doc.toponyms[j], _point((preds[i][2], preds[i][3]))))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EndToEndScores(tp, fp, fn, precision, recall, f1, score_errors(errors), fp_ign)


# --------------------------------------------------------------------------- report


def _num(x: float, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(header[k]), *(len(r[k]) for r in rows)) for k in range(len(header))]
    fmt = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths))
    )
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)])


def format_scores(
    results: Mapping[str, GeoScores | EndToEndScores] | GeoScores | EndToEndScores,
    name: str = "",
) -> str:
    """A plain-text table; ``results`` maps a row name (e.g. "lgl") to its scores.

    Gold-toponym rows (GeoScores) and end-to-end rows (EndToEndScores) go into separate tables.
    """
    if isinstance(results, GeoScores | EndToEndScores):
        results = {name: results}
    geo = [(k, v) for k, v in results.items() if isinstance(v, GeoScores)]
    e2e = [(k, v) for k, v in results.items() if isinstance(v, EndToEndScores)]
    parts: list[str] = []
    if geo:
        parts.append(
            _table(
                ["gold toponyms", "n", "Acc@161km", "AUC", "mean km", "median km", "unresolved"],
                [
                    [k, str(s.n), _num(s.acc161), _num(s.auc), _num(s.mean_km, 1),
                     _num(s.median_km, 1), str(s.unresolved)]
                    for k, s in geo
                ],
            )
        )
    if e2e:
        parts.append(
            _table(
                ["end to end", "tp", "fp", "fn", "P", "R", "F1", "Acc@161km", "AUC",
                 "median km", "fp on ignored"],
                [
                    [k, str(s.tp), str(s.fp), str(s.fn), _num(s.precision), _num(s.recall),
                     _num(s.f1), _num(s.resolved.acc161), _num(s.resolved.auc),
                     _num(s.resolved.median_km, 1), str(s.fp_on_ignored)]
                    for k, s in e2e
                ],
            )
        )
    return "\n\n".join(parts)
