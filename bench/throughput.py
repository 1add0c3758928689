"""Throughput of the full pipeline next to bare spaCy parsing of the same texts, in one run.

    .venv/bin/python bench/throughput.py                      # FA-KES (../shared), all articles
    .venv/bin/python bench/throughput.py --limit 200 --n-process 2
    .venv/bin/python bench/throughput.py examples/            # any input sitrep can read

Reports documents/s and words/s for `nlp.pipe` of the bare model and for `analyze_many`, and
their ratio (the share of the parser's throughput the full pipeline keeps). Reading is done
once, before either timing. Figures only; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT.parent / "shared" / "corpus" / "fakes" / "fakes.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(FAKES)])
    parser.add_argument("--limit", type=int, default=0, help="use the first N documents")
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model", default=None)
    args = parser.parse_args(argv)

    from sitrep import nlp as nlp_module
    from sitrep.errors import ReadFailure
    from sitrep.pipeline import Pipeline, PipelineOptions
    from sitrep.read import read_all

    docs = [d for d in read_all(args.inputs) if not isinstance(d, ReadFailure)]
    if args.limit:
        docs = docs[: args.limit]
    if not docs:
        print("no documents read", file=sys.stderr)
        return 2
    texts = [d.text for d in docs]
    words = sum(len(t.split()) for t in texts)

    bare = nlp_module.load_base(args.model)
    pipeline = Pipeline(PipelineOptions(model=args.model, batch_size=args.batch_size,
                                        n_process=args.n_process))
    # Warm both up so model loading and first-call costs are not timed.
    list(bare.pipe(texts[:2]))
    list(pipeline.analyze_many(docs[:2]))

    t0 = time.perf_counter()
    for _ in bare.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
        pass
    t_bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_reports = sum(1 for _ in pipeline.analyze_many(docs))
    t_full = time.perf_counter() - t0
    assert n_reports == len(docs)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"documents: {len(docs)}  words: {words}  (avg {words / len(docs):.0f} words/doc)")
    print(f"model: {bare.meta.get('name')} {bare.meta.get('version')}  n_process: {args.n_process}"
          f"  batch_size: {args.batch_size}")
    print(f"{'':18}{'docs/s':>10}{'words/s':>12}{'seconds':>10}")
    for name, secs in (("bare nlp.pipe", t_bare), ("analyze_many", t_full)):
        print(f"{name:18}{len(docs) / secs:>10.1f}{words / secs:>12.0f}{secs:>10.2f}")
    print(f"full pipeline keeps {t_bare / t_full:.0%} of bare parsing throughput "
          f"(overhead {t_full / t_bare - 1:+.0%})")
    print(f"peak RSS of this process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
