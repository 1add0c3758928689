"""Scoring side of `sitrep eval geo-lgl` / `geo-gwn` (sitrep.evaluate.geo), on invented fixtures."""

from __future__ import annotations

import math
import time
from collections import Counter
from pathlib import Path

import pytest

from sitrep.evaluate.geo import (
    EARTH_RADIUS_KM,
    UNRESOLVED_KM,
    EndToEndScores,
    GeoScores,
    GoldDoc,
    count_kinds,
    eval_end_to_end,
    eval_gold_toponyms,
    format_scores,
    great_circle_km,
    load_gwn,
    load_lgl,
    match_spans,
    resolve_gold_toponyms,
    score_errors,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "geo"
LGL_MINI = FIXTURES / "lgl_mini.xml"
GWN_MINI = FIXTURES / "gwn_mini.xml"
SHARED = Path(__file__).resolve().parents[2] / "shared"

ALL_UNRESOLVED_AUC = math.log(UNRESOLVED_KM + 1) / math.log(UNRESOLVED_KM)  # 1.0000050...


def _all_docs() -> list[GoldDoc]:
    return load_lgl(LGL_MINI) + load_gwn(GWN_MINI)


def _perfect(docs: list[GoldDoc]):
    gold = {(d.text, t.start, t.end): (t.lat, t.lon) for d in docs for t in d.toponyms}
    return lambda text, spans: [gold[(text, s, e)] for s, e in spans]


def _assert_spans_consistent(docs: list[GoldDoc]) -> None:
    for d in docs:
        for t in d.toponyms + d.ignored:
            assert 0 <= t.start < t.end <= len(d.text)
            assert d.text[t.start : t.end] == t.text, (d.id, t)
        for t in d.toponyms:
            assert math.isfinite(t.lat) and math.isfinite(t.lon)
            assert -90 <= t.lat <= 90 and -180 <= t.lon <= 180


# --------------------------------------------------------------------------- loaders


def test_load_lgl_fixture():
    docs = load_lgl(LGL_MINI)
    assert [d.id for d in docs] == ["9000001", "9000002", "9000003"]
    assert [len(d.toponyms) for d in docs] == [5, 4, 0]
    # no gaztag ("Sheikh Maqsoud") and a gaztag without lat/lon ("Belgorod") do not count
    assert [[t.text for t in d.ignored] for d in docs] == [["Sheikh Maqsoud"], ["Belgorod"], []]
    assert count_kinds(docs) == Counter({None: 9})
    _assert_spans_consistent(docs)
    first = docs[0].toponyms[0]
    assert (first.text, first.lat, first.lon) == ("Aleppo", 36.20124, 37.16117)
    assert first.geonameid == 163843
    # offsets are code points: the second "Aleppo" follows curly quotes (3 UTF-8 bytes each)
    assert docs[0].toponyms[1].start == docs[0].text.index("Aleppo’s")
    # CDATA keeps "R&D" verbatim, offsets after it still line up
    assert "R&D" in docs[1].text


def test_load_gwn_fixture():
    docs = load_gwn(GWN_MINI)
    assert [d.id for d in docs] == ["0", "1"]
    assert [[t.text for t in d.toponyms] for d in docs] == [
        ["Syrian", "Idlib", "Aleppo", "Damascus"],
        ["Kharkiv", "Ukraine", "Mosul Book Fair"],
    ]
    assert count_kinds(docs) == Counter(
        {"Literal": 2, "Embedded_Literal": 2, "Literal_Modifier": 1, "Mixed": 1, "Coercion": 1}
    )
    ignored = Counter(t.kind for d in docs for t in d.ignored)
    assert ignored == Counter(
        {"Metonymic": 2, "Non_Lit_Expression": 1, "Non_Toponym": 1, "Demonym": 1,
         "Literal_Expression": 1, "Coercion": 1, "Non_Literal_Modifier": 1}
    )
    # Metonymic / Non_Literal_Modifier have coordinates but still do not count; a Coercion
    # without coordinates does not count either.
    meto = [t for t in docs[0].ignored if t.kind == "Metonymic"]
    assert {t.text for t in meto} == {"Damascus", "Moscow"}
    assert all(math.isfinite(t.lat) for t in meto)
    assert math.isnan(next(t for t in docs[1].ignored if t.kind == "Coercion").lat)
    _assert_spans_consistent(docs)
    # entity-decoded text ("Tom & Jerry") and non-ASCII letters before a span still line up
    assert "Tom & Jerry" in docs[1].text and docs[1].toponyms[2].text == "Mosul Book Fair"
    syrian = docs[0].toponyms[0]
    assert (syrian.kind, syrian.lat, syrian.lon) == ("Literal_Modifier", 35.0, 38.0)


LGL_TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<articles><article docid="1"><text><![CDATA[{text}]]></text><toponyms>
<toponym><start>{start}</start><end>{end}</end><phrase>{phrase}</phrase>
<gaztag geonameid="1"><lat>1.0</lat><lon>2.0</lon></gaztag></toponym>
</toponyms></article></articles>
"""


def test_loader_repairs_byte_offsets(tmp_path):
    text = "Café “news”: Homs was shelled."
    b = text.encode("utf-8")
    start = b.index(b"Homs")
    path = tmp_path / "bytes.xml"
    xml = LGL_TEMPLATE.format(text=text, start=start, end=start + 4, phrase="Homs")
    path.write_text(xml, "utf-8")
    with pytest.warns(UserWarning, match="1 gold span.s. repaired, 0 dropped"):
        (doc,) = load_lgl(path)
    (top,) = doc.toponyms
    assert (top.start, top.end, top.text) == (text.index("Homs"), text.index("Homs") + 4, "Homs")


def test_loader_drops_span_not_in_text(tmp_path):
    path = tmp_path / "bad.xml"
    xml = LGL_TEMPLATE.format(text="Nothing here.", start=0, end=4, phrase="Homs")
    path.write_text(xml, "utf-8")
    with pytest.warns(UserWarning, match="0 gold span.s. repaired, 1 dropped"):
        (doc,) = load_lgl(path)
    assert doc.toponyms == ()


# --------------------------------------------------------------------------- metrics


def test_great_circle_km():
    assert great_circle_km(10.0, 20.0, 10.0, 20.0) == 0.0
    assert great_circle_km(0, 0, 0, 1) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-12)
    assert great_circle_km(0, 0, 1, 0) == pytest.approx(111.19508, abs=1e-4)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert great_circle_km(0, 10, 0, -170) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert great_circle_km(0, 179.5, 0, -179.5) == pytest.approx(111.19508, abs=1e-4)  # dateline
    # London -> Paris, about 343.5 km
    assert great_circle_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1.0)
    # farthest resolved point is nearer than the unresolved charge
    assert math.pi * EARTH_RADIUS_KM < UNRESOLVED_KM


def test_score_errors_hand_computed():
    # sorted: 0, 9, 99 -> y = 0, ln 10, ln 100; trapezoid = ln10/2 + (ln10 + 2 ln10)/2 = 2 ln10
    # AUC = 2 ln10 / (ln 20039 * 2) = ln10 / ln20039
    s = score_errors([99.0, 0.0, 9.0])
    assert s.auc == pytest.approx(math.log(10) / math.log(20039), rel=1e-12)
    assert s.auc == pytest.approx(0.232457, abs=1e-6)  # 2.302585 / 9.905436
    assert (s.n, s.acc161, s.mean_km, s.median_km, s.unresolved) == (3, 1.0, 36.0, 9.0, 0)


def test_score_errors_edges():
    assert score_errors([161.0, 161.0001]).acc161 == 0.5  # <= 161 counts
    s = score_errors([0.0, 0.0, UNRESOLVED_KM, UNRESOLVED_KM])
    # y = 0, 0, L, L with L = ln 20040: trapezoid = L/2 + L = 1.5 L; / (ln20039 * 3)
    assert s.auc == pytest.approx(0.5 * ALL_UNRESOLVED_AUC, rel=1e-12)
    assert (s.acc161, s.median_km, s.unresolved) == (0.5, UNRESOLVED_KM / 2, 2)
    one = score_errors([9.0])
    assert one.auc == pytest.approx(math.log(10) / math.log(20039))
    empty = score_errors([])
    assert empty.n == 0 and math.isnan(empty.acc161) and math.isnan(empty.auc)
    with pytest.raises(ValueError):
        score_errors([1.0, -1.0])
    with pytest.raises(ValueError):
        score_errors([1.0, float("nan")])


def test_perfect_resolver_on_fixtures():
    docs = _all_docs()
    s = eval_gold_toponyms(docs, _perfect(docs))
    assert s == GeoScores(n=16, acc161=1.0, auc=0.0, mean_km=0.0, median_km=0.0, unresolved=0)


def test_none_resolver_on_fixtures():
    docs = _all_docs()
    s = eval_gold_toponyms(docs, lambda text, spans: [None] * len(spans))
    assert (s.n, s.acc161, s.unresolved) == (16, 0.0, 16)
    assert s.mean_km == s.median_km == UNRESOLVED_KM
    # The published definition takes log(error + 1) but divides by log(20039), so "everything
    # unresolved" is 1.0000050, not exactly 1.0; we keep the formula as published.
    assert s.auc == pytest.approx(ALL_UNRESOLVED_AUC, rel=1e-12)
    assert s.auc == pytest.approx(1.0, abs=1e-5)


def test_constant_offset_resolver_on_fixtures():
    # every answer one degree of latitude north of gold: error = R * pi / 180 = 111.195 km each,
    # a flat curve, so AUC = ln(112.195...) / ln(20039) and Acc@161km = 1
    docs = load_gwn(GWN_MINI)
    gold = _perfect(docs)

    def north(text, spans):
        return [(lat + 1.0, lon) for lat, lon in gold(text, spans)]

    err = EARTH_RADIUS_KM * math.pi / 180
    s = eval_gold_toponyms(docs, north)
    assert s.n == 7 and s.acc161 == 1.0 and s.unresolved == 0
    assert s.mean_km == pytest.approx(err) and s.median_km == pytest.approx(err)
    assert s.auc == pytest.approx(math.log(err + 1) / math.log(20039), rel=1e-9)


def test_resolver_call_contract():
    docs = load_lgl(LGL_MINI)
    calls = []

    def spy(text, spans):
        calls.append((text, spans))
        return [None] * len(spans)

    results = resolve_gold_toponyms(docs, spy)
    assert len(calls) == 2  # the document without scored toponyms is not sent
    assert calls[0][1] == [(t.start, t.end) for t in docs[0].toponyms]
    assert [r.doc_id for r in results] == ["9000001"] * 5 + ["9000002"] * 4
    assert all(r.predicted is None and r.error_km == UNRESOLVED_KM for r in results)
    with pytest.raises(ValueError, match="answers for"):
        eval_gold_toponyms(docs, lambda text, spans: [None])


# --------------------------------------------------------------------------- end to end


def test_match_spans_greedy_one_to_one():
    # pred 0 covers both gold spans; gold 1 has the larger overlap and wins;
    # pred 1 then takes gold 0
    assert match_spans([(0, 20), (0, 5)], [(0, 6), (7, 15)]) == [(0, 1), (1, 0)]
    # identical duplicate predictions: only the first matches
    assert match_spans([(3, 8), (3, 8)], [(3, 8)]) == [(0, 0)]
    # touching spans do not overlap
    assert match_spans([(0, 3)], [(3, 6)]) == []


GWN_COORDS = {
    "Syria": (35.0, 38.0),
    "Damascus": (33.5102, 36.29128),
    "Ukraine": (49.0, 32.0),
}


def _gwn_detector(text: str):
    def at(phrase, nth=1, lat=None, lon=None, trim=0):
        i = -1
        for _ in range(nth):
            i = text.index(phrase, i + 1)
        return (i, i + len(phrase) - trim, lat, lon)

    if text.startswith("Syrian"):
        return [
            at("Syrian", 1, *GWN_COORDS["Syria"]),  # TP, 0 km
            at("Idlib", 1, *GWN_COORDS["Damascus"]),  # TP, ~270 km
            at("Aleppo–Damascus highway", 1, *GWN_COORDS["Damascus"]),  # TP on "Damascus", 0 km
            at("Moscow", 1, 55.75, 37.62),  # FP (Metonymic, ignored)
            at("Damascus", 1, *GWN_COORDS["Damascus"]),  # FP (Metonymic, ignored)
        ]
    return [
        at("Kharkiv"),  # TP, unresolved
        at("Kharkiv"),  # FP: duplicate
        at("Ukraine", 1, *GWN_COORDS["Ukraine"], trim=1),  # TP on partial overlap "Ukrain", 0 km
        at("overnight"),  # FP on plain text
    ]  # "Mosul Book Fair" missed -> FN; "Aleppo" (doc 0) left unmatched -> FN


def test_end_to_end_hand_computed():
    docs = load_gwn(GWN_MINI)
    s = eval_end_to_end(docs, _gwn_detector)
    assert (s.tp, s.fp, s.fn, s.fp_on_ignored) == (5, 4, 2, 2)
    assert s.precision == pytest.approx(5 / 9)
    assert s.recall == pytest.approx(5 / 7)
    assert s.f1 == pytest.approx(10 / 16)
    idlib_damascus = great_circle_km(35.93062, 36.63393, *GWN_COORDS["Damascus"])
    assert 161 < idlib_damascus < 400
    r = s.resolved
    assert (r.n, r.acc161, r.unresolved) == (5, 0.6, 1)
    assert r.median_km == 0.0
    assert r.mean_km == pytest.approx((idlib_damascus + UNRESOLVED_KM) / 5)
    logs = sorted([0.0, 0.0, 0.0, math.log(idlib_damascus + 1), math.log(UNRESOLVED_KM + 1)])
    trap = sum(logs) - (logs[0] + logs[-1]) / 2
    assert r.auc == pytest.approx(trap / (math.log(20039) * 4))


def test_end_to_end_perfect_and_empty():
    docs = _all_docs()
    spans = {d.text: d.toponyms for d in docs}
    perfect = eval_end_to_end(
        docs, lambda text: [(t.start, t.end, t.lat, t.lon) for t in spans[text]]
    )
    assert (perfect.tp, perfect.fp, perfect.fn) == (16, 0, 0)
    assert perfect.precision == perfect.recall == perfect.f1 == 1.0
    assert perfect.resolved.acc161 == 1.0 and perfect.resolved.auc == 0.0
    nothing = eval_end_to_end(docs, lambda text: [])
    assert (nothing.tp, nothing.fp, nothing.fn) == (0, 0, 16)
    assert nothing.precision == nothing.recall == nothing.f1 == 0.0
    assert nothing.resolved.n == 0


# --------------------------------------------------------------------------- report


def test_format_scores():
    docs = load_gwn(GWN_MINI)
    geo = eval_gold_toponyms(docs, _perfect(docs))
    e2e = eval_end_to_end(docs, _gwn_detector)
    assert isinstance(e2e, EndToEndScores)
    out = format_scores({"gwn-dev": geo, "gwn-dev e2e": e2e})
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["gold", "toponyms", "n", "Acc@161km"]
    assert "gwn-dev" in lines[2] and "1.000" in lines[2] and "0.000" in lines[2]
    e2e_row = next(line for line in lines if line.startswith("gwn-dev e2e"))
    assert e2e_row.split()[2:7] == ["5", "4", "2", "0.556", "0.714"]
    single = format_scores(score_errors([]), "empty")
    assert "empty" in single and " - " in single


# --------------------------------------------------------------------------- real files


@pytest.mark.slow
@pytest.mark.parametrize(
    ("loader", "relpath", "n_docs", "n_scored"),
    [
        (load_lgl, "eval/geo/lgl/lgl.xml", 588, 4462),
        (load_gwn, "eval/geo/geowebnews/GWN-dev.xml", 100, 756),
    ],
)
def test_real_gold_sets(loader, relpath, n_docs, n_scored, recwarn):
    path = SHARED / relpath
    if not path.exists():
        pytest.skip(f"shared evaluation data not present at {path}")
    t0 = time.perf_counter()
    docs = loader(path)
    assert time.perf_counter() - t0 < 5.0
    assert not [w for w in recwarn if "gold span" in str(w.message)]  # no offset repairs needed
    assert len(docs) > 0 and sum(len(d.toponyms) for d in docs) > 0
    # the figures measured when this module was written (development copies in ../shared)
    assert len(docs) == n_docs
    assert sum(len(d.toponyms) for d in docs) == n_scored
    _assert_spans_consistent(docs)
