"""Scale-out: the Ray engine gives the local engine's Reports, resumes where it stopped, and says
clearly when Ray is missing. One local Ray cluster (2 CPUs) serves the whole module."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from sitrep import scale
from sitrep.errors import ReadFailure
from sitrep.model import Document, Report
from sitrep.read import read_all

from .conftest import EXAMPLES, SHARED

pytestmark = [pytest.mark.ray,
              pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")]

CLI = [sys.executable, "-m", "sitrep"]
MISSING = "Ray is not installed: pip install 'sitrep[ray]'"


# -- without Ray ----------------------------------------------------------------------------------

def test_missing_ray_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(scale.RayMissing) as caught:
        scale.run([EXAMPLES], tmp_path / "parts")
    assert str(caught.value) == MISSING
    assert not (tmp_path / "parts").exists()  # said before anything was read or written


def test_missing_ray_on_the_command_line(tmp_path):
    fake = tmp_path / "fake" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = {**os.environ, "PYTHONPATH": str(fake.parent)}
    done = subprocess.run([*CLI, "ingest", str(EXAMPLES), "--engine", "ray", "--db",
                           str(tmp_path / "x.duckdb")], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 1
    assert done.stderr.strip() == f"sitrep: {MISSING}"


def test_flags_of_the_ray_engine_are_refused_with_the_local_one(tmp_path):
    done = subprocess.run([*CLI, "ingest", str(EXAMPLES), "--out-dir", str(tmp_path / "p"),
                           "--db", str(tmp_path / "x.duckdb")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 1 and "go with --engine ray" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_cluster_that_does_not_answer_is_one_line_at_once(tmp_path):
    pytest.importorskip("ray")
    done = subprocess.run([*CLI, "ingest", str(EXAMPLES), "--engine", "ray", "--address",
                           "127.0.0.1:1", "--db", str(tmp_path / "x.duckdb")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == ("sitrep: cannot reach a Ray cluster at 127.0.0.1:1: "
                                   "connection refused")


def test_a_document_whose_analysis_raises_fails_alone():
    class Flaky:
        def analyze_many(self, documents):
            return [self.analyze(d) for d in documents]

        def analyze(self, document):
            if "boom" in document.text:
                raise ValueError("bad token")
            return Report(document=document)

    docs = [Document(id=str(i), text=t, origin=f"in#{i}") for i, t in enumerate(["a", "boom", "c"])]
    reports, failures = scale.analyse_guarded(Flaky(), docs)
    assert [r.document.id for r in reports] == ["0", "2"]
    assert failures == [ReadFailure("in#1", "analysis failed: ValueError: bad token")]


def test_an_output_folder_that_is_not_ours_is_refused(tmp_path):
    pytest.importorskip("ray")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(scale.SitrepError, match="not a sitrep partitions folder"):
        scale.run([EXAMPLES], tmp_path)


# -- on a local Ray cluster -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="the Ray engine needs sitrep[ray]")
    ray.init(num_cpus=2, object_store_memory=300 * 2**20, include_dashboard=False,
             log_to_driver=False, logging_level=logging.ERROR, ignore_reinit_error=True)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The examples, ten FA-KES articles (when ../shared is present), and a bad file and line."""
    folder = tmp_path_factory.mktemp("inputs")
    paths = [str(EXAMPLES)]
    fakes = SHARED / "corpus" / "fakes" / "fakes.csv"
    if fakes.exists():
        docs = [d for d in read_all([fakes]) if isinstance(d, Document)][:10]
        with open(folder / "fakes.jsonl", "w", encoding="utf-8") as out:
            for d in docs:
                out.write(json.dumps({"title": d.title, "text": d.text, "published": d.published,
                                      "source": d.source}) + "\n")
            out.write("{not json\n")
        paths.append(str(folder / "fakes.jsonl"))
    (folder / "empty.txt").write_text("  \n")
    paths.append(str(folder / "empty.txt"))
    return paths


@pytest.fixture(scope="module")
def local(pipeline, inputs):
    """What the local engine (nlp.pipe in this process) finds: Reports and failures in order."""
    items = list(read_all(inputs))
    docs = [i for i in items if isinstance(i, Document)]
    return list(pipeline.analyze_many(docs)), [i for i in items if isinstance(i, ReadFailure)]


OPTIONS = scale.ScaleOptions(workers=2, partition_size=3)


class Crash(Exception):
    pass


