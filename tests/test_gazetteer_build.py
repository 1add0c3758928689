"""The gazetteer index (``resolve/gazetteer_build.py``): one index for one set of inputs.

Building takes about 15 s, so these are slow tests."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys

import pytest

from sitrep.resolve import gazetteer_build

pytestmark = pytest.mark.slow

BUILD = """
import sys
from pathlib import Path
from sitrep.resolve import gazetteer_build
gazetteer_build.build(Path(sys.argv[1]))
"""


def _digest(path) -> str:
    """The index's rows in stored order, without when and how fast it was built."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for line in conn.iterdump():
            if not line.replace('"', "").startswith("INSERT INTO meta"):
                digest.update(line.encode())
    return digest.hexdigest()


def test_two_builds_store_the_same_rows_in_the_same_order(tmp_path):
    """Rows go in as the inputs list them, never in a set's order (which changes with the
    process's hash seed): results that tie on score come out of the index in the same order."""
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"gazetteer-{seed}.sqlite"
        subprocess.run([sys.executable, "-c", BUILD, str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        digests.append(_digest(out))
    assert digests[0] == digests[1]


def test_the_fingerprint_reads_contents_not_modification_times(tmp_path, monkeypatch):
    """Two installs of one sitrep share the cached index; an edit to the data rebuilds it."""
    extra = tmp_path / "places_extra.yaml"
    extra.write_bytes(gazetteer_build._extra_path().read_bytes())
    monkeypatch.setattr(gazetteer_build, "_extra_path", lambda: extra)
    before = gazetteer_build.fingerprint()
    os.utime(extra, (1, 1))
    assert gazetteer_build.fingerprint() == before
    extra.write_text(extra.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert gazetteer_build.fingerprint() != before
