"""Throughput of the full pipeline next to bare spaCy parsing of the same texts, 1 and 2 workers.

    .venv/bin/python bench/throughput.py                      # FA-KES (../shared), all articles
    .venv/bin/python bench/throughput.py --limit 300          # the first 300
    .venv/bin/python bench/throughput.py --workers 1 --engines bare,local --repeat 3
    .venv/bin/python bench/throughput.py examples/            # any input sitrep can read

One run measures, on the same documents, for each number of workers:

- ``bare``:  ``nlp.pipe`` of the bare spaCy model (``n_process`` = workers);
- ``local``: the full pipeline, ``Pipeline.analyze_many`` (the local engine: with 2, its forked
  worker processes, ``workers.py``);
- ``ray``:   the full pipeline on a local Ray cluster of that many CPUs (``scale.run``, one actor
  per worker, Report partitions written to a temporary folder). Its wall time includes starting the
  actors and loading the model in each; "in workers" is the throughput inside the actors alone
  (documents / busy seconds, summed over actors), which is what a long run converges to.

and prints documents/s, words/s, peak RSS per worker, the full pipeline's share of the bare
parser's throughput and the speed-up from 1 to 2 workers. Each measurement runs in a fresh
process (so peak RSS is its own, and no model, cache or Ray session is shared); models are loaded
and warmed up before the clock starts, except in Ray, where loading is part of the run. Peak RSS
is VmHWM: for one local worker, the process itself; for two, the largest child (forked, so
it counts pages shared with the parent); for Ray, each actor reports its own. CPU time (all
processes of the run: for Ray, the actors while analysing plus the driver) is printed beside the
wall time because it barely moves when other jobs share the machine. Reading the input is never
timed. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT.parent / "shared" / "corpus" / "fakes" / "fakes.csv"
ENGINES = ("bare", "local", "ray")
LABELS = {"bare": "bare nlp.pipe", "local": "full, local engine", "ray": "full, ray engine"}
WORDS_PER_ARTICLE = 700  # the "article" for the articles/s target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(FAKES)])
    parser.add_argument("--limit", type=int, default=0, help="use the first N documents")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--engines", default=",".join(ENGINES), help="bare,local,ray")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--partition-size", type=int, default=32, help="ray: documents each")
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all measurements; each row is its median run")
    parser.add_argument("--measure", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args)), flush=True)
        return 0

    workers = [int(w) for w in args.workers.split(",")]
    engines = [e for e in args.engines.split(",") if e]
    if unknown := set(engines) - set(ENGINES):
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    runs: dict[tuple[str, int], list[dict]] = {}
    for round_ in range(args.repeat):
        for n in workers:
            for engine in engines:
                command = [sys.executable, __file__, *args.inputs, "--measure", engine,
                           "--workers", str(n), "--limit", str(args.limit),
                           "--batch-size", str(args.batch_size),
                           "--partition-size", str(args.partition_size)]
                if args.model:
                    command += ["--model", args.model]
                print(f"... {LABELS[engine]}, {n} worker{'s' * (n > 1)}"
                      + (f", round {round_ + 1} of {args.repeat}" if args.repeat > 1 else ""),
                      file=sys.stderr, flush=True)
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode:
                    sys.stderr.write(done.stderr)
                    return done.returncode
                runs.setdefault((engine, n), []).append(
                    json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"    {json.dumps(runs[engine, n][-1])}", file=sys.stderr, flush=True)
    # each row is its median run by wall time
    results = {key: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2]
               for key, rs in runs.items()}
    report(results, workers, engines, args)
    if args.repeat > 1:
        paired(runs, workers)
    return 0


def paired(runs: dict[tuple[str, int], list[dict]], workers: list[int]) -> None:
    """The full pipeline's share of bare parsing within each round: the two ran minutes apart,
    so a machine that slows down for a while moves both."""
    for n in workers:
        for engine in ("local", "ray"):
            if ("bare", n) in runs and (engine, n) in runs:
                shares = [b["seconds"] / f["seconds"]
                          for b, f in zip(runs["bare", n], runs[engine, n])]
                cpu = [b["cpu_seconds"] / f["cpu_seconds"]
                       for b, f in zip(runs["bare", n], runs[engine, n])]
                print(f"{n} worker{'s' * (n > 1)}, {LABELS[engine]}, round by round: "
                      + ", ".join(f"{x:.0%}" for x in shares) + " of bare parsing (by CPU time "
                      + ", ".join(f"{x:.0%}" for x in cpu) + ")")


def _documents(args):
    from sitrep.errors import ReadFailure
    from sitrep.read import read_all

    docs = [d for d in read_all(args.inputs) if not isinstance(d, ReadFailure)]
    # Repeated texts once each, as every engine stores them (FA-KES repeats 15 of its 804).
    seen: set[str] = set()
    docs = [d for d in docs if not (d.id in seen or seen.add(d.id))]
    docs = docs[: args.limit] if args.limit else docs
    if not docs:
        sys.exit("no documents read")
    return docs


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KB on Linux


def _busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all processes, /proc/stat)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure(args) -> dict:
    """One engine at one worker count, in this (fresh) process."""
    docs = _documents(args)
    n = int(args.workers)
    out = {"documents": len(docs), "words": sum(len(d.text.split()) for d in docs)}
    if args.measure == "ray":
        return {**out, **_measure_ray(docs, n, args)}
    from sitrep import nlp as nlp_module
    from sitrep.pipeline import Pipeline, PipelineOptions

    if args.measure == "bare":
        nlp = nlp_module.load_base(args.model)
        texts = [d.text for d in docs]
        list(nlp.pipe(texts[:2]))  # warm up: first-call costs are not timed

        def work():
            for _ in nlp.pipe(texts, batch_size=args.batch_size, n_process=n):
                pass
        out["model"] = f"{nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}"
    else:
        pipeline = Pipeline(PipelineOptions(model=args.model, batch_size=args.batch_size))
        list(pipeline.analyze_many(docs[:2]))  # loads the gazetteer and trained layers

        def work():
            assert sum(1 for _ in pipeline.analyze_many(docs, n_process=n)) == len(docs)
    load = os.getloadavg()[0]
    cpu = _cpu(resource.RUSAGE_SELF)
    busy = _busy()
    children = _Children()
    started = time.perf_counter()
    with children:
        work()
    out["seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = _cpu(resource.RUSAGE_SELF) - cpu + children.cpu()
    out["others_cores"] = (_busy() - busy - out["cpu_seconds"]) / out["seconds"]
    out["load"] = max(load, os.getloadavg()[0])
    own = _rss_mb()
    out["peak_rss_mb"] = own if n == 1 else max(children.rss_mb(), default=0.0)
    out["driver_rss_mb"] = own
    return out


class _Children(threading.Thread):
    """Watches this process's children (the n_process workers) in /proc five times a second: the
    CPU each has used and its VmHWM, last seen before it exits. (spaCy does not always reap its
    workers, so RUSAGE_CHILDREN would miss them.)"""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: dict[int, tuple[float, float]] = {}
        self.done = threading.Event()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()

    def run(self) -> None:
        while True:
            self._look()
            if self.done.wait(0.2):
                self._look()
                return

    def _look(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _child_pids(os.getpid()):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/status") as status:
                    hwm = next((int(line.split()[1]) for line in status
                                if line.startswith("VmHWM:")), 0)
            except (OSError, ValueError):
                continue
            cpu, rss = self.seen.get(pid, (0.0, 0.0))  # a zombie shows its CPU but no VmHWM
            self.seen[pid] = (max(cpu, (int(fields[11]) + int(fields[12])) / tick),
                              max(rss, hwm / 1024))

    def cpu(self) -> float:
        return sum(c for c, _ in self.seen.values())

    def rss_mb(self) -> list[float]:
        return [r for _, r in self.seen.values()]


def _child_pids(parent: int) -> list[int]:
    """Processes whose parent is ``parent`` (from any of its threads)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _measure_ray(docs, n: int, args) -> dict:
    import ray

    from sitrep import scale

    ray.init(num_cpus=n, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             object_store_memory=500 * 2**20)
    # The documents go in as a JSONL file, read by the engine as any input is.
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "docs.jsonl"
        with open(source, "w", encoding="utf-8") as stream:
            for d in docs:
                stream.write(json.dumps({"text": d.text, "title": d.title,
                                         "published": d.published, "source": d.source}) + "\n")
        options = scale.ScaleOptions(workers=n, model=args.model, batch_size=args.batch_size,
                                     partition_size=args.partition_size)
        load = os.getloadavg()[0]
        cpu = _cpu(resource.RUSAGE_SELF)
        busy = _busy()
        started = time.perf_counter()
        summary = scale.run([source], Path(tmp) / "parts", options)
        seconds = time.perf_counter() - started
        driver_cpu = _cpu(resource.RUSAGE_SELF) - cpu
        busy = _busy() - busy
    ray.shutdown()
    assert summary.analysed == summary.read, summary
    stats = list(summary.workers.values())
    cpu = sum(s["cpu_seconds"] for s in stats) + driver_cpu
    return {
        "seconds": seconds,
        # the actors' CPU while analysing (model loading excluded) plus the driver's
        "cpu_seconds": cpu,
        # what the rest of the machine used meanwhile; for Ray this includes the actors' start-up
        # and Ray's own processes (raylet, GCS, Ray Data's helper actors)
        "others_cores": (busy - cpu) / seconds,
        "load": max(load, os.getloadavg()[0]),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stats),
        "driver_rss_mb": _rss_mb(),
        "in_workers_docs_s": sum(s["documents"] / s["seconds"] for s in stats if s["seconds"]),
        "actors": len(stats),
    }