def _reports(folder) -> list[Report]:
    return [Report.model_validate_json(line) for path in scale.partition_files(folder)
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def parts(ray_cluster, inputs, tmp_path_factory):
    """A run stopped by a crash after its first partition, then run again to the end."""
    out = tmp_path_factory.mktemp("parts")
    written = []

    def crash_after_one(part):
        written.append(part.name)
        raise Crash

    with pytest.raises(Crash):
        scale.run(inputs, out, OPTIONS, on_partition=crash_after_one)
    assert [p.name for p in scale.partition_files(out)] == written  # whole files only
    first = out / written[0]
    stamp = first.stat().st_mtime_ns
    failures = []
    summary = scale.run(inputs, out, OPTIONS, on_failure=failures.append)
    return out, written[0], stamp, summary, failures


def test_the_ray_engine_gives_the_local_engines_reports(parts, local):
    out, _, _, summary, failures = parts
    reports, read_failures = local
    assert len(reports) >= 5
    assert _reports(out) == reports
    assert failures == read_failures and len(failures) >= 1  # bad input is reported, not fatal
    before = sum(p.documents for p in summary.partitions if p.status == "on disk")
    assert summary.read == len(reports) and summary.analysed == len(reports) - before
    for stats in summary.workers.values():
        assert 0 < stats["peak_rss_mb"] < 1024


def test_a_stopped_run_goes_on_where_it_stopped(parts):
    out, first, stamp, summary, _ = parts
    statuses = {p.name: p.status for p in summary.partitions}
    assert statuses[first] == "on disk"
    assert set(statuses.values()) == {"on disk", "written"} and len(statuses) >= 2
    assert (out / first).stat().st_mtime_ns == stamp  # not rewritten
    assert not list(out.glob(".*tmp"))


def test_only_a_missing_partition_is_recomputed(parts, inputs, local):
    out = parts[0]
    files = scale.partition_files(out)
    lost = files[1]
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in files if p != lost}
    lost.unlink()
    summary = scale.run(inputs, out, OPTIONS)
    assert [p.name for p in summary.partitions if p.status == "written"] == [lost.name]
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in scale.partition_files(out) if p != lost} == before
    assert _reports(out) == local[0]


def test_ingest_stores_what_the_local_engine_stores(parts, inputs, pipeline, tmp_path):
    from sitrep.store import Store

    with Store(tmp_path / "local.duckdb") as store:
        expected = store.ingest(read_all(inputs), pipeline.analyze_many)
        fingerprint = store.fingerprint()
    with Store(tmp_path / "ray.duckdb") as store:
        # Every partition is on disk already: nothing is analysed, the Reports are stored.
        got = scale.ingest(inputs, store, parts[0], OPTIONS)
        assert store.fingerprint() == fingerprint
        assert str(got) == str(expected)
        again = scale.ingest(inputs, store, parts[0], OPTIONS)
        assert (again.new, again.unchanged) == (0, expected.new + expected.unchanged)
        assert store.fingerprint() == fingerprint


def test_the_command_line_end_to_end(ray_cluster, tmp_path):
    """`sitrep ingest --engine ray` on the module's cluster (--address), then its partitions
    loaded by `sitrep ingest DIR`, then the local engine with two processes: one database."""
    def ingest(*args):
        done = subprocess.run([*CLI, "ingest", *args, "--no-progress"], capture_output=True,
                              text=True, cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stderr

    said = ingest(str(EXAMPLES), "--engine", "ray", "--address", ray_cluster, "--workers", "2",
                  "--out-dir", "parts", "--partition-size", "2", "--parquet", "--db", "ray.duckdb")
    assert "ray.duckdb: read 5, new 5, unchanged 0" in said
    assert "sitrep: wrote part-000000-" in said and "INFO" not in said and "WARN" not in said
    assert len(list((tmp_path / "parts").glob("part-*.parquet"))) == 3
    again = ingest(str(EXAMPLES), "--engine", "ray", "--partitions-only", "--out-dir", "parts",
                   "--partition-size", "2")
    assert "0 written, 3 already on disk" in again and not (tmp_path / "sitrep.duckdb").exists()
    ingest("parts", "--db", "loaded.duckdb")
    ingest(str(EXAMPLES), "--engine", "local", "--n-process", "2", "--db", "local.duckdb")

    from sitrep.store import Store

    prints = [Store(tmp_path / f"{name}.duckdb", read_only=True).fingerprint()
              for name in ("ray", "loaded", "local")]
    assert prints[0] == prints[1] == prints[2]
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "parts" / scale.partition_files(tmp_path / "parts")[0].name
                          .replace(".jsonl", ".parquet"))
    assert table.num_rows == 2 and "events" in table.column_names
    assert table.column("document").to_pylist()[0]["id"]
