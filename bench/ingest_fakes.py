"""Ingest the 804 FA-KES articles twice, then kill an ingest mid-way and resume it.

    .venv/bin/python bench/ingest_fakes.py                 # ../shared/corpus/fakes/fakes.csv
    .venv/bin/python bench/ingest_fakes.py --kill-after 300 --keep /tmp/fakes-bench

Runs the real command (`sitrep ingest`) in subprocesses, as a user would:
1. a clean ingest into a new database (documents/s, the end summary);
2. the same ingest again, which must add nothing (the fingerprint is unchanged);
3. an ingest into a second database killed with SIGKILL once --kill-after documents are
   committed, then the same command again; the result must equal the clean run (row counts and
   checksums of every table, ingest times left out).
Prints figures; exits 1 if either check fails.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT.parent / "shared" / "corpus" / "fakes" / "fakes.csv"
CLI = [sys.executable, "-c", "import sitrep.cli_store, sitrep.cli as c; c.main()"]


def ingest(db: Path, source: Path, commit_every: int) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(CLI + ["ingest", str(source), "--db", str(db), "--no-progress",
                                   "--commit-every", str(commit_every)],
                            capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    if result.returncode != 0:
        raise SystemExit(f"ingest failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, summary


def killed_ingest(db: Path, source: Path, commit_every: int, kill_after: int) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(CLI + ["ingest", str(source), "--db", str(db), "--no-progress",
                                   "--commit-every", str(commit_every)],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    for line in proc.stderr:
        so_far = re.search(r"\((\d+) so far", line)
        if so_far and int(so_far.group(1)) >= kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(FAKES))
    parser.add_argument("--commit-every", type=int, default=32)
    parser.add_argument("--kill-after", type=int, default=400,
                        help="SIGKILL once this many documents are committed")
    parser.add_argument("--keep", default=None, help="keep the databases in this folder")
    args = parser.parse_args(argv)
    source = Path(args.source)
    if not source.exists():
        print(f"{source} is not present (shared data lives beside the repository)", file=sys.stderr)
        return 2

    from sitrep.store import Store

    folder = Path(args.keep or tempfile.mkdtemp(prefix="sitrep-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    clean, resumed = folder / "clean.duckdb", folder / "resumed.duckdb"
    for path in (clean, resumed):
        path.unlink(missing_ok=True)

    seconds, summary = ingest(clean, source, args.commit_every)
    print(f"1. clean ingest: {seconds:.1f} s; {summary}")
    with Store(clean, read_only=True) as store:
        first, counts = store.fingerprint(), store.counts()
    print("   rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))

    seconds, summary = ingest(clean, source, args.commit_every)
    with Store(clean, read_only=True) as store:
        unchanged = store.fingerprint() == first
    print(f"2. second ingest: {seconds:.1f} s; {summary}; database unchanged: {unchanged}")

    seconds = killed_ingest(resumed, source, args.commit_every, args.kill_after)
    with Store(resumed, read_only=True) as store:
        stored = store.counts()["documents"]
    print(f"3. ingest killed (SIGKILL) after {seconds:.1f} s with {stored} documents committed")
    seconds, summary = ingest(resumed, source, args.commit_every)
    with Store(resumed, read_only=True) as store:
        same_counts = store.counts() == counts
        same = store.fingerprint() == first
    print(f"   resumed: {seconds:.1f} s; {summary}")
    print(f"   equals the clean run: row counts {same_counts}, checksums {same}")
    if args.keep:
        print(f"databases kept in {folder}")
    else:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 0 if unchanged and same and same_counts else 1


if __name__ == "__main__":
    raise SystemExit(main())
