"""Scoring code for ``sitrep eval``: gold-set loaders and metrics, kept apart from the pipeline.

Each submodule scores one task against the development sets in ``../shared/eval`` exactly as
``EVALUATION.md`` describes; the thing being scored (geocoder, detector, ...) is injected as a plain
callable so that the scoring code never imports the pipeline.
"""
