"""The gold sets ``sitrep eval`` knows, each run through a Pipeline and scored as EVALUATION.md
says. The scorers themselves live beside this file (``geo.py``, ...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import SitrepError
from . import geo


def shared_dir() -> Path:
    """``../shared`` beside the working copy, or ``SITREP_SHARED``."""
    import os

    env = os.environ.get("SITREP_SHARED")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent.parent / "shared" / "eval").is_dir():
            return parent.parent / "shared"
    return Path.cwd().parent / "shared"


def _require(path: Path) -> Path:
    if not path.exists():
        raise SitrepError(f"{path}: gold set not found (set SITREP_SHARED to the shared folder)")
    return path


def _geo(loader: Callable, relpath: str, pipeline, limit: int | None, mode: str) -> str:
    docs = loader(_require(shared_dir() / relpath))
    if limit:
        docs = docs[:limit]
    scores = {}
    if mode in {"gold", "both"}:
        def resolve(text, spans):
            return [None if p is None else (p["lat"], p["lon"]) for p in pipeline.geocode(text, spans)]
        scores["gold toponyms (geocode)"] = geo.eval_gold_toponyms(docs, resolve)
    if mode in {"e2e", "both"}:
        def detect(text):
            report = pipeline.analyze_text(text)
            return [(m.start, m.end, p.lat, p.lon) for p in report.places for m in p.mentions]
        scores["end to end"] = geo.eval_end_to_end(docs, detect)
    return f"{relpath}: {len(docs)} documents\n" + geo.format_scores(scores)


SETS: dict[str, Callable[..., str]] = {
    "geo-lgl": lambda pipeline, limit=None, mode="both": _geo(
        geo.load_lgl, "eval/geo/lgl/lgl.xml", pipeline, limit, mode),
    "geo-gwn": lambda pipeline, limit=None, mode="both": _geo(
        geo.load_gwn, "eval/geo/geowebnews/GWN-dev.xml", pipeline, limit, mode),
}


def all_sets() -> dict[str, Callable[..., str]]:
    """Every gold set: the geo sets above and the ``SETS`` of each scorer module beside this one."""
    import importlib
    import pkgutil

    found = dict(SETS)
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in {"runs", "geo"}:
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        found.update(getattr(module, "SETS", {}))
    return found
