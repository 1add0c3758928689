"""A bounded load test of ``sitrep serve`` on loopback: N requests, C at a time, then it stops.

    .venv/bin/python bench/serve_load.py                          # 2,000 requests, 50 at a time
    .venv/bin/python bench/serve_load.py --requests 200 --concurrency 20 --documents 100
    .venv/bin/python bench/serve_load.py --cache-mb 0             # every request queries the store

Builds a temporary store of synthetic Reports (documents with events at real places, actors,
quotes and claims, over two years), starts the real ``sitrep serve`` on a free loopback port in a
subprocess, and sends the requests the map page makes, in a fixed shuffled mix: the page, its
script, the event list with the page's filters (up to 5,000 rows), filtered event queries (type,
actor, radius, dates, grouped), places, actors, quotes, claims, documents, and the metadata.
Every request must answer 200 with JSON (or the page's files). Prints the error count and the
latency percentiles; exits 1 on any error. Nothing leaves 127.0.0.1. The server caches answers
by URL (the mix repeats the page's own query, as page loads do); ``--cache-mb 0`` measures every
request against the store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PLACES = [  # (id, name, lat, lon, country, admin1, feature)
    ("geonames:170903", "Daraa", 32.6189, 36.1021, "SY", "Daraa", "city"),
    ("geonames:169389", "Idlib", 35.9306, 36.6339, "SY", "Idlib", "city"),
    ("geonames:170063", "Aleppo", 36.2021, 37.1343, "SY", "Aleppo", "city"),
    ("geonames:170654", "Damascus", 33.5102, 36.2913, "SY", "Damascus", "city"),
    ("geonames:379252", "El Fasher", 13.6279, 25.3494, "SD", "North Darfur", "city"),
    ("geonames:379303", "Khartoum", 15.5518, 32.5324, "SD", "Khartoum", "city"),
    ("geonames:79415", "Hodeidah", 14.7978, 42.9545, "YE", "Al Hudaydah", "city"),
    ("geonames:706483", "Kharkiv", 49.9808, 36.2527, "UA", "Kharkiv", "city"),
    ("geonames:98182", "Baghdad", 33.3406, 44.4009, "IQ", "Baghdad", "city"),
    ("geonames:281133", "Gaza", 31.5017, 34.4668, "PS", "Gaza Strip", "city"),
]
ACTORS = [  # (id, name, kind, country)
    ("SYR.MIL", "Syrian Armed Forces", "military", "SYR"),
    ("RUS.MIL", "Russian Armed Forces", "military", "RUS"),
    ("SDN.RSF", "Rapid Support Forces", "armed_group", "SDN"),
    ("SDN.MIL", "Sudanese Armed Forces", "military", "SDN"),
    ("YEM.HOUTHI", "Houthis", "armed_group", "YEM"),
    ("UKR.MIL", "Ukrainian Armed Forces", "military", "UKR"),
    ("UN", "United Nations", "igo", None),
    ("ICRC", "International Committee of the Red Cross", "organisation", None),
]
TYPES = ["ASSAULT", "ASSAULT", "ASSAULT", "COERCE", "MOBILIZE", "THREATEN", "ACCUSE", "REQUEST",
         "AID", "CONSULT", "AGREE", "RETREAT"]
MODALITIES = ["asserted", "reported", "reported", "asserted", "intended", "hypothetical",
              "negated"]
OUTLETS = ["Example Wire", "The Levant Monitor", "Darfur Daily", "Red Sea Post", "Kyiv Courier"]


def synthetic_reports(n: int, seed: int = 7):
    """``n`` Reports whose every span is where it says, with 2-6 events each."""
    from sitrep.model import (
        Actor, Claim, Document, Event, Place, Quote, Report, Span, document_id,
    )

    rng = random.Random(seed)
    start = date(2024, 1, 1)
    for i in range(n):
        place = PLACES[rng.randrange(len(PLACES))]
        source, target = rng.sample(ACTORS, 2)
        day = start + timedelta(days=rng.randrange(730))
        outlet = OUTLETS[i % len(OUTLETS)]
        sentences, events = [], []
        offset = 0

        def add(sentence: str) -> Span:
            nonlocal offset
            sentences.append(sentence)
            span = Span(start=offset, end=offset + len(sentence), text=sentence)
            offset += len(sentence) + 1
            return span

        for k in range(rng.randint(2, 6)):
            kind = rng.choice(TYPES)
            evidence = add(f"{source[1]} carried out {kind.lower()} action number {k} near "
                           f"{place[1]} on {day.isoformat()}, report {i}.")
            events.append(Event(
                id=f"e{k}", type=kind, source=[source[0]], target=[target[0]], place=place[0],
                date=day.isoformat(), date_precision="day", modality=rng.choice(MODALITIES),
                confidence=0.7, evidence=evidence))
        said = add(f"\u201cWe will not stop until the siege of {place[1]} is lifted,\u201d said "
                   f"a spokesman of {target[1]}.")
        quote_text = said.text[1:said.text.index(",\u201d")]
        claim = add(f"At least {rng.randint(3, 90)} people were killed in {place[1]} in "
                    f"{day.year}.")
        text = " ".join(sentences)
        doc = Document(id=document_id(text), text=text, title=f"{place[1]}: report {i}",
                       published=day.isoformat(), source=outlet,
                       url=f"https://example.org/{i}", origin=f"synthetic:{i}")
        yield Report(
            document=doc,
            actors=[Actor(id=a[0], name=a[1], kind=a[2], country=a[3], linked=True,
                          mentions=[Span(start=text.index(a[1]),
                                         end=text.index(a[1]) + len(a[1]), text=a[1])])
                    for a in (source, target)],
            places=[Place(id=place[0], name=place[1], lat=place[2], lon=place[3],
                          country=place[4], admin1=place[5], feature=place[6],
                          confidence=0.9, mentions=[Span(start=text.index(place[1]),
                                                         end=text.index(place[1]) + len(place[1]),
                                                         text=place[1])])],
            events=events,
            quotes=[Quote(id="q0", text=quote_text, start=said.start + 1,
                          end=said.start + 1 + len(quote_text), speaker=target[0],
                          speaker_text="a spokesman", cue="said")],
            claims=[Claim(id="c0", text=claim.text, start=claim.start, end=claim.end,
                          checkworthiness=0.8, kinds=["statistic"])],
        )


def build_store(path: str | os.PathLike, documents: int) -> list[str]:
    """A store of ``documents`` synthetic Reports at ``path``; their document ids."""
    from sitrep.store import Store

    reports = list(synthetic_reports(documents))
    with Store(path) as store:
        store.add(reports, batch_size=256)
    return [r.document.id for r in reports]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(db: str | os.PathLike, *, cache_mb: int = 64, timeout: float = 120.0):
    """``sitrep serve`` on a free loopback port, as a user starts it; yields its base URL."""
    import httpx

    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitrep", "serve", "--db", str(db), "--port", str(port),
         "--cache-mb", str(cache_mb)],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"sitrep serve exited {proc.returncode}: "
                                   f"{log.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{base}/api/meta", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"sitrep serve did not answer within {timeout:g} s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def request_mix(document_ids: list[str], n: int, seed: int = 11) -> list[str]:
    """``n`` paths, in a fixed random order, weighted as the page and an analyst use them."""
    rng = random.Random(seed)
    factual = "modality=asserted,reported"
    weighted = [
        (2, lambda: "/"),
        (2, lambda: "/static/app.js"),
        (3, lambda: "/api/meta"),
        (8, lambda: f"/api/events?{factual}&limit=5000&offset=0"),
        (8, lambda: f"/api/events?type={rng.choice(TYPES)}&limit=500"),
        (6, lambda: f"/api/events?actor={rng.choice(ACTORS)[1].split()[0]}&{factual}"),
        (6, lambda: "/api/events?near={},{},{}".format(*rng.choice(PLACES)[2:4], 50)),
        (4, lambda: f"/api/events?since=2024-06-01&until=2024-12-31&limit={rng.randint(1, 200)}"
                    f"&offset={rng.randint(0, 100)}"),
        (3, lambda: "/api/events?grouped=true&min_sources=1&limit=1000"),
        (4, lambda: "/api/places?limit=100"),
        (4, lambda: "/api/actors?limit=500"),
        (4, lambda: f"/api/quotes?place={rng.choice(PLACES)[1]}&limit=50"),
        (4, lambda: "/api/claims?type=statistic&limit=50"),
        (30, lambda: f"/api/documents/{rng.choice(document_ids)}"),
    ]
    makers = [make for weight, make in weighted for _ in range(weight)]
    return [rng.choice(makers)() for _ in range(n)]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    errors: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    wall: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[k]

    def __str__(self) -> str:
        ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
        return (f"{len(self.latencies)} requests in {self.wall:.2f} s "
                f"({len(self.latencies) / max(self.wall, 1e-9):.0f}/s); errors {len(self.errors)}; "
                f"latency p50 {ms(self.percentile(50))}, p95 {ms(self.percentile(95))}, "
                f"p99 {ms(self.percentile(99))}, max {ms(max(self.latencies, default=0))}, "
                f"mean {ms(statistics.fmean(self.latencies) if self.latencies else 0)}")


async def _load(base: str, paths: list[str], concurrency: int) -> Result:
    import httpx

    result = Result()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            while True:
                try:
                    path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    body = response.content
                    result.statuses[response.status_code] += 1
                    if response.status_code != 200:
                        result.errors.append(f"{path}: {response.status_code} {body[:200]!r}")
                    elif path.startswith("/api/") and not body.startswith(b"{"):
                        result.errors.append(f"{path}: not JSON: {body[:80]!r}")
                except httpx.HTTPError as exc:
                    result.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                result.latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.wall = time.perf_counter() - started
    return result


def load(base: str, paths: list[str], concurrency: int) -> Result:
    """Send ``paths`` to ``base``, ``concurrency`` at a time; returns when all have answered."""
    return asyncio.run(_load(base, paths, concurrency))


def run(requests: int = 2000, concurrency: int = 50, documents: int = 500,
        cache_mb: int = 64) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "load.duckdb")
        ids = build_store(path, documents)
        with server(path, cache_mb=cache_mb) as base:
            load(base, request_mix(ids, min(requests, 50)), min(concurrency, 10))  # warm up
            return load(base, request_mix(ids, requests), concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--documents", type=int, default=500,
                        help="synthetic documents in the store (2-6 events each)")
    parser.add_argument("--cache-mb", type=int, default=64,
                        help="the server's answer cache (0: every request queries the store)")
    args = parser.parse_args(argv)
    result = run(args.requests, args.concurrency, args.documents, args.cache_mb)
    print(f"sitrep serve, {args.documents} documents, {args.concurrency} concurrent, "
          f"cache {args.cache_mb} MB: {result}")
    for line in result.errors[:10]:
        print("  error:", line)
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
