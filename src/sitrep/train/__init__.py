"""Trained layers, built reproducibly from the training parts of ``../shared/eval`` by ``make``.

Each module here trains one model: it defines ``NAME`` (the artefact's file stem) and
``train(shared: Path, out: Path) -> dict`` (fits, writes the artefact to ``out``, returns a few
figures for the log). ``python -m sitrep.train [NAME ...]`` runs them; ``make models`` calls that.
Artefacts live in the cache folder (``SITREP_CACHE_DIR``, default ``~/.cache/sitrep/models``),
never in the repository, and are loaded with ``load(NAME)``, which returns None when a model has
not been built, so that the rules still run without it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import pkgutil
import re
import sys
import time
from pathlib import Path


def model_dir() -> Path:
    from ..settings import get_settings

    folder = get_settings().cache_dir
    if not folder:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitrep"
    return Path(folder) / "models"


def artefact(name: str) -> Path:
    return model_dir() / f"{name}.pkl"


def save(name: str, obj) -> Path:
    path = artefact(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


_loaded: dict[str, object] = {}


def load(name: str):
    """The trained artefact ``name``, or None when it has not been built (``make models``)."""
    if name not in _loaded:
        path = artefact(name)
        if not path.exists():
            return None
        with open(path, "rb") as f:
            _loaded[name] = pickle.load(f)
    return _loaded[name]


def trainers() -> dict[str, object]:
    """NAME -> module, for every trainer module in this package."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "train"):
            found[module.NAME] = module
    return found


def _source_hash(trainer: Path) -> str:
    """The trainer and the sitrep modules it imports (features, splits): a change to any of them
    makes the artefact stale."""
    text = trainer.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode())
    package = trainer.parent.parent
    for stage, module in sorted(set(re.findall(r"from \.\.(\w+)\.(\w+) import", text))):
        path = package / stage / f"{module}.py"
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    from ..evaluate.runs import shared_dir

    argv = sys.argv[1:] if argv is None else argv
    force = "--force" in argv
    argv = [a for a in argv if a != "--force"]
    shared = shared_dir()
    available = trainers()
    names = argv or sorted(available)
    if not (shared / "eval").is_dir():
        print(f"sitrep.train: {shared}/eval not found; trained layers are skipped and the rules "
              "run alone", file=sys.stderr)
        return 0
    for name in names:
        if name not in available:
            print(f"sitrep.train: no trainer called {name!r}", file=sys.stderr)
            return 2
        stamp = artefact(name).with_suffix(".source")
        source = _source_hash(Path(available[name].__file__))
        if not force and artefact(name).exists() and stamp.exists() and stamp.read_text() == source:
            print(f"{name}: up to date ({artefact(name)})")
            continue
        started = time.perf_counter()
        figures = available[name].train(shared, artefact(name))
        stamp.write_text(source)
        print(f"trained {name} in {time.perf_counter() - started:.1f}s -> {artefact(name)} {figures or ''}")
    return 0
