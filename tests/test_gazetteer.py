"""Gazetteer lookups (``resolve/gazetteer.py``): answers kept in memory are the index's answers."""

from __future__ import annotations

import pytest

from sitrep.resolve import gazetteer
from sitrep.resolve.gazetteer import Gazetteer


@pytest.fixture()
def gaz() -> Gazetteer:
    # a fresh instance on the shared index: its memo starts empty
    return Gazetteer(gazetteer.default().ensure_built())


def _no_index(self):
    raise AssertionError("asked the index again")


def test_known_names_are_asked_of_the_index_once(gaz, monkeypatch):
    names = ["Aleppo", "Daraa", "Deraa", "Nowhere Special Xq"]
    first = gaz.known_keys(iter(names))  # any iterable, read once
    assert first == {"Aleppo", "Daraa", "Deraa"}
    monkeypatch.setattr(Gazetteer, "_conn", _no_index)
    assert gaz.known_keys(names) == first
    assert gaz.known_keys(["Daraa"]) == {"Daraa"}
    assert gaz.known_keys(["Nowhere Special Xq"]) == set()


def test_candidates_are_asked_once_and_handed_out_as_copies(gaz, monkeypatch):
    expected = Gazetteer(gaz.path).candidates("Dar'a")
    first = gaz.candidates("Dar'a")
    assert first == expected and first[0].place.country == "SY"
    first.clear()  # a caller's list is its own
    monkeypatch.setattr(Gazetteer, "_conn", _no_index)
    assert gaz.candidates("Dar'a") == expected
    with pytest.raises(AssertionError):
        gaz.candidates("Dar'a", fuzzy=False)  # another question is asked of the index


def test_the_memo_starts_again_when_full(gaz, monkeypatch):
    monkeypatch.setattr(gazetteer, "KNOWN_MEMO", 3)
    monkeypatch.setattr(gazetteer, "CANDIDATES_MEMO", 2)
    assert gaz.known_keys(["Aleppo", "Homs", "Hama"]) == {"Aleppo", "Homs", "Hama"}
    assert gaz.known_keys(["Idlib", "Raqqa"]) == {"Idlib", "Raqqa"}
    assert len(gaz._known) <= 3
    for name in ("Aleppo", "Homs", "Hama"):
        assert gaz.candidates(name)
    assert len(gaz._candidates) <= 2


def test_a_forked_process_opens_its_own_connection(gaz):
    import multiprocessing as mp

    assert gaz.known_keys(["Aleppo"]) == {"Aleppo"}  # the parent's connection is open
    parent = gaz._local.conn
    global _forked
    _forked = gaz  # what the fork copies
    with mp.get_context("fork").Pool(1) as pool:
        inherited, answer = pool.apply(_in_child)
    assert inherited is False and answer == {"Raqqa"}
    assert gaz._local.conn is parent


_forked: Gazetteer | None = None


def _in_child() -> tuple[bool, set[str]]:
    inherited = getattr(_forked._local, "conn", None) is not None
    return inherited, _forked.known_keys(["Raqqa"])