def report(results: dict, workers: list[int], engines: list[str], args) -> None:
    first = next(iter(results.values()))
    docs, words = first["documents"], first["words"]
    model = next((r["model"] for r in results.values() if "model" in r), "")
    print(f"documents: {docs}  words: {words}  (avg {words / docs:.0f} words/doc)  "
          f"model: {model}  batch_size: {args.batch_size}  cores: {os.cpu_count()}")
    print(f"{'':20}{'workers':>8}{'docs/s':>8}{'words/s':>9}{'seconds':>9}{'RSS/worker':>12}"
          f"{'in workers':>12}{'CPU ms/doc':>12}{'others':>8}")
    for n in workers:
        for engine in engines:
            r = results[engine, n]
            inside = f"{r['in_workers_docs_s']:.1f}" if "in_workers_docs_s" in r else ""
            print(f"{LABELS[engine]:20}{n:>8}{docs / r['seconds']:>8.1f}"
                  f"{words / r['seconds']:>9.0f}{r['seconds']:>9.1f}"
                  f"{r['peak_rss_mb']:>9.0f} MB{inside:>12}"
                  f"{1000 * r['cpu_seconds'] / docs:>12.0f}{r['others_cores']:>8.2f}")
    print("(in workers: docs/s inside the Ray actors, start-up excluded; CPU ms/doc: CPU time of "
          "the run's processes; others: cores busy with anything else meanwhile, on a machine "
          "shared with other jobs; for Ray it includes actor start-up and Ray's own processes)")
    print()
    for n in workers:
        if ("bare", n) not in results:
            continue
        bare = results["bare", n]
        for engine in ("local", "ray"):
            if (engine, n) not in results:
                continue
            full = results[engine, n]
            print(f"{n} worker{'s' * (n > 1)}: {LABELS[engine]} keeps "
                  f"{bare['seconds'] / full['seconds']:.0%} of bare parsing throughput "
                  f"(overhead {full['seconds'] / bare['seconds'] - 1:+.0%}); by CPU time "
                  f"{bare['cpu_seconds'] / full['cpu_seconds']:.0%} "
                  f"({full['cpu_seconds'] / bare['cpu_seconds'] - 1:+.0%})")
        if ("ray", n) in results:
            inside = results["ray", n]["in_workers_docs_s"]
            print(f"{n} worker{'s' * (n > 1)}: ray engine inside its workers keeps "
                  f"{inside / (docs / bare['seconds']):.0%} of bare parsing throughput")
    if len(workers) > 1:
        a, b = workers[0], workers[-1]
        for engine in engines:
            if (engine, a) in results and (engine, b) in results:
                speedup = results[engine, a]["seconds"] / results[engine, b]["seconds"]
                line = f"speed-up {a} -> {b} workers, {LABELS[engine]}: {speedup:.2f}x"
                if engine == "ray":
                    inside = (results[engine, b]["in_workers_docs_s"]
                              / results[engine, a]["in_workers_docs_s"])
                    line += f" ({inside:.2f}x inside the workers)"
                print(line)
    best = max((words / r["seconds"], engine, n) for (engine, n), r in results.items()
               if engine != "bare")
    print(f"best full pipeline: {best[0]:.0f} words/s = {best[0] / WORDS_PER_ARTICLE:.1f} "
          f"articles/s of {WORDS_PER_ARTICLE} words ({LABELS[best[1]]}, {best[2]} "
          f"worker{'s' * (best[2] > 1)})")


if __name__ == "__main__":
    sys.exit(main())
